from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from mockserver.spec import SpecModel
from tests.livemock import mock_in_thread

ROOT = Path(__file__).resolve().parents[2]

BASIC = "Basic dGplMDpUamUw"  # tje0:Tje0, the seed's sample credentials
AUTH = {"Authorization": BASIC}


@pytest.fixture(scope="session")
def mock_url() -> Iterator[str]:
    with mock_in_thread() as url:
        yield url


@pytest.fixture
def client(mock_url: str) -> Iterator[httpx.Client]:
    """A client of the shared mock, whose store and journal are reset before each test."""
    with httpx.Client(base_url=mock_url, headers=AUTH, timeout=10) as http:
        http.post("/__admin/reset").raise_for_status()
        yield http


@pytest.fixture(scope="session")
def sqlite_mock_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A mock keeping its store in a SQLite file (`--state`), shared by the tests that use it."""
    with mock_in_thread(state_file=tmp_path_factory.mktemp("state") / "state.sqlite3") as url:
        yield url


@pytest.fixture(params=["memory", "sqlite"])
def store_client(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """Like `client`, once against the memory store and once against the SQLite store."""
    url = request.getfixturevalue("mock_url" if request.param == "memory" else "sqlite_mock_url")
    with httpx.Client(base_url=url, headers=AUTH, timeout=10) as http:
        http.post("/__admin/reset").raise_for_status()
        yield http


@pytest.fixture(scope="session")
def spec_validator() -> Callable[..., list[str]]:
    """(method, status, JSON body[, path]) -> the ways the body breaks the spec's answer schema for it.

    openapi-schema-validator (OpenAPI 3.0 semantics, `nullable` included) on the spec's own schema.
    """
    spec = SpecModel.load(ROOT / "openapi" / "relation.yaml")
    paths = spec.document["paths"]

    def problems(method: str, status: int, body: Any, path: str = "/api/v1/Relation/{id}") -> list[str]:
        media = paths[path][method]["responses"][str(status)]["content"]["application/json"]
        validator = OAS30Validator(media["schema"], format_checker=OAS30Validator.FORMAT_CHECKER)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]

    return problems
