"""What the Schemathesis hooks rewrite and set aside: each suppression sets aside exactly its case.

The end-to-end proof that a server breaking each rule still fails is in test_verdicts (the
`xml_refused`, `precondition_without_header`, `xml_bad_type_accepted`, `precondition_before_routing`
and `garbage_404_body` servers); these tests pin the rules themselves, case by case.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.jsonschema import make_validator
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.openapi.checks import JsonSchemaError, RejectedPositiveData
from schemathesis.transport.serialization import serialize_xml_with_schema

from contracts.fuzzing import hooks as st_hooks
from contracts.fuzzing.rules import (
    prepare_body,
    prepare_patch,
    select_names,
    stale_precondition,
    valid_as_text,
    webapi_not_found,
    with_namespace,
)
from contracts.options import DEFAULT_SPEC
from contracts.safety.references import Links, ReferencePool

POOL = ReferencePool((Links(381, 272, 262, 492, 47),), "test", {"Comment": 10})
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
STALE = "Wed, 21 Oct 2015 07:28:00 GMT"
FUTURE = "Fri, 31 Dec 2100 23:59:59 GMT"


def _prepared(
    body: dict[str, Any], *, positive: bool, media: str = "application/json", keep: bool = False
) -> dict:
    prepare_body(body, positive=positive, media_type=media, pool=POOL, relation_id=918, keep_body_id=keep)
    return body


def test_valid_data_gets_known_references_and_fits_the_server() -> None:
    body = _prepared(
        {
            "SourceContactId": 0,
            "DestinationPersonId": 9,
            "RelationId": 5,
            "Reversed": 2**31 - 1,
            "Comment": "x" * 50,
        },
        positive=True,
    )
    expected = {"SourceContactId": 381, "SourcePersonId": 272, "DestinationContactId": 262,
                "DestinationPersonId": 492, "RelationDefinitionId": 47, "RelationId": 918, "Reversed": 1,
                "Comment": "x" * 10}  # fmt: skip
    assert body == expected


def test_invalid_data_keeps_what_may_be_its_invalid_part() -> None:
    body = _prepared(
        {"SourceContactId": 0, "DestinationContactId": "abc", "SourcePersonId": -5, "DestinationPersonId": 7},
        positive=False,
    )
    assert body == {
        "SourceContactId": 0,
        "DestinationContactId": "abc",
        "SourcePersonId": -5,
        "DestinationPersonId": 492,
    }


def test_a_valid_patch_sets_only_known_references_and_fits_the_server() -> None:
    ops = [
        {"op": "replace", "path": "/SourcePersonId", "value": 12345},
        {"op": "remove", "path": "RelationDefinitionId"},
        {"op": 4, "path": "/DestinationContactId", "value": None},
        {"op": "add", "path": "/Comment", "value": "y" * 50},
        {"op": "replace", "path": "Reversed", "value": 2**31 - 1},
        {"op": "remove", "path": "/Comment"},
    ]
    prepare_patch(ops, positive=True, pool=POOL)
    assert ops == [
        {"op": "replace", "path": "/SourcePersonId", "value": 272},
        {"op": "replace", "path": "RelationDefinitionId", "value": 47},
        {"op": 4, "path": "/DestinationContactId", "value": 262},
        {"op": "add", "path": "/Comment", "value": "y" * 10},
        {"op": "replace", "path": "Reversed", "value": 1},
        {"op": "remove", "path": "/Comment"},
    ]
    merge = {"RelationDefinitionId": None, "SourceContactId": 7, "Comment": "z" * 50, "SourcePersonId": "x"}
    prepare_patch(merge, positive=True, pool=POOL)
    assert merge == {
        "RelationDefinitionId": 47,
        "SourceContactId": 381,
        "Comment": "z" * 10,
        "SourcePersonId": "x",
    }
    invalid = [{"op": "replace", "path": "/SourceContactId", "value": -5}]
    prepare_patch(invalid, positive=False, pool=POOL)
    assert invalid == [{"op": "replace", "path": "/SourceContactId", "value": -5}]


def test_a_differing_body_relation_id_is_kept_only_when_asked() -> None:
    assert _prepared({"RelationId": 5}, positive=True, keep=True)["RelationId"] == 5
    assert _prepared({"RelationId": 5}, positive=False)["RelationId"] == 918


def test_xml_bodies_are_alphabetical_and_valid_ones_leave_nulls_out() -> None:
    body = _prepared(
        {"Comment": None, "UpdatedBy": {"Name": None, "AssociateId": 1}}, positive=True, media="text/xml"
    )
    assert list(body) == sorted(body)
    assert "Comment" not in body and body["UpdatedBy"] == {"AssociateId": 1}
    negative = _prepared({"Comment": None, "SourceContactId": "x"}, positive=False, media="application/xml")
    assert negative["Comment"] is None and list(negative) == sorted(negative)


@pytest.mark.parametrize(
    "value, stale",
    [(STALE, True), ("Mon, 01 Jan 0050 00:00:00 GMT", True), ("Sunday, 06-Nov-94 08:49:37 GMT", True),
     (FUTURE, False), ("yesterday", False), ("", False), (None, False)],
)  # fmt: skip
def test_only_a_real_http_date_not_ahead_of_our_clock_may_be_answered_412(
    value: str | None, stale: bool
) -> None:
    assert stale_precondition(value, NOW) is stale


def test_webapis_own_no_route_body_is_recognised_and_nothing_else() -> None:
    message = {
        "Message": "No HTTP resource was found that matches the request URI 'http://h/api/v1/Relation/x'."
    }
    assert webapi_not_found(404, message)
    assert not webapi_not_found(400, message)
    assert not webapi_not_found(404, {**message, "Error": True})
    assert not webapi_not_found(404, {"oops": True})


@pytest.fixture(scope="module")
def xml_validator() -> Any:
    operation = schemathesis.openapi.from_path(str(DEFAULT_SPEC))["/api/v1/Relation/{id}"]["PUT"]
    body = operation.get_body_for_media_type("application/xml")
    return make_validator(body.optimized_schema, operation.schema.adapter.jsonschema_validator_cls)


REFERENCES = {"SourceContactId": 381, "DestinationContactId": 262}


@pytest.mark.parametrize(
    "body, valid",
    [
        ({"Comment": 5}, True),  # a number where text belongs is the text "5"
        ({"UpdatedBy": {"CustomFields": {"k": {}}}}, True),  # `<k></k>` is also the empty string
        ({"UpdatedBy": {"CustomFields": {"k": {}}, "Deleted": 0}}, True),  # xsd:boolean reads 0 as false
        ({"UpdatedBy": {"Deleted": 2}}, False),
        ({"SourceContactId": "abc"}, False),  # text where an integer belongs stays wrong
        ({"SourceContactId": 0}, False),  # out of range whatever the wire
        ({"UpdatedBy": {"Type": "Employee"}}, False),  # outside the enum, whatever the wire
        ({"SourceContactId": {"a": 1}}, False),
    ],
)
def test_invalid_xml_is_excused_only_when_its_text_is_valid(
    xml_validator: Any, body: Any, valid: bool
) -> None:
    def errors_at(instance: Any) -> list[list[Any]]:
        return st_hooks.leaf_errors(xml_validator, instance)

    assert valid_as_text({**REFERENCES, **body}, xml_validator.is_valid, errors_at) is valid


# --- the hook itself, on findings built as Schemathesis builds them --------------------------------


def _case(media: str = "application/json", payload: Any = None, **modes: GenerationMode) -> Any:
    """A case whose components (`body=`, `path=`, ...) were generated in the given modes."""
    components = {ParameterLocation(location): SimpleNamespace(mode=mode) for location, mode in modes.items()}
    return SimpleNamespace(media_type=media, body=payload, meta=SimpleNamespace(components=components))


def _response(status: int, since: str | None = None, body: Any = None) -> Any:
    headers = {"If-Unmodified-Since": since} if since else {}
    return SimpleNamespace(status_code=status, request=SimpleNamespace(headers=headers), json=lambda: body)


def _rejected(status: int) -> RejectedPositiveData:
    return RejectedPositiveData(operation="PUT", message="m", status_code=status, allowed_statuses=["2xx"])


def _accepted(status: int) -> AcceptedNegativeData:
    return AcceptedNegativeData(operation="PUT", message="m", status_code=status, expected_statuses=["400"])


def _kept(failure: Any, case: Any, response: Any) -> bool:
    return st_hooks.filter_failure(None, failure, case, response)


def test_a_412_to_valid_data_is_set_aside_only_for_a_stale_precondition() -> None:
    assert not _kept(_rejected(412), _case(), _response(412, STALE))
    assert _kept(_rejected(412), _case(), _response(412))
    assert _kept(_rejected(412), _case(), _response(412, FUTURE))
    assert _kept(_rejected(412), _case(), _response(412, "not a date"))


def test_a_400_to_valid_xml_holding_null_is_not_set_aside() -> None:
    assert _kept(_rejected(400), _case("application/xml", {"Comment": None}), _response(400))


def test_a_400_to_valid_xml_is_set_aside_only_when_two_keys_became_one_element_name() -> None:
    # `é` and `ö` are both written `<_>`: the body on the wire holds a map key twice.
    collided = {"FieldProperties": {"é": {"FieldLength": 1}, "ö": {"FieldLength": 2}}}
    assert not _kept(_rejected(400), _case("application/xml", collided), _response(400))
    # The same body as JSON, and XML whose names stay apart ("a" and "a_"), are findings.
    assert _kept(_rejected(400), _case("application/json", collided), _response(400))
    apart = {"FieldProperties": {"a": {"FieldLength": 1}, "a_": {"FieldLength": 2}}}
    assert _kept(_rejected(400), _case("application/xml", apart), _response(400))
    # Schemathesis's own serializer writes them as one name, as the rule assumes.
    written = serialize_xml_with_schema(collided, {}, resource_name=None)["data"]
    assert written.count(b"<_>") == 2, written


def test_a_412_to_invalid_data_is_set_aside_only_when_the_body_was_the_invalid_part() -> None:
    negative, positive = GenerationMode.NEGATIVE, GenerationMode.POSITIVE
    body_only = _case(body=negative, path=positive)
    path_too = _case(body=negative, path=negative)
    assert not _kept(_accepted(412), body_only, _response(412, STALE))
    assert _kept(_accepted(412), path_too, _response(412, STALE))
    assert _kept(_accepted(412), _case(path=negative, body=positive), _response(412, STALE))
    assert _kept(_accepted(412), body_only, _response(412, FUTURE))


def test_a_response_schema_finding_is_set_aside_only_for_webapis_own_404() -> None:
    error = next(jsonschema_rs.validator_for({"type": "string"}).iter_errors(1))
    finding = JsonSchemaError(operation="GET", exc=error, root_schema={"type": "string"})
    assert not _kept(finding, _case(), _response(404, body={"Message": "No HTTP resource was found"}))
    assert _kept(finding, _case(), _response(404, body={"oops": True}))
    assert _kept(finding, _case(), _response(200, body={"Message": "x"}))


def test_xml_bodies_are_put_in_the_servers_namespace_once() -> None:
    namespace = "http://schemas.datacontract.org/2004/07/SuperOffice.CRM.Services"
    assert with_namespace(b"<R><a>1</a></R>", namespace) == f'<R xmlns="{namespace}"><a>1</a></R>'.encode()
    assert with_namespace(b'<R xmlns="other"/>', namespace) == b'<R xmlns="other"/>'
    assert (
        with_namespace(b'<?xml version="1.0"?><R a="1"/>', "n")
        == b'<?xml version="1.0"?><R xmlns="n" a="1"/>'
    )


def test_a_generated_select_names_real_fields_mostly_and_is_kept_when_it_does() -> None:
    assert select_names("Comment,createdby/associateid") == "Comment,createdby/associateid"
    drawn = [select_names(f"garbage{n}") for n in range(40)]
    real = [raw for raw in drawn if not raw.startswith("garbage")]
    assert 20 <= len(real) < 40
    assert all(select_names(raw) == raw for raw in real)
