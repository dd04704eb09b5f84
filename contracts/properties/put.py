"""Hypothesis properties about what a PUT stores: the promises no schema can express.

Each property draws its inputs, talks to the server through the `Context`, and raises
`PropertyFailed` with expected-against-seen and the curl steps that reproduce what it saw. They
write only what a client can set (known references, `Comment`, `Reversed`), compare derived fields
for consistency and never for an echo, and read back only through what the vendor documents.
The others, beside this module: `$select` in `selection`, time in `preconditions`, media types in
`negotiation`, refusals in `refusals`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from contracts.errors import NotApplicable
from contracts.properties.client import Exchange
from contracts.properties.context import SERVER_STAMPS, Context, describe, fail, show, without
from contracts.spec import CARRIER, INT
from contracts.values import diff_fields, same_instant, same_value

DECOY = {"AssociateId": 2147480001, "Name": "CONTRACTS-DECOY", "FullName": "Not the caller"}


def round_trip(ctx: Context, body: dict[str, Any]) -> None:
    check = "round_trip"
    exchange, entity = ctx.put(check, body)
    if not same_value(INT, entity.get("RelationId"), ctx.relation_id):
        fail(
            check,
            "RelationId is not the path id",
            f"RelationId={ctx.relation_id}",
            exchange,
            seen=f"RelationId={show(entity.get('RelationId'))}",
        )
    diffs = ctx.settable_diffs(body, entity)
    if diffs:
        expected, seen = describe(diffs)
        fail(check, "the answer does not carry the fields sent", expected, exchange, seen=seen)


def replace(ctx: Context, _: None) -> None:
    """Fields a PUT leaves out, or sends as null, take their empty values: nothing is merged."""
    check = "replace"
    full: dict[str, Any] = ctx.body(Comment="contracts: replace check", Reversed=1)
    for label, partial in (("left out", ctx.body()), ("sent as null", ctx.body(Comment=None))):
        first = ctx.put(check, full)[0]
        second, entity = ctx.put(check, partial)
        steps = [first, second]
        diffs = ctx.settable_diffs(partial, entity)
        read = ctx.read(check, steps)
        if read is not None:
            steps.append(read[0])
            diffs += [diff for diff in ctx.settable_diffs(partial, read[1]) if diff not in diffs]
        if diffs:
            expected, seen = describe(diffs)
            fail(
                check,
                f"fields {label} kept their earlier values (merged, not replaced)",
                expected,
                *steps,
                seen=seen,
            )


def persistence(ctx: Context, drawn: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check = "persistence"
    steps: list[Exchange] = []
    titles = ("GET after a PUT does not show it", "GET after a second PUT does not show it")
    for body, title in zip(drawn, titles, strict=True):
        put, written = ctx.put(check, body)
        steps.append(put)
        read = ctx.read(check, steps)
        if read is None:
            raise NotApplicable("the server offers no GET (405/501): nothing to read back")
        steps.append(read[0])
        stored = read[1]
        diffs = ctx.settable_diffs(body, stored)
        if not same_value(INT, stored.get("RelationId"), ctx.relation_id):
            diffs.append(("RelationId", ctx.relation_id, stored.get("RelationId")))
        if not same_instant(written.get("UpdatedDate"), stored.get("UpdatedDate")):
            diffs.append(("UpdatedDate", written.get("UpdatedDate"), stored.get("UpdatedDate")))
        if diffs:
            expected, seen = describe(diffs)
            fail(check, title, expected, *steps, seen=seen)


def idempotence(ctx: Context, body: dict[str, Any]) -> None:
    check = "idempotence"
    put1, entity1 = ctx.put(check, body)
    put2, entity2 = ctx.put(check, body)
    keys = sorted(set(entity1) ^ set(entity2))
    diffs = [
        diff
        for diff in diff_fields(ctx.shape, entity1, entity2, without(ctx.shape.judged, SERVER_STAMPS))
        if diff[0] != "UpdatedDate"
    ]
    if keys or diffs:
        expected, seen = describe(diffs)
        if keys:
            expected, seen = f"{expected} same keys".strip(), f"{seen} keys differ: {keys}".strip()
        fail(check, "the same PUT twice gave different relations", expected, put1, put2, seen=seen)


def derived_fields(ctx: Context, body: dict[str, Any]) -> None:
    """Names and texts come from the references: every read of the same references shows the same."""
    check = "derived_fields"
    for _ in range(2):
        ctx.put(check, body)
        ctx.read(check)
    if ctx.derived_conflict is not None:
        first, second, names = ctx.derived_conflict
        fail(
            check,
            "two answers for the same references show different derived fields",
            ", ".join(f"{name}={show(first.values.get(name))}" for name in names),
            first.exchange,
            second.exchange,
            seen=", ".join(f"{name}={show(second.values.get(name))}" for name in names),
        )


def updated_by(ctx: Context, drawn: tuple[dict[str, Any], bool]) -> None:
    """The server sets UpdatedBy to the caller on every write, whatever the body says."""
    check = "updated_by"
    body, decoy = drawn
    sent = {**body, "UpdatedBy": DECOY} if decoy else body
    put, entity = ctx.put(check, sent)
    who = entity.get("UpdatedBy")
    if not isinstance(who, Mapping) or not (_filled(who.get("AssociateId")) or _filled(who.get("Name"))):
        fail(
            check,
            "UpdatedBy does not name who made the write",
            "an Associate (AssociateId or Name)",
            put,
            seen=f"UpdatedBy={show(who)}",
        )
    if who.get("AssociateId") == DECOY["AssociateId"] or who.get("Name") == DECOY["Name"]:
        fail(
            check,
            "UpdatedBy was taken from the body, not set by the server",
            "the caller's Associate",
            put,
            seen=f"UpdatedBy={show(who)}",
        )
    user = _basic_user(ctx.options.request_headers())
    names = {str(who.get(key) or "").lower() for key in ("Name", "UserName")}
    if user and user.lower() not in names:
        fail(
            check,
            "UpdatedBy is not the Basic user who made the write",
            f"UpdatedBy.Name or UserName {user!r} (Associate.Name is the login name)",
            put,
            seen=f"UpdatedBy={show(who)}",
        )
    first = ctx.first_answer.get("UpdatedBy") if ctx.first_answer else None
    if isinstance(first, Mapping) and first.get("AssociateId") != who.get("AssociateId"):
        fail(
            check,
            "UpdatedBy changed between two writes by the same caller",
            f"AssociateId={show(first.get('AssociateId'))}",
            put,
            seen=f"UpdatedBy={show(who)}",
        )
    read = ctx.read(check, [put])
    if read is not None and not same_value(CARRIER, who, read[1].get("UpdatedBy"), ctx.shape):
        fail(
            check,
            "GET shows another UpdatedBy than the PUT answer",
            show(who),
            put,
            read[0],
            seen=show(read[1].get("UpdatedBy")),
        )


def _filled(value: Any) -> bool:
    return value not in (None, "", 0)


def _basic_user(headers: list[tuple[str, str]]) -> str | None:
    value = next((v for k, v in headers if k.lower() == "authorization"), "")
    scheme, _, credential = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, colon, _ = base64.b64decode(credential.strip(), validate=True).decode().partition(":")
    except ValueError:
        return None
    return user if colon and user else None
