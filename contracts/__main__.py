"""`python -m contracts`: the contract suite's command line (see contracts.cli)."""

from __future__ import annotations

from contracts.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
