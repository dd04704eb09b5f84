from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.livemock import mock_in_thread

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
