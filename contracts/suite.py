"""One contract run from start to finish: find the server, note the relation, run the checks, put it back.

The relation under test is read first (GET) and written back at the end, so the run leaves it as it
found it; a server without GET is restored from the first PUT answer instead. The properties run
before Schemathesis, one after the other, because they judge state that concurrent writes would blur.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from contracts.catalog import CHECKS, PROPERTY, SCHEMATHESIS
from contracts.client import RelationClient
from contracts.errors import CannotRunError
from contracts.fuzz import run_schemathesis
from contracts.options import Options
from contracts.properties import NO_GET, Context
from contracts.property_runner import PROPERTIES, run_property
from contracts.report import Reporter
from contracts.results import RunResult
from contracts.spec import UNDOCUMENTED, EntityShape, entity_shape, load_spec
from contracts.target import probe, target
from contracts.values import diff_fields


def run_suite(options: Options, reporter: Reporter | None = None) -> RunResult:
    """Run the checks named in `options.checks` (all when empty); ContractsError when it cannot run."""
    reporter = reporter or Reporter()
    selected = options.checks or tuple(CHECKS)
    shape = entity_shape(load_spec(options.spec))
    started = time.monotonic()
    with target(options) as base_url:
        label = base_url if options.url else f"the embedded mock at {base_url}"
        result = RunResult(target=label, seed=options.seed)
        context = _preflight(options, base_url, shape, result)
        reporter.start(label)
        try:
            _run_properties(context, options, selected, result, reporter)
            _run_schemathesis(options, base_url, selected, result, reporter)
        finally:
            reporter.close()
            _restore(context, result)
            context.client.close()
    result.elapsed = time.monotonic() - started
    return result


def _preflight(options: Options, base_url: str, shape: EntityShape, result: RunResult) -> Context:
    answer = probe(base_url, options)
    if answer.status_code in (401, 403):
        raise CannotRunError(
            f"{base_url} refused the credentials (GET answered {answer.status_code}); pass --auth or --header"
        )
    client = RelationClient(options, base_url)
    context = Context(client=client, shape=shape, relation_id=options.relation_id, has_get=None)
    body = _json_object(answer)
    if answer.status_code == 200 and body is not None:
        context.has_get, context.snapshot = True, body
    elif answer.status_code not in NO_GET:
        context.has_get = False
        result.notes.append(
            f"GET of relation {options.relation_id} answered {answer.status_code}; judging by PUT alone"
        )
    return context


def _json_object(answer: httpx.Response) -> dict[str, Any] | None:
    try:
        body = answer.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _run_properties(
    context: Context, options: Options, selected: tuple[str, ...], result: RunResult, reporter: Reporter
) -> None:
    for prop in PROPERTIES:
        if prop.name not in selected:
            continue
        stage = f"property {prop.name}"
        reporter.stage(stage, total=None if prop.strategy else 1)
        outcome = run_property(
            context,
            prop,
            max_examples=options.max_examples,
            seed=options.seed,
            on_case=lambda stage=stage: reporter.advance(stage),
        )
        result.outcomes[prop.name] = outcome
        reporter.done(stage, "✗" if outcome.failures else "✓")
    if context.has_get is False and any(CHECKS[name].source == PROPERTY for name in selected):
        result.notes.append("the server offers no GET: persistence was judged by UpdatedDate alone")


def _run_schemathesis(
    options: Options, base_url: str, selected: tuple[str, ...], result: RunResult, reporter: Reporter
) -> None:
    checks = tuple(name for name in selected if CHECKS[name].source == SCHEMATHESIS)
    if not checks:
        return
    stages = {phase: f"schemathesis {phase}" for phase in options.phases}
    for stage in stages.values():
        reporter.stage(stage)

    def on_progress(counts: dict[str, int]) -> None:
        for phase, stage in stages.items():
            reporter.advance(stage, completed=counts.get(phase, 0))

    fuzzed = run_schemathesis(options, base_url, checks, on_progress)
    for stage in stages.values():
        reporter.done(stage)
    result.outcomes.update(fuzzed.outcomes)
    result.schemathesis_cases = fuzzed.cases
    result.notes.extend(fuzzed.notes)


def _restore(context: Context, result: RunResult) -> None:
    """PUT back what a GET found before the run (without GET: what the first PUT answered)."""
    rid = context.relation_id
    record = context.snapshot
    if record is None and context.has_get:
        result.notes.append(
            f"relation {rid} did not exist before the run; it does now (the spec has no DELETE)"
        )
        return
    if record is None:
        record = context.first_answer
        if record is None:
            return
        result.notes.append(f"the server has no GET: relation {rid} was restored to the first PUT answer")
    body = {key: value for key, value in record.items() if key not in UNDOCUMENTED}
    try:
        answer = context.client.put_json(rid, body)
    except CannotRunError as exc:
        result.notes.append(f"could not restore relation {rid}: {exc}")
        return
    if answer.status != 200:
        result.notes.append(f"could not restore relation {rid}: PUT answered {answer.status}")
        return
    if context.has_get:
        stored = context.client.get(rid).entity() or {}
        if diff_fields(context.shape, record, stored, context.shape.writable):
            result.notes.append(f"relation {rid} was written back but reads differently afterwards")
