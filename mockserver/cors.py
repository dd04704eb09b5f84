"""CORS for a browser app on another origin, as a pure ASGI middleware.

Any origin is echoed with credentials allowed (a mock serves whatever dev server the app runs on).
A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered here and lists
only the methods the spec documents for that path, so a browser never sends a method that would
then get 405; a path the spec does not document goes on to the app (404). The headers of both
answers are built once per path and origin-free parts once at start-up.

The admin API (`/__admin/...`, any letter case) gets no CORS headers at all, a preflight included
(it goes on to the app, which answers 405 without them): a browser then shows another origin
neither the journal nor the answer of a reset. Its handlers refuse such calls (handlers/admin.py).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

EXPOSED = b"Last-Modified, WWW-Authenticate, Content-Type"
MAX_AGE = b"600"
ADMIN = "/__admin"


def is_admin_path(path: str) -> bool:
    """`/__admin/reset`, `/__ADMIN/Reset/`: the mock's own API, which no other origin may use."""
    head = path[: len(ADMIN) + 1].lower()
    return head == ADMIN or head == ADMIN + "/"


class CorsMiddleware:
    def __init__(self, app: ASGIApp, methods_for: Callable[[str], str | None]) -> None:
        """`methods_for(path)`: the documented methods of a path (`"GET, PUT"`), None if undocumented."""
        self.app = app
        self.methods_for = methods_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_admin_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        origin = requested_method = requested_headers = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                requested_method = value
            elif name == b"access-control-request-headers":
                requested_headers = value
        if origin is None:
            await self.app(scope, receive, send)
            return
        common = [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-credentials", b"true"),
            (b"vary", b"Origin"),
        ]
        if scope["method"] == "OPTIONS" and requested_method is not None:
            methods = self.methods_for(scope["path"])
            if methods is not None:
                await self._preflight(send, common, methods, requested_headers)
                return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [*common, (b"access-control-expose-headers", EXPOSED)]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    async def _preflight(
        send: Send, common: list[tuple[bytes, bytes]], methods: str, requested_headers: bytes | None
    ) -> None:
        headers = [
            *common,
            (b"access-control-allow-methods", methods.encode("ascii")),
            (b"access-control-max-age", MAX_AGE),
            (b"content-length", b"0"),
        ]
        if requested_headers:
            headers.append((b"access-control-allow-headers", requested_headers))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
