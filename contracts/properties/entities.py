"""Properties of every entity the spec serves besides the relation, and of the relation's references.

The spec's other resources (Contact, Person, ...) are found by their operations and declarations
(`contracts.spec.resources`: `x-primary-key`, `x-server-set`, `x-derived`, `x-references`,
`x-field-length`), never by name. A resource has the right shape for these properties when the spec
gives it POST, GET, PUT and DELETE, a field a client sets, and a `created-at` the suite can prove a
record its own by (`contracts.safety.custody`); without DELETE a record the suite made could never
be removed, so nothing is created there.

Each property works only on records it created itself (POST, recorded in the ledger under the
resource's path template at once, proven new), one record per property and resource, and deletes
them when it is done; the sweep at the end retries what is left. Against a URL they run only with
--all-resources (otherwise "not run", naming it): a real tenant's contacts and persons are the
tenant's. The two properties of the relation's references create a contact only against the embedded
mock or with --create-references (or --all-resources), and otherwise read the references the
relation under test already has.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from contracts.catalog import OURS
from contracts.errors import ContractsError, NotApplicable, PropertyFailed
from contracts.properties.client import Exchange, RelationClient, answer_of
from contracts.properties.context import Context, NotRun, describe, fail, show
from contracts.properties.scratch import Scratch
from contracts.results import Failure
from contracts.safety.interrupts import shielded
from contracts.safety.references import SETTABLE
from contracts.spec import BOOL, INT, TEXT, Resource
from contracts.values import ABSENT, http_date, parse_instant, parse_xml, same_value, unselected, xml_matches

ERROR_KEYS = ("ErrorType", "ErrorMessage")
EMPTY = {INT: 0, TEXT: "", BOOL: False}
_LETTERS = st.characters(categories=("L", "M", "N", "P", "S", "Zs"))
TEXT_SIZE = 40
# The first text of a record a property creates for itself (a tenant may refuse an empty name).
SCRATCH_TEXT = "relation-harness contract run"
ALL_RESOURCES = "--all-resources"
CREATE_REFERENCES = "--create-references"


def texts(max_size: int = TEXT_SIZE) -> st.SearchStrategy[str]:
    return st.text(_LETTERS, max_size=max_size)


def names() -> st.SearchStrategy[str]:
    """A name a record can be renamed to: not blank, no edge whitespace."""
    return st.text(_LETTERS, min_size=1, max_size=TEXT_SIZE).map(str.strip).filter(bool)


def values(resource: Resource) -> st.SearchStrategy[dict[str, Any]]:
    """Values for every field a client sets on the resource, by the kind the spec gives it."""
    drawn: dict[str, st.SearchStrategy[Any]] = {}
    for name in resource.writable:
        kind = resource.shape.kinds[name]
        if resource.enums.get(name):
            drawn[name] = st.sampled_from(resource.enums[name])
        elif kind == TEXT:
            drawn[name] = texts(min(TEXT_SIZE, resource.shape.lengths.get(name) or TEXT_SIZE))
        elif kind == INT:
            drawn[name] = st.integers(0, 32767)
        else:
            drawn[name] = st.booleans()
    return st.fixed_dictionaries(drawn)


@dataclass(slots=True)
class EntityContext:
    """One resource's properties share this: its client, the run's options, the records made."""

    resource: Resource
    client: RelationClient
    relation: Context
    # Values for its mandatory references, from the relation's references (same field names).
    references: dict[str, Any] = field(default_factory=dict)
    # The record the property works on (created at its first example, deleted when it is done).
    record: int | None = None
    made: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.resource.name

    def body(self, rid: int, drawn: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.references, self.resource.key: rid, **drawn}

    def create(
        self, check: str, drawn: Mapping[str, Any], *steps: Exchange
    ) -> tuple[Exchange, dict[str, Any], int]:
        """POST a new record; its id is in the ledger, proven the run's, before anything is judged."""
        resource, client = self.resource, self.client
        custody = client.custody
        if custody is None:
            raise ContractsError(f"{check} creates records and needs the run's ledger")
        with shielded():
            exchange = client.post_json(self.body(0, drawn))
            entity = exchange.entity() if 200 <= exchange.status < 300 else None
            rid = entity.get(resource.key) if entity is not None else None
            claim = (
                custody.claim(
                    rid, answer_of(exchange), sent_at=exchange.sent_at, elapsed=exchange.elapsed, why=check
                )
                if entity is not None and rid is not None
                else None
            )
            if claim is not None and claim.new and claim.rid is not None:
                self.made.append(claim.rid)
        where = f"POST {resource.collection}"
        if exchange.status != 200 or entity is None:
            fail(
                check,
                f"POST of a valid {self.name} was not answered 200 with the new record",
                "200 and a JSON object",
                *steps,
                exchange,
                operation=where,
            )
        if not isinstance(rid, int) or isinstance(rid, bool) or rid <= 0:
            fail(
                check,
                f"the POST answer names no {resource.key} for the new {self.name}",
                f"{resource.key} > 0",
                *steps,
                exchange,
                seen=f"{resource.key}={show(rid)}",
                operation=where,
            )
        if claim is None or not claim.new:
            why = f" ({claim.why})" if claim is not None and claim.why else ""
            fail(
                check,
                f"POST handed out the id of a {self.name} that is not a new one",
                "the id of a new record",
                *steps,
                exchange,
                seen=f"{resource.key}={rid}{why}",
                operation=where,
                basis=OURS if claim is not None and claim.reused else "",
            )
        return exchange, entity, rid

    def ensure(self, check: str) -> int:
        """The property's record, created at the first call."""
        if self.record is None:
            first = {name: _initial(self.resource, name) for name in self.resource.writable}
            self.record = self.create(check, first)[2]
        return self.record

    def put(
        self, check: str, rid: int, body: Mapping[str, Any], *steps: Exchange, **kwargs: Any
    ) -> tuple[Exchange, dict[str, Any]]:
        exchange = self.client.put_json(rid, body, **kwargs)
        if exchange.status != 200 or exchange.entity() is None:
            fail(
                check,
                f"PUT of a valid {self.name} was not answered 200 with a JSON object",
                "200 and a JSON object",
                *steps,
                exchange,
                operation=f"PUT {self.resource.item}",
            )
        return exchange, exchange.entity() or {}

    def get(
        self, check: str, rid: int, *steps: Exchange, what: str = "", **kwargs: Any
    ) -> tuple[Exchange, dict[str, Any]]:
        exchange = self.client.get(rid, **kwargs)
        entity = exchange.entity() if exchange.status == 200 else None
        if entity is None:
            fail(
                check,
                f"{what or f'GET of a {self.name} just written'} was not answered 200 with a JSON object",
                "200 and a JSON object",
                *steps,
                exchange,
                operation=f"GET {self.resource.item}",
            )
        return exchange, entity

    def clean(self) -> None:
        """Delete the records this property made, each only if it reads as the run left it."""
        custody = self.client.custody
        for rid in self.made:
            if custody is None or not custody.ledger.alive(rid, self.resource.item):
                continue
            try:
                custody.delete(rid)
            except Exception:  # the sweep at the end retries and reports it
                continue
        self.made.clear()
        self.record = None


def _initial(resource: Resource, name: str) -> Any:
    """A first value a real server accepts for a record of its own: text says whose it is."""
    if resource.shape.kinds[name] == TEXT and not resource.enums.get(name):
        return SCRATCH_TEXT[: resource.shape.lengths.get(name) or len(SCRATCH_TEXT)]
    return _empty(resource, name)


def _empty(resource: Resource, name: str) -> Any:
    enum = resource.enums.get(name)
    return enum[0] if enum else EMPTY.get(resource.shape.kinds[name], "")


def _is_empty(resource: Resource, name: str, value: Any) -> bool:
    kind = resource.shape.kinds[name]
    default = resource.shape.defaults.get(name)
    return (
        value is None
        or same_value(kind, value, EMPTY.get(kind, ""))
        or (default is not None and value == default)
    )


def _diffs(resource: Resource, want: Mapping[str, Any], got: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    return [
        (name, want[name], got.get(name))
        for name in resource.writable
        if name in want and not same_value(resource.shape.kinds[name], want[name], got.get(name))
    ]


def _op(ectx: EntityContext, method: str) -> str:
    return f"{method} {ectx.resource.item}"


# --- the properties of every resource -------------------------------------------------------------


def entity_stored_as_sent(ectx: EntityContext, drawn: dict[str, Any]) -> None:
    check = "entity_stored_as_sent"
    rid = ectx.ensure(check)
    put, answer = ectx.put(check, rid, ectx.body(rid, drawn))
    diffs = _diffs(ectx.resource, drawn, answer)
    if diffs:
        expected, seen = describe(diffs)
        fail(
            check,
            f"the PUT answer of a {ectx.name} does not carry the fields sent",
            expected,
            put,
            seen=seen,
            operation=_op(ectx, "PUT"),
        )
    read, stored = ectx.get(check, rid, put)
    diffs = _diffs(ectx.resource, drawn, stored)
    if diffs:
        expected, seen = describe(diffs)
        fail(
            check,
            f"a GET after the PUT does not show the {ectx.name} as sent",
            expected,
            put,
            read,
            seen=seen,
            operation=_op(ectx, "GET"),
        )


def entity_replace(ectx: EntityContext, drawn: tuple[dict[str, Any], frozenset[str], bool]) -> None:
    check = "entity_replace"
    full, dropped, as_null = drawn
    rid = ectx.ensure(check)
    first, _ = ectx.put(check, rid, ectx.body(rid, full))
    kept = {name: value for name, value in full.items() if name not in dropped}
    body = ectx.body(rid, kept)
    if as_null:
        body.update(dict.fromkeys(dropped))
    put, answer = ectx.put(check, rid, body, first)
    read, stored = ectx.get(check, rid, first, put)
    for exchange, entity in ((put, answer), (read, stored)):
        diffs = _diffs(ectx.resource, kept, entity)
        diffs += [
            (name, None, entity.get(name))
            for name in sorted(dropped)
            if not _is_empty(ectx.resource, name, entity.get(name))
        ]
        if diffs:
            expected, seen = describe(diffs)
            how = "sent as null" if as_null else "left out"
            fail(
                check,
                f"fields a {ectx.name} PUT {how} kept their old values (PUT replaces the entity)",
                f"{expected} (null: the empty value)",
                first,
                put,
                *([read] if exchange is read else []),
                seen=seen,
                operation=_op(ectx, exchange.method),
            )


def entity_idempotence(ectx: EntityContext, drawn: dict[str, Any]) -> None:
    check = "entity_idempotence"
    rid = ectx.ensure(check)
    body = ectx.body(rid, drawn)
    first, one = ectx.put(check, rid, body)
    second, two = ectx.put(check, rid, body, first)
    compared = (*ectx.resource.writable, *(name for name in ectx.resource.derived if "/" not in name))
    diffs = [
        (name, one.get(name), two.get(name))
        for name in compared
        if name in ectx.resource.shape.kinds
        and not same_value(ectx.resource.shape.kinds[name], one.get(name), two.get(name))
    ]
    if diffs:
        expected, seen = describe(diffs)
        fail(
            check,
            f"the same {ectx.name} PUT twice gave different records",
            expected,
            first,
            second,
            seen=seen,
            operation=_op(ectx, "PUT"),
        )


def entity_select(ectx: EntityContext, drawn: tuple[dict[str, Any], list[str]]) -> None:
    check = "entity_select"
    full, chosen = drawn
    resource = ectx.resource
    rid = ectx.ensure(check)
    put, _ = ectx.put(check, rid, ectx.body(rid, full))
    selected = [resource.key, *chosen]
    read, entity = ectx.get(
        check, rid, put, what=f"GET of a {ectx.name} with $select", select=",".join(selected)
    )
    wrong = [
        (name, full[name], entity.get(name))
        for name in chosen
        if not same_value(resource.shape.kinds[name], full[name], entity.get(name))
    ]
    if wrong:
        expected, seen = describe(wrong)
        fail(
            check,
            f"$select lost selected values of a {ectx.name}",
            expected,
            put,
            read,
            seen=seen,
            operation=_op(ectx, "GET"),
        )
    kept = [
        (name, None, entity.get(name))
        for name in resource.writable
        if name not in chosen
        and not unselected(resource.shape.kinds[name], entity.get(name), resource.shape.defaults.get(name))
    ]
    if kept:
        _, seen = describe(kept)
        fail(
            check,
            f"$select did not null the unselected fields of a {ectx.name}",
            "null (or a value type's default) for every field not selected",
            put,
            read,
            seen=seen,
            operation=_op(ectx, "GET"),
        )
    again, stored = ectx.get(check, rid, put, read)
    diffs = _diffs(resource, full, stored)
    if diffs:
        expected, seen = describe(diffs)
        fail(
            check,
            f"a GET with $select changed what a {ectx.name} holds",
            expected,
            put,
            read,
            again,
            seen=seen,
            operation=_op(ectx, "GET"),
        )


def entity_preconditions(ectx: EntityContext, drawn: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check = "entity_preconditions"
    resource = ectx.resource
    stamp = resource.updated_at
    if stamp is None:
        raise NotApplicable(f"{ectx.name} declares no updated-at (x-server-set)")
    first_values, second_values = drawn
    rid = ectx.ensure(check)
    first, answer = ectx.put(check, rid, ectx.body(rid, first_values))
    moment = parse_instant(answer.get(stamp))
    if moment is None:
        fail(
            check,
            f"the PUT answer of a {ectx.name} has no {stamp}",
            f"{stamp} the time of the write",
            first,
            operation=_op(ectx, "PUT"),
        )
    stale = http_date(moment - timedelta(hours=1))
    refused = ectx.client.put_json(rid, ectx.body(rid, second_values), headers={"If-Unmodified-Since": stale})
    if refused.status != 412:
        fail(
            check,
            f"a {ectx.name} PUT with a stale If-Unmodified-Since was not refused with 412",
            "412",
            first,
            refused,
            operation=_op(ectx, "PUT"),
        )
    read, stored = ectx.get(check, rid, first, refused)
    diffs = _diffs(resource, first_values, stored)
    if diffs:
        expected, seen = describe(diffs)
        fail(
            check,
            f"a {ectx.name} PUT refused with 412 changed the record anyway",
            expected,
            first,
            refused,
            read,
            seen=seen,
            operation=_op(ectx, "PUT"),
        )
    fresh = first.response.headers.get("last-modified") or http_date(moment)
    applied = ectx.client.put_json(rid, ectx.body(rid, second_values), headers={"If-Unmodified-Since": fresh})
    if applied.status != 200:
        fail(
            check,
            f"a {ectx.name} PUT with a fresh If-Unmodified-Since was not applied",
            "200",
            first,
            applied,
            operation=_op(ectx, "PUT"),
        )


def entity_text_lengths(ectx: EntityContext, _: None) -> None:
    check = "entity_text_lengths"
    resource = ectx.resource
    rid = ectx.ensure(check)
    read, entity = ectx.get(check, rid, what=f"GET of a {ectx.name} the run created")
    announced = _announced(entity)
    limits = {
        name: announced.get(name) or resource.shape.lengths.get(name, 0)
        for name in resource.writable
        if resource.shape.kinds[name] == TEXT and not resource.enums.get(name)
    }
    limits = {name: limit for name, limit in limits.items() if 0 < limit <= 10_000}
    if not limits:
        raise NotApplicable(f"no text field of {ectx.name} has a FieldLength or a documented length")
    for name, limit in limits.items():
        text = ("Blåbær 株式 " * (limit // 10 + 1))[:limit]
        put, answer = ectx.put(check, rid, ectx.body(rid, {name: text}))
        if answer.get(name) != text:
            fail(
                check,
                f"{ectx.name}.{name} at its length of {limit} units did not come back as sent",
                f"{name} of {limit} units",
                read,
                put,
                seen=f"{name}={show(answer.get(name))}",
                operation=_op(ectx, "PUT"),
            )
        longer = ectx.client.put_json(rid, ectx.body(rid, {name: text + "x"}))
        if not 400 <= longer.status < 500:
            fail(
                check,
                f"{ectx.name}.{name} one unit past its length of {limit} was not refused",
                "a 4xx (400 naming the field)",
                put,
                longer,
                operation=_op(ectx, "PUT"),
            )
        after, stored = ectx.get(check, rid, put, longer)
        if stored.get(name) != text:
            fail(
                check,
                f"a refused {ectx.name} PUT past {name}'s length changed the record",
                f"{name} as before",
                put,
                longer,
                after,
                seen=f"{name}={show(stored.get(name))}",
                operation=_op(ectx, "PUT"),
            )


def entity_lifecycle(ectx: EntityContext, drawn: dict[str, Any]) -> None:
    check = "entity_lifecycle"
    post, _, rid = ectx.create(check, drawn)
    read, stored = ectx.get(check, rid, post, what=f"GET of the {ectx.name} a POST created")
    diffs = _diffs(ectx.resource, drawn, stored)
    if diffs:
        expected, seen = describe(diffs)
        fail(
            check,
            f"a GET does not show the {ectx.name} as POST created it",
            expected,
            post,
            read,
            seen=seen,
            operation=_op(ectx, "GET"),
        )
    gone = ectx.client.delete(rid)
    if not 200 <= gone.status < 300:
        fail(
            check,
            f"DELETE of a {ectx.name} the run created was not answered 2xx",
            "204",
            post,
            gone,
            operation=_op(ectx, "DELETE"),
        )
    after = ectx.client.get(rid)
    if after.status != 404:
        fail(
            check,
            f"a GET after DELETE still finds the {ectx.name}",
            "404",
            post,
            gone,
            after,
            operation=_op(ectx, "GET"),
        )


def _announced(entity: Mapping[str, Any]) -> dict[str, int]:
    out = {}
    for name, prop in (entity.get("FieldProperties") or {}).items():
        length = prop.get("FieldLength") if isinstance(prop, Mapping) else None
        if isinstance(length, int) and not isinstance(length, bool) and length > 0:
            out[str(name)] = length
    return out


# --- strategies ------------------------------------------------------------------------------------


def _values(resource: Resource) -> st.SearchStrategy[Any]:
    return values(resource)


def _replace(resource: Resource) -> st.SearchStrategy[Any]:
    dropped = st.frozensets(st.sampled_from(resource.writable), min_size=1)
    return st.tuples(values(resource), dropped, st.booleans())


def _select(resource: Resource) -> st.SearchStrategy[Any]:
    chosen = st.lists(st.sampled_from(resource.writable), min_size=1, unique=True)
    return st.tuples(values(resource), chosen)


def _two(resource: Resource) -> st.SearchStrategy[Any]:
    return st.tuples(values(resource), values(resource))


@dataclass(frozen=True, slots=True)
class EntityProperty:
    name: str
    check: Callable[[EntityContext, Any], None]
    strategy: Callable[[Resource], st.SearchStrategy[Any]] | None
    # Creates a record per example (else one record for all of them).
    creates: bool = False


ENTITY_PROPERTIES = (
    EntityProperty("entity_stored_as_sent", entity_stored_as_sent, _values),
    EntityProperty("entity_replace", entity_replace, _replace),
    EntityProperty("entity_idempotence", entity_idempotence, _values),
    EntityProperty("entity_select", entity_select, _select),
    EntityProperty("entity_preconditions", entity_preconditions, _two),
    EntityProperty("entity_text_lengths", entity_text_lengths, None),
    EntityProperty("entity_lifecycle", entity_lifecycle, _values, creates=True),
)


def entity_contexts(ctx: Context) -> tuple[list[EntityContext], list[str]]:
    """A context for every resource with the shape the entity properties need, and why the others
    are left out."""
    out: list[EntityContext] = []
    skipped: list[str] = []
    known = {**{name: value for links in ctx.pool.sets[:1] for name, value in links.body().items()}}
    for resource in ctx.resources:
        why = resource.missing()
        missing_refs = [name for name in resource.mandatory_references if name not in known]
        if why is None and missing_refs:
            why = f"{resource.name} needs {', '.join(missing_refs)} of records the run does not know"
        if why is not None:
            skipped.append(why)
            continue
        refs = {name: known[name] for name in resource.mandatory_references}
        out.append(EntityContext(resource, ctx.entity_client(resource), ctx, refs))
    return out, skipped


# --- the relation's references ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Follow:
    """A derived field of the relation that shows fields a client sets on a resource the suite can
    create and delete: `SourceContactName` from `SourceContactId`'s Contact `Name`, or
    `SourcePersonName` from `SourcePersonId`'s Person `FullName`, itself joined from `Firstname`, ...
    (the first of them is renamed, the others left empty)."""

    derived: str
    reference: str
    resource: Resource
    take: str
    parts: tuple[str, ...]
    # Fields set to 0 so the derived field shows `take` (a swap's `when`) and the body stays valid
    # (references `within` this one: a person of the old contact).
    zeroed: tuple[str, ...]
    # A record that must belong to what another reference names (a person to the relation's contact):
    # (the relation's field naming the owner, the path of the record's own reference to it).
    owner: tuple[str, str] | None = None

    def values(self, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """The record's fields for `name`, with its owner as the relation `body` names it."""
        out: dict[str, Any] = {self.parts[0]: name, **dict.fromkeys(self.parts[1:], "")}
        if self.owner is not None:
            field_name, path = self.owner
            *carriers, leaf = path.split("/")
            node = out
            for carrier in carriers:
                node = node.setdefault(carrier, {})
            node[leaf] = body.get(field_name)
        return out


def follows(ctx: Context) -> list[Follow]:
    derived, references = ctx.declarations
    by_name = {resource.name: resource for resource in ctx.resources}
    out = []
    for name, rule in derived.items():
        if not isinstance(rule, Mapping) or "/" in name:
            continue
        source, take = rule.get("from"), rule.get("take")
        ref = references.get(source) if isinstance(source, str) else None
        resource = by_name.get(str((ref or {}).get("resource"))) if isinstance(ref, Mapping) else None
        if not isinstance(ref, Mapping) or resource is None or resource.missing() is not None:
            continue
        if resource.mandatory_references or not isinstance(take, str):
            continue
        parts = _parts(resource, take)
        if not parts:
            continue
        owner = None
        within = ref.get("within")
        if isinstance(within, str):
            owned_by = (references.get(within) or {}).get("resource")
            path = next(
                (path for path, other in resource.references.items()
                 if isinstance(other, Mapping) and other.get("resource") == owned_by),
                None,
            )  # fmt: skip
            if path is None:
                continue
            owner = (within, path)
        zeroed = (
            [str(rule["swap"]["when"])]
            if isinstance(rule.get("swap"), Mapping) and "when" in rule["swap"]
            else []
        )
        zeroed += [
            field_name
            for field_name, other in references.items()
            if isinstance(other, Mapping) and other.get("within") == source
        ]
        out.append(Follow(name, str(source), resource, take, parts, tuple(zeroed), owner))
    return out


def _parts(resource: Resource, take: str) -> tuple[str, ...]:
    """The fields a client sets that make `take`: itself, or what it is joined from (`x-derived` join)."""
    if take in resource.writable:
        return (take,)
    rule = resource.derived.get(take)
    joined = rule.get("join") if isinstance(rule, Mapping) else None
    if isinstance(joined, list) and joined and all(part in resource.writable for part in joined):
        return tuple(str(part) for part in joined)
    return ()


def follow_strategy(ctx: Context) -> st.SearchStrategy[Any]:
    found = follows(ctx)
    chosen: st.SearchStrategy[Any] = st.sampled_from(found) if found else st.just(None)
    return st.tuples(chosen, st.tuples(names(), names()).filter(lambda pair: pair[0] != pair[1]))


def derived_names_follow(ctx: Context, drawn: tuple[Follow | None, tuple[str, str]]) -> None:
    """Create a record a relation refers to, point a relation of the run at it, rename the record: the
    relation shows the new name, and a stale name a client sends is not echoed."""
    check = "derived_names_follow"
    rule, (old, new) = drawn
    if rule is None:
        raise NotApplicable(
            "no derived field of the relation takes a field a client sets on a resource the suite can "
            "create and delete (x-derived, x-references)"
        )
    if not ctx.options.may_create_references:
        creating = " and ".join(dict.fromkeys(found.resource.name for found in follows(ctx)))
        raise NotRun(
            f"it creates {creating} records on the server: {CREATE_REFERENCES} (or {ALL_RESOURCES}) runs it"
        )
    referenced = EntityContext(rule.resource, ctx.entity_client(rule.resource), ctx)
    base = ctx.body(0)
    try:
        with Scratch(ctx, check) as scratch:
            post, _, target = referenced.create(check, rule.values(old, base))
            body = {**base, rule.reference: target, **dict.fromkeys(rule.zeroed, 0), rule.derived: old}
            made, _, rid = scratch.create(body, post)
            seen = scratch.read(rid, (post, made))
            if seen is not None and not same_value(TEXT, seen[1].get(rule.derived), old):
                fail(
                    check,
                    f"a relation to a new {rule.resource.name} does not show its {rule.take}",
                    f"{rule.derived}={show(old)}",
                    post,
                    made,
                    seen[0],
                    seen=f"{rule.derived}={show(seen[1].get(rule.derived))}",
                    operation="GET /api/v1/Relation/{id}",
                )
            renamed, _ = referenced.put(
                check, target, referenced.body(target, rule.values(new, base)), post, made
            )
            after = scratch.read(
                rid, (post, made, renamed), what="GET of the relation after its record was renamed"
            )
            if after is not None and not same_value(TEXT, after[1].get(rule.derived), new):
                fail(
                    check,
                    f"after the {rule.resource.name} was renamed, the relation shows another {rule.derived}",
                    f"{rule.derived}={show(new)} (the {rule.resource.name}'s {rule.take} now)",
                    post,
                    made,
                    renamed,
                    after[0],
                    seen=f"{rule.derived}={show(after[1].get(rule.derived))}",
                    operation="GET /api/v1/Relation/{id}",
                )
            stale = ctx.client.put_json(rid, {**body, "RelationId": rid})
            shown = stale.entity() if stale.status == 200 else None
            if shown is not None and not same_value(TEXT, shown.get(rule.derived), new):
                fail(
                    check,
                    f"a PUT sending the old {rule.derived} had it echoed back",
                    f"{rule.derived}={show(new)} (read from the {rule.resource.name}, never echoed)",
                    post,
                    made,
                    renamed,
                    stale,
                    seen=f"{rule.derived}={show(shown.get(rule.derived))}",
                    operation="PUT /api/v1/Relation/{id}",
                )
            final = scratch.read(rid, (post, made, renamed, stale), what="GET of the relation after a PUT")
            if final is not None and not same_value(TEXT, final[1].get(rule.derived), new):
                fail(
                    check,
                    f"a PUT sending the old {rule.derived} made the relation show it",
                    f"{rule.derived}={show(new)}",
                    post,
                    made,
                    renamed,
                    stale,
                    final[0],
                    seen=f"{rule.derived}={show(final[1].get(rule.derived))}",
                    operation="GET /api/v1/Relation/{id}",
                )
    finally:
        referenced.clean()


def foreign_person_refused(ctx: Context, _: None) -> None:
    """A relation naming a person of another contact than the one beside it is refused (4xx in the
    vendor's error shape) and nothing is stored, by PUT and by POST."""
    check = "foreign_person_refused"
    references = ctx.declarations[1]
    pairs = [
        (name, str(ref["within"]))
        for name, ref in references.items()
        if isinstance(ref, Mapping) and isinstance(ref.get("within"), str)
    ]
    if not pairs:
        raise NotApplicable(
            "the relation declares no reference that must belong to another (x-references within)"
        )
    owners: dict[int, int] = {}
    contacts: list[int] = []
    for links in ctx.pool.sets:
        body = links.body()
        for person_field, contact_field in pairs:
            contact, person = body.get(contact_field), body.get(person_field)
            if isinstance(contact, int) and contact > 0:
                contacts.append(contact)
                if isinstance(person, int) and person > 0:
                    owners.setdefault(person, contact)
    found = [
        (person, owner, other)
        for person, owner in owners.items()
        for other in dict.fromkeys(contacts)
        if other != owner
    ]
    made: list[EntityContext] = []
    try:
        if not found:
            found = [_make_foreign(ctx, check, pairs[0], owners, contacts, made)]
        _refuse_foreign(ctx, check, pairs, *found[0])
    finally:
        for record in reversed(made):
            record.clean()


def _make_foreign(
    ctx: Context,
    check: str,
    pair: tuple[str, str],
    owners: Mapping[int, int],
    contacts: list[int],
    made: list[EntityContext],
) -> tuple[int, int, int]:
    """(person, its contact, another contact) from records it creates (only where the options allow):
    a second contact beside a known person, or a person of a new contact beside a known contact."""
    person_field, contact_field = pair
    references = ctx.declarations[1]
    by_name = {resource.name: resource for resource in ctx.resources}
    contact_resource = by_name.get(str((references.get(contact_field) or {}).get("resource")))
    person_resource = by_name.get(str((references.get(person_field) or {}).get("resource")))
    usable = [
        resource
        for resource in (contact_resource, person_resource)
        if resource is not None and resource.missing() is None and not resource.mandatory_references
    ]
    if not ctx.options.may_create_references or len(usable) < 2 or not contacts:
        raise NotRun(
            "it needs a person and a contact the person does not belong to, and the relation under test "
            "names none: pass --person-ids CONTACT:PERSON and --contact-ids with another contact, or "
            f"{CREATE_REFERENCES} to let it create them"
        )
    assert contact_resource is not None and person_resource is not None
    contact = EntityContext(contact_resource, ctx.entity_client(contact_resource), ctx)
    made.append(contact)
    new_contact = contact.create(
        check, {name: _initial(contact_resource, name) for name in contact_resource.writable}
    )[2]
    if owners:
        person, owner = next(iter(owners.items()))
        return person, owner, new_contact
    path = next(
        (path for path, ref in person_resource.references.items()
         if isinstance(ref, Mapping) and ref.get("resource") == contact_resource.name),
        None,
    )  # fmt: skip
    if path is None:
        raise NotApplicable(f"{person_resource.name} declares no reference to a {contact_resource.name}")
    person_record = EntityContext(person_resource, ctx.entity_client(person_resource), ctx)
    made.append(person_record)
    values: dict[str, Any] = {name: _initial(person_resource, name) for name in person_resource.writable}
    *carriers, leaf = path.split("/")
    node = values
    for carrier in carriers:
        node = node.setdefault(carrier, {})
    node[leaf] = new_contact
    new_person = person_record.create(check, values)[2]
    return new_person, new_contact, contacts[0]


def _refuse_foreign(
    ctx: Context, check: str, pairs: list[tuple[str, str]], person: int, owner: int, other: int
) -> None:
    before = ctx.read(check, what="GET of the relation before the refused write")
    soft: list[Failure] = []
    steps: list[Exchange] = [before[0]] if before is not None else []
    for person_field, contact_field in pairs:
        body = {**ctx.body(0), contact_field: other, person_field: person}
        put = ctx.client.put_json(ctx.relation_id, body)
        what = f"{person_field} {person} (a person of contact {owner}) with {contact_field} {other}"
        if not 400 <= put.status < 500:
            fail(
                check,
                f"a PUT naming {what} was not refused",
                "a 4xx (400 ValidationException naming the field)",
                *steps,
                put,
            )
        _shape_problem(check, put, person_field, person, steps, soft)
        after = ctx.read(check, (*steps, put), what="GET of the relation after the refused PUT")
        if before is not None and after is not None:
            changed = [
                (name, before[1].get(name), after[1].get(name))
                for name in SETTABLE
                if name in ctx.shape.kinds
                and not same_value(ctx.shape.kinds[name], before[1].get(name), after[1].get(name))
            ]
            if changed:
                expected, seen = describe(changed)
                fail(
                    check,
                    f"a refused PUT naming {what} changed the relation",
                    expected,
                    *steps,
                    put,
                    after[0],
                    seen=seen,
                )
        with Scratch(ctx, check) as scratch:
            post = scratch.attempt({**body, "RelationId": 0})
            if not 400 <= post.status < 500:
                fail(
                    check,
                    f"a POST naming {what} was not refused",
                    "a 4xx, and no relation created",
                    post,
                    operation="POST /api/v1/Relation",
                )
            _shape_problem(check, post, person_field, person, [], soft)
    if soft:
        raise PropertyFailed(soft[0])


def _shape_problem(
    check: str, exchange: Exchange, name: str, person: int, steps: list[Exchange], soft: list[Failure]
) -> None:
    """A refusal not in the vendor's error shape, or not naming the person: a finding of our choice,
    kept for the end (any 4xx status is accepted)."""
    body = exchange.json()
    if not isinstance(body, dict) or not all(isinstance(body.get(key), str) for key in ERROR_KEYS):
        problem = (
            "the refusal is not in the vendor's error shape (Error, ErrorType, ErrorMessage, ErrorSource)"
        )
    elif str(person) not in json.dumps(body, ensure_ascii=False):
        problem = f"the refusal does not name the person {person} it refused"
    else:
        return
    try:
        fail(check, problem, f"a JSON error naming {name} and {person}", *steps, exchange, basis=OURS)
    except PropertyFailed as exc:
        soft.append(exc.failure)


def known_records(ctx: Context) -> dict[str, list[int]]:
    """Resource name -> ids of its records the run knows exist: the ones the relation under test and the
    reference options name (`x-references` says which resource each reference field names)."""
    references = ctx.declarations[1]
    out: dict[str, list[int]] = {}
    for links in ctx.pool.sets:
        for name, value in links.body().items():
            ref = references.get(name)
            if isinstance(ref, Mapping) and isinstance(value, int) and value > 0:
                ids = out.setdefault(str(ref.get("resource")), [])
                if value not in ids:
                    ids.append(value)
    return out


def entity_negotiation(ctx: Context, _: None) -> None:
    """Reads only: each record of another resource the relation names, as XML and as JSON, holds the
    same values (the spec's GET produces both)."""
    check = "entity_negotiation"
    known = known_records(ctx)
    judged = 0
    for resource in ctx.resources:
        if "GET" not in resource.methods:
            continue
        client = ctx.entity_client(resource)
        for rid in known.get(resource.name, [])[:2]:
            read = client.get(rid)
            reference = read.entity() if read.status == 200 else None
            if reference is None:
                continue
            xml = client.get(rid, accept="application/xml")
            where = f"GET {resource.item}"
            if xml.status != 200 or "xml" not in xml.media_type:
                fail(
                    check,
                    f"Accept: XML on a {resource.name} was not answered with XML",
                    "200 and an XML content type",
                    read,
                    xml,
                    operation=where,
                )
            try:
                found = parse_xml(xml.response.content)[1]
            except Exception as exc:  # defusedxml and ElementTree raise several unrelated types
                fail(
                    check,
                    f"the XML answer of a {resource.name} does not parse",
                    "well-formed XML",
                    read,
                    xml,
                    seen=f"{type(exc).__name__}: {exc}",
                    operation=where,
                )
            shape = resource.shape
            problems = [
                f"{name}: JSON {show(reference.get(name))}, XML {show(found.get(name, '(absent)'))}"
                for name in shape.judged
                if shape.kinds[name] in (INT, TEXT, BOOL)
                and not xml_matches(shape.kinds[name], reference.get(name), found.get(name, ABSENT), shape)
            ]
            if problems:
                fail(
                    check,
                    f"the XML answer of a {resource.name} holds other values than the JSON one",
                    "the JSON values",
                    read,
                    xml,
                    seen="; ".join(problems[:4]),
                    operation=where,
                )
            judged += 1
    if not judged:
        raise NotApplicable("the relation under test names no record of another resource that a GET answers")
