"""GET /api/v1/Relation/default: the blank relation NetServer pre-fills, stored nowhere."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

DEFAULT = "/api/v1/Relation/default"
EMPTY = {
    "SourceContactId": 0, "SourcePersonId": 0, "DestinationContactId": 0, "DestinationPersonId": 0,
    "RelationId": 0, "Comment": "", "RelationDefinitionId": 0, "Reversed": 0,
    "UpdatedDate": "0001-01-01T00:00:00", "CreatedDate": "0001-01-01T00:00:00",
    "CreatedBy": None, "UpdatedBy": None, "SourceContactName": "", "SourcePersonName": "",
    "DestinationContactName": "", "DestinationPersonName": "", "ActiveText": "", "PassiveText": "",
}  # fmt: skip


def test_default_is_every_property_empty_with_rights_and_no_links(client: httpx.Client) -> None:
    answer = client.get(DEFAULT)
    assert answer.status_code == 200
    body = answer.json()
    assert {name: body[name] for name in EMPTY} == EMPTY
    assert body["TableRight"] == {"Mask": "FULL", "Reason": ""}
    assert body["FieldProperties"]["Comment"]["FieldLength"] == 2000
    assert "_Links" not in body
    assert "last-modified" not in answer.headers


def test_default_is_valid_for_its_documented_schema(
    client: httpx.Client, spec_validator: Callable[..., list[str]]
) -> None:
    assert spec_validator("get", 200, client.get(DEFAULT).json(), DEFAULT) == []


def test_default_stores_nothing_and_is_not_relation_zero(client: httpx.Client) -> None:
    client.get(DEFAULT)
    assert client.get("/api/v1/Relation/0").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/relation/DEFAULT", "/api/v1/Relation/default/"])
def test_default_is_found_in_any_letter_case_and_with_a_trailing_slash(
    client: httpx.Client, path: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.json()["RelationId"] == 0


def test_default_answers_xml_when_asked(client: httpx.Client) -> None:
    answer = client.get(DEFAULT, headers={"Accept": "text/xml"})
    assert answer.headers["content-type"].startswith("text/xml")
    assert b"<ContactRelationEntity" in answer.content
    assert b"<RelationId>0</RelationId>" in answer.content
    assert b"_Links" not in answer.content


def test_default_needs_credentials(client: httpx.Client) -> None:
    answer = client.get(DEFAULT, headers={"Authorization": "Basic bm9ib2R5Om5vbmU="})
    assert answer.status_code == 401


def test_the_default_can_be_filled_in_and_posted(client: httpx.Client) -> None:
    blank = client.get(DEFAULT).json()
    created = client.post(
        "/api/v1/Relation", json={**blank, "SourceContactId": 381, "DestinationContactId": 262}
    )
    assert created.status_code == 200
    assert created.json()["RelationId"] > 0
    assert created.json()["CreatedBy"]["UserName"] == "tje0"


def test_prefer_switches_work_with_the_default_statuses(
    client: httpx.Client, spec_validator: Callable[..., list[str]]
) -> None:
    assert client.get(DEFAULT, headers={"Prefer": "code=401"}).status_code == 401
    assert client.get(DEFAULT, headers={"Prefer": "code=404"}).status_code == 400  # not documented here
    dynamic = client.get(DEFAULT, headers={"Prefer": "dynamic=true, seed=2"})
    assert dynamic.status_code == 200
    assert spec_validator("get", 200, dynamic.json(), DEFAULT) == []
