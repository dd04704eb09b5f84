"""Exit 2 with one line when the suite cannot run; the embedded mock as the default target."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.target import free_port
from mockserver import Settings, create_app
from tests.servers.asgi import Exchange, Reply, Rewrite, error_reply
from tests.servers.runner import serve

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "contracts", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=240,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--max-examples", "0"),
        ("--checks", "no_such_check"),
        ("--url", "ftp://127.0.0.1:1"),
        ("--header", "no colon here"),
        ("--relation-id", "4294967296"),
        ("--phases", "everything"),
        ("--read-only", "--phases", "stateful"),
        ("--spec", "/nonexistent/relation.yaml"),
        ("--contact-ids", "381,abc"),
        ("--person-ids", "381:x"),
        ("--definition-ids", "0"),
    ],
    ids=["max-examples", "checks", "url", "header", "relation-id", "phases", "read-only-stateful", "spec",
         "contact-ids", "person-ids", "definition-ids"],
)  # fmt: skip
def test_bad_arguments_exit_2_with_one_line(
    args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    # In this process: the command line is read before anything starts (the process's own exit
    # status is proven by the tests below, which run `python -m contracts`).
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "cannot run" in err


def test_an_unreachable_server_exits_2_with_one_line() -> None:
    done = _run("--url", f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "cannot reach" in done.stderr


def test_an_invalid_spec_exits_2(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n")
    done = _run("--url", "http://127.0.0.1:9", "--spec", str(spec))
    assert done.returncode == 2
    assert "not valid OpenAPI" in done.stderr


def test_without_url_the_embedded_mock_is_tested() -> None:
    done = _run("--checks", "property", "--max-examples", "3", "--quiet")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "embedded mock" in done.stdout
    assert "CONTRACT HELD" in done.stdout


def _holds_no_sample_contacts(exchange: Exchange) -> Reply | None:
    """A tenant without relation 777003 or the spec sample's contacts."""
    if exchange.method == "GET":
        return error_reply(404, "SoNotFoundException", "ContactRelationEntity id 777003 not found")
    return error_reply(400, "SoException", "SourceContactId 381: no such contact.")


def test_a_tenant_that_refuses_the_sample_references_exits_2_asking_for_ids() -> None:
    with serve(Rewrite(create_app(Settings(quiet=True)), on_request=_holds_no_sample_contacts)) as url:
        done = _run("--url", url, "--relation-id", "777003", "--checks", "property")
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "--contact-ids" in done.stderr and "answered 400" in done.stderr
