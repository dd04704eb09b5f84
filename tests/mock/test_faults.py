"""Slow and failing on purpose: each delay and fault as a real client (httpx) sees it, the seeded
draws repeating exactly, nothing stored by a faulted write, the journal and the exit summary."""

from __future__ import annotations

import random
import signal
import statistics
import time
from collections.abc import Iterator

import httpx
import pytest

from mockserver import Settings, create_app
from mockserver.faults import FaultSpecError, Latency, parse_faults
from tests.livemock import REFS, MockProcess, mock_in_process
from tests.proxy.conftest import Echo
from tests.servers.runner import serve

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
PATH = "/api/v1/Relation/918"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockProcess]:
    with MockProcess("--quiet") as process:
        yield process


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("reset", httpx.ReadError),  # ECONNRESET
        ("empty", httpx.RemoteProtocolError),  # "Server disconnected without sending a response."
        ("malformed", httpx.RemoteProtocolError),  # the chunked body ends early
        ("timeout", httpx.ReadTimeout),  # no answer until the client gives up
    ],
)
def test_each_fault_reaches_a_real_client_as_the_error_its_users_would_see(
    mock: MockProcess, fault: str, error: type[Exception]
) -> None:
    with httpx.Client(base_url=mock.url, headers=AUTH, timeout=1.0) as client, pytest.raises(error):
        client.get(PATH, headers={"Prefer": f"fault={fault}"})
    # The mock goes on serving.
    assert httpx.get(mock.url + PATH, headers=AUTH).status_code == 200


def test_a_faulted_write_stores_nothing_and_the_journal_says_what_was_injected(mock: MockProcess) -> None:
    before = httpx.get(mock.url + PATH, headers=AUTH).json()
    for fault in ("reset", "empty", "malformed"):
        with pytest.raises(httpx.TransportError):
            httpx.put(
                mock.url + PATH, json={**REFS, "Comment": f"faulted {fault}"},
                headers={**AUTH, "Prefer": f"fault={fault}"}, timeout=2,
            )  # fmt: skip
    with pytest.raises(httpx.TransportError):
        httpx.put(
            mock.url + PATH + "?__fault=timeout", json={**REFS, "Comment": "held"}, headers=AUTH, timeout=0.5
        )
    assert httpx.get(mock.url + PATH, headers=AUTH).json()["Comment"] == before["Comment"]
    entries = httpx.get(mock.url + "/__admin/requests").json()["Requests"]
    injected = [(e["Method"], e["Status"], e["Injected"]) for e in entries if "Injected" in e]
    faults = [
        (method, status, item["Fault"], item["Why"]) for method, status, item in injected if "Fault" in item
    ]
    assert ("PUT", 0, "reset", "Prefer: fault") in faults, faults
    assert ("PUT", 0, "timeout", "Prefer: fault") in faults, faults


def test_a_delay_is_never_shorter_than_asked_and_on_a_quiet_machine_not_twice_as_long(
    mock: MockProcess,
) -> None:
    with httpx.Client(base_url=mock.url, headers=AUTH, timeout=10) as client:
        client.get(PATH)  # a warm connection
        for ms in (100, 400):
            started = time.perf_counter()
            answer = client.get(PATH, headers={"Prefer": f"delay={ms}"})
            elapsed = time.perf_counter() - started
            assert answer.status_code == 200
            assert ms / 1000 <= elapsed < 2 * ms / 1000, (ms, elapsed)
        started = time.perf_counter()
        put = client.put(
            PATH + "?__delay=150", json={**REFS, "Comment": "late"}, headers={"Prefer": "code=412"}
        )
        assert (
            put.status_code == 412 and time.perf_counter() - started >= 0.15
        )  # a switch combined with a delay


def test_429_and_503_asked_for_carry_retry_after() -> None:
    with mock_in_process() as mock, mock.client(headers=AUTH) as client:
        for code in (429, 503):
            answer = client.get(PATH, headers={"Prefer": f"code={code}"})
            assert answer.status_code == code and answer.headers["Retry-After"] == "5", answer.text


def test_bad_switches_are_400_in_the_vendors_shape() -> None:
    with mock_in_process() as mock, mock.client(headers=AUTH) as client:
        for prefer in ("delay=soon", "delay=999999", "fault=explode"):
            answer = client.get(PATH, headers={"Prefer": prefer})
            assert answer.status_code == 400, (prefer, answer.text)
            assert answer.json()["ErrorType"] == "ArgumentException"


def _statuses(seed: int, count: int = 300) -> list[tuple[int, float]]:
    with (
        mock_in_process(faults="503:20%,429:10%", latency="1-3ms", fault_seed=seed) as mock,
        mock.client(headers=AUTH) as client,
    ):
        statuses = [client.get(PATH).status_code for _ in range(count)]
        entries = client.get("/__admin/requests").json()["Requests"]
    delays = [entry["Injected"].get("DelayMs", 0.0) for entry in entries if "Injected" in entry]
    return list(zip(statuses, delays, strict=False))


def test_a_seeded_run_repeats_exactly_and_another_seed_differs() -> None:
    first, again, other = _statuses(7), _statuses(7), _statuses(8)
    assert first == again
    assert first != other
    counted = [status for status, _ in first]
    # About the shares asked for (300 draws): 20% 503, 10% 429, the rest served.
    assert 30 <= counted.count(503) <= 90 and 10 <= counted.count(429) <= 55, counted
    assert set(counted) == {200, 429, 503}


def test_faults_on_limits_them_to_the_methods_named_and_the_admin_api_is_never_touched() -> None:
    with mock_in_process(faults="503:100%", faults_on=("PUT",)) as mock, mock.client(headers=AUTH) as client:
        assert client.get(PATH).status_code == 200
        seed = client.get(PATH).json()
        put = client.put(PATH, json={**seed, "Comment": "never stored"})
        assert put.status_code == 503 and put.headers["Retry-After"] == "5"
        assert client.get(PATH).json()["Comment"] == seed["Comment"]
    with mock_in_process(faults="503:100%") as mock, mock.client(headers=AUTH) as client:
        assert client.get(PATH).status_code == 503
        assert client.get("/__admin/requests").status_code == 200
        assert client.post("/__admin/reset").status_code in (200, 204)


def test_the_lognormal_latency_has_the_median_and_p99_asked_for() -> None:
    latency = Latency.parse("lognormal:median=80ms,p99=900ms")
    rng = random.Random(1)
    draws = sorted(latency.draw(rng) for _ in range(20_000))
    assert statistics.median(draws) == pytest.approx(0.080, rel=0.05)
    assert draws[int(0.99 * len(draws))] == pytest.approx(0.900, rel=0.1)
    uniform = Latency.parse("20-200ms")
    assert all(0.020 <= uniform.draw(rng) <= 0.200 for _ in range(1000))
    assert Latency.parse("50ms").draw(rng) == 0.05


@pytest.mark.parametrize(
    ("option", "value"),
    [("latency", "fast"), ("latency", "200-20ms"), ("latency", "lognormal:median=80ms"),
     ("faults", "500:2%"), ("faults", "503:2"), ("faults", "503:70%,429:40%")],
)  # fmt: skip
def test_a_bad_latency_or_faults_value_stops_the_start_up_with_one_sentence(option: str, value: str) -> None:
    with pytest.raises(FaultSpecError) as refused:
        create_app(Settings(quiet=True, **{option: value}))  # type: ignore[arg-type]
    assert f"--{option} received" in str(refused.value) and str(refused.value).endswith(".")
    assert parse_faults("503:2%,429:1%,reset:0.5%") == (("503", 0.02), ("429", 0.01), ("reset", 0.005))


def test_the_proxy_adds_the_delay_and_never_forwards_a_faulted_request() -> None:
    echo = Echo()
    with serve(echo) as upstream, MockProcess("--proxy", upstream, "--quiet") as proxy:
        with pytest.raises(httpx.TransportError):
            httpx.put(proxy.url + PATH, json=REFS, headers={**AUTH, "Prefer": "fault=empty"}, timeout=2)
        assert not [seen for seen in echo.seen if seen.method == "PUT"], "a faulted PUT reached the upstream"
        gets = len(echo.seen)
        started = time.perf_counter()
        answer = httpx.get(proxy.url + PATH, headers={**AUTH, "Prefer": "delay=200"}, timeout=5)
        assert answer.status_code == 200 and time.perf_counter() - started >= 0.2
        assert [seen.method for seen in echo.seen[gets:]] == ["GET"]  # forwarded once, after the delay
        # An injected fault is the proxy's own doing, never a violation of the upstream's.
        violations = httpx.get(proxy.url + "/__admin/violations").json()
        assert violations["Proxy"] is True and "Violations" in violations
        assert not [v for v in violations.get("Violations", []) if v.get("Method") == "PUT"], violations


def test_the_mock_counts_what_it_injected_when_it_stops() -> None:
    process = MockProcess("--latency", "1ms", "--faults", "503:50%", "--fault-seed", "3").start()
    assert process.process is not None
    try:
        for _ in range(20):
            httpx.get(process.url + PATH, headers=AUTH)
    finally:
        _, err = process.stop(signal.SIGTERM)
    summary = [line for line in err.splitlines() if "injected" in line]
    assert summary and summary[-1].startswith("relation-mock: injected 20 delays"), err
    assert " 503 " in summary[-1] + " ", summary


def test_a_rate_limit_counts_per_credential_and_answers_429_with_retry_after() -> None:
    other = {"Authorization": "SOTicket 7T:anything"}
    with mock_in_process(rate_limit="5/s", auth_any=True) as mock, mock.client() as client:
        statuses = [client.get(PATH, headers=AUTH).status_code for _ in range(8)]
        assert statuses[:5] == [200] * 5 and 429 in statuses[5:], statuses
        refused = client.get(PATH, headers=AUTH)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["ErrorType"] == "TooManyRequestsException"
        # Another credential has a bucket of its own; the admin API is never limited.
        assert client.get(PATH, headers=other).status_code == 200
        assert all(client.get("/__admin/requests").status_code == 200 for _ in range(10))
        time.sleep(0.5)  # 5/s: a token every 0.2 s
        assert client.get(PATH, headers=AUTH).status_code == 200
    with pytest.raises(FaultSpecError, match="--rate-limit received"):
        create_app(Settings(quiet=True, rate_limit="fast"))
