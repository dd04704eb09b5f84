"""Where the suite points: a URL given with --url, or the project's mock started for the run.

The embedded mock runs as a subprocess (`python -m mockserver` on a free port), so this package
never imports the mock and tests it exactly as it would test any other server.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx

from contracts.errors import CannotRunError, UsageError
from contracts.options import DEFAULT_SPEC, PROJECT_ROOT, Options
from contracts.reporting.curl import AUTH_ENV
from contracts.spec import PUT_PATH

STARTUP_SECONDS = 30.0
# Headers that carry credentials.
CREDENTIALS = frozenset({"authorization", "x-xsrf-token", "cookie"})


def check_url(url: str) -> str:
    """The base URL without a trailing slash; a UsageError when it is not http(s)://host[:port][/path]."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--url {url!r} is no http(s) base URL; expected one such as https://host/Cust12345 or "
            "http://127.0.0.1:4010: pass --url with the scheme, host and any path before /api/v1"
        )
    if parts.query or parts.fragment:
        raise UsageError(
            f"--url {url!r} carries a query or fragment; expected a base URL without one: pass --url without "
            "what follows ? or #"
        )
    return url.rstrip("/")


def probe(base_url: str, options: Options, *, timeout: float = 5.0) -> httpx.Response:
    """One GET of the relation: any HTTP answer means the server is there."""
    url = base_url + PUT_PATH.replace("{id}", str(options.relation_id))
    try:
        return httpx.get(url, headers=options.request_headers(), timeout=timeout)
    except httpx.HTTPError as exc:
        raise CannotRunError(
            f"cannot reach {base_url}: {type(exc).__name__}: {exc or 'no answer'}; expected an HTTP "
            f"answer to GET {url}: check --url and that the server is up and reachable from here"
        ) from exc


def refusal(base_url: str, answer: httpx.Response, options: Options) -> str:
    """Why a server refused the run's credentials, in one line: its answer (status, WWW-Authenticate,
    the start of its body) and the shape of what was sent, never the credential itself."""
    secrets = [value for _, value in options.request_headers() if len(value) > 3]
    body = " ".join(answer.content[:400].decode("utf-8", "replace").split())
    for secret in secrets:
        body = body.replace(secret, "***")
    challenge = answer.headers.get("www-authenticate") or "(none)"
    return (
        f"{base_url} refused the credentials: GET {answer.request.url.path} answered {answer.status_code} "
        f"with WWW-Authenticate: {challenge} and the body {body[:240] or '(empty)'!r}; sent "
        f"{credential_shape(options)}; expected credentials this server accepts: pass them with --auth, "
        f"or set {AUTH_ENV} (another scheme, such as X-XSRF-TOKEN, with --header)"
    )


def credential_shape(options: Options) -> str:
    """`Authorization: SOTicket + 12 characters (from --auth)`: the scheme and length, never the value."""
    parts = []
    for name, value in options.request_headers():
        if name.lower() not in CREDENTIALS:
            continue
        scheme, space, rest = value.strip().partition(" ")
        shape = f"{scheme} + {len(rest)} characters" if space else f"{len(value)} characters"
        source = options.auth_source if name.lower() == "authorization" else "--header"
        parts.append(f"{name}: {shape} (from {source})")
    return ", ".join(parts) or "no credentials"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def target(options: Options) -> Iterator[str]:
    """Yield the base URL to test: `options.url`, or an embedded mock's for as long as the run lasts."""
    if options.url:
        yield check_url(options.url)
        return
    with embedded_mock(options.spec) as url:
        yield url


@contextmanager
def embedded_mock(spec: Path = DEFAULT_SPEC) -> Iterator[str]:
    if importlib.util.find_spec("mockserver") is None and not (PROJECT_ROOT / "mockserver").is_dir():
        raise CannotRunError(
            "no --url given, and the mockserver package the suite starts then is not installed; expected "
            "either: pass --url URL, or install relation-harness with its mock"
        )
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", str(port), "--quiet"]
    if Path(spec).resolve() != DEFAULT_SPEC.resolve():
        command += ["--spec", str(spec)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        try:
            _wait_ready(process, url, log)
            yield url
        finally:
            _stop(process)


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            tail = log.read().decode("utf-8", "replace").strip().splitlines()[-1:] or ["(no output)"]
            raise CannotRunError(
                f"the embedded mock exited with {process.returncode}: {tail[0]}; expected it to serve: run "
                "`python -m mockserver` to see why, or pass --url"
            )
        try:
            httpx.get(url + "/", timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise CannotRunError(
        f"the embedded mock did not answer on {url} within {STARTUP_SECONDS:.0f} s; expected an answer "
        "to GET /: retry on a less busy machine, or pass --url of a server that runs"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
