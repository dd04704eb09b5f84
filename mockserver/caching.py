"""Cache headers, as ASP.NET Web API sends them, as a pure ASGI middleware (outermost but for the journal).

When a controller sets no cache header, ASP.NET Web API's `HttpControllerHandler` marks the answer
not cacheable: `Cache-Control: no-cache`, `Pragma: no-cache`, `Expires: -1`. Without them a browser
reuses an answer by its heuristic (a `Last-Modified` of 2014 is "fresh" for about a year), gives
an XML answer to a later JSON fetch of the same URL, and shows nothing of a PUT or a reset.

- Every answer outside the admin API (errors, 304s and preflights too) that carries no
  `Cache-Control` gets the three headers, as ASP.NET does; one that has its own (a proxied upstream
  answer) keeps it. Such answers also get `Vary: Accept`: the format (JSON or XML, errors too)
  follows Accept, and a 304 sends the Vary its 200 would (RFC 9110 §15.4.5).
- The admin API (`/__admin/...`) gets `Cache-Control: no-store` (and Pragma, Expires): a journal or a
  reset answer is never worth keeping.
- Every `Vary` field of an answer (the CORS middleware adds `Vary: Origin`, the app or an upstream may
  add theirs) is folded into one, each name once, so no client that reads one field drops a name.

The header values are built once, at start-up; per answer only its header list is read.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.cors import is_admin_path

Headers = list[tuple[bytes, bytes]]

NOT_CACHEABLE: Headers = [(b"cache-control", b"no-cache"), (b"pragma", b"no-cache"), (b"expires", b"-1")]
NOT_STORED: Headers = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache"), (b"expires", b"-1")]
VARY_ACCEPT = b"Accept"


def merged_vary(values: list[bytes]) -> bytes:
    """`["Origin", "Accept, origin"]` -> `b"Origin, Accept"`: every name once, first spelling kept."""
    seen: dict[bytes, bytes] = {}
    for value in values:
        for name in value.split(b","):
            name = name.strip()
            if name:
                seen.setdefault(name.lower(), name)
    return b"*" if b"*" in seen else b", ".join(seen.values())


class CacheHeadersMiddleware:
    """Adds the cache headers (module docstring) to every answer's start message; the body passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        admin = is_admin_path(scope["path"])

        async def send_with_cache_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _with_cache_headers(message.get("headers", []), admin)}
            await send(message)

        await self.app(scope, receive, send_with_cache_headers)


def _with_cache_headers(headers: Headers, admin: bool) -> Headers:
    kept: Headers = []
    vary: list[bytes] = []
    has_cache_control = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"vary":
            vary.append(value)
            continue
        if lowered == b"cache-control":
            has_cache_control = True
        kept.append((name, value))
    if not has_cache_control:
        if admin:
            kept.extend(NOT_STORED)
        else:
            kept.extend(NOT_CACHEABLE)
            vary.append(VARY_ACCEPT)
    if vary:
        kept.append((b"vary", merged_vary(vary)))
    return kept
