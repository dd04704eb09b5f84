"""What the server stamps on a write, judged on its answer: when it was made and by whom.

- a date the server sets (UpdatedDate; a created relation's CreatedDate) is the time of the write:
  not ahead of the answer's `Date` (beyond clock granularity), not more than a minute behind it
  (V: the server sets them);
- an Associate the server sets (UpdatedBy; a created relation's CreatedBy) names the Basic user who
  wrote: Associate.Name is the login name (V).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from mockserver.proxy.exchange import Exchange, Outcome
from mockserver.proxy.findings import RESPONSE, Finding
from mockserver.proxy.values import EMPTY_DATE, instant, second, show

AHEAD = timedelta(seconds=5)  # UpdatedDate may lead the answer's Date by clock granularity only
BACKDATED = timedelta(seconds=60)
NO_DATE_SLACK = timedelta(minutes=5)  # without a Date header the proxy's own clock is the reference


def clock(entity: Mapping[str, Any], outcome: Outcome, name: str) -> list[Finding]:
    """A date the server sets (UpdatedDate, a created relation's CreatedDate) is the time of the write."""
    moment = instant(entity.get(name))
    if moment is None:
        return []
    now = outcome.date or outcome.wall
    where = "the answer's Date" if outcome.date else "the proxy's clock"
    if second(moment) > now + AHEAD:
        return [
            Finding(
                RESPONSE,
                "clock",
                f"body/{name}",
                f"is {entity.get(name)!r}, ahead of {where} {now.isoformat()}",
            )
        ]
    if moment < now - BACKDATED - (timedelta(0) if outcome.date else NO_DATE_SLACK):
        return [
            Finding(
                RESPONSE,
                "clock",
                f"body/{name}",
                f"is {entity.get(name)!r}, more than {BACKDATED.seconds} s before {where} "
                f"{now.isoformat()}: {name} is the time of the write",
            )
        ]
    return []


def written_by(exchange: Exchange, entity: Mapping[str, Any], name: str) -> list[Finding]:
    """An Associate the server sets (UpdatedBy, a created relation's CreatedBy) names the Basic user."""
    user = _basic_user(exchange.headers.get("authorization"))
    who = entity.get(name)
    if not user or not isinstance(who, Mapping):
        return []
    names = {str(who.get(key) or "").lower() for key in ("Name", "UserName")}
    if user.lower() in names:
        return []
    return [
        Finding(
            RESPONSE,
            "updated-by",
            f"body/{name}",
            f"names {show(who.get('Name'))} / {show(who.get('UserName'))}; the write was made by the "
            f"Basic user {user!r} (Associate.Name is the login name)",
        )
    ]


def is_empty_date(value: Any) -> bool:
    moment = instant(value)
    return value in (None, "", EMPTY_DATE) or (moment is not None and moment.year == 1)


def _basic_user(authorization: str | None) -> str | None:
    scheme, _, credential = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic" or not credential.strip():
        return None
    try:
        decoded = base64.b64decode(credential.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, _ = decoded.partition(":")
    return user if colon and user else None
