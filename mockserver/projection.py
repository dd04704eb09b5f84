"""`$select`: unselected fields of an answer become null, keeping their keys.

Names are case-insensitive; `CreatedBy/AssociateId` keeps the carrier with only the named members;
unknown names are ignored; an empty `$select` shows everything. Parsed selections are cached
(bounded), so a client repeating one `$select` pays for its parsing once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True, slots=True)
class Selection:
    """Which top-level fields are kept whole, and which carriers keep only some members (lower-cased)."""

    whole: frozenset[str]
    members: Mapping[str, frozenset[str]]


@lru_cache(maxsize=512)
def parse_select(raw: str) -> Selection | None:
    """None means "show all fields" (no names given)."""
    whole: set[str] = set()
    members: dict[str, set[str]] = {}
    for item in raw.split(","):
        path = [part.strip().lower() for part in item.strip().strip("/").split("/")]
        if not path[0]:
            continue
        if len(path) == 1:
            whole.add(path[0])
        else:
            members.setdefault(path[0], set()).add(path[1])
    if not whole and not members:
        return None
    return Selection(frozenset(whole), {key: frozenset(value) for key, value in members.items()})


def apply_select(entity: Mapping[str, Any], selection: Selection | None) -> dict[str, Any]:
    """A copy of the answer with every unselected field set to null."""
    if selection is None:
        return dict(entity)
    out: dict[str, Any] = {}
    for key, value in entity.items():
        lower = key.lower()
        if lower in selection.whole:
            out[key] = value
        elif lower in selection.members and isinstance(value, Mapping):
            keep = selection.members[lower]
            out[key] = {name: (sub if name.lower() in keep else None) for name, sub in value.items()}
        else:
            out[key] = None
    return out
