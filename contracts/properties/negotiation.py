"""The properties about media types: the same relation in every format the vendor lists.

The vendor's PUT consumes seven media types (JSON, text/json, XML twice, form, and the two patch
types, which carry the entity like JSON on PUT) and produces six. XML bodies are written with their
elements in alphabetical order, the order .NET's DataContractSerializer reads them in; one that
refuses namespace-free XML is tried once more in the namespace of its own XML answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from contracts.catalog import FRAMEWORK
from contracts.properties.client import FORM, Exchange
from contracts.properties.context import SERVER_STAMPS, Context, describe, fail, show, without
from contracts.values import ABSENT, diff_fields, parse_xml, xml_document, xml_matches, xml_namespace

XML_ROOT = "ContactRelationEntity"
TEXT_JSON = "text/json"
PATCH_TYPES = ("application/merge-patch+json", "application/json-patch+json")
# Accept values that match nothing a server produces (the first is what a published SDK sends).
UNMATCHED_ACCEPT = ("aplication/json", "text/html", "image/png")


def negotiation_answer(ctx: Context, drawn: tuple[dict[str, Any], str]) -> None:
    check = "negotiation_answer"
    body, xml_type = drawn
    put, entity = ctx.put(check, body)
    read = ctx.read(check, [put])
    if read is not None:
        reference_step, reference = read
        judged = ctx.shape.judged
        xml = ctx.client.get(ctx.relation_id, accept=xml_type)
    else:
        reference_step, reference = put, entity
        judged = without(ctx.shape.judged, ("UpdatedDate",))
        xml = ctx.client.put_json(ctx.relation_id, body, accept=xml_type)
    if xml.status != 200 or "xml" not in xml.media_type:
        fail(
            check, "Accept: XML was not answered with XML", "200 and an XML content type", reference_step, xml
        )
    try:
        _, values = parse_xml(xml.response.content)
        ctx.xml_namespace = xml_namespace(xml.response.content)
    except Exception as exc:  # defusedxml and ElementTree raise several unrelated types
        fail(
            check,
            "the XML answer does not parse",
            "well-formed XML",
            reference_step,
            xml,
            seen=f"{type(exc).__name__}: {exc}",
        )
    problems = [
        f"{name}: JSON {show(reference.get(name))}, XML {show(values.get(name, '(absent)'))}"
        for name in judged
        if not xml_matches(ctx.shape.kinds[name], reference.get(name), values.get(name, ABSENT), ctx.shape)
    ]
    if problems:
        fail(
            check,
            "the XML answer holds other values than the JSON one",
            "the JSON values",
            reference_step,
            xml,
            seen="; ".join(problems),
        )


def text_json(ctx: Context, body: dict[str, Any]) -> None:
    """text/json is the JSON formatter under another name: the same answer, value for value (and,
    as Web API negotiates it, under `Content-Type: text/json`: checked last, a framework default)."""
    check = "text_json"
    as_json, from_json = ctx.put(check, body)
    as_text = ctx.client.put_json(ctx.relation_id, body, accept=TEXT_JSON)
    other = _json_answer(check, as_json, as_text)
    compared = without(ctx.shape.judged, SERVER_STAMPS)
    _compare(ctx, check, from_json, other, compared, [as_json, as_text])
    answers = [as_text]
    read = ctx.read(check, [as_text])
    if read is not None:
        text_read = ctx.client.get(ctx.relation_id, accept=TEXT_JSON)
        other = _json_answer(check, read[0], text_read)
        _compare(ctx, check, read[1], other, ctx.shape.judged, [read[0], text_read])
        keys = sorted(set(read[1]) ^ set(other))
        if keys:
            fail(
                check,
                "the text/json answer has other properties than the application/json one",
                "the same properties",
                read[0],
                text_read,
                seen=f"differing keys: {keys}",
            )
        answers.append(text_read)
    for exchange in answers:
        if exchange.media_type != TEXT_JSON:
            fail(
                check,
                "Accept: text/json was answered under another Content-Type",
                f"Content-Type: {TEXT_JSON}",
                exchange,
                seen=f"Content-Type: {exchange.media_type}",
                basis=FRAMEWORK,
            )


def _json_answer(check: str, reference: Exchange, exchange: Exchange) -> dict[str, Any]:
    entity = exchange.entity() if exchange.status == 200 else None
    if entity is None:
        fail(
            check,
            "Accept: text/json was not answered 200 with JSON",
            "200 and a JSON object",
            reference,
            exchange,
        )
    return entity


def _compare(
    ctx: Context,
    check: str,
    reference: Mapping[str, Any],
    other: Mapping[str, Any],
    names: tuple[str, ...],
    steps: list[Exchange],
) -> None:
    diffs = diff_fields(ctx.shape, reference, other, names)
    if diffs:
        expected, seen = describe(diffs)
        fail(check, "the text/json answer differs from the application/json one", expected, *steps, seen=seen)


def negotiation_body(ctx: Context, drawn: tuple[dict[str, Any], str]) -> None:
    check = "negotiation_body"
    body, xml_type = drawn
    as_json, from_json = ctx.put(check, body)
    compared = without(ctx.shape.judged, SERVER_STAMPS)
    sends: list[tuple[str, Callable[[], Exchange]]] = [
        (xml_type, lambda: put_xml(ctx, body, xml_type)),
        (FORM, lambda: ctx.client.put_form(ctx.relation_id, body)),
        *(
            (media, lambda media=media: ctx.client.put_json(ctx.relation_id, body, content_type=media))
            for media in PATCH_TYPES
        ),
    ]
    for media_type, send in sends:
        # Back to another state first, so that a body that is ignored cannot pass for one that worked.
        ctx.put(
            check,
            ctx.body(Comment="contracts: before a " + media_type, Reversed=1 - (body.get("Reversed") or 0)),
        )
        exchange = send()
        entity = ctx.expect_entity(check, exchange, f"PUT of a {media_type} body")
        diffs = ctx.settable_diffs(body, entity)
        diffs += [diff for diff in diff_fields(ctx.shape, from_json, entity, compared) if diff not in diffs]
        read = ctx.read(check, [exchange])
        if read is not None:
            diffs += [diff for diff in ctx.settable_diffs(body, read[1]) if diff not in diffs]
        if diffs:
            expected, seen = describe(diffs)
            fail(
                check,
                f"a {media_type} body did not update the fields a JSON body does",
                expected,
                as_json,
                exchange,
                seen=seen,
            )


def put_xml(ctx: Context, body: Mapping[str, Any], xml_type: str) -> Exchange:
    """The spec's XML (no namespace); if refused, once more in the namespace the server answers in
    (a .NET DataContractSerializer reads only its own namespace, and the spec names none)."""
    exchange = ctx.client.put_xml(ctx.relation_id, xml_document(XML_ROOT, body), content_type=xml_type)
    if exchange.status != 200 and ctx.xml_namespace:
        document = xml_document(XML_ROOT, body, namespace=ctx.xml_namespace)
        exchange = ctx.client.put_xml(ctx.relation_id, document, content_type=xml_type)
    return exchange


def accept_fallback(ctx: Context, _: None) -> None:
    """ASP.NET Web API answers an Accept that matches nothing as it would answer no Accept: never 406."""
    check = "accept_fallback"
    body = ctx.body(Comment="contracts: unmatched Accept")
    for accept in UNMATCHED_ACCEPT:
        exchange = ctx.client.put_json(ctx.relation_id, body, accept=accept)
        if exchange.status != 200 or exchange.entity() is None:
            fail(
                check,
                f"a PUT with Accept: {accept} was not answered 200 in JSON",
                "200 and a JSON object (the negotiator falls back to JSON; never 406)",
                exchange,
            )
    if ctx.has_get is not False:
        exchange = ctx.client.get(ctx.relation_id, accept=UNMATCHED_ACCEPT[0])
        if exchange.status != 200 or exchange.entity() is None:
            fail(
                check,
                f"a GET with Accept: {UNMATCHED_ACCEPT[0]} was not answered 200 in JSON",
                "200 and a JSON object",
                exchange,
            )
    xml = xml_document(XML_ROOT, body, namespace=ctx.xml_namespace)  # learnt by negotiation_answer
    exchange = ctx.client.put_xml(ctx.relation_id, xml, accept=UNMATCHED_ACCEPT[2])
    if exchange.status != 200 or not (
        {"json", "xml"} & set(exchange.media_type.replace("+", "/").split("/"))
    ):
        fail(
            check,
            f"an XML PUT with Accept: {UNMATCHED_ACCEPT[2]} was not answered 200",
            "200, in XML (the request's format) or JSON",
            exchange,
        )
