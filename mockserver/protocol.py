"""uvicorn's protocol and server, adjusted so even requests that never reach the app get API answers.

A request line or header that httptools cannot parse (control characters, bad folding, a raw
non-ASCII path) is answered by uvicorn itself with a text/plain 400; here it is the vendor's error
body instead. A SIGTERM shuts down gracefully and the process then exits 0, as a service manager
expects, rather than re-raising the signal.

uvicorn stamps `Date` from a clock it refreshes once a second, so its `Date` can be up to a second
older than a write's `Last-Modified`; RFC 9110 §8.8.2.1 forbids a `Last-Modified` later than
`Date`. `DateHeaderMiddleware` reads the clock when each answer starts instead (run uvicorn with
`date_header=False`, as `mockserver.__main__` does).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime

import orjson
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver.errors import ApiError

_BAD_REQUEST = orjson.dumps(
    ApiError(
        400,
        "BadHttpRequestException",
        "The request line or a header is malformed (control characters, bad line folding or "
        "non-ASCII bytes); it was not processed.",
    ).body()
)


class VendorHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        self.transport.write(
            b"".join(
                [
                    b"HTTP/1.1 400 Bad Request\r\n",
                    b"content-type: application/json; charset=utf-8\r\n",
                    b"content-length: " + str(len(_BAD_REQUEST)).encode("ascii") + b"\r\n",
                    b"connection: close\r\n\r\n",
                    _BAD_REQUEST,
                ]
            )
        )
        self.transport.close()


class Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            self._captured_signals.clear()  # shut down gracefully already: exit 0, not by the signal


class DateHeaderMiddleware:
    """Adds `Date`, read when the answer starts (after any write it reports), to every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._second = -1
        self._value = b""

    def _date(self) -> bytes:
        second = int(time.time())
        if second != self._second:  # one formatdate per second, however many answers
            self._second, self._value = second, formatdate(second, usegmt=True).encode("ascii")
        return self._value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"date", self._date())]}
            await send(message)

        await self.app(scope, receive, send_dated)


def http_date(value: str | None) -> datetime | None:
    """An HTTP-date in any of RFC 9110's three forms, in UTC; None when absent or unparsable (a
    precondition with such a date is ignored, as RFC 9110 §13.1.4 has it)."""
    if not value:
        return None
    try:  # IMF-fixdate first: email.utils would read the year 0050 as 2050
        return datetime.strptime(value.strip(), "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    except ValueError:
        pass
    try:  # RFC 850 and asctime
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
