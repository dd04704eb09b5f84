"""Clients that are slow on purpose, over raw sockets: a connection that sends nothing and a request
head that never ends are closed after `--header-timeout` (408 when a request was begun), and many
stalled bodies hold no more than `--max-buffered` bytes (the body that would pass it is answered
503). A client that is slow but within the limits is answered as usual."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest

from tests.livemock import REFS  # the fixtures' contacts: a relation's references must exist
from tests.reliability.mockprocess import (
    BASIC,
    MockProcess,
    RawResponse,
    StartMock,
    parse_answer,
    request_bytes,
    vendor_error_problems,
)

HEAD_TIMEOUT = 1.0
MiB = 1024 * 1024


@pytest.fixture
def slow_mock(start_mock: StartMock) -> MockProcess:
    return start_mock("--quiet", "--header-timeout", str(HEAD_TIMEOUT), "--body-timeout", "30")


def read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and when it closed (seconds from now)."""
    started = time.monotonic()
    sock.settimeout(limit)
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data, time.monotonic() - started


def read_one_answer(sock: socket.socket) -> RawResponse:
    """One answer off a connection that stays open (its Content-Length says where it ends)."""
    sock.settimeout(5)
    data = b""
    while True:
        data += sock.recv(65536)
        _, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            answer = parse_answer(data)
            if len(body) >= int(answer.headers["content-length"]):
                return answer


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(slow_mock: MockProcess) -> None:
    with socket.create_connection(("127.0.0.1", slow_mock.port)) as sock:
        data, seconds = read_until_closed(sock, limit=HEAD_TIMEOUT + 10)
    assert data == b""
    assert HEAD_TIMEOUT * 0.9 <= seconds < HEAD_TIMEOUT + 3


def test_a_request_head_that_never_ends_is_answered_408_and_closed(slow_mock: MockProcess) -> None:
    with socket.create_connection(("127.0.0.1", slow_mock.port)) as sock:
        sock.sendall(b"GET /api/v1/Relation/918 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        with contextlib.suppress(OSError):  # one byte at a time, faster than any idle timeout
            while time.monotonic() - started < HEAD_TIMEOUT + 5:
                sock.sendall(b"x")
                time.sleep(0.1)
        data, _ = read_until_closed(sock, limit=5)
        seconds = time.monotonic() - started
    answer = parse_answer(data)
    assert answer.status == 408
    assert vendor_error_problems(answer.status, answer.headers["content-type"], answer.body) == []
    assert "headers did not arrive" in answer.json()["ErrorMessage"]
    assert answer.headers["connection"] == "close"
    assert seconds < HEAD_TIMEOUT + 4


def test_the_next_request_head_on_a_kept_alive_connection_is_timed_too(slow_mock: MockProcess) -> None:
    first = b"GET /api/v1/Relation/918 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + BASIC.encode()
    with socket.create_connection(("127.0.0.1", slow_mock.port)) as sock:
        sock.sendall(first + b"\r\n\r\n")
        assert read_one_answer(sock).status == 200
        sock.sendall(b"GET /api/v1/Relation/918 HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and no more
        data, seconds = read_until_closed(sock, limit=HEAD_TIMEOUT + 10)
    assert parse_answer(data).status == 408
    assert seconds < HEAD_TIMEOUT + 3


def test_a_slow_body_after_a_prompt_head_is_answered_as_usual(slow_mock: MockProcess) -> None:
    body = b'{"SourceContactId": 381, "DestinationContactId": 262, "Comment": "slow but steady"}'
    request = request_bytes("PUT", b"/api/v1/Relation/31337", body)
    head, _, rest = request.partition(b"\r\n\r\n")
    with socket.create_connection(("127.0.0.1", slow_mock.port)) as sock:
        sock.sendall(head + b"\r\n\r\n")
        for n in range(0, len(rest), 8):  # 3 x the header timeout to send the whole body
            sock.sendall(rest[n : n + 8])
            time.sleep(3 * HEAD_TIMEOUT / (len(rest) / 8))
        data, _ = read_until_closed(sock, limit=10)
    answer = parse_answer(data)
    assert answer.status == 200, answer.body
    assert answer.json()["Comment"] == "slow but steady"


# -- many stalled bodies ---------------------------------------------------------------------------

STALLED = 300
SENT_EACH = 256 * 1024
BUDGET = 8 * MiB


@contextlib.contextmanager
def stalled_bodies(port: int, count: int, sent_each: int) -> Iterator[list[socket.socket]]:
    """`count` PUTs that announce 1 MiB, send `sent_each` bytes of it, and stop."""
    head = (
        b"PUT /api/v1/Relation/918 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
        + BASIC.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n"
    )
    sockets = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sockets.append(sock)
            with contextlib.suppress(OSError):  # refused (503 and closed) mid-send
                sock.sendall(head + b'{"Comment": "' + b"x" * (sent_each - 13))
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def test_many_stalled_bodies_hold_at_most_max_buffered_bytes_and_the_rest_are_answered_503(
    start_mock: StartMock,
) -> None:
    mock = start_mock("--quiet", "--max-buffered", str(BUDGET), "--body-timeout", "60")
    with mock.client() as client:  # warm up: the code paths a PUT takes, loaded once
        for n in range(20):
            client.put(f"/api/v1/Relation/{40000 + n}", json=REFS)
    before = mock.rss_kib()
    with stalled_bodies(mock.port, STALLED, SENT_EACH) as sockets:
        time.sleep(1.0)
        during = mock.rss_kib()
        refused = []
        for sock in sockets:
            sock.settimeout(0.2)
            with contextlib.suppress(TimeoutError, ConnectionResetError):
                data = sock.recv(65536)
                if data.startswith(b"HTTP/1.1 503"):
                    refused.append(parse_answer(data))
    growth_mib = (during - before) / 1024
    sent_mib = STALLED * SENT_EACH / MiB
    assert growth_mib < BUDGET / MiB + 24, (
        f"RSS grew {growth_mib:.1f} MiB ({before} -> {during} KiB) for {sent_mib:.0f} MiB of stalled bodies"
    )
    held = STALLED - len(refused)
    assert held * SENT_EACH <= BUDGET + SENT_EACH, f"{held} bodies held, {len(refused)} refused"
    assert refused, "no body was refused"
    error = refused[0]
    assert vendor_error_problems(400, error.headers["content-type"], error.body) == []
    assert error.json()["ErrorType"] == "ServiceUnavailableException"
    assert int(error.headers["retry-after"]) > 0
    with mock.client() as client:  # the budget is free again once the stalled connections close
        answer = client.put("/api/v1/Relation/918", json=REFS)
        assert answer.status_code == 200, answer.text
