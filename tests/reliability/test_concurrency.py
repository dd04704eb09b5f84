"""Optimistic concurrency under contention: clients that read a relation and PUT it back with
`If-Unmodified-Since` set to the Last-Modified they read. A write based on a stale read is
refused with 412 and changes nothing; every write answered 200 is kept; nothing answers 5xx."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.reliability.mockprocess import AUTH, MockProcess, StartMock

CLIENTS = 8
ROUNDS = 12
SEP = "|"


@dataclass(frozen=True)
class Attempt:
    token: str
    based_on: str  # the Comment the client read before writing
    status: int
    saved: str | None  # the Comment in the 200 answer


def read_modify_write(mock: MockProcess, path: str, client_no: int, attempts: list[Attempt]) -> None:
    """Each write appends the client's token to the chain it read: a lost update drops a token."""
    with httpx.Client(base_url=mock.url, headers=AUTH, timeout=10.0) as client:
        for n in range(ROUNDS):
            read = client.get(path)
            assert read.status_code == 200, read.text
            chain = read.json()["Comment"]
            token = f"c{client_no}n{n}"
            answer = client.put(
                path,
                json={"Comment": f"{chain}{SEP}{token}"},
                headers={"If-Unmodified-Since": read.headers["Last-Modified"]},
            )
            saved = answer.json().get("Comment") if answer.status_code == 200 else None
            attempts.append(Attempt(token, chain, answer.status_code, saved))


def run_contention(mock: MockProcess, relation_id: int) -> tuple[list[Attempt], list[str]]:
    path = f"/api/v1/Relation/{relation_id}"
    attempts: list[Attempt] = []
    errors: list[BaseException] = []

    def run(client_no: int) -> None:
        try:
            read_modify_write(mock, path, client_no, attempts)
        except BaseException as exc:  # reported in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors[0]
    final = httpx.get(f"{mock.url}{path}", headers=AUTH).json()["Comment"]
    return attempts, final.split(SEP)[1:]


@pytest.mark.slow
@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_parallel_conditional_writers_get_200_or_412_and_no_acknowledged_write_is_lost(
    start_mock: StartMock, tmp_path: Path, store: str
) -> None:
    mock = start_mock("--quiet", *(("--state", tmp_path / "state.sqlite3") if store == "sqlite" else ()))
    attempts, final_chain = run_contention(mock, 918)

    statuses = sorted({a.status for a in attempts})
    assert set(statuses) <= {200, 412}, f"statuses seen: {statuses}"
    won = [a for a in attempts if a.status == 200]
    stale = [a for a in attempts if a.status == 412]
    assert won and stale, f"{len(won)} writes won and {len(stale)} were stale: the clients did not contend"
    assert all(a.saved == f"{a.based_on}{SEP}{a.token}" for a in won), "a 200 answered something else"

    lost = sorted({a.token for a in won} - set(final_chain))
    assert not lost, (
        f"{len(lost)} of {len(won)} writes answered 200 are missing from the final relation "
        f"(lost updates: a later write based on an older read overwrote them): {lost[:10]}"
    )
    assert not {a.token for a in stale} & set(final_chain), "a write refused with 412 changed the relation"
    assert len(final_chain) == len(won), "the final relation holds tokens in a different number than wins"


def wait_for_the_next_second() -> None:
    now = time.time()
    time.sleep(math.ceil(now) - now + 0.005)


def test_a_write_based_on_a_read_that_another_write_superseded_in_the_same_second_gets_412(
    mock: MockProcess,
) -> None:
    """The sequence the parallel test races into, made deterministic: read, A writes, B writes
    with the same (now stale) Last-Modified. HTTP dates have whole seconds, so the mock must not
    let both through just because A landed in the second B read."""
    path = "/api/v1/Relation/31001"
    with mock.client() as client:
        for attempt in range(3):
            wait_for_the_next_second()
            client.put(path, json={"Comment": "base"})  # Last-Modified is now this very second
            read = client.get(path)
            since = {"If-Unmodified-Since": read.headers["Last-Modified"]}
            first = client.put(path, json={"Comment": f"A{attempt}"}, headers=since)
            second = client.put(path, json={"Comment": f"B{attempt}"}, headers=since)
            assert first.status_code == 200, first.text
            assert second.status_code == 412, (
                f"B was based on the state before A and still got {second.status_code}; "
                f"A's write is lost (stored Comment now {client.get(path).json()['Comment']!r})"
            )
            assert client.get(path).json()["Comment"] == f"A{attempt}"


def test_a_stale_if_unmodified_since_gets_412_and_changes_nothing(mock: MockProcess) -> None:
    path = "/api/v1/Relation/31002"
    with mock.client() as client:
        client.put(path, json={"Comment": "first"})
        old = client.get(path)
        client.put(
            path, json={"Comment": "newer"}, headers={"If-Unmodified-Since": old.headers["Last-Modified"]}
        )
        stale = client.put(
            path, json={"Comment": "stale"}, headers={"If-Unmodified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"}
        )
        assert stale.status_code == 412
        assert stale.json()["ErrorType"] == "PreconditionFailedException"
        assert client.get(path).json()["Comment"] == "newer"
