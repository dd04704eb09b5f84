"""The mock's own operations (openapi: mockserver/admin.yaml): reset the store, read the journal."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.journal import Journal
from mockserver.responses import answer
from mockserver.store import Store


class AdminHandlers:
    def __init__(self, store: Store, journal: Journal, fixture_count: int) -> None:
        self.store = store
        self.journal = journal
        self.fixture_count = fixture_count

    def table(self) -> dict[str, Any]:
        return {
            "admin_reset": self.reset,
            "admin_list_requests": self.list_requests,
            "admin_clear_requests": self.clear_requests,
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
