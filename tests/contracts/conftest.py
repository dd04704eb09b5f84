"""Servers for the contract-suite tests: the mock and the realistic variant, each on a free port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockserver import Settings, create_app
from tests.servers.realistic import realistic_app
from tests.servers.runner import serve

# Small and seeded: fast, and the same requests on every run. One Schemathesis process per run: pytest
# already runs a test per core, so a second one only adds its start-up (about 1 s of CPU per run).
QUICK = ("--max-examples", "5", "--seed", "4242", "--quiet", "--workers", "1")


@pytest.fixture(scope="session")
def mock_url() -> Iterator[str]:
    with serve(create_app(Settings(quiet=True))) as url:
        yield url


@pytest.fixture(scope="session")
def realistic_url() -> Iterator[str]:
    with serve(realistic_app()) as url:
        yield url
