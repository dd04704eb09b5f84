"""Every check the suite can run, by name, so the CLI, the reports and pytest agree on one list.

Schemathesis' own checks keep their names; the properties and the two response checks added by this
package get names of their own. `--checks`/`--exclude-checks` take any of these names (or `all`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from contracts.errors import UsageError

SCHEMATHESIS = "schemathesis"
PROPERTY = "property"


@dataclass(frozen=True, slots=True)
class CheckInfo:
    name: str
    source: str
    summary: str


_CHECKS = (
    # Schemathesis built-ins (run by its CLI, `--checks all`).
    CheckInfo("not_a_server_error", SCHEMATHESIS, "no 5xx for any generated request"),
    CheckInfo("status_code_conformance", SCHEMATHESIS, "every status code is one the spec documents"),
    CheckInfo("content_type_conformance", SCHEMATHESIS, "every Content-Type is one the spec documents"),
    CheckInfo(
        "response_headers_conformance", SCHEMATHESIS, "documented response headers are present and valid"
    ),
    CheckInfo("response_schema_conformance", SCHEMATHESIS, "every response body matches its schema"),
    CheckInfo("negative_data_rejection", SCHEMATHESIS, "requests that break the schema are refused (4xx)"),
    CheckInfo("positive_data_acceptance", SCHEMATHESIS, "requests that fit the schema are accepted"),
    CheckInfo("missing_required_header", SCHEMATHESIS, "a missing required header is refused"),
    CheckInfo("unsupported_method", SCHEMATHESIS, "undocumented methods give 405"),
    CheckInfo("allow_header_conformance", SCHEMATHESIS, "an Allow header lists the documented methods"),
    CheckInfo("use_after_free", SCHEMATHESIS, "a deleted resource stays gone"),
    CheckInfo("ensure_resource_availability", SCHEMATHESIS, "a created resource can be read"),
    CheckInfo("ignored_auth", SCHEMATHESIS, "a request without credentials is refused"),
    CheckInfo("object_level_authorization", SCHEMATHESIS, "one identity cannot read another's objects"),
    # Response checks of this package, run inside Schemathesis on every generated request.
    CheckInfo("relation_id_matches_path", SCHEMATHESIS, "a 200 answer's RelationId is the path id"),
    CheckInfo("select_nulls_unselected", SCHEMATHESIS, "with $select, unselected fields are null"),
    # Hypothesis properties, run in-process against the URL.
    CheckInfo("round_trip", PROPERTY, "a PUT answer carries every writable field sent, RelationId = path id"),
    CheckInfo("persistence", PROPERTY, "a later call sees an earlier write"),
    CheckInfo("idempotence", PROPERTY, "the same PUT twice gives the same relation (UpdatedDate aside)"),
    CheckInfo("select", PROPERTY, "$select keeps selected values, nulls the rest, ignores case"),
    CheckInfo("concurrency", PROPERTY, "stale If-Unmodified-Since gives 412 and changes nothing"),
    CheckInfo("missing_body", PROPERTY, "a PUT without a body gives 400"),
    CheckInfo("auth_required", PROPERTY, "a call without credentials gives 401"),
    CheckInfo("negotiation_answer", PROPERTY, "the XML answer holds the same values as the JSON one"),
    CheckInfo("negotiation_body", PROPERTY, "XML and form bodies update the same fields as JSON"),
)

# Built-ins that Schemathesis runs but that find nothing to judge on this spec; shown as skipped.
INERT = {
    "unsupported_method": "not probed: a real SuperOffice implements DELETE/PATCH/POST on this path",
    "allow_header_conformance": "not probed: no OPTIONS requests are sent",
    "use_after_free": "needs a DELETE operation in the spec",
    "ensure_resource_availability": "needs a create operation in the spec",
    "object_level_authorization": "needs a second identity",
}

CHECKS: dict[str, CheckInfo] = {info.name: info for info in _CHECKS}
SCHEMATHESIS_CHECKS = tuple(info.name for info in _CHECKS if info.source == SCHEMATHESIS)
PROPERTY_CHECKS = tuple(info.name for info in _CHECKS if info.source == PROPERTY)


def select_checks(include: Iterable[str] | None, exclude: Iterable[str] | None) -> tuple[str, ...]:
    """The names to run, in catalog order; unknown names are a usage error naming the valid ones."""
    wanted = _expand(include) if include else set(CHECKS)
    unwanted = _expand(exclude) if exclude else set()
    chosen = tuple(name for name in CHECKS if name in wanted and name not in unwanted)
    if not chosen:
        raise UsageError("--checks/--exclude-checks leave no check to run")
    return chosen


def _expand(names: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for raw in names:
        for name in (part.strip() for part in raw.split(",")):
            if not name:
                continue
            if name == "all":
                out.update(CHECKS)
            elif name in (SCHEMATHESIS, PROPERTY):
                out.update(info.name for info in _CHECKS if info.source == name)
            elif name in CHECKS:
                out.add(name)
            else:
                valid = ", ".join(["all", SCHEMATHESIS, PROPERTY, *CHECKS])
                raise UsageError(f"unknown check {name!r}; choose from: {valid}")
    return out
