"""503 as clients see it from the mock: `Prefer: code=503` (any operation documents it) answers the
spec's example in the error shape with the `Retry-After` the spec documents, as a full disk does."""

from __future__ import annotations

import httpx
import pytest

from tests.livemock import REFS

PATCH = [{"op": "replace", "path": "/Comment", "value": "x"}]
OPERATIONS = {  # a valid request of each operation: the body is read before Prefer is
    "GET": ("/api/v1/Relation/918", None),
    "PUT": ("/api/v1/Relation/918", REFS),
    "PATCH": ("/api/v1/Relation/918", PATCH),
    "DELETE": ("/api/v1/Relation/918", None),
    "POST": ("/api/v1/Relation", REFS),
}


@pytest.mark.parametrize("method", list(OPERATIONS))
def test_prefer_code_503_answers_the_error_shape_with_retry_after(client: httpx.Client, method: str) -> None:
    path, body = OPERATIONS[method]
    answer = client.request(method, path, json=body, headers={"Prefer": "code=503"})
    assert answer.status_code == 503, answer.text
    assert answer.json()["ErrorType"] == "ServiceUnavailableException"
    assert int(answer.headers["retry-after"]) > 0
