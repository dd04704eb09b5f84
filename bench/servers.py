"""The servers under load: the targets' command lines (the mock in its forms, Prism, the two validating
proxies and their shared upstream), each started, timed to its first answer, sampled and stopped."""

from __future__ import annotations

import contextlib
import http.client
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from paths import PRISM_JS, REPO, SPEC
from probes import Answer, probe
from procfs import _status_kb, cpu_seconds, descendants
from toolchain import BenchError

ALL_TARGETS = ("mock", "prism", "mock-sqlite", "mock-w2", "upstream", "proxy", "prism-proxy")
BASELINE = "prism"
# The validating proxies (`python -m mockserver --proxy`, `prism proxy`) in front of one upstream (the
# mock, `--quiet`), which is measured directly too ("upstream") for the latency a proxy adds.
PROXY_TARGETS = ("upstream", "proxy", "prism-proxy")
PROXY_BASELINE = "prism-proxy"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    cmd: list[str]
    log: Path
    cwd: Path = REPO
    proc: subprocess.Popen[bytes] | None = None
    startup_s: float = 0.0
    startup_cpu_s: float = 0.0  # CPU seconds the process tree used until its first answer
    first: Answer | None = None
    peak_total_kb: int = 0  # sampled sum of VmRSS over the process tree
    hwm_kb: dict[int, int] = field(default_factory=dict)  # VmHWM per process (kernel peak)
    shared: bool = False  # started once, stopped only by `halt()` (the proxies' upstream)
    # Variables added to the environment (a secret such as RELATION_MOCK_STATE goes here, not in `cmd`,
    # which the log shows).
    env: dict[str, str] = field(default_factory=dict)

    def start(self, body: bytes, headers: dict[str, str], timeout: float = 60.0) -> None:
        if self.shared and self.proc is not None and self.proc.poll() is None:
            self.first = probe(self.port, body, headers)
            return
        self.hwm_kb = {}
        self.peak_total_kb = 0
        with open(self.log, "ab") as log:
            log.write(f"\n=== start {datetime.now(UTC).isoformat()} {shlex.join(self.cmd)}\n".encode())
            log.flush()
            started = time.perf_counter()
            self.proc = subprocess.Popen(
                self.cmd,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                env={**os.environ, **self.env},
            )
        deadline = started + timeout
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.proc.returncode}; see {self.log}")
            try:
                self.first = probe(self.port, body, headers, timeout=1.0)
                self.startup_s = time.perf_counter() - started
                self.startup_cpu_s = cpu_seconds(self.pids())
                break
            except (ConnectionError, OSError, http.client.HTTPException):
                if time.perf_counter() > deadline:
                    self.stop()
                    raise BenchError(
                        f"{self.name} did not answer within {timeout:g} s; see {self.log}"
                    ) from None
                time.sleep(0.005)
        self.sample()

    def pids(self) -> list[int]:
        return descendants(self.proc.pid) if self.proc and self.proc.poll() is None else []

    def sample(self) -> None:
        total = 0
        for pid in self.pids():
            rss = _status_kb(pid, "VmRSS")
            hwm = _status_kb(pid, "VmHWM")
            if rss is not None:
                total += rss
            if hwm is not None:
                self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), hwm)
        self.peak_total_kb = max(self.peak_total_kb, total)

    @property
    def worker_peak_kb(self) -> int:
        """The largest VmHWM of one process of the tree: for one worker, the server's peak RSS."""
        return max(self.hwm_kb.values(), default=0)

    def stop(self) -> None:
        if self.shared:
            return  # the proxies' upstream runs until `halt()`
        self.halt()

    def halt(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.sample()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        # uvicorn's workers are in this process's own session/group: end any that outlived it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None


class Sampler(threading.Thread):
    """Polls VmRSS/VmHWM of the running servers every `interval` seconds."""

    def __init__(self, servers: list[Server], interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.servers = servers
        self.interval = interval
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(self.interval):
            for server in self.servers:
                if server.proc is not None:
                    server.sample()


def make_servers(targets: tuple[str, ...], node: str | None, raw: Path, state_dir: Path) -> dict[str, Server]:
    py = sys.executable
    out: dict[str, Server] = {}
    upstream_port = free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    for name in targets:
        port = upstream_port if name == "upstream" else free_port()
        host = ["--host", "127.0.0.1", "--port", str(port)]
        if name == "upstream":
            cmd = [py, "-m", "mockserver", *host, "--quiet"]
        elif name == "proxy":
            cmd = [py, "-m", "mockserver", *host, "--proxy", upstream]
        elif name == "prism-proxy":
            assert node is not None
            cmd = [
                node,
                str(PRISM_JS),
                "proxy",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-v",
                "error",
                str(SPEC),
                upstream,
            ]
        elif name == "mock":
            cmd = [py, "-m", "mockserver", *host]
        elif name == "mock-sqlite":
            cmd = [py, "-m", "mockserver", *host, "--state", str(state_dir / "single.sqlite3")]
        elif name == "mock-w2":
            cmd = [
                py,
                "-m",
                "mockserver",
                *host,
                "--workers",
                "2",
                "--state",
                str(state_dir / "shared.sqlite3"),
            ]
        else:
            assert node is not None
            cmd = [node, str(PRISM_JS), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "error", str(SPEC)]
        out[name] = Server(name, port, cmd, raw / f"{name}.log", shared=name == "upstream")
    return out
