"""The report's section on the validating proxy against Prism's proxy, in front of the same upstream."""

from __future__ import annotations

from figures import Outcome, fmt, medians, ratio, row
from servers import PROXY_BASELINE


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
