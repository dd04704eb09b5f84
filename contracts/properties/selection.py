"""The `$select` properties: what a selection shows, and that it never changes what is saved.

The vendor: "Optional comma separated list of properties to include in the result. Other fields
are then nulled out to reduce payload size". A .NET value type cannot be null, so an unselected
integer may show 0, a boolean false, a date the empty date, an enum its first member.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.catalog import OURS
from contracts.properties.client import Exchange
from contracts.properties.context import Context, describe, fail, show
from contracts.safety.references import MANDATORY, REFERENCE_FIELDS
from contracts.spec import CARRIER, UNDOCUMENTED, EntityShape
from contracts.values import same_value, unselected


def select(ctx: Context, drawn: tuple[dict[str, Any], list[str]]) -> None:
    check = "select"
    body, names = drawn
    raw = ",".join(names)
    full_put, full = ctx.put(check, body)
    picked_put, picked = ctx.put(check, body, select=raw)
    _judge_selection(ctx, check, names, full, picked, [full_put, picked_put], same_write=False)
    read = ctx.read(check, [picked_put])
    if read is None:
        return
    diffs = ctx.settable_diffs(body, read[1])
    if diffs:
        expected, seen = describe(diffs)
        fail(
            check,
            f"a PUT with $select={raw} did not save the whole body",
            expected,
            picked_put,
            read[0],
            seen=seen,
        )
    full_get, full = read
    picked_read = ctx.read(check, [full_get], select=raw)
    assert picked_read is not None
    _judge_selection(ctx, check, names, full, picked_read[1], [full_get, picked_read[0]], same_write=True)


def _judge_selection(
    ctx: Context,
    check: str,
    names: list[str],
    full: Mapping[str, Any],
    picked: Mapping[str, Any],
    steps: list[Exchange],
    *,
    same_write: bool,
) -> None:
    shape = ctx.shape
    whole: set[str] = set()
    members: dict[str, set[str]] = {}
    for name in names:
        parent, _, member = name.partition("/")
        canonical = shape.canonical(parent)
        if canonical is None:
            continue
        if member:
            members.setdefault(canonical, set()).add(member.lower())
        else:
            whole.add(canonical)
    problems: list[str] = []
    dropped = [key for key in full if key not in UNDOCUMENTED and key not in picked]
    if dropped:
        problems.append(f"keys dropped instead of nulled: {dropped}")
    for name in shape.judged:
        kind, want, got = shape.kinds[name], full.get(name), picked.get(name)
        if name in whole:
            if name == "UpdatedDate" and not same_write:
                if want is not None and got is None:
                    problems.append(f"{name}: selected but null")
            elif not same_value(kind, want, got, shape):
                problems.append(f"{name}: selected, expected {show(want)}, seen {show(got)}")
        elif name in members and kind == CARRIER:
            problems += _judge_members(shape, name, members[name], want, got)
        elif not unselected(kind, got, shape.defaults.get(name)):
            problems.append(f"{name}: not selected, expected null, seen {show(got)}")
    if problems:
        fail(
            check,
            f"$select={','.join(names)} answered wrongly",
            "selected values as unfiltered, others null (or a value type's default)",
            *steps,
            seen="; ".join(problems),
        )


def _judge_members(shape: EntityShape, name: str, keep: set[str], want: Any, got: Any) -> list[str]:
    if not isinstance(want, Mapping) or not want:
        return [] if got is None or got == {} else [f"{name}: unfiltered is null, selected is {show(got)}"]
    if not isinstance(got, Mapping):
        return [f"{name}: members {sorted(keep)} selected, carrier seen as {show(got)}"]
    problems = []
    for member, kind in shape.carrier_kinds.items():
        if member in UNDOCUMENTED:
            continue
        if member.lower() in keep:
            if not same_value(kind, want.get(member), got.get(member), shape):
                problems.append(
                    f"{name}/{member}: expected {show(want.get(member))}, seen {show(got.get(member))}"
                )
        elif not unselected(kind, got.get(member), shape.carrier_defaults.get(member)):
            problems.append(f"{name}/{member}: not selected, expected null, seen {show(got.get(member))}")
    return problems


# What `select_put_back` selects: the references (the mandatory ones among them) and the Comment.
PUT_BACK = (*REFERENCE_FIELDS, "Comment")


def select_put_back(ctx: Context, body: dict[str, Any]) -> None:
    """A `$select` answer, nulls and all, can be sent back unchanged: null is a field's empty value
    (the spec's promise; a .NET server may refuse null for an int)."""
    check = "select_put_back"
    ctx.put(check, body)
    read = ctx.read(check, select=",".join(PUT_BACK))
    if read is None:
        _, answer = ctx.put(check, body, select=",".join(PUT_BACK))
        steps: list[Exchange] = []
    else:
        steps, answer = [read[0]], read[1]
    if any(answer.get(name) in (None, 0) for name in MANDATORY):
        return  # the selection did not keep the mandatory references: nothing to send back
    exchange = ctx.client.put_json(ctx.relation_id, answer)
    entity = ctx.expect_entity(check, exchange, "PUT of a $select answer", steps=steps)
    kept = {name: answer.get(name) for name in PUT_BACK}
    diffs = ctx.settable_diffs(kept, entity)
    if diffs:
        expected, seen = describe(diffs)
        fail(
            check,
            "a $select answer sent back did not store its values (null as empty)",
            expected,
            *steps,
            exchange,
            seen=seen,
            basis=OURS,
        )
