"""Options of the suite that cannot go together are refused, naming both, before anything is sent."""

from __future__ import annotations

import pytest

from contracts.cli import main


def test_read_only_with_methods_that_write_is_refused_naming_both(capsys: pytest.CaptureFixture[str]) -> None:
    # Port 9 (discard) is never reached: the refusal comes before any request.
    code = main(["--url", "http://127.0.0.1:9", "--read-only", "--methods", "PUT,GET"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--read-only" in err and "--methods PUT,GET" in err
    assert "cannot reach" not in err


def test_read_only_with_methods_get_agrees_and_goes_on_to_the_server(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["--url", "http://127.0.0.1:9", "--read-only", "--methods", "GET"])
    assert code == 2
    assert "cannot reach" in capsys.readouterr().err
