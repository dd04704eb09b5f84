"""All seven request content types in, all four answer types out."""

from __future__ import annotations

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from tests.livemock import REFS


def _xml_fields(content: bytes) -> dict[str, str | None]:
    root = fromstring(content)
    return {child.tag.rpartition("}")[2]: child.text for child in root}


@pytest.mark.parametrize("media", ["application/json", "text/json"])
def test_json_bodies_in_both_media_types_are_read(client: httpx.Client, media: str) -> None:
    answer = client.put(
        "/api/v1/Relation/918",
        content=b'{"SourceContactId": 381, "DestinationContactId": 262, "Comment": "json", "Reversed": 1}',
        headers={"Content-Type": media},
    )
    assert answer.json()["Comment"] == "json"


@pytest.mark.parametrize("media", ["application/xml", "text/xml"])
def test_xml_bodies_are_read_by_local_name_with_namespaces_and_any_case(
    client: httpx.Client, media: str
) -> None:
    xml = (
        b'<ContactRelationEntity xmlns="http://schemas.datacontract.org/2004/07/SuperOffice" '
        b'xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
        b'<comment>from xml</comment><SourceContactId>381</SourceContactId><SourcePersonName i:nil="true"/>'
        b"<DestinationContactId>262</DestinationContactId>"
        b"<CreatedBy><AssociateId>3</AssociateId><Deleted>true</Deleted></CreatedBy>"
        b"</ContactRelationEntity>"
    )
    body = client.put("/api/v1/Relation/918", content=xml, headers={"Content-Type": media}).json()
    assert (body["Comment"], body["SourceContactId"], body["SourcePersonName"]) == ("from xml", 381, "")


@pytest.mark.parametrize("media", ["application/xml", "text/xml"])
def test_xml_answers_hold_the_same_values_as_json(client: httpx.Client, media: str) -> None:
    as_json = client.get("/api/v1/Relation/918").json()
    answer = client.get("/api/v1/Relation/918", headers={"Accept": media})
    assert answer.headers["content-type"].startswith(media)
    fields = _xml_fields(answer.content)
    for name in ("SourceContactId", "Comment", "RelationId", "UpdatedDate", "ActiveText"):
        assert fields[name] == str(as_json[name])
    root = fromstring(answer.content)
    assert root.tag == "ContactRelationEntity"


def test_form_bodies_are_typed_by_the_schema(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918",
        data={"SourceContactId": "380", "DestinationContactId": "262", "Comment": "form", "reversed": "1"},
    )
    body = answer.json()
    assert (body["SourceContactId"], body["Comment"], body["Reversed"]) == (380, "form", 1)


@pytest.mark.parametrize("media", ["application/merge-patch+json", "application/json-patch+json"])
def test_a_put_under_a_patch_media_type_replaces_the_whole_entity_like_json(
    client: httpx.Client, media: str
) -> None:
    before = client.get("/api/v1/Relation/918").json()
    assert before["DestinationPersonId"] != 0
    entity = b'{"Comment": "whole", "SourceContactId": 380, "DestinationContactId": 95}'
    answer = client.put("/api/v1/Relation/918", content=entity, headers={"Content-Type": media})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["Comment"], body["SourceContactId"]) == ("whole", 380)
    assert body["DestinationPersonId"] == 0  # replaced, not merged


def test_an_rfc6902_patch_array_sent_to_put_is_no_entity_and_gives_400(client: httpx.Client) -> None:
    before = client.get("/api/v1/Relation/918").json()
    patch = b'[{"op": "replace", "path": "/Comment", "value": "patched"}]'
    answer = client.put(
        "/api/v1/Relation/918", content=patch, headers={"Content-Type": "application/json-patch+json"}
    )
    assert answer.status_code == 400
    assert answer.json()["ErrorType"] == "ValidationException"
    assert client.get("/api/v1/Relation/918").json() == before


def test_null_is_the_empty_value_of_every_field_so_an_answer_can_be_put_back(client: httpx.Client) -> None:
    wanted = "SourceContactId,DestinationContactId,Comment,CreatedBy/AssociateId"
    selected = client.get("/api/v1/Relation/918", params={"$select": wanted}).json()
    assert selected["SourcePersonId"] is None and selected["UpdatedDate"] is None
    answer = client.put("/api/v1/Relation/918", json=selected)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["SourcePersonId"], body["SourcePersonName"], body["Comment"]) == (0, "", selected["Comment"])


def test_accept_picks_the_answer_type_by_quality(client: httpx.Client) -> None:
    answer = client.get("/api/v1/Relation/918", headers={"Accept": "application/json;q=0.5, text/xml"})
    assert answer.headers["content-type"].startswith("text/xml")
    answer = client.get("/api/v1/Relation/918", headers={"Accept": "text/json"})
    assert answer.headers["content-type"].startswith("text/json")
    assert answer.json()["RelationId"] == 918


def test_text_that_xml_cannot_carry_is_still_well_formed_xml(client: httpx.Client) -> None:
    client.put("/api/v1/Relation/918", json={**REFS, "Comment": 'a\u0001b <&> "q"'})
    answer = client.get("/api/v1/Relation/918", headers={"Accept": "application/xml"})
    assert _xml_fields(answer.content)["Comment"] == 'a\ufffdb <&> "q"'


def test_an_xml_element_given_twice_gives_400(client: httpx.Client) -> None:
    xml = b"<ContactRelationEntity><Comment>a</Comment><Comment>b</Comment></ContactRelationEntity>"
    answer = client.put("/api/v1/Relation/918", content=xml, headers={"Content-Type": "application/xml"})
    assert answer.status_code == 400
    assert answer.json()["Violations"][0]["Field"] == "Comment"


def test_null_text_in_a_nullable_xml_object_is_null(client: httpx.Client) -> None:
    xml = (
        b"<ContactRelationEntity><SourceContactId>381</SourceContactId><DestinationContactId>262</DestinationContactId>"
        b"<Comment>null</Comment><FieldProperties>null</FieldProperties>"
        b"<CreatedBy><Type>null</Type></CreatedBy></ContactRelationEntity>"
    )
    answer = client.put("/api/v1/Relation/918", content=xml, headers={"Content-Type": "application/xml"})
    assert answer.status_code == 200
    assert answer.json()["Comment"] == "null"


def test_json_property_names_match_in_any_case_as_json_net_matches_them(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918",
        json={**REFS, "comment": "lower", "SOURCECONTACTID": 380, "createdBy": {"associateid": 3}},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["Comment"], body["SourceContactId"]) == ("lower", 380)
    wrong = client.put("/api/v1/Relation/918", json={**REFS, "sourcecontactid": "twelve"})
    assert wrong.json()["Violations"][0]["Field"] == "SourceContactId"  # named as the spec spells it


ACCEPT_CASES = {
    # Accept header -> the answer's media type (ASP.NET order: quality, then position; no match: JSON)
    "text/html,application/xml": "application/xml",  # a list without spaces
    "text/xml;q=1, application/json": "text/xml",  # equal quality: the first listed wins
    "application/json;q=0.1, application/xml;q=0.9": "application/xml",
    "application/xml;q=0, application/json": "application/json",  # q=0 means "not this"
    "application/xml;q=0": "application/json",  # nothing acceptable: the JSON fallback, not XML
    "text/*": "text/json",  # a range matches the first type it covers
    "application/*;q=0.5, text/xml": "text/xml",
    "image/*": "application/json",  # a range that covers nothing
    "*/*": "application/json",
    "application/xml;q=oops, text/json": "text/json",  # an unreadable quality counts as 0
    "APPLICATION/XML": "application/xml",  # media types are case-insensitive
}


@pytest.mark.parametrize(("accept", "expected"), list(ACCEPT_CASES.items()), ids=list(ACCEPT_CASES))
def test_accept_is_negotiated_by_quality_position_and_range(
    client: httpx.Client, accept: str, expected: str
) -> None:
    answer = client.get("/api/v1/Relation/918", headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == expected


def test_a_form_body_with_an_accept_that_matches_nothing_is_answered_in_json(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918",
        content=b"SourceContactId=381&DestinationContactId=262&Comment=form",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")


def test_an_error_for_an_xml_body_without_accept_is_written_in_xml(client: httpx.Client) -> None:
    xml = b"<ContactRelationEntity><SourceContactId>x</SourceContactId></ContactRelationEntity>"
    answer = client.put(
        "/api/v1/Relation/918", content=xml, headers={"Content-Type": "text/xml", "Accept": ""}
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/xml")  # the body's own media type
    assert b"<ErrorType>ValidationException</ErrorType>" in answer.content


def test_a_blank_form_number_is_absent_and_the_fields_after_it_are_still_read(client: httpx.Client) -> None:
    form = b"SourceContactId=381&DestinationContactId=262&SourcePersonId=&Comment=after+the+blank"
    answer = client.put(
        "/api/v1/Relation/918", content=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 200
    assert (answer.json()["SourcePersonId"], answer.json()["Comment"]) == (0, "after the blank")


@pytest.mark.parametrize(
    "form",
    [
        b"SourceContactId=381&DestinationContactId=262&" + b"&".join(b"x%d=1" % n for n in range(200)),
        b"a=1&&b",
    ],
    ids=["more than 200 fields", "an empty pair"],
)
def test_a_form_body_past_the_field_limit_or_malformed_gives_400(client: httpx.Client, form: bytes) -> None:
    answer = client.put(
        "/api/v1/Relation/918", content=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 400
    assert answer.json()["ErrorType"] == "FormatException"


def test_a_case_variant_name_whose_value_does_not_fit_is_an_ignored_unknown_property(
    client: httpx.Client,
) -> None:
    # The spec takes `extrafields` for an unknown (allowed) property; Json.NET would bind it to ExtraFields,
    # fail to convert the value, record that and go on: either way the body is accepted.
    answer = client.put(
        "/api/v1/Relation/918", json={**REFS, "comment": "kept", "CreatedBy": {"extrafields": {"y": 5}}}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["Comment"] == "kept"
    wrong = client.put("/api/v1/Relation/918", json={**REFS, "Comment": 5})  # the exact name is still checked
    assert wrong.status_code == 400
