"""A real PostgreSQL server for the tests: `initdb` and `pg_ctl` in a temporary directory, on a free
port of 127.0.0.1, with a password (scram-sha-256) so that a wrong one is refused as in production.

The server binaries come from PATH or Debian's /usr/lib/postgresql/N/bin. PostgreSQL refuses to run
as root, so under root the server runs as the `postgres` user (Debian's package makes it), or
`nobody`. Missing binaries skip the tests with the command that installs them, unless
RELATION_REQUIRE_POSTGRES=1 (set by .ci/run), where they fail.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.livemock import free_port

USER, PASSWORD = "harness", "s3cret-pg-password"
INSTALL = "install Debian's PostgreSQL server (sudo apt-get install -y postgresql) to run them"
REQUIRED = os.environ.get("RELATION_REQUIRE_POSTGRES") == "1"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "pg_ctl").exists() and Path(folder, "initdb").exists():
            return Path(folder)
    return None


def _runner() -> list[str]:
    """The command prefix that runs a server binary as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return ["setpriv", f"--reuid={name}", f"--regid={pwd.getpwnam(name).pw_gid}", "--clear-groups"]
    raise RuntimeError("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL")


class PostgresServer:
    """One PostgreSQL cluster: start, stop (to test an outage), and a fresh database per test."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="relation-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = self.dir / "server.log"
        self._as = _runner()
        self._databases = 0
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORD)
        if self._as:
            uid, gid = self._ids()
            for path in (self.dir, pwfile):
                os.chown(path, uid, gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}", "--auth-host=scram-sha-256",
            "--auth-local=trust", "--no-sync", "-E", "UTF8", "--locale=C",
        )  # fmt: skip

    def _ids(self) -> tuple[int, int]:
        name = self._as[1].split("=", 1)[1]
        entry = pwd.getpwnam(name)
        return entry.pw_uid, entry.pw_gid

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self._as, str(self.bin / tool), *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, f"{tool} failed: {done.stdout}{done.stderr}"

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def fresh_database(self) -> str:
        """A new, empty database; its URL (with the password)."""
        self._databases += 1
        name = f"test_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(AssertionError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    found = binaries()
    if found is None:
        message = f"PostgreSQL server binaries (initdb, pg_ctl) were not found: {INSTALL}"
        if REQUIRED:
            pytest.fail(message + " (RELATION_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    server = PostgresServer(found)
    try:
        server.start()
        yield server
    finally:
        server.destroy()


def wait_until_answering(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
