"""What surrounds the endpoint: CORS, Swagger UI, the spec, the request journal."""

from __future__ import annotations

import httpx
import pytest

from tests.livemock import REFS, mock_in_thread


def test_a_cors_preflight_is_answered_for_any_origin_with_credentials(client: httpx.Client) -> None:
    answer = client.options(
        "/api/v1/Relation/918",
        headers={
            "Origin": "http://app.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type, if-unmodified-since",
        },
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "http://app.example"
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert "PUT" in answer.headers["access-control-allow-methods"]
    simple = client.get("/api/v1/Relation/918", headers={"Origin": "http://app.example"})
    assert simple.headers["access-control-allow-origin"] == "http://app.example"


def test_no_cors_sends_no_cors_headers() -> None:
    with mock_in_thread(cors=False) as url:
        answer = httpx.get(
            f"{url}/api/v1/Relation/918", headers={"Origin": "http://a", "Authorization": "Bearer 8A:x"}
        )
        assert answer.status_code == 200
        assert "access-control-allow-origin" not in answer.headers


def test_swagger_ui_and_the_spec_are_served(client: httpx.Client) -> None:
    assert "swagger" in client.get("/ui/").text.lower()
    spec = client.get("/openapi.json").json()
    assert "/api/v1/Relation/{id}" in spec["paths"]


def test_the_journal_records_requests_with_credentials_redacted(client: httpx.Client) -> None:
    client.put(
        "/api/v1/Relation/918",
        json={**REFS, "Comment": "journaled"},
        headers={"X-XSRF-TOKEN": "mock-xsrf-sekrit"},
    )
    entries = client.get("/__admin/requests").json()["Requests"]
    last = entries[-1]
    assert (last["Method"], last["Path"], last["Status"]) == ("PUT", "/api/v1/Relation/918", 200)
    assert "journaled" in last["Body"]
    assert last["Headers"]["authorization"] == "Basic ***"
    assert last["Headers"]["x-xsrf-token"] == "***"
    assert "dGplMDpUamUw" not in str(entries) and "sekrit" not in str(entries)
    assert client.delete("/__admin/requests").status_code == 204
    assert client.get("/__admin/requests").json()["Requests"] == []


def test_the_journal_is_bounded() -> None:
    with mock_in_thread(journal_size=5) as url:
        for _ in range(12):
            httpx.get(f"{url}/api/v1/Relation/918", headers={"Authorization": "Bearer 8A:x"})
        assert len(httpx.get(f"{url}/__admin/requests").json()["Requests"]) == 5


def test_auth_off_accepts_anonymous_calls() -> None:
    with mock_in_thread(auth=False) as url:
        assert httpx.put(f"{url}/api/v1/Relation/918", json={**REFS, "Comment": "anon"}).status_code == 200


def test_cookies_in_the_journal_keep_their_names_only(client: httpx.Client) -> None:
    client.get("/api/v1/Relation/918", headers={"Cookie": "XSRF-TOKEN=secret1; ASP.NET_SessionId=secret2"})
    cookie = client.get("/__admin/requests").json()["Requests"][-1]["Headers"]["cookie"]
    assert cookie == "XSRF-TOKEN=***; ASP.NET_SessionId=***"


def test_a_journal_entry_keeps_a_bounded_amount_of_headers(client: httpx.Client) -> None:
    many = {f"X-Pad-{i}": "y" * 1000 for i in range(30)}  # 30 KB: under the 32 KiB request limit
    client.get("/api/v1/Relation/918", headers=many)
    headers = client.get("/__admin/requests").json()["Requests"][-1]["Headers"]
    assert sum(len(k) + len(v) for k, v in headers.items()) < 20_000
    assert "more headers not kept" in headers["..."]


@pytest.mark.parametrize("path", ["/api/v1/relation/918", "/API/V1/RELATION/918", "/api/v1/Relation/918/"])
def test_a_path_in_any_letter_case_reaches_the_relation_as_aspnet_routes_match(
    client: httpx.Client, path: str
) -> None:
    assert client.put(path, json={**REFS, "Comment": path}).status_code == 200
    assert client.get("/api/v1/Relation/918").json()["Comment"] == path


def test_the_served_spec_lists_this_server_first_so_swagger_ui_try_it_out_works(
    client: httpx.Client, mock_url: str
) -> None:
    servers = client.get("/openapi.json").json()["servers"]
    assert servers[0]["url"] == mock_url
    assert all(server["url"] for server in servers)
    assert any("{tenant}" in server["url"] for server in servers)  # the documented ones follow


def test_reset_leaves_an_empty_journal_and_admin_calls_are_never_journaled(client: httpx.Client) -> None:
    client.get("/api/v1/Relation/918")
    assert client.post("/__admin/reset").json()["Relations"] >= 1
    assert client.get("/__admin/requests").json()["Requests"] == []
    client.get("/api/v1/Relation/918")
    assert [e["Path"] for e in client.get("/__admin/requests").json()["Requests"]] == ["/api/v1/Relation/918"]
