"""The relation API's operations: the steps they share, PUT (update or create) and GET of
/api/v1/Relation/{id}. POST and GET /default live in `create`, PATCH and DELETE in `change`.

Each request runs the same steps in the order a real server would: credentials (401), the id
(404 when it is no int32, as the route constraint `{id:int}` does not match), the answer's media
type (406 only with `--strict-accept`), the body (400/413/415), the mock's Prefer switches, then
the store (412) and the answer, with `$select` applied.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.auth import WWW_AUTHENTICATE, Authenticator, xsrf_cookie
from mockserver.bodies import BodyReader
from mockserver.dynamic import generate
from mockserver.entity import EntityModel, parse_date
from mockserver.errors import RETRY_AFTER_SECONDS, ApiError, PreconditionFailed, Violation
from mockserver.handlers.change import ChangeHandlers
from mockserver.handlers.create import CreateHandlers
from mockserver.negotiation import Negotiator
from mockserver.prefer import Preferences, preferences
from mockserver.projection import apply_select, parse_select
from mockserver.protocol import http_date
from mockserver.responses import ENTITY_ROOT, ERROR_ROOT, answer, error_answer
from mockserver.spec import GET_OPERATION, PUT_OPERATION, OperationModel, SpecModel
from mockserver.store import Change, Store

INT32 = (-(2**31), 2**31 - 1)
# The headers the spec documents for a status, sent with it when Prefer forces it.
FORCED_HEADERS = {
    401: {"WWW-Authenticate": WWW_AUTHENTICATE},
    503: {"Retry-After": str(RETRY_AFTER_SECONDS)},
}


def last_modified(stored: Mapping[str, Any]) -> dict[str, str]:
    moment = parse_date(str(stored.get("UpdatedDate") or ""))
    return {"Last-Modified": format_datetime(moment, usegmt=True)} if moment and moment.year > 1 else {}


class RelationHandlers:
    """Handlers bound to one server's spec, store and credentials."""

    def __init__(
        self,
        spec: SpecModel,
        entity: EntityModel,
        store: Store,
        authenticator: Authenticator,
        *,
        strict_accept: bool = False,
    ) -> None:
        self.spec = spec
        self.entity = entity
        self.store = store
        self.auth = authenticator
        self.reader = BodyReader(spec)
        self.negotiator = Negotiator(spec.put.produces(200), strict=strict_accept)
        self.put_op = spec.put
        self.get_op = spec.operations.get(GET_OPERATION)
        self.create = CreateHandlers(self)
        self.change = ChangeHandlers(self)

    def table(self) -> dict[str, Any]:
        """operationId -> handler, for every operation this mock serves (the spec may use fewer)."""
        return {
            PUT_OPERATION: self.put,
            GET_OPERATION: self.get,
            **self.create.table(),
            **self.change.table(),
        }

    # -- steps shared by every operation -------------------------------------------------------

    def relation_id(self, request: Request) -> int:
        raw = request.path_params.get("id")
        if not isinstance(raw, int) or not INT32[0] <= raw <= INT32[1]:
            raise ApiError(  # the real route is `{id:int}`: an id outside int32 matches no route
                404,
                "SoNotFoundException",
                f"No resource at {request.url.path}: the id {raw!r} is not a 32-bit integer "
                f"(expected {INT32[0]}..{INT32[1]}).",
                violations=[Violation("id", "not a 32-bit integer")],
            )
        return raw

    def base_url(self, request: Request) -> str:
        host = request.headers.get("host") or "{}:{}".format(
            *(request.scope.get("server") or ("127.0.0.1", 80))
        )
        return f"{request.scope.get('scheme', 'http')}://{host}"

    def forced(self, op: OperationModel, prefs: Preferences, media: str) -> Response | None:
        if not prefs.forced:
            return None
        status = prefs.code or op.success
        if status not in op.responses:
            raise ApiError(
                400,
                "ArgumentException",
                f"Prefer code={status} is not documented for {op.operation_id}; documented: "
                f"{', '.join(map(str, op.statuses))}.",
                violations=[Violation("Prefer", "undocumented status")],
            )
        if status == op.success and not prefs.example and not prefs.dynamic:
            return None  # the real behaviour is the documented 200 (DELETE's 204)
        schema = op.response_schema(status)
        headers = FORCED_HEADERS.get(status, {})
        root = ENTITY_ROOT if status < 300 else ERROR_ROOT
        documented = op.produces(status)
        if documented and media not in documented:  # answer only in a media type the spec lists
            media = documented[0]
        if prefs.dynamic and schema is not None:
            body = generate(schema, random.Random(prefs.seed))
            return answer(status, body, media, root, headers)
        examples = op.examples(status)
        name = prefs.example or next(iter(examples), None)
        if name is None:
            return answer(status, None, media, root, headers)
        if name not in examples:
            raise ApiError(
                400,
                "ArgumentException",
                f"Prefer example={name!r} is not an example of status {status}; examples: "
                f"{', '.join(examples) or 'none'}.",
                violations=[Violation("Prefer", "unknown example")],
            )
        return answer(status, examples[name], media, root, headers)

    def relation_answer(self, request: Request, stored: Mapping[str, Any], media: str) -> Response:
        """200 with the stored relation as the server renders it, `$select` applied."""
        rendered = self.entity.render(stored, self.base_url(request))
        selected = apply_select(rendered, parse_select(request.query_params.get("$select", "")))
        return answer(200, selected, media, headers=last_modified(stored))

    def write(self, relation_id: int, change: Change, request: Request) -> dict[str, Any]:
        """The store's write step, If-Unmodified-Since checked; a 412 says which version won (below)."""
        with self.lost_to(relation_id):
            return self.store.write(
                relation_id, change, http_date(request.headers.get("if-unmodified-since"))
            )

    @contextlib.contextmanager
    def lost_to(self, relation_id: int) -> Iterator[None]:
        """A 412 carries the `Last-Modified` of the version stored now, the one the client lost to:
        the date to send as If-Unmodified-Since once the app has merged that version (RFC 9110
        §13.1.4 lets a 412 carry it; ASP.NET sends whatever header the controller sets)."""
        try:
            yield
        except PreconditionFailed as error:
            current = self.store.get(relation_id)
            error.headers.update(last_modified(current) if current is not None else {})
            raise

    def caller(self, request: Request) -> dict[str, Any]:
        headers = request.headers
        return self.auth.caller(
            headers.get("authorization"), headers.get("x-xsrf-token"), xsrf_cookie(headers.get("cookie"))
        )

    # -- operations ----------------------------------------------------------------------------

    async def put(self, request: Request) -> Response:
        headers = request.headers
        accept = headers.get("accept", "")
        content_type = headers.get("content-type", "")
        try:
            caller = self.caller(request)
            relation_id = self.relation_id(request)
            media = self.negotiator.choose(accept, content_type)
            data = await request.body()
            prefs = preferences(headers.get("prefer"), request.query_params)
            body = self.reader.read(content_type, data)
            forced = self.forced(self.put_op, prefs, media)
            if forced is not None:
                return forced

            def change(current: dict[str, Any] | None) -> dict[str, Any]:
                return self.entity.replace(  # stamped inside the write step: never older than a rival's
                    current, body, relation_id=relation_id, caller=caller, now=datetime.now(UTC)
                )

            saved = self.write(relation_id, change, request)
        except ApiError as error:
            return error_answer(error, self.negotiator.for_error(accept, content_type))
        return self.relation_answer(request, saved, media)

    async def get(self, request: Request) -> Response:
        headers = request.headers
        accept = headers.get("accept", "")
        try:
            self.caller(request)
            relation_id = self.relation_id(request)
            media = self.negotiator.choose(accept)
            assert self.get_op is not None
            forced = self.forced(self.get_op, preferences(headers.get("prefer"), request.query_params), media)
            if forced is not None:
                return forced
            stored = self.store.get(relation_id)
            if stored is None:
                raise ApiError(
                    404,
                    "SoNotFoundException",
                    f"ContactRelationEntity id {relation_id} not found",
                    source="SuperOffice.Services.Implementation",
                )
        except ApiError as error:
            return error_answer(error, self.negotiator.for_error(accept))
        since = http_date(headers.get("if-modified-since"))
        updated = parse_date(str(stored.get("UpdatedDate") or ""))
        if since is not None and updated is not None and updated.replace(microsecond=0) <= since:
            # A reset moves UpdatedDate back: for a version older than the reset (a fixture), a client's
            # date proves it has this version only if it is later than the reset itself.
            reset = self.store.reset_at()
            if reset is None or updated.replace(microsecond=0) >= reset or since > reset:
                return answer(304, None, media, headers=last_modified(stored))
        return self.relation_answer(request, stored, media)
