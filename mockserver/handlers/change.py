"""PATCH and DELETE of /api/v1/Relation/{id}: change or remove a relation that exists.

PATCH reads a JSON Patch or merge patch (`mockserver.patching`; JSON only, 415 otherwise) before
touching the store, then, inside the store's write step, applies it to the relation as GET renders
it and saves the result exactly as a PUT of it would be saved (the same validation, the server's
own fields restamped, the path id winning). So a PATCH equals the equivalent PUT, and anything
that refuses it (an unknown id: 404, PATCH never creates; a failed `test`: 409; an invalid result:
400; a stale `If-Unmodified-Since`: 412) leaves the store as it was.

DELETE answers 204 with no body, also for an id no relation has (the vendor documents 204 and 412
only; deleting is idempotent, RFC 9110 §9.2.2); a stale `If-Unmodified-Since` is 412 and the
relation stays.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.errors import ApiError
from mockserver.patching import PatchReader
from mockserver.prefer import preferences
from mockserver.protocol import http_date
from mockserver.responses import error_answer
from mockserver.spec import DELETE_OPERATION, PATCH_OPERATION

if TYPE_CHECKING:
    from mockserver.handlers.relation import RelationHandlers

NOT_FOUND = "ContactRelationEntity with given id does not exist in the db."


class ChangeHandlers:
    """The operations on a relation that must exist, sharing the steps of `RelationHandlers`."""

    def __init__(self, shared: RelationHandlers) -> None:
        self.shared = shared
        spec = shared.spec
        self.patch_op = spec.operations.get(PATCH_OPERATION) or spec.put
        self.delete_op = spec.operations.get(DELETE_OPERATION) or spec.put
        document = spec.schemas["ContactRelationEntity"]  # as GET renders it, without `_Links`
        self.patches = PatchReader(document, tuple(self.patch_op.request_content))

    def table(self) -> dict[str, Any]:
        return {PATCH_OPERATION: self.patch, DELETE_OPERATION: self.delete}

    async def patch(self, request: Request) -> Response:
        shared = self.shared
        headers = request.headers
        accept = headers.get("accept", "")
        content_type = headers.get("content-type", "")
        try:
            caller = shared.caller(request)
            relation_id = shared.relation_id(request)
            media = shared.negotiator.choose(accept, content_type)
            data = await request.body()
            prefs = preferences(headers.get("prefer"), request.query_params)
            patch = self.patches.read(content_type, data)
            forced = shared.forced(self.patch_op, prefs, media)
            if forced is not None:
                return forced

            def change(current: dict[str, Any] | None) -> dict[str, Any]:
                if current is None:  # PATCH never creates: raising here writes nothing
                    raise ApiError(
                        404, "SoNotFoundException", NOT_FOUND, source="SuperOffice.Services.Implementation"
                    )
                patched = patch.apply(shared.entity.document(current))
                shared.reader.check(patched)
                return shared.entity.replace(
                    current, patched, relation_id=relation_id, caller=caller, now=datetime.now(UTC)
                )

            saved = shared.write(relation_id, change, request)
        except ApiError as error:
            return error_answer(error, shared.negotiator.for_error(accept, content_type))
        return shared.relation_answer(request, saved, media)

    async def delete(self, request: Request) -> Response:
        shared = self.shared
        headers = request.headers
        accept = headers.get("accept", "")
        try:
            shared.caller(request)
            relation_id = shared.relation_id(request)
            media = shared.negotiator.choose(accept)
            forced = shared.forced(
                self.delete_op, preferences(headers.get("prefer"), request.query_params), media
            )
            if forced is not None:
                return forced
            with shared.lost_to(relation_id):
                shared.store.delete(relation_id, http_date(headers.get("if-unmodified-since")))
        except ApiError as error:
            return error_answer(error, shared.negotiator.for_error(accept))
        return Response(status_code=204)
