"""Memory stays flat under load: the journal, the caches and anything else kept per request are
bounded, by count and by bytes. RSS is read from /proc/PID/status of the mock process."""

from __future__ import annotations

import httpx
import pytest

from tests.reliability.mockprocess import AUTH, StartMock
from tests.reliability.workload import send_mixed

MiB = 1024


@pytest.mark.slow
def test_rss_does_not_grow_over_3000_mixed_requests_after_warm_up(start_mock: StartMock) -> None:
    mock = start_mock("--quiet", "--journal-size", "50")
    with mock.client() as client:
        warm = send_mixed(client, 1500)
        before = mock.rss_kib()
        load = send_mixed(client, 3000, start=1500)
        after = mock.rss_kib()
    statuses = warm + load
    assert not [code for code in statuses if code >= 500], f"server errors under load: {statuses}"
    assert {200, 400, 404, 412} <= set(statuses), f"the workload missed answer paths: {statuses}"
    growth = after - before
    assert growth < 15 * MiB, (
        f"RSS grew by {growth / MiB:.1f} MiB over 3000 requests ({before} -> {after} KiB)"
    )


def test_the_journal_keeps_at_most_journal_size_entries_and_cuts_long_bodies(start_mock: StartMock) -> None:
    mock = start_mock("--quiet", "--journal-size", "50")
    with mock.client() as client:
        send_mixed(client, 200)
        big = b'{"Comment": "' + b"x" * (1000 * 1024) + b'"}'  # just under the 1 MiB body limit
        client.put("/api/v1/Relation/20001", content=big, headers={"Content-Type": "application/json"})
        entries = client.get("/__admin/requests").json()["Requests"]
    assert len(entries) == 50
    assert entries[-1]["Method"] == "PUT" and entries[-1]["Path"] == "/api/v1/Relation/20001"
    assert len(entries[-1]["Body"].encode()) <= 16 * 1024


BIG_HEADERS = {
    "a big custom header (kept by the journal)": lambda i, pad: {"X-Padding": f"{i:04d}{pad}"},
    "a big Bearer token (kept by the credential cache)": lambda i, pad: {
        "Authorization": f"Bearer {i:04d}{pad}"
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("make_headers", list(BIG_HEADERS.values()), ids=list(BIG_HEADERS))
def test_requests_with_1_mib_headers_do_not_accumulate_in_memory(
    start_mock: StartMock, make_headers: object
) -> None:
    """Entries are bounded in number; each must be bounded in size too, or a client sending big
    headers (long tokens, cookies added by proxies) grows the mock by entries x header size."""
    mock = start_mock("--quiet", "--journal-size", "50")
    padding = "p" * (1024 * 1024)
    with mock.client() as client:
        send_mixed(client, 300)
        before = mock.rss_kib()
        statuses = []
        for i in range(100):
            try:
                answer = client.get("/api/v1/Relation/918", headers=make_headers(i, padding))  # type: ignore[operator]
                statuses.append(answer.status_code)
            except httpx.TransportError:  # refused at the HTTP layer: fine, as long as it keeps serving
                statuses.append(0)
        after = mock.rss_kib()
        assert client.get("/api/v1/Relation/918", headers=AUTH).status_code == 200
    assert not [code for code in statuses if code >= 500], statuses
    growth = after - before
    assert growth < 16 * MiB, (
        f"RSS grew by {growth / MiB:.0f} MiB after 100 requests with a distinct 1 MiB header each "
        f"({before} -> {after} KiB); statuses {sorted(set(statuses))}"
    )
