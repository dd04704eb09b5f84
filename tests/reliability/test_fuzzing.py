"""Stock Schemathesis, its CLI with every check, positive and negative data, against the mock
process with a state file: a short seeded run (`make fuzz` runs the long one, run_fuzz.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.reliability.mockprocess import StartMock
from tests.reliability.run_fuzz import JOURNAL_SIZE, schemathesis_command, server_errors


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
    assert run.returncode == 0, (
        f"Schemathesis exited {run.returncode}:\n{run.stdout[-6000:]}{run.stderr[-2000:]}"
    )
    generated = re.search(r"(\d+) generated", run.stdout)
    assert generated and int(generated.group(1)) > 0, run.stdout[-2000:]
