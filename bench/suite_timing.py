"""The contract suite's default run (`python -m contracts`), timed for the report."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from paths import REPO
from toolchain import run_quiet, say


@dataclass
class ContractRun:
    status: str
    seconds: float | None = None
    returncode: int | None = None
    command: str = ""
    tail: str = ""


def time_contracts(timeout: int, raw: Path) -> ContractRun:
    if not (REPO / "contracts" / "__main__.py").is_file():
        return ContractRun(
            "skipped: contracts/__main__.py does not exist yet, so `python -m contracts` cannot run"
        )
    cmd = [sys.executable, "-m", "contracts"]
    say(f"timing the contract suite's default run: {shlex.join(cmd)}")
    started = time.perf_counter()
    try:
        done = run_quiet(cmd, cwd=REPO, timeout=timeout)
    except subprocess.TimeoutExpired:
        return ContractRun(f"timed out after {timeout} s", float(timeout), None, shlex.join(cmd))
    seconds = time.perf_counter() - started
    (raw / "contracts.txt").write_text(done.stdout + done.stderr, encoding="utf-8")
    tail = "\n".join((done.stdout.strip() or done.stderr.strip()).splitlines()[-4:])  # its summary
    return ContractRun("ran", seconds, done.returncode, shlex.join(cmd), tail)
