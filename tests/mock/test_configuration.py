"""The SQLite store and the auth-users file, in a mock in this process (tests/mock/test_process.py and
tests/reliability cover the same through `python -m mockserver`; here a mutation tool sees them run)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mockserver import create_app
from mockserver.errors import ConfigFileError, StateFileError
from mockserver.settings import Settings
from tests.livemock import REFS, mock_in_thread

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
        assert client.post("/__admin/reset").json() == {"Relations": 2}
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
