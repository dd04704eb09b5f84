"""Every knob of a contract run in one frozen dataclass; the defaults live here and nowhere else."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from contracts.curl import AUTH_ENV

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = PROJECT_ROOT / "openapi" / "relation.yaml"
# The vendor's sample credentials (user tje0, from the PUT page); harmless to print.
SAMPLE_AUTH = "Basic dGplMDpUamUw"
DEFAULT_RELATION_ID = 918
DEFAULT_MAX_EXAMPLES = 25
DEFAULT_SEED = 20240918
DEFAULT_WORKERS = 2
PHASES = ("examples", "coverage", "fuzzing")


def default_auth() -> str:
    return os.environ.get(AUTH_ENV) or SAMPLE_AUTH


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """One contract run. `url=None` means: start the project's mock and test that."""

    url: str | None = None
    auth: str = SAMPLE_AUTH
    headers: tuple[tuple[str, str], ...] = ()
    relation_id: int = DEFAULT_RELATION_ID
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int = DEFAULT_SEED
    workers: int = DEFAULT_WORKERS
    junit: Path | None = None
    report: Path | None = None
    checks: tuple[str, ...] = ()
    spec: Path = DEFAULT_SPEC
    phases: tuple[str, ...] = PHASES
    request_timeout: float = 10.0
    # Show the rich progress display and summary (off under pytest and for --quiet).
    progress: bool = True

    @property
    def auth_is_sample(self) -> bool:
        return self.auth == SAMPLE_AUTH

    def request_headers(self) -> list[tuple[str, str]]:
        """Credentials plus every `--header`, in the order given (a later `--header` wins)."""
        out: list[tuple[str, str]] = [("Authorization", self.auth)] if self.auth else []
        for name, value in self.headers:
            out = [(key, val) for key, val in out if key.lower() != name.lower()]
            out.append((name, value))
        return out
