"""If-Unmodified-Since: a stale date gives 412 and changes nothing; a fresh one updates."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import httpx
import pytest

from tests.livemock import REFS

STALE = "Wed, 21 Oct 2015 07:28:00 GMT"


def _fresh() -> str:
    return format_datetime(datetime.now(UTC) + timedelta(minutes=5), usegmt=True)


def test_a_stale_if_unmodified_since_gives_412_and_changes_nothing(client: httpx.Client) -> None:
    client.put("/api/v1/Relation/918", json={**REFS, "Comment": "now"})  # UpdatedDate is now, after STALE
    before = client.get("/api/v1/Relation/918").json()
    answer = client.put(
        "/api/v1/Relation/918",
        json={**REFS, "SourceContactId": 1, "Comment": "lost"},
        headers={"If-Unmodified-Since": STALE},
    )
    assert answer.status_code == 412
    assert answer.json()["ErrorType"] == "PreconditionFailedException"
    assert client.get("/api/v1/Relation/918").json() == before


def test_the_last_modified_of_a_write_is_fresh_enough_for_the_next(client: httpx.Client) -> None:
    stamp = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "one"}).headers["last-modified"]
    answer = client.put(
        "/api/v1/Relation/918", json={**REFS, "Comment": "two"}, headers={"If-Unmodified-Since": stamp}
    )
    assert answer.status_code == 200
    assert answer.json()["Comment"] == "two"


def test_a_future_date_updates(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918", json={**REFS, "Comment": "x"}, headers={"If-Unmodified-Since": _fresh()}
    )
    assert answer.status_code == 200


def test_rfc850_and_asctime_dates_are_understood(client: httpx.Client) -> None:
    client.put("/api/v1/Relation/918", json={**REFS, "Comment": "now"})
    for stale in ("Wednesday, 21-Oct-15 07:28:00 GMT", "Wed Oct 21 07:28:00 2015"):
        answer = client.put(
            "/api/v1/Relation/918", json={**REFS, "Comment": "x"}, headers={"If-Unmodified-Since": stale}
        )
        assert answer.status_code == 412, stale


def test_an_unparsable_date_is_ignored(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918", json={**REFS, "Comment": "x"}, headers={"If-Unmodified-Since": "yesterday"}
    )
    assert answer.status_code == 200


def test_the_seed_relation_updated_in_2014_is_not_stale_for_a_2015_date(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918", json={**REFS, "Comment": "x"}, headers={"If-Unmodified-Since": STALE}
    )
    assert answer.status_code == 200


def test_two_writes_in_the_second_of_the_precondition_are_both_accepted_as_rfc9110_has_it(
    client: httpx.Client,
) -> None:
    # HTTP dates have whole seconds: a write in the same second as `stamp` is not "later" than it.
    for _ in range(5):  # a try whose writes straddle a second boundary proves nothing; try again
        stamp = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "base"}).headers["last-modified"]
        precondition = {"If-Unmodified-Since": stamp}
        first = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "A"}, headers=precondition)
        second = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "B"}, headers=precondition)
        if second.headers.get("last-modified") == stamp:
            assert (first.status_code, second.status_code) == (200, 200)
            assert client.get("/api/v1/Relation/918").json()["Comment"] == "B"
            return
    pytest.fail("no three writes landed in one second in five tries")


def test_a_write_a_second_after_the_precondition_makes_it_stale(client: httpx.Client) -> None:
    stamp = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "base"}).headers["last-modified"]
    while client.get("/api/v1/Relation/918").headers["date"] == stamp:
        time.sleep(0.05)
    moved = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "later"})
    assert parsedate_to_datetime(moved.headers["last-modified"]) > parsedate_to_datetime(stamp)
    stale = client.put(
        "/api/v1/Relation/918", json={**REFS, "Comment": "lost"}, headers={"If-Unmodified-Since": stamp}
    )
    assert stale.status_code == 412
    assert client.get("/api/v1/Relation/918").json()["Comment"] == "later"


def test_last_modified_is_the_real_write_time_and_never_later_than_date_over_many_fast_writes(
    client: httpx.Client,
) -> None:
    last = None
    for number in range(2000):
        last = client.put("/api/v1/Relation/918", json={**REFS, "Comment": f"w{number}"})
        assert last.status_code == 200
        written, dated = (parsedate_to_datetime(last.headers[h]) for h in ("last-modified", "date"))
        assert written <= dated, f"write {number}: Last-Modified {written} after Date {dated}"
        assert abs(dated - datetime.now(UTC)) < timedelta(seconds=5)
    assert last is not None
    answer = client.put(
        "/api/v1/Relation/918",
        json={**REFS, "Comment": "after"},
        headers={"If-Unmodified-Since": last.headers["date"]},
    )
    assert answer.status_code == 200


def test_a_four_digit_year_before_100_is_that_year_not_2050(client: httpx.Client) -> None:
    client.put("/api/v1/Relation/918", json={**REFS, "Comment": "now"})
    answer = client.put(
        "/api/v1/Relation/918",
        json={**REFS, "Comment": "x"},
        headers={"If-Unmodified-Since": "Sat, 01 Jan 0050 00:00:00 GMT"},
    )
    assert answer.status_code == 412
