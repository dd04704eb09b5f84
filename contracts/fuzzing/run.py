"""Stock Schemathesis on the project's spec, run through its own CLI in subprocesses.

Its CLI is the supported surface (the engine's Python API is not public in v4), and one process per
group of work (phases; the coverage phase split by method) lets `--workers` use more than one core.
The stateful phase chains calls over the spec's links, so that `use_after_free` and
`ensure_resource_availability` have something to judge. Each process writes an NDJSON event
report, from which the failures (with their exact requests) are read back; a hook counts requests
into a file so that progress can be shown while they run, and records every relation a POST
creates in the run's ledger (`contracts.safety.ledger`). Under --read-only only the GET operations run,
without probes of undocumented methods and without the stateful phase.

A stopped run (Ctrl-C, SIGTERM) stops its processes between requests, never during one: each runs in
a session of its own (a terminal's Ctrl-C reaches only this process), and is asked to stop by a
file that its hook reads before every request (also when this process is gone). A POST in flight
is answered and recorded first, so the cleanup that follows knows the relation it created; only a
process still busy after the request timeout and a few seconds more is killed.

`python -m contracts --exclude-checks property` runs only this part.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from contracts.catalog import CHECKS, INERT, SCHEMATHESIS, STATEFUL_CHECKS
from contracts.errors import CannotRunError
from contracts.fuzzing.events import FuzzResult, collect, fatal_errors
from contracts.fuzzing.plan import CONFIG, READ_ONLY_CONFIG, STOPPED, Group, others_read_only, plan
from contracts.options import PROJECT_ROOT, Options
from contracts.results import CheckOutcome
from contracts.safety.ledger import ENV as LEDGER_ENV
from contracts.safety.ledger import Ledger
from contracts.safety.references import ENV as REFERENCES_ENV
from contracts.safety.references import ReferencePool
from contracts.spec import PUT_PATH

# Checks that judge only the coverage phase's probes of undocumented methods.
PROBES = frozenset({"unsupported_method", "allow_header_conformance"})
# Seconds past the request timeout that a process asked to stop has to finish its request.
STOP_GRACE = 5.0
ProgressCallback = Callable[[dict[str, int]], None]


def run_schemathesis(
    options: Options,
    base_url: str,
    checks: tuple[str, ...],
    pool: ReferencePool | None = None,
    on_progress: ProgressCallback | None = None,
    xml_namespace: str | None = None,
    ledger: Ledger | None = None,
    max_failures: int | None = None,
) -> FuzzResult:
    """Run Schemathesis; every relation its POSTs create goes into `ledger` (from the hooks). With
    `max_failures`, each process stops at that many findings, and all stop once they have together."""
    result = FuzzResult()
    for name in checks:
        result.outcomes[name] = CheckOutcome(name=name, engine=SCHEMATHESIS, basis=CHECKS[name].basis)
    phases = options.fuzz_phases
    if not phases:
        result.notes.append("--read-only: no Schemathesis phase left to run (stateful phase writes)")
        return result
    with tempfile.TemporaryDirectory(prefix="contracts-st-") as tmp:
        workdir = Path(tmp)
        base = READ_ONLY_CONFIG if options.read_only else CONFIG
        if not (options.embedded or options.all_resources or options.read_only):
            # A real tenant's contacts, persons, ...: read, never written (--all-resources).
            base += others_read_only(PUT_PATH.rsplit("/{", 1)[0])
        start = _Start(options, base_url, checks, workdir, base, pool, xml_namespace, ledger, max_failures)
        groups = plan(phases, options.workers, ("GET",) if options.read_only else options.methods or None)
        jobs = [start(index, group) for index, group in enumerate(groups)]
        enough = None if max_failures is None else functools.partial(_enough, options, max_failures)
        try:
            _wait(jobs, on_progress, enough)
        finally:
            _stop(jobs, grace=options.request_timeout + STOP_GRACE)
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
        elif outcome.name in STATEFUL_CHECKS and "stateful" not in phases:
            why = "--read-only" if options.read_only else "--phases"
            outcome.applicable, outcome.reason = False, f"judged in the stateful phase, left out by {why}"
        elif outcome.name in PROBES and options.read_only:
            outcome.applicable, outcome.reason = False, "--read-only sends no probe of an undocumented method"
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
    stop_file: Path
    asked_to_stop: bool = False

    def ask_to_stop(self) -> None:
        if self.process.poll() is None:
            self.asked_to_stop = True
            self.stop_file.touch()

    def wait_or_kill(self, deadline: float) -> None:
        """Waits until `deadline` (monotonic) for the process to stop between requests; then kills it.
        A signal that interrupts the wait kills it at once."""
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=5)

    def raise_if_broken(self) -> None:
        """Schemathesis exits 0 (all passed) or 1 (failures); anything else means it could not run."""
        code = self.process.returncode
        fatal = list(fatal_errors(self.ndjson))
        if (code in (0, 1) or (self.asked_to_stop and code == STOPPED)) and not fatal:
            return
        lines = [line for line in self.log.read_text("utf-8", "replace").splitlines() if line.strip()]
        reason = fatal[0] if fatal else (lines[-1].strip() if lines else "no output")
        raise CannotRunError(
            f"Schemathesis ({', '.join(self.phases)}) could not run (exit {code}): {reason}; expected exit 0 "
            "or 1: run again with fewer --phases to find the one that breaks, or with --checks property"
        )


@dataclass(frozen=True, slots=True)
class _Start:
    """Starts one Schemathesis process for a group of phases."""

    options: Options
    base_url: str
    checks: tuple[str, ...]
    workdir: Path
    config: str
    pool: ReferencePool | None
    xml_namespace: str | None
    ledger: Ledger | None
    max_failures: int | None

    def __call__(self, index: int, group: Group) -> _Job:
        options, workdir, phases = self.options, self.workdir, list(group.phases)
        ndjson, progress, log, config, stop_file = (
            workdir / f"{stem}-{index}"
            for stem in ("events.ndjson", "progress.txt", "output.log", "schemathesis.toml", "stop")
        )
        progress.touch()
        config.write_text(group.config(self.config), encoding="utf-8")
        command = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
            "run", str(options.spec),
            "--url", self.base_url,
            "--checks", ",".join(self.checks),
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
        ]  # fmt: skip
        if self.max_failures is None:
            # A finding must not stop an operation: a warning would hide the violations behind it.
            command.append("--continue-on-failure")
        else:
            command += ["--max-failures", str(self.max_failures)]
        if options.read_only:
            command += ["--include-method", "GET"]
        else:
            for method in options.methods:
                command += ["--include-method", method]
        for name, value in options.request_headers():
            command += ["-H", f"{name}: {value}"]
        with log.open("wb") as sink:
            process = subprocess.Popen(
                command,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.environment(progress, stop_file),
                cwd=workdir,
                start_new_session=True,  # Ctrl-C reaches this process, which stops it between requests
            )
        return _Job(phases, process, ndjson, progress, log, stop_file)

    def environment(self, progress: Path, stop_file: Path) -> dict[str, str]:
        """What the hooks (contracts.fuzzing.hooks) read: the run's relation, references, ledger, server."""
        options = self.options
        env = dict(os.environ)
        env.update(
            SCHEMATHESIS_HOOKS="contracts.fuzzing.hooks",
            CONTRACTS_RELATION_ID=str(options.relation_id),
            # A body RelationId other than the path's may be saved under that id by a real tenant.
            CONTRACTS_KEEP_BODY_ID="1" if options.embedded or options.strict else "",
            CONTRACTS_EMBEDDED="1" if options.embedded else "",
            CONTRACTS_READ_ONLY="1" if options.read_only else "",
            CONTRACTS_EVERY_MEDIA_TYPE="1" if options.every_media_type else "",
            CONTRACTS_BASE_URL=self.base_url,
            CONTRACTS_HEADERS=json.dumps(options.request_headers()),
            CONTRACTS_TIMEOUT=str(options.request_timeout),
            CONTRACTS_PROGRESS=str(progress),
            CONTRACTS_STOP_FILE=str(stop_file),
            CONTRACTS_PARENT_PID=str(os.getpid()),
            PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
            NO_COLOR="1",
            COLUMNS="120",
        )
        if self.ledger is not None:
            env[LEDGER_ENV] = str(self.ledger.path)
        if self.pool is not None:
            env[REFERENCES_ENV] = self.pool.to_env()
        if self.xml_namespace:
            env["CONTRACTS_XML_NAMESPACE"] = self.xml_namespace
        return env


def _stop(jobs: list[_Job], grace: float) -> None:
    """Asks every process to stop at once, then waits for each (they stop in parallel)."""
    for job in jobs:
        job.ask_to_stop()
    deadline = time.monotonic() + grace
    for job in jobs:
        job.wait_or_kill(deadline)


def _enough(options: Options, limit: int, finished: list[_Job]) -> bool:
    """Whether the processes that have ended found `limit` findings together."""
    found = FuzzResult()
    for job in finished:
        collect(job.ndjson, found, options)
    return sum(len(outcome.failures) for outcome in found.outcomes.values()) >= limit


def _wait(
    jobs: list[_Job],
    on_progress: ProgressCallback | None,
    enough: Callable[[list[_Job]], bool] | None = None,
) -> None:
    """Until every process has ended, or (`enough`) those that ended found enough: then the rest stop."""
    judged = 0
    while any(job.process.poll() is None for job in jobs):
        if on_progress is not None:
            on_progress(_progress(jobs))
        failed = [job for job in jobs if job.process.returncode == 1]
        if enough is not None and len(failed) > judged:
            judged = len(failed)
            if enough(failed):
                for job in jobs:
                    job.ask_to_stop()
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
