"""One HTTP/1.1 connection to the upstream, reused only while its answers are framed exactly.

A kept-alive connection carries one client's answer after another's, so any byte the upstream
sends beyond an answer's framing would be read as the next client's answer (response smuggling).
Here a connection goes back to the pool only when its answer ended exactly where its framing says
and the upstream said keep-alive. It is closed, never reused, when:
- bytes follow a whole answer: a body longer than its `Content-Length`, a body on a 204 or 304 or
  on the answer to a HEAD, a 1xx after the final answer, in the same read or while it is idle;
- a 204 declares a body length (`Content-Length`, `Transfer-Encoding`), which RFC 9110 §8.6 forbids.
A 1xx before the final answer is skipped (RFC 9110 §15.2), unless it declares a body or switches
protocols (then the answer is a 502: what follows cannot be trusted to be this request's answer).

The parser is httptools' (llhttp, as uvicorn's); the connection is an asyncio Protocol, so bytes
that arrive while nobody waits are seen at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httptools

MAX_ANSWER_BYTES = 64 * 1024 * 1024  # larger answers are refused with 502, not held for validation
MAX_INTERIM = 8  # 1xx answers before the final one
_FRAMING = (b"content-length", b"transfer-encoding")


class Broken(Exception):
    """The connection failed; `untouched` says whether the upstream had sent nothing on it yet."""

    def __init__(self, reason: str, *, untouched: bool) -> None:
        super().__init__(reason)
        self.untouched = untouched


class _Leftover(Exception):
    """Raised from a parser callback: bytes follow the whole answer."""


class Message:
    """httptools' callbacks for one answer; interim 1xx answers before it are skipped."""

    __slots__ = (
        "body",
        "complete",
        "exact",
        "head",
        "headers",
        "headers_complete",
        "interim",
        "keep_alive",
        "parser",
        "problem",
        "size",
        "status",
    )

    def __init__(self, *, head: bool) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.head = head  # the answer to a HEAD (or a CONNECT): it ends with its headers
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.size = 0
        self.headers_complete = False
        self.complete = False
        self.keep_alive = False
        self.exact = True  # no framing anomaly: the connection may be reused
        self.interim = 0
        self.problem: str | None = None  # why the answer cannot be trusted (a 502)

    def on_message_begin(self) -> None:
        if self.complete:
            raise _Leftover

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        framed = any(name.lower() in _FRAMING for name, _ in self.headers)
        if 100 <= self.status < 200:
            self.interim += 1
            if self.status == 101:
                self.problem = "switched protocols (101), which the proxy never asked for"
            elif framed:
                self.problem = f"sent a {self.status} (1xx) answer with a body length; a 1xx has no body"
            elif self.interim > MAX_INTERIM:
                self.problem = f"sent more than {MAX_INTERIM} 1xx answers"
            if self.problem:
                raise _Leftover
            return
        self.headers_complete = True
        self.keep_alive = self.parser.should_keep_alive()
        if self.status == 204 and framed:
            self.exact = False
        if self.head:
            self.complete = True

    def on_body(self, body: bytes) -> None:
        if self.complete:
            raise _Leftover
        self.body.append(body)
        self.size += len(body)
        if self.size > MAX_ANSWER_BYTES:
            self.problem = f"sent an answer larger than {MAX_ANSWER_BYTES} bytes"
            raise _Leftover

    def on_message_complete(self) -> None:
        if self.headers_complete:
            self.complete = True
        elif not self.problem:  # an interim answer ended: the real one follows
            self.headers = []

    def close_delimited(self) -> bool:
        """A body that ends with the connection (no Content-Length, no chunking)."""
        return (
            self.headers_complete
            and not self.head
            and self.status not in (204, 304)
            and not any(name.lower() in _FRAMING for name, _ in self.headers)
        )


class Connection(asyncio.Protocol):
    """A connection that reads one answer per `exchange` and notices bytes nobody asked for."""

    def __init__(self, stray: Callable[[str], None], forget: Callable[[Connection], None]) -> None:
        self.stray = stray  # told when bytes came that no request asked for
        self.forget = forget  # told when the connection is gone
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.message: Message | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.received = False
        self.closed = False

    # -- asyncio.Protocol --------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        message = self.message
        if message is None or message.complete:  # nobody asked: the connection is out of step
            self.stray(f"{len(data)} bytes after a whole answer")
            self.close()
            return
        self.received = True
        try:
            message.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(Broken("it upgraded the connection to another protocol", untouched=False))
            return
        except httptools.HttpParserError as exc:
            if message.problem:
                self._fail(Broken(message.problem, untouched=False))
                return
            if not message.complete:
                self._fail(Broken(f"its answer is not HTTP/1.1 ({exc})", untouched=False))
                return
            message.exact = False  # bytes after the whole answer
            self.stray("bytes after the end of its answer")
        if message.complete:
            self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.forget(self)
        if not self.lost.done():
            self.lost.set_result(None)
        message = self.message
        if message is None or message.complete:
            return
        if message.close_delimited():
            message.complete, message.keep_alive = True, False
            self._wake()
        else:
            reason = str(exc) if exc else "the connection ended before a whole answer"
            self._fail(Broken(reason, untouched=not self.received))

    # -- use ---------------------------------------------------------------------------------------

    async def exchange(self, request: bytes, *, head: bool) -> Message:
        """Send `request`, wait for its whole answer (raises Broken)."""
        if self.closed or self.transport is None:
            raise Broken("the connection was closed", untouched=True)
        self.received = False
        self.message = Message(head=head)
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        await self.waiter
        return self.message

    def reusable(self) -> bool:
        message = self.message
        return (
            not self.closed
            and message is not None
            and message.complete
            and message.keep_alive
            and message.exact
        )

    def idle(self) -> None:
        """Back in the pool: any byte from now on until the next request is stray."""
        self.message = None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Close at once, without TLS's goodbye (at shutdown, when closing took too long)."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _fail(self, broken: Broken) -> None:
        self.close()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(broken)
