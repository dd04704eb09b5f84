"""The ContactRelationEntity as the mock stores and answers it, shaped by the spec's schemas.

Kinds, empty values and the property order are read from the spec once (`EntityModel.from_spec`);
`replace` turns an accepted body into the stored relation (PUT, POST and a patched PATCH document
alike), `render` adds what the server computes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockserver.spec import SpecModel

EMPTY_DATE = "0001-01-01T00:00:00"
# Computed on every answer, never stored.
COMPUTED = ("TableRight", "FieldProperties", "_Links")
FULL_RIGHT = {"Mask": "FULL", "Reason": ""}
_DOTNET_TYPES = {
    "int": "System.Int32",
    "str": "System.String",
    "date": "System.DateTime",
    "carrier": "SuperOffice.CRM.Services.Associate",
}


def format_date(moment: datetime) -> str:
    """UTC without an offset, to the second: the form real servers send for Created/UpdatedDate."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_date(value: str) -> datetime | None:
    """An entity date (offset or not; no offset means UTC) as an aware datetime."""
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    head, _, rest = text.partition(".")
    if rest:  # Python takes at most 6 fractional digits; .NET sends 7.
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _kind(schema: Mapping[str, Any]) -> str:
    """int, str, date (a date-time string, or alternatives that are all strings), carrier or map."""
    branches = schema.get("anyOf")
    if branches and all(branch.get("type") == "string" for branch in branches):
        return "date"
    if schema.get("type") == "integer":
        return "int"
    if schema.get("type") == "string":
        return "date" if schema.get("format") == "date-time" else "str"
    return "carrier" if "properties" in schema else "map"


@dataclass(frozen=True, slots=True)
class EntityModel:
    """Property names, kinds and empty values of the entity, in the spec's order."""

    kinds: Mapping[str, str]
    stored: tuple[str, ...]
    field_properties: Mapping[str, Any]

    @classmethod
    def from_spec(cls, spec: SpecModel) -> EntityModel:
        props = spec.entity["properties"]
        kinds = {name: _kind(schema) for name, schema in props.items()}
        stored = tuple(name for name in props if name not in COMPUTED)
        lengths = {name: int(props[name].get("x-field-length", 0)) for name in stored if kinds[name] == "str"}
        field_properties = {
            name: {
                "FieldRight": dict(FULL_RIGHT),
                "FieldType": _DOTNET_TYPES[kinds[name]],
                "FieldLength": lengths.get(name, 0),
            }
            for name in stored
        }
        return cls(
            kinds=kinds,
            stored=stored,
            field_properties=field_properties,
        )

    def empty(self, name: str) -> Any:
        return {"int": 0, "str": "", "date": EMPTY_DATE}.get(self.kinds[name])

    def blank(self, relation_id: int) -> dict[str, Any]:
        """A relation with every property empty: what PUT, merge and JSON patch start from for a new id."""
        out = {name: self.empty(name) for name in self.stored}
        out["RelationId"] = relation_id
        return out

    def replace(
        self,
        previous: Mapping[str, Any] | None,
        body: Mapping[str, Any],
        *,
        relation_id: int,
        caller: Mapping[str, Any],
        now: datetime,
    ) -> dict[str, Any]:
        """The relation after a PUT: the body's writable fields, the server's own fields, nothing else.

        Fields the body leaves out (or sends as null) take their empty values; the path id wins
        over a body RelationId; CreatedDate/CreatedBy are kept from the first write.
        """
        out: dict[str, Any] = {}
        stamp = format_date(now)  # the real time of the write, to the second (HTTP dates' resolution)
        for name in self.stored:
            if name == "RelationId":
                out[name] = relation_id
            elif name == "UpdatedDate":
                out[name] = stamp
            elif name == "UpdatedBy":
                out[name] = dict(caller)
            elif name == "CreatedDate":
                out[name] = previous[name] if previous else stamp
            elif name == "CreatedBy":
                out[name] = previous[name] if previous else dict(caller)
            else:
                value = body.get(name)
                if isinstance(value, float) and self.kinds[name] == "int":
                    value = int(value)  # JSON 1.0 is a valid integer; answer it as one
                out[name] = self.empty(name) if value is None else value
        return out

    def document(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A relation as the server renders it without links: its fields, TableRight, FieldProperties.

        This is what GET /default answers (for a blank relation) and what a PATCH is applied to.
        """
        out = dict(stored)
        out["TableRight"] = dict(FULL_RIGHT)
        out["FieldProperties"] = self.field_properties
        return out

    def default(self) -> dict[str, Any]:
        """GET /default: the relation NetServer pre-fills for a new one: every property empty, id 0."""
        return self.document(self.blank(0))

    def render(self, stored: Mapping[str, Any], base_url: str) -> dict[str, Any]:
        """The answer for a stored relation: its fields plus TableRight, FieldProperties and _Links."""
        out = self.document(stored)
        self_url = f"{base_url}/api/v1/Relation/{stored['RelationId']}"
        out["_Links"] = {"Self": self_url, "Archive": f"{base_url}/api/v1/Relation"}
        return out
