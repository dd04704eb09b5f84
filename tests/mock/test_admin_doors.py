"""Who may call the admin API (`/__admin/...`): the mock's own pages and non-browser clients, never
another web page; with `--admin-token`, only a caller that sends it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver import Settings, create_app
from mockserver.errors import StartupError
from tests.livemock import REFS

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
HERE = "http://127.0.0.1:4010"  # the address the test client's requests are sent to (their Host)
TOKEN = "adm-7c1e5b0f-token-under-test"


def _client(**settings: object) -> TestClient:
    return TestClient(create_app(Settings(quiet=True, **settings)), base_url=HERE)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def mock() -> Iterator[TestClient]:
    with _client() as client:
        yield client


@pytest.fixture(scope="module")
def locked() -> Iterator[TestClient]:
    with _client(admin_token=TOKEN) as client:
        yield client


def _comment_after_reset(mock: TestClient, headers: dict[str, str]) -> tuple[int, dict[str, object], str]:
    """Write a comment, call reset with `headers`, and tell what reset answered and what the store kept."""
    assert mock.put("/api/v1/Relation/918", json={**REFS, "Comment": "kept"}, headers=AUTH).status_code == 200
    answer = mock.post("/__admin/reset", headers=headers)
    comment = mock.get("/api/v1/Relation/918", headers=AUTH).json().get("Comment", "")
    return answer.status_code, answer.json(), comment


def _no_cors(headers: object) -> bool:
    return not any(str(name).lower().startswith("access-control-") for name in dict(headers))  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:3000"},  # another port is another origin
        {"Origin": "https://127.0.0.1:4010"},  # another scheme too
        {"Origin": "null"},  # a sandboxed frame or a file:// page
        {"Sec-Fetch-Site": "cross-site"},  # a form post from another site, whatever its Origin
        {"Sec-Fetch-Site": "same-site"},  # another port on the same host
    ],
)
def test_a_cross_origin_reset_is_refused_403_and_the_store_keeps_the_write(
    mock: TestClient, headers: dict[str, str]
) -> None:
    status, body, comment = _comment_after_reset(mock, headers)
    assert status == 403
    assert body["Error"] is True and body["ErrorType"] == "UnauthorizedAccessException"
    assert comment == "kept"


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, scripts, the contract suite, the pytest plugin: no Origin
        {"Origin": HERE},  # the mock's own Swagger UI
        {"Origin": "HTTP://127.0.0.1:4010"},  # origins compare without letter case
        {"Origin": HERE, "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},  # typed into the address bar
    ],
)
def test_a_reset_from_the_mocks_own_origin_or_no_browser_goes_through(
    mock: TestClient, headers: dict[str, str]
) -> None:
    status, body, comment = _comment_after_reset(mock, headers)
    assert status == 200 and "Relations" in body
    assert comment != "kept"


def test_the_refusal_says_what_was_received_and_what_is_expected(mock: TestClient) -> None:
    message = mock.get("/__admin/requests", headers={"Origin": "http://evil.example"}).json()["ErrorMessage"]
    assert "http://evil.example" in message and HERE in message


def test_the_journal_is_not_readable_cross_origin_and_admin_answers_carry_no_cors_headers(
    mock: TestClient,
) -> None:
    refused = mock.get("/__admin/requests", headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403 and _no_cors(refused.headers)
    allowed = mock.get("/__admin/requests", headers={"Origin": HERE})
    assert allowed.status_code == 200 and _no_cors(allowed.headers)


@pytest.mark.parametrize("path", ["/__admin/reset", "/__ADMIN/Reset/", "/__admin/requests"])
def test_a_preflight_for_an_admin_path_gets_no_cors_headers_so_the_browser_stops(
    mock: TestClient, path: str
) -> None:
    preflight = mock.options(
        path, headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code >= 400
    assert _no_cors(preflight.headers)


def test_the_api_itself_keeps_answering_cors_for_any_origin(mock: TestClient) -> None:
    preflight = mock.options(
        "/api/v1/Relation/918",
        headers={"Origin": "http://app.example", "Access-Control-Request-Method": "PUT"},
    )
    assert preflight.headers["access-control-allow-origin"] == "http://app.example"


def test_a_page_reached_by_dns_rebinding_cannot_reset_a_mock_without_a_token(mock: TestClient) -> None:
    """evil.example resolves to 127.0.0.1: its page's Origin then equals the Host it addresses."""
    assert mock.put("/api/v1/Relation/918", json={**REFS, "Comment": "kept"}, headers=AUTH).status_code == 200
    rebound = {"Host": "evil.example:4010", "Origin": "http://evil.example:4010"}
    assert mock.post("/__admin/reset", headers=rebound).status_code == 403
    assert mock.get("/api/v1/Relation/918", headers=AUTH).json()["Comment"] == "kept"
    assert mock.post("/__admin/reset", headers={"Host": "localhost:4010"}).status_code == 200


def test_with_an_admin_token_a_call_without_it_or_with_another_is_refused(locked: TestClient) -> None:
    for headers in ({}, {"X-Admin-Token": "wrong"}, {"X-Admin-Token": TOKEN[:-1]}, {"Authorization": TOKEN}):
        status, body, comment = _comment_after_reset(locked, headers)
        assert (status, comment) == (403, "kept")
        assert "X-Admin-Token" in str(body["ErrorMessage"])
        assert TOKEN not in str(body)


def test_with_an_admin_token_a_call_with_it_goes_through_and_it_never_reaches_the_journal(
    locked: TestClient,
) -> None:
    status, _, comment = _comment_after_reset(locked, {"X-Admin-Token": TOKEN})
    assert status == 200 and comment != "kept"
    locked.get("/api/v1/Relation/918", headers={**AUTH, "X-Admin-Token": TOKEN})
    journal = locked.get("/__admin/requests", headers={"X-Admin-Token": TOKEN})
    assert journal.status_code == 200
    assert journal.json()["Requests"][-1]["Headers"]["x-admin-token"] == "***"
    assert TOKEN not in journal.text


def test_with_an_admin_token_another_origin_is_still_refused(locked: TestClient) -> None:
    answer = locked.post("/__admin/reset", headers={"X-Admin-Token": TOKEN, "Origin": "http://evil.example"})
    assert answer.status_code == 403


def test_a_token_lets_a_non_loopback_name_through(locked: TestClient) -> None:
    answer = locked.post("/__admin/reset", headers={"X-Admin-Token": TOKEN, "Host": "mock.lan:4010"})
    assert answer.status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "mock.lan"])
def test_a_mock_reachable_from_the_network_will_not_start_without_an_admin_token(host: str) -> None:
    with pytest.raises(StartupError, match="admin"):
        create_app(Settings(host=host))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_a_loopback_mock_needs_no_admin_token(host: str) -> None:
    create_app(Settings(host=host))
