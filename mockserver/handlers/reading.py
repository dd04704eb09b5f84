"""GET of `/X/{id}` (read a stored entity) and GET of `/X/default` (the blank a client fills in).

A read answers 404 for an unknown id and 304 when `If-Modified-Since` proves the client has this
version. `/default` answers the entity NetServer pre-fills: every property empty, the key 0,
`TableRight` and `FieldProperties`, no `_Links` (it is stored nowhere) and no `Last-Modified`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mockserver.errors import ApiError
from mockserver.handlers.steps import IMPLEMENTATION, Steps
from mockserver.model.entity import parse_date
from mockserver.model.spec import OperationModel
from mockserver.prefer import preferences
from mockserver.protocol import http_date
from mockserver.responses import answer, error_answer


class ReadHandlers:
    """The operations that only read, for one resource."""

    def __init__(
        self, steps: Steps, read_op: OperationModel | None, default_op: OperationModel | None
    ) -> None:
        self.steps = steps
        self.read_op = read_op
        self.default_op = default_op

    async def read(self, request: Request) -> Response:
        steps = self.steps
        headers = request.headers
        accept = headers.get("accept", "")
        try:
            steps.caller(request)
            entity_id = steps.entity_id(request)
            media = steps.negotiator.choose(accept)
            assert self.read_op is not None  # bound only to the read operation
            forced = steps.forced(
                request, self.read_op, preferences(headers.get("prefer"), request.query_params), media
            )
            if forced is not None:
                return forced
            stored = steps.store.get(steps.kind, entity_id)
            if stored is None:
                raise ApiError(
                    404,
                    "SoNotFoundException",
                    f"{steps.root} id {entity_id} not found",
                    source=IMPLEMENTATION,
                )
        except ApiError as error:
            return error_answer(error, steps.negotiator.for_error(accept))
        since = http_date(headers.get("if-modified-since"))
        updated = parse_date(steps.entity.version(stored))
        if since is not None and updated is not None and updated.replace(microsecond=0) <= since:
            # A reset moves the version back: for a version older than the reset (a fixture), a client's
            # date proves it has this version only if it is later than the reset itself.
            reset = steps.store.reset_at()
            if reset is None or updated.replace(microsecond=0) >= reset or since > reset:
                return answer(304, None, media, steps.root, headers=steps.last_modified(stored))
        return steps.entity_answer(request, stored, media)

    async def default(self, request: Request) -> Response:
        steps = self.steps
        accept = request.headers.get("accept", "")
        try:
            steps.caller(request)
            media = steps.negotiator.choose(accept)
            prefs = preferences(request.headers.get("prefer"), request.query_params)
            assert self.default_op is not None  # bound only to the default operation
            forced = steps.forced(request, self.default_op, prefs, media)
            if forced is not None:
                return forced
        except ApiError as error:
            return error_answer(error, steps.negotiator.for_error(accept))
        return answer(200, steps.entity.default(), media, steps.root)
