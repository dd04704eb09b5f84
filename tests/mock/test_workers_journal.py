"""`--workers N` keeps one request journal: whichever worker answers `GET /__admin/requests` lists
every worker's requests (the last `--journal-size` of them, ids unique), and one reset or
`DELETE /__admin/requests` empties it for all. Each request goes on a new connection, so the kernel
spreads them over the workers."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.livemock import MockProcess

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
REQUESTS = 40


def send_marked(url: str, count: int, marker: str) -> set[str]:
    sent = set()
    for n in range(count):
        query = f"$select=Comment&marker={marker}-{n}"
        assert httpx.get(f"{url}/api/v1/Relation/918?{query}", headers=AUTH).status_code == 200
        sent.add(query)
    return sent


def listings(url: str, times: int = 8) -> list[list[dict[str, object]]]:
    """The journal as several new connections see it (so several workers answer)."""
    out = []
    for _ in range(times):
        answer = httpx.get(f"{url}/__admin/requests")
        assert answer.status_code == 200, answer.text
        out.append(answer.json()["Requests"])
    return out


def test_every_worker_lists_every_worker_s_requests_and_one_reset_empties_the_journal_for_all(
    tmp_path: Path,
) -> None:
    with MockProcess("--workers", "2", "--quiet", "--state", str(tmp_path / "state.sqlite3")) as mock:
        sent = send_marked(mock.url, REQUESTS, "a")
        for entries in listings(mock.url):
            assert {entry["Query"] for entry in entries} == sent
            ids = [entry["Id"] for entry in entries]
            assert len(set(ids)) == len(ids) == REQUESTS
        assert httpx.delete(f"{mock.url}/__admin/requests").status_code == 204
        assert all(entries == [] for entries in listings(mock.url))
        sent = send_marked(mock.url, 5, "b")
        assert all({entry["Query"] for entry in entries} == sent for entries in listings(mock.url))
        assert httpx.post(f"{mock.url}/__admin/reset").status_code == 200
        assert all(entries == [] for entries in listings(mock.url))


def test_the_workers_journal_keeps_the_last_journal_size_entries_in_order() -> None:
    with MockProcess("--workers", "2", "--quiet", "--journal-size", "10") as mock:
        send_marked(mock.url, 25, "c")
        for entries in listings(mock.url, times=4):
            assert [entry["Query"] for entry in entries] == [
                f"$select=Comment&marker=c-{n}" for n in range(15, 25)
            ]


def test_a_new_run_on_the_same_state_file_starts_with_an_empty_journal(tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite3")
    with MockProcess("--workers", "2", "--quiet", "--state", state) as mock:
        send_marked(mock.url, 3, "d")
    with MockProcess("--workers", "2", "--quiet", "--state", state) as mock:
        assert all(entries == [] for entries in listings(mock.url, times=4))
