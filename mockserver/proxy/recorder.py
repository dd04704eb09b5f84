"""`--record FILE`: every entity the upstream answers 200 with, of every resource of the spec, saved in
the format `--fixtures` loads.

A GET, PUT, POST or PATCH answered with a whole entity records it; a DELETE answered 2xx, or a
GET or DELETE answered 404, removes the entity from the file (also one an earlier session recorded), so a
replay in the mock answers as the upstream last did, for every resource. GET default's entity is
stored nowhere and is not recorded.

While only the first resource's entities (relations) are recorded, the file is a JSON object,
id -> relation, as before; once another resource's are, it is an object of resource names, each
id -> entity (`{"Relation": {...}, "Contact": {...}}`), which `--fixtures` reads the same way.
Entities are kept with the stored fields exactly as the upstream sent them
(server-set ones included: UpdatedDate, UpdatedBy, CreatedDate, CreatedBy); what a server computes
per caller and per host (`TableRight`, `FieldProperties`, `_Links`) is left out, as `--fixtures`
leaves it out. Only whole relations are kept: an answer cut by `$select`, forced by the mock's
switches, or breaking the schema is not. No header ever reaches the file, and any credential value
of the request that turns up in a field is replaced by `***`. An existing file is extended, not
replaced. Writes go to a temporary file renamed over the target, at most once a second while
traffic flows and once more at exit, so the file is always whole.

Bounded: at most MAX_RECORDED entities of each resource are kept (in memory and in the file, which
is rewritten whole); once that many are held, entities not yet recorded are left out (said once on stderr),
while those recorded are still updated and forgotten. A write waits at least ten times as long as
the last one took, so rewriting a large file never takes more than a tenth of the proxy's time.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mockserver.errors import StartupError
from mockserver.model.entity import EntityModel

FLUSH_SECONDS = 1.0
MAX_RECORDED = 10_000


class RecordFileError(StartupError):
    """The --record file exists but is not a fixtures file."""


class Recording:
    def __init__(self, path: Path, entities: Mapping[str, EntityModel]) -> None:
        """`entities`: resource name -> its entity model, the first resource's first."""
        self.path = path
        self.first = next(iter(entities))
        self.fields = {name: entity.stored for name, entity in entities.items()}
        self.keys = {name: entity.key for name, entity in entities.items()}
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in entities}
        self.dirty = False
        self.written_at = 0.0
        self.write_seconds = 0.0
        self.full: set[str] = set()
        self._pending: asyncio.TimerHandle | None = None
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8") or "{}")
            except (OSError, ValueError) as exc:
                raise RecordFileError(
                    f"--record {path} exists and is not JSON ({exc}); give a new file or a fixtures file "
                    "to extend."
                ) from exc
            per_resource = isinstance(data, dict) and bool(data) and set(data) <= set(entities)
            given = data if per_resource else {self.first: data}
            for name, records in given.items():
                if isinstance(records, list):
                    key = self.keys[name]
                    records = {str(item.get(key)): item for item in records if isinstance(item, dict)}
                if not isinstance(records, dict):
                    raise RecordFileError(f"--record {path} holds no fixtures object; give a new file.")
                self.records[name] = {str(key): value for key, value in records.items()}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write()
        except OSError as exc:
            raise RecordFileError(f"--record {path} cannot be written: {exc.strerror}.") from exc

    @property
    def relations(self) -> dict[str, dict[str, Any]]:
        """The first resource's records (the relations)."""
        return self.records[self.first]

    def offer(self, entity: Mapping[str, Any], resource: str | None = None) -> None:
        """Keep one entity of `resource` (the first by default) from a 200 answer (the caller has
        checked it is whole and valid, and has replaced any credential in it)."""
        name = resource or self.first
        entity_id = entity.get(self.keys[name])
        if isinstance(entity_id, bool) or not isinstance(entity_id, int):
            return
        kept = {field: entity[field] for field in self.fields[name] if field in entity}
        key, records = str(entity_id), self.records[name]
        if key not in records and len(records) >= MAX_RECORDED:
            if name not in self.full:
                self.full.add(name)
                sys.stderr.write(
                    f"relation-mock: the recording {self.path} holds {MAX_RECORDED} entities of {name}, "
                    f"its most; {name} entities not recorded yet are left out from now on.\n"
                )
            return
        if records.get(key) != kept:
            records[key] = kept
            self.dirty = True
        self._schedule()

    def forget(self, entity_id: int, resource: str | None = None) -> None:
        """The upstream deleted this entity (or has none with this id): it leaves the recording."""
        if self.records[resource or self.first].pop(str(entity_id), None) is not None:
            self.dirty = True
            self._schedule()

    def _schedule(self) -> None:
        if not self.dirty or self._pending is not None:
            return
        wait = max(FLUSH_SECONDS, 10 * self.write_seconds) - (time.monotonic() - self.written_at)
        if wait <= 0:
            self.flush()
        else:
            self._pending = asyncio.get_running_loop().call_later(wait, self.flush)

    def flush(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if not self.dirty:
            return
        try:
            self._write()
        except OSError as exc:  # a full disk must not stop the proxy; the next flush tries again
            sys.stderr.write(f"relation-mock: cannot write the recording {self.path}: {exc.strerror}\n")

    def held(self) -> dict[str, int]:
        """How many entities are recorded, and the most that will be of each resource."""
        return {"Count": sum(map(len, self.records.values())), "Limit": MAX_RECORDED}

    def _write(self) -> None:
        started = time.monotonic()
        by_resource = {
            name: dict(sorted(records.items(), key=lambda item: (len(item[0]), item[0])))
            for name, records in self.records.items()
            if records
        }
        only_first = set(by_resource) <= {self.first}  # the file as it was before other resources
        ordered: dict[str, Any] = by_resource.get(self.first, {}) if only_first else by_resource
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)
        self.dirty = False
        self.written_at = time.monotonic()
        self.write_seconds = self.written_at - started
