"""A pure-ASGI wrapper that can answer, rewrite a request, and rewrite the buffered response.

The realistic and the broken servers are the project's mock behind one of these: each states its
difference from the mock as a small request or response transform.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _Headers:
    """Case-insensitive access to a `headers` list of (name, value) pairs."""

    __slots__ = ()
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def drop_header(self, name: str) -> None:
        self.headers = [(key, value) for key, value in self.headers if key.lower() != name.lower()]

    def set_header(self, name: str, value: str) -> None:
        self.drop_header(name)
        self.headers.append((name.lower(), value))


@dataclass(slots=True)
class Exchange(_Headers):
    """A request as the wrapper saw it; handlers may change any field before it reaches the app."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes
    # What a wrapper's request handler wants its response handler to know.
    notes: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        return next((value for key, value in self.query if key == name), None)


@dataclass(slots=True)
class Reply(_Headers):
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def set_json(self, value: Any) -> None:
        self.body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def error_reply(status: int, error_type: str, message: str) -> Reply:
    reply = Reply(status, [("content-type", "application/json; charset=utf-8")])
    reply.set_json({"Error": True, "ErrorType": error_type, "ErrorMessage": message, "ErrorSource": "test"})
    return reply


def internal(exchange: Exchange, method: str, path: str, body: Any = None) -> Exchange:
    """A request of the server's own, made with the caller's credentials (a JSON body, if any)."""
    kept = ("authorization", "x-xsrf-token", "cookie", "host")
    headers = [(key, value) for key, value in exchange.headers if key.lower() in kept]
    headers.append(("accept", "application/json"))
    request = Exchange(method, path, [], headers, b"")
    if body is not None:
        request.body = json.dumps(body).encode()
        request.headers.append(("content-type", "application/json"))
    return request


# Before the request: a request of the server's own to send first (its answer is kept in
# `exchange.notes["before"]` for `on_request` to see), or None.
Before = Callable[[Exchange], Exchange | None]
OnRequest = Callable[[Exchange], Reply | None]
OnResponse = Callable[[Exchange, Reply], Reply]
# After the answer: more requests to send to the app as well (their answers are kept in
# `exchange.notes["then"]` for `on_response` to see), or None.
Then = Callable[[Exchange, Reply], Exchange | Sequence[Exchange] | None]


class Rewrite:
    """Buffer request and response so `on_request`/`on_response` can see and change them whole."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        on_request: OnRequest | None = None,
        on_response: OnResponse | None = None,
        then: Then | None = None,
        before: Before | None = None,
    ):
        self.app = app
        self.before = before
        self.on_request = on_request
        self.on_response = on_response
        self.then = then

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        exchange = Exchange(
            method=scope["method"],
            path=scope["path"],
            query=parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True),
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
            body=body,
        )
        probe = self.before(exchange) if self.before else None
        if probe is not None:
            exchange.notes["before"] = await self._forward(scope, receive, probe)
        reply = self.on_request(exchange) if self.on_request else None
        if reply is None:
            reply = await self._forward(scope, receive, exchange)
            follow_up = self.then(exchange, reply) if self.then else None
            if isinstance(follow_up, Exchange):
                follow_up = [follow_up]
            exchange.notes["then"] = [await self._forward(scope, receive, more) for more in follow_up or ()]
            if self.on_response:
                reply = self.on_response(exchange, reply)
        reply.set_header("content-length", str(len(reply.body)))
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers],
            }
        )
        await send({"type": "http.response.body", "body": reply.body, "more_body": False})

    async def _forward(self, scope: Scope, receive: Receive, exchange: Exchange) -> Reply:
        inner_scope = dict(scope)
        inner_scope.update(
            method=exchange.method,
            path=exchange.path,
            raw_path=exchange.path.encode(),
            query_string=urlencode(exchange.query).encode(),
            headers=[
                (k.lower().encode("latin-1"), v.encode("latin-1"))
                for k, v in exchange.headers
                if k.lower() != "content-length"
            ]
            + [(b"content-length", str(len(exchange.body)).encode())],
        )
        sent = False

        async def inner_receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": exchange.body, "more_body": False}
            return await receive()

        reply = Reply(500)
        chunks: list[bytes] = []

        async def inner_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                reply.status = message["status"]
                reply.headers = [
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(inner_scope, inner_receive, inner_send)
        reply.body = b"".join(chunks)
        return reply


async def _read_body(receive: Callable[[], Awaitable[Message]]) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
