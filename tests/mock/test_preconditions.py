"""If-Unmodified-Since: a stale date gives 412 and changes nothing; a fresh one updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx

STALE = "Wed, 21 Oct 2015 07:28:00 GMT"


def _fresh() -> str:
    return format_datetime(datetime.now(UTC) + timedelta(minutes=5), usegmt=True)


def test_a_stale_if_unmodified_since_gives_412_and_changes_nothing(client: httpx.Client) -> None:
    client.put("/api/v1/Relation/918", json={"Comment": "now"})  # UpdatedDate is now, after STALE
    before = client.get("/api/v1/Relation/918").json()
    answer = client.put(
        "/api/v1/Relation/918",
        json={"SourceContactId": 1, "Comment": "lost"},
        headers={"If-Unmodified-Since": STALE},
    )
    assert answer.status_code == 412
    assert answer.json()["ErrorType"] == "PreconditionFailedException"
    assert client.get("/api/v1/Relation/918").json() == before


def test_the_last_modified_of_a_write_is_fresh_enough_for_the_next(client: httpx.Client) -> None:
    stamp = client.put("/api/v1/Relation/918", json={"Comment": "one"}).headers["last-modified"]
    answer = client.put(
        "/api/v1/Relation/918", json={"Comment": "two"}, headers={"If-Unmodified-Since": stamp}
    )
    assert answer.status_code == 200
    assert answer.json()["Comment"] == "two"


def test_a_future_date_updates(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918", json={"Comment": "x"}, headers={"If-Unmodified-Since": _fresh()}
    )
    assert answer.status_code == 200


def test_rfc850_and_asctime_dates_are_understood(client: httpx.Client) -> None:
    client.put("/api/v1/Relation/918", json={"Comment": "now"})
    for stale in ("Wednesday, 21-Oct-15 07:28:00 GMT", "Wed Oct 21 07:28:00 2015"):
        answer = client.put(
            "/api/v1/Relation/918", json={"Comment": "x"}, headers={"If-Unmodified-Since": stale}
        )
        assert answer.status_code == 412, stale


def test_an_unparsable_date_is_ignored(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918", json={"Comment": "x"}, headers={"If-Unmodified-Since": "yesterday"}
    )
    assert answer.status_code == 200


def test_the_seed_relation_updated_in_2014_is_not_stale_for_a_2015_date(client: httpx.Client) -> None:
    answer = client.put("/api/v1/Relation/918", json={"Comment": "x"}, headers={"If-Unmodified-Since": STALE})
    assert answer.status_code == 200


def test_two_writes_in_one_second_get_different_last_modified_so_the_second_stale_one_fails(
    client: httpx.Client,
) -> None:
    stamp = client.put("/api/v1/Relation/918", json={"Comment": "base"}).headers["last-modified"]
    first = client.put("/api/v1/Relation/918", json={"Comment": "A"}, headers={"If-Unmodified-Since": stamp})
    second = client.put("/api/v1/Relation/918", json={"Comment": "B"}, headers={"If-Unmodified-Since": stamp})
    assert (first.status_code, second.status_code) == (200, 412)
    assert first.headers["last-modified"] != stamp
    assert client.get("/api/v1/Relation/918").json()["Comment"] == "A"


def test_a_four_digit_year_before_100_is_that_year_not_2050(client: httpx.Client) -> None:
    client.put("/api/v1/Relation/918", json={"Comment": "now"})
    answer = client.put(
        "/api/v1/Relation/918",
        json={"Comment": "x"},
        headers={"If-Unmodified-Since": "Sat, 01 Jan 0050 00:00:00 GMT"},
    )
    assert answer.status_code == 412
