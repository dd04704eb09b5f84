"""PATCH bodies: an RFC 6902 JSON Patch array or an RFC 7396 merge-patch object, as the vendor reads them.

The vendor documents: ops `add`, `replace`, `remove` and `test` (`move` and `copy` are not
supported); paths case-insensitive with an optional leading slash; a merge patch is converted to
JSON Patch operations. Json.NET also reads the op enum's integers (the vendor's own sample sends
`"op": 1`): 0 unknown, 1 add, 2 replace, 3 remove, 4 test, 5 move, 6 copy.

`PatchReader.read` checks a body once, before the store is touched, and gives a `Patch` whose
paths carry the spec's spelling. `Patch.apply` runs inside the store's write step on the entity as
GET renders it (minus `_Links`), with the pinned `jsonpatch` library: `remove` of a property sets
its empty value (`0`, `""`, an empty date, no carrier), a failed `test` is a 409 and raises, so
nothing is written. Which patches exist is decided by the body's shape, not its media type.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import jsonpointer

from mockserver.bodies import parse_json
from mockserver.errors import ApiError, Violation
from mockserver.model.entity import EMPTY_DATE
from mockserver.negotiation import media_type

PATCH_MEDIA = ("application/json-patch+json", "application/merge-patch+json", "application/json", "text/json")
MISSING_PATCH = (
    "The changes to apply (a JSON Patch array or a merge-patch object) are not in the request body."
)
TEST_FAILED = "Update blocked because a 'test' operation has detected a conflict with the entity value."
SUPPORTED = ("add", "replace", "remove", "test")
# The vendor's op enum (SuperOffice.Services.WebApi.JsonPatch), as Json.NET reads its integers.
ENUM = ("unknown", "add", "replace", "remove", "test", "move", "copy")
_REMOVE = object()  # the empty value of a map entry: the entry itself goes


@dataclass(frozen=True, slots=True)
class Node:
    """One place in the patched document: its members (any case), a map's entries, its empty value."""

    members: Mapping[str, tuple[str, Node]] = field(default_factory=dict)
    entries: Node | None = None
    empty: Any = None
    minimum: Any = None  # a number's documented minimum: an empty value below it cannot be stored

    @classmethod
    def of(cls, schema: Mapping[str, Any], *, in_map: bool = False) -> Node:
        members = {name.lower(): (name, cls.of(sub)) for name, sub in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties")
        entries = cls.of(extra, in_map=True) if isinstance(extra, Mapping) else None
        return cls(members, entries, _REMOVE if in_map else _empty(schema), schema.get("minimum"))

    @property
    def mandatory(self) -> bool:
        """A number whose empty value (0) is below its minimum: a mandatory id, never removed."""
        return isinstance(self.empty, int) and isinstance(self.minimum, int) and self.empty < self.minimum

    def child(self, name: str) -> tuple[str, Node] | None:
        if self.members:
            return self.members.get(name.lower())
        if self.entries is not None:
            return name, self.entries
        return None


def _empty(schema: Mapping[str, Any]) -> Any:
    branches = schema.get("anyOf") or ()
    if branches and all(branch.get("type") == "string" for branch in branches):
        return EMPTY_DATE
    kind = schema.get("type")
    if kind == "string":
        return EMPTY_DATE if schema.get("format") == "date-time" else ""
    return {"integer": 0, "number": 0, "boolean": False}.get(kind or "")


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _bad(field_name: str, problem: str, message: str) -> ApiError:
    return ApiError(400, "JsonPatchException", message, violations=[Violation(field_name, problem)])


@dataclass(frozen=True, slots=True)
class Patch:
    """A checked patch: JSON Patch operations (canonical paths), or a merge patch (canonical names)."""

    root: Node
    noun: str  # `relation`: how messages name the entity the patch is applied to
    operations: tuple[dict[str, Any], ...] = ()
    merge: Mapping[str, Any] | None = None

    def apply(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """The patched document; ApiError 409 when a `test` fails, 400 when an op does not fit."""
        operations = self.operations if self.merge is None else _merge_ops(self.merge, document, self.root)
        out = copy.deepcopy(dict(document))
        for index, given in enumerate(operations):
            received = given.get("received", given["op"])
            operation = {key: value for key, value in given.items() if key != "received"}
            try:
                out = jsonpatch.apply_patch(out, [operation], in_place=True)
            except jsonpatch.JsonPatchTestFailed as exc:
                found = jsonpointer.resolve_pointer(out, operation["path"], None)
                raise ApiError(
                    409,
                    "JsonPatchTestFailedException",
                    TEST_FAILED,
                    violations=[
                        Violation(
                            operation["path"], f"is {found!r}; the test expected {operation['value']!r}"
                        )
                    ],
                ) from exc
            except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError) as exc:
                parent = operation["path"].rpartition("/")[0]
                null_parent = bool(parent) and jsonpointer.resolve_pointer(out, parent, "") is None
                hint = f" {parent} is null: set it whole instead." if null_parent else ""
                raise _bad(
                    f"{index}/path",
                    f"{received} does not fit the {self.noun}: {exc}",
                    f"Operation {index} ({received} {operation['path']}) cannot be applied to the "
                    f"{self.noun}: {exc}.{hint}",
                ) from exc
        return out


def _merge_ops(merge: Mapping[str, Any], document: Any, node: Node, prefix: str = "") -> list[dict[str, Any]]:
    """RFC 7396 as operations, one per key in order: null removes, an object merges into an object."""
    out: list[dict[str, Any]] = []
    for name, value in merge.items():
        found = node.child(name)
        assert found is not None  # names were checked when the patch was read
        _, sub = found
        path = f"{prefix}/{_escape(name)}"
        exists = isinstance(document, Mapping) and name in document
        current = document[name] if exists else None
        if value is None:
            if exists:  # removing a member that is not there changes nothing (RFC 7396)
                out.append(_remove(path, sub))
        elif isinstance(value, Mapping) and isinstance(current, Mapping):
            out.extend(_merge_ops(value, current, sub, path))
        else:
            out.append({"op": "replace" if exists else "add", "path": path, "value": _strip(value)})
    return out


def _strip(value: Any) -> Any:
    """A merge-patch object placed where there was none: its nulls mean "absent" (RFC 7396)."""
    if isinstance(value, Mapping):
        return {key: _strip(sub) for key, sub in value.items() if sub is not None}
    return value


def _remove(path: str, node: Node) -> dict[str, Any]:
    if node.empty is _REMOVE:
        return {"op": "remove", "path": path}
    return {"op": "replace", "path": path, "value": node.empty, "received": "remove"}


class PatchReader:
    """Reads a PATCH body (JSON only) into a checked `Patch`; ApiError 400/415 when it is none."""

    def __init__(
        self, document_schema: Mapping[str, Any], entity_name: str, noun: str, consumes: tuple[str, ...] = ()
    ) -> None:
        self.root = Node.of(document_schema)
        self.entity_name = entity_name
        self.noun = noun
        self.consumes = tuple(media for media in consumes if media in PATCH_MEDIA) or PATCH_MEDIA

    def read(self, content_type: str, data: bytes) -> Patch:
        if not data.strip():
            raise ApiError(
                400, "ArgumentNullException", MISSING_PATCH, violations=[Violation("body", "missing")]
            )
        media = media_type(content_type)
        if media not in self.consumes:
            raise ApiError(
                415,
                "UnsupportedMediaTypeException",
                f"Cannot read a PATCH body of type {media or 'no Content-Type'!r}. A patch is JSON: send "
                f"one of {', '.join(self.consumes)}.",
            )
        body = parse_json(data)
        if body is None:
            raise ApiError(
                400, "ArgumentNullException", MISSING_PATCH, violations=[Violation("body", "null")]
            )
        if isinstance(body, list):
            return Patch(
                self.root, self.noun, operations=tuple(self._operation(i, op) for i, op in enumerate(body))
            )
        if isinstance(body, dict):
            return Patch(self.root, self.noun, merge=self._merge(body, self.root, ""))
        raise _bad(
            "body",
            f"is a JSON {type(body).__name__}",
            "The PATCH body is neither a JSON Patch array nor a merge-patch object; send "
            '[{"op": "replace", "path": "/Comment", "value": "..."}] or {"Comment": "..."}.',
        )

    def _operation(self, index: int, operation: Any) -> dict[str, Any]:
        if not isinstance(operation, dict):
            raise _bad(str(index), "is not an object", f"Operation {index} is not an object: {operation!r}.")
        operation = {key.lower(): value for key, value in operation.items()}  # Json.NET: `Op` is `op`
        name = _op_name(index, operation.get("op"))
        raw_path = operation.get("path")
        if not isinstance(raw_path, str):
            raise _bad(
                f"{index}/path",
                "is missing" if raw_path is None else "is not a string",
                f'Operation {index} ({name}) needs a string path such as "/Comment"; got {raw_path!r}.',
            )
        path, node = self._resolve(index, raw_path)
        if name == "remove":
            return _remove(path, node)
        if "value" not in operation:
            raise _bad(
                f"{index}/value", "is missing", f"Operation {index} ({name} {raw_path}) needs a value."
            )
        return {"op": name, "path": path, "value": operation["value"]}

    def _resolve(self, index: int, raw: str) -> tuple[str, Node]:
        """`comment`, `/Comment` and `/COMMENT` are all /Comment; carrier members likewise."""
        node, parts = self.root, []
        for part in raw.removeprefix("/").split("/"):
            found = node.child(part.replace("~1", "/").replace("~0", "~"))
            if found is None:
                raise _bad(
                    f"{index}/path",
                    f"{raw!r} names no property",
                    f"Operation {index}: the path {raw!r} names no property of {self.entity_name} "
                    "(expected a property such as /Comment, or a carrier member such as /CreatedBy/Name).",
                )
            name, node = found
            parts.append(_escape(name))
        return "/" + "/".join(parts), node

    def _merge(self, merge: Mapping[str, Any], node: Node, at: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in merge.items():
            found = node.child(key)
            if found is None and at:  # an unknown member of a carrier: ignored, as PUT's binder does
                continue
            if found is None:
                raise _bad(
                    f"{at}{key}",
                    "names no property",
                    f"The merge patch names {at}{key!r}, which is no property of {self.entity_name}.",
                )
            name, sub = found
            if value is None and sub.mandatory:
                raise _bad(
                    f"{at}{name}",
                    "null removes the value, and the value is mandatory",
                    f"{at}{name}: null removes the value in a merge patch (RFC 7396), but {at}{name} is "
                    f"mandatory: send an id of {sub.minimum} or more.",
                )
            descend = isinstance(value, dict) and (sub.members or sub.entries is not None)
            out[name] = self._merge(value, sub, f"{at}{name}/") if descend else value
        return out


def _op_name(index: int, op: Any) -> str:
    """The op's name, from a name in any case or the vendor enum's integer."""
    if isinstance(op, int) and not isinstance(op, bool) and 0 <= op < len(ENUM):
        name = ENUM[op]
    elif isinstance(op, str):
        name = op.strip().lower()
    else:
        raise _bad(
            f"{index}/op",
            "is missing" if op is None else f"{op!r} is no operation",
            f"Operation {index} needs an op: one of {', '.join(SUPPORTED)} (or 1-4); got {op!r}.",
        )
    if name in ("move", "copy"):
        raise _bad(
            f"{index}/op",
            f"{name!r} is not supported",
            f"Operation {index} is {name!r}, which this API does not support; use {', '.join(SUPPORTED)}.",
        )
    if name not in SUPPORTED:
        raise _bad(
            f"{index}/op",
            f"{op!r} is no operation",
            f"Operation {index} has op {op!r}; expected one of {', '.join(SUPPORTED)} (or 1-4).",
        )
    return name
