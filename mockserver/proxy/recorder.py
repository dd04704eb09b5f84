"""`--record FILE`: every relation the upstream answers 200 with, saved in the format `--fixtures` loads.

A GET, PUT, POST or PATCH answered with a whole relation records it; a DELETE answered 2xx, or a
GET or DELETE answered 404, removes the relation from the file (also one an earlier session recorded), so a
replay in the mock answers as the upstream last did. GET default's entity is stored nowhere and is
not recorded.

The file is a JSON object, id -> relation, with the stored fields exactly as the upstream sent them
(server-set ones included: UpdatedDate, UpdatedBy, CreatedDate, CreatedBy); what a server computes
per caller and per host (`TableRight`, `FieldProperties`, `_Links`) is left out, as `--fixtures`
leaves it out. Only whole relations are kept: an answer cut by `$select`, forced by the mock's
switches, or breaking the schema is not. No header ever reaches the file, and any credential value
of the request that turns up in a field is replaced by `***`. An existing file is extended, not
replaced. Writes go to a temporary file renamed over the target, at most once a second while
traffic flows and once more at exit, so the file is always whole.

Bounded: at most MAX_RECORDED relations are kept (in memory and in the file, which is rewritten
whole); once that many are held, relations not yet recorded are left out (said once on stderr),
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
    def __init__(self, path: Path, entity: EntityModel) -> None:
        self.path = path
        self.fields = entity.stored
        self.relations: dict[str, dict[str, Any]] = {}
        self.dirty = False
        self.written_at = 0.0
        self.write_seconds = 0.0
        self.full = False
        self._pending: asyncio.TimerHandle | None = None
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8") or "{}")
            except (OSError, ValueError) as exc:
                raise RecordFileError(
                    f"--record {path} exists and is not JSON ({exc}); give a new file or a fixtures file "
                    "to extend."
                ) from exc
            if isinstance(data, list):
                data = {str(item.get("RelationId")): item for item in data if isinstance(item, dict)}
            if not isinstance(data, dict):
                raise RecordFileError(f"--record {path} holds no fixtures object; give a new file.")
            self.relations = {str(key): value for key, value in data.items()}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write()
        except OSError as exc:
            raise RecordFileError(f"--record {path} cannot be written: {exc.strerror}.") from exc

    def offer(self, entity: Mapping[str, Any]) -> None:
        """Keep one relation from a 200 answer (the caller has checked it is whole and valid, and
        has replaced any credential in it)."""
        relation_id = entity.get("RelationId")
        if isinstance(relation_id, bool) or not isinstance(relation_id, int):
            return
        kept = {name: entity[name] for name in self.fields if name in entity}
        key = str(relation_id)
        if key not in self.relations and len(self.relations) >= MAX_RECORDED:
            if not self.full:
                self.full = True
                sys.stderr.write(
                    f"relation-mock: the recording {self.path} holds {MAX_RECORDED} relations, its most; "
                    "relations not recorded yet are left out from now on.\n"
                )
            return
        if self.relations.get(key) != kept:
            self.relations[key] = kept
            self.dirty = True
        self._schedule()

    def forget(self, relation_id: int) -> None:
        """The upstream deleted this relation (or has none with this id): it leaves the recording."""
        if self.relations.pop(str(relation_id), None) is not None:
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
        """How many relations are recorded, and the most that will be."""
        return {"Count": len(self.relations), "Limit": MAX_RECORDED}

    def _write(self) -> None:
        started = time.monotonic()
        ordered = dict(sorted(self.relations.items(), key=lambda item: (len(item[0]), item[0])))
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)
        self.dirty = False
        self.written_at = time.monotonic()
        self.write_seconds = self.written_at - started
