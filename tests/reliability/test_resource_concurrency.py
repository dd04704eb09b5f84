"""POST, PATCH and DELETE under contention, on `--workers 2` processes sharing one SQLite state file
(a fresh connection per request, so requests spread over both workers).

- concurrent POSTs never hand out one id twice, and each created relation holds what its POST sent;
- conditional PATCHes (read, then PATCH with `If-Unmodified-Since` = the Last-Modified read) lose no
  update across seconds, as PUTs must not (test_concurrency.py explains the one-second resolution);
- a conditional DELETE racing them deletes nothing a rival changed in a later second than its
  precondition, a 412 has a rival behind it, and after its 204 no PATCH brings the relation back.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.livemock import REFS
from tests.reliability.mockprocess import AUTH, MockProcess
from tests.reliability.test_concurrency import (
    SEP,
    Attempt,
    _second,
    lost_across_seconds,
    wait_for_the_next_second,
)

CLIENTS = 6
POSTS_PER_CLIENT = 25
ROUNDS = 5
COLLECTION = "/api/v1/Relation"


def fresh_connections(mock: MockProcess) -> httpx.Client:
    """A client that opens a new connection for every request, so the kernel spreads them over workers."""
    return httpx.Client(
        base_url=mock.url, headers=AUTH, timeout=10.0, limits=httpx.Limits(max_keepalive_connections=0)
    )


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    """One `--workers 2` mock on one state file for the module; each test works on relations it creates."""
    state = tmp_path_factory.mktemp("workers") / "state.sqlite3"
    with MockProcess(["--quiet", "--workers", "2", "--state", str(state)]) as mock:
        yield mock
        assert not mock.died_unexpectedly(), mock.stderr_text()


def run_threads(target: object, count: int) -> None:
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            target(number)  # type: ignore[operator]
        except BaseException as exc:  # reported in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not errors, errors[0]


@pytest.mark.slow
def test_concurrent_posts_on_workers_sharing_one_file_never_hand_out_an_id_twice(
    workers: MockProcess,
) -> None:
    created: list[tuple[int, str]] = []

    def post_many(client_no: int) -> None:
        with fresh_connections(workers) as client:
            for n in range(POSTS_PER_CLIENT):
                comment = f"c{client_no}n{n}"
                answer = client.post(COLLECTION, json={**REFS, "Comment": comment})
                assert answer.status_code == 200, answer.text
                created.append((answer.json()["RelationId"], comment))

    run_threads(post_many, CLIENTS)
    ids = [relation_id for relation_id, _ in created]
    assert len(ids) == CLIENTS * POSTS_PER_CLIENT
    twice = sorted({relation_id for relation_id in ids if ids.count(relation_id) > 1})
    assert twice == [], f"ids handed out more than once: {twice}"
    with fresh_connections(workers) as client:
        overwritten = [
            (relation_id, comment, stored)
            for relation_id, comment in created
            if (stored := client.get(f"{COLLECTION}/{relation_id}").json()["Comment"]) != comment
        ]
    assert overwritten == [], f"relations that do not hold what their POST sent: {overwritten[:5]}"


@dataclass(frozen=True)
class Deletion:
    since: float  # its If-Unmodified-Since, as a Unix second
    sent: float
    acked: float
    status: int


def patch_chain(
    mock: MockProcess, path: str, client_no: int, attempts: list[Attempt], gone: list[float]
) -> None:
    """Read, think, PATCH the Comment with the Last-Modified read as precondition; stop at a 404."""
    rng = random.Random(client_no)
    with fresh_connections(mock) as client:
        for n in range(ROUNDS):
            read = client.get(path)
            if read.status_code == 404:
                return
            assert read.status_code == 200, read.text
            chain = read.json()["Comment"]
            token = f"c{client_no}n{n}"
            time.sleep(rng.uniform(0, 1.2))
            sent = time.monotonic()
            answer = client.patch(
                path,
                json=[{"op": "replace", "path": "/Comment", "value": f"{chain}{SEP}{token}"}],
                headers={"If-Unmodified-Since": read.headers["Last-Modified"]},
            )
            acked = time.monotonic()
            if answer.status_code == 404:
                gone.append(sent)
                return
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


def conditional_delete(mock: MockProcess, path: str, think: float) -> Deletion:
    with fresh_connections(mock) as client:
        read = client.get(path)
        assert read.status_code == 200, read.text
        time.sleep(think)
        sent = time.monotonic()
        answer = client.delete(path, headers={"If-Unmodified-Since": read.headers["Last-Modified"]})
        return Deletion(_second(read.headers["Last-Modified"]), sent, time.monotonic(), answer.status_code)


def deletion_problems(deletion: Deletion, attempts: list[Attempt], gone: list[float]) -> list[str]:
    """What a DELETE racing conditional PATCHes must never do, and what a 404 must never hide."""
    won = [a for a in attempts if a.status == 200]
    problems = []
    if deletion.status == 204:
        overwritten = [
            a.token
            for a in won
            if a.acked < deletion.sent and a.modified is not None and a.modified > deletion.since
        ]
        if overwritten:
            problems.append(f"the DELETE went through over PATCHes from a later second: {overwritten}")
        revived = [a.token for a in won if a.sent > deletion.acked]
        if revived:
            problems.append(f"PATCHes sent after the 204 were answered 200: {revived}")
    elif deletion.status == 412:
        if not any(
            a.modified is not None and a.modified > deletion.since and a.sent < deletion.acked for a in won
        ):
            problems.append(
                "the DELETE got 412, but no PATCH had changed the relation after its precondition"
            )
    else:
        problems.append(f"the DELETE was answered {deletion.status}")
    if gone and deletion.status != 204:
        problems.append("a PATCH got 404 though the relation was never deleted")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("think", [0.3, 2.5], ids=["early delete", "late delete"])
def test_conditional_patches_and_a_conditional_delete_on_workers_lose_no_update(
    workers: MockProcess, think: float
) -> None:
    with fresh_connections(workers) as client:
        created = client.post(COLLECTION, json={**REFS, "Comment": ""})
    path = f"{COLLECTION}/{created.json()['RelationId']}"
    attempts: list[Attempt] = []
    gone: list[float] = []
    deletions: list[Deletion] = []

    def run(number: int) -> None:
        if number == CLIENTS:
            deletions.append(conditional_delete(workers, path, think))
        else:
            patch_chain(workers, path, number, attempts, gone)

    run_threads(run, CLIENTS + 1)
    (deletion,) = deletions
    assert {a.status for a in attempts} <= {200, 412}, sorted({a.status for a in attempts})
    won = [a for a in attempts if a.status == 200]
    assert won or gone, "no PATCH went through or met the deletion: the clients did not contend"
    assert all(a.saved == f"{a.based_on}{SEP}{a.token}" for a in won), "a 200 answered something else"
    lost = lost_across_seconds(attempts)
    assert not lost, f"PATCHes overwrote a rival from a later second than their precondition: {lost[:5]}"
    assert deletion_problems(deletion, attempts, gone) == []
    final = httpx.get(f"{workers.url}{path}", headers=AUTH)
    if deletion.status == 204:
        assert final.status_code == 404
    else:
        stale = {a.token for a in attempts if a.status == 412}
        chain = set(final.json()["Comment"].split(SEP)[1:])
        assert not stale & chain, "a PATCH refused with 412 changed the relation"
        assert chain <= {a.token for a in won}, "the relation holds a token no 200 answered"


def test_the_deletion_check_fails_a_delete_that_ignores_its_precondition() -> None:
    """The invariants above are not vacuous: a history that overwrote or revived fails them."""
    rival = Attempt("a", "", since=100.0, sent=0.0, acked=0.1, status=200, saved="|a", modified=102.0)
    late = Attempt("b", "", since=100.0, sent=0.5, acked=0.6, status=200, saved="|b", modified=103.0)
    blind = Deletion(since=100.0, sent=0.2, acked=0.3, status=204)
    assert len(deletion_problems(blind, [rival, late], [])) == 2
    needless = Deletion(since=102.0, sent=0.2, acked=0.3, status=412)
    assert deletion_problems(needless, [rival], []) != []
    assert deletion_problems(Deletion(since=102.0, sent=0.2, acked=0.3, status=204), [rival], [0.4]) == []
    assert deletion_problems(needless, [rival], [0.4]) != []  # a 404 without a deletion


def test_a_delete_based_on_a_read_that_a_later_patch_superseded_gets_412_and_deletes_nothing(
    workers: MockProcess,
) -> None:
    """The race above made deterministic: read; a PATCH a second later; DELETE with the old date."""
    with fresh_connections(workers) as client:
        path = (
            f"{COLLECTION}/{client.post(COLLECTION, json={**REFS, 'Comment': 'base'}).json()['RelationId']}"
        )
        read = client.get(path)
        since = {"If-Unmodified-Since": read.headers["Last-Modified"]}
        wait_for_the_next_second()
        patched = client.patch(path, json={"Comment": "newer"}, headers=since)
        stale = client.delete(path, headers=since)
        assert patched.status_code == 200, patched.text
        assert stale.status_code == 412, f"a DELETE based on a superseded read got {stale.status_code}"
        assert client.get(path).json()["Comment"] == "newer"
        fresh = client.delete(path, headers={"If-Unmodified-Since": patched.headers["Last-Modified"]})
        assert fresh.status_code == 204
        after = client.patch(path, json={"Comment": "back?"}, headers=since)
        assert after.status_code == 404, (
            f"a PATCH after the DELETE got {after.status_code}: PATCH never creates"
        )
        assert client.get(path).status_code == 404
