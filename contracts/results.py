"""What a run found, as plain data: the reports, the CLI and pytest all read this and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field

PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Failure:
    """One observed violation: which promise, what was expected, what came back, how to see it again."""

    check: str
    title: str
    expected: str
    seen: str
    curl: str
    operation: str = ""


@dataclass(slots=True)
class CheckOutcome:
    """The verdict on one named check."""

    name: str
    source: str
    cases: int = 0
    failures: list[Failure] = field(default_factory=list)
    skipped: str | None = None
    ran: bool = False

    @property
    def status(self) -> str:
        if self.failures:
            return FAILED
        if self.skipped is not None or not self.ran:
            return SKIPPED
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

    @property
    def failures(self) -> list[Failure]:
        return [failure for outcome in self.outcomes.values() for failure in outcome.failures]

    @property
    def ok(self) -> bool:
        return not self.failures
