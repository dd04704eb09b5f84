"""--max-failures N (-x for 1) stops a run after N findings, as pytest's and Schemathesis' options do:
the checks it did not reach are "not run", the run still fails and still deletes what it created."""

from __future__ import annotations

import pytest

from contracts.cli import main, parse_options
from contracts.results import FAILED, NOT_RUN, PASSED, RunResult
from contracts.suite import run_suite
from tests.contracts.conftest import QUICK
from tests.servers.broken import BROKEN
from tests.servers.runner import serve

SELECT_IGNORED = next(broken for broken in BROKEN if broken.name == "select_ignored")
BEFORE_ROUTING = next(broken for broken in BROKEN if broken.name == "precondition_before_routing")


def test_exitfirst_stops_at_the_first_finding_and_shows_the_rest_as_not_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serve(SELECT_IGNORED.app()) as url:
        code = main(["--url", url, *QUICK, "--checks", "round_trip,select,persistence,lifecycle", "-x"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "✗ select " in out
    assert "CONTRACT VIOLATED: 2 checks held, 1 violated, 0 with warnings, 1 not run" in out
    assert "stopped after 1 finding (--max-failures 1)" in out
    assert "left behind" not in out


def test_the_checks_after_the_limit_are_not_run_and_those_before_ran() -> None:
    with serve(SELECT_IGNORED.app()) as url:
        options, _ = parse_options(["--url", url, *QUICK, "--checks", "round_trip,select,lifecycle"])
        whole = run_suite(options)
        stopped = run_suite(options.__class__(**{**_fields(options), "max_failures": 1}))
    assert whole.outcomes["lifecycle"].status == PASSED
    assert stopped.outcomes["round_trip"].status == PASSED
    assert stopped.outcomes["select"].status == FAILED
    assert stopped.outcomes["lifecycle"].status == NOT_RUN
    assert stopped.outcomes["lifecycle"].reason == "stopped after 1 finding (--max-failures 1)"
    assert stopped.created == stopped.deleted


def test_a_schemathesis_run_stops_within_the_operation_that_broke() -> None:
    # Without --exitfirst this server's coverage run reports three findings on PUT (and takes three
    # times as long): tests/contracts/test_verdicts.py runs it so for --strict.
    with serve(BEFORE_ROUTING.app()) as url:
        result = _run(url, *BEFORE_ROUTING.args, "--exitfirst")
    outcome = result.outcomes["negative_data_rejection"]
    assert outcome.status == FAILED and len(outcome.failures) == 1, outcome.failures
    assert result.stopped == "stopped after 1 finding (--max-failures 1)"
    assert "the run stopped after 1 finding" in " ".join(result.notes)


def test_a_run_below_the_limit_runs_every_check() -> None:
    with serve(SELECT_IGNORED.app()) as url:
        args = ["--url", url, *QUICK, "--checks", "select,lifecycle", "--max-failures", "2"]
        result = run_suite(parse_options(args)[0])
    assert len(result.failures) == 1 and result.stopped is None
    assert result.outcomes["lifecycle"].status == PASSED


def _run(url: str, *args: str) -> RunResult:
    return run_suite(parse_options(["--url", url, *QUICK, *args])[0])


def _fields(options: object) -> dict[str, object]:
    return {name: getattr(options, name) for name in options.__dataclass_fields__}  # type: ignore[attr-defined]
