"""`python -m mockserver` as users run it: a busy port, the serving line, options that cannot go
together, the admin token, the network warning, and `--help`."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.livemock import ROOT, free_port, wait_until_serving

SERVING = re.compile(r"relation-mock: serving (http://\S+) ")


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port another program is listening on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_a_busy_port_is_one_line_and_exit_status_2_before_any_serving_line(held_port: int) -> None:
    done = _run("--port", str(held_port))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"port {held_port} is in use" in lines[0]
    assert "PORT=" in lines[0] and "--port" in lines[0]
    assert "serving" not in done.stderr and "Errno" not in done.stderr


def test_a_busy_port_with_workers_is_refused_the_same_way(held_port: int) -> None:
    done = _run("--port", str(held_port), "--workers", "2")
    assert done.returncode == 2
    assert f"port {held_port} is in use" in done.stderr and "serving" not in done.stderr


class _Started:
    """A mock subprocess whose stderr is read line by line until it says it serves."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "--port", "0", *args],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: list[str] = []
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace")
            self.lines.append(line)
            found = SERVING.search(line)
            if found:
                self.url = found.group(1)
                break
        else:
            raise AssertionError(f"the mock never said it serves: {''.join(self.lines)}")
        wait_until_serving(self.url, process=self.process)

    def stop(self) -> str:
        self.process.terminate()
        _, rest = self.process.communicate(timeout=20)
        return "".join(self.lines) + rest.decode("utf-8", "replace")


def test_port_0_serves_on_a_free_port_and_the_serving_line_names_it() -> None:
    started = _Started("--quiet")
    try:
        assert not started.url.endswith(":0")
        assert httpx.get(f"{started.url}/__admin/requests").status_code == 200
    finally:
        output = started.stop()
    assert output.count("relation-mock: serving") == 1


def test_workers_print_one_serving_line() -> None:
    started = _Started("--workers", "2", "--quiet")
    try:
        assert httpx.get(f"{started.url}/__admin/requests").status_code == 200
        time.sleep(0.5)  # both workers are up and would have printed by now
    finally:
        output = started.stop()
    assert output.count("relation-mock: serving") == 1, output
    assert "2 workers" in output


def test_an_admin_token_on_the_command_line_is_required_and_never_printed() -> None:
    token = "cli-token-6f1d2a9e"
    started = _Started("--admin-token", token)
    try:
        assert httpx.post(f"{started.url}/__admin/reset").status_code == 403
        assert httpx.post(f"{started.url}/__admin/reset", headers={"X-Admin-Token": token}).status_code == 200
    finally:
        output = started.stop()
    assert token not in output


def test_an_admin_token_from_the_environment_is_required() -> None:
    env = {**os.environ, "RELATION_MOCK_ADMIN_TOKEN": "env-token-0b7c4e21"}
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", str(port), "--quiet"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, process=process)
        assert httpx.post(f"{url}/__admin/reset").status_code == 403
        assert (
            httpx.post(f"{url}/__admin/reset", headers={"X-Admin-Token": "env-token-0b7c4e21"}).status_code
            == 200
        )
    finally:
        process.terminate()
        process.communicate(timeout=20)


# In a network namespace of its own (only its loopback, no route out), --host 0.0.0.0 reaches nobody.
_ISOLATED_DRIVER = textwrap.dedent(
    """
    import json, re, subprocess, sys, httpx
    from tests.livemock import wait_until_serving
    mock = subprocess.Popen([sys.executable, "-m", "mockserver", "--host", "0.0.0.0", "--port", "0",
                             "--quiet"], stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    lines = []
    for line in mock.stderr:
        lines.append(line)
        if "serving" in line:
            break
    port = re.search(r":(\\d+) ", lines[-1]).group(1)
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(url, process=mock)
    token = re.search(r"X-Admin-Token: ([^' ]+)", "".join(lines)).group(1)
    result = {
        "lines": lines,
        "without": httpx.post(url + "/__admin/reset").status_code,
        "with": httpx.post(url + "/__admin/reset", headers={"X-Admin-Token": token}).status_code,
        "journal": httpx.get(url + "/__admin/requests", headers={"X-Admin-Token": token}).status_code,
    }
    mock.terminate()
    result["rest"] = mock.communicate(timeout=20)[1]
    print(json.dumps(result))
    """
)


def _isolated_network() -> list[str] | None:
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=10)
    return [unshare, "-rn"] if probe.returncode == 0 else None


def test_a_mock_on_every_interface_warns_once_and_prints_a_made_up_admin_token_it_then_requires(
    tmp_path: Path,
) -> None:
    isolated = _isolated_network()
    if isolated is None:
        pytest.skip("needs `unshare -rn` (a network namespace) to listen on 0.0.0.0 without a network")
    driver = tmp_path / "driver.py"
    driver.write_text(_ISOLATED_DRIVER)
    done = subprocess.run(
        [*isolated, "sh", "-c", f'ip link set lo up && exec "{sys.executable}" "{driver}"'],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    text = "".join(result["lines"])
    warnings = [line for line in result["lines"] if "reached from the network" in line]
    assert len(warnings) == 1, text
    assert "curl" in text and "X-Admin-Token" in text
    assert (result["without"], result["with"], result["journal"]) == (403, 200, 200)
    token = re.search(r"X-Admin-Token: ([^' ]+)", text).group(1)  # type: ignore[union-attr]
    assert len(token) >= 20
    assert text.count(token) == 1 or text.count(token) == 2  # the token line (and its curl example)
    assert token not in result["rest"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--proxy", "http://127.0.0.1:9", "--fixtures", "f.json"], ["--fixtures", "--proxy"]),
        (["--proxy", "http://127.0.0.1:9", "--state", "s.sqlite3"], ["--state", "--proxy"]),
        (["--proxy", "http://127.0.0.1:9", "--auth", "off"], ["--auth", "--proxy"]),
        (["--proxy", "http://127.0.0.1:9", "--auth-users", "u.json"], ["--auth-users", "--proxy"]),
        (["--proxy", "http://127.0.0.1:9", "--strict-accept"], ["--strict-accept", "--proxy"]),
        (["--proxy", "http://127.0.0.1:9", "--workers", "2"], ["--workers", "--proxy"]),
        (["--upstream-timeout", "5"], ["--upstream-timeout", "--proxy"]),
        (["--report", "r.md"], ["--report", "--proxy"]),
        (["--auth", "off", "--auth-users", "u.json"], ["--auth-users", "--auth off"]),
        (["--auth", "any", "--auth-users", "u.json"], ["--auth-users", "--auth any"]),
    ],
)
def test_options_that_cannot_go_together_are_refused_naming_both(args: list[str], words: list[str]) -> None:
    done = _run(*args, "--port", "0", timeout=30)
    assert done.returncode == 2
    assert "serving" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    for word in words:
        assert word in last, last


@pytest.mark.parametrize(
    ("args", "received", "expected"),
    [
        (["--workers", "0"], "0", "1 or more"),
        (["--port", "70000"], "70000", "0-65535"),
        (["--port", "http"], "'http'", "0-65535"),
        (["--max-body", "-5"], "-5", "1 or more"),
        (["--body-timeout", "0"], "0", "more than 0"),
        (["--admin-token", ""], "0 characters", "8 or more"),
    ],
)
def test_a_bad_value_is_refused_saying_what_was_received_and_what_is_expected(
    args: list[str], received: str, expected: str
) -> None:
    done = _run(*args, timeout=30)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert received in last and expected in last, last


def test_help_describes_every_operation_the_spec_serves() -> None:
    shown = _run("--help", timeout=30).stdout
    for operation in (
        "GET /api/v1/Relation/{id}",
        "PUT /api/v1/Relation/{id}",
        "POST /api/v1/Relation",
        "PATCH /api/v1/Relation/{id}",
        "DELETE /api/v1/Relation/{id}",
        "GET /api/v1/Relation/default",
        "POST /__admin/reset",
    ):
        assert operation in shown, shown
    assert "--admin-token" in shown


def test_help_follows_the_spec_it_is_given(tmp_path: Path) -> None:
    spec = (ROOT / "openapi" / "relation.yaml").read_text(encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text(spec.replace("/api/v1/Relation/default:", "/api/v1/Relation/fresh:"), encoding="utf-8")
    shown = _run("--spec", str(other), "--help", timeout=30).stdout
    assert "GET /api/v1/Relation/fresh" in shown and "/api/v1/Relation/default" not in shown
