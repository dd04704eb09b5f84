"""The mock as users run it: `python -m mockserver`, with a state file, fixtures and auth-users."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.livemock import REFS, ROOT, MockProcess

AUTH = {"Authorization": "Basic dGplMDpUamUw"}


def test_a_state_file_keeps_every_write_across_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    with MockProcess("--state", str(state), "--quiet") as mock:
        assert (
            httpx.put(
                f"{mock.url}/api/v1/Relation/55", json={**REFS, "Comment": "persisted"}, headers=AUTH
            ).status_code
            == 200
        )
    with MockProcess("--state", str(state), "--quiet") as mock:
        assert httpx.get(f"{mock.url}/api/v1/Relation/55", headers=AUTH).json()["Comment"] == "persisted"


def test_a_file_that_is_not_a_state_file_stops_start_up_and_is_left_alone(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    state.write_bytes(b"this is not sqlite" * 100)
    mock = MockProcess("--state", str(state)).start(wait=False)
    code, err = mock.stop(sig=0) if mock.process and mock.process.wait(20) is not None else (None, "")
    assert code == 2
    assert "not a usable SQLite database" in err
    assert state.read_bytes() == b"this is not sqlite" * 100


def test_fixtures_replace_the_default_relations(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps([{"RelationId": 1, "SourceContactId": 2, "Comment": "fixture"}]))
    with MockProcess("--fixtures", str(fixtures), "--quiet") as mock:
        assert httpx.get(f"{mock.url}/api/v1/Relation/1", headers=AUTH).json()["Comment"] == "fixture"
        assert httpx.get(f"{mock.url}/api/v1/Relation/918", headers=AUTH).status_code == 404


def test_auth_users_restricts_the_accepted_credentials(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"basic": {"tje0": "Tje0"}, "tickets": ["7T:good"]}))
    with MockProcess("--auth-users", str(users), "--quiet") as mock:
        url = f"{mock.url}/api/v1/Relation/918"
        assert httpx.get(url, headers=AUTH).status_code == 200
        assert httpx.get(url, headers={"Authorization": "SOTicket 7T:good"}).status_code == 200
        assert httpx.get(url, headers={"Authorization": "SOTicket 7T:bad"}).status_code == 401
        assert httpx.get(url, headers={"Authorization": "Basic dGplMDp3cm9uZw=="}).status_code == 401


def test_one_log_line_per_request_unless_quiet() -> None:
    mock = MockProcess().start()
    httpx.get(f"{mock.url}/api/v1/Relation/918", headers=AUTH)
    _, err = mock.stop()
    assert "GET /api/v1/Relation/918 200" in err
    assert "dGplMDpUamUw" not in err


def test_a_spec_that_is_not_valid_openapi_stops_start_up_with_the_reason(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    real = (ROOT / "openapi" / "relation.yaml").read_text()
    spec.write_text(re.sub(r"^  version: .*\n", "", real, count=1, flags=re.M))  # info.version is required
    mock = MockProcess("--spec", str(spec)).start(wait=False)
    assert mock.process is not None
    try:
        assert mock.process.wait(30) == 2
    finally:
        _, err = mock.stop()  # ends it if it did start after all
    assert "is not a valid OpenAPI document" in err
    assert "version" in err


def test_a_spec_without_the_endpoint_stops_start_up_naming_what_is_missing(tmp_path: Path) -> None:
    spec = tmp_path / "other.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\n")
    mock = MockProcess("--spec", str(spec)).start(wait=False)
    assert mock.process is not None
    assert mock.process.wait(30) == 2
    assert "ContactRelationEntity" in mock.stop()[1]


def test_help_shows_every_default() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "mockserver", "--help"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(shown.split())
    for default in ("(default: 4010)", "(default: 127.0.0.1)", "(default: 4194304)", "(default: on)"):
        assert default in flat
    assert "--strict-accept" in flat


def _create(url: str) -> int:
    answer = httpx.post(f"{url}/api/v1/Relation", json=REFS, headers=AUTH, timeout=20)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["RelationId"])


def test_workers_sharing_a_state_file_never_hand_out_an_id_twice(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    with MockProcess("--workers", "2", "--state", str(state), "--quiet") as mock:
        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(pool.map(lambda _: _create(mock.url), range(32)))
        assert len(set(ids)) == len(ids)
        assert min(ids) == 919


def test_a_kill_keeps_every_acknowledged_create_and_delete(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    mock = MockProcess("--state", str(state), "--quiet").start()
    kept, deleted = _create(mock.url), _create(mock.url)
    assert httpx.delete(f"{mock.url}/api/v1/Relation/{deleted}", headers=AUTH).status_code == 204
    mock.stop(sig=signal.SIGKILL)
    with MockProcess("--state", str(state), "--quiet") as again:
        assert httpx.get(f"{again.url}/api/v1/Relation/{kept}", headers=AUTH).status_code == 200
        assert httpx.get(f"{again.url}/api/v1/Relation/{deleted}", headers=AUTH).status_code == 404
        assert _create(again.url) == deleted + 1
