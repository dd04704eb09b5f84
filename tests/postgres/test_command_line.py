"""`--state postgresql://...` and $RELATION_MOCK_STATE on the command line, and the one sentence a
database the mock cannot use gets, with the password masked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.__main__ import parse_args
from tests.postgres.server import PASSWORD, PostgresServer

ROOT = Path(__file__).resolve().parents[2]


def test_a_postgresql_url_is_a_shared_database_and_anything_else_a_sqlite_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RELATION_MOCK_STATE", raising=False)
    url = "postgresql://u:p@db.example:5432/mock"
    assert parse_args(["--state", url]).state_url == url
    assert parse_args(["--state", url]).state_file is None
    assert parse_args(["--state", "state.sqlite3"]).state_file == Path("state.sqlite3")
    assert parse_args([]).state_url is None
    monkeypatch.setenv("RELATION_MOCK_STATE", url)
    assert parse_args([]).state_url == url  # the variable keeps the password out of `ps`
    assert parse_args(["--state", "here.sqlite3"]).state_url is None  # the option wins
    assert parse_args(["--proxy", "http://127.0.0.1:9"]).state_url is None  # the proxy keeps no state


def test_a_wrong_password_stops_the_mock_with_exit_2_and_one_masked_sentence(
    postgres: PostgresServer,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--port", "0"],
        cwd=ROOT,
        env={**os.environ, "RELATION_MOCK_STATE": postgres.url(password="wrong-pw-123")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("relation-mock: The state database postgresql://harness:***@127.0.0.1:"), lines
    assert "wrong-pw-123" not in done.stderr and PASSWORD not in done.stderr


def test_a_database_that_is_not_there_stops_the_mock_naming_the_host(postgres: PostgresServer) -> None:
    url = f"postgresql://harness:{PASSWORD}@127.0.0.1:{postgres.port}/no_such_database"
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--port", "0", "--state", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "no_such_database" in done.stderr and "does not exist" in done.stderr, done.stderr
    assert PASSWORD not in done.stderr
