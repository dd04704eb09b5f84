"""Stock Schemathesis on the project's spec, run through its own CLI in subprocesses.

Its CLI is the supported surface (the engine's Python API is not public in v4), and one process per
group of phases lets `--workers` use more than one core. Each process writes an NDJSON event
report, from which the failures (with their exact requests) are read back; a hook counts requests
into a file so that progress can be shown while they run.

`python -m contracts.fuzz` runs only this part, with the same options as `python -m contracts`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from contracts.catalog import CHECKS, INERT, SCHEMATHESIS
from contracts.errors import CannotRunError
from contracts.options import PROJECT_ROOT, Options
from contracts.references import ENV as REFERENCES_ENV
from contracts.references import ReferencePool
from contracts.results import CheckOutcome
from contracts.st_events import FuzzResult, collect, fatal_errors

# Phases in order of cost: the coverage phase sends several hundred requests on its own.
PHASE_WEIGHT = {"coverage": 10, "fuzzing": 2, "examples": 1}
CONFIG = """\
# Written by contracts.fuzz for one run; see the docstring of contracts.st_hooks for the rest
# (among others: a 412 to valid data is accepted only for a stale If-Unmodified-Since).

# No DELETE/PATCH/POST probes: a real SuperOffice implements them on this path (DELETE would
# delete the relation), and the spec does not promise 405 for them.
[phases.coverage]
unexpected-methods = []
"""


ProgressCallback = Callable[[dict[str, int]], None]


def plan(phases: tuple[str, ...], workers: int) -> list[list[str]]:
    """Split the phases over at most `workers` processes, heaviest first, balancing the weight."""
    groups: list[list[str]] = [[] for _ in range(max(1, min(workers, len(phases))))]
    for phase in sorted(phases, key=lambda name: -PHASE_WEIGHT.get(name, 1)):
        lightest = min(groups, key=lambda group: sum(PHASE_WEIGHT.get(name, 1) for name in group))
        lightest.append(phase)
    return [group for group in groups if group]


def run_schemathesis(
    options: Options,
    base_url: str,
    checks: tuple[str, ...],
    pool: ReferencePool | None = None,
    on_progress: ProgressCallback | None = None,
    xml_namespace: str | None = None,
) -> FuzzResult:
    result = FuzzResult()
    for name in checks:
        result.outcomes[name] = CheckOutcome(name=name, engine=SCHEMATHESIS, basis=CHECKS[name].basis)
    with tempfile.TemporaryDirectory(prefix="contracts-st-") as tmp:
        workdir = Path(tmp)
        config = workdir / "schemathesis.toml"
        config.write_text(CONFIG, encoding="utf-8")
        jobs = [
            _start(options, base_url, checks, phases, workdir, index, config, pool, xml_namespace)
            for index, phases in enumerate(plan(options.phases, options.workers))
        ]
        try:
            _wait(jobs, on_progress)
        finally:
            for job in jobs:
                job.stop()
        counts = _progress(jobs)
        result.cases = sum(counts.values())
        for job in jobs:
            job.raise_if_broken()
            collect(job.ndjson, result, options)
    for name, count in result.hidden.items():
        result.notes.append(f"{name}: {count} more distinct findings like the ones shown")
    for outcome in result.outcomes.values():
        if outcome.name in INERT:
            outcome.applicable, outcome.reason = False, INERT[outcome.name]
        elif outcome.name == "missing_required_header" and outcome.cases == 0:
            outcome.applicable, outcome.reason = False, "the spec has no required header"
        elif outcome.cases == 0:
            outcome.reason = "no generated request was one this check judges"
    return result


@dataclass(slots=True)
class _Job:
    phases: list[str]
    process: subprocess.Popen[bytes]
    ndjson: Path
    progress: Path
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def raise_if_broken(self) -> None:
        """Schemathesis exits 0 (all passed) or 1 (failures); anything else means it could not run."""
        code = self.process.returncode
        fatal = list(fatal_errors(self.ndjson))
        if code in (0, 1) and not fatal:
            return
        lines = [line for line in self.log.read_text("utf-8", "replace").splitlines() if line.strip()]
        reason = fatal[0] if fatal else (lines[-1].strip() if lines else "no output")
        raise CannotRunError(f"Schemathesis ({', '.join(self.phases)}) could not run (exit {code}): {reason}")


def _start(
    options: Options,
    base_url: str,
    checks: tuple[str, ...],
    phases: list[str],
    workdir: Path,
    index: int,
    config: Path,
    pool: ReferencePool | None,
    xml_namespace: str | None,
) -> _Job:
    ndjson, progress, log = (
        workdir / f"{stem}-{index}" for stem in ("events.ndjson", "progress.txt", "output.log")
    )
    progress.touch()
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
        "run", str(options.spec),
        "--url", base_url,
        "--checks", ",".join(checks),
        "--phases", ",".join(phases),
        "--mode", "all",
        "--max-examples", str(options.max_examples),
        "--seed", str(options.seed),
        "--workers", "1",
        "--generation-database", "none",
        "--request-timeout", str(options.request_timeout),
        "--report", "ndjson", "--report-ndjson-path", str(ndjson),
        "--output-sanitize", "false",
        "--suppress-health-check", "all",
        # A finding must not stop an operation: a warning would hide the violations behind it.
        "--continue-on-failure",
    ]  # fmt: skip
    for name, value in options.request_headers():
        command += ["-H", f"{name}: {value}"]
    env = dict(os.environ)
    env.update(
        SCHEMATHESIS_HOOKS="contracts.st_hooks",
        CONTRACTS_RELATION_ID=str(options.relation_id),
        # A body RelationId other than the path's may be saved under that id by a real tenant.
        CONTRACTS_KEEP_BODY_ID="1" if options.embedded or options.strict else "",
        CONTRACTS_PROGRESS=str(progress),
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
        NO_COLOR="1",
        COLUMNS="120",
    )
    if pool is not None:
        env[REFERENCES_ENV] = pool.to_env()
    if xml_namespace:
        env["CONTRACTS_XML_NAMESPACE"] = xml_namespace
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=workdir
        )
    return _Job(phases, process, ndjson, progress, log)


def _wait(jobs: list[_Job], on_progress: ProgressCallback | None) -> None:
    while any(job.process.poll() is None for job in jobs):
        if on_progress is not None:
            on_progress(_progress(jobs))
        time.sleep(0.2)
    if on_progress is not None:
        on_progress(_progress(jobs))


def _progress(jobs: list[_Job]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for job in jobs:
        try:
            text = job.progress.read_text(encoding="utf-8")
        except OSError:
            continue
        counts.update(line.split(" ", 1)[0] for line in text.splitlines() if line)
    return dict(counts)


def main(argv: list[str] | None = None) -> int:
    from contracts.cli import main as cli_main

    args = sys.argv[1:] if argv is None else argv
    return cli_main(["--exclude-checks", "property", *args])


if __name__ == "__main__":
    raise SystemExit(main())
