"""Optimistic concurrency under contention: clients that read a relation and PUT it back with
`If-Unmodified-Since` set to the Last-Modified they read. A write based on a stale read is
refused with 412 and changes nothing; nothing answers 5xx.

`Last-Modified` is the real time of a write, and HTTP dates have whole seconds, so RFC 9110
§13.1.4 lets two writes in the second of a precondition both through. What must never happen is
a lost update across seconds: a conditional write accepted although a rival write, acknowledged
before it was sent, carries a later second than its precondition."""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from tests.livemock import REFS
from tests.reliability.mockprocess import AUTH, MockProcess, StartMock

CLIENTS = 6
ROUNDS = 6
SEP = "|"


@dataclass(frozen=True)
class Attempt:
    token: str
    based_on: str  # the Comment the client read before writing
    since: float  # its If-Unmodified-Since (the Last-Modified it read), as a Unix second
    sent: float  # monotonic clock when the PUT was sent ...
    acked: float  # ... and when its answer arrived
    status: int
    saved: str | None  # the Comment in the 200 answer
    modified: float | None  # the 200 answer's Last-Modified, as a Unix second


def _second(header: str) -> float:
    return parsedate_to_datetime(header).timestamp()


def read_modify_write(mock: MockProcess, path: str, client_no: int, attempts: list[Attempt]) -> None:
    """Each write appends the client's token to the chain it read; reads and writes are spread over
    a few seconds (a random think time) so that rivals land in later seconds than a precondition."""
    rng = random.Random(client_no)
    with httpx.Client(base_url=mock.url, headers=AUTH, timeout=10.0) as client:
        for n in range(ROUNDS):
            read = client.get(path)
            assert read.status_code == 200, read.text
            chain = read.json()["Comment"]
            token = f"c{client_no}n{n}"
            time.sleep(rng.uniform(0, 1.2))
            sent = time.monotonic()
            answer = client.put(
                path,
                json={**REFS, "Comment": f"{chain}{SEP}{token}"},
                headers={"If-Unmodified-Since": read.headers["Last-Modified"]},
            )
            acked = time.monotonic()
            won = answer.status_code == 200
            attempts.append(
                Attempt(
                    token=token,
                    based_on=chain,
                    since=_second(read.headers["Last-Modified"]),
                    sent=sent,
                    acked=acked,
                    status=answer.status_code,
                    saved=answer.json().get("Comment") if won else None,
                    modified=_second(answer.headers["Last-Modified"]) if won else None,
                )
            )


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


def lost_across_seconds(attempts: list[Attempt]) -> list[tuple[str, str]]:
    """(accepted write, rival it overwrote): the rival was acknowledged before the write was sent,
    in a later second than the write's precondition, and the write still got 200."""
    won = [a for a in attempts if a.status == 200]
    return [
        (write.token, rival.token)
        for write in won
        for rival in won
        if rival is not write
        and rival.acked < write.sent
        and rival.modified is not None
        and rival.modified > write.since
    ]


@pytest.mark.slow
@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_parallel_conditional_writers_lose_no_update_across_seconds(
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

    lost = lost_across_seconds(attempts)
    assert not lost, (
        f"{len(lost)} writes overwrote a rival from a later second than their precondition: {lost[:5]}"
    )
    assert not {a.token for a in stale} & set(final_chain), "a write refused with 412 changed the relation"
    assert set(final_chain) <= {a.token for a in won}, "the relation holds a token no 200 answered"


def test_the_lost_update_check_fails_a_server_that_ignores_the_precondition() -> None:
    """The invariant above is not vacuous: the history of a server that lets everything through fails it."""
    a = Attempt("a", "", since=100.0, sent=0.0, acked=0.1, status=200, saved="|a", modified=101.0)
    b = Attempt("b", "", since=100.0, sent=0.2, acked=0.3, status=200, saved="|b", modified=102.0)
    assert lost_across_seconds([a, b]) == [("b", "a")]
    same_second = Attempt("b", "", since=101.0, sent=0.2, acked=0.3, status=200, saved="|b", modified=101.0)
    assert lost_across_seconds([a, same_second]) == []


def wait_for_the_next_second() -> None:
    now = time.time()
    time.sleep(math.ceil(now) - now + 0.005)


def test_a_write_based_on_a_read_that_a_write_in_a_later_second_superseded_gets_412(
    mock: MockProcess,
) -> None:
    """The sequence the parallel test races into, made deterministic: read, A writes a second later,
    B writes with the Last-Modified it read before A."""
    path = "/api/v1/Relation/31001"
    with mock.client() as client:
        for attempt in range(2):
            client.put(path, json={**REFS, "Comment": "base"})
            read = client.get(path)
            since = {"If-Unmodified-Since": read.headers["Last-Modified"]}
            wait_for_the_next_second()
            first = client.put(path, json={**REFS, "Comment": f"A{attempt}"}, headers=since)
            second = client.put(path, json={**REFS, "Comment": f"B{attempt}"}, headers=since)
            assert first.status_code == 200, first.text
            assert second.status_code == 412, (
                f"B was based on the state before A and still got {second.status_code}; "
                f"A's write is lost (stored Comment now {client.get(path).json()['Comment']!r})"
            )
            assert client.get(path).json()["Comment"] == f"A{attempt}"


def test_a_stale_if_unmodified_since_gets_412_and_changes_nothing(mock: MockProcess) -> None:
    path = "/api/v1/Relation/31002"
    with mock.client() as client:
        client.put(path, json={**REFS, "Comment": "first"})
        old = client.get(path)
        client.put(
            path,
            json={**REFS, "Comment": "newer"},
            headers={"If-Unmodified-Since": old.headers["Last-Modified"]},
        )
        stale = client.put(
            path,
            json={**REFS, "Comment": "stale"},
            headers={"If-Unmodified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"},
        )
        assert stale.status_code == 412
        assert stale.json()["ErrorType"] == "PreconditionFailedException"
        assert client.get(path).json()["Comment"] == "newer"
