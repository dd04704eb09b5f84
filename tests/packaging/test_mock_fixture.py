"""The `relation_mock` pytest fixture (mockserver.pytest_plugin, entry point `relation_mock`) in this
checkout's own run; tests/packaging/test_installed.py uses it from another project via the wheel."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from mockserver.pytest_plugin import RelationMock, RelationMockError

AUTH = {"Authorization": "Basic dGplMDpUamUw"}


def test_reset_puts_the_store_back_and_empties_the_journal(relation_mock: RelationMock) -> None:
    url = relation_mock.url_for("/api/v1/Relation/918")
    saved = httpx.put(
        url,
        json={"SourceContactId": 381, "DestinationContactId": 262, "Comment": "before the reset"},
        headers=AUTH,
    )
    assert saved.status_code == 200, saved.text
    assert [entry["Method"] for entry in relation_mock.requests()] == ["PUT"]
    relation_mock.reset()
    assert httpx.get(url, headers=AUTH).json()["Comment"] != "before the reset"
    assert [entry["Path"] for entry in relation_mock.requests()] == ["/api/v1/Relation/918"]


def test_the_fixture_is_the_sessions_one_process(
    relation_mock: RelationMock, relation_mock_server: RelationMock
) -> None:
    assert relation_mock is relation_mock_server
    assert relation_mock.url.startswith("http://127.0.0.1:")


def test_a_mock_that_cannot_start_is_an_error_that_shows_its_output(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-fixtures.json"
    with pytest.raises(RelationMockError, match=re.escape(str(missing))):
        RelationMock(["--fixtures", str(missing)]).start()
