"""Measure the mock's resident memory over a long mixed workload, for the README.

    .venv/bin/python tests/reliability/measure_rss.py [--requests 100000] [--journal-size 500]

Starts `python -m mockserver --quiet` (default settings otherwise), sends the workload of
workload.py, samples VmRSS of the mock process every 1,000 requests, and prints start (after a
1,000-request warm-up), peak and end, plus any 5xx seen.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere
from tests.reliability.mockprocess import MockProcess
from tests.reliability.workload import send_mixed

STEP = 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="measure_rss.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--journal-size", type=int, default=500, help="the mock's default is 500")
    args = parser.parse_args(argv)
    statuses: Counter[int] = Counter()
    with MockProcess(["--quiet", "--journal-size", str(args.journal_size)]) as mock, mock.client() as client:
        boot = mock.rss_kib()
        statuses += send_mixed(client, STEP)
        start = peak = mock.rss_kib()
        started = time.monotonic()
        for done in range(STEP, args.requests, STEP):
            statuses += send_mixed(client, min(STEP, args.requests - done), start=done)
            rss = mock.rss_kib()
            peak = max(peak, rss)
            if (done + STEP) % 10_000 == 0:
                print(f"{done + STEP:>7} requests  RSS {rss / 1024:6.1f} MiB", flush=True)
        end = mock.rss_kib()
        seconds = time.monotonic() - started
    errors = sum(count for code, count in statuses.items() if code >= 500)
    print(
        f"RSS over {args.requests:,} requests (journal size {args.journal_size}): "
        f"after start-up {boot / 1024:.1f} MiB, start {start / 1024:.1f} MiB "
        f"(after {STEP:,} warm-up requests), peak {peak / 1024:.1f} MiB, end {end / 1024:.1f} MiB; "
        f"growth start->end {(end - start) / 1024:+.1f} MiB; "
        f"{args.requests / seconds:.0f} requests/s; statuses {dict(sorted(statuses.items()))}; 5xx: {errors}"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
