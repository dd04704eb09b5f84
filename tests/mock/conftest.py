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
def spec_validator() -> Callable[[str, int, Any], list[str]]:
    """(method, status, JSON body) -> the ways the body breaks the spec's answer schema for it.

    openapi-schema-validator (OpenAPI 3.0 semantics, `nullable` included) on the spec's own schema.
    """
    spec = SpecModel.load(ROOT / "openapi" / "relation.yaml")
    operations = spec.document["paths"]["/api/v1/Relation/{id}"]

    def problems(method: str, status: int, body: Any) -> list[str]:
        media = operations[method]["responses"][str(status)]["content"]["application/json"]
        validator = OAS30Validator(media["schema"], format_checker=OAS30Validator.FORMAT_CHECKER)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]

    return problems
