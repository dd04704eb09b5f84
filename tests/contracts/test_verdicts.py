"""The suite in both directions: it passes correct servers and catches each broken one.

A correct server passes even under --strict, with nothing to warn about; each broken server is
reported as a violation (not a warning) by every listed check that the run included.
"""

from __future__ import annotations

import httpx
import pytest

from contracts.cli import main, parse_options
from contracts.results import FAILED, NOT_APPLICABLE, NOT_RUN, PASSED, WARNED, RunResult
from contracts.suite import run_suite
from tests.contracts.conftest import QUICK
from tests.servers.broken import BROKEN, Broken
from tests.servers.realistic import realistic_app
from tests.servers.runner import serve

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
KEPT = (
    "SourceContactId", "SourcePersonId", "DestinationContactId", "DestinationPersonId", "Comment",
    "RelationDefinitionId", "Reversed", "SourceContactName", "SourcePersonName", "DestinationContactName",
    "DestinationPersonName", "ActiveText", "PassiveText",
)  # fmt: skip


def _relation(url: str) -> dict[str, object]:
    answer = httpx.get(f"{url}/api/v1/Relation/918", headers=AUTH, timeout=10)
    answer.raise_for_status()
    body = answer.json()
    return {name: body.get(name) for name in KEPT}


def _run(url: str, *args: str) -> RunResult:
    options, _ = parse_options(["--url", url, *QUICK, *args])
    return run_suite(options)


def _findings(result: RunResult) -> str:
    return "\n".join(f"{f.check}: {f.title}: {f.seen[:300]}" for f in result.failures + result.warnings)


def test_the_mock_keeps_every_promise_strictly_and_gets_its_relation_back(
    mock_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _relation(mock_url)
    assert main(["--url", mock_url, *QUICK, "--strict"]) == 0, capsys.readouterr().out
    assert _relation(mock_url) == before


def test_a_realistic_superoffice_passes_strictly_with_nothing_to_warn_about(realistic_url: str) -> None:
    result = _run(realistic_url, "--strict")
    assert result.ok and not result.warnings, _findings(result)
    assert any("from the relation under test" in note for note in result.notes), result.notes


def test_a_server_without_get_passes_the_properties_and_gets_its_relation_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serve(realistic_app(with_get=False)) as url:
        code = main(["--url", url, *QUICK, "--checks", "property"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "restored to the first PUT answer" in out


def test_an_unknown_relation_is_created_with_the_references_given(realistic_url: str) -> None:
    result = _run(
        realistic_url, "--checks", "property", "--relation-id", "777001",
        "--contact-ids", "381,262,7", "--person-ids", "381:272,7:70", "--definition-ids", "47,5",
    )  # fmt: skip
    assert result.ok, _findings(result)
    notes = " ".join(result.notes)
    assert "did not exist before the run" in notes
    assert "contact 381 person 272 -> contact 262 person 0, definition 47" in notes


def test_without_any_known_reference_the_spec_sample_is_written_and_the_report_says_so(
    realistic_url: str,
) -> None:
    result = _run(realistic_url, "--checks", "round_trip,persistence", "--relation-id", "777002")
    assert result.ok, _findings(result)
    assert any("spec sample's references" in note for note in result.notes), result.notes


@pytest.mark.parametrize("broken", BROKEN, ids=[broken.name for broken in BROKEN])
def test_each_broken_server_is_caught_by_its_check(broken: Broken) -> None:
    with serve(broken.app()) as url:
        result = _run(url, *broken.args)
    judged = [name for name in broken.caught_by if name in result.outcomes]
    assert judged, f"{broken.name}: none of {broken.caught_by} ran"
    statuses = {name: result.outcomes[name].status for name in judged}
    assert all(status == FAILED for status in statuses.values()), (
        f"{broken.name} ({broken.promise}): expected {judged} violated, got {statuses}\n{_findings(result)}"
    )
    assert not result.ok


def test_the_default_check_set_catches_a_broken_server_too(capsys: pytest.CaptureFixture[str]) -> None:
    select_ignored = next(broken for broken in BROKEN if broken.name == "select_ignored")
    with serve(select_ignored.app()) as url:
        code = main(["--url", url, *QUICK, "--phases", "examples,fuzzing"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "✗ select " in out and "✗ select_nulls_unselected " in out


def test_a_broken_framework_default_is_a_warning_without_strict_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    strict_accept = next(broken for broken in BROKEN if broken.name == "strict_accept")
    with serve(strict_accept.app()) as url:
        code = main(["--url", url, *QUICK, "--checks", "accept_fallback,missing_body"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "⚠ accept_fallback" in out and "framework default" in out
    assert "--strict makes them fail the run" in out


def test_a_check_that_judged_nothing_is_not_run_and_one_without_a_subject_not_applicable(
    mock_url: str,
) -> None:
    result = _run(
        mock_url, "--phases", "examples",
        "--checks", "negative_data_rejection,positive_data_acceptance,missing_required_header,use_after_free",
    )  # fmt: skip
    statuses = {name: outcome.status for name, outcome in result.outcomes.items()}
    assert statuses == {
        "negative_data_rejection": NOT_RUN,
        "positive_data_acceptance": PASSED,
        "missing_required_header": NOT_APPLICABLE,
        "use_after_free": NOT_APPLICABLE,
    }
    assert result.outcomes["negative_data_rejection"].cases == 0
    assert result.outcomes["positive_data_acceptance"].cases > 0


def test_path_id_wins_is_left_out_against_a_url_unless_strict(realistic_url: str) -> None:
    loose = _run(realistic_url, "--checks", "path_id_wins")
    strict = _run(realistic_url, "--checks", "path_id_wins", "--strict")
    assert loose.outcomes["path_id_wins"].status == NOT_APPLICABLE
    assert "--strict" in (loose.outcomes["path_id_wins"].reason or "")
    assert strict.outcomes["path_id_wins"].status == PASSED
    assert WARNED not in {outcome.status for outcome in strict.outcomes.values()}
