"""PATCH: a JSON Patch or a merge patch applied to the relation as GET shows it, saved as a PUT of it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.livemock import REFS

URL = "/api/v1/Relation/918"
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
STALE = {"If-Unmodified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"}
SERVER_SET = ("UpdatedDate", "UpdatedBy", "_Links")


def _patch(
    client: httpx.Client, body: Any, headers: dict[str, str] = JSON_PATCH, url: str = URL
) -> httpx.Response:
    return client.patch(url, json=body, headers=headers)


def _same_but_server_set(one: dict[str, Any], other: dict[str, Any]) -> None:
    assert {k: v for k, v in one.items() if k not in SERVER_SET} == {
        k: v for k, v in other.items() if k not in SERVER_SET
    }


def test_a_json_patch_replaces_one_property_and_keeps_the_rest(store_client: httpx.Client) -> None:
    before = store_client.get(URL).json()
    answer = _patch(store_client, [{"op": "replace", "path": "/Comment", "value": "patched"}])
    assert answer.status_code == 200
    body = answer.json()
    assert body["Comment"] == "patched"
    _same_but_server_set({**body, "Comment": before["Comment"]}, before)
    assert body["UpdatedBy"]["UserName"] == "tje0"
    assert "last-modified" in answer.headers
    assert store_client.get(URL).json()["Comment"] == "patched"


def test_a_patch_equals_the_put_of_the_patched_entity(store_client: httpx.Client) -> None:
    current = store_client.get(URL).json()
    patched = _patch(
        store_client,
        [
            {"op": "replace", "path": "/Comment", "value": "same"},
            {"op": "add", "path": "/Reversed", "value": 1},
            {"op": "remove", "path": "/SourcePersonId"},
        ],
    ).json()
    put = store_client.put(
        URL, json={**current, "Comment": "same", "Reversed": 1, "SourcePersonId": None}
    ).json()
    _same_but_server_set(patched, put)


def test_a_merge_patch_equals_the_equivalent_json_patch(client: httpx.Client) -> None:
    merge = _patch(client, {"Comment": "merged", "SourcePersonId": None, "Reversed": 1}, MERGE_PATCH).json()
    client.post("/__admin/reset").raise_for_status()
    json_patch = _patch(
        client,
        [
            {"op": "replace", "path": "/Comment", "value": "merged"},
            {"op": "remove", "path": "/SourcePersonId"},
            {"op": "replace", "path": "/Reversed", "value": 1},
        ],
    ).json()
    _same_but_server_set(merge, json_patch)
    assert merge["SourcePersonId"] == 0


@pytest.mark.parametrize("path", ["/Comment", "Comment", "comment", "/COMMENT"])
def test_paths_are_case_insensitive_and_the_leading_slash_optional(client: httpx.Client, path: str) -> None:
    answer = _patch(client, [{"op": "replace", "path": path, "value": path}])
    assert answer.status_code == 200
    assert answer.json()["Comment"] == path


@pytest.mark.parametrize(
    ("op", "expected"), [(1, "added"), (2, "added"), ("Replace", "added"), ("ADD", "added")]
)
def test_ops_are_read_by_name_in_any_case_or_by_the_vendor_enum_number(
    client: httpx.Client, op: object, expected: str
) -> None:
    answer = _patch(client, [{"op": op, "path": "/Comment", "value": "added"}])
    assert answer.status_code == 200, answer.text
    assert answer.json()["Comment"] == expected


def test_op_3_removes_and_op_4_tests(client: httpx.Client) -> None:
    answer = _patch(
        client, [{"op": 4, "path": "/SourceContactId", "value": 381}, {"op": 3, "path": "/Comment"}]
    )
    assert answer.status_code == 200
    assert answer.json()["Comment"] == ""
    assert _patch(client, [{"op": 4, "path": "/Comment", "value": "not empty"}]).status_code == 409


def test_a_failed_test_gives_409_and_changes_nothing(store_client: httpx.Client) -> None:
    before = store_client.get(URL).json()
    answer = _patch(
        store_client,
        [
            {"op": "replace", "path": "/Comment", "value": "lost"},
            {"op": "test", "path": "/SourceContactId", "value": 1},
        ],
    )
    assert answer.status_code == 409
    error = answer.json()
    assert error["ErrorType"] == "JsonPatchTestFailedException"
    assert error["ErrorMessage"] == (
        "Update blocked because a 'test' operation has detected a conflict with the entity value."
    )
    assert error["Violations"][0]["Field"] == "/SourceContactId"
    assert store_client.get(URL).json() == before


def test_a_test_compares_json_values_and_can_read_any_field_get_shows(client: httpx.Client) -> None:
    current = client.get(URL).json()
    ops = [
        {"op": "test", "path": "/SourceContactId", "value": 381.0},  # numbers by value
        {"op": "test", "path": "/UpdatedDate", "value": current["UpdatedDate"]},
        {"op": "test", "path": "/CreatedBy/Name", "value": current["CreatedBy"]["Name"]},
        {"op": "test", "path": "/TableRight", "value": {"Mask": "FULL", "Reason": ""}},
        {"op": "replace", "path": "/Comment", "value": "tested"},
    ]
    assert _patch(client, ops).status_code == 200
    assert (
        _patch(client, [{"op": "test", "path": "/Reversed", "value": False}]).status_code == 409
    )  # 0 is no false


def test_a_stale_if_unmodified_since_gives_412_and_changes_nothing(store_client: httpx.Client) -> None:
    store_client.put(URL, json={**REFS, "Comment": "now"})
    before = store_client.get(URL).json()
    answer = store_client.patch(URL, json={"Comment": "lost"}, headers={**MERGE_PATCH, **STALE})
    assert answer.status_code == 412
    assert answer.json()["ErrorType"] == "PreconditionFailedException"
    assert store_client.get(URL).json() == before


def test_a_fresh_if_unmodified_since_patches(client: httpx.Client) -> None:
    stamp = client.put(URL, json=REFS).headers["last-modified"]
    answer = client.patch(URL, json={"Comment": "fresh"}, headers={"If-Unmodified-Since": stamp})
    assert answer.status_code == 200


def test_patch_on_an_unknown_id_is_404_and_creates_nothing(store_client: httpx.Client) -> None:
    for body in ([{"op": "add", "path": "/Comment", "value": "x"}], {**REFS, "Comment": "x"}, []):
        answer = store_client.patch("/api/v1/Relation/31337", json=body)
        assert answer.status_code == 404
        assert (
            answer.json()["ErrorMessage"] == "ContactRelationEntity with given id does not exist in the db."
        )
        assert answer.json()["ErrorType"] == "SoNotFoundException"
    assert store_client.get("/api/v1/Relation/31337").status_code == 404
    assert store_client.post("/api/v1/Relation", json=REFS).json()["RelationId"] == 919


@pytest.mark.parametrize("op", ["move", "copy", 5, 6, "unknown", 0, "delete", None, True])
def test_unsupported_ops_give_400_naming_the_op(client: httpx.Client, op: object) -> None:
    before = client.get(URL).json()
    answer = _patch(client, [{"op": op, "path": "/Comment", "from": "/ActiveText", "value": "x"}])
    assert answer.status_code == 400
    assert answer.json()["Violations"][0]["Field"] == "0/op"
    assert client.get(URL).json() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"op": "replace", "path": "/Nope", "value": 1}], "0/path"),
        ([{"op": "replace", "path": "", "value": {}}], "0/path"),
        ([{"op": "replace", "path": "/Comment/x", "value": 1}], "0/path"),
        ([{"op": "replace", "value": 1}], "0/path"),
        ([{"op": "test", "path": "/Comment", "value": ""}, {"op": "replace", "path": "/Comment"}], "1/value"),
        (["replace"], "0"),
        ({"Nope": 1}, "Nope"),
        ("Comment", "body"),
    ],
)
def test_a_malformed_patch_gives_400_naming_the_place(client: httpx.Client, body: Any, field: str) -> None:
    answer = client.patch(URL, json=body)
    assert answer.status_code == 400
    assert answer.json()["Violations"][0]["Field"] == field


def test_a_patch_that_makes_the_relation_invalid_gives_400_naming_the_field(client: httpx.Client) -> None:
    before = client.get(URL).json()
    for body in (
        [{"op": "remove", "path": "/SourceContactId"}],
        {"DestinationContactId": None},
        [{"op": "replace", "path": "/Reversed", "value": "x"}],
        {"Comment": "x" * 2001},
    ):
        answer = client.patch(URL, json=body)
        assert answer.status_code == 400, body
        assert answer.json()["Violations"][0]["Field"] in (
            "SourceContactId",
            "DestinationContactId",
            "Reversed",
            "Comment",
        )
    assert client.get(URL).json() == before


def test_a_missing_or_null_body_gives_400(client: httpx.Client) -> None:
    for content in (b"", b"null"):
        answer = client.patch(URL, content=content, headers=JSON_PATCH)
        assert answer.status_code == 400
        assert answer.json()["ErrorType"] == "ArgumentNullException"


@pytest.mark.parametrize(
    ("content", "media"),
    [
        (b"<ContactRelationEntity><Comment>x</Comment></ContactRelationEntity>", "application/xml"),
        (b"<ContactRelationEntity><Comment>x</Comment></ContactRelationEntity>", "text/xml"),
        (b"Comment=x", "application/x-www-form-urlencoded"),
        (b'{"Comment": "x"}', "text/plain"),
    ],
)
def test_a_patch_that_is_not_json_gives_415(client: httpx.Client, content: bytes, media: str) -> None:
    answer = client.patch(URL, content=content, headers={"Content-Type": media})
    assert answer.status_code == 415
    assert "application/json-patch+json" in answer.json()["ErrorMessage"]


@pytest.mark.parametrize(
    "media", ["application/json-patch+json", "application/merge-patch+json", "application/json", "text/json"]
)
def test_the_shape_decides_under_any_json_media_type(client: httpx.Client, media: str) -> None:
    array = client.patch(
        URL, json=[{"op": "replace", "path": "/Comment", "value": "a"}], headers={"Content-Type": media}
    )
    assert array.status_code == 200
    assert array.json()["Comment"] == "a"
    merge = client.patch(URL, json={"comment": "m"}, headers={"Content-Type": media})
    assert merge.status_code == 200
    assert merge.json()["Comment"] == "m"


def test_an_empty_patch_saves_the_relation_unchanged_but_who_and_when(client: httpx.Client) -> None:
    before = client.get(URL).json()
    for body in ([], {}):
        answer = _patch(client, body, {"Authorization": "SOTicket 7T:x"})
        assert answer.status_code == 200
        _same_but_server_set(answer.json(), before)
        assert answer.json()["UpdatedBy"]["UserName"] == "SystemUser"


def test_server_set_fields_are_restamped_and_the_path_id_wins(client: httpx.Client) -> None:
    before = client.get(URL).json()
    body = _patch(
        client,
        {
            "RelationId": 5,
            "CreatedDate": "2001-01-01T00:00:00",
            "UpdatedBy": {"Name": "X"},
            "TableRight": None,
        },
    ).json()
    assert body["RelationId"] == 918
    assert body["CreatedDate"] == before["CreatedDate"]
    assert body["UpdatedBy"]["UserName"] == "tje0"
    assert body["TableRight"] == {"Mask": "FULL", "Reason": ""}
    assert client.get("/api/v1/Relation/5").status_code == 404


def test_select_applies_to_the_patch_answer_only(client: httpx.Client) -> None:
    answer = client.patch(URL, params={"$select": "Comment"}, json={"Comment": "selected"})
    body = answer.json()
    assert body["Comment"] == "selected"
    assert body["SourceContactId"] is None
    assert client.get(URL).json()["SourceContactId"] == 381


def test_a_patch_answers_xml_when_asked(client: httpx.Client) -> None:
    answer = client.patch(URL, json={"Comment": "xml"}, headers={"Accept": "application/xml"})
    assert answer.headers["content-type"].startswith("application/xml")
    assert b"<Comment>xml</Comment>" in answer.content
    failed = client.patch(
        URL, json=[{"op": "test", "path": "/Comment", "value": "no"}], headers={"Accept": "text/xml"}
    )
    assert failed.status_code == 409
    assert b"<ErrorType>JsonPatchTestFailedException</ErrorType>" in failed.content


def test_a_merge_patch_object_merges_into_a_carrier_member_by_member(client: httpx.Client) -> None:
    # Carriers are server-set (CreatedBy kept, UpdatedBy restamped): what shows is that the merged
    # carrier is checked like a PUT body's, member names in any case.
    assert client.patch(URL, json={"createdby": {"name": "merged"}}).status_code == 200
    wrong = client.patch(URL, json={"CreatedBy": {"Name": 5}})
    assert wrong.status_code == 400
    assert wrong.json()["Violations"][0]["Field"] == "CreatedBy/Name"
    assert client.patch(URL, json={"CreatedBy": None}).json()["CreatedBy"]["UserName"] != ""  # kept


def test_a_merge_patch_null_for_a_member_the_carrier_lacks_changes_nothing(client: httpx.Client) -> None:
    before = client.get(URL).json()
    assert "ExtraFields" not in (before["CreatedBy"] or {})
    answer = client.patch(URL, json={"CreatedBy": {"ExtraFields": None}, "Comment": "merged"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["CreatedBy"] == before["CreatedBy"]
    assert answer.json()["Comment"] == "merged"


def test_a_merge_patch_ignores_a_member_a_carrier_does_not_have_as_put_does(client: httpx.Client) -> None:
    before = client.get(URL).json()
    answer = client.patch(URL, json={"UpdatedBy": {"Nickname": "x"}, "Comment": "kept going"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["Comment"] == "kept going"
    assert "Nickname" not in answer.json()["UpdatedBy"]
    assert client.patch(URL, json={"Nickname": "x"}).status_code == 400  # the entity's own names are closed
    assert client.get(URL).json()["CreatedBy"] == before["CreatedBy"]


def test_operation_member_names_are_read_in_any_case_as_json_net_reads_them(client: httpx.Client) -> None:
    answer = _patch(client, [{"Op": "REPLACE", "PATH": "reversed", "Value": 1}])
    assert answer.status_code == 200, answer.text
    assert client.get(URL).json()["Reversed"] == 1


def test_auth_the_id_and_prefer_come_as_on_every_operation(client: httpx.Client) -> None:
    assert client.patch(URL, json={}, headers={"Authorization": ""}).status_code == 401
    assert client.patch("/api/v1/Relation/abc", json={}).status_code == 404
    forced = client.patch(URL, json={"Comment": "forced"}, headers={"Prefer": "code=409"})
    assert forced.status_code == 409
    assert client.patch(URL, json={"Comment": "x"}, headers={"Prefer": "code=201"}).status_code == 400
    assert client.get(URL).json()["Comment"] != "forced"


@pytest.mark.parametrize("name", ["SourceContactId", "DestinationContactId"])
def test_a_merge_patch_null_for_a_mandatory_id_says_null_removes_and_names_the_field(
    store_client: httpx.Client, name: str
) -> None:
    before = store_client.get(URL).json()
    answer = _patch(store_client, {"Comment": "not stored", name: None}, MERGE_PATCH)
    assert answer.status_code == 400
    message = answer.json()["ErrorMessage"]
    assert f"{name}: null removes the value in a merge patch (RFC 7396)" in message
    assert f"{name} is mandatory: send an id of 1 or more" in message
    assert "0 is less than the minimum" not in answer.text
    assert store_client.get(URL).json() == before
