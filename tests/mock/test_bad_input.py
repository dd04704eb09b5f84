"""Bad input is a 4xx in the vendor's error shape, never a 500: XML in an unknown encoding, a request
without `Host`, and paths that start with `//` (never a redirect to another host)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver import Settings, create_app
from tests.livemock import mock_in_thread

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
ENTITY = (
    "<ContactRelationEntity><SourceContactId>381</SourceContactId>"
    "<DestinationContactId>262</DestinationContactId><Comment>{comment}</Comment></ContactRelationEntity>"
)


@pytest.fixture(scope="module")
def mock() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(quiet=True)), base_url="http://127.0.0.1:4010") as client:
        yield client


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[str, int]]:
    with mock_in_thread() as url:
        host, _, port = url.removeprefix("http://").partition(":")
        yield host, int(port)


CAFE = "caf\u00e9"


def _xml(encoding: str, comment: str = "x") -> bytes:
    return f'<?xml version="1.0" encoding="{encoding}"?>{ENTITY.format(comment=comment)}'.encode()


def _vendor_error(answer: object, status: int) -> dict[str, object]:
    assert getattr(answer, "status_code") == status, getattr(answer, "text")  # noqa: B009
    body: dict[str, object] = getattr(answer, "json")()  # noqa: B009
    assert body["Error"] is True and {"ErrorType", "ErrorMessage", "ErrorSource"} <= body.keys()
    return body


@pytest.mark.parametrize(
    "encoding",
    [
        "bogus-42",
        "ebcdic",
        "x" * 300,
        "rot13",
        "base64",
        "hex",
        "zlib",
        "mbcs",
        "undefined",
        "unicode_escape",
    ],
)
def test_xml_whose_declaration_names_an_unknown_encoding_is_400_naming_it(
    mock: TestClient, encoding: str
) -> None:
    answer = mock.put(
        "/api/v1/Relation/918", content=_xml(encoding), headers={**AUTH, "Content-Type": "application/xml"}
    )
    body = _vendor_error(answer, 400)
    assert body["ErrorType"] == "XmlException"
    assert encoding[:40] in str(body["ErrorMessage"]) and "utf-8" in str(body["ErrorMessage"])


@pytest.mark.parametrize("encoding", ["utf-32", "utf-16", "utf-16-be", "utf-7", "idna", "punycode", "cp037"])
def test_xml_declared_in_an_encoding_its_bytes_are_not_in_is_400(mock: TestClient, encoding: str) -> None:
    answer = mock.put(
        "/api/v1/Relation/918",
        content=_xml(encoding, comment=CAFE),
        headers={**AUTH, "Content-Type": "text/xml"},
    )
    assert _vendor_error(answer, 400)["ErrorType"] == "XmlException"


@pytest.mark.parametrize("encoding", ["utf-8", "UTF-8", "iso-8859-1", "windows-1252", "us-ascii", "utf-16"])
def test_xml_in_a_known_encoding_is_read(mock: TestClient, encoding: str) -> None:
    comment = "cafe" if encoding == "us-ascii" else CAFE
    declared = f'<?xml version="1.0" encoding="{encoding}"?>{ENTITY.format(comment=comment)}'
    answer = mock.put(
        "/api/v1/Relation/918",
        content=declared.encode(encoding),  # utf-16 with its byte order mark
        headers={**AUTH, "Content-Type": "application/xml"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["Comment"] == comment


def _raw(address: tuple[str, int], request: bytes) -> bytes:
    """Send bytes as they are (no client adds a Host) and read the whole answer."""
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def _status_and_body(received: bytes) -> tuple[int, bytes, bytes]:
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


def test_an_http11_request_without_host_is_400_in_the_vendor_shape(live: tuple[str, int]) -> None:
    request = (
        b"GET /api/v1/Relation/918 HTTP/1.1\r\nAuthorization: Basic dGplMDpUamUw\r\nConnection: close\r\n\r\n"
    )
    status, _, body = _status_and_body(_raw(live, request))
    assert status == 400
    assert b'"Error":true' in body and b"Host" in body


def test_an_http10_request_without_host_is_served(live: tuple[str, int]) -> None:
    request = b"GET /api/v1/Relation/918 HTTP/1.0\r\nAuthorization: Basic dGplMDpUamUw\r\n\r\n"
    assert _status_and_body(_raw(live, request))[0] == 200


@pytest.mark.parametrize(
    "hosts", [b"Host: a\r\nHost: b\r\n", b"Host: a b/c\r\n", b"Host: evil.example/x?\r\n"]
)
def test_a_request_with_two_hosts_or_an_invalid_host_is_400(live: tuple[str, int], hosts: bytes) -> None:
    request = b"GET /api/v1/Relation/918 HTTP/1.1\r\n" + hosts + b"Authorization: Basic dGplMDpUamUw\r\n"
    status, _, body = _status_and_body(_raw(live, request + b"Connection: close\r\n\r\n"))
    assert status == 400
    assert b'"Error":true' in body


@pytest.mark.parametrize(
    "target",
    [
        b"//evil.example/",
        b"//evil.example/ui",
        b"//evil.example/ui/",
        b"//evil.example/api/v1/Relation/918/",
        b"//evil.example/__admin/requests/",
        b"//evil.example/%2e%2e/ui",
        b"///evil.example/ui",
        b"/\\evil.example/ui",
        b"//ui",
        b"/ui",
    ],
)
def test_a_path_starting_with_two_slashes_never_redirects_to_another_host(
    live: tuple[str, int], target: bytes
) -> None:
    request = b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    status, head, _ = _status_and_body(_raw(live, request))
    assert status < 500
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"location:"):
            location = line.partition(b":")[2].strip()
            assert location.startswith(b"/") and not location.startswith((b"//", b"/\\")), location
