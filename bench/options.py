"""`bench/run.py`'s command line: the options, their defaults and the checks that refuse bad values."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import writes
from paths import BENCH
from servers import ALL_TARGETS


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
    parser.add_argument(
        "--skip-replicas",
        action="store_true",
        help="leave out the PostgreSQL replica rows (bench/replicas.py)",
    )
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
