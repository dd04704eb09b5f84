"""Promises about an entity across exchanges, judged from what the proxy saw of it (one `History`
per resource, with that resource's `Shape`: its key, its `updated-at` and `created-at` fields for
UpdatedDate and CreatedDate; an entity without an `updated-at` field has no versions to compare).

Each with its source (V: the vendor's documents, R: an RFC, O: our choice, written into the spec):
- a PUT, PATCH or DELETE whose `If-Unmodified-Since` is older than an UpdatedDate an earlier
  answer showed is 412 (V);
- UpdatedDate moves on: a PUT or PATCH sent a second or more after the last write's answer has a
  later one (V: the server sets it);
- a GET shows the last acknowledged write: never an older UpdatedDate, never 404, and its settable
  values (references, Comment, Reversed) are those of the last PUT, POST or PATCH answered 2xx (a
  refused write, a `$select` on one, a failed `test`, a stale DELETE change nothing else) (V);
- one UpdatedDate is one version: two GETs that show it (JSON, XML, text/json) show the same
  values (V: every content type carries the whole entity);
- the same PUT body twice in a row gives the same relation, its stamps aside (R: PUT is idempotent);
- the same body accepted once and refused 400 another time, in `accepted`;
- the promises of creating, patching and deleting, in `lifecycle`.

The memory is bounded (least recently used relations forgotten). It assumes that the writes to
a relation go through the proxy, or at least not in the same second as those that do; writes of
one relation in flight together make nothing certain, so they are not judged.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mockserver.protocol import http_date
from mockserver.proxy import lifecycle
from mockserver.proxy.accepted import Accepted
from mockserver.proxy.exchange import Exchange, Outcome
from mockserver.proxy.findings import RESPONSE, Finding
from mockserver.proxy.values import Shape, as_int, instant, second, show

MAX_RELATIONS = 10_000  # entities remembered per resource
WRITES = ("PUT", "PATCH", "DELETE")  # the writes of an entity named in the path


def _moment(entity: Mapping[str, Any], shape: Shape) -> datetime | None:
    """When the entity last changed: its UpdatedDate, or its CreatedDate while nobody has updated it
    (a real server may leave UpdatedDate empty on a new relation)."""
    if shape.updated is None:
        return None
    updated = instant(entity.get(shape.updated))
    if updated is not None and updated.year == 1:
        return instant(entity.get(shape.stamps.get("created-at", ""))) or updated
    return updated


def _stamp(exchange: Exchange, outcome: Outcome, shape: Shape) -> datetime | None:
    """The answer's UpdatedDate (`_moment`), unless a `$select` may have replaced it by a default."""
    if outcome.entity is None or exchange.select:
        return None
    return _moment(outcome.entity, shape)


@dataclass(slots=True)
class Seen:
    """What the proxy knows of one relation."""

    newest: datetime | None = None  # the newest UpdatedDate/Last-Modified an answer showed
    newest_at: float = 0.0
    written: datetime | None = None  # UpdatedDate of the last acknowledged write (not after a DELETE)
    written_at: float = 0.0
    expected: dict[str, Any] | None = None  # settable values the last acknowledged write stored
    version: tuple[datetime, dict[str, Any], str] | None = None  # (UpdatedDate, values, where seen)
    version_at: float = 0.0
    last_put: tuple[bytes, dict[str, Any]] | None = None  # (request fingerprint, answer values)
    in_flight: int = 0  # writes (PUT, PATCH, DELETE) sent and not answered
    overlapped: bool = False
    last_put_started: float = 0.0
    last_put_done: float = 0.0
    read: dict[str, Any] | None = None  # settable values a settled GET showed (no write since)
    deleted: bool = False  # a DELETE answered 2xx, and nothing wrote the relation since
    handed_out: bool = False  # a POST answered this id


class History:
    def __init__(self, shape: Shape, clock: Callable[[], float] = time.monotonic) -> None:
        self.shape = shape
        self.clock = clock
        self.relations: OrderedDict[int, Seen] = OrderedDict()
        self.accepted = Accepted(shape)
        # A repeated PUT may differ in what the server stamps on every write, and only there.
        self.stamps = tuple(
            shape.stamps[role] for role in ("updated-at", "updated-by") if role in shape.stamps
        )

    def held(self) -> dict[str, int]:
        """How many relations are remembered, and the most that will be."""
        return {"Count": len(self.relations), "Limit": MAX_RELATIONS}

    def _seen(self, relation_id: int) -> Seen:
        seen = self.relations.get(relation_id)
        if seen is None:
            seen = self.relations[relation_id] = Seen()
            if len(self.relations) > MAX_RELATIONS:
                self.relations.popitem(last=False)
        else:
            self.relations.move_to_end(relation_id)
        return seen

    def started(self, exchange: Exchange) -> None:
        """A request goes upstream."""
        if exchange.method in WRITES and exchange.relation_id is not None:
            seen = self._seen(exchange.relation_id)
            seen.overlapped = seen.in_flight > 0
            seen.in_flight += 1
            seen.last_put_started = exchange.started

    def finished(self, exchange: Exchange) -> None:
        """Its answer (or failure) is in; call once per `started`."""
        if exchange.method in WRITES and exchange.relation_id is not None:
            seen = self._seen(exchange.relation_id)
            seen.in_flight = max(0, seen.in_flight - 1)
            seen.last_put_done = self.clock()

    def check(self, exchange: Exchange, outcome: Outcome) -> list[Finding]:
        self.accepted.saw_answer(outcome)
        rid = exchange.relation_id
        if exchange.method == "POST":
            rid = self._created_id(exchange, outcome)
        if rid is None or not exchange.judged or exchange.is_default:
            return []
        seen = self._seen(rid)
        out: list[Finding] = []
        method, status, entity = exchange.method, outcome.status, outcome.entity
        settled = self._settled(exchange, seen)
        if method in ("PUT", "POST", "PATCH"):
            out += self.accepted.check(exchange, outcome)
        if method in WRITES and not seen.deleted:
            out += self._stale(exchange, outcome, seen)
        if method == "PUT" and 200 <= status < 300:
            out += self._put(exchange, outcome, seen)
        elif method == "POST":
            out += lifecycle.created(
                rid,
                handed_out=seen.handed_out,
                stored=seen.written is not None,
                key=self.shape.key,
                noun=self.shape.name,
            )
            out += self._saved(exchange, outcome, seen, self._complete(exchange), "POST")
            seen.handed_out = True
        elif method == "PATCH":
            clean = not seen.overlapped and seen.in_flight == 0
            if seen.deleted and clean:
                out += lifecycle.after_delete(exchange, status, rid, self.shape.name)
            known = seen.expected or seen.read
            if clean and known is not None and not seen.deleted:
                out += lifecycle.patch_findings(exchange, status, entity, known, self.shape)
            if status == 200:
                values = self.shape.values(entity) if entity is not None and not exchange.select else None
                expected = {name: values[name] for name in self.shape.settable} if values else None
                out += self._saved(exchange, outcome, seen, expected, "PATCH")
        elif method == "DELETE" and 200 <= status < 300:
            seen.deleted = not seen.overlapped and seen.in_flight == 0
            seen.written = seen.expected = seen.read = seen.version = seen.last_put = None
        elif method == "GET":
            if seen.deleted and settled:
                out += lifecycle.after_delete(exchange, status, rid, self.shape.name)
            elif status == 404 and seen.written is not None and settled:
                out.append(
                    self._finding(
                        "persistence", "status", f"answered 404 for a {self.shape.name} a write stored before"
                    )
                )
            elif status == 200 and entity is not None and not exchange.select:
                out += self._get(exchange, entity, seen)
        moment = _stamp(exchange, outcome, self.shape)
        moment = moment or (outcome.last_modified if 200 <= status < 300 else None)
        if moment is not None and (seen.newest is None or moment > seen.newest):
            seen.newest, seen.newest_at = moment, self.clock()
        return out

    def _created_id(self, exchange: Exchange, outcome: Outcome) -> int | None:
        """The id a POST answered 200 with (None when `$select` may have nulled it, or it is no id)."""
        if outcome.status != 200 or outcome.entity is None:
            return None
        number = as_int(outcome.entity.get(self.shape.key))
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            return None
        return number

    def _complete(self, exchange: Exchange) -> dict[str, Any] | None:
        """The settable values a PUT or POST of this body stores, when the body gives all of them."""
        if exchange.request_findings:
            return None
        expected = self.shape.expected(exchange.body, exchange.media)
        return expected if expected is not None and len(expected) == len(self.shape.settable) else None

    @staticmethod
    def _finding(check: str, location: str, message: str) -> Finding:
        return Finding(RESPONSE, check, location, message)

    @staticmethod
    def _settled(exchange: Exchange, seen: Seen) -> bool:
        """No write of the relation in flight, and every earlier one answered before this one began."""
        return seen.in_flight == 0 and exchange.started >= seen.last_put_done

    def _stale(self, exchange: Exchange, outcome: Outcome, seen: Seen) -> list[Finding]:
        raw = exchange.headers.get("if-unmodified-since")
        if (
            raw is None
            or not 200 <= outcome.status < 300
            or seen.newest is None
            or seen.newest_at > exchange.started
        ):
            return []
        since = http_date(raw)
        if since is None or second(seen.newest) <= since:
            return []
        return [
            self._finding(
                "precondition",
                "header If-Unmodified-Since",
                f"{raw!r} is older than UpdatedDate {seen.newest.isoformat()} shown by an earlier "
                f"answer; the spec refuses such a {exchange.method} with 412 and changes nothing, but it "
                f"was answered {outcome.status}",
            )
        ]

    def _put(self, exchange: Exchange, outcome: Outcome, seen: Seen) -> list[Finding]:
        clean = not seen.overlapped and seen.in_flight == 0
        last_put = seen.last_put
        out = self._saved(exchange, outcome, seen, self._complete(exchange), "PUT")
        entity = outcome.entity
        if entity is None or exchange.select or not clean:
            return out
        values = self.shape.values(entity)
        if last_put is not None and last_put[0] == exchange.fingerprint:
            for name, (before, after) in self.shape.differences(
                last_put[1], values, skip=self.stamps
            ).items():
                out.append(
                    self._finding(
                        "idempotence",
                        f"body/{name}",
                        f"is {show(after)}; the same PUT just before answered {show(before)}, and "
                        "PUT is idempotent",
                    )
                )
        seen.last_put = (exchange.fingerprint, values)
        return out

    def _saved(
        self, exchange: Exchange, outcome: Outcome, seen: Seen, expected: dict[str, Any] | None, label: str
    ) -> list[Finding]:
        """A write answered 2xx: UpdatedDate moved on; what it stored becomes what GET must show."""
        out: list[Finding] = []
        entity = outcome.entity
        clean = not seen.overlapped and seen.in_flight == 0
        updated = _stamp(exchange, outcome, self.shape) or outcome.last_modified
        if (
            clean
            and label != "POST"
            and updated is not None
            and seen.written is not None
            and exchange.started - seen.written_at >= 1.05
            and second(updated) <= second(seen.written)
        ):
            out.append(
                self._finding(
                    "clock",
                    f"body/{self.shape.updated or 'UpdatedDate'}",
                    f"is {updated.isoformat()} (not later than {seen.written.isoformat()}) for a "
                    f"{label} sent more than a second after the last write was answered: UpdatedDate is "
                    "the time of the write",
                )
            )
        seen.deleted = False
        seen.expected = expected if clean else None
        seen.read = None
        if clean and updated is not None:
            seen.written, seen.written_at = updated, self.clock()
        if entity is None or exchange.select or not clean:
            seen.version, seen.last_put = None, None
            return out
        if label != "PUT":
            seen.last_put = None
        stamp = _moment(entity, self.shape)
        if stamp is not None:
            seen.version, seen.version_at = (stamp, self.shape.values(entity), label), self.clock()
        return out

    def _get(self, exchange: Exchange, entity: Mapping[str, Any], seen: Seen) -> list[Finding]:
        updated = _moment(entity, self.shape)
        if updated is None:
            return []
        field = self.shape.updated or "UpdatedDate"
        values = self.shape.values(entity)
        out: list[Finding] = []
        settled = self._settled(exchange, seen)
        if settled and seen.written is not None and second(updated) < second(seen.written):
            out.append(
                self._finding(
                    "persistence",
                    f"body/{field}",
                    f"is {entity.get(field)!r}, older than {seen.written.isoformat()} from "
                    "a write answered before this GET: the write was not kept",
                )
            )
        elif settled and seen.expected is not None:
            for name, want in seen.expected.items():
                if not self.shape.same(self.shape.kinds[name], want, entity.get(name)):
                    out.append(
                        self._finding(
                            "persistence",
                            f"body/{name}",
                            f"is {show(entity.get(name))}; the last write answered 2xx stored "
                            f"{show(want)} (a refused write, a $select on one, a failed test, a stale "
                            "DELETE change nothing else)",
                        )
                    )
        version = seen.version
        if settled and not out and version is not None and version[0] == updated:
            for name, (before, after) in self.shape.differences(version[1], values).items():
                out.append(
                    self._finding(
                        "same-version",
                        f"body/{name}",
                        f"is {show(after)}, but {show(before)} in the {version[2]} answer with the "
                        f"same {field} "
                        f"{entity.get(field)!r}",
                    )
                )
        if settled and (version is None or updated >= version[0]):
            where = f"GET ({exchange.headers.get('accept') or 'no Accept'})"
            seen.version, seen.version_at = (updated, values, where), self.clock()
        if settled and not out:
            seen.read = {name: entity.get(name) for name in self.shape.settable}
        return out
