"""Showing a run: live progress and a summary on the terminal, JUnit XML for CI, Markdown for a job page.

Progress goes to stderr (a rich display on a terminal, one plain line per stage elsewhere, so CI logs
stay readable); the failures, the warnings and the summary table go to stdout. Every check shows
the source of its promise (vendor doc, framework default, RFC, our choice), and every finding
says whether it fails the run or is a warning. Every report lists the relations the run created
and deleted (and any it could not delete). Under GitHub Actions (`GITHUB_STEP_SUMMARY` set) the
Markdown report is appended to the job's summary page as well.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from contracts.catalog import BASIS_LABELS, CHECKS
from contracts.ledger import ranges
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
# Cleanup lines: one of the run's relations it did not delete; one a POST answered that is not the run's.
LEFT_BEHIND = "left behind:"
NOT_OURS = "not the suite's:"
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
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    for line in cleanup_lines(result):
        style = (
            "bold red" if line.startswith(LEFT_BEHIND) else "yellow" if line.startswith(NOT_OURS) else "cyan"
        )
        console.print(f"[{style}]{escape(line)}[/]")
    counts = _counts(result)
    verdict = "[bold red]CONTRACT VIOLATED[/]" if not result.ok else "[bold green]CONTRACT HELD[/]"
    if result.interrupted:
        verdict = f"[bold yellow]INTERRUPTED[/] ({verdict.lower()} so far)"
    console.print(
        f"{verdict}: {counts[PASSED]} checks held, {counts[FAILED]} violated, "
        f"{counts[WARNED]} with warnings, "
        f"{counts[NOT_RUN]} not run, {counts[NOT_APPLICABLE]} not applicable; "
        f"{result.schemathesis_cases} Schemathesis cases; seed {result.seed}; {result.elapsed:.1f} s"
    )
    if result.warnings and not result.strict:
        console.print(
            "[yellow]Warnings break promises that are not the vendor's documented ones; "
            "--strict makes them fail the run.[/yellow]"
        )


def cleanup_lines(result: RunResult) -> list[str]:
    """What the run created and deleted on the server, every id (consecutive ones as ranges)."""
    if result.read_only:
        return ["--read-only: only GET requests were sent; nothing was created or changed"]
    lines = [
        f"relations created: {len(result.created)} ({ranges(result.created)})",
        f"relations deleted: {len(result.deleted)} ({ranges(result.deleted)})",
    ]
    for rid, reason in result.not_deleted.items():
        lines.append(
            f"{LEFT_BEHIND} relation {rid} ({reason}); look at it, and delete it by hand if nobody needs it"
        )
    for rid, reason in result.not_ours.items():
        lines.append(f"{NOT_OURS} relation {rid} (a POST answered it, but {reason}); left exactly as it was")
    return lines


def _counts(result: RunResult) -> dict[str, int]:
    counts = dict.fromkeys(_MARK, 0)
    for outcome in result.outcomes.values():
        counts[outcome.status] += 1
    return counts


def basis_label(basis: str) -> str:
    return BASIS_LABELS.get(basis, basis)


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
    console.print(f"{head} — {escape(failure.title)}{where} [{escape(basis_label(failure.basis))}]")
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
    by_engine: dict[str, list[CheckOutcome]] = {}
    for outcome in result.outcomes.values():
        by_engine.setdefault(outcome.engine, []).append(outcome)
    for engine, outcomes in by_engine.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"contracts.{engine}",
            tests=str(len(outcomes)),
            failures=str(sum(1 for o in outcomes if o.status == FAILED)),
            skipped=str(sum(1 for o in outcomes if o.status in (NOT_RUN, NOT_APPLICABLE))),
        )
        for outcome in outcomes:
            case = ET.SubElement(suite, "testcase", classname=f"contracts.{engine}", name=outcome.name)
            properties = ET.SubElement(case, "properties")
            ET.SubElement(properties, "property", name="source", value=basis_label(outcome.basis))
            if outcome.violations:
                first = outcome.violations[0]
                failure = ET.SubElement(case, "failure", message=first.title, type=outcome.name)
                failure.text = "\n\n".join(_plain(f) for f in outcome.violations)
            elif outcome.status in (NOT_RUN, NOT_APPLICABLE):
                ET.SubElement(
                    case, "skipped", message=f"{outcome.status}: {outcome.reason or ''}".rstrip(": ")
                )
            if outcome.warnings:
                out = ET.SubElement(case, "system-out")
                out.text = "\n\n".join(f"warning: {_plain(f)}" for f in outcome.warnings)
    # What the run created and deleted: a suite of its own (properties belong to a testsuite).
    cleanup = ET.SubElement(
        suites, "testsuite", name="contracts.cleanup", tests="1", failures="0", skipped="0"
    )
    listed = ET.SubElement(cleanup, "properties")
    for name, ids in (("relations.created", result.created), ("relations.deleted", result.deleted),
                      ("relations.not_deleted", list(result.not_deleted)),
                      ("relations.not_ours", list(result.not_ours))):  # fmt: skip
        ET.SubElement(listed, "property", name=name, value=ranges(ids))
    ET.SubElement(listed, "property", name="read_only", value=str(result.read_only).lower())
    ET.SubElement(listed, "property", name="interrupted", value=str(result.interrupted).lower())
    case = ET.SubElement(
        cleanup, "testcase", classname="contracts.cleanup", name="relations_created_and_deleted"
    )
    ET.SubElement(case, "system-out").text = "\n".join(cleanup_lines(result))
    ET.indent(suites)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def _plain(failure: Failure) -> str:
    return (
        f"{failure.title} ({failure.operation}) [{basis_label(failure.basis)}]\n"
        f"expected: {failure.expected}\nseen: {failure.seen}\nreproduce:\n{failure.curl}"
    )


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
