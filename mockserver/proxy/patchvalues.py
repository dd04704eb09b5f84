"""PATCH bodies as the vendor reads them, for the proxy's checks.

The vendor documents PATCH paths as case-insensitive with an optional leading slash, and Json.NET
reads the op enum by name in any case and by number (1 add, 2 replace, 3 remove, 4 test); a JSON
Schema `enum` is exact. So before openapi-core checks a PATCH body it gets the body in the spec's
spelling: member names of an operation (`Op`, `PATH`) and op names lower-case, each path and each
merge-patch name in the property's own spelling, a path's leading slash kept or left out as sent.
Nothing else changes: a path that names no property, an op that is not supported, a value of the
wrong type still break the schema and are named (XML bodies are read the same way, in
`xmlvalues`).

`Patch.of(value)` reads a canonical body as operations on the entity's properties, in order, for
the worded promises: which properties an applied PATCH sets, to what, and which `test`s it makes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

OP_NUMBERS = {1: "add", 2: "replace", 3: "remove", 4: "test"}  # the vendor enum, as Json.NET reads it
_MEMBERS = ("op", "path", "value", "from")


@dataclass(frozen=True, slots=True)
class Operation:
    op: str  # add, replace, remove, test (anything else: the patch is not understood)
    name: str  # the entity property, in the spec's spelling
    member: str | None  # a carrier member, for `/CreatedBy/Name`
    value: Any


@dataclass(frozen=True, slots=True)
class Patch:
    """A PATCH body read as operations, or None when any part of it is not understood."""

    operations: tuple[Operation, ...]
    merge: bool

    @property
    def tests(self) -> tuple[Operation, ...]:
        return tuple(o for o in self.operations if o.op == "test")


class PatchReading:
    """The entity's property and carrier member names, from the spec (built once)."""

    def __init__(self, entity_schema: Mapping[str, Any]) -> None:
        props: Mapping[str, Any] = entity_schema.get("properties", {})
        self.names = {name.lower(): name for name in props}
        self.members = {
            name: {sub.lower(): sub for sub in schema.get("properties", {})}
            for name, schema in props.items()
            if isinstance(schema, Mapping) and schema.get("properties")
        }

    def canonical_bytes(self, body: bytes) -> bytes:
        """The body in the spec's spelling; as it came when it is not JSON (openapi-core names that)."""
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body
        return orjson.dumps(self.canonical(value))

    def canonical(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._operation(item) for item in value]
        if isinstance(value, dict):
            return self._merge(value)
        return value

    def _operation(self, item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        out: dict[str, Any] = {}
        for key, value in item.items():
            member = key.lower() if isinstance(key, str) and key.lower() in _MEMBERS else key
            if member == "op" and isinstance(value, str):
                value = value.strip().lower()
            elif member == "path" and isinstance(value, str):
                value = self._path(value)
            out[member] = value
        return out

    def _path(self, text: str) -> str:
        slash = "/" if text.startswith("/") else ""
        name, _, member = text.removeprefix("/").partition("/")
        canonical = self.names.get(name.lower())
        if canonical is None:
            return text
        if not member:
            return slash + canonical
        spelled = self.members.get(canonical, {}).get(member.lower())
        return f"{slash}{canonical}/{spelled or member}"

    def _merge(self, value: Mapping[str, Any], members: Mapping[str, str] | None = None) -> dict[str, Any]:
        names = self.names if members is None else members
        out: dict[str, Any] = {}
        for key, sub in value.items():
            name = names.get(key.lower(), key) if isinstance(key, str) else key
            if members is None and isinstance(sub, dict) and name in self.members:
                sub = self._merge(sub, self.members[name])
            out[name] = sub
        return out

    def read(self, value: Any) -> Patch | None:
        """A canonical body as operations, or None when any part of it is not understood."""
        if isinstance(value, dict):
            operations = []
            for key, sub in value.items():
                if key not in self.names.values():
                    return None
                operations.append(Operation("remove" if sub is None else "replace", key, None, sub))
            return Patch(tuple(operations), merge=True)
        if not isinstance(value, list):
            return None
        operations = []
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("path"), str):
                return None
            op = item.get("op")
            op = OP_NUMBERS.get(op) if isinstance(op, int) and not isinstance(op, bool) else op
            if op not in ("add", "replace", "remove", "test"):
                return None
            if op != "remove" and "value" not in item:
                return None
            name, _, member = item["path"].removeprefix("/").partition("/")
            if name not in self.names.values():
                return None
            operations.append(Operation(op, name, member or None, item.get("value")))
        return Patch(tuple(operations), merge=False)
