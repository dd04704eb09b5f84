"""The mock's exceptions.

MockServerError                 root of everything this package raises
├── StartupError                the server cannot start: nothing is served
│   ├── SpecError               the spec is missing, invalid, or names an operation with no handler
│   ├── StateFileError          the --state file is corrupt or not ours (never silently replaced)
│   └── ConfigFileError         a --fixtures or --auth-users file is unreadable or malformed
└── ApiError                    a request is refused; rendered in the vendor's error shape
    ├── PreconditionFailed      If-Unmodified-Since is older than the stored UpdatedDate
    └── ServiceUnavailable      503: the state file's disk is full or failing; nothing was changed
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class MockServerError(Exception):
    """Root of the mock server's exceptions."""


class StartupError(MockServerError):
    """The server cannot start; the message says what to fix."""


class SpecError(StartupError):
    """The OpenAPI document cannot drive the server."""


class StateFileError(StartupError):
    """The state file cannot be used."""


class ConfigFileError(StartupError):
    """A fixtures or auth-users file cannot be used."""


# An error answer lists at most this many violations, so a hostile body cannot make it huge.
MAX_VIOLATIONS = 50
# Seconds a 503 asks the client to wait (Retry-After): long enough for an operator to free a disk.
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True, slots=True)
class Violation:
    """One thing wrong with a request: which field, and what is wrong with it."""

    field: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        return {"Field": self.field, "Problem": self.problem}


class ApiError(MockServerError):
    """A request the API refuses, with the status and the vendor's error fields."""

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        *,
        violations: Sequence[Violation] = (),
        headers: Mapping[str, str] | None = None,
        source: str = "SuperOffice.WebApi",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.violations = tuple(violations)
        self.headers = dict(headers or {})
        self.source = source

    def body(self) -> dict[str, object]:
        """The error body in the vendor's shape (plus `Violations` when there are any)."""
        out: dict[str, object] = {
            "Error": True,
            "ErrorType": self.error_type,
            "ErrorMessage": self.message,
            "ErrorSource": self.source,
        }
        if self.violations:
            out["Violations"] = [v.as_dict() for v in self.violations]
        return out

    @classmethod
    def malformed(cls, error_type: str, message: str, problem: str) -> ApiError:
        """400 for a body that cannot be read at all (not UTF-8, not well-formed, unsafe)."""
        return cls(400, error_type, message, violations=[Violation("body", problem)])

    @classmethod
    def invalid(cls, violations: Sequence[Violation]) -> ApiError:
        """400 naming every failing field, not only the first (up to MAX_VIOLATIONS of them)."""
        unique = list({(v.field, v.problem): v for v in violations}.values())
        shown = unique[:MAX_VIOLATIONS]
        parts = "; ".join(f"{v.field}: {v.problem}" for v in shown)
        if len(unique) > len(shown):
            parts += f"; and {len(unique) - len(shown)} more"
        noun = "property" if len(unique) == 1 else "properties"
        return cls(400, "ValidationException", f"{len(unique)} invalid {noun}: {parts}", violations=shown)


class PreconditionFailed(ApiError):
    """The entity changed after the client's If-Unmodified-Since (the vendor's wording per operation)."""

    def __init__(self, action: str, entity_name: str) -> None:
        super().__init__(
            412,
            "PreconditionFailedException",
            f"{action} because {entity_name} has changed since the requested If-Unmodified-Since timestamp.",
        )


class ServiceUnavailable(ApiError):
    """503: the server cannot answer now (a full or failing disk); the request changed nothing."""

    def __init__(self, message: str, *, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(
            503, "ServiceUnavailableException", message, headers={"Retry-After": str(retry_after)}
        )
