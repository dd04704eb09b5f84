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

The stages are modules of bench/: options (the command line), campaign (the stages in order), toolchain
(wrk and Prism), servers and procfs (the targets and what /proc says of them), probes and wrk_runs (the
requests and the load), writes (the POST and PATCH rows), suite_timing and facts, and figures with
report, report_goals and report_proxy (the Markdown).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/'s modules, also when loaded by path
import campaign
from options import parse_args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return campaign.run(parse_args(argv), argv)


if __name__ == "__main__":
    sys.exit(main())
