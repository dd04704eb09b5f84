"""One pytest test per contract check; `pytest --pyargs contracts --url URL` collects it.

A selected check with no outcome fails (the suite lost it); one that is not applicable or did not
run is skipped with the reason; a warning (a non-vendor promise broken, without --strict) passes
with a `ContractWarning` in pytest's warnings summary.
"""

from __future__ import annotations

import warnings

import pytest

from contracts.results import NOT_APPLICABLE, NOT_RUN, RunResult


class ContractWarning(UserWarning):
    """A promise that is not the vendor's documented one was broken (see --strict)."""


def test_contract(contract_check: str, contract_run: RunResult) -> None:
    outcome = contract_run.outcomes.get(contract_check)
    if outcome is None:
        pytest.fail(f"{contract_check} was selected but the run reported nothing for it", pytrace=False)
    if outcome.status in (NOT_RUN, NOT_APPLICABLE):
        pytest.skip(f"{contract_check}: {outcome.status}" + (f": {outcome.reason}" if outcome.reason else ""))
    for failure in outcome.warnings:
        warnings.warn(ContractWarning(f"{contract_check}: {failure.title} ({failure.basis})"), stacklevel=1)
    if outcome.violations:
        text = "\n\n".join(
            f"{failure.title} ({failure.operation})\n  expected: {failure.expected}\n"
            f"  seen:     {failure.seen}\n  reproduce:\n    " + failure.curl.replace("\n", "\n    ")
            for failure in outcome.violations
        )
        pytest.fail(f"{contract_check} violated:\n{text}", pytrace=False)
