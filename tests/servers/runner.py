"""Serve an ASGI app on a free 127.0.0.1 port in a daemon thread, the way httpx's own tests do."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from starlette.types import ASGIApp

from mockserver.protocol import DateHeaderMiddleware


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the main thread keeps its own handlers
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: ASGIApp, *, startup_seconds: float = 15.0) -> Iterator[str]:
    """Yield the base URL while `app` is served; stop and join on exit."""
    port = free_port()
    # As `python -m mockserver` serves: a Date read when each answer starts (uvicorn's own is
    # refreshed once a second, so it can lag behind a write's Last-Modified).
    config = uvicorn.Config(
        DateHeaderMiddleware(app),
        host="127.0.0.1",
        port=port,
        log_level="error",
        lifespan="on",
        access_log=False,
        date_header=False,
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_seconds
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"test server on port {port} did not start within {startup_seconds} s")
        time.sleep(0.05)
    httpx.get(url + "/", timeout=5)  # ready: answers HTTP
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
