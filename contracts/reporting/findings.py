"""A run's findings and cleanup as plain lines: what the terminal, Markdown and JUnit reports share."""

from __future__ import annotations

from contracts.catalog import BASIS_LABELS
from contracts.results import Failure, RunResult
from contracts.safety.ledger import ranges

# Cleanup lines: one of the run's relations it did not delete; one a POST answered that is not the run's.
LEFT_BEHIND = "left behind:"
NOT_OURS = "not the suite's:"


def cleanup_lines(result: RunResult) -> list[str]:
    """What the run created and deleted on the server, every id (consecutive ones as ranges)."""
    if result.read_only:
        return ["--read-only: only GET requests were sent; nothing was created or changed"]
    lines = [
        f"relations created: {len(result.created)} ({ranges(result.created)})",
        f"relations deleted: {len(result.deleted)} ({ranges(result.deleted)})",
    ]
    for rid, reason in result.not_deleted.items():
        lines.append(
            f"{LEFT_BEHIND} relation {rid} ({reason}); look at it, and delete it by hand if nobody needs it"
        )
    for rid, reason in result.not_ours.items():
        lines.append(f"{NOT_OURS} relation {rid} (a POST answered it, but {reason}); left exactly as it was")
    return lines


def basis_label(basis: str) -> str:
    return BASIS_LABELS.get(basis, basis)


def plain(failure: Failure) -> str:
    """A finding as plain text (JUnit)."""
    return (
        f"{failure.title} ({failure.operation}) [{basis_label(failure.basis)}]\n"
        f"expected: {failure.expected}\nseen: {failure.seen}\nreproduce:\n{failure.curl}"
    )
