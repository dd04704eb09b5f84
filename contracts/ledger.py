"""The relations a run created: a file every process of the run appends to, and the sweep at the end.

The suite deletes and patches only relations it created itself in this run. Every relation a POST
(or a PUT that brought one of them back) answered is recorded at once, by the process that saw the
answer: the properties in this process, the Schemathesis hooks in theirs (they find the file in
CONTRACTS_LEDGER). One event per line, each written with a single `write` on a file opened with
O_APPEND, so lines from several processes never interleave:

    created 1042 lifecycle
    deleted 1042
    kept 1043 DELETE answered 500

At the end of the run, and when it is interrupted, `sweep` deletes every relation whose last event
is `created`. The run's own relation (`--relation-id`) is never recorded, so nothing deletes or
patches it; a server that hands it out from a POST is remembered as `protected`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ENV = "CONTRACTS_LEDGER"
CREATED, DELETED, KEPT, PROTECTED = "created", "deleted", "kept", "protected"
# Answers to a DELETE after which the relation is gone (404/410: it was already).
GONE = frozenset({200, 202, 204, 404, 410})
INT32 = range(-(2**31), 2**31)


@dataclass(slots=True)
class Summary:
    """What the run created and deleted, for the report (ids in the order first seen)."""

    created: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    # id -> why it could not be deleted (still there, as far as the suite knows).
    kept: dict[int, str] = field(default_factory=dict)
    # Times a POST answered with the run's own relation id (never deleted).
    protected: int = 0

    @property
    def live(self) -> list[int]:
        gone = set(self.deleted)
        return [rid for rid in self.created if rid not in gone]


class Ledger:
    """One run's ledger file. `protected` is the relation the run must never delete or patch."""

    def __init__(self, path: Path | str, protected: int) -> None:
        self.path = Path(path)
        self.protected = protected
        self._offset = 0
        self._last: dict[int, str] = {}
        self._summary = Summary()
        self.path.touch()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, protected: int = 918) -> Ledger | None:
        path = (os.environ if environ is None else environ).get(ENV)
        return cls(path, protected) if path else None

    def created(self, rid: object, source: str = "") -> bool:
        """Record a relation the run created; False (and nothing recorded) for the protected id or no id."""
        if not _is_id(rid):
            return False
        if rid == self.protected:
            self._write(f"{PROTECTED} {rid} {source}")
            return False
        self._write(f"{CREATED} {rid} {source}")
        return True

    def deleted(self, rid: int) -> None:
        self._write(f"{DELETED} {rid}")

    def kept(self, rid: int, reason: str) -> None:
        self._write(f"{KEPT} {rid} {reason}")

    def ours(self, rid: object) -> bool:
        """Whether the run created this relation (it may have been deleted since)."""
        self._refresh()
        return _is_id(rid) and rid != self.protected and rid in self._last

    def alive(self, rid: object) -> bool:
        self._refresh()
        return _is_id(rid) and self._last.get(rid) in (CREATED, KEPT)

    def live(self) -> list[int]:
        """Relations created and not deleted since, oldest first."""
        self._refresh()
        return [rid for rid, event in self._last.items() if event in (CREATED, KEPT)]

    def summary(self) -> Summary:
        self._refresh()
        out = Summary(list(self._summary.created), list(self._summary.deleted), {}, self._summary.protected)
        out.kept = {rid: reason for rid, reason in self._summary.kept.items() if self._last.get(rid) == KEPT}
        return out

    def sweep(self, delete: Callable[[int], tuple[int | None, str]]) -> Summary:
        """DELETE every live relation; `delete(id)` gives (status or None, reason when no answer)."""
        for rid in self.live():
            try:
                status, reason = delete(rid)
            except Exception as exc:  # the sweep goes on whatever one DELETE does
                status, reason = None, f"{type(exc).__name__}: {exc}"
            if status in GONE:
                self.deleted(rid)
            else:
                self.kept(rid, f"DELETE answered {status}" if status is not None else reason)
        return self.summary()

    def _write(self, line: str) -> None:
        data = (line.strip().replace("\n", " ") + "\n").encode("utf-8", "replace")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def _refresh(self) -> None:
        with self.path.open("rb") as source:
            source.seek(self._offset)
            chunk = source.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        for raw in complete.decode("utf-8", "replace").splitlines():
            self._apply(raw)

    def _apply(self, raw: str) -> None:
        event, _, rest = raw.partition(" ")
        number, _, note = rest.partition(" ")
        try:
            rid = int(number)
        except ValueError:
            return
        summary = self._summary
        if event == PROTECTED:
            summary.protected += 1
            return
        if event == CREATED and rid not in summary.created:
            summary.created.append(rid)
        elif event == DELETED and rid not in summary.deleted:
            summary.deleted.append(rid)
        elif event == KEPT:
            summary.kept[rid] = note
        if event == CREATED and rid in summary.deleted:  # brought back (a PUT on a deleted id)
            summary.deleted.remove(rid)
        if event in (CREATED, DELETED, KEPT):
            self._last[rid] = event


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in INT32 and value > 0


def ranges(ids: list[int]) -> str:
    """`1001-1004, 1007, 1010-1011`: every id, consecutive ones as ranges, in ascending order."""
    out: list[str] = []
    ordered = sorted(set(ids))
    start = previous = None
    for rid in [*ordered, None]:
        if rid is not None and previous is not None and rid == previous + 1:
            previous = rid
            continue
        if start is not None:
            out.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = rid
    return ", ".join(out) or "none"
