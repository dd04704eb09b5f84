"""Writers for the rest of the resource under SIGKILL: POST, PATCH and DELETE mixed, each writer on
relations it created itself, with a ledger of what the mock acknowledged and what it never answered.
Used by test_durability.py."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import httpx

from tests.livemock import REFS
from tests.reliability.mockprocess import AUTH, MockProcess

COLLECTION = "/api/v1/Relation"


@dataclass
class ResourceLedger:
    """What one writer knows: the Comment each of its relations was last acknowledged with (and values
    sent after it without an answer), the relations a DELETE removed (or was sent to remove), and
    every id a POST handed out."""

    alive: dict[int, str] = field(default_factory=dict)
    unanswered: dict[int, list[str]] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    deleting: set[int] = field(default_factory=set)
    handed_out: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: {"POST": 0, "PATCH": 0, "DELETE": 0})


def _patch(client: httpx.Client, relation_id: int, value: str, n: int) -> httpx.Response:
    path = f"{COLLECTION}/{relation_id}"
    if n % 2:
        return client.patch(
            path, json={"Comment": value}, headers={"Content-Type": "application/merge-patch+json"}
        )
    return client.patch(path, json=[{"op": "replace", "path": "/Comment", "value": value}])


def write_until_killed(mock: MockProcess, writer: int, stop: threading.Event, ledger: ResourceLedger) -> None:
    """POST, PATCH, PATCH, DELETE (the oldest of its relations, once it has three), over and over."""
    with httpx.Client(base_url=mock.url, headers=AUTH, timeout=5.0) as client:
        n = 0
        while not stop.is_set():
            value = f"w{writer}-n{n}"
            mine = list(ledger.alive)
            kind = n % 4
            try:
                if kind == 0 or not mine:
                    answer = client.post(COLLECTION, json={**REFS, "Comment": value})
                    assert answer.status_code == 200, f"POST {value}: {answer.status_code} {answer.text}"
                    created = answer.json()["RelationId"]
                    assert created not in ledger.handed_out, f"POST handed out {created} twice"
                    ledger.handed_out.add(created)
                    ledger.alive[created] = value
                    ledger.counts["POST"] += 1
                elif kind in (1, 2):
                    target = mine[-1]
                    ledger.unanswered.setdefault(target, []).append(value)
                    answer = _patch(client, target, value, n)
                    assert answer.status_code == 200, (
                        f"PATCH {target} {value}: {answer.status_code} {answer.text}"
                    )
                    assert answer.json()["Comment"] == value
                    ledger.alive[target] = value
                    ledger.unanswered[target] = []
                    ledger.counts["PATCH"] += 1
                elif len(mine) >= 3:
                    target = mine[0]
                    ledger.deleting.add(target)
                    answer = client.delete(f"{COLLECTION}/{target}")
                    assert answer.status_code == 204, f"DELETE {target}: {answer.status_code} {answer.text}"
                    del ledger.alive[target]
                    ledger.deleting.discard(target)
                    ledger.deleted.add(target)
                    ledger.counts["DELETE"] += 1
            except httpx.TransportError:
                return  # the mock is gone; what was in flight stays "unanswered"
            n += 1


def lost(mock: MockProcess, ledgers: list[ResourceLedger]) -> list[str]:
    """Every acknowledged create, patch and delete that the restarted mock does not show."""
    problems = []
    with httpx.Client(base_url=mock.url, headers=AUTH, timeout=5.0) as client:
        for ledger in ledgers:
            for relation_id, value in ledger.alive.items():
                if relation_id in ledger.deleting:
                    continue  # a DELETE was sent and never answered: either outcome is right
                stored = client.get(f"{COLLECTION}/{relation_id}")
                allowed = [value, *ledger.unanswered.get(relation_id, [])]
                found = (
                    stored.json().get("Comment")
                    if stored.status_code == 200
                    else f"HTTP {stored.status_code}"
                )
                if found not in allowed:
                    problems.append(f"relation {relation_id}: acknowledged {value!r}, found {found!r}")
            for relation_id in ledger.deleted:
                status = client.get(f"{COLLECTION}/{relation_id}").status_code
                if status != 404:
                    problems.append(
                        f"relation {relation_id}: its DELETE was answered 204, GET gives {status}"
                    )
    return problems
