"""`python -m mockserver --proxy URL` as users run it: start-up checks, the summary at exit, reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx

from tests.proxy.conftest import ANSWER, AUTH, Echo
from tests.reliability.mockprocess import MockProcess, run_startup
from tests.servers.runner import serve

STRING_ID = json.dumps({**ANSWER, "RelationId": "918"}).encode()


def _run(tmp_path: Path, *args: str) -> tuple[int, str]:
    """A proxy process in front of an upstream that answers a string RelationId; one GET; SIGTERM."""
    with serve(Echo(body=STRING_ID)) as upstream:
        proxy = MockProcess(["--proxy", upstream, *args], workdir=tmp_path)
        try:
            proxy.start()
            answer = httpx.get(f"{proxy.url}/api/v1/Relation/918", headers=AUTH, timeout=10)
            assert answer.headers["x-contract-violations"] == "1"
            code = proxy.terminate()
        finally:
            proxy.close()
        return code, proxy.stderr_text()


def test_sigterm_prints_the_summary_table_and_writes_a_markdown_report(tmp_path: Path) -> None:
    report = tmp_path / "violations.md"
    code, stderr = _run(tmp_path, "--report", str(report))
    assert code == 0
    assert "1 exchanges with http://127.0.0.1:" in stderr
    assert "with contract violations (1 violations)" in stderr
    assert "response-body" in stderr and "body/RelationId" in stderr  # the table's row
    text = report.read_text()
    assert text.startswith("# Contract violations seen by the proxy")
    assert "| response | response-body | `body/RelationId` | 1 |" in text


def test_a_report_named_xml_is_junit_with_one_failing_case_per_kind_of_violation(tmp_path: Path) -> None:
    report = tmp_path / "violations.xml"
    code, _ = _run(tmp_path, "--report", str(report))
    assert code == 0
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    (case,) = suite.findall("testcase")
    assert case.get("name") == "response response-body body/RelationId"
    assert case.find("failure") is not None


def test_a_proxy_url_that_is_no_http_url_stops_start_up_with_the_fix() -> None:
    result = run_startup("--proxy", "ftp://example.com/x")
    assert result.returncode == 2
    assert "--proxy 'ftp://example.com/x' is not an http(s) URL" in result.stderr


def test_proxy_options_without_proxy_are_a_usage_error() -> None:
    result = run_startup("--record", "recorded.json")
    assert result.returncode == 2
    assert "received --record without it" in result.stderr and "Add --proxy URL" in result.stderr
