"""XML bodies both ways, element per property as the WebAPI's XML formatter writes them.

Reading uses defusedxml (no DTDs, no entities, no external references) and matches elements by
local name, case-insensitively, so namespaced documents from other serializers are accepted.
Values are typed by the spec's schema. `xsi:nil="true"` marks null both ways; the text `null` in a
nullable element that is not free text is read as null too.

The encoding a declaration names is checked before parsing: expat asks Python's codec registry,
which knows names no XML reader knows (`rot13`, `unicode_escape`) and raises LookupError for
unknown ones; .NET's XmlReader refuses both ("System does not support 'x' encoding"), so does this.
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from mockserver.errors import ApiError, Violation

XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NAME = re.compile(r"^[A-Za-z_][\w.\-]*$")
# Characters XML 1.0 cannot carry; they are written as U+FFFD.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _ILLEGAL.sub("\ufffd", str(value)).translate(_ESCAPES)


def _write(out: list[str], tag: str, value: Any) -> None:
    if not _NAME.match(tag):  # a map key that is no XML name
        out.append(f'<Item Key="{_text(tag)}"')
        tag = "Item"
    else:
        out.append(f"<{tag}")
    if value is None:
        out.append(' xsi:nil="true"/>')
    elif isinstance(value, Mapping):
        out.append(">")
        for key, sub in value.items():
            _write(out, str(key), sub)
        out.append(f"</{tag}>")
    else:
        out.append(f">{_text(value)}</{tag}>")


def dumps(root: str, body: Mapping[str, Any]) -> bytes:
    """Serialize an answer (or an error) under the given root element."""
    out = [f'<?xml version="1.0" encoding="utf-8"?><{root} xmlns:xsi="{XSI}">']
    for key, value in body.items():
        if isinstance(value, list):  # error Violations
            out.append(f"<{key}>")
            for item in value:
                _write(out, "Violation", item)
            out.append(f"</{key}>")
        else:
            _write(out, key, value)
    out.append(f"</{root}>")
    return "".join(out).encode("utf-8")


# `<?xml version="1.0" encoding="name"?>` at the very start (after a UTF-8 byte order mark).
_DECLARED = re.compile(rb"""\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([^"'>]{0,1000})\1""")
# Codecs Python has that are no character set of the web or of .NET (encoders of text, not charsets).
_NOT_CHARSETS = frozenset({"undefined", "unicode_escape", "raw_unicode_escape", "idna", "punycode"})


def _check_encoding(data: bytes) -> None:
    """400 for a declaration naming an encoding that is unknown or no character set."""
    found = _DECLARED.match(data[:1200])
    if found is None:
        return
    name = found.group(2).decode("latin-1")
    shown = name if len(name) <= 80 else f"{name[:80]}..."
    try:
        info = codecs.lookup(name)
        known = getattr(info, "_is_text_encoding", True) and info.name.replace("-", "_") not in _NOT_CHARSETS
    except LookupError:
        known = False
    if not known:
        raise ApiError.malformed(
            "XmlException",
            f"The XML declaration names encoding {shown!r}, which is not a supported character set; "
            "expected utf-8 (or utf-16, iso-8859-1, windows-1252). Send the body in UTF-8 with "
            'encoding="utf-8", or without a declaration.',
            f"encoding {shown!r}",
        )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


_XSI_NIL = f"{{{XSI}}}nil"
_INTEGER = re.compile(r"[+-]?[0-9]+")
# A number as .NET's double.Parse reads it in the invariant culture (no thousands separators).
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _is_nil(element: Element) -> bool:
    return element.attrib.get(_XSI_NIL, "").strip() == "true"


def _null_text(element: Element, schema: Mapping[str, Any]) -> bool:
    """`<X>null</X>` is how JSON-minded serializers write null; for free text it stays the word."""
    nullable = schema.get("nullable") or None in schema.get("enum", ())
    if not nullable or len(element) or (element.text or "").strip() != "null":
        return False
    return schema.get("type") != "string" or "null" not in schema.get("enum", ["null"])


def _typed(element: Element, schema: Mapping[str, Any], field: str, problems: list[Violation]) -> Any:
    if _is_nil(element):
        return None
    kind = schema.get("type")
    if _null_text(element, schema):
        return None
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        return _object(element, schema, field, problems)
    text = (element.text or "").strip() if kind in ("integer", "number", "boolean") else (element.text or "")
    if kind == "number":
        number = float(text) if _NUMBER.fullmatch(text) else math.inf
        if math.isfinite(number):
            return number
        problems.append(Violation(field, f"{text!r} is not a number"))
        return None
    if kind == "integer":
        if _INTEGER.fullmatch(text):
            return int(text)
        problems.append(Violation(field, f"{text!r} is not an integer"))
        return None
    if kind == "boolean":
        if text.lower() in ("true", "1"):
            return True
        if text.lower() in ("false", "0"):
            return False
        problems.append(Violation(field, f"{text!r} is not true or false"))
        return None
    return text


def _object(
    element: Element, schema: Mapping[str, Any], field: str, problems: list[Violation]
) -> dict[str, Any]:
    props: Mapping[str, Any] = schema.get("properties", {})
    by_lower = {name.lower(): name for name in props}
    extra = schema.get("additionalProperties")
    out: dict[str, Any] = {}
    if (element.text or "").strip() and len(element) == 0:
        problems.append(Violation(field or "body", f"{element.text!r} is text where an object is expected"))
        return out
    for child in element:
        local = _local(child.tag) if isinstance(child.tag, str) else ""
        key = child.attrib.get("Key", local) if local == "Item" else local
        name = by_lower.get(key.lower())
        if (name or key) in out:
            problems.append(
                Violation(f"{field}/{name or key}" if field else name or key, "appears more than once")
            )
            continue
        if name is not None:
            out[name] = _typed(child, props[name], f"{field}/{name}" if field else name, problems)
        elif isinstance(extra, Mapping):
            out[key] = _typed(child, extra, f"{field}/{key}" if field else key, problems)
        # Unknown elements are ignored, as the JSON reader ignores unknown properties.
    return out


def loads(data: bytes, schema: Mapping[str, Any], roots: tuple[str, ...]) -> dict[str, Any]:
    """Parse an XML body into a dict typed by the schema; 400 for anything not well-formed or unsafe.

    The root element must be one of `roots` (by local name, any case).
    """
    _check_encoding(data)
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ApiError.malformed(
            "XmlException",
            f"The XML body was refused: {type(exc).__name__} (DTDs, entities and external references are "
            "not allowed).",
            "DTD or entity declaration",
        ) from exc
    except (ParseError, ValueError, LookupError) as exc:  # LookupError: a codec expat asked for
        raise ApiError.malformed("XmlException", f"The XML body is not well-formed: {exc}", str(exc)) from exc
    local = _local(root.tag) if isinstance(root.tag, str) else ""
    if local.lower() not in {name.lower() for name in roots}:
        raise ApiError.malformed(
            "XmlException",
            f"The XML root element is <{local}>; expected <{roots[0]}>.",
            f"root element <{local}>",
        )
    problems: list[Violation] = []
    out = _object(root, schema, "", problems)
    if problems:
        raise ApiError.invalid(problems)
    return out
