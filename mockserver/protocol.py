"""uvicorn's protocol and server, adjusted so even requests that never reach the app get API answers.

A request line or header that httptools cannot parse (control characters, bad folding, a raw
non-ASCII path) is answered by uvicorn itself with a text/plain 400; here it is the vendor's error
body instead. A SIGTERM shuts down gracefully and the process then exits 0, as a service manager
expects, rather than re-raising the signal.

uvicorn stamps `Date` from a clock it refreshes once a second, so its `Date` can be up to a second
older than a write's `Last-Modified`; RFC 9110 §8.8.2.1 forbids a `Last-Modified` later than
`Date`. `DateHeaderMiddleware` reads the clock when each answer starts instead (run uvicorn with
`date_header=False`, as `mockserver.__main__` does).

uvicorn times nothing before a request's headers are complete, and keeps every body byte a client
sends. So a connection that sends nothing, or whose request line and headers do not end, is closed
after `header_timeout` (with a 408 if a request was begun); and the body bytes of requests still
arriving are counted per process: the body that would take them past `max_buffered` is answered
503 and its connection closed, so many stalled uploads hold a bounded amount of memory. Both
limits come from the app's Settings, which `create_app`'s lifespan leaves in the lifespan state
that uvicorn hands to every connection (`app_state`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

import orjson
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from mockserver.errors import ApiError, ServiceUnavailable
from mockserver.settings import Settings

# Lifespan state keys: create_app's lifespan yields {"settings": Settings}; the first connection
# adds the process's ConnectionLimits.
SETTINGS_STATE = "settings"
LIMITS_STATE = "relation_mock.connection_limits"


def raw_answer(status_line: bytes, error: ApiError) -> bytes:
    """A whole HTTP/1.1 answer in the vendor's error shape that closes the connection."""
    body = orjson.dumps(error.body())
    headers = b"".join(f"{name}: {value}\r\n".encode("latin-1") for name, value in error.headers.items())
    return b"".join(
        [
            b"HTTP/1.1 " + status_line + b"\r\n",
            b"content-type: application/json; charset=utf-8\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            headers,
            b"connection: close\r\n\r\n",
            body,
        ]
    )


_BAD_REQUEST = raw_answer(
    b"400 Bad Request",
    ApiError(
        400,
        "BadHttpRequestException",
        "The request line or a header is malformed (control characters, bad line folding or "
        "non-ASCII bytes); it was not processed.",
    ),
)


class ConnectionLimits:
    """One process's limits on what connections may hold, and the body bytes they hold now."""

    def __init__(self, settings: Settings) -> None:
        self.header_timeout = settings.header_timeout
        self.max_buffered = settings.max_buffered
        self.buffered = 0  # body bytes of requests whose body has not ended, over every connection
        self.too_slow = raw_answer(
            b"408 Request Timeout",
            ApiError(
                408,
                "RequestTimeoutException",
                f"The request line and headers did not arrive within {settings.header_timeout:g} seconds.",
            ),
        )
        self.too_much = raw_answer(
            b"503 Service Unavailable",
            ServiceUnavailable(
                f"The request bodies arriving at once exceed {settings.max_buffered} bytes; this one "
                "was not read: send it again later."
            ),
        )


class VendorHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        limits = app_state.get(LIMITS_STATE)
        if not isinstance(limits, ConnectionLimits):  # the first connection of this server
            settings = app_state.get(SETTINGS_STATE)
            limits = ConnectionLimits(settings if isinstance(settings, Settings) else Settings())
            app_state[LIMITS_STATE] = limits
        self.limits = limits
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_begun = False  # a byte of a request arrived, its headers have not ended
        self._held = 0  # body bytes of the current request, counted in limits.buffered

    def send_400_response(self, msg: str) -> None:
        self.transport.write(_BAD_REQUEST)
        self.transport.close()

    # -- the head timer: from the connection's start, or a request's first byte, to its headers' end

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._arm_head_timer()  # a pipelined head waits behind an answer: not the client's doing
            return
        if self._head_begun:
            self.transport.write(self.limits.too_slow)
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # The connection itself, for the faults a request may ask for (mockserver.faults: reset, empty,
        # malformed, timeout), which misbehave on the wire instead of answering.
        self.scope["extensions"] = {"relation.transport": self.transport}  # type: ignore[dict-item]
        self._head_begun = True
        self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._disarm_head_timer()
        self._head_begun = False
        super().on_headers_complete()

    # -- the body budget ----------------------------------------------------------------------------

    def _release(self) -> None:
        self.limits.buffered -= self._held
        self._held = 0

    def on_body(self, body: bytes) -> None:
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if not (cycle.response_started or cycle.response_complete):  # else uvicorn drops the bytes
            self._held += len(body)
            self.limits.buffered += len(body)
            if self.limits.buffered > self.limits.max_buffered:
                self._release()
                self.transport.write(self.limits.too_much)
                self.transport.close()
                return
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._release()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        self._release()
        super().connection_lost(exc)


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
