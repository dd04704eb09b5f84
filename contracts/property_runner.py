"""Running the Hypothesis properties: each to its first violation, seeded, counted for progress.

The properties themselves are in `contracts.properties`; this module pairs each with the strategy
that draws its inputs and runs it with the suite's Hypothesis settings.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from contracts.client import XML, NoAnswer
from contracts.errors import ContractsError, PropertyFailed
from contracts.properties import (
    Context,
    auth_required,
    concurrency,
    idempotence,
    missing_body,
    negotiation_answer,
    negotiation_body,
    persistence,
    round_trip,
    select,
)
from contracts.results import CheckOutcome, Failure
from contracts.spec import EntityShape
from contracts.strategies import bodies, selections


@dataclass(frozen=True, slots=True)
class Property:
    name: str
    check: Callable[[Context, Any], None]
    # None: a single run with no generated input.
    strategy: Callable[[EntityShape, int], st.SearchStrategy[Any]] | None


def _pair(shape: EntityShape, relation_id: int) -> st.SearchStrategy[Any]:
    return st.tuples(bodies(shape, relation_id), bodies(shape, relation_id))


def _with_xml_type(shape: EntityShape, relation_id: int) -> st.SearchStrategy[Any]:
    return st.tuples(bodies(shape, relation_id), st.sampled_from((XML, "text/xml")))


PROPERTIES = (
    Property("round_trip", round_trip, bodies),
    Property("persistence", persistence, _pair),
    Property("idempotence", idempotence, bodies),
    Property("select", select, lambda shape, rid: st.tuples(bodies(shape, rid), selections(shape))),
    Property("concurrency", concurrency, _pair),
    Property("missing_body", missing_body, None),
    Property("auth_required", auth_required, None),
    Property("negotiation_answer", negotiation_answer, _with_xml_type),
    Property("negotiation_body", negotiation_body, _with_xml_type),
)


def run_property(
    ctx: Context, prop: Property, *, max_examples: int, seed: int, on_case: Callable[[], None]
) -> CheckOutcome:
    """Run one property to its first violation; a crash of the suite itself is a ContractsError."""
    outcome = CheckOutcome(name=prop.name, source="property", ran=True)
    seen: list[Failure] = []

    def attempt(drawn: Any) -> None:
        if seen:  # Hypothesis replays a failing example; the first sighting is the one to report
            raise PropertyFailed(seen[0])
        outcome.cases += 1
        on_case()
        try:
            prop.check(ctx, drawn)
        except PropertyFailed as exc:
            seen.append(exc.failure)
            raise
        except NoAnswer as exc:
            seen.append(Failure(prop.name, "the server gave no answer", "an HTTP answer", str(exc), exc.curl))
            raise PropertyFailed(seen[0]) from exc

    if prop.strategy is None:
        with contextlib.suppress(PropertyFailed):
            attempt(None)
    else:
        test = settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
        )(given(prop.strategy(ctx.shape, ctx.relation_id))(attempt))
        try:
            hypothesis_seed(seed)(test)()
        except Exception as exc:
            if not seen:
                raise ContractsError(f"property {prop.name} crashed: {type(exc).__name__}: {exc}") from exc
    outcome.failures.extend(seen[:1])
    return outcome
