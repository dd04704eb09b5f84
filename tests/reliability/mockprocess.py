"""`python -m mockserver` as a child process on a free port: started, polled until ready, stopped.

Shared by the reliability tests (through conftest.py) and by the scripts next to it (run_fuzz.py,
measure_rss.py), so that all of them drive the mock exactly as a user does: a real process, a
real socket, real signals. stderr goes to a file (a pipe nobody reads would block the server) and
is shown when the process dies before it is ready.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PYTHON = Path(sys.executable)
BASIC = "Basic dGplMDpUamUw"  # tje0:Tje0, the WebAPI documentation's example user
AUTH = {"Authorization": BASIC}

StartMock = Callable[..., "MockProcess"]  # the conftest's `start_mock` fixture


class MockProcessError(RuntimeError):
    """The mock did not start, or did not stop, as it should."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MockProcess:
    """One running mock: `url`, `pid`, `stderr_text()`, `rss_kib()`, and the ways to end it."""

    def __init__(self, args: Sequence[str] = (), *, workdir: Path | None = None, ready_timeout: float = 30.0):
        self.args = list(args)
        self.port = free_port()
        self.host = "127.0.0.1"
        self.url = f"http://{self.host}:{self.port}"
        self._own_dir = None if workdir else tempfile.TemporaryDirectory(prefix="relation-mock-")
        self.workdir = workdir or Path(self._own_dir.name)  # type: ignore[union-attr]
        self.stderr_path = self.workdir / f"mock-{self.port}.stderr"
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.ended_by_us = False

    # -- life cycle ---------------------------------------------------------------------------------

    def start(self) -> MockProcess:
        for _ in range(3):  # another process may take the free port before the mock binds it
            command = [str(PYTHON), "-m", "mockserver", "--host", self.host, "--port", str(self.port)]
            with self.stderr_path.open("ab") as stderr:
                self.proc = subprocess.Popen(
                    [*command, *self.args], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr
                )
            try:
                self._wait_ready()
            except MockProcessError:
                if "address already in use" not in self.stderr_text().lower():
                    raise
                self.port = free_port()
                self.url = f"http://{self.host}:{self.port}"
                self.stderr_path = self.workdir / f"mock-{self.port}.stderr"
                continue
            return self
        raise MockProcessError("Three free ports were taken before the mock could bind them.")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise MockProcessError(
                    f"The mock exited with code {code} before it was ready on port {self.port}. "
                    f"Its stderr:\n{self.stderr_text()}"
                )
            try:
                answered = httpx.get(f"{self.url}/__admin/requests", timeout=1.0).status_code == 200
            except httpx.TransportError:
                answered = False
            if answered:
                time.sleep(0.05)  # it was ours only if ours is still running
                if self.process.poll() is None:
                    return
            time.sleep(0.05)
        self.stop()
        raise MockProcessError(
            f"The mock was not ready on port {self.port} within {self.ready_timeout:g} s. "
            f"Its stderr:\n{self.stderr_text()}"
        )

    @property
    def process(self) -> subprocess.Popen[bytes]:
        if self.proc is None:
            raise MockProcessError("The mock has not been started.")
        return self.proc

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def died_unexpectedly(self) -> bool:
        """It exited although nobody signalled it: a crash the test may not have noticed."""
        return self.proc is not None and not self.ended_by_us and self.proc.poll() is not None

    def signal(self, signum: int) -> None:
        self.ended_by_us = True
        os.kill(self.pid, signum)

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, then wait for the exit code; SIGKILL if it does not go in time."""
        proc = self.process
        self.ended_by_us = True
        if proc.poll() is None:
            proc.terminate()
            try:
                return proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
                raise MockProcessError(
                    f"The mock (pid {proc.pid}) ignored SIGTERM for {timeout:g} s and was killed. "
                    f"Its stderr:\n{self.stderr_text()}"
                ) from None
        return int(proc.returncode)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a CI runner or the OOM killer ends the mock."""
        proc = self.process
        self.ended_by_us = True
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def stop(self) -> None:
        """Clean teardown: terminate, wait, kill; never raises."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def close(self) -> None:
        self.stop()
        if self._own_dir is not None:
            self._own_dir.cleanup()

    def __enter__(self) -> MockProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client for this mock, authenticated as the documentation's example user."""
        kwargs.setdefault("timeout", 10.0)
        return httpx.Client(base_url=self.url, headers=AUTH, **kwargs)

    # -- observation --------------------------------------------------------------------------------

    def stderr_text(self) -> str:
        try:
            return self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def rss_kib(self) -> int:
        """Resident set size from /proc/PID/status (Linux)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise MockProcessError(f"/proc/{self.pid}/status has no VmRSS line.")


@contextlib.contextmanager
def running_mock(*args: str, workdir: Path | None = None) -> Iterator[MockProcess]:
    mock = MockProcess(args, workdir=workdir)
    try:
        yield mock.start()
    finally:
        mock.close()


def run_startup(
    *args: str, timeout: float = 20.0, prefix: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """Run the mock expecting it to refuse to start; if it serves instead, stop it and say so.

    `prefix` runs it through another command first (`setpriv --reuid nobody ...`)."""
    command = [
        *prefix,
        *(str(PYTHON), "-m", "mockserver", "--host", "127.0.0.1", "--port", str(free_port()), *args),
    ]
    try:
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:  # subprocess.run has already killed it
        raise MockProcessError(
            f"The mock was expected to refuse to start with {list(args)} but was still running after "
            f"{timeout:g} s. Its stderr:\n{exc.stderr!r}"
        ) from None


# -- talking to it ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawResponse:
    """An HTTP/1.1 answer read off a raw socket: for requests httpx refuses to send."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


def raw_exchange(port: int, request: bytes, *, timeout: float = 10.0) -> RawResponse:
    """Send bytes as they are, read the answer until the server closes or Content-Length is met."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = _read_answer(sock)
    return parse_answer(data, time.monotonic() - started)


def _read_answer(sock: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = _content_length(head)
            if length is not None and len(body) >= length:
                break
    return data


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None


def parse_answer(data: bytes, seconds: float = 0.0) -> RawResponse:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise MockProcessError(f"No complete HTTP answer came back; received {data[:300]!r}.")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(int(lines[0].split()[1]), headers, body, seconds)


def request_bytes(
    method: str,
    target: bytes,
    body: bytes = b"",
    *,
    headers: Sequence[bytes] = (),
    content_type: bytes = b"application/json",
    auth: bytes = b"Authorization: " + BASIC.encode(),
) -> bytes:
    """One HTTP/1.1 request, byte for byte, with `Connection: close`."""
    lines = [
        method.encode() + b" " + target + b" HTTP/1.1",
        b"Host: 127.0.0.1",
        auth,
        *headers,
        b"Content-Type: " + content_type,
        b"Content-Length: " + str(len(body)).encode(),
        b"Connection: close",
    ]
    return b"\r\n".join(line for line in lines if line) + b"\r\n\r\n" + body


def vendor_error_problems(status: int, content_type: str, body: bytes) -> list[str]:
    """Why an answer is not a 4xx in the vendor's error shape (empty when it is)."""
    problems = []
    if not 400 <= status < 500:
        problems.append(f"status {status} is not a 4xx")
    if "json" not in content_type:
        problems.append(f"Content-Type {content_type!r} is not JSON")
    try:
        payload = json.loads(body)
    except ValueError:
        return [*problems, f"the body is not JSON: {body[:200]!r}"]
    if not isinstance(payload, dict):
        return [*problems, f"the body is not an object: {payload!r}"]
    if payload.get("Error") is not True:
        problems.append("Error is not true")
    for name in ("ErrorType", "ErrorMessage", "ErrorSource"):
        if not isinstance(payload.get(name), str) or not payload[name]:
            problems.append(f"{name} is missing or empty")
    if "Violations" in payload and not isinstance(payload["Violations"], list):
        problems.append("Violations is not a list")
    return problems
