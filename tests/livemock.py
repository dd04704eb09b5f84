"""Mock servers for tests: in this process over ASGI, or real, on a free loopback port.

In-process (`mock_in_process`, the fast tier): the app `python -m mockserver` serves, with its
lifespan run and its state handed to each request as uvicorn hands it, behind an httpx client whose
transport calls the app directly (httpx.ASGITransport on an event loop in one thread of its own):
no socket, no port, no process. It checks everything past uvicorn's parser: negotiation,
validation, the store, preconditions, `$select`, XML, patches and errors.

Real, in a thread (`mock_in_thread`): the socket is bound before the server starts (port 0),
readiness is polled with a deadline, and shutdown sets `should_exit` and joins. As a subprocess
(`MockProcess`): `python -m mockserver`, exactly as users run it, with its stderr shown if it dies.
Tests of what only a socket shows (uvicorn's parser, raw bytes, connections) use one of these.
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
from typing import Any

import anyio
import httpx
import uvicorn
from anyio.abc import TaskStatus
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


# What a request's scope says about the connection in-process: a loopback client and server, as a
# test's request to a real mock on 127.0.0.1 has; not the default port (4010), so an answer that
# names this server shows it was built from the request, not from a default.
IN_PROCESS_URL = "http://127.0.0.1:58231"
IN_PROCESS_CLIENT = ("127.0.0.1", 50000)


class _LifespanState:
    """Hands the lifespan's state to each request, as uvicorn does (a shallow copy per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, object] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            scope = {**scope, "state": self.state}
        elif scope["type"] == "http":
            scope = {**scope, "state": dict(self.state)}
        await self.app(scope, receive, send)


async def _run_lifespan(
    app: ASGIApp, stop: anyio.Event, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
) -> None:
    """The ASGI lifespan protocol, as uvicorn's `lifespan="on"` drives it."""
    sent_startup = False

    async def receive() -> Message:
        nonlocal sent_startup
        if not sent_startup:
            sent_startup = True
            return {"type": "lifespan.startup"}
        await stop.wait()
        return {"type": "lifespan.shutdown"}

    async def send(message: Message) -> None:
        if message["type"] == "lifespan.startup.complete":
            task_status.started()
        elif message["type"].endswith(".failed"):
            raise RuntimeError(f"the mock's lifespan failed: {message.get('message', '')}")

    await app({"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}, receive, send)


class _InProcessTransport(httpx.BaseTransport):
    """httpx.ASGITransport for a sync client: each request is awaited on the portal's event loop."""

    def __init__(self, app: ASGIApp, portal: BlockingPortal) -> None:
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=IN_PROCESS_CLIENT)
        self._portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # a sync body, now bytes the async transport can send as well

        async def exchange() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self._asgi.handle_async_request(request)
            body = b"".join([part async for part in response.aiter_raw()])
            return response.status_code, response.headers.raw, body

        status, headers, body = self._portal.call(exchange)
        # The body as the app sent it (still encoded), and no header added: a 204 stays without one.
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))


class InProcessMock:
    """The mock app of one Settings, running in this process; `client()` talks to it."""

    def __init__(self, app: ASGIApp, portal: BlockingPortal) -> None:
        self.app = app
        self.portal = portal

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx.Client (same keywords) whose requests go to this app, at IN_PROCESS_URL."""
        kwargs.setdefault("base_url", IN_PROCESS_URL)
        kwargs.setdefault("timeout", 10)
        return httpx.Client(transport=_InProcessTransport(self.app, self.portal), **kwargs)


@contextlib.contextmanager
def mock_in_process(**overrides: object) -> Iterator[InProcessMock]:
    """The app `python -m mockserver` serves, in this process: lifespan started, stopped at exit."""
    settings = Settings(**{"quiet": True, **overrides})  # type: ignore[arg-type]
    app = _LifespanState(DateHeaderMiddleware(create_app(settings)))
    with start_blocking_portal() as portal:
        stop = portal.call(anyio.Event)
        lifespan, _ = portal.start_task(_run_lifespan, app, stop)
        try:
            yield InProcessMock(app, portal)
        finally:
            portal.call(stop.set)
            lifespan.result(timeout=10)


@contextlib.contextmanager
def mock_in_thread(**overrides: object) -> Iterator[str]:
    """A mock in this process; yields its base URL."""
    settings = Settings(**{"quiet": True, **overrides})  # type: ignore[arg-type]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = DateHeaderMiddleware(create_app(settings))  # as `python -m mockserver` serves it
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="on", date_header=False))
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
