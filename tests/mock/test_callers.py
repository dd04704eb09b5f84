"""Who a caller becomes: the Associate in UpdatedBy, never a piece of a credential; the XSRF cookie flow."""

from __future__ import annotations

import httpx
import pytest

from tests.livemock import REFS

SECRETS = {
    "Bearer": "8A:supersecrettokenvalue123",
    "SOTicket": "7T:supersecretticketvalue456",
}


@pytest.mark.parametrize("scheme", sorted(SECRETS))
def test_no_part_of_a_token_or_ticket_reaches_stored_data_or_answers(
    client: httpx.Client, scheme: str
) -> None:
    secret = SECRETS[scheme]
    written = client.put(
        "/api/v1/Relation/918", json={**REFS, "Comment": "x"}, headers={"Authorization": f"{scheme} {secret}"}
    )
    assert written.status_code == 200
    read = client.get("/api/v1/Relation/918", headers={"Accept": "application/xml"})
    for text in (written.text, read.text):
        for piece in (secret, secret[:12], secret[3:15], secret.partition(":")[2][:6]):
            assert piece not in text


def test_an_xsrf_value_never_reaches_stored_data(client: httpx.Client) -> None:
    token = "mock-xsrf-privatevalue789"
    answer = client.put(
        "/api/v1/Relation/918",
        json={**REFS, "Comment": "x"},
        headers={"Authorization": "", "X-XSRF-TOKEN": token},
    )
    assert answer.status_code == 200
    assert "privatevalue" not in answer.text and "mock-xsrf" not in answer.text


def test_the_same_scheme_is_always_the_same_associate_whatever_the_token(client: httpx.Client) -> None:
    first = client.put("/api/v1/Relation/918", json=REFS, headers={"Authorization": "Bearer 8A:one"}).json()
    second = client.put("/api/v1/Relation/918", json=REFS, headers={"Authorization": "Bearer 8A:two"}).json()
    assert first["UpdatedBy"] == second["UpdatedBy"]
    assert first["UpdatedBy"]["AssociateId"] > 0


def test_a_basic_caller_is_named_by_the_user_name_only(client: httpx.Client) -> None:
    by = client.put("/api/v1/Relation/918", json=REFS).json()["UpdatedBy"]  # Basic tje0:Tje0
    assert by["UserName"] == "tje0"
    assert "Tje0" not in str(by).replace("tje0", "").replace("TJE0", "")


def test_an_xsrf_header_equal_to_the_xsrf_cookie_authenticates(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918",
        json={**REFS, "Comment": "double submit"},
        headers={"Authorization": "", "X-XSRF-TOKEN": "session-abc", "Cookie": "XSRF-TOKEN=session-abc"},
    )
    assert answer.status_code == 200
    assert client.get("/api/v1/Relation/918").json()["Comment"] == "double submit"


def test_an_xsrf_header_that_differs_from_the_cookie_is_refused(client: httpx.Client) -> None:
    before = client.get("/api/v1/Relation/918").json()
    answer = client.put(
        "/api/v1/Relation/918",
        json={**REFS, "Comment": "forged"},
        headers={"Authorization": "", "X-XSRF-TOKEN": "mock-xsrf-abc", "Cookie": "XSRF-TOKEN=mock-xsrf-abd"},
    )
    assert answer.status_code == 401
    assert "WWW-Authenticate".lower() in answer.headers
    assert client.get("/api/v1/Relation/918").json() == before
