"""The proxy as ASGI: requests on the spec's paths go upstream, are checked, and come back marked.

`ProxyRouter` sends every request whose path is one of the spec's (any method, any letter case, a
trailing slash allowed, matched on the raw path) to `Proxy`; everything else (the admin API,
Swagger UI, `/openapi.json`, unknown paths) goes on to the mock's own app. The CORS, journal and
access-log middlewares wrap both, as they wrap the mock.

Per exchange `Proxy` refuses headers over 32 KiB (400, as the mock does) and a path parameter that
could name another path upstream (404, `routing.escapes`), both before anything is forwarded; reads
the body (413 over `--max-body`, counted as it arrives when chunked, so
nothing too large is forwarded; 408 when it stalls), forwards it, checks request and answer
(openapi-core, then the spec's worded promises: `promises`, `resource`, `history`, each with the
`Shape` of the resource the path belongs to, so every entity's exchanges are judged by what its
declarations say), logs and journals what it found, records the entity (or forgets a deleted one)
under its resource when `--record` is on,
and answers with the upstream's answer plus `X-Contract-Violations` (and
`X-Contract-Violations-Detail` when there are any), or a 502 naming them with
`--fail-on-violation`.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.errors import ApiError
from mockserver.guard import MAX_HEADER_BYTES
from mockserver.journal import NOTE
from mockserver.model.entity import EntityModel
from mockserver.model.resource import ResourceModel, resources_of
from mockserver.model.spec import SpecModel
from mockserver.negotiation import Negotiator, media_type
from mockserver.protocol import http_date
from mockserver.proxy.exchange import Exchange, Outcome
from mockserver.proxy.findings import RESPONSE, Finding
from mockserver.proxy.history import History
from mockserver.proxy.openapi_check import shared_checker
from mockserver.proxy.promises import Promises
from mockserver.proxy.recorder import Recording
from mockserver.proxy.report import print_summary, write_report
from mockserver.proxy.resource import Resource
from mockserver.proxy.routing import ProxyRouter, Routes, escapes
from mockserver.proxy.scrubbing import Scrubber, Secrets
from mockserver.proxy.upstream import Answer, Upstream
from mockserver.proxy.values import Shape
from mockserver.proxy.violations import ViolationLog, as_dict, clean, log_lines
from mockserver.proxy.wire import read_body, send_answer, send_error, violation_error
from mockserver.proxy.xmlvalues import root_namespace
from mockserver.routes import RouteMatch
from mockserver.settings import Settings

_CORS = b"access-control-"
_EXPOSE = (b"access-control-expose-headers", b"X-Contract-Violations, X-Contract-Violations-Detail")
_NO_BODY_STATUSES = frozenset({204, 304})
_HEADERS_TOO_LARGE = ApiError(  # as the mock refuses them (mockserver.guard)
    400,
    "BadHttpRequestException",
    f"The request headers exceed {MAX_HEADER_BYTES} bytes; nothing was forwarded.",
)
_NOT_A_RESOURCE = ApiError(
    404,
    "SoNotFoundException",
    "No resource at this path: a path parameter holds an encoded slash, backslash, dot or percent, or "
    "dots alone, so it could name another path upstream; it was not forwarded.",
)
PATCH_JSON = ("application/json", "text/json", "application/json-patch+json", "application/merge-patch+json")
INT32 = (-(2**31), 2**31 - 1)


class Timing:
    """Where the proxy's own time goes, per exchange, for the summary and the admin listing."""

    def __init__(self) -> None:
        self.exchanges = 0
        self.openapi_core = 0.0
        self.promises = 0.0

    def as_dict(self) -> dict[str, Any]:
        n = max(self.exchanges, 1)
        return {
            "Exchanges": self.exchanges,
            "OpenApiCoreMsPerExchange": round(self.openapi_core / n * 1000, 3),
            "PromisesMsPerExchange": round(self.promises / n * 1000, 3),
        }


@dataclass(frozen=True, slots=True)
class Judge:
    """The worded promises of one resource, with its shape (and its own memory across exchanges)."""

    name: str  # the resource's name (`Relation`): what a recording files its entities under
    collection: str  # its collection path, lower-cased
    promises: Promises
    resource: Resource
    history: History

    @classmethod
    def of(cls, resource: ResourceModel) -> Judge:
        shape = Shape.of(resource, EntityModel.of(resource))
        return cls(
            resource.name, resource.collection.lower(), Promises(shape), Resource(shape), History(shape)
        )

    def covers(self, template: str) -> bool:
        lowered = template.lower()
        return lowered == self.collection or lowered.startswith(self.collection + "/")


class Proxy:
    def __init__(self, settings: Settings, spec: SpecModel, entity: EntityModel) -> None:
        assert settings.proxy_url is not None
        self.upstream = Upstream(settings.proxy_url, settings.upstream_timeout, settings.upstream_cacert)
        self.checker = shared_checker(spec)
        resources = resources_of(spec)
        # One judge per resource: every entity's exchanges are judged by its own declarations.
        self.judged = tuple(Judge.of(resource) for resource in resources)
        first = self.judged[0]
        self.promises, self.resource, self.history = first.promises, first.resource, first.history
        self.log = ViolationLog(settings.journal_size)
        models = {resource.name: EntityModel.of(resource) for resource in resources}
        self.recording = Recording(settings.record_file, models) if settings.record_file else None
        self.report_file = settings.report_file
        self.fail_on_violation = settings.fail_on_violation
        self.cors = settings.cors
        self.max_body = settings.max_body
        self.body_timeout = settings.body_timeout
        self.negotiator = Negotiator(spec.put.produces(200))
        self.timing = Timing()
        self.secrets = Secrets()
        self.routes = Routes(spec)

    def judge(self, template: str) -> Judge | None:
        """The judge of the resource this path template belongs to (None: a path of no resource)."""
        return next((judge for judge in self.judged if judge.covers(template)), None)

    def judges(self, template: str) -> bool:
        """Whether worded promises apply to exchanges on this path template (every resource's do)."""
        return self.judge(template) is not None

    def router(self, fallback: ASGIApp) -> ProxyRouter:
        """The ASGI app: the spec's paths through this proxy, the rest to `fallback`."""
        return ProxyRouter(self.routes, self.handle, fallback)

    def listing(self) -> dict[str, Any]:
        """For GET /__admin/violations."""
        return {
            **self.log.listing(),
            "Upstream": self.upstream.url,
            "Validation": self.timing.as_dict(),
            "Held": self.held(),
        }

    def held(self) -> dict[str, dict[str, int]]:
        """What the proxy keeps in memory, each with its cap: nothing grows past it."""
        return {
            "Relations": self.history.held(),
            **{f"{judge.name}s": judge.history.held() for judge in self.judged[1:]},
            "Recorded": self.recording.held() if self.recording is not None else {"Count": 0, "Limit": 0},
            "Credentials": self.secrets.held(),
            "Violations": self.log.held(),
        }

    def clear(self) -> None:
        self.log.clear()

    async def aclose(self) -> None:
        """At shutdown: the recording's last write, the summary, the report, the connection pool."""
        if self.recording is not None:
            self.recording.flush()
        print_summary(self.log, self.upstream.url)
        timing = self.timing.as_dict()
        sys.stderr.write(
            f"relation-mock proxy: checking cost {timing['OpenApiCoreMsPerExchange']} ms (openapi-core) + "
            f"{timing['PromisesMsPerExchange']} ms (worded promises) per exchange\n"
        )
        if self.report_file is not None:
            write_report(self.report_file, self.log, self.upstream.url)
        await self.upstream.aclose()

    # -- one exchange ----------------------------------------------------------------------------------

    async def handle(
        self, scope: Scope, receive: Receive, send: Send, route: RouteMatch, params: dict[str, str]
    ) -> None:
        headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        text_headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in reversed(headers)
        }
        media = self.negotiator.for_error(
            text_headers.get("accept", ""), text_headers.get("content-type", "")
        )
        if sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES:
            await send_error(send, _HEADERS_TOO_LARGE, media)
            return
        if any(escapes(value) for value in params.values()):
            await send_error(send, _NOT_A_RESOURCE, media)
            return
        try:
            body = await read_body(headers, receive, limit=self.max_body, timeout=self.body_timeout)
        except ApiError as refused:
            await send_error(send, refused, media)
            return
        if body is None:  # the client went away
            return
        method, query = scope["method"], scope.get("query_string", b"")
        scrub = self.secrets.learn(headers, query)
        note = scope.get(NOTE)
        journal_id = note.get("Id") if isinstance(note, dict) else None
        exchange = self._exchange(method, params, query, text_headers, body)
        exchange.route = route.template
        judge = self.judge(route.template)
        if judge is not None:
            judge.history.started(exchange)
        try:
            answer = await self.upstream.send(
                method, scope.get("raw_path") or scope["path"].encode(), query, headers, body
            )
        except ApiError as failure:
            if judge is not None:
                judge.history.finished(exchange)
            if isinstance(note, dict):
                note["Upstream"] = {"Url": self.upstream.url, "Error": failure.message}
            sys.stderr.write(f"relation-mock proxy: {method} {scope['path']}: {failure.message}\n")
            await send_error(send, failure, media)
            return
        if judge is not None:
            judge.history.finished(exchange)
        self.secrets.saw_answer(scrub, answer.headers)
        checked, entity = self._check(route, params, exchange, headers, body, answer, scrub, judge)
        findings = clean(checked, scrub)
        self.log.record(
            journal_id=journal_id, method=method, path=scope["path"], status=answer.status, findings=findings
        )
        if findings:
            log_lines(method, scope["path"], answer.status, findings, journal_id)
        if isinstance(note, dict):
            note["Upstream"] = {
                "Url": self.upstream.url,
                "Status": answer.status,
                "Ms": round(answer.seconds * 1000, 2),
            }
            note["Violations"] = [as_dict(f) for f in findings]
        if judge is not None and self.recording is not None and not any(f.side == RESPONSE for f in findings):
            self._record(judge.name, exchange, answer.status, entity)
        failing = [f for f in findings if f.side == RESPONSE]
        if self.fail_on_violation and failing:
            await send_error(send, violation_error(answer.status, failing), media, findings)
            return
        await send_answer(
            send, method, answer, findings, cors=self.cors, from_browser="origin" in text_headers
        )

    def _exchange(
        self, method: str, params: dict[str, str], query: bytes, headers: dict[str, str], body: bytes
    ) -> Exchange:
        raw_id = next(iter(params.values()), None) if params else None
        relation_id = int(raw_id) if raw_id and re.fullmatch(r"[+-]?[0-9]{1,11}", raw_id) else None
        if relation_id is not None and not INT32[0] <= relation_id <= INT32[1]:
            relation_id = None
        fingerprint = hashlib.blake2b(
            b"\0".join([headers.get("content-type", "").encode("latin-1"), query, body]), digest_size=16
        ).digest()
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        media = media_type(headers.get("content-type", ""))
        return Exchange(method, relation_id, pairs, headers, media, fingerprint, time.monotonic())

    def _check(
        self,
        route: RouteMatch,
        params: dict[str, str],
        exchange: Exchange,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        answer: Answer,
        scrub: Scrubber,
        judge: Judge | None,
    ) -> tuple[list[Finding], dict[str, Any] | None]:
        """Every finding on the exchange, and the answer's relation (credentials scrubbed), if any."""
        entity = None
        try:
            started = time.perf_counter()
            text = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
            request = self.checker.exchange(
                exchange.method, route.template, params, exchange.query, text, body
            )
            request_findings = self.checker.request_findings(request, body)
            findings = list(request_findings)
            if answer.decoded is not None:
                answer_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in answer.headers]
                findings += self.checker.response(request, answer.status, answer_headers, answer.decoded)
            checked = time.perf_counter()
            exchange.request_findings = request_findings
            if exchange.method == "PATCH" and exchange.media in PATCH_JSON:
                exchange.body = self.checker.patch_value(body)
                exchange.patch = self.checker.patches.read(exchange.body)
            else:
                exchange.body = self.checker.read_body(exchange.headers.get("content-type", ""), body)
            if exchange.media.endswith("xml"):
                exchange.xml_namespace = root_namespace(body)
            if scrub.within(body):
                exchange.body = scrub.value(exchange.body)
            entity = self._entity(answer)
            if scrub.within(answer.decoded):
                entity = scrub.value(entity)
            outcome = Outcome(
                status=answer.status,
                entity=entity,
                date=http_date(_header(answer, b"date")),
                last_modified=http_date(_header(answer, b"last-modified")),
                last_modified_text=_header(answer, b"last-modified"),
                content_length=_header(answer, b"content-length"),
                arrived=time.monotonic(),
                wall=datetime.now(UTC),
                xml_namespace=self._answer_namespace(answer),
            )
            if judge is not None:
                findings += judge.promises.check(exchange, outcome)
                findings += judge.resource.check(exchange, outcome)
                findings += judge.history.check(exchange, outcome)
            self.timing.exchanges += 1
            self.timing.openapi_core += checked - started
            self.timing.promises += time.perf_counter() - checked
            return findings, entity
        except Exception as exc:  # a bug in checking must not cost the client its answer
            sys.stderr.write("".join(traceback.format_exception(exc)))
            error = Finding(
                "proxy", "proxy-error", "checking", f"the proxy could not check this exchange: {exc!r}"
            )
            return [error], entity

    @staticmethod
    def _answer_namespace(answer: Answer) -> str | None:
        if (
            answer.status != 200
            or answer.decoded is None
            or "xml" not in (_header(answer, b"content-type") or "")
        ):
            return None
        return root_namespace(answer.decoded)

    def _entity(self, answer: Answer) -> dict[str, Any] | None:
        if answer.status != 200 or answer.decoded is None:
            return None
        value = self.checker.read_body(_header(answer, b"content-type") or "", answer.decoded, answer=True)
        return value if isinstance(value, dict) else None

    def _record(self, resource: str, exchange: Exchange, status: int, entity: dict[str, Any] | None) -> None:
        """Whole entities the upstream answered are kept; one it deleted (or no longer has) goes."""
        assert self.recording is not None
        if exchange.is_default or any(
            name == "$select" or name.startswith("__") for name, _ in exchange.query
        ):
            return
        if "prefer" in exchange.headers:
            return
        gone = (exchange.method == "DELETE" and 200 <= status < 300) or (
            exchange.method in ("GET", "DELETE") and status == 404
        )
        if gone and exchange.relation_id is not None:
            self.recording.forget(exchange.relation_id, resource)
        elif exchange.method in ("GET", "PUT", "POST", "PATCH") and entity is not None:
            self.recording.offer(entity, resource)


def _header(answer: Answer, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in answer.headers if k.lower() == name), None)
