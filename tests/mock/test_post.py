"""POST creates a relation: the server assigns the id, never twice, and reads the body as PUT does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.livemock import REFS, mock_in_process

CREATE = "/api/v1/Relation"


def _create(client: httpx.Client, **fields: object) -> dict[str, object]:
    answer = client.post(CREATE, json={**REFS, **fields})
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_post_answers_200_with_the_new_relation_its_links_and_last_modified(
    store_client: httpx.Client,
) -> None:
    answer = store_client.post(CREATE, json={**REFS, "Comment": "created"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["Comment"] == "created"
    assert (body["SourceContactId"], body["DestinationContactId"]) == (381, 262)
    base = str(store_client.base_url).rstrip("/")
    assert body["_Links"] == {
        "Self": f"{base}/api/v1/Relation/{body['RelationId']}",
        "Archive": f"{base}{CREATE}",
    }
    assert "last-modified" in answer.headers
    assert store_client.get(f"{CREATE}/{body['RelationId']}").json()["Comment"] == "created"


def test_the_server_assigns_the_id_and_ignores_one_in_the_body(store_client: httpx.Client) -> None:
    body = _create(store_client, RelationId=918, Comment="not 918")
    assert body["RelationId"] not in (918, 819, 0)
    assert store_client.get(f"{CREATE}/918").json()["Comment"] != "not 918"


def test_ids_start_after_the_largest_fixture_id_and_are_unique(store_client: httpx.Client) -> None:
    ids = [_create(store_client)["RelationId"] for _ in range(5)]
    assert ids[0] == 919  # fixtures are 819 and 918
    assert len(set(ids)) == 5


def test_an_id_is_never_handed_out_again_after_a_delete(store_client: httpx.Client) -> None:
    first = _create(store_client)["RelationId"]
    second = _create(store_client)["RelationId"]
    assert store_client.delete(f"{CREATE}/{second}").status_code == 204
    assert store_client.delete(f"{CREATE}/{first}").status_code == 204
    third = _create(store_client)["RelationId"]
    assert third not in (first, second)
    assert third > second


def test_an_id_a_put_created_is_skipped(store_client: httpx.Client) -> None:
    assert store_client.put(f"{CREATE}/919", json={**REFS, "Comment": "by put"}).status_code == 200
    created = _create(store_client, Comment="by post")
    assert created["RelationId"] == 920
    assert store_client.get(f"{CREATE}/919").json()["Comment"] == "by put"


def test_the_id_of_a_relation_a_put_created_and_a_delete_removed_is_never_handed_out(
    store_client: httpx.Client,
) -> None:
    for relation_id in (919, 921):
        assert store_client.put(f"{CREATE}/{relation_id}", json=REFS).status_code == 200
        assert store_client.delete(f"{CREATE}/{relation_id}").status_code == 204
    ids = [_create(store_client)["RelationId"] for _ in range(3)]
    assert ids == [920, 922, 923]


def test_a_reset_restarts_the_ids_after_the_largest_fixture(store_client: httpx.Client) -> None:
    _create(store_client)
    _create(store_client)
    store_client.post("/__admin/reset").raise_for_status()
    assert _create(store_client)["RelationId"] == 919


def test_the_caller_and_the_time_of_the_write_are_created_and_updated(store_client: httpx.Client) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    body = _create(store_client, CreatedDate="2001-01-01T00:00:00", UpdatedBy=None)
    created = datetime.fromisoformat(str(body["CreatedDate"])).replace(tzinfo=UTC)
    assert before <= created <= datetime.now(UTC) + timedelta(seconds=1)
    assert body["CreatedDate"] == body["UpdatedDate"]
    assert body["CreatedBy"] == body["UpdatedBy"]
    assert body["CreatedBy"]["UserName"] == "tje0"  # type: ignore[index]


@pytest.mark.parametrize(
    ("content", "media"),
    [
        (b'{"SourceContactId": 381, "DestinationContactId": 262, "Comment": "json"}', "application/json"),
        (b'{"sourcecontactid": 381, "DestinationContactId": 262, "Comment": "json"}', "text/json"),
        (
            b"<ContactRelationEntity><SourceContactId>381</SourceContactId>"
            b"<DestinationContactId>262</DestinationContactId><Comment>xml</Comment></ContactRelationEntity>",
            "application/xml",
        ),
        (b"SourceContactId=381&DestinationContactId=262&Comment=form", "application/x-www-form-urlencoded"),
        (
            b'{"SourceContactId": 381, "DestinationContactId": 262, "Comment": "m"}',
            "application/merge-patch+json",
        ),
    ],
)
def test_post_reads_bodies_in_the_content_types_put_reads(
    client: httpx.Client, content: bytes, media: str
) -> None:
    answer = client.post(
        CREATE, content=content, headers={"Content-Type": media, "Accept": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["SourceContactId"] == 381


def test_post_answers_xml_when_asked(client: httpx.Client) -> None:
    answer = client.post(CREATE, json={**REFS, "Comment": "x"}, headers={"Accept": "application/xml"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/xml")
    assert b"<ContactRelationEntity" in answer.content and b"<Comment>x</Comment>" in answer.content


def test_post_refuses_what_put_refuses_and_creates_nothing(client: httpx.Client) -> None:
    missing = client.post(CREATE, json={"DestinationContactId": 262})
    assert missing.status_code == 400
    assert {"Field": "SourceContactId", "Problem": "the value is mandatory"} in missing.json()["Violations"]
    too_long = client.post(CREATE, json={**REFS, "Comment": "x" * 2001})
    assert too_long.status_code == 400
    assert too_long.json()["Violations"][0]["Field"] == "Comment"
    no_body = client.post(CREATE, content=b"", headers={"Content-Type": "application/json"})
    assert no_body.status_code == 400
    assert no_body.json()["ErrorMessage"] == "Entity to save is not in request body."
    assert client.post(CREATE, content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415
    assert client.post(CREATE, json=REFS, headers={"Authorization": ""}).status_code == 401
    assert _create(client)["RelationId"] == 919  # none of the refused requests used an id


def test_select_applies_to_the_post_answer_but_not_to_what_is_saved(client: httpx.Client) -> None:
    answer = client.post(CREATE, params={"$select": "comment,RelationId"}, json={**REFS, "Comment": "sel"})
    body = answer.json()
    assert body["Comment"] == "sel"
    assert body["SourceContactId"] is None and body["_Links"] is None
    assert client.get(f"{CREATE}/{body['RelationId']}").json()["SourceContactId"] == 381


def test_a_forced_answer_creates_nothing(client: httpx.Client) -> None:
    forced = client.post(CREATE, json=REFS, headers={"Prefer": "code=400"})
    assert forced.status_code == 400
    dynamic = client.post(CREATE, json=REFS, headers={"Prefer": "dynamic=true, seed=1"})
    assert dynamic.status_code == 200
    assert _create(client)["RelationId"] == 919
    assert client.get(f"{CREATE}/920").status_code == 404


def test_a_dynamic_post_answer_is_valid_for_its_schema(
    client: httpx.Client, spec_validator: Callable[..., list[str]]
) -> None:
    answer = client.post(CREATE, json=REFS, headers={"Prefer": "dynamic=true, seed=5"})
    assert spec_validator("post", 200, answer.json(), "/api/v1/Relation") == []


def test_ids_are_unique_across_stores_sharing_a_state_file(tmp_path: Path) -> None:
    state = tmp_path / "shared.sqlite3"  # two stores on one file, as --workers runs them
    auth = {"Authorization": "Bearer 8A:x"}
    with mock_in_process(state_file=state) as one, mock_in_process(state_file=state) as two:
        ids = []
        with one.client(headers=auth) as first, two.client(headers=auth) as second:
            for _ in range(4):
                for http in (first, second):
                    ids.append(http.post(CREATE, json=REFS).json()["RelationId"])
        assert len(set(ids)) == len(ids) == 8
        assert sorted(ids) == list(range(919, 927))
