"""Response checks added to Schemathesis' own, run on every request it generates.

They use Schemathesis' check signature `(ctx, response, case)` and fail with a `Failure` subclass,
so they appear in its reports like the built-ins. Loaded into the Schemathesis CLI by
`contracts.fuzzing.hooks` (through SCHEMATHESIS_HOOKS); importing this module registers them.

Under `$select`, an unselected field may be `null` or, for a .NET value type, its default (`0`,
`false`, the empty date `0001-01-01T00:00:00`, an enum's first member `Unknown`): the vendor says
"nulled out", and an `int` cannot be null.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import schemathesis
from schemathesis.core.failures import Failure

# How a server fills these under $select is undocumented (see the fact sheet, section 7).
UNJUDGED = frozenset({"tableright", "fieldproperties", "_links", "extrafields", "customfields"})
EMPTY_DATE = "0001-01-01T00:00:00"
ENUM_DEFAULTS = {"type": "Unknown"}


class RelationIdMismatch(Failure):
    """A 200 answer names another relation than the path does."""

    kind_title = "RelationId differs from the path id"


class SelectNotApplied(Failure):
    """With `$select`, a field that was not selected still has a value."""

    kind_title = "$select did not null the unselected fields"


class LastModifiedAfterDate(Failure):
    """RFC 9110 8.8.2.1: an origin server must not send a Last-Modified later than its Date."""

    kind_title = "Last-Modified is later than the answer's Date"


def _entity(response: schemathesis.Response) -> dict[str, Any] | None:
    if response.status_code != 200:
        return None
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip().lower()
    if "json" not in media_type:
        return None
    try:
        body = response.json()
    except Exception:  # not JSON after all: response_schema_conformance reports that
        return None
    return body if isinstance(body, dict) else None


@schemathesis.check
def relation_id_matches_path(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    entity = _entity(response)
    path_id = (case.path_parameters or {}).get("id")
    if entity is None or _emptied("relationid", entity.get("RelationId")) or isinstance(path_id, bool):
        return None  # no RelationId, or one `$select` left out (null, or 0 for a value type)
    try:
        wanted = int(str(path_id))
    except ValueError:
        return None
    if entity["RelationId"] != wanted:
        raise RelationIdMismatch(
            operation=case.operation.label,
            message=f"Expected RelationId {wanted} (the path id), got {entity['RelationId']!r}",
        )
    return None


@schemathesis.check
def select_nulls_unselected(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    raw = (case.query or {}).get("$select")
    entity = _entity(response)
    if not isinstance(raw, str) or entity is None:
        return None
    fields = {key.lower(): key for key in entity}
    whole: set[str] = set()
    members: dict[str, set[str]] = {}
    for item in raw.split(","):
        parent, _, member = (part.strip().lower() for part in item.strip().partition("/"))
        if not parent:
            continue
        if parent not in fields or "/" in member:
            return None  # unknown names: what a server does with them is undocumented
        if member:
            members.setdefault(parent, set()).add(member)
        else:
            whole.add(parent)
    if not whole and not members:
        return None
    wrong = _unselected_values(entity, whole, members)
    if wrong:
        raise SelectNotApplied(
            operation=case.operation.label,
            message=f"With $select={raw!r}, these unselected fields are not null: {', '.join(sorted(wrong))}",
        )
    return None


def _unselected_values(entity: Mapping[str, Any], whole: set[str], members: dict[str, set[str]]) -> list[str]:
    wrong = []
    for key, value in entity.items():
        lowered = key.lower()
        if lowered in UNJUDGED or lowered in whole or _emptied(lowered, value):
            continue
        if lowered in members and isinstance(value, Mapping):
            wrong += [
                f"{key}/{sub}"
                for sub, sub_value in value.items()
                if sub.lower() not in members[lowered]
                and sub.lower() not in UNJUDGED
                and not _emptied(sub.lower(), sub_value)
            ]
        else:
            wrong.append(key)
    return wrong


def _emptied(name: str, value: Any) -> bool:
    """Null, or the default a .NET value type keeps when `$select` leaves it out."""
    if value is None or (isinstance(value, (int, bool)) and not value):
        return True
    if isinstance(value, str):
        return value.rstrip("Z").split(".")[0] == EMPTY_DATE or ENUM_DEFAULTS.get(name) == value
    return False


@schemathesis.check
def last_modified_not_after_date(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    modified, date = _header_date(response, "last-modified"), _header_date(response, "date")
    if modified is not None and date is not None and modified > date:
        raise LastModifiedAfterDate(
            operation=case.operation.label,
            message=f"Expected Last-Modified <= Date, got Last-Modified "
            f"{response.headers['last-modified'][0]} after Date {response.headers['date'][0]}",
        )
    return None


def _header_date(response: schemathesis.Response, name: str) -> datetime | None:
    values = response.headers.get(name) or []
    try:
        moment = parsedate_to_datetime(values[0]) if values else None
    except (TypeError, ValueError, IndexError):
        return None
    return moment.astimezone(UTC) if moment is not None and moment.tzinfo else moment
