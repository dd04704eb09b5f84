"""The mock's own operations (openapi: mockserver/admin.yaml): reset the store, read the journal,
and (with `--proxy`) read the contract violations the proxy saw."""

from __future__ import annotations

from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response

from mockserver.journal import Journal
from mockserver.responses import answer
from mockserver.store import Store


class Violations(Protocol):
    def listing(self) -> dict[str, Any]: ...

    def clear(self) -> None: ...


class AdminHandlers:
    def __init__(
        self, store: Store, journal: Journal, fixture_count: int, violations: Violations | None = None
    ) -> None:
        self.store = store
        self.journal = journal
        self.fixture_count = fixture_count
        self.violations = violations

    def table(self) -> dict[str, Any]:
        return {
            "admin_reset": self.reset,
            "admin_list_requests": self.list_requests,
            "admin_clear_requests": self.clear_requests,
            "admin_list_violations": self.list_violations,
            "admin_clear_violations": self.clear_violations,
        }

    async def reset(self, request: Request) -> Response:
        self.store.reset()
        self.journal.clear()
        return answer(200, {"Relations": self.fixture_count}, "application/json")

    async def list_requests(self, request: Request) -> Response:
        return answer(200, {"Requests": list(self.journal.entries)}, "application/json")

    async def clear_requests(self, request: Request) -> Response:
        self.journal.clear()
        return Response(status_code=204)

    async def list_violations(self, request: Request) -> Response:
        """The proxy's violations; a mock (no --proxy) proxies nothing and lists none."""
        if self.violations is None:
            return answer(200, {"Violations": [], "Proxy": False}, "application/json")
        return answer(200, {**self.violations.listing(), "Proxy": True}, "application/json")

    async def clear_violations(self, request: Request) -> Response:
        if self.violations is not None:
            self.violations.clear()
        return Response(status_code=204)
