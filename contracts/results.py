"""What a run found, as plain data: the reports, the CLI and pytest all read this and nothing else.

A finding is a violation when its promise is enforced (a vendor-documented one, or any under
`--strict` or against the embedded mock) and a warning otherwise. A check that judged no case is
"not run", never "held"; one that cannot apply to this spec or server is "not applicable".
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASSED = "passed"
FAILED = "failed"
WARNED = "warned"
NOT_RUN = "not run"
NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True, slots=True)
class Failure:
    """One observed break: which promise, what was expected, what came back, how to see it again.

    `basis` is the source of this finding's promise when it is weaker than its check's (for example
    a 5xx answer to invalid data: our choice, where a 5xx to valid data is the vendor's); empty means
    the check's own. `enforced` is set by the suite: False makes the finding a warning.
    """

    check: str
    title: str
    expected: str
    seen: str
    curl: str
    operation: str = ""
    basis: str = ""
    enforced: bool = True


@dataclass(slots=True)
class CheckOutcome:
    """The verdict on one named check."""

    name: str
    engine: str
    basis: str = ""
    cases: int = 0
    failures: list[Failure] = field(default_factory=list)
    # Why the check could not apply (not applicable) or did not run; None when it ran.
    reason: str | None = None
    applicable: bool = True
    # Seconds spent on it: a property's own; for Schemathesis' checks, which judge the same requests
    # together, Schemathesis' wall time shared out by the cases each judged.
    elapsed: float = 0.0

    @property
    def violations(self) -> list[Failure]:
        return [failure for failure in self.failures if failure.enforced]

    @property
    def warnings(self) -> list[Failure]:
        return [failure for failure in self.failures if not failure.enforced]

    @property
    def status(self) -> str:
        if self.violations:
            return FAILED
        if self.failures:
            return WARNED
        if not self.applicable:
            return NOT_APPLICABLE
        if self.cases == 0:
            return NOT_RUN
        return PASSED


@dataclass(slots=True)
class RunResult:
    """Everything one run of the suite found against one target."""

    target: str
    seed: int
    outcomes: dict[str, CheckOutcome] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    schemathesis_cases: int = 0
    strict: bool = False
    # Only GET requests went out (--read-only).
    read_only: bool = False
    # The run was stopped (Ctrl-C, SIGTERM) before every check had run; what it created was swept.
    interrupted: bool = False
    # Why the run stopped before every check had run (--max-failures), or None.
    stopped: str | None = None
    # Relations this run created (POST), and deleted again; id -> why one was left behind.
    created: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    not_deleted: dict[int, str] = field(default_factory=dict)
    # Relations a POST answered that are not the run's (they existed before, or it could not tell):
    # id -> why; never written to, left exactly as they were.
    not_ours: dict[int, str] = field(default_factory=dict)
    # When the run started (UTC, ISO 8601 to the second), and the seconds its cleanup took.
    started_at: str = ""
    cleanup_elapsed: float = 0.0
    # What to set before a printed curl runs (the variables it names instead of credentials).
    replay: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Failure]:
        """The enforced findings: what fails the run."""
        return [failure for outcome in self.outcomes.values() for failure in outcome.violations]

    @property
    def warnings(self) -> list[Failure]:
        return [failure for outcome in self.outcomes.values() for failure in outcome.warnings]

    @property
    def ok(self) -> bool:
        return not self.failures
