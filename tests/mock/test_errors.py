"""Every refusal is a 4xx in the vendor's error shape, saying what was wrong and where."""

from __future__ import annotations

import httpx
import pytest

ERROR_KEYS = {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}


def _is_vendor_error(answer: httpx.Response, status: int) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) >= ERROR_KEYS
    assert body["Error"] is True
    return body


@pytest.mark.parametrize("content", [b"", b"   ", b"null"])
def test_a_missing_body_gives_400_entity_to_save_is_not_in_request_body(
    client: httpx.Client, content: bytes
) -> None:
    answer = client.put("/api/v1/Relation/918", content=content, headers={"Content-Type": "application/json"})
    assert _is_vendor_error(answer, 400)["ErrorMessage"] == "Entity to save is not in request body."


def test_a_400_names_every_failing_field_not_only_the_first(client: httpx.Client) -> None:
    body = {"SourceContactId": "abc", "Reversed": 2**32, "CreatedBy": {"Type": "Employee"}, "Comment": 5}
    error = _is_vendor_error(client.put("/api/v1/Relation/918", json=body), 400)
    fields = {violation["Field"] for violation in error["Violations"]}  # type: ignore[attr-defined]
    assert fields == {"SourceContactId", "Reversed", "CreatedBy/Type", "Comment"}
    for name in fields:
        assert name in str(error["ErrorMessage"])


def test_a_refused_body_changes_nothing(client: httpx.Client) -> None:
    before = client.get("/api/v1/Relation/918").json()
    client.put("/api/v1/Relation/918", json={"SourceContactId": 2**31})
    assert client.get("/api/v1/Relation/918").json() == before


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/json", b'{"Comment": '),
        ("application/json", b'{"Comment": "a", "Comment": "b"}'),
        ("application/json", b'{"SourceContactId": NaN}'),
        ("application/json", b'{"Comment": "\xff"}'),
        ("application/xml", b"<ContactRelationEntity><Comment>x</ContactRelationEntity>"),
        (
            "application/xml",
            b"<ContactRelationEntity><SourceContactId>x</SourceContactId></ContactRelationEntity>",
        ),
        ("application/x-www-form-urlencoded", b"SourceContactId=abc"),
        ("application/json-patch+json", b'[{"op": "move", "path": "/Comment", "from": "/ActiveText"}]'),
        ("application/merge-patch+json", b'{"Reversed": "x"}'),
    ],
)
def test_a_malformed_body_gives_400(client: httpx.Client, content_type: str, content: bytes) -> None:
    answer = client.put("/api/v1/Relation/918", content=content, headers={"Content-Type": content_type})
    _is_vendor_error(answer, 400)


def test_no_credentials_give_401_with_www_authenticate(client: httpx.Client) -> None:
    answer = client.put("/api/v1/Relation/918", json={}, headers={"Authorization": ""})
    _is_vendor_error(answer, 401)
    assert "Basic" in answer.headers["www-authenticate"]


@pytest.mark.parametrize("value", ["Basic", "Digest abc", "Basic !!!notbase64", "Basic " + "dXNlcg=="])
def test_a_malformed_or_unknown_authorization_gives_401(client: httpx.Client, value: str) -> None:
    _is_vendor_error(client.put("/api/v1/Relation/918", json={}, headers={"Authorization": value}), 401)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "soticket 7T:abc"},
        {"Authorization": "BEARER 8A:token"},
        {"X-XSRF-TOKEN": "xsrf-value"},
    ],
)
def test_each_documented_credential_is_accepted(mock_url: str, headers: dict[str, str]) -> None:
    answer = httpx.put(f"{mock_url}/api/v1/Relation/918", json={"Comment": "x"}, headers=headers)
    assert answer.status_code == 200


def test_an_accept_the_mock_cannot_serve_gives_406(client: httpx.Client) -> None:
    _is_vendor_error(client.put("/api/v1/Relation/918", json={}, headers={"Accept": "image/png"}), 406)


def test_an_unknown_content_type_gives_415(client: httpx.Client) -> None:
    answer = client.put("/api/v1/Relation/918", content=b"a,b", headers={"Content-Type": "text/csv"})
    assert "application/json" in str(_is_vendor_error(answer, 415)["ErrorMessage"])


@pytest.mark.parametrize("path", ["/api/v1/Relation/abc", "/api/v1/Relation/1.5", "/api/v1/Nothing", "/"])
def test_a_path_that_names_no_relation_gives_404(client: httpx.Client, path: str) -> None:
    _is_vendor_error(client.put(path, json={}), 404)


@pytest.mark.parametrize("relation_id", [2**31, -(2**31) - 1, 2**40])
def test_an_id_outside_int32_gives_400(client: httpx.Client, relation_id: int) -> None:
    _is_vendor_error(client.put(f"/api/v1/Relation/{relation_id}", json={}), 400)


def test_an_undocumented_method_gives_405(client: httpx.Client) -> None:
    _is_vendor_error(client.delete("/api/v1/Relation/918"), 405)


def test_errors_follow_accept_xml(client: httpx.Client) -> None:
    answer = client.put("/api/v1/Relation/918", content=b"", headers={"Accept": "application/xml"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/xml")
    assert b"<ErrorMessage>Entity to save is not in request body.</ErrorMessage>" in answer.content
