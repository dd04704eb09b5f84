"""The example CI pipeline (.github/workflows/contract.yml): lint-clean, and it gates what it says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "contract.yml"
BIN = Path(sys.executable).parent  # actionlint and shellcheck come with the test extras


def _steps(job: str) -> list[dict[str, Any]]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"][job]["steps"]


def test_actionlint_with_shellcheck_finds_nothing_in_the_workflow() -> None:
    done = subprocess.run(
        [str(BIN / "actionlint"), "-shellcheck", str(BIN / "shellcheck"), "-no-color", str(WORKFLOW)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_test_job_runs_make_test_and_keeps_its_junit_report() -> None:
    steps = _steps("test")
    assert any(
        step.get("run", "").startswith("make test") and "--junit-xml=" in step["run"] for step in steps
    )
    assert any(step.get("uses", "").startswith("actions/upload-artifact@") for step in steps)


def test_the_contract_job_checks_the_secret_url_and_keeps_its_junit_report() -> None:
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    contract = document["jobs"]["contract"]
    assert contract["needs"] == "test"
    assert contract["env"]["RELATION_API_URL"] == "${{ secrets.RELATION_API_URL }}"
    runs = " ".join(step.get("run", "") for step in contract["steps"])
    # The console script, whose status the job sees (make would turn 1 and 3 into 2).
    assert '.venv/bin/relation-contracts "${url_args[@]}"' in runs and '--url "$RELATION_API_URL"' in runs
    assert "--junit results/" in runs
    uploads = [
        step for step in contract["steps"] if step.get("uses", "").startswith("actions/upload-artifact@")
    ]
    assert [step["with"]["path"] for step in uploads] == ["results/"]
