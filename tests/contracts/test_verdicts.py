"""The suite in both directions: it passes correct servers and catches each broken one with exit 1."""

from __future__ import annotations

import httpx
import pytest

from contracts.cli import main
from tests.contracts.conftest import QUICK
from tests.servers.broken import BROKEN, Broken
from tests.servers.realistic import realistic_app
from tests.servers.runner import serve

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
WRITABLE = (
    "SourceContactId", "SourcePersonId", "DestinationContactId", "DestinationPersonId", "Comment",
    "RelationDefinitionId", "Reversed", "SourceContactName", "SourcePersonName", "DestinationContactName",
    "DestinationPersonName", "ActiveText", "PassiveText",
)  # fmt: skip


def _relation(url: str) -> dict[str, object]:
    answer = httpx.get(f"{url}/api/v1/Relation/918", headers=AUTH, timeout=10)
    answer.raise_for_status()
    body = answer.json()
    return {name: body.get(name) for name in WRITABLE}


def test_the_mock_keeps_every_promise_and_gets_its_relation_back(
    mock_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _relation(mock_url)
    assert main(["--url", mock_url, *QUICK]) == 0, capsys.readouterr().out
    assert _relation(mock_url) == before


def test_a_realistic_superoffice_passes(realistic_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", realistic_url, *QUICK]) == 0, capsys.readouterr().out


def test_a_server_without_get_passes_the_properties_and_gets_its_relation_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serve(realistic_app(with_get=False)) as url:
        code = main(["--url", url, *QUICK, "--checks", "property"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "restored to the first PUT answer" in out


def test_an_unknown_relation_id_is_created_not_refused(
    realistic_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--url", realistic_url, *QUICK, "--checks", "property", "--relation-id", "777001"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "did not exist before the run" in out


@pytest.mark.parametrize("broken", BROKEN, ids=[broken.name for broken in BROKEN])
def test_each_broken_server_is_caught_by_its_check(
    broken: Broken, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(broken.app()) as url:
        code = main(["--url", url, *QUICK, *broken.args])
    out = capsys.readouterr().out
    violated = {line.split()[1] for line in out.splitlines() if line.startswith("✗ ")}
    assert code == 1, out
    assert violated & set(broken.caught_by), (
        f"{broken.name}: expected {broken.caught_by}, saw {violated}\n{out}"
    )


def test_the_default_check_set_catches_a_broken_server_too(capsys: pytest.CaptureFixture[str]) -> None:
    select_ignored = next(broken for broken in BROKEN if broken.name == "select_ignored")
    with serve(select_ignored.app()) as url:
        code = main(["--url", url, *QUICK])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "✗ select " in out and "✗ select_nulls_unselected " in out
