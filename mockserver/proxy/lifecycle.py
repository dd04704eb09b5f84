"""Promises of creating, patching and deleting a relation, judged from what the proxy saw of it.

Each with its source (V: the vendor's documents, O: our choice, written into the spec):
- a relation a DELETE answered 2xx is gone: a later GET is not 200 (V: 204 "ContactRelationEntity
  deleted."), and a later PATCH is not 200 (V: PATCH of an id that does not exist is 404 "with
  given id does not exist in the db.");
- POST creates: it does not answer with the id of a relation the proxy saw stored and not deleted
  (V), nor with an id an earlier POST handed out (O: ids are never handed out twice);
- a PATCH answered 200 passed every `test` in it, and one answered 409 failed one: each `test` of
  a settable value is compared, in order, with the values the relation is known to hold (V: 409
  "Update blocked because a 'test' operation has detected a conflict");
- a PATCH changes only what it names: the settable values it does not touch stay as they were
  (V: "PATCH allows partial updates", RFC 6902).

What a relation "is known to hold" is what the last settled write of it stored (`history`);
nothing is judged while a write of the relation is in flight.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.proxy.exchange import Exchange
from mockserver.proxy.findings import RESPONSE, Finding
from mockserver.proxy.resource import patched_values
from mockserver.proxy.values import Shape, show


def _finding(check: str, location: str, message: str) -> Finding:
    return Finding(RESPONSE, check, location, message)


def after_delete(exchange: Exchange, status: int, relation_id: int, noun: str = "relation") -> list[Finding]:
    """A GET or PATCH of an entity the proxy saw deleted (the caller knows it is settled)."""
    if status != 200:
        return []
    if exchange.method == "GET":
        return [
            _finding(
                "deleted",
                "status",
                f"answered 200 for {noun} {relation_id}, which a DELETE answered 2xx before: a deleted "
                f"{noun} is gone, and GET gives 404",
            )
        ]
    return [
        _finding(
            "patch-creates",
            "status",
            f"answered 200 to a PATCH of relation {relation_id}, which a DELETE answered 2xx before: PATCH "
            "never creates (404 'ContactRelationEntity with given id does not exist in the db.')",
        )
    ]


def created(
    relation_id: int, *, handed_out: bool, stored: bool, key: str = "RelationId", noun: str = "relation"
) -> list[Finding]:
    """A POST answered 200 with this id: one an earlier POST handed out, or one of a stored entity."""
    if handed_out:
        return [
            _finding(
                "unique-ids",
                f"body/{key}",
                f"is {relation_id}, an id an earlier POST handed out: ids are never handed out twice",
            )
        ]
    if stored:
        return [
            _finding(
                "created-id",
                f"body/{key}",
                f"is {relation_id}, the id of a {noun} that exists (written through this proxy and not "
                f"deleted): POST creates a new {noun}",
            )
        ]
    return []


def patch_findings(
    exchange: Exchange, status: int, entity: Mapping[str, Any] | None, known: Mapping[str, Any], shape: Shape
) -> list[Finding]:
    """A settled PATCH of a relation whose settable values are `known` (all of them)."""
    patch = exchange.patch
    if patch is None or exchange.request_findings or status not in (200, 409):
        return []
    values = dict(known)
    failed: list[str] = []
    unjudged = False
    for operation in patch.operations:
        judged = operation.member is None and operation.name in shape.settable
        if operation.op == "test":
            if not judged:
                unjudged = True
            elif not shape.same(shape.kinds[operation.name], operation.value, values[operation.name]):
                failed.append(
                    f"test {operation.name} {show(operation.value)} (it held {show(values[operation.name])})"
                )
        elif judged:
            removed = operation.op == "remove" or operation.value is None
            values[operation.name] = shape.empty(operation.name) if removed else operation.value
    out = []
    if status == 200 and failed:
        out.append(
            _finding(
                "patch-test",
                "status",
                f"answered 200, but {failed[0]} fails: a failed test stops the whole PATCH with 409 and "
                "changes nothing",
            )
        )
    elif status == 409 and not failed and not unjudged and patch.tests:
        out.append(
            _finding(
                "patch-test",
                "status",
                f"answered 409, but every test of the PATCH holds for the values the relation has "
                f"({', '.join(o.name for o in patch.tests)})",
            )
        )
    if status == 200 and entity is not None and not exchange.select:
        touched = patched_values(exchange, shape) or {}
        for name in shape.settable:
            if name in touched or shape.same(shape.kinds[name], known[name], entity.get(name)):
                continue
            out.append(
                _finding(
                    "patch-keeps",
                    f"body/{name}",
                    f"is {show(entity.get(name))}, but was {show(known[name])} and the PATCH does not "
                    "name it: PATCH changes only what it names",
                )
            )
    return out
