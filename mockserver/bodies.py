"""Request bodies in all seven content types, read into the entity a PUT saves.

JSON, XML and form bodies carry the whole entity; a merge patch (RFC 7396) or a JSON Patch
(RFC 6902) is applied to the stored relation. Every result is checked against the spec's schema,
and every failing field is reported, before anything is saved.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import json_merge_patch
import jsonpatch
import jsonpointer

from mockserver import xmlcodec
from mockserver.entity import EntityModel
from mockserver.errors import ApiError, Violation
from mockserver.negotiation import media_type
from mockserver.spec import SpecModel
from mockserver.validation import BodyValidator

MISSING_BODY = "Entity to save is not in request body."
XML_ROOTS = ("ContactRelationEntity", "ContactRelationEntityWithLinks")
FORM = "application/x-www-form-urlencoded"
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise ValueError(f"duplicate key {twice!r}")
    return out


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:40]} is too large for a number")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def parse_json(data: bytes) -> Any:
    """Strict JSON: UTF-8 only, no NaN/Infinity, no duplicate keys, no lone surrogates, bounded nesting."""
    try:
        text = data.decode("utf-8-sig")
        value = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants, parse_float=_finite
        )
        # Escapes like \ud800 decode to text that is no Unicode; checked only when one is present.
        if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
            raise ValueError("a \\u escape is a lone UTF-16 surrogate, which is not a character")
        return value
    except UnicodeDecodeError as exc:
        raise ApiError.malformed(
            "JsonException", f"The body is not UTF-8: {exc.reason} at byte {exc.start}.", "invalid UTF-8"
        ) from exc
    except RecursionError as exc:
        raise ApiError.malformed(
            "JsonException", "The JSON body is nested too deeply.", "nested too deeply"
        ) from exc
    except ValueError as exc:
        raise ApiError.malformed("JsonException", f"The JSON body is not valid: {exc}.", str(exc)) from exc


@dataclass(frozen=True, slots=True)
class Body:
    """A request body that passed its media type's schema."""

    media: str
    value: Any


class BodyReader:
    """Reads a PUT body of any of the spec's request media types into the fields to save."""

    def __init__(self, spec: SpecModel, entity: EntityModel) -> None:
        content = spec.put.request_content
        self.consumes = tuple(content)
        self._schemas = {media: body.get("schema", {}) for media, body in content.items()}
        form_props = self._schemas.get(FORM, {}).get("properties", {})
        self._form_props: Mapping[str, Any] = form_props
        self._form_names = {name.lower(): name for name in form_props}
        self._validators = {media: BodyValidator(schema) for media, schema in self._schemas.items()}
        self._entity = entity
        self._entity_validator = BodyValidator(spec.schemas["ContactRelationEntity"])
        self._carrier_members = {
            name: {sub.lower(): sub for sub in schema.get("properties", {})}
            for name, schema in spec.schemas["ContactRelationEntity"]["properties"].items()
        }

    def read(self, content_type: str, data: bytes) -> Body:
        """The checked body; ApiError (400, 415) when it cannot be used. Patches are applied later."""
        if not data.strip():
            raise ApiError(
                400, "ArgumentNullException", MISSING_BODY, violations=[Violation("body", "missing")]
            )
        media = media_type(content_type)
        if media not in self._validators:
            shown = media or "no Content-Type"
            raise ApiError(
                415,
                "UnsupportedMediaTypeException",
                f"Cannot read a body of type {shown!r}. Send one of: {', '.join(self.consumes)}.",
            )
        if media.endswith("xml"):
            body: Any = xmlcodec.loads(data, self._schemas[media], XML_ROOTS)
        elif media == FORM:
            body = self._form(data)
        else:
            body = parse_json(data)
            if body is None:
                raise ApiError(
                    400, "ArgumentNullException", MISSING_BODY, violations=[Violation("body", "null")]
                )
        problems = self._validators[media].violations(body)
        if problems:
            raise ApiError.invalid(problems)
        return Body(media, body)

    def fields(self, body: Body, current: Mapping[str, Any]) -> dict[str, Any]:
        """The entity fields a PUT saves: the body itself, or a patch applied to the current relation.

        Runs inside the store's write step, so a patch always applies to what is stored now;
        a failed JSON Patch `test` raises 409 and nothing is saved.
        """
        if body.media == "application/merge-patch+json":
            return self._checked(json_merge_patch.merge(copy.deepcopy(dict(current)), body.value))
        if body.media == "application/json-patch+json":
            return self._checked(self._json_patch(current, body.value))
        return body.value  # type: ignore[no-any-return]

    def _checked(self, result: Any) -> dict[str, Any]:
        """A patched relation must still be an entity; if not, the patch conflicts with it (409)."""
        problems = self._entity_validator.violations(result)
        if problems:
            parts = "; ".join(f"{v.field}: {v.problem}" for v in problems)
            raise ApiError(
                409,
                "JsonPatchConflictException",
                f"The patch would leave an invalid relation: {parts}.",
                violations=problems,
            )
        return result  # type: ignore[no-any-return]

    def _form(self, data: bytes) -> dict[str, Any]:
        try:
            pairs = parse_qsl(
                data.decode("utf-8"),
                keep_blank_values=True,
                strict_parsing=True,
                max_num_fields=200,
                errors="strict",
            )
        except UnicodeDecodeError as exc:
            raise ApiError.malformed(
                "FormatException",
                f"The form body is not UTF-8: {exc.reason} at byte {exc.start}.",
                "invalid UTF-8",
            ) from exc
        except ValueError as exc:
            raise ApiError.malformed(
                "FormatException", f"The form body is not valid: {exc}.", str(exc)
            ) from exc
        props, by_lower = self._form_props, self._form_names
        out: dict[str, Any] = {}
        seen: set[str] = set()
        repeated: dict[str, Violation] = {}
        for key, value in pairs:
            name = by_lower.get(key.lower(), key)
            if name in seen and name in props:  # unknown fields are ignored, repeated or not
                repeated[name] = Violation(name, "appears more than once")
                continue
            seen.add(name)
            if props.get(name, {}).get("type") == "integer":
                if value.strip() == "":
                    continue  # a blank number is an absent one
                out[name] = int(value) if _INTEGER.fullmatch(value.strip()) else value
            else:
                out[name] = value
        if repeated:
            raise ApiError.invalid(list(repeated.values()))
        return out

    def _pointer(self, path: str) -> str:
        """`comment`, `/Comment` and `/COMMENT` all name /Comment; carrier members likewise.

        The empty path is the whole relation, as RFC 6902 has it.
        """
        if path == "":
            return ""
        parts = path.lstrip("/").split("/")
        top = self._entity.canonical(parts[0]) or parts[0]
        rest = [self._carrier_members.get(top, {}).get(part.lower(), part) for part in parts[1:]]
        return "/" + "/".join([top, *rest])

    def _json_patch(self, base: Mapping[str, Any], operations: list[dict[str, Any]]) -> Any:
        normalized = [{**op, "path": self._pointer(op["path"])} for op in operations]
        try:
            return jsonpatch.apply_patch(copy.deepcopy(dict(base)), normalized)
        except jsonpatch.JsonPatchTestFailed as exc:
            raise ApiError(409, "JsonPatchTestFailedException", f"Test operation failed: {exc}.") from exc
        except (jsonpatch.JsonPatchConflict, jsonpointer.JsonPointerException, TypeError, KeyError) as exc:
            # A well-formed patch whose paths do not fit the stored relation (RFC 5789 §2.2).
            raise ApiError(
                409,
                "JsonPatchConflictException",
                f"The JSON Patch does not fit the stored relation: {exc}.",
                violations=[Violation("body", str(exc))],
            ) from exc
        except jsonpatch.JsonPatchException as exc:
            raise ApiError.malformed(
                "JsonPatchException", f"The JSON Patch cannot be applied: {exc}.", str(exc)
            ) from exc
