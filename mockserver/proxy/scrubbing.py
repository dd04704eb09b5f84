"""No credential reaches what the proxy writes: its log, journal notes, violations, report, recording.

What a credential is, is `mockserver.secrets`' one rule (header and query parameter names).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from mockserver.secrets import MASK, is_secret_name

MAX_CREDENTIALS = 10_000  # credential pieces remembered for scrubbing other exchanges' text
_PER_EXCHANGE = 16  # credential values of one exchange scrubbed as they are (the longest)
# A credential piece, as it may be quoted in JSON, XML, a query or a message: 8 or more characters
# between separators (base64, base64url, `7T:...` tickets, JWTs and cookie values stay whole).
_PIECE = re.compile(r"[^\s\"'<>,;&=(){}\[\]\\]{8,}")


def _credential_values(name: str, value: str) -> list[str]:
    """The secret parts of one header whose name is a credential's (`mockserver.secrets`)."""
    lowered = name.lower()
    if lowered == "cookie":
        return [part.partition("=")[2].strip() for part in value.split(";")]
    if lowered == "set-cookie":
        return [value.partition(";")[0].partition("=")[2].strip()]
    value = value.strip()
    return [value, value.partition(" ")[2].strip()]


class Secrets:
    """The credentials the proxy has seen, kept so that none reaches what the proxy writes.

    An exchange's own credentials (headers and query parameters whose names are a credential's,
    by `mockserver.secrets`, and the answer's Set-Cookie values) are replaced by `***` wherever
    they occur in its text. An upstream may also echo one client's credential into another's
    answer, and the proxy compares relations across exchanges, so the pieces of every credential
    seen (the last MAX_CREDENTIALS, as hashes) are masked too wherever one stands whole between
    separators. Both cost the same per exchange however many credentials were seen: no pattern is
    built from them.
    """

    def __init__(self) -> None:
        self._known: OrderedDict[int, None] = OrderedDict()

    def held(self) -> dict[str, int]:
        """How many credential pieces are remembered, and the most that will be."""
        return {"Count": len(self._known), "Limit": MAX_CREDENTIALS}

    def learn(self, headers: Sequence[tuple[bytes, bytes]], query: bytes = b"") -> Scrubber:
        """The scrubber of one exchange, from its request's credentials (the answer's come later)."""
        values: list[str] = []
        for name, raw in headers:
            text_name = name.decode("latin-1")
            if is_secret_name(text_name):
                values += _credential_values(text_name, raw.decode("latin-1"))
        if query:
            for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if is_secret_name(key):
                    values.append(value)
        scrubber = Scrubber(self._known)
        self._add(scrubber, values)
        return scrubber

    def saw_answer(self, scrubber: Scrubber, headers: Sequence[tuple[bytes, bytes]]) -> None:
        """The answer's Set-Cookie values join the exchange's credentials."""
        values = [
            value
            for name, raw in headers
            if name.lower() == b"set-cookie"
            for value in _credential_values("set-cookie", raw.decode("latin-1"))
        ]
        if values:
            self._add(scrubber, values)

    def _add(self, scrubber: Scrubber, values: list[str]) -> None:
        known = self._known
        for value in values:
            if len(value) < 8:
                continue
            scrubber.own.append(value)
            for piece in _PIECE.findall(value):
                key = hash(piece)
                if key in known:
                    known.move_to_end(key)
                else:
                    known[key] = None
        while len(known) > MAX_CREDENTIALS:
            known.popitem(last=False)
        scrubber.own.sort(key=len, reverse=True)
        del scrubber.own[_PER_EXCHANGE:]
        scrubber.own_bytes = [value.encode("latin-1") for value in scrubber.own]


class Scrubber:
    """`***` for every credential in one exchange's text and values (see `Secrets`)."""

    __slots__ = ("known", "own", "own_bytes")

    def __init__(self, known: OrderedDict[int, None]) -> None:
        self.known = known
        self.own: list[str] = []
        self.own_bytes: list[bytes] = []

    def within(self, data: bytes | None) -> bool:
        """Whether a body holds a credential (values are scrubbed only then)."""
        if not data:
            return False
        if any(secret in data for secret in self.own_bytes):
            return True
        known = self.known
        return bool(known) and any(hash(piece) in known for piece in _PIECE.findall(data.decode("latin-1")))

    def text(self, text: str) -> str:
        for secret in self.own:
            if secret in text:
                text = text.replace(secret, MASK)
        return _PIECE.sub(self._mask, text) if self.known else text

    def _mask(self, found: re.Match[str]) -> str:
        piece = found.group()
        return MASK if hash(piece) in self.known else piece

    def value(self, value: Any) -> Any:
        """A parsed body with every credential in its strings (keys included) replaced."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(key): self.value(sub) for key, sub in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value
