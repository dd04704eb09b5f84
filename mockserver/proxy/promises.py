"""Promises the spec makes in words, checked on each exchange alone: what no schema can say.

Each promise with its source (V: the vendor's documents, F: the framework's default, R: an RFC,
O: our choice, written into the spec):
- a request the spec refuses (no credentials, no body, a body or parameter that breaks its schema,
  an undocumented Content-Type) is not answered 2xx (V: the spec is the vendor's contract), except
  a PATCH in XML or form data, which a real server may accept (tolerated); an id that matches no
  route is not answered 412 (F: routing comes first);
- 412 only for an `If-Unmodified-Since` that is sent and not later than the server's clock (V, R);
- no 406 (F: ASP.NET Web API answers an `Accept` that matches nothing in JSON); no 415 for a
  readable body in a content type the spec documents for the operation (V: PUT and POST consume
  all seven; O: PATCH the four JSON ones);
- a 200 entity's key (`x-primary-key`: RelationId, ContactId, ...) is the path's (O); `$select`
  leaves every unselected field null (or a value type's default) (V); a PUT or POST answer carries
  the settable values the body sent, and empty ones for what it left out (V: PUT replaces the
  entity; POST answers the new entity); the request schema's `required` fields are mandatory
  (V: Relation's SourceContactId and DestinationContactId);
- a PUT or PATCH answer's `updated-at` field (UpdatedDate) is the time of the write (not ahead of
  the answer's `Date`, not more than a minute behind it) and its `updated-by` (UpdatedBy) names the
  Basic user who wrote (V);
- `Last-Modified` is the entity's UpdatedDate (CreatedDate for an entity never updated) (O, R);
- a field `x-derived` joins from the entity's own texts (a person's FullName) is those texts that
  are not empty, joined by one space, whatever a body sent for it (O, from the vendor's "full name").

Every resource of the spec is judged with its own `Shape` (its declarations); settable fields are
those no `x-server-set` or `x-derived` names.

The rest of the resource (POST, PATCH, DELETE, GET default) has promises of its own, in
`resource`. Exchanges that use the mock's own switches (`Prefer`, `__code`...) are not judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.model.references import get_path
from mockserver.protocol import http_date
from mockserver.proxy.exchange import Exchange, Outcome
from mockserver.proxy.findings import RESPONSE, Finding
from mockserver.proxy.stamps import AHEAD, clock, written_by
from mockserver.proxy.values import Shape, instant, second, show

_REFUSED = {
    "request-security": "401",
    "request-body": "400",
    "request-parameters": "400 or 404",
    "request-content-type": "415",
}
_TOLERATED_PATCH_MEDIA = ("application/xml", "text/xml", "application/x-www-form-urlencoded")


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
        if outcome.status != 200 or entity is None or exchange.is_default:
            return out
        key = self.shape.key
        got = entity.get(key)
        projected = bool(exchange.select) and self.shape.unselected(key, got)
        if (
            got is not None
            and not projected
            and exchange.relation_id is not None
            and _as_id(got) != exchange.relation_id
        ):
            out.append(
                _finding("path-id", f"body/{key}", f"is {got!r}; the path names {exchange.relation_id}")
            )
        if exchange.select:  # a projected answer: only the projection is judged
            return out + self._select(exchange.select, entity)
        out += self._last_modified(entity, outcome) + self._joined(entity)
        if exchange.method in ("PUT", "POST"):
            out += self._round_trip(exchange, entity)
        updated, updated_by = self.shape.stamps.get("updated-at"), self.shape.stamps.get("updated-by")
        if exchange.method in ("PUT", "PATCH") and updated is not None:
            out += clock(entity, outcome, updated)
        if exchange.method in ("PUT", "PATCH") and updated_by is not None:
            out += written_by(exchange, entity, updated_by)
        return out

    def _statuses(self, exchange: Exchange, outcome: Outcome) -> list[Finding]:
        status, out = outcome.status, []
        tolerated = exchange.method == "PATCH" and exchange.media in _TOLERATED_PATCH_MEDIA
        broken = next(
            (
                f
                for f in exchange.request_findings
                if f.check in _REFUSED and not (tolerated and f.check == "request-content-type")
            ),
            None,
        )
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
        if (
            status == 415
            and exchange.body is not None
            and not any(f.check == "request-content-type" for f in exchange.request_findings)
        ):
            out.append(
                _finding(
                    "content-type-refused",
                    "header Content-Type",
                    f"answered 415 to a body in {exchange.media}, a content type the spec documents for "
                    f"{exchange.method} (the vendor's PUT and POST take all seven)",
                )
            )
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
                    f"nothing can have changed since then, so the {exchange.method} must go through",
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
            method = exchange.method
            check, why = (
                ("round-trip", f"the {method} body sent it")
                if sent
                else (
                    "replace",
                    f"the {method} left it out or null, and {method} sends the whole {self.shape.name}",
                )
            )
            out.append(_finding(check, f"body/{name}", f"is {show(got)}; expected {show(want)}: {why}"))
        for name in self.shape.mandatory:
            if name in expected and not expected[name]:
                out.append(
                    _finding(
                        "mandatory-reference",
                        f"body/{name}",
                        f"a {exchange.method} without {name} (0, null or left out) was accepted; the "
                        "value is mandatory",
                    )
                )
        return out

    def _joined(self, entity: Mapping[str, Any]) -> list[Finding]:
        """x-derived `join`: the server computes the field from the entity's own texts on every read."""
        out = []
        for name, parts in self.shape.joins.items():
            texts = [get_path(entity, part.split("/")) for part in parts]
            if name not in entity or not all(text is None or isinstance(text, str) for text in texts):
                continue
            want = " ".join(text for text in texts if text)
            if (entity.get(name) or "") != want:
                out.append(
                    _finding(
                        "derived",
                        f"body/{name}",
                        f"is {show(entity.get(name))}; the server computes it from {', '.join(parts)} "
                        f"(the texts that are not empty, joined by a space): {show(want)}",
                    )
                )
        return out

    def _last_modified(self, entity: Mapping[str, Any], outcome: Outcome) -> list[Finding]:
        """The spec's Last-Modified: "The entity's UpdatedDate as an HTTP-date" (for an entity never
        updated, whose UpdatedDate is empty, a server may well send its CreatedDate)."""
        raw = outcome.last_modified_text
        if raw is None:
            return []
        if outcome.last_modified is None:
            return [_finding("last-modified", "header Last-Modified", f"{raw!r} is not an HTTP-date")]
        field = self.shape.updated
        if field is None:
            return []
        updated = instant(entity.get(field))
        created = self.shape.stamps.get("created-at")
        if updated is not None and updated.year == 1 and created is not None:
            updated = instant(entity.get(created))
        if updated is None or second(updated) == outcome.last_modified:
            return []
        return [
            _finding(
                "last-modified",
                "header Last-Modified",
                f"is {raw!r}, but the {self.shape.name}'s {field} is {entity.get(field)!r}: "
                f"Last-Modified is the entity's {field} as an HTTP-date",
            )
        ]


def _as_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return value


__all__ = ["Promises"]
