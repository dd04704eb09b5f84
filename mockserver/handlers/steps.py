"""The steps every operation on one resource shares, in the order a real server runs them.

Credentials (401), the id (404 when it is no int32, as the route constraint `{id:int}` does not
match), the answer's media type (406 only with `--strict-accept`), the body (400/413/415), the
mock's Prefer switches, then the store (412) and the answer, with `$select` applied. One `Steps`
is built per resource at start-up; `reading`, `writing` and `change` call it, it calls none of them.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.auth import WWW_AUTHENTICATE, Authenticator, xsrf_cookie
from mockserver.dynamic import generate
from mockserver.errors import RETRY_AFTER_SECONDS, ApiError, PreconditionFailed, Violation
from mockserver.handlers.references import Linker
from mockserver.model.entity import EntityModel, parse_date
from mockserver.model.resource import ResourceModel
from mockserver.model.spec import OperationModel
from mockserver.negotiation import Negotiator
from mockserver.prefer import Preferences, preferences
from mockserver.projection import apply_select, parse_select
from mockserver.protocol import http_date
from mockserver.responses import ERROR_ROOT, answer, error_answer
from mockserver.storage.memory import Change, Store

INT32 = (-(2**31), 2**31 - 1)
# The headers the spec documents for a status, sent with it when Prefer forces it.
FORCED_HEADERS = {
    401: {"WWW-Authenticate": WWW_AUTHENTICATE},
    429: {"Retry-After": str(RETRY_AFTER_SECONDS)},
    503: {"Retry-After": str(RETRY_AFTER_SECONDS)},
}
IMPLEMENTATION = "SuperOffice.Services.Implementation"


@dataclass(frozen=True, slots=True)
class Opened:
    """What every write starts from: who calls, the path's id (0 for a POST), the answer's media
    type and the body as the operation reads it."""

    caller: dict[str, Any]
    entity_id: int
    media: str
    body: Any


class Steps:
    """One resource's entity model, store collection, credentials and negotiation, bound at start-up."""

    def __init__(
        self,
        resource: ResourceModel,
        entity: EntityModel,
        store: Store,
        authenticator: Authenticator,
        linker: Linker,
        *,
        strict_accept: bool = False,
    ) -> None:
        self.resource = resource
        self.linker = linker
        self.kind = resource.name
        self.root = resource.entity_name
        self.entity = entity
        self.store = store
        self.auth = authenticator
        answering = next(op for op in resource.operations.values() if op.response_schema(200))
        self.negotiator = Negotiator(answering.produces(200), strict=strict_accept)
        self.not_found = f"{resource.entity_name} with given id does not exist in the db."

    def entity_id(self, request: Request) -> int:
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

    def forced(self, request: Request, op: OperationModel, prefs: Preferences, media: str) -> Response | None:
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
        root = self.root if status < 300 else ERROR_ROOT
        documented = op.produces(status)
        if documented and media not in documented:  # answer only in a media type the spec lists
            media = documented[0]
        if prefs.dynamic and schema is not None:
            archive = f"{self.base_url(request)}{self.resource.collection}"  # as its stored entities link
            body = generate(schema, random.Random(prefs.seed), archive=archive, key=self.resource.key)
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

    def last_modified(self, stored: Mapping[str, Any]) -> dict[str, str]:
        moment = parse_date(self.entity.version(stored))
        return {"Last-Modified": format_datetime(moment, usegmt=True)} if moment and moment.year > 1 else {}

    def derived(self, stored: dict[str, Any]) -> dict[str, Any]:
        """The stored entity with its x-derived fields computed from what it references now."""
        return self.linker.derive(self.kind, stored)

    def checked(self, entity: dict[str, Any]) -> dict[str, Any]:
        """The entity about to be stored, once its x-references name entities that exist (else 400)."""
        self.linker.check(self.kind, entity)
        return entity

    def entity_answer(self, request: Request, stored: dict[str, Any], media: str) -> Response:
        """200 with the stored entity as the server renders it, derived fields computed, `$select` applied."""
        rendered = self.entity.render(self.derived(stored), self.base_url(request))
        selected = apply_select(rendered, parse_select(request.query_params.get("$select", "")))
        return answer(200, selected, media, self.root, headers=self.last_modified(stored))

    def write(self, entity_id: int, change: Change, request: Request) -> dict[str, Any]:
        """The store's write step, If-Unmodified-Since checked; a 412 says which version won (below)."""
        with self.lost_to(entity_id):
            return self.store.write(
                self.kind, entity_id, change, http_date(request.headers.get("if-unmodified-since"))
            )

    @contextlib.contextmanager
    def lost_to(self, entity_id: int) -> Iterator[None]:
        """A 412 carries the `Last-Modified` of the version stored now, the one the client lost to:
        the date to send as If-Unmodified-Since once the app has merged that version (RFC 9110
        §13.1.4 lets a 412 carry it; ASP.NET sends whatever header the controller sets)."""
        try:
            yield
        except PreconditionFailed as error:
            current = self.store.get(self.kind, entity_id)
            error.headers.update(self.last_modified(current) if current is not None else {})
            raise

    async def open_write(
        self, request: Request, op: OperationModel, read: Callable[[str, bytes], Any], *, with_id: bool
    ) -> Opened | Response:
        """The steps PUT, POST and PATCH share, in the order the server takes them: credentials (401),
        the path's id (404), negotiation, the body (400, 415), then a `Prefer` switch, which answers
        instead of the write."""
        headers = request.headers
        content_type = headers.get("content-type", "")
        caller = self.caller(request)
        entity_id = self.entity_id(request) if with_id else 0
        media = self.negotiator.choose(headers.get("accept", ""), content_type)
        data = await request.body()
        prefs = preferences(headers.get("prefer"), request.query_params)
        body = read(content_type, data)
        forced = self.forced(request, op, prefs, media)
        return forced if forced is not None else Opened(caller, entity_id, media, body)

    def error(self, request: Request, error: ApiError) -> Response:
        """A refusal in the vendor's error shape, in the media type the request asks for."""
        headers = request.headers
        return error_answer(
            error, self.negotiator.for_error(headers.get("accept", ""), headers.get("content-type", ""))
        )

    def caller(self, request: Request) -> dict[str, Any]:
        headers = request.headers
        return self.auth.caller(
            headers.get("authorization"), headers.get("x-xsrf-token"), xsrf_cookie(headers.get("cookie"))
        )
