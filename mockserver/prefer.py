"""Prism's switches: force a documented status, a named example, or generated data.

`Prefer: code=412, example=NAME, dynamic=true, seed=N` (comma- or semicolon-separated), or the
query aliases `__code`, `__example`, `__dynamic`, `__seed`. The query wins over the header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from mockserver.errors import ApiError, Violation

_KEYS = ("code", "example", "dynamic", "seed")
_STATUS = re.compile(r"[1-5][0-9]{2}")
_SEED = re.compile(r"-?[0-9]{1,18}")


@dataclass(frozen=True, slots=True)
class Preferences:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    seed: int | None = None

    @property
    def forced(self) -> bool:
        return self.code is not None or self.example is not None or self.dynamic


NONE = Preferences()


def _bad(name: str, value: str, expected: str) -> ApiError:
    return ApiError(
        400,
        "ArgumentException",
        f"The mock switch {name}={value!r} is not valid: expected {expected}.",
        violations=[Violation(name, f"expected {expected}")],
    )


@lru_cache(maxsize=256)
def _parse_header(header: str) -> tuple[tuple[str, str], ...]:
    out = []
    for item in header.replace(";", ",").split(","):
        name, _, value = item.partition("=")
        name = name.strip().lower()
        if name in _KEYS:
            out.append((name, value.strip().strip('"')))
    return tuple(out)


def preferences(prefer_header: str | None, query: Mapping[str, str]) -> Preferences:
    """The switches of one request; NONE (cheaply) when it has none."""
    values = dict(_parse_header(prefer_header)) if prefer_header else {}
    for key in _KEYS:
        if f"__{key}" in query:
            values[key] = query[f"__{key}"]
    if not values:
        return NONE
    code = seed = None
    if "code" in values:
        if not _STATUS.fullmatch(values["code"]):
            raise _bad("code", values["code"], "an HTTP status such as 412")
        code = int(values["code"])
    if "seed" in values:
        if not _SEED.fullmatch(values["seed"]):
            raise _bad("seed", values["seed"], "an integer of at most 18 digits")
        seed = int(values["seed"])
    dynamic = values.get("dynamic", "false").lower()
    if dynamic not in ("true", "false"):
        raise _bad("dynamic", dynamic, "true or false")
    return Preferences(code=code, example=values.get("example") or None, dynamic=dynamic == "true", seed=seed)
