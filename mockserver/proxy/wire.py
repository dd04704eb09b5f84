"""The proxy's side of the client's connection: the request body read within limits, answers sent.

The body is read whole before anything is forwarded: a declared `Content-Length` over `--max-body`
is refused 413 unread, a chunked body is counted as it arrives and refused as soon as it is too
large, and one that stalls past `--body-timeout` is 408. The upstream's answer goes back with its
own headers (hop-by-hop ones already gone; its CORS headers replaced by the proxy's own when CORS
is on), `X-Contract-Violations: N`, and `X-Contract-Violations-Detail` when N > 0. The proxy's own
answers (413, 408, 502, 504) are in the vendor's error shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from email.utils import formatdate

from starlette.types import Receive, Send

from mockserver.errors import ApiError, Violation
from mockserver.proxy.findings import Finding
from mockserver.proxy.upstream import PROXY_SOURCE, Answer
from mockserver.proxy.violations import COUNT_HEADER, DETAIL_HEADER, detail_header
from mockserver.responses import error_answer

_CORS = b"access-control-"
_EXPOSE = (b"access-control-expose-headers", b"X-Contract-Violations, X-Contract-Violations-Detail")
_NO_BODY_STATUSES = frozenset({204, 304})


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413, "PayloadTooLargeException", f"Request body exceeds {limit} bytes; it was not forwarded."
    )


async def read_body(
    headers: Sequence[tuple[bytes, bytes]], receive: Receive, *, limit: int, timeout: float
) -> bytes | None:
    """The whole request body; None if the client went away; ApiError 400, 408 or 413."""
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                raise ApiError(
                    400, "BadHttpRequestException", "The Content-Length header is not a number."
                ) from None
            if declared > limit:
                raise _too_large(limit)
    body = bytearray()
    try:
        async with asyncio.timeout(timeout):
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                body += message.get("body", b"")
                if len(body) > limit:
                    raise _too_large(limit)
                more = message.get("more_body", False)
    except TimeoutError:
        raise ApiError(
            408, "RequestTimeoutException", f"The request body did not arrive within {timeout:g} seconds."
        ) from None
    return bytes(body)


def _marks(findings: Sequence[Finding]) -> list[tuple[bytes, bytes]]:
    out = [(COUNT_HEADER, str(len(findings)).encode("ascii"))]
    if findings:
        out.append((DETAIL_HEADER, detail_header(findings)))
    return out


def _date() -> tuple[bytes, bytes]:
    return (b"date", formatdate(usegmt=True).encode("ascii"))


async def send_answer(
    send: Send, method: str, answer: Answer, findings: Sequence[Finding], *, cors: bool, from_browser: bool
) -> None:
    """The upstream's answer as it came, marked with what the proxy found."""
    headers = [(k, v) for k, v in answer.headers if not (cors and k.lower().startswith(_CORS))]
    if answer.status not in _NO_BODY_STATUSES and answer.status >= 200 and method != "HEAD":
        headers.append((b"content-length", str(len(answer.body)).encode("ascii")))
    headers += _marks(findings)
    if cors and from_browser:
        headers.append(_EXPOSE)
    if not any(k.lower() == b"date" for k, _ in headers):
        headers.append(_date())
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else answer.body})


async def send_error(send: Send, error: ApiError, media: str, findings: Sequence[Finding] = ()) -> None:
    """One of the proxy's own answers, in the vendor's error shape."""
    response = error_answer(error, media)
    headers = [*response.raw_headers, _date(), *(_marks(findings) if findings else [])]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def violation_error(status: int, failing: Sequence[Finding]) -> ApiError:
    """`--fail-on-violation`: a 502 that names what the upstream's answer broke."""
    shown = "; ".join(f"{f.location}: {f.message}" for f in failing[:5])
    more = f"; and {len(failing) - 5} more" if len(failing) > 5 else ""
    return ApiError(
        502,
        "ContractViolationException",
        f"The upstream's {status} answer breaks the spec ({len(failing)} violations, "
        f"--fail-on-violation): {shown}{more}",
        violations=[Violation(f.location, f"{f.check}: {f.message}") for f in failing[:50]],
        source=PROXY_SOURCE,
    )
