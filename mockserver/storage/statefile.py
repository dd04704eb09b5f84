"""Whether a `--state` path can hold the store, asked of the operating system before SQLite opens it.

SQLite opens a file it may not write read-only without a word (the first write then fails), creates
the target of a dangling link, and says "unable to open database file" for a folder and a missing
folder alike. So the path is checked first, without writing a byte (opening a file for reading and
writing changes nothing in it). SQLite keeps `-wal` and `-shm` files beside the state file, so its
folder must be writable too. Every refusal is one sentence: the file, the problem, the fix.
"""

from __future__ import annotations

import os
from pathlib import Path

from mockserver.errors import StateFileError

PASS_ANOTHER = "pass another --state path"


def refusal(path: Path, problem: str, fix: str) -> StateFileError:
    """`The state file X <problem>; it was left as it is: <fix>.`"""
    return StateFileError(f"The state file {path} {problem}; it was left as it is: {fix}.")


def check_state_path(path: Path) -> None:
    """Raise StateFileError when this process could not read and write `path` and its folder."""
    if path.is_symlink() and not path.exists():
        raise refusal(
            path,
            f"is a link to {os.readlink(path)}, which does not exist",
            f"restore the file it points to, or {PASS_ANOTHER}",
        )
    if path.is_dir():
        raise refusal(path, "is a folder, not a file", f"{PASS_ANOTHER} (a file in that folder, for example)")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise refusal(path, f"is in a folder that does not exist ({folder})", f"create it, or {PASS_ANOTHER}")
    if path.exists():
        for flags, verb, fix in (
            (os.O_RDONLY, "read", "give the user running the mock read and write access to it"),
            (os.O_RDWR, "written", "make it writable (chmod u+w, chattr -i, a read-write mount)"),
        ):
            try:
                os.close(os.open(path, flags))
            except OSError as exc:
                raise refusal(
                    path, f"cannot be {verb} by this process ({exc.strerror})", f"{fix}, or {PASS_ANOTHER}"
                ) from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise refusal(
            path,
            f"is in a folder this process cannot write ({folder}), where SQLite keeps its -wal file",
            f"make the folder writable, or {PASS_ANOTHER} in another folder",
        )


def is_database_url(text: str) -> bool:
    """A --state that names a PostgreSQL database (mockserver.storage.postgres) rather than a SQLite file."""
    return text.startswith(("postgresql://", "postgres://"))
