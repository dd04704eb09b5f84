"""The suite in CI (issue 22): its exit statuses, its log off a terminal, the curl a failure prints,
a refused credential, JUnit that CI servers read, --help, and what every error message says."""

from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
import yaml
from relation_spec import SPEC

from contracts.cli import build_parser, main
from mockserver import Settings, create_app
from tests.contracts.conftest import QUICK
from tests.servers.broken import BROKEN
from tests.servers.runner import serve

HERE = Path(__file__).resolve().parent
SECRET = "SOTicket 7T:ci-secret-ticket-5f3a"  # the mock takes any 7T: ticket
MISSING_BODY = next(broken for broken in BROKEN if broken.name == "missing_body_accepted")
# A run that finds one violation quickly (a PUT without a body answered 200 with the whole relation).
VIOLATION = ("--checks", "missing_body")


def _violation(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with serve(MISSING_BODY.app()) as url:
        code = main(["--url", url, *QUICK, *VIOLATION, *args])
    out, err = capsys.readouterr()
    return code, out, err


# Exit statuses: 0, 1, 2, 3 (2 and 0 more in test_exit_codes).


def test_a_violation_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _violation([], capsys)
    assert code == 1 and "✗ missing_body" in out


def test_an_internal_error_of_the_suite_exits_3_with_the_traceback_and_one_line_last(
    mock_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the suite")

    monkeypatch.setattr("contracts.suite._run_properties", broken)
    assert main(["--url", mock_url, *QUICK, "--checks", "missing_body"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("relation-contracts: internal error: RuntimeError: a bug in the suite")
    assert "report it" in last


def test_a_refused_credential_exits_2_showing_the_servers_answer_and_the_shape_sent_never_the_value(
    mock_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "SOTicket 9X:not-a-ticket-of-this-tenant"
    assert main(["--url", mock_url, *QUICK, "--auth", wrong]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "answered 401" in err and 'WWW-Authenticate: Basic realm="SuperOffice"' in err
    assert "The SOTicket is not valid" in err, "the server's own reason"
    assert "sent Authorization: SOTicket + 30 characters (from --auth)" in err
    assert "not-a-ticket" not in err
    assert "pass them with --auth" in err


# The log off a terminal (pytest's capture is no TTY, as a CI log is none).


def test_off_a_terminal_no_body_curl_note_or_id_line_is_wrapped(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _violation(["--auth", SECRET], capsys)
    assert code == 1
    lines = out.splitlines()
    seen = next(line for line in lines if line.startswith("  seen:"))
    assert len(seen) > 200 and seen.rstrip().endswith(("}", "…")), seen
    assert '"SourceContactId":' in seen
    curls = [line for line in lines if line.lstrip().startswith("curl ")]
    assert curls and all(line.rstrip().endswith("/api/v1/Relation/918") for line in curls), curls
    notes = [line for line in lines if line.startswith(("note:", "relations ", "CONTRACT"))]
    index = {line: lines.index(line) for line in notes}
    for line in notes:  # a continuation would start with neither of these
        following = lines[index[line] + 1] if index[line] + 1 < len(lines) else ""
        assert not following.startswith(" ") or following.startswith("  "), following


def test_off_a_terminal_progress_is_one_line_per_phase_with_its_cases_and_the_time(
    mock_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--url", mock_url, "--max-examples", "3", "--seed", "4242", "--checks", "round_trip,replace"]
    assert main([*args, "--checks", "positive_data_acceptance", "--phases", "examples,fuzzing"]) == 0
    err = capsys.readouterr().err.splitlines()
    phases = [line for line in err if line.startswith("  ")]
    names = ["property round_trip", "property replace", "schemathesis examples", "schemathesis fuzzing"]
    assert [re.sub(r"^  \S+ (.+?): .*$", r"\1", line) for line in phases] == names, err
    for line in phases:
        assert re.fullmatch(r"  \S+ [a-z_ ]+: \d+ cases, \d+\.\d s elapsed", line), line


# The reproduction curl.


def test_the_printed_curl_names_the_variable_runs_once_it_is_set_and_the_report_says_how(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, junit = tmp_path / "report.md", tmp_path / "junit.xml"
    with serve(MISSING_BODY.app()) as url:
        code = main(["--url", url, *QUICK, *VIOLATION, "--auth", SECRET, "--report", str(report),
                     "--junit", str(junit)])  # fmt: skip
        out = capsys.readouterr().out
        curl = next(line.strip() for line in out.splitlines() if line.strip().startswith("curl "))
        env = {**os.environ, "CONTRACTS_AUTH": SECRET}
        ran = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, env=env, timeout=30)
        unset = {key: value for key, value in env.items() if key != "CONTRACTS_AUTH"}
        without = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, env=unset, timeout=30)
    assert code == 1
    assert '"Authorization: ${CONTRACTS_AUTH}"' in curl
    assert ran.returncode == 0 and ran.stdout.startswith("HTTP/1.1 200"), ran.stdout[:200] + ran.stderr
    assert without.stdout.startswith("HTTP/1.1 401"), "the variable is what carries the credential"
    how = "set CONTRACTS_AUTH to the credential you passed with --auth"
    texts = {"stdout": out, "report": report.read_text("utf-8"), "junit": junit.read_text("utf-8")}
    assert all(how in text for text in texts.values()), [
        name for name, text in texts.items() if how not in text
    ]
    assert all("ci-secret-ticket" not in text for text in texts.values())


def test_a_credential_given_as_a_header_is_printed_as_a_variable_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _violation(["--header", "X-XSRF-TOKEN: mock-xsrf-secret-77"], capsys)
    assert code == 1 and "mock-xsrf-secret-77" not in out
    assert '"X-XSRF-TOKEN: ${CONTRACTS_HEADER_X_XSRF_TOKEN}"' in out
    assert (
        "set CONTRACTS_HEADER_X_XSRF_TOKEN to the value you passed with --header 'X-XSRF-TOKEN: ...'" in out
    )


# JUnit that Jenkins and GitLab read.


def test_junit_has_a_time_on_every_suite_and_case_and_validates_against_the_junit_schema(
    mock_url: str, tmp_path: Path
) -> None:
    junit = tmp_path / "junit.xml"
    args = ["--checks", "round_trip,missing_body,not_a_server_error,use_after_free", "--phases", "examples"]
    assert main(["--url", mock_url, *QUICK, *args, "--junit", str(junit)]) == 0
    xmlschema.XMLSchema(HERE / "junit.xsd").validate(junit)
    root = ET.parse(junit).getroot()
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert set(suites) == {"contracts.property", "contracts.schemathesis", "contracts.cleanup"}
    times = {case.get("name"): float(case.get("time") or "nan") for case in root.iter("testcase")}
    assert times["round_trip"] > 0 and times["not_a_server_error"] > 0 and times["use_after_free"] == 0
    for suite in suites.values():
        cases = [float(case.get("time") or "nan") for case in suite.iter("testcase")]
        assert float(suite.get("time") or "nan") == pytest.approx(sum(cases), abs=0.01)
    sources = {p.get("name"): p.get("value") for p in suites["contracts.property"].iter("property")}
    assert sources["source.round_trip"] == "vendor doc"


def test_the_junit_schema_refuses_a_report_without_times(tmp_path: Path) -> None:
    untimed = tmp_path / "old.xml"
    untimed.write_text('<testsuites time="1.0"><testsuite name="s" tests="1"><testcase name="c"/></testsuite>'
                       "</testsuites>")  # fmt: skip
    assert not xmlschema.XMLSchema(HERE / "junit.xsd").is_valid(untimed)


# --help and the error messages.


def test_help_describes_every_operation_the_spec_has() -> None:
    text = build_parser().format_help()
    paths = yaml.safe_load(Path(SPEC).read_text(encoding="utf-8"))["paths"]
    operations = [(method.upper(), path) for path, item in paths.items() for method in item
                  if method in ("get", "put", "post", "patch", "delete")]  # fmt: skip
    assert len(operations) >= 6
    missing = [f"{m} {p}" for m, p in operations if not re.search(rf"\b{m}\s+{re.escape(p)}\s", text)]
    assert missing == [], text
    assert "3 an internal error" in text and "make contract" in text


@pytest.mark.parametrize(
    "args",
    [
        ("--max-examples", "0"), ("--max-examples", "many"), ("--seed", "x"), ("--checks", "no_such_check"),
        ("--exclude-checks", "all"), ("--url", "ftp://127.0.0.1:1"), ("--url", "http://127.0.0.1:1/?q=1"),
        ("--header", "no colon here"), ("--relation-id", "4294967296"), ("--phases", "everything"),
        ("--methods", "TRACE"), ("--read-only", "--phases", "stateful"), ("--spec", "/nonexistent/r.yaml"),
        ("--contact-ids", "381,abc"), ("--person-ids", "381:x"), ("--definition-ids", "0"), ("--bogus",),
    ],
    ids=lambda args: " ".join(args),
)  # fmt: skip
def test_every_error_message_says_what_was_received_what_was_expected_and_what_to_do(
    args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit(["--url", "http://127.0.0.1:9", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    received = args[-1].split(",")[-1] if args[-1] != "all" else "no check"
    assert received.lower() in err.lower(), f"what was received: {err}"
    said = err.partition("expected")[2]
    assert said, f"what was expected: {err}"
    assert re.search(r"\b(pass|set|add|fix|name|see|check|leave)\b", said), f"what to do: {err}"


def test_an_unreachable_server_says_what_to_check(capsys: pytest.CaptureFixture[str]) -> None:
    with serve(create_app(Settings(quiet=True))) as url:
        port = int(url.rsplit(":", 1)[1])
    assert main(["--url", f"http://127.0.0.1:{port}", *QUICK]) == 2
    err = capsys.readouterr().err
    assert "cannot reach" in err and "expected an HTTP answer" in err and "check --url" in err


def _exit(argv: list[str]) -> int:
    """main's status, also where argparse exits itself (a bad argument value)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
