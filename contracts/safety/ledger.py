"""What a run may touch: a file every process of the run appends to, read back as one status per record.

The suite writes, patches and deletes only records it proved it created in this run
(`contracts.safety.custody` holds the proof and the rules). Each process records what it learns the
moment it learns it: the properties in this process, the Schemathesis hooks in theirs (they find
the file in CONTRACTS_LEDGER). One JSON object per line, each written with a single `write` on a
file opened with O_APPEND, so lines from several processes never interleave:

    {"e": "created", "r": "/api/v1/Relation/{id}", "id": 1042, "why": "lifecycle", "state": {...}}
    {"e": "state", "r": "/api/v1/Relation/{id}", "id": 1042, "state": {...}}
    {"e": "deleted", "r": "/api/v1/Relation/{id}", "id": 1042}
    {"e": "kept", "r": "/api/v1/Relation/{id}", "id": 1043, "why": "DELETE answered 412 ..."}
    {"e": "foreign", "r": "/api/v1/Relation/{id}", "id": 819, "why": "it existed before the POST ..."}
    {"e": "seen", "r": "/api/v1/Relation/{id}", "id": 4100}

Records are keyed by their resource's path template and id, so that a second entity's ids never
mix with the relations'. `state` is the record as the suite's own last write left it (`State`),
which the cleanup compares with what it finds before it deletes. `kept` is final: a record left
behind (someone changed it, or it could not be deleted) is never written to again. `foreign` and
`seen` are records that are not the run's. The run's relation (`--relation-id`) is never the run's
either: a POST that names it is remembered as `protected`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.spec import PUT_PATH

ENV = "CONTRACTS_LEDGER"
RESOURCE = PUT_PATH
CREATED, STATE, DELETED, KEPT = "created", "state", "deleted", "kept"
FOREIGN, SEEN, PROTECTED = "foreign", "seen", "protected"
# What a record's last event makes it: the run's and there, the run's and gone, or not the run's.
OWNED = frozenset({CREATED, STATE})
INT32 = range(-(2**31), 2**31)
Key = tuple[str, int]


@dataclass(frozen=True, slots=True)
class State:
    """A record as the suite's own last write left it: the fields a client sets, its UpdatedDate as
    the server wrote it, and the HTTP-date to send as If-Unmodified-Since (None where unknown)."""

    fields: dict[str, Any] | None = None
    updated: str | None = None
    since: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"fields": self.fields, "updated": self.updated, "since": self.since}

    @classmethod
    def from_json(cls, data: Any) -> State | None:
        if not isinstance(data, dict):
            return None
        fields = data.get("fields")
        return cls(fields if isinstance(fields, dict) else None, data.get("updated"), data.get("since"))


@dataclass(slots=True)
class Summary:
    """What the run created and deleted, for the report (ids in the order first seen)."""

    created: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    # id -> why the run's record is still there (left behind).
    kept: dict[int, str] = field(default_factory=dict)
    # id -> why a record a POST answered is not the run's (left exactly as it was).
    foreign: dict[int, str] = field(default_factory=dict)
    # Times a POST answered with the run's own relation id (never deleted).
    protected: int = 0


@dataclass(slots=True)
class _Record:
    status: str
    state: State | None = None
    why: str = ""


class Ledger:
    """One run's ledger file. `protected` is the relation the run must never delete or patch."""

    def __init__(self, path: Path | str, protected: int) -> None:
        self.path = Path(path)
        self.protected = protected
        self._offset = 0
        self._records: dict[Key, _Record] = {}
        self._order: dict[str, list[int]] = {}
        self._deleted_order: dict[str, list[int]] = {}
        self._protected_count = 0
        self.path.touch()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, protected: int = 918) -> Ledger | None:
        path = (os.environ if environ is None else environ).get(ENV)
        return cls(path, protected) if path else None

    # Writing: one event per call.

    def created(
        self, rid: object, why: str = "", state: State | None = None, resource: str = RESOURCE
    ) -> bool:
        """Record a record the run proved it created; False (and nothing recorded) for the protected
        id or no id."""
        if not is_id(rid):
            return False
        if rid == self.protected and resource == RESOURCE:
            self._write({"e": PROTECTED, "r": resource, "id": rid, "why": why})
            return False
        self._write({"e": CREATED, "r": resource, "id": rid, "why": why, "state": _state(state)})
        return True

    def wrote(self, rid: int, state: State, resource: str = RESOURCE) -> None:
        """The suite's own write changed one of its records: this is how it reads now."""
        self._write({"e": STATE, "r": resource, "id": rid, "state": state.to_json()})

    def deleted(self, rid: int, resource: str = RESOURCE) -> None:
        self._write({"e": DELETED, "r": resource, "id": rid})

    def kept(self, rid: int, why: str, resource: str = RESOURCE) -> None:
        """Leave one of the run's records behind for good (it is never written to again)."""
        self._write({"e": KEPT, "r": resource, "id": rid, "why": why})

    def foreign(self, rid: int, why: str, resource: str = RESOURCE) -> None:
        """A record a POST answered that is not the run's: never written to."""
        self._write({"e": FOREIGN, "r": resource, "id": rid, "why": why})

    def seen(self, rid: object, resource: str = RESOURCE) -> None:
        """A GET showed this record, and the ledger knew nothing of it: it is not the run's."""
        if is_id(rid) and self.status(rid, resource) is None and rid != self.protected:
            self._write({"e": SEEN, "r": resource, "id": rid})

    # Reading: every process's events so far.

    def status(self, rid: object, resource: str = RESOURCE) -> str | None:
        """The record's last event (None: the ledger knows nothing of it)."""
        record = self._record(rid, resource)
        return record.status if record is not None else None

    def why(self, rid: object, resource: str = RESOURCE) -> str:
        record = self._record(rid, resource)
        return record.why if record is not None else ""

    def _record(self, rid: object, resource: str) -> _Record | None:
        self._refresh()
        return self._records.get((resource, rid)) if isinstance(rid, int) and is_id(rid) else None

    def ours(self, rid: object, resource: str = RESOURCE) -> bool:
        """Whether the run created this record and may still write to it (it may be deleted since)."""
        return self.status(rid, resource) in (*OWNED, DELETED)

    def alive(self, rid: object, resource: str = RESOURCE) -> bool:
        """Whether the run created this record and has not deleted it (nor left it behind)."""
        return self.status(rid, resource) in OWNED

    def state(self, rid: int, resource: str = RESOURCE) -> State | None:
        self._refresh()
        record = self._records.get((resource, rid))
        return record.state if record is not None else None

    def live(self, resource: str = RESOURCE) -> list[int]:
        """The run's records there now, oldest first."""
        self._refresh()
        return [
            rid for rid in self._order.get(resource, []) if self._records[(resource, rid)].status in OWNED
        ]

    def resources(self) -> list[str]:
        """Every path template the run recorded a record of, in the order first seen."""
        self._refresh()
        return list(self._order)

    def summary(self, resource: str = RESOURCE) -> Summary:
        self._refresh()
        records = {rid: self._records[(resource, rid)] for rid in self._order.get(resource, [])}
        out = Summary(list(self._order.get(resource, [])), list(self._deleted_order.get(resource, [])))
        out.deleted = [rid for rid in out.deleted if records[rid].status == DELETED]
        out.kept = {rid: record.why for rid, record in records.items() if record.status == KEPT}
        out.foreign = {
            rid: record.why for (kind, rid), record in self._records.items()
            if kind == resource and record.status == FOREIGN
        }  # fmt: skip
        out.protected = self._protected_count
        return out

    def _write(self, event: dict[str, Any]) -> None:
        data = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode(
            "utf-8", "replace"
        )
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
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if isinstance(event, dict) and is_id(event.get("id")):
                self._apply(event)

    def _apply(self, event: dict[str, Any]) -> None:
        kind, resource, rid = event.get("e"), str(event.get("r") or RESOURCE), event["id"]
        key = (resource, rid)
        record = self._records.get(key)
        if kind == PROTECTED:
            self._protected_count += 1
        elif kind == CREATED:
            if rid not in self._order.setdefault(resource, []):
                self._order[resource].append(rid)
            self._records[key] = _Record(
                CREATED, State.from_json(event.get("state")), str(event.get("why", ""))
            )
        elif kind == STATE and record is not None and record.status in (*OWNED, DELETED):
            record.status, record.state = STATE, State.from_json(event.get("state"))
        elif kind == DELETED and record is not None and record.status in OWNED:
            record.status = DELETED
            if rid not in self._deleted_order.setdefault(resource, []):
                self._deleted_order[resource].append(rid)
        elif kind == KEPT and record is not None and record.status in (*OWNED, DELETED):
            record.status, record.why = KEPT, str(event.get("why", ""))
        elif kind == FOREIGN and (record is None or record.status in (SEEN, DELETED)):
            self._records[key] = _Record(FOREIGN, None, str(event.get("why", "")))
        elif kind == SEEN and record is None:
            self._records[key] = _Record(SEEN)


def _state(state: State | None) -> dict[str, Any] | None:
    return state.to_json() if state is not None else None


def is_id(value: object) -> bool:
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
