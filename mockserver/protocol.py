"""uvicorn's protocol and server, adjusted so even requests that never reach the app get API answers.

A request line or header that httptools cannot parse (control characters, bad folding, a raw
non-ASCII path) is answered by uvicorn itself with a text/plain 400; here it is the vendor's error
body instead. A SIGTERM shuts down gracefully and the process then exits 0, as a service manager
expects, rather than re-raising the signal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import orjson
import uvicorn
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
