"""Every check the suite can run, by name, with the source of the promise it judges.

Each check declares where its promise comes from, in the project's fidelity order: the vendor's
documents (`vendor`), ASP.NET Web API's defaults where they are silent (`framework`), an RFC (`rfc`),
or a choice this project made (`ours`). Against a URL only the vendor's documented promises fail the
run; the others are warnings, which `--strict` (and a run against the embedded mock) turn into
failures. A single finding may name a weaker source than its check (see `Failure.basis`).

`--checks`/`--exclude-checks` take any of these names, `schemathesis`, `property` or `all`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from contracts.errors import UsageError

SCHEMATHESIS = "schemathesis"
PROPERTY = "property"

VENDOR = "vendor"
FRAMEWORK = "framework"
RFC = "rfc"
OURS = "ours"
BASIS_LABELS = {
    VENDOR: "vendor doc",
    FRAMEWORK: "framework default",
    RFC: "RFC",
    OURS: "our choice",
}


@dataclass(frozen=True, slots=True)
class CheckInfo:
    name: str
    engine: str
    basis: str
    summary: str
    # Where the promise is written down (or why it is ours).
    reference: str


def _st(name: str, basis: str, summary: str, reference: str) -> CheckInfo:
    return CheckInfo(name, SCHEMATHESIS, basis, summary, reference)


def _prop(name: str, basis: str, summary: str, reference: str) -> CheckInfo:
    return CheckInfo(name, PROPERTY, basis, summary, reference)


_PUT_PAGE = "vendor PUT Relation/{id} page and Swagger"
_CHECKS = (
    # Hypothesis properties, run in-process against the URL, first (they judge state).
    _prop("round_trip", VENDOR, "a PUT answer carries the references and free fields sent",
          f"{_PUT_PAGE}: 200 'ContactRelationEntity updated.' with the entity"),
    _prop("replace", VENDOR, "fields a PUT leaves out take their empty values (no merge)",
          "vendor: PUT 'replaces the entire entity'; PATCH is the partial update"),
    _prop("persistence", VENDOR, "a later GET sees an earlier PUT, every time",
          f"{_PUT_PAGE}; GET Relation/{{id}} is documented (200, 404 only for an unknown id)"),
    _prop("idempotence", VENDOR, "the same PUT twice gives the same relation (its stamps aside)",
          "follows from PUT replacing the entity"),
    _prop("derived_fields", VENDOR, "names and texts read from the references are the same on every read",
          "vendor: 'Name of the source contact', ... are the referenced records' (never echoed)"),
    _prop("select", VENDOR, "$select keeps selected values, empties the rest, saves everything",
          "vendor $select: 'Other fields are then nulled out to reduce payload size'"),
    _prop("select_put_back", OURS, "a $select answer sent back unchanged stores its values (null is empty)",
          "the spec: null in a body is the field's empty value (a .NET server may refuse null for an int)"),
    _prop("concurrency", VENDOR, "stale If-Unmodified-Since: 412, nothing changed; fresh or future: 200",
          "vendor http-headers: 412 'if the entity has been modified since'; without it PUT always updates"),
    _prop("clock", VENDOR, "UpdatedDate is the time of the write: no lost update across seconds",
          "vendor: UpdatedDate 'Last updated when in UTC' with If-Unmodified-Since; RFC 9110 8.8.2.1"),
    _prop("updated_by", VENDOR, "after a PUT, UpdatedBy names the caller, not the body or a previous writer",
          "vendor: UpdatedBy beside UpdatedDate; Associate.Name 'Initials, also login name'"),
    _prop("mandatory_references", VENDOR, "SourceContactId and DestinationContactId 0 or absent are refused",
          "vendor: SourceContactId, DestinationContactId 'The value is mandatory.'"),
    _prop("missing_body", VENDOR, "a PUT without a body gives 400",
          f"{_PUT_PAGE}: 400 'Entity to save is not in request body.'"),
    _prop("auth_required", VENDOR, "a call without credentials gives 401",
          "vendor authentication docs: no credentials or an expired token give 401"),
    _prop("negotiation_answer", VENDOR, "the XML answer holds the same values as the JSON one",
          f"{_PUT_PAGE}: produces application/xml and text/xml"),
    _prop("text_json", VENDOR, "a text/json answer holds the same values as the application/json one",
          f"{_PUT_PAGE}: produces text/json (one JSON formatter)"),
    _prop("negotiation_body", VENDOR, "XML, form and both patch media types update the same fields as JSON",
          f"{_PUT_PAGE}: consumes seven media types, each carrying the entity"),
    _prop("field_lengths", VENDOR, "text up to FieldLength round-trips; one unit more: 400, no 5xx, no cut",
          "vendor: FieldProperties.<Field>.FieldLength in entity answers; PUT answers 200 or 400"),
    _prop("text_fidelity", VENDOR, "non-ASCII, edge whitespace, line breaks, XML specials are stored as sent",
          f"{_PUT_PAGE}: Comment is a string; consumes JSON, XML and form data"),
    _prop("accept_fallback", FRAMEWORK, "an Accept that matches nothing is answered in JSON, never 406",
          "ASP.NET Web API DefaultContentNegotiator falls back to the first formatter"),
    _prop("path_id_wins", OURS, "a body RelationId other than the path's changes nothing (path wins)",
          "our choice (reference 12): sent only under --strict or to the embedded mock"),
    _prop("lifecycle", VENDOR, "create (POST 200), read, patch, delete (204), read (404); PATCH then 404",
          "vendor POST 200, DELETE 204 'ContactRelationEntity deleted.', GET 404, PATCH 404 "
          "'ContactRelationEntity with given id does not exist in the db.'"),
    _prop("default_entity", VENDOR, "GET /default: a new relation, RelationId 0 and no _Links",
          "vendor GET Relation/default: 'Set default values into a new ContactRelationEntity' (no _Links)"),
    _prop("post_ids", VENDOR, "POST ignores a body RelationId; every id it hands out is new",
          "vendor POST 'Creates a new ContactRelationEntity' (an id handed out again after DELETE: ours)"),
    _prop("patch_equals_put", VENDOR, "a PATCH stores what a PUT of the patched document stores",
          "vendor PATCH: changes 'as described in a JSON Patch' (RFC 6902), paths case-insensitive, leading "
          "slash optional; `remove` as the empty value: ASP.NET JsonPatch's default"),
    _prop("merge_equals_json_patch", VENDOR, "a merge patch stores what the equivalent JSON Patch stores",
          "vendor PATCH: a MERGE-PATCH object 'will be converted to a list of JSON-PATCH operations' "
          "(RFC 7396)"),
    _prop("failed_test_changes_nothing", VENDOR,
          "a failed `test` is 409 and changes nothing; one that holds applies",
          "vendor PATCH 409 'Update blocked because a 'test' operation has detected a conflict'; RFC 6902 5"),
    _prop("stale_patch_changes_nothing", VENDOR, "stale If-Unmodified-Since on PATCH: 412, nothing changed",
          "vendor PATCH 412 'Update aborted because ContactRelationEntity has changed since ...' "
          "(a fresh date applies: RFC 9110 13.1.4)"),
    _prop("stale_delete_changes_nothing", VENDOR, "stale If-Unmodified-Since on DELETE: 412, nothing deleted",
          "vendor DELETE 412 'Delete aborted because ContactRelationEntity has changed since ...' "
          "(a fresh date deletes: RFC 9110 13.1.4)"),
    # The relation's references (x-references, x-derived) and the spec's other resources.
    _prop("foreign_person_refused", VENDOR, "a person of another contact is refused (4xx), nothing stored",
          "vendor: SourcePersonId 'The person must belong to the source contact'; PUT 400 'Bad request' "
          "(400 ValidationException naming the field: the mock's; error shape: ours)"),
    _prop("derived_names_follow", VENDOR, "a renamed contact or person shows in its relations (no echo)",
          "vendor: SourceContactName 'Name of the source contact', SourcePersonName, read from the "
          "referenced records; it creates them: --create-references against a URL"),
    _prop("entity_negotiation", VENDOR, "records the relation names read the same as XML and as JSON",
          "vendor GET Contact/Person/RelationDefinition/{id}: produces JSON and XML (reads only)"),
    _prop("entity_stored_as_sent", VENDOR, "every other resource's PUT answer and GET carry the fields sent",
          "vendor PUT Contact/Person/{id} 'Updates the existing ...' with the entity (needs --all-resources "
          "against a URL)"),
    _prop("entity_replace", VENDOR, "another resource's fields a PUT leaves out or nulls become empty",
          "vendor: PUT replaces the entity; PATCH is the partial update"),
    _prop("entity_idempotence", VENDOR, "the same PUT of another resource twice gives the same record",
          "follows from PUT replacing the entity"),
    _prop("entity_select", VENDOR, "$select on another resource keeps selected values, nulls the rest",
          "vendor $select: 'Other fields are then nulled out to reduce payload size'"),
    _prop("entity_preconditions", VENDOR, "another resource's PUT with a stale If-Unmodified-Since: 412",
          "vendor PUT Contact/Person/{id} 412 'Update stopped because ... has changed since ...'"),
    _prop("entity_text_lengths", VENDOR, "another resource's text up to FieldLength is stored; past it 4xx",
          "vendor: FieldProperties.<Field>.FieldLength; x-field-length in the spec"),
    _prop("entity_lifecycle", VENDOR, "another resource: POST 200, GET shows it, DELETE 2xx, then GET 404",
          "vendor POST 'Creates a new ...', DELETE 'Deletes the ...', GET 404 for an unknown id"),
    # Schemathesis built-ins (run by its CLI).
    _st("not_a_server_error", VENDOR, "no 5xx for any generated request",
        f"{_PUT_PAGE}: a valid PUT is 200, 400 or 412 (5xx for invalid data: our choice)"),
    _st("status_code_conformance", OURS, "every status code is one the spec lists",
        "the spec adds inferred statuses (401, 404 on PUT, 406, 408, 413, 415, 503)"),
    _st("content_type_conformance", VENDOR, "every Content-Type is one the spec lists",
        f"{_PUT_PAGE}: produces (error bodies' types: our choice)"),
    _st("response_headers_conformance", OURS, "documented response headers are valid",
        "the spec's Last-Modified, WWW-Authenticate and Retry-After headers"),
    _st("response_schema_conformance", VENDOR, "every response body matches its schema",
        "vendor Swagger entity schema (error bodies but the 404: our choice)"),
    _st("negative_data_rejection", OURS, "requests that break the schema are refused (4xx)",
        "the spec's inference: Web API's JSON binder may record a type error and still bind"),
    _st("positive_data_acceptance", VENDOR, "requests that fit the schema are accepted",
        f"{_PUT_PAGE}: a valid entity is updated; without If-Unmodified-Since PUT always updates"),
    _st("missing_required_header", OURS, "a missing required header is refused",
        "the spec's required headers"),
    _st("unsupported_method", OURS, "undocumented methods give 405 with Allow",
        "RFC 9110 15.5.6 and ASP.NET Web API routing; the spec lists every method the vendor documents"),
    _st("allow_header_conformance", RFC, "an Allow header lists the documented methods",
        "RFC 9110 10.2.1 (OPTIONS probes of the coverage phase)"),
    _st("use_after_free", VENDOR, "a deleted relation stays gone (GET/PATCH 404)",
        "vendor DELETE 204 'ContactRelationEntity deleted.'; GET and PATCH 404 for a relation that "
        "does not exist"),
    _st("ensure_resource_availability", VENDOR, "a relation POST created can be read, put, patched",
        "vendor POST 'Creates a new ContactRelationEntity'; the spec's links from POST's RelationId"),
    _st("ignored_auth", VENDOR, "a request without valid credentials is refused",
        "vendor authentication docs: 401"),
    _st("object_level_authorization", OURS, "one identity cannot read another's objects",
        "needs a second identity"),
    # Response checks of this package, run inside Schemathesis on every generated request.
    _st("relation_id_matches_path", VENDOR, "a 200 answer's RelationId is the path id",
        f"{_PUT_PAGE}: id is 'The ContactRelationEntity id to update' (a differing body id: ours)"),
    _st("select_nulls_unselected", VENDOR, "with $select, unselected fields are null (or 0/false)",
        "vendor $select: 'Other fields are then nulled out'"),
    _st("last_modified_not_after_date", RFC, "Last-Modified is never later than the answer's Date",
        "RFC 9110 8.8.2.1"),
)  # fmt: skip

# Built-ins that find nothing to judge on this spec; shown as not applicable.
INERT = {
    "object_level_authorization": "needs a second identity",
}
# Checks that only the stateful phase (chains over the spec's links) can judge.
STATEFUL_CHECKS = frozenset({"use_after_free", "ensure_resource_availability"})

CHECKS: dict[str, CheckInfo] = {info.name: info for info in _CHECKS}
SCHEMATHESIS_CHECKS = tuple(info.name for info in _CHECKS if info.engine == SCHEMATHESIS)
PROPERTY_CHECKS = tuple(info.name for info in _CHECKS if info.engine == PROPERTY)


def select_checks(include: Iterable[str] | None, exclude: Iterable[str] | None) -> tuple[str, ...]:
    """The names to run, in catalog order; unknown names are a usage error naming the valid ones."""
    wanted = _expand(include) if include else set(CHECKS)
    unwanted = _expand(exclude) if exclude else set()
    chosen = tuple(name for name in CHECKS if name in wanted and name not in unwanted)
    if not chosen:
        raise UsageError(
            "--checks/--exclude-checks leave no check to run; expected at least one: name fewer in "
            "--exclude-checks (--list-checks shows them all)"
        )
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
                out.update(info.name for info in _CHECKS if info.engine == name)
            elif name in CHECKS:
                out.add(name)
            else:
                valid = ", ".join(["all", SCHEMATHESIS, PROPERTY, *CHECKS])
                raise UsageError(f"unknown check {name!r}; expected one of: {valid} (see --list-checks)")
    return out
