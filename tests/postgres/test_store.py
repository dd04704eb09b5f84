"""The mock with its state in a real PostgreSQL: the same behaviour as in memory and in SQLite, state
that outlives the process, a versioned schema, and the password never shown."""

from __future__ import annotations

import json

import httpx
import psycopg
import pytest

from mockserver import Settings, create_app
from mockserver.errors import StateFileError
from tests.livemock import mock_in_process
from tests.postgres.server import PASSWORD, PostgresServer

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
OLD = "Sat, 01 Jan 2000 00:00:00 GMT"


def test_a_relation_written_through_one_app_is_read_back_by_a_new_one(database_url: str) -> None:
    with mock_in_process(state_url=database_url) as mock:
        seed = mock.client().get("/api/v1/Relation/918", headers=AUTH).json()
        put = mock.client().put(
            "/api/v1/Relation/918", json={**seed, "Comment": "kept in PostgreSQL"}, headers=AUTH
        )
        assert put.status_code == 200, put.text
        created = mock.client().post("/api/v1/Relation", json={**seed, "RelationId": 0}, headers=AUTH)
        assert created.status_code == 200, created.text
    with mock_in_process(state_url=database_url) as again:
        assert (
            again.client().get("/api/v1/Relation/918", headers=AUTH).json()["Comment"] == "kept in PostgreSQL"
        )
        new_id = created.json()["RelationId"]
        assert again.client().get(f"/api/v1/Relation/{new_id}", headers=AUTH).status_code == 200
        # The contacts, persons and definitions are there too, loaded once.
        assert again.client().get("/api/v1/Contact/381", headers=AUTH).json()["ContactId"] == 381


def test_a_stale_write_is_412_and_changes_nothing(database_url: str) -> None:
    with mock_in_process(state_url=database_url) as mock:
        seed = mock.client().get("/api/v1/Relation/918", headers=AUTH).json()
        stale = mock.client().put(
            "/api/v1/Relation/918",
            json={**seed, "Comment": "too late"},
            headers={**AUTH, "If-Unmodified-Since": OLD},
        )
        assert stale.status_code == 412, stale.text
        assert mock.client().get("/api/v1/Relation/918", headers=AUTH).json()["Comment"] == seed["Comment"]


def test_ids_are_never_reused_not_even_after_a_delete_and_a_put_beyond_the_next_id(database_url: str) -> None:
    with mock_in_process(state_url=database_url) as mock:
        seed = mock.client().get("/api/v1/Relation/918", headers=AUTH).json()
        body = {**seed, "RelationId": 0}
        first = mock.client().post("/api/v1/Relation", json=body, headers=AUTH).json()["RelationId"]
        assert mock.client().delete(f"/api/v1/Relation/{first}", headers=AUTH).status_code in (200, 204)
        ahead = first + 1
        assert mock.client().put(f"/api/v1/Relation/{ahead}", json=body, headers=AUTH).status_code == 200
        assert mock.client().delete(f"/api/v1/Relation/{ahead}", headers=AUTH).status_code in (200, 204)
        second = mock.client().post("/api/v1/Relation", json=body, headers=AUTH).json()["RelationId"]
        assert second > ahead, (first, ahead, second)


def test_reset_brings_back_the_fixtures_and_restarts_the_ids(database_url: str) -> None:
    with mock_in_process(state_url=database_url) as mock:
        seed = mock.client().get("/api/v1/Relation/918", headers=AUTH).json()
        mock.client().put("/api/v1/Relation/918", json={**seed, "Comment": "changed"}, headers=AUTH)
        first = mock.client().post("/api/v1/Relation", json={**seed, "RelationId": 0}, headers=AUTH).json()
        assert mock.client().post("/__admin/reset").status_code in (200, 204)
        assert mock.client().get("/api/v1/Relation/918", headers=AUTH).json()["Comment"] == seed["Comment"]
        assert mock.client().get(f"/api/v1/Relation/{first['RelationId']}", headers=AUTH).status_code == 404
        again = mock.client().post("/api/v1/Relation", json={**seed, "RelationId": 0}, headers=AUTH).json()
        assert again["RelationId"] == first["RelationId"]


def test_a_wrong_password_stops_the_start_up_with_one_sentence_and_no_password(
    postgres: PostgresServer,
) -> None:
    wrong = postgres.url(password="not-the-password")
    with pytest.raises(StateFileError) as refused:
        create_app(Settings(quiet=True, state_url=wrong))
    message = str(refused.value)
    assert "not-the-password" not in message and PASSWORD not in message
    assert f"127.0.0.1:{postgres.port}" in message and "***" in message
    assert "password authentication failed" in message, message
    assert message.count(". ") == 0 or message.endswith("."), message


def test_a_database_of_a_newer_schema_version_stops_the_start_up(database_url: str) -> None:
    create_app(Settings(quiet=True, state_url=database_url))
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE rh_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(
        StateFileError, match=r"schema version 99.*knows versions up to 1.*upgrade relation-harness"
    ):
        create_app(Settings(quiet=True, state_url=database_url))


def test_the_password_is_in_no_answer_and_no_journal_entry(database_url: str) -> None:
    with mock_in_process(state_url=database_url) as mock:
        mock.client().get("/api/v1/Relation/918", headers=AUTH)
        mock.client().get("/api/v1/Relation/1", headers={**AUTH, "Accept": "application/xml"})
        seen = [
            mock.client().get("/openapi.json").text,
            mock.client().get("/__admin/requests").text,
            mock.client().get("/api/v1/Relation/abc", headers=AUTH).text,
        ]
    assert all(PASSWORD not in text for text in seen)
    assert json.loads(seen[1])["Requests"], "the journal kept the requests"


def test_an_answer_while_the_database_is_down_is_503_with_retry_after_then_it_recovers(
    postgres: PostgresServer, database_url: str
) -> None:
    with mock_in_process(state_url=database_url) as mock:
        assert mock.client().get("/api/v1/Relation/918", headers=AUTH).status_code == 200
        postgres.stop()
        try:
            down = mock.client().get("/api/v1/Relation/918", headers=AUTH)
        finally:
            postgres.start()
        assert down.status_code == 503, down.text
        assert down.headers.get("Retry-After"), down.headers
        assert down.json()["ErrorType"] == "ServiceUnavailableException"
        assert PASSWORD not in down.text
        back = httpx.Response(0)
        for _ in range(50):  # the pool reconnects in the background
            back = mock.client().get("/api/v1/Relation/918", headers=AUTH)
            if back.status_code == 200:
                break
        assert back.status_code == 200, back.text
