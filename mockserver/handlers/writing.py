"""PUT of `/X/{id}` (replace, or create at that id) and POST of `/X` (create with a new id).

Both read their body alike (all the operation's content types, the same validation and errors)
and build the stored entity with `EntityModel.replace`, stamped inside the store's write step so
that it is never older than a rival's. POST's id is assigned by the store in that step (a body's
key is ignored); the answer is 200 (the vendor documents 200, not 201) with `_Links`,
`Last-Modified` and `$select`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.bodies import BodyReader
from mockserver.errors import ApiError
from mockserver.handlers.steps import Steps
from mockserver.model.spec import OperationModel
from mockserver.prefer import preferences
from mockserver.responses import error_answer


class WriteHandlers:
    """The operations that write a whole entity, for one resource."""

    def __init__(
        self, steps: Steps, replace_op: OperationModel | None, create_op: OperationModel | None
    ) -> None:
        self.steps = steps
        self.replace_op = replace_op
        self.create_op = create_op
        resource = steps.resource
        self.readers = {
            op.method: BodyReader(op, resource.request_schema, resource.entity_name)
            for op in (replace_op, create_op)
            if op is not None
        }

    async def replace(self, request: Request) -> Response:
        steps = self.steps
        headers = request.headers
        accept = headers.get("accept", "")
        content_type = headers.get("content-type", "")
        try:
            caller = steps.caller(request)
            entity_id = steps.entity_id(request)
            media = steps.negotiator.choose(accept, content_type)
            data = await request.body()
            prefs = preferences(headers.get("prefer"), request.query_params)
            body = self.readers["put"].read(content_type, data)
            assert self.replace_op is not None  # bound only to the replace operation
            forced = steps.forced(self.replace_op, prefs, media)
            if forced is not None:
                return forced

            def change(current: dict[str, Any] | None) -> dict[str, Any]:
                new = steps.entity.replace(  # stamped inside the write step: never older than a rival's
                    current, body, entity_id=entity_id, caller=caller, now=datetime.now(UTC)
                )
                return steps.checked(new)  # references checked inside the step: a 400 stores nothing

            saved = steps.write(entity_id, change, request)
        except ApiError as error:
            return error_answer(error, steps.negotiator.for_error(accept, content_type))
        return steps.entity_answer(request, saved, media)

    async def create(self, request: Request) -> Response:
        steps = self.steps
        headers = request.headers
        accept = headers.get("accept", "")
        content_type = headers.get("content-type", "")
        try:
            caller = steps.caller(request)
            media = steps.negotiator.choose(accept, content_type)
            data = await request.body()
            prefs = preferences(headers.get("prefer"), request.query_params)
            body = self.readers["post"].read(content_type, data)
            assert self.create_op is not None  # bound only to the create operation
            forced = steps.forced(self.create_op, prefs, media)
            if forced is not None:
                return forced

            def build(entity_id: int) -> dict[str, Any]:
                new = steps.entity.replace(  # stamped inside the write step, as PUT's
                    None, body, entity_id=entity_id, caller=caller, now=datetime.now(UTC)
                )
                return steps.checked(new)

            saved = steps.store.create(steps.kind, build)
        except ApiError as error:
            return error_answer(error, steps.negotiator.for_error(accept, content_type))
        return steps.entity_answer(request, saved, media)
