"""The run as JUnit XML, in the shape Jenkins' JUnit plugin (and GitLab, which reads the same) expects.

One `<testsuite>` per engine (properties, Schemathesis) with one `<testcase>` per check, and a
suite `contracts.cleanup` listing the relations the run created, deleted and left behind. Every
suite and case has a `time` in seconds, so CI pages show where the minutes went: a property's own
time; for Schemathesis' checks, which judge the same requests together, Schemathesis' wall time
shared out by the cases each judged. The source of each check's promise is a property of its suite
(`source.<check>`), since a `<testcase>` holds no properties in that schema. The file validates
against `tests/contracts/junit.xsd`, written from the schema the JUnit plugin follows.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from contracts.catalog import BASIS_LABELS
from contracts.reporting.findings import cleanup_lines, plain
from contracts.results import FAILED, NOT_APPLICABLE, NOT_RUN, CheckOutcome, RunResult
from contracts.safety.ledger import ranges


def write_junit(result: RunResult, path: Path) -> None:
    outcomes = list(result.outcomes.values())
    failed = sum(1 for outcome in outcomes if outcome.status == FAILED)
    suites = ET.Element(
        "testsuites", name="relation-contracts", tests=str(len(outcomes) + 1), failures=str(failed),
        errors="0", time=_seconds(result.elapsed),
    )  # fmt: skip
    by_engine: dict[str, list[CheckOutcome]] = {}
    for outcome in outcomes:
        by_engine.setdefault(outcome.engine, []).append(outcome)
    for engine, group in by_engine.items():
        suite = _suite(suites, f"contracts.{engine}", group, result)
        properties = ET.SubElement(suite, "properties")
        for outcome in group:
            source = BASIS_LABELS.get(outcome.basis, outcome.basis)
            ET.SubElement(properties, "property", name=f"source.{outcome.name}", value=source)
        for outcome in group:
            _case(suite, engine, outcome, result)
    _cleanup(suites, result)
    ET.indent(suites)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def _suite(parent: ET.Element, name: str, group: list[CheckOutcome], result: RunResult) -> ET.Element:
    attributes = {
        "name": name,
        "tests": str(len(group)),
        "failures": str(sum(1 for o in group if o.status == FAILED)),
        "errors": "0",
        "skipped": str(sum(1 for o in group if o.status in (NOT_RUN, NOT_APPLICABLE))),
        "time": _seconds(sum(o.elapsed for o in group)),
    }
    if result.started_at:
        attributes["timestamp"] = result.started_at
    return ET.SubElement(parent, "testsuite", attributes)


def _case(suite: ET.Element, engine: str, outcome: CheckOutcome, result: RunResult) -> None:
    """Children in the schema's order: skipped, failure, system-out."""
    case = ET.SubElement(
        suite, "testcase", classname=f"contracts.{engine}", name=outcome.name, time=_seconds(outcome.elapsed)
    )
    if outcome.violations:
        first = outcome.violations[0]
        failure = ET.SubElement(case, "failure", message=first.title, type=outcome.name)
        replay = f"\n\nTo run a curl: {'; '.join(result.replay)}." if result.replay else ""
        failure.text = "\n\n".join(plain(f) for f in outcome.violations) + replay
    elif outcome.status in (NOT_RUN, NOT_APPLICABLE):
        ET.SubElement(case, "skipped", message=f"{outcome.status}: {outcome.reason or ''}".rstrip(": "))
    if outcome.warnings:
        out = ET.SubElement(case, "system-out")
        out.text = "\n\n".join(f"warning: {plain(f)}" for f in outcome.warnings)


def _cleanup(suites: ET.Element, result: RunResult) -> None:
    """What the run created and deleted: a suite of its own (properties belong to a testsuite)."""
    attributes = {"name": "contracts.cleanup", "tests": "1", "failures": "0", "errors": "0", "skipped": "0",
                  "time": _seconds(result.cleanup_elapsed)}  # fmt: skip
    if result.started_at:
        attributes["timestamp"] = result.started_at
    cleanup = ET.SubElement(suites, "testsuite", attributes)
    listed = ET.SubElement(cleanup, "properties")
    for name, ids in (("relations.created", result.created), ("relations.deleted", result.deleted),
                      ("relations.not_deleted", list(result.not_deleted)),
                      ("relations.not_ours", list(result.not_ours))):  # fmt: skip
        ET.SubElement(listed, "property", name=name, value=ranges(ids))
    ET.SubElement(listed, "property", name="read_only", value=str(result.read_only).lower())
    ET.SubElement(listed, "property", name="interrupted", value=str(result.interrupted).lower())
    case = ET.SubElement(
        cleanup, "testcase", classname="contracts.cleanup", name="relations_created_and_deleted",
        time=_seconds(result.cleanup_elapsed),
    )  # fmt: skip
    ET.SubElement(case, "system-out").text = "\n".join(cleanup_lines(result))


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"
