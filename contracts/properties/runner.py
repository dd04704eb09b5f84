"""Running the Hypothesis properties: each to its first violation, seeded, counted for progress.

The properties live in `contracts.properties.put`, `.selection`, `.preconditions`, `.negotiation`,
`.lengths`, `.refusals`, `.lifecycle` and `.patching`; this module pairs each with the strategy
that draws its inputs, in the order they run (the derived fields last, so that they are judged over
every answer the run has seen). Under --read-only a property that writes is not applicable; the
ones that create relations run at most `CREATING_EXAMPLES` examples (each leaves a relation on the
server until it is deleted again).

The properties of the spec's other resources (`contracts.properties.entities.ENTITY_PROPERTIES`) run
through `run_entity_property`: one outcome per property over every resource with the shape for it,
"not run" against a URL without --all-resources (naming it), "not applicable" where no resource has
the shape (each resource left out is named in a note).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from contracts.catalog import CHECKS, PROPERTY
from contracts.errors import NotApplicable, PropertyFailed, SuiteBug
from contracts.properties.client import XML, NoAnswer
from contracts.properties.context import Context, NotRun
from contracts.properties.entities import (
    ALL_RESOURCES,
    EntityProperty,
    derived_names_follow,
    entity_contexts,
    entity_negotiation,
    follow_strategy,
    foreign_person_refused,
)
from contracts.properties.lengths import field_lengths, text_fidelity
from contracts.properties.lifecycle import default_entity, lifecycle, post_ids
from contracts.properties.negotiation import accept_fallback, negotiation_answer, negotiation_body, text_json
from contracts.properties.patching import (
    failed_test_changes_nothing,
    merge_equals_json_patch,
    merges,
    operations,
    patch_equals_put,
    tested_fields,
)
from contracts.properties.preconditions import (
    clock,
    concurrency,
    stale_delete_changes_nothing,
    stale_patch_changes_nothing,
)
from contracts.properties.put import derived_fields, idempotence, persistence, replace, round_trip, updated_by
from contracts.properties.refusals import auth_required, mandatory_references, missing_body, path_id_wins
from contracts.properties.selection import select, select_put_back
from contracts.properties.strategies import (
    DEFAULT_COMMENT_LENGTH,
    bodies,
    comments,
    filled_bodies,
    selections,
)
from contracts.results import CheckOutcome, Failure

Strategy = Callable[[Context], st.SearchStrategy[Any]]
# Examples per property that creates relations (fewer than --max-examples may ask for).
CREATING_EXAMPLES = 10


@dataclass(frozen=True, slots=True)
class Property:
    name: str
    check: Callable[[Context, Any], None]
    # None: a single run with no generated input.
    strategy: Strategy | None
    # False: sends only GET requests (runs under --read-only).
    writes: bool = True
    # Creates relations of its own (POST): at most CREATING_EXAMPLES examples.
    creates: bool = False


def _body(ctx: Context) -> st.SearchStrategy[Any]:
    return bodies(ctx.pool, ctx.relation_id)


def _filled(ctx: Context) -> st.SearchStrategy[Any]:
    return filled_bodies(ctx.pool, ctx.relation_id)


def _pair(ctx: Context) -> st.SearchStrategy[Any]:
    return st.tuples(_body(ctx), _body(ctx))


def _limit(ctx: Context) -> int:
    return ctx.pool.lengths.get("Comment", DEFAULT_COMMENT_LENGTH)


def _with_comment(ctx: Context) -> st.SearchStrategy[Any]:
    return st.tuples(_filled(ctx), comments(_limit(ctx)))


def _with_ops(ctx: Context) -> st.SearchStrategy[Any]:
    spellings = st.lists(st.integers(0, 3), min_size=1, max_size=4)
    return st.tuples(_filled(ctx), operations(ctx.pool, _limit(ctx)), spellings)


def _with_merge(ctx: Context) -> st.SearchStrategy[Any]:
    return st.tuples(_filled(ctx), merges(ctx.pool, _limit(ctx)), st.booleans())


def _with_test(ctx: Context) -> st.SearchStrategy[Any]:
    return st.tuples(_filled(ctx), tested_fields(), st.booleans(), comments(_limit(ctx)).filter(bool))


def _with_xml_type(ctx: Context) -> st.SearchStrategy[Any]:
    return st.tuples(_filled(ctx), st.sampled_from((XML, "text/xml")))


PROPERTIES = (
    Property("round_trip", round_trip, _body),
    Property("replace", replace, None),
    Property("persistence", persistence, _pair),
    Property("idempotence", idempotence, _body),
    Property("select", select, lambda ctx: st.tuples(_body(ctx), selections(ctx.shape))),
    Property("select_put_back", select_put_back, _filled),
    Property("concurrency", concurrency, _pair),
    Property("clock", clock, None),
    Property("updated_by", updated_by, lambda ctx: st.tuples(_body(ctx), st.booleans())),
    Property("mandatory_references", mandatory_references, None),
    Property("missing_body", missing_body, None),
    Property("auth_required", auth_required, None, writes=False),
    Property("negotiation_answer", negotiation_answer, _with_xml_type),
    Property("text_json", text_json, _filled),
    Property("negotiation_body", negotiation_body, _with_xml_type),
    Property("field_lengths", field_lengths, None),
    Property("text_fidelity", text_fidelity, None),
    Property("accept_fallback", accept_fallback, None),
    Property("path_id_wins", path_id_wins, _filled),
    Property("lifecycle", lifecycle, _with_comment, creates=True),
    Property("default_entity", default_entity, None, writes=False),
    Property("post_ids", post_ids, _filled, creates=True),
    Property("patch_equals_put", patch_equals_put, _with_ops, creates=True),
    Property("merge_equals_json_patch", merge_equals_json_patch, _with_merge, creates=True),
    Property("failed_test_changes_nothing", failed_test_changes_nothing, _with_test, creates=True),
    Property("stale_patch_changes_nothing", stale_patch_changes_nothing, _with_comment, creates=True),
    Property("stale_delete_changes_nothing", stale_delete_changes_nothing, _filled, creates=True),
    Property("foreign_person_refused", foreign_person_refused, None),
    Property("derived_names_follow", derived_names_follow, follow_strategy, creates=True),
    Property("entity_negotiation", entity_negotiation, None, writes=False),
    Property("derived_fields", derived_fields, _body),
)


def run_property(
    ctx: Context, prop: Property, *, max_examples: int, seed: int, on_case: Callable[[], None]
) -> CheckOutcome:
    """Run one property to its first violation; a crash of the suite itself is a SuiteBug."""
    info = CHECKS[prop.name]
    outcome = CheckOutcome(name=prop.name, engine=PROPERTY, basis=info.basis)
    seen: list[Failure] = []
    attempt = _attempt(prop.name, lambda drawn: prop.check(ctx, drawn), outcome, seen, on_case)

    try:
        if ctx.options.read_only and prop.writes:
            raise NotApplicable("it writes, and --read-only sends only GET requests")
        if prop.creates:
            max_examples = min(max_examples, CREATING_EXAMPLES)
        if prop.strategy is None:
            with contextlib.suppress(PropertyFailed):
                attempt(None)
        else:
            _run_hypothesis(
                attempt, prop.strategy(ctx), max_examples=max_examples, seed=seed, seen=seen, name=prop.name
            )
    except NotRun as exc:
        outcome.reason, outcome.cases = str(exc), 0
    except NotApplicable as exc:
        outcome.applicable, outcome.reason = False, str(exc)
        outcome.cases = 0
    outcome.failures.extend(seen[:1])
    return outcome


def run_entity_property(
    ctx: Context, prop: EntityProperty, *, max_examples: int, seed: int, on_case: Callable[[], None]
) -> CheckOutcome:
    """Run one entity property on every resource with the shape for it, each to its first violation;
    one outcome for all of them (the first violation, the cases summed)."""
    info = CHECKS[prop.name]
    outcome = CheckOutcome(name=prop.name, engine=PROPERTY, basis=info.basis)
    contexts, skipped = entity_contexts(ctx)
    names = ", ".join(ectx.name for ectx in contexts)
    if ctx.options.read_only:
        outcome.applicable, outcome.reason = False, "it writes, and --read-only sends only GET requests"
        return outcome
    if not contexts:
        outcome.applicable = False
        outcome.reason = "; ".join(skipped) or "the spec serves no resource besides the relation"
        return outcome
    if not ctx.options.may_write_other_resources:
        outcome.reason = (
            f"it creates and writes {names} records: against a URL only with {ALL_RESOURCES} (it works "
            "only on records it creates, and deletes them at the end)"
        )
        return outcome
    if prop.creates:
        max_examples = min(max_examples, CREATING_EXAMPLES)
    reasons: list[str] = []
    for why in skipped:
        note = f"the entity properties leave out a resource: {why}"
        if note not in ctx.notes:
            ctx.notes.append(note)
    for ectx in contexts:
        seen: list[Failure] = []
        attempt = _attempt(prop.name, functools.partial(prop.check, ectx), outcome, seen, on_case)
        judged = outcome.cases
        try:
            if prop.strategy is None:
                with contextlib.suppress(PropertyFailed):
                    attempt(None)
            else:
                _run_hypothesis(
                    attempt, prop.strategy(ectx.resource), max_examples=max_examples, seed=seed, seen=seen,
                    name=f"{prop.name} ({ectx.name})",
                )  # fmt: skip
        except NotApplicable as exc:
            outcome.cases = judged
            reasons.append(str(exc))
        finally:
            ectx.clean()
        if seen:
            outcome.failures.append(seen[0])
            break
    if outcome.cases == 0 and not outcome.failures:
        outcome.applicable, outcome.reason = False, "; ".join(reasons or skipped)
    elif reasons:
        ctx.notes.append(f"{prop.name}: not judged where {'; '.join(reasons)}")
    return outcome


def _attempt(
    name: str,
    check: Callable[[Any], None],
    outcome: CheckOutcome,
    seen: list[Failure],
    on_case: Callable[[], None],
) -> Callable[[Any], None]:
    """One example of a property (of the relation, or an entity property on one resource)."""

    def attempt(drawn: Any) -> None:
        if seen:  # Hypothesis replays a failing example; the first sighting is the one to report
            raise PropertyFailed(seen[0])
        outcome.cases += 1
        on_case()
        try:
            check(drawn)
        except PropertyFailed as exc:
            seen.append(exc.failure)
            raise
        except NoAnswer as exc:
            seen.append(Failure(name, "the server gave no answer", "an HTTP answer", str(exc), exc.curl))
            raise PropertyFailed(seen[0]) from exc

    return attempt


def _run_hypothesis(
    attempt: Callable[[Any], None],
    strategy: st.SearchStrategy[Any],
    *,
    max_examples: int,
    seed: int,
    seen: list[Failure],
    name: str,
) -> None:
    test = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
    )(given(strategy)(attempt))
    try:
        hypothesis_seed(seed)(test)()
    except NotApplicable:
        raise
    except Exception as exc:
        if not seen:
            raise SuiteBug(f"property {name} crashed: {type(exc).__name__}: {exc}") from exc
