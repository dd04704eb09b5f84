"""Where entities live, each type in a collection of its own: in memory, or in a SQLite file
(`mockserver.storage.sqlite`) that survives restarts and kills.

A write is one step: read the current entity, check If-Unmodified-Since, build the new one, save
it. In memory that step has no await in it, so the event loop runs it whole; in SQLite it is one
`BEGIN IMMEDIATE` transaction, so several processes sharing the file never lose an update. An
exception inside the step (412, a failed patch test, PATCH of an unknown id) leaves the store
untouched. `create` allocates the new id inside that same step: ids only grow (never reused, not
even after a delete), skip ids a PUT already created, and are unique across processes sharing the
file. An entity a PUT created beyond the next id and that was then deleted is remembered as
retired, so POST never hands its id out. `reset` restarts ids at the largest fixture id + 1 (1 when
there are none). Each collection has its own ids, fixtures and retired ids.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from mockserver.errors import ApiError, PreconditionFailed
from mockserver.model.entity import parse_date

Change = Callable[[dict[str, Any] | None], dict[str, Any]]
Build = Callable[[int], dict[str, Any]]
INT32_MAX = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Collection:
    """What the store keeps of one entity type: its name, the field holding its version, its fixtures."""

    name: str  # the resource's name (`Relation`)
    entity_name: str  # in a 412's wording (`ContactRelationEntity`)
    version: str | None  # the `updated-at` field (`UpdatedDate`); None: never stale
    fixtures: Mapping[int, dict[str, Any]]

    def is_stale(self, stored: Mapping[str, Any] | None, unmodified_since: datetime | None) -> bool:
        """Changed after the client's date? HTTP dates have whole seconds, so the stored date is truncated."""
        if stored is None or unmodified_since is None or self.version is None:
            return False
        updated = parse_date(str(stored.get(self.version) or ""))
        return updated is not None and updated.replace(microsecond=0) > unmodified_since

    def stale(self, action: str = "Update stopped") -> PreconditionFailed:
        return PreconditionFailed(action, self.entity_name)

    def first_id(self) -> int:
        """Where ids start after a reset: one past the largest fixture id (1 when there is none)."""
        return max([0, *self.fixtures]) + 1

    def exhausted(self) -> ApiError:
        return ApiError(
            507,
            "InsufficientStorageException",
            f"No {self.name.lower()} id is left: ids above {INT32_MAX} are not 32-bit integers. "
            "Reset the store (POST /__admin/reset) to start again.",
        )


def now_to_the_second() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Store(Protocol):
    def get(self, kind: str, entity_id: int) -> dict[str, Any] | None: ...
    # A hint: these records are about to be read (a write's references); a store whose reads cost a
    # round trip fetches them together. Memory and SQLite need no hint.
    def prefetch(self, keys: Iterable[tuple[str, int]]) -> None: ...
    # When the store last went back to its fixtures (whole seconds, UTC). A reset moves an entity's
    # version back in time, so a client's If-Modified-Since from before it proves nothing.
    def reset_at(self) -> datetime | None: ...
    def write(
        self, kind: str, entity_id: int, change: Change, unmodified_since: datetime | None
    ) -> dict[str, Any]: ...
    def create(self, kind: str, build: Build) -> dict[str, Any]: ...
    def delete(self, kind: str, entity_id: int, unmodified_since: datetime | None) -> bool: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...


class _Rows:
    """One collection in memory: its entities, the deleted ids POST has not passed yet, the next id."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection
        self.fixtures = {key: json.dumps(value) for key, value in collection.fixtures.items()}
        self.rows: dict[int, dict[str, Any]] = {}
        self.retired: set[int] = set()
        self.next = collection.first_id()

    def reset(self) -> None:
        self.rows = {key: json.loads(value) for key, value in self.fixtures.items()}
        self.retired = set()
        self.next = self.collection.first_id()


class MemoryStore:
    """Dicts; the default. Lost when the process ends."""

    def __init__(self, collections: Iterable[Collection]) -> None:
        self._tables = {collection.name: _Rows(collection) for collection in collections}
        self._reset_at: datetime | None = None
        self.reset()

    def get(self, kind: str, entity_id: int) -> dict[str, Any] | None:
        return self._tables[kind].rows.get(entity_id)

    def prefetch(self, keys: Iterable[tuple[str, int]]) -> None:
        """Nothing to do: a read in memory costs no round trip."""

    def reset_at(self) -> datetime | None:
        return self._reset_at

    def write(
        self, kind: str, entity_id: int, change: Change, unmodified_since: datetime | None
    ) -> dict[str, Any]:
        table = self._tables[kind]
        previous = table.rows.get(entity_id)
        if table.collection.is_stale(previous, unmodified_since):
            raise table.collection.stale()
        new = change(previous)
        table.rows[entity_id] = new
        return new

    def create(self, kind: str, build: Build) -> dict[str, Any]:
        table = self._tables[kind]
        entity_id = table.next
        while entity_id in table.rows or entity_id in table.retired:  # a PUT's id, live or deleted
            entity_id += 1
        if entity_id > INT32_MAX:
            raise table.collection.exhausted()
        new = build(entity_id)
        table.rows[entity_id] = new
        table.next = entity_id + 1
        table.retired = {retired for retired in table.retired if retired > entity_id}
        return new

    def delete(self, kind: str, entity_id: int, unmodified_since: datetime | None) -> bool:
        table = self._tables[kind]
        previous = table.rows.get(entity_id)
        if table.collection.is_stale(previous, unmodified_since):
            raise table.collection.stale("Delete aborted")
        existed = table.rows.pop(entity_id, None) is not None
        if existed and entity_id >= table.next:
            table.retired.add(entity_id)
        return existed

    def reset(self) -> None:
        for table in self._tables.values():
            table.reset()
        self._reset_at = now_to_the_second()

    def close(self) -> None:
        for table in self._tables.values():
            table.rows = {}


def fixture_counts(collections: Iterable[Collection]) -> Mapping[str, int]:
    """`{"Relations": 2}`: what `POST /__admin/reset` answers, one count per collection."""
    return {f"{collection.name}s": len(collection.fixtures) for collection in collections}
