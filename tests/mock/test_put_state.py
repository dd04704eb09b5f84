"""PUT replaces the relation at {id}, keeps it, and says who changed it when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import yaml

from tests.livemock import ROOT

SPEC = yaml.safe_load((ROOT / "openapi" / "relation.yaml").read_text())
SEED = SPEC["components"]["examples"]["SeedSampleRequest"]["value"]
WRITABLE = [
    "SourceContactId", "SourcePersonId", "DestinationContactId", "DestinationPersonId", "Comment",
    "RelationDefinitionId", "Reversed", "SourceContactName", "SourcePersonName",
    "DestinationContactName", "DestinationPersonName", "ActiveText", "PassiveText",
]  # fmt: skip


def test_the_seed_sample_request_round_trips_every_writable_field(client: httpx.Client) -> None:
    answer = client.put("/api/v1/Relation/918", json=SEED)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    body = answer.json()
    assert {name: body[name] for name in WRITABLE} == {name: SEED[name] for name in WRITABLE}
    assert body["RelationId"] == 918


def test_a_later_get_sees_the_write(client: httpx.Client) -> None:
    client.put("/api/v1/Relation/918", json={**SEED, "Comment": "kept"})
    assert client.get("/api/v1/Relation/918").json()["Comment"] == "kept"


def test_fields_the_body_leaves_out_take_their_empty_values(client: httpx.Client) -> None:
    body = client.put(
        "/api/v1/Relation/918", json={"SourceContactId": 380, "DestinationContactId": 95}
    ).json()
    assert (body["SourceContactId"], body["DestinationContactId"]) == (380, 95)
    assert body["Comment"] == ""
    assert body["SourcePersonId"] == 0
    assert body["SourcePersonName"] == ""


def test_the_path_id_wins_over_the_body_relation_id(client: httpx.Client) -> None:
    body = client.put("/api/v1/Relation/918", json={**SEED, "RelationId": 5}).json()
    assert body["RelationId"] == 918
    assert client.get("/api/v1/Relation/5").status_code == 404


def test_the_server_sets_updated_date_and_updated_by_from_the_caller(client: httpx.Client) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    body = client.put("/api/v1/Relation/918", json=SEED).json()
    updated = datetime.fromisoformat(body["UpdatedDate"]).replace(tzinfo=UTC)
    assert before <= updated <= datetime.now(UTC) + timedelta(seconds=1)
    assert body["UpdatedBy"]["UserName"] == "tje0"
    assert body["UpdatedBy"] != SEED["UpdatedBy"]
    other = client.put("/api/v1/Relation/918", json=SEED, headers={"Authorization": "SOTicket 7T:abc"}).json()
    assert other["UpdatedBy"]["AssociateId"] != body["UpdatedBy"]["AssociateId"]


def test_created_date_and_created_by_are_kept_from_the_first_write(client: httpx.Client) -> None:
    first = client.put("/api/v1/Relation/4242", json=SEED).json()
    assert first["CreatedBy"]["UserName"] == "tje0"
    assert first["CreatedDate"] == first["UpdatedDate"] != SEED["CreatedDate"]  # created by this write
    second = client.put(
        "/api/v1/Relation/4242", json={**SEED, "CreatedDate": "2001-01-01T00:00:00"},
        headers={"Authorization": "Bearer 8A:other"},
    ).json()  # fmt: skip
    assert second["CreatedDate"] == first["CreatedDate"]
    assert second["CreatedBy"] == first["CreatedBy"]


def test_an_unknown_id_is_created_and_then_readable(client: httpx.Client) -> None:
    assert client.get("/api/v1/Relation/777").status_code == 404
    assert client.put("/api/v1/Relation/777", json=SEED).status_code == 200
    assert client.get("/api/v1/Relation/777").json()["SourceContactId"] == SEED["SourceContactId"]


def test_the_answer_carries_table_right_field_properties_and_absolute_links(client: httpx.Client) -> None:
    body = client.put("/api/v1/Relation/918", json=SEED).json()
    assert body["TableRight"] == {"Mask": "FULL", "Reason": ""}
    assert body["FieldProperties"]["Comment"]["FieldType"] == "System.String"
    base = str(client.base_url).rstrip("/")
    assert base.startswith("http://127.0.0.1:")
    assert body["_Links"] == {"Self": f"{base}/api/v1/Relation/918", "Archive": f"{base}/api/v1/Relation"}
    assert list(body)[-3:] == ["TableRight", "FieldProperties", "_Links"]
    # Absolute URLs from the request's Host, as a tenant behind its own host name writes them.
    behind = client.get("/api/v1/Relation/918", headers={"Host": "crm.example:8443"}).json()["_Links"]
    assert behind == {
        "Self": "http://crm.example:8443/api/v1/Relation/918",
        "Archive": "http://crm.example:8443/api/v1/Relation",
    }


def test_the_store_starts_with_the_spec_sample_and_reset_restores_it(client: httpx.Client) -> None:
    assert client.get("/api/v1/Relation/918").json()["Comment"] == SEED["Comment"]
    client.put("/api/v1/Relation/918", json={**SEED, "Comment": "changed"})
    client.put("/api/v1/Relation/31337", json=SEED)
    assert client.post("/__admin/reset").status_code == 200
    assert client.get("/api/v1/Relation/918").json()["Comment"] == SEED["Comment"]
    assert client.get("/api/v1/Relation/31337").status_code == 404


def test_get_answers_304_when_not_modified_since_and_sends_last_modified(client: httpx.Client) -> None:
    answer = client.put("/api/v1/Relation/918", json=SEED)
    stamp = answer.headers["last-modified"]
    assert client.get("/api/v1/Relation/918", headers={"If-Modified-Since": stamp}).status_code == 304
    old = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert client.get("/api/v1/Relation/918", headers={"If-Modified-Since": old}).status_code == 200


def test_an_integral_float_is_stored_and_answered_as_an_integer(client: httpx.Client) -> None:
    body = client.put(
        "/api/v1/Relation/918",
        content=b'{"SourceContactId": 381.0, "DestinationContactId": 262}',
        headers={"Content-Type": "application/json"},
    ).json()
    assert body["SourceContactId"] == 381
    assert isinstance(body["SourceContactId"], int)


def test_field_properties_describe_every_stored_field_with_its_dotnet_type(client: httpx.Client) -> None:
    properties = client.get("/api/v1/Relation/918").json()["FieldProperties"]
    expected_types = {
        "SourceContactId": "System.Int32",
        "Comment": "System.String",
        "UpdatedDate": "System.DateTime",
        "CreatedBy": "SuperOffice.CRM.Services.Associate",
    }
    for name, dotnet in expected_types.items():
        assert set(properties[name]) == {"FieldRight", "FieldType", "FieldLength"}
        assert properties[name]["FieldType"] == dotnet
        assert properties[name]["FieldRight"] == {"Mask": "FULL", "Reason": ""}
    assert not {"TableRight", "FieldProperties", "_Links"} & set(properties)


def test_updated_by_is_a_whole_associate_for_every_way_of_calling(client: httpx.Client) -> None:
    members = {
        "AssociateId", "Name", "PersonId", "Rank", "Tooltip", "Type", "GroupIdx",
        "FullName", "FormalName", "Deleted", "EjUserId", "UserName",
    }  # fmt: skip
    callers = {"Basic dGplMDpUamUw": "tje0", "SOTicket 7T:x": "SystemUser", "Bearer 8A:y": "OAuthUser"}
    for credential, user in callers.items():
        answer = client.put("/api/v1/Relation/918", json=SEED, headers={"Authorization": credential})
        by = answer.json()["UpdatedBy"]
        assert members <= set(by), credential
        assert (by["UserName"], by["FullName"], by["FormalName"], by["Name"]) == (
            user,
            user,
            user,
            user.upper(),
        )
        assert 100 <= by["AssociateId"] == by["PersonId"] < 9100
