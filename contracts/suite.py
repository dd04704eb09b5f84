"""One contract run from start to finish: find the server, learn the relation, run the checks, put it back.

The relation under test is read first (GET): its references are the ones the run writes (with any
given by --contact-ids and friends), and it is written back at the end, so the run leaves it as it
found it. A server without GET (405/501) is restored from the first PUT answer instead. The
properties run before Schemathesis, one after the other, because they judge state that concurrent
writes would blur. Each finding is then marked enforced or a warning by the source of its promise.

Every relation the run creates is recorded in its ledger (`contracts.safety.ledger`) the moment a POST
answers, once it is proven new (`contracts.safety.custody`); at the end, and when the run is interrupted
(Ctrl-C, SIGTERM: `Interrupted` carries the result), every one not yet deleted is deleted if it
still reads as the run left it, and the result lists them all, with what was left behind and why.
Under --read-only nothing but GET is sent: no restore PUT, no sample-references PUT, no proxy reset.
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from contracts.catalog import CHECKS, PROPERTY, SCHEMATHESIS
from contracts.errors import CannotRunError, Interrupted, UsageError
from contracts.fuzzing.run import run_schemathesis
from contracts.options import Options
from contracts.properties.client import XML, RelationClient
from contracts.properties.context import NO_GET, Context
from contracts.properties.entities import ENTITY_PROPERTIES
from contracts.properties.runner import PROPERTIES, run_entity_property, run_property
from contracts.reporting import proxied
from contracts.reporting.console import Reporter
from contracts.reporting.curl import env_refs, how_to_set
from contracts.results import CheckOutcome, RunResult
from contracts.safety.ledger import Ledger
from contracts.safety.references import DERIVED_FIELDS, SAMPLE_ORIGIN, SETTABLE, ReferencePool, build_pool
from contracts.safety.sweep import sweep_other_resources
from contracts.spec import (
    SERVER_SET,
    UNDOCUMENTED,
    EntityShape,
    entity_shape,
    load_spec,
    primary_keys,
    relation_declarations,
    resources,
)
from contracts.target import probe, refusal, target
from contracts.values import diff_fields, xml_namespace

SAMPLE_REQUEST = "SeedSampleRequest"


def run_suite(options: Options, reporter: Reporter | None = None) -> RunResult:
    """Run the checks named in `options.checks` (all when empty); ContractsError when it cannot run."""
    reporter = reporter or Reporter()
    selected = options.checks or tuple(CHECKS)
    spec = load_spec(options.spec)
    shape = entity_shape(spec)
    sample = ((spec.get("components", {}).get("examples", {}).get(SAMPLE_REQUEST)) or {}).get("value")
    started = time.monotonic()
    started_at = datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat()
    with target(options) as base_url, tempfile.TemporaryDirectory(prefix="contracts-run-") as tmp:
        label = base_url if options.url else f"the embedded mock at {base_url}"
        result = RunResult(
            target=label,
            seed=options.seed,
            strict=options.strict or options.embedded,
            read_only=options.read_only,
            started_at=started_at,
        )
        result.replay = how_to_set(
            env_refs(options.request_headers(), sample_auth=options.auth_is_sample), options.auth_source
        )
        ledger = Ledger(Path(tmp) / "ledger", options.relation_id)
        context = _preflight(options, base_url, shape, sample, result, ledger)
        behind_proxy = proxied.start(options)
        reporter.start(label)
        try:
            _run_properties(context, options, selected, result, reporter)
            if not _stop_here(options, result):
                _run_schemathesis(options, base_url, context, selected, result, reporter)
                _stop_here(options, result)
        except KeyboardInterrupt:
            result.interrupted = True
        finally:
            reporter.close()
            cleanup = time.monotonic()
            _sweep(context, ledger, result)
            if not options.read_only:
                _restore(context, result)
            retried, waited = context.retries()
            if options.retry_429:
                result.notes.append(
                    f"--retry-429: {retried} requests sent again after a 429 ({waited:.1f} s waited)"
                )
            context.close()
            result.cleanup_elapsed = time.monotonic() - cleanup
        if behind_proxy is not None and not result.interrupted:
            proxied.collect(options, result, behind_proxy)
    _mark_enforced(result, options)
    result.elapsed = time.monotonic() - started
    if result.stopped:
        for name in selected:
            if name not in result.outcomes:
                info = CHECKS[name]
                result.outcomes[name] = CheckOutcome(name, info.engine, info.basis, reason=result.stopped)
        result.notes.append(f"the run {result.stopped}: the checks it did not reach show as not run")
    if result.interrupted:
        for name in selected:
            if name not in result.outcomes:
                info = CHECKS[name]
                result.outcomes[name] = CheckOutcome(
                    name, info.engine, info.basis, reason="interrupted first"
                )
        result.notes.append("the run was interrupted: the checks it did not reach show as not run")
        raise Interrupted(result)
    return result


def _preflight(
    options: Options, base_url: str, shape: EntityShape, sample: Any, result: RunResult, ledger: Ledger
) -> Context:
    answer = probe(base_url, options)
    if answer.status_code in (401, 403):
        raise CannotRunError(refusal(base_url, answer, options))
    body = _json_object(answer) if answer.status_code == 200 else None
    try:
        pool, notes = build_pool(
            body,
            contact_ids=options.contact_ids,
            person_ids=options.person_ids,
            definition_ids=options.definition_ids,
            sample=sample if isinstance(sample, dict) else None,
            declared_lengths=shape.lengths,
        )
    except ValueError as exc:
        raise UsageError(f"{exc}: pass --contact-ids and --definition-ids") from exc
    result.notes += notes
    written = "known (--read-only: nothing is written)" if options.read_only else "written"
    result.notes.append(f"references {written}: {_describe_pool(pool)}")
    client = RelationClient(options, base_url, ledger)
    spec = load_spec(options.spec)
    context = Context(
        client=client,
        shape=shape,
        relation_id=options.relation_id,
        pool=pool,
        options=options,
        ledger=ledger,
        resources=tuple(resources(spec)),
        declarations=relation_declarations(spec),
    )
    if body is not None:
        context.has_get, context.snapshot = True, body
        context.xml_namespace = _xml_namespace(client, options.relation_id)
    elif answer.status_code in NO_GET:
        context.has_get = False
        result.notes.append(
            f"GET of relation {options.relation_id} answered {answer.status_code}: the server offers no GET"
        )
    elif answer.status_code != 404:
        result.notes.append(
            f"GET of relation {options.relation_id} answered {answer.status_code} before the run"
        )
    if pool.origin == SAMPLE_ORIGIN and not options.read_only:
        _try_sample_references(context)
    return context


def _xml_namespace(client: RelationClient, relation_id: int) -> str | None:
    """The namespace of the server's XML answers (its XML bodies are written in it)."""
    try:
        answer = client.get(relation_id, accept=XML)
        return (
            xml_namespace(answer.response.content)
            if answer.status == 200 and "xml" in answer.media_type
            else None
        )
    except Exception:  # no answer, or not XML after all: write XML without a namespace
        return None


def _try_sample_references(context: Context) -> None:
    """With only the spec sample's references to write, one PUT first: a server that refuses them
    (it holds no such contacts) cannot be judged by writes at all, which is no contract violation."""
    exchange = context.client.put_json(context.relation_id, context.body(Comment="contracts: first write"))
    if 400 <= exchange.status < 500:
        raise CannotRunError(
            f"relation {context.relation_id} was not found and a PUT with the spec sample's references "
            f"answered {exchange.status}: pass --relation-id of a relation that exists, or --contact-ids, "
            "--person-ids CONTACT:PERSON and --definition-ids of records that exist"
        )


def _describe_pool(pool: ReferencePool) -> str:
    sets = "; ".join(
        "contact {} person {} -> contact {} person {}, definition {}".format(*links.values())
        for links in pool.sets[:4]
    )
    more = f" (+{len(pool.sets) - 4} more)" if len(pool.sets) > 4 else ""
    return f"{sets}{more}, from {pool.origin}"


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
        if _stop_here(options, result):
            break
        stage = f"property {prop.name}"
        reporter.stage(stage, total=None if prop.strategy else 1)
        began = time.monotonic()
        outcome = run_property(
            context,
            prop,
            max_examples=options.max_examples,
            seed=options.seed,
            on_case=functools.partial(reporter.advance, stage),
        )
        outcome.elapsed = time.monotonic() - began
        result.outcomes[prop.name] = outcome
        reporter.done(stage, "✗" if outcome.failures else "✓")
    for entity_prop in ENTITY_PROPERTIES:
        if entity_prop.name not in selected:
            continue
        if _stop_here(options, result):
            break
        stage = f"property {entity_prop.name}"
        reporter.stage(stage, total=None)
        began = time.monotonic()
        outcome = run_entity_property(
            context,
            entity_prop,
            max_examples=options.max_examples,
            seed=options.seed,
            on_case=functools.partial(reporter.advance, stage),
        )
        outcome.elapsed = time.monotonic() - began
        result.outcomes[entity_prop.name] = outcome
        reporter.done(stage, "✗" if outcome.failures else "✓")
    result.notes += context.notes
    if context.has_get is False and any(CHECKS[name].engine == PROPERTY for name in selected):
        result.notes.append("the server offers no GET: what a PUT stored was judged by its answers alone")


def _run_schemathesis(
    options: Options,
    base_url: str,
    context: Context,
    selected: tuple[str, ...],
    result: RunResult,
    reporter: Reporter,
) -> None:
    checks = tuple(name for name in selected if CHECKS[name].engine == SCHEMATHESIS)
    if not checks:
        return
    stages = {phase: f"schemathesis {phase}" for phase in options.phases}
    for stage in stages.values():
        reporter.stage(stage)

    def on_progress(counts: dict[str, int]) -> None:
        for phase, stage in stages.items():
            reporter.advance(stage, completed=counts.get(phase, 0))

    began = time.monotonic()
    budget = None if options.max_failures is None else options.max_failures - findings(result)
    fuzzed = run_schemathesis(
        options, base_url, checks, context.pool, on_progress, context.xml_namespace, context.ledger, budget
    )
    wall = time.monotonic() - began
    judged = sum(outcome.cases for outcome in fuzzed.outcomes.values())
    for outcome in fuzzed.outcomes.values():
        outcome.elapsed = wall * outcome.cases / judged if judged else 0.0
    for stage in stages.values():
        reporter.done(stage)
    result.outcomes.update(fuzzed.outcomes)
    result.schemathesis_cases = fuzzed.cases
    result.notes.extend(fuzzed.notes)


def findings(result: RunResult) -> int:
    """Findings so far, violations and warnings alike (enforcement is decided at the end)."""
    return sum(len(outcome.failures) for outcome in result.outcomes.values())


def _stop_here(options: Options, result: RunResult) -> bool:
    """Whether --max-failures is reached; sets `result.stopped` when it is."""
    limit = options.max_failures
    if limit is None or findings(result) < limit:
        return False
    result.stopped = f"stopped after {limit} finding{'s' if limit > 1 else ''} (--max-failures {limit})"
    return True


def _mark_enforced(result: RunResult, options: Options) -> None:
    """A finding fails the run when its promise is enforced; otherwise it is a warning."""
    for outcome in result.outcomes.values():
        outcome.failures[:] = [
            dataclasses.replace(failure, basis=basis, enforced=options.enforced(basis))
            for failure in outcome.failures
            for basis in [failure.basis or outcome.basis]
        ]


def _sweep(context: Context, ledger: Ledger, result: RunResult) -> None:
    """Delete every relation the run created and has not deleted, each only if it reads as the run's
    last write left it (`contracts.safety.custody`); list them all in the result, and what was left
    and why."""
    custody = context.client.custody
    summary = custody.sweep() if custody is not None else ledger.summary()
    result.created, result.deleted, result.not_deleted = summary.created, summary.deleted, summary.kept
    result.not_ours = summary.foreign
    options = context.options
    keys = primary_keys(load_spec(options.spec))
    for line in sweep_other_resources(
        ledger, context.client.base_url, options.request_headers(), options.request_timeout, keys
    ):
        result.notes.append(f"records of another resource: {line}")
    if summary.protected:
        result.notes.append(
            f"{summary.protected} POST answer(s) named relation {context.relation_id}, the run's own "
            "relation, as the new one: it was neither recorded nor deleted"
        )


def _restore(context: Context, result: RunResult) -> None:
    """PUT back what a GET found before the run (without GET: what the first PUT answered)."""
    rid = context.relation_id
    record = context.snapshot
    if record is None and context.has_get:
        result.notes.append(
            f"relation {rid} did not exist before the run; it does now (the suite deletes only "
            "relations it created with POST)"
        )
        return
    if record is None:
        record = context.first_answer
        if record is None:
            return
        why = "the server has no GET" if context.has_get is False else "it could not be read before the run"
        result.notes.append(f"{why}: relation {rid} was restored to the first PUT answer")
    # What a client sets, plus the names (a server that stores them, like the mock, gets them back;
    # one that derives them ignores them).
    kept = (*SETTABLE, *DERIVED_FIELDS, "RelationId")
    body = {key: value for key, value in record.items() if key in kept and key not in UNDOCUMENTED}
    body = {key: value for key, value in body.items() if key not in SERVER_SET or key == "RelationId"}
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
        names = tuple(name for name in SETTABLE if name in context.shape.kinds)
        if diff_fields(context.shape, record, stored, names):
            result.notes.append(f"relation {rid} was written back but reads differently afterwards")
