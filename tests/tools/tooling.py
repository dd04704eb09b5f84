"""The third-party tools the tests in this folder run, found where the project's own files install them.

npm tools come from `make node` (`npm ci` of tools/package.json and its lock into .cache/node);
a missing or stale install fails the test with the command that fixes it, never skips it.
Python generators with dependencies of their own get a venv under .cache/, built here from a pinned
requirements file in tools/ and rebuilt when that file changes. Servers the tests start (Prism, a
stub upstream) are bound to 127.0.0.1 on a free port and stopped by their pid.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.reliability.mockprocess import free_port

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi" / "relation.yaml"
TOOLS = ROOT / "tools"
NODE_DIR = ROOT / ".cache" / "node"
BASIC = "Basic dGplMDpUamUw"  # tje0:Tje0, the seed page's sample credentials


class ToolError(RuntimeError):
    """A tool could not be installed, started or run."""


# -- npm tools --------------------------------------------------------------------------------------


def node_tool(command: str, package: str) -> Path:
    """The `.bin/<command>` of an npm package installed at the version tools/package.json pins."""
    pinned = json.loads((TOOLS / "package.json").read_text(encoding="utf-8"))["devDependencies"][package]
    binary = NODE_DIR / "node_modules" / ".bin" / command
    manifest = NODE_DIR / "node_modules" / package / "package.json"
    if not binary.exists() or not manifest.exists():
        pytest.fail(f"{package} is not installed in {NODE_DIR}: run `make node` (npm ci of tools/).")
    installed = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    if installed != pinned:
        pytest.fail(f"{package} {installed} is installed, tools/package.json pins {pinned}: run `make node`.")
    return binary


def node_modules() -> Path:
    return NODE_DIR / "node_modules"


# -- Python tools -----------------------------------------------------------------------------------


def python_tool_venv(name: str) -> Path:
    """A venv under .cache/ holding exactly tools/<name>.txt; built (once per change) under a lock."""
    requirements = TOOLS / f"{name}.txt"
    venv = ROOT / ".cache" / name
    stamp = venv / "installed-requirements.txt"
    wanted = requirements.read_text(encoding="utf-8")
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (ROOT / ".cache" / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        python = venv / "bin" / "python"
        install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        for command in (
            [sys.executable, "-m", "venv", str(venv)],
            [*install, "--no-deps", "--requirement", str(requirements)],
        ):
            done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
            if done.returncode != 0:
                raise ToolError(
                    f"Installing {name} failed ({' '.join(command)}):\n{done.stdout}{done.stderr}"
                )
        stamp.write_text(wanted, encoding="utf-8")
    return venv


# -- Running --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ran:
    command: str
    returncode: int
    output: str  # stdout and stderr, interleaved
    seconds: float


def run(
    command: Sequence[str | Path],
    *,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Ran:
    """Run a tool to completion; its output is kept for the assertion messages."""
    started = time.monotonic()
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Ran(" ".join(map(str, command)), done.returncode, done.stdout, time.monotonic() - started)


class ServedProcess:
    """A server process (Prism) on 127.0.0.1:`port`, ready once its port answers HTTP."""

    def __init__(
        self, command: Callable[[int], Sequence[str | Path]], log: Path, ready_timeout: float = 60
    ) -> None:
        self.command = command
        self.log = log
        self.ready_timeout = ready_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def start(self) -> ServedProcess:
        for _ in range(3):  # another process may take the free port before this one binds it
            self.port = free_port()
            with self.log.open("ab") as sink:
                self.process = subprocess.Popen(
                    [str(part) for part in self.command(self.port)],
                    cwd=ROOT,
                    stdin=subprocess.DEVNULL,
                    stdout=sink,
                    stderr=sink,
                    env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"},
                )
            if self._wait_ready():
                return self
            if "EADDRINUSE" not in self.output():
                break
        self.stop()
        raise ToolError(
            f"{self.command(self.port)[0]} did not serve on port {self.port}. Its output:\n{self.output()}"
        )

    def _wait_ready(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                httpx.get(self.url, timeout=1.0)
                return True
            except httpx.TransportError:
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@contextlib.contextmanager
def served(command: Callable[[int], Sequence[str | Path]], log: Path) -> Iterator[ServedProcess]:
    server = ServedProcess(command, log).start()
    try:
        yield server
    finally:
        server.stop()


# -- A stub upstream ---------------------------------------------------------------------------------


class _StubHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with the status and Content-Type its `X-Answer-Status` and `X-Answer-Type`
    headers ask for, and the body `[]`: JSON that no object schema allows."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b"[]"
        self.send_response(int(self.headers.get("X-Answer-Status", "200")))
        self.send_header("Content-Type", self.headers.get("X-Answer-Type", "application/json"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def stub_upstream() -> Iterator[str]:
    """A server in this process answering any status with a body that fits no documented schema."""
    with serve_handler(_StubHandler) as url:
        yield url


@contextlib.contextmanager
def serve_handler(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` served by a threading HTTP server on a free 127.0.0.1 port; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
