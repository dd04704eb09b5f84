"""One real PostgreSQL for every test here (one unit of work, so one worker runs them: see
tests/conftest.py), and a fresh database for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres.server import PostgresServer, running_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with running_server() as server:
        yield server


@pytest.fixture
def database_url(postgres: PostgresServer) -> str:
    return postgres.fresh_database()
