"""$select nulls what was not selected, keeping the keys; it never changes what is saved."""

from __future__ import annotations

import httpx
from defusedxml.ElementTree import fromstring

from tests.livemock import REFS


def test_unselected_fields_become_null_and_keep_their_keys(client: httpx.Client) -> None:
    full = client.get("/api/v1/Relation/918").json()
    selected = client.get("/api/v1/Relation/918", params={"$select": "comment,SOURCECONTACTID"}).json()
    assert set(selected) == set(full)
    assert selected["Comment"] == full["Comment"]
    assert selected["SourceContactId"] == full["SourceContactId"]
    assert all(value is None for key, value in selected.items() if key not in ("Comment", "SourceContactId"))


def test_a_nested_name_keeps_the_carrier_with_only_those_members(client: httpx.Client) -> None:
    selected = client.get("/api/v1/Relation/918", params={"$select": "CreatedBy/AssociateId"}).json()
    assert selected["CreatedBy"]["AssociateId"] == 910
    assert selected["CreatedBy"]["Name"] is None
    assert selected["Comment"] is None


def test_unknown_names_are_ignored_and_empty_select_shows_everything(client: httpx.Client) -> None:
    full = client.get("/api/v1/Relation/918").json()
    assert client.get("/api/v1/Relation/918", params={"$select": ""}).json() == full
    selected = client.get("/api/v1/Relation/918", params={"$select": "nosuchfield,Comment"}).json()
    assert selected["Comment"] == full["Comment"]


def test_select_on_put_shapes_the_answer_but_saves_everything(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918", params={"$select": "Comment"}, json={**REFS, "Comment": "c", "Reversed": 3}
    )
    assert answer.json()["Reversed"] is None
    assert client.get("/api/v1/Relation/918").json()["Reversed"] == 3


def test_select_applies_to_xml_answers(client: httpx.Client) -> None:
    answer = client.get(
        "/api/v1/Relation/918", params={"$select": "Comment"}, headers={"Accept": "application/xml"}
    )
    root = fromstring(answer.content)
    nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
    children = {child.tag: child for child in root}
    assert children["Comment"].text == "et"
    assert children["SourceContactId"].get(nil) == "true"
