"""Showing a run: live progress and a summary on the terminal, JUnit XML for CI, Markdown for a job page.

Progress goes to stderr (a rich display on a terminal, one plain line per stage elsewhere, so CI logs
stay readable); the failures and the summary table go to stdout.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from contracts.catalog import CHECKS
from contracts.results import FAILED, PASSED, CheckOutcome, Failure, RunResult

_STYLE = {PASSED: "green", FAILED: "bold red", "skipped": "yellow"}
_MARK = {PASSED: "✓ held", FAILED: "✗ violated", "skipped": "- skipped"}


class Reporter:
    """Progress for one run. The base class is silent (pytest, `--quiet`)."""

    def start(self, target: str) -> None: ...

    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, name: str, completed: int | None = None, step: int = 1) -> None: ...

    def done(self, name: str, summary: str = "") -> None: ...

    def close(self) -> None: ...


class ConsoleReporter(Reporter):
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._counts: dict[str, int] = {}

    def start(self, target: str) -> None:
        self.console.print(f"[bold]relation contracts[/bold] → {escape(target)}")
        if self.console.is_terminal:
            self._progress = Progress(
                TextColumn("{task.description:<34}"),
                BarColumn(),
                TextColumn("{task.completed:>5} cases"),
                TimeElapsedColumn(),
                console=self.console,
            )
            self._progress.start()

    def stage(self, name: str, total: int | None = None) -> None:
        self._counts[name] = 0
        if self._progress is not None:
            self._tasks[name] = self._progress.add_task(name, total=total)
        else:
            self.console.print(f"  … {escape(name)}")

    def advance(self, name: str, completed: int | None = None, step: int = 1) -> None:
        self._counts[name] = completed if completed is not None else self._counts.get(name, 0) + step
        if self._progress is not None and name in self._tasks:
            self._progress.update(self._tasks[name], completed=self._counts[name])

    def done(self, name: str, summary: str = "") -> None:
        count = self._counts.get(name, 0)
        if self._progress is not None and name in self._tasks:
            task = self._tasks[name]
            self._progress.update(
                task, total=max(count, 1), completed=count, description=f"{name} {summary}".strip()
            )
        else:
            self.console.print(f"  ✓ {escape(name)}: {count} cases {escape(summary)}".rstrip())

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def print_summary(result: RunResult, console: Console | None = None) -> None:
    console = console or Console()
    for failure in result.failures:
        _print_failure(console, failure)
    table = Table(title=f"Contract checks against {result.target}", title_justify="left")
    table.add_column("check", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("cases", justify="right", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("what it promises", overflow="fold")
    for outcome in result.outcomes.values():
        status = outcome.status
        label = _MARK[status] + (f" ({len(outcome.failures)})" if outcome.failures else "")
        table.add_row(
            outcome.name,
            outcome.source,
            str(outcome.cases),
            f"[{_STYLE[status]}]{label}[/]",
            escape(outcome.skipped or _summary(outcome.name)),
        )
    console.print(table)
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    held = sum(1 for outcome in result.outcomes.values() if outcome.status == PASSED)
    broken = sum(1 for outcome in result.outcomes.values() if outcome.status == FAILED)
    verdict = "[bold red]CONTRACT VIOLATED[/]" if broken else "[bold green]CONTRACT HELD[/]"
    console.print(
        f"{verdict}: {held} checks held, {broken} violated; {result.schemathesis_cases} Schemathesis cases; "
        f"seed {result.seed}; {result.elapsed:.1f} s"
    )


def _print_failure(console: Console, failure: Failure) -> None:
    where = f"  ({escape(failure.operation)})" if failure.operation else ""
    console.print(f"[bold red]✗ {escape(failure.check)}[/] — {escape(failure.title)}{where}")
    console.print(f"  expected: {escape(failure.expected)}")
    console.print(f"  seen:     {escape(failure.seen)}")
    console.print("  reproduce:")
    for line in failure.curl.splitlines():
        console.print(f"    {escape(line)}", soft_wrap=True)
    console.print()


def _summary(name: str) -> str:
    info = CHECKS.get(name)
    return info.summary if info else ""


def write_junit(result: RunResult, path: Path) -> None:
    suites = ET.Element("testsuites", name="relation-contracts", time=f"{result.elapsed:.3f}")
    by_source: dict[str, list[CheckOutcome]] = {}
    for outcome in result.outcomes.values():
        by_source.setdefault(outcome.source, []).append(outcome)
    for source, outcomes in by_source.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"contracts.{source}",
            tests=str(len(outcomes)),
            failures=str(sum(1 for o in outcomes if o.status == FAILED)),
            skipped=str(sum(1 for o in outcomes if o.status == "skipped")),
        )
        for outcome in outcomes:
            case = ET.SubElement(suite, "testcase", classname=f"contracts.{source}", name=outcome.name)
            if outcome.failures:
                first = outcome.failures[0]
                failure = ET.SubElement(case, "failure", message=first.title, type=outcome.name)
                failure.text = "\n\n".join(_plain(f) for f in outcome.failures)
            elif outcome.status == "skipped":
                ET.SubElement(case, "skipped", message=outcome.skipped or "not run")
    ET.indent(suites)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def _plain(failure: Failure) -> str:
    return (
        f"{failure.title} ({failure.operation})\nexpected: {failure.expected}\nseen: {failure.seen}\n"
        f"reproduce:\n{failure.curl}"
    )


def write_markdown(result: RunResult, path: Path) -> None:
    broken = [o for o in result.outcomes.values() if o.status == FAILED]
    lines = [
        "# Relation contract report",
        "",
        f"**{'❌ contract violated' if broken else '✅ contract held'}** against `{result.target}` "
        f"(seed {result.seed}, {result.elapsed:.1f} s, {result.schemathesis_cases} Schemathesis cases).",
        "",
        "| check | kind | cases | result |",
        "|---|---|---:|---|",
    ]
    for outcome in result.outcomes.values():
        label = _MARK[outcome.status] + (f" ({len(outcome.failures)})" if outcome.failures else "")
        lines.append(f"| `{outcome.name}` | {outcome.source} | {outcome.cases} | {label} |")
    for failure in result.failures:
        lines += [
            "",
            f"## ✗ `{failure.check}`: {_md(failure.title)}",
            "",
            f"- operation: `{failure.operation}`" if failure.operation else "",
            f"- expected: {_md(failure.expected)}",
            f"- seen: {_md(failure.seen)}",
            "",
            "```sh",
            failure.curl,
            "```",
        ]
    if result.notes:
        lines += ["", "## Notes", ""] + [f"- {_md(note)}" for note in result.notes]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(line for line in lines if line is not None) + "\n", encoding="utf-8")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
