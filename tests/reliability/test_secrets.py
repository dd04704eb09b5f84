"""Credentials never appear in clear text in the mock's stderr log or in GET /__admin/requests,
whether the mock accepted them or refused them."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from tests.livemock import REFS
from tests.reliability.mockprocess import MockProcess

PASSWORD = "Pw-6d1f0c"
USER = "reliability-user-3b9e"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
TICKET = "7T:dGlja2V0LXNlY3JldC1hNzQx"
TOKEN = "8A:eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLTU1Zg"
XSRF = "xsrf-9c2e41b7d0"
APP_TOKEN = "apptoken-4e7d91aa"
# Values that must not be found anywhere in the log or the journal (a credential, or its decoding).
SECRETS = [
    PASSWORD,
    BASIC,
    TICKET,
    TOKEN,
    XSRF,
    APP_TOKEN,
    "dGlja2V0LXNlY3JldC1hNzQx",
    "c2VjcmV0LXRva2VuLTU1Zg",
]

CASES = {
    "Basic": {"Authorization": f"Basic {BASIC}"},
    "Basic, scheme in lower case": {"Authorization": f"basic {BASIC}"},
    "SOTicket": {"Authorization": f"SOTicket {TICKET}"},
    "Bearer": {"Authorization": f"Bearer {TOKEN}"},
    "X-XSRF-TOKEN": {"X-XSRF-TOKEN": XSRF},
    "SO-AppToken next to Basic": {"Authorization": f"Basic {BASIC}", "SO-AppToken": APP_TOKEN},
    "the XSRF-TOKEN cookie a browser sends along": {
        "X-XSRF-TOKEN": XSRF,
        "Cookie": f"XSRF-TOKEN={XSRF}; ASP.NET_SessionId=s{APP_TOKEN}",
    },
    # Refused credentials are credentials too: a typo'd scheme still carries the secret.
    "an unsupported scheme": {"Authorization": f"Digest {TOKEN}"},
    "a Bearer token without the scheme": {"Authorization": TOKEN},
    "Basic that is not base64": {"Authorization": f"Basic {TICKET}!"},
    "Basic with extra spaces": {"Authorization": f"Basic    {BASIC}"},
    "Basic separated by a tab": {"Authorization": f"Basic\t{BASIC}"},
}


@pytest.fixture(scope="module")
def logging_mock() -> Iterator[MockProcess]:
    """A mock with its access log on (no --quiet), as `make mock` runs it."""
    with MockProcess([]) as mock:
        yield mock


def exercise(mock: MockProcess, headers: dict[str, str]) -> list[int]:
    statuses = []
    with httpx.Client(base_url=mock.url, timeout=10.0) as client:
        statuses.append(client.get("/api/v1/Relation/918", headers=headers).status_code)
        statuses.append(
            client.put("/api/v1/Relation/32001", headers=headers, json={**REFS, "Comment": "s"}).status_code
        )
        statuses.append(
            client.put(
                "/api/v1/Relation/32001",
                headers={**headers, "Content-Type": "application/json"},
                content=b"{",
            ).status_code
        )
        statuses.append(client.get("/api/v1/Nope", headers=headers).status_code)
    return statuses


@pytest.mark.parametrize("headers", list(CASES.values()), ids=list(CASES))
def test_credentials_do_not_appear_in_clear_text_in_the_log_or_the_journal(
    logging_mock: MockProcess, headers: dict[str, str]
) -> None:
    httpx.delete(f"{logging_mock.url}/__admin/requests")
    log_before = len(logging_mock.stderr_text())
    statuses = exercise(logging_mock, headers)
    journal = httpx.get(f"{logging_mock.url}/__admin/requests").text
    log = logging_mock.stderr_text()[log_before:]
    assert "/api/v1/Relation/32001" in journal, "the journal did not record the requests"
    assert not [code for code in statuses if code >= 500], statuses
    leaked_journal = [secret for secret in SECRETS if secret in journal]
    leaked_log = [secret for secret in SECRETS if secret in log]
    assert not leaked_journal, f"in GET /__admin/requests: {leaked_journal}\n{journal[:1500]}"
    assert not leaked_log, f"in the stderr log: {leaked_log}\n{log[-1500:]}"
