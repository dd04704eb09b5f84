"""The mock driven from a page on another origin, in a real browser: Debian's Chromium, by Playwright.

A page served from a second origin (another port) calls the mock with fetch(), credentials and
headers as a frontend sends them (so every call is CORS, preflights included), and the test reads
what the page saw. Chromium's HTTP cache is what is under test: without `Cache-Control` it reused
answers by its heuristic (a `Last-Modified` of 2014 is fresh for about a year), gave an XML answer
to a JSON fetch of the same URL (`Vary` named only `Origin`), and showed nothing of writes made by
others or of an admin reset. The cache headers (mockserver/caching.py) make it ask every time.

Chromium is Debian's (`make system` installs it), launched by `executable_path`: Playwright's own
browser download is not used. The module skips only when /usr/bin/chromium is missing and
`make system` cannot install it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.livemock import REFS, mock_in_thread
from tests.tools.tooling import serve_handler

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AUTH = "Basic dGplMDpUamUw"  # tje0:Tje0, the seed's sample credentials
RELATION = "/api/v1/Relation/918"  # a fixture, dated 2014

# The page's own script: `call` is fetch() as a frontend makes it, with what the test needs back.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>relation app</title></head><body>
<script>
window.call = async (base, auth, method, path, accept, body) => {
  const headers = { Authorization: auth, Accept: accept };
  const init = { method, credentials: "include", headers };
  if (body !== null) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const answer = await fetch(base + path, init);
  return {
    status: answer.status,
    type: answer.headers.get("content-type") || "",
    text: await answer.text(),
  };
};
</script>
</body></html>
"""


def _chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    if shutil.which("make") is not None:
        subprocess.run(["make", "-s", "system"], cwd=ROOT, check=False, timeout=600)
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing and `make system` could not install Debian's chromium")


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    with mock_in_thread() as url:
        yield url


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """The app's origin: a plain page server on another port of 127.0.0.1."""
    with serve_handler(_PageHandler) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    _chromium_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, page_origin: str, mock_url: str) -> Iterator[Page]:
    """A fresh page (its own context, so its own HTTP cache) on the app's origin, the store reset."""
    _reset(mock_url)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(page_origin + "/")
        yield page
    finally:
        context.close()


def _reset(mock_url: str) -> None:
    """POST /__admin/reset as a developer's curl does: from outside the browser."""
    httpx.post(f"{mock_url}/__admin/reset", timeout=10).raise_for_status()


def _call(
    page: Page, mock_url: str, method: str, path: str, accept: str = "application/json", body: Any = None
) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        "([base, auth, method, path, accept, body]) => window.call(base, auth, method, path, accept, body)",
        [mock_url, AUTH, method, path, accept, body],
    )
    return result


def _comment(answer: dict[str, Any]) -> Any:
    assert answer["status"] == 200, answer
    assert answer["type"].startswith("application/json"), answer
    return httpx.Response(200, content=answer["text"].encode()).json().get("Comment")


def test_a_json_fetch_after_an_xml_fetch_of_the_same_url_gets_json(page: Page, mock_url: str) -> None:
    xml = _call(page, mock_url, "GET", RELATION, accept="application/xml")
    assert xml["status"] == 200
    assert xml["type"].startswith("application/xml"), xml
    json = _call(page, mock_url, "GET", RELATION, accept="application/json")
    assert json["status"] == 200
    assert json["type"].startswith("application/json"), json
    assert json["text"].startswith("{"), json["text"][:80]


def test_two_puts_then_a_get_show_the_second_with_a_reset_between(page: Page, mock_url: str) -> None:
    _comment(_call(page, mock_url, "GET", RELATION))  # in the page's cache, Last-Modified in 2014
    first = _call(page, mock_url, "PUT", RELATION, body={**REFS, "Comment": "first"})
    assert _comment(first) == "first"
    _reset(mock_url)  # behind the page's back
    second = _call(page, mock_url, "PUT", RELATION, body={**REFS, "Comment": "second"})
    assert _comment(second) == "second"
    assert _comment(_call(page, mock_url, "GET", RELATION)) == "second"


def test_a_fixture_is_asked_for_again_after_another_client_changes_it(page: Page, mock_url: str) -> None:
    assert _comment(_call(page, mock_url, "GET", RELATION)) != "changed elsewhere"  # dated 2014
    changed = httpx.put(  # another user (not the page) changes it
        f"{mock_url}{RELATION}",
        json={**REFS, "Comment": "changed elsewhere"},
        headers={"Authorization": AUTH},
        timeout=10,
    )
    assert changed.status_code == 200
    assert _comment(_call(page, mock_url, "GET", RELATION)) == "changed elsewhere"


def test_a_get_after_a_reset_shows_the_fixture_again(page: Page, mock_url: str) -> None:
    original = _comment(_call(page, mock_url, "GET", RELATION))
    assert _comment(_call(page, mock_url, "PUT", RELATION, body={**REFS, "Comment": "mine"})) == "mine"
    assert _comment(_call(page, mock_url, "GET", RELATION)) == "mine"
    _reset(mock_url)
    assert _comment(_call(page, mock_url, "GET", RELATION)) == original
