"""The report's "Goals" section: issue 6's goals (and issue 11's for the proxy), measured in this run."""

from __future__ import annotations

from figures import Outcome, fmt, median, medians, row, verdict
from servers import BASELINE, PROXY_BASELINE

# The goals, as ratios measured in one run.

GOAL_RPS_RATIO = 2.0  # mock rps / Prism rps at 32 connections
GOAL_P99_RATIO = 1.0  # mock p99 / Prism p99 at 32 connections (at most)
GOAL_RSS_MB = 80.0  # peak RSS of one worker
GOAL_STARTUP_S = 0.5  # spawn to first answer
GOAL_CONTRACTS_S = 60.0


def goals(out: Outcome, targets: list[str], mocks: list[str], c32: int) -> list[str]:
    """A row per goal and target: what was measured and whether the goal is met."""
    a = out.args
    has_prism = BASELINE in targets
    lines: list[str] = []
    add = lines.append
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
    return lines
