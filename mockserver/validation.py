"""Request bodies checked against the spec's schemas, with validators compiled once at start-up.

OpenAPI 3.0 schemas are turned into JSON Schema (draft 7) here: `nullable` becomes a `null`
type, OpenAPI-only keywords are dropped. jsonschema-rs then reports every failing field, so a
400 can name them all rather than the first.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from mockserver.errors import Violation

_OPENAPI_ONLY = frozenset(
    {
        "nullable",
        "xml",
        "example",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "discriminator",
        "externalDocs",
    }
)
_DATE_HINT = "is not an ISO 8601 date-time (e.g. 2026-01-31T12:00:00 or 2026-01-31T12:00:00Z)"


def to_json_schema(schema: Any) -> Any:
    """Convert one resolved OpenAPI 3.0 schema object into draft-7 JSON Schema."""
    if isinstance(schema, list):
        return [to_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        key: (value if key in ("enum", "required", "pattern", "format") else to_json_schema(value))
        for key, value in schema.items()
        if key not in _OPENAPI_ONLY and not key.startswith("x-")
    }
    if schema.get("nullable") is True and "type" in out:
        out["type"] = [out["type"], "null"]
    if "properties" in schema:
        out["properties"] = {name: to_json_schema(sub) for name, sub in schema["properties"].items()}
    return out


def _pointer(path: list[str | int]) -> str:
    return "/".join(str(part) for part in path) or "body"


class BodyValidator:
    """One compiled validator for one request-body schema."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._validator = jsonschema_rs.Draft7Validator(to_json_schema(schema), validate_formats=True)

    def violations(self, instance: Any) -> list[Violation]:
        """Every way the instance breaks the schema, one entry per field."""
        found: dict[str, str] = {}
        for error in self._validator.iter_errors(instance):
            missing = (
                error.kind.property
                if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required)
                else None
            )
            path = list(error.instance_path)
            field = _pointer([*path, missing] if missing else path)  # name the field, not its parent
            message = "the value is mandatory" if missing else error.message
            if "anyOf" in message and isinstance(error.instance, str):
                message = f"{error.instance!r} {_DATE_HINT}"
            found.setdefault(field, message)
        return [Violation(field, problem) for field, problem in found.items()]
