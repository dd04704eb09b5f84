"""Hostile requests: each is refused with a 4xx in the vendor's error shape, at once, and the mock
goes on serving. Requests httpx would refuse or normalise are sent byte for byte over a socket."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.livemock import REFS
from tests.reliability.mockprocess import (
    AUTH,
    MockProcess,
    RawResponse,
    parse_answer,
    raw_exchange,
    request_bytes,
    vendor_error_problems,
)

RELATION = "/api/v1/Relation/918"  # hostile requests aim here
WITNESS = "/api/v1/Relation/819"  # never written here: read to prove the mock still serves
QUICK = 5.0  # seconds: "answered quickly, not a hang"; the real figures are milliseconds


@pytest.fixture(scope="module")
def hostile() -> Iterator[MockProcess]:
    """One mock for the whole module: default body limit (1 MiB), body timeout 1 s."""
    with MockProcess(["--quiet", "--body-timeout", "1"]) as mock:
        yield mock
        assert not mock.died_unexpectedly(), mock.stderr_text()


def assert_refused(answer: httpx.Response | RawResponse, status: int | None = None) -> None:
    if isinstance(answer, RawResponse):
        code, content_type, body = answer.status, answer.headers.get("content-type", ""), answer.body
    else:
        code, content_type, body = answer.status_code, answer.headers.get("content-type", ""), answer.content
    problems = vendor_error_problems(code, content_type, body)
    if status is not None and code != status:
        problems.insert(0, f"expected {status}, got {code}")
    assert not problems, f"{'; '.join(problems)}. The answer was {code} {content_type!r}: {body[:300]!r}"


def assert_still_serving(mock: MockProcess) -> None:
    answer = httpx.get(f"{mock.url}{WITNESS}", headers=AUTH, timeout=QUICK)
    assert answer.status_code == 200, f"after the hostile request, GET {WITNESS} gave {answer.status_code}"


def put(mock: MockProcess, body: bytes, content_type: str, path: str = RELATION) -> httpx.Response:
    started = time.monotonic()
    answer = httpx.put(
        f"{mock.url}{path}", content=body, headers={**AUTH, "Content-Type": content_type}, timeout=30.0
    )
    elapsed = time.monotonic() - started
    assert elapsed < QUICK, f"the answer took {elapsed:.1f} s"
    return answer


# -- XML ------------------------------------------------------------------------------------------


def billion_laughs(levels: int = 10) -> bytes:
    """The classic entity-expansion bomb: each level references the one below ten times (10**9 "lol"s)."""
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, levels)]
    return (
        f'<?xml version="1.0"?><!DOCTYPE ContactRelationEntity [{"".join(entities)}]>'
        f"<ContactRelationEntity><Comment>&lol{levels - 1};</Comment></ContactRelationEntity>"
    ).encode()


XML_ATTACKS = {
    "billion laughs": billion_laughs(),
    "quadratic blow-up": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "'
    + b"x" * 50_000
    + b'">]><ContactRelationEntity><Comment>'
    + b"&a;" * 10_000
    + b"</Comment></ContactRelationEntity>",
    "external entity (file)": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<ContactRelationEntity><Comment>&xxe;</Comment></ContactRelationEntity>",
    "external entity (network)": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM '
    b'"http://127.0.0.1:9/x">]><ContactRelationEntity><Comment>&xxe;</Comment></ContactRelationEntity>',
    "parameter entity": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM '
    b'"http://127.0.0.1:9/p.dtd"> %p;]><ContactRelationEntity><Comment>x</Comment></ContactRelationEntity>',
    "external DTD": b'<?xml version="1.0"?><!DOCTYPE ContactRelationEntity SYSTEM "http://127.0.0.1:9/r.dtd">'
    b"<ContactRelationEntity><Comment>x</Comment></ContactRelationEntity>",
    "internal DTD": b'<?xml version="1.0"?><!DOCTYPE ContactRelationEntity [<!ELEMENT Comment (#PCDATA)>]>'
    b"<ContactRelationEntity><Comment>x</Comment></ContactRelationEntity>",
    "invalid UTF-8": b'<?xml version="1.0" encoding="utf-8"?><ContactRelationEntity><Comment>\xc3\x28\xff'
    b"</Comment></ContactRelationEntity>",
    "not well-formed": b"<ContactRelationEntity><Comment>x</ContactRelationEntity>",
}


@pytest.mark.parametrize("content_type", ["application/xml", "text/xml"])
@pytest.mark.parametrize("attack", list(XML_ATTACKS), ids=list(XML_ATTACKS))
def test_a_hostile_xml_body_is_refused_with_400_and_nothing_is_expanded_or_fetched(
    hostile: MockProcess, attack: str, content_type: str
) -> None:
    answer = put(hostile, XML_ATTACKS[attack], content_type)
    assert_refused(answer, 400)
    assert b"root:" not in answer.content and b"lollol" not in answer.content
    assert_still_serving(hostile)


# -- JSON -----------------------------------------------------------------------------------------

DEPTH = 100_000
JSON_ATTACKS = {
    "arrays nested 100000 deep": b"[" * DEPTH + b"]" * DEPTH,
    "objects nested 100000 deep": b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
    "nested 100000 deep inside a property": b'{"Comment":' + b"[" * DEPTH + b"]" * DEPTH + b"}",
    "unclosed nesting": b"[" * DEPTH,
    "NaN": b'{"Comment":"x","SourceContactId":NaN}',
    "Infinity": b'{"SourceContactId":Infinity}',
    "-Infinity": b'{"SourcePersonId":-Infinity}',
    "a number that overflows to infinity": b'{"SourceContactId":1e400}',
    "an integer of 5000 digits": b'{"SourceContactId":' + b"9" * 5000 + b"}",
    "invalid UTF-8": b'{"Comment":"\xc3\x28\xff"}',
    "UTF-16 without a BOM": '{"Comment":"x"}'.encode("utf-16-le"),
    "a NUL byte outside strings": b'{"Comment":"x"}\x00',
    "trailing garbage": b'{"Comment":"x"} {"Comment":"y"}',
}


@pytest.mark.parametrize("content_type", ["application/json", "application/merge-patch+json"])
@pytest.mark.parametrize("attack", list(JSON_ATTACKS), ids=list(JSON_ATTACKS))
def test_a_hostile_json_body_is_refused_with_400_in_the_vendor_shape(
    hostile: MockProcess, attack: str, content_type: str
) -> None:
    assert_refused(put(hostile, JSON_ATTACKS[attack], content_type), 400)
    assert_still_serving(hostile)


LONE_SURROGATES = {
    "in a stored string": ("application/json", b'{"Comment":"\\ud800"}'),
    "in a merge-patch-typed entity": ("application/merge-patch+json", b'{"Comment":"x\\udfff"}'),
    "in a json-patch-typed entity": ("application/json-patch+json", b'{"Comment":"\\ud800"}'),
    "in a property name": ("application/json", b'{"\\udbff": 1}'),
    "in a value of the wrong type": ("application/json", b'{"SourceContactId":"\\ud800"}'),
    "in a date": ("application/json", b'{"UpdatedDate":"\\ud800"}'),
}


@pytest.mark.parametrize(("content_type", "body"), list(LONE_SURROGATES.values()), ids=list(LONE_SURROGATES))
def test_a_lone_surrogate_escape_is_refused_with_the_data_untouched_or_stored_readably(
    hostile: MockProcess, content_type: str, body: bytes
) -> None:
    """`"\\ud800"` is valid JSON text but no Unicode character. Either it is refused with 400 and the
    relation is exactly as before, or what was stored reads back in JSON and XML and can be PUT back."""
    path = "/api/v1/Relation/4711"
    url = f"{hostile.url}{path}"
    httpx.put(url, headers=AUTH, json={**REFS, "Comment": "before"}, timeout=QUICK)
    before = httpx.get(url, headers=AUTH, timeout=QUICK).json()
    try:
        answer = put(hostile, body, content_type, path=path)
        if answer.status_code != 200:
            assert_refused(answer, 400)
            assert httpx.get(url, headers=AUTH, timeout=QUICK).json() == before
            return
        stored = httpx.get(url, headers=AUTH, timeout=QUICK)
        assert stored.status_code == 200
        as_xml = httpx.get(url, headers={**AUTH, "Accept": "application/xml"}, timeout=QUICK)
        assert as_xml.status_code == 200 and as_xml.content.startswith(b"<")
        again = httpx.put(url, headers=AUTH, json=stored.json(), timeout=QUICK)
        assert again.status_code == 200, f"what the mock stored cannot be sent back: {again.text[:200]}"
    finally:  # a poisoned relation must not leak into other tests
        httpx.put(url, headers=AUTH, json={**REFS, "Comment": "clean"})


def test_a_json_patch_typed_body_nested_100000_deep_is_refused_with_400(hostile: MockProcess) -> None:
    body = b'{"Comment":' + b"[" * DEPTH + b"]" * DEPTH + b"}"
    assert_refused(put(hostile, body, "application/json-patch+json"), 400)
    assert_still_serving(hostile)


@pytest.mark.parametrize(
    "body",
    [b"Comment=%C3%28%FF", b"Comment=\xc3\x28\xff", b"&".join(b"f%d=1" % i for i in range(5000))],
    ids=["percent-encoded invalid UTF-8", "raw invalid UTF-8", "5000 fields"],
)
def test_a_hostile_form_body_is_refused_with_400(hostile: MockProcess, body: bytes) -> None:
    assert_refused(put(hostile, body, "application/x-www-form-urlencoded"), 400)
    assert_still_serving(hostile)


# -- size and time --------------------------------------------------------------------------------


def test_a_declared_50_mb_body_is_refused_with_413_before_the_body_is_sent(hostile: MockProcess) -> None:
    head = request_bytes("PUT", RELATION.encode(), b"")
    head = head.replace(b"Content-Length: 0", b"Content-Length: 52428800")
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", hostile.port), timeout=QUICK) as sock:
        sock.sendall(head + b'{"Comment":')  # a few bytes of the promised 50 MB, then nothing
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    answer = parse_answer(data, time.monotonic() - started)
    assert_refused(answer, 413)
    # With --body-timeout 1, a server that waited for the body would answer 408, not 413.
    assert answer.seconds < QUICK, f"the 413 took {answer.seconds:.1f} s"
    assert_still_serving(hostile)


def test_a_chunked_body_growing_past_the_limit_is_refused_with_413(hostile: MockProcess) -> None:
    head = request_bytes("PUT", RELATION.encode(), b"").replace(
        b"Content-Length: 0", b"Transfer-Encoding: chunked"
    )
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * 64 * 1024)
    with socket.create_connection(("127.0.0.1", hostile.port), timeout=QUICK) as sock:
        sock.sendall(head)
        try:
            for _ in range(80):  # 5 MiB against the default 4 MiB limit
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: what we want
        data = b""
        while True:
            try:
                more = sock.recv(65536)
            except ConnectionResetError:
                break
            if not more:
                break
            data += more
    assert_refused(parse_answer(data), 413)
    assert_still_serving(hostile)


def test_a_body_that_stalls_midway_gets_408_while_other_requests_are_served(hostile: MockProcess) -> None:
    body = b'{"Comment":"never finished"}'
    with socket.create_connection(("127.0.0.1", hostile.port), timeout=15.0) as stalled:
        started = time.monotonic()
        stalled.sendall(request_bytes("PUT", RELATION.encode(), body)[: -len(body) + 5])
        # While that request waits for the rest of its body, others are answered at once.
        for _ in range(3):
            other = httpx.get(f"{hostile.url}{RELATION}", headers=AUTH, timeout=2.0)
            assert other.status_code == 200
        data = b""
        while chunk := stalled.recv(65536):
            data += chunk
    answer = parse_answer(data, time.monotonic() - started)
    assert_refused(answer, 408)
    assert answer.seconds < QUICK, f"408 came after {answer.seconds:.1f} s with --body-timeout 1"
    assert httpx.get(f"{hostile.url}{RELATION}", headers=AUTH).json()["Comment"] != "never finished"


# -- the id in the path ---------------------------------------------------------------------------

PATH_TRICKS = [
    b"/api/v1/Relation/../918",
    b"/api/v1/Relation/%2e%2e/918",
    b"/api/v1/Relation/%2E%2E%2F918",
    b"/api/v1/Relation/..%2F..%2F..%2Fetc%2Fpasswd",
    b"/api/v1/Relation/918%2F",
    b"/api/v1/Relation/918%2F..%2F819",
    b"/api/v1/Relation/%2F",
    b"/api/v1/Relation/918/..",
    b"/api/v1/Relation/%00",
    b"/api/v1/Relation/918%00",
    b"/api/v1/Relation/918%0D%0ASet-Cookie:%20x=1",
    b"/api/v1/Relation/" + str(2**40).encode(),
    b"/api/v1/Relation/" + str(-(2**40)).encode(),
    b"/api/v1/Relation/" + str(2**31).encode(),
    b"/api/v1/Relation/" + str(-(2**31) - 1).encode(),
    b"/api/v1/Relation/" + b"9" * 400,
    b"/api/v1/Relation/-" + b"9" * 400,
    b"/api/v1/Relation/1e3",
    b"/api/v1/Relation/0x10",
    b"/api/v1/Relation/918.5",
    b"/api/v1/Relation/NaN",
]


@pytest.mark.parametrize("method", ["PUT", "GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("target", PATH_TRICKS, ids=[t.decode()[17:][:40] for t in PATH_TRICKS])
def test_an_id_with_a_path_trick_or_out_of_range_is_refused_with_a_4xx(
    hostile: MockProcess, target: bytes, method: str
) -> None:
    answer = raw_exchange(hostile.port, request_bytes(method, target, b'{"Comment":"tricked"}'))
    assert_refused(answer)  # a DELETE or PATCH included: nothing else is deleted or changed (819 below)
    assert answer.seconds < QUICK
    assert "set-cookie" not in answer.headers
    assert_still_serving(hostile)


# -- headers --------------------------------------------------------------------------------------

CONTROL_HEADERS = {
    "NUL in a value": b"X-Note: a\x00b",
    "SOH in a value": b"X-Note: a\x01b",
    "ESC in a value": b"X-Note: a\x1b[31mred",
    "DEL in a value": b"X-Note: a\x7fb",
    "a bare CR in a value": b"X-Note: a\rInjected: yes",
    "a bare LF in a value": b"X-Note: a\nInjected: yes",
    "obsolete line folding": b"X-Note: a\r\n folded",
    "a control character in a name": b"X-N\x01ote: a",
    "NUL in Authorization": b"Authorization: Basic dGpl\x00MDpUamUw",
    "a control character in X-XSRF-TOKEN": b"X-XSRF-TOKEN: ab\x01cd",
    "a control character in Accept": b"Accept: application/json\x01",
    "a control character in If-Unmodified-Since": b"If-Unmodified-Since: Wed, 21 Oct 2015\x0107:28:00 GMT",
}


@pytest.mark.parametrize("header", list(CONTROL_HEADERS.values()), ids=list(CONTROL_HEADERS))
def test_a_header_with_control_characters_is_refused_with_a_4xx_in_the_vendor_shape(
    hostile: MockProcess, header: bytes
) -> None:
    request = request_bytes("PUT", RELATION.encode(), b'{"Comment":"ctl"}', headers=[header])
    answer = raw_exchange(hostile.port, request)
    assert_refused(answer)
    assert answer.seconds < QUICK
    assert_still_serving(hostile)


def test_a_request_line_with_raw_non_ascii_bytes_is_refused_with_a_4xx_in_the_vendor_shape(
    hostile: MockProcess,
) -> None:
    answer = raw_exchange(hostile.port, request_bytes("GET", b"/api/v1/Relation/\xd9\xa3", b""))
    assert_refused(answer)
    assert_still_serving(hostile)
