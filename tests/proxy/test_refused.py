"""What the proxy refuses itself, before anything is forwarded: headers over 32 KiB (400, as the mock
refuses them) and paths whose parameter would name another path upstream (404)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.proxy.conftest import AUTH, Echo, proxy_in_thread
from tests.reliability.mockprocess import raw_exchange, request_bytes
from tests.servers.runner import serve


@contextlib.contextmanager
def _proxy() -> Iterator[tuple[Echo, str]]:
    echo = Echo()
    with serve(echo) as upstream, proxy_in_thread(upstream) as proxy:
        yield echo, proxy


def _forwarded(echo: Echo) -> list[str]:
    """The paths that reached the upstream (its readiness probe `/` aside)."""
    return [seen.path for seen in echo.seen if seen.path != "/"]


def _vendor_error(answer: httpx.Response, status: int, error_type: str) -> None:
    assert answer.status_code == status
    body = answer.json()
    assert set(body) >= {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
    assert body["Error"] is True and body["ErrorType"] == error_type


def test_headers_over_32_kib_are_refused_400_and_never_forwarded() -> None:
    with _proxy() as (echo, proxy):
        big = httpx.get(
            f"{proxy}/api/v1/Relation/918", headers={**AUTH, "X-Filler": "a" * (33 * 1024)}, timeout=10
        )
        many = httpx.get(
            f"{proxy}/api/v1/Relation/918",
            headers=[("Authorization", AUTH["Authorization"])] + [(f"X-H{i}", "b" * 100) for i in range(400)],
            timeout=10,
        )
        under = httpx.get(
            f"{proxy}/api/v1/Relation/918", headers={**AUTH, "X-Filler": "a" * (30 * 1024)}, timeout=10
        )
    _vendor_error(big, 400, "BadHttpRequestException")
    assert "32768 bytes" in big.json()["ErrorMessage"]
    _vendor_error(many, 400, "BadHttpRequestException")
    assert under.status_code == 200
    assert len(_forwarded(echo)) == 1  # only the request under the limit went upstream


TRAVERSALS = [
    "%2e%2e",
    "%2E%2E",
    "..",
    ".",
    "..%2F..%2F__admin%2Freset",
    "%2F",
    "918%2f..",
    "%5C..%5Cother",
    "..%5C",
    "%252e%252e",
    "%252F",
    "%c0%ae%c0%ae",
    "..;",
    ".%2e",
]


@pytest.mark.parametrize("segment", TRAVERSALS)
def test_a_path_parameter_that_would_name_another_path_is_404_and_never_forwarded(segment: str) -> None:
    with _proxy() as (echo, proxy):
        port = urlsplit(proxy).port
        assert port is not None
        for method in ("GET", "PUT", "DELETE"):
            answer = raw_exchange(port, request_bytes(method, f"/api/v1/Relation/{segment}".encode()))
            assert answer.status == 404, (method, segment, answer.body)
            body = answer.json()
            assert body["Error"] is True and body["ErrorType"] == "SoNotFoundException"
        control = httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH, timeout=10)
    assert _forwarded(echo) == ["/api/v1/Relation/918"]
    assert control.status_code == 200


def test_a_request_target_in_absolute_form_goes_only_to_the_configured_upstream() -> None:
    with _proxy() as (echo, proxy):
        port = urlsplit(proxy).port
        assert port is not None
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"GET http://elsewhere.invalid/api/v1/Relation/918 HTTP/1.1\r\nHost: elsewhere.invalid\r\n"
                b"Authorization: " + AUTH["Authorization"].encode() + b"\r\nConnection: close\r\n\r\n"
            )
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
    assert reply.startswith(b"HTTP/1.1 200")
    assert _forwarded(echo) == ["/api/v1/Relation/918"]
