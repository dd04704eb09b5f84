"""An upstream that sends more than its framing declares never puts one answer into another's place.

Each case answers the first request with an answer followed by a whole smuggled answer (a body
longer than its Content-Length; a body on a 204, on a 304, on the answer to a HEAD; a stray 1xx),
sent with the answer or a moment later. The next request must get its own answer: the connection
with leftover bytes is closed, never reused.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.proxy.conftest import ANSWER, AUTH, proxy_in_thread
from tests.proxy.rawupstream import answer, raw_upstream

SMUGGLED = answer("200 OK", json.dumps({**ANSWER, "Comment": "smuggled"}).encode())
FIRST = json.dumps({**ANSWER, "RelationId": 1, "Comment": "first"}).encode()

# name: (method of the first request, its answer as framed, what the upstream sends beyond it)
CASES = {
    "body-longer-than-content-length": ("GET", answer("200 OK", FIRST), SMUGGLED),
    "body-on-204": ("DELETE", b"HTTP/1.1 204 No Content\r\n\r\n", SMUGGLED),
    "body-on-304": ("GET", b"HTTP/1.1 304 Not Modified\r\n\r\n", SMUGGLED),
    "body-on-head": ("HEAD", answer("200 OK", length=len(SMUGGLED)), SMUGGLED),
    "stray-1xx": ("GET", answer("200 OK", FIRST), b"HTTP/1.1 100 Continue\r\n\r\n" + SMUGGLED),
}


def _second(number: int) -> bytes:
    return json.dumps({**ANSWER, "RelationId": 2, "Comment": f"second answer {number}"}).encode()


@pytest.mark.parametrize("when", ["with-the-answer", "a-moment-later"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_leftover_bytes_after_an_answer_never_reach_the_next_client(case: str, when: str) -> None:
    method, framed, surplus = CASES[case]

    def script(number: int, line: bytes) -> tuple[bytes, bytes]:
        if number == 0:
            return (framed + surplus, b"") if when == "with-the-answer" else (framed, surplus)
        return answer("200 OK", _second(number)), b""

    with raw_upstream(script) as upstream, proxy_in_thread(upstream.url) as proxy:
        first = httpx.request(method, f"{proxy}/api/v1/Relation/1", headers=AUTH, timeout=10)
        time.sleep(0.3)  # the delayed bytes have arrived on the (idle) connection
        second = httpx.get(f"{proxy}/api/v1/Relation/2", headers=AUTH, timeout=10)
        third = httpx.get(f"{proxy}/api/v1/Relation/2", headers=AUTH, timeout=10)
    framed_status = int(framed.split(b" ", 2)[1])
    assert first.status_code == framed_status
    assert first.content == (FIRST if framed_status == 200 and method != "HEAD" else b"")
    assert second.status_code == 200 and second.json()["Comment"].startswith("second answer")
    assert third.status_code == 200 and third.json()["Comment"].startswith("second answer")
    assert "smuggled" not in first.text + second.text + third.text
    assert upstream.connections >= 2  # the tainted connection was not reused


def test_an_interim_answer_with_a_body_is_a_502_and_its_body_is_never_an_answer() -> None:
    """A 1xx has no body (RFC 9110 §15.2); one that declares a length is not exactly framed."""
    interim = b"HTTP/1.1 103 Early Hints\r\ncontent-length: " + str(len(SMUGGLED)).encode() + b"\r\n\r\n"

    def script(number: int, line: bytes) -> tuple[bytes, bytes]:
        if number == 0:
            return interim + SMUGGLED + answer("200 OK", FIRST), b""
        return answer("200 OK", _second(number)), b""

    with raw_upstream(script) as upstream, proxy_in_thread(upstream.url) as proxy:
        first = httpx.get(f"{proxy}/api/v1/Relation/1", headers=AUTH, timeout=10)
        second = httpx.get(f"{proxy}/api/v1/Relation/2", headers=AUTH, timeout=10)
    assert first.status_code == 502
    assert first.json()["ErrorType"] == "BadGatewayException"
    assert "1xx" in first.json()["ErrorMessage"]
    assert second.status_code == 200 and second.json()["Comment"].startswith("second answer")


def test_interim_answers_before_the_answer_are_skipped_and_the_connection_is_reused() -> None:
    """Clients must read 1xx answers they did not ask for (RFC 9110 §15.2); exact framing keeps the
    connection."""

    def script(number: int, line: bytes) -> tuple[bytes, bytes]:
        interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\n"
        return interim + answer("200 OK", _second(number)), b""

    with raw_upstream(script) as upstream, proxy_in_thread(upstream.url) as proxy:
        answers = [httpx.get(f"{proxy}/api/v1/Relation/2", headers=AUTH, timeout=10) for _ in range(3)]
    assert [a.json()["Comment"] for a in answers] == [f"second answer {n}" for n in range(3)]
    assert upstream.connections == 1
