"""A stopping signal (Ctrl-C, SIGTERM) waits for the write in flight: its answer is recorded first.

Raising KeyboardInterrupt the moment a signal comes could land between a POST leaving and its answer
reaching the ledger: the server would keep a relation the run never learnt of, and the cleanup could
not delete it. So a write and the recording of its answer run `shielded()`; a signal that comes
then is held until the shield is left, bounded by the request timeout. Signals are delivered to the
main thread, where the properties run; Schemathesis' processes are stopped between requests
(`contracts.fuzzing.run`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0
_pending = False


@contextmanager
def shielded() -> Iterator[None]:
    """Holds a stopping signal until the block is done; then stops as it would have."""
    global _depth, _pending
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _pending:
            _pending = False
            raise KeyboardInterrupt


def stop() -> None:
    """What a stopping signal does: KeyboardInterrupt now, or as the shielded block in flight ends."""
    global _pending
    if _depth:
        _pending = True
        return
    raise KeyboardInterrupt
