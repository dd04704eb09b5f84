"""PATCH and DELETE of `/X/{id}`: change or remove an entity that exists.

PATCH reads a JSON Patch or merge patch (`mockserver.patching`; JSON only, 415 otherwise) before
touching the store, then, inside the store's write step, applies it to the entity as GET renders
it and saves the result exactly as a PUT of it would be saved (the same validation, the server's
own fields restamped, the path id winning). So a PATCH equals the equivalent PUT, and anything
that refuses it (an unknown id: 404, PATCH never creates; a failed `test`: 409; an invalid result:
400; a stale `If-Unmodified-Since`: 412) leaves the store as it was.

DELETE answers 204 with no body, also for an id no entity has (the vendor documents 204 and 412
only; deleting is idempotent, RFC 9110 §9.2.2); a stale `If-Unmodified-Since` is 412 and the
entity stays.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.bodies import BodyReader
from mockserver.errors import ApiError
from mockserver.handlers.steps import IMPLEMENTATION, Steps
from mockserver.model.spec import OperationModel
from mockserver.patching import PatchReader
from mockserver.prefer import preferences
from mockserver.protocol import http_date
from mockserver.responses import error_answer


class ChangeHandlers:
    """The operations on an entity that must exist, for one resource."""

    def __init__(
        self, steps: Steps, patch_op: OperationModel | None, delete_op: OperationModel | None
    ) -> None:
        self.steps = steps
        self.patch_op = patch_op
        self.delete_op = delete_op
        resource = steps.resource
        consumes = tuple(patch_op.request_content) if patch_op else ()
        # what a PATCH is applied to is the entity as GET renders it, without `_Links`
        self.patches = PatchReader(
            resource.request_schema, resource.entity_name, resource.name.lower(), consumes
        )
        writer = resource.operation("replace") or resource.operation("create")
        self.checker = BodyReader(writer, resource.request_schema, resource.entity_name) if writer else None

    async def patch(self, request: Request) -> Response:
        steps = self.steps
        assert self.patch_op is not None  # bound only to the patch operation
        try:
            opened = await steps.open_write(request, self.patch_op, self.patches.read, with_id=True)
            if isinstance(opened, Response):
                return opened

            def change(current: dict[str, Any] | None) -> dict[str, Any]:
                if current is None:  # PATCH never creates: raising here writes nothing
                    raise ApiError(404, "SoNotFoundException", steps.not_found, source=IMPLEMENTATION)
                patched = opened.body.apply(steps.entity.document(steps.derived(current)))
                if self.checker is not None:
                    self.checker.check(patched)
                new = steps.entity.replace(
                    current, patched, entity_id=opened.entity_id, caller=opened.caller, now=datetime.now(UTC)
                )
                return steps.checked(new)

            saved = steps.write(opened.entity_id, change, request)
        except ApiError as error:
            return steps.error(request, error)
        return steps.entity_answer(request, saved, opened.media)

    async def delete(self, request: Request) -> Response:
        steps = self.steps
        headers = request.headers
        accept = headers.get("accept", "")
        try:
            steps.caller(request)
            entity_id = steps.entity_id(request)
            media = steps.negotiator.choose(accept)
            assert self.delete_op is not None  # bound only to the delete operation
            forced = steps.forced(
                request, self.delete_op, preferences(headers.get("prefer"), request.query_params), media
            )
            if forced is not None:
                return forced
            with steps.lost_to(entity_id):
                steps.store.delete(steps.kind, entity_id, http_date(headers.get("if-unmodified-since")))
        except ApiError as error:
            return error_answer(error, steps.negotiator.for_error(accept))
        return Response(status_code=204)
