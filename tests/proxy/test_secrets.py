"""Credentials pass through the proxy untouched and appear nowhere it writes: log, journal,
violation list, report, recording, even when the upstream echoes them back."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from starlette.types import Receive, Scope, Send

from tests.proxy.conftest import ANSWER, Echo, header
from tests.reliability.mockprocess import MockProcess
from tests.servers.runner import serve

TICKET = "SOTicket 7T:c2VjcmV0LXRpY2tldC0xMjM0NQ"
BEARER = "Bearer 8A:eyJzZWNyZXQtYmVhcmVyIn0.token-6789"
BASIC = "Basic c2VjcmV0LXVzZXI6c2VjcmV0LXBhc3N3b3Jk"
XSRF = "mock-xsrf-secret-token-4242"
COOKIE_VALUE = "secret-session-cookie-5151"
SECRETS = (
    TICKET,
    BEARER,
    BASIC,
    XSRF,
    COOKIE_VALUE,
    "c2VjcmV0LXRpY2tldC0xMjM0NQ",
    "c2VjcmV0LXVzZXI6c2VjcmV0LXBhc3N3b3Jk",
)


class _Leaky(Echo):
    """Echoes the caller's credentials back: in Comment of a valid relation (GET), and as a
    SourceContactId that breaks the schema (PUT), so that they reach recordings and messages."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            values = dict(scope["headers"])
            leaked = (values.get(b"authorization") or values.get(b"x-xsrf-token") or b"").decode()
            leaked += " " + (values.get(b"cookie") or b"").decode()
            relation = {**ANSWER, "Comment": leaked}
            if scope["method"] == "PUT":
                relation["SourceContactId"] = leaked
            self.body = json.dumps(relation).encode()
        await super().__call__(scope, receive, send)


def test_credentials_reach_the_upstream_and_appear_nowhere_the_proxy_writes(tmp_path: Path) -> None:
    recording, report = tmp_path / "recorded.json", tmp_path / "report.md"
    leaky = _Leaky()
    with serve(leaky) as upstream:
        proxy = MockProcess(
            ["--proxy", upstream, "--record", str(recording), "--report", str(report)], workdir=tmp_path
        )
        try:
            proxy.start()
            kept = []
            for credentials in (
                {"Authorization": TICKET},
                {"Authorization": BEARER},
                {"Authorization": BASIC, "Cookie": f"ASP.NET_SessionId={COOKIE_VALUE}"},
                {"X-XSRF-TOKEN": XSRF},
            ):
                for method in ("GET", "PUT"):
                    answer = httpx.request(
                        method,
                        f"{proxy.url}/api/v1/Relation/918",
                        headers=credentials,
                        json=None if method == "GET" else ANSWER,
                    )
                    assert answer.status_code == 200
                kept.append(httpx.get(f"{proxy.url}/__admin/requests").text)
                kept.append(httpx.get(f"{proxy.url}/__admin/violations").text)
            assert proxy.terminate() == 0
        finally:
            proxy.close()
    forwarded = [
        value for seen in leaky.seen for value in header(seen, "authorization") + header(seen, "x-xsrf-token")
    ]
    assert {TICKET, BEARER, BASIC, XSRF} <= set(forwarded)  # passed through untouched
    written = {
        "log": proxy.stderr_text(),
        "journal and violations": "\n".join(kept),
        "recording": recording.read_text(),
        "report": report.read_text(),
    }
    assert "***" in written["recording"] and "***" in written["journal and violations"]
    leaks = [(where, secret) for where, text in written.items() for secret in SECRETS if secret in text]
    assert leaks == [], written["log"]
