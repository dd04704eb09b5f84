"""The real server behind the proxy: a pool of HTTP/1.1 keep-alive connections, and its failures.

A request goes out as it came (method, path under the upstream's base path, query, body, every
end-to-end header with credentials untouched); the hop-by-hop headers of RFC 9110 §7.6.1 are
dropped (`Connection` and every header it names, `Keep-Alive`, `Proxy-*`, `TE`, `Trailer`,
`Transfer-Encoding`, `Upgrade`), `Host` becomes the upstream's and `Via` is added (§7.6.3). The
answer comes back byte for byte (a compressed body stays compressed; a decoded copy is made for
validation). A connection refused, reset or unreachable, or an answer that is not HTTP, is a 502
that names the upstream; no whole answer within the timeout is a 504. Nothing here raises anything
else.

The client is asyncio streams and httptools' parser (the one uvicorn serves with): an httpx
AsyncClient cost about 1.7 ms of CPU per exchange here, twice what Prism's whole proxy spends on
one, so it would have made the proxy slower than Prism's by itself. It speaks HTTP/1.1 (with TLS
for https) straight to the upstream; HTTP(S)_PROXY variables are not followed.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools

from mockserver.errors import ApiError, StartupError

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
    }
)
VIA = b"1.1 relation-mock"
PROXY_SOURCE = "relation-mock proxy"
MAX_ANSWER_BYTES = 64 * 1024 * 1024  # larger answers are refused with 502, not held for validation
MAX_IDLE = 64  # idle keep-alive connections kept


class ProxySetupError(StartupError):
    """The --proxy URL cannot be used."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The upstream's answer: status, headers (hop-by-hop ones removed), raw and decoded body."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    decoded: bytes | None  # None when the body's Content-Encoding cannot be decoded here
    seconds: float


def end_to_end(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers without the hop-by-hop ones (and without those `Connection` names)."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    return [
        (name, value)
        for name, value in headers
        if (lowered := name.lower()) not in HOP_BY_HOP
        and lowered not in named
        and not lowered.startswith(b"proxy-")
    ]


def _decoded(body: bytes, encoding: bytes | None) -> bytes | None:
    codings = [
        c.strip().lower() for c in (encoding or b"").split(b",") if c.strip() and c.strip() != b"identity"
    ]
    try:
        for coding in reversed(codings):
            if coding in (b"gzip", b"x-gzip"):
                body = zlib.decompress(body, wbits=47)
            elif coding == b"deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, wbits=-15)
            else:
                return None
    except zlib.error:
        return None
    return body


class _Broken(Exception):
    """The connection failed; `fresh` says whether the upstream had sent nothing on it yet."""

    def __init__(self, reason: str, *, untouched: bool) -> None:
        super().__init__(reason)
        self.untouched = untouched


class _Message:
    """httptools' callbacks for one answer (interim 1xx answers before it are skipped)."""

    __slots__ = ("body", "complete", "headers", "headers_complete", "keep_alive", "parser", "size", "status")

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.size = 0
        self.headers_complete = False
        self.complete = False
        self.keep_alive = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.headers_complete = not 100 <= self.status < 200
        self.keep_alive = self.parser.should_keep_alive()  # known here; reset once the message ends

    def on_body(self, body: bytes) -> None:
        self.body.append(body)
        self.size += len(body)

    def on_message_complete(self) -> None:
        if self.headers_complete:
            self.complete = True
        else:  # an interim answer ended: the real one follows
            self.status, self.headers, self.body, self.size = 0, [], [], 0


class Upstream:
    """Forwards requests to one base URL (`https://host/Cust12345`) over reused connections."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProxySetupError(
                f"--proxy {url!r} is not an http(s) URL with a host. Give the server's base URL, e.g. "
                "--proxy https://sod.superoffice.com/Cust12345"
            )
        if parts.query or parts.fragment:
            raise ProxySetupError(f"--proxy {url!r} has a query or fragment; give the base URL only.")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.base = parts.path.rstrip("/").encode("latin-1")
        default_port = (parts.scheme == "https" and self.port == 443) or (
            parts.scheme == "http" and self.port == 80
        )
        self.host_header = (parts.netloc.rpartition("@")[2] if not default_port else self.host).encode("idna")
        self.ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for _, writer in idle:
            writer.close()

    def _failure(self, status: int, what: str) -> ApiError:
        error_type = "GatewayTimeoutException" if status == 504 else "BadGatewayException"
        return ApiError(status, error_type, f"The upstream {self.url} {what}", source=PROXY_SOURCE)

    def _request(
        self, method: str, raw_path: bytes, query: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> bytes:
        target = self.base + raw_path + (b"?" + query if query else b"")
        lines = [method.encode("ascii") + b" " + target + b" HTTP/1.1", b"host: " + self.host_header]
        lines += [name + b": " + value for name, value in end_to_end(headers)]
        lines.append(b"via: " + VIA)
        framed = any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in headers)
        if body or framed:
            lines.append(b"content-length: " + str(len(body)).encode("ascii"))
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    async def send(
        self, method: str, raw_path: bytes, query: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> Answer:
        """The upstream's answer, or ApiError 502/504 naming the upstream."""
        request = self._request(method, raw_path, query, headers, body)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    reused = bool(self._idle)
                    connection = self._idle.pop() if reused else await self._connect()
                    try:
                        message, keep = await self._exchange(connection, request, method == "HEAD")
                        break
                    except _Broken as broken:
                        connection[1].close()
                        if reused and broken.untouched:
                            continue  # a kept-alive connection the upstream had closed: try a fresh one
                        raise self._failure(502, f"closed or broke the connection: {broken}.") from None
        except TimeoutError:
            raise self._failure(
                504, f"did not answer within {self.timeout:g} s (--upstream-timeout)."
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise self._failure(502, f"cannot be reached: {exc.strerror or exc}.") from None
        if keep and len(self._idle) < MAX_IDLE:
            self._idle.append(connection)
        else:
            connection[1].close()
        raw = b"".join(message.body)
        headers_out = end_to_end(message.headers)
        encoding = next((v for k, v in headers_out if k.lower() == b"content-encoding"), None)
        return Answer(message.status, headers_out, raw, _decoded(raw, encoding), loop.time() - started)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port, ssl=self.ssl, limit=256 * 1024)

    async def _exchange(
        self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes, head: bool
    ) -> tuple[_Message, bool]:
        reader, writer = connection
        message = _Message()
        received = False
        try:
            writer.write(request)
            await writer.drain()
            while True:
                data = await reader.read(65536)
                if not data:
                    if message.headers_complete and not _framed(message.headers) and not head:
                        return message, False  # a body delimited by the end of the connection
                    raise _Broken("the connection ended before a whole answer", untouched=not received)
                received = True
                message.parser.feed_data(data)
                if message.size > MAX_ANSWER_BYTES:
                    raise _Broken(f"an answer larger than {MAX_ANSWER_BYTES} bytes", untouched=False)
                if message.complete or (head and message.headers_complete):
                    return message, message.keep_alive and message.complete
        except httptools.HttpParserError as exc:
            raise _Broken(f"its answer is not HTTP/1.1 ({exc})", untouched=False) from None
        except (ConnectionError, OSError) as exc:
            raise _Broken(str(exc) or type(exc).__name__, untouched=not received) from None


def _framed(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in headers)
