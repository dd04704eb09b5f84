"""Properties about a relation's life: created by POST, read, patched, deleted, and the default entity.

The vendor documents `POST /api/v1/Relation` ("Creates a new ContactRelationEntity", 200), DELETE
(204 "ContactRelationEntity deleted.", 412 "Delete aborted because ContactRelationEntity has
changed since the requested If-Unmodified-Since timestamp."), GET's 404 for a relation that does
not exist, PATCH's 404 "ContactRelationEntity with given id does not exist in the db." and
`GET /api/v1/Relation/default` ("Set default values into a new ContactRelationEntity", an entity
without `_Links`). Each property works on relations it creates itself (`contracts.properties.scratch`); the
run's own relation is only read, to see that a POST did not write it. (A stale DELETE or PATCH:
`contracts.properties.preconditions`.)
"""

from __future__ import annotations

import re
from typing import Any

from contracts.catalog import OURS
from contracts.errors import NotApplicable
from contracts.properties.client import Exchange
from contracts.properties.context import Context, describe, fail, show
from contracts.properties.scratch import COLLECTION, ITEM, NO_ROUTE, Scratch, fresh

DEFAULT_PATH = "GET /api/v1/Relation/default"
SELF = re.compile(r"/api/v1/Relation/(-?\d+)/?$", re.IGNORECASE)


def lifecycle(ctx: Context, drawn: tuple[dict[str, Any], str]) -> None:
    """Create, read, patch, delete (204), read (404); a PATCH of the deleted relation is 404."""
    check = "lifecycle"
    body, comment = fresh(drawn[0]), drawn[1]
    with Scratch(ctx, check) as scratch:
        post, created, rid = scratch.create(body, exact=True)
        steps: list[Exchange] = [post]
        _same(ctx, check, body, created, steps, "the POST answer does not carry the fields sent")
        _links(check, created, rid, steps)
        read = scratch.read(rid, steps, "GET of the relation just created")
        if read is not None:
            steps.append(read[0])
            _same(ctx, check, body, read[1], steps, "GET of the created relation does not show what was sent")
        patch = scratch.patch(rid, [{"op": "replace", "path": "/Comment", "value": comment}])
        steps.append(patch)
        patched = patch.entity() if patch.status == 200 else None
        if patched is None:
            fail(
                check,
                "PATCH of the created relation was not answered 200 with it",
                "200 and a JSON object",
                *steps,
                operation=f"PATCH {ITEM}",
            )
        changed = {**body, "Comment": comment}
        _same(ctx, check, changed, patched, steps, "the PATCH answer does not show the change")
        read = scratch.read(rid, steps, "GET of the patched relation")
        if read is not None:
            steps.append(read[0])
            _same(ctx, check, changed, read[1], steps, "GET after the PATCH does not show the change")
        delete = scratch.delete(rid)
        steps.append(delete)
        if delete.status != 204:
            fail(
                check,
                "DELETE of the created relation was not answered 204",
                "204 (ContactRelationEntity deleted.)",
                *steps,
                operation=f"DELETE {ITEM}",
            )
        gone = ctx.client.get(rid)
        steps.append(gone)
        if gone.status != 404 and ctx.has_get is not False:
            fail(
                check,
                "GET of the deleted relation did not answer 404",
                "404",
                *steps,
                operation=f"GET {ITEM}",
            )
        again = scratch.patch(rid, [{"op": "replace", "path": "/Comment", "value": comment}])
        steps.append(again)
        if again.status != 404:
            fail(
                check,
                "PATCH of a deleted relation was not answered 404 (PATCH does not create)",
                "404 (ContactRelationEntity with given id does not exist in the db.)",
                *steps,
                operation=f"PATCH {ITEM}",
            )
        if ctx.has_get is not False and (still := ctx.client.get(rid)).status != 404:
            fail(
                check,
                "a PATCH of a deleted relation brought it back",
                "404",
                *steps,
                still,
                operation=f"GET {ITEM}",
            )


def _links(check: str, created: dict[str, Any], rid: int, steps: list[Exchange]) -> None:
    """The vendor's POST answers ContactRelationEntityWithLinks: `_Links.Self` names the new relation."""
    links = created.get("_Links")
    target = links.get("Self") if isinstance(links, dict) else None
    found = SELF.search(target) if isinstance(target, str) else None
    if found is None or found.group(1) != str(rid):
        fail(
            check,
            "the POST answer has no _Links.Self naming the new relation",
            f"_Links.Self ending in /api/v1/Relation/{rid}",
            *steps,
            seen=f"_Links={show(links)}",
            operation=COLLECTION,
        )


def post_ids(ctx: Context, body: dict[str, Any]) -> None:
    """POST ignores a RelationId in the body, and every id it hands out is a new one."""
    check = "post_ids"
    assert ctx.ledger is not None
    earlier = set(ctx.ledger.summary().created)
    with Scratch(ctx, check) as scratch:
        before = _peek(ctx)
        sent = {**body, "RelationId": ctx.relation_id}  # the one relation the run may write
        first, _, id1 = scratch.create(sent)
        second, _, id2 = scratch.create(sent, first)
        steps = [first, second]
        if id1 == id2:
            fail(
                check,
                "two POSTs handed out the same RelationId",
                "two different ids",
                *steps,
                seen=f"RelationId={id1} twice",
                operation=COLLECTION,
            )
        reused = sorted({id1, id2} & earlier)
        if reused:
            fail(
                check,
                "POST handed out an id this run had seen before (deleted since)",
                "an id never handed out before",
                *steps,
                seen=f"RelationId={reused[0]}",
                operation=COLLECTION,
                basis=OURS,
            )
        for rid, exchange in ((id1, first), (id2, second)):
            read = scratch.read(rid, steps, "GET of a relation just created")
            if read is not None:
                _same(
                    ctx,
                    check,
                    body,
                    read[1],
                    [exchange, read[0]],
                    "GET of a created relation does not show it",
                )
        after = _peek(ctx)
        if before is not None and after is not None and ctx.settable_diffs(before[1], after[1]):
            expected, seen = describe(ctx.settable_diffs(before[1], after[1]))
            fail(
                check,
                f"a POST with RelationId {ctx.relation_id} in its body changed that relation",
                expected,
                before[0],
                *steps,
                after[0],
                seen=seen,
                operation=COLLECTION,
            )


def default_entity(ctx: Context, _: None) -> None:
    """GET /default: a new relation's values, RelationId 0 and no _Links (it is no stored relation)."""
    check = "default_entity"
    exchange = ctx.client.get("default")
    if exchange.status in NO_ROUTE and ctx.has_post is not True:
        raise NotApplicable(f"the server offers no {DEFAULT_PATH} (it answered {exchange.status})")
    entity = exchange.entity() if exchange.status == 200 else None
    if entity is None:
        fail(
            check,
            "GET /default was not answered 200 with a JSON object",
            "200 and a ContactRelationEntity",
            exchange,
            operation=DEFAULT_PATH,
        )
    rid = entity.get("RelationId")
    if rid not in (0, None):
        fail(
            check,
            "the default relation has a RelationId",
            "RelationId=0 (a new relation has no id yet)",
            exchange,
            seen=f"RelationId={show(rid)}",
            operation=DEFAULT_PATH,
        )
    if entity.get("_Links") not in (None, {}):
        fail(
            check,
            "the default relation carries _Links",
            "no _Links (ContactRelationEntity, not WithLinks)",
            exchange,
            seen=f"_Links={show(entity.get('_Links'))}",
            operation=DEFAULT_PATH,
        )


def _peek(ctx: Context) -> tuple[Exchange, dict[str, Any]] | None:
    """The run's relation as a GET shows it now, when it shows it (it may not exist yet)."""
    if ctx.has_get is False:
        return None
    exchange = ctx.client.get(ctx.relation_id)
    entity = exchange.entity() if exchange.status == 200 else None
    return (exchange, entity) if entity is not None else None


def _same(
    ctx: Context, check: str, body: dict[str, Any], entity: dict[str, Any], steps: list[Exchange], title: str
) -> None:
    diffs = ctx.settable_diffs(body, entity)
    if diffs:
        expected, seen = describe(diffs)
        fail(check, title, expected, *steps, seen=seen)
