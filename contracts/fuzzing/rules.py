"""What the Schemathesis hooks do to a request, and which findings they set aside, as plain functions.

(Where a request may go, the run's relation or one it created, is `contracts.fuzzing.guard`'s.)

Requests (`prepare_body`): generated references are mapped onto ids known to exist, so that valid
data stays valid on a real tenant (a real SuperOffice refuses a relation to a contact it does not
hold); valid data keeps `Reversed` inside a .NET short and text inside the lengths the server
reports (in UTF-16 code units, as FieldLength counts them; the spec's when it reports none). XML
bodies list their elements in alphabetical order (the order DataContractSerializer reads) and,
for valid data, leave out nulls (XML has no null; absent is the empty value too). A generated
`$select` (any string is valid) names real fields three times in four (`select_names`), so that
`select_nulls_unselected` has selections to judge. When the server's own XML answers are in a
namespace (a .NET DataContractSerializer reads only its own), XML bodies are written in it too
(`with_namespace`). PATCH bodies get the same treatment for the references and free fields
their operations (or a merge patch's keys) set (`prepare_patch`).

Findings set aside, each exactly for what it is for:
- a 412 to valid data, only when its If-Unmodified-Since is a real HTTP-date that is not in the
  future: the relation may have changed since (a valid request without the header, or with an
  unparsable or future one, must not get 412);
- a 412 to invalid data, only when the body was the only invalid part and the date is as above
  (RFC 9110 13.2.1 lets a server judge preconditions before it reads the content);
- invalid XML accepted, only when the body read back as XML text is valid after all (a number
  written where a string belongs is a valid string on the wire);
- valid XML refused, only when two keys of one object were written as the same element name
  (Schemathesis makes a key a valid XML name by replacing what XML does not allow with `_`, so `é`
  and `ö` both become `<_>`): the body on the wire is not the valid one it judged
  (`xml_names_collide`);
- a 404 answered with ASP.NET Web API's own `{"Message": ...}` body, which the spec may not know.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard

from contracts.properties.texts import cut_utf16
from contracts.safety.references import (
    DERIVED_FIELDS,
    FREE_FIELDS,
    REFERENCE_FIELDS,
    SHORT,
    Links,
    ReferencePool,
)
from contracts.values import parse_http_date

INT32 = range(-(2**31), 2**31)
# A precondition this far ahead of our clock is "future" (allows for the server's clock running ahead).
FUTURE = timedelta(minutes=5)
# The vendor's sample request: the references to fall back on when the run passed none.
SAMPLE = ReferencePool((Links(381, 272, 262, 492, 47),), "the vendor's sample request")
# The vendor's entity fields and two carrier members, for `$select`.
SELECTABLE = (
    *REFERENCE_FIELDS, *FREE_FIELDS, *DERIVED_FIELDS, "RelationId", "UpdatedDate", "CreatedDate",
    "CreatedBy", "UpdatedBy", "CreatedBy/AssociateId", "UpdatedBy/FullName",
)  # fmt: skip
_CASINGS = (str, str.lower, str.upper, str.swapcase)


def select_names(raw: str) -> str:
    """A `$select` of real field names (in mixed case) drawn from the generated string, or, one
    time in four, the string itself (unknown names must be ignored)."""
    names = [name.strip().lower() for name in raw.split(",") if name.strip()]
    known = {name.lower() for name in SELECTABLE}
    if names and all(name in known for name in names):
        return raw
    rng = random.Random(raw)
    if rng.random() < 0.25:
        return raw
    picked = rng.sample(SELECTABLE, rng.randint(1, 4))
    whole = {name for name in picked if "/" not in name}
    picked = [name for name in picked if name.split("/")[0] not in whole or "/" not in name]
    return ",".join(rng.choice(_CASINGS)(name) for name in picked)


def is_xml(media_type: str | None) -> bool:
    return "xml" in (media_type or "").lower()


def is_form(media_type: str | None) -> bool:
    return "x-www-form-urlencoded" in (media_type or "").lower()


def prepare_body(
    body: MutableMapping[str, Any],
    *,
    positive: bool,
    media_type: str | None,
    pool: ReferencePool,
    relation_id: int,
    keep_body_id: bool,
) -> None:
    """Rewrite a generated PUT body in place as described in the module docstring."""
    links = pool.sets[_pick(body, len(pool.sets))]
    known = links.body()
    for name in REFERENCE_FIELDS:
        value = body.get(name)
        # Valid data gets every reference; invalid data keeps its broken values (never a positive
        # int32, which no constraint of the spec refuses) and gets known ids for the others.
        if positive or (_is_int(value) and value >= 1):
            body[name] = known[name]
    if not keep_body_id and _is_int(body.get("RelationId")):
        body["RelationId"] = relation_id
    if positive:
        _fit_free(body, pool)
        if is_xml(media_type) or is_form(media_type):
            _drop_nulls(body)
    if is_xml(media_type):
        _alphabetical(body)


def prepare_patch(document: Any, *, positive: bool, pool: ReferencePool) -> None:
    """Rewrite a generated PATCH body in place so that valid changes stay valid on a real tenant.

    The patched relation holds the pool's first reference set (the run created it so): a
    reference an operation (or a merge patch's key) sets, tests or removes becomes that set's value
    (a real tenant refuses an unknown or empty relation definition, as it does an unknown contact),
    Comment stays inside the server's length and Reversed inside a .NET short, as `prepare_body`
    does for PUT. Invalid data keeps its broken values."""
    if not positive:
        return
    known = pool.sets[0].body()
    if isinstance(document, MutableMapping):
        for name in [
            key for key in document if key in known and (document[key] is None or _is_int(document[key]))
        ]:
            document[name] = known[name]
        _fit_free(document, pool)
        return
    if not isinstance(document, list):
        return
    for op in document:
        if not isinstance(op, MutableMapping) or not isinstance(op.get("path"), str):
            continue
        name = op["path"].lstrip("/")
        if name in known and op.get("op") in ("remove", 3):
            op["op"], op["value"] = ("replace" if op["op"] == "remove" else 2), known[name]
        elif "value" not in op:
            continue
        elif name in known and (op["value"] is None or _is_int(op["value"])):
            op["value"] = known[name]
        elif name in FREE_FIELDS:
            holder = {name: op["value"]}
            _fit_free(holder, pool)
            op["value"] = holder[name]


def _fit_free(body: MutableMapping[str, Any], pool: ReferencePool) -> None:
    reversed_ = body.get("Reversed")
    if _is_int(reversed_) and not SHORT[0] <= reversed_ <= SHORT[1]:
        body["Reversed"] = reversed_ % 2
    for name in FREE_FIELDS:
        limit = pool.lengths.get(name)
        if limit and isinstance(body.get(name), str):
            body[name] = cut_utf16(body[name], limit)


def _pick(body: Mapping[str, Any], count: int) -> int:
    seed = body.get("SourceContactId")
    return abs(seed) % count if _is_int(seed) else 0


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value in INT32


def _drop_nulls(body: MutableMapping[str, Any]) -> None:
    for key in [key for key, value in body.items() if value is None]:
        del body[key]
    for value in body.values():
        if isinstance(value, dict):
            _drop_nulls(value)


def _xml_name(name: str) -> str:
    """The element name Schemathesis writes for a key (its serializer's `_sanitize_xml_name`)."""
    if not name:
        return "element"
    sanitized = re.sub(r"[^a-zA-Z0-9_\-.]", "_", unicodedata.normalize("NFKC", str(name)).replace(":", "_"))
    return sanitized if sanitized[0].isalpha() or sanitized[0] == "_" else "x_" + sanitized


def _alphabetical(body: MutableMapping[str, Any]) -> None:
    """Elements in ordinal order of the names as written (DataContractSerializer's reading order)."""
    items = sorted(body.items(), key=lambda item: _xml_name(item[0]))
    body.clear()
    body.update(items)
    for value in body.values():
        if isinstance(value, dict):
            _alphabetical(value)


def xml_name(key: str) -> str:
    """The element name Schemathesis writes for an object key (its `_sanitize_xml_name`)."""
    if not key:
        return "element"
    name = re.sub(r"[^a-zA-Z0-9_\-.]", "_", unicodedata.normalize("NFKC", key).replace(":", "_"))
    return name if name[0].isalpha() or name[0] == "_" else "x_" + name


def xml_names_collide(value: Any) -> bool:
    """Whether two keys of one object anywhere in `value` become the same XML element name."""
    if isinstance(value, dict):
        names = [xml_name(str(key)) for key in value]
        return len(set(names)) < len(names) or any(xml_names_collide(item) for item in value.values())
    if isinstance(value, list):
        return any(xml_names_collide(item) for item in value)
    return False


def with_namespace(document: bytes, namespace: str) -> bytes:
    """The XML document with `namespace` as the default namespace of its root (unless it has one)."""
    match = re.match(rb"\s*(<\?xml[^>]*\?>\s*)?<([A-Za-z_][\w.\-]*)([^>]*)>", document)
    if match is None or b"xmlns=" in match[3]:
        return document
    quoted = namespace.replace("&", "&amp;").replace('"', "&quot;").encode()
    return document[: match.end(2)] + b' xmlns="' + quoted + b'"' + document[match.end(2) :]


def stale_precondition(value: str | None, now: datetime | None = None) -> bool:
    """An If-Unmodified-Since a 412 may answer: a valid HTTP-date not ahead of our clock."""
    moment = parse_http_date(value)
    if moment is None:
        return False
    return moment <= (now or datetime.now(UTC)) + FUTURE


def webapi_not_found(status: int, body: Any) -> bool:
    """ASP.NET Web API's own answer for a URI no route matches: 404 `{"Message": "No HTTP resource..."}`."""
    if status != 404 or not isinstance(body, dict) or not isinstance(body.get("Message"), str):
        return False
    return set(body) <= {"Message", "MessageDetail"}


def text_readings(value: Any) -> list[Any]:
    """What a server may read back from a scalar written as XML text: JSON's reading first (`5`,
    `true`, `null`), then the text itself, then xsd:boolean's `0`/`1`."""
    text = value if isinstance(value, str) else _wire(value)
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text
    readings = [text if isinstance(parsed, (dict, list)) else parsed, text]
    if text.strip() in ("0", "1"):
        readings.append(text.strip() == "1")
    out: list[Any] = []
    for reading in readings:
        if not any(reading == seen and type(reading) is type(seen) for seen in out):
            out.append(reading)
    return out


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def valid_as_text(body: Any, is_valid: Any, errors_at: Any) -> bool:
    """Whether `body`, each scalar read back from XML text (see `text_readings`), is valid.

    `is_valid(instance)` and `errors_at(instance)` (the instance paths of the errors) come from the
    caller's JSON Schema validator. Leaves under an error are switched to another reading one at a
    time while that removes errors."""
    others: dict[tuple[Any, ...], list[Any]] = {}

    def read(value: Any, path: tuple[Any, ...]) -> Any:
        if isinstance(value, dict) and not value:
            others[path] = [""]  # `<k></k>`: an empty object and an empty string are the same XML
            return {}
        if isinstance(value, dict):
            return {key: read(item, (*path, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [read(item, (*path, index)) for index, item in enumerate(value)]
        first, *rest = text_readings(value)
        if rest:
            others[path] = rest
        return first

    instance = read(body, ())
    while not is_valid(instance):
        errors = [tuple(path) for path in errors_at(instance)]
        trials = [
            (path, reading)
            for path, readings in others.items()
            if path and any(path[: len(error)] == error for error in errors)
            for reading in readings
        ]
        for path, reading in trials:
            trial = _with(instance, {path: reading})
            if is_valid(trial) or len(errors_at(trial)) < len(errors):
                instance = trial
                del others[path]
                break
        else:
            return False
    return True


def _with(instance: Any, changes: dict[tuple[Any, ...], Any]) -> Any:
    out = json.loads(json.dumps(instance))
    for path, value in changes.items():
        _set(out, path, value)
    return out


def _set(instance: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        instance = instance[step]
    instance[path[-1]] = value
