"""The contract suite pointed at the proxy: what the proxy saw during the run is in the suite's report."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.options import Options
from contracts.reporting.console import markdown, write_junit
from contracts.results import RunResult
from contracts.suite import run_suite
from mockserver import Settings, create_app
from tests.proxy.conftest import proxy_in_thread
from tests.servers.broken import BROKEN
from tests.servers.runner import serve


def _run(proxy: str) -> RunResult:
    options = Options(url=proxy, checks=("round_trip",), max_examples=3, workers=1, progress=False)
    return run_suite(options)


def test_a_broken_answer_the_proxy_saw_fails_the_run_and_is_in_every_report(tmp_path: Path) -> None:
    broken = next(b for b in BROKEN if b.name == "wrong_content_type")
    with serve(broken.app()) as upstream, proxy_in_thread(upstream) as proxy:
        result = _run(proxy)
    outcome = result.outcomes["proxy_violations"]
    assert outcome.violations, outcome
    assert all("response-content-type" in failure.title for failure in outcome.violations)
    assert not result.ok
    assert "proxy_violations" in markdown(result)
    write_junit(result, tmp_path / "junit.xml")
    assert "proxy_violations" in (tmp_path / "junit.xml").read_text()


def test_the_mock_behind_the_proxy_leaves_nothing_but_the_suite_s_own_invalid_requests() -> None:
    with serve(create_app(Settings(quiet=True, cors=False))) as upstream, proxy_in_thread(upstream) as proxy:
        result = _run(proxy)
    assert result.outcomes["proxy_violations"].failures == []
    assert result.ok
    assert any("answer-side violation" in note for note in result.notes)


def test_a_server_that_is_no_proxy_gets_no_proxy_check() -> None:
    with serve(create_app(Settings(quiet=True))) as url:
        result = _run(url)
    assert "proxy_violations" not in result.outcomes


def test_a_proxy_that_wants_an_admin_token_still_has_its_findings_read_when_the_token_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = next(b for b in BROKEN if b.name == "wrong_content_type")
    token = "a-token-of-the-team-0123"
    monkeypatch.setenv("RELATION_MOCK_ADMIN_TOKEN", token)
    with serve(broken.app()) as upstream, proxy_in_thread(upstream, admin_token=token) as proxy:
        result = _run(proxy)
    assert result.outcomes["proxy_violations"].violations
    assert not result.ok
