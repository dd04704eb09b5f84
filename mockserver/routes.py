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
from typing import Any

_METHODS = ("get", "put", "post", "delete", "patch")
_PARAMETER = re.compile(r"\\\{[^/]+?\\\}")


class RouteTable:
    def __init__(self, documents: Iterable[dict[str, Any]]) -> None:
        self._routes: list[tuple[re.Pattern[str], str, str]] = []
        for document in documents:
            servers = document.get("servers") or [{}]
            base = servers[0].get("url", "")
            base = base if base.startswith("/") else ""
            for template, item in document.get("paths", {}).items():
                full = base + template
                literal_parts = _PARAMETER.split(re.escape(full))
                pattern = "([^/]+)".join(literal_parts)
                methods = ", ".join(m.upper() for m in item if m in _METHODS)
                self._routes.append((re.compile(f"^{pattern}/?$", re.IGNORECASE), full, methods))
        # A literal segment wins over a parameter, as in ASP.NET routing: `/Relation/default` is the
        # default entity whatever order the spec lists it in, never relation id "default".
        self._routes.sort(key=lambda route: route[1].count("{"))

    def _match(self, path: str) -> tuple[re.Match[str], str, str] | None:
        for pattern, template, methods in self._routes:
            found = pattern.match(path)
            if found:
                return found, template, methods
        return None

    def methods(self, path: str) -> str | None:
        """`"GET, PUT"` for a documented path (any case, trailing slash or not); None otherwise."""
        found = self._match(path)
        return found[2] if found else None

    def canonical(self, path: str) -> str:
        """The path with the spec's spelling of its literal parts; parameters and unknown paths as given."""
        found = self._match(path)
        if found is None:
            return path
        match, template, _ = found
        values = iter(match.groups())
        return re.sub(r"\{[^/]+?\}", lambda _: next(values), template)
