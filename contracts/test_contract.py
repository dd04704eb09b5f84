"""One pytest test per contract check; `pytest --pyargs contracts --url URL` collects it."""

from __future__ import annotations

import pytest

from contracts.results import SKIPPED, RunResult


def test_contract(contract_check: str, contract_run: RunResult) -> None:
    outcome = contract_run.outcomes.get(contract_check)
    if outcome is None or outcome.status == SKIPPED:
        pytest.skip(
            f"{contract_check} did not run" + (f": {outcome.skipped}" if outcome and outcome.skipped else "")
        )
    if outcome.failures:
        text = "\n\n".join(
            f"{failure.title} ({failure.operation})\n  expected: {failure.expected}\n"
            f"  seen:     {failure.seen}\n  reproduce:\n    " + failure.curl.replace("\n", "\n    ")
            for failure in outcome.failures
        )
        pytest.fail(f"{contract_check} violated:\n{text}", pytrace=False)
