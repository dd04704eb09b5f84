"""An entity as the mock stores and answers it, shaped by its resource's schema and declarations.

Kinds, empty values and the property order are read from the spec once (`EntityModel.of`);
`replace` turns an accepted body into the stored entity (PUT, POST and a patched PATCH document
alike), setting the key and the `x-server-set` fields; `render` adds what the server computes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockserver.model.resource import ResourceModel, resources_of
from mockserver.model.spec import SpecModel

EMPTY_DATE = "0001-01-01T00:00:00"
# Computed on every answer, never stored.
COMPUTED = ("TableRight", "FieldProperties", "_Links")
FULL_RIGHT = {"Mask": "FULL", "Reason": ""}
_DOTNET_TYPES = {
    "int": "System.Int32",
    "number": "System.Double",
    "str": "System.String",
    "date": "System.DateTime",
    "bool": "System.Boolean",
    "enum": "System.String",
    "carrier": "SuperOffice.CRM.Services.Associate",
    "map": "System.Collections.Generic.Dictionary",
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
    """int, number (a .NET double), str, date (a date-time string, or alternatives that are all
    strings), bool, enum (its first value is the empty one), carrier or map."""
    branches = schema.get("anyOf")
    if branches and all(branch.get("type") == "string" for branch in branches):
        return "date"
    if schema.get("enum"):
        return "enum"
    if schema.get("type") == "boolean":
        return "bool"
    if schema.get("type") == "integer":
        return "int"
    if schema.get("type") == "number":
        return "number"
    if schema.get("type") == "string":
        return "date" if schema.get("format") == "date-time" else "str"
    return "carrier" if "properties" in schema else "map"


@dataclass(frozen=True, slots=True)
class EntityModel:
    """Property names, kinds and empty values of the entity, in the spec's order; its key, the
    fields the server sets and where its links point."""

    kinds: Mapping[str, str]
    enums: Mapping[str, Any]  # an enum property -> its empty value (its first value)
    stored: tuple[str, ...]
    field_properties: Mapping[str, Any]
    key: str
    server_set: Mapping[str, str]
    collection: str
    derived: frozenset[str] = frozenset()  # computed on every read (x-derived): a body's values are ignored

    @classmethod
    def from_spec(cls, spec: SpecModel) -> EntityModel:
        """The first resource's entity (the proxy checks one entity so far)."""
        return cls.of(resources_of(spec)[0])

    @classmethod
    def of(cls, resource: ResourceModel) -> EntityModel:
        props = resource.answer_schema["properties"]
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
        enums = {
            name: next((value for value in schema["enum"] if value is not None), None)
            for name, schema in props.items()
            if kinds[name] == "enum"
        }
        return cls(
            kinds=kinds,
            enums=enums,
            stored=stored,
            field_properties=field_properties,
            key=resource.key,
            server_set=resource.server_set,
            collection=resource.collection,
            derived=resource.links.derived_names,
        )

    def empty(self, name: str) -> Any:
        kind = self.kinds[name]
        if kind == "enum":
            return self.enums[name]
        return {"int": 0, "number": 0, "str": "", "date": EMPTY_DATE, "bool": False}.get(kind)

    def blank(self, entity_id: int) -> dict[str, Any]:
        """An entity with every property empty but its key: what a fixture is completed from."""
        out = {name: self.empty(name) for name in self.stored}
        out[self.key] = entity_id
        return out

    def replace(
        self,
        previous: Mapping[str, Any] | None,
        body: Mapping[str, Any],
        *,
        entity_id: int,
        caller: Mapping[str, Any],
        now: datetime,
    ) -> dict[str, Any]:
        """The entity after a PUT: the body's writable fields, the server's own fields, nothing else.

        Fields the body leaves out (or sends as null) take their empty values; the path id wins
        over a body's key; `created-at`/`created-by` fields are kept from the first write.
        """
        out: dict[str, Any] = {}
        stamp = format_date(now)  # the real time of the write, to the second (HTTP dates' resolution)
        for name in self.stored:
            role = self.server_set.get(name)
            if name == self.key:
                out[name] = entity_id
            elif role == "updated-at":
                out[name] = stamp
            elif role == "updated-by":
                out[name] = dict(caller)
            elif role == "created-at":
                out[name] = previous[name] if previous else stamp
            elif role == "created-by":
                out[name] = previous[name] if previous else dict(caller)
            elif name in self.derived:
                out[name] = self.empty(name)  # computed on every read; a client's value is ignored
            else:
                value = body.get(name)
                if isinstance(value, float) and self.kinds[name] == "int":
                    value = int(value)  # JSON 1.0 is a valid integer; answer it as one
                out[name] = self.empty(name) if value is None else value
        return out

    def document(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """An entity as the server renders it without links: its fields, TableRight, FieldProperties.

        This is what GET /default answers (for a blank entity) and what a PATCH is applied to.
        """
        out = dict(stored)
        out["TableRight"] = dict(FULL_RIGHT)
        out["FieldProperties"] = self.field_properties
        return out

    def default(self) -> dict[str, Any]:
        """GET /default: the entity NetServer pre-fills for a new one: every property empty, id 0."""
        return self.document(self.blank(0))

    def render(self, stored: Mapping[str, Any], base_url: str) -> dict[str, Any]:
        """The answer for a stored entity: its fields plus TableRight, FieldProperties and _Links."""
        out = self.document(stored)
        archive = f"{base_url}{self.collection}"
        out["_Links"] = {"Self": f"{archive}/{stored[self.key]}", "Archive": archive}
        return out

    def version(self, stored: Mapping[str, Any]) -> str:
        """The stored `updated-at` value ("" when the entity declares none)."""
        field = next((name for name, role in self.server_set.items() if role == "updated-at"), None)
        return str(stored.get(field) or "") if field else ""
