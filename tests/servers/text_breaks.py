"""The transforms behind the broken servers about text as real data has it (issue 14): lengths past
a column, silent cuts, and characters a narrower encoding mangles. Each changes the text fields of a
relation PUT, in JSON, XML or form data, the way a real storage layer would, before the mock sees it
(see `tests.servers.broken` for which check must catch which)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode
from xml.sax.saxutils import escape, unescape

from tests.servers.asgi import Exchange, Reply, error_reply
from tests.servers.breaks import _entity_reply, _is_relation_put, _json_body

# The lengths the mock announces in FieldProperties (UTF-16 code units).
FIELD_LENGTHS = {"Comment": 2000, "SourceContactName": 255, "SourcePersonName": 255,
                 "DestinationContactName": 255, "DestinationPersonName": 255, "ActiveText": 255,
                 "PassiveText": 255}  # fmt: skip
FORM = "application/x-www-form-urlencoded"
TRUNCATED = "String or binary data would be truncated in table 'crm.relations', column '{}'."
_XML_TEXT = re.compile(rb"<((?:\w+:)?(\w+))>([^<]*)</\1>")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _cut(text: str, units: int) -> str:
    return text.encode("utf-16-le", "surrogatepass")[: 2 * units].decode("utf-16-le", "ignore")


def _texts(exchange: Exchange, change: Callable[[str, str], str | None]) -> bool:
    """Apply `change(field, text)` to the text fields of a relation PUT in JSON, XML or form data,
    the way a server's storage would (None keeps the text); True when the body was read."""
    media = (exchange.header("content-type") or "").split(";")[0].strip().lower()
    if not _is_relation_put(exchange) or not ("xml" in media or "json" in media or media == FORM):
        return False

    def new(name: str, text: str) -> str:
        if name not in FIELD_LENGTHS:
            return text
        changed = change(name, text)
        return text if changed is None else changed

    if "xml" in media:
        exchange.body = _XML_TEXT.sub(
            lambda m: b"<%s>%s</%s>" % (m[1], _xml_text(new(m[2].decode(), _xml_read(m[3]))), m[1]),
            exchange.body,
        )
    elif "json" in media:
        body = _json_body(exchange)
        if not isinstance(body, dict):
            return False
        changed = {key: new(key, value) if isinstance(value, str) else value for key, value in body.items()}
        exchange.body = json.dumps(changed, ensure_ascii=False).encode()
    else:
        pairs = parse_qsl(exchange.body.decode("utf-8", "replace"), keep_blank_values=True)
        exchange.body = urlencode([(key, new(key, value)) for key, value in pairs]).encode()
    return True


def _xml_read(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return unescape(re.sub(r"&#(\d+);", lambda m: chr(int(m[1])), text), {"&quot;": '"', "&apos;": "'"})


def _xml_text(text: str) -> bytes:
    return escape(text, {"\r": "&#13;"}).encode()


class _TooLong(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _failing(limit: Callable[[str], int | None]) -> Callable[[Exchange], Reply | None]:
    """500 "String or binary data would be truncated" for text longer than `limit(field)`."""

    def request(exchange: Exchange) -> Reply | None:
        def check(name: str, text: str) -> None:
            bound = limit(name)
            if bound is not None and _units(text) > bound:
                raise _TooLong(name)

        try:
            _texts(exchange, check)
        except _TooLong as too_long:
            return error_reply(500, "SqlException", TRUNCATED.format(too_long.name.lower()))
        return None

    return request


# A column as long as announced, and no check before the insert (SQL Server fails the statement).
length_500 = _failing(FIELD_LENGTHS.get)
# Comment's column holds 255, though FieldProperties announces 2000.
narrow_column_500 = _failing(lambda name: 255 if name == "Comment" else None)


def truncating(limit: Callable[[str], int | None]) -> Callable[[Exchange], None]:
    """Text cut to `limit(field)` units before it is stored, answered 200 without a word."""

    def request(exchange: Exchange) -> None:
        _texts(exchange, lambda name, text: _cut(text, limit(name) or _units(text)))

    return request


def latin1_mangled(exchange: Exchange) -> None:
    """UTF-8 read as Latin-1 (mojibake): 'æ' is stored as 'Ã¦'."""
    _texts(exchange, lambda name, text: text.encode("utf-8").decode("latin-1"))


def question_marks(exchange: Exchange) -> None:
    """A varchar column in a Windows-1252 code page: what it cannot hold becomes '?', one per unit
    (Norwegian survives, CJK and emoji do not)."""

    def store(name: str, text: str) -> str:
        return "".join(char if _cp1252(char) else "?" * _units(char) for char in text)

    _texts(exchange, store)


def _cp1252(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def form_latin1(exchange: Exchange) -> None:
    """Form bodies decoded as Latin-1, not UTF-8 (JSON and XML are read right)."""
    media = (exchange.header("content-type") or "").lower()
    if _is_relation_put(exchange) and "x-www-form-urlencoded" in media:
        pairs = parse_qsl(
            exchange.body.decode("ascii", "replace"), keep_blank_values=True, encoding="latin-1"
        )
        exchange.body = urlencode(pairs).encode()


def emoji_500(exchange: Exchange) -> Reply | None:
    """MySQL's three-byte utf8: a character outside the Basic Multilingual Plane fails the insert."""
    found: list[str] = []
    _texts(exchange, lambda name, text: found.append(name) if any(ord(c) > 0xFFFF for c in text) else None)
    if found:
        return error_reply(500, "MySqlException", f"Incorrect string value for column '{found[0]}'.")
    return None


def trims_whitespace(exchange: Exchange) -> None:
    _texts(exchange, lambda name, text: text.strip())


def nfc_normalized(exchange: Exchange) -> None:
    """Text stored in Unicode normalization form C: 'o' + U+0308 becomes 'ö'."""
    _texts(exchange, lambda name, text: unicodedata.normalize("NFC", text))


# --- promises of our choice (enforced with --strict) ----------------------------------------------


def understated_length(exchange: Exchange, reply: Reply) -> Reply:
    """FieldProperties announces 255 for Comment, which stores 2000 (the mock before issue 14)."""
    entity = _entity_reply(reply)
    properties = entity.get("FieldProperties") if entity else None
    if isinstance(properties, dict) and isinstance(properties.get("Comment"), dict):
        properties["Comment"]["FieldLength"] = 255
        reply.set_json(entity)
    return reply


def unnamed_refusal(exchange: Exchange, reply: Reply) -> Reply:
    """A 400 for a value past its length that does not say which field (nor in the vendor's shape)."""
    if reply.status == 400 and b"FieldLength" in reply.body:
        reply.set_json({"Message": "The request is invalid."})
    return reply
