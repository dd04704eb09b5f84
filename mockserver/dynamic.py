"""Data generated from a schema for `Prefer: dynamic=true`: valid, varied, reproducible by seed."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

_WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "yankee",
    "zulu",
]


def generate(schema: Mapping[str, Any], rng: random.Random, name: str = "") -> Any:
    """One value that the schema accepts. Nullable values are mostly present."""
    if "enum" in schema:
        return rng.choice([value for value in schema["enum"] if value is not None] or [None])
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:  # dates are alternatives of strings; other alternatives answer their first form
        if any(branch.get("format") == "date-time" for branch in branches):
            return _date(rng)
        return generate(branches[0], rng, name)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        out = {key: generate(sub, rng, key) for key, sub in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping) and not out:
            out = {rng.choice(_WORDS).title(): generate(extra, rng) for _ in range(rng.randint(1, 2))}
        return out
    if kind == "integer":
        low = max(int(schema.get("minimum", 0)), 0)
        return rng.randint(low, min(int(schema.get("maximum", 10_000)), low + 10_000))
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "string":
        if schema.get("format") == "date-time" or "date" in name.lower():
            return _date(rng)
        if "url" in name.lower() or name in ("Self", "Archive"):
            return f"http://127.0.0.1/api/v1/Relation/{rng.randint(1, 9999)}"
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 3))).title()
    if kind == "array":
        return [generate(schema.get("items", {}), rng) for _ in range(rng.randint(1, 2))]
    return rng.choice(_WORDS)


def _date(rng: random.Random) -> str:
    """A date as real servers send it: UTC, no offset, whole seconds."""
    moment = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 200_000_000))
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
