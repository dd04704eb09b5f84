"""The rest of the resource through the proxy: POST, PATCH, DELETE and GET default are forwarded
and checked, a correct server shows no violation, and the request is blamed for a broken request."""

from __future__ import annotations

import httpx

from mockserver import Settings, create_app
from tests.proxy import resource_traffic
from tests.proxy.conftest import AUTH, proxy_in_thread, violations
from tests.servers.realistic import realistic_app
from tests.servers.runner import serve


def _lifecycle_through(app: object) -> tuple[list[httpx.Response], list[dict]]:
    with serve(app) as upstream, proxy_in_thread(upstream) as proxy:  # type: ignore[arg-type]
        with httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client:
            answers = resource_traffic.lifecycle(client)
        return answers, violations(proxy)


def test_a_create_edit_delete_flow_in_front_of_the_mock_shows_no_violation() -> None:
    answers, found = _lifecycle_through(create_app(Settings(quiet=True, cors=False)))
    assert found == []
    assert {a.headers["x-contract-violations"] for a in answers} == {"0"}
    assert {a.request.method for a in answers} == {"GET", "POST", "PATCH", "DELETE"}
    assert {a.status_code for a in answers} >= {200, 204, 404, 409, 412}  # every branch was reached


def test_a_create_edit_delete_flow_in_front_of_a_tenant_like_server_shows_no_violation() -> None:
    answers, found = _lifecycle_through(realistic_app())
    assert found == []
    assert {a.status_code for a in answers} >= {200, 404, 409, 412}


def test_invalid_requests_of_the_new_operations_are_blamed_on_the_request() -> None:
    with serve(realistic_app()) as upstream, proxy_in_thread(upstream) as proxy:
        with httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client:
            answers = resource_traffic.invalid(client)
        found = violations(proxy)
    assert all(400 <= a.status_code < 500 for a in answers), [a.status_code for a in answers]
    assert {v["Side"] for v in found} == {"request"}
    blamed = {(v["Method"], v["Check"]) for v in found}
    assert blamed >= {
        ("POST", "request-security"),
        ("POST", "request-body"),
        ("PATCH", "request-body"),
        ("DELETE", "request-parameters"),
    }
    assert all(int(a.headers["x-contract-violations"]) >= 1 for a in answers)


def test_a_patch_in_xml_is_the_request_s_violation_whether_the_server_refuses_or_applies_it() -> None:
    """The vendor documents no media types for PATCH: 415 and 200 are both a real server's answer."""
    with serve(create_app(Settings(quiet=True, cors=False))) as upstream, proxy_in_thread(upstream) as proxy:
        with httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client:
            refused = resource_traffic.xml_patch(client)
        found = violations(proxy)
    assert refused.status_code == 415
    assert [(v["Side"], v["Check"]) for v in found] == [("request", "request-content-type")]
