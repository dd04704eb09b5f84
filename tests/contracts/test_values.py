"""The comparisons that keep the suite from crying wolf: instants not strings, XML by local name."""

from __future__ import annotations

import shlex

import pytest

from contracts.catalog import PROPERTY_CHECKS, SCHEMATHESIS_CHECKS, select_checks
from contracts.curl import curl_command
from contracts.errors import UsageError
from contracts.options import DEFAULT_SPEC
from contracts.spec import DATE, INT, TEXT, entity_shape, load_spec
from contracts.values import ABSENT, parse_instant, parse_xml, same_value, xml_document, xml_matches

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


def test_curl_commands_survive_the_shell() -> None:
    command = curl_command(
        "PUT", "http://h/x?a=1&b=2", [("Content-Type", "application/json")], '{"C": "it\'s"}'
    )
    assert shlex.split(command)[-3:] == ["--data-binary", '{"C": "it\'s"}', "http://h/x?a=1&b=2"]
    hidden = curl_command(
        "GET", "http://h/", [("Authorization", "Bearer secret")], env_refs={"Authorization": "T"}
    )
    assert "secret" not in hidden and '"Authorization: ${T}"' in hidden


def test_check_selection_by_name_group_and_exclusion() -> None:
    assert select_checks(["property"], None) == PROPERTY_CHECKS
    assert select_checks(None, ["property"]) == SCHEMATHESIS_CHECKS
    assert select_checks(["select,round_trip"], None) == ("round_trip", "select")
    with pytest.raises(UsageError, match="unknown check"):
        select_checks(["nope"], None)
