"""A state file written before the store held several entity types (format 1: one `relation` table)
still opens: it is migrated in place, its relations, next id and retired ids kept."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.livemock import REFS, mock_in_thread

AUTH = {"Authorization": "Basic dGplMDpUamUw"}


def _stored_relation(tmp_path: Path) -> dict[str, object]:
    """A relation as the store keeps it, written by the mock itself."""
    with mock_in_thread(state_file=tmp_path / "today.sqlite3") as url:
        answer = httpx.put(f"{url}/api/v1/Relation/919", json={**REFS, "Comment": "old"}, headers=AUTH)
        answer.raise_for_status()
    with sqlite3.connect(tmp_path / "today.sqlite3") as db:
        row = db.execute("SELECT body FROM entity WHERE kind = 'Relation' AND id = 919").fetchone()
    db.close()
    return dict(json.loads(row[0]))


def _format_one(path: Path, relation: dict[str, object], *, with_retired: bool) -> None:
    """The layout the store wrote before it held several entity types."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE TABLE relation (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('format', 'relation-harness-state/1')")
    db.execute("INSERT INTO meta VALUES ('reset_at', '2026-01-01T00:00:00+00:00')")
    db.execute("INSERT INTO meta VALUES ('next_id', '929')")
    db.execute("INSERT INTO relation VALUES (919, ?)", (json.dumps(relation),))
    if with_retired:
        db.execute("CREATE TABLE retired (id INTEGER PRIMARY KEY)")
        db.execute("INSERT INTO retired VALUES (930)")
    db.commit()
    db.close()


@pytest.mark.parametrize("with_retired", [True, False], ids=["retired ids", "before retired ids"])
def test_a_format_one_state_file_is_migrated_in_place_and_keeps_everything(
    tmp_path: Path, with_retired: bool
) -> None:
    path = tmp_path / "old.sqlite3"
    _format_one(path, _stored_relation(tmp_path), with_retired=with_retired)
    inode = path.stat().st_ino
    with mock_in_thread(state_file=path) as url:
        assert httpx.get(f"{url}/api/v1/Relation/919", headers=AUTH).json()["Comment"] == "old"
        assert httpx.get(f"{url}/api/v1/Relation/918", headers=AUTH).status_code == 404  # not a fresh file
        created = [httpx.post(f"{url}/api/v1/Relation", json=REFS, headers=AUTH).json() for _ in range(2)]
        assert [one["RelationId"] for one in created] == ([929, 931] if with_retired else [929, 930])
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        found = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()[0]
    db.close()
    assert "relation" not in tables and found == "relation-harness-state/2"
    assert path.stat().st_ino == inode  # written in place, never replaced
    with mock_in_thread(state_file=path) as url:  # and it opens again as it is now
        assert httpx.get(f"{url}/api/v1/Relation/919", headers=AUTH).json()["Comment"] == "old"
