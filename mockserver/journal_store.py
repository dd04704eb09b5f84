"""Where the request journal is kept: a deque in one process, or a SQLite table `--workers` share.

Both keep the last `size` entries and have one small interface (append, list, clear), which a
database journal can implement too. One process keeps a bounded deque, as fast as before. Several
worker processes keep their journal in a table of the state file they already share, so that
`GET /__admin/requests` in any of them lists every worker's requests and one reset empties it for
all. A worker does not write each entry as it comes: entries wait for the end of the event loop's
current turn (`call_soon`), then go in together in one transaction, so under load one write carries
many entries, and an answer is never held up by the journal (entries are appended after the answer
is sent). A journal write that fails (a full disk) drops its entries, says so on stderr, and never
fails a request.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from collections import deque
from pathlib import Path
from typing import Any, Protocol

from mockserver.storage.sqlite import unavailable_on_disk_errors
from mockserver.storage.statefile import PASS_ANOTHER, refusal

Entry = dict[str, Any]


class JournalStorage(Protocol):
    def append(self, entry: Entry) -> None: ...
    def list(self) -> list[Entry]: ...
    def clear(self) -> None: ...
    def close(self) -> None: ...


class MemoryJournal:
    """The last `size` entries of this process."""

    def __init__(self, size: int) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)

    def append(self, entry: Entry) -> None:
        self._entries.append(entry)

    def list(self) -> list[Entry]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def close(self) -> None:
        self._entries.clear()


class BatchedJournal:
    """Entries written by the turn of the event loop, in one transaction each, after the answers were
    sent (a direct call, with no loop running, writes at once). A subclass writes the batch
    (`_write`), and a failure of the kinds it names (`failures`) drops the batch with one line on
    stderr, never failing a request."""

    failures: tuple[type[BaseException], ...] = ()

    def __init__(self, size: int) -> None:
        self.size = size
        self._pending: list[str] = []

    def _write(self, pending: list[str]) -> None:
        raise NotImplementedError

    def append(self, entry: Entry) -> None:
        self._pending.append(json.dumps(entry))
        if len(self._pending) == 1:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no event loop (a direct call): write at once
                self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            self._write(pending)
        except self.failures as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            sys.stderr.write(f"relation-mock: {len(pending)} journal entries were not kept ({first}).\n")

    @staticmethod
    def entries(rows: list[tuple[int, str]]) -> list[Entry]:
        """(id, entry) rows, newest first, as the journal lists them: oldest first, each with its Id."""
        out = []
        for row_id, text in reversed(rows):
            entry = json.loads(text)
            entry["Id"] = row_id  # in place: "Id" stays the first field
            out.append(entry)
        return out


class SqliteJournal(BatchedJournal):
    """The last `size` entries of every process sharing `path`, in its table `journal`.

    Ids are the table's (AUTOINCREMENT: unique across processes, never reused, not even after a
    clear); entries are listed in the order they were written. `fresh=True` empties the table: a
    new run of the mock starts with an empty journal, as one process does.
    """

    failures = (sqlite3.Error,)

    def __init__(self, path: Path, size: int, *, fresh: bool) -> None:
        super().__init__(size)
        try:
            self._db = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS journal "
                "(id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL)"
            )
            if fresh:
                self._db.execute("DELETE FROM journal")
        except sqlite3.Error as exc:  # a full disk at start-up
            raise refusal(
                path, f"cannot keep the workers' journal ({exc})", f"free space, or {PASS_ANOTHER}"
            ) from exc

    def _write(self, pending: list[str]) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany("INSERT INTO journal (entry) VALUES (?)", [(text,) for text in pending])
            self._db.execute(
                "DELETE FROM journal WHERE id <= (SELECT max(id) FROM journal) - ?", (self.size,)
            )
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def list(self) -> list[Entry]:
        self.flush()
        with unavailable_on_disk_errors():
            rows = self._db.execute(
                "SELECT id, entry FROM journal ORDER BY id DESC LIMIT ?", (self.size,)
            ).fetchall()
        return self.entries(rows)

    def clear(self) -> None:
        self._pending = []
        with unavailable_on_disk_errors():
            self._db.execute("DELETE FROM journal")

    def close(self) -> None:
        self.flush()
        self._db.close()
