"""DELETE removes a relation (204, no body); a stale If-Unmodified-Since keeps it (412)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx

from tests.livemock import REFS

STALE = {"If-Unmodified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"}


def test_delete_answers_204_with_no_body_and_then_get_is_404(store_client: httpx.Client) -> None:
    answer = store_client.delete("/api/v1/Relation/918")
    assert answer.status_code == 204
    assert answer.content == b""
    assert "content-type" not in answer.headers
    assert store_client.get("/api/v1/Relation/918").status_code == 404
    assert store_client.get("/api/v1/Relation/819").status_code == 200  # only that one


def test_deleting_an_id_no_relation_has_is_204_as_deleting_twice_is(store_client: httpx.Client) -> None:
    assert store_client.delete("/api/v1/Relation/424242").status_code == 204
    assert store_client.delete("/api/v1/Relation/918").status_code == 204
    assert store_client.delete("/api/v1/Relation/918").status_code == 204
    assert store_client.get("/api/v1/Relation/424242").status_code == 404


def test_a_stale_if_unmodified_since_gives_412_and_the_relation_stays(store_client: httpx.Client) -> None:
    store_client.put("/api/v1/Relation/918", json={**REFS, "Comment": "now"})
    before = store_client.get("/api/v1/Relation/918").json()
    answer = store_client.delete("/api/v1/Relation/918", headers=STALE)
    assert answer.status_code == 412
    assert answer.json()["ErrorType"] == "PreconditionFailedException"
    assert answer.json()["ErrorMessage"].startswith(
        "Delete aborted because ContactRelationEntity has changed"
    )
    assert store_client.get("/api/v1/Relation/918").json() == before


def test_a_fresh_if_unmodified_since_deletes(store_client: httpx.Client) -> None:
    stamp = store_client.put("/api/v1/Relation/918", json=REFS).headers["last-modified"]
    assert (
        store_client.delete("/api/v1/Relation/918", headers={"If-Unmodified-Since": stamp}).status_code == 204
    )
    later = format_datetime(datetime.now(UTC) + timedelta(minutes=5), usegmt=True)
    assert (
        store_client.delete("/api/v1/Relation/819", headers={"If-Unmodified-Since": later}).status_code == 204
    )
    assert store_client.get("/api/v1/Relation/819").status_code == 404


def test_a_stale_delete_answers_in_xml_when_asked(client: httpx.Client) -> None:
    client.put("/api/v1/Relation/918", json=REFS)
    answer = client.delete("/api/v1/Relation/918", headers={**STALE, "Accept": "application/xml"})
    assert answer.status_code == 412
    assert answer.headers["content-type"].startswith("application/xml")
    assert b"<ErrorType>PreconditionFailedException</ErrorType>" in answer.content


def test_delete_needs_credentials_and_an_int32_id(client: httpx.Client) -> None:
    refused = client.delete("/api/v1/Relation/918", headers={"Authorization": ""})
    assert refused.status_code == 401
    assert "www-authenticate" in refused.headers
    assert client.delete("/api/v1/Relation/abc").status_code == 404
    assert client.delete("/api/v1/Relation/2147483648").status_code == 404
    assert client.get("/api/v1/Relation/918").status_code == 200


def test_a_forced_answer_deletes_nothing_and_code_204_alone_is_the_real_delete(client: httpx.Client) -> None:
    assert client.delete("/api/v1/Relation/918", headers={"Prefer": "code=412"}).status_code == 412
    assert client.delete("/api/v1/Relation/918", params={"__code": "404"}).status_code == 404
    assert client.get("/api/v1/Relation/918").status_code == 200
    undocumented = client.delete("/api/v1/Relation/918", headers={"Prefer": "code=200"})
    assert undocumented.status_code == 400
    assert "204" in undocumented.json()["ErrorMessage"]
    assert client.delete("/api/v1/Relation/918", headers={"Prefer": "code=204"}).status_code == 204
    assert client.get("/api/v1/Relation/918").status_code == 404


def test_delete_is_case_insensitive_in_the_path_like_every_route(client: httpx.Client) -> None:
    assert client.delete("/API/V1/relation/918/").status_code == 204
    assert client.get("/api/v1/Relation/918").status_code == 404
