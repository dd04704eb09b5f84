"""A correct server that answers the way a real SuperOffice might where the mock made other choices.

Every difference is one the spec or the fact sheet leaves open, so the suite must pass against it:
dates with seven fractional digits and no offset, 404 (not 400) for a non-integer id, XML in the
DataContract namespace under another root name, TableRight/FieldProperties first and _Links last,
`null` carriers, FieldRight masks named "Update", `_Links` kept under `$select`, no Last-Modified on
PUT, an HTML 401, no CORS, no `Prefer`, no `/__admin`. Unknown ids are created (the mock does too).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from starlette.types import ASGIApp

from mockserver import Settings, create_app
from tests.servers.asgi import Exchange, Reply, Rewrite, error_reply

DATACONTRACT = "http://schemas.datacontract.org/2004/07/SuperOffice.CRM.Services"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
RELATION_PATH = re.compile(r"/api/v1/Relation/([^/]*)")
# A .NET DateTime: seven fractional digits, no offset.
FRACTION = ".1234567"
FIRST = ("TableRight", "FieldProperties")


def realistic_app(*, with_get: bool = True) -> ASGIApp:
    """`with_get=False`: a server that offers PUT only (GET answers 405), for the restore path."""
    inner = create_app(Settings(quiet=True, cors=False))
    on_request = _request if with_get else _put_only
    return Rewrite(inner, on_request=on_request, on_response=_response)


def _put_only(exchange: Exchange) -> Reply | None:
    if exchange.method == "GET" and RELATION_PATH.fullmatch(exchange.path):
        reply = error_reply(
            405, "HttpException", "The requested resource does not support http method 'GET'."
        )
        reply.set_header("allow", "PUT")
        return reply
    return _request(exchange)


def _request(exchange: Exchange) -> Reply | None:
    if exchange.path.startswith("/__admin"):
        return error_reply(404, "HttpException", "Not Found")
    match = RELATION_PATH.fullmatch(exchange.path)
    if match and not re.fullmatch(r"-?\d+", match[1]):
        return error_reply(404, "HttpException", "No HTTP resource was found that matches the request URI")
    exchange.drop_header("prefer")
    exchange.query = [(key, value) for key, value in exchange.query if not key.startswith("__")]
    return None


def _response(exchange: Exchange, reply: Reply) -> Reply:
    if reply.status == 401:
        html = Reply(
            401, [("content-type", "text/html; charset=utf-8")], b"<html><body>401 Unauthorized</body></html>"
        )
        html.set_header("www-authenticate", reply.header("www-authenticate") or "Basic")
        return html
    if exchange.method == "PUT":
        reply.drop_header("last-modified")
    if reply.status != 200:
        return reply
    if "json" in reply.media_type:
        entity = reply.json()
        if isinstance(entity, dict) and "RelationId" in entity:
            reply.set_json(_entity(entity, exchange))
    elif "xml" in reply.media_type:
        reply.body = _xml(reply.body)
    return reply


def _entity(entity: dict[str, Any], exchange: Exchange) -> dict[str, Any]:
    out = dict(entity)
    for name in ("UpdatedDate", "CreatedDate"):
        if isinstance(out.get(name), str):
            out[name] = _dotnet_date(out[name])
    out["UpdatedBy"] = None
    out["TableRight"] = None
    if isinstance(out.get("FieldProperties"), dict):
        out["FieldProperties"] = {
            name: {**prop, "FieldRight": {"Mask": "Update", "Reason": ""}} if isinstance(prop, dict) else prop
            for name, prop in out["FieldProperties"].items()
        }
    if exchange.param("$select") is not None and out.get("RelationId") is not None:
        base = f"https://sod.example.com/Cust12345/api/v1/Relation/{out['RelationId']}/"
        out["_Links"] = {"Self": base, "Archive": "https://sod.example.com/Cust12345/api/v1/Relation/"}
    ordered = {name: out[name] for name in FIRST if name in out}
    ordered.update((name, value) for name, value in out.items() if name not in FIRST and name != "_Links")
    if "_Links" in out:
        ordered["_Links"] = out["_Links"]
    return ordered


def _dotnet_date(value: str) -> str:
    head = value.split("+")[0].rstrip("Z").split(".")[0]
    return head + FRACTION if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", head) else value


def _xml(body: bytes) -> bytes:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return body
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        element.tag = f"{{{DATACONTRACT}}}{local}"
        if local in ("UpdatedDate", "CreatedDate") and element.text:
            element.text = _dotnet_date(element.text)
    root.tag = f"{{{DATACONTRACT}}}ContactRelationEntityWithLinks"
    for child in root:
        if child.tag.endswith("}UpdatedBy"):
            child.clear()
            child.set(f"{{{XSI}}}nil", "true")
    ET.register_namespace("", DATACONTRACT)
    ET.register_namespace("i", XSI)
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)
