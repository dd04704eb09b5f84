"""The OpenAPI document, loaded and resolved once at start-up into the facts the server needs.

Nothing here runs per request: handlers read plain attributes of `SpecModel`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockserver.errors import SpecError

METHODS = ("get", "put", "post", "patch", "delete")

# libyaml parses the spec about 30 times faster than pure-Python PyYAML: most of the start-up time.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)


def load_document(path: Path) -> dict[str, Any]:
    """Read an OpenAPI document; one that is not YAML stops the server with the reason.

    Its structure is checked by Connexion against the OpenAPI schema when the app is built
    (`create_app`); the full openapi-spec-validator run, which costs a third of the start-up
    time, belongs to the spec's own tests (`tests/test_spec.py`).
    """
    try:
        document = read_yaml(path)
    except OSError as exc:
        raise SpecError(f"Cannot read the spec {path}: {exc.strerror}. Pass --spec PATH.") from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"The spec {path} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or "paths" not in document:
        raise SpecError(f"The spec {path} is not an OpenAPI document (no paths). Pass --spec PATH.")
    return document


def resolve(document: Mapping[str, Any], node: Any, _seen: tuple[str, ...] = ()) -> Any:
    """Inline every local `$ref` (the spec has no recursive schemas)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in _seen:
                raise SpecError(f"The spec has a recursive $ref {ref}; the mock cannot inline it.")
            target: Any = document
            for part in ref.removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return resolve(document, target, (*_seen, ref))
        return {key: resolve(document, value, _seen) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(document, item, _seen) for item in node]
    return node


@dataclass(frozen=True, slots=True)
class OperationModel:
    """What one operation documents: where it is, parameters, bodies, statuses and their examples."""

    method: str
    path: str
    operation_id: str
    parameters: tuple[dict[str, Any], ...]
    request_content: Mapping[str, dict[str, Any]]
    responses: Mapping[int, dict[str, Any]]

    @property
    def statuses(self) -> tuple[int, ...]:
        return tuple(sorted(self.responses))

    @property
    def success(self) -> int:
        """The status of the operation's real answer: its lowest documented 2xx (200; DELETE's 204)."""
        return next((status for status in self.statuses if 200 <= status < 300), 200)

    def examples(self, status: int) -> dict[str, Any]:
        """Named examples of a status (JSON media types first), name -> value."""
        out: dict[str, Any] = {}
        for media in self.responses.get(status, {}).get("content", {}).values():
            if "example" in media:
                out.setdefault("default", media["example"])
            for name, example in media.get("examples", {}).items():
                out.setdefault(name, example.get("value"))
        return out

    @property
    def label(self) -> str:
        """`PUT /api/v1/Relation/{id}`: how start-up errors name the operation."""
        return f"{self.method.upper()} {self.path}"

    def json_request_schema(self) -> dict[str, Any] | None:
        """The schema of its JSON request body (`application/json`, else the first JSON type)."""
        content = self.request_content
        media = (
            "application/json"
            if "application/json" in content
            else next((name for name in content if "json" in name), None)
        )
        schema = content.get(media, {}).get("schema") if media else None
        return schema if isinstance(schema, dict) else None

    def response_schema(self, status: int) -> dict[str, Any] | None:
        for media in self.responses.get(status, {}).get("content", {}).values():
            if "schema" in media:
                schema: dict[str, Any] = media["schema"]
                return schema
        return None

    def produces(self, status: int) -> tuple[str, ...]:
        return tuple(self.responses.get(status, {}).get("content", {}))


@dataclass(frozen=True, slots=True)
class SpecModel:
    """The resolved document plus the facts handlers look up."""

    document: dict[str, Any]
    raw: dict[str, Any]
    operations: tuple[OperationModel, ...]
    schemas: Mapping[str, dict[str, Any]]

    @classmethod
    def load(cls, path: Path) -> SpecModel:
        raw = load_document(path)
        resolved = resolve(raw, raw)
        operations: list[OperationModel] = []
        for template, item in resolved.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method not in METHODS or not isinstance(op, dict):
                    continue
                operations.append(
                    OperationModel(
                        method=method,
                        path=template,
                        operation_id=op.get("operationId") or f"{method.upper()} {template}",
                        parameters=(*shared, *op.get("parameters", [])),
                        request_content=op.get("requestBody", {}).get("content", {}),
                        responses={int(code): body for code, body in op.get("responses", {}).items()},
                    )
                )
        schemas = resolved.get("components", {}).get("schemas", {})
        model = cls(document=resolved, raw=raw, operations=tuple(operations), schemas=schemas)
        model._check(path)
        return model

    def _check(self, path: Path) -> None:
        if not any(op.path.endswith("}") for op in self.operations):
            raise SpecError(
                f"The spec {path} serves no entity resource: expected at least one operation on an item "
                "path /X/{id} answering an entity schema with xml.name and x-primary-key (for example GET "
                "and PUT /api/v1/Relation/{id} answering a ContactRelationEntity). Pass another --spec."
            )
        if "Error" not in self.schemas:
            raise SpecError(
                f"The spec {path} has no schema named Error; the mock needs it for its error answers. "
                "Add it, or pass another --spec."
            )

    def _first_put(self) -> OperationModel | None:
        return next((op for op in self.operations if op.method == "put" and op.path.endswith("}")), None)

    @property
    def put(self) -> OperationModel:
        """The first entity's PUT (the proxy checks one entity so far)."""
        found = self._first_put()
        if found is None:
            raise SpecError("The spec has no PUT on an item path (/X/{id}); the proxy checks one. Add one.")
        return found

    @property
    def entity(self) -> dict[str, Any]:
        """The first entity's answer schema (its PUT's 200): the property order every answer follows."""
        schema = self.put.response_schema(200)
        assert schema is not None
        return schema

    def example(self, name: str) -> Any:
        return self.document["components"]["examples"][name]["value"]
