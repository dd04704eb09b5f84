"""`--retry-429`'s transport: a 429 is waited out as Retry-After says, then the request goes again."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from contracts.retry import MAX_WAIT_S, RetryOn429, retry_after_seconds


def test_retry_after_is_read_as_seconds_or_as_an_http_date_and_capped() -> None:
    now = datetime(2026, 12, 3, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Thu, 03 Dec 2026 12:00:07 GMT", now) == 7.0
    assert retry_after_seconds("Thu, 03 Dec 2026 11:00:00 GMT", now) == 0.0  # already past
    assert retry_after_seconds("86400") == MAX_WAIT_S
    assert retry_after_seconds(None) == retry_after_seconds("soon") == 1.0


def test_a_429_is_sent_again_after_its_retry_after_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([429, 429, 200])
    sent: list[bytes] = []
    slept: list[float] = []
    monkeypatch.setattr("contracts.retry.time.sleep", slept.append)

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        status = next(answers)
        return httpx.Response(status, headers={"Retry-After": "2"} if status == 429 else {})

    transport = RetryOn429(httpx.MockTransport(handler))
    with httpx.Client(transport=transport) as client:
        answer = client.put("http://tenant.example/api/v1/Relation/1", content=b'{"Comment": "x"}')
    assert answer.status_code == 200
    assert sent == [b'{"Comment": "x"}'] * 3 and slept == [2.0, 2.0]
    assert transport.retries == 2 and transport.waited_s == 4.0


def test_after_the_last_try_the_429_is_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("contracts.retry.time.sleep", lambda seconds: None)
    transport = RetryOn429(httpx.MockTransport(lambda request: httpx.Response(429)), tries=3)
    with httpx.Client(transport=transport) as client:
        assert client.get("http://tenant.example/").status_code == 429
    assert transport.retries == 2
