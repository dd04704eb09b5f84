"""The POST and PATCH rows of `make bench`: the mock against Prism 5.16.0 under the same load.

POST creates a relation per request, so these rows never share a server with the PUT rows: once the
PUT rounds are over, each operation gets a fresh mock (the `mock` target's command line) and a
fresh Prism, both stopped when its rounds are done; before each of the mock's rounds its store is
reset (`POST /__admin/reset`), so every round starts from the fixtures, as the PUT rounds do, and
the relations one round created cannot slow down or enlarge the next. Prism stores nothing.

The load is wrk with `bench/post.lua` (the seed relation, POSTed: each request creates one) or
`bench/patch.lua` (an RFC 6902 patch of relation 918: a `test` that holds, then a `replace` of
Comment), at the first connection count of `--connections` (32 by default), `--rounds` rounds of
`--duration` seconds after `--warmup` seconds, the target order reversed every round. Before the
load each target must answer the request 200 once (`probe`), so a row is never a row of errors.

The pieces of the PUT rows used here (servers.Server, wrk_runs.run_wrk) are handed in by `WriteBench`'s
caller (campaign.py), so that this module needs none of theirs: they import this one.
"""

from __future__ import annotations

import http.client
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
OPERATIONS = ("post", "patch")
TARGETS = ("mock", "prism")  # the rows compare these two; other targets have no POST/PATCH rows


@dataclass(frozen=True)
class Workload:
    name: str  # post, patch
    method: str
    path: str  # the request target wrk and the probe use
    lua: Path

    def request(self) -> tuple[bytes, dict[str, str]]:
        return lua_request(self.lua)


def lua_request(lua: Path) -> tuple[bytes, dict[str, str]]:
    """The body and headers a wrk script sends, read from it so that a probe sends the same request;
    ValueError when it has no body."""
    text = lua.read_text(encoding="utf-8")
    body = re.search(r"wrk\.body = \[(=*)\[(.*?)\]\1\]", text, re.S)
    if not body:
        raise ValueError(f"{lua} has no wrk.body = [[...]]")
    headers = dict(re.findall(r'wrk\.headers\["([^"]+)"\] = "([^"]*)"', text))
    auth = re.search(r'os\.getenv\("PUT_AUTH"\) or "([^"]+)"', text)
    if auth:
        headers["Authorization"] = auth.group(1)
    return body.group(2).encode(), headers


WORKLOADS = {
    "post": Workload("post", "POST", "/api/v1/Relation", BENCH / "post.lua"),
    "patch": Workload("patch", "PATCH", "/api/v1/Relation/918", BENCH / "patch.lua"),
}


def parse_operations(text: str) -> tuple[str, ...]:
    """`post,patch` (the default), one of them, or `none`; anything else raises ValueError."""
    values = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    if values == ("none",):
        return ()
    unknown = [value for value in values if value not in OPERATIONS]
    if unknown or not values:
        raise ValueError(
            f"unknown operation(s) {', '.join(unknown) or '(none)'}; choose from post, patch or none"
        )
    return values


@dataclass
class Answer:
    status: int
    body: bytes


def send(
    port: int, method: str, path: str, body: bytes, headers: dict[str, str], timeout: float = 5.0
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return Answer(response.status, response.read())
    finally:
        conn.close()


def probe(port: int, workload: Workload) -> Answer:
    body, headers = workload.request()
    return send(port, workload.method, workload.path, body, headers)


def reset(port: int) -> None:
    """The mock's store back to its fixtures (and its sequence of ids back to the start)."""
    answer = send(port, "POST", "/__admin/reset", b"", {})
    if answer.status != 200:
        raise RuntimeError(f"POST /__admin/reset answered {answer.status}: {answer.body[:200]!r}")


@dataclass
class WriteRound:
    operation: str
    round: int
    connections: int
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    errors: int
    cpu_ms_per_req: float = float("nan")


@dataclass
class WriteOutcome:
    rounds: list[WriteRound] = field(default_factory=list)
    probes: dict[str, dict[str, int]] = field(default_factory=dict)  # operation -> target -> status
    peak_rss_kb: dict[str, dict[str, int]] = field(default_factory=dict)  # operation -> target -> VmHWM
    skipped: str = ""


# Handed in by campaign.py: a fresh server for a target (not started), and one wrk run against it.
MakeServer = Callable[[str, str], Any]  # (target, operation) -> servers.Server
RunWrk = Callable[..., dict[str, float]]  # (server, seconds, connections, tag, lua=, path=) -> summary


class WriteBench:
    """`ready` is the seed PUT (body, headers) that servers.Server.start polls until it is answered."""

    def __init__(
        self,
        make_server: MakeServer,
        run_wrk: RunWrk,
        say: Callable[[str], None],
        ready: tuple[bytes, dict[str, str]],
    ) -> None:
        self.make_server = make_server
        self.run_wrk = run_wrk
        self.say = say
        self.ready = ready

    def run(self, args: Any, targets: tuple[str, ...]) -> WriteOutcome:
        out = WriteOutcome()
        chosen = tuple(t for t in TARGETS if t in targets)
        if not args.writes or not chosen:
            out.skipped = (
                "no POST/PATCH rows: --writes none" if not args.writes else "neither mock nor prism targeted"
            )
            return out
        connections = args.connections[0]
        for operation in args.writes:
            workload = WORKLOADS[operation]
            servers = {t: self.make_server(t, operation) for t in chosen}
            try:
                self._one(args, workload, servers, connections, out)
            finally:
                for server in servers.values():
                    server.halt()
            out.peak_rss_kb[operation] = {t: s.worker_peak_kb for t, s in servers.items()}
        return out

    def _one(
        self, args: Any, workload: Workload, servers: dict[str, Any], connections: int, out: WriteOutcome
    ) -> None:
        for server in servers.values():
            server.start(*self.ready)
        out.probes[workload.name] = {}
        for target, server in servers.items():
            answer = probe(server.port, workload)
            out.probes[workload.name][target] = answer.status
            if answer.status != 200:
                raise RuntimeError(
                    f"{target} answered {answer.status} to the {workload.method} wrk would send: "
                    f"{answer.body[:300]!r}"
                )
        load = {"lua": workload.lua, "path": workload.path}
        if args.warmup:
            for target, server in servers.items():
                self.say(f"warm-up {workload.method} {target} c{connections} {args.warmup} s")
                self._reset(target, server)
                self.run_wrk(server, args.warmup, connections, f"warmup-{workload.name}-{target}", **load)
        for number in range(1, args.rounds + 1):
            order = list(servers) if number % 2 else list(reversed(servers))
            for target in order:
                server = servers[target]
                self._reset(target, server)
                tag = f"r{number}-{workload.name}-{target}-c{connections}"
                got = self.run_wrk(server, args.duration, connections, tag, **load)
                out.rounds.append(
                    WriteRound(
                        workload.name,
                        number,
                        connections,
                        target,
                        got["rps"],
                        got["p50"],
                        got["p99"],
                        int(got["non2xx"]),
                        int(got["errors"]),
                        got.get("cpu_ms_per_req", float("nan")),
                    )
                )
                self.say(
                    f"round {number}/{args.rounds} {workload.method} c{connections} {target}: "
                    f"{got['rps']:.0f} req/s p50 {got['p50']:.2f} ms p99 {got['p99']:.2f} ms "
                    f"non2xx {int(got['non2xx'])}"
                )

    @staticmethod
    def _reset(target: str, server: Any) -> None:
        if target == "mock":
            reset(server.port)


# -- report ------------------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"


def _ratio(a: float, b: float) -> str:
    return "-" if a != a or b != b or not b else f"{a / b:.2f}x"


def medians(rounds: list[WriteRound], operation: str, target: str) -> dict[str, float]:
    rows = [r for r in rounds if r.operation == operation and r.target == target]
    return {
        "rps": _median([r.rps for r in rows]),
        "p50": _median([r.p50_ms for r in rows]),
        "p99": _median([r.p99_ms for r in rows]),
        "cpu": _median([r.cpu_ms_per_req for r in rows]),
        "bad": float(sum(r.non2xx + r.errors for r in rows)),
        "n": float(len(rows)),
    }


def render(outcome: WriteOutcome, rounds_wanted: int, duration: int) -> list[str]:
    """The report's section: medians per operation, mock against Prism, and every raw round."""
    lines = ["## POST and PATCH", ""]
    if outcome.skipped or not outcome.rounds:
        return [*lines, f"Not measured: {outcome.skipped or 'no rounds ran'}.", ""]
    connections = outcome.rounds[0].connections
    lines += [
        "Each operation on a fresh mock and a fresh Prism of its own, after the PUT rounds; the mock's "
        "store reset before each of its rounds (POST creates a relation per request). wrk with "
        "`bench/post.lua` (the seed relation) and `bench/patch.lua` (a `test` and a `replace` on "
        "relation 918), "
        f"{rounds_wanted} round(s) of {duration} s at {connections} connections.",
        "",
        "| operation | conns | mock req/s | Prism req/s | mock / Prism | mock p50 / p99 ms "
        "| Prism p50 / p99 ms | p99 mock / Prism | CPU ms/answer mock / Prism | non-2xx + socket errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for operation in dict.fromkeys(r.operation for r in outcome.rounds):
        mock, prism = medians(outcome.rounds, operation, "mock"), medians(outcome.rounds, operation, "prism")
        lines.append(
            f"| {operation.upper()} | {connections} | {_fmt(mock['rps'])} | {_fmt(prism['rps'])} | "
            f"{_ratio(mock['rps'], prism['rps'])} | {_fmt(mock['p50'], 2)} / {_fmt(mock['p99'], 2)} | "
            f"{_fmt(prism['p50'], 2)} / {_fmt(prism['p99'], 2)} | {_ratio(mock['p99'], prism['p99'])} | "
            f"{_fmt(mock['cpu'], 3)} / {_fmt(prism['cpu'], 3)} | {int(mock['bad'] + prism['bad'])} |"
        )
    peaks = [
        f"{operation.upper()} {target} {kb / 1024:.1f} MB"
        for operation, by_target in outcome.peak_rss_kb.items()
        for target, kb in by_target.items()
        if kb
    ]
    if peaks:
        lines += [
            "",
            "Peak RSS of these servers (a POST round creates tens of thousands of relations): "
            f"{', '.join(peaks)}.",
        ]
    lines += ["", "| operation | round | target | req/s | p50 ms | p99 ms | non-2xx | socket errors |"]
    lines.append("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in outcome.rounds:
        lines.append(
            f"| {r.operation.upper()} | {r.round} | {r.target} | {_fmt(r.rps)} | {_fmt(r.p50_ms, 2)} | "
            f"{_fmt(r.p99_ms, 2)} | {r.non2xx} | {r.errors} |"
        )
    return [*lines, ""]
