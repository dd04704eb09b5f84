"""Where relations live: in memory, or in a SQLite file that survives restarts and kills.

A write is one step: read the current relation, check If-Unmodified-Since, build the new one,
save it. In memory that step has no await in it, so the event loop runs it whole; in SQLite it is
one `BEGIN IMMEDIATE` transaction, so several processes sharing the file never lose an update.
An exception inside the step (412, a failed patch test, PATCH of an unknown id) leaves the store
untouched. `create` allocates the new id inside that same step: ids only grow (never reused, not
even after a delete), skip ids a PUT already created, and are unique across processes sharing the
file. A relation a PUT created beyond the next id and that was then deleted is remembered as
retired, so POST never hands its id out. `reset` restarts ids at the largest fixture id + 1 (1 when
there are none).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from mockserver.entity import parse_date
from mockserver.errors import ApiError, PreconditionFailed, StateFileError

FORMAT = "relation-harness-state/1"  # the next id is one more meta row: older files stay readable
Change = Callable[[dict[str, Any] | None], dict[str, Any]]
Build = Callable[[int], dict[str, Any]]
INT32_MAX = 2**31 - 1


def first_id(fixtures: Mapping[int, Any]) -> int:
    """Where ids start after a reset: one past the largest fixture id (1 when there is none)."""
    return max([0, *fixtures]) + 1


def _exhausted() -> ApiError:
    return ApiError(
        507,
        "InsufficientStorageException",
        f"No relation id is left: ids above {INT32_MAX} are not 32-bit integers. "
        "Reset the store (POST /__admin/reset) to start again.",
    )


def is_stale(stored: Mapping[str, Any] | None, unmodified_since: datetime | None) -> bool:
    """Changed after the client's date? HTTP dates have whole seconds, so the stored date is truncated."""
    if stored is None or unmodified_since is None:
        return False
    updated = parse_date(str(stored.get("UpdatedDate") or ""))
    return updated is not None and updated.replace(microsecond=0) > unmodified_since


class Store(Protocol):
    def get(self, relation_id: int) -> dict[str, Any] | None: ...
    def write(
        self, relation_id: int, change: Change, unmodified_since: datetime | None
    ) -> dict[str, Any]: ...
    def create(self, build: Build) -> dict[str, Any]: ...
    def delete(self, relation_id: int, unmodified_since: datetime | None) -> bool: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...


class MemoryStore:
    """A dict; the default. Lost when the process ends."""

    def __init__(self, fixtures: Mapping[int, dict[str, Any]]) -> None:
        self._fixtures = {key: json.dumps(value) for key, value in fixtures.items()}
        self._rows: dict[int, dict[str, Any]] = {}
        self._retired: set[int] = set()  # deleted ids POST has not passed yet
        self._next = first_id(fixtures)
        self.reset()

    def get(self, relation_id: int) -> dict[str, Any] | None:
        return self._rows.get(relation_id)

    def write(self, relation_id: int, change: Change, unmodified_since: datetime | None) -> dict[str, Any]:
        previous = self._rows.get(relation_id)
        if is_stale(previous, unmodified_since):
            raise PreconditionFailed()
        new = change(previous)
        self._rows[relation_id] = new
        return new

    def create(self, build: Build) -> dict[str, Any]:
        relation_id = self._next
        while relation_id in self._rows or relation_id in self._retired:  # a PUT's id, live or deleted
            relation_id += 1
        if relation_id > INT32_MAX:
            raise _exhausted()
        new = build(relation_id)
        self._rows[relation_id] = new
        self._next = relation_id + 1
        self._retired = {retired for retired in self._retired if retired > relation_id}
        return new

    def delete(self, relation_id: int, unmodified_since: datetime | None) -> bool:
        previous = self._rows.get(relation_id)
        if is_stale(previous, unmodified_since):
            raise PreconditionFailed("Delete aborted")
        existed = self._rows.pop(relation_id, None) is not None
        if existed and relation_id >= self._next:
            self._retired.add(relation_id)
        return existed

    def reset(self) -> None:
        self._rows = {key: json.loads(value) for key, value in self._fixtures.items()}
        self._retired = set()
        self._next = first_id(self._fixtures)

    def close(self) -> None:
        self._rows = {}


class SqliteStore:
    """A SQLite file (WAL): every acknowledged write is committed before the answer is sent."""

    def __init__(self, path: Path, fixtures: Mapping[int, dict[str, Any]]) -> None:
        self.path = path
        self._fixtures = fixtures
        try:
            self._db = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._open()
        except sqlite3.DatabaseError as exc:
            raise StateFileError(
                f"The state file {path} is not a usable SQLite database ({exc}). It was left as it is; "
                "pass another --state path, or move this file away to start from the fixtures."
            ) from exc

    def _open(self) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            with self._transaction():
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS relation (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
                )
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
                if not self._db.execute("SELECT 1 FROM relation LIMIT 1").fetchone():
                    self._load_fixtures()
        elif "meta" not in tables or "relation" not in tables:
            raise StateFileError(
                f"The state file {self.path} is a SQLite database of another program (tables: "
                f"{', '.join(sorted(tables))}). It was left as it is; pass a new --state path."
            )
        found = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if not found or found[0] != FORMAT:
            raise StateFileError(
                f"The state file {self.path} has format {found[0] if found else 'none'!r}, "
                f"expected {FORMAT!r}. "
                "It was left as it is; pass a new --state path."
            )
        check = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StateFileError(f"The state file {self.path} is corrupt ({check}). It was left as it is.")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        # Deleted ids POST has not passed yet; older state files gain the table.
        self._db.execute("CREATE TABLE IF NOT EXISTS retired (id INTEGER PRIMARY KEY)")

    @contextlib.contextmanager
    def _transaction(self):  # type: ignore[no-untyped-def]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _load_fixtures(self) -> None:
        self._db.executemany(
            "INSERT INTO relation (id, body) VALUES (?, ?)",
            [(key, json.dumps(value)) for key, value in self._fixtures.items()],
        )

    def get(self, relation_id: int) -> dict[str, Any] | None:
        row = self._db.execute("SELECT body FROM relation WHERE id = ?", (relation_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def write(self, relation_id: int, change: Change, unmodified_since: datetime | None) -> dict[str, Any]:
        with self._transaction():
            previous = self.get(relation_id)
            if is_stale(previous, unmodified_since):
                raise PreconditionFailed()
            new = change(previous)
            self._db.execute(
                "INSERT INTO relation (id, body) VALUES (?, ?) "
                "ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                (relation_id, json.dumps(new)),
            )
        return new

    def create(self, build: Build) -> dict[str, Any]:
        with self._transaction():  # BEGIN IMMEDIATE: no other process allocates meanwhile
            relation_id = self._next_id()
            while self._db.execute(
                "SELECT 1 FROM relation WHERE id = ?1 UNION ALL SELECT 1 FROM retired WHERE id = ?1",
                (relation_id,),
            ).fetchone():
                relation_id += 1  # a PUT's id, live or deleted
            if relation_id > INT32_MAX:
                raise _exhausted()
            new = build(relation_id)
            self._db.execute("INSERT INTO relation (id, body) VALUES (?, ?)", (relation_id, json.dumps(new)))
            self._set_next(relation_id + 1)
            self._db.execute("DELETE FROM retired WHERE id <= ?", (relation_id,))
        return new

    def delete(self, relation_id: int, unmodified_since: datetime | None) -> bool:
        with self._transaction():
            previous = self.get(relation_id)
            if is_stale(previous, unmodified_since):
                raise PreconditionFailed("Delete aborted")
            self._db.execute("DELETE FROM relation WHERE id = ?", (relation_id,))
            if previous is not None and relation_id >= self._next_id():
                self._db.execute("INSERT OR IGNORE INTO retired (id) VALUES (?)", (relation_id,))
        return previous is not None

    def _next_id(self) -> int:
        found = self._db.execute("SELECT value FROM meta WHERE key = 'next_id'").fetchone()
        return int(found[0]) if found else first_id(self._fixtures)

    def _set_next(self, next_id: int) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES ('next_id', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(next_id),),
        )

    def reset(self) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM relation")
            self._db.execute("DELETE FROM retired")
            self._load_fixtures()
            self._set_next(first_id(self._fixtures))

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()


def open_store(state_file: Path | None, fixtures: Mapping[int, dict[str, Any]]) -> Store:
    return SqliteStore(state_file, fixtures) if state_file else MemoryStore(fixtures)
