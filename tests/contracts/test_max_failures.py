"""--max-failures N (-x for 1) stops a run after N findings, as pytest's and Schemathesis' options do:
the checks it did not reach are "not run", the run still fails and still deletes what it created."""

from __future__ import annotations

import pytest

from contracts.cli import main, parse_options
from contracts.results import FAILED, NOT_RUN, PASSED
from contracts.suite import run_suite
from tests.contracts.conftest import QUICK
from tests.servers.broken import BROKEN
from tests.servers.runner import serve

SELECT_IGNORED = next(broken for broken in BROKEN if broken.name == "select_ignored")
XML_BAD_TYPE = next(broken for broken in BROKEN if broken.name == "xml_bad_type_accepted")


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
    with serve(XML_BAD_TYPE.app()) as url:
        options, _ = parse_options(["--url", url, *QUICK, *XML_BAD_TYPE.args])
        whole = run_suite(options)
        stopped = run_suite(options.__class__(**{**_fields(options), "max_failures": 1}))
    assert len(whole.failures) > 1, "the control run finds more than one case"
    assert len(stopped.failures) == 1
    assert stopped.outcomes["negative_data_rejection"].cases < whole.outcomes["negative_data_rejection"].cases


def test_a_run_below_the_limit_runs_every_check() -> None:
    with serve(SELECT_IGNORED.app()) as url:
        args = ["--url", url, *QUICK, "--checks", "select,lifecycle", "--max-failures", "2"]
        result = run_suite(parse_options(args)[0])
    assert len(result.failures) == 1 and result.stopped is None
    assert result.outcomes["lifecycle"].status == PASSED


def _fields(options: object) -> dict[str, object]:
    return {name: getattr(options, name) for name in options.__dataclass_fields__}  # type: ignore[attr-defined]
