"""Behind a corporate proxy: the upstream client honours HTTP_PROXY, HTTPS_PROXY and NO_PROXY, and
trusts a private CA given by --cacert or SSL_CERT_FILE."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.proxy.conftest import AUTH, Echo, proxy_in_thread
from tests.proxy.corporate import Certificates, certificates, forward_proxy, tls_upstream
from tests.reliability.mockprocess import run_startup
from tests.servers.runner import serve

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR")
PROXY_USER, PROXY_PASSWORD = "qa-user", "proxy-pass-7391"


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No proxy or CA variable from the machine; the test sets its own."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    yield monkeypatch


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return certificates(tmp_path_factory.mktemp("tls"))


def _get(proxy: str) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=15) as client:  # the test's own calls go direct
        return client.get(f"{proxy}/api/v1/Relation/918", headers=AUTH)


def _forwarded(echo: Echo) -> list[str]:
    return [seen.path for seen in echo.seen if seen.path != "/"]


def test_an_http_upstream_is_reached_through_http_proxy_in_absolute_form(
    environment: pytest.MonkeyPatch,
) -> None:
    echo = Echo()
    with serve(echo) as upstream, forward_proxy() as corporate:
        environment.setenv("HTTP_PROXY", corporate.url)
        with proxy_in_thread(upstream) as proxy:
            answers = [_get(proxy) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert corporate.requests[0] == f"GET {upstream}/api/v1/Relation/918 HTTP/1.1"
    assert len(corporate.requests) == 1  # one kept-alive connection to the forward proxy
    assert _forwarded(echo) == ["/api/v1/Relation/918"] * 3


def test_an_https_upstream_is_reached_through_https_proxy_by_connect_and_checked_against_cacert(
    environment: pytest.MonkeyPatch, certs: Certificates
) -> None:
    echo = Echo()
    with tls_upstream(echo, certs) as upstream, forward_proxy() as corporate:
        environment.setenv("https_proxy", corporate.url)
        with proxy_in_thread(upstream, upstream_cacert=certs.ca) as proxy:
            answers = [_get(proxy) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert corporate.requests == [f"CONNECT 127.0.0.1:{urlsplit(upstream).port} HTTP/1.1"]
    assert _forwarded(echo) == ["/api/v1/Relation/918"] * 3


def test_credentials_in_the_proxy_variable_are_sent_to_the_forward_proxy_and_written_nowhere(
    environment: pytest.MonkeyPatch, certs: Certificates, capfd: pytest.CaptureFixture[str]
) -> None:
    expected = "Basic " + base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
    echo = Echo()
    with tls_upstream(echo, certs) as upstream, forward_proxy(require=expected) as corporate:
        address = corporate.url.removeprefix("http://")
        environment.setenv("HTTPS_PROXY", f"http://{PROXY_USER}:{PROXY_PASSWORD}@{address}")
        with proxy_in_thread(upstream, upstream_cacert=certs.ca) as proxy:
            answer = _get(proxy)
            with httpx.Client(trust_env=False, timeout=10) as client:
                written = (
                    client.get(f"{proxy}/__admin/requests").text
                    + client.get(f"{proxy}/__admin/violations").text
                )
    assert answer.status_code == 200
    assert corporate.authorizations == [expected]
    assert PROXY_PASSWORD not in written + capfd.readouterr().err


def test_a_forward_proxy_that_refuses_the_tunnel_is_a_502_naming_it_without_its_credentials(
    environment: pytest.MonkeyPatch, certs: Certificates
) -> None:
    with tls_upstream(Echo(), certs) as upstream, forward_proxy(require="Basic other") as corporate:
        address = corporate.url.removeprefix("http://")
        environment.setenv("HTTPS_PROXY", f"http://{PROXY_USER}:{PROXY_PASSWORD}@{address}")
        with proxy_in_thread(upstream, upstream_cacert=certs.ca) as proxy:
            answer = _get(proxy)
    assert answer.status_code == 502
    message = answer.json()["ErrorMessage"]
    assert "407" in message and address in message
    assert PROXY_PASSWORD not in answer.text


@pytest.mark.parametrize(
    "no_proxy", ["127.0.0.1", "*", "example.com, .corp.example,127.0.0.1", "10.0.0.0/8,127.0.0.0/8"]
)
def test_no_proxy_names_the_hosts_reached_directly(environment: pytest.MonkeyPatch, no_proxy: str) -> None:
    echo = Echo()
    with serve(echo) as upstream, forward_proxy() as corporate:
        environment.setenv("HTTP_PROXY", corporate.url)
        environment.setenv("NO_PROXY", no_proxy)
        with proxy_in_thread(upstream) as proxy:
            answer = _get(proxy)
    assert answer.status_code == 200
    assert corporate.requests == []
    assert _forwarded(echo) == ["/api/v1/Relation/918"]


def test_a_no_proxy_entry_for_another_host_still_uses_the_proxy(environment: pytest.MonkeyPatch) -> None:
    with serve(Echo()) as upstream, forward_proxy() as corporate:
        environment.setenv("HTTP_PROXY", corporate.url)
        environment.setenv("NO_PROXY", "example.com,10.0.0.1,127.0.0.10")
        with proxy_in_thread(upstream) as proxy:
            answer = _get(proxy)
    assert answer.status_code == 200
    assert len(corporate.requests) == 1


def test_ssl_cert_file_is_trusted_for_an_https_upstream(
    environment: pytest.MonkeyPatch, certs: Certificates
) -> None:
    with tls_upstream(Echo(), certs) as upstream:
        environment.setenv("SSL_CERT_FILE", str(certs.ca))
        with proxy_in_thread(upstream) as proxy:
            answer = _get(proxy)
    assert answer.status_code == 200


def test_a_certificate_no_trusted_ca_signed_is_a_502_that_says_so(
    environment: pytest.MonkeyPatch, certs: Certificates
) -> None:
    with tls_upstream(Echo(), certs) as upstream, proxy_in_thread(upstream) as proxy:
        answer = _get(proxy)
    assert answer.status_code == 502
    assert "certificate" in answer.json()["ErrorMessage"]
    assert "--cacert" in answer.json()["ErrorMessage"]


def test_a_cacert_that_is_no_pem_file_stops_start_up_with_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    result = run_startup("--proxy", "https://127.0.0.1:9", "--cacert", str(missing))
    assert result.returncode == 2
    assert f"--cacert {missing}" in result.stderr
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    result = run_startup("--proxy", "https://127.0.0.1:9", "--cacert", str(garbage))
    assert result.returncode == 2
    assert f"--cacert {garbage}" in result.stderr and "PEM" in result.stderr
