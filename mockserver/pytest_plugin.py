"""The mock as a pytest fixture for other projects' tests, the way pytest-httpserver offers `httpserver`.

    def test_my_client_saves_a_relation(relation_mock):
        client = MyClient(relation_mock.url, auth=("tje0", "Tje0"))
        client.save_relation(918, comment="hello")
        assert [entry["Method"] for entry in relation_mock.requests()] == ["PUT"]

Installed as the `relation_mock` pytest11 entry point, so every pytest run in an environment where
relation-harness is installed has the fixture; loading the plugin imports nothing heavy and starts
nothing until a test asks for it. One `relation-mock` process serves the whole session: a
subprocess of the same interpreter on a free 127.0.0.1 port. Before each test the fixture resets
its store and its request journal (`POST /__admin/reset`), so tests do not see each other's writes.

Give the mock other options by overriding the session-scoped `relation_mock_args` fixture in a
conftest.py (any `relation-mock --help` option but `--host`/`--port`):

    @pytest.fixture(scope="session")
    def relation_mock_args():
        return ["--auth", "off", "--fixtures", "tests/relations.json"]

With `--admin-token TOKEN` among them (or `$RELATION_MOCK_ADMIN_TOKEN` set), the fixture sends the
token on its own admin calls; the mock listens on 127.0.0.1, where none is needed otherwise.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from typing import IO, Any

import pytest

from mockserver.errors import MockServerError

READY_SECONDS = 30.0
TOKEN_OPTION = "--admin-token"
TOKEN_ENV = "RELATION_MOCK_ADMIN_TOKEN"  # as mockserver.__main__ reads it
STOP_SECONDS = 10.0
HOST = "127.0.0.1"


class RelationMockError(MockServerError):
    """The fixture's mock did not start, or its admin API did not answer as documented."""


class RelationMock:
    """A running `relation-mock`: `url`, `url_for(path)`, `reset()`, `requests()` (the journal)."""

    def __init__(self, args: Sequence[str] = ()) -> None:
        self.args = list(args)
        self._token = _admin_token(self.args)
        self.port = 0
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def url_for(self, path: str) -> str:
        """`url_for("/api/v1/Relation/918")`: an absolute URL on this mock."""
        return self.url + "/" + path.lstrip("/")

    def reset(self) -> None:
        """Put the store back as it started (`--fixtures`, if given) and empty the request journal."""
        self._call("POST", "/__admin/reset")
        self._call("DELETE", "/__admin/requests")  # the journal keeps the reset request itself

    def requests(self) -> list[dict[str, Any]]:
        """The requests since the last reset, oldest first: `Method`, `Path`, `Query`, `Headers`, `Body`,
        `Status` (credentials masked), as `GET /__admin/requests` lists them."""
        return list(self._call("GET", "/__admin/requests")["Requests"])

    def start(self) -> RelationMock:
        for _ in range(3):  # another process may take the free port before the mock binds it
            self.port = _free_port()
            self.url = f"http://{HOST}:{self.port}"
            # Output goes to a file (closed in stop): a pipe nobody reads would block the server.
            self._log = tempfile.TemporaryFile()  # noqa: SIM115
            where = ["--host", HOST, "--port", str(self.port), "--quiet"]
            self._process = subprocess.Popen(
                [sys.executable, "-m", "mockserver", *self.args, *where],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
            if self._wait_ready():
                return self
            output = self.output()
            self.stop()
            if "in use" not in output.lower():
                break
        raise RelationMockError(
            f"relation-mock {self._shown_args()} exited before serving {self.url} "
            f"(its output: {output.strip()[-2000:] or 'none'}); check the `relation_mock_args` fixture."
        )

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()  # SIGTERM: in-flight requests finish, then it exits
            try:
                self._process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=STOP_SECONDS)
        if self._log is not None:
            self._log.close()

    def output(self) -> str:
        """What the mock printed so far (start-up lines; with `--quiet`, no access log)."""
        if self._log is None or self._log.closed:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def _shown_args(self) -> str:
        """The options as an error may show them: the admin token masked."""
        shown = " ".join(self.args)
        return shown.replace(self._token, "***") if self._token else shown

    def _wait_ready(self) -> bool:
        """True once the mock answers; False if it exited first. Raises if it never answers."""
        assert self._process is not None
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url_for("/__admin/requests"), timeout=1.0):
                    return True
            except urllib.error.HTTPError:  # any HTTP answer means it is serving
                return True
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RelationMockError(f"relation-mock did not answer on {self.url} within {READY_SECONDS:.0f} s")

    def _call(self, method: str, path: str) -> Any:
        headers = {"X-Admin-Token": self._token} if self._token else {}
        request = urllib.request.Request(self.url_for(path), method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10.0) as answer:
                return json.loads(answer.read() or b"null")
        except (OSError, ValueError) as exc:
            raise RelationMockError(
                f"{method} {path} on the mock failed: {exc}; expected a 200 JSON answer. "
                f"Mock output: {self.output().strip()[-500:] or 'none'}"
            ) from exc


def _admin_token(args: Sequence[str]) -> str | None:
    """The token the mock will require: `--admin-token T` or `--admin-token=T`, else the environment's."""
    for i, arg in enumerate(args):
        if arg == TOKEN_OPTION and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(TOKEN_OPTION + "="):
            return arg.partition("=")[2]
    return os.environ.get(TOKEN_ENV) or None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def relation_mock_args() -> list[str]:
    """Extra `relation-mock` options for the session's mock; override this fixture to change them."""
    return []


@pytest.fixture(scope="session")
def relation_mock_server(relation_mock_args: Sequence[str]) -> Iterator[RelationMock]:
    """The session's one mock process, not reset between tests (use `relation_mock` for that)."""
    mock = RelationMock(relation_mock_args).start()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture
def relation_mock(relation_mock_server: RelationMock) -> RelationMock:
    """The session's mock, with its store and request journal reset for this test."""
    relation_mock_server.reset()
    return relation_mock_server
