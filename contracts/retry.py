"""`--retry-429`: a busy tenant's 429 is waited out, not reported.

A real tenant limits its callers and answers 429 Too Many Requests with Retry-After (RFC 9110
10.2.3: seconds, or an HTTP-date). Under `--retry-429` the suite's own requests (the properties')
wait that long and are sent again, at most `tries` times, so that a run against a busy tenant is not a
false failure; a 429 changed nothing, so sending a write again is safe. The report counts the
retries. Schemathesis's requests are not retried: the spec documents 429 on every operation, so
Schemathesis accepts it as an answer (a case answered 429 tests less, and the count shows it).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

DEFAULT_TRIES = 5
MAX_WAIT_S = 60.0  # a Retry-After longer than this is waited this long


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float:
    """Seconds to wait for a Retry-After header (delay-seconds or HTTP-date); 1 when absent or unreadable."""
    if not value:
        return 1.0
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_WAIT_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - (now or datetime.now(UTC))).total_seconds(), 0.0), MAX_WAIT_S)


class RetryOn429(httpx.BaseTransport):
    """An httpx transport that sends a request again after a 429, as its Retry-After says."""

    def __init__(self, inner: httpx.BaseTransport, *, tries: int = DEFAULT_TRIES) -> None:
        self.inner = inner
        self.tries = tries
        self.retries = 0  # requests sent again, for the report
        self.waited_s = 0.0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(1, self.tries + 1):
            response = self.inner.handle_request(request)
            if response.status_code != 429 or attempt == self.tries:
                return response
            wait = retry_after_seconds(response.headers.get("retry-after"))
            response.read()
            response.close()
            with self._lock:
                self.retries += 1
                self.waited_s += wait
            time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.inner.close()
