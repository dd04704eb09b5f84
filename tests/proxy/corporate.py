"""A corporate network in miniature: a forward proxy and a TLS upstream signed by a private CA.

`forward_proxy()` is an HTTP proxy on 127.0.0.1 as QA meet them: `CONNECT host:port` opens a
tunnel (for https), an absolute-form request (`GET http://host:port/path`) is passed on (for
http); it remembers each connection's first request line and its `Proxy-Authorization`, and can
demand credentials (407). `certificates(folder)` makes a CA and a certificate for 127.0.0.1 with
the openssl CLI; `tls_upstream(app, certs)` serves an ASGI app over https with it.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from starlette.types import ASGIApp


@dataclass
class ForwardProxy:
    url: str
    requests: list[str] = field(default_factory=list)  # first request line of each connection
    authorizations: list[str | None] = field(default_factory=list)


def _relay(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def _read_head(connection: socket.socket) -> tuple[bytes, bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


@contextlib.contextmanager
def forward_proxy(*, require: str | None = None) -> Iterator[ForwardProxy]:
    """`require`: the `Proxy-Authorization` value it demands (else 407)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    seen = ForwardProxy(f"http://127.0.0.1:{listener.getsockname()[1]}")

    def handle(client: socket.socket) -> None:
        with client, contextlib.suppress(OSError):
            client.settimeout(10)
            found = _read_head(client)
            if found is None:
                return
            head, rest = found
            line, *lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines)}
            seen.requests.append(line)
            seen.authorizations.append(headers.get("proxy-authorization"))
            if require is not None and headers.get("proxy-authorization") != require:
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n")
                return
            method, target, _ = line.split(" ", 2)
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = socket.create_connection((host, int(port)), timeout=10)
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                parts = urlsplit(target)
                assert parts.hostname is not None and parts.port is not None
                upstream = socket.create_connection((parts.hostname, parts.port), timeout=10)
                upstream.sendall(head + b"\r\n\r\n" + rest)  # absolute-form: servers must accept it
            with upstream:
                back = threading.Thread(target=_relay, args=(upstream, client), daemon=True)
                back.start()
                _relay(client, upstream)
                back.join(10)

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(client,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join(5)
        listener.close()


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the CA's certificate (PEM): what --cacert / SSL_CERT_FILE name
    cert: Path  # the server's certificate for 127.0.0.1, signed by the CA
    key: Path


def certificates(folder: Path) -> Certificates:
    """A private CA and a server certificate for IP 127.0.0.1 and localhost (openssl CLI, EC keys)."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    ca_extensions = ("basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA",
            "-addext", ca_extensions[0], "-addext", ca_extensions[1])  # fmt: skip
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
    )
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext")  # fmt: skip
    return Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")


@contextlib.contextmanager
def tls_upstream(app: ASGIApp, certs: Certificates) -> Iterator[str]:
    """`app` over https on a free 127.0.0.1 port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="error", lifespan="off", ssl_certfile=str(certs.cert), ssl_keyfile=str(certs.key)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the TLS upstream did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
