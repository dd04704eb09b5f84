"""Servers that each break one promise: the proof that every check can fail.

Each is the project's mock behind one small transform. `BROKEN` names them with the checks that
must catch them and the options that keep the run short (the checks and phases that matter).
A server that breaks a promise that is not the vendor's documented one is run with `--strict`:
without it, such a finding is a warning by design.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.types import ASGIApp

from mockserver import Settings, create_app
from tests.servers.asgi import OnRequest, OnResponse, Rewrite, Then
from tests.servers.breaks import (
    Drifting,
    Forgetful,
    Frozen,
    Merging,
    UpdatedByKept,
    ZeroReferences,
    auth_not_enforced,
    body_id_wins,
    comment_500,
    drop_comment,
    form_ignored,
    garbage_404,
    get_404,
    ignore_precondition,
    ignore_select,
    invalid_text_json_500,
    missing_body_accepted,
    nulls_refused,
    precondition_before_routing,
    precondition_without_header,
    refuse_every_precondition,
    select_saves_selected,
    shifted,
    strict_accept,
    string_id,
    text_json_differs,
    text_plain,
    write_despite_412,
    xml_bad_type_accepted,
    xml_body_ignored,
    xml_comment_differs,
    xml_refused,
)
from tests.servers.text_breaks import (
    FIELD_LENGTHS,
    emoji_500,
    form_latin1,
    latin1_mangled,
    length_500,
    narrow_column_500,
    nfc_normalized,
    question_marks,
    trims_whitespace,
    truncating,
    understated_length,
    unnamed_refusal,
)


def _mock() -> ASGIApp:
    return create_app(Settings(quiet=True))


def _wrap(
    on_request: OnRequest | None = None, on_response: OnResponse | None = None, then: Then | None = None
) -> Callable[[], ASGIApp]:
    return lambda: Rewrite(_mock(), on_request=on_request, on_response=on_response, then=then)


def _stateful(factory: Callable[[], Any]) -> Callable[[], ASGIApp]:
    """A server whose transform keeps state: `factory()` gives an object with optional
    `before`, `request`, `response` and `then` methods."""

    def build() -> ASGIApp:
        state = factory()
        return Rewrite(
            _mock(),
            on_request=getattr(state, "request", None),
            on_response=getattr(state, "response", None),
            then=getattr(state, "then", None),
            before=getattr(state, "before", None),
        )

    return build


@dataclass(frozen=True, slots=True)
class Broken:
    name: str
    promise: str
    app: Callable[[], ASGIApp]
    # At least one of these must be reported as violated.
    caught_by: tuple[str, ...]
    # Options that keep the test run short without hiding the break.
    args: tuple[str, ...]


def until_caught(broken: Broken) -> tuple[str, ...]:
    """The run's options, plus --exitfirst when it selects one check and that check must catch it:
    the run then stops at its first finding (a coverage phase at the first bad case), and that
    finding can only be the check's. Runs of several checks run whole: each listed check is judged."""
    checks = broken.args[broken.args.index("--checks") + 1].split(",") if "--checks" in broken.args else []
    single = len(checks) == 1 and checks[0] != "schemathesis" and broken.caught_by == (checks[0],)
    return (*broken.args, "--exitfirst") if single else broken.args


def props(*names: str) -> tuple[str, ...]:
    return ("--checks", ",".join(names))


SCHEMATHESIS_QUICK = ("--checks", "schemathesis", "--phases", "examples,fuzzing")
STRICT = ("--strict",)
TEXT = props("field_lengths", "text_fidelity")

BROKEN = (
    Broken("server_error", "no 5xx for valid input", _wrap(comment_500), ("not_a_server_error",),
           ("--checks", "not_a_server_error", "--phases", "examples,fuzzing")),
    Broken("select_ignored", "$select nulls unselected fields", _wrap(ignore_select),
           ("select", "select_nulls_unselected"), props("select")),
    Broken("missing_412", "stale If-Unmodified-Since gives 412", _wrap(ignore_precondition),
           ("concurrency",), props("concurrency")),
    Broken("drops_field", "the PUT answer carries every field sent", _wrap(on_response=drop_comment),
           ("round_trip",), props("round_trip")),
    Broken("not_persisted", "a later read sees an earlier write", _stateful(Forgetful),
           ("persistence",), props("persistence")),
    Broken("xml_differs", "the XML answer holds the JSON values", _wrap(on_response=xml_comment_differs),
           ("negotiation_answer",), props("negotiation_answer")),
    Broken("auth_not_enforced", "no credentials gives 401", _wrap(auth_not_enforced),
           ("auth_required",), props("auth_required")),
    Broken("missing_body_accepted", "a missing body gives 400", _wrap(missing_body_accepted),
           ("missing_body",), props("missing_body")),
    Broken("wrong_content_type", "answers have a documented Content-Type", _wrap(on_response=text_plain),
           ("content_type_conformance",), SCHEMATHESIS_QUICK),
    Broken("string_id", "answers match the response schema", _wrap(on_response=string_id),
           ("response_schema_conformance",), SCHEMATHESIS_QUICK),
    Broken("xml_body_ignored", "an XML body updates the same fields as JSON", _wrap(xml_body_ignored),
           ("negotiation_body",), props("negotiation_body")),
    Broken("not_idempotent", "the same PUT twice gives the same relation", _stateful(Drifting),
           ("idempotence",), props("idempotence")),
    Broken("merges_not_replaces", "PUT replaces the entity", _stateful(Merging),
           ("replace",), props("replace")),
    Broken("frozen_updated_date", "UpdatedDate is the time of the write", _stateful(Frozen),
           ("clock",), props("clock")),
    Broken("backdated_updated_date", "UpdatedDate is not older than the write",
           _wrap(*shifted(-timedelta(hours=1))),
           ("clock",), props("clock")),
    Broken("future_updated_date", "UpdatedDate and Last-Modified are not in the future",
           _wrap(*shifted(timedelta(minutes=31))), ("clock", "last_modified_not_after_date"),
           props("clock")),
    Broken("updated_by_never_set", "the server sets UpdatedBy to the caller", _stateful(UpdatedByKept),
           ("updated_by",), props("updated_by")),
    Broken("select_saves_selected", "$select changes the answer only", _wrap(select_saves_selected),
           ("select",), props("select")),
    Broken("precondition_still_writes", "a 412 changes nothing", _wrap(then=write_despite_412),
           ("concurrency",), props("concurrency")),
    Broken("fresh_precondition_refused", "a fresh or future If-Unmodified-Since gives 200",
           _wrap(refuse_every_precondition), ("concurrency",), props("concurrency")),
    Broken("get_always_404", "GET shows the relation just written", _wrap(get_404),
           ("persistence",), props("persistence")),
    Broken("form_body_ignored", "a form body updates the same fields as JSON", _wrap(form_ignored),
           ("negotiation_body",), props("negotiation_body")),
    Broken("text_json_differs", "text/json answers hold the application/json values",
           _wrap(on_response=text_json_differs), ("text_json",), props("text_json")),
    Broken("invalid_text_json_500", "an invalid text/json body gets a 4xx, not a 5xx (sampled alias)",
           _wrap(on_response=invalid_text_json_500), ("not_a_server_error",),
           ("--checks", "not_a_server_error", "--phases", "coverage", "--methods", "PUT", *STRICT)),
    Broken("zero_references_accepted", "SourceContactId and DestinationContactId are mandatory",
           _stateful(ZeroReferences), ("mandatory_references",), props("mandatory_references")),
    Broken("body_id_wins", "the path id identifies the relation (our choice)",
           _wrap(on_response=body_id_wins), ("path_id_wins",), (*props("path_id_wins"), *STRICT)),
    Broken("understated_field_length", "FieldLength is the longest text stored (our choice)",
           _wrap(on_response=understated_length), ("field_lengths",), (*props("field_lengths"), *STRICT)),
    Broken("unnamed_refusal", "a 400 past FieldLength is in the vendor's shape, naming the field (ours)",
           _wrap(on_response=unnamed_refusal), ("field_lengths",), (*props("field_lengths"), *STRICT)),
    Broken("strict_accept", "an unmatched Accept falls back to JSON (framework)", _wrap(strict_accept),
           ("accept_fallback",), (*props("accept_fallback"), *STRICT)),
    # Each breaks what one suppression of contracts/fuzzing/rules.py sets aside: it sets aside no more.
    Broken("xml_refused", "valid XML bodies are accepted", _wrap(xml_refused), ("positive_data_acceptance",),
           ("--checks", "positive_data_acceptance", "--phases", "fuzzing", "--max-examples", "40")),
    Broken("precondition_without_header", "no If-Unmodified-Since, no 412",
           _wrap(precondition_without_header), ("positive_data_acceptance",),
           ("--checks", "positive_data_acceptance", "--phases", "fuzzing")),
    Broken("xml_bad_type_accepted", "an Associate Type outside its enum is refused",
           _wrap(xml_bad_type_accepted), ("negative_data_rejection",),
           ("--checks", "negative_data_rejection", "--phases", "coverage", "--methods", "PUT", *STRICT)),
    Broken("precondition_before_routing", "an id that matches no route is 404, not 412",
           _wrap(precondition_before_routing), ("negative_data_rejection",),
           ("--checks", "negative_data_rejection", "--phases", "coverage", "--methods", "PUT", *STRICT)),
    Broken("nulls_refused", "null in a body is the field's empty value (the spec's choice)",
           _wrap(nulls_refused), ("select_put_back",), (*props("select_put_back"), *STRICT)),
    Broken("garbage_404_body", "a 404 body is the error shape or Web API's own",
           _wrap(on_response=garbage_404), ("response_schema_conformance",),
           ("--checks", "response_schema_conformance", "--phases", "fuzzing", *STRICT)),
    # Text as real data has it (issue 14): each is caught in the default run, without --strict.
    Broken("length_500", "text past FieldLength gives 400, not SQL Server's 500", _wrap(length_500),
           ("field_lengths",), TEXT),
    Broken("narrow_column_500", "text up to the announced FieldLength is stored (a 255 column behind 2000)",
           _wrap(narrow_column_500), ("field_lengths",), TEXT),
    Broken("silent_truncation", "text past FieldLength is refused, not cut to it without a word",
           _wrap(truncating(FIELD_LENGTHS.get)), ("field_lengths",), TEXT),
    Broken("truncated_below_announced", "text up to the announced FieldLength is stored whole",
           _wrap(truncating(lambda name: 255 if name == "Comment" else None)), ("field_lengths",), TEXT),
    Broken("latin1_mangled", "non-ASCII text is stored as sent (not UTF-8 read as Latin-1)",
           _wrap(latin1_mangled), ("field_lengths", "text_fidelity"), TEXT),
    Broken("question_marks", "CJK and emoji are stored as sent (not as '?')", _wrap(question_marks),
           ("field_lengths", "text_fidelity"), TEXT),
    Broken("form_latin1", "a form body's non-ASCII text is read as UTF-8", _wrap(form_latin1),
           ("field_lengths", "text_fidelity"), TEXT),
    Broken("emoji_500", "characters outside the BMP are stored, not a 500", _wrap(emoji_500),
           ("field_lengths", "text_fidelity"), TEXT),
    Broken("trims_whitespace", "leading and trailing whitespace is kept", _wrap(trims_whitespace),
           ("text_fidelity",), TEXT),
    Broken("nfc_normalized", "combining marks are stored as sent (no Unicode normalization)",
           _wrap(nfc_normalized), ("text_fidelity",), TEXT),
)  # fmt: skip
