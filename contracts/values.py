"""Comparing relation values the way the contract means them, not the way one server spells them.

Dates are instants (no offset means UTC, as the docs say of Created/UpdatedDate; .NET's seven
fractional digits are cut to Python's six), an empty string and `null` are the same empty text, and
XML is read by local name so a namespace (as .NET's DataContractSerializer adds) changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, quoteattr

from defusedxml.ElementTree import fromstring

from contracts.spec import BOOL, CARRIER, DATE, INT, MAP, TEXT, UNDOCUMENTED, EntityShape

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
ABSENT = object()  # an XML element that is not there at all
_CR = {"\r": "&#13;"}


def parse_instant(value: Any) -> datetime | None:
    """An entity date as an aware UTC datetime, or None when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)].ljust(1, '0')}{rest[digits:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP-date in any of RFC 9110's three forms, as aware UTC; None when it is not one."""
    if not value:
        return None
    try:  # IMF-fixdate first: email.utils reads the year 0050 as 2050
        return datetime.strptime(value.strip(), "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    except ValueError:
        pass
    try:  # RFC 850 and asctime
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def http_date(moment: datetime) -> str:
    """RFC 9110 IMF-fixdate, e.g. `Wed, 21 Oct 2015 07:28:00 GMT`."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def same_instant(left: Any, right: Any, *, tolerance: timedelta = timedelta(seconds=1)) -> bool:
    a, b = parse_instant(left), parse_instant(right)
    if a is None or b is None:
        return _blank(left) and _blank(right)
    return abs(a - b) < tolerance


def same_value(kind: str, left: Any, right: Any, shape: EntityShape | None = None) -> bool:
    """Equal as the contract means it; `shape` is needed to compare carriers member by member."""
    if kind == TEXT:
        return (left or "") == (right or "") if _textual(left) and _textual(right) else left == right
    if kind == INT:
        return _as_int(left) == _as_int(right)
    if kind == DATE:
        return same_instant(left, right)
    if kind == BOOL:
        return _as_bool(left) == _as_bool(right)
    if kind == CARRIER:
        if _blank_carrier(left) or _blank_carrier(right):
            return _blank_carrier(left) and _blank_carrier(right)
        if shape is None or not isinstance(left, Mapping) or not isinstance(right, Mapping):
            return bool(left == right)
        return not diff_carrier(shape, left, right)
    if kind == MAP:
        return True
    return bool(left == right)


def diff_carrier(shape: EntityShape, left: Mapping[str, Any], right: Mapping[str, Any]) -> list[str]:
    return [
        name
        for name, kind in shape.carrier_kinds.items()
        if name not in UNDOCUMENTED and not same_value(kind, left.get(name), right.get(name))
    ]


def diff_fields(
    shape: EntityShape, left: Mapping[str, Any], right: Mapping[str, Any], fields: tuple[str, ...]
) -> list[tuple[str, Any, Any]]:
    """(field, left value, right value) for every field that differs."""
    return [
        (name, left.get(name), right.get(name))
        for name in fields
        if not same_value(shape.kinds[name], left.get(name), right.get(name), shape)
    ]


def unselected(kind: str, value: Any, default: Any = None) -> bool:
    """Whether a value is what `$select` may leave for an unselected field: null, or the .NET
    default of a value type (0, false, the empty date, an enum's first member)."""
    if value is None or default is None:
        return value is None
    if kind == DATE:
        return same_instant(value, default)
    return value == default and type(value) is type(default)


# --- XML -------------------------------------------------------------------------------------------


def parse_xml(body: bytes) -> tuple[str, dict[str, Any]]:
    """(root local name, children by local name); leaves are text ("" when empty), None when nil."""
    root = fromstring(body)
    return _local(root.tag), _children(root)


def _children(element: Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in element:
        out.setdefault(_local(child.tag), _leaf(child))
    return out


def _leaf(element: Element) -> Any:
    if element.get(XSI_NIL, "").strip().lower() == "true":
        return None
    if len(element):
        return _children(element)
    return element.text or ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].split(":")[-1]


def xml_matches(kind: str, json_value: Any, xml_value: Any, shape: EntityShape) -> bool:
    """Whether an XML leaf (text, nil, absent, or a child dict) says the same as a JSON value."""
    if kind == MAP:
        return True
    empty_xml = xml_value is ABSENT or xml_value is None or xml_value == ""
    if kind == CARRIER:
        if _blank_carrier(json_value):
            return empty_xml or (
                isinstance(xml_value, dict) and not any(_filled(v) for v in xml_value.values())
            )
        if not isinstance(xml_value, dict) or not isinstance(json_value, Mapping):
            return False
        return all(
            xml_matches(sub_kind, json_value.get(name), xml_value.get(name, ABSENT), shape)
            for name, sub_kind in shape.carrier_kinds.items()
            if name not in UNDOCUMENTED
        )
    if empty_xml:
        return json_value is None or (kind == TEXT and json_value == "")
    if isinstance(xml_value, dict):
        return False
    if kind == TEXT:
        return _lines(json_value or "") == _lines(xml_value)
    if kind == INT:
        return _as_int(json_value) == _as_int(xml_value.strip())
    if kind == BOOL:
        return _as_bool(json_value) == _as_bool(xml_value)
    if kind == DATE:
        return same_instant(json_value, xml_value.strip())
    return bool(str(json_value) == xml_value)


def xml_namespace(body: bytes) -> str | None:
    tag = fromstring(body).tag
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


def xml_document(root: str, values: Mapping[str, Any], *, namespace: str | None = None) -> bytes:
    """An element-per-property XML body, by default without a namespace like the docs' only sample.

    Elements come in ordinal (alphabetical) order: .NET's DataContractSerializer reads members in
    that order and skips any element that comes out of it. `null` values are left out (the field's
    empty value either way). A CR is written `&#13;`: a parser turns a literal one into LF.
    """
    parts = [f"<{root} xmlns={quoteattr(namespace)}>" if namespace else f"<{root}>"]
    for name, value in sorted(values.items()):
        if value is None:
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        parts.append(f"<{name}>{escape(text, _CR)}</{name}>")
    parts.append(f"</{root}>")
    return "".join(parts).encode()


# --- helpers ---------------------------------------------------------------------------------------


def _lines(text: str) -> str:
    """XML 1.0 end-of-line handling: a parser reads a literal CR or CRLF as LF, so an XML answer that
    writes CR literally (not as `&#13;`) says the same as the JSON one."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _textual(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _filled(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_filled(v) for v in value.values())
    return value not in (None, "")


def _blank_carrier(value: Any) -> bool:
    return value is None or (isinstance(value, Mapping) and not value)


def _as_int(value: Any) -> int | str | None:
    if value is None or isinstance(value, bool):
        return value if value is None else str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return value
    return repr(value)


def _as_bool(value: Any) -> bool | str | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return repr(value)
