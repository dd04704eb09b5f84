"""A spec with a second resource (a renamed copy of Relation, /api/v1/Liaison): against a URL the
suite's Schemathesis run only reads it; with --all-resources it writes to it too, and every record it
created there is deleted at the end, the others left exactly as they were."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contracts.cli import parse_options
from contracts.suite import run_suite
from mockserver import Settings, create_app
from tests.contracts.conftest import QUICK
from tests.mock.test_second_entity import AUTH, LIAISON, two_entity_spec
from tests.servers.runner import serve

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_entity_spec(tmp_path_factory.mktemp("spec"))


@pytest.fixture
def served(spec_path: Path) -> Iterator[str]:
    with serve(create_app(Settings(quiet=True, spec_path=spec_path, journal_size=100_000))) as url:
        httpx.post(f"{url}/__admin/reset", timeout=10).raise_for_status()
        yield url


def _journal(url: str) -> list[dict[str, object]]:
    return list(httpx.get(f"{url}/__admin/requests", timeout=30).json()["Requests"])


def _liaisons(url: str) -> dict[int, object]:
    with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        return {rid: client.get(f"{LIAISON}/{rid}").json() for rid in (918, 819)}


def _run(url: str, spec_path: Path, *args: str) -> list[str]:
    options, _ = parse_options(["--url", url, "--spec", str(spec_path), *QUICK, "--checks", "schemathesis",
                                "--phases", "examples,fuzzing,stateful", *args])  # fmt: skip
    return run_suite(options).notes


def test_against_a_url_schemathesis_only_reads_the_other_resource(served: str, spec_path: Path) -> None:
    _run(served, spec_path)
    on_liaison = [e for e in _journal(served) if str(e["Path"]).lower().startswith(LIAISON.lower())]
    assert {e["Method"] for e in on_liaison} == {"GET"}, sorted({str(e["Method"]) for e in on_liaison})


def test_with_all_resources_it_writes_there_and_deletes_every_record_it_created(
    served: str, spec_path: Path
) -> None:
    before = _liaisons(served)
    notes = _run(served, spec_path, "--all-resources")
    journal = _journal(served)
    created = [e for e in journal if e["Method"] == "POST" and str(e["Path"]).rstrip("/").lower()
               == LIAISON.lower() and 200 <= int(str(e["Status"])) < 300]  # fmt: skip
    assert created, "the run wrote no Liaison"
    assert any(
        str(e["Method"]) in WRITES - {"POST"} for e in journal if LIAISON.lower() in str(e["Path"]).lower()
    )
    with httpx.Client(base_url=served, headers=AUTH, timeout=10) as client:
        listed = next(
            note for note in notes if note.startswith(f"records of another resource: {LIAISON}/{{id}}")
        )
        assert f"created {len(created)} " in listed and f"deleted {len(created)} " in listed, listed
        # The fixtures (918, 819) are as they were; every Liaison id the run made (919 on) is gone.
        left = [
            rid for rid in range(3, 3 + 2 * len(created)) if client.get(f"{LIAISON}/{rid}").status_code != 404
        ]
    assert left == []
    assert _liaisons(served) == before
