"""Hostile PATCH and POST bodies: each is refused with a 4xx in the vendor's error shape at once (or,
for a huge patch that is valid, answered at once), never a 5xx or a hang, and the mock goes on
serving. The relation a hostile PATCH aims at is unchanged unless the patch was valid."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.livemock import REFS
from tests.reliability.mockprocess import AUTH, MockProcess
from tests.reliability.test_hostile_input import (
    DEPTH,
    JSON_ATTACKS,
    QUICK,
    assert_refused,
    assert_still_serving,
)

TARGET = "/api/v1/Relation/918"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"


def _ops(op: bytes, path: bytes = b'"/Comment"', value: bytes = b'"x"') -> bytes:
    return b'[{"op":' + op + b',"path":' + path + b',"value":' + value + b"}]"


PATCH_ATTACKS = {
    "arrays nested 100000 deep": (JSON_PATCH, b"[" * DEPTH + b"]" * DEPTH),
    "a value nested 100000 deep": (JSON_PATCH, _ops(b'"replace"', value=b"[" * DEPTH + b"]" * DEPTH)),
    "a test value nested 5000 deep": (
        JSON_PATCH,
        _ops(b'"test"', b'"/CreatedBy"', b'{"a":' * 5000 + b"1" + b"}" * 5000),
    ),
    "a merge patch nested 50000 deep": (
        MERGE_PATCH,
        b'{"CreatedBy":' + b'{"Name":' * 50000 + b"1" + b"}" * 50000 + b"}",
    ),
    "100000 empty operations": (JSON_PATCH, json.dumps([{}] * 100_000).encode()),
    "200000 numbers": (JSON_PATCH, json.dumps(list(range(200_000))).encode()),
    "a merge patch of 100000 unknown names": (
        MERGE_PATCH,
        json.dumps({f"k{i}": i for i in range(100_000)}).encode(),
    ),
    "a path of a million characters": (JSON_PATCH, _ops(b'"replace"', b'"/' + b"a" * 1_000_000 + b'"')),
    "a path of 100000 slashes": (JSON_PATCH, _ops(b'"replace"', b'"' + b"/" * 100_000 + b'"')),
    "a path with an invalid escape": (JSON_PATCH, _ops(b'"add"', b'"/Comment~2"')),
    "a path into an integer": (JSON_PATCH, _ops(b'"add"', b'"/Reversed/x"')),
    "an array index into a carrier": (JSON_PATCH, _ops(b'"add"', b'"/CreatedBy/-"')),
    "a path that is a number": (JSON_PATCH, _ops(b'"add"', b"5")),
    "a path that is null": (JSON_PATCH, _ops(b'"add"', b"null")),
    "op 1e300": (JSON_PATCH, _ops(b"1e300")),
    "op 2**70": (JSON_PATCH, _ops(b"1180591620717411303424")),
    "op -1": (JSON_PATCH, _ops(b"-1")),
    "op an object": (JSON_PATCH, _ops(b"{}")),
    "op an array": (JSON_PATCH, _ops(b'["add"]')),
    "op null": (JSON_PATCH, _ops(b"null")),
    "op true": (JSON_PATCH, _ops(b"true")),
    "op move": (JSON_PATCH, b'[{"op":"move","from":"/Comment","path":"/PassiveText"}]'),
    "a value of NaN": (JSON_PATCH, _ops(b'"replace"', b'"/Reversed"', b"NaN")),
    "a value of 1e400": (JSON_PATCH, _ops(b'"replace"', b'"/Reversed"', b"1e400")),
    "an integer of 5000 digits": (JSON_PATCH, _ops(b'"replace"', b'"/Reversed"', b"9" * 5000)),
    "an object where an integer belongs": (JSON_PATCH, _ops(b'"replace"', b'"/Reversed"', b'{"a":1}')),
    "a string where a carrier belongs": (MERGE_PATCH, b'{"CreatedBy":"x"}'),
    "null for a mandatory reference": (MERGE_PATCH, b'{"SourceContactId":null}'),
    "a lone surrogate in a path": (JSON_PATCH, _ops(b'"replace"', b'"/Comment\\ud800"')),
    "a body that is a number": (JSON_PATCH, b"5"),
    "a body that is null": (JSON_PATCH, b"null"),
    "a body that is a string": (MERGE_PATCH, b'"x"'),
    "invalid UTF-8": (JSON_PATCH, _ops(b'"replace"', value=b'"\xc3\x28\xff"')),
}


@pytest.fixture(scope="module")
def hostile() -> Iterator[MockProcess]:
    with MockProcess(["--quiet", "--body-timeout", "1"]) as mock:
        yield mock
        assert not mock.died_unexpectedly(), mock.stderr_text()


def send(mock: MockProcess, method: str, path: str, body: bytes, content_type: str) -> httpx.Response:
    started = time.monotonic()
    answer = httpx.request(
        method,
        f"{mock.url}{path}",
        content=body,
        headers={**AUTH, "Content-Type": content_type},
        timeout=30.0,
    )
    elapsed = time.monotonic() - started
    assert elapsed < QUICK, f"the answer took {elapsed:.1f} s"
    return answer


@pytest.mark.parametrize(("content_type", "body"), list(PATCH_ATTACKS.values()), ids=list(PATCH_ATTACKS))
def test_a_hostile_patch_body_is_refused_with_400_and_changes_nothing(
    hostile: MockProcess, content_type: str, body: bytes
) -> None:
    before = httpx.get(f"{hostile.url}{TARGET}", headers=AUTH).json()
    assert_refused(send(hostile, "PATCH", TARGET, body, content_type), 400)
    assert httpx.get(f"{hostile.url}{TARGET}", headers=AUTH).json() == before
    assert_still_serving(hostile)


def test_a_huge_valid_patch_is_answered_at_once(hostile: MockProcess) -> None:
    """80,000 `test` operations (3.4 MB, under the 4 MiB limit) that all hold: applied, not a hang."""
    reversed_now = httpx.get(f"{hostile.url}{TARGET}", headers=AUTH).json()["Reversed"]
    body = json.dumps([{"op": "test", "path": "/Reversed", "value": reversed_now}] * 80_000).encode()
    answer = send(hostile, "PATCH", TARGET, body, JSON_PATCH)
    assert answer.status_code == 200, answer.text[:300]
    assert_still_serving(hostile)


def test_a_patch_over_the_body_limit_is_refused_with_413(hostile: MockProcess) -> None:
    body = json.dumps([{"op": "replace", "path": "/Comment", "value": "x"}] * 100_000).encode()
    assert_refused(send(hostile, "PATCH", TARGET, body, JSON_PATCH), 413)
    assert_still_serving(hostile)


@pytest.mark.parametrize("attack", list(JSON_ATTACKS), ids=list(JSON_ATTACKS))
def test_a_hostile_post_body_is_refused_with_400_and_creates_nothing(
    hostile: MockProcess, attack: str
) -> None:
    """The mock hands out ids in sequence: the POSTs on either side of the hostile one get neighbours."""
    valid = REFS  # the fixtures' contacts: a relation's references must exist
    first = httpx.post(f"{hostile.url}/api/v1/Relation", headers=AUTH, json=valid).json()["RelationId"]
    assert_refused(send(hostile, "POST", "/api/v1/Relation", JSON_ATTACKS[attack], "application/json"), 400)
    second = httpx.post(f"{hostile.url}/api/v1/Relation", headers=AUTH, json=valid).json()["RelationId"]
    assert second == first + 1, f"ids {first + 1}..{second - 1} were handed out to the hostile POST"
    assert_still_serving(hostile)
