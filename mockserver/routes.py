"""The spec's paths as one table built at start-up: what each path documents, in any letter case.

ASP.NET Web API matches route templates case-insensitively, so `/api/v1/relation/918` reaches the
same action as `/api/v1/Relation/918` on a real server; `canonical` gives the spec's spelling that
the router (case-sensitive) knows. `methods` lists the documented methods of a path, for `Allow`
on a 405 and for a CORS preflight. Literal paths are matched before templated ones
(`/api/v1/Relation/default` before `/api/v1/Relation/{id}`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_METHODS = ("get", "put", "post", "delete", "patch")
_PARAMETER = re.compile(r"\\\{([^/]+?)\\\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One documented path: its template as the document has it, the full path, its methods."""

    template: str
    full: str
    methods: str
    names: tuple[str, ...]
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class RouteMatch:
    route: Route
    params: dict[str, str]

    @property
    def template(self) -> str:
        return self.route.template


class RouteTable:
    def __init__(self, documents: Iterable[dict[str, Any]]) -> None:
        routes: list[Route] = []
        for document in documents:
            servers = document.get("servers") or [{}]
            base = servers[0].get("url", "")
            base = base if base.startswith("/") else ""
            for template, item in document.get("paths", {}).items():
                full = base + template
                parts = _PARAMETER.split(re.escape(full))
                pattern = "".join(part if i % 2 == 0 else "([^/]+)" for i, part in enumerate(parts))
                methods = ", ".join(m.upper() for m in item if m in _METHODS)
                names = tuple(parts[1::2])
                routes.append(
                    Route(template, full, methods, names, re.compile(f"^{pattern}/?$", re.IGNORECASE))
                )
        # A literal segment wins over a parameter, as in ASP.NET routing: `/Relation/default` is the
        # default entity whatever order the spec lists it in, never relation id "default".
        routes.sort(key=lambda route: route.full.count("{"))
        self._routes = tuple(routes)

    def match(self, path: str) -> RouteMatch | None:
        """The documented path `path` names (any case, trailing slash or not), with its parameters."""
        for route in self._routes:
            found = route.pattern.match(path)
            if found:
                return RouteMatch(route, dict(zip(route.names, found.groups(), strict=True)))
        return None

    def methods(self, path: str) -> str | None:
        """`"GET, PUT"` for a documented path (any case, trailing slash or not); None otherwise."""
        found = self.match(path)
        return found.route.methods if found else None

    def canonical(self, path: str) -> str:
        """The path with the spec's spelling of its literal parts; parameters and unknown paths as given."""
        found = self.match(path)
        if found is None:
            return path
        values = iter(found.params.values())
        return re.sub(r"\{[^/]+?\}", lambda _: next(values), found.route.full)
