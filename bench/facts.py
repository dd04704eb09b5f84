"""The facts a report states next to its figures: the machine, the package versions, the git revision."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
from pathlib import Path

from paths import REPO
from toolchain import installed_prism_version, run_quiet

PACKAGES = (
    "connexion",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "orjson",
    "jsonschema-rs",
    "jsonschema",
)


def machine_facts(wrk: str | None, node: str | None) -> dict[str, str]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    facts = {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu or platform.processor() or "unknown",
        "kernel": platform.release(),
        "python": platform.python_version(),
    }
    with contextlib.suppress(OSError, ValueError):
        total = next(
            line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
        )
        facts["memory"] = f"{int(total.split()[1]) / 1024 / 1024:.1f} GiB"
    if node:
        facts["node"] = run_quiet([node, "--version"]).stdout.strip()
    if wrk:
        first = (run_quiet([wrk, "-v"]).stdout + run_quiet([wrk, "-v"]).stderr).strip().splitlines()
        facts["wrk"] = first[0] if first else "unknown"
    return facts


def versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["prism-cli"] = installed_prism_version() or "not installed"
    return out


def git_facts() -> str:
    head = run_quiet(["git", "rev-parse", "--short", "HEAD"], cwd=REPO).stdout.strip() or "unknown"
    dirty = run_quiet(
        ["git", "status", "--porcelain", "--", "mockserver", "openapi"], cwd=REPO
    ).stdout.strip()
    return f"{head}" + (
        " + uncommitted changes in mockserver/ or openapi/" if dirty else " (clean mockserver/, openapi/)"
    )
