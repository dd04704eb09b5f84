"""Properties about what a server must refuse, or must not take from a body.

SourceContactId and DestinationContactId are mandatory (the vendor); a PUT without a body is 400
and one without credentials 401 (the vendor); a body RelationId other than the path's changes
nothing (our choice, probed only under --strict, as a real tenant might save that relation).
"""

from __future__ import annotations

import json
from typing import Any

from contracts.catalog import OURS
from contracts.errors import NotApplicable
from contracts.properties.client import JSON
from contracts.properties.context import Context, describe, fail, show
from contracts.properties.scratch import COLLECTION, NO_ROUTE, Scratch
from contracts.safety.references import MANDATORY
from contracts.spec import INT
from contracts.values import same_value


def mandatory_references(ctx: Context, _: None) -> None:
    """SourceContactId and DestinationContactId are mandatory: 0, null or absent is refused, unsaved."""
    check = "mandatory_references"
    base: dict[str, Any] = ctx.body(Comment="contracts: mandatory references")
    good = ctx.put(check, base)[0]
    for name in MANDATORY:
        for label, body in (
            ("0", {**base, name: 0}),
            ("null", {**base, name: None}),
            ("left out", {key: value for key, value in base.items() if key != name}),
        ):
            refused = ctx.client.put_json(ctx.relation_id, body)
            if refused.status < 400:
                fail(
                    check,
                    f"a PUT with {name} {label} was accepted",
                    "a 4xx (the value is mandatory)",
                    good,
                    refused,
                )
            read = ctx.read(check, [good, refused])
            if read is not None and ctx.settable_diffs(base, read[1]):
                expected, seen = describe(ctx.settable_diffs(base, read[1]))
                fail(
                    check,
                    f"a refused PUT with {name} {label} changed the relation",
                    expected,
                    good,
                    refused,
                    read[0],
                    seen=seen,
                )

    _posts_refused(ctx, check, base)


def _posts_refused(ctx: Context, check: str, base: dict[str, Any]) -> None:
    """POST reads the body as PUT does (the vendor's POST takes the same entity): the same refusals."""
    with Scratch(ctx, check) as scratch:
        for name in MANDATORY:
            for label, body in (
                ("0", {**base, name: 0}),
                ("null", {**base, name: None}),
                ("left out", {key: value for key, value in base.items() if key != name}),
            ):
                refused = scratch.attempt({**body, "RelationId": 0})
                if ctx.has_post is None and refused.status in NO_ROUTE:
                    return  # no POST on this server: nothing more to judge here
                if refused.status < 400:
                    fail(
                        check,
                        f"a POST with {name} {label} was accepted",
                        "a 4xx (the value is mandatory)",
                        refused,
                        operation=COLLECTION,
                    )


def missing_body(ctx: Context, _: None) -> None:
    check = "missing_body"
    exchange = ctx.client.send("PUT", ctx.relation_id, body=b"", content_type=JSON)
    if exchange.status != 400:
        fail(check, "a PUT without a body was not refused with 400", "400", exchange)


def auth_required(ctx: Context, _: None) -> None:
    """Without credentials: 401 for a PUT and a GET (under --read-only, the GET alone)."""
    check = "auth_required"
    if not ctx.options.read_only:
        payload = json.dumps(ctx.body(Comment="contracts: no credentials"), ensure_ascii=False).encode()
        put = ctx.client.send("PUT", ctx.relation_id, body=payload, content_type=JSON, credentials=False)
        if put.status != 401:
            fail(check, "a PUT without credentials was not refused with 401", "401", put)
    if ctx.has_get is not False:
        read = ctx.client.get(ctx.relation_id, credentials=False)
        if read.status != 401 and read.status not in (405, 501):
            fail(check, "a GET without credentials was not refused with 401", "401", read)


def path_id_wins(ctx: Context, body: dict[str, Any]) -> None:
    """A body RelationId other than the path's: the path names the relation (our choice)."""
    check = "path_id_wins"
    if not (ctx.options.embedded or ctx.options.strict):
        raise NotApplicable(
            "sends a body RelationId other than the path's, which a real tenant might save "
            "under that id: run with --strict to include it"
        )
    other = ctx.relation_id + 1 if ctx.relation_id < 2**31 - 1 else ctx.relation_id - 1
    exchange, entity = ctx.put(check, {**body, "RelationId": other})
    if not same_value(INT, entity.get("RelationId"), ctx.relation_id):
        fail(
            check,
            "the body's RelationId won over the path id",
            f"RelationId={ctx.relation_id}",
            exchange,
            seen=f"RelationId={show(entity.get('RelationId'))} (body said {other})",
            basis=OURS,
        )
    read = ctx.read(check, [exchange])
    if read is not None and ctx.settable_diffs(body, read[1]):
        expected, seen = describe(ctx.settable_diffs(body, read[1]))
        fail(check, "the write did not reach the path's relation", expected, exchange, read[0], seen=seen)
