"""Stock Schemathesis on the project's spec, run through its own CLI in subprocesses.

Its CLI is the supported surface (the engine's Python API is not public in v4), and one process per
group of phases lets `--workers` use more than one core. Each process writes an NDJSON event
report, from which the failures (with their exact requests) are read back; a hook counts requests
into a file so that progress can be shown while they run.

`python -m contracts.fuzz` runs only this part, with the same options as `python -m contracts`.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.catalog import INERT, SCHEMATHESIS
from contracts.curl import AUTH_ENV, curl_command
from contracts.errors import CannotRunError
from contracts.options import PROJECT_ROOT, Options
from contracts.results import CheckOutcome, Failure

# Phases in order of cost: the coverage phase sends several hundred requests on its own.
NETWORK_WORDS = ("connection", "timeout", "timed out", "disconnected", "reset by peer", "network")
PHASE_WEIGHT = {"coverage": 10, "fuzzing": 2, "examples": 1}
CONFIG = """\
# Written by contracts.fuzz for one run; see the docstring of contracts.st_hooks for the rest.

# 412 answers a valid request whose If-Unmodified-Since is stale: the spec documents it.
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]

# No DELETE/PATCH/POST probes: a real SuperOffice implements them on this path (DELETE would
# delete the relation), and the spec does not promise 405 for them.
[phases.coverage]
unexpected-methods = []
"""


@dataclass(slots=True)
class FuzzResult:
    outcomes: dict[str, CheckOutcome] = field(default_factory=dict)
    cases: int = 0
    notes: list[str] = field(default_factory=list)


ProgressCallback = Callable[[dict[str, int]], None]


def plan(phases: tuple[str, ...], workers: int) -> list[list[str]]:
    """Split the phases over at most `workers` processes, heaviest first, balancing the weight."""
    groups: list[list[str]] = [[] for _ in range(max(1, min(workers, len(phases))))]
    for phase in sorted(phases, key=lambda name: -PHASE_WEIGHT.get(name, 1)):
        lightest = min(groups, key=lambda group: sum(PHASE_WEIGHT.get(name, 1) for name in group))
        lightest.append(phase)
    return [group for group in groups if group]


def run_schemathesis(
    options: Options, base_url: str, checks: tuple[str, ...], on_progress: ProgressCallback | None = None
) -> FuzzResult:
    result = FuzzResult()
    for name in checks:
        result.outcomes[name] = CheckOutcome(name=name, source=SCHEMATHESIS, ran=True)
    with tempfile.TemporaryDirectory(prefix="contracts-st-") as tmp:
        workdir = Path(tmp)
        config = workdir / "schemathesis.toml"
        config.write_text(CONFIG, encoding="utf-8")
        jobs = [
            _start(options, base_url, checks, phases, workdir, index, config)
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
            _collect(job.ndjson, result, options)
    for outcome in result.outcomes.values():
        outcome.cases = result.cases
        if not outcome.failures and outcome.name in INERT:
            outcome.skipped = INERT[outcome.name]
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
        fatal = list(_fatal_errors(self.ndjson))
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
    ]  # fmt: skip
    for name, value in options.request_headers():
        command += ["-H", f"{name}: {value}"]
    env = dict(os.environ)
    env.update(
        SCHEMATHESIS_HOOKS="contracts.st_hooks",
        CONTRACTS_RELATION_ID=str(options.relation_id),
        CONTRACTS_PROGRESS=str(progress),
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
        NO_COLOR="1",
        COLUMNS="120",
    )
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


def _events(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and len(event) == 1:
                kind, payload = next(iter(event.items()))
                if isinstance(payload, dict):
                    yield kind, payload


def _fatal_errors(path: Path) -> Iterator[str]:
    for kind, payload in _events(path):
        if kind == "FatalError":
            yield _first_line(payload.get("exception") or payload.get("message") or payload)


def _collect(path: Path, result: FuzzResult, options: Options) -> None:
    """Turn each distinct failure in one NDJSON report into a `Failure` with its curl command."""
    seen: set[tuple[str, str, str, str]] = set()
    for kind, payload in _events(path):
        if kind == "NonFatalError":
            _non_fatal(payload, result)
            continue
        if kind != "ScenarioFinished" or not payload.get("recorder"):
            continue
        recorder = payload["recorder"]
        interactions = recorder.get("interactions") or {}
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") != "failure" or check.get("name") not in result.outcomes:
                    continue
                info = (check.get("failure_info") or {}).get("failure") or {}
                key = (
                    check["name"],
                    info.get("operation", ""),
                    info.get("title", ""),
                    info.get("message", ""),
                )
                if key in seen:
                    continue
                seen.add(key)
                interaction = interactions.get(info.get("case_id")) or interactions.get(case_id) or {}
                result.outcomes[check["name"]].failures.append(
                    _failure(check["name"], info, interaction, options)
                )


def _failure(name: str, info: dict[str, Any], interaction: dict[str, Any], options: Options) -> Failure:
    lines = [line.strip() for line in str(info.get("message", "")).splitlines() if line.strip()]
    expected = next((line for line in lines if line.startswith("Expected")), "")
    details = " ".join(line for line in lines if line != expected)
    request, response = interaction.get("request") or {}, interaction.get("response") or {}
    seen = "(no response recorded)"
    if response:
        body = (_decode(response.get("content")) or b"")[:300].decode("utf-8", "replace").replace("\n", " ")
        media = ",".join((response.get("headers") or {}).get("content-type", [])) or "(no content-type)"
        seen = f"{response.get('status_code')} {media} {body}".rstrip()
    curl = "(request not recorded)"
    if request:
        headers = [(key, value) for key, values in (request.get("headers") or {}).items() for value in values]
        refs = {} if options.auth_is_sample else {"Authorization": AUTH_ENV}
        body = _decode(request.get("body"))
        curl = curl_command(
            request.get("method", "GET"), request.get("uri", ""), headers, body, env_refs=refs
        )
    return Failure(
        check=name,
        title=str(info.get("title") or name),
        expected=expected or details or str(info.get("title") or name),
        seen=f"{seen}\n{details}" if expected and details else seen,
        curl=curl,
        operation=str(info.get("operation", "")),
    )


def _non_fatal(payload: dict[str, Any], result: FuzzResult) -> None:
    """A network error is the server failing a request (a crash or hang): a violation. Anything else
    is Schemathesis unable to generate or send a case: a note, not a verdict on the server."""
    label = str(payload.get("label", "?"))
    message = _first_line(payload.get("info") or payload.get("value") or payload)
    if any(word in message.lower() for word in NETWORK_WORDS) and "not_a_server_error" in result.outcomes:
        failure = Failure(
            "not_a_server_error",
            "the server gave no answer",
            "an HTTP answer",
            message,
            "(see the Schemathesis log: no response to reproduce)",
            label,
        )
        result.outcomes["not_a_server_error"].failures.append(failure)
    else:
        result.notes.append(f"Schemathesis could not test {label}: {message}")


def _decode(body: Any) -> bytes | None:
    if isinstance(body, dict) and "$base64" in body:
        return base64.b64decode(body["$base64"])
    if isinstance(body, str):
        return body.encode()
    return None


def _first_line(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "unknown error"


def main(argv: list[str] | None = None) -> int:
    from contracts.cli import main as cli_main

    args = sys.argv[1:] if argv is None else argv
    return cli_main(["--exclude-checks", "property", *args])


if __name__ == "__main__":
    raise SystemExit(main())
