"""The store in a SQLite file (WAL): every acknowledged write is committed before the answer is sent.

One table holds every entity type (`entity`: kind, id, body), one the deleted ids POST has not
passed yet (`retired`), and `meta` the format, the last reset and each collection's next id. A
file of format 1 (one entity type, in a `relation` table) is migrated in place, in one
transaction, its rows becoming the spec's first resource's. A collection the file has not seen
yet (a resource added to the spec) gets its fixtures when the file is opened.

The state file is only ever written in place, through SQLite: never replaced, truncated or
recreated (a file that is not ours, or not usable, stops the start-up instead: see
`mockserver.storage.statefile`). A disk that fills up or fails mid-write rolls the step back, so nothing is
half-written, and the request is answered 503 (`ServiceUnavailable`) rather than 500.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from mockserver.errors import ServiceUnavailable
from mockserver.storage.memory import INT32_MAX, Build, Change, Collection, now_to_the_second
from mockserver.storage.statefile import PASS_ANOTHER, check_state_path, refusal

FORMAT = "relation-harness-state/2"  # the next ids and known collections are meta rows
FORMAT_ONE = "relation-harness-state/1"  # one entity type, table `relation`: migrated on opening
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
_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS entity (kind TEXT, id INTEGER, body TEXT NOT NULL, PRIMARY KEY (kind, id))",
    "CREATE TABLE IF NOT EXISTS retired (kind TEXT, id INTEGER, PRIMARY KEY (kind, id))",
)
_SET_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)


class SqliteStore:
    """A SQLite file (WAL) holding every collection; see the module docstring."""

    def __init__(self, path: Path, collections: Iterable[Collection]) -> None:
        self.path = path
        self._collections = {collection.name: collection for collection in collections}
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

    def _tables(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def _format(self) -> str | None:
        found = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        return str(found[0]) if found else None

    def _open(self) -> None:
        tables = self._tables()
        if not tables:
            with self._transaction():
                for statement in _TABLES:
                    self._db.execute(statement)
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
        elif "meta" not in tables or not tables & {"entity", "relation"}:
            raise refusal(
                self.path,
                f"is a SQLite database of another program (tables: {', '.join(sorted(tables))})",
                PASS_ANOTHER,
            )
        found = self._format()
        if found not in (FORMAT, FORMAT_ONE):
            raise refusal(self.path, f"has format {found or 'none'!r}, expected {FORMAT!r}", PASS_ANOTHER)
        check = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise refusal(self.path, f"is corrupt ({check})", f"restore it from a copy, or {PASS_ANOTHER}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        with self._transaction():  # BEGIN IMMEDIATE: one of several starting workers migrates and loads
            if self._format() == FORMAT_ONE:
                self._migrate_format_one()
            for collection in self._collections.values():
                if not self._db.execute(
                    "SELECT 1 FROM meta WHERE key = ?", (f"known:{collection.name}",)
                ).fetchone():
                    self._load_fixtures(collection)
            if not self._db.execute("SELECT 1 FROM meta WHERE key = 'reset_at'").fetchone():
                self._db.execute(_SET_META, ("reset_at", now_to_the_second().isoformat()))

    def _migrate_format_one(self) -> None:
        """Format 1 kept one entity type in `relation` and `retired (id)`: they become the first
        collection's rows of `entity` and `retired`, in place (the caller's transaction)."""
        first = next(iter(self._collections))
        tables = self._tables()
        self._db.execute(_TABLES[1])
        self._db.execute("INSERT INTO entity (kind, id, body) SELECT ?, id, body FROM relation", (first,))
        self._db.execute("DROP TABLE relation")
        if "retired" in tables:
            self._db.execute("ALTER TABLE retired RENAME TO retired_one")
        self._db.execute(_TABLES[2])
        if "retired" in tables:
            self._db.execute("INSERT INTO retired (kind, id) SELECT ?, id FROM retired_one", (first,))
            self._db.execute("DROP TABLE retired_one")
        self._db.execute("UPDATE meta SET key = ? WHERE key = 'next_id'", (f"next_id:{first}",))
        self._db.execute(_SET_META, (f"known:{first}", "1"))
        self._db.execute(_SET_META, ("format", FORMAT))

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

    def _load_fixtures(self, collection: Collection) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO entity (kind, id, body) VALUES (?, ?, ?)",
            [(collection.name, key, json.dumps(value)) for key, value in collection.fixtures.items()],
        )
        self._db.execute(_SET_META, (f"known:{collection.name}", "1"))

    def reset_at(self) -> datetime | None:
        with unavailable_on_disk_errors():
            found = self._db.execute("SELECT value FROM meta WHERE key = 'reset_at'").fetchone()
        return datetime.fromisoformat(found[0]) if found else None

    def get(self, kind: str, entity_id: int) -> dict[str, Any] | None:
        with unavailable_on_disk_errors():
            row = self._db.execute(
                "SELECT body FROM entity WHERE kind = ? AND id = ?", (kind, entity_id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def prefetch(self, keys: Iterable[tuple[str, int]]) -> None:
        """Nothing to do: a read of a local file costs no round trip."""

    def _save(self, kind: str, entity_id: int, body: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO entity (kind, id, body) VALUES (?, ?, ?) "
            "ON CONFLICT(kind, id) DO UPDATE SET body = excluded.body",
            (kind, entity_id, json.dumps(body)),
        )

    def write(
        self, kind: str, entity_id: int, change: Change, unmodified_since: datetime | None
    ) -> dict[str, Any]:
        collection = self._collections[kind]
        with self._transaction():
            previous = self.get(kind, entity_id)
            if collection.is_stale(previous, unmodified_since):
                raise collection.stale()
            new = change(previous)
            self._save(kind, entity_id, new)
        return new

    def create(self, kind: str, build: Build) -> dict[str, Any]:
        collection = self._collections[kind]
        with self._transaction():  # BEGIN IMMEDIATE: no other process allocates meanwhile
            entity_id = self._next_id(collection)
            while self._db.execute(
                "SELECT 1 FROM entity WHERE kind = ?1 AND id = ?2 "
                "UNION ALL SELECT 1 FROM retired WHERE kind = ?1 AND id = ?2",
                (kind, entity_id),
            ).fetchone():
                entity_id += 1  # a PUT's id, live or deleted
            if entity_id > INT32_MAX:
                raise collection.exhausted()
            new = build(entity_id)
            self._save(kind, entity_id, new)
            self._db.execute(_SET_META, (f"next_id:{kind}", str(entity_id + 1)))
            self._db.execute("DELETE FROM retired WHERE kind = ? AND id <= ?", (kind, entity_id))
        return new

    def delete(self, kind: str, entity_id: int, unmodified_since: datetime | None) -> bool:
        collection = self._collections[kind]
        with self._transaction():
            previous = self.get(kind, entity_id)
            if collection.is_stale(previous, unmodified_since):
                raise collection.stale("Delete aborted")
            self._db.execute("DELETE FROM entity WHERE kind = ? AND id = ?", (kind, entity_id))
            if previous is not None and entity_id >= self._next_id(collection):
                self._db.execute("INSERT OR IGNORE INTO retired (kind, id) VALUES (?, ?)", (kind, entity_id))
        return previous is not None

    def _next_id(self, collection: Collection) -> int:
        found = self._db.execute(
            "SELECT value FROM meta WHERE key = ?", (f"next_id:{collection.name}",)
        ).fetchone()
        return int(found[0]) if found else collection.first_id()

    def reset(self) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM entity")
            self._db.execute("DELETE FROM retired")
            for collection in self._collections.values():
                self._load_fixtures(collection)
                self._db.execute(_SET_META, (f"next_id:{collection.name}", str(collection.first_id())))
            self._db.execute(_SET_META, ("reset_at", now_to_the_second().isoformat()))

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
