"""Stock Schemathesis, its CLI with every check, positive and negative data, against the mock
process with a state file: a short seeded run (`make fuzz` runs the long one, run_fuzz.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.reliability.mockprocess import StartMock
from tests.reliability.run_fuzz import JOURNAL_SIZE, schemathesis_command, server_errors, unexplained_failures


@pytest.mark.slow
def test_stock_schemathesis_with_all_checks_finds_nothing_in_a_short_seeded_run(
    start_mock: StartMock, tmp_path: Path
) -> None:
    mock = start_mock("--quiet", "--state", tmp_path / "state.sqlite3", "--journal-size", str(JOURNAL_SIZE))
    run = subprocess.run(
        schemathesis_command(mock.url, max_examples=10, seed=1),
        cwd=tmp_path,  # Schemathesis writes nothing into the repository
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    errors = server_errors(mock)
    assert not errors, f"the mock answered with 5xx: {errors[:10]}"
    assert run.returncode in (0, 1), f"Schemathesis could not run:\n{run.stdout[-6000:]}{run.stderr[-2000:]}"
    failures = unexplained_failures(run.stdout)
    assert run.returncode == 0 or not failures, (
        f"Schemathesis found {failures}:\n{run.stdout[-6000:]}{run.stderr[-2000:]}"
    )
    generated = re.search(r"(\d+) generated", run.stdout)
    assert generated and int(generated.group(1)) > 0, run.stdout[-2000:]


def test_only_the_xml_map_ambiguity_is_set_aside_from_schemathesis_failures() -> None:
    ambiguous = (
        "- ST201 Schema-violating request accepted\n"
        "    Invalid component: in body - updatedBy -> CustomFields -> "
        "Object with invalid additional property: Incorrect type\n"
        "    curl -X PUT -H 'Content-Type: text/xml' -d '<a/>' http://x\n"
    )
    same_in_json = ambiguous.replace("text/xml", "application/json")
    other = "- ST202 Schema-valid request rejected\n    curl -X PUT -H 'Content-Type: text/xml'\n"
    assert unexplained_failures(ambiguous) == []
    assert unexplained_failures(same_in_json) == ["- ST201 Schema-violating request accepted"]
    assert unexplained_failures(ambiguous + other) == ["- ST202 Schema-valid request rejected"]
