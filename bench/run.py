"""`make bench`: the mock against Prism 5.16.0, same spec, same load, alternating; writes bench/RESULTS.md.

What it does, in order:
  1. Tools: installs wrk (apt-get) if missing, and @stoplight/prism-cli@5.16.0 from the npm registry
     into .cache/prism/ (gitignored) if missing.
  2. Start-up: starts each target --startups times (then once more for the load) and times how long
     it takes from spawning the process to the first HTTP answer to the seed PUT.
  3. Load: wrk (bench/put.lua: the seed ContactRelationEntity PUT with Basic credentials) against
     every target, at every connection count, --rounds times, alternating the target order each
     round, after a short warm-up per target that is not recorded.
  4. Checks: the seed PUT must be answered 200 by every target before and after the load, and wrk's
     non-2xx/3xx and socket-error counters must be 0; the reasons are written when they are not.
  5. POST and PATCH rows (bench/writes.py): each operation on a fresh mock and a fresh Prism of its
     own (`--writes`, default post,patch), at the first connection count.
  6. Contract suite: `python -m contracts` (its default run) is timed, if the package has a
     `__main__` yet.
  7. Writes bench/RESULTS.md (medians, ratios mock/Prism, targets, start-up, peak RSS, versions,
     machine, the command and every raw round); raw wrk output and server logs go to bench/raw/.

Targets (--targets): `mock` (the mock exactly as a user starts it: validation, auth, in-memory
state, access log on; stderr to a file), `prism` (Prism 5.16.0, `-v error`), `mock-sqlite` (the
mock with `--state FILE`), `mock-w2` (the mock with `--workers 2 --state FILE`, shared file).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.metadata
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/writes.py, also when loaded by path
import writes

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
LUA = BENCH / "put.lua"
SPEC = REPO / "openapi" / "relation.yaml"
PRISM_VERSION = "5.16.0"
PRISM_DIR = REPO / ".cache" / "prism"
PRISM_JS = PRISM_DIR / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js"
PATH = "/api/v1/Relation/918"
ALL_TARGETS = ("mock", "prism", "mock-sqlite", "mock-w2", "upstream", "proxy", "prism-proxy")
BASELINE = "prism"
# The validating proxies (`python -m mockserver --proxy`, `prism proxy`) in front of one upstream (the
# mock, `--quiet`), which is measured directly too ("upstream") for the latency a proxy adds.
PROXY_TARGETS = ("upstream", "proxy", "prism-proxy")
PROXY_BASELINE = "prism-proxy"
RAW_FILES = ("wrk-*.txt", "mock*.log", "prism*.log", "contracts.txt")
# The goals, as ratios measured in one run.
GOAL_RPS_RATIO = 2.0  # mock rps / Prism rps at 32 connections
GOAL_P99_RATIO = 1.0  # mock p99 / Prism p99 at 32 connections (at most)
GOAL_RSS_MB = 80.0  # peak RSS of one worker
GOAL_STARTUP_S = 0.5  # spawn to first answer
GOAL_CONTRACTS_S = 60.0
PACKAGES = (
    "connexion",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "orjson",
    "jsonschema-rs",
    "jsonschema",
)
SUMMARY = re.compile(
    r"rps=(?P<rps>[\d.]+) p50_ms=(?P<p50>[\d.]+) p99_ms=(?P<p99>[\d.]+) "
    r"non2xx=(?P<non2xx>\d+) errors=(?P<errors>\d+)"
)


def say(message: str) -> None:
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()


class BenchError(RuntimeError):
    """A reason the benchmark cannot run, with the fix."""


# -- arguments ---------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _seconds(text: str) -> int:
    """`10`, `10s` or `1m` -> seconds (1..300, wrk's range in the shared script)."""
    found = re.fullmatch(r"(\d+)(s|m)?", text.strip())
    if not found:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 10, 10s or 1m")
    value = int(found.group(1)) * (60 if found.group(2) == "m" else 1)
    if not 1 <= value <= 300:
        raise argparse.ArgumentTypeError(f"{text!r}: a duration must be 1..300 seconds")
    return value


def _connections(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers") from None
    if not values or any(not 1 <= value <= 512 for value in values):
        raise argparse.ArgumentTypeError(f"{text!r}: connection counts must be 1..512")
    return values


def _targets(text: str) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [value for value in values if value not in ALL_TARGETS]
    if unknown or not values:
        raise argparse.ArgumentTypeError(
            f"unknown target(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(ALL_TARGETS)}"
        )
    if any(value in ("proxy", "prism-proxy") for value in values):  # a proxy needs its upstream, first
        values = ("upstream", *(value for value in values if value != "upstream"))
    return values


def _writes(text: str) -> tuple[str, ...]:
    try:
        return writes.parse_operations(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="The mock against Prism 5.16.0 on openapi/relation.yaml; writes bench/RESULTS.md.",
    )
    parser.add_argument("--duration", type=_seconds, default=10, help="seconds per round (default 10)")
    parser.add_argument("--rounds", type=_positive_int, default=3, help="rounds per target (default 3)")
    parser.add_argument(
        "--connections", type=_connections, default=(32, 1), help="comma-separated (default 32,1)"
    )
    parser.add_argument("--threads", type=_positive_int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--warmup", type=int, default=3, help="unrecorded seconds per target and connection count (default 3)"
    )
    parser.add_argument(
        "--targets",
        type=_targets,
        default=ALL_TARGETS,
        help=f"comma-separated subset of {','.join(ALL_TARGETS)} (default all)",
    )
    parser.add_argument(
        "--startups",
        type=int,
        default=3,
        help="extra cold starts per target timed before the load (default 3)",
    )
    parser.add_argument(
        "--writes",
        type=_writes,
        default=writes.OPERATIONS,
        help="POST/PATCH rows on fresh servers: post,patch (default), one of them, or none",
    )
    parser.add_argument("--skip-contracts", action="store_true", help="do not time `python -m contracts`")
    parser.add_argument("--contracts-timeout", type=_positive_int, default=900, help="seconds (default 900)")
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--raw-dir", type=Path, default=BENCH / "raw", help="wrk output and server logs")
    parser.add_argument(
        "--no-install", action="store_true", help="fail instead of installing wrk or Prism when missing"
    )
    parser.add_argument(
        "--source",
        type=Path,
        help="run the mock targets' `python -m mockserver` from this folder (a scratch copy with changes)",
    )
    args = parser.parse_args(argv)
    if args.warmup < 0 or args.startups < 0:
        parser.error("--warmup and --startups must be 0 or more")
    return args


# -- tools -------------------------------------------------------------------------------------------


def run_quiet(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)


def ensure_wrk(no_install: bool) -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if no_install or not shutil.which("apt-get"):
        raise BenchError("wrk is not installed; install it (e.g. `apt-get install -y wrk`) and run again.")
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is None:
        raise BenchError("wrk is missing and this user cannot run apt-get; `sudo apt-get install -y wrk`.")
    say("installing wrk with apt-get")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        done = run_quiet([*sudo, *cmd], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if done.returncode != 0:
            raise BenchError(f"`{' '.join(cmd)}` failed:\n{done.stderr[-2000:]}")
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get installed wrk but it is not on PATH.")
    return found


def installed_prism_version() -> str | None:
    manifest = PRISM_JS.parent.parent / "package.json"
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None


def ensure_prism(no_install: bool) -> str:
    node = shutil.which("node")
    if not node:
        raise BenchError("Node.js is not installed; Prism needs it (e.g. `apt-get install -y nodejs npm`).")
    if PRISM_JS.is_file() and installed_prism_version() == PRISM_VERSION:
        return node
    npm = shutil.which("npm")
    if no_install or not npm:
        raise BenchError(
            f"Prism {PRISM_VERSION} is not in {PRISM_DIR} and npm is not available to install it."
        )
    say(f"installing @stoplight/prism-cli@{PRISM_VERSION} into {PRISM_DIR.relative_to(REPO)}")
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    done = run_quiet(
        [
            npm,
            "install",
            "--prefix",
            str(PRISM_DIR),
            "--no-audit",
            "--no-fund",
            "--silent",
            f"@stoplight/prism-cli@{PRISM_VERSION}",
        ],
        timeout=900,
    )
    if done.returncode != 0 or installed_prism_version() != PRISM_VERSION:
        raise BenchError(f"npm could not install Prism {PRISM_VERSION}:\n{done.stderr[-2000:]}")
    return node


# -- the seed request ----------------------------------------------------------------------------------


def seed_request(lua: Path = LUA) -> tuple[bytes, dict[str, str]]:
    """The body and headers wrk sends, read from the Lua script so the probe sends the same request."""
    try:
        return writes.lua_request(lua)
    except ValueError as exc:
        raise BenchError(str(exc)) from exc


@dataclass
class Answer:
    status: int
    length: int
    content_type: str
    excerpt: str


def probe(port: int, body: bytes, headers: dict[str, str], timeout: float = 2.0) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("PUT", PATH, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return Answer(
            response.status,
            len(data),
            response.getheader("content-type", ""),
            data[:400].decode("utf-8", "replace"),
        )
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- processes and memory ----------------------------------------------------------------------------


def _status_kb(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds_split(pids: list[int]) -> tuple[float, float]:
    """(user, system) CPU seconds used so far by these processes (from /proc/PID/stat)."""
    user = system = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rpartition(")")[2].split()
        except OSError:
            continue
        user += int(fields[11])  # utime and stime: fields 14 and 15 of /proc/PID/stat
        system += int(fields[12])
    return user / TICK, system / TICK


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes."""
    return sum(cpu_seconds_split(pids))


def descendants(pid: int) -> list[int]:
    """pid and every process below it (uvicorn's workers), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(parents.get(current, []))
    return out


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


# -- load --------------------------------------------------------------------------------------------


@dataclass
class Round:
    round: int
    connections: int
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    errors: int
    cpu_ms_per_req: float = float("nan")  # server CPU (user + system, whole process tree) per answer
    cpu_busy: float = float("nan")  # server CPU seconds per second of load (1.0 = one core)


def parse_summary(output: str) -> dict[str, float]:
    found = SUMMARY.search(output)
    if not found:
        raise BenchError(f"wrk printed no summary line:\n{output[-2000:]}")
    return {key: float(value) for key, value in found.groupdict().items()}


def wrk_command(
    wrk: str, port: int, seconds: int, connections: int, threads: int, lua: Path = LUA, path: str = PATH
) -> list[str]:
    return [
        wrk,
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(lua),
        f"http://127.0.0.1:{port}{path}",
    ]


def run_wrk(
    wrk: str,
    server: Server,
    seconds: int,
    connections: int,
    threads: int,
    raw: Path,
    tag: str,
    lua: Path = LUA,
    path: str = PATH,
) -> dict[str, float]:
    cmd = wrk_command(wrk, server.port, seconds, connections, threads, lua, path)
    pids = server.pids()
    cpu_before = cpu_seconds(pids)
    done = run_quiet(cmd, timeout=seconds + 60)
    cpu = cpu_seconds(pids) - cpu_before
    (raw / f"wrk-{tag}.txt").write_text(f"$ {shlex.join(cmd)}\n{done.stdout}{done.stderr}", encoding="utf-8")
    if done.returncode != 0:
        raise BenchError(f"wrk failed against {server.name} ({done.returncode}):\n{done.stderr[-2000:]}")
    got = parse_summary(done.stdout)
    got["cpu_busy"] = cpu / seconds
    got["cpu_ms_per_req"] = 1000 * cpu / max(got["rps"] * seconds, 1)
    return got


def workers_consistency(port: int, body: bytes, headers: dict[str, str], reads: int = 20) -> str:
    """PUT a marker Comment, then GET it back on `reads` fresh connections (spread over the workers)."""
    marker = f"bench-{os.getpid()}-{time.time_ns()}"
    entity = json.loads(body)
    entity["Comment"] = marker
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("PUT", PATH, body=json.dumps(entity).encode(), headers=headers)
        status = conn.getresponse()
        status.read()
        if status.status != 200:
            return f"marker PUT answered {status.status}"
    finally:
        conn.close()
    seen = 0
    for _ in range(reads):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", PATH, headers={k: v for k, v in headers.items() if k != "Content-Type"})
            got = conn.getresponse()
            data = got.read()
            if got.status == 200 and json.loads(data).get("Comment") == marker:
                seen += 1
        finally:
            conn.close()
    return f"{seen}/{reads} GETs on fresh connections saw the marker PUT"


def proxy_checks(port: int) -> dict[str, Any]:
    """The proxy's own account of the load: exchanges, violations, and what checking cost per exchange."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/__admin/violations")
        listing = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    listing["Kinds"] = sorted(
        {f"{v['Side']} {v['Check']} {v['Location']}" for v in listing.get("Violations", [])}
    )
    return listing


# -- contract suite ------------------------------------------------------------------------------------


@dataclass
class ContractRun:
    status: str
    seconds: float | None = None
    returncode: int | None = None
    command: str = ""
    tail: str = ""


def time_contracts(timeout: int, raw: Path) -> ContractRun:
    if not (REPO / "contracts" / "__main__.py").is_file():
        return ContractRun(
            "skipped: contracts/__main__.py does not exist yet, so `python -m contracts` cannot run"
        )
    cmd = [sys.executable, "-m", "contracts"]
    say(f"timing the contract suite's default run: {shlex.join(cmd)}")
    started = time.perf_counter()
    try:
        done = run_quiet(cmd, cwd=REPO, timeout=timeout)
    except subprocess.TimeoutExpired:
        return ContractRun(f"timed out after {timeout} s", float(timeout), None, shlex.join(cmd))
    seconds = time.perf_counter() - started
    (raw / "contracts.txt").write_text(done.stdout + done.stderr, encoding="utf-8")
    tail = "\n".join((done.stdout.strip() or done.stderr.strip()).splitlines()[-4:])  # its summary
    return ContractRun("ran", seconds, done.returncode, shlex.join(cmd), tail)


# -- facts about the machine -------------------------------------------------------------------------


def machine_facts(wrk: str | None, node: str | None) -> dict[str, str]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    facts = {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu or platform.processor() or "unknown",
        "kernel": platform.release(),
        "python": platform.python_version(),
    }
    with contextlib.suppress(OSError, ValueError):
        total = next(
            line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
        )
        facts["memory"] = f"{int(total.split()[1]) / 1024 / 1024:.1f} GiB"
    if node:
        facts["node"] = run_quiet([node, "--version"]).stdout.strip()
    if wrk:
        first = (run_quiet([wrk, "-v"]).stdout + run_quiet([wrk, "-v"]).stderr).strip().splitlines()
        facts["wrk"] = first[0] if first else "unknown"
    return facts


def versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["prism-cli"] = installed_prism_version() or "not installed"
    return out


def git_facts() -> str:
    head = run_quiet(["git", "rev-parse", "--short", "HEAD"], cwd=REPO).stdout.strip() or "unknown"
    dirty = run_quiet(
        ["git", "status", "--porcelain", "--", "mockserver", "openapi"], cwd=REPO
    ).stdout.strip()
    return f"{head}" + (
        " + uncommitted changes in mockserver/ or openapi/" if dirty else " (clean mockserver/, openapi/)"
    )


# -- report ------------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # NaN
        return "n/a"
    return f"{value:,.{digits}f}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


@dataclass
class Outcome:
    args: argparse.Namespace
    argv: list[str]
    rounds: list[Round]
    servers: dict[str, Server]
    startups: dict[str, list[float]]
    startup_rss_kb: dict[str, list[int]]
    startup_cpu: dict[str, list[float]]
    answers: dict[str, list[tuple[str, Answer]]]
    consistency: str | None
    contracts: ContractRun
    machine: dict[str, str]
    versions: dict[str, str]
    git: str
    began: datetime
    wall_s: float
    proxy_listing: dict[str, Any] = field(default_factory=dict)  # the proxy's GET /__admin/violations
    write_outcome: writes.WriteOutcome = field(default_factory=writes.WriteOutcome)  # POST and PATCH rows


def medians(rounds: list[Round], target: str, connections: int) -> dict[str, float]:
    rows = [r for r in rounds if r.target == target and r.connections == connections]
    return {
        "rps": median([r.rps for r in rows]),
        "p50": median([r.p50_ms for r in rows]),
        "p99": median([r.p99_ms for r in rows]),
        "cpu": median([r.cpu_ms_per_req for r in rows]),
        "busy": median([r.cpu_busy for r in rows]),
        "non2xx": sum(r.non2xx for r in rows),
        "errors": sum(r.errors for r in rows),
        "n": len(rows),
    }


PRISM_NOTES = {
    401: "Prism answers 401 when the request's credentials do not match the spec's securitySchemes "
    "(the seed sends Basic; check the Basic scheme in openapi/relation.yaml).",
    422: "Prism answers 422 when it finds the request body invalid against the spec's requestBody schema.",
    400: "Prism answers 400 for a request it finds invalid (parameters or body).",
    415: "Prism answers 415 when the request's Content-Type is not in the requestBody content map.",
    406: "Prism answers 406 when no response media type matches Accept.",
}


def row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def render(out: Outcome) -> str:
    a = out.args
    targets = [t for t in a.targets if t in out.servers]
    mocks = [t for t in targets if t != BASELINE and t not in PROXY_TARGETS]
    has_prism = BASELINE in targets
    c32 = 32 if 32 in a.connections else a.connections[0]
    lines: list[str] = []
    add = lines.append
    command = shlex.join([".venv/bin/python", "bench/run.py", *out.argv])
    add("# Benchmark: relation mock vs Prism 5.16.0")
    add("")
    add(
        f"Generated by `bench/run.py` on {out.began:%Y-%m-%d %H:%M} UTC in {out.wall_s / 60:.1f} min. "
        f"Command: `{command}` (`make bench` runs it with `ARGS` appended)."
    )
    add("")
    add(
        f"Load: wrk with `bench/put.lua` (the seed ContactRelationEntity PUT to `{PATH}`: JSON body, Basic "
        f"credentials), {a.rounds} rounds of {a.duration} s per target and connection count "
        f"({', '.join(map(str, a.connections))}), wrk threads = min({a.threads}, connections), "
        f"the target order reversed every round, after {a.warmup} s of unrecorded warm-up per target "
        "and connection count. "
        f"The servers and wrk share the same {out.machine.get('nproc')} CPUs. Spec: `openapi/relation.yaml`; "
        f"code: {out.git}" + (f"; the mock targets ran from `{a.source}`." if a.source else ".")
    )
    add("")
    add("## Medians")
    add("")
    add(
        row(
            "target",
            "conns",
            "req/s",
            "p50 ms",
            "p99 ms",
            "req/s vs Prism",
            "p99 vs Prism",
            "server CPU ms/answer",
            "server CPU cores",
            "non-2xx",
            "socket errors",
        )
    )
    add(row("---", *["---:"] * 10))
    for c in a.connections:
        for t in targets:
            base_name = PROXY_BASELINE if t == "proxy" else None if t in PROXY_TARGETS else BASELINE
            base = medians(out.rounds, base_name, c) if base_name in targets else None
            m = medians(out.rounds, t, c)
            vs = base is not None and t != base_name
            add(
                row(
                    t,
                    c,
                    fmt(m["rps"]),
                    fmt(m["p50"], 2),
                    fmt(m["p99"], 2),
                    ratio(m["rps"] / base["rps"] if vs else None),
                    ratio(m["p99"] / base["p99"] if vs else None),
                    fmt(m["cpu"], 3),
                    fmt(m["busy"], 2),
                    int(m["non2xx"]),
                    int(m["errors"]),
                )
            )
    add("")
    add(
        "Server CPU is user + system time of the server's whole process tree during the round, from "
        "/proc: per answer it is the figure least disturbed by other work on the machine."
    )
    add("")
    lines += writes.render(out.write_outcome, a.rounds, a.duration)
    if "proxy" in targets and PROXY_BASELINE in targets:
        lines += render_proxy(out, targets)
    add("## Goals (issue 6), from this run")
    add("")
    add(row("goal", "target", "measured", "verdict"))
    add(row("---", "---", "---", "---"))
    for t in mocks:
        m = medians(out.rounds, t, c32)
        if has_prism:
            b = medians(out.rounds, BASELINE, c32)
            r = m["rps"] / b["rps"]
            add(
                row(
                    f"req/s >= {GOAL_RPS_RATIO:g}x Prism's at c{c32}",
                    t,
                    f"{r:.2f}x ({fmt(m['rps'])} vs {fmt(b['rps'])})",
                    verdict(r >= GOAL_RPS_RATIO),
                )
            )
            p = m["p99"] / b["p99"]
            add(
                row(
                    f"p99 <= Prism's at c{c32}",
                    t,
                    f"{p:.2f}x ({fmt(m['p99'], 2)} vs {fmt(b['p99'], 2)} ms)",
                    verdict(p <= GOAL_P99_RATIO),
                )
            )
            add(
                row(
                    f"(info) server CPU per answer vs Prism's at c{c32}",
                    t,
                    f"{m['cpu'] / b['cpu']:.2f}x ({fmt(m['cpu'], 3)} vs {fmt(b['cpu'], 3)} ms)",
                    "-",
                )
            )
        rss = out.servers[t].worker_peak_kb / 1024
        add(
            row(f"peak RSS <= {GOAL_RSS_MB:g} MB per worker", t, f"{rss:.1f} MB", verdict(rss <= GOAL_RSS_MB))
        )
        st = median(out.startups.get(t, []))
        add(
            row(
                f"first answer <= {GOAL_STARTUP_S:g} s after start",
                t,
                f"{st:.2f} s",
                verdict(st <= GOAL_STARTUP_S),
            )
        )
    if "proxy" in targets and PROXY_BASELINE in targets:
        for c in a.connections:
            px, pr = medians(out.rounds, "proxy", c), medians(out.rounds, PROXY_BASELINE, c)
            r = px["rps"] / pr["rps"]
            add(
                row(
                    f"proxy req/s >= Prism proxy's at c{c} (issue 11)",
                    "proxy",
                    f"{r:.2f}x ({fmt(px['rps'])} vs {fmt(pr['rps'])})",
                    verdict(r >= 1.0),
                )
            )
    cr = out.contracts
    goal = f"contract suite default run <= {GOAL_CONTRACTS_S:g} s"
    if cr.seconds is not None:
        ok = cr.seconds <= GOAL_CONTRACTS_S and cr.returncode in (0, 1)
        add(row(goal, "mock", f"{cr.seconds:.1f} s (exit {cr.returncode})", verdict(ok)))
    else:
        add(row(goal, "mock", cr.status, "n/a"))
    add("")
    add("## Start-up and memory")
    add("")
    add(
        "Start-up: from spawning the process to the first HTTP answer to the seed PUT (polled every 5 ms), "
        f"{a.startups} cold starts plus the one used for the load; CPU: what the process tree used by then. "
        "Peak RSS: the kernel's VmHWM of each process over its whole life (start-up and every round), "
        "read from /proc; for `--workers 2` the largest process, and the sampled peak sum of VmRSS over "
        "the supervisor and its workers."
    )
    add("")
    add(
        row(
            "target",
            "start-up median s",
            "start-up samples s",
            "CPU s by first answer",
            "RSS at first answer MB",
            "peak RSS MB (one process)",
            "peak RSS MB (tree, sampled)",
            "processes",
        )
    )
    add(row("---", "---:", "---", "---:", "---:", "---:", "---:", "---:"))
    for t in targets:
        s = out.servers[t]
        samples = out.startups.get(t, [])
        add(
            row(
                t,
                f"{median(samples):.2f}",
                ", ".join(f"{x:.2f}" for x in samples),
                f"{median(out.startup_cpu.get(t, [])):.2f}",
                f"{median([kb / 1024 for kb in out.startup_rss_kb.get(t, [])]):.1f}",
                f"{s.worker_peak_kb / 1024:.1f}",
                f"{s.peak_total_kb / 1024:.1f}",
                len(s.hwm_kb),
            )
        )
    if has_prism:
        add("")
        prism_rss = max(out.servers[BASELINE].worker_peak_kb, 1)
        prism_start = max(median(out.startups.get(BASELINE, [])), 1e-9)
        for t in mocks:
            add(
                f"- {t}: peak RSS {out.servers[t].worker_peak_kb / prism_rss:.2f}x Prism's; "
                f"start-up {median(out.startups.get(t, [])) / prism_start:.2f}x Prism's."
            )
    add("")
    add("## Answers checked")
    add("")
    add(
        "The seed PUT (the body and headers wrk sends) is sent once when each server first answers and "
        "once after the last round; wrk's counters cover every request of every round (`non-2xx` is "
        "wrk's status > 399 counter)."
    )
    add("")
    add(row("target", "probe", "status", "content-type", "body bytes"))
    add(row("---", "---", "---:", "---", "---:"))
    for t in targets:
        for when, ans in out.answers.get(t, []):
            add(row(t, when, ans.status, ans.content_type, ans.length))
    bad = [(t, when, ans) for t in targets for when, ans in out.answers.get(t, []) if ans.status != 200]
    failed = {t: sum(r.non2xx + r.errors for r in out.rounds if r.target == t) for t in targets}
    add("")
    if not bad and not any(failed.values()):
        add("Every probe was answered 200 and every round had non-2xx = 0 and socket errors = 0.")
    for t, when, ans in bad:
        note = PRISM_NOTES.get(ans.status, "") if t == BASELINE else ""
        add(f"- **{t} answered {ans.status} ({when})**: {note} Body: `{ans.excerpt[:300]}`")
    for t, n in failed.items():
        if n:
            add(f"- **{t}: {n} non-2xx answers or socket errors in the rounds** (Raw rounds; `{a.raw_dir}`).")
    if has_prism and out.answers.get(BASELINE) and out.answers.get("mock"):
        p, m = out.answers[BASELINE][0][1], out.answers["mock"][0][1]
        add("")
        add(
            f"The answers differ in size: the mock sends {m.length} bytes (the stored relation with "
            f"`TableRight`, `FieldProperties` and `_Links` computed for this id), Prism {p.length} bytes "
            "(the spec's 200 example; Prism stores nothing)."
        )
    if out.consistency:
        add("")
        add(f"`--workers 2` sharing one `--state` file: {out.consistency}.")
    add("")
    add("## Contract suite")
    add("")
    if cr.seconds is None:
        add(f"Not timed: {cr.status}.")
    else:
        add(
            f"`{cr.command}` (its default run: no `--url`, so it starts the mock itself): "
            f"{cr.seconds:.1f} s wall, exit code {cr.returncode}. Last lines of its output:"
        )
        add("")
        add("```")
        add(cr.tail)
        add("```")
    add("")
    add("## Machine and versions")
    add("")
    for key, value in [*out.machine.items(), *out.versions.items()]:
        add(f"- {key}: {value}")
    add("")
    add(
        "Server command lines (ports are picked free at run time; each server's stdout and stderr, the "
        f"mock's access log included, go to `{a.raw_dir}/<target>.log`):"
    )
    add("")
    for t in targets:
        add(f"- {t}: `{shlex.join(shown_command(out.servers[t].cmd))}`")
    wrk = wrk_command("wrk", 0, a.duration, c32, a.threads)
    wrk[-2] = "bench/put.lua"
    wrk[-1] = f"http://127.0.0.1:PORT{PATH}"
    add(f"- wrk: `{shlex.join(wrk)}`")
    add("")
    add("## Raw rounds")
    add("")
    add(
        row(
            "round",
            "conns",
            "target",
            "req/s",
            "p50 ms",
            "p99 ms",
            "server CPU ms/answer",
            "server CPU cores",
            "non-2xx",
            "socket errors",
        )
    )
    add(row("---:", "---:", "---", *["---:"] * 7))
    for r in out.rounds:
        add(
            row(
                r.round,
                r.connections,
                r.target,
                fmt(r.rps),
                fmt(r.p50_ms, 2),
                fmt(r.p99_ms, 2),
                fmt(r.cpu_ms_per_req, 3),
                fmt(r.cpu_busy, 2),
                r.non2xx,
                r.errors,
            )
        )
    add("")
    return "\n".join(lines)


def render_proxy(out: Outcome, targets: list[str]) -> list[str]:
    """The validating proxy against Prism's proxy, both in front of the same upstream (issue 11)."""
    lines = [
        "## Validating proxy vs Prism's proxy",
        "",
        "`python -m mockserver --proxy URL` (openapi-core on every request and answer, the spec's worded "
        "promises, access log on) and `prism proxy` (`-v error`) in front of the same upstream: the mock "
        "(`--quiet`), which is also loaded directly (`upstream`). Added latency: the proxy's p50 minus the "
        "upstream's own at the same load. Server CPU: the proxy's process alone (the upstream's is not "
        "counted).",
        "",
        row(
            "conns",
            "upstream req/s",
            "upstream p50 ms",
            "proxy req/s",
            "Prism proxy req/s",
            "proxy / Prism",
            "added p50 ms: proxy",
            "added p50 ms: Prism",
            "p99 ms: proxy / Prism",
            "CPU ms/answer: proxy / Prism",
        ),
        row("---:", *["---:"] * 9),
    ]
    for c in out.args.connections:
        up, px, pr = (medians(out.rounds, t, c) for t in ("upstream", "proxy", PROXY_BASELINE))
        lines.append(
            row(
                c,
                fmt(up["rps"]),
                fmt(up["p50"], 2),
                fmt(px["rps"]),
                fmt(pr["rps"]),
                ratio(px["rps"] / pr["rps"]),
                fmt(px["p50"] - up["p50"], 2),
                fmt(pr["p50"] - up["p50"], 2),
                f"{fmt(px['p99'], 2)} / {fmt(pr['p99'], 2)}",
                f"{fmt(px['cpu'], 3)} / {fmt(pr['cpu'], 3)}",
            )
        )
    listing = out.proxy_listing
    cost = listing.get("Validation", {})
    lines += [
        "",
        f"The proxy checked {cost.get('Exchanges', 'n/a')} exchanges: openapi-core "
        f"{cost.get('OpenApiCoreMsPerExchange', 'n/a')} ms per exchange (request and answer; the request "
        "check is remembered for identical requests, as wrk sends), the worded promises "
        f"{cost.get('PromisesMsPerExchange', 'n/a')} ms. Violations it saw: "
        f"{len(listing.get('Violations', []))} listed"
        + (f" ({'; '.join(listing['Kinds'])})" if listing.get("Kinds") else "")
        + ".",
        "",
    ]
    return lines


def shown_command(cmd: list[str]) -> list[str]:
    """A server's command line with the interpreter and the repository's paths shortened."""
    out = []
    for i, part in enumerate(cmd):
        if i == 0:
            part = Path(part).name
        elif part.startswith(str(REPO) + "/"):
            part = part[len(str(REPO)) + 1 :]
        out.append(part)
    return out


# -- main --------------------------------------------------------------------------------------------


def write_rows(
    args: argparse.Namespace, wrk: str, node: str | None, raw: Path, body: bytes, headers: dict[str, str]
) -> writes.WriteOutcome:
    """The POST and PATCH rows (bench/writes.py), each operation on fresh servers of its own."""
    state_dir = Path(tempfile.mkdtemp(prefix="relation-bench-writes-"))

    def make_server(target: str, operation: str) -> Server:
        server = make_servers((target,), node, raw, state_dir)[target]
        server.log = raw / f"{target}-{operation}.log"
        if args.source and target != BASELINE:
            server.cwd = args.source.resolve()
        return server

    def load(server: Server, seconds: int, connections: int, tag: str, **workload: Any) -> dict[str, float]:
        return run_wrk(wrk, server, seconds, connections, args.threads, raw, tag, **workload)

    try:
        return writes.WriteBench(make_server, load, say, (body, headers)).run(args, args.targets)
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    began = datetime.now(UTC)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    if args.rounds < 3:
        say(f"only {args.rounds} round(s): the issue asks for at least 3")
    try:
        wrk = ensure_wrk(args.no_install)
        prism = "prism" in args.targets or "prism-proxy" in args.targets
        node = ensure_prism(args.no_install) if prism else shutil.which("node")
    except BenchError as exc:
        say(str(exc))
        return 2
    body, headers = seed_request()
    raw = args.raw_dir if args.raw_dir.is_absolute() else REPO / args.raw_dir
    raw.mkdir(parents=True, exist_ok=True)
    for pattern in RAW_FILES:  # only what an earlier run wrote: --raw-dir may be any folder
        for old in raw.glob(pattern):
            old.unlink()
    state_dir = Path(tempfile.mkdtemp(prefix="relation-bench-"))
    servers = make_servers(args.targets, node, raw, state_dir)
    if args.source:
        for server in servers.values():
            if server.name != BASELINE:
                server.cwd = args.source.resolve()
    startups: dict[str, list[float]] = {t: [] for t in args.targets}
    startup_rss: dict[str, list[int]] = {t: [] for t in args.targets}
    startup_cpu: dict[str, list[float]] = {t: [] for t in args.targets}
    answers: dict[str, list[tuple[str, Answer]]] = {t: [] for t in args.targets}
    rounds: list[Round] = []
    consistency = None
    proxy_listing: dict[str, Any] = {}
    sampler = Sampler(list(servers.values()))
    try:
        for i in range(args.startups):
            for t in args.targets:
                s = servers[t]
                s.start(body, headers)
                if s.shared and startups[t]:
                    continue  # the proxies' upstream starts once
                startups[t].append(s.startup_s)
                startup_rss[t].append(s.worker_peak_kb)
                startup_cpu[t].append(s.startup_cpu_s)
                say(f"cold start {i + 1}/{args.startups} {t}: {s.first.status} after {s.startup_s:.2f} s")
                s.stop()
        for t in args.targets:
            s = servers[t]
            s.start(body, headers)
            if s.shared and startups[t]:
                answers[t].append(("first answer", s.first))
                continue
            startups[t].append(s.startup_s)
            startup_rss[t].append(s.worker_peak_kb)
            startup_cpu[t].append(s.startup_cpu_s)
            answers[t].append(("first answer", s.first))
            say(f"{t} on port {s.port}: first answer {s.first.status} after {s.startup_s:.2f} s")
        sampler.start()
        if args.warmup:
            for c in args.connections:
                for t in args.targets:
                    say(f"warm-up {t} c{c} {args.warmup} s")
                    run_wrk(wrk, servers[t], args.warmup, c, args.threads, raw, f"warmup-{t}-c{c}")
        for r in range(1, args.rounds + 1):
            order = list(args.targets) if r % 2 else list(reversed(args.targets))
            for c in args.connections:
                for t in order:
                    got = run_wrk(wrk, servers[t], args.duration, c, args.threads, raw, f"r{r}-{t}-c{c}")
                    rounds.append(
                        Round(
                            r,
                            c,
                            t,
                            got["rps"],
                            got["p50"],
                            got["p99"],
                            int(got["non2xx"]),
                            int(got["errors"]),
                            got["cpu_ms_per_req"],
                            got["cpu_busy"],
                        )
                    )
                    say(
                        f"round {r}/{args.rounds} c{c} {t}: {got['rps']:.0f} req/s p50 {got['p50']:.2f} ms "
                        f"p99 {got['p99']:.2f} ms non2xx {int(got['non2xx'])} errors {int(got['errors'])}"
                    )
        for t in args.targets:
            answers[t].append(("after the load", probe(servers[t].port, body, headers)))
        if "mock-w2" in servers:
            consistency = workers_consistency(servers["mock-w2"].port, body, headers)
        if "proxy" in servers:
            proxy_listing = proxy_checks(servers["proxy"].port)
    except BenchError as exc:
        say(str(exc))
        return 2
    finally:
        sampler.halt.set()
        for s in servers.values():
            s.halt()
        shutil.rmtree(state_dir, ignore_errors=True)
    write_outcome = writes.WriteOutcome()
    if args.writes:
        try:
            write_outcome = write_rows(args, wrk, node, raw, body, headers)
        except RuntimeError as exc:  # BenchError included
            say(f"POST/PATCH rows: {exc}")
            return 2
    contracts = (
        ContractRun("skipped with --skip-contracts")
        if args.skip_contracts
        else time_contracts(args.contracts_timeout, raw)
    )
    outcome = Outcome(
        args=args,
        argv=argv,
        rounds=rounds,
        servers=servers,
        startups=startups,
        startup_rss_kb=startup_rss,
        startup_cpu=startup_cpu,
        answers=answers,
        consistency=consistency,
        proxy_listing=proxy_listing,
        write_outcome=write_outcome,
        contracts=contracts,
        machine={
            **machine_facts(wrk, node),
            "load average (1/5/15 min) before / after the run": " / ".join(
                ", ".join(f"{x:.2f}" for x in load) for load in (load_before, os.getloadavg())
            ),
        },
        versions=versions(),
        git=git_facts(),
        began=began,
        wall_s=time.perf_counter() - t0,
    )
    output = args.output if args.output.is_absolute() else REPO / args.output
    output.write_text(render(outcome), encoding="utf-8")
    say(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
