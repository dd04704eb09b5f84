"""The suite destroys only what it made (issue 20): against servers that answer a POST with a relation
that already existed, and a colleague who edits what the suite created, every relation of the
tenant's own is left exactly as it was, and the report says what was left behind and why.

The servers are in `tests.servers.hostile`. What a run sent is read from the mock's journal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from contracts.cli import main, parse_options
from contracts.fuzzing.guard import route_id
from contracts.reporting.console import Reporter, markdown
from contracts.safety.custody import Answer, Claim, Custody, created_before
from contracts.safety.ledger import Ledger
from contracts.suite import run_suite
from tests.contracts.conftest import QUICK
from tests.servers.hostile import (
    CUSTOMERS,
    PERSONS_COMMENT,
    Colleague,
    Deduplicating,
    HandsOutExistingIds,
    hostile_app,
    tenant_fixtures,
)
from tests.servers.runner import serve

AUTH = {"Authorization": "Basic dGplMDpUamUw", "Accept": "application/json"}
SETTABLE = ("SourceContactId", "SourcePersonId", "DestinationContactId", "DestinationPersonId",
            "RelationDefinitionId", "Comment", "Reversed")  # fmt: skip


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    return tenant_fixtures(tmp_path / "tenant.json")


def _bodies(url: str, ids: Iterator[int] | list[int]) -> dict[int, bytes]:
    with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        return {rid: client.get(f"/api/v1/Relation/{rid}").content for rid in ids}


def _settable(url: str, rid: int) -> dict[str, object]:
    entity = httpx.get(f"{url}/api/v1/Relation/{rid}", headers=AUTH, timeout=10).json()
    return {name: entity[name] for name in SETTABLE}


def _writes_to(url: str, ids: set[int]) -> list[str]:
    journal = httpx.get(f"{url}/__admin/requests", timeout=30).json()["Requests"]
    return [
        f"{entry['Method']} {entry['Path']} -> {entry['Status']}"
        for entry in journal
        if entry["Method"] not in ("GET", "HEAD", "OPTIONS", "POST")
        and route_id(str(entry["Path"]).rstrip("/").rsplit("/", 1)[-1]) in ids
    ]


# The rules, with a server's answers written out.

DATE = "Thu, 03 Dec 2026 10:00:10 GMT"  # the POST answer's Date: the server's clock


@pytest.mark.parametrize(
    ("created", "date", "claimed"),
    [
        ("2026-12-03T10:00:09", DATE, True),  # made during the POST
        ("2026-12-03T10:00:04.9990000", DATE, True),  # within round trip + 1 s + 5 s of the Date
        ("2026-12-03T10:00:03", DATE, False),  # before that: it was there already
        ("2019-05-02T09:30:00", DATE, False),
        ("2026-12-03T12:00:00+02:00", DATE, False),  # an offset is read: 10:00:00 UTC
        ("0001-01-01T00:00:00", DATE, False),  # the empty date proves nothing
        (None, DATE, False),
        ("2026-12-03T10:00:04", None, True),  # no Date: the suite's own clock when it sent the POST
        ("2026-12-03T10:00:03", None, False),
    ],
)
def test_a_relation_is_the_runs_only_when_its_created_date_is_not_older_than_the_post(
    created: str | None, date: str | None, claimed: bool
) -> None:
    sent_at = datetime(2026, 12, 3, 10, 0, 9, tzinfo=UTC).timestamp()
    why = created_before(created, date=date, sent_at=sent_at, elapsed=0.5)
    assert (why is None) == claimed, why


def _custody(tmp_path: Path, gets: dict[int, Answer]) -> Custody:
    return Custody(Ledger(tmp_path / "ledger", 918), lambda method, rid, headers: gets[rid])


def _new(rid: int) -> Answer:
    entity = {"RelationId": rid, "CreatedDate": "2026-12-03T10:00:09", "UpdatedDate": "2026-12-03T10:00:09"}
    return Answer(200, {"date": DATE}, entity)


def test_an_id_the_run_saw_answered_or_deleted_before_is_never_taken_for_a_new_one(tmp_path: Path) -> None:
    custody = _custody(tmp_path, {rid: _new(rid) for rid in (7, 8, 9, 10)})
    ledger, claim = custody.ledger, custody.claim
    custody.seen(7)
    assert claim(7, _new(7), sent_at=0, elapsed=0.1, why="t") == Claim(7, False, False, ledger.why(7))
    assert "showed it before" in ledger.why(7) and not ledger.ours(7)
    assert claim(8, _new(8), sent_at=0, elapsed=0.1, why="t") == Claim(8, True, True)
    again = claim(8, _new(8), sent_at=0, elapsed=0.1, why="t")
    assert (again.owned, again.new) == (True, False), "still the run's, but this POST created nothing"
    ledger.deleted(8)
    reused = claim(8, _new(8), sent_at=0, elapsed=0.1, why="t")
    assert (reused.owned, reused.new, reused.reused) == (False, False, True) and not ledger.ours(8)
    assert claim(918, _new(918), sent_at=0, elapsed=0.1, why="t").owned is False
    assert ledger.summary().protected == 1


def test_an_id_the_suite_cannot_read_back_or_that_reads_as_another_is_not_the_runs(tmp_path: Path) -> None:
    custody = _custody(
        tmp_path, {5: Answer(404), 6: Answer(None, error="timed out"), 7: _new(8), 9: Answer(405)}
    )
    for rid in (5, 6, 7):
        claim = custody.claim(rid, _new(rid), sent_at=0, elapsed=0.1, why="t")
        assert not claim.owned and custody.ledger.status(rid) == "foreign", claim
    # A server without GET: the POST answer is all there is to judge.
    assert custody.claim(9, _new(9), sent_at=0, elapsed=0.1, why="t").new


# A default run (every check, every phase) against the first; the second without the coverage phase.
SERVERS = [(Deduplicating, ()), (HandsOutExistingIds, ("--phases", "examples,fuzzing,stateful"))]


@pytest.mark.parametrize(("server", "phases"), SERVERS, ids=["deduplicating", "existing_ids"])
def test_a_server_that_answers_a_post_with_a_customers_relation_keeps_it_exactly_as_it_was(
    server: type, phases: tuple[str, ...], fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.md"
    with serve(hostile_app(server(), fixtures)) as url:
        before, settable = _bodies(url, list(CUSTOMERS)), _settable(url, 918)
        code = main(["--url", url, *QUICK, *phases, "--report", str(report)])
        after = _bodies(url, list(CUSTOMERS))
        writes = _writes_to(url, set(CUSTOMERS))
        assert _settable(url, 918) == settable, "the run's own relation is put back as it was found"
    out = capsys.readouterr().out
    assert after == before, out
    assert writes == [], "no PUT, PATCH or DELETE of a relation the run did not create"
    assert code == 1, "a POST that creates nothing breaks the vendor's 'Creates a new ContactRelationEntity'"
    text = report.read_text(encoding="utf-8")
    named = [rid for rid in CUSTOMERS if f"not the suite's: relation {rid} " in text]
    assert named, text
    assert all(f"not the suite's: relation {rid} " in out for rid in named)
    assert "existed before" in text


class _EditsBeforeCleanup(Reporter):
    """Between the suite's last write and its cleanup, a colleague edits one relation the suite created
    and will edit another between the suite's last look at it and its DELETE."""

    def __init__(self, colleague: Colleague, url: str) -> None:
        self.colleague, self.url = colleague, url

    def close(self) -> None:
        alive = [rid for rid in self.colleague.created if _exists(self.url, rid)]
        assert len(alive) >= 2, f"the run left fewer than two relations for its cleanup: {alive}"
        self.colleague.edit(self.url, alive[0])
        self.colleague.edit_at_delete(alive[1])


def _exists(url: str, rid: int) -> bool:
    return httpx.get(f"{url}/api/v1/Relation/{rid}", headers=AUTH, timeout=10).status_code == 200


def test_a_relation_a_colleague_edited_after_the_suites_last_write_is_left_behind_and_reported(
    fixtures: Path,
) -> None:
    colleague = Colleague()
    args = ["--checks", "positive_data_acceptance", "--phases", "examples,fuzzing", "--methods", "POST"]
    with serve(hostile_app(colleague, fixtures)) as url:
        options, _ = parse_options(["--url", url, *QUICK, *args])
        result = run_suite(options, _EditsBeforeCleanup(colleague, url))
        comments = {rid: _settable(url, rid)["Comment"] if _exists(url, rid) else None
                    for rid in colleague.edited}  # fmt: skip
        still = [rid for rid in colleague.created if rid not in colleague.edited and _exists(url, rid)]
    now, at_delete = colleague.edited
    assert comments == {now: PERSONS_COMMENT, at_delete: PERSONS_COMMENT}, "both edits survive the run"
    assert set(result.not_deleted) == {now, at_delete}
    assert "reads differently" in result.not_deleted[now]
    assert "412" in result.not_deleted[at_delete]
    text = markdown(result)
    assert f"left behind: relation {now} " in text and f"left behind: relation {at_delete} " in text
    assert still == [], "the relations nobody touched are deleted as before"
