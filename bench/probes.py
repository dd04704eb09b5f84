"""The single requests the benchmark sends besides the load: the seed PUT wrk sends (read from
bench/put.lua), sent once to each server as a probe; the `--workers 2` consistency check; the proxy's own
account of what it checked."""

from __future__ import annotations

import http.client
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import writes
from paths import LUA, PATH
from toolchain import BenchError


def seed_request(lua: Path = LUA) -> tuple[bytes, dict[str, str]]:
    """The body and headers wrk sends, read from the Lua script so the probe sends the same request."""
    try:
        return writes.lua_request(lua)
    except ValueError as exc:
        raise BenchError(str(exc)) from exc


@dataclass
class Answer:
    status: int
    length: int
    content_type: str
    excerpt: str


def probe(port: int, body: bytes, headers: dict[str, str], timeout: float = 2.0) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("PUT", PATH, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return Answer(
            response.status,
            len(data),
            response.getheader("content-type", ""),
            data[:400].decode("utf-8", "replace"),
        )
    finally:
        conn.close()


def workers_consistency(port: int, body: bytes, headers: dict[str, str], reads: int = 20) -> str:
    """PUT a marker Comment, then GET it back on `reads` fresh connections (spread over the workers)."""
    marker = f"bench-{os.getpid()}-{time.time_ns()}"
    entity = json.loads(body)
    entity["Comment"] = marker
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("PUT", PATH, body=json.dumps(entity).encode(), headers=headers)
        status = conn.getresponse()
        status.read()
        if status.status != 200:
            return f"marker PUT answered {status.status}"
    finally:
        conn.close()
    seen = 0
    for _ in range(reads):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", PATH, headers={k: v for k, v in headers.items() if k != "Content-Type"})
            got = conn.getresponse()
            data = got.read()
            if got.status == 200 and json.loads(data).get("Comment") == marker:
                seen += 1
        finally:
            conn.close()
    return f"{seen}/{reads} GETs on fresh connections saw the marker PUT"


def proxy_checks(port: int) -> dict[str, Any]:
    """The proxy's own account of the load: exchanges, violations, and what checking cost per exchange."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/__admin/violations")
        listing = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    listing["Kinds"] = sorted(
        {f"{v['Side']} {v['Check']} {v['Location']}" for v in listing.get("Violations", [])}
    )
    return listing
