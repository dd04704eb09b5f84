"""Promises of the rest of the resource (POST, PATCH, DELETE, GET default), judged on one exchange.

Each with its source (V: the vendor's documents, R: an RFC, O: our choice, written into the spec):
- DELETE: 204 "ContactRelationEntity deleted." carries no content, so no Content-Length but 0 (V;
  R: RFC 9110 §15.3.5, §8.6);
- POST: the answer is the new relation, its RelationId assigned by the server, so a positive id (V:
  POST creates; the RelationId of a body is ignored, O), with its `_Links` (V: the answer's schema
  is ContactRelationEntityWithLinks; unless `$select` left them out); its CreatedDate is the time of the write
  and its CreatedBy the Basic user who wrote (V: the server sets them); its UpdatedDate is empty or
  the time of the write, its UpdatedBy none or that user (a real server may leave them empty on a
  relation nobody has updated yet);
- PATCH: a 200 answer holds the values the patch set, `add` and `replace` the value, `remove` and
  a merge patch's `null` the empty one (V: RFC 6902 and RFC 7396, as the vendor reads them); 409
  only for a patch that has a `test` (V: "Update blocked because a 'test' operation has detected
  a conflict with the entity value.");
- GET default: the entity a client fills in and POSTs, stored nowhere, so RelationId 0 and no
  `_Links` (V: its schema is ContactRelationEntity, which has no `_Links`). Other pre-filled
  values are the server's to choose.

Each resource is judged with its own `Shape`: its key for RelationId, its `x-server-set` fields for
CreatedDate, CreatedBy, UpdatedDate and UpdatedBy (a promise about a field it has none of is not
judged).

The cross-exchange promises of these operations (a deleted relation stays deleted, ids are never
handed out twice, a failed `test` or a stale DELETE changes nothing) are `lifecycle`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.proxy.exchange import Exchange, Outcome
from mockserver.proxy.findings import RESPONSE, Finding
from mockserver.proxy.stamps import clock, is_empty_date, written_by
from mockserver.proxy.values import Shape, as_int, show


def _finding(check: str, location: str, message: str) -> Finding:
    return Finding(RESPONSE, check, location, message)


def patched_values(exchange: Exchange, shape: Shape) -> dict[str, Any] | None:
    """The settable values an applied PATCH sets (name -> value); None when it cannot be told."""
    patch = exchange.patch
    if patch is None or exchange.request_findings:
        return None
    out: dict[str, Any] = {}
    for operation in patch.operations:
        if operation.member is not None or operation.name not in shape.settable or operation.op == "test":
            continue
        removed = operation.op == "remove" or operation.value is None
        out[operation.name] = shape.empty(operation.name) if removed else operation.value
    return out


class Resource:
    def __init__(self, shape: Shape) -> None:
        self.shape = shape

    def check(self, exchange: Exchange, outcome: Outcome) -> list[Finding]:
        if not exchange.judged:
            return []
        method, status, entity = exchange.method, outcome.status, outcome.entity
        if method == "DELETE" and status == 204:
            return self._no_content(outcome)
        if method == "PATCH" and status == 409:
            return self._conflict(exchange)
        if status != 200 or entity is None:
            return []
        if exchange.is_default:
            return self._default(entity)
        if method == "POST":
            return self._created(exchange, outcome, entity)
        if method == "PATCH" and not exchange.select:
            return self._patched(exchange, entity)
        return []

    @staticmethod
    def _no_content(outcome: Outcome) -> list[Finding]:
        length = (outcome.content_length or "0").strip()
        if length == "0":
            return []
        return [
            _finding(
                "no-content",
                "header Content-Length",
                f"is {length} on a 204: a DELETE answered 204 carries no content (RFC 9110 §15.3.5)",
            )
        ]

    @staticmethod
    def _conflict(exchange: Exchange) -> list[Finding]:
        body = exchange.body
        if isinstance(body, list):
            tested = any(isinstance(item, Mapping) and item.get("op") in ("test", 4) for item in body)
        elif isinstance(body, Mapping):
            tested = False  # a merge patch has no `test`
        else:
            return []
        if tested:
            return []
        return [
            _finding(
                "test-conflict",
                "status",
                "answered 409 to a PATCH without a `test` operation; the vendor's 409 is \"Update blocked "
                "because a 'test' operation has detected a conflict with the entity value.\"",
            )
        ]

    def _default(self, entity: Mapping[str, Any]) -> list[Finding]:
        out = []
        key = self.shape.key
        got = entity.get(key)
        if got is not None and as_int(got) != 0:
            out.append(
                _finding(
                    "default-entity",
                    f"body/{key}",
                    f"is {show(got)}; the default entity is a new one, stored nowhere yet, so its {key} is 0",
                )
            )
        if entity.get("_Links"):
            out.append(
                _finding(
                    "default-entity",
                    "body/_Links",
                    f"is {show(entity.get('_Links'))}; the default entity is stored nowhere, and the "
                    "vendor documents it without _Links",
                )
            )
        return out

    def _created(self, exchange: Exchange, outcome: Outcome, entity: Mapping[str, Any]) -> list[Finding]:
        out = []
        key, noun, stamps = self.shape.key, self.shape.name, self.shape.stamps
        got = entity.get(key)
        unselected = bool(exchange.select) and self.shape.unselected(key, got)
        number = as_int(got)
        if not unselected and (not isinstance(number, int) or isinstance(number, bool) or number < 1):
            out.append(
                _finding(
                    "created-id",
                    f"body/{key}",
                    f"is {show(got)}; POST answers the new {noun} with the id the server gave it",
                )
            )
        if exchange.select:
            return out
        if not entity.get("_Links"):
            out.append(
                _finding(
                    "created-links",
                    "body/_Links",
                    f"is {show(entity.get('_Links'))}; the POST answer is the new {noun} with its _Links",
                )
            )
        if "created-at" in stamps:
            out += clock(entity, outcome, stamps["created-at"])
        if "created-by" in stamps:
            out += written_by(exchange, entity, stamps["created-by"])
        if "updated-at" in stamps and not is_empty_date(entity.get(stamps["updated-at"])):
            out += clock(entity, outcome, stamps["updated-at"])
        who = entity.get(stamps.get("updated-by", ""))
        if isinstance(who, Mapping) and as_int(who.get("AssociateId")) not in (0, None):
            out += written_by(exchange, entity, stamps["updated-by"])
        return out

    def _patched(self, exchange: Exchange, entity: Mapping[str, Any]) -> list[Finding]:
        expected = patched_values(exchange, self.shape)
        if not expected:
            return []
        out = []
        for name, want in expected.items():
            got = entity.get(name)
            if not self.shape.same(self.shape.kinds[name], want, got):
                out.append(
                    _finding(
                        "patch-applied",
                        f"body/{name}",
                        f"is {show(got)}; the PATCH set it to {show(want)}",
                    )
                )
        return out
