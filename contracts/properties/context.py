"""What the properties share: the client, the entity's shape, the references, what was learnt.

Every read of the relation goes through `Context.read`, so that "the server offers no GET" is
learnt in one place (a 405 or 501: the method is not there) and a 404 for a relation just written
is a violation: the vendor documents GET. Every full JSON answer goes through `Context.observe`,
which keeps the derived fields (names and texts) seen for each set of references: a server must
show the same ones on every read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from contracts.errors import NotApplicable, PropertyFailed
from contracts.options import Options
from contracts.properties.client import Exchange, RelationClient
from contracts.results import Failure
from contracts.safety.ledger import Ledger
from contracts.safety.references import DERIVED_FIELDS, REFERENCE_FIELDS, SETTABLE, ReferencePool
from contracts.spec import EntityShape, Resource
from contracts.values import diff_fields, same_value

# A GET answered with one of these means the server offers no GET for the relation.
NO_GET = frozenset({405, 501})
SERVER_STAMPS = ("UpdatedDate", "UpdatedBy")
EMPTY = {"int": 0, "str": "", "bool": False}


class NotRun(NotApplicable):
    """A property this run may not run (it would create or write what the options do not allow):
    reported "not run" with the option that would run it, not "not applicable"."""


@dataclass(slots=True)
class Sighting:
    """Derived fields as one answer showed them, and the exchange that showed them."""

    values: dict[str, Any]
    exchange: Exchange


@dataclass(slots=True)
class Context:
    client: RelationClient
    shape: EntityShape
    relation_id: int
    pool: ReferencePool
    options: Options
    # The relations this run created (the only ones it may delete or patch, or put besides its own).
    ledger: Ledger | None = None
    # None until learnt: True after a GET answered the relation, False after a 405/501.
    has_get: bool | None = None
    # Likewise for POST /api/v1/Relation (False after a 404/405/501 to the first one).
    has_post: bool | None = None
    # The relation as a GET found it before the run, and the first PUT answer (the record to
    # restore from when the server has no GET).
    snapshot: dict[str, Any] | None = None
    first_answer: dict[str, Any] | None = None
    # The namespace of the server's XML answers, if any (learnt by negotiation_answer).
    xml_namespace: str | None = None
    derived: dict[tuple[Any, ...], Sighting] = field(default_factory=dict)
    # The first two answers that showed different derived fields for the same references.
    derived_conflict: tuple[Sighting, Sighting, list[str]] | None = None
    # False while a property sends derived fields on purpose (their answers prove nothing about
    # consistency).
    observing: bool = True
    # What the properties want the report to say (lengths judged and where they came from, ...).
    notes: list[str] = field(default_factory=list)
    # The spec's other resources (`contracts.spec.resources`) and the relation's own `x-derived` and
    # `x-references`: what the entity properties and the reference properties work from.
    resources: tuple[Resource, ...] = ()
    declarations: tuple[Mapping[str, Any], Mapping[str, Any]] = ({}, {})
    entity_clients: dict[str, RelationClient] = field(default_factory=dict)

    def entity_client(self, resource: Resource) -> RelationClient:
        """A client for the resource's records, on the run's ledger: it writes only when the options
        let the properties write there (the embedded mock, --all-resources, --create-references), and
        then only to records the run created."""
        client = self.entity_clients.get(resource.item)
        if client is None:
            writes = self.options.may_write_other_resources or self.options.may_create_references
            client = RelationClient(
                self.options, self.client.base_url, self.ledger, template=resource.item, key=resource.key,
                writes=writes,
            )  # fmt: skip
            self.entity_clients[resource.item] = client
        return client

    def retries(self) -> tuple[int, float]:
        """Requests the properties sent again after a 429 (--retry-429), and the seconds waited."""
        counts = [client.retries for client in (self.client, *self.entity_clients.values())]
        return sum(n for n, _ in counts), sum(s for _, s in counts)

    def close(self) -> None:
        self.client.close()
        for client in self.entity_clients.values():
            client.close()

    def body(self, index: int = 0, /, **free: Any) -> dict[str, Any]:
        """A valid body on the pool's references, with the given free fields."""
        links = self.pool.sets[index % len(self.pool.sets)]
        return {**links.body(), "RelationId": self.relation_id, **free}

    def put(self, check: str, body: Mapping[str, Any], **kwargs: Any) -> tuple[Exchange, dict[str, Any]]:
        """PUT a JSON body and insist on a 200 with a JSON object."""
        exchange = self.client.put_json(self.relation_id, body, **kwargs)
        return exchange, self.expect_entity(check, exchange, "PUT of a valid body")

    def read(
        self,
        check: str,
        steps: Iterable[Exchange] = (),
        what: str = "GET of the relation just written",
        **kwargs: Any,
    ) -> tuple[Exchange, dict[str, Any]] | None:
        """GET the relation; None when the server offers no GET. A 404 (or anything but 200) for a
        relation that was just written is a violation."""
        if self.has_get is False:
            return None
        exchange = self.client.get(self.relation_id, **kwargs)
        if exchange.status in NO_GET and self.has_get is None:
            self.has_get = False
            return None
        entity = self.expect_entity(check, exchange, what, steps=steps)
        self.has_get = True
        return exchange, entity

    def expect_entity(
        self, check: str, exchange: Exchange, what: str, steps: Iterable[Exchange] = ()
    ) -> dict[str, Any]:
        entity = exchange.entity() if exchange.status == 200 else None
        if entity is None:
            fail(
                check,
                f"{what} was not answered 200 with a JSON object",
                "200 and a JSON object",
                *steps,
                exchange,
            )
        if self.first_answer is None and exchange.method == "PUT":
            self.first_answer = entity
        if "select=" not in exchange.url.partition("?")[2]:  # a `$select` answer shows only part
            self.observe(exchange, entity)
        return entity

    def observe(self, exchange: Exchange, entity: Mapping[str, Any]) -> None:
        """Remember the derived fields shown for these references; note the first disagreement."""
        if not self.observing or not same_value("int", entity.get("RelationId"), self.relation_id):
            return
        key = tuple(entity.get(name) for name in (*REFERENCE_FIELDS, "Reversed"))
        values = {name: entity.get(name) for name in DERIVED_FIELDS if name in self.shape.kinds}
        seen = self.derived.get(key)
        if seen is None:
            self.derived[key] = Sighting(values, exchange)
            return
        differing = [name for name in values if not same_value("str", seen.values.get(name), values[name])]
        if differing and self.derived_conflict is None:
            self.derived_conflict = (seen, Sighting(values, exchange), differing)

    def expected(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """What a PUT of `body` stores in the fields a client sets: the value sent, or the empty
        value when the body left the field out or sent null (PUT replaces the entity)."""
        out = {}
        for name in SETTABLE:
            value = body.get(name)
            out[name] = EMPTY.get(self.shape.kinds.get(name, "str")) if value is None else value
        return out

    def settable_diffs(
        self, body: Mapping[str, Any], entity: Mapping[str, Any]
    ) -> list[tuple[str, Any, Any]]:
        names = tuple(name for name in SETTABLE if name in self.shape.kinds)
        return diff_fields(self.shape, self.expected(body), entity, names)


def fail(
    check: str,
    title: str,
    expected: str,
    *steps: Exchange,
    seen: str | None = None,
    operation: str = "",
    basis: str = "",
) -> NoReturn:
    """Raise the violation; the last exchange is what was seen unless `seen` says otherwise."""
    last = steps[-1]
    curl = "\n".join(step.curl for step in steps)
    raise PropertyFailed(
        Failure(
            check=check,
            title=title,
            expected=expected,
            seen=seen if seen is not None else last.brief(),
            curl=curl,
            operation=operation or f"{last.method} /api/v1/Relation/{{id}}",
            basis=basis,
        )
    )


def describe(diffs: Iterable[tuple[str, Any, Any]]) -> tuple[str, str]:
    """(expected, seen) lines for a list of (field, wanted, got)."""
    diffs = list(diffs)
    expected = ", ".join(f"{name}={show(want)}" for name, want, _ in diffs)
    seen = ", ".join(f"{name}={show(got)}" for name, _, got in diffs)
    return expected, seen


def show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:120]


def without(names: Iterable[str], dropped: Iterable[str]) -> tuple[str, ...]:
    drop = set(dropped)
    return tuple(name for name in names if name not in drop)
