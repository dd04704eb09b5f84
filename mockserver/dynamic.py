"""Data generated from a schema for `Prefer: dynamic=true`: valid, varied, reproducible by seed.

Links point where the resource's own links do: `archive` is the absolute URL of its collection
(`http://127.0.0.1:4010/api/v1/Sale`, from the request's host and the spec's path), and `key` its
`x-primary-key`, so a generated entity's `_Links.Self` names the id it carries.
"""

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


def generate(
    schema: Mapping[str, Any], rng: random.Random, name: str = "", *, archive: str, key: str = ""
) -> Any:
    """One value that the schema accepts. Nullable values are mostly present."""
    if "enum" in schema:
        return rng.choice([value for value in schema["enum"] if value is not None] or [None])
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:  # dates are alternatives of strings; other alternatives answer their first form
        if any(branch.get("format") == "date-time" for branch in branches):
            return _date(rng)
        return generate(branches[0], rng, name, archive=archive, key=key)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        out = {prop: generate(sub, rng, prop, archive=archive, key=key) for prop, sub in props.items()}
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping) and not out:
            if name == "_Links" and extra.get("type") == "string":  # the entity's links, as it answers them
                return {"Self": f"{archive}/{rng.randint(1, 9999)}", "Archive": archive}
            keys = (rng.choice(_WORDS).title() for _ in range(rng.randint(1, 2)))
            out = {word: generate(extra, rng, archive=archive, key=key) for word in keys}
        links, entity_id = out.get("_Links"), out.get(key)
        if isinstance(links, dict) and "Self" in links and isinstance(entity_id, int):
            links["Self"] = f"{archive}/{entity_id}"
        return out
    if kind == "integer":
        low = max(int(schema.get("minimum", 0)), 0)
        return rng.randint(low, min(int(schema.get("maximum", 10_000)), low + 10_000))
    if kind == "number":
        return round(rng.uniform(0, 10_000), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "string":
        if schema.get("format") == "date-time" or "date" in name.lower():
            return _date(rng)
        if name == "Archive":
            return archive
        if "url" in name.lower() or name == "Self":
            return f"{archive}/{rng.randint(1, 9999)}"
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 3))).title()
    if kind == "array":
        items = schema.get("items", {})
        return [generate(items, rng, archive=archive, key=key) for _ in range(rng.randint(1, 2))]
    return rng.choice(_WORDS)


def _date(rng: random.Random) -> str:
    """A date as real servers send it: UTC, no offset, whole seconds."""
    moment = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 200_000_000))
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
