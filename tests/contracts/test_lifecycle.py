"""The checks of the whole resource: create, read, patch, delete, and the stateful phase over links.

They run (never skip) against the mock and hold; against a server without POST they are not
applicable rather than failed; a broken DELETE is reported with the curl steps that show it, and
the relations it would not delete are listed as left behind.
"""

from __future__ import annotations

from contracts.cli import parse_options
from contracts.results import FAILED, NOT_APPLICABLE, PASSED, RunResult
from contracts.suite import run_suite
from mockserver import Settings, create_app
from tests.contracts.conftest import QUICK
from tests.servers.asgi import Exchange, Reply, Rewrite, error_reply
from tests.servers.runner import serve

CREATING = (
    "lifecycle",
    "post_ids",
    "patch_equals_put",
    "merge_equals_json_patch",
    "failed_test_changes_nothing",
    "stale_patch_changes_nothing",
    "stale_delete_changes_nothing",
)
STATEFUL = ("use_after_free", "ensure_resource_availability")


def _run(url: str, *args: str) -> RunResult:
    options, _ = parse_options(["--url", url, *QUICK, *args])
    return run_suite(options)


def test_the_resource_checks_and_the_stateful_ones_run_against_the_mock_and_hold(mock_url: str) -> None:
    checks = ",".join((*CREATING, "default_entity", *STATEFUL))
    # Ten scenarios: with five, a seed may chain no DELETE before a GET (use_after_free not run).
    result = _run(mock_url, "--strict", "--phases", "stateful", "--checks", checks, "--max-examples", "10")
    statuses = {name: (outcome.status, outcome.cases > 0) for name, outcome in result.outcomes.items()}
    assert statuses == dict.fromkeys((*CREATING, "default_entity", *STATEFUL), (PASSED, True)), [
        f"{f.check}: {f.title}: {f.seen[:200]}" for f in result.failures
    ]
    assert result.created and sorted(result.deleted) == sorted(result.created) and not result.not_deleted


def _no_post(exchange: Exchange) -> Reply | None:
    if exchange.method == "POST":
        return error_reply(
            405, "MethodNotAllowed", "The requested resource does not support http method 'POST'."
        )
    return None


def test_without_post_the_creating_checks_are_not_applicable_and_nothing_is_created() -> None:
    with serve(Rewrite(create_app(Settings(quiet=True)), on_request=_no_post)) as url:
        result = _run(url, "--checks", ",".join(CREATING))
    assert {name: outcome.status for name, outcome in result.outcomes.items()} == dict.fromkeys(
        CREATING, NOT_APPLICABLE
    )
    assert "offers no POST" in (result.outcomes["lifecycle"].reason or "")
    assert result.ok and result.created == []


def _delete_fails(exchange: Exchange) -> Reply | None:
    if exchange.method == "DELETE":
        return error_reply(500, "SqlException", "Timeout expired.")
    return None


def test_a_broken_delete_is_shown_with_its_curl_steps_and_what_it_left_is_listed() -> None:
    with serve(Rewrite(create_app(Settings(quiet=True)), on_request=_delete_fails)) as url:
        result = _run(url, "--checks", "lifecycle", "--max-examples", "1")
    outcome = result.outcomes["lifecycle"]
    assert outcome.status == FAILED
    failure = outcome.violations[0]
    assert failure.title == "DELETE of the created relation was not answered 204"
    steps = failure.curl.splitlines()
    assert [step.split()[3] for step in steps] == ["POST", "GET", "PATCH", "GET", "DELETE"], steps
    assert result.created and set(result.not_deleted) == set(result.created)
    assert all(reason == "DELETE answered 500" for reason in result.not_deleted.values())


def test_without_the_stateful_phase_its_checks_are_not_applicable(mock_url: str) -> None:
    result = _run(mock_url, "--phases", "fuzzing", "--checks", ",".join(STATEFUL))
    for name in STATEFUL:
        assert result.outcomes[name].status == NOT_APPLICABLE
        assert "left out by --phases" in (result.outcomes[name].reason or "")
