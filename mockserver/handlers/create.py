"""POST /api/v1/Relation (create) and GET /api/v1/Relation/default (the blank a client fills in).

POST reads its body exactly as PUT does (all seven content types, the same validation and errors);
the store assigns `RelationId` inside its write step (a body's `RelationId` is ignored), and the
answer is 200 (the vendor documents 200, not 201) with `_Links`, `Last-Modified` and `$select`.
GET /default answers the entity NetServer pre-fills: every property empty, `RelationId` 0,
`TableRight` and `FieldProperties`, no `_Links` (it is stored nowhere) and no `Last-Modified`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.bodies import BodyReader
from mockserver.errors import ApiError
from mockserver.prefer import preferences
from mockserver.responses import answer, error_answer
from mockserver.spec import DEFAULT_OPERATION, POST_OPERATION

if TYPE_CHECKING:
    from mockserver.handlers.relation import RelationHandlers


class CreateHandlers:
    """The operations that make a new relation, sharing the steps of `RelationHandlers`."""

    def __init__(self, shared: RelationHandlers) -> None:
        self.shared = shared
        spec = shared.spec
        self.post_op = spec.operations.get(POST_OPERATION) or spec.put
        self.default_op = spec.operations.get(DEFAULT_OPERATION) or spec.put
        self.reader = BodyReader(spec, self.post_op) if self.post_op.request_content else shared.reader

    def table(self) -> dict[str, Any]:
        return {POST_OPERATION: self.post, DEFAULT_OPERATION: self.default}

    async def post(self, request: Request) -> Response:
        shared = self.shared
        headers = request.headers
        accept = headers.get("accept", "")
        content_type = headers.get("content-type", "")
        try:
            caller = shared.caller(request)
            media = shared.negotiator.choose(accept, content_type)
            data = await request.body()
            prefs = preferences(headers.get("prefer"), request.query_params)
            body = self.reader.read(content_type, data)
            forced = shared.forced(self.post_op, prefs, media)
            if forced is not None:
                return forced

            def build(relation_id: int) -> dict[str, Any]:
                return shared.entity.replace(  # stamped inside the write step, as PUT's
                    None, body, relation_id=relation_id, caller=caller, now=datetime.now(UTC)
                )

            saved = shared.store.create(build)
        except ApiError as error:
            return error_answer(error, shared.negotiator.for_error(accept, content_type))
        return shared.relation_answer(request, saved, media)

    async def default(self, request: Request) -> Response:
        shared = self.shared
        accept = request.headers.get("accept", "")
        try:
            shared.caller(request)
            media = shared.negotiator.choose(accept)
            prefs = preferences(request.headers.get("prefer"), request.query_params)
            forced = shared.forced(self.default_op, prefs, media)
            if forced is not None:
                return forced
        except ApiError as error:
            return error_answer(error, shared.negotiator.for_error(accept))
        return answer(200, shared.entity.default(), media)
