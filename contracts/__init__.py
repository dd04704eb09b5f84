"""relation-harness contract suite: fuzz any server, real or mock, against the Relation spec.

Run it as `python -m contracts [--url URL]`, under pytest (`pytest --pyargs contracts --url URL`),
or from Python with `run_suite(Options(...))`.

Importing the package stays cheap (pytest loads `contracts.pytest_plugin` in every run of this
environment): `run_suite` and the engine behind it load on first use.
"""

from typing import TYPE_CHECKING, Any

from contracts.errors import CannotRunError, ContractsError, PropertyFailed, UsageError
from contracts.options import Options
from contracts.results import CheckOutcome, Failure, RunResult

if TYPE_CHECKING:
    from contracts.suite import run_suite

__all__ = [
    "CannotRunError",
    "CheckOutcome",
    "ContractsError",
    "Failure",
    "Options",
    "PropertyFailed",
    "RunResult",
    "UsageError",
    "run_suite",
]


def __getattr__(name: str) -> Any:
    if name == "run_suite":
        from contracts.suite import run_suite

        return run_suite
    raise AttributeError(f"module 'contracts' has no attribute {name!r}")
