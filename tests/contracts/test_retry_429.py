"""--retry-429 against a mock that limits its callers (--rate-limit): the run waits out the 429s and
passes, counting them; without the option the same run reports the 429s."""

from __future__ import annotations

import pytest

from contracts.cli import main
from mockserver import Settings, create_app
from tests.contracts.conftest import QUICK
from tests.servers.runner import serve


def test_a_busy_tenants_429s_are_waited_out_only_with_retry_429(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*QUICK, "--checks", "round_trip,persistence"]
    with serve(create_app(Settings(quiet=True, rate_limit="4/s"))) as url:
        assert main(["--url", url, *args, "--retry-429"]) == 0
        out = capsys.readouterr().out
        retried = [line for line in out.splitlines() if "--retry-429:" in line]
        assert retried and not retried[0].split("--retry-429: ")[1].startswith("0 "), out
        assert main(["--url", url, *args]) == 1
        assert "429" in capsys.readouterr().out
