"""The request journal and the access log: what came in, what went out, with credentials hidden.

A pure ASGI middleware. The journal keeps the last `--journal-size` entries (in memory, or with
`--workers` in a table the workers share: `mockserver.journal_store`), bodies are cut to
`journal_body_bytes`, so memory stays flat however long the mock runs. One log line per request
(method, path, status, ms) goes to stderr unless `--quiet`.
"""

from __future__ import annotations

import itertools
import multiprocessing
import sys
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.journal_store import JournalStorage, MemoryJournal, SqliteJournal
from mockserver.secrets import redact_header, redact_query
from mockserver.settings import Settings

HEADER_CHARS = 1024
HEADER_TOTAL = 16 * 1024
# Scope key of a dict the app may add fields to (the proxy adds "Upstream" and "Violations"); it
# arrives holding the entry's "Id", and its fields end up in the journal entry.
NOTE = "relation_mock.journal"


def redact(name: bytes, value: bytes) -> str:
    """A header as the journal shows it: credentials masked by mockserver.secrets' one rule
    (`Basic ***`, `XSRF-TOKEN=***`, `X-Api-Key: ***`), then cut to HEADER_CHARS so the journal's
    size stays bounded (masking first, so a cut never leaves part of a secret visible)."""
    return redact_header(name, value)[:HEADER_CHARS]


def _log_path(path: str) -> str:
    """The path as the access log shows it: one line, whatever the path decodes to."""
    return path if path.isprintable() else path.encode("unicode_escape").decode("ascii")


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The request's headers, redacted, at most HEADER_TOTAL characters in all (then a marker)."""
    out: dict[str, str] = {}
    total = 0
    for name, value in raw:
        text = redact(name, value)
        total += len(name) + len(text)
        if total > HEADER_TOTAL:
            out["..."] = f"{len(raw) - len(out)} more headers not kept"
            break
        out[name.decode("latin-1")] = text
    return out


class Journal:
    """The last N requests, for GET /__admin/requests."""

    def __init__(self, size: int, body_bytes: int, storage: JournalStorage | None = None) -> None:
        self.storage = storage or MemoryJournal(size)
        self.body_bytes = body_bytes
        self.ids = itertools.count(1)  # this process's ids; a shared storage gives its own

    @classmethod
    def for_settings(cls, settings: Settings) -> Journal:
        """In memory; in a PostgreSQL --state, shared by every replica; with `--workers`, in the state
        file every worker opens. The process that
        starts the workers (it has no parent process of its own) empties it: a new run, a new journal."""
        if settings.state_url:  # every replica's requests, in the shared database
            from mockserver.storage.postgres import PostgresJournal

            shared = PostgresJournal(settings.state_url, settings.journal_size)
            return cls(settings.journal_size, settings.journal_body_bytes, shared)
        if settings.workers > 1 and settings.state_file is not None:
            fresh = multiprocessing.parent_process() is None
            storage = SqliteJournal(settings.state_file, settings.journal_size, fresh=fresh)
            return cls(settings.journal_size, settings.journal_body_bytes, storage)
        return cls(settings.journal_size, settings.journal_body_bytes)

    @property
    def entries(self) -> list[dict[str, Any]]:
        return self.storage.list()

    def append(self, entry: dict[str, Any]) -> None:
        self.storage.append(entry)

    def clear(self) -> None:
        self.storage.clear()

    def close(self) -> None:
        self.storage.close()


class RecorderMiddleware:
    """Journals every request (except the admin API's own) and writes the access log line."""

    def __init__(self, app: ASGIApp, journal: Journal, *, quiet: bool) -> None:
        self.app = app
        self.journal = journal
        self.quiet = quiet

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        note: dict[str, Any] = {"Id": next(self.journal.ids)}
        scope = {**scope, NOTE: note}
        status = 500
        chunks: list[bytes] = []
        kept = 0
        limit = self.journal.body_bytes

        async def receive_and_keep() -> Message:
            nonlocal kept
            message = await receive()
            if message["type"] == "http.request" and kept < limit:
                body = message.get("body", b"")[: limit - kept]
                chunks.append(body)
                kept += len(body)
            return message

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive_and_keep, send_and_note)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            status = note.get("Status", status)  # 0: a fault injected on the wire, no answer sent
            path = scope.get("path", "")
            if not path.startswith("/__admin/"):  # the mock's own calls are not traffic (as WireMock)
                self.journal.append(
                    {
                        "Id": note.pop("Id"),
                        "Time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                        "Method": scope["method"],
                        "Path": path,
                        "Query": redact_query(scope.get("query_string", b"")),
                        "Headers": _headers(scope["headers"]),
                        "Body": b"".join(chunks).decode("utf-8", "replace"),
                        "Status": status,
                        "DurationMs": round(elapsed, 2),
                        **note,
                    }
                )
            if not self.quiet:
                sys.stderr.write(f"{scope['method']} {_log_path(path)} {status} {elapsed:.1f}ms\n")
