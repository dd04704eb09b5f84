"""What the proxy sends upstream and what it gives back: the exchange as it was, minus hop-by-hop headers."""

from __future__ import annotations

import gzip
import json
import socket

import httpx

from tests.proxy.conftest import AUTH, ENTITY, Echo, header, proxy_in_thread
from tests.servers.runner import serve


def _api(echo: Echo) -> list:
    return [seen for seen in echo.seen if seen.path.startswith("/Cust12345/api/")]


def test_a_request_reaches_the_upstream_under_its_base_path_with_method_query_body_and_credentials() -> None:
    echo = Echo()
    with serve(echo) as upstream, proxy_in_thread(f"{upstream}/Cust12345") as proxy:
        body = json.dumps(ENTITY).encode()
        answer = httpx.put(
            f"{proxy}/api/v1/Relation/918?$select=Comment&x=%2B1",
            content=body,
            headers={**AUTH, "Content-Type": "application/json", "Cookie": "a=1", "X-Custom": "kept"},
        )
    assert answer.status_code == 200
    (seen,) = _api(echo)
    assert (seen.method, seen.path, seen.query, seen.body) == (
        "PUT",
        "/Cust12345/api/v1/Relation/918",
        b"$select=Comment&x=%2B1",
        body,
    )
    assert header(seen, "authorization") == [AUTH["Authorization"]]
    assert header(seen, "cookie") == ["a=1"]
    assert header(seen, "x-custom") == ["kept"]
    assert header(seen, "host") == [upstream.removeprefix("http://")]
    assert header(seen, "content-length") == [str(len(body))]


def test_hop_by_hop_headers_are_not_forwarded_and_a_via_is_added() -> None:
    echo = Echo()
    with serve(echo) as upstream, proxy_in_thread(upstream) as proxy:
        httpx.get(
            f"{proxy}/api/v1/Relation/918",
            headers={
                **AUTH,
                "Connection": "keep-alive, X-Private",
                "X-Private": "hop",
                "Keep-Alive": "timeout=5",
                "TE": "trailers",
                "Upgrade": "h2c",
                "Proxy-Authorization": "Basic cHJveHk6c2VjcmV0",
            },
        )
    (seen,) = [s for s in echo.seen if s.path.startswith("/api/")]
    names = {name.decode().lower() for name, _ in seen.headers}
    assert not names & {"x-private", "keep-alive", "te", "upgrade", "proxy-authorization"}
    assert header(seen, "via") == ["1.1 relation-mock"]
    assert header(seen, "authorization") == [AUTH["Authorization"]]


def test_the_answer_comes_back_as_the_upstream_sent_it_compressed_body_and_headers_included() -> None:
    relation = json.dumps({**ENTITY, "UpdatedDate": "2026-01-02T03:04:05"}).encode()
    echo = Echo(
        headers=[(b"content-encoding", b"gzip"), (b"x-upstream", b"yes"), (b"keep-alive", b"timeout=5")],
        body=gzip.compress(relation),
    )
    with serve(echo) as upstream, proxy_in_thread(upstream) as proxy, httpx.Client() as client:
        request = client.build_request("GET", f"{proxy}/api/v1/Relation/918", headers=AUTH)
        answer = client.send(request, stream=True)
        raw = b"".join(answer.iter_raw())
    assert raw == echo.body  # still gzip, byte for byte
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["x-upstream"] == "yes"
    assert "keep-alive" not in answer.headers
    assert answer.headers["x-contract-violations"] == "0"


def test_paths_the_spec_does_not_name_stay_with_the_proxy() -> None:
    echo = Echo()
    with serve(echo) as upstream, proxy_in_thread(upstream) as proxy:
        assert httpx.get(f"{proxy}/__admin/requests").status_code == 200
        unknown = httpx.get(f"{proxy}/api/v1/Sale/1", headers=AUTH)  # the spec names Contact now
    assert unknown.status_code == 404
    assert not [s for s in echo.seen if s.path != "/"]


def test_a_declared_body_over_max_body_is_refused_413_and_not_forwarded() -> None:
    echo = Echo()
    with serve(echo) as upstream, proxy_in_thread(upstream, max_body=1000) as proxy:
        answer = httpx.put(
            f"{proxy}/api/v1/Relation/918",
            content=b"{" + b" " * 2000 + b"}",
            headers={**AUTH, "Content-Type": "application/json"},
        )
    assert answer.status_code == 413
    assert answer.json()["ErrorType"] == "PayloadTooLargeException"
    assert not [s for s in echo.seen if s.path.startswith("/api/")]


def test_a_chunked_body_over_max_body_is_refused_413_and_not_forwarded() -> None:
    echo = Echo()
    with serve(echo) as upstream, proxy_in_thread(upstream, max_body=1000) as proxy:
        port = int(proxy.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"PUT /api/v1/Relation/918 HTTP/1.1\r\nHost: x\r\nAuthorization: "
                + AUTH["Authorization"].encode()
                + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            for _ in range(3):
                sock.sendall(b"200\r\n" + b" " * 0x200 + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
            status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    assert b" 413 " in status_line + b" "
    assert not [s for s in echo.seen if s.path.startswith("/api/")]


def test_cors_is_the_proxys_own_and_exposes_the_violation_headers() -> None:
    echo = Echo(headers=[(b"access-control-allow-origin", b"*")])
    with serve(echo) as upstream, proxy_in_thread(upstream) as proxy:
        origin = {"Origin": "http://localhost:5173"}
        preflight = httpx.options(
            f"{proxy}/api/v1/Relation/918", headers={**origin, "Access-Control-Request-Method": "PUT"}
        )
        answer = httpx.get(f"{proxy}/api/v1/Relation/918", headers={**AUTH, **origin})
    assert preflight.status_code == 200
    assert not [s for s in echo.seen if s.method == "OPTIONS"]  # answered by the proxy itself
    assert answer.headers.get_list("access-control-allow-origin") == ["http://localhost:5173"]
    exposed = ",".join(answer.headers.get_list("access-control-expose-headers"))
    assert "X-Contract-Violations" in exposed
