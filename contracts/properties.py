"""Hypothesis properties: the promises of the spec that no schema can express, one named check each.

Each property draws its inputs, talks to the server through `RelationClient`, and raises
`PropertyFailed` with expected-against-seen and the curl steps that reproduce what it saw. They
only use what the spec promises (PUT, GET where it exists, `$select`, `If-Unmodified-Since`, the
documented media types), so they judge a real SuperOffice as fairly as the mock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from contracts.client import FORM, JSON, Exchange, RelationClient
from contracts.errors import PropertyFailed
from contracts.results import Failure
from contracts.spec import CARRIER, INT, UNDOCUMENTED, EntityShape
from contracts.values import (
    ABSENT,
    diff_fields,
    http_date,
    parse_http_date,
    parse_instant,
    parse_xml,
    same_instant,
    same_value,
    xml_document,
    xml_matches,
    xml_namespace,
)

XML_ROOT = "ContactRelationEntity"
SERVER_STAMPS = ("UpdatedDate", "UpdatedBy")
# A GET answered with one of these means the server offers no GET for the relation.
NO_GET = frozenset({404, 405, 501})


@dataclass(slots=True)
class Context:
    """What the properties share: the client, the entity's shape, and what was learnt of the server."""

    client: RelationClient
    shape: EntityShape
    relation_id: int
    # None until learnt: a GET that found nothing before the first write is asked again after it.
    has_get: bool | None
    # The relation as a GET found it before the run, and the first PUT answer (the record to
    # restore from when the server has no GET).
    snapshot: dict[str, Any] | None = None
    first_answer: dict[str, Any] | None = None
    # The namespace of the server's XML answers, if any (learnt by negotiation_answer).
    xml_namespace: str | None = None

    def put(self, check: str, body: Mapping[str, Any], **kwargs: Any) -> tuple[Exchange, dict[str, Any]]:
        """PUT a JSON body and insist on a 200 with a JSON object."""
        exchange = self.client.put_json(self.relation_id, body, **kwargs)
        entity = self.expect_entity(check, exchange, "PUT of a valid body")
        if self.has_get is None:
            self.has_get = self.client.get(self.relation_id).status == 200
        return exchange, entity

    def get(self, check: str, **kwargs: Any) -> tuple[Exchange, dict[str, Any]]:
        exchange = self.client.get(self.relation_id, **kwargs)
        return exchange, self.expect_entity(check, exchange, "GET of the relation just written")

    def expect_entity(self, check: str, exchange: Exchange, what: str) -> dict[str, Any]:
        entity = exchange.entity() if exchange.status == 200 else None
        if entity is None:
            fail(check, f"{what} was not answered 200 with a JSON object", "200 and a JSON object", exchange)
        if self.first_answer is None and exchange.method == "PUT":
            self.first_answer = entity
        return entity


def fail(
    check: str, title: str, expected: str, *steps: Exchange, seen: str | None = None, operation: str = ""
) -> NoReturn:
    """Raise the violation; the last exchange is what was seen unless `seen` says otherwise."""
    last = steps[-1]
    curl = "\n".join(step.curl for step in steps)
    raise PropertyFailed(
        Failure(
            check=check,
            title=title,
            expected=expected,
            seen=seen if seen is not None else last.brief(),
            curl=curl,
            operation=operation or f"{last.method} /api/v1/Relation/{{id}}",
        )
    )


def _describe(diffs: Iterable[tuple[str, Any, Any]]) -> tuple[str, str]:
    diffs = list(diffs)
    expected = ", ".join(f"{name}={_show(want)}" for name, want, _ in diffs)
    seen = ", ".join(f"{name}={_show(got)}" for name, _, got in diffs)
    return expected, seen


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:120]


def _without(names: Iterable[str], dropped: Iterable[str]) -> tuple[str, ...]:
    drop = set(dropped)
    return tuple(name for name in names if name not in drop)


# --- the properties --------------------------------------------------------------------------------


def round_trip(ctx: Context, body: dict[str, Any]) -> None:
    check = "round_trip"
    exchange, entity = ctx.put(check, body)
    if not same_value(INT, entity.get("RelationId"), ctx.relation_id):
        fail(
            check,
            "RelationId is not the path id",
            f"RelationId={ctx.relation_id}",
            exchange,
            seen=f"RelationId={_show(entity.get('RelationId'))} (body said {body.get('RelationId')})",
        )
    diffs = diff_fields(ctx.shape, body, entity, ctx.shape.writable)
    if diffs:
        expected, seen = _describe(diffs)
        fail(check, "the answer does not carry the fields sent", expected, exchange, seen=seen)


def persistence(ctx: Context, drawn: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check = "persistence"
    first, second = drawn
    put1, entity1 = ctx.put(check, first)
    steps = [put1]
    if ctx.has_get:
        _expect_stored(ctx, check, first, entity1, steps, "GET after a PUT does not show the write")
    put2, entity2 = ctx.put(check, second)
    steps.append(put2)
    before, after = parse_instant(entity1.get("UpdatedDate")), parse_instant(entity2.get("UpdatedDate"))
    if before is not None and after is not None and after < before - timedelta(seconds=1):
        fail(
            check,
            "UpdatedDate moved backwards after a later write",
            f"UpdatedDate >= {before.isoformat()}",
            *steps,
            seen=f"UpdatedDate={entity2.get('UpdatedDate')}",
        )
    if ctx.has_get:
        _expect_stored(ctx, check, second, entity2, steps, "GET after a second PUT does not show it")


def _expect_stored(
    ctx: Context,
    check: str,
    body: Mapping[str, Any],
    written: Mapping[str, Any],
    steps: list[Exchange],
    title: str,
) -> None:
    read, stored = ctx.get(check)
    steps.append(read)
    diffs = diff_fields(ctx.shape, body, stored, ctx.shape.writable)
    if not same_value(INT, stored.get("RelationId"), ctx.relation_id):
        diffs.append(("RelationId", ctx.relation_id, stored.get("RelationId")))
    if not same_instant(written.get("UpdatedDate"), stored.get("UpdatedDate")):
        diffs.append(("UpdatedDate", written.get("UpdatedDate"), stored.get("UpdatedDate")))
    if diffs:
        expected, seen = _describe(diffs)
        fail(check, title, expected, *steps, seen=seen)


def idempotence(ctx: Context, body: dict[str, Any]) -> None:
    check = "idempotence"
    put1, entity1 = ctx.put(check, body)
    put2, entity2 = ctx.put(check, body)
    missing = sorted(set(entity1) ^ set(entity2))
    diffs = diff_fields(ctx.shape, entity1, entity2, _without(ctx.shape.judged, SERVER_STAMPS))
    if missing or diffs:
        expected, seen = _describe(diffs)
        if missing:
            expected, seen = f"{expected} same keys".strip(), f"{seen} keys differ: {missing}".strip()
        fail(check, "the same PUT twice gave different relations", expected, put1, put2, seen=seen)


def select(ctx: Context, drawn: tuple[dict[str, Any], list[str]]) -> None:
    check = "select"
    body, names = drawn
    raw = ",".join(names)
    full_put, full = ctx.put(check, body)
    picked_put, picked = ctx.put(check, body, select=raw)
    _judge_selection(ctx, check, names, full, picked, [full_put, picked_put], same_write=False)
    if ctx.has_get:
        full_get, full = ctx.get(check)
        picked_get, picked = ctx.get(check, select=raw)
        _judge_selection(ctx, check, names, full, picked, [full_get, picked_get], same_write=True)


def _judge_selection(
    ctx: Context,
    check: str,
    names: list[str],
    full: Mapping[str, Any],
    picked: Mapping[str, Any],
    steps: list[Exchange],
    *,
    same_write: bool,
) -> None:
    shape = ctx.shape
    whole: set[str] = set()
    members: dict[str, set[str]] = {}
    for name in names:
        parent, _, member = name.partition("/")
        canonical = shape.canonical(parent)
        if canonical is None:
            continue
        if member:
            members.setdefault(canonical, set()).add(member.lower())
        else:
            whole.add(canonical)
    problems: list[str] = []
    dropped = [key for key in full if key not in UNDOCUMENTED and key not in picked]
    if dropped:
        problems.append(f"keys dropped instead of nulled: {dropped}")
    for name in shape.judged:
        kind, want, got = shape.kinds[name], full.get(name), picked.get(name)
        if name in whole:
            if name == "UpdatedDate" and not same_write:
                if want is not None and got is None:
                    problems.append(f"{name}: selected but null")
            elif not same_value(kind, want, got, shape):
                problems.append(f"{name}: selected, expected {_show(want)}, seen {_show(got)}")
        elif name in members and kind == CARRIER:
            problems += _judge_members(shape, name, members[name], want, got)
        elif got is not None:
            problems.append(f"{name}: not selected, expected null, seen {_show(got)}")
    if problems:
        fail(
            check,
            f"$select={','.join(names)} answered wrongly",
            "selected values as unfiltered, others null",
            *steps,
            seen="; ".join(problems),
        )


def _judge_members(shape: EntityShape, name: str, keep: set[str], want: Any, got: Any) -> list[str]:
    if not isinstance(want, Mapping) or not want:
        return [] if got is None or got == {} else [f"{name}: unfiltered is null, selected is {_show(got)}"]
    if not isinstance(got, Mapping):
        return [f"{name}: members {sorted(keep)} selected, carrier seen as {_show(got)}"]
    problems = []
    for member, kind in shape.carrier_kinds.items():
        if member in UNDOCUMENTED:
            continue
        if member.lower() in keep:
            if not same_value(kind, want.get(member), got.get(member), shape):
                problems.append(
                    f"{name}/{member}: expected {_show(want.get(member))}, seen {_show(got.get(member))}"
                )
        elif got.get(member) is not None:
            problems.append(f"{name}/{member}: not selected, expected null, seen {_show(got.get(member))}")
    return problems


def concurrency(ctx: Context, drawn: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check = "concurrency"
    first, second = drawn
    put1, entity1 = ctx.put(check, first)
    changed = _last_change(put1, entity1)
    if changed is None:
        fail(
            check,
            "no UpdatedDate or Last-Modified to compare If-Unmodified-Since with",
            "an UpdatedDate (or Last-Modified) on the PUT answer",
            put1,
        )
    stale = ctx.client.put_json(
        ctx.relation_id, second, headers={"If-Unmodified-Since": http_date(changed - timedelta(days=2))}
    )
    if stale.status != 412:
        fail(check, "a stale If-Unmodified-Since was not refused", "412", put1, stale)
    if ctx.has_get:
        read, stored = ctx.get(check)
        diffs = diff_fields(ctx.shape, first, stored, ctx.shape.writable)
        if not same_instant(entity1.get("UpdatedDate"), stored.get("UpdatedDate")):
            diffs.append(("UpdatedDate", entity1.get("UpdatedDate"), stored.get("UpdatedDate")))
        if diffs:
            expected, seen = _describe(diffs)
            fail(check, "a PUT refused with 412 changed the relation", expected, put1, stale, read, seen=seen)
    # The server's own Last-Modified must satisfy its precondition (RFC 9110); without one, a
    # second past UpdatedDate is fresh whether or not the server truncates to whole seconds.
    fresh_value = put1.response.headers.get("last-modified") or http_date(changed + timedelta(seconds=1))
    fresh = ctx.client.put_json(ctx.relation_id, second, headers={"If-Unmodified-Since": fresh_value})
    entity2 = fresh.entity() if fresh.status == 200 else None
    if entity2 is None:
        fail(check, "a fresh If-Unmodified-Since was refused", "200", put1, fresh)
    after = _last_change(fresh, entity2) or changed
    future = ctx.client.put_json(
        ctx.relation_id, first, headers={"If-Unmodified-Since": http_date(after + timedelta(days=1))}
    )
    if future.status != 200:
        fail(check, "a future If-Unmodified-Since was refused", "200", fresh, future)


def _last_change(exchange: Exchange, entity: Mapping[str, Any]) -> datetime | None:
    return parse_instant(entity.get("UpdatedDate")) or parse_http_date(
        exchange.response.headers.get("last-modified")
    )


def missing_body(ctx: Context, _: None) -> None:
    check = "missing_body"
    exchange = ctx.client.send("PUT", ctx.relation_id, body=b"", content_type=JSON)
    if exchange.status != 400:
        fail(check, "a PUT without a body was not refused with 400", "400", exchange)


def auth_required(ctx: Context, _: None) -> None:
    check = "auth_required"
    known = ctx.snapshot or ctx.first_answer
    body = _writable(ctx, known) if known else {"RelationId": ctx.relation_id}
    payload = json.dumps(body, ensure_ascii=False).encode()
    put = ctx.client.send("PUT", ctx.relation_id, body=payload, content_type=JSON, credentials=False)
    if put.status != 401:
        fail(check, "a PUT without credentials was not refused with 401", "401", put)
    if ctx.has_get:
        read = ctx.client.get(ctx.relation_id, credentials=False)
        if read.status != 401:
            fail(check, "a GET without credentials was not refused with 401", "401", read)


def negotiation_answer(ctx: Context, drawn: tuple[dict[str, Any], str]) -> None:
    check = "negotiation_answer"
    body, xml_type = drawn
    put, entity = ctx.put(check, body)
    judged = ctx.shape.judged
    if ctx.has_get:
        reference_step, reference = ctx.get(check)
        xml = ctx.client.get(ctx.relation_id, accept=xml_type)
        text_json = ctx.client.get(ctx.relation_id, accept="text/json")
    else:
        reference_step, reference = put, entity
        judged = _without(judged, ("UpdatedDate",))
        xml = ctx.client.put_json(ctx.relation_id, body, accept=xml_type)
        text_json = ctx.client.put_json(ctx.relation_id, body, accept="text/json")
    _judge_xml(ctx, check, reference, xml, judged, [reference_step, xml])
    other = text_json.entity() if text_json.status == 200 and "json" in text_json.media_type else None
    if other is None:
        fail(check, "Accept: text/json was not answered with JSON", "200 and a JSON object", text_json)
    diffs = diff_fields(ctx.shape, reference, other, judged)
    if diffs:
        expected, seen = _describe(diffs)
        fail(
            check,
            "the text/json answer differs from the application/json one",
            expected,
            reference_step,
            text_json,
            seen=seen,
        )


def _judge_xml(
    ctx: Context,
    check: str,
    reference: Mapping[str, Any],
    xml: Exchange,
    judged: tuple[str, ...],
    steps: list[Exchange],
) -> None:
    if xml.status != 200 or "xml" not in xml.media_type:
        fail(check, "Accept: XML was not answered with XML", "200 and an XML content type", *steps)
    try:
        _, values = parse_xml(xml.response.content)
        ctx.xml_namespace = xml_namespace(xml.response.content)
    except Exception as exc:  # defusedxml and ElementTree raise several unrelated types
        fail(
            check,
            "the XML answer does not parse",
            "well-formed XML",
            *steps,
            seen=f"{type(exc).__name__}: {exc}",
        )
    problems = [
        f"{name}: JSON {_show(reference.get(name))}, XML {_show(values.get(name, '(absent)'))}"
        for name in judged
        if not xml_matches(ctx.shape.kinds[name], reference.get(name), values.get(name, ABSENT), ctx.shape)
    ]
    if problems:
        fail(
            check,
            "the XML answer holds other values than the JSON one",
            "the JSON values",
            *steps,
            seen="; ".join(problems),
        )


def negotiation_body(ctx: Context, drawn: tuple[dict[str, Any], str]) -> None:
    check = "negotiation_body"
    body, xml_type = drawn
    as_json, from_json = ctx.put(check, body)
    compared = _without(ctx.shape.judged, SERVER_STAMPS)
    sends: list[tuple[str, Callable[[], Exchange]]] = [
        (xml_type, lambda: _put_xml(ctx, body, xml_type)),
        (FORM, lambda: ctx.client.put_form(ctx.relation_id, body)),
    ]
    for media_type, send in sends:
        exchange = send()
        entity = ctx.expect_entity(check, exchange, f"PUT of a {media_type} body")
        diffs = diff_fields(ctx.shape, body, entity, ctx.shape.writable)
        diffs += [
            diff
            for diff in diff_fields(ctx.shape, from_json, entity, compared)
            if diff[0] not in ctx.shape.writable
        ]
        if diffs:
            expected, seen = _describe(diffs)
            fail(
                check,
                f"a {media_type} body did not update the fields a JSON body does",
                expected,
                as_json,
                exchange,
                seen=seen,
            )


def _put_xml(ctx: Context, body: Mapping[str, Any], xml_type: str) -> Exchange:
    """The spec's XML (no namespace); if refused, once more in the namespace the server answers in
    (a .NET DataContractSerializer reads only its own namespace, and the spec names none)."""
    exchange = ctx.client.put_xml(ctx.relation_id, xml_document(XML_ROOT, body), content_type=xml_type)
    if exchange.status != 200 and ctx.xml_namespace:
        document = xml_document(XML_ROOT, body, namespace=ctx.xml_namespace)
        exchange = ctx.client.put_xml(ctx.relation_id, document, content_type=xml_type)
    return exchange


def _writable(ctx: Context, entity: Mapping[str, Any]) -> dict[str, Any]:
    return {name: entity.get(name) for name in ctx.shape.writable} | {"RelationId": ctx.relation_id}
