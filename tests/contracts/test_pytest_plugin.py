"""QA's route: the checks as pytest tests, selected with -k, against any URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from contracts.results import CheckOutcome, RunResult
from contracts.test_contract import test_contract as judge_check
from mockserver import Settings, create_app
from tests.servers.broken import BROKEN
from tests.servers.runner import serve

ROOT = Path(__file__).resolve().parents[2]


def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--pyargs", "contracts", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=240)


def test_selected_checks_pass_against_a_correct_server(realistic_url: str) -> None:
    done = _pytest("--url", realistic_url, "--contracts-max-examples", "3", "-k", "round_trip or persistence")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_a_violation_fails_its_test_with_the_curl_to_reproduce_it() -> None:
    missing_412 = next(broken for broken in BROKEN if broken.name == "missing_412")
    with serve(missing_412.app()) as url:
        done = _pytest("--url", url, "--contracts-max-examples", "3", "-k", "concurrency or round_trip")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "curl -i -X PUT" in done.stdout


def test_without_url_the_contract_tests_skip() -> None:
    done = _pytest("-k", "round_trip")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout


def test_a_selected_check_without_an_outcome_fails_and_one_not_run_is_skipped() -> None:
    result = RunResult(target="x", seed=1)
    result.outcomes["missing_body"] = CheckOutcome("missing_body", "property", "vendor")
    with pytest.raises(pytest.fail.Exception, match="reported nothing"):
        judge_check("round_trip", result)
    with pytest.raises(pytest.skip.Exception, match="not run"):
        judge_check("missing_body", result)


def test_a_documented_truncation_reaches_the_suite_from_pytest() -> None:
    silent = next(broken for broken in BROKEN if broken.name == "silent_truncation")
    with serve(silent.app()) as url:
        plain = _pytest("--url", url, "-k", "field_lengths")
        documented = _pytest("--url", url, "-k", "field_lengths", "--contracts-documented-truncation")
    assert plain.returncode == 1 and "silently cut to FieldLength" in plain.stdout, plain.stdout
    assert documented.returncode == 0, documented.stdout + documented.stderr


def test_read_only_reaches_the_suite_from_pytest_and_sends_only_get() -> None:
    with serve(create_app(Settings(quiet=True))) as url:
        done = _pytest("--url", url, "--contracts-read-only", "-k", "default_entity or round_trip")
        methods = {
            entry["Method"] for entry in httpx.get(f"{url}/__admin/requests", timeout=10).json()["Requests"]
        }
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 1 skipped" in done.stdout
    assert methods == {"GET"}, methods
