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
        assert self.replace_op is not None  # bound only to the replace operation
        try:
            opened = await steps.open_write(request, self.replace_op, self.readers["put"].read, with_id=True)
            if isinstance(opened, Response):
                return opened

            def change(current: dict[str, Any] | None) -> dict[str, Any]:
                new = steps.entity.replace(  # stamped inside the write step: never older than a rival's
                    current,
                    opened.body,
                    entity_id=opened.entity_id,
                    caller=opened.caller,
                    now=datetime.now(UTC),
                )
                return steps.checked(new)  # references checked inside the step: a 400 stores nothing

            saved = steps.write(opened.entity_id, change, request)
        except ApiError as error:
            return steps.error(request, error)
        return steps.entity_answer(request, saved, opened.media)

    async def create(self, request: Request) -> Response:
        steps = self.steps
        assert self.create_op is not None  # bound only to the create operation
        try:
            opened = await steps.open_write(request, self.create_op, self.readers["post"].read, with_id=False)
            if isinstance(opened, Response):
                return opened

            def build(entity_id: int) -> dict[str, Any]:
                new = steps.entity.replace(  # stamped inside the write step, as PUT's
                    None, opened.body, entity_id=entity_id, caller=opened.caller, now=datetime.now(UTC)
                )
                return steps.checked(new)

            saved = steps.store.create(steps.kind, build)
        except ApiError as error:
            return steps.error(request, error)
        return steps.entity_answer(request, saved, opened.media)
