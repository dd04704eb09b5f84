"""Promises about a relation across exchanges, judged from what the proxy saw of it.

- a PUT whose `If-Unmodified-Since` is older than an UpdatedDate an earlier answer showed is 412;
- UpdatedDate moves on: a PUT sent a second or more after the last one's answer has a later one;
- a GET shows the last acknowledged write: never an older UpdatedDate, never 404, and its settable
  values (references, Comment, Reversed) are those of the last PUT answered 2xx (a refused PUT,
  a `$select` on it, change nothing else);
- one UpdatedDate is one version: two GETs that show it (JSON, XML, text/json) show the same values;
- the same PUT body twice in a row gives the same relation, its stamps aside;
- a PUT refused 400 with the very body a PUT already had accepted (in another media type, or
  without `$select`) breaks "every content type carries the whole entity" (or "`$select` changes
  the answer only").

The memory is bounded (least recently used relations forgotten). It assumes that the writes to
a relation go through the proxy, or at least not in the same second as those that do; PUTs of
one relation in flight together make nothing certain, so they are not judged.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from mockserver.protocol import http_date
from mockserver.proxy.findings import RESPONSE, Finding
from mockserver.proxy.promises import Exchange, Outcome
from mockserver.proxy.values import Shape, instant, second, show

MAX_RELATIONS = 10_000
MAX_ACCEPTED = 1_000
STAMPS = ("UpdatedDate", "UpdatedBy")


def _stamp(exchange: Exchange, outcome: Outcome) -> datetime | None:
    """The answer's UpdatedDate, unless a `$select` may have replaced it by a default."""
    if outcome.entity is None or exchange.select:
        return None
    return instant(outcome.entity.get("UpdatedDate"))


_EMPTY = {"int": 0, "str": "", "date": "0001-01-01T00:00:00"}


def _canonical(body: Mapping[str, Any], kinds: Mapping[str, str]) -> bytes:
    """A body as the spec reads it: a value field left out or null is its empty value, a carrier left
    out or null is none (the spec: "null is a property's empty value"), as sorted JSON."""

    def drop(node: Any) -> Any:
        if isinstance(node, Mapping):
            return {key: drop(sub) for key, sub in node.items() if sub is not None}
        if isinstance(node, list):
            return [drop(item) for item in node]
        return node

    out = {name: empty for name, kind in kinds.items() if (empty := _EMPTY.get(kind)) is not None}
    out.update({key: drop(value) for key, value in body.items() if value is not None})
    return orjson.dumps(out, option=orjson.OPT_SORT_KEYS)


@dataclass(slots=True)
class Seen:
    """What the proxy knows of one relation."""

    newest: datetime | None = None  # the newest UpdatedDate/Last-Modified an answer showed
    newest_at: float = 0.0
    written: datetime | None = None  # UpdatedDate of the last acknowledged PUT
    written_at: float = 0.0
    expected: dict[str, Any] | None = None  # settable values the last acknowledged PUT stored
    version: tuple[datetime, dict[str, Any], str] | None = None  # (UpdatedDate, values, where seen)
    version_at: float = 0.0
    last_put: tuple[bytes, dict[str, Any]] | None = None  # (request fingerprint, answer values)
    in_flight: int = 0
    overlapped: bool = False
    last_put_started: float = 0.0
    last_put_done: float = 0.0


class History:
    def __init__(self, shape: Shape, clock: Callable[[], float] = time.monotonic) -> None:
        self.shape = shape
        self.clock = clock
        self.relations: OrderedDict[int, Seen] = OrderedDict()
        self.accepted: OrderedDict[bytes, str] = OrderedDict()  # accepted body digest -> media type
        self.refused: OrderedDict[bytes, str] = OrderedDict()  # refused (400) body digest -> media type
        self.answer_namespace: str | None = None  # the namespace the upstream writes XML answers in

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
        if exchange.method == "PUT" and exchange.relation_id is not None:
            seen = self._seen(exchange.relation_id)
            seen.overlapped = seen.in_flight > 0
            seen.in_flight += 1
            seen.last_put_started = exchange.started

    def finished(self, exchange: Exchange) -> None:
        """Its answer (or failure) is in; call once per `started`."""
        if exchange.method == "PUT" and exchange.relation_id is not None:
            seen = self._seen(exchange.relation_id)
            seen.in_flight = max(0, seen.in_flight - 1)
            seen.last_put_done = self.clock()

    def check(self, exchange: Exchange, outcome: Outcome) -> list[Finding]:
        if outcome.xml_namespace is not None:
            self.answer_namespace = outcome.xml_namespace
        rid = exchange.relation_id
        if rid is None or not exchange.judged:
            return []
        seen = self._seen(rid)
        out: list[Finding] = []
        if exchange.method == "PUT":
            out += self._stale(exchange, outcome, seen)
            out += self._accepted_before(exchange, outcome)
            if 200 <= outcome.status < 300:
                out += self._put(exchange, outcome, seen)
        elif exchange.method == "GET":
            if outcome.status == 404 and seen.written is not None and self._settled(exchange, seen):
                out.append(
                    self._finding("persistence", "status", "answered 404 for a relation a PUT stored before")
                )
            elif outcome.status == 200 and outcome.entity is not None and not exchange.select:
                out += self._get(exchange, outcome.entity, seen)
        moment = _stamp(exchange, outcome)
        moment = moment or (outcome.last_modified if 200 <= outcome.status < 300 else None)
        if moment is not None and (seen.newest is None or moment > seen.newest):
            seen.newest, seen.newest_at = moment, self.clock()
        return out

    @staticmethod
    def _finding(check: str, location: str, message: str) -> Finding:
        return Finding(RESPONSE, check, location, message)

    @staticmethod
    def _settled(exchange: Exchange, seen: Seen) -> bool:
        """No PUT of the relation in flight, and every earlier one answered before this GET began."""
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
                "answer; the "
                f"spec refuses such a PUT with 412 and changes nothing, but it was answered {outcome.status}",
            )
        ]

    def _accepted_before(self, exchange: Exchange, outcome: Outcome) -> list[Finding]:
        """The very body (as the spec reads it) answered 2xx once and 400 another time, in any media
        type, with or without `$select`: the values decide, and every content type carries the whole
        entity."""
        if exchange.request_findings or not isinstance(exchange.body, Mapping):
            return []
        if outcome.status != 400 and not 200 <= outcome.status < 300:
            return []
        # XML in another namespace than the server's own answers is another dialect (a .NET
        # DataContractSerializer reads only its own): compared only with XML in that namespace.
        dialect = b""
        if exchange.xml_namespace is not None and exchange.xml_namespace != self.answer_namespace:
            dialect = b"xml:" + exchange.xml_namespace.encode()
        key = hashlib.blake2b(_canonical(exchange.body, self.shape.kinds) + dialect, digest_size=16).digest()
        now = exchange.media + (" with $select" if exchange.select else "")
        mine, other = (self.accepted, self.refused) if outcome.status < 300 else (self.refused, self.accepted)
        mine[key] = now
        mine.move_to_end(key)
        if len(mine) > MAX_ACCEPTED:
            mine.popitem(last=False)
        before = other.get(key)
        if before is None:
            return []
        answered = "accepted" if outcome.status < 300 else "refused 400"
        earlier = "refused 400" if outcome.status < 300 else "accepted"
        return [
            self._finding(
                "accepted-before",
                "body",
                f"a {now} body was {answered}, but the same values were {earlier} before ({before}): the "
                "values decide, in every content type",
            )
        ]

    def _put(self, exchange: Exchange, outcome: Outcome, seen: Seen) -> list[Finding]:
        out: list[Finding] = []
        entity = outcome.entity
        clean = not seen.overlapped and seen.in_flight == 0
        updated = _stamp(exchange, outcome) or outcome.last_modified
        if (
            clean
            and updated is not None
            and seen.written is not None
            and exchange.started - seen.written_at >= 1.05
            and second(updated) <= second(seen.written)
        ):
            out.append(
                self._finding(
                    "clock",
                    "body/UpdatedDate",
                    f"is {updated.isoformat()} (not later than {seen.written.isoformat()}) for a "
                    "PUT sent more than "
                    "a second after the last one was answered: UpdatedDate is the time of the write",
                )
            )
        expected = (
            self.shape.expected(exchange.body, exchange.media) if not exchange.request_findings else None
        )
        complete = clean and expected is not None and len(expected) == len(self.shape.settable)
        seen.expected = expected if complete else None
        if clean and updated is not None:
            seen.written, seen.written_at = updated, self.clock()
        if entity is None or exchange.select or not clean:
            seen.version, seen.last_put = None, None
            return out
        values = self.shape.values(entity)
        if seen.last_put is not None and seen.last_put[0] == exchange.fingerprint:
            for name, (before, after) in self.shape.differences(
                seen.last_put[1], values, skip=STAMPS
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
        stamp = instant(entity.get("UpdatedDate"))
        if stamp is not None:
            seen.version, seen.version_at = (stamp, values, "PUT"), self.clock()
        return out

    def _get(self, exchange: Exchange, entity: Mapping[str, Any], seen: Seen) -> list[Finding]:
        updated = instant(entity.get("UpdatedDate"))
        if updated is None:
            return []
        values = self.shape.values(entity)
        out: list[Finding] = []
        settled = self._settled(exchange, seen)
        if settled and seen.written is not None and second(updated) < second(seen.written):
            out.append(
                self._finding(
                    "persistence",
                    "body/UpdatedDate",
                    f"is {entity.get('UpdatedDate')!r}, older than {seen.written.isoformat()} from "
                    "a PUT answered "
                    "before this GET: the write was not kept",
                )
            )
        elif settled and seen.expected is not None:
            for name, want in seen.expected.items():
                if not self.shape.same(self.shape.kinds[name], want, entity.get(name)):
                    out.append(
                        self._finding(
                            "persistence",
                            f"body/{name}",
                            f"is {show(entity.get(name))}; the last PUT answered 2xx stored "
                            f"{show(want)} (a refused "
                            "PUT, or a $select on one, changes nothing else)",
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
                        "same UpdatedDate "
                        f"{entity.get('UpdatedDate')!r}",
                    )
                )
        if settled and (version is None or updated >= version[0]):
            where = f"GET ({exchange.headers.get('accept') or 'no Accept'})"
            seen.version, seen.version_at = (updated, values, where), self.clock()
        return out
