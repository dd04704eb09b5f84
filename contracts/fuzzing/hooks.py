"""Schemathesis hooks for the contract run, loaded by its CLI (SCHEMATHESIS_HOOKS or `hooks` in
schemathesis.toml).

- Registers this package's response checks (`contracts.fuzzing.checks`).
- Keeps every write on records the run may change (`contracts.fuzzing.guard`, per path template): a PUT
  goes to a record this run created or to `--relation-id` (CONTRACTS_RELATION_ID), a DELETE or
  PATCH only to a record this run created (one is created for it when needed); ids that are not
  int32 are left alone (404). The id a POST answers is judged at once (`contracts.safety.custody`: only a
  record proven new is the run's) and recorded in the run's ledger (CONTRACTS_LEDGER), as is how
  each of the run's records reads after a write and every id a GET showed. Under --read-only
  (CONTRACTS_READ_ONLY) a request other than GET is refused before it is sent.
- Rewrites generated PUT, POST and PATCH bodies so that valid data stays valid on a real tenant:
  references mapped onto the known ones (CONTRACTS_REFERENCES, else the vendor's sample request),
  a POST's RelationId 0 (against a URL), and more; see `contracts.fuzzing.rules`, which also lists every
  finding set aside here and why.
- Writes XML bodies in the namespace of the server's own XML answers (CONTRACTS_XML_NAMESPACE),
  when it has one.
- Keeps `ignored_auth` findings for no credentials and for Schemathesis's invalid credentials;
  drops only the "generated credentials" scenario, which never arises when --auth is given.
- Sends the coverage phase's invalid bodies under one media type of each family of aliases, and one of
  each kind under the others (`contracts.fuzzing.aliases`; CONTRACTS_EVERY_MEDIA_TYPE=1 sends them all).
- Counts requests per phase into CONTRACTS_PROGRESS so the parent process can show progress.
- Stops the process before a request, never during one, once CONTRACTS_STOP_FILE exists or the
  parent process (CONTRACTS_PARENT_PID) is gone: the answer to the last request was recorded, so
  the parent's cleanup knows every relation the process created.
"""

from __future__ import annotations

import os
import threading
from typing import IO, Any, TypeGuard

import schemathesis
from schemathesis.core.failures import AcceptedNegativeData, Failure
from schemathesis.core.jsonschema import make_validator
from schemathesis.core.parameters import ParameterLocation
from schemathesis.openapi.checks import AuthScenario, IgnoredAuth, JsonSchemaError, RejectedPositiveData
from schemathesis.transport.serialization import serialize_xml

import contracts.fuzzing.checks  # noqa: F401  (registers the checks)
from contracts.fuzzing.aliases import CoverageSampler
from contracts.fuzzing.guard import Guard, answer_entity, item_template, route_id
from contracts.fuzzing.plan import STOPPED
from contracts.fuzzing.rules import (
    INT32,
    SAMPLE,
    is_xml,
    prepare_body,
    prepare_patch,
    select_names,
    stale_precondition,
    valid_as_text,
    webapi_not_found,
    with_namespace,
    xml_names_collide,
)
from contracts.safety.custody import Answer
from contracts.safety.references import ENV, ReferencePool

_relation_id = int(os.environ.get("CONTRACTS_RELATION_ID", "918"))
_keep_body_id = os.environ.get("CONTRACTS_KEEP_BODY_ID") == "1"
_embedded = os.environ.get("CONTRACTS_EMBEDDED") == "1"
_pool = ReferencePool.from_env(os.environ.get(ENV)) or SAMPLE
_guard = Guard.from_env(_pool)
_xml_namespace = os.environ.get("CONTRACTS_XML_NAMESPACE")
_progress_path = os.environ.get("CONTRACTS_PROGRESS")
_progress: IO[str] | None = None
_lock = threading.Lock()
_stop_file = os.environ.get("CONTRACTS_STOP_FILE")
_parent = int(os.environ.get("CONTRACTS_PARENT_PID") or 0)
_sampler = None if os.environ.get("CONTRACTS_EVERY_MEDIA_TYPE") == "1" else CoverageSampler()


def _stop_if_asked() -> None:
    """Ends the process here, between two requests, when the run was stopped or its parent died."""
    if (_stop_file and os.path.exists(_stop_file)) or (_parent and os.getppid() != _parent):
        if _progress is not None:
            _progress.flush()
        os._exit(STOPPED)


if _xml_namespace:

    @schemathesis.serializer("application/xml", "text/xml")
    def _namespaced_xml(ctx: schemathesis.SerializationContext, value: Any) -> bytes:
        data = serialize_xml(ctx.case, value)["data"]
        return with_namespace(data if isinstance(data, bytes) else str(data).encode(), _xml_namespace or "")


@schemathesis.hook
def filter_case(context: schemathesis.HookContext, case: schemathesis.Case[Any]) -> bool:
    """The coverage phase's invalid bodies once per kind under an alias media type (`fuzzing.aliases`)."""
    return _sampler is None or _sampler.keep(case)


@schemathesis.hook
def before_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: dict[str, Any]
) -> None:
    _stop_if_asked()
    method = case.method.upper()
    _guard.refuse_write(method, case.path)
    _guard.learn_server(case.operation.schema)
    query = case.query or {}
    if isinstance(query.get("$select"), str) and _positive(case, ParameterLocation.QUERY):
        query["$select"] = select_names(query["$select"])
    _guard.learn_keys(case.operation.schema.raw_schema)
    if method == "POST":
        _guard.keep_id_selected(query, _guard.key(item_template(case.operation.path)))
    value = route_id((case.path_parameters or {}).get("id"))
    if value is not None:  # an id the route's {id:int} accepts, however it is spelt ("0", " 918")
        case.path_parameters["id"] = value = _guard.target(method, value, case.operation.path)
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if method == "PATCH":
        prepare_patch(case.body, positive=positive, pool=_pool)
    elif method in ("PUT", "POST") and isinstance(case.body, dict):
        creating = "id" not in (case.path_parameters or {})
        prepare_body(
            case.body,
            positive=positive,
            media_type=case.media_type,
            pool=_pool,
            # A new relation's body says 0; a real tenant might save a POST under any other id.
            relation_id=0 if creating or value is None else value if _is_int(value) else _relation_id,
            keep_body_id=_keep_body_id and (_embedded or not creating),
        )


@schemathesis.hook
def filter_failure(
    context: schemathesis.HookContext,
    failure: Failure,
    case: schemathesis.Case[Any],
    response: schemathesis.Response,
) -> bool:
    raw = response.request.headers.get("If-Unmodified-Since")
    since = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    if isinstance(failure, RejectedPositiveData):
        if is_xml(case.media_type) and xml_names_collide(case.body):
            return False  # the XML on the wire is not the valid body Schemathesis judged
        return not (failure.status_code == 412 and stale_precondition(since))
    if isinstance(failure, AcceptedNegativeData):
        if failure.status_code == 412 and stale_precondition(since) and _only_body_negative(case):
            return False
        return not (is_xml(case.media_type) and _only_body_negative(case) and _xml_valid_as_text(case))
    if isinstance(failure, IgnoredAuth):
        # No credentials, or credentials that are plainly not the caller's, must both be refused.
        return failure.scenario in (AuthScenario.NO_AUTH, AuthScenario.INVALID_AUTH)
    if isinstance(failure, JsonSchemaError):
        return not webapi_not_found(response.status_code, _json(response))
    return True


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value in INT32


def _positive(case: schemathesis.Case[Any], location: ParameterLocation) -> bool:
    info = case.meta.components.get(location) if case.meta is not None else None
    return info is not None and info.mode.is_positive


def _only_body_negative(case: schemathesis.Case[Any]) -> bool:
    meta = case.meta
    if meta is None:
        return False
    body = meta.components.get(ParameterLocation.BODY)
    others = [info for location, info in meta.components.items() if location != ParameterLocation.BODY]
    return body is not None and body.mode.is_negative and not any(info.mode.is_negative for info in others)


def _xml_valid_as_text(case: schemathesis.Case[Any]) -> bool:
    alternative = case.operation.get_body_for_media_type(case.media_type)
    if alternative is None:
        return False
    try:
        validator = make_validator(
            alternative.optimized_schema, case.operation.schema.adapter.jsonschema_validator_cls
        )
        return valid_as_text(case.body, validator.is_valid, lambda instance: leaf_errors(validator, instance))
    except Exception:  # a schema the validator cannot read: the finding stands
        return False


def leaf_errors(validator: Any, instance: Any) -> list[list[Any]]:
    """The instance paths of the innermost errors: an `anyOf` (a nullable carrier) is opened up."""
    out: list[list[Any]] = []

    def walk(error: Any) -> None:
        branches = getattr(error.kind, "context", None) or []
        inner = [sub for branch in branches for sub in branch]
        if not inner:
            out.append(list(error.instance_path))
        for sub in inner:
            walk(sub)

    for error in validator.iter_errors(instance):
        walk(error)
    return out


def _json(response: schemathesis.Response) -> Any:
    try:
        return response.json()
    except Exception:
        return None


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], response: schemathesis.Response
) -> None:
    global _progress
    _record(case, response)
    if not _progress_path:
        return
    phase = case.meta.phase.name.value if case.meta is not None else "other"
    with _lock:
        if _progress is None:
            _progress = open(_progress_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        _progress.write(f"{phase} {case.method.upper()}\n")


def _record(case: schemathesis.Case[Any], response: schemathesis.Response) -> None:
    """What the answer tells about the run's records, into its ledger (`Guard.record`)."""
    method, path = case.method.upper(), case.operation.path
    rid = (case.path_parameters or {}).get("id") if "{id}" in path else None
    creating = method == "POST" and "{" not in path
    if rid is None and not creating:
        return
    headers = {name.lower(): values[0] for name, values in response.headers.items() if values}
    entity = answer_entity(response.content) if creating else _json_object(response)
    _guard.record(
        method,
        rid,
        Answer(response.status_code, headers, entity),
        template=item_template(path) if creating else path,
        selected="$select" in (case.query or {}),
        elapsed=float(response.elapsed or 0.0),
    )


def _json_object(response: schemathesis.Response) -> dict[str, Any] | None:
    body = _json(response)
    return body if isinstance(body, dict) else None
