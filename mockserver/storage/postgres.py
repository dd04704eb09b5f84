"""The store in PostgreSQL (`--state postgresql://...`): one database that any number of replicas share.

Every guarantee of the SQLite store holds across replicas on different hosts:
- a write is one transaction that first takes a transaction-scoped advisory lock on (entity type,
  id), then reads, checks If-Unmodified-Since and saves: two replicas racing on one record are
  serialized, so exactly one wins each version and the other gets 412;
- ids come from one sequence per entity type (`nextval`, which no rollback hands out twice), skip
  ids a PUT created, and are never reused; deleted ids beyond the sequence are remembered as retired;
- the schema is versioned (`rh_meta.schema_version`): created, or migrated, at start under an
  advisory lock, so that the first replica creates it and loads the fixtures once; a database of a
  newer version stops the start-up with one sentence;
- every acknowledged write was committed first. PostgreSQL going away (a restart, a network cut)
  answers 503 `ServiceUnavailable` with Retry-After, and the pool (psycopg_pool) reconnects in the
  background; nothing half-done is kept, since the transaction is PostgreSQL's.

Bodies are kept as JSON text, not `jsonb`: jsonb reorders keys, and the answers keep the vendor's
field order. The URL's password is never shown: every message names the database by `masked(url)`.
psycopg 3's synchronous API, not asyncpg: the store's interface is synchronous (the memory store's
atomic step relies on it), and asyncpg is no faster at this work. `bench/postgres_drivers.py` (one
store write: lock, read, upsert in a transaction) measured 291 us per write with psycopg and 290 us
with asyncpg, 48 us and 62 us per read (medians of 5 x 2,000, local PostgreSQL 15, 2 cores).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from mockserver.errors import ServiceUnavailable, StateFileError
from mockserver.journal_store import BatchedJournal
from mockserver.storage.memory import INT32_MAX, Build, Change, Collection, now_to_the_second

SCHEMA_VERSION = 1
# Statements that bring a database from version N-1 to N (index 0: from nothing to version 1).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE IF NOT EXISTS rh_meta (key text PRIMARY KEY, value text NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rh_entity "
        "(kind text NOT NULL, id integer NOT NULL, body text NOT NULL, PRIMARY KEY (kind, id))",
        "CREATE TABLE IF NOT EXISTS rh_retired "
        "(kind text NOT NULL, id integer NOT NULL, PRIMARY KEY (kind, id))",
        "CREATE TABLE IF NOT EXISTS rh_journal (id bigserial PRIMARY KEY, entry text NOT NULL)",
    ),
)
_STARTUP_LOCK = 0x52480001  # "RH" 1: the schema and the fixtures, once for all replicas
_RESET_LOCK = 0x52480002
_SET_META = (
    "INSERT INTO rh_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
CONNECT_TIMEOUT = 5  # seconds for the first connection at start-up
REQUEST_TIMEOUT = 2.0  # seconds a request waits for a connection before it is answered 503


def masked(url: str) -> str:
    """`url` with its password (in the authority or as `?password=`) replaced by `***`."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{host}"
    query = urlencode(
        [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _kind_key(kind: str) -> int:
    """A 32-bit advisory-lock key for an entity type (pg_advisory_xact_lock(int, int))."""
    value = zlib.crc32(kind.encode())
    return value - 2**32 if value >= 2**31 else value


def _sequence(kind: str) -> sql.Identifier:
    """The sequence an entity type's ids come from."""
    return sql.Identifier(f"rh_id_{kind.lower()}")


def _regclass(kind: str) -> sql.Literal:
    """The sequence's name as text that `::regclass` reads back as the same quoted identifier."""
    return sql.Literal('"' + f"rh_id_{kind.lower()}".replace('"', '""') + '"')


def connect_error(url: str, exc: BaseException) -> StateFileError:
    return StateFileError(
        f"The state database {masked(url)} cannot be used: {_first_line(exc)}; check the host, the port, the "
        "user and the password in --state (or $RELATION_MOCK_STATE), and that PostgreSQL is running."
    )


@contextlib.contextmanager
def unavailable_on_database_errors(url: str) -> Iterator[None]:
    """PostgreSQL gone (a restart, a cut): 503 with Retry-After, never 500; nothing was committed."""
    try:
        yield
    except (psycopg.OperationalError, PoolTimeout) as exc:
        raise ServiceUnavailable(
            f"The state database {masked(url)} is not answering ({_first_line(exc)}); nothing was changed: "
            "send the request again once it is back."
        ) from exc


class PostgresStore:
    """Every collection in one PostgreSQL database; see the module docstring."""

    def __init__(self, url: str, collections: Iterable[Collection]) -> None:
        self.url = url
        self._collections = {collection.name: collection for collection in collections}
        self._current: psycopg.Connection[Any] | None = None
        self._turn: dict[tuple[str, int], dict[str, Any] | None] = {}
        try:
            with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as first:
                self._open(first)
        except psycopg.Error as exc:
            raise connect_error(url, exc) from exc
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=1,  # the handlers call the store from the event loop's one thread
            timeout=REQUEST_TIMEOUT,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
            name="relation-mock",
            open=True,
        )

    def _open(self, conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_STARTUP_LOCK,))
            version = self._version(conn)
            if version > SCHEMA_VERSION:
                raise StateFileError(
                    f"The state database {masked(self.url)} has schema version {version}, and this mock "
                    f"knows versions up to {SCHEMA_VERSION}; it was left as it is: upgrade "
                    "relation-harness, or pass another database."
                )
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    conn.execute(statement)
            conn.execute(_SET_META, ("schema_version", str(SCHEMA_VERSION)))
            for collection in self._collections.values():
                if not conn.execute(
                    "SELECT 1 FROM rh_meta WHERE key = %s", (f"known:{collection.name}",)
                ).fetchone():
                    conn.execute(
                        sql.SQL("CREATE SEQUENCE IF NOT EXISTS {}").format(_sequence(collection.name))
                    )
                    self._load_fixtures(conn, collection)
            if not conn.execute("SELECT 1 FROM rh_meta WHERE key = 'reset_at'").fetchone():
                conn.execute(_SET_META, ("reset_at", now_to_the_second().isoformat()))

    @staticmethod
    def _version(conn: psycopg.Connection[Any]) -> int:
        if conn.execute("SELECT to_regclass('rh_meta')").fetchone() == (None,):
            return 0
        found = conn.execute("SELECT value FROM rh_meta WHERE key = 'schema_version'").fetchone()
        return int(found[0]) if found else 0

    def _load_fixtures(self, conn: psycopg.Connection[Any], collection: Collection) -> None:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO rh_entity (kind, id, body) VALUES (%s, %s, %s) "
                "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
                [(collection.name, key, json.dumps(value)) for key, value in collection.fixtures.items()],
            )
        conn.execute(
            sql.SQL("SELECT setval({}::regclass, %s, false)").format(_regclass(collection.name)),
            (collection.first_id(),),
        )
        conn.execute(_SET_META, (f"known:{collection.name}", "1"))

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """One step in one transaction; a read the step makes (a reference checked) joins it.

        In pipeline mode: BEGIN, the lock and the read go in one round trip, the save and COMMIT in
        another (5 round trips per write become 2); the statements still run one after the other,
        so the read's snapshot is taken after the lock is held."""
        with (
            unavailable_on_database_errors(self.url),
            self._pool.connection() as conn,
            conn.pipeline(),
            conn.transaction(),
        ):
            self._current = conn
            try:
                yield conn
            finally:
                self._current = None

    def reset_at(self) -> datetime | None:
        with unavailable_on_database_errors(self.url), self._pool.connection() as conn:
            found = conn.execute("SELECT value FROM rh_meta WHERE key = 'reset_at'").fetchone()
        return datetime.fromisoformat(found[0]) if found else None

    def get(self, kind: str, entity_id: int) -> dict[str, Any] | None:
        """One record; within one turn of the event loop a record is read from the database once.

        A request reads the same records several times in one turn (a reference checked, then its
        name derived for the answer): 13 round trips per PUT without this. The record a write changes
        is dropped from it, and the write's own read of that record (the 412 check) always goes to
        the database, inside its transaction."""
        key = (kind, entity_id)
        if key in self._turn:
            return self._turn[key]
        if self._current is not None:
            found = self._get(self._current, kind, entity_id)
        else:
            with unavailable_on_database_errors(self.url), self._pool.connection() as conn:
                found = self._get(conn, kind, entity_id)
        try:
            if not self._turn:
                asyncio.get_running_loop().call_soon(self._turn.clear)
            self._turn[key] = found
        except RuntimeError:  # no event loop (a direct call): nothing to scope the cache to
            pass
        return found

    def prefetch(self, keys: Iterable[tuple[str, int]]) -> None:
        """The records a write refers to, in one round trip, into this turn's cache (see `get`)."""
        wanted = {key for key in keys if key not in self._turn}
        if len(wanted) < 2:
            return
        query = "SELECT kind, id, body FROM rh_entity WHERE kind = ANY(%s) AND id = ANY(%s)"
        params = (sorted({kind for kind, _ in wanted}), sorted({entity_id for _, entity_id in wanted}))
        if self._current is not None:
            rows = self._current.execute(query, params).fetchall()
        else:
            with unavailable_on_database_errors(self.url), self._pool.connection() as conn:
                rows = conn.execute(query, params).fetchall()
        found = {(kind, entity_id): json.loads(body) for kind, entity_id, body in rows}
        try:
            if not self._turn:
                asyncio.get_running_loop().call_soon(self._turn.clear)
        except RuntimeError:  # no event loop: nothing to scope the cache to
            return
        for key in wanted:
            self._turn[key] = found.get(key)

    @staticmethod
    def _get(conn: psycopg.Connection[Any], kind: str, entity_id: int) -> dict[str, Any] | None:
        row = conn.execute(
            "SELECT body FROM rh_entity WHERE kind = %s AND id = %s", (kind, entity_id)
        ).fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def _save(conn: psycopg.Connection[Any], kind: str, entity_id: int, body: dict[str, Any]) -> None:
        conn.execute(
            "INSERT INTO rh_entity (kind, id, body) VALUES (%s, %s, %s) "
            "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
            (kind, entity_id, json.dumps(body)),
        )

    def write(
        self, kind: str, entity_id: int, change: Change, unmodified_since: datetime | None
    ) -> dict[str, Any]:
        collection = self._collections[kind]
        with self._transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_kind_key(kind), entity_id))
            previous = self._get(conn, kind, entity_id)
            if collection.is_stale(previous, unmodified_since):
                raise collection.stale()
            new = change(previous)
            self._save(conn, kind, entity_id, new)
        self._turn.pop((kind, entity_id), None)
        return new

    def create(self, kind: str, build: Build) -> dict[str, Any]:
        collection = self._collections[kind]
        sequence = sql.SQL("SELECT nextval({}::regclass)").format(_regclass(kind))
        with self._transaction() as conn:
            while True:
                row = conn.execute(sequence).fetchone()
                entity_id = int(row[0]) if row else 0
                if entity_id > INT32_MAX:
                    raise collection.exhausted()
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_kind_key(kind), entity_id))
                taken = conn.execute(
                    "SELECT 1 FROM rh_entity WHERE kind = %s AND id = %s "
                    "UNION ALL SELECT 1 FROM rh_retired WHERE kind = %s AND id = %s",
                    (kind, entity_id, kind, entity_id),
                ).fetchone()
                if not taken:  # else a PUT's id, live or deleted
                    break
            new = build(entity_id)
            self._save(conn, kind, entity_id, new)
            conn.execute("DELETE FROM rh_retired WHERE kind = %s AND id <= %s", (kind, entity_id))
        self._turn.pop((kind, entity_id), None)
        return new

    def delete(self, kind: str, entity_id: int, unmodified_since: datetime | None) -> bool:
        collection = self._collections[kind]
        with self._transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_kind_key(kind), entity_id))
            previous = self._get(conn, kind, entity_id)
            if collection.is_stale(previous, unmodified_since):
                raise collection.stale("Delete aborted")
            conn.execute("DELETE FROM rh_entity WHERE kind = %s AND id = %s", (kind, entity_id))
            if previous is not None and entity_id >= self._next_id(conn, kind):
                conn.execute(
                    "INSERT INTO rh_retired (kind, id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    (kind, entity_id),
                )
        self._turn.pop((kind, entity_id), None)
        return previous is not None

    @staticmethod
    def _next_id(conn: psycopg.Connection[Any], kind: str) -> int:
        row = conn.execute(sql.SQL("SELECT last_value, is_called FROM {}").format(_sequence(kind))).fetchone()
        if row is None:
            return 1
        last, called = row
        return int(last) + 1 if called else int(last)

    def reset(self) -> None:
        with self._transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_RESET_LOCK,))
            conn.execute("DELETE FROM rh_entity")
            conn.execute("DELETE FROM rh_retired")
            for collection in self._collections.values():
                self._load_fixtures(conn, collection)
            conn.execute(_SET_META, ("reset_at", now_to_the_second().isoformat()))
        self._turn.clear()

    def close(self) -> None:
        self._pool.close()


class PostgresJournal(BatchedJournal):
    """The last `size` entries of every replica, in the table `rh_journal` of the shared database.

    As the SQLite journal (`BatchedJournal`: written by the event loop's turn, after the answers; a
    failed write drops its entries with a line on stderr). The journal is the database's, so a
    replica's restart keeps it; the admin API's reset and DELETE /__admin/requests empty it for every
    replica.
    """

    failures = (psycopg.Error, PoolTimeout)

    def __init__(self, url: str, size: int) -> None:
        super().__init__(size)
        self.url = url
        self._pool = ConnectionPool(
            url, min_size=1, max_size=1, timeout=REQUEST_TIMEOUT, kwargs={"autocommit": True}, open=True
        )

    def _write(self, pending: list[str]) -> None:
        with (
            self._pool.connection() as conn,
            conn.pipeline(),
            conn.transaction(),
            conn.cursor() as cursor,
        ):
            cursor.executemany("INSERT INTO rh_journal (entry) VALUES (%s)", [(text,) for text in pending])
            cursor.execute(
                "DELETE FROM rh_journal WHERE id <= (SELECT max(id) FROM rh_journal) - %s", (self.size,)
            )

    def list(self) -> list[dict[str, Any]]:
        self.flush()
        with unavailable_on_database_errors(self.url), self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT id, entry FROM rh_journal ORDER BY id DESC LIMIT %s", (self.size,)
            ).fetchall()
        return self.entries(rows)

    def clear(self) -> None:
        self._pending = []
        with unavailable_on_database_errors(self.url), self._pool.connection() as conn:
            conn.execute("DELETE FROM rh_journal")

    def close(self) -> None:
        self.flush()
        self._pool.close()
