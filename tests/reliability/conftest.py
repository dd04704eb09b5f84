"""Fixtures that run the mock as a real child process (`python -m mockserver`) on a free port.

Reliability is about the process: signals, files, sockets, memory. So unlike the in-process
suites, every test here talks to a separate process, and a mock that crashes under a test is
reported with its stderr.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.mockprocess import MockProcess, StartMock


@pytest.fixture
def start_mock(tmp_path: Path) -> Iterator[StartMock]:
    """`start_mock("--state", path, ...)` -> a running MockProcess; all are stopped at teardown."""
    started: list[MockProcess] = []

    def start(*args: str | Path) -> MockProcess:
        mock = MockProcess([str(arg) for arg in args], workdir=tmp_path)
        started.append(mock)
        return mock.start()

    yield start
    crashed = [mock for mock in started if mock.died_unexpectedly()]
    for mock in started:
        mock.close()
    if crashed:
        pytest.fail(
            "\n".join(
                f"The mock (pid {mock.pid}) exited by itself with code {mock.process.returncode}. "
                f"Its stderr:\n{mock.stderr_text()}"
                for mock in crashed
            )
        )


@pytest.fixture(scope="session")
def mock() -> Iterator[MockProcess]:
    """One default mock (in memory, auth on, no access log) shared by the tests that only send
    requests; each of them uses relation ids of its own. Tests that signal, kill or measure the
    process start their own with `start_mock`."""
    with MockProcess(["--quiet"]) as shared:
        yield shared
        if shared.died_unexpectedly():
            pytest.fail(f"The shared mock exited by itself. Its stderr:\n{shared.stderr_text()}")
