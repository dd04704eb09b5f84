"""Each request and answer checked against the spec by openapi-core, its validators built once.

`TrafficChecker` holds openapi-core's validators for the spec the mock serves (every `$ref`
inlined, the servers replaced by one the proxy's requests match), with the caching factories of
`compiled`, and checks one synthetic exchange per operation, media type and status at start-up so
that nothing is built on the first real one. A request is checked for its security, its path and
query parameters and headers, and its body in its content type (XML and form included; a PATCH
body in the spelling the vendor's case-insensitive reading gives it, `patchvalues`); an answer for
a documented status, a documented content type, its body schema and its documented headers.

A request check is remembered, bounded, in two parts: security and parameters by a digest of the
values openapi-core reads (a client sends the same headers again and again), the body by a digest
of its content type and bytes (a client polls, or repeats a write). Answers differ every time
(UpdatedDate) and are always checked.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.casting.schemas import oas30_read_schema_casters_factory, oas30_write_schema_casters_factory
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.media_types import media_type_deserializers
from openapi_core.deserializing.media_types.factories import MediaTypeDeserializersFactory
from openapi_core.deserializing.styles import style_deserializers
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.validation.request.exceptions import MissingRequestBody
from openapi_core.validation.request.validators import (
    V30RequestBodyValidator,
    V30RequestParametersValidator,
    V30RequestSecurityValidator,
)
from openapi_core.validation.response.validators import V30ResponseValidator
from openapi_core.validation.schemas import (
    oas30_read_schema_validators_factory,
    oas30_write_schema_validators_factory,
)
from werkzeug.datastructures import Headers, ImmutableMultiDict

from mockserver.model.resource import resources_of
from mockserver.model.spec import SpecModel
from mockserver.negotiation import media_type
from mockserver.proxy.compiled import (
    CachedCastersFactory,
    CachedStyleDeserializersFactory,
    CompiledValidatorsFactory,
)
from mockserver.proxy.findings import REQUEST, RESPONSE, Finding, findings
from mockserver.proxy.patchvalues import PatchReading
from mockserver.proxy.xmlvalues import form_reader, xml_reader

HOST = "http://proxy.invalid"
CACHE_SIZE = 4096
FORM = "application/x-www-form-urlencoded"
_JSON_TYPES = ("application/json", "text/json", "application/json-patch+json", "application/merge-patch+json")


def _xml_roots(spec: SpecModel) -> dict[str, Mapping[str, Any]]:
    """Lower-cased XML root -> the schema it carries: every resource's entity, by its `xml.name`
    with or without `WithLinks` (a body or an answer), in the spec's order."""
    roots: dict[str, Mapping[str, Any]] = {}
    for resource in resources_of(spec):
        name = resource.entity_name.lower()
        roots.setdefault(name, resource.answer_schema)
        roots.setdefault(f"{name}withlinks", resource.answer_schema)
    return roots


def _form_schema(spec: SpecModel) -> dict[str, Any]:
    """One form schema for every operation (a media type has one reader): each property's type where
    every resource's form that has it agrees, else none (its text is kept, and the schema judges it)."""
    types: dict[str, set[Any]] = {}
    for op in spec.operations:
        form = op.request_content.get(FORM, {}).get("schema", {})
        for name, sub in form.get("properties", {}).items():
            types.setdefault(name, set()).add(sub.get("type"))
    return {
        "properties": {name: ({"type": next(iter(t))} if len(t) == 1 else {}) for name, t in types.items()}
    }


class _Request:
    """openapi-core's Request protocol over what the proxy received."""

    __slots__ = ("body", "content_type", "host_url", "method", "parameters", "path", "path_pattern")

    def __init__(
        self,
        method: str,
        template: str,
        path_params: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        headers: Sequence[tuple[str, str]],
        body: bytes,
    ) -> None:
        header = Headers(headers)
        cookies = ImmutableMultiDict(
            (name.strip(), value.strip())
            for raw in header.getlist("cookie")
            for name, _, value in (part.partition("=") for part in raw.split(";"))
            if name.strip()
        )
        self.host_url = HOST
        self.path = self.path_pattern = template
        self.method = method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query), header=header, cookie=cookies, path=dict(path_params)
        )
        self.body = body or None
        self.content_type = (header.get("content-type") or "").lower()


class _Response:
    __slots__ = ("content_type", "data", "headers", "status_code")

    def __init__(self, status: int, headers: Sequence[tuple[str, str]], body: bytes) -> None:
        self.status_code = status
        self.headers = Headers(headers)
        self.content_type = (self.headers.get("content-type") or "").lower()
        self.data = body or None


def _remembering_operations(cls: Any) -> Any:
    """The validator class, finding each (method, path template)'s operation in the spec once."""

    class Remembering(cls):  # type: ignore[misc]
        _found: dict[tuple[str, str], Any]

        def _find_path(self, request: Any) -> Any:
            found = self.__dict__.setdefault("_found", {})
            key = (request.method, request.path_pattern)
            if key not in found:
                try:
                    found[key] = super()._find_path(request)
                except PathError as exc:
                    found[key] = exc
            result = found[key]
            if isinstance(result, PathError):
                raise result
            return result

    Remembering.__name__ = cls.__name__
    return Remembering


def _read_names(document: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every query and header name a request check reads: parameters, security headers, Content-Type."""
    queries: set[str] = set()
    headers = {"content-type", "authorization", "cookie"}
    for item in document.get("paths", {}).values():
        operations = [op for op in item.values() if isinstance(op, dict)]
        for parameter in [
            *item.get("parameters", []),
            *(p for op in operations for p in op.get("parameters", [])),
        ]:
            if parameter.get("in") == "query":
                queries.add(parameter["name"])
            elif parameter.get("in") == "header":
                headers.add(parameter["name"].lower())
    for scheme in document.get("components", {}).get("securitySchemes", {}).values():
        if scheme.get("in") == "header":
            headers.add(scheme["name"].lower())
    return tuple(sorted(queries)), tuple(sorted(headers))


def _json(value: bytes, **parameters: str) -> Any:
    return orjson.loads(value)


def _for_openapi_core(spec: SpecModel) -> dict[str, Any]:
    # Every $ref already inlined: nothing to resolve per call. Read only, so shared, not copied.
    return {**spec.document, "servers": [{"url": HOST}]}


class _Remembered:
    """A bounded map from a digest to the findings computed for it (least recently used out); locked,
    as proxies in one process (tests) share a checker (`shared_checker`)."""

    def __init__(self) -> None:
        self._found: OrderedDict[bytes, list[Finding]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, parts: Sequence[str], data: bytes, compute: Callable[[], list[Finding]]) -> list[Finding]:
        digest = hashlib.blake2b(digest_size=20)
        for part in parts:
            digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
        key = digest.digest()
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                return found
        found = compute()
        with self._lock:
            self._found[key] = found
            if len(self._found) > CACHE_SIZE:
                self._found.popitem(last=False)
        return found


_SHARED: OrderedDict[bytes, TrafficChecker] = OrderedDict()
_SHARED_LOCK = threading.Lock()
SHARED_SPECS = 4


def shared_checker(spec: SpecModel) -> TrafficChecker:
    """The checker for this spec document, built once per process: building one (openapi-core's
    validators, warmed up for every operation) takes ~0.25 s, and a process that starts a proxy
    more than once (the test run) would pay it each time. It holds nothing of one proxy's."""
    options = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    key = hashlib.blake2b(orjson.dumps(spec.raw, option=options, default=str), digest_size=20).digest()
    with _SHARED_LOCK:
        checker = _SHARED.get(key)
        if checker is None:
            checker = _SHARED[key] = TrafficChecker(spec)
            if len(_SHARED) > SHARED_SPECS:
                _SHARED.popitem(last=False)
        return checker


class TrafficChecker:
    """openapi-core's validators for one spec, built once; `request_findings()` and `response()`."""

    def __init__(self, spec: SpecModel) -> None:
        document = _for_openapi_core(spec)
        path = SchemaPath.from_dict(document, resolved_cache_maxsize=4096)
        # The spec's own tests run the full openapi-spec-validator; at start-up it would cost ~0.3 s.
        self.openapi = OpenAPI(path, config=Config(spec_validator_cls=None))
        form_schema = _form_schema(spec)
        json_readers: dict[str, Any] = {media: _json for media in _JSON_TYPES}
        roots = _xml_roots(spec)
        answers = xml_reader({**roots, "error": spec.schemas["Error"]})
        bodies = xml_reader(roots)
        self._readers = {
            **json_readers,
            "application/xml": bodies,
            "text/xml": bodies,
            FORM: form_reader(form_schema),
        }
        self._answers = {**json_readers, "application/xml": answers, "text/xml": answers}
        self.patches = PatchReading(spec.entity)
        write = self._factories(oas30_write_schema_validators_factory, oas30_write_schema_casters_factory)
        read = self._factories(oas30_read_schema_validators_factory, oas30_read_schema_casters_factory)
        self.security = self._validator(V30RequestSecurityValidator, write, self._readers)
        self.parameters = self._validator(V30RequestParametersValidator, write, self._readers)
        self.body = self._validator(V30RequestBodyValidator, write, self._readers)
        self.response_validator = self._validator(V30ResponseValidator, read, self._answers)
        self._queries, self._headers = _read_names(document)
        self._remembered_parameters = _Remembered()
        self._remembered_bodies = _Remembered()
        self._warm_up(document)

    def _factories(self, validators: Any, casters: Any) -> dict[str, Any]:
        compiled = CompiledValidatorsFactory(validators, self.openapi.spec)
        cached_casters = CachedCastersFactory(compiled, casters.types_caster)
        styles = CachedStyleDeserializersFactory(cached_casters, style_deserializers)
        media = MediaTypeDeserializersFactory(styles, media_type_deserializers={**media_type_deserializers})
        return {
            "schema_validators_factory": compiled,
            "schema_casters_factory": cached_casters,
            "style_deserializers_factory": styles,
            "media_type_deserializers_factory": media,
        }

    def _validator(self, cls: Any, factories: dict[str, Any], readers: dict[str, Any]) -> Any:
        return _remembering_operations(cls)(
            self.openapi.spec, extra_media_type_deserializers=readers, **factories
        )

    def _warm_up(self, document: Mapping[str, Any]) -> None:
        """Check one synthetic exchange per operation, request media type, status and answer media
        type, so every validator, caster and deserializer openapi-core needs is built at start-up."""
        samples = {"xml": b"<ContactRelationEntity/>", FORM: b"Comment=x"}
        for template, item in document.get("paths", {}).items():
            for method, operation in item.items():
                if method not in ("get", "put", "post", "delete", "patch") or not isinstance(operation, dict):
                    continue
                parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
                path = {p["name"]: "1" for p in parameters if p.get("in") == "path"}
                query = [(p["name"], "x") for p in parameters if p.get("in") == "query"]
                headers = [(p["name"], "x") for p in parameters if p.get("in") == "header"]
                headers.append(("Authorization", "Basic eDp4"))
                for media in operation.get("requestBody", {}).get("content", {}) or {"": {}}:
                    body = (
                        samples.get(media, samples["xml"] if media.endswith("xml") else b"{}")
                        if media
                        else b""
                    )
                    request = self.exchange(
                        method, template, path, query, [*headers, ("Content-Type", media)], body
                    )
                    self.request(request)
                for status, answer in operation.get("responses", {}).items():
                    if not str(status).isdigit():
                        continue
                    for media in answer.get("content", {}) or {"": {}}:
                        body = samples["xml"] if media.endswith("xml") else b"{}" if "json" in media else b"x"
                        answer_headers = [(name, "x") for name in answer.get("headers", {})]
                        self.response(request, int(status), [*answer_headers, ("Content-Type", media)], body)

    def exchange(
        self,
        method: str,
        template: str,
        path_params: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        headers: Sequence[tuple[str, str]],
        body: bytes,
    ) -> _Request:
        request = _Request(method, template, path_params, query, headers, body)
        if request.method == "patch" and body and media_type(request.content_type) in _JSON_TYPES:
            request.body = self.patches.canonical_bytes(body)
        return request

    def patch_value(self, body: bytes) -> Any:
        """A JSON PATCH body's value in the spec's spelling; None when it is not JSON."""
        value = self.read_body("application/json", body)
        return None if value is None else self.patches.canonical(value)

    def request(self, request: _Request) -> list[Finding]:
        """Security first; parameters and body only for a request that passes it (as openapi-core does)."""
        refused = self._check(self.security, request)
        return refused or self._check(self.parameters, request) + self._body(request)

    def request_findings(self, request: _Request, body: bytes) -> list[Finding]:
        """`request()`, each of its parts remembered by a digest of what it reads."""
        parameters = request.parameters
        parts = [
            request.method,
            request.path_pattern,
            *sorted(f"{k}={v}" for k, v in parameters.path.items()),
        ]
        # openapi-core types these as Mapping; at run time they are multi-dicts with getlist().
        query: Any = parameters.query
        header: Any = parameters.header
        parts += [f"{name}={value}" for name in self._queries for value in query.getlist(name)]
        parts += [f"{name}={value}" for name in self._headers for value in header.getlist(name)]
        refused = self._remembered_parameters.get(
            parts, b"", lambda: self._check(self.security, request) + self._check(self.parameters, request)
        )
        if any(f.check == "request-security" for f in refused):
            return refused
        media = [request.method, request.path_pattern, request.content_type]
        return refused + self._remembered_bodies.get(media, body, lambda: self._body(request))

    def _body(self, request: _Request) -> list[Finding]:
        errors = self.body.iter_errors(request)  # a body the operation does not require may be absent:
        kept = (e for e in errors if type(e) is not MissingRequestBody)
        return [f for error in kept for f in findings(REQUEST, error)]

    @staticmethod
    def _check(validator: Any, request: _Request) -> list[Finding]:
        return [f for error in validator.iter_errors(request) for f in findings(REQUEST, error)]

    def read_body(self, content_type: str, data: bytes, *, answer: bool = False) -> Any:
        """A body as the value it carries (JSON, XML, form); None when it is none of these or unreadable."""
        reader = (self._answers if answer else self._readers).get(media_type(content_type))
        if reader is None or not data:
            return None
        try:
            return reader(data)
        except Exception:  # unreadable bodies are openapi-core's to report
            return None

    def response(
        self, request: _Request, status: int, headers: Sequence[tuple[str, str]], body: bytes
    ) -> list[Finding]:
        errors = self.response_validator.iter_errors(request, _Response(status, headers, body))
        return [f for error in errors for f in findings(RESPONSE, error)]
