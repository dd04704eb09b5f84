"""An upstream that is down, breaks the connection or is too slow: 502 or 504 in the vendor's shape."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from tests.livemock import free_port
from tests.proxy.conftest import AUTH, Echo, proxy_in_thread
from tests.servers.runner import serve


@contextlib.contextmanager
def raw_server(reply: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server on 127.0.0.1 that reads a request and then does `reply(connection)`."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                with contextlib.suppress(OSError):
                    connection.recv(65536)
                    reply(connection)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def _reset(connection: socket.socket) -> None:
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST


def _garbage(connection: socket.socket) -> None:
    connection.sendall(b"this is not HTTP\r\n\r\n")


def _half_answer(connection: socket.socket) -> None:
    connection.sendall(
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"Rel'
    )


def _assert_bad_gateway(answer: httpx.Response, status: int, upstream: str) -> None:
    assert answer.status_code == status
    body = answer.json()
    assert body["Error"] is True
    assert body["ErrorType"] == ("GatewayTimeoutException" if status == 504 else "BadGatewayException")
    assert upstream in body["ErrorMessage"]


def test_a_refused_connection_is_a_502_that_names_the_upstream() -> None:
    upstream = f"http://127.0.0.1:{free_port()}"
    with proxy_in_thread(upstream) as proxy:
        answer = httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH, timeout=10)
    _assert_bad_gateway(answer, 502, upstream)


@pytest.mark.parametrize("reply", [_reset, _garbage, _half_answer], ids=["reset", "not-http", "cut-short"])
def test_a_broken_connection_is_a_502_that_names_the_upstream(reply: Callable[[socket.socket], None]) -> None:
    with raw_server(reply) as upstream, proxy_in_thread(upstream) as proxy:
        answer = httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH, timeout=10)
        after = httpx.get(f"{proxy}/__admin/violations", timeout=10)
    _assert_bad_gateway(answer, 502, upstream)
    assert after.status_code == 200  # and the proxy still serves


class _Slow(Echo):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            await asyncio.sleep(1.5)
        await super().__call__(scope, receive, send)


def test_an_upstream_slower_than_upstream_timeout_is_a_504_and_the_proxy_keeps_serving() -> None:
    with serve(_Slow()) as upstream, proxy_in_thread(upstream, upstream_timeout=0.3) as proxy:
        answer = httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH, timeout=5)
        after = httpx.get(f"{proxy}/__admin/violations", timeout=5)
    _assert_bad_gateway(answer, 504, upstream)
    assert "0.3 s" in answer.json()["ErrorMessage"]
    assert after.status_code == 200


def test_an_upstream_error_is_journaled_with_the_reason() -> None:
    upstream = f"http://127.0.0.1:{free_port()}"
    with proxy_in_thread(upstream) as proxy:
        httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH, timeout=10)
        (entry,) = [
            e
            for e in httpx.get(f"{proxy}/__admin/requests").json()["Requests"]
            if e["Path"].startswith("/api")
        ]
    assert entry["Status"] == 502
    assert entry["Upstream"]["Url"] == upstream
    assert "cannot be reached" in entry["Upstream"]["Error"]
