"""The spec, loaded and validated once, and the entity's shape read from it.

The properties compare fields by kind (integer, text, date, carrier), and the kinds come from the
spec rather than from a second hand-kept list, so a spec change cannot leave the suite behind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from contracts.errors import CannotRunError

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster on the spec
PUT_PATH = "/api/v1/Relation/{id}"
RESPONSE_SCHEMA = "ContactRelationEntityWithLinks"
# Set by the server whatever the body says (the spec: "the path id identifies the relation; the
# server sets UpdatedDate and UpdatedBy"); Created* are the server's record of the first write.
SERVER_SET = frozenset({"RelationId", "UpdatedDate", "UpdatedBy", "CreatedDate", "CreatedBy"})
# Present in answers, but how a server fills or $select-s them is undocumented: never judged.
UNDOCUMENTED = frozenset({"TableRight", "FieldProperties", "_Links", "ExtraFields", "CustomFields"})

EMPTY_DATE = "0001-01-01T00:00:00"
# What every message about an unusable spec ends with: what was expected, and what to do.
FIX = (
    "; expected the project's OpenAPI 3 document for /api/v1/Relation: pass --spec with its path, "
    "or leave --spec out"
)
_AT_MOST = re.compile(r"\bAt most (\d+) characters", re.IGNORECASE)

INT = "int"
TEXT = "str"
DATE = "date"
BOOL = "bool"
CARRIER = "carrier"
MAP = "map"


@dataclass(frozen=True, slots=True)
class EntityShape:
    """Field names and kinds of the relation and of its Associate carriers, in spec order."""

    kinds: Mapping[str, str]
    carrier_kinds: Mapping[str, str]
    # Value-type defaults (0, false, the empty date, an enum's first member), by field and member:
    # a server may answer these instead of null for what `$select` left out.
    defaults: Mapping[str, Any] = field(default_factory=dict)
    carrier_defaults: Mapping[str, Any] = field(default_factory=dict)
    # The longest text each field holds as the spec documents it (`x-field-length`, else "At most N
    # characters" in its description): what the suite assumes when a server announces no FieldLength.
    lengths: Mapping[str, int] = field(default_factory=dict)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.kinds)

    @property
    def judged(self) -> tuple[str, ...]:
        """Fields whose values the properties compare."""
        return tuple(name for name in self.kinds if name not in UNDOCUMENTED)

    @property
    def writable(self) -> tuple[str, ...]:
        """Value fields a client sets: what a round trip must give back."""
        return tuple(
            name for name, kind in self.kinds.items() if kind in (INT, TEXT) and name not in SERVER_SET
        )

    def canonical(self, name: str) -> str | None:
        lowered = name.lower()
        return next((field for field in self.kinds if field.lower() == lowered), None)


@lru_cache(maxsize=8)
def load_spec(path: Path) -> Mapping[str, Any]:
    """The parsed spec; CannotRunError (one line) when it is missing, not YAML or not valid OpenAPI."""
    try:
        raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except OSError as exc:
        raise CannotRunError(f"cannot read the spec {path}: {exc.strerror or exc}{FIX}") from exc
    except yaml.YAMLError as exc:
        raise CannotRunError(f"the spec {path} is not valid YAML: {_one_line(exc)}{FIX}") from exc
    if not isinstance(raw, dict):
        raise CannotRunError(f"the spec {path} is not an OpenAPI document{FIX}")
    try:
        from openapi_spec_validator import validate

        validate(raw)
    except Exception as exc:
        raise CannotRunError(f"the spec {path} is not valid OpenAPI: {_one_line(exc)}{FIX}") from exc
    if PUT_PATH not in raw.get("paths", {}) or "put" not in raw["paths"][PUT_PATH]:
        raise CannotRunError(f"the spec {path} has no PUT {PUT_PATH}{FIX}")
    return raw


def entity_shape(spec: Mapping[str, Any]) -> EntityShape:
    schemas = spec["components"]["schemas"]
    entity = schemas[RESPONSE_SCHEMA]
    kinds = {name: _kind(schemas, prop) for name, prop in entity["properties"].items()}
    associate = _resolve(schemas, entity["properties"]["CreatedBy"])
    carrier_kinds = {name: _kind(schemas, prop) for name, prop in associate["properties"].items()}
    defaults = {name: _default(schemas, prop, kinds[name]) for name, prop in entity["properties"].items()}
    carrier_defaults = {
        name: _default(schemas, prop, carrier_kinds[name]) for name, prop in associate["properties"].items()
    }
    lengths = {name: _length(schemas, prop) for name, prop in entity["properties"].items()}
    return EntityShape(
        kinds=kinds,
        carrier_kinds=carrier_kinds,
        defaults={name: value for name, value in defaults.items() if value is not None},
        carrier_defaults={name: value for name, value in carrier_defaults.items() if value is not None},
        lengths={name: length for name, length in lengths.items() if length},
    )


def _resolve(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _kind(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    schema = _resolve(schemas, schema)
    branches = [_resolve(schemas, branch) for branch in schema.get("anyOf", schema.get("oneOf", []))]
    kind = schema.get("type") or next((branch.get("type") for branch in branches if "type" in branch), None)
    if kind is None and any(isinstance(value, str) for value in schema.get("enum", [])):
        kind = "string"  # a nullable enum written without `type` (see the spec's Associate.Type)
    if kind == "integer":
        return INT
    if kind == "boolean":
        return BOOL
    if kind == "string":
        dated = schema.get("format") == "date-time" or any(b.get("format") == "date-time" for b in branches)
        return DATE if dated or branches else TEXT
    if "properties" in schema and "additionalProperties" not in schema:
        return CARRIER
    return MAP


def _length(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> int:
    """A text field's documented length: `maxLength`, `x-field-length` or the description's "At most N"."""
    schema = _resolve(schemas, schema)
    for key in ("maxLength", "x-field-length"):
        value = schema.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    found = _AT_MOST.search(str(schema.get("description") or ""))
    return int(found[1]) if found else 0


def _default(schemas: Mapping[str, Any], schema: Mapping[str, Any], kind: str) -> Any:
    """The .NET default of a value type: what a server may show for a field `$select` left out."""
    schema = _resolve(schemas, schema)
    if kind == INT:
        return 0
    if kind == BOOL:
        return False
    if kind == DATE:
        return EMPTY_DATE
    enum = [value for value in schema.get("enum", []) if value is not None]
    return enum[0] if kind == TEXT and enum else None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def primary_keys(spec: Mapping[str, Any]) -> dict[str, str]:
    """Each item path template's id property, as the spec declares it (`x-primary-key` on the schema
    its 200 answers carry, the mock's vocabulary): `{"/api/v1/Relation/{id}": "RelationId"}`.
    Templates without the declaration are left out (`custody.id_field` then reads the path)."""
    keys: dict[str, str] = {}
    for template, item in (spec.get("paths") or {}).items():
        if not isinstance(item, Mapping) or not str(template).endswith("/{id}"):
            continue
        for method in ("get", "put", "patch"):
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            answer = (operation.get("responses") or {}).get("200") or (operation.get("responses") or {}).get(
                200
            )
            for media in ((answer or {}).get("content") or {}).values():
                schema = _follow(spec, (media or {}).get("schema") or {})
                key = schema.get("x-primary-key")
                if isinstance(key, str) and key:
                    keys[str(template)] = key
                    break
            if str(template) in keys:
                break
    return keys


def _follow(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """A `#/components/...` reference followed to its schema (and on, if it is one too)."""
    seen = 0
    while isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/") and seen < 16:
        node: Any = spec
        for part in schema["$ref"][2:].split("/"):
            node = node.get(part, {}) if isinstance(node, Mapping) else {}
        schema, seen = node if isinstance(node, Mapping) else {}, seen + 1
    return schema


@dataclass(frozen=True, slots=True)
class Resource:
    """One entity the spec serves besides the relation, as its operations and declarations describe it:
    what the entity properties (`contracts.properties.entities`) need to create, write, read and
    delete records of it. Read from the spec alone (`x-primary-key`, `x-server-set`, `x-derived`,
    `x-references`, `x-field-length`), never from an entity's name."""

    name: str
    collection: str
    item: str
    key: str
    shape: EntityShape
    # Field -> its enum's members (a text field that takes only these).
    enums: Mapping[str, tuple[Any, ...]]
    # `x-server-set`: field -> role (created-at, created-by, updated-at, updated-by).
    server_set: Mapping[str, str]
    # `x-derived` and `x-references`, as declared (keys may be paths such as `Contact/ContactId`).
    derived: Mapping[str, Any]
    references: Mapping[str, Any]
    # The methods the item and collection paths offer (GET, PUT, PATCH, DELETE; POST on the collection).
    methods: frozenset[str]

    @property
    def writable(self) -> tuple[str, ...]:
        """Top-level value fields a client sets freely: not the key, not server-set, not derived, not a
        reference (whose values must name records that exist)."""
        held = {self.key, *self.server_set, *self.derived, *self.references}
        return tuple(
            name
            for name, kind in self.shape.kinds.items()
            if kind in (INT, TEXT, BOOL) and name not in held and name not in UNDOCUMENTED
        )

    @property
    def mandatory_references(self) -> tuple[str, ...]:
        """Top-level reference fields that must name a record (not `optional`)."""
        return tuple(
            name
            for name, ref in self.references.items()
            if "/" not in name and not (isinstance(ref, Mapping) and ref.get("optional"))
        )

    @property
    def updated_at(self) -> str | None:
        return next((name for name, role in self.server_set.items() if role == "updated-at"), None)

    def missing(self) -> str | None:
        """Why the entity properties cannot run on this resource (None: its operations have the shape)."""
        wanted = ("POST", "GET", "PUT", "DELETE")
        lacking = [method for method in wanted if method not in self.methods]
        if lacking:
            return f"the spec gives {self.name} no {', '.join(lacking)} (nothing is created there)"
        if not self.writable:
            return f"{self.name} has no field a client sets"
        if "created-at" not in self.server_set.values():
            return (
                f"{self.name} declares no created-at (x-server-set): the suite could not prove a record "
                "it created its own"
            )
        return None


def resources(spec: Mapping[str, Any], *, besides: str = PUT_PATH) -> list[Resource]:
    """Every resource of the spec with an `x-primary-key` (see `primary_keys`), the relation's
    (`besides`) left out, in spec order."""
    paths = spec.get("paths") or {}
    schemas = (spec.get("components") or {}).get("schemas") or {}
    out: list[Resource] = []
    for item, key in primary_keys(spec).items():
        if item == besides:
            continue
        collection = item[: -len("/{id}")]
        schema = _answer_schema(spec, paths.get(item) or {})
        if schema is None:
            continue
        methods = {method.upper() for method in (paths.get(item) or {}) if method in _METHODS}
        if isinstance(paths.get(collection), Mapping) and "post" in paths[collection]:
            methods.add("POST")
        props = schema.get("properties") or {}
        shape = _shape(schemas, schema)
        enums = {
            field_name: tuple(v for v in _resolve(schemas, prop).get("enum", []) if v is not None)
            for field_name, prop in props.items()
            if _resolve(schemas, prop).get("enum")
        }
        out.append(
            Resource(
                name=collection.rsplit("/", 1)[-1],
                collection=collection,
                item=item,
                key=key,
                shape=shape,
                enums=enums,
                server_set=dict(schema.get("x-server-set") or {}),
                derived=dict(schema.get("x-derived") or {}),
                references=dict(schema.get("x-references") or {}),
                methods=frozenset(methods),
            )
        )
    return out


def relation_declarations(spec: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The relation's `x-derived` and `x-references` (empty when the spec declares none)."""
    schema = spec["components"]["schemas"].get(RESPONSE_SCHEMA) or {}
    return dict(schema.get("x-derived") or {}), dict(schema.get("x-references") or {})


_METHODS = ("get", "put", "patch", "delete")


def _answer_schema(spec: Mapping[str, Any], item: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The schema a GET (else PUT) of the item answers 200 with, followed to its definition."""
    for method in ("get", "put"):
        operation = item.get(method)
        if not isinstance(operation, Mapping):
            continue
        answer = (operation.get("responses") or {}).get("200") or {}
        for media in (answer.get("content") or {}).values():
            schema = _follow(spec, (media or {}).get("schema") or {})
            if schema.get("properties"):
                return schema
    return None


def _shape(schemas: Mapping[str, Any], entity: Mapping[str, Any]) -> EntityShape:
    """An `EntityShape` of any entity schema (its Associate carriers, if any, from CreatedBy/UpdatedBy)."""
    props = entity["properties"]
    kinds = {name: _kind(schemas, prop) for name, prop in props.items()}
    carrier = next((props[name] for name in ("CreatedBy", "UpdatedBy") if name in props), None)
    carried = _resolve(schemas, carrier).get("properties", {}) if carrier is not None else {}
    carrier_kinds = {name: _kind(schemas, prop) for name, prop in carried.items()}
    defaults = {name: _default(schemas, prop, kinds[name]) for name, prop in props.items()}
    lengths = {name: _length(schemas, prop) for name, prop in props.items()}
    return EntityShape(
        kinds=kinds,
        carrier_kinds=carrier_kinds,
        defaults={name: value for name, value in defaults.items() if value is not None},
        lengths={name: length for name, length in lengths.items() if length},
    )
