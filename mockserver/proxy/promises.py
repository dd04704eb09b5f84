"""Promises the spec makes in words, checked on each exchange alone: what no schema can say.

- a request the spec refuses (no credentials, no body, a body or parameter that breaks its schema,
  an undocumented Content-Type) is not answered 2xx; an id that matches no route is not answered
  412 (routing comes first);
- 412 only for an `If-Unmodified-Since` that is sent and not later than the server's clock;
- no 406: ASP.NET Web API answers an `Accept` that matches nothing in JSON;
- a 200 relation's RelationId is the path's; `$select` leaves every unselected field null (or a
  value type's default); a PUT answer carries the settable values the body sent, and empty ones
  for what it left out; SourceContactId and DestinationContactId are mandatory;
- a PUT answer's UpdatedDate is the time of the write (not ahead of the answer's `Date`, not more
  than a minute behind it) and its UpdatedBy names the Basic user who wrote.

Exchanges that use the mock's own switches (`Prefer`, `__code`...) are not judged.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mockserver.protocol import http_date
from mockserver.proxy.findings import RESPONSE, Finding
from mockserver.proxy.values import MANDATORY, Shape, instant, second, show

AHEAD = timedelta(seconds=5)  # UpdatedDate may lead the answer's Date by clock granularity only
BACKDATED = timedelta(seconds=60)
NO_DATE_SLACK = timedelta(minutes=5)  # without a Date header the proxy's own clock is the reference
_REFUSED = {
    "request-security": "401",
    "request-body": "400",
    "request-parameters": "400 or 404",
    "request-content-type": "415",
}


@dataclass(slots=True)
class Exchange:
    """One exchange as the worded checks see it."""

    method: str
    relation_id: int | None
    query: Sequence[tuple[str, str]]
    headers: Mapping[str, str]  # lower-cased names
    media: str  # the request body's media type
    fingerprint: bytes
    started: float  # monotonic
    body: Any = None  # the request body's value (JSON, XML or form), when readable
    xml_namespace: str | None = None  # an XML body's root namespace ("" for none)
    request_findings: Sequence[Finding] = field(default_factory=list)

    @property
    def judged(self) -> bool:
        return "prefer" not in self.headers and not any(name.startswith("__") for name, _ in self.query)

    @property
    def select(self) -> str:
        return next((value for name, value in self.query if name == "$select"), "").strip()


@dataclass(slots=True)
class Outcome:
    """The answer as the worded checks see it."""

    status: int
    entity: dict[str, Any] | None  # a 200 relation, parsed
    date: datetime | None  # the answer's Date
    last_modified: datetime | None
    arrived: float  # monotonic
    wall: datetime  # the proxy's clock when it arrived
    xml_namespace: str | None = None  # a 200 XML answer's root namespace ("" for none)
    last_modified_text: str | None = None  # the Last-Modified header as sent


def _finding(check: str, location: str, message: str) -> Finding:
    return Finding(RESPONSE, check, location, message)


class Promises:
    def __init__(self, shape: Shape) -> None:
        self.shape = shape

    def check(self, exchange: Exchange, outcome: Outcome) -> list[Finding]:
        if not exchange.judged:
            return []
        out = self._statuses(exchange, outcome)
        entity = outcome.entity
        if outcome.status != 200 or entity is None:
            return out
        got = entity.get("RelationId")
        projected = bool(exchange.select) and self.shape.unselected("RelationId", got)
        if (
            got is not None
            and not projected
            and exchange.relation_id is not None
            and _as_id(got) != exchange.relation_id
        ):
            out.append(
                _finding("path-id", "body/RelationId", f"is {got!r}; the path names {exchange.relation_id}")
            )
        if exchange.select:  # a projected answer: only the projection is judged
            return out + self._select(exchange.select, entity)
        out += self._last_modified(entity, outcome)
        if exchange.method == "PUT":
            out += (
                self._round_trip(exchange, entity)
                + self._clock(entity, outcome)
                + self._updated_by(exchange, entity)
            )
        return out

    def _statuses(self, exchange: Exchange, outcome: Outcome) -> list[Finding]:
        status, out = outcome.status, []
        broken = next((f for f in exchange.request_findings if f.check in _REFUSED), None)
        if broken is not None and (200 <= status < 300 or status == 304):
            check = "auth-enforced" if broken.check == "request-security" else "invalid-request-refused"
            out.append(
                _finding(
                    check,
                    broken.location,
                    f"answered {status} to a request the spec refuses ({broken.location}: {broken.message}); "
                    f"expected {_REFUSED[broken.check]}",
                )
            )
        no_route = any(
            f.check == "request-parameters" and f.location.startswith("path ")
            for f in exchange.request_findings
        )
        if status == 412 and no_route:
            out.append(
                _finding(
                    "route-first", "path", "answered 412 for an id that matches no route: 404 comes first"
                )
            )
        if status == 412 and not no_route:
            out += self._precondition_refusal(exchange, outcome)
        if status == 406:
            out.append(
                _finding(
                    "accept-fallback",
                    "header Accept",
                    f"answered 406 to Accept {exchange.headers.get('accept', '')!r}; the real "
                    "server (ASP.NET "
                    "Web API) answers an Accept that matches nothing in JSON",
                )
            )
        return out

    def _precondition_refusal(self, exchange: Exchange, outcome: Outcome) -> list[Finding]:
        raw = exchange.headers.get("if-unmodified-since")
        if raw is None:
            if any(h in exchange.headers for h in ("if-match", "if-none-match", "if-modified-since")):
                return []
            return [
                _finding(
                    "precondition",
                    "header If-Unmodified-Since",
                    "answered 412 to a request with no precondition",
                )
            ]
        since = http_date(raw)
        now = outcome.date or outcome.wall
        if since is not None and since > now + AHEAD:
            return [
                _finding(
                    "precondition",
                    "header If-Unmodified-Since",
                    f"answered 412 to {raw!r}, later than the server's clock ({now.isoformat()}): "
                    "nothing can have "
                    "changed since then, so the PUT must go through",
                )
            ]
        return []

    def _select(self, raw: str, entity: Mapping[str, Any]) -> list[Finding]:
        whole: set[str] = set()
        members: dict[str, set[str]] = {}
        by_lower = {name.lower(): name for name in self.shape.kinds}
        for item in raw.split(","):
            parent, _, member = item.strip().strip("/").partition("/")
            name = by_lower.get(parent.strip().lower())
            if name is None:
                continue
            if member.strip():
                members.setdefault(name, set()).add(member.strip().lower())
            else:
                whole.add(name)
        if not whole and not members:
            return []
        out = []
        for name in self.shape.kinds:
            value = entity.get(name)
            if name in whole:
                continue
            if name in members and isinstance(value, Mapping):
                kept = [
                    k
                    for k, v in value.items()
                    if k.lower() not in members[name] and not self.shape.unselected(name, v, k)
                ]
                if kept:
                    out.append(
                        _finding(
                            "select",
                            f"body/{name}",
                            f"keeps {', '.join(kept)}; $select={raw!r} names only "
                            f"{', '.join(sorted(members[name]))} "
                            "of it, and unselected members are null",
                        )
                    )
            elif name not in members and not self.shape.unselected(name, value):
                out.append(
                    _finding(
                        "select",
                        f"body/{name}",
                        f"is {show(value)}; $select={raw!r} leaves it out, so it is null",
                    )
                )
        return out

    def _round_trip(self, exchange: Exchange, entity: Mapping[str, Any]) -> list[Finding]:
        if exchange.request_findings:
            return []
        expected = self.shape.expected(exchange.body, exchange.media)
        if expected is None:
            return []
        out = []
        for name, want in expected.items():
            got = entity.get(name)
            if self.shape.same(self.shape.kinds[name], want, got):
                continue
            sent = isinstance(exchange.body, Mapping) and exchange.body.get(name) is not None
            check, why = (
                ("round-trip", "the PUT body sent it")
                if sent
                else ("replace", "the PUT left it out or null, and PUT replaces the relation")
            )
            out.append(_finding(check, f"body/{name}", f"is {show(got)}; expected {show(want)}: {why}"))
        for name in MANDATORY:
            if name in expected and not expected[name]:
                out.append(
                    _finding(
                        "mandatory-reference",
                        f"body/{name}",
                        f"a PUT without {name} (0, null or left out) was accepted; the value is mandatory",
                    )
                )
        return out

    def _clock(self, entity: Mapping[str, Any], outcome: Outcome) -> list[Finding]:
        updated = instant(entity.get("UpdatedDate"))
        if updated is None:
            return []
        now = outcome.date or outcome.wall
        where = "the answer's Date" if outcome.date else "the proxy's clock"
        if second(updated) > now + AHEAD:
            return [
                _finding(
                    "clock",
                    "body/UpdatedDate",
                    f"is {entity.get('UpdatedDate')!r}, ahead of {where} {now.isoformat()}",
                )
            ]
        if updated < now - BACKDATED - (timedelta(0) if outcome.date else NO_DATE_SLACK):
            return [
                _finding(
                    "clock",
                    "body/UpdatedDate",
                    f"is {entity.get('UpdatedDate')!r}, more than {BACKDATED.seconds} s before {where} "
                    f"{now.isoformat()}: UpdatedDate is the time of the write",
                )
            ]
        return []

    def _last_modified(self, entity: Mapping[str, Any], outcome: Outcome) -> list[Finding]:
        """The spec's Last-Modified: "The entity's UpdatedDate as an HTTP-date"."""
        raw = outcome.last_modified_text
        if raw is None:
            return []
        if outcome.last_modified is None:
            return [_finding("last-modified", "header Last-Modified", f"{raw!r} is not an HTTP-date")]
        updated = instant(entity.get("UpdatedDate"))
        if updated is None or second(updated) == outcome.last_modified:
            return []
        return [
            _finding(
                "last-modified",
                "header Last-Modified",
                f"is {raw!r}, but the relation's UpdatedDate is {entity.get('UpdatedDate')!r}: "
                "Last-Modified is "
                "the entity's UpdatedDate as an HTTP-date",
            )
        ]

    def _updated_by(self, exchange: Exchange, entity: Mapping[str, Any]) -> list[Finding]:
        user = _basic_user(exchange.headers.get("authorization"))
        who = entity.get("UpdatedBy")
        if not user or not isinstance(who, Mapping):
            return []
        names = {str(who.get(key) or "").lower() for key in ("Name", "UserName")}
        if user.lower() in names:
            return []
        return [
            _finding(
                "updated-by",
                "body/UpdatedBy",
                f"names {show(who.get('Name'))} / {show(who.get('UserName'))}; the write was made "
                "by the Basic "
                f"user {user!r} (Associate.Name is the login name)",
            )
        ]


def _as_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return value


def _basic_user(authorization: str | None) -> str | None:
    scheme, _, credential = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic" or not credential.strip():
        return None
    try:
        decoded = base64.b64decode(credential.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, _ = decoded.partition(":")
    return user if colon and user else None


__all__ = ["UTC", "Exchange", "Outcome", "Promises"]
