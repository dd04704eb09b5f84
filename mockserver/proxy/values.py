"""Entity values as the contract means them, for the proxy's worded checks.

Dates are instants (no offset means UTC; .NET's seven fractional digits allowed), `null` text is
empty text, an empty carrier is no carrier. What a client sets (`settable`: the references and the
free fields) is what a PUT must give back; what the server sets or computes (`x-server-set`,
`x-derived`) is never expected to echo the body. A body's settable values are read as the real
server reads them: what a body leaves out (or sends as null) is empty, and in XML an element that
comes after a later one in alphabetical order is one a .NET DataContractSerializer may skip, so its
value is not judged at all.

One `Shape` per resource, read from its declarations (`Shape.of`): its key (`x-primary-key`), its
mandatory fields (the request schema's `required`), the fields the server stamps (`x-server-set`)
and the settable ones (its stored value properties, but for those, the key and `x-derived` ones).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mockserver.model.entity import COMPUTED, EntityModel, parse_date
from mockserver.model.resource import ResourceModel

UNJUDGED = frozenset({*COMPUTED, "ExtraFields", "CustomFields"})
EMPTY_DATE = "0001-01-01T00:00:00"
EMPTY = {"int": 0, "str": "", "number": 0, "bool": False, "date": EMPTY_DATE}
SETTABLE_KINDS = frozenset({*EMPTY, "enum"})  # value properties (carriers and maps are not compared whole)
_EMPTY_INSTANT = datetime(1, 1, 1, tzinfo=UTC)


def instant(value: Any) -> datetime | None:
    moment = parse_date(value) if isinstance(value, str) and value.strip() else None
    return moment.astimezone(UTC) if moment else None


def second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def as_int(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return value
    return repr(value)


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _blank_carrier(value: Any) -> bool:
    return value is None or (isinstance(value, Mapping) and all(v is None for v in value.values()))


@dataclass(frozen=True, slots=True)
class Shape:
    """One resource's judged fields and kinds, from the spec (built once)."""

    kinds: Mapping[str, str]  # field -> int, number, str, date, bool, enum, carrier, map
    members: Mapping[str, Mapping[str, str]]  # carrier -> member -> kind
    member_enums: Mapping[str, Any]  # carrier member -> first enum value (a .NET enum's default)
    settable: tuple[str, ...]  # what a client sets: its references first, then the rest in spec order
    key: str = "RelationId"  # x-primary-key
    mandatory: tuple[str, ...] = ()  # the request schema's `required`
    free: tuple[str, ...] = ()  # settable fields that refer to no other entity
    stamps: Mapping[str, str] = field(default_factory=dict)  # x-server-set: role -> field
    name: str = "relation"  # how messages name one entity
    enums: Mapping[str, Any] = field(default_factory=dict)  # enum field -> its empty (first) value
    joins: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # x-derived `join`: field -> parts

    @classmethod
    def of(cls, resource: ResourceModel, entity: EntityModel) -> Shape:
        """The shape of one resource's entity, from its schema and its declarations."""
        props = resource.answer_schema["properties"]
        kinds = {name: kind for name, kind in entity.kinds.items() if name not in UNJUDGED}
        members: dict[str, dict[str, str]] = {}
        enums: dict[str, Any] = {}
        for name, kind in kinds.items():
            if kind != "carrier":
                continue
            members[name] = {}
            for sub, schema in props[name].get("properties", {}).items():
                if sub in UNJUDGED:
                    continue
                members[name][sub] = {
                    "integer": "int",
                    "number": "number",
                    "string": "str",
                    "boolean": "bool",
                }.get(schema.get("type") or "", "str" if "enum" in schema else "other")
                enum = [value for value in schema.get("enum", []) if value is not None]
                if enum:
                    enums[sub] = enum[0]
        unset = {resource.key, *resource.server_set, *resource.links.derived_names}
        values = [n for n in entity.stored if kinds.get(n) in SETTABLE_KINDS and n not in unset]
        references = [ref.field for ref in resource.links.references if ref.field in values]
        settable = (*references, *(name for name in values if name not in references))
        required = resource.request_schema.get("required", [])
        return cls(
            kinds=kinds,
            members=members,
            member_enums=enums,
            settable=settable,
            key=resource.key,
            mandatory=tuple(name for name in settable if name in required),
            free=tuple(name for name in settable if name not in references),
            stamps={role: prop for prop, role in resource.server_set.items()},
            name=_noun(resource.name),
            enums=dict(entity.enums),
            joins={item.field: item.join for item in resource.links.derived if item.join},
        )

    @property
    def updated(self) -> str | None:
        """The field with the time of the last write (`UpdatedDate`), if the server sets one."""
        return self.stamps.get("updated-at")

    def empty(self, name: str) -> Any:
        """The value a settable field has when a body leaves it out (or sends null)."""
        kind = self.kinds[name]
        return self.enums.get(name) if kind == "enum" else EMPTY.get(kind)

    def same(self, kind: str, left: Any, right: Any, name: str = "") -> bool:
        if kind == "str":
            textual = all(v is None or isinstance(v, str) for v in (left, right))
            return bool((left or "") == (right or "") if textual else left == right)
        if kind == "int":
            return bool(as_int(left) == as_int(right))
        if kind == "date":
            a, b = instant(left), instant(right)
            if a is None or b is None:
                return a is None and b is None and not left and not right
            return abs((a - b).total_seconds()) < 1
        if kind == "carrier":
            if _blank_carrier(left) or _blank_carrier(right):
                return _blank_carrier(left) and _blank_carrier(right)
            if not isinstance(left, Mapping) or not isinstance(right, Mapping):
                return bool(left == right)
            return all(self.same(k, left.get(m), right.get(m)) for m, k in self.members.get(name, {}).items())
        return bool(left == right)

    def differences(
        self, before: Mapping[str, Any], after: Mapping[str, Any], skip: tuple[str, ...] = ()
    ) -> dict[str, tuple[Any, Any]]:
        """name (or carrier/member) -> (before, after) for every judged value that differs."""
        out: dict[str, tuple[Any, Any]] = {}
        for name, kind in self.kinds.items():
            left, right = before.get(name), after.get(name)
            if name in skip or self.same(kind, left, right, name):
                continue
            if kind == "carrier" and isinstance(left, Mapping) and isinstance(right, Mapping):
                for member, member_kind in self.members.get(name, {}).items():
                    if not self.same(member_kind, left.get(member), right.get(member)):
                        out[f"{name}/{member}"] = (left.get(member), right.get(member))
            else:
                out[name] = (left, right)
        return out

    def values(self, entity: Mapping[str, Any]) -> dict[str, Any]:
        return {name: entity.get(name) for name in self.kinds}

    def expected(self, body: Any, media: str) -> dict[str, Any] | None:
        """The settable values a PUT of this body stores, as the server reads it; a field whose
        reading is uncertain (an XML element out of order) is left out. None: not a readable body."""
        if not isinstance(body, Mapping):
            return None
        skipped: set[str] = set()
        if media.endswith("xml"):
            last = ""
            for key in body:  # document order
                if key < last:
                    skipped.add(key)
                else:
                    last = key
        return {
            name: (self.empty(name) if body.get(name) is None else body.get(name))
            for name in self.settable
            if name not in skipped
        }

    def unselected(self, name: str, value: Any, member: str | None = None) -> bool:
        """Whether `$select` may have left this value: null, or the .NET default of a value type."""
        if value is None:
            return True
        kind = self.members.get(name, {}).get(member, "") if member else self.kinds.get(name, "")
        if kind in ("int", "number"):
            return value == 0 and not isinstance(value, bool)
        if kind == "enum" and member is None:
            return bool(value == self.enums.get(name))
        if kind == "bool":
            return value is False
        if kind == "date":
            moment = instant(value)
            return moment is not None and second(moment) == _EMPTY_INSTANT
        if member is not None and member in self.member_enums:
            return bool(value == self.member_enums[member])
        return False


def _noun(resource: str) -> str:
    """How a message names one entity of a resource: `relation`, `contact`, `relation definition`."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", resource).lower()
