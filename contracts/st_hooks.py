"""Schemathesis hooks for the contract run, loaded by its CLI through SCHEMATHESIS_HOOKS.

- Registers this package's response checks (`contracts.checks`).
- Keeps every write on the one relation the run may change: a PUT to any other valid id is sent to
  `--relation-id` instead (ids that are not int32 are left alone, they test the 400/404 answer).
- Keeps `ignored_auth` findings for no credentials and for Schemathesis's invalid credentials
  (a server that accepts `Bearer SCHEMATHESIS-INVALID-VALUE` ignores auth); drops only the
  "generated credentials" scenario, which never arises when --auth is given.
- Drops kinds of finding that the spec does not back:
  * `positive_data_acceptance` on a JSON Patch refused with 400/409/422: a patch can fit the
    schema (any path, any value) and still name a property that does not exist or hold a value
    of the wrong type; the spec documents those refusals. Likewise a 400 for an empty body (an
    empty form fits the form schema): that is the documented "entity not in request body"; and
    a 400 for an XML body holding a generated null, which Schemathesis writes as the text "null".
- Drops two kinds of `negative_data_rejection` finding: a 412 for a request with a stale
  If-Unmodified-Since (RFC 9110 lets preconditions go first), and a type-only negation sent as XML
  or form data, which carry text only (the "wrong" type arrives as valid text).
- Counts requests per phase into CONTRACTS_PROGRESS so the parent process can show progress.
"""

from __future__ import annotations

import os
import threading
from typing import IO, Any

import schemathesis
from schemathesis.core.failures import AcceptedNegativeData, Failure
from schemathesis.openapi.checks import AuthScenario, IgnoredAuth, RejectedPositiveData

import contracts.checks  # noqa: F401  (registers the checks)

INT32 = range(-(2**31), 2**31)
PATCH_REFUSALS = frozenset({400, 409, 422})
TEXT_WIRE = ("xml", "x-www-form-urlencoded")

_relation_id = int(os.environ.get("CONTRACTS_RELATION_ID", "918"))
_progress_path = os.environ.get("CONTRACTS_PROGRESS")
_progress: IO[str] | None = None
_lock = threading.Lock()


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    if case.method.upper() != "PUT" or not case.path_parameters:
        return
    value = case.path_parameters.get("id")
    if isinstance(value, int) and not isinstance(value, bool) and value in INT32:
        case.path_parameters["id"] = _relation_id


@schemathesis.hook
def filter_failure(
    context: schemathesis.HookContext,
    failure: Failure,
    case: schemathesis.Case,
    response: schemathesis.Response,
) -> bool:
    if isinstance(failure, AcceptedNegativeData):
        # RFC 9110 13.2.1 lets a server judge preconditions before it reads the content, so a stale
        # If-Unmodified-Since may be answered 412 whatever the body holds; the write is refused.
        if failure.status_code == 412 and "If-Unmodified-Since" in response.request.headers:
            return False
        # XML and form data carry text only: a value of the "wrong" JSON type (null, a number for
        # a string) is written as text that is a valid value of the right type.
        media_type = (case.media_type or "").lower()
        return not (any(wire in media_type for wire in TEXT_WIRE) and _type_only_negation(case, failure))
    if isinstance(failure, IgnoredAuth):
        # No credentials, or credentials that are plainly not the caller's, must both be refused.
        return failure.scenario in (AuthScenario.NO_AUTH, AuthScenario.INVALID_AUTH)
    if isinstance(failure, RejectedPositiveData):
        media_type = (case.media_type or "").lower()
        if media_type.startswith("application/json-patch") and failure.status_code in PATCH_REFUSALS:
            return False
        if failure.status_code != 400:
            return True
        # An empty form (every form field is optional) is an empty body: "Entity to save is not in
        # request body" is the documented 400. And XML has no null: Schemathesis writes a generated
        # null as the text "null", which an integer or date element rightly refuses.
        empty = not response.request.body
        return not (empty or ("xml" in media_type and _holds_null(case.body)))
    return True


def _type_only_negation(case: schemathesis.Case, failure: Failure) -> bool:
    data = case.meta.phase.data if case.meta is not None else None
    mutations = getattr(data, "mutations", None)
    if mutations:
        return all(mutation.operator == "change_type" for mutation in mutations)
    negated = failure.message.partition("Invalid component:")[2].lower().replace("content-type", "")
    return "type" in negated


def _holds_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_holds_null(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_null(item) for item in value)
    return False


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: schemathesis.Case, response: schemathesis.Response
) -> None:
    global _progress
    if not _progress_path:
        return
    phase = case.meta.phase.name.value if case.meta is not None else "other"
    with _lock:
        if _progress is None:
            _progress = open(_progress_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        _progress.write(f"{phase} {case.method.upper()}\n")
