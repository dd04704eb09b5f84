"""Request bodies in all seven content types, read into the entity a PUT saves.

Every type carries the whole entity, as in the vendor's Swagger: `application/json-patch+json`
and `application/merge-patch+json` are aliases on the real server's JSON formatter, so on PUT
they are read exactly like `application/json` (RFC 6902/7396 semantics belong to PATCH). Each
body is checked against its media type's schema, and every failing field is reported, before
anything is saved.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from mockserver import xmlcodec
from mockserver.errors import ApiError, Violation
from mockserver.model.spec import OperationModel
from mockserver.negotiation import media_type
from mockserver.validation import BodyValidator

MISSING_BODY = "Entity to save is not in request body."
FORM = "application/x-www-form-urlencoded"
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")
# A number as .NET's double.Parse reads it in the invariant culture; anything else stays text (400).
_NUMBER = re.compile(r"[+-]?([0-9]{1,400}(\.[0-9]{0,400})?|\.[0-9]{1,400})([eE][+-]?[0-9]{1,5})?")


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
    """JSON as the real server's reader takes it: UTF-8, a repeated key's last value wins (Json.NET's
    default); refused are NaN/Infinity, lone surrogates and nesting too deep to read."""
    try:
        text = data.decode("utf-8-sig")
        value = json.loads(text, parse_constant=_no_constants, parse_float=_finite)
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


NameTree = Mapping[str, tuple[str, "NameTree"]]


def name_tree(schema: Mapping[str, Any]) -> NameTree:
    """lower-case name -> (the schema's spelling, the same for its members), built once per schema."""
    return {
        name.lower(): (name, name_tree(sub))
        for name, sub in schema.get("properties", {}).items()
        if isinstance(sub, Mapping)
    }


def with_schema_names(value: Any, names: NameTree, renamed: list[str], at: str = "") -> Any:
    """`{"comment": 1}` -> `{"Comment": 1}`: Json.NET matches property names in any case (its default);
    a name given twice in different cases keeps the last value, as a repeated key does. The paths of
    renamed properties are added to `renamed`."""
    if not names or not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        name, members = names.get(key.lower(), (key, {}))
        if name != key:
            renamed.append(f"{at}{name}")
        out[name] = with_schema_names(item, members, renamed, f"{at}{name}/")
    return out


def without(value: dict[str, Any], path: str) -> dict[str, Any]:
    """A copy of the body without the property at `path` (`CreatedBy/ExtraFields`)."""
    head, _, rest = path.partition("/")
    out = dict(value)
    if rest and isinstance(out.get(head), dict):
        out[head] = without(out[head], rest)
    else:
        out.pop(head, None)
    return out


class BodyReader:
    """Reads a PUT (or POST) body of any of the operation's request media types into the fields to save.

    An XML body's root is the entity's name (`ContactRelationEntity`) or the same with `WithLinks`,
    the name of the answer's class; `entity` is the schema whose `x-field-length`s are enforced.
    """

    def __init__(self, operation: OperationModel, entity: Mapping[str, Any], entity_name: str) -> None:
        content = operation.request_content
        self._roots = (entity_name, f"{entity_name}WithLinks")
        self.consumes = tuple(content)
        self._schemas = {media: body.get("schema", {}) for media, body in content.items()}
        form_props = self._schemas.get(FORM, {}).get("properties", {})
        self._form_props: Mapping[str, Any] = form_props
        self._form_names = {name.lower(): name for name in form_props}
        self._validators = {media: BodyValidator(schema) for media, schema in self._schemas.items()}
        self._names = {media: name_tree(schema) for media, schema in self._schemas.items()}
        self._lengths = {
            name: int(sub["x-field-length"])
            for name, sub in entity.get("properties", {}).items()
            if "x-field-length" in sub
        }

    def read(self, content_type: str, data: bytes) -> dict[str, Any]:
        """The entity fields of a body that passed its media type's schema; ApiError (400, 415) if none."""
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
            body: Any = xmlcodec.loads(data, self._schemas[media], self._roots)
        elif media == FORM:
            body = self._form(data)
        else:
            body = parse_json(data)
            if body is None:
                raise ApiError(
                    400, "ArgumentNullException", MISSING_BODY, violations=[Violation("body", "null")]
                )
            renamed: list[str] = []
            body = self._names_as_json_net_binds_them(body, media, renamed)
        problems = self._validators[media].violations(body) + self._too_long(body)
        if problems:
            raise ApiError.invalid(problems)
        return body  # type: ignore[no-any-return]  # the schemas admit only an object

    def check(self, entity: Mapping[str, Any]) -> None:
        """400 naming every field of an entity that a JSON PUT body could not carry (a patched entity)."""
        validator = self._validators.get("application/json") or next(iter(self._validators.values()))
        problems = validator.violations(entity) + self._too_long(entity)
        if problems:
            raise ApiError.invalid(problems)

    def _names_as_json_net_binds_them(self, body: Any, media: str, renamed: list[str]) -> Any:
        """Case-variant names bind to their properties; one whose value then does not fit is treated
        as the unknown property the spec takes it for (Json.NET's binder records the failed conversion
        and goes on without it), so a body the spec accepts is never refused for it."""
        named = with_schema_names(body, self._names[media], renamed)
        if not renamed or not isinstance(named, dict):
            return named
        failing = {problem.field for problem in self._validators[media].violations(named)}
        for path in renamed:
            if any(field == path or field.startswith(f"{path}/") for field in failing):
                named = without(named, path)
        return named

    def _too_long(self, body: Any) -> list[Violation]:
        """Text longer than its field's FieldLength, counted in UTF-16 code units as .NET and SQL
        Server's nvarchar count it (an emoji outside the BMP is 2): the real server cannot store it."""
        if not isinstance(body, dict):
            return []
        out = []
        for name, limit in self._lengths.items():
            value = body.get(name)
            if isinstance(value, str) and len(value) > limit // 2:  # cheap: only long text is measured
                units = len(value.encode("utf-16-le", "surrogatepass")) // 2
                if units > limit:
                    out.append(Violation(name, f"is {units} characters long; FieldLength is {limit}"))
        return out

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
            kind = props.get(name, {}).get("type")
            if kind == "integer":
                if value.strip() == "":
                    continue  # a blank number is an absent one
                out[name] = int(value) if _INTEGER.fullmatch(value.strip()) else value
            elif kind == "number":
                if value.strip() == "":
                    continue  # a blank number is an absent one
                number = float(value) if _NUMBER.fullmatch(value.strip()) else math.inf
                out[name] = number if math.isfinite(number) else value
            elif kind == "boolean":
                if value.strip() == "":
                    continue  # a blank flag is an absent one
                flag = value.strip().lower()  # as .NET's bool.Parse reads it
                out[name] = {"true": True, "false": False}.get(flag, value)
            else:
                out[name] = value
        if repeated:
            raise ApiError.invalid(list(repeated.values()))
        return out
