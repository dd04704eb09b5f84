"""The real server behind the proxy: a pool of HTTP/1.1 keep-alive connections, and its failures.

A request goes out as it came (method, path under the upstream's base path, query, body, every
end-to-end header with credentials untouched); the hop-by-hop headers of RFC 9110 §7.6.1 are
dropped (`Connection` and every header it names, `Keep-Alive`, `Proxy-*`, `TE`, `Trailer`,
`Transfer-Encoding`, `Upgrade`), `Host` becomes the upstream's and `Via` is added (§7.6.3). The
answer comes back byte for byte (a compressed body stays compressed; a decoded copy is made for
validation). A connection refused, reset or unreachable, or an answer that is not HTTP, is a 502
that names the upstream; no whole answer within the timeout is a 504. Nothing here raises anything
else.

The client is an asyncio Protocol and httptools' parser (the one uvicorn serves with), measured
against the kept clients (`tests/proxy/measure_client_cpu.py`, CPU per exchange at 32 concurrent,
uvloop): this one 21 us, aiohttp 3.14.5 77 us (285 us with `trust_env`, which looks the proxy up
per request), httpcore 1.0.9 about 1 ms. It speaks HTTP/1.1 (with TLS for https) to the upstream,
through the forward proxy the environment names (`network`); a connection is reused only while
its answers are framed exactly (`connection`).
"""

from __future__ import annotations

import asyncio
import ssl
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mockserver.errors import ApiError
from mockserver.proxy.connection import MAX_ANSWER_BYTES, Broken, Connection, Message
from mockserver.proxy.network import ProxySetupError, forward_proxy, tls_context

__all__ = ["HOP_BY_HOP", "MAX_ANSWER_BYTES", "PROXY_SOURCE", "Answer", "ProxySetupError", "Upstream"]

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
MAX_IDLE = 64  # idle keep-alive connections kept


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
    """The body without its Content-Encoding; None when it cannot be decoded, or would be larger
    than MAX_ANSWER_BYTES (a compression bomb is never expanded past that)."""
    codings = [
        c.strip().lower() for c in (encoding or b"").split(b",") if c.strip() and c.strip() != b"identity"
    ]
    try:
        for coding in reversed(codings):
            if coding in (b"gzip", b"x-gzip"):
                body = _inflate(body, 47)
            elif coding == b"deflate":
                try:
                    body = _inflate(body, 15)
                except zlib.error:
                    body = _inflate(body, -15)
            else:
                return None
    except (zlib.error, OverflowError):
        return None
    return body


def _inflate(body: bytes, wbits: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(body, MAX_ANSWER_BYTES + 1)
    if len(out) > MAX_ANSWER_BYTES:
        raise OverflowError
    return out


class Upstream:
    """Forwards requests to one base URL (`https://host/Cust12345`) over reused connections."""

    def __init__(self, url: str, timeout: float, cacert: Path | str | None = None) -> None:
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
            raise ProxySetupError(
                f"--proxy {url!r} is not an http(s) URL with a host. Give the server's base URL, e.g. "
                "--proxy https://sod.superoffice.com/Cust12345"
            )
        if parts.query or parts.fragment:
            raise ProxySetupError(f"--proxy {url!r} has a query or fragment; give the base URL only.")
        # shown in messages, the journal and reports: never the URL's credentials, if it has any
        self.url = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}".rstrip("/")
        self.timeout = timeout
        self.host = parts.hostname
        self.port = port or (443 if parts.scheme == "https" else 80)
        self.base = parts.path.rstrip("/").encode("latin-1")
        default_port = (parts.scheme == "https" and self.port == 443) or (
            parts.scheme == "http" and self.port == 80
        )
        self.host_header = (parts.netloc.rpartition("@")[2] if not default_port else self.host).encode("idna")
        tls = tls_context(cacert) if cacert is not None or parts.scheme == "https" else None
        self.ssl = tls if parts.scheme == "https" else None
        self.via = forward_proxy(parts.scheme, self.host, self.port)
        # http through a forward proxy: absolute-form targets; https: a CONNECT tunnel per connection
        self.prefix = b"http://" + self.host_header if self.via is not None and self.ssl is None else b""
        self.proxy_header = (
            [b"proxy-authorization: " + self.via.authorization]
            if self.via is not None and self.via.authorization and self.ssl is None
            else []
        )
        self._idle: list[Connection] = []
        self._live: set[Connection] = set()  # every open connection, idle or busy

    async def aclose(self) -> None:
        """Close every connection and wait (a second at most) until they are gone, TLS ones too."""
        self._idle = []
        live = list(self._live)
        for connection in live:
            connection.close()
        if live:
            await asyncio.wait([connection.lost for connection in live], timeout=1.0)
        for connection in live:
            if not connection.lost.done():
                connection.abort()

    def _failure(self, status: int, what: str) -> ApiError:
        error_type = "GatewayTimeoutException" if status == 504 else "BadGatewayException"
        through = f" (through the proxy {self.via.shown})" if self.via is not None else ""
        return ApiError(status, error_type, f"The upstream {self.url}{through} {what}", source=PROXY_SOURCE)

    def _request(
        self, method: str, raw_path: bytes, query: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> bytes:
        target = self.prefix + self.base + raw_path + (b"?" + query if query else b"")
        lines = [method.encode("ascii") + b" " + target + b" HTTP/1.1", b"host: " + self.host_header]
        lines += [name + b": " + value for name, value in end_to_end(headers)]
        lines.append(b"via: " + VIA)
        lines += self.proxy_header
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
        connection: Connection | None = None
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    connection = self._take()
                    reused = connection is not None
                    if connection is None:
                        connection = await self._connect()
                    try:
                        message = await connection.exchange(request, head=method == "HEAD")
                        break
                    except Broken as broken:
                        connection.close()
                        if reused and broken.untouched:
                            continue  # a kept-alive connection the upstream had closed: try a fresh one
                        raise self._failure(502, f"closed or broke the connection: {broken}.") from None
        except TimeoutError:
            raise self._failure(
                504, f"did not answer within {self.timeout:g} s (--upstream-timeout)."
            ) from None
        except ssl.SSLCertVerificationError as exc:
            raise self._failure(
                502,
                f"cannot be reached: its TLS certificate is not trusted ({exc.verify_message}). Give the "
                "CA that signed it with --cacert FILE (or SSL_CERT_FILE).",
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise self._failure(502, f"cannot be reached: {exc.strerror or exc}.") from None
        finally:  # an answer not read to its end (timeout, cancel, failure) must never be reused
            if connection is not None and not connection.reusable():
                connection.close()
        if len(self._idle) < MAX_IDLE and connection.reusable():
            connection.idle()
            self._idle.append(connection)
        else:
            connection.close()
        return self._answer(message, loop.time() - started)

    @staticmethod
    def _answer(message: Message, seconds: float) -> Answer:
        raw = b"".join(message.body)
        headers_out = end_to_end(message.headers)
        encoding = next((v for k, v in headers_out if k.lower() == b"content-encoding"), None)
        return Answer(message.status, headers_out, raw, _decoded(raw, encoding), seconds)

    def _take(self) -> Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
        return None

    def _stray(self, what: str) -> None:
        sys.stderr.write(
            f"relation-mock proxy: the upstream {self.url} sent {what} (a body longer than its "
            "Content-Length, a body on a 204/304/HEAD answer, or a stray 1xx); that connection was "
            "closed, not reused.\n"
        )

    def _connection(self) -> Connection:
        return Connection(self._stray, self._live.discard)

    def _opened(self, connection: Connection) -> Connection:
        if not connection.closed:  # kept only once open: a failed handshake leaves nothing behind
            self._live.add(connection)
        return connection

    async def _connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        if self.via is None:
            _, connection = await loop.create_connection(self._connection, self.host, self.port, ssl=self.ssl)
            return self._opened(connection)
        transport, connection = await loop.create_connection(self._connection, self.via.host, self.via.port)
        self._opened(connection)
        if self.ssl is None:
            return connection
        try:
            await self._tunnel(connection)
            tls = await loop.start_tls(transport, connection, self.ssl, server_hostname=self.host)
        except BaseException:
            connection.close()
            raise
        if tls is None:
            raise OSError(f"the TLS handshake through the proxy {self.via.shown} did not complete")
        connection.transport = tls
        connection.idle()
        return connection

    async def _tunnel(self, connection: Connection) -> None:
        """CONNECT host:port through the forward proxy (a 2xx opens the tunnel)."""
        assert self.via is not None
        authority = f"{self.host}:{self.port}".encode("idna")
        lines = [b"CONNECT " + authority + b" HTTP/1.1", b"host: " + authority]
        if self.via.authorization:
            lines.append(b"proxy-authorization: " + self.via.authorization)
        try:
            message = await connection.exchange(b"\r\n".join(lines) + b"\r\n\r\n", head=True)
        except Broken as broken:
            raise OSError(f"the proxy {self.via.shown} broke the tunnel: {broken}") from None
        if not 200 <= message.status < 300 or not message.exact:
            raise OSError(
                f"the proxy {self.via.shown} refused the tunnel to {authority.decode()}: {message.status}"
                + (
                    " (its credentials, in HTTPS_PROXY, are missing or wrong)"
                    if message.status == 407
                    else ""
                )
            )
