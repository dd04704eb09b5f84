"""Which requests the proxy forwards: those on the spec's paths, matched once compiled.

A path is matched on its raw (still percent-encoded) form, in any letter case and with a trailing
slash allowed, as ASP.NET routes match. A literal path wins over a template that also matches it,
whatever the spec's order (`/api/v1/Relation/default` is not the relation "default"). Every method
goes upstream (an undocumented one is the request's violation, and the upstream's answer is passed
on). Everything else (the admin API, Swagger UI, `/openapi.json`, unknown paths) stays with the
mock's own app.

A path parameter is forwarded only if it names one segment and nothing else once the upstream has
decoded it: one holding an encoded slash or backslash (`%2F`, `%5C`), an encoded dot (`%2e`), an
encoded percent (`%25`, a second round of decoding), an overlong UTF-8 byte (`%c0`), or made of
dots alone (`..`, `.`, `..;`) is `escapes`, and the proxy answers 404 without forwarding it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.model.spec import SpecModel
from mockserver.routes import RouteMatch, RouteTable


class Routes:
    """The mock's own route table (`mockserver.routes`), matched on the raw path."""

    def __init__(self, spec: SpecModel) -> None:
        self.table = RouteTable([spec.document])

    def match(self, scope: Scope) -> tuple[RouteMatch, dict[str, str]] | None:
        raw = scope.get("raw_path") or scope["path"].encode()
        found = self.table.match(raw.decode("latin-1"))
        return None if found is None else (found, found.params)


_ENCODED = ("%2f", "%5c", "%2e", "%25", "%c0", "%c1")


def escapes(value: str) -> bool:
    """Whether a raw path parameter could name another path upstream (see the module docstring)."""
    lowered = value.lower()
    if "\\" in value or any(code in lowered for code in _ENCODED):
        return True
    decoded = unquote(value)
    return "/" in decoded or "\\" in decoded or not decoded.split(";", 1)[0].rstrip(". ")


Handle = Callable[[Scope, Receive, Send, RouteMatch, dict[str, str]], Awaitable[Any]]


class ProxyRouter:
    """The spec's paths to `handle`, every other request to `fallback` (the mock's own app)."""

    def __init__(self, routes: Routes, handle: Handle, fallback: ASGIApp) -> None:
        self.routes = routes
        self.handle = handle
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            found = self.routes.match(scope)
            if found is not None:
                await self.handle(scope, receive, send, *found)
                return
        await self.fallback(scope, receive, send)
