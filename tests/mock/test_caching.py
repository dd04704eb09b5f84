"""Cache headers: the API's answers are not cacheable without asking, as ASP.NET Web API's are.

When a controller sets no cache header, ASP.NET Web API's `HttpControllerHandler` sends
`Cache-Control: no-cache`, `Pragma: no-cache` and `Expires: -1`; the mock does the same on every
API answer (errors too), and `Vary: Accept` since the format follows Accept, merged into one `Vary`
with the CORS middleware's `Origin`. The admin API's answers are `no-store`. A 412 carries the
`Last-Modified` of the version the client lost to.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import httpx
import pytest

from tests.livemock import REFS

STALE = "Wed, 21 Oct 2015 07:28:00 GMT"
ORIGIN = "http://127.0.0.1:5173"


def _vary(answer: httpx.Response) -> list[str]:
    """Every name the answer's Vary fields list, in order (all of them, however many fields)."""
    fields = answer.headers.get_list("vary")
    return [name.strip() for field in fields for name in field.split(",") if name.strip()]


def _assert_not_cacheable(answer: httpx.Response) -> None:
    assert answer.headers.get_list("cache-control") == ["no-cache"], answer.headers
    assert answer.headers.get_list("pragma") == ["no-cache"]
    assert answer.headers.get_list("expires") == ["-1"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/v1/Relation/918", None, 200),
        ("PUT", "/api/v1/Relation/918", {**REFS, "Comment": "x"}, 200),
        ("GET", "/api/v1/Relation/999999", None, 404),
        ("GET", "/api/v1/Relation/default", None, 200),
        ("PUT", "/api/v1/Relation/918", {"SourceContactId": "no"}, 400),
        ("GET", "/api/v1/Nothing", None, 404),
        ("DELETE", "/api/v1/Relation/999999", None, 204),
    ],
)
def test_every_api_answer_asks_to_be_revalidated_and_varies_on_accept(
    client: httpx.Client, method: str, path: str, body: object, status: int
) -> None:
    answer = client.request(method, path, json=body)
    assert answer.status_code == status
    _assert_not_cacheable(answer)
    assert _vary(answer) == ["Accept"]


def test_401_is_not_cacheable_either(client: httpx.Client) -> None:
    answer = client.get("/api/v1/Relation/918", headers={"Authorization": ""})
    assert answer.status_code == 401
    _assert_not_cacheable(answer)


def test_with_an_origin_one_vary_names_both_origin_and_accept(client: httpx.Client) -> None:
    answer = client.get("/api/v1/Relation/918", headers={"Origin": ORIGIN})
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    assert len(answer.headers.get_list("vary")) == 1
    assert sorted(_vary(answer)) == ["Accept", "Origin"]
    _assert_not_cacheable(answer)


def test_last_modified_is_kept_and_a_304_still_comes_with_the_same_cache_headers(
    client: httpx.Client,
) -> None:
    # A version written after the store's last reset (a fixture's own 2014 date proves nothing then).
    client.put("/api/v1/Relation/918", json={**REFS, "Comment": "written"}).raise_for_status()
    first = client.get("/api/v1/Relation/918")
    stamp = first.headers["last-modified"]
    again = client.get("/api/v1/Relation/918", headers={"If-Modified-Since": stamp})
    assert again.status_code == 304
    assert again.headers["last-modified"] == stamp
    _assert_not_cacheable(again)
    assert _vary(again) == ["Accept"]  # RFC 9110 §15.4.5: a 304 sends the Vary its 200 would


def test_xml_and_json_answers_of_one_url_both_say_they_vary_on_accept(client: httpx.Client) -> None:
    xml = client.get("/api/v1/Relation/918", headers={"Accept": "application/xml"})
    json = client.get("/api/v1/Relation/918", headers={"Accept": "application/json"})
    assert xml.headers["content-type"].startswith("application/xml")
    assert json.headers["content-type"].startswith("application/json")
    assert "Accept" in _vary(xml) and "Accept" in _vary(json)


def test_admin_answers_are_not_stored_at_all(client: httpx.Client) -> None:
    for answer in (client.post("/__admin/reset"), client.get("/__admin/requests")):
        assert answer.headers.get_list("cache-control") == ["no-store"], answer.headers
        assert answer.headers.get_list("pragma") == ["no-cache"]
        assert answer.headers.get_list("expires") == ["-1"]


def test_a_412_carries_the_last_modified_of_the_version_it_lost_to(client: httpx.Client) -> None:
    current = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "theirs"})
    answer = client.put(
        "/api/v1/Relation/918",
        json={**REFS, "Comment": "mine"},
        headers={"If-Unmodified-Since": STALE},
    )
    assert answer.status_code == 412
    assert answer.headers["last-modified"] == current.headers["last-modified"]
    _assert_not_cacheable(answer)
    # with that date the app can retry: it is fresh enough for the stored version
    retried = client.put(
        "/api/v1/Relation/918",
        json={**REFS, "Comment": "mine"},
        headers={"If-Unmodified-Since": answer.headers["last-modified"]},
    )
    assert retried.status_code == 200
    assert retried.json()["Comment"] == "mine"


def test_a_412_of_patch_and_delete_carries_the_current_last_modified(client: httpx.Client) -> None:
    current = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "theirs"})
    patch = client.patch(
        "/api/v1/Relation/918",
        json=[{"op": "replace", "path": "/Comment", "value": "mine"}],
        headers={"If-Unmodified-Since": STALE},
    )
    delete = client.delete("/api/v1/Relation/918", headers={"If-Unmodified-Since": STALE})
    for answer in (patch, delete):
        assert answer.status_code == 412, answer.text
        assert answer.headers["last-modified"] == current.headers["last-modified"]
        stamp = parsedate_to_datetime(answer.headers["last-modified"])
        assert datetime.now(UTC) - stamp < timedelta(minutes=1)
    assert format_datetime(stamp, usegmt=True) == current.headers["last-modified"]


def test_a_date_from_before_a_reset_gets_the_fixture_again_not_304(client: httpx.Client) -> None:
    put = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "mine"})
    assert put.status_code == 200
    seen = put.headers["last-modified"]
    assert client.get("/api/v1/Relation/918", headers={"If-Modified-Since": seen}).status_code == 304
    client.post("/__admin/reset").raise_for_status()
    again = client.get("/api/v1/Relation/918", headers={"If-Modified-Since": seen})
    assert again.status_code == 200
    assert again.json()["Comment"] != "mine"


def test_a_date_after_the_reset_and_the_last_write_still_gets_304(client: httpx.Client) -> None:
    client.post("/__admin/reset").raise_for_status()
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    assert client.get("/api/v1/Relation/918", headers={"If-Modified-Since": later}).status_code == 304
