"""The `relation_mock` fixture keeps working when its mock requires an admin token."""

from __future__ import annotations

import httpx
import pytest

from mockserver.pytest_plugin import RelationMock, RelationMockError

TOKEN = "plugin-token-5e2c81aa"


def test_the_fixture_sends_the_admin_token_it_gave_the_mock() -> None:
    mock = RelationMock(["--admin-token", TOKEN]).start()
    try:
        mock.reset()
        assert mock.requests() == []
        assert httpx.post(mock.url_for("/__admin/reset")).status_code == 403  # others still need it
    finally:
        mock.stop()
    assert TOKEN not in mock.output()


def test_a_mock_that_cannot_start_is_reported_without_its_admin_token() -> None:
    with pytest.raises(RelationMockError, match="--workers") as refused:
        RelationMock(["--admin-token", TOKEN, "--workers", "0"]).start()
    assert TOKEN not in str(refused.value)
