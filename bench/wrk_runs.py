"""One wrk run against a server: its command line, its summary line parsed (bench/*.lua print it), and
the server CPU it cost; a Round is one such run of the PUT load."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from paths import LUA, PATH
from procfs import cpu_seconds
from servers import Server
from toolchain import BenchError, run_quiet

SUMMARY = re.compile(
    r"rps=(?P<rps>[\d.]+) p50_ms=(?P<p50>[\d.]+) p99_ms=(?P<p99>[\d.]+) "
    r"non2xx=(?P<non2xx>\d+) errors=(?P<errors>\d+)"
)


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
