"""A raw-socket upstream that speaks just enough HTTP/1.1 to misbehave on purpose.

`raw_upstream(script)` serves every connection in its own thread, reads requests one after the
other on it (head, then a `Content-Length` body), and answers request number N (counted over all
connections, from 0) with `script(n, request_line)`: the bytes to send at once and, optionally,
bytes to send a moment later on the same connection. A connection stays open until the proxy
closes it, so an answer with leftover bytes leaves them where a reused connection would read them.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

Script = Callable[[int, bytes], tuple[bytes, bytes]]
LATER = 0.05  # seconds between an answer and its delayed bytes


@dataclass
class RawUpstream:
    url: str
    requests: list[bytes] = field(default_factory=list)  # request lines, in arrival order
    connections: int = 0


def answer(status: str, body: bytes = b"", *, length: int | None = None, extra: bytes = b"") -> bytes:
    """`HTTP/1.1 {status}` with a JSON content type and `Content-Length` (the body's, unless given)."""
    size = len(body) if length is None else length
    head = f"HTTP/1.1 {status}\r\ncontent-type: application/json; charset=utf-8\r\n"
    return head.encode() + b"content-length: " + str(size).encode() + b"\r\n" + extra + b"\r\n" + body


def _read_request(connection: socket.socket, buffer: bytearray) -> bytes | None:
    while b"\r\n\r\n" not in buffer:
        data = connection.recv(65536)
        if not data:
            return None
        buffer += data
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        data = connection.recv(65536)
        if not data:
            return None
        rest += data
    buffer[:] = rest[length:]
    return head.split(b"\r\n", 1)[0]


@contextlib.contextmanager
def raw_upstream(script: Script) -> Iterator[RawUpstream]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    counter = itertools.count()
    served = RawUpstream(f"http://127.0.0.1:{listener.getsockname()[1]}")

    def serve(connection: socket.socket) -> None:
        buffer = bytearray()
        with connection, contextlib.suppress(OSError):
            connection.settimeout(5)
            while not stop.is_set():
                line = _read_request(connection, buffer)
                if line is None:
                    return
                served.requests.append(line)
                now, later = script(next(counter), line)
                connection.sendall(now)
                if later:
                    time.sleep(LATER)
                    connection.sendall(later)

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            served.connections += 1
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        stop.set()
        thread.join(5)
        listener.close()
