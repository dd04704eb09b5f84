"""One benchmark run, stage by stage (bench/run.py's docstring lists them): the servers started and timed,
the warm-up and the alternating rounds, the checks, the POST/PATCH rows, the contract suite, the report."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import replicas
import writes
from facts import git_facts, machine_facts, versions
from figures import Outcome
from paths import REPO
from probes import Answer, probe, proxy_checks, seed_request, workers_consistency
from report import render
from servers import BASELINE, Sampler, Server, make_servers
from suite_timing import ContractRun, time_contracts
from toolchain import BenchError, ensure_prism, ensure_wrk, say
from wrk_runs import Round, run_wrk

RAW_FILES = ("wrk-*.txt", "mock*.log", "prism*.log", "contracts.txt")


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


def run(args: argparse.Namespace, argv: list[str]) -> int:
    """The whole run for these options (`argv`, as given, is quoted in the report); the exit code."""
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
    replica_outcome = replicas.ReplicaOutcome(note="left out with --skip-replicas")
    if not args.skip_replicas:
        try:
            replica_outcome = replicas.run(args, wrk, raw, body, headers, say)
        except RuntimeError as exc:  # BenchError included
            say(f"replica rows: {exc}")
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
        replica_outcome=replica_outcome,
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
