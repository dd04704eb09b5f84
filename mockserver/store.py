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

The state file is only ever written in place, through SQLite: never replaced, truncated or
recreated (a file that is not ours, or not usable, stops the start-up instead: see
`mockserver.statefile`). A disk that fills up or fails mid-write rolls the step back, so nothing is
half-written, and the request is answered 503 (`ServiceUnavailable`) rather than 500.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from mockserver.entity import parse_date
from mockserver.errors import ApiError, PreconditionFailed, ServiceUnavailable
from mockserver.statefile import PASS_ANOTHER, check_state_path, refusal

FORMAT = "relation-harness-state/1"  # the next id is one more meta row: older files stay readable
Change = Callable[[dict[str, Any] | None], dict[str, Any]]
Build = Callable[[int], dict[str, Any]]
INT32_MAX = 2**31 - 1
# SQLite's primary result codes that mean the disk or the file failed, not the request
# (https://sqlite.org/rescode.html): such a write is rolled back and answered 503.
UNAVAILABLE = {
    sqlite3.SQLITE_FULL: ("the state file's disk is full", "free space on its disk"),
    sqlite3.SQLITE_IOERR: ("the state file's disk failed to read or write", "check the disk"),
    sqlite3.SQLITE_READONLY: ("the state file has become read-only", "make it writable again"),
    sqlite3.SQLITE_CANTOPEN: ("the state file or its -wal file cannot be opened", "check the disk"),
    sqlite3.SQLITE_BUSY: ("the state file is locked by another process", "wait for it"),
    sqlite3.SQLITE_LOCKED: ("the state file is locked by another process", "wait for it"),
    sqlite3.SQLITE_PROTOCOL: ("the state file is locked by another process", "wait for it"),
    sqlite3.SQLITE_NOMEM: ("the mock is out of memory", "free memory"),
    sqlite3.SQLITE_CORRUPT: ("the state file is damaged", "restore it from a copy"),
    sqlite3.SQLITE_NOTADB: ("the state file is damaged", "restore it from a copy"),
}


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


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Store(Protocol):
    def get(self, relation_id: int) -> dict[str, Any] | None: ...
    # When the store last went back to its fixtures (whole seconds, UTC). A reset moves a relation's
    # UpdatedDate back in time, so a client's If-Modified-Since from before it proves nothing.
    def reset_at(self) -> datetime | None: ...
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
        self._reset_at: datetime | None = None
        self.reset()

    def get(self, relation_id: int) -> dict[str, Any] | None:
        return self._rows.get(relation_id)

    def reset_at(self) -> datetime | None:
        return self._reset_at

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
        self._reset_at = _now()

    def close(self) -> None:
        self._rows = {}


class SqliteStore:
    """A SQLite file (WAL): every acknowledged write is committed before the answer is sent."""

    def __init__(self, path: Path, fixtures: Mapping[int, dict[str, Any]]) -> None:
        self.path = path
        self._fixtures = fixtures
        check_state_path(path)
        try:
            self._db = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._open()
        except sqlite3.DatabaseError as exc:
            raise refusal(
                path,
                f"is not a usable SQLite database ({exc})",
                f"{PASS_ANOTHER}, or move this file away to start from the fixtures",
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
            raise refusal(
                self.path,
                f"is a SQLite database of another program (tables: {', '.join(sorted(tables))})",
                PASS_ANOTHER,
            )
        found = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if not found or found[0] != FORMAT:
            raise refusal(
                self.path,
                f"has format {found[0] if found else 'none'!r}, expected {FORMAT!r}",
                PASS_ANOTHER,
            )
        check = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise refusal(self.path, f"is corrupt ({check})", f"restore it from a copy, or {PASS_ANOTHER}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        # Deleted ids POST has not passed yet; older state files gain the table.
        self._db.execute("CREATE TABLE IF NOT EXISTS retired (id INTEGER PRIMARY KEY)")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One step, whole or not at all: a failed COMMIT (a full disk) is rolled back too."""
        with unavailable_on_disk_errors():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back already (SQLITE_FULL does)
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    def _load_fixtures(self) -> None:
        self._db.executemany(
            "INSERT INTO relation (id, body) VALUES (?, ?)",
            [(key, json.dumps(value)) for key, value in self._fixtures.items()],
        )
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES ('reset_at', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (_now().isoformat(),),
        )

    def reset_at(self) -> datetime | None:
        with unavailable_on_disk_errors():
            found = self._db.execute("SELECT value FROM meta WHERE key = 'reset_at'").fetchone()
        return datetime.fromisoformat(found[0]) if found else None

    def get(self, relation_id: int) -> dict[str, Any] | None:
        with unavailable_on_disk_errors():
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


@contextlib.contextmanager
def unavailable_on_disk_errors() -> Iterator[None]:
    """A disk or file failure is the server's, not the request's: 503 with Retry-After, not 500."""
    try:
        yield
    except sqlite3.Error as exc:
        found = UNAVAILABLE.get(getattr(exc, "sqlite_errorcode", -1) & 0xFF)
        if found is None:
            raise
        problem, fix = found
        message = f"{problem} ({exc}); nothing was changed: {fix}, then send the request again."
        raise ServiceUnavailable(message[0].upper() + message[1:]) from exc


def open_store(state_file: Path | None, fixtures: Mapping[int, dict[str, Any]]) -> Store:
    return SqliteStore(state_file, fixtures) if state_file else MemoryStore(fixtures)
