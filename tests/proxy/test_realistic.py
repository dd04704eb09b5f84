"""In front of a correct server that answers the way a real SuperOffice might, the proxy finds nothing."""

from __future__ import annotations

import httpx

from tests.proxy import traffic
from tests.proxy.conftest import AUTH, proxy_in_thread, violations
from tests.servers.realistic import realistic_app
from tests.servers.runner import serve


def test_varied_valid_traffic_in_every_content_type_shows_no_violation() -> None:
    with serve(realistic_app()) as upstream, proxy_in_thread(upstream) as proxy:
        with httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client:
            answers = (
                traffic.valid(client) + traffic.valid(client, relation_id=5) + traffic.int32_edges(client)
            )
        found = violations(proxy)
    assert found == []
    assert {a.headers["x-contract-violations"] for a in answers} == {"0"}
    assert "x-contract-violations-detail" not in {name for a in answers for name in a.headers}
    assert {a.status_code for a in answers} >= {200, 304, 404, 412}  # the traffic reached every branch
    assert {a.headers["content-type"].split(";")[0] for a in answers if a.status_code == 200} >= {
        "application/json",
        "application/xml",
        "text/xml",
        "text/json",
    }


def test_invalid_requests_are_blamed_on_the_request_and_never_on_the_server() -> None:
    with serve(realistic_app()) as upstream, proxy_in_thread(upstream) as proxy:
        with httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client:
            answers = traffic.invalid(client)
        found = violations(proxy)
    assert all(400 <= a.status_code < 500 for a in answers), [a.status_code for a in answers]
    assert {v["Side"] for v in found} == {"request"}
    blamed = {(v["Check"], v["Location"]) for v in found}
    assert blamed == {
        ("request-security", "Authorization"),
        ("request-body", "body"),
        ("request-body", "body/SourceContactId"),
        ("request-body", "body/Reversed"),
        ("request-body", "body/CreatedBy/Type"),
        ("request-content-type", "Content-Type"),
        ("request-parameters", "path id"),
    }
    assert all(int(a.headers["x-contract-violations"]) >= 1 for a in answers)
