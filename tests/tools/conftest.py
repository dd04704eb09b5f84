"""Fixtures for the tests that run third-party tools: a mock process per module, on a free port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.mockprocess import MockProcess


@pytest.fixture(scope="module")
def mock() -> Iterator[MockProcess]:
    """`python -m mockserver --quiet` for the tests of one module (one tool), stopped afterwards."""
    with MockProcess(["--quiet"]) as process:
        yield process
        if process.died_unexpectedly():
            pytest.fail(f"The mock exited by itself. Its stderr:\n{process.stderr_text()}")
