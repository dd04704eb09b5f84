"""What a validating proxy in front of the server saw during the run, added to the run's report.

`relation-mock --proxy URL` (or any server with the same admin API) checks every exchange that
passes through it and lists what broke the spec at `/__admin/violations`. When the suite's `--url`
is such a proxy, the list is emptied before the run and read after it: the answer-side violations
become findings of the check `proxy_violations`; the request side is the suite's own deliberately
invalid data and is only counted. Any other server answers 404 there, and nothing is added. Under
--read-only the list is not emptied (that is a DELETE): what it held before the run is skipped.
"""

from __future__ import annotations

import os
from typing import Any

import httpx

from contracts.catalog import OURS, RFC, VENDOR
from contracts.options import Options
from contracts.results import CheckOutcome, Failure, RunResult

CHECK = "proxy_violations"
ADMIN = "/__admin/violations"
# A proxy started with --admin-token (or on a non-loopback host) wants it on its admin API; the suite
# reads it from the variable the mock itself reads, so one setting serves both.
ADMIN_TOKEN_ENV = "RELATION_MOCK_ADMIN_TOKEN"
SHOWN = 20  # findings listed one by one; the rest are counted in a note
# The source of a proxy check's promise, as the suite's own checks declare theirs.
_BASIS = {
    "response-content-type": VENDOR,
    "response-body": VENDOR,
    "round-trip": VENDOR,
    "persistence": VENDOR,
    "precondition": VENDOR,
    "select": VENDOR,
    "mandatory-reference": VENDOR,
    "last-modified": RFC,
    # The rest of the resource (the proxy's names for them).
    "deleted": VENDOR,
    "patch-creates": VENDOR,
    "created-id": VENDOR,
    "created-links": VENDOR,
    "patch-test": VENDOR,
    "patch-keeps": VENDOR,
    "patch-applied": VENDOR,
    "test-conflict": VENDOR,
    "default-entity": VENDOR,
    "content-type-refused": VENDOR,
    "accepted-before": VENDOR,
    "no-content": RFC,
}


def _admin(options: Options, method: str) -> httpx.Response | None:
    headers = dict(options.request_headers())
    token = os.environ.get(ADMIN_TOKEN_ENV)
    if token:
        headers["X-Admin-Token"] = token
    try:
        return httpx.request(
            method,
            f"{(options.url or '').rstrip('/')}{ADMIN}",
            headers=headers,
            timeout=10.0,
        )
    except httpx.HTTPError:
        return None


def start(options: Options) -> int | None:
    """Empty the proxy's list before the run (under --read-only, which sends no DELETE, count what
    it lists already); None when `--url` is no proxy (or no URL was given)."""
    if not options.url:
        return None
    if options.read_only:
        listing = _listing(_admin(options, "GET"))
        return None if listing is None else len(_violations(listing))
    answer = _admin(options, "DELETE")
    return 0 if answer is not None and answer.status_code in (200, 204) else None


def collect(options: Options, result: RunResult, already: int = 0) -> None:
    """Add what the proxy saw to the result (the check `proxy_violations`), after the first `already`."""
    answer = _admin(options, "GET")
    listing = _listing(answer)
    if listing is None:
        return
    violations = _violations(listing)[already:]
    server_side = [v for v in violations if v.get("Side") in ("response", "proxy")]
    outcome = CheckOutcome(name=CHECK, engine="proxy", basis=OURS, cases=max(len(violations), 1))
    outcome.failures = [_finding(v) for v in server_side[:SHOWN]]
    result.outcomes[CHECK] = outcome
    requests = len(violations) - len(server_side)
    result.notes.append(
        f"the proxy saw {len(server_side)} answer-side violation(s) and {requests} in the suite's own "
        "requests (deliberately invalid data; not findings)"
    )
    if len(server_side) > SHOWN:
        result.notes.append(f"proxy_violations: {len(server_side) - SHOWN} more not listed (see {ADMIN})")


def _violations(listing: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in listing.get("Violations", []) if isinstance(v, dict)]


def _listing(answer: httpx.Response | None) -> dict[str, Any] | None:
    if answer is None or answer.status_code != 200:
        return None
    try:
        body = answer.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) and body.get("Proxy") is True else None


def _finding(violation: dict[str, Any]) -> Failure:
    check = str(violation.get("Check", ""))
    operation = f"{violation.get('Method', '')} {violation.get('Path', '')}".strip()
    return Failure(
        check=CHECK,
        title=f"the proxy: {check} at {violation.get('Location', '')}",
        expected="an answer the spec documents",
        seen=f"{violation.get('Status', '')}: {violation.get('Message', '')}"[:500],
        curl=f"# journal entry {violation.get('JournalId', '?')}: GET /__admin/requests",
        operation=operation,
        basis=_BASIS.get(check, OURS),
    )
