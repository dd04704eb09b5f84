"""The SQLite store and the auth-users file, in a mock in this process (tests/mock/test_process.py and
tests/reliability cover the same through `python -m mockserver`; here a mutation tool sees them run)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest
import yaml

from mockserver import create_app
from mockserver.errors import ConfigFileError, SpecError, StateFileError
from mockserver.settings import Settings
from tests.livemock import REFS, ROOT, mock_in_thread

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
STALE = {"If-Unmodified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"}


def test_the_sqlite_store_keeps_writes_refuses_stale_ones_and_resets_to_the_fixtures(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    with mock_in_thread(state_file=state) as url, httpx.Client(base_url=url, headers=AUTH) as client:
        seed = client.get("/api/v1/Relation/918").json()
        kept = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "kept"})
        assert kept.status_code == 200
        assert kept.json()["CreatedDate"] == seed["CreatedDate"]  # the stored row was the base of the write
        assert client.put("/api/v1/Relation/4242", json={**REFS, "Comment": "new"}).status_code == 200
        stale = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "lost"}, headers=STALE)
        assert stale.status_code == 412
        assert client.get("/api/v1/Relation/918").json()["Comment"] == "kept"
        assert client.post("/__admin/reset").json()["Relations"] == 2  # beside the neighbours' counts
        assert client.get("/api/v1/Relation/4242").status_code == 404
        assert client.get("/api/v1/Relation/918").json() == seed
        client.put("/api/v1/Relation/918", json={**REFS, "Comment": "after the reset"})
    with mock_in_thread(state_file=state) as url:  # a restart on the same file
        again = httpx.get(f"{url}/api/v1/Relation/918", headers=AUTH).json()
        assert again["Comment"] == "after the reset"
        assert httpx.get(f"{url}/api/v1/Relation/819", headers=AUTH).status_code == 200


def test_a_file_that_is_no_state_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    state = tmp_path / "notes.sqlite3"
    state.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(StateFileError, match="not a usable SQLite database"):
        create_app(Settings(state_file=state, quiet=True))
    assert state.read_bytes() == b"these are my notes, not a database" * 100


def test_an_auth_users_file_replaces_the_default_users(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    users.write_text(
        json.dumps(
            {"basic": {"ann": "p:w"}, "tickets": ["7T:good"], "bearer": ["8A:tok*"], "xsrf": ["session-1"]}
        )
    )
    with mock_in_thread(auth_users_file=users) as url:
        relation = f"{url}/api/v1/Relation/918"
        accepted = {
            "Basic YW5uOnA6dw==": 200,  # ann:p:w (a password may hold a colon)
            "Basic dGplMDpUamUw": 401,  # the default user is gone
            "SOTicket 7T:good": 200,
            "SOTicket 7T:other": 401,
            "Bearer 8A:tok-anything": 200,  # a trailing * is a prefix
            "Bearer 8A:to": 401,
        }
        seen = {
            value: httpx.get(relation, headers={"Authorization": value}).status_code for value in accepted
        }
        assert seen == accepted
        assert httpx.get(relation, headers={"X-XSRF-TOKEN": "session-1"}).status_code == 200
        assert httpx.get(relation, headers={"X-XSRF-TOKEN": "session-2"}).status_code == 401


@pytest.mark.parametrize("content", ["not json", '["a list"]', '{"basic": ["not", "a", "map"]}'])
def test_an_auth_users_file_that_cannot_be_used_stops_start_up_with_the_expected_shape(
    tmp_path: Path, content: str
) -> None:
    users = tmp_path / "users.json"
    users.write_text(content)
    with pytest.raises(ConfigFileError, match=r"cannot be used .*Expected JSON like"):
        create_app(Settings(auth_users_file=users, quiet=True))


def _post(url: str) -> int:
    answer = httpx.post(f"{url}/api/v1/Relation", json=REFS, headers=AUTH)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["RelationId"])


def test_the_sqlite_store_keeps_created_and_deleted_relations_and_the_id_sequence(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    with mock_in_thread(state_file=state) as url:
        kept, deleted = _post(url), _post(url)
        assert httpx.delete(f"{url}/api/v1/Relation/{deleted}", headers=AUTH).status_code == 204
        stale = httpx.delete(f"{url}/api/v1/Relation/{kept}", headers={**AUTH, **STALE})
        assert stale.status_code == 412
    with mock_in_thread(state_file=state) as url:  # a restart on the same file
        assert httpx.get(f"{url}/api/v1/Relation/{kept}", headers=AUTH).status_code == 200
        assert httpx.get(f"{url}/api/v1/Relation/{deleted}", headers=AUTH).status_code == 404
        assert _post(url) == deleted + 1  # never handed out again, not even after a restart
        unknown = httpx.patch(f"{url}/api/v1/Relation/31337", json={"Comment": "x"}, headers=AUTH)
        assert unknown.status_code == 404
        assert httpx.get(f"{url}/api/v1/Relation/31337", headers=AUTH).status_code == 404


def test_a_state_file_written_before_ids_were_allocated_still_opens(tmp_path: Path) -> None:
    state = tmp_path / "old.sqlite3"
    with mock_in_thread(state_file=state) as url:
        httpx.put(
            f"{url}/api/v1/Relation/919", json={**REFS, "Comment": "old"}, headers=AUTH
        ).raise_for_status()
    with sqlite3.connect(state) as db:  # as an earlier version left it: no next-id row
        db.execute("DELETE FROM meta WHERE key != 'format'")
    with mock_in_thread(state_file=state) as url:
        assert httpx.get(f"{url}/api/v1/Relation/919", headers=AUTH).json()["Comment"] == "old"
        assert _post(url) == 920


def test_ids_start_after_the_largest_fixture_id(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps({"7": {**REFS}, "50": {**REFS}}))
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    with mock_in_thread(fixtures_file=fixtures) as url:
        assert _post(url) == 51
        httpx.post(f"{url}/__admin/reset").raise_for_status()
        assert _post(url) == 51
    with mock_in_thread(fixtures_file=empty, state_file=tmp_path / "s.sqlite3") as url:
        assert _post(url) == 1


def test_an_operation_the_mock_has_no_handler_for_stops_start_up_naming_it(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "openapi" / "relation.yaml").read_text())
    spec["paths"]["/api/v1/Relation"]["get"] = {
        "operationId": "v1ContactRelationEntity_GetAll",
        "responses": {"200": {"description": "OK"}},
    }
    path = tmp_path / "more.yaml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(SpecError, match=r"v1ContactRelationEntity_GetAll.*has no handler"):
        create_app(Settings(spec_path=path, quiet=True))


def test_default_is_the_default_entity_whatever_order_the_spec_lists_the_paths_in(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "openapi" / "relation.yaml").read_text())
    paths = spec["paths"]
    spec["paths"] = dict(sorted(paths.items(), key=lambda item: "{" not in item[0]))  # templated first
    assert next(iter(spec["paths"])) == "/api/v1/Relation/{id}"
    path = tmp_path / "reordered.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    with mock_in_thread(spec_path=path) as url:
        answer = httpx.get(f"{url}/api/v1/relation/DEFAULT/", headers=AUTH)
        assert answer.status_code == 200
        assert answer.json()["RelationId"] == 0
        assert httpx.delete(f"{url}/api/v1/Relation/default", headers=AUTH).headers["allow"] == "GET"
