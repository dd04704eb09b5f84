"""Which requests the proxy forwards: those on the spec's paths, matched once compiled.

A path is matched on its raw (still percent-encoded) form, in any letter case and with a trailing
slash allowed, as ASP.NET routes match. A literal path wins over a template that also matches it,
whatever the spec's order (`/api/v1/Relation/default` is not the relation "default"). Every method
goes upstream (an undocumented one is the request's violation, and the upstream's answer is passed
on). Everything else (the admin API, Swagger UI, `/openapi.json`, unknown paths) stays with the
mock's own app.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.spec import SpecModel

_PARAMETER = re.compile(r"\\\{([^/]+?)\\\}")


class Route:
    def __init__(self, base: str, template: str) -> None:
        self.template = template
        literal = _PARAMETER.split(re.escape(base + template))
        self.names = literal[1::2]
        pattern = "".join(part if i % 2 == 0 else "([^/]+)" for i, part in enumerate(literal))
        self.pattern = re.compile(f"^{pattern}/?$".encode(), re.IGNORECASE)


class Routes:
    def __init__(self, spec: SpecModel) -> None:
        servers = spec.document.get("servers") or [{}]
        base = servers[0].get("url", "")
        base = base if base.startswith("/") else ""
        templates = list(spec.document.get("paths", {}))
        # Fewer parameters first: the most concrete route wins, as in ASP.NET and openapi-core.
        templates.sort(key=lambda template: template.count("{"))
        self.routes = [Route(base, template) for template in templates]

    def match(self, scope: Scope) -> tuple[Route, dict[str, str]] | None:
        raw = scope.get("raw_path") or scope["path"].encode()
        for route in self.routes:
            found = route.pattern.match(raw)
            if found:
                values = [value.decode("latin-1") for value in found.groups()]
                return route, dict(zip(route.names, values, strict=True))
        return None


Handle = Callable[[Scope, Receive, Send, Route, dict[str, str]], Awaitable[Any]]


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
