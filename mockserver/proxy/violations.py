"""What the proxy found: per answer (headers), per exchange (log line, journal), per run (totals).

`ViolationLog` keeps the last N violations for `GET /__admin/violations` (a bounded deque, like the
journal) and, for the summary printed at exit, counts per (side, check, location) that survive
`DELETE /__admin/violations`. Messages never carry a credential (`Secrets`): they are scrubbed
before a message is kept, logged or sent.
"""

from __future__ import annotations

import json
import re
import sys
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from mockserver.proxy.findings import Finding
from mockserver.secrets import MASK, is_secret_name

COUNT_HEADER = b"x-contract-violations"
DETAIL_HEADER = b"x-contract-violations-detail"
DETAIL_BYTES = 4096  # the detail header's largest size; further violations are counted, not listed
MESSAGE_CHARS = 300
MAX_GROUPS = 1000
PATH_CHARS = 1024  # a longer path is kept cut, with `…`


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
        for name, value in headers:
            text_name = name.decode("latin-1")
            if is_secret_name(text_name):
                values += _credential_values(text_name, value.decode("latin-1"))
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


def clean(findings: Sequence[Finding], secrets: Scrubber) -> list[Finding]:
    out = []
    for f in findings:
        finding = Finding(f.side, f.check, secrets.text(f.location), secrets.text(f.message))
        out.append(finding if len(finding.message) <= MESSAGE_CHARS else _cut(finding))
    return out


def _cut(f: Finding) -> Finding:
    return Finding(f.side, f.check, f.location, f.message[: MESSAGE_CHARS - 1] + "…")


def as_dict(f: Finding) -> dict[str, str]:
    return {"Side": f.side, "Check": f.check, "Location": f.location, "Message": f.message}


def detail_header(findings: Sequence[Finding]) -> bytes:
    """A JSON list like Prism's `sl-violations`, ASCII only, at most DETAIL_BYTES long."""
    shown: list[dict[str, str]] = []
    size = 2
    for f in findings:
        item = {"side": f.side, "check": f.check, "location": f.location, "message": f.message}
        length = len(json.dumps(item)) + 2
        if size + length > DETAIL_BYTES - 40:
            shown.append({"more": str(len(findings) - len(shown))})  # type: ignore[dict-item]
            break
        shown.append(item)
        size += length
    return json.dumps(shown, separators=(",", ":")).encode("ascii")


@dataclass(slots=True)
class Group:
    """Every violation of one kind (side, check, location), for the exit summary."""

    side: str
    check: str
    location: str
    count: int = 0
    example: str = ""
    first_exchange: str = ""
    journal_ids: list[int] = field(default_factory=list)


class _Tally:
    """Exchanges and violations counted by kind (side, check, location), bounded in kinds."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str, str], Group] = {}
        self.exchanges = 0
        self.failed_exchanges = 0
        self.total = 0

    def add(self, findings: Sequence[Finding], exchange: str, journal_id: int | None) -> None:
        self.exchanges += 1
        if not findings:
            return
        self.failed_exchanges += 1
        self.total += len(findings)
        for f in findings:
            key = (f.side, f.check, f.location)
            group = self.groups.get(key)
            if group is None:
                if len(self.groups) >= MAX_GROUPS:
                    key = (f.side, f.check, "(other locations)")
                    group = self.groups.get(key)
                if group is None:
                    group = self.groups[key] = Group(
                        f.side, f.check, key[2], example=f.message, first_exchange=exchange
                    )
            group.count += 1
            if journal_id is not None and len(group.journal_ids) < 5:
                group.journal_ids.append(journal_id)


class ViolationLog:
    """The last N violations, a tally since the last `clear()` (for the admin API) and one since
    start (for the exit summary and the report)."""

    def __init__(self, size: int) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=size)
        self.session = _Tally()
        self.recent = _Tally()
        self.started = datetime.now(UTC)

    @property
    def groups(self) -> dict[tuple[str, str, str], Group]:
        return self.session.groups

    @property
    def exchanges(self) -> int:
        return self.session.exchanges

    @property
    def failed_exchanges(self) -> int:
        return self.session.failed_exchanges

    @property
    def total(self) -> int:
        return self.session.total

    def record(
        self, *, journal_id: int | None, method: str, path: str, status: int, findings: Sequence[Finding]
    ) -> None:
        if len(path) > PATH_CHARS:
            path = path[: PATH_CHARS - 1] + "…"
        exchange = f"{method} {path} -> {status}"
        self.session.add(findings, exchange, journal_id)
        self.recent.add(findings, exchange, journal_id)
        if not findings:
            return
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        for f in findings:
            self.entries.append(
                {
                    "JournalId": journal_id,
                    "Time": now,
                    "Method": method,
                    "Path": path,
                    "Status": status,
                    **as_dict(f),
                }
            )

    def listing(self) -> dict[str, Any]:
        """Since the last `clear()`: the last N violations, the counts, and every kind with its count."""
        recent = self.recent
        kinds = sorted(
            recent.groups.values(), key=lambda g: (g.side != "response", -g.count, g.check, g.location)
        )
        return {
            "Violations": list(self.entries),
            "Exchanges": recent.exchanges,
            "ExchangesWithViolations": recent.failed_exchanges,
            "Kinds": [
                {
                    "Side": g.side,
                    "Check": g.check,
                    "Location": g.location,
                    "Count": g.count,
                    "Example": g.example,
                    "FirstSeen": g.first_exchange,
                    "JournalIds": g.journal_ids,
                }
                for g in kinds
            ],
        }

    def held(self) -> dict[str, int]:
        """How many violations are listed, and the most that will be."""
        return {"Count": len(self.entries), "Limit": self.entries.maxlen or 0}

    def clear(self) -> None:
        self.entries.clear()
        self.recent = _Tally()


def log_lines(
    method: str, path: str, status: int, findings: Sequence[Finding], journal_id: int | None
) -> None:
    where = f" (journal {journal_id})" if journal_id is not None else ""
    for f in findings:
        sys.stderr.write(
            f"VIOLATION {method} {path} {status} {f.side} {f.check} {f.location}: {f.message}{where}\n"
        )
