"""The properties about text as real data has it: `field_lengths` and `text_fidelity`.

`field_lengths` reads the lengths the server announces (`FieldProperties.<Field>.FieldLength`, in
UTF-16 code units) from the relation under test, or the spec's when it announces none. For each
field a client sets (`Comment`), text of each common length up to the limit and of exactly the
limit must round-trip in JSON, and at the limit in XML and form bodies too; text one unit longer,
in each of the three, must be refused with 400 and change nothing. The vendor documents FieldLength
but not what a server does past it, so past the limit:
- a 5xx, or a 200 that stores anything but the value sent, is a violation (the vendor's);
- a 200 that stores the first FieldLength units is a violation unless `--documented-truncation`
  says the server documents that cut, and then the PUT answer must show the cut value too;
- a 200 that stores the whole value (more than announced), another 4xx than 400, a 400 outside the
  vendor's error shape or one that does not name the field: warnings (our choice).
Names and texts are read from the referenced records on a real tenant, so they are judged only when
the server stores what it is sent, which is probed only under `--strict` or against the mock.

`text_fidelity` sends named samples (Norwegian, CJK, emoji, combining marks, edge whitespace, line
breaks, XML- and JSON-special characters, a Word soft line break) as JSON, XML and form bodies; each
must be stored exactly as sent. Text XML cannot carry is sent only as JSON and form data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from contracts.catalog import OURS
from contracts.errors import PropertyFailed
from contracts.properties.client import FORM, JSON, XML, Exchange
from contracts.properties.context import Context, fail
from contracts.properties.negotiation import put_xml
from contracts.properties.strategies import DEFAULT_COMMENT_LENGTH
from contracts.properties.texts import (
    LONGEST,
    beyond,
    cut_utf16,
    first_difference,
    ladder,
    samples,
    text_of_length,
    utf16_len,
    xml_safe,
)
from contracts.results import Failure
from contracts.safety.references import DERIVED_FIELDS, FREE_FIELDS, announced_lengths
from contracts.spec import TEXT
from contracts.values import same_value

MEDIA = (JSON, XML, FORM)
_NAMES = {JSON: "JSON", XML: "XML", FORM: "form"}
ERROR_KEYS = ("ErrorType", "ErrorMessage")


def field_lengths(ctx: Context, _: None) -> None:
    check = "field_lengths"
    soft: list[Failure] = []
    read = ctx.read(check)
    entity = read[1] if read is not None else ctx.put(check, ctx.body())[1]
    announced = announced_lengths(entity)
    for name in (name for name in FREE_FIELDS if ctx.shape.kinds.get(name) == TEXT):
        limit = _limit(ctx, name, announced)
        _judge(ctx, name, limit, MEDIA, soft)
    verdicts: dict[str, list[str]] = {}
    for name in DERIVED_FIELDS:
        derived_limit = announced.get(name) or ctx.shape.lengths.get(name)
        if derived_limit and name in ctx.shape.kinds:
            verdict = _judge_derived(ctx, name, derived_limit, soft)
            verdicts.setdefault(verdict, []).append(f"{name} ({derived_limit})")
    ctx.notes += [f"field_lengths: {', '.join(names)}: {verdict}" for verdict, names in verdicts.items()]
    if soft:
        raise PropertyFailed(soft[0])


def text_fidelity(ctx: Context, _: None) -> None:
    check = "text_fidelity"
    limit = ctx.pool.lengths.get("Comment", DEFAULT_COMMENT_LENGTH)
    for label, text in samples(limit):
        for media in MEDIA:
            if media != XML or xml_safe(text):
                _round_trip(ctx, check, "Comment", text, media, f"the {label} sample")
    ctx.put(check, ctx.body(Comment="contracts: text_fidelity"))  # text any format can carry


def _limit(ctx: Context, name: str, announced: Mapping[str, int]) -> int:
    if announced.get(name):
        limit, origin = announced[name], "FieldProperties"
    elif ctx.shape.lengths.get(name):
        limit, origin = ctx.shape.lengths[name], "the spec: the server announces no FieldLength for it"
    else:
        limit, origin = DEFAULT_COMMENT_LENGTH, "a default: neither the server nor the spec gives one"
    judged = f"up to {LONGEST} (longer values are not sent)" if limit > LONGEST else "at"
    ctx.notes.append(f"field_lengths: {name} judged {judged} {limit} UTF-16 units, from {origin}")
    return limit


def _judge(ctx: Context, name: str, limit: int, media: tuple[str, ...], soft: list[Failure]) -> None:
    """Every common length up to the limit and the limit round-trip; one unit more is refused."""
    check = "field_lengths"
    for length in ladder(limit) if len(media) > 1 else (min(limit, LONGEST),):
        _round_trip(ctx, check, name, text_of_length(length), JSON, _units(length))
    exact = text_of_length(min(limit, LONGEST))
    for other in media[1:]:
        _round_trip(ctx, check, name, exact, other, _units(utf16_len(exact)))
    if limit < LONGEST:
        for each in media:
            _past_limit(ctx, name, limit, each, soft)


def _judge_derived(ctx: Context, name: str, limit: int, soft: list[Failure]) -> str:
    """A derived name is judged like Comment (JSON only) if the server stores it as sent; the verdict
    for the report."""
    if not (ctx.options.embedded or ctx.options.strict):
        return (
            "not applicable: read from the referenced records, not set by a client "
            "(--strict probes whether the server stores them as sent)"
        )
    check = "field_lengths"
    probe = text_of_length(min(limit, 50))
    ctx.observing = False  # answers that carry a sent name say nothing about derived consistency
    try:
        _, entity = ctx.put(check, ctx.body(**{name: probe}))
        if not same_value(TEXT, entity.get(name), probe):
            return "not applicable: the server derives them (a value sent is not stored)"
        _judge(ctx, name, limit, (JSON,), soft)
        return "judged: the server stores them as sent"
    finally:
        ctx.client.put_json(ctx.relation_id, ctx.body())  # back to no names sent
        ctx.observing = True


def _units(count: int) -> str:
    return f"text of {count} unit" + ("" if count == 1 else "s")


def _send(ctx: Context, media: str, body: Mapping[str, Any]) -> Exchange:
    if media == JSON:
        return ctx.client.put_json(ctx.relation_id, body)
    if media == FORM:
        return ctx.client.put_form(ctx.relation_id, body)
    return put_xml(ctx, body, media)


def _round_trip(ctx: Context, check: str, name: str, text: str, media: str, label: str) -> None:
    """PUT `text` into `name` as `media`: 200, and the answer and a later GET hold exactly it."""
    put = _send(ctx, media, ctx.body(**{name: text}))
    what = f"PUT of a {_NAMES[media]} body with {name} as {label}"
    entity = ctx.expect_entity(check, put, what)
    steps = [put]
    stored = entity.get(name)
    where = "the PUT answer"
    if same_value(TEXT, stored, text):
        read = ctx.read(check, steps)
        if read is not None:
            steps.append(read[0])
            stored, where = read[1].get(name), "a later GET"
    if not same_value(TEXT, stored, text):
        fail(
            check,
            f"{name} as {label} in a {_NAMES[media]} body did not come back as sent ({where})",
            f"{name} stored exactly as sent ({utf16_len(text)} UTF-16 units)",
            *steps,
            seen=f"{where} differs {first_difference(text, stored)}",
        )


def _past_limit(ctx: Context, name: str, limit: int, media: str, soft: list[Failure]) -> None:
    """One unit past the limit: 400 and nothing changed, or (if documented) the first `limit` units."""
    check = "field_lengths"
    known = text_of_length(min(limit, 50))
    before, _ = ctx.put(check, ctx.body(**{name: known}))
    sent = beyond(limit)
    put = _send(ctx, media, ctx.body(**{name: sent}))
    steps = [before, put]
    what = f"a {_NAMES[media]} body with {name} of {limit + 1} units (FieldLength {limit})"
    expected = f"400 naming {name}" + (
        f", or its first {limit} units stored and shown in the answer"
        if ctx.options.documented_truncation
        else " (a cut to FieldLength is accepted only with --documented-truncation)"
    )
    if put.status >= 500:
        fail(check, f"{what} gave a server error", expected, *steps)
    read = ctx.read(check, steps)
    if read is not None:
        steps.append(read[0])
    if 200 <= put.status < 300:
        answered = (put.entity() or {}).get(name)
        stored = read[1].get(name) if read is not None else answered
        cut = cut_utf16(sent, limit)
        if ctx.options.documented_truncation and stored == cut and answered == cut:
            return
        if stored == sent and answered == sent:
            title = f"{what} was stored whole: FieldLength understates the field"
            _defer(soft, check, title, expected, steps, f"{put.status}; stored all {limit + 1} units")
            return
        title = (
            "answered with another value than it stored"
            if stored == sent
            else "silently cut to FieldLength"
            if stored == cut
            else "stored changed"
        )
        fail(
            check,
            f"{what} was answered {put.status} and {title}",
            expected,
            *steps,
            seen=f"{put.status}; stored {first_difference(sent, stored)}; answered "
            + ("as stored" if answered == stored else first_difference(sent, answered)),
        )
    if not 400 <= put.status < 500:
        fail(check, f"{what} was answered {put.status}", expected, *steps)
    if read is not None and not same_value(TEXT, read[1].get(name), known):
        fail(
            check,
            f"{what} was refused with {put.status} but changed {name}",
            f"{name} unchanged",
            *steps,
            seen=f"{name} {first_difference(known, read[1].get(name))}",
        )
    problem = _refusal_problem(put, name)
    if problem:
        _defer(soft, check, f"{what} was refused, but {problem}", expected, steps, put.brief())


def _refusal_problem(put: Exchange, name: str) -> str | None:
    if put.status != 400:
        return f"with {put.status}, not 400"
    body = put.json()
    if not isinstance(body, dict) or not all(isinstance(body.get(key), str) for key in ERROR_KEYS):
        return "not in the vendor's error shape (Error, ErrorType, ErrorMessage, ErrorSource)"
    if name.lower() not in json.dumps(body, ensure_ascii=False).lower():
        return f"the error does not name {name}"
    return None


def _defer(
    soft: list[Failure], check: str, title: str, expected: str, steps: list[Exchange], seen: str
) -> None:
    """A finding of our choice: kept, and reported only if no documented promise breaks later."""
    try:
        fail(check, title, expected, *steps, seen=seen, basis=OURS)
    except PropertyFailed as exc:
        soft.append(exc.failure)
