"""Credentials in headers and in the query never reach the journal or the access log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver import Settings, create_app

SECRET = "s3cr3t-value-never-shown"
BASIC = "Basic dGplMDpUamUw"


@pytest.fixture(scope="module")
def mock() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(quiet=False)), base_url="http://127.0.0.1:4010") as client:
        yield client


def _last_entry(mock: TestClient) -> dict[str, object]:
    entries = mock.get("/__admin/requests").json()["Requests"]
    assert entries, "the journal is empty"
    last: dict[str, object] = entries[-1]
    return last


@pytest.mark.parametrize(
    "name",
    [
        "X-Api-Key",
        "Set-Cookie",
        "X-Admin-Token",
        "X-Client-Secret",
        "X-Password",
        "X-Auth-Context",
        "SO-AppToken",
    ],
)
def test_a_header_whose_name_says_credential_is_masked_in_the_journal(mock: TestClient, name: str) -> None:
    mock.get("/api/v1/Relation/918", headers={"Authorization": BASIC, name: SECRET})
    entry = _last_entry(mock)
    headers = entry["Headers"]
    assert isinstance(headers, dict)
    assert SECRET not in str(entry)
    assert headers[name.lower()].endswith("***")


def test_an_ordinary_header_is_shown_as_it_was_sent(mock: TestClient) -> None:
    mock.get("/api/v1/Relation/918", headers={"Authorization": BASIC, "X-Correlation-Id": "abc-123"})
    headers = _last_entry(mock)["Headers"]
    assert isinstance(headers, dict)
    assert headers["x-correlation-id"] == "abc-123"
    assert headers["authorization"] == "Basic ***"


def test_query_parameters_named_like_credentials_are_masked_in_the_journal(mock: TestClient) -> None:
    query = f"$select=Comment&access_token={SECRET}&ticket={SECRET}&api%5Fkey={SECRET}"
    mock.get(f"/api/v1/Relation/918?{query}", headers={"Authorization": BASIC})
    entry = _last_entry(mock)
    assert SECRET not in str(entry)
    assert entry["Query"] == "$select=Comment&access_token=***&ticket=***&api%5Fkey=***"


def test_the_access_log_line_shows_no_credential_and_stays_one_line(
    mock: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    mock.get(
        f"/api/v1/Relation/918?ticket={SECRET}",
        headers={"Authorization": f"SOTicket 7T:{SECRET}", "X-Api-Key": SECRET},
    )
    mock.get("/api/v1/Relation/9%0a18%0dGET /forged 200 0.1ms")
    log = capsys.readouterr().err
    assert SECRET not in log
    assert "GET /api/v1/Relation/918 200" in log
    assert not any(line.startswith("GET /forged") for line in log.splitlines())


def test_a_cookie_without_a_name_is_all_value_and_masked_whole(mock: TestClient) -> None:
    mock.get("/api/v1/Relation/918", headers={"Authorization": BASIC, "Cookie": f"{SECRET}; lang=en"})
    headers = _last_entry(mock)["Headers"]
    assert isinstance(headers, dict)
    assert headers["cookie"] == "***; lang=***"
