"""Real mock servers for tests: uvicorn on a free loopback port, in a thread or a subprocess.

In a thread: the socket is bound before the server starts (port 0), readiness is polled with a
deadline, and shutdown sets `should_exit` and joins. As a subprocess: `python -m mockserver`,
exactly as users run it, with its stderr shown if it dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn

from mockserver import Settings, create_app
from mockserver.protocol import DateHeaderMiddleware

ROOT = Path(__file__).resolve().parent.parent


# The two references every relation must have ("The value is mandatory"): the seed's contacts.
REFS = {"SourceContactId": 381, "DestinationContactId": 262}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(
    url: str, deadline_s: float = 20.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the mock exited with {process.returncode} before serving {url}")
        try:
            httpx.get(f"{url}/__admin/requests", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"the mock did not answer on {url} within {deadline_s} s")


@contextlib.contextmanager
def mock_in_thread(**overrides: object) -> Iterator[str]:
    """A mock in this process; yields its base URL."""
    settings = Settings(**{"quiet": True, **overrides})  # type: ignore[arg-type]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = DateHeaderMiddleware(create_app(settings))  # as `python -m mockserver` serves it
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="on", date_header=False))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url)
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class MockProcess:
    """`python -m mockserver` as a child process."""

    def __init__(self, *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = ["--host", "127.0.0.1", "--port", str(self.port), *args]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait: bool = True) -> MockProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", *self.args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        if wait:
            wait_until_serving(self.url, process=self.process)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            _, err = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return self.process.returncode, err.decode("utf-8", "replace")

    def __enter__(self) -> MockProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.stop()
