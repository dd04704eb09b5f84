"""The Makefile's own echo is part of every CI log: it must never print a credential given in ARGS or URL."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "7T:dGhpcy1pcy1hLXNlY3JldA"


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_contract_prints_no_credential_given_in_args() -> None:
    done = _make("contract", f"ARGS=--auth 'SOTicket {SECRET}' --list-checks")
    assert done.returncode == 0, done.stderr
    assert "round_trip" in done.stdout  # the suite really ran
    assert SECRET not in done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_contract_prints_no_password_given_in_the_url() -> None:
    done = _make("contract", f"URL=https://qa:{SECRET}@127.0.0.1:9/Cust1", "ARGS=--list-checks")
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
