"""What a run reports: the source of every check, violations apart from warnings, and a copy of the
Markdown report on a GitHub Actions job page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.reporting.console import markdown
from contracts.results import CheckOutcome, Failure, RunResult
from contracts.safety.references import build_pool
from tests.contracts.conftest import QUICK
from tests.servers.broken import BROKEN
from tests.servers.runner import serve


def _result() -> RunResult:
    result = RunResult(target="http://x", seed=1)
    result.outcomes["round_trip"] = CheckOutcome("round_trip", "property", "vendor", cases=3)
    result.outcomes["accept_fallback"] = CheckOutcome(
        "accept_fallback", "property", "framework", cases=1,
        failures=[Failure("accept_fallback", "406 for aplication/json", "200", "406", "curl x",
                          enforced=False, basis="framework")],
    )  # fmt: skip
    result.outcomes["negative_data_rejection"] = CheckOutcome(
        "negative_data_rejection", "schemathesis", "ours"
    )
    result.outcomes["use_after_free"] = CheckOutcome(
        "use_after_free",
        "schemathesis",
        "ours",
        applicable=False,
        reason="needs a DELETE operation in the spec",
    )
    return result


def test_the_markdown_report_shows_each_checks_source_and_keeps_warnings_apart() -> None:
    text = markdown(_result())
    assert "✅ contract held" in text
    assert "| `round_trip` | property | vendor doc | 3 | ✓ held |" in text
    assert "| `accept_fallback` | property | framework default | 1 | ⚠ warning (1) |" in text
    assert "| `negative_data_rejection` | schemathesis | our choice | 0 | - not run |" in text
    assert (
        "| `use_after_free` | schemathesis | our choice | 0 | n/a (needs a DELETE operation in the spec) |"
        in text
    )
    assert "## ⚠ warning: `accept_fallback`: 406 for aplication/json" in text
    assert "`--strict` fails them" in text


def test_under_github_actions_the_report_is_appended_to_the_job_summary(
    mock_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("# An earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["--url", mock_url, *QUICK, "--checks", "missing_body,auth_required"]) == 0, (
        capsys.readouterr().out
    )
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# An earlier step\n")
    assert "# Relation contract report" in text
    assert "| `missing_body` | property | vendor doc | 1 | ✓ held |" in text


def test_without_github_actions_no_summary_is_written(
    mock_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["--url", mock_url, *QUICK, "--checks", "missing_body"]) == 0
    assert list(tmp_path.iterdir()) == []


def test_junit_marks_the_source_and_counts_a_warning_as_no_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "junit.xml"
    strict_accept = next(broken for broken in BROKEN if broken.name == "strict_accept")
    args = ["--checks", "accept_fallback,use_after_free", "--phases", "examples", "--junit", str(junit)]
    with serve(strict_accept.app()) as url:
        assert main(["--url", url, *QUICK, *args]) == 0, capsys.readouterr().out
    root = ET.parse(junit).getroot()
    cases = {case.get("name"): case for case in root.iter("testcase")}
    sources = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert sources["source.accept_fallback"] == "framework default"
    assert cases["accept_fallback"].find("failure") is None
    assert "warning: a PUT with Accept: aplication/json" in cases["accept_fallback"].find("system-out").text
    assert "not applicable" in cases["use_after_free"].find("skipped").get("message")


def test_person_ids_without_a_contact_are_used_only_where_the_relation_tells_their_contact() -> None:
    snapshot = {"SourceContactId": 381, "SourcePersonId": 272, "DestinationContactId": 262,
                "DestinationPersonId": 0, "RelationDefinitionId": 47}  # fmt: skip
    pool, notes = build_pool(
        snapshot, contact_ids=(381, 262), person_ids=((None, 272), (None, 99), (262, 492))
    )
    assert pool.sets[0].values() == (381, 272, 262, 0, 47)
    assert (262, 492, 381, 272, 47) in [links.values() for links in pool.sets]
    assert notes == ["--person-ids 99: its contact is unknown; give it as CONTACT:99"]


def test_a_relation_without_its_mandatory_contacts_gives_no_references_and_the_sample_is_used() -> None:
    sample = {"SourceContactId": 1, "DestinationContactId": 2, "RelationDefinitionId": 3}
    pool, notes = build_pool({"SourceContactId": 0, "DestinationContactId": 5}, sample=sample)
    assert [links.values() for links in pool.sets] == [(1, 0, 2, 0, 3)]
    assert pool.origin == "the spec's sample request" and "pass --contact-ids" in notes[0]
