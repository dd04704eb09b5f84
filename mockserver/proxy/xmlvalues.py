"""XML and form bodies turned into the values their schema describes, so openapi-core can check them.

openapi-core reads XML into an ElementTree element, which no schema matches, and casts every form
field as it is written. Here XML is read the way the mock reads it (defusedxml: no DTDs, entities or
external references; elements by local name, any case, namespaces tolerated; `xsi:nil="true"` is
null; `<Item Key="...">` for a map key) and the form the way the mock reads it (field names in any
case; a blank number is an absent one). Unlike the mock's readers these never refuse a value: text
that is no integer stays text, so the schema check names it with its place and what was expected.
An element repeated in one object becomes a list of its values (which no property allows), so the
schema check names it. The schema is chosen by the XML root element (any resource's `xml.name`,
`ContactRelationEntity`, `ContactEntity`, ..., with or without `WithLinks`, and for answers `Error`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")
_NUMBER = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _value(element: Element, schema: Mapping[str, Any]) -> Any:
    if element.attrib.get(_NIL, "").strip() == "true":
        return None
    kind = schema.get("type")
    text = element.text or ""
    if schema.get("nullable") and len(element) == 0 and text.strip() == "null" and kind != "string":
        return None
    if kind == "array" or "items" in schema:
        return [_value(child, schema.get("items", {})) for child in element]
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        if len(element) == 0 and text.strip():
            return text  # text where an object belongs: the schema check says so
        return _object(element, schema)
    if kind == "integer":
        return int(text) if _INTEGER.fullmatch(text) else text
    if kind == "number":
        return float(text) if _NUMBER.fullmatch(text) else text
    if kind == "boolean":
        lowered = text.strip().lower()
        return {"true": True, "1": True, "false": False, "0": False}.get(lowered, text)
    return text


def _object(element: Element, schema: Mapping[str, Any]) -> dict[str, Any]:
    props: Mapping[str, Any] = schema.get("properties", {})
    by_lower = {name.lower(): name for name in props}
    extra = schema.get("additionalProperties")
    out: dict[str, Any] = {}
    for child in element:
        local = _local(child.tag)
        key = child.attrib.get("Key", local) if local == "Item" else local
        name = by_lower.get(key.lower())
        if name is not None:
            _put(out, name, _value(child, props[name]))
        elif isinstance(extra, Mapping):
            _put(out, key, _value(child, extra))
        elif extra is not False:  # an undocumented element: kept untyped, as JSON would keep it
            _put(out, key, _untyped(child))
    return out


class _Repeated(list):  # type: ignore[type-arg]
    """The values of an element that appears more than once: a list, which no property's schema allows."""


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if key not in out:
        out[key] = value
    elif isinstance(out[key], _Repeated):
        out[key].append(value)
    else:
        out[key] = _Repeated([out[key], value])


def _untyped(element: Element) -> Any:
    if element.attrib.get(_NIL, "").strip() == "true":
        return None
    if len(element):
        return {_local(child.tag): _untyped(child) for child in element}
    return element.text or ""


def root_namespace(data: bytes) -> str | None:
    """The namespace URI of an XML document's root element ("" for none); None when it is no XML."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except Exception:  # a body that is no XML has no namespace to speak of
        return None
    tag = root.tag if isinstance(root.tag, str) else ""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def xml_reader(roots: Mapping[str, Mapping[str, Any]]) -> Callable[..., Any]:
    """A media type deserializer for openapi-core: bytes -> dict typed by the root's schema.

    `roots` maps a lower-cased root element name to its (resolved) schema. A document that is not
    well-formed, uses a DTD or entity, or has another root raises ValueError, which openapi-core
    reports as a body it cannot deserialize; the reason travels as the exception's context.
    """

    def read(value: bytes, **parameters: str) -> Any:
        root = fromstring(value, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        local = _local(root.tag)
        schema = roots.get(local.lower())
        if schema is None:
            expected = " or ".join(f"<{name}>" for name in roots)
            raise ValueError(f"the XML root element is <{local}>; expected {expected}")
        return _object(root, schema)

    return read


def form_reader(schema: Mapping[str, Any]) -> Callable[..., Any]:
    """A form deserializer typed like the mock's: known names in any case, numbers as numbers."""
    props: Mapping[str, Any] = schema.get("properties", {})
    by_lower = {name.lower(): name for name in props}
    integers = {name for name, sub in props.items() if sub.get("type") == "integer"}
    numbers = {name for name, sub in props.items() if sub.get("type") == "number"}

    def read(value: bytes, **parameters: str) -> dict[str, Any]:
        pairs = parse_qsl(value.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(value))
        out: dict[str, Any] = {}
        for key, text in pairs:
            name = by_lower.get(key.lower(), key)
            if name in integers:
                if not text.strip():
                    continue  # a blank number is an absent one
                out.setdefault(name, int(text) if _INTEGER.fullmatch(text) else text)
            elif name in numbers:
                if not text.strip():
                    continue  # a blank number is an absent one
                out.setdefault(name, float(text) if _NUMBER.fullmatch(text) else text)
            else:
                out.setdefault(name, text)
        return out

    return read
