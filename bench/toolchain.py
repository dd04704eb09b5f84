"""The programs the benchmark drives, wrk and Prism 5.16.0, installed when missing and run quietly; the
error that stops a run (with its fix) and the progress lines on stderr that every stage writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any

from paths import PRISM_DIR, PRISM_JS, PRISM_VERSION, REPO


def say(message: str) -> None:
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()


class BenchError(RuntimeError):
    """A reason the benchmark cannot run, with the fix."""


def run_quiet(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)


def ensure_wrk(no_install: bool) -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if no_install or not shutil.which("apt-get"):
        raise BenchError("wrk is not installed; install it (e.g. `apt-get install -y wrk`) and run again.")
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is None:
        raise BenchError("wrk is missing and this user cannot run apt-get; `sudo apt-get install -y wrk`.")
    say("installing wrk with apt-get")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        done = run_quiet([*sudo, *cmd], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if done.returncode != 0:
            raise BenchError(f"`{' '.join(cmd)}` failed:\n{done.stderr[-2000:]}")
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get installed wrk but it is not on PATH.")
    return found


def installed_prism_version() -> str | None:
    manifest = PRISM_JS.parent.parent / "package.json"
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None


def ensure_prism(no_install: bool) -> str:
    node = shutil.which("node")
    if not node:
        raise BenchError("Node.js is not installed; Prism needs it (e.g. `apt-get install -y nodejs npm`).")
    if PRISM_JS.is_file() and installed_prism_version() == PRISM_VERSION:
        return node
    npm = shutil.which("npm")
    if no_install or not npm:
        raise BenchError(
            f"Prism {PRISM_VERSION} is not in {PRISM_DIR} and npm is not available to install it."
        )
    say(f"installing @stoplight/prism-cli@{PRISM_VERSION} into {PRISM_DIR.relative_to(REPO)}")
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    done = run_quiet(
        [
            npm,
            "install",
            "--prefix",
            str(PRISM_DIR),
            "--no-audit",
            "--no-fund",
            "--silent",
            f"@stoplight/prism-cli@{PRISM_VERSION}",
        ],
        timeout=900,
    )
    if done.returncode != 0 or installed_prism_version() != PRISM_VERSION:
        raise BenchError(f"npm could not install Prism {PRISM_VERSION}:\n{done.stderr[-2000:]}")
    return node
