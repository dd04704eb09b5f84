"""bench/run.py's argument handling and parsing helpers (bench/options.py, probes.py, wrk_runs.py), its
report (figures.py, report.py) and its POST/PATCH rows (bench/writes.py): their requests answered by the
mock, and a one-second run of them (no assertion on timing)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.livemock import mock_in_thread

ROOT = Path(__file__).resolve().parent.parent


def _load_bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


bench = _load_bench()  # bench/run.py, which puts bench/ on sys.path for the modules below
options, probes, bench_servers, toolchain, wrk_runs, suite_timing, figures, report, writes = (
    importlib.import_module(name)
    for name in (
        "options",
        "probes",
        "servers",
        "toolchain",
        "wrk_runs",
        "suite_timing",
        "figures",
        "report",
        "writes",
    )
)


def test_defaults_match_the_issue() -> None:
    args = options.parse_args([])
    assert args.duration == 10
    assert args.rounds == 3
    assert args.connections == (32, 1)
    assert args.targets == ("mock", "prism", "mock-sqlite", "mock-w2", "upstream", "proxy", "prism-proxy")
    assert args.writes == ("post", "patch")
    assert not args.skip_contracts


@pytest.mark.parametrize(("text", "seconds"), [("10", 10), ("10s", 10), ("1m", 60), (" 5s ", 5)])
def test_durations_are_read_in_the_shared_scripts_forms(text: str, seconds: int) -> None:
    assert options.parse_args(["--duration", text]).duration == seconds


@pytest.mark.parametrize("text", ["0", "301", "5 minutes", "-1", "1h", ""])
def test_bad_durations_are_refused(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        options.parse_args(["--duration", text])
    assert exit_info.value.code == 2
    assert "--duration" in capsys.readouterr().err


def test_connections_and_targets_are_lists() -> None:
    args = options.parse_args(["--connections", "64,8,1", "--targets", "prism,mock,mock"])
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
        ("--writes", "put"),
        ("--writes", "post,none"),
    ],
)
def test_bad_values_are_refused_with_a_usage_error(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        options.parse_args([flag, value])
    assert stopped.value.code == 2  # argparse's usage error, not a crash or a silent success
    assert flag in capsys.readouterr().err


def test_the_probe_sends_what_wrk_sends() -> None:
    body, headers = probes.seed_request()
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
    body, _ = probes.seed_request()
    assert json.loads(body) == spec["components"]["examples"]["SeedSampleRequest"]["value"]


def test_the_wrk_summary_line_is_parsed() -> None:
    got = wrk_runs.parse_summary("noise\nrps=4146.4 p50_ms=7.34 p99_ms=19.96 non2xx=0 errors=3\n")
    assert got == {"rps": 4146.4, "p50": 7.34, "p99": 19.96, "non2xx": 0.0, "errors": 3.0}
    with pytest.raises(toolchain.BenchError):
        wrk_runs.parse_summary("Running 10s test @ http://127.0.0.1:1/\n")


def test_a_report_is_written_from_rounds() -> None:
    args = options.parse_args(["--targets", "mock,prism", "--rounds", "1", "--connections", "32"])
    servers = {
        name: bench_servers.Server(name, 1, ["python", "-m", "mockserver"], Path("/dev/null"))
        for name in args.targets
    }
    for server in servers.values():
        server.hwm_kb = {1: 70 * 1024}
    answer = probes.Answer(200, 10, "application/json", "{}")
    rounds = [
        wrk_runs.Round(1, 32, "mock", 3000.0, 9.0, 20.0, 0, 0, 0.3, 0.9),
        wrk_runs.Round(1, 32, "prism", 1000.0, 30.0, 200.0, 0, 0, 1.0, 1.0),
    ]
    outcome = figures.Outcome(
        args=args,
        argv=[],
        rounds=rounds,
        servers=servers,
        startups={"mock": [0.4], "prism": [1.2]},
        startup_rss_kb={"mock": [60 * 1024], "prism": [150 * 1024]},
        startup_cpu={"mock": [0.3], "prism": [1.0]},
        answers={"mock": [("first answer", answer)], "prism": [("first answer", answer)]},
        consistency=None,
        contracts=suite_timing.ContractRun("skipped with --skip-contracts"),
        machine={"nproc": "2"},
        versions={"prism-cli": "5.16.0"},
        git="abc1234",
        began=datetime(2026, 1, 1, tzinfo=UTC),
        wall_s=60.0,
    )
    text = report.render(outcome)
    assert "| mock | 32 | 3,000.0 | 9.00 | 20.00 | 3.00x | 0.10x |" in text
    assert "## Raw rounds" in text


def test_positive_int_messages_name_the_value() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="'zero'"):
        options._positive_int("zero")


@pytest.mark.parametrize(
    ("text", "operations"), [("patch", ("patch",)), ("PATCH, post", ("patch", "post")), ("none", ())]
)
def test_the_write_rows_are_chosen_with_writes(text: str, operations: tuple[str, ...]) -> None:
    assert options.parse_args(["--writes", text]).writes == operations


def test_the_post_row_sends_the_seed_relation_and_the_patch_row_a_test_and_a_replace() -> None:
    seed, put_headers = probes.seed_request()
    post_body, post_headers = writes.WORKLOADS["post"].request()
    patch_body, patch_headers = writes.WORKLOADS["patch"].request()
    assert json.loads(post_body) == json.loads(seed)
    assert post_headers == put_headers
    assert [op["op"] for op in json.loads(patch_body)] == ["test", "replace"]
    assert patch_headers["Content-Type"] == "application/json-patch+json"


def test_the_mock_answers_what_the_write_rows_send_and_a_reset_starts_every_round_alike() -> None:
    post, patch = writes.WORKLOADS["post"], writes.WORKLOADS["patch"]
    with mock_in_thread() as url:
        port = int(url.rsplit(":", 1)[1])
        first = writes.probe(port, post)
        second = writes.probe(port, post)
        assert (first.status, second.status) == (200, 200)
        assert json.loads(second.body)["RelationId"] == json.loads(first.body)["RelationId"] + 1
        assert writes.probe(port, patch).status == 200
        writes.reset(port)
        again = writes.probe(port, post)
        assert json.loads(again.body)["RelationId"] == json.loads(first.body)["RelationId"]
        assert httpx.get(f"{url}/api/v1/Relation/{json.loads(second.body)['RelationId']}", headers={
            "Authorization": "Basic dGplMDpUamUw"}).status_code == 404  # fmt: skip


def test_the_write_rows_are_rendered_with_their_ratios() -> None:
    rounds = [
        writes.WriteRound("post", 1, 32, "mock", 3000.0, 9.0, 20.0, 0, 0, 0.3),
        writes.WriteRound("post", 1, 32, "prism", 1500.0, 18.0, 40.0, 0, 0, 0.6),
        writes.WriteRound("patch", 1, 32, "mock", 2000.0, 12.0, 30.0, 0, 0, 0.4),
        writes.WriteRound("patch", 1, 32, "prism", 1000.0, 24.0, 90.0, 0, 0, 0.8),
    ]
    text = "\n".join(writes.render(writes.WriteOutcome(rounds=rounds), 1, 10))
    assert "| POST | 32 | 3,000.0 | 1,500.0 | 2.00x | 9.00 / 20.00 | 18.00 / 40.00 | 0.50x |" in text
    assert "| PATCH | 32 | 2,000.0 | 1,000.0 | 2.00x | 12.00 / 30.00 | 24.00 / 90.00 | 0.33x |" in text
    skipped = writes.render(writes.WriteOutcome(skipped="no POST/PATCH rows: --writes none"), 1, 10)
    assert "Not measured: no POST/PATCH rows: --writes none." in skipped


def test_a_one_second_run_of_the_mock_writes_post_and_patch_rows_without_errors(tmp_path: Path) -> None:
    """The quick mode: every stage of `make bench` for the mock alone, one round of one second."""
    assert shutil.which("wrk"), "wrk is not installed: `make system` installs it (`make test` runs that)"
    report = tmp_path / "RESULTS.md"
    quick = ["--targets", "mock", "--duration", "1", "--rounds", "1", "--warmup", "0", "--startups", "0",
             "--connections", "2", "--skip-contracts", "--no-install", "--output", str(report),
             "--raw-dir", str(tmp_path / "raw")]  # fmt: skip
    assert bench.main(quick) == 0
    text = report.read_text()
    rows = [line for line in text.splitlines() if line.startswith(("| POST | 2 |", "| PATCH | 2 |"))]
    assert len(rows) == 2, text
    assert all(row.endswith("| 0 |") for row in rows), rows  # no non-2xx answer, no socket error
    assert (tmp_path / "raw" / "wrk-r1-post-mock-c2.txt").is_file()
    # The shared mock's rows (bench/replicas.py): SQLite and 1, 2, 4 PostgreSQL replicas, no errors;
    # or, where no PostgreSQL server is installed, the reason they were left out.
    replica_rows = [line for line in text.splitlines() if line.startswith(("| SQLite, 1", "| PostgreSQL, "))]
    if "PostgreSQL's server binaries were not found" not in text:
        assert len(replica_rows) == 8, text
        assert all(row.endswith("| 0 | 0 |") for row in replica_rows), replica_rows
