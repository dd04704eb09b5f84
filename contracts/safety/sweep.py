"""The run's records of resources other than the relation, deleted at the end as relations are.

Schemathesis writes to the spec's other resources only against the embedded mock or with
--all-resources (against a URL they are only read: `contracts.fuzzing.plan.others_read_only`); each
record its POSTs create there is in the ledger under its path template. Here every one is deleted
under the same rules as a relation (`contracts.safety.custody`: only if it reads as the run left
it, with If-Unmodified-Since), and the report lists them per resource.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from contracts.safety.custody import Answer, Custody, Fetch, entity_of
from contracts.safety.ledger import RESOURCE, Ledger, Summary, ranges


def fetch_record(
    http: httpx.Client, base_url: str, headers: Sequence[tuple[str, str]], template: str
) -> Fetch:
    """Custody's requests for records at `template` (`/api/v1/X/{id}`) on `base_url`."""

    def fetch(method: str, rid: int, extra: Mapping[str, str]) -> Answer:
        url = base_url.rstrip("/") + template.replace("{id}", str(rid))
        sent = [*headers, ("Accept", "application/json"), *extra.items()]
        try:
            reply = http.request(method, url, headers=sent)
        except httpx.HTTPError as exc:
            return Answer(None, error=f"{type(exc).__name__}: {exc}")
        found = {name.lower(): value for name, value in reply.headers.items()}
        return Answer(reply.status_code, found, entity_of(reply.content))

    return fetch


def sweep_other_resources(
    ledger: Ledger,
    base_url: str,
    headers: Sequence[tuple[str, str]],
    timeout: float,
    keys: Mapping[str, str],
) -> list[str]:
    """Delete the run's records of every resource but the relation; one report line per resource."""
    lines: list[str] = []
    others = [template for template in ledger.resources() if template != RESOURCE]
    if not others:
        return lines
    with httpx.Client(timeout=timeout, follow_redirects=False) as http:
        for template in others:
            custody = Custody(
                ledger, fetch_record(http, base_url, headers, template), template, keys.get(template)
            )
            lines.append(describe(template, custody.sweep()))
    return [line for line in lines if line]


def describe(template: str, summary: Summary) -> str:
    """`/api/v1/Liaison/{id}: created 3 (40-42), deleted 3 (40-42)` and what was left and why."""
    if not summary.created and not summary.foreign:
        return ""
    parts = [f"created {len(summary.created)} ({ranges(summary.created) or 'none'})"]
    parts.append(f"deleted {len(summary.deleted)} ({ranges(summary.deleted) or 'none'})")
    parts += [f"left behind: {rid} ({why})" for rid, why in summary.kept.items()]
    parts += [f"not the suite's: {rid} ({why})" for rid, why in summary.foreign.items()]
    return f"{template}: " + "; ".join(parts)
