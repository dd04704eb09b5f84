"""The properties about time: `If-Unmodified-Since` and the `UpdatedDate` it is compared with.

The vendor: a PUT "Returns HTTP code 412 Precondition failed if the entity has been modified since
the given date+time", and without the header "always updates"; `UpdatedDate` is "Last updated
when in UTC". HTTP dates have whole seconds, so two writes in the same second as a precondition
are both accepted (RFC 9110 13.1.4): nothing here calls that a lost update. What is one: a write
made a second or more after the state a client read, accepted against that older state. The vendor
documents the same 412 for PATCH ("Update aborted ...") and DELETE ("Delete aborted ..."): there a
stale precondition must change nothing and a fresh one let the request through; those properties
work on relations they create (`contracts.properties.scratch`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from contracts.catalog import RFC
from contracts.properties.client import Exchange
from contracts.properties.context import Context, describe, fail
from contracts.properties.scratch import ITEM, Scratch, fresh
from contracts.values import http_date, parse_http_date, parse_instant, same_instant

# How far an UpdatedDate may lie behind the answer's Date (the server's two clocks, a slow write).
BACKDATED = timedelta(seconds=60)
# How far ahead of the answer's Date (a load balancer's clock against the application server's).
AHEAD = timedelta(seconds=5)
# An UpdatedDate before this is the empty date (a record never updated), not a time to compare with.
EPOCH_YEAR = 1970


def concurrency(ctx: Context, drawn: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check = "concurrency"
    first, second = drawn
    put1, entity1 = ctx.put(check, first)
    changed = last_change(put1, entity1)
    if changed is None:
        fail(
            check,
            "no UpdatedDate or Last-Modified to compare If-Unmodified-Since with",
            "an UpdatedDate (or Last-Modified) on the PUT answer",
            put1,
        )
    stale = _put_since(ctx, second, changed - timedelta(days=2))
    if stale.status != 412:
        fail(check, "a stale If-Unmodified-Since was not refused", "412", put1, stale)
    read = ctx.read(check, [put1, stale])
    if read is not None:
        diffs = ctx.settable_diffs(first, read[1])
        if not same_instant(entity1.get("UpdatedDate"), read[1].get("UpdatedDate")):
            diffs.append(("UpdatedDate", entity1.get("UpdatedDate"), read[1].get("UpdatedDate")))
        if diffs:
            expected, seen = describe(diffs)
            fail(
                check,
                "a PUT refused with 412 changed the relation",
                expected,
                put1,
                stale,
                read[0],
                seen=seen,
            )
    # Not modified since a second after the last change: the update goes through.
    fresh = _put_since(ctx, second, changed + timedelta(seconds=1))
    entity2 = fresh.entity() if fresh.status == 200 else None
    if entity2 is None:
        fail(check, "a fresh If-Unmodified-Since was refused", "200", put1, fresh)
    after = last_change(fresh, entity2) or changed
    future = _put_since(ctx, first, after + timedelta(days=1))
    if future.status != 200:
        fail(check, "a future If-Unmodified-Since was refused", "200", fresh, future)
    # The server's own Last-Modified satisfies its precondition (one-second resolution).
    own = future.response.headers.get("last-modified")
    if own:
        again = ctx.client.put_json(ctx.relation_id, second, headers={"If-Unmodified-Since": own})
        if again.status != 200:
            fail(
                check,
                "If-Unmodified-Since equal to the server's own Last-Modified was refused",
                "200",
                future,
                again,
                basis=RFC,
            )


def clock(ctx: Context, _: None) -> None:
    """UpdatedDate is the real time of each write, so a precondition catches every later write."""
    check = "clock"
    body_a = ctx.body(Comment="contracts: clock A", Reversed=0)
    put1, entity1 = ctx.put(check, body_a)
    updated1 = _judge_stamp(check, put1, entity1)
    time.sleep(1.1)  # the next write falls in a later second of the server's clock
    put2, entity2 = ctx.put(check, ctx.body(Comment="contracts: clock B", Reversed=1))
    updated2 = _judge_stamp(check, put2, entity2)
    date2 = parse_http_date(put2.response.headers.get("date"))
    if date2 is not None and date2 <= _second(updated1):
        return  # the server's clock did not move on: nothing to conclude
    if _second(updated2) <= _second(updated1):
        fail(
            check,
            "UpdatedDate did not move on with a write a second later (frozen)",
            f"UpdatedDate later than {entity1.get('UpdatedDate')}",
            put1,
            put2,
            seen=f"UpdatedDate={entity2.get('UpdatedDate')}",
        )
    known = put1.response.headers.get("last-modified") or http_date(updated1)
    lost = ctx.client.put_json(ctx.relation_id, body_a, headers={"If-Unmodified-Since": known})
    if lost.status != 412:
        fail(
            check,
            "a write based on a state older than the last write was accepted (a lost update)",
            f"412: modified at {entity2.get('UpdatedDate')}, after If-Unmodified-Since {known}",
            put1,
            put2,
            lost,
        )


def _stamped(
    ctx: Context, scratch: Scratch, check: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any], datetime, list[Exchange]]:
    """A relation of the scratch's, updated once so that it has an UpdatedDate to compare with (a
    relation never updated may have none): its id, the update's answer, that instant, the steps."""
    post, _, rid = scratch.create(body)
    put = ctx.client.put_json(rid, {**body, "RelationId": rid})
    steps = [post, put]
    written = put.entity() if put.status == 200 else None
    if written is None:
        fail(check, "PUT of the created relation was not answered 200", "200 and a JSON object", *steps)
    changed = last_change(put, written)
    if changed is None or changed.year < EPOCH_YEAR:
        fail(
            check,
            "no UpdatedDate or Last-Modified to compare If-Unmodified-Since with",
            "an UpdatedDate (or Last-Modified) on the PUT answer",
            *steps,
        )
    return rid, written, changed, steps


def _unchanged(
    ctx: Context, scratch: Scratch, check: str, rid: int, body: dict[str, Any], written: dict[str, Any],
    steps: list[Exchange], refused: str,
) -> None:  # fmt: skip
    """The relation still reads as the refused request found it (UpdatedDate included)."""
    read = scratch.read(rid, steps, f"GET after a {refused} refused with 412")
    if read is None:
        return
    steps.append(read[0])
    diffs = ctx.settable_diffs(body, read[1])
    if not same_instant(written.get("UpdatedDate"), read[1].get("UpdatedDate")):
        diffs.append(("UpdatedDate", written.get("UpdatedDate"), read[1].get("UpdatedDate")))
    if diffs:
        expected, seen = describe(diffs)
        fail(check, f"a {refused} refused with 412 changed the relation", expected, *steps, seen=seen)


def stale_delete_changes_nothing(ctx: Context, body: dict[str, Any]) -> None:
    """A DELETE with a stale If-Unmodified-Since is 412 and deletes nothing; a fresh one deletes."""
    check = "stale_delete_changes_nothing"
    body = fresh(body)
    with Scratch(ctx, check) as scratch:
        rid, written, changed, steps = _stamped(ctx, scratch, check, body)
        stale = scratch.delete(rid, headers={"If-Unmodified-Since": http_date(changed - timedelta(days=2))})
        steps.append(stale)
        if stale.status != 412:
            fail(
                check,
                "a DELETE with a stale If-Unmodified-Since was not refused with 412",
                "412 (Delete aborted because ContactRelationEntity has changed ...)",
                *steps,
                operation=f"DELETE {ITEM}",
            )
        _unchanged(ctx, scratch, check, rid, body, written, steps, "DELETE")
        done = scratch.delete(rid, headers={"If-Unmodified-Since": http_date(changed + timedelta(seconds=1))})
        steps.append(done)
        if done.status != 204:
            fail(
                check,
                "a DELETE with a fresh If-Unmodified-Since was not answered 204",
                "204",
                *steps,
                operation=f"DELETE {ITEM}",
                basis=RFC,
            )
        gone = ctx.client.get(rid)
        if gone.status != 404 and ctx.has_get is not False:
            fail(check, "GET of the deleted relation did not answer 404", "404", *steps, gone)


def stale_patch_changes_nothing(ctx: Context, drawn: tuple[dict[str, Any], str]) -> None:
    """A PATCH with a stale If-Unmodified-Since is 412 and changes nothing; a fresh one applies."""
    check = "stale_patch_changes_nothing"
    body, comment = fresh(drawn[0]), drawn[1]
    if comment == (body.get("Comment") or ""):  # a change that can be seen not to have happened
        comment += " (patched)"
    change = [{"op": "replace", "path": "/Comment", "value": comment}]
    with Scratch(ctx, check) as scratch:
        rid, written, changed, steps = _stamped(ctx, scratch, check, body)
        stale = scratch.patch(
            rid, change, headers={"If-Unmodified-Since": http_date(changed - timedelta(days=2))}
        )
        steps.append(stale)
        if stale.status != 412:
            fail(
                check,
                "a PATCH with a stale If-Unmodified-Since was not refused with 412",
                "412 (Update aborted because ContactRelationEntity has changed ...)",
                *steps,
                operation=f"PATCH {ITEM}",
            )
        _unchanged(ctx, scratch, check, rid, body, written, steps, "PATCH")
        since = http_date(changed + timedelta(seconds=1))
        done = scratch.patch(rid, change, headers={"If-Unmodified-Since": since})
        steps.append(done)
        entity = done.entity() if done.status == 200 else None
        if entity is None or (entity.get("Comment") or "") != comment:
            fail(
                check,
                "a PATCH with a fresh If-Unmodified-Since was not applied",
                f"200 with Comment={comment!r}",
                *steps,
                operation=f"PATCH {ITEM}",
                basis=RFC,
            )


def _judge_stamp(check: str, put: Exchange, entity: Mapping[str, Any]) -> datetime:
    """The write's UpdatedDate; a violation when it is missing, ahead of the answer or backdated."""
    updated = parse_instant(entity.get("UpdatedDate"))
    if updated is None:
        fail(check, "the PUT answer has no UpdatedDate", "UpdatedDate: the time of the write", put)
    header = put.response.headers.get("date")
    date = parse_http_date(header)
    now = date or datetime.now(updated.tzinfo)
    if _second(updated) > now + AHEAD:
        fail(
            check,
            "UpdatedDate is in the future",
            f"UpdatedDate <= the answer's Date {header or now}",
            put,
            seen=f"UpdatedDate={entity.get('UpdatedDate')}",
        )
    if updated < now - BACKDATED - (timedelta(0) if date else timedelta(minutes=5)):
        fail(
            check,
            "UpdatedDate is older than the write (backdated)",
            f"UpdatedDate within {BACKDATED.seconds} s of the answer's Date {header or now}",
            put,
            seen=f"UpdatedDate={entity.get('UpdatedDate')}",
        )
    modified = parse_http_date(put.response.headers.get("last-modified"))
    if date is not None and modified is not None and modified > date:
        fail(
            check,
            "Last-Modified is later than the answer's Date",
            f"Last-Modified <= Date ({header})",
            put,
            seen=f"Last-Modified: {put.response.headers.get('last-modified')}",
            basis=RFC,
        )
    return updated


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _put_since(ctx: Context, body: Mapping[str, Any], moment: datetime) -> Exchange:
    return ctx.client.put_json(ctx.relation_id, body, headers={"If-Unmodified-Since": http_date(moment)})


def last_change(exchange: Exchange, entity: Mapping[str, Any]) -> datetime | None:
    return parse_instant(entity.get("UpdatedDate")) or parse_http_date(
        exchange.response.headers.get("last-modified")
    )
