"""The proxy's run summary: a table on stderr at exit, and `--report FILE` as Markdown or JUnit XML.

One row per kind of violation (side, check, location) with its count, an example message and the
first exchange that showed it; JUnit has one failing test case per row (one passing case when
there was none), so a CI job page lists what the upstream broke.
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from rich.console import Console
from rich.table import Table

from mockserver.proxy.violations import Group, ViolationLog


def _rows(log: ViolationLog) -> list[Group]:
    return sorted(log.groups.values(), key=lambda g: (g.side != "response", -g.count, g.check, g.location))


def headline(log: ViolationLog, upstream: str) -> str:
    return (
        f"relation-mock proxy: {log.exchanges} exchanges with {upstream}, {log.failed_exchanges} "
        f"with contract violations ({log.total} violations)"
    )


def print_summary(log: ViolationLog, upstream: str) -> None:
    console = Console(file=sys.stderr, width=160, highlight=False)
    console.print(headline(log, upstream))
    rows = _rows(log)
    if not rows:
        return
    table = Table(show_lines=False)
    for column in ("Side", "Check", "Location", "Count", "Example", "First seen"):
        table.add_column(column, overflow="fold", justify="right" if column == "Count" else "left")
    for group in rows:
        table.add_row(
            group.side, group.check, group.location, str(group.count), group.example, group.first_exchange
        )
    console.print(table)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(log: ViolationLog, upstream: str) -> str:
    lines = [
        "# Contract violations seen by the proxy",
        "",
        f"- Upstream: `{upstream}`",
        f"- Since: {log.started.isoformat(timespec='seconds')}",
        f"- Exchanges: {log.exchanges}; with violations: {log.failed_exchanges}; violations: {log.total}",
        "",
    ]
    rows = _rows(log)
    if not rows:
        return "\n".join([*lines, "No exchange broke the spec.", ""])
    lines += [
        "| Side | Check | Location | Count | Example | First seen | Journal ids |",
        "|---|---|---|---:|---|---|---|",
    ]
    for g in rows:
        ids = ", ".join(map(str, g.journal_ids))
        lines.append(
            f"| {g.side} | {g.check} | `{_cell(g.location)}` | {g.count} | {_cell(g.example)} | "
            f"{_cell(g.first_exchange)} | {ids} |"
        )
    return "\n".join([*lines, ""])


def junit(log: ViolationLog, upstream: str) -> str:
    rows = _rows(log)
    cases = []
    for g in rows:
        name = quoteattr(f"{g.side} {g.check} {g.location}")
        message = quoteattr(f"{g.count} x {g.example}")
        detail = escape(f"{g.count} violations, first in {g.first_exchange}: {g.example}")
        cases.append(
            f'    <testcase classname="proxy.{g.side}" name={name}>\n'
            f'      <failure message={message} type="{escape(g.check)}">{detail}</failure>\n'
            "    </testcase>"
        )
    if not cases:
        cases.append(
            f'    <testcase classname="proxy" name="no contract violations">'
            f"<system-out>{log.exchanges} exchanges</system-out></testcase>"
        )
    suite = quoteattr(f"relation-mock proxy {upstream}")
    return "\n".join(
        [
            '<?xml version="1.0" encoding="utf-8"?>',
            "<testsuites>",
            f'  <testsuite name={suite} tests="{len(cases)}" failures="{len(rows)}" errors="0" '
            f'timestamp="{log.started.isoformat(timespec="seconds")}">',
            *cases,
            "  </testsuite>",
            "</testsuites>",
            "",
        ]
    )


def write_report(path: Path, log: ViolationLog, upstream: str) -> None:
    text = junit(log, upstream) if path.suffix.lower() == ".xml" else markdown(log, upstream)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        sys.stderr.write(f"relation-mock: cannot write the report {path}: {exc.strerror}\n")
