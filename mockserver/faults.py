"""Slow and failing on purpose: delays and faults injected into the answers, per request or globally.

Per request (as the other switches, `mockserver.prefer`): `Prefer: delay=MS` or `?__delay=MS` waits
that long before the request is handled; `Prefer: fault=reset|empty|malformed|timeout` (or `__fault`)
misbehaves on the wire instead of answering: the connection reset (RST), closed with no answer, a
chunked answer cut short, or no answer until the client gives up. Globally (options): `--latency`
(`50ms`, `20-200ms` uniform, `lognormal:median=80ms,p99=900ms`), `--faults 503:2%,429:1%,reset:0.5%`
drawn per request from `--fault-seed` (the same seed and the same requests, the same faults), both
limited to some methods by `--faults-on`. A request's own switch wins over the global draw.
`--rate-limit 10/s` answers 429 with Retry-After past that rate, counted per credential (per client
address without one), as a tenant's limits do (`RateLimiter`).

Every injection happens before the request reaches the mock (or, under `--proxy`, the upstream), so a
faulted write writes nothing and the upstream never sees it; a delay adds to the upstream's own time.
The admin API (`/__admin`) is never touched. Each injection is noted in the request's journal entry
(`Injected`: what, and why) and counted; the counts are printed when the mock stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import re
import socket
import struct
import sys
import time
from collections import Counter
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.errors import ApiError, ServiceUnavailable, StartupError, Violation
from mockserver.journal import NOTE
from mockserver.negotiation import Negotiator
from mockserver.responses import error_answer

WIRE = ("reset", "empty", "malformed", "timeout")
STATUSES = {"429": 429, "503": 503}
MAX_DELAY_MS = 120_000  # a per-request delay; longer is refused (400), as a hang would be
HOLD_LIMIT_S = 300.0  # `timeout` holds the answer this long at most, then closes the connection
RETRY_AFTER = 5
TRANSPORT = "relation.transport"  # scope["extensions"] key set by mockserver.protocol
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s)")
_Z99 = NormalDist().inv_cdf(0.99)


class FaultSpecError(StartupError):
    """A --latency, --faults or --faults-on value that cannot be used."""


def _seconds(text: str, option: str) -> float:
    found = _DURATION.fullmatch(text.strip())
    if not found:
        raise FaultSpecError(
            f"{option} received {text!r}; expected a duration such as 50ms or 1.5s. Fix the value."
        )
    value = float(found[1])
    return value / 1000 if found[2] == "ms" else value


@dataclass(frozen=True, slots=True)
class Latency:
    """How long to wait before handling a request: fixed, uniform between two, or lognormal."""

    low: float
    high: float
    mu: float | None = None  # lognormal: log of the median, and sigma from the p99
    sigma: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Latency:
        text = text.strip()
        if text.startswith("lognormal:"):
            parts = dict(item.partition("=")[::2] for item in text[len("lognormal:") :].split(","))
            if set(parts) != {"median", "p99"}:
                raise FaultSpecError(
                    f"--latency received {text!r}; expected lognormal:median=80ms,p99=900ms. Fix the value."
                )
            median, p99 = _seconds(parts["median"], "--latency"), _seconds(parts["p99"], "--latency")
            if not 0 < median < p99:
                raise FaultSpecError(
                    f"--latency received {text!r}; expected 0 < median < p99. Fix the value."
                )
            return cls(median, p99, math.log(median), (math.log(p99) - math.log(median)) / _Z99)
        low, _, high = text.partition("-")
        if high:
            unit = _DURATION.fullmatch(high.strip())
            if unit and low.strip().replace(".", "", 1).isdigit():
                low = low.strip() + unit[2]  # 20-200ms: both in ms
            first, last = _seconds(low, "--latency"), _seconds(high, "--latency")
            if first > last:
                raise FaultSpecError(
                    f"--latency received {text!r}; expected the smaller value first. Fix it."
                )
            return cls(first, last)
        fixed = _seconds(text, "--latency")
        return cls(fixed, fixed)

    def draw(self, rng: random.Random) -> float:
        if self.mu is not None:
            return rng.lognormvariate(self.mu, self.sigma)
        return self.low if self.low == self.high else rng.uniform(self.low, self.high)


def parse_faults(text: str) -> tuple[tuple[str, float], ...]:
    """`503:2%,429:1%,reset:0.5%` as (fault, probability) pairs; the total must stay within 100%."""
    out = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, share = item.partition(":")
        name = name.strip().lower()
        if name not in STATUSES and name not in WIRE:
            raise FaultSpecError(
                f"--faults received {name!r}; expected one of 429, 503, {', '.join(WIRE)} with a share, such "
                "as 503:2%. Fix the value."
            )
        found = re.fullmatch(r"(\d+(?:\.\d+)?)%", share.strip())
        if not found:
            raise FaultSpecError(
                f"--faults received {item!r}; expected a share such as {name}:2%. Fix the value."
            )
        out.append((name, float(found[1]) / 100))
    if sum(p for _, p in out) > 1:
        raise FaultSpecError(f"--faults received {text!r}: the shares add up to more than 100%. Lower them.")
    return tuple(out)


class RateLimiter:
    """`--rate-limit 10/s` (or `/min`): a token bucket per caller, as a tenant limits its callers.

    The caller is its credential (a hash of the Authorization header, never the header itself), or
    its address when it sends none (`--auth off`). A request beyond the rate is answered 429 with
    Retry-After: the whole seconds until the bucket holds a token again."""

    def __init__(self, text: str) -> None:
        found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute)\s*", text)
        if not found or float(found[1]) <= 0:
            raise FaultSpecError(
                f"--rate-limit received {text!r}; expected requests per second or minute, such as 10/s or "
                "600/min. Fix the value."
            )
        self.rate = float(found[1]) / (1 if found[2].startswith("s") else 60)  # tokens per second
        self.burst = max(1.0, self.rate)  # a second's worth may come at once
        self.buckets: dict[int, tuple[float, float]] = {}  # caller -> (tokens, when)

    def wait(self, scope: Scope) -> float:
        """0 when the request may pass (a token is taken), else the seconds until one is there."""
        auth = next((value for name, value in scope["headers"] if name == b"authorization"), None)
        caller = hash(auth) if auth is not None else hash(str((scope.get("client") or ("?",))[0]))
        now = time.monotonic()
        tokens, when = self.buckets.get(caller, (self.burst, now))
        tokens = min(self.burst, tokens + (now - when) * self.rate)
        if tokens >= 1:
            self.buckets[caller] = (tokens - 1, now)
            return 0.0
        self.buckets[caller] = (tokens, now)
        if len(self.buckets) > 100_000:  # bounded: forget the callers idle longest
            for stale in sorted(self.buckets, key=lambda key: self.buckets[key][1])[:50_000]:
                del self.buckets[stale]
        return (1 - tokens) / self.rate


@dataclass(frozen=True, slots=True)
class Injection:
    delay_s: float = 0.0
    fault: str | None = None
    why: str = ""


class FaultMiddleware:
    """Plain ASGI: decides each request's delay and fault, notes them for the journal, and injects them."""

    def __init__(
        self,
        app: ASGIApp,
        negotiator: Negotiator,
        *,
        latency: str | None = None,
        faults: str | None = None,
        seed: int | None = None,
        methods: tuple[str, ...] = (),
        rate_limit: str | None = None,
    ) -> None:
        self.app = app
        self.limiter = RateLimiter(rate_limit) if rate_limit else None
        self.negotiator = negotiator
        self.latency = Latency.parse(latency) if latency else None
        self.faults = parse_faults(faults) if faults else ()
        self.methods = frozenset(method.upper() for method in methods)
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.delayed_s = 0.0

    def _global(self, method: str) -> Injection:
        if (self.methods and method not in self.methods) or (not self.methods and method == "OPTIONS"):
            return Injection()  # a CORS preflight gets none unless --faults-on names OPTIONS
        delay = self.latency.draw(self.rng) if self.latency else 0.0
        fault = None
        if self.faults:
            roll, edge = self.rng.random(), 0.0
            for name, share in self.faults:
                edge += share
                if roll < edge:
                    fault = name
                    break
        return Injection(delay, fault, "--latency/--faults")

    def _asked(self, scope: Scope) -> tuple[str | None, str | None]:
        prefer = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"prefer"), "")
        values = {}
        for item in prefer.replace(";", ",").split(","):
            name, _, value = item.partition("=")
            if name.strip().lower() in ("delay", "fault"):
                values[name.strip().lower()] = value.strip().strip('"')
        query = scope.get("query_string", b"").decode("latin-1")
        for pair in query.split("&"):
            name, _, value = pair.partition("=")
            if name in ("__delay", "__fault"):
                values[name[2:]] = value
        return values.get("delay"), values.get("fault")

    def _decide(self, scope: Scope) -> Injection:
        delay_text, fault_text = self._asked(scope)
        drawn = self._global(scope["method"]) if (self.latency or self.faults) else Injection()
        delay, fault, why = drawn.delay_s, drawn.fault, drawn.why
        if delay_text is not None:
            if not delay_text.isdigit() or int(delay_text) > MAX_DELAY_MS:
                raise ApiError(
                    400, "ArgumentException",
                    f"The mock switch delay={delay_text!r} is not valid: expected milliseconds, "
                    f"0 to {MAX_DELAY_MS}.",
                    violations=[Violation("delay", f"expected 0-{MAX_DELAY_MS} ms")],
                )  # fmt: skip
            delay, why = int(delay_text) / 1000, "Prefer: delay"
        if fault_text is not None:
            if fault_text.lower() not in WIRE:
                raise ApiError(
                    400, "ArgumentException",
                    f"The mock switch fault={fault_text!r} is not valid: expected one of {', '.join(WIRE)}.",
                    violations=[Violation("fault", f"expected one of {', '.join(WIRE)}")],
                )  # fmt: skip
            fault, why = fault_text.lower(), "Prefer: fault"
        return Injection(delay, fault, why)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__admin"):
            await self.app(scope, receive, send)
            return
        if self.limiter is not None:
            wait = self.limiter.wait(scope)
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                self.counts["rate-limited"] += 1
                note = scope.get(NOTE)
                if note is not None:
                    note["Injected"] = {"Fault": "429", "Why": "--rate-limit"}
                refusal = ApiError(
                    429, "TooManyRequestsException",
                    f"Too many requests from this caller (--rate-limit): send the request again after "
                    f"{seconds} s.",
                    headers={"Retry-After": str(seconds)},
                )  # fmt: skip
                await self._answer(scope, send, refusal)
                return
        if not (self.latency or self.faults or b"__" in scope.get("query_string", b"")) and not any(
            name == b"prefer" for name, _ in scope["headers"]
        ):
            await self.app(scope, receive, send)  # the common case: nothing asked for, nothing to decide
            return
        try:
            injection = self._decide(scope)
        except ApiError as error:
            await self._answer(scope, send, error)
            return
        if injection.delay_s <= 0 and injection.fault is None:
            await self.app(scope, receive, send)
            return
        note = scope.get(NOTE)
        injected: dict[str, Any] = {"Why": injection.why}
        if injection.delay_s > 0:
            injected["DelayMs"] = round(injection.delay_s * 1000, 1)
            self.counts["delay"] += 1
            self.delayed_s += injection.delay_s
            await asyncio.sleep(injection.delay_s)
        if injection.fault is not None:
            injected["Fault"] = injection.fault
            self.counts[injection.fault] += 1
        if note is not None:
            note["Injected"] = injected
        if injection.fault is None:
            await self.app(scope, receive, send)
        elif injection.fault in STATUSES:
            status = STATUSES[injection.fault]
            refusal = (
                ServiceUnavailable(f"Injected by the mock ({injection.why}): send the request again later.")
                if status == 503
                else ApiError(
                    429, "TooManyRequestsException",
                    f"Injected by the mock ({injection.why}): send the request again after "
                    f"{RETRY_AFTER} seconds.",
                    headers={"Retry-After": str(RETRY_AFTER)},
                )
            )  # fmt: skip
            await self._answer(scope, send, refusal)
        else:
            if note is not None:
                note["Status"] = 0  # no answer was sent
            await self._wire(scope, receive, send, injection.fault)

    async def _answer(self, scope: Scope, send: Send, error: ApiError) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        media = self.negotiator.for_error(headers.get("accept", ""), headers.get("content-type", ""))
        await error_answer(error, media)(scope, _no_body, send)

    async def _wire(self, scope: Scope, receive: Receive, send: Send, fault: str) -> None:
        transport = scope.get("extensions", {}).get(TRANSPORT)
        if transport is None:  # in-process (no socket): the closest is an answer that never starts
            raise ConnectionResetError(f"fault={fault} injected (no socket to misbehave on)")
        if fault == "reset":
            sock = transport.get_extra_info("socket")
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        elif fault == "empty":
            transport.close()
        elif fault == "malformed":
            transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                b'Transfer-Encoding: chunked\r\n\r\n40\r\n{"cut short on purpose": tr'
            )
            transport.close()
        else:  # timeout: no answer until the client gives up (or HOLD_LIMIT_S)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(HOLD_LIMIT_S):
                    while (await receive())["type"] != "http.disconnect":
                        pass
            transport.close()
        for _ in range(3):  # let uvicorn see the connection gone, so it answers nothing itself
            await asyncio.sleep(0)

    def summary(self) -> str | None:
        """One line for the end of the run, or None when nothing was injected or asked for."""
        if not self.counts and not (self.latency or self.faults or self.limiter):
            return None
        parts = (
            [f"{self.counts['delay']} delays ({self.delayed_s:.1f} s in all)"]
            if self.latency or self.counts["delay"]
            else []
        )
        parts += [f"{name} {count}" for name, count in sorted(self.counts.items()) if name != "delay"]
        if not parts:
            parts = ["nothing"]
        return "injected " + ", ".join(parts) + "."


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def print_summary(middleware: FaultMiddleware) -> None:
    line = middleware.summary()
    if line:
        sys.stderr.write(f"relation-mock: {line}\n")
