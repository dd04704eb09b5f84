"""What one run measured (Outcome), and the figures the report draws from it: medians per target and
connection count, ratios, and numbers and table rows as the Markdown shows them."""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import replicas
import writes
from probes import Answer
from servers import Server
from suite_timing import ContractRun
from wrk_runs import Round


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
    replica_outcome: replicas.ReplicaOutcome = field(
        default_factory=replicas.ReplicaOutcome
    )  # PostgreSQL rows


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


def row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"
