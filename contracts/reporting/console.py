"""Showing a run: live progress and a summary on the terminal, JUnit XML for CI, Markdown for a job page.

Progress goes to stderr: Rich's progress display on a terminal (stage, cases, elapsed time), and
elsewhere one plain line per stage when it ends (its cases and the run's elapsed time), so CI logs
stay readable. The failures, the warnings and the summary table go to stdout. No line that carries
a body, a curl, a note or an id list is ever wrapped (a CI log is no terminal: JSON and commands
must stay whole to be copied); only the summary table is laid out in columns. Every check shows
the source of its promise (vendor doc, framework default, RFC, our choice), and every finding
says whether it fails the run or is a warning. Every report lists the relations the run created
and deleted (and any it left behind, and why); JUnit XML: `contracts.reporting.junit`. Under GitHub Actions
(`GITHUB_STEP_SUMMARY` set) the Markdown report is appended to the job's summary page as well.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from contracts.catalog import CHECKS
from contracts.reporting.findings import LEFT_BEHIND, NOT_OURS, basis_label, cleanup_lines, plain
from contracts.reporting.junit import write_junit
from contracts.results import (
    FAILED,
    NOT_APPLICABLE,
    NOT_RUN,
    PASSED,
    WARNED,
    CheckOutcome,
    Failure,
    RunResult,
)

GITHUB_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
__all__ = ["basis_label", "cleanup_lines", "plain", "write_junit"]  # also read from here
_STYLE = {PASSED: "green", FAILED: "bold red", WARNED: "yellow", NOT_RUN: "yellow", NOT_APPLICABLE: "dim"}
_MARK = {
    PASSED: "✓ held",
    FAILED: "✗ violated",
    WARNED: "⚠ warning",
    NOT_RUN: "- not run",
    NOT_APPLICABLE: "n/a",
}


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
        self._started = time.monotonic()

    def start(self, target: str) -> None:
        self._started = time.monotonic()
        self.console.print(f"[bold]relation contracts[/bold] → {escape(target)}", soft_wrap=True)
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
            elapsed = time.monotonic() - self._started
            mark = escape(summary) if summary else "✓"
            self.console.print(
                f"  {mark} {escape(name)}: {count} cases, {elapsed:.1f} s elapsed", soft_wrap=True
            )

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def print_summary(result: RunResult, console: Console | None = None) -> None:
    console = console or Console()
    if (result.failures or result.warnings) and result.replay:
        console.print(f"To run a curl below: {escape('; '.join(result.replay))}.", soft_wrap=True)
        console.print()
    for failure in result.failures:
        _print_failure(console, failure)
    for failure in result.warnings:
        _print_failure(console, failure)
    table = Table(title=f"Contract checks against {result.target}", title_justify="left")
    table.add_column("check", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("source", no_wrap=True)
    table.add_column("cases", justify="right", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("what it promises", overflow="fold")
    for outcome in result.outcomes.values():
        status = outcome.status
        table.add_row(
            outcome.name,
            outcome.engine,
            basis_label(outcome.basis),
            str(outcome.cases),
            f"[{_STYLE[status]}]{result_label(outcome)}[/]",
            escape(outcome.reason or _summary(outcome.name)),
        )
    console.print(table)
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}", soft_wrap=True)
    for line in cleanup_lines(result):
        style = (
            "bold red" if line.startswith(LEFT_BEHIND) else "yellow" if line.startswith(NOT_OURS) else "cyan"
        )
        console.print(f"[{style}]{escape(line)}[/]", soft_wrap=True)
    counts = _counts(result)
    verdict = "[bold red]CONTRACT VIOLATED[/]" if not result.ok else "[bold green]CONTRACT HELD[/]"
    if result.interrupted:
        verdict = f"[bold yellow]INTERRUPTED[/] ({verdict.lower()} so far)"
    console.print(
        f"{verdict}: {counts[PASSED]} checks held, {counts[FAILED]} violated, "
        f"{counts[WARNED]} with warnings, "
        f"{counts[NOT_RUN]} not run, {counts[NOT_APPLICABLE]} not applicable; "
        f"{result.schemathesis_cases} Schemathesis cases; seed {result.seed}; {result.elapsed:.1f} s",
        soft_wrap=True,
    )
    if result.warnings and not result.strict:
        console.print(
            "[yellow]Warnings break promises that are not the vendor's documented ones; "
            "--strict makes them fail the run.[/yellow]",
            soft_wrap=True,
        )


def _counts(result: RunResult) -> dict[str, int]:
    counts = dict.fromkeys(_MARK, 0)
    for outcome in result.outcomes.values():
        counts[outcome.status] += 1
    return counts


def result_label(outcome: CheckOutcome) -> str:
    status = outcome.status
    if status == FAILED:
        return f"{_MARK[status]} ({len(outcome.violations)})"
    if status == WARNED:
        return f"{_MARK[status]} ({len(outcome.warnings)})"
    return _MARK[status]


def _print_failure(console: Console, failure: Failure) -> None:
    where = f"  ({escape(failure.operation)})" if failure.operation else ""
    if failure.enforced:
        head = f"[bold red]✗ {escape(failure.check)}[/]"
    else:
        head = f"[yellow]⚠ {escape(failure.check)}[/] (warning)"
    source = escape(f"[{basis_label(failure.basis)}]")
    console.print(f"{head} — {escape(failure.title)}{where} {source}", soft_wrap=True)
    console.print(f"  expected: {escape(failure.expected)}", soft_wrap=True)
    console.print(f"  seen:     {escape(failure.seen)}", soft_wrap=True)
    console.print("  reproduce:")
    for line in failure.curl.splitlines():
        console.print(f"    {escape(line)}", soft_wrap=True)
    console.print()


def _summary(name: str) -> str:
    info = CHECKS.get(name)
    return info.summary if info else ""


def markdown(result: RunResult) -> str:
    """The run as Markdown: verdict, one row per check with its source, then each finding."""
    lines = [
        "# Relation contract report",
        "",
        f"**{_verdict(result)}** against `{result.target}` "
        f"(seed {result.seed}, {result.elapsed:.1f} s, {result.schemathesis_cases} Schemathesis cases"
        f"{', strict' if result.strict else ''}{', read-only' if result.read_only else ''}).",
        "",
        "| check | kind | source | cases | result |",
        "|---|---|---|---:|---|",
    ]
    for outcome in result.outcomes.values():
        reason = f" ({_md(outcome.reason)})" if outcome.reason and outcome.status != PASSED else ""
        lines.append(
            f"| `{outcome.name}` | {outcome.engine} | {basis_label(outcome.basis)} | {outcome.cases} "
            f"| {result_label(outcome)}{reason} |"
        )
    if (result.failures or result.warnings) and result.replay:
        lines += ["", f"To run a curl below: {_md('; '.join(result.replay))}."]
    for heading, failures in (("✗", result.failures), ("⚠ warning:", result.warnings)):
        for failure in failures:
            lines += [
                "",
                f"## {heading} `{failure.check}`: {_md(failure.title)}",
                "",
                f"- source: {basis_label(failure.basis)}",
                f"- operation: `{failure.operation}`" if failure.operation else "",
                f"- expected: {_md(failure.expected)}",
                f"- seen: {_md(failure.seen)}",
                "",
                "```sh",
                failure.curl,
                "```",
            ]
    if result.warnings and not result.strict:
        lines += [
            "",
            "Warnings break promises that are not the vendor's documented ones; `--strict` fails them.",
        ]
    lines += ["", "## Relations created and deleted", ""] + [
        f"- {_md(line)}" for line in cleanup_lines(result)
    ]
    if result.notes:
        lines += ["", "## Notes", ""] + [f"- {_md(note)}" for note in result.notes]
    return "\n".join(lines) + "\n"


def _verdict(result: RunResult) -> str:
    verdict = "❌ contract violated" if not result.ok else "✅ contract held"
    return f"⏹ interrupted ({verdict[2:]} so far)" if result.interrupted else verdict


def write_markdown(result: RunResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(result), encoding="utf-8")


def append_github_summary(result: RunResult, environ: dict[str, str] | None = None) -> Path | None:
    """Append the Markdown report to `$GITHUB_STEP_SUMMARY` when it is set (a GitHub Actions job)."""
    target = (os.environ if environ is None else environ).get(GITHUB_SUMMARY_ENV)
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as summary:
        summary.write(markdown(result) + "\n")
    return path


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
