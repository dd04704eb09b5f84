"""Which records are the run's, proven when a POST answers, and checked again before each DELETE.

A server may answer a POST with a record that already existed (one that deduplicates does, and so
does a buggy one). The suite takes for its own only what it can prove it created:

- an id the run's ledger knows already is no new record: seen by a GET of this run before any POST
  named it, answered by an earlier POST (a second POST created nothing), deleted by the run since
  (the id was handed out again), or not the run's before;
- right after the POST the suite reads the record (GET): it must be there, under that id, and its
  `CreatedDate` must not be older than the POST. The POST answer's own `Date` is the server's
  clock at the time: a record is older than the POST when its CreatedDate is more than the POST's
  round trip, one second (both are whole seconds) and `CLOCK_TOLERANCE` (a load balancer's clock
  against the application server's) before that Date; without a Date, the suite's clock at the
  time it sent the POST is used. A record made by someone else within that window, and handed to
  the suite by a deduplicating server, would be taken for the suite's: that is the trade-off for
  taking every record the suite made. A record whose CreatedDate cannot be read is not the suite's.
- what the record looks like after each of the suite's own writes (`State`: the fields a client
  sets, UpdatedDate, and the HTTP-date for If-Unmodified-Since) is kept in the ledger.

Before it deletes, the suite reads the record again: if it reads differently from the suite's last
write (someone changed it) it is left behind; else it is deleted with `If-Unmodified-Since` set to
the suite's last write, so that a change made in between is refused (412) and left behind too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.safety.ledger import (
    DELETED,
    FOREIGN,
    KEPT,
    OWNED,
    RESOURCE,
    SEEN,
    Ledger,
    State,
    Summary,
    is_id,
)
from contracts.safety.references import SETTABLE
from contracts.spec import INT, TEXT
from contracts.values import http_date, parse_http_date, parse_instant, same_value

# Seconds a record's CreatedDate may lie before the POST that made it, on the server's clock.
CLOCK_TOLERANCE = 5.0
# Answers to a DELETE after which the record is gone (404/410: it was already).
GONE = frozenset({200, 202, 204, 404, 410})
# A GET answered with one of these: the server offers no GET (the record cannot be read back).
NO_GET = frozenset({405, 501})
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
KINDS = {name: TEXT if name == "Comment" else INT for name in SETTABLE}


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer as custody needs it; `status` None when there was none (`error` says why)."""

    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    entity: dict[str, Any] | None = None
    error: str = ""


# (method, id, extra headers) -> the answer; GET asks for JSON.
Fetch = Callable[[str, int, Mapping[str, str]], Answer]


@dataclass(frozen=True, slots=True)
class Claim:
    """What a POST answer means for the run: `new` it made the record; `owned` the run may write it."""

    rid: int | None
    owned: bool
    new: bool
    why: str = ""
    # The id of a relation the run deleted, handed out again (ids that are never reused: our choice).
    reused: bool = False


def entity_of(content: bytes | None) -> dict[str, Any] | None:
    """A JSON object body, or None."""
    try:
        body = json.loads(content or b"")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def id_field(resource: str, keys: Mapping[str, str] | None = None) -> str:
    """The entity's id property for an item path template: as the spec declares it (`keys`, from
    `contracts.spec.primary_keys`), else read from the path: `/api/v1/Relation/{id}` -> `RelationId`."""
    declared = (keys or {}).get(resource)
    return declared or resource.rsplit("/{", 1)[0].rsplit("/", 1)[-1] + "Id"


def state_of(answer: Answer, names: tuple[str, ...] = SETTABLE) -> State:
    entity = answer.entity or {}
    fields = {name: entity.get(name) for name in names} if all(n in entity for n in names) else None
    updated = entity.get("UpdatedDate") if isinstance(entity.get("UpdatedDate"), str) else None
    since = answer.headers.get("last-modified")
    for value in (updated, entity.get("CreatedDate")):
        moment = parse_instant(value)
        if since is None and moment is not None and moment >= EPOCH:
            since = http_date(moment)
    return State(fields, updated, since)


def complete(answer: Answer, rid: int, key: str = "RelationId", names: tuple[str, ...] = SETTABLE) -> bool:
    """A write's answer shows the whole record (no `$select`, JSON): it can stand for a GET."""
    entity = answer.entity
    return (
        answer.status is not None
        and 200 <= answer.status < 300
        and entity is not None
        and same_value(INT, entity.get(key), rid)
        and parse_instant(entity.get("UpdatedDate")) is not None
        and all(name in entity for name in names)
    )


def differences(state: State, entity: Mapping[str, Any], rid: int, key: str = "RelationId") -> list[str]:
    """How a record reads otherwise than the suite's last write left it ([] when the same)."""
    out = []
    if not same_value(INT, entity.get(key), rid):
        out.append(f"{key} {rid} -> {entity.get(key)!r}")
    for name, want in (state.fields or {}).items():
        if not same_value(KINDS.get(name, TEXT), want, entity.get(name)):
            out.append(f"{name} {_show(want)} -> {_show(entity.get(name))}")
    seen = entity.get("UpdatedDate")
    if state.updated is not None and parse_instant(state.updated) != parse_instant(seen):
        out.append(f"UpdatedDate {state.updated} -> {seen}")
    return out


def created_before(created: Any, *, date: str | None, sent_at: float, elapsed: float) -> str | None:
    """Why a CreatedDate shows a record older than the POST that answered it (None: it is not)."""
    moment = parse_instant(created)
    if moment is None or moment < EPOCH:
        return f"its CreatedDate {created!r} cannot tell when it was made"
    server = parse_http_date(date)
    if server is not None:
        start, clock = server - timedelta(seconds=elapsed + 1), f"the POST answer's Date {date}"
    else:
        start, clock = datetime.fromtimestamp(sent_at, UTC), "the time the suite sent the POST"
    if moment.replace(microsecond=0) < start - timedelta(seconds=CLOCK_TOLERANCE):
        return f"it existed before the POST: CreatedDate {created} is older than {clock}"
    return None


class Custody:
    """The rules above, for one process: `fetch` sends a request, the ledger keeps what is learnt."""

    def __init__(
        self, ledger: Ledger, fetch: Fetch, resource: str = RESOURCE, key: str | None = None
    ) -> None:
        self.ledger, self.fetch, self.resource = ledger, fetch, resource
        self.key = key or id_field(resource)
        # The fields a client sets, compared before a DELETE (another entity's are not known here).
        self.names: tuple[str, ...] = SETTABLE if resource == RESOURCE else ()
        self._seen: set[int] = set()

    def claim(self, rid: object, post: Answer, *, sent_at: float, elapsed: float, why: str) -> Claim:
        """Judge the id a POST answered (see the module docstring); the ledger records the verdict."""
        ledger, resource = self.ledger, self.resource
        if not is_id(rid):
            return Claim(None, False, False, f"the answer names no id ({rid!r})")
        assert isinstance(rid, int)
        if rid == ledger.protected and resource == RESOURCE:
            ledger.created(rid, why, resource=resource)  # recorded as protected, never as the run's
            return Claim(rid, False, False, "it is the run's own relation (--relation-id)")
        status = ledger.status(rid, resource)
        if status in (FOREIGN, KEPT):
            return Claim(rid, False, False, ledger.why(rid, resource))
        if status in (SEEN, DELETED):
            reason = (
                "a GET of this run showed it before a POST answered it: it existed before"
                if status == SEEN
                else "a POST of this run answered it before and the run deleted it since: the id was "
                "handed out again"
            )
            ledger.foreign(rid, reason, resource)
            return Claim(rid, False, False, reason, reused=status == DELETED)
        read = self.fetch("GET", rid, {})
        found = read if read.status == 200 and read.entity is not None else None
        if status in OWNED:
            if found is not None:
                ledger.wrote(rid, state_of(found, self.names), resource)
            return Claim(rid, True, False, "a POST of this run answered it before: this one created nothing")
        unproven = self._unproven(rid, post, read, found, sent_at=sent_at, elapsed=elapsed)
        if unproven is not None:
            ledger.foreign(rid, unproven, resource)
            return Claim(rid, False, False, unproven)
        ledger.created(rid, why, state_of(found or post, self.names), resource)
        return Claim(rid, True, True)

    def _unproven(
        self, rid: int, post: Answer, read: Answer, found: Answer | None, *, sent_at: float, elapsed: float
    ) -> str | None:
        if found is None and read.status not in NO_GET:
            got = f"answered {read.status}" if read.status is not None else f"gave no answer ({read.error})"
            return f"a GET of it right after the POST {got}: the suite cannot tell it is its own"
        entity = (found or post).entity or {}
        if not same_value(INT, entity.get(self.key), rid):
            return f"a GET of it right after the POST showed {self.key} {entity.get(self.key)!r}"
        date = post.headers.get("date")
        return created_before(entity.get("CreatedDate"), date=date, sent_at=sent_at, elapsed=elapsed)

    def seen(self, rid: object) -> None:
        """A GET answered 200 for this id: unless the run made it, no later POST makes it the run's."""
        if is_id(rid) and rid not in self._seen:
            self._seen.add(rid)  # type: ignore[arg-type]
            self.ledger.seen(rid, self.resource)

    def wrote(self, rid: int, answer: Answer, *, selected: bool = False) -> None:
        """After one of the run's own writes succeeded on its record: remember how it reads now. An
        answer that shows only part of it (`selected`: under a `$select`; XML) gives its Last-Modified
        or UpdatedDate alone; only when it gives neither is the record read again (GET)."""
        if not self.ledger.ours(rid, self.resource):
            return
        if not selected and complete(answer, rid, self.key, self.names):
            self.ledger.wrote(rid, state_of(answer, self.names), self.resource)
            return
        updated = (answer.entity or {}).get("UpdatedDate")
        moment = parse_instant(updated)
        if moment is None or moment < EPOCH:
            updated = None
        since = answer.headers.get("last-modified") or (http_date(moment) if updated and moment else None)
        if since is not None:
            self.ledger.wrote(rid, State(None, updated, since), self.resource)
            return
        read = self.fetch("GET", rid, {})
        found = read.status == 200 and read.entity is not None
        self.ledger.wrote(rid, state_of(read, self.names) if found else State(), self.resource)

    def delete(self, rid: int) -> tuple[bool, str, bool]:
        """Delete one of the run's records if it reads as the run's last write left it.
        (deleted, why not, final): a final refusal is recorded as left behind; else it may be retried."""
        ledger, resource = self.ledger, self.resource
        state = ledger.state(rid, resource) or State()
        read = self.fetch("GET", rid, {})
        if read.status in (404, 410):
            ledger.deleted(rid, resource)
            return True, "", True
        if read.status == 200 and read.entity is not None:
            changed = differences(state, read.entity, rid, self.key)
            if changed:
                why = f"it reads differently from the suite's last write ({'; '.join(changed)})"
                ledger.kept(rid, why, resource)
                return False, why, True
        elif read.status not in NO_GET:
            got = f"answered {read.status}" if read.status is not None else f"gave no answer ({read.error})"
            return False, f"GET before the DELETE {got}", False
        headers = {"If-Unmodified-Since": state.since} if state.since else {}
        answer = self.fetch("DELETE", rid, headers)
        if answer.status in GONE:
            ledger.deleted(rid, resource)
            return True, "", True
        if answer.status == 412:
            why = f"DELETE answered 412: changed since the suite's last write ({state.since})"
            ledger.kept(rid, why, resource)
            return False, why, True
        got = f"DELETE answered {answer.status}" if answer.status is not None else answer.error
        return False, got, False

    def sweep(self) -> Summary:
        """Delete every record of the run's still there; what cannot be deleted is left behind."""
        for rid in self.ledger.live(self.resource):
            try:
                deleted, why, final = self.delete(rid)
            except Exception as exc:  # the sweep goes on whatever one record does
                deleted, why, final = False, f"{type(exc).__name__}: {exc}", False
            if not deleted and not final:
                self.ledger.kept(rid, why, self.resource)
        return self.ledger.summary(self.resource)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:80]
