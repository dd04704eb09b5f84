"""The proxy in this process, in front of small upstreams on 127.0.0.1 (real sockets, real HTTP).

`proxy_in_thread(upstream)` serves `create_app(Settings(proxy_url=upstream))` as `python -m
mockserver --proxy` serves it; upstreams are ASGI apps served by `tests.servers.runner.serve`
(the realistic and broken servers, or `Echo`, which answers a fixed relation and remembers what
reached it).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import Settings, create_app
from tests.servers.runner import serve

BASIC = "Basic dGplMDpUamUw"  # tje0:Tje0, the seed's sample user
AUTH = {"Authorization": BASIC}
ENTITY = {
    "SourceContactId": 381,
    "SourcePersonId": 272,
    "DestinationContactId": 262,
    "DestinationPersonId": 492,
    "RelationId": 918,
    "Comment": "et",
    "RelationDefinitionId": 47,
    "Reversed": 812,
}
ANSWER = {
    **ENTITY,
    "UpdatedDate": "2026-01-02T03:04:05",
    "CreatedDate": "2015-10-29T08:40:59",
    "CreatedBy": None,
    "UpdatedBy": None,
    "TableRight": None,
    "FieldProperties": {},
    "_Links": {"Self": "https://host/api/v1/Relation/918"},
}


@contextlib.contextmanager
def proxy_in_thread(upstream: str, **overrides: Any) -> Iterator[str]:
    """The proxy on a free port (as `python -m mockserver --proxy upstream`); yields its URL."""
    settings = Settings(**{"quiet": True, "proxy_url": upstream, **overrides})
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), log_level="error", lifespan="on", date_header=False)
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the proxy did not start on {url}")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextlib.contextmanager
def proxy_before(app: ASGIApp, **overrides: Any) -> Iterator[str]:
    """`app` served as the upstream, and the proxy in front of it; yields the proxy's URL."""
    with serve(app) as upstream, proxy_in_thread(upstream, **overrides) as proxy:
        yield proxy


def violations(proxy: str) -> list[dict[str, Any]]:
    listing = httpx.get(f"{proxy}/__admin/violations", timeout=10).json()
    return list(listing["Violations"])


def answer_violations(proxy: str) -> list[dict[str, Any]]:
    return [v for v in violations(proxy) if v["Side"] == "response"]


@dataclass
class Seen:
    method: str
    path: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class Echo:
    """An upstream that remembers each request and answers one relation (or what `reply` says)."""

    seen: list[Seen] = field(default_factory=list)
    status: int = 200
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = json.dumps(ANSWER).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": f"{message['type']}.complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        self.seen.append(Seen(scope["method"], raw_path, scope["query_string"], list(scope["headers"]), body))
        headers = [(b"content-type", b"application/json; charset=utf-8"), *self.headers]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def header(seen: Seen, name: str) -> list[str]:
    return [v.decode("latin-1") for k, v in seen.headers if k.decode("latin-1").lower() == name.lower()]
