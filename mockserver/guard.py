"""Limits on a request before the app sees it, as a pure ASGI middleware.

Headers over `MAX_HEADER_BYTES` are refused with 400 (and never kept in the journal or caches).
A documented path is given the spec's spelling, as ASP.NET routes match in any letter case and
with a trailing slash (`/api/v1/relation/918/`); Starlette's router would answer 404, or an
undocumented 307 that echoes the Host header. An encoded slash (`%2F`) inside a segment is a 404.
Bodies: 413 before reading an oversized one, 408 for a stalled one.

A declared Content-Length over the limit is refused at once, without reading a byte of it; a
chunked body is counted as it arrives. The body is read whole before the app runs; a client
that stops sending mid-body gets 408 after `body_timeout` seconds instead of holding a worker.

`HostCheckMiddleware` (outermost, before the proxy too) answers 400 where RFC 9112 §3.2 requires
it: an HTTP/1.1 request without `Host`, two `Host` lines, or a value that is no `host[:port]`.
uvicorn's parser lets them through, and the mock builds `_Links` and the admin API's own origin
from that header.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.errors import ApiError


def _error(status: int, error_type: str, message: str) -> tuple[dict[str, object], bytes]:
    """A whole answer (start message and body) built once, sent as it is."""
    body = orjson.dumps(ApiError(status, error_type, message).body())
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, body


MAX_HEADER_BYTES = 32 * 1024
_LONG_NUMBER = re.compile(r"/[+-]?[0-9]{12,}(/|$)")
# RFC 9110 §7.2: Host = uri-host [ ":" port ], uri-host an IP-literal, IPv4 or reg-name (RFC 3986 §3.2.2).
_HOST = re.compile(rb"(\[[0-9A-Za-z:._~!$&'()*+,;=-]+\]|[0-9A-Za-z._~!$&'()*+,;=%-]*)(:[0-9]*)?")


class HostCheckMiddleware:
    """400 for the `Host` faults RFC 9112 §3.2 names; everything else passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hosts = [value for name, value in scope["headers"] if name == b"host"]
        problem = None
        if len(hosts) > 1:
            problem = (
                f"The request has {len(hosts)} Host headers; expected one (RFC 9112 §3.2). Send one Host."
            )
        elif hosts and not _HOST.fullmatch(hosts[0]):
            shown = hosts[0][:100].decode("latin-1")
            problem = (
                f"The Host header {shown!r} is not host[:port]; expected a name or address and an optional "
                "port, such as 127.0.0.1:4010. Send the server's address in Host."
            )
        elif not hosts and scope.get("http_version") == "1.1":
            problem = (
                "The request has no Host header; HTTP/1.1 requires one (RFC 9112 §3.2). Send "
                "Host: <host>:<port>, the address the request is sent to."
            )
        if problem is None:
            await self.app(scope, receive, send)
            return
        start, body = _error(400, "BadHttpRequestException", problem)
        await send(start)
        await send({"type": "http.response.body", "body": body})


class RequestGuardMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_body: int, timeout: float, canonical_path: Callable[[str], str]
    ) -> None:
        self.app = app
        self.canonical_path = canonical_path
        self.max_body = max_body
        self.timeout = timeout
        self._too_large = _error(413, "PayloadTooLargeException", f"Request body exceeds {max_body} bytes.")
        self._too_slow = _error(
            408, "RequestTimeoutException", f"The request body did not arrive within {timeout:g} seconds."
        )
        self._bad_length = _error(
            400, "BadHttpRequestException", "The Content-Length header is not a number."
        )
        self._no_resource = _error(
            404, "SoNotFoundException", "The path has an encoded slash; it names no resource."
        )
        self._bad_id = _error(  # the real route is `{id:int}`: no int32 has 12 digits, no route matches
            404, "SoNotFoundException", "No resource at this path: the id is not a 32-bit integer."
        )
        self._big_headers = _error(
            400, "BadHttpRequestException", f"The request headers exceed {MAX_HEADER_BYTES} bytes."
        )

    async def _reply(self, send: Send, reply: tuple[dict[str, object], bytes]) -> None:
        await send(reply[0])
        await send({"type": "http.response.body", "body": reply[1]})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        raw_path = scope.get("raw_path") or path.encode()
        if b"%2f" in raw_path.lower():  # an encoded slash inside a segment names no resource
            await self._reply(send, self._no_resource)
            return
        canonical = self.canonical_path(path)
        if canonical != path:
            scope = {**scope, "path": canonical, "raw_path": canonical.encode()}
        if _LONG_NUMBER.search(path):  # no int32 has 12 digits; Python refuses to read 4,301 or more
            await self._reply(send, self._bad_id)
            return
        if sum(len(name) + len(value) for name, value in scope["headers"]) > MAX_HEADER_BYTES:
            await self._reply(send, self._big_headers)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._reply(send, self._bad_length)
                    return
                if declared > self.max_body:
                    await self._reply(send, self._too_large)
                    return
        body = bytearray()
        try:
            async with asyncio.timeout(self.timeout):
                more = True
                while more:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    body += message.get("body", b"")
                    if len(body) > self.max_body:
                        await self._reply(send, self._too_large)
                        return
                    more = message.get("more_body", False)
        except TimeoutError:
            await self._reply(send, self._too_slow)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
