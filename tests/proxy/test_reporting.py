"""How violations are reported: answer headers, one log line each, the journal, the admin list, 502s."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.livemock import mock_in_thread
from tests.proxy.conftest import ANSWER, AUTH, Echo, proxy_before

STRING_ID = json.dumps({**ANSWER, "RelationId": "918"}).encode()


def test_an_answer_carries_the_count_and_a_detail_header_naming_each_violation() -> None:
    with proxy_before(Echo(body=STRING_ID)) as proxy:
        answer = httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH)
    assert answer.status_code == 200
    assert answer.content == STRING_ID  # the upstream's answer, untouched
    assert answer.headers["x-contract-violations"] == "1"
    (detail,) = json.loads(answer.headers["x-contract-violations-detail"])
    assert detail["side"] == "response"
    assert detail["check"] == "response-body"
    assert detail["location"] == "body/RelationId"
    assert "integer" in detail["message"]


def test_the_detail_header_stays_bounded_however_many_violations() -> None:
    many = {**ANSWER, "FieldProperties": {f"F{i}": {"FieldLength": "x"} for i in range(300)}}
    with proxy_before(Echo(body=json.dumps(many).encode())) as proxy:
        answer = httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH)
    assert answer.headers["x-contract-violations"] == "300"
    detail = answer.headers["x-contract-violations-detail"]
    assert len(detail) <= 4096
    listed = json.loads(detail)
    assert listed[-1] == {"more": str(300 - len(listed) + 1)}


def test_violations_are_listed_with_their_exchange_and_kept_in_its_journal_entry() -> None:
    with proxy_before(Echo(body=STRING_ID)) as proxy:
        httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH)
        httpx.get(f"{proxy}/api/v1/Relation/918")  # no credentials: the request's fault
        listing = httpx.get(f"{proxy}/__admin/violations").json()
        journal = httpx.get(f"{proxy}/__admin/requests").json()["Requests"]
        cleared = httpx.delete(f"{proxy}/__admin/violations")
        after = httpx.get(f"{proxy}/__admin/violations").json()
    assert listing["Proxy"] is True
    assert listing["Exchanges"] == 2
    first = listing["Violations"][0]
    assert {k: first[k] for k in ("Method", "Path", "Status", "Side", "Check", "Location")} == {
        "Method": "GET",
        "Path": "/api/v1/Relation/918",
        "Status": 200,
        "Side": "response",
        "Check": "response-body",
        "Location": "body/RelationId",
    }
    sides = [(v["Side"], v["Check"]) for v in listing["Violations"]]
    assert ("request", "request-security") in sides
    entry = next(e for e in journal if e["Id"] == first["JournalId"])
    assert entry["Violations"][0]["Location"] == "body/RelationId"
    assert entry["Upstream"]["Status"] == 200
    kinds = {(k["Side"], k["Check"], k["Location"]): k["Count"] for k in listing["Kinds"]}
    assert kinds[("response", "response-body", "body/RelationId")] == 2
    assert kinds[("request", "request-security", "Authorization")] == 1
    assert cleared.status_code == 204
    assert (after["Violations"], after["Kinds"], after["Exchanges"]) == ([], [], 0)


def test_each_violation_is_logged_as_one_line(capfd: pytest.CaptureFixture[str]) -> None:
    with proxy_before(Echo(body=STRING_ID)) as proxy:
        capfd.readouterr()
        httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH)
        err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("VIOLATION ")]
    assert len(lines) == 1
    assert lines[0].startswith(
        "VIOLATION GET /api/v1/Relation/918 200 response response-body body/RelationId: "
    )


def test_fail_on_violation_answers_a_broken_answer_502_in_the_vendor_shape_naming_it() -> None:
    with proxy_before(Echo(body=STRING_ID), fail_on_violation=True) as proxy:
        broken = httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH)
    assert broken.status_code == 502
    body = broken.json()
    assert body["Error"] is True
    assert body["ErrorType"] == "ContractViolationException"
    assert "body/RelationId" in body["ErrorMessage"]
    assert body["Violations"][0]["Field"] == "body/RelationId"
    assert broken.headers["x-contract-violations"] == "1"


def test_fail_on_violation_passes_an_answer_whose_only_violation_is_the_requests() -> None:
    refused = Echo(
        status=401, body=json.dumps({"Error": True, "ErrorType": "x", "ErrorMessage": "no"}).encode()
    )
    with proxy_before(refused, fail_on_violation=True) as proxy:
        anonymous = httpx.get(f"{proxy}/api/v1/Relation/918")
    assert anonymous.status_code == 401
    assert anonymous.headers["x-contract-violations"] == "1"
    assert json.loads(anonymous.headers["x-contract-violations-detail"])[0]["side"] == "request"


def test_the_mock_lists_no_violations_and_says_it_is_no_proxy() -> None:
    with mock_in_thread() as mock:
        listing = httpx.get(f"{mock}/__admin/violations").json()
    assert listing == {"Violations": [], "Proxy": False}


def test_a_last_modified_that_is_not_the_updated_date_is_named() -> None:
    stale = Echo(headers=[(b"last-modified", b"Wed, 21 Oct 2015 07:28:00 GMT")])  # UpdatedDate is 2026
    with proxy_before(stale) as proxy:
        answer = httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH)
    (detail,) = json.loads(answer.headers["x-contract-violations-detail"])
    assert (detail["check"], detail["location"]) == ("last-modified", "header Last-Modified")
