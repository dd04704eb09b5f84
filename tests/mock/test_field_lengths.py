"""FieldLength: the mock announces each text field's length in FieldProperties and holds every body,
whatever its content type, to it; lengths count UTF-16 code units, as .NET and nvarchar do."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from tests.livemock import REFS

LENGTHS = {
    "Comment": 2000,
    "SourceContactName": 255,
    "SourcePersonName": 255,
    "DestinationContactName": 255,
    "DestinationPersonName": 255,
    "ActiveText": 255,
    "PassiveText": 255,
}
EMOJI = "\U0001f600"  # one character, two UTF-16 code units


def put_as(client: httpx.Client, media: str, fields: dict[str, object]) -> httpx.Response:
    if media == "application/json":
        return client.put("/api/v1/Relation/918", json=fields)
    if media == "application/x-www-form-urlencoded":
        return client.put("/api/v1/Relation/918", content=urlencode(fields), headers={"Content-Type": media})
    elements = "".join(f"<{name}>{value}</{name}>" for name, value in fields.items())
    xml = f"<ContactRelationEntity>{elements}</ContactRelationEntity>".encode()
    return client.put("/api/v1/Relation/918", content=xml, headers={"Content-Type": media})


def test_field_properties_announce_each_text_field_s_length(client: httpx.Client) -> None:
    announced = client.get("/api/v1/Relation/918").json()["FieldProperties"]
    assert {name: announced[name]["FieldLength"] for name in LENGTHS} == LENGTHS
    assert announced["SourceContactId"]["FieldLength"] == 0


@pytest.mark.parametrize(
    "media", ["application/json", "application/xml", "application/x-www-form-urlencoded"]
)
@pytest.mark.parametrize("name", sorted(LENGTHS))
def test_a_value_of_exactly_the_field_length_is_stored_and_one_more_is_refused_naming_the_field(
    client: httpx.Client, media: str, name: str
) -> None:
    limit = LENGTHS[name]
    exact = put_as(client, media, {**REFS, name: "x" * limit})
    assert exact.status_code == 200, exact.text[:300]
    # The names and texts are read from the records the relation names (x-derived): a value sent is
    # held to the length, then ignored.
    kept = "x" * limit if name == "Comment" else put_as(client, "application/json", REFS).json()[name]
    assert client.get("/api/v1/Relation/918").json()[name] == kept
    over = put_as(client, media, {**REFS, name: "y" * (limit + 1)})
    assert over.status_code == 400
    assert [v["Field"] for v in over.json()["Violations"]] == [name]
    assert client.get("/api/v1/Relation/918").json()[name] == kept  # nothing half-written


def test_length_counts_utf16_code_units_as_dotnet_does(client: httpx.Client) -> None:
    fits = client.put("/api/v1/Relation/918", json={**REFS, "Comment": EMOJI * 1000})  # 2000 units
    assert fits.status_code == 200
    assert client.get("/api/v1/Relation/918").json()["Comment"] == EMOJI * 1000
    over = client.put("/api/v1/Relation/918", json={**REFS, "Comment": EMOJI * 1000 + "a"})
    assert over.status_code == 400
    assert "FieldLength is 2000" in over.json()["Violations"][0]["Problem"]


@pytest.mark.parametrize(
    "text",
    ["blåbærsyltetøy på Ærø", "关系备注", f"{EMOJI} e\u0301 n\u0303", "  padded\r\n\tlines  ", "<&>\"'"],
    ids=["norwegian", "cjk", "emoji and combining marks", "whitespace and line breaks", "xml specials"],
)
@pytest.mark.parametrize("media", ["application/json", "application/xml"])
def test_unusual_text_round_trips_exactly_in_json_and_xml(
    client: httpx.Client, text: str, media: str
) -> None:
    if media == "application/xml":
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
        answer = put_as(client, media, {**REFS, "Comment": escaped})
    else:
        answer = put_as(client, media, {**REFS, "Comment": text})
    assert answer.status_code == 200, answer.text[:300]
    assert client.get("/api/v1/Relation/918").json()["Comment"] == text
    as_xml = client.get("/api/v1/Relation/918", headers={"Accept": "application/xml"})
    assert as_xml.status_code == 200
