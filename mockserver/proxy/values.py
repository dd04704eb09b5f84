"""Relation values as the contract means them, for the proxy's worded checks.

Dates are instants (no offset means UTC; .NET's seven fractional digits allowed), `null` text is
empty text, an empty carrier is no carrier. What a client sets (`SETTABLE`: the references and the
free fields) is what a PUT must give back; names and texts are read by the server from the
referenced records, so they are never expected to echo the body. A body's settable values are
read as the real server reads them: what a body leaves out (or sends as null) is empty, and in
XML an element that comes after a later one in alphabetical order is one a .NET
DataContractSerializer may skip, so its value is not judged at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockserver.model.entity import COMPUTED, EntityModel, parse_date

# The vendor's docs: "Id of the source contact. The value is mandatory." (and of the destination)
MANDATORY = ("SourceContactId", "DestinationContactId")
REFERENCES = (*MANDATORY[:1], "SourcePersonId", MANDATORY[1], "DestinationPersonId", "RelationDefinitionId")
FREE = ("Comment", "Reversed")
UNJUDGED = frozenset({*COMPUTED, "ExtraFields", "CustomFields"})
EMPTY_DATE = "0001-01-01T00:00:00"
_EMPTY = {"int": 0, "str": ""}
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
    """The entity's judged fields and kinds, from the spec (built once)."""

    kinds: Mapping[str, str]  # field -> int, str, date, bool, carrier, map
    members: Mapping[str, Mapping[str, str]]  # carrier -> member -> kind
    member_enums: Mapping[str, Any]  # carrier member -> first enum value (a .NET enum's default)
    settable: tuple[str, ...]

    @classmethod
    def from_spec(cls, entity_schema: Mapping[str, Any], entity: EntityModel) -> Shape:
        props = entity_schema["properties"]
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
                members[name][sub] = {"integer": "int", "string": "str", "boolean": "bool"}.get(
                    schema.get("type") or "", "str" if "enum" in schema else "other"
                )
                enum = [value for value in schema.get("enum", []) if value is not None]
                if enum:
                    enums[sub] = enum[0]
        settable = tuple(name for name in (*REFERENCES, *FREE) if kinds.get(name) in ("int", "str"))
        return cls(kinds, members, enums, settable)

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
            name: (_EMPTY[self.kinds[name]] if body.get(name) is None else body.get(name))
            for name in self.settable
            if name not in skipped
        }

    def unselected(self, name: str, value: Any, member: str | None = None) -> bool:
        """Whether `$select` may have left this value: null, or the .NET default of a value type."""
        if value is None:
            return True
        kind = self.members.get(name, {}).get(member, "") if member else self.kinds.get(name, "")
        if kind == "int":
            return value == 0 and not isinstance(value, bool)
        if kind == "bool":
            return value is False
        if kind == "date":
            moment = instant(value)
            return moment is not None and second(moment) == _EMPTY_INSTANT
        if member is not None and member in self.member_enums:
            return bool(value == self.member_enums[member])
        return False
