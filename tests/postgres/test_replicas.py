"""Two replicas (`python -m mockserver --state postgresql://...` on two ports) sharing one real
PostgreSQL: conditional writes raced across them, a replica SIGKILLed under write load, one journal
and one reset for both, and the contract suite run against one of them."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import httpx
import pytest

from contracts.cli import main as contracts_main
from tests.livemock import REFS, MockProcess
from tests.postgres.server import PASSWORD

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
PATH = "/api/v1/Relation/918"
WRITERS = 8


@pytest.fixture
def replicas(database_url: str) -> Iterator[tuple[MockProcess, MockProcess]]:
    with (
        MockProcess("--quiet", "--state", database_url) as first,
        MockProcess("--quiet", "--state", database_url) as second,
    ):
        yield first, second


def _race(urls: list[str], since: str) -> list[int]:
    """WRITERS clients, spread over the replicas, send one conditional PUT each at the same moment."""
    barrier = threading.Barrier(WRITERS)
    statuses: list[int] = []

    def write(n: int) -> None:
        with httpx.Client(base_url=urls[n % len(urls)], headers=AUTH, timeout=10) as client:
            barrier.wait()
            answer = client.put(
                PATH, json={**REFS, "Comment": f"writer {n}"}, headers={"If-Unmodified-Since": since}
            )
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def test_writers_racing_on_one_version_across_two_replicas_get_exactly_one_200(
    replicas: tuple[MockProcess, MockProcess],
) -> None:
    urls = [replica.url for replica in replicas]
    for _ in range(3):
        version = httpx.get(urls[0] + PATH, headers=AUTH).headers["Last-Modified"]
        # Past the version's second: the first write's date is then later than every precondition.
        wait = parsedate_to_datetime(version).timestamp() + 1.05 - time.time()
        time.sleep(max(0.0, wait))
        statuses = _race(urls, version)
        assert sorted(statuses) == [200] + [412] * (WRITERS - 1), statuses
        # Both replicas read the winner's write.
        comments = {httpx.get(url + PATH, headers=AUTH).json()["Comment"] for url in urls}
        assert len(comments) == 1 and comments.pop().startswith("writer "), comments


def test_every_write_acknowledged_by_a_replica_killed_under_load_is_kept(
    replicas: tuple[MockProcess, MockProcess],
) -> None:
    doomed, survivor = replicas
    acknowledged: dict[int, str] = {}
    stop = threading.Event()

    def create(n: int) -> None:
        with httpx.Client(base_url=doomed.url, headers=AUTH, timeout=5) as client:
            for i in range(10_000):
                if stop.is_set():
                    return
                comment = f"writer {n} write {i}"
                try:
                    answer = client.post(
                        "/api/v1/Relation", json={**REFS, "RelationId": 0, "Comment": comment}
                    )
                except httpx.TransportError:
                    return  # killed: this write was never acknowledged
                if answer.status_code == 200:
                    acknowledged[answer.json()["RelationId"]] = comment

    threads = [threading.Thread(target=create, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    assert doomed.process is not None
    doomed.process.send_signal(signal.SIGKILL)
    doomed.process.wait(10)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert len(acknowledged) > 20, f"only {len(acknowledged)} writes were acknowledged before the kill"
    with httpx.Client(base_url=survivor.url, headers=AUTH, timeout=10) as client:
        lost = {
            rid: comment
            for rid, comment in acknowledged.items()
            if (found := client.get(f"/api/v1/Relation/{rid}")).status_code != 200
            or found.json()["Comment"] != comment
        }
    assert lost == {}, f"{len(lost)} of {len(acknowledged)} acknowledged writes are missing"


def test_the_journal_and_the_reset_are_shared_by_both_replicas(
    replicas: tuple[MockProcess, MockProcess],
) -> None:
    first, second = replicas
    seed = httpx.get(first.url + PATH, headers=AUTH).json()
    httpx.put(first.url + PATH, json={**seed, "Comment": "through the first"}, headers=AUTH)
    httpx.get(second.url + "/api/v1/Relation/381?marker=second", headers=AUTH)
    for replica in replicas:
        entries = httpx.get(replica.url + "/__admin/requests").json()["Requests"]
        paths = [(entry["Method"], entry["Path"]) for entry in entries]
        assert ("PUT", PATH) in paths and ("GET", "/api/v1/Relation/381") in paths, paths
        assert all(PASSWORD not in str(entry) for entry in entries)
    assert httpx.post(second.url + "/__admin/reset").status_code in (200, 204)
    # Emptied for both: the first replica lists nothing from before the reset.
    assert httpx.get(first.url + "/__admin/requests").json()["Requests"] == []
    assert httpx.get(first.url + PATH, headers=AUTH).json()["Comment"] == seed["Comment"]


def test_the_contract_suite_passes_against_a_replica(replicas: tuple[MockProcess, MockProcess]) -> None:
    first, second = replicas
    before = _kept(httpx.get(second.url + PATH, headers=AUTH).json())
    args = ["--url", first.url, "--max-examples", "3", "--seed", "7", "--quiet", "--workers", "1"]
    assert contracts_main([*args, "--phases", "examples,fuzzing,stateful"]) == 0
    # The suite put back what it changed, as the other replica sees it (the server's stamps aside).
    assert _kept(httpx.get(second.url + PATH, headers=AUTH).json()) == before


def _kept(relation: dict[str, object]) -> dict[str, object]:
    return {name: value for name, value in relation.items() if name not in ("UpdatedDate", "UpdatedBy")}


def test_the_password_is_in_no_log_line_of_a_replica(database_url: str) -> None:
    mock = MockProcess("--state", database_url).start()  # not --quiet: the access log and banner
    assert mock.process is not None
    try:
        httpx.get(mock.url + PATH, headers=AUTH)
        httpx.get(mock.url + "/openapi.json")
        httpx.get(mock.url + "/api/v1/Relation/abc", headers=AUTH)
    finally:
        mock.process.send_signal(signal.SIGTERM)
        out, err = mock.process.communicate(timeout=15)
    logged = (out + err).decode("utf-8", "replace")
    assert "GET /api/v1/Relation/918" in logged, logged  # the access log was written ...
    assert PASSWORD not in logged  # ... and names no password
