"""What the proxy found: per answer (headers), per exchange (log line, journal), per run (totals).

`ViolationLog` keeps the last N violations for `GET /__admin/violations` (a bounded deque, like the
journal) and, for the summary printed at exit, counts per (side, check, location) that survive
`DELETE /__admin/violations`. Messages never carry a credential: they are scrubbed (`scrubbing`)
before a message is kept, logged or sent.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mockserver.proxy.findings import Finding
from mockserver.proxy.scrubbing import Scrubber

COUNT_HEADER = b"x-contract-violations"
DETAIL_HEADER = b"x-contract-violations-detail"
DETAIL_BYTES = 4096  # the detail header's largest size; further violations are counted, not listed
MESSAGE_CHARS = 300
MAX_GROUPS = 1000
PATH_CHARS = 1024  # a longer path is kept cut, with `…`


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
            shown.append({"more": str(len(findings) - len(shown))})
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
