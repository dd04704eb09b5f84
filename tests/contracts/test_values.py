"""The comparisons that keep the suite from crying wolf: instants not strings, XML by local name."""

from __future__ import annotations

import shlex

import pytest

from contracts.catalog import CHECKS, FRAMEWORK, OURS, RFC, VENDOR, select_checks
from contracts.errors import UsageError
from contracts.options import DEFAULT_SPEC, Options
from contracts.reporting.curl import curl_command
from contracts.spec import DATE, INT, TEXT, entity_shape, load_spec
from contracts.values import (
    ABSENT,
    parse_instant,
    parse_xml,
    same_value,
    unselected,
    xml_document,
    xml_matches,
)

SHAPE = entity_shape(load_spec(DEFAULT_SPEC))


@pytest.mark.parametrize(
    "left, right",
    [
        ("2026-11-26T09:40:59", "2026-11-26T09:40:59.0000000"),
        ("2026-11-26T09:40:59.1234567", "2026-11-26T09:40:59.123456Z"),
        ("2026-11-26T10:40:59+01:00", "2026-11-26T09:40:59"),
    ],
)
def test_dates_compare_as_instants(left: str, right: str) -> None:
    assert same_value(DATE, left, right)


def test_seven_fractional_digits_parse() -> None:
    moment = parse_instant("2015-10-29T09:40:59.0213705+01:00")
    assert moment is not None and moment.microsecond == 21370 and moment.hour == 8


def test_empty_text_and_null_are_the_same_but_zero_is_not_null() -> None:
    assert same_value(TEXT, "", None)
    assert not same_value(INT, 0, None)
    assert not same_value(TEXT, "a", "b")


def test_xml_is_read_by_local_name_whatever_the_namespace() -> None:
    body = (
        b'<ContactRelationEntityWithLinks xmlns="http://schemas.datacontract.org/2004/07/X" '
        b'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><RelationId>918</RelationId>'
        b'<Comment>a &amp; b</Comment><UpdatedBy i:nil="true"/><SourcePersonName/>'
        b"</ContactRelationEntityWithLinks>"
    )
    root, values = parse_xml(body)
    assert root == "ContactRelationEntityWithLinks"
    assert values == {"RelationId": "918", "Comment": "a & b", "UpdatedBy": None, "SourcePersonName": ""}
    assert xml_matches(INT, 918, values["RelationId"], SHAPE)
    assert xml_matches("carrier", None, values["UpdatedBy"], SHAPE)
    assert xml_matches(TEXT, None, values.get("ActiveText", ABSENT), SHAPE)
    assert not xml_matches(TEXT, "a & b (xml)", values["Comment"], SHAPE)


def test_xml_documents_escape_their_text() -> None:
    assert (
        xml_document("R", {"Comment": "<&>", "Skipped": None}) == b"<R><Comment>&lt;&amp;&gt;</Comment></R>"
    )


def test_xml_documents_keep_a_carriage_return_that_a_parser_would_turn_into_a_line_feed() -> None:
    body = xml_document("R", {"Comment": "a\r\nb \"q\" 'æ'"})
    assert body == "<R><Comment>a&#13;\nb \"q\" 'æ'</Comment></R>".encode()
    assert parse_xml(body)[1]["Comment"] == "a\r\nb \"q\" 'æ'"


def test_an_xml_answer_that_writes_cr_literally_says_the_same_as_json_but_a_lost_break_does_not() -> None:
    _, values = parse_xml(b"<R><Comment>one\r\ntwo\rthree</Comment></R>")
    assert values["Comment"] == "one\ntwo\nthree"  # XML 1.0 end-of-line handling
    assert xml_matches(TEXT, "one\r\ntwo\rthree", values["Comment"], SHAPE)
    assert not xml_matches(TEXT, "one\r\ntwo\rthree", "one two three", SHAPE)
    assert not xml_matches(TEXT, " padded ", "padded", SHAPE)


def test_curl_commands_survive_the_shell() -> None:
    command = curl_command(
        "PUT", "http://h/x?a=1&b=2", [("Content-Type", "application/json")], '{"C": "it\'s"}'
    )
    assert shlex.split(command)[-3:] == ["--data-binary", '{"C": "it\'s"}', "http://h/x?a=1&b=2"]
    hidden = curl_command(
        "GET", "http://h/", [("Authorization", "Bearer secret")], env_refs={"Authorization": "T"}
    )
    assert "secret" not in hidden and '"Authorization: ${T}"' in hidden


PROPERTY_NAMES = (
    "round_trip", "replace", "persistence", "idempotence", "derived_fields", "select", "select_put_back",
    "concurrency", "clock",
    "updated_by", "mandatory_references", "missing_body", "auth_required", "negotiation_answer", "text_json",
    "negotiation_body", "field_lengths", "text_fidelity", "accept_fallback", "path_id_wins",
    "lifecycle", "default_entity", "post_ids", "patch_equals_put", "merge_equals_json_patch",
    "failed_test_changes_nothing", "stale_patch_changes_nothing", "stale_delete_changes_nothing",
    "foreign_person_refused", "derived_names_follow", "entity_negotiation", "entity_stored_as_sent",
    "entity_replace", "entity_idempotence", "entity_select", "entity_preconditions", "entity_text_lengths",
    "entity_lifecycle",
)  # fmt: skip
SCHEMATHESIS_NAMES = (
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header", "unsupported_method", "allow_header_conformance", "use_after_free",
    "ensure_resource_availability", "ignored_auth", "object_level_authorization", "relation_id_matches_path",
    "select_nulls_unselected", "last_modified_not_after_date",
)  # fmt: skip


def test_check_selection_by_name_group_and_exclusion() -> None:
    assert select_checks(["property"], None) == PROPERTY_NAMES
    assert select_checks(None, ["property"]) == SCHEMATHESIS_NAMES
    assert select_checks(["all"], ["schemathesis"]) == PROPERTY_NAMES
    assert select_checks(["select,round_trip"], None) == ("round_trip", "select")
    with pytest.raises(UsageError, match="unknown check"):
        select_checks(["nope"], None)
    with pytest.raises(UsageError, match="no check to run"):
        select_checks(["select"], ["property"])


def test_only_the_promises_the_issue_names_as_inferred_are_not_the_vendors() -> None:
    not_vendor = {name: info.basis for name, info in CHECKS.items() if info.basis != VENDOR}
    assert not_vendor == {
        "accept_fallback": FRAMEWORK,
        "path_id_wins": OURS,
        "select_put_back": OURS,
        "status_code_conformance": OURS,
        "response_headers_conformance": OURS,
        "negative_data_rejection": OURS,
        "missing_required_header": OURS,
        "unsupported_method": OURS,
        "allow_header_conformance": RFC,
        "object_level_authorization": OURS,
        "last_modified_not_after_date": RFC,
    }


def test_against_a_url_only_vendor_promises_are_enforced_unless_strict() -> None:
    url, strict, embedded = Options(url="http://x"), Options(url="http://x", strict=True), Options()
    assert [url.enforced(basis) for basis in (VENDOR, FRAMEWORK, RFC, OURS)] == [True, False, False, False]
    assert all(
        strict.enforced(basis) and embedded.enforced(basis) for basis in (VENDOR, FRAMEWORK, RFC, OURS)
    )


def test_select_may_leave_value_types_at_their_dotnet_default_but_text_must_be_null() -> None:
    assert unselected(INT, 0, 0) and unselected(INT, None, 0)
    assert not unselected(INT, 5, 0)
    assert unselected(DATE, "0001-01-01T00:00:00.0000000", "0001-01-01T00:00:00")
    assert unselected("bool", False, False) and not unselected(INT, False, 0)
    assert not unselected(TEXT, "", None)
    assert SHAPE.defaults["SourceContactId"] == 0 and "Comment" not in SHAPE.defaults
    assert SHAPE.carrier_defaults["Type"] == "Unknown" and SHAPE.carrier_defaults["Deleted"] is False


def test_xml_bodies_list_their_elements_in_ordinal_order_and_leave_nulls_out() -> None:
    body = xml_document(
        "R", {"SourceContactId": 1, "Comment": "c", "DestinationContactId": 2, "Reversed": None}
    )
    elements = [b"<Comment>c</Comment>", b"<DestinationContactId>2</DestinationContactId>",
                b"<SourceContactId>1</SourceContactId>"]  # fmt: skip
    assert body == b"<R>" + b"".join(elements) + b"</R>"
