"""The shared mock's rows of `make bench`: PUT and GET on one SQLite process (`--state FILE`) against
1, 2 and 4 replicas sharing one PostgreSQL, all on this machine's cores (the database too).

PostgreSQL is started for the run (initdb and pg_ctl in a temporary folder, as tests/postgres does),
each configuration gets a fresh database, and its URL reaches the replicas through
RELATION_MOCK_STATE, so that no log holds the password. The load is `--connections`' first count in
all, split evenly over the replicas, one wrk per replica at the same time; a row's requests/s is the
sum of theirs and its p99 the worst of theirs, the median of `--rounds` rounds of `--duration` s after
a `--warmup`. Without PostgreSQL's server binaries the rows are left out with the reason.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paths import BENCH, LUA, REPO
from servers import Server, free_port
from wrk_runs import run_wrk

sys.path.insert(0, str(REPO))
from tests.postgres.server import INSTALL, PostgresServer, binaries

REPLICAS = (1, 2, 4)
LOADS = {"PUT": LUA, "GET": BENCH / "get.lua"}


@dataclass
class Row:
    label: str  # "SQLite, 1 process", "PostgreSQL, 2 replicas"
    operation: str
    rps: float
    p99: float
    non2xx: int
    errors: int


@dataclass
class ReplicaOutcome:
    rows: list[Row] = field(default_factory=list)
    note: str = ""


def _mock(name: str, raw: Path, cmd_tail: list[str], env: dict[str, str]) -> Server:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "mockserver",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--quiet",
        *cmd_tail,
    ]
    return Server(name, port, cmd, raw / f"{name}.log", env=env)


def _load(
    wrk: str,
    servers: list[Server],
    seconds: int,
    connections: int,
    threads: int,
    raw: Path,
    lua: Path,
    tag: str,
) -> dict[str, float]:
    """One wrk per server at the same time, the connections split evenly; summed rps, worst p99."""
    results: list[dict[str, float]] = []
    errors: list[BaseException] = []
    each = max(1, connections // len(servers))

    def one(server: Server) -> None:
        try:
            results.append(run_wrk(wrk, server, seconds, each, max(1, threads // len(servers)), raw,
                                   f"{tag}-{server.name}", lua=lua))  # fmt: skip
        except BaseException as exc:
            errors.append(exc)

    threads_ = [threading.Thread(target=one, args=(server,)) for server in servers]
    for thread in threads_:
        thread.start()
    for thread in threads_:
        thread.join()
    if errors:
        raise errors[0]
    return {
        "rps": sum(r["rps"] for r in results),
        "p99": max(r["p99"] for r in results),
        "non2xx": sum(r["non2xx"] for r in results),
        "errors": sum(r["errors"] for r in results),
    }


def run(
    args: Any, wrk: str, raw: Path, body: bytes, headers: dict[str, str], say: Callable[[str], None]
) -> ReplicaOutcome:
    found = binaries()
    if found is None:
        return ReplicaOutcome(note=f"left out: PostgreSQL's server binaries were not found; {INSTALL}")
    connections = args.connections[0]
    outcome = ReplicaOutcome()
    postgres = PostgresServer(found)
    state_dir = Path(tempfile.mkdtemp(prefix="relation-bench-replicas-"))
    try:
        postgres.start()
        configurations: list[tuple[str, list[Server]]] = [
            ("SQLite, 1 process", [_mock("sqlite", raw, ["--state", str(state_dir / "one.sqlite3")], {})])
        ]
        for n in REPLICAS:
            env = {"RELATION_MOCK_STATE": postgres.fresh_database()}
            replicas = [_mock(f"pg{n}-{i + 1}", raw, [], env) for i in range(n)]
            configurations.append((f"PostgreSQL, {n} replica{'s' if n > 1 else ''}", replicas))
        for label, servers in configurations:
            try:
                for server in servers:
                    server.start(body, headers)
                for operation, lua in LOADS.items():
                    tag = f"replicas-{operation.lower()}-{servers[0].name}"
                    if args.warmup:
                        _load(wrk, servers, args.warmup, connections, args.threads, raw, lua, f"warmup-{tag}")
                    rounds = [
                        _load(wrk, servers, args.duration, connections, args.threads, raw, lua, f"r{r}-{tag}")
                        for r in range(1, args.rounds + 1)
                    ]
                    row = Row(
                        label,
                        operation,
                        statistics.median(r["rps"] for r in rounds),
                        statistics.median(r["p99"] for r in rounds),
                        int(sum(r["non2xx"] for r in rounds)),
                        int(sum(r["errors"] for r in rounds)),
                    )
                    outcome.rows.append(row)
                    say(f"{label} {operation} c{connections}: {row.rps:.0f} req/s p99 {row.p99:.2f} ms")
            finally:
                for server in servers:
                    server.halt()
    finally:
        postgres.destroy()
    return outcome


def render(outcome: ReplicaOutcome, prism_p99: float | None, connections: int) -> list[str]:
    lines = ["", "## The shared mock: PostgreSQL replicas against one SQLite process", ""]
    if outcome.note:
        return [*lines, outcome.note, ""]
    base = {row.operation: row.rps for row in outcome.rows if row.label.startswith("SQLite")}
    lines += [
        f"{connections} connections in all, split over the replicas (one wrk each); the database, the "
        "replicas and wrk share this machine's cores. Medians of the rounds; p99 is the worst replica's.",
        "",
        "| configuration | operation | requests/s | vs SQLite | p99 ms | non-2xx | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in outcome.rows:
        versus = row.rps / base[row.operation] if base.get(row.operation) else float("nan")
        lines.append(
            f"| {row.label} | {row.operation} | {row.rps:,.0f} | {versus:.2f}x | {row.p99:.2f} | "
            f"{row.non2xx} | {row.errors} |"
        )
    one = next((r for r in outcome.rows if r.label == "PostgreSQL, 1 replica" and r.operation == "PUT"), None)
    if one is not None and base.get("PUT"):
        met = one.rps >= base["PUT"] * 2 / 3
        lines += ["", f"- One replica's PUT against one SQLite process: {one.rps / base['PUT']:.2f}x "
                  f"(goal at least 0.67x): {'**met**' if met else '**not met**'}"]  # fmt: skip
    if prism_p99 is not None:
        worst = max((r.p99 for r in outcome.rows if r.label.startswith("PostgreSQL")), default=float("nan"))
        lines.append(
            f"- The worst PostgreSQL p99, {worst:.2f} ms, against Prism's PUT p99 at {connections} "
            f"connections, {prism_p99:.2f} ms (goal: below): "
            f"{'**met**' if worst < prism_p99 else '**not met**'}"
        )
    return [*lines, ""]
