"""Prism's switches: Prefer code/example/dynamic/seed and their __query aliases; checks still come first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.livemock import REFS


def test_prefer_code_answers_that_documented_status_with_its_example(client: httpx.Client) -> None:
    before = client.get("/api/v1/Relation/918").json()
    answer = client.put("/api/v1/Relation/918", json={**REFS, "Comment": "x"}, headers={"Prefer": "code=412"})
    assert answer.status_code == 412
    assert answer.json()["ErrorType"] == "PreconditionFailedException"
    assert client.get("/api/v1/Relation/918").json() == before  # a forced answer writes nothing


def test_prefer_example_answers_the_named_example_without_writing(client: httpx.Client) -> None:
    before = client.get("/api/v1/Relation/918").json()
    answer = client.put(
        "/api/v1/Relation/918", json={**REFS, "Comment": "x"}, headers={"Prefer": "example=SeedSample"}
    )
    assert answer.status_code == 200
    assert answer.json()["RelationId"] == 819
    assert client.get("/api/v1/Relation/918").json() == before


def test_prefer_dynamic_with_a_seed_is_reproducible(client: httpx.Client) -> None:
    first = client.get("/api/v1/Relation/918", headers={"Prefer": "dynamic=true; seed=7"}).json()
    again = client.get("/api/v1/Relation/918", headers={"Prefer": "dynamic=true, seed=7"}).json()
    other = client.get("/api/v1/Relation/918", headers={"Prefer": "dynamic=true, seed=8"}).json()
    assert first == again != other
    assert isinstance(first["SourceContactId"], int)


def test_query_aliases_work_like_the_header(client: httpx.Client) -> None:
    assert client.put("/api/v1/Relation/918", params={"__code": "412"}, json=REFS).status_code == 412
    answer = client.get("/api/v1/Relation/918", params={"__example": "SeedSample"})
    assert answer.json()["RelationId"] == 819


def test_validation_and_auth_come_before_the_switches(client: httpx.Client) -> None:
    assert client.put("/api/v1/Relation/918", content=b"", headers={"Prefer": "code=412"}).status_code == 400
    answer = client.put(
        "/api/v1/Relation/918", json=REFS, headers={"Prefer": "code=412", "Authorization": ""}
    )
    assert answer.status_code == 401


def test_an_undocumented_code_or_unknown_example_is_a_clear_400(client: httpx.Client) -> None:
    answer = client.put("/api/v1/Relation/918", json=REFS, headers={"Prefer": "code=418"})
    assert answer.status_code == 400
    assert "412" in answer.json()["ErrorMessage"]
    answer = client.put("/api/v1/Relation/918", json=REFS, headers={"Prefer": "example=Nope"})
    assert answer.status_code == 400
    assert "SeedSample" in answer.json()["ErrorMessage"]


@pytest.mark.parametrize(("method", "status"), [("put", 200), ("get", 200), ("put", 412), ("get", 404)])
def test_a_dynamic_answer_is_valid_for_its_documented_schema(
    client: httpx.Client, spec_validator: Callable[[str, int, Any], list[str]], method: str, status: int
) -> None:
    kwargs: dict[str, Any] = {"json": REFS} if method == "put" else {}
    answer = client.request(
        method, "/api/v1/Relation/918", headers={"Prefer": f"code={status}, dynamic=true, seed=3"}, **kwargs
    )
    assert answer.status_code == status
    assert spec_validator(method, status, answer.json()) == []
