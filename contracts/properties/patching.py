"""Properties about PATCH: it stores what the equivalent PUT stores, in either patch shape, atomically.

The vendor: PATCH updates the relation "with changes, as described in a JSON Patch or a JSON Merge
Patch document" (RFC 6902, RFC 7396); a merge patch "will be converted to a list of JSON-PATCH
operations"; the ops are `add`, `replace`, `remove` and `test`; "the path is case insensitive,
and the leading slash is optional"; a failed `test` is 409 "Update blocked because a 'test'
operation has detected a conflict with the entity value." An entity always has every property,
so `remove` leaves a property's empty value, which is what a PUT without it stores (ASP.NET's
JsonPatch sets a removed property of an object to its default: a finding that rests on `remove`
is marked as a framework default). Each property creates the relations it patches
(`contracts.properties.scratch`).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contracts.catalog import FRAMEWORK
from contracts.properties.client import JSON, JSON_PATCH, MERGE_PATCH, Exchange
from contracts.properties.context import EMPTY, Context, describe, fail
from contracts.properties.scratch import ITEM, Scratch, fresh
from contracts.properties.strategies import comments
from contracts.safety.references import REFERENCE_FIELDS, SETTABLE, ReferencePool
from contracts.values import diff_fields, same_instant

Op = tuple[str, str, Any]  # (op, property, value); the value is None for `remove`
_SPELLINGS = (lambda n: "/" + n, lambda n: n, lambda n: "/" + n.lower(), lambda n: n.lower())
FAILED_TEST = "409 (Update blocked because a 'test' operation has detected a conflict)"


def operations(pool: ReferencePool, limit: int) -> st.SearchStrategy[list[Op]]:
    """1-4 changes a client makes: Comment and Reversed set or removed, or another reference set."""
    setting = st.sampled_from(("replace", "add"))
    change = st.one_of(
        st.tuples(setting, st.just("Comment"), comments(limit)),
        st.tuples(setting, st.just("Reversed"), st.sampled_from((0, 1))),
        st.sampled_from((("remove", "Comment", None), ("remove", "Reversed", None))),
        st.sampled_from(pool.sets).map(lambda links: ("references", "", links.body())),
    )
    return st.lists(change, min_size=1, max_size=4).map(_expand)


def _expand(changes: list[Any]) -> list[Op]:
    out: list[Op] = []
    for op, name, value in changes:
        if op == "references":  # every reference at once: a set the server accepts
            out += [("replace", field, value[field]) for field in REFERENCE_FIELDS]
        else:
            out.append((op, name, value))
    return out


def merges(pool: ReferencePool, limit: int) -> st.SearchStrategy[dict[str, Any]]:
    """A merge patch: Comment and Reversed set or null (removed), maybe another reference set."""
    document = st.fixed_dictionaries(
        {},
        optional={
            "Comment": st.one_of(comments(limit), st.none()),
            "Reversed": st.sampled_from((0, 1, None)),
            "references": st.sampled_from(pool.sets).map(lambda links: links.body()),
        },
    )

    def flat(drawn: dict[str, Any]) -> dict[str, Any]:
        refs = drawn.pop("references", {})
        return {**drawn, **refs}

    return document.map(flat).filter(bool)


def document(ops: list[Op], spellings: list[int]) -> list[dict[str, Any]]:
    """The JSON Patch array for `ops`, each path spelt one of the ways the vendor allows."""
    out = []
    for index, (op, name, value) in enumerate(ops):
        path = (
            _SPELLINGS[spellings[index % len(spellings)] % len(_SPELLINGS)](name) if spellings else "/" + name
        )
        out.append({"op": op, "path": path} if op == "remove" else {"op": op, "path": path, "value": value})
    return out


def applied(ctx: Context, base: dict[str, Any], ops: list[Op]) -> dict[str, Any]:
    """The settable fields after `ops` (what the equivalent PUT sends): `remove` is the empty value."""
    out = {name: base.get(name) for name in SETTABLE}
    for op, name, value in ops:
        if op in ("add", "replace"):
            out[name] = value
        elif op == "remove":
            out[name] = EMPTY.get(ctx.shape.kinds.get(name, "str"))
    return out


def as_operations(merge: dict[str, Any]) -> list[Op]:
    """The JSON Patch a merge patch converts to (RFC 7396: null removes, anything else replaces)."""
    return [
        ("remove", name, None) if value is None else ("replace", name, value) for name, value in merge.items()
    ]


def patch_equals_put(ctx: Context, drawn: tuple[dict[str, Any], list[Op], list[int]]) -> None:
    """A PATCH stores exactly what a PUT of the patched document stores."""
    check = "patch_equals_put"
    body, ops, spellings = fresh(drawn[0]), drawn[1], drawn[2]
    basis = FRAMEWORK if any(op == "remove" for op, _, _ in ops) else ""
    with Scratch(ctx, check) as scratch:
        post, _, rid = scratch.create(body)
        patch = scratch.patch(rid, document(ops, spellings))
        steps = [post, patch]
        if patch.status != 200 or patch.entity() is None:
            fail(
                check,
                "a valid PATCH was not answered 200 with the relation",
                "200 and a JSON object",
                *steps,
                operation=f"PATCH {ITEM}",
                basis=basis,
            )
        patched = _stored(scratch, rid, patch, steps)
        equivalent = {**applied(ctx, body, ops), "RelationId": rid}
        put = ctx.client.put_json(rid, equivalent)
        steps.append(put)
        if put.status != 200 or put.entity() is None:
            fail(check, "PUT of the patched document was not answered 200", "200", *steps, basis=basis)
        stored = _stored(scratch, rid, put, steps)
        names = tuple(name for name in SETTABLE if name in ctx.shape.kinds)
        diffs = diff_fields(ctx.shape, stored, patched, names)
        if diffs:
            expected, seen = describe(diffs)
            fail(
                check,
                "the PATCH stored other values than the equivalent PUT",
                f"as after the PUT: {expected}",
                *steps,
                seen=f"after the PATCH: {seen}",
                operation=f"PATCH {ITEM}",
                basis=basis,
            )


def merge_equals_json_patch(ctx: Context, drawn: tuple[dict[str, Any], dict[str, Any], bool]) -> None:
    """A merge patch stores what the equivalent JSON Patch stores (both on a relation of the same body)."""
    check = "merge_equals_json_patch"
    body, merge, plain = fresh(drawn[0]), drawn[1], drawn[2]
    ops = as_operations(merge)
    basis = FRAMEWORK if any(op == "remove" for op, _, _ in ops) else ""
    with Scratch(ctx, check) as scratch:
        post1, _, merged_id = scratch.create(body)
        post2, _, patched_id = scratch.create(body, post1)
        # Either shape under application/json too: the document's shape decides, not the media type.
        by_merge = scratch.patch(merged_id, merge, content_type=JSON if plain else MERGE_PATCH)
        by_ops = scratch.patch(patched_id, document(ops, []), content_type=JSON if plain else JSON_PATCH)
        steps = [post1, post2, by_merge, by_ops]
        for exchange, what in ((by_merge, "merge patch"), (by_ops, "JSON Patch")):
            if exchange.status != 200 or exchange.entity() is None:
                fail(
                    check,
                    f"a valid {what} was not answered 200 with the relation",
                    "200 and a JSON object",
                    *steps[:2],
                    exchange,
                    operation=f"PATCH {ITEM}",
                    basis=basis,
                )
        merged = _stored(scratch, merged_id, by_merge, steps)
        patched = _stored(scratch, patched_id, by_ops, steps)
        names = tuple(name for name in SETTABLE if name in ctx.shape.kinds)
        diffs = diff_fields(ctx.shape, patched, merged, names)
        if diffs:  # the two shapes disagree: the vendor's conversion, whatever `remove` means
            expected, seen = describe(diffs)
            fail(
                check,
                "the merge patch stored other values than the equivalent JSON Patch",
                f"as the JSON Patch stored: {expected}",
                *steps,
                seen=f"after the merge patch: {seen}",
                operation=f"PATCH {ITEM}",
            )
        wanted = diff_fields(ctx.shape, applied(ctx, body, ops), merged, names)
        if wanted:  # they agree, on something else than the changes they name
            expected, seen = describe(wanted)
            fail(
                check,
                "the merge patch and the equivalent JSON Patch both stored other values than they name",
                expected,
                *steps,
                seen=seen,
                operation=f"PATCH {ITEM}",
                basis=basis,
            )


def failed_test_changes_nothing(ctx: Context, drawn: tuple[dict[str, Any], str, bool, str]) -> None:
    """A `test` that fails is 409 and nothing of the patch is applied; one that holds lets it through."""
    check = "failed_test_changes_nothing"
    body, name, test_first, comment = fresh(drawn[0]), drawn[1], drawn[2], drawn[3]
    if comment == (body.get("Comment") or ""):  # a change that can be seen not to have happened
        comment += " (patched)"
    with Scratch(ctx, check) as scratch:
        post, created, rid = scratch.create(body)
        steps = [post]
        read = scratch.read(rid, steps, "GET of the relation just created")
        before = read[1] if read is not None else created
        if read is not None:
            steps.append(read[0])
        current = before.get(name)
        wrong = _other(current)
        change = {"op": "replace", "path": "/Comment", "value": comment}
        test = {"op": "test", "path": "/" + name, "value": wrong}
        refused = scratch.patch(rid, [test, change] if test_first else [change, test])
        steps.append(refused)
        if refused.status != 409:
            fail(
                check,
                f"a PATCH whose test of {name} fails was not refused with 409",
                FAILED_TEST,
                *steps,
                operation=f"PATCH {ITEM}",
            )
        after = scratch.read(rid, steps, "GET after a PATCH refused with 409")
        if after is not None:
            steps.append(after[0])
            diffs = ctx.settable_diffs(before, after[1])
            if not same_instant(before.get("UpdatedDate"), after[1].get("UpdatedDate")):
                diffs.append(("UpdatedDate", before.get("UpdatedDate"), after[1].get("UpdatedDate")))
            if diffs:
                expected, seen = describe(diffs)
                fail(check, "a PATCH refused with 409 changed the relation", expected, *steps, seen=seen)
        passing = {"op": "test", "path": "/" + name, "value": current}
        accepted = scratch.patch(rid, [passing, change])
        steps.append(accepted)
        entity = accepted.entity() if accepted.status == 200 else None
        if entity is None or (entity.get("Comment") or "") != comment:
            fail(
                check,
                f"a PATCH whose test of {name} holds (the value a GET showed) was not applied",
                f"200 with Comment={comment!r}",
                *steps,
                operation=f"PATCH {ITEM}",
            )


def _other(value: Any) -> Any:
    """A value of the same JSON type that differs from `value`."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1 if value < 2**31 - 1 else value - 1
    return f"{value or ''} (not this)"


def _stored(scratch: Scratch, rid: int, answer: Exchange, steps: list[Exchange]) -> dict[str, Any]:
    """The relation as a GET shows it now (the write's answer when the server has no GET)."""
    read = scratch.read(rid, steps, f"GET after the {answer.method}")
    if read is None:
        return answer.entity() or {}
    steps.append(read[0])
    return read[1]


def tested_fields() -> st.SearchStrategy[str]:
    return st.sampled_from(("Comment", "Reversed", *REFERENCE_FIELDS[:1]))
