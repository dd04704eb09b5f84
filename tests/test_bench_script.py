"""bench/run.py's argument handling and parsing helpers (no servers, no wrk, no timing)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def test_defaults_match_the_issue() -> None:
    args = bench.parse_args([])
    assert args.duration == 10
    assert args.rounds == 3
    assert args.connections == (32, 1)
    assert args.targets == ("mock", "prism", "mock-sqlite", "mock-w2", "upstream", "proxy", "prism-proxy")
    assert not args.skip_contracts


@pytest.mark.parametrize(("text", "seconds"), [("10", 10), ("10s", 10), ("1m", 60), (" 5s ", 5)])
def test_durations_are_read_in_the_shared_scripts_forms(text: str, seconds: int) -> None:
    assert bench.parse_args(["--duration", text]).duration == seconds


@pytest.mark.parametrize("text", ["0", "301", "5 minutes", "-1", "1h", ""])
def test_bad_durations_are_refused(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(["--duration", text])
    assert exit_info.value.code == 2
    assert "--duration" in capsys.readouterr().err


def test_connections_and_targets_are_lists() -> None:
    args = bench.parse_args(["--connections", "64,8,1", "--targets", "prism,mock,mock"])
    assert args.connections == (64, 8, 1)
    assert args.targets == ("prism", "mock")


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--connections", "0"),
        ("--connections", "32,x"),
        ("--connections", "513"),
        ("--targets", "wiremock"),
        ("--targets", ","),
        ("--rounds", "0"),
        ("--threads", "-2"),
        ("--warmup", "-1"),
        ("--startups", "-1"),
    ],
)
def test_bad_values_are_refused_with_a_usage_error(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        bench.parse_args([flag, value])
    assert stopped.value.code == 2  # argparse's usage error, not a crash or a silent success
    assert flag in capsys.readouterr().err


def test_the_probe_sends_what_wrk_sends() -> None:
    body, headers = bench.seed_request()
    entity = json.loads(body)
    assert entity["RelationId"] == 918
    assert headers == {
        "Content-Type": "application/json; charset=utf-8",
        "Accept": "application/json",
        "Authorization": "Basic dGplMDpUamUw",
    }


def test_the_load_sends_the_spec_seed_sample_request() -> None:
    import yaml

    spec = yaml.safe_load((ROOT / "openapi" / "relation.yaml").read_text(encoding="utf-8"))
    body, _ = bench.seed_request()
    assert json.loads(body) == spec["components"]["examples"]["SeedSampleRequest"]["value"]


def test_the_wrk_summary_line_is_parsed() -> None:
    got = bench.parse_summary("noise\nrps=4146.4 p50_ms=7.34 p99_ms=19.96 non2xx=0 errors=3\n")
    assert got == {"rps": 4146.4, "p50": 7.34, "p99": 19.96, "non2xx": 0.0, "errors": 3.0}
    with pytest.raises(bench.BenchError):
        bench.parse_summary("Running 10s test @ http://127.0.0.1:1/\n")


def test_a_report_is_written_from_rounds() -> None:
    args = bench.parse_args(["--targets", "mock,prism", "--rounds", "1", "--connections", "32"])
    servers = {
        name: bench.Server(name, 1, ["python", "-m", "mockserver"], Path("/dev/null"))
        for name in args.targets
    }
    for server in servers.values():
        server.hwm_kb = {1: 70 * 1024}
    answer = bench.Answer(200, 10, "application/json", "{}")
    rounds = [
        bench.Round(1, 32, "mock", 3000.0, 9.0, 20.0, 0, 0, 0.3, 0.9),
        bench.Round(1, 32, "prism", 1000.0, 30.0, 200.0, 0, 0, 1.0, 1.0),
    ]
    outcome = bench.Outcome(
        args=args,
        argv=[],
        rounds=rounds,
        servers=servers,
        startups={"mock": [0.4], "prism": [1.2]},
        startup_rss_kb={"mock": [60 * 1024], "prism": [150 * 1024]},
        startup_cpu={"mock": [0.3], "prism": [1.0]},
        answers={"mock": [("first answer", answer)], "prism": [("first answer", answer)]},
        consistency=None,
        contracts=bench.ContractRun("skipped with --skip-contracts"),
        machine={"nproc": "2"},
        versions={"prism-cli": "5.16.0"},
        git="abc1234",
        began=bench.datetime(2026, 1, 1, tzinfo=bench.UTC),
        wall_s=60.0,
    )
    text = bench.render(outcome)
    assert "| mock | 32 | 3,000.0 | 9.00 | 20.00 | 3.00x | 0.10x |" in text
    assert "## Raw rounds" in text


def test_positive_int_messages_name_the_value() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="'zero'"):
        bench._positive_int("zero")
