"""SIGTERM is a clean stop: the request in flight (a client still sending its body) is finished
and answered, the store is closed (nothing left in the SQLite write-ahead log), the process exits
with code 0, and the write is there after a restart on the same state file."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.mockprocess import AUTH, MockProcess, RawResponse, parse_answer, request_bytes

BODY = b'{"Comment": "sent slowly across a SIGTERM", "SourceContactId": 381, "DestinationContactId": 262}'
PATH = "/api/v1/Relation/33001"


@dataclass(frozen=True)
class Shutdown:
    answer: RawResponse
    exit_code: int
    seconds_to_exit: float
    state: Path
    wal_bytes_left: int
    stderr: str


@pytest.fixture(scope="module")
def shutdown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shutdown]:
    """SIGTERM arrives after the first bytes of the body; the rest trickles in over ~2 s."""
    workdir = tmp_path_factory.mktemp("shutdown")
    state = workdir / "state.sqlite3"
    mock = MockProcess(["--state", str(state), "--body-timeout", "10"], workdir=workdir).start()
    try:
        request = request_bytes("PUT", PATH.encode(), BODY)
        head, body = request[: -len(BODY)], request[-len(BODY) :]
        with socket.create_connection(("127.0.0.1", mock.port), timeout=20.0) as sock:
            sock.sendall(head + body[:4])
            time.sleep(0.2)
            mock.signal(signal.SIGTERM)
            signalled = time.monotonic()
            for i in range(4, len(body), 3):
                sock.sendall(body[i : i + 3])
                time.sleep(0.1)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        exit_code = mock.process.wait(20)
        seconds = time.monotonic() - signalled
        wal = state.with_name(state.name + "-wal")
        yield Shutdown(
            parse_answer(data),
            exit_code,
            seconds,
            state,
            wal.stat().st_size if wal.exists() else 0,
            mock.stderr_text(),
        )
    finally:
        mock.close()


@pytest.mark.slow
def test_a_request_in_flight_when_sigterm_arrives_is_completed_with_200(shutdown: Shutdown) -> None:
    assert shutdown.answer.status == 200, shutdown.answer.body[:300]
    assert shutdown.answer.json()["Comment"] == "sent slowly across a SIGTERM"


@pytest.mark.slow
def test_sigterm_makes_the_mock_exit_with_code_0_within_seconds(shutdown: Shutdown) -> None:
    assert shutdown.seconds_to_exit < 15, f"the mock took {shutdown.seconds_to_exit:.1f} s to exit"
    exit_code = shutdown.exit_code
    assert exit_code == 0, (
        f"exit code {exit_code} after SIGTERM (negative: the process re-raised the signal "
        f"and died of it). stderr:\n{shutdown.stderr[-1500:]}"
    )


@pytest.mark.slow
def test_sigterm_closes_the_store_with_nothing_left_in_the_write_ahead_log(shutdown: Shutdown) -> None:
    assert shutdown.wal_bytes_left == 0


@pytest.mark.slow
def test_the_write_finished_during_shutdown_is_there_after_a_restart(shutdown: Shutdown) -> None:
    with MockProcess(["--quiet", "--state", str(shutdown.state)]) as mock, mock.client() as client:
        stored = client.get(PATH, headers=AUTH)
    assert stored.status_code == 200
    assert stored.json()["Comment"] == "sent slowly across a SIGTERM"
