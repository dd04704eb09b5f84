"""One exception root for the contract suite, so callers can tell "could not run" from "the contract broke".

    ContractsError
    ├── UsageError        bad command-line arguments or options            (exit 2)
    ├── CannotRunError    server unreachable, spec invalid, tool missing   (exit 2)
    ├── PropertyFailed    a property saw the server break a promise         (exit 1, or a warning)
    ├── NotApplicable     a property has nothing to judge on this server    (reported, never a failure)
    └── SuiteBug          the suite itself went wrong                       (exit 3)
        └── UnsafeRequest a request the safety rules forbid was about to leave (never sent)

Anything else that escapes a run is a bug of the suite's too: the CLI exits 3 for it.

`Interrupted` (a KeyboardInterrupt, not a ContractsError) carries the result of a run stopped by
Ctrl-C or SIGTERM, after the suite deleted what it had created.

`PropertyFailed` also inherits `AssertionError`, the way Schemathesis failures do, so Hypothesis and
pytest treat it as a test failure rather than an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contracts.results import Failure, RunResult


class ContractsError(Exception):
    """Root of every error the contract suite raises on purpose."""


class UsageError(ContractsError):
    """The options do not make sense together; the message names the option to fix."""


class CannotRunError(ContractsError):
    """The suite cannot start or finish: nothing was (or could be) judged."""


class PropertyFailed(ContractsError, AssertionError):
    """A property check observed a contract violation; `failure` holds what to print."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.check}: {failure.title}")
        self.failure = failure


class NotApplicable(ContractsError):
    """A property cannot judge this server (for example it offers no GET); the message says why."""


class SuiteBug(ContractsError):
    """The suite went wrong, not the server: a property crashed, or a safety rule caught a request."""


class UnsafeRequest(SuiteBug):
    """A write under --read-only, or a PUT/PATCH/DELETE of a relation this run did not create: not sent."""


class Interrupted(KeyboardInterrupt):
    """The run was stopped (Ctrl-C, SIGTERM); `result` holds what it found and what it cleaned up."""

    def __init__(self, result: RunResult) -> None:
        super().__init__("interrupted")
        self.result = result
