"""Stock Schemathesis, its CLI with every check, positive and negative data, against the mock
process with a state file: a short seeded run (`make fuzz` runs the long one, run_fuzz.py).

A run fails on any finding and on any request that got no answer: a server that crashes or stops
answering must never pass (Schemathesis reports those as errors, not failures)."""

from __future__ import annotations

import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.mockprocess import StartMock
from tests.reliability.run_fuzz import (
    JOURNAL_SIZE,
    errors,
    findings,
    main,
    schemathesis_command,
    server_errors,
    unexplained_failures,
)

RELATION_ONLY = ("--include-path-regex", "^/api/v1/Relation(/|$)")


@pytest.mark.slow
def test_stock_schemathesis_with_all_checks_finds_nothing_in_a_short_seeded_run(
    start_mock: StartMock, tmp_path: Path
) -> None:
    mock = start_mock("--quiet", "--state", tmp_path / "state.sqlite3", "--journal-size", str(JOURNAL_SIZE))
    run = subprocess.run(
        # Only the Relation operations (not RelationDefinition): Contact, Person and RelationDefinition
        # are the vendor's plain CRUD, covered by tests/mock, and fuzzing all 20 operations would take
        # about three times as long as this short run may.
        schemathesis_command(mock.url, max_examples=10, seed=1, extra=RELATION_ONLY),
        cwd=tmp_path,  # Schemathesis writes nothing into the repository
        capture_output=True,
        text=True,
        timeout=240,  # 75-125 s under a full parallel run; pytest itself stops a test at 300 s
        check=False,
    )
    bad = server_errors(mock)
    assert not bad, f"the mock answered with 5xx: {bad[:10]}"
    assert run.returncode in (0, 1), f"Schemathesis could not run:\n{run.stdout[-6000:]}{run.stderr[-2000:]}"
    found = findings(run.stdout)
    assert not found, f"Schemathesis found {found}:\n{run.stdout[-6000:]}{run.stderr[-2000:]}"
    generated = re.search(r"(\d+) generated", run.stdout)
    assert generated and int(generated.group(1)) > 0, run.stdout[-2000:]


def test_only_the_xml_map_ambiguity_is_set_aside_from_schemathesis_failures() -> None:
    ambiguous = (
        "- ST201 Schema-violating request accepted\n"
        "    Invalid component: in body - updatedBy -> CustomFields -> "
        "Object with invalid additional property: Incorrect type\n"
        "    curl -X PUT -H 'Content-Type: text/xml' -d '<a/>' http://x\n"
    )
    same_in_json = ambiguous.replace("text/xml", "application/json")
    other = "- ST202 Schema-valid request rejected\n    curl -X PUT -H 'Content-Type: text/xml'\n"
    assert unexplained_failures(ambiguous) == []
    assert unexplained_failures(same_in_json) == ["- ST201 Schema-violating request accepted"]
    assert unexplained_failures(ambiguous + other) == ["- ST202 Schema-valid request rejected"]


def test_requests_that_got_no_answer_are_findings_even_without_failures() -> None:
    summary = "Errors:\n  🚫 Network Error: 2\n\nTest cases:\n  4381 generated, 4381 errored\n"
    assert errors(summary) == ["Network Error: 2"]
    assert errors("Test cases:\n  12 generated, 3 errored\n") == ["3 errored"]
    assert errors("Test cases:\n  12 generated, 0 errored\n") == []
    assert findings(summary) == ["Network Error: 2"]


@pytest.fixture
def hangs_up() -> Iterator[str]:
    """A server that accepts each connection and closes it without an answer (a crashed backend)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    listener.close()


def test_run_fuzz_fails_when_the_server_stops_answering(
    hangs_up: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--url", hangs_up, "--max-examples", "2", "--seed", "1", "--min-cases", "0",
                 "--", "--phases", "examples", "--request-timeout", "2"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Schemathesis: " in err and "Error" in err
