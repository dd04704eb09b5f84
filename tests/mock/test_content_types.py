"""All seven request content types in, all four answer types out."""

from __future__ import annotations

import httpx
import pytest
from defusedxml.ElementTree import fromstring


def _xml_fields(content: bytes) -> dict[str, str | None]:
    root = fromstring(content)
    return {child.tag.rpartition("}")[2]: child.text for child in root}


@pytest.mark.parametrize("media", ["application/json", "text/json"])
def test_json_bodies_in_both_media_types_are_read(client: httpx.Client, media: str) -> None:
    answer = client.put(
        "/api/v1/Relation/918", content=b'{"Comment": "json", "Reversed": 1}', headers={"Content-Type": media}
    )
    assert answer.json()["Comment"] == "json"


@pytest.mark.parametrize("media", ["application/xml", "text/xml"])
def test_xml_bodies_are_read_by_local_name_with_namespaces_and_any_case(
    client: httpx.Client, media: str
) -> None:
    xml = (
        b'<ContactRelationEntity xmlns="http://schemas.datacontract.org/2004/07/SuperOffice" '
        b'xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
        b'<comment>from xml</comment><SourceContactId>7</SourceContactId><SourcePersonName i:nil="true"/>'
        b"<CreatedBy><AssociateId>3</AssociateId><Deleted>true</Deleted></CreatedBy>"
        b"</ContactRelationEntity>"
    )
    body = client.put("/api/v1/Relation/918", content=xml, headers={"Content-Type": media}).json()
    assert (body["Comment"], body["SourceContactId"], body["SourcePersonName"]) == ("from xml", 7, "")


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
        "/api/v1/Relation/918", data={"SourceContactId": "12", "Comment": "form", "reversed": "1"}
    )
    body = answer.json()
    assert (body["SourceContactId"], body["Comment"], body["Reversed"]) == (12, "form", 1)


def test_a_merge_patch_changes_only_what_it_names(client: httpx.Client) -> None:
    before = client.get("/api/v1/Relation/918").json()
    body = client.put(
        "/api/v1/Relation/918", content=b'{"Comment": "merged", "SourcePersonName": null}',
        headers={"Content-Type": "application/merge-patch+json"},
    ).json()  # fmt: skip
    assert body["Comment"] == "merged"
    assert body["SourcePersonName"] == ""
    assert body["DestinationContactName"] == before["DestinationContactName"]


def test_a_json_patch_takes_case_insensitive_paths_without_a_leading_slash(client: httpx.Client) -> None:
    patch = (
        b'[{"op": "replace", "path": "comment", "value": "patched"},'
        b' {"op": "test", "path": "/SOURCECONTACTID", "value": 381}]'
    )
    body = client.put(
        "/api/v1/Relation/918", content=patch, headers={"Content-Type": "application/json-patch+json"}
    ).json()
    assert body["Comment"] == "patched"


def test_a_failed_json_patch_test_gives_409_and_changes_nothing(client: httpx.Client) -> None:
    before = client.get("/api/v1/Relation/918").json()
    patch = (
        b'[{"op": "replace", "path": "/Comment", "value": "no"},'
        b' {"op": "test", "path": "/SourceContactId", "value": 1}]'
    )
    answer = client.put(
        "/api/v1/Relation/918", content=patch, headers={"Content-Type": "application/json-patch+json"}
    )
    assert answer.status_code == 409
    assert client.get("/api/v1/Relation/918").json() == before


def test_accept_picks_the_answer_type_by_quality(client: httpx.Client) -> None:
    answer = client.get("/api/v1/Relation/918", headers={"Accept": "application/json;q=0.5, text/xml"})
    assert answer.headers["content-type"].startswith("text/xml")
    answer = client.get("/api/v1/Relation/918", headers={"Accept": "text/json"})
    assert answer.headers["content-type"].startswith("text/json")
    assert answer.json()["RelationId"] == 918


def test_text_that_xml_cannot_carry_is_still_well_formed_xml(client: httpx.Client) -> None:
    client.put("/api/v1/Relation/918", json={"Comment": 'a\u0001b <&> "q"'})
    answer = client.get("/api/v1/Relation/918", headers={"Accept": "application/xml"})
    assert _xml_fields(answer.content)["Comment"] == 'a\ufffdb <&> "q"'


@pytest.mark.parametrize(
    "patch",
    [
        b'[{"op": "remove", "path": ""}]',
        b'[{"op": "remove", "path": "/NoSuchField"}]',
        b'[{"op": "replace", "path": "/Comment", "value": 5}]',
    ],
)
def test_a_json_patch_that_does_not_fit_the_relation_gives_409(client: httpx.Client, patch: bytes) -> None:
    answer = client.put(
        "/api/v1/Relation/918", content=patch, headers={"Content-Type": "application/json-patch+json"}
    )
    assert answer.status_code == 409
    assert answer.json()["Error"] is True


def test_an_xml_element_given_twice_gives_400(client: httpx.Client) -> None:
    xml = b"<ContactRelationEntity><Comment>a</Comment><Comment>b</Comment></ContactRelationEntity>"
    answer = client.put("/api/v1/Relation/918", content=xml, headers={"Content-Type": "application/xml"})
    assert answer.status_code == 400
    assert answer.json()["Violations"][0]["Field"] == "Comment"


def test_null_text_in_a_nullable_xml_object_is_null(client: httpx.Client) -> None:
    xml = (
        b"<ContactRelationEntity><Comment>null</Comment><FieldProperties>null</FieldProperties>"
        b"<CreatedBy><Type>null</Type></CreatedBy></ContactRelationEntity>"
    )
    answer = client.put("/api/v1/Relation/918", content=xml, headers={"Content-Type": "application/xml"})
    assert answer.status_code == 200
    assert answer.json()["Comment"] == "null"


def test_an_empty_json_patch_path_replaces_the_whole_relation(client: httpx.Client) -> None:
    patch = b'[{"op": "add", "path": "", "value": {"Comment": "whole"}}]'
    body = client.put(
        "/api/v1/Relation/918", content=patch, headers={"Content-Type": "application/json-patch+json"}
    ).json()
    assert body["Comment"] == "whole"
    assert body["SourceContactId"] == 0
