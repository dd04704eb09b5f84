"""The proxy's work per request and its memory stay bounded whatever the traffic: many distinct
credentials, many relations, many violations."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from mockserver.proxy import history, recorder, scrubbing
from tests.proxy.conftest import ANSWER, Echo, proxy_in_thread
from tests.reliability.mockprocess import MockProcess
from tests.servers.runner import serve


def _ticket(size: int) -> str:
    return "SOTicket 7T:" + secrets.token_urlsafe(size)[:size]


@pytest.mark.slow
def test_distinct_credentials_cost_no_more_per_request_and_no_memory(tmp_path: Path) -> None:
    """Per-request work must not grow with the number of distinct credentials seen."""
    with serve(Echo()) as upstream:
        proxy = MockProcess(["--proxy", upstream, "--quiet"], workdir=tmp_path)
        try:
            proxy.start()
            with httpx.Client(base_url=proxy.url, timeout=30) as client:

                def timed(authorization: str) -> float:
                    started = time.perf_counter()
                    answer = client.get("/api/v1/Relation/918", headers={"Authorization": authorization})
                    assert answer.status_code == 200
                    return time.perf_counter() - started

                one = _ticket(2048)
                baseline = sorted(timed(one) for _ in range(120))[:100]
                rss_before = proxy.rss_kib()
                distinct: list[float] = []
                for _ in range(400):
                    distinct.append(timed(_ticket(2048)))
                    assert distinct[-1] < 2.0, (
                        f"request {len(distinct)} with a new credential took {distinct[-1]:.2f} s"
                    )
                rss_growth_mib = (proxy.rss_kib() - rss_before) / 1024
        finally:
            proxy.close()
    typical, late = sum(baseline) / len(baseline), sorted(distinct[-150:])[:100]
    assert sum(late) / len(late) < 3 * typical + 0.002, (typical, sum(late) / len(late))
    assert rss_growth_mib < 30, rss_growth_mib


class _Numbered(Echo):
    """Answers the relation the path names: valid for even ids, with a string RelationId for odd ones
    (one violation each)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            number = int(scope["path"].rsplit("/", 1)[1])
            relation_id: int | str = number if number % 2 == 0 else str(number)
            self.body = json.dumps({**ANSWER, "RelationId": relation_id, "Comment": f"{number}"}).encode()
        await super().__call__(scope, receive, send)


def test_relations_recordings_credentials_and_violations_are_held_up_to_their_caps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "MAX_RELATIONS", 20)
    monkeypatch.setattr(recorder, "MAX_RECORDED", 20)
    monkeypatch.setattr(scrubbing, "MAX_CREDENTIALS", 20)
    recording = tmp_path / "recorded.json"
    with (
        serve(_Numbered()) as upstream,
        proxy_in_thread(upstream, record_file=recording, journal_size=30) as proxy,
        httpx.Client(base_url=proxy, timeout=10) as client,
    ):
        for number in range(1, 81):
            answer = client.get(f"/api/v1/Relation/{number}", headers={"Authorization": _ticket(40)})
            assert answer.status_code == 200
        listing = client.get("/__admin/violations").json()
    held = listing["Held"]
    assert held["Relations"] == {"Count": 20, "Limit": 20}
    assert held["Recorded"] == {"Count": 20, "Limit": 20}
    assert held["Credentials"]["Count"] <= held["Credentials"]["Limit"] == 20
    assert held["Violations"] == {"Count": 30, "Limit": 30}
    assert len(listing["Violations"]) == 30
    recorded = json.loads(recording.read_text())
    assert len(recorded) == 20
    assert "80" not in recorded  # once full, new relations are not recorded (the first 20 are kept)
