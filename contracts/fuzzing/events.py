"""Reading a Schemathesis run back from its NDJSON event report: cases judged per check, findings.

Each recorded case counts for the checks that judge it (`applies`: negative data for
negative_data_rejection, a `$select` of real fields for select_nulls_unselected, a read of a
relation its scenario deleted for use_after_free, a call on a relation its POST just created for
ensure_resource_availability, ...), so a check that judged nothing is "not run" rather than
"held". Each distinct finding becomes a `Failure` with
the curl that reproduces it and, where weaker than its check's, the source of its promise
(`failure_basis`: a 5xx to invalid data is our choice, to valid data the vendor's). A request that
got no answer at all is a `not_a_server_error` finding.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.catalog import INERT, OURS, RFC, VENDOR
from contracts.options import Options
from contracts.reporting.curl import curl_command, env_refs
from contracts.results import CheckOutcome, Failure
from contracts.values import parse_http_date

NETWORK_WORDS = ("connection", "timeout", "timed out", "disconnected", "reset by peer", "network")
# Distinct findings shown per check and source of promise; the rest are counted in a note.
SHOWN_PER_CHECK = 3


@dataclass(slots=True)
class FuzzResult:
    outcomes: dict[str, CheckOutcome] = field(default_factory=dict)
    cases: int = 0
    notes: list[str] = field(default_factory=list)
    hidden: Counter[str] = field(default_factory=Counter)


def events(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and len(event) == 1:
                kind, payload = next(iter(event.items()))
                if isinstance(payload, dict):
                    yield kind, payload


def fatal_errors(path: Path) -> Iterator[str]:
    for kind, payload in events(path):
        if kind == "FatalError":
            yield _first_line(payload.get("exception") or payload.get("message") or payload)


def collect(path: Path, result: FuzzResult, options: Options) -> None:
    """Count the cases each check judged, and turn each distinct failure into a `Failure`."""
    seen: set[tuple[str, str, str, str]] = set()
    for kind, payload in events(path):
        if kind == "NonFatalError":
            _non_fatal(payload, result)
            continue
        if kind != "ScenarioFinished" or not payload.get("recorder"):
            continue
        recorder = payload["recorder"]
        interactions = recorder.get("interactions") or {}
        cases = recorder.get("cases") or {}
        chained = chain_flags(cases, interactions)
        for case_id, entry in cases.items():
            case = (entry or {}).get("value") or {}
            interaction = interactions.get(case_id) or {}
            for name, outcome in result.outcomes.items():
                if applies(name, case, interaction, chained.get(case_id, frozenset())):
                    outcome.cases += 1
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") != "failure" or check.get("name") not in result.outcomes:
                    continue
                info = (check.get("failure_info") or {}).get("failure") or {}
                key = (
                    check["name"],
                    info.get("operation", ""),
                    info.get("title", ""),
                    info.get("message", ""),
                )
                if key in seen:
                    continue
                seen.add(key)
                found = info.get("case_id") if info.get("case_id") in interactions else case_id
                interaction = interactions.get(found) or {}
                case = ((cases.get(found) or {}).get("value")) or {}
                basis = failure_basis(check["name"], case, interaction)
                kept = [f for f in result.outcomes[check["name"]].failures if f.basis == basis]
                if len(kept) >= SHOWN_PER_CHECK:
                    result.hidden[check["name"]] += 1
                    continue
                failure = _failure(check["name"], info, interaction, options)
                result.outcomes[check["name"]].failures.append(dataclasses.replace(failure, basis=basis))


AFTER_DELETE = "after_delete"
AFTER_CREATE = "after_create"
# What use_after_free judges: a request that must find a deleted relation gone (not a re-creation).
READS_AFTER_DELETE = frozenset({"GET", "HEAD", "PATCH"})


def chain_flags(cases: dict[str, Any], interactions: dict[str, Any]) -> dict[str, frozenset[str]]:
    """Per case of a stateful scenario: whether an earlier case deleted its relation (2xx DELETE of
    the same path), and whether its parent is a POST that created one (2xx)."""
    out: dict[str, frozenset[str]] = {}
    deleted: set[str] = set()
    for case_id, entry in cases.items():
        case = (entry or {}).get("value") or {}
        if ((case.get("meta") or {}).get("phase") or {}).get("name") != "stateful":
            continue
        flags = set()
        method, path = str(case.get("method", "")).upper(), _path(case)
        if method in READS_AFTER_DELETE and path in deleted:
            flags.add(AFTER_DELETE)
        parent = (cases.get((entry or {}).get("parent_id") or "") or {}).get("value") or {}
        if str(parent.get("method", "")).upper() == "POST" and _ok(interactions, entry.get("parent_id")):
            flags.add(AFTER_CREATE)
        if method == "DELETE" and _ok(interactions, case_id):
            deleted.add(path)
        elif method in ("PUT", "POST") and _ok(interactions, case_id):
            deleted.discard(path)  # created again
        out[case_id] = frozenset(flags)
    return out


def _path(case: dict[str, Any]) -> str:
    return f"{case.get('path', '')} {json.dumps(case.get('path_parameters') or {}, sort_keys=True)}"


def _ok(interactions: dict[str, Any], case_id: Any) -> bool:
    status = ((interactions.get(case_id) or {}).get("response") or {}).get("status_code") or 0
    return 200 <= status < 300


def applies(
    name: str, case: dict[str, Any], interaction: dict[str, Any], chained: frozenset[str] = frozenset()
) -> bool:
    """Whether a recorded case is one the named check judges (else it only ran past it)."""
    response = interaction.get("response")
    if not response or name in INERT:
        return False
    method = str(case.get("method", "")).upper()
    meta = case.get("meta") or {}
    mode = (meta.get("generation") or {}).get("mode")
    data = (meta.get("phase") or {}).get("data") or {}
    status = response.get("status_code")
    headers = {key.lower(): value for key, value in (response.get("headers") or {}).items()}
    if name == "negative_data_rejection":
        return mode == "negative"
    if name == "positive_data_acceptance":
        return mode == "positive"
    if name == "missing_required_header":
        return data.get("scenario") == "missing_parameter" and data.get("parameter_location") == "header"
    if name == "relation_id_matches_path":
        has_id = "id" in (case.get("path_parameters") or {})
        return has_id and status == 200 and "json" in ",".join(headers.get("content-type", []))
    if name == "use_after_free":
        return AFTER_DELETE in chained
    if name == "ensure_resource_availability":
        return AFTER_CREATE in chained
    if name == "unsupported_method":
        return data.get("scenario") == "unspecified_http_method" and method != "OPTIONS"
    if name == "allow_header_conformance":
        return method == "OPTIONS" and "allow" in headers
    if name == "select_nulls_unselected":
        return status == 200 and _judgeable_select((case.get("query") or {}).get("$select"), response)
    if name == "last_modified_not_after_date":
        return "last-modified" in headers
    return True


def _judgeable_select(raw: Any, response: dict[str, Any]) -> bool:
    """A `$select` whose names all name fields of the answer (what select_nulls_unselected judges)."""
    if not isinstance(raw, str):
        return False
    try:
        entity = json.loads(_decode(response.get("content")) or b"")
    except ValueError:
        return False
    if not isinstance(entity, dict):
        return False
    fields = {key.lower() for key in entity}
    parents = [item.strip().partition("/")[0].strip().lower() for item in raw.split(",")]
    return any(parents) and all(parent in fields for parent in parents if parent)


def failure_basis(name: str, case: dict[str, Any], interaction: dict[str, Any]) -> str:
    """The source of one finding's promise, when weaker than its check's ("" for the check's own)."""
    response = interaction.get("response") or {}
    status = response.get("status_code") or 0
    mode = ((case.get("meta") or {}).get("generation") or {}).get("mode")
    if name == "not_a_server_error":
        return OURS if mode == "negative" else ""
    if name in ("content_type_conformance", "response_schema_conformance"):
        return "" if 200 <= status < 300 else OURS
    if name == "positive_data_acceptance" and status == 412:
        since = _header(interaction.get("request") or {}, "if-unmodified-since")
        return RFC if since is not None and parse_http_date(since) is None else VENDOR
    if name == "relation_id_matches_path":
        body = case.get("body")
        path_id = (case.get("path_parameters") or {}).get("id")
        sent = body.get("RelationId") if isinstance(body, dict) else None
        return OURS if sent is not None and str(sent) != str(path_id) else ""
    return ""


def _header(request: dict[str, Any], name: str) -> str | None:
    for key, values in (request.get("headers") or {}).items():
        if key.lower() == name and values:
            return str(values[0])
    return None


def _failure(name: str, info: dict[str, Any], interaction: dict[str, Any], options: Options) -> Failure:
    lines = [line.strip() for line in str(info.get("message", "")).splitlines() if line.strip()]
    expected = next((line for line in lines if line.startswith("Expected")), "")
    details = " ".join(line for line in lines if line != expected)
    request, response = interaction.get("request") or {}, interaction.get("response") or {}
    seen = "(no response recorded)"
    if response:
        body = (_decode(response.get("content")) or b"")[:300].decode("utf-8", "replace").replace("\n", " ")
        media = ",".join((response.get("headers") or {}).get("content-type", [])) or "(no content-type)"
        seen = f"{response.get('status_code')} {media} {body}".rstrip()
    curl = "(request not recorded)"
    if request:
        headers = [(key, value) for key, values in (request.get("headers") or {}).items() for value in values]
        refs = env_refs(options.request_headers(), sample_auth=options.auth_is_sample)
        sent = _decode(request.get("body"))
        curl = curl_command(
            request.get("method", "GET"), request.get("uri", ""), headers, sent, env_refs=refs
        )
    return Failure(
        check=name,
        title=str(info.get("title") or name),
        expected=expected or details or str(info.get("title") or name),
        seen=f"{seen}\n{details}" if expected and details else seen,
        curl=curl,
        operation=str(info.get("operation", "")),
    )


def _non_fatal(payload: dict[str, Any], result: FuzzResult) -> None:
    """A network error is the server failing a request (a crash or hang): a violation. Anything else
    is Schemathesis unable to generate or send a case: a note, not a verdict on the server."""
    label = str(payload.get("label", "?"))
    message = _first_line(payload.get("info") or payload.get("value") or payload)
    if any(word in message.lower() for word in NETWORK_WORDS) and "not_a_server_error" in result.outcomes:
        failure = Failure(
            "not_a_server_error",
            "the server gave no answer",
            "an HTTP answer",
            message,
            "(see the Schemathesis log: no response to reproduce)",
            label,
        )
        result.outcomes["not_a_server_error"].failures.append(failure)
    else:
        result.notes.append(f"Schemathesis could not test {label}: {message}")


def _decode(body: Any) -> bytes | None:
    if isinstance(body, dict) and "$base64" in body:
        return base64.b64decode(body["$base64"])
    if isinstance(body, str):
        return body.encode()
    return None


def _first_line(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "unknown error"
