"""The mock's request path, in this process: one app per store kind for the session, reset per test.

`client` and `store_client` talk to the app over an ASGI transport (tests/livemock.py), so these
tests need no socket and no process; what only a real server shows (uvicorn's parser, raw bytes,
connections, signals) is tested with a real one, in test_bad_input.py, test_process.py and
tests/reliability/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from mockserver.model.spec import SpecModel
from tests.livemock import IN_PROCESS_URL, InProcessMock, mock_in_process

ROOT = Path(__file__).resolve().parents[2]

BASIC = "Basic dGplMDpUamUw"  # tje0:Tje0, the seed's sample credentials
AUTH = {"Authorization": BASIC}


@pytest.fixture(scope="session")
def mock_url() -> str:
    """The base URL `client` reaches the mock at (in-process: no port is open there)."""
    return IN_PROCESS_URL


@pytest.fixture(scope="session")
def memory_mock() -> Iterator[InProcessMock]:
    """The default mock (its store in memory), shared by the tests that reset it."""
    with mock_in_process() as mock:
        yield mock


@pytest.fixture(scope="session")
def sqlite_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessMock]:
    """A mock keeping its store in a SQLite file (`--state`), shared by the tests that use it."""
    with mock_in_process(state_file=tmp_path_factory.mktemp("state") / "state.sqlite3") as mock:
        yield mock


def _reset_client(mock: InProcessMock) -> Iterator[httpx.Client]:
    with mock.client(headers=AUTH) as http:
        http.post("/__admin/reset").raise_for_status()
        yield http


@pytest.fixture
def client(memory_mock: InProcessMock) -> Iterator[httpx.Client]:
    """A client of the shared mock, whose store and journal are reset before each test."""
    yield from _reset_client(memory_mock)


@pytest.fixture(params=["memory", "sqlite"])
def store_client(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """Like `client`, once against the memory store and once against the SQLite store."""
    yield from _reset_client(request.getfixturevalue(f"{request.param}_mock"))


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
