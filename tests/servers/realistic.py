"""A correct server that answers the way a real SuperOffice tenant might where the mock made other choices.

Every difference is one the vendor's documents or the fact sheet leave open, so the suite must pass
against it (and with nothing to warn about):
- a tenant's records: a relation must reference contacts, persons (of those contacts) and a relation
  definition that exist, else 400; names and texts are read from those records, whatever the body
  says (`Reversed` swaps the definition's active and passive texts);
- ASP.NET Web API's own 404 `{"Message": "No HTTP resource was found that matches the request URI
  '...'."}` for a non-integer id, one outside int32, or an unknown path;
- `$select` leaves value types at their .NET defaults (0, `0001-01-01T00:00:00`), not null;
- XML bodies read as DataContractSerializer reads them: only in its DataContract namespace, and an
  element out of alphabetical order is skipped; XML answers in that namespace under another root;
- a tenant whose Comment column holds 1,000 characters (the mock's 2,000): FieldProperties announces
  it, and a longer Comment in JSON, XML or form data is refused with 400 naming the field;
- dates with seven fractional digits and no offset, TableRight/FieldProperties first and _Links
  last, a null CreatedBy, FieldRight masks named "Update", `_Links` kept under `$select`, no
  Last-Modified on PUT, an HTML 401, no CORS, no `Prefer`, no `/__admin`.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp

from mockserver import Settings, create_app
from tests.servers.asgi import Exchange, Reply, Rewrite, error_reply

DATACONTRACT = "http://schemas.datacontract.org/2004/07/SuperOffice.CRM.Services"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
RELATION_PATH = re.compile(r"/api/v1/Relation/([^/]*)/?")
# A .NET DateTime: seven fractional digits, no offset.
FRACTION = ".1234567"
FIRST = ("TableRight", "FieldProperties")
EMPTY_DATE = "0001-01-01T00:00:00"
INT_FIELDS = frozenset(
    {"SourceContactId", "SourcePersonId", "DestinationContactId", "DestinationPersonId", "RelationId",
     "RelationDefinitionId", "Reversed"}
)  # fmt: skip
DATE_FIELDS = frozenset({"UpdatedDate", "CreatedDate"})
DERIVED = ("SourceContactName", "SourcePersonName", "DestinationContactName", "DestinationPersonName",
           "ActiveText", "PassiveText")  # fmt: skip

# The tenant's records: the seed relations' references (918 and 819) and one more of each.
CONTACTS = {
    381: "Pfannerstill, Romaguera and Smith",
    262: "Brekke, Cronin and Feest",
    380: "Legros-Price",
    95: "Olson, West and Green",
    7: "SuperOffice ASA",
}
PERSONS = {272: (381, "Feil-Kessler"), 492: (262, "Fisher LLC"), 374: (380, "Reynolds-Rolfson"),
           979: (95, "Renner-Gulgowski"), 70: (7, "Tje Olsen")}  # fmt: skip
DEFINITIONS = {47: ("non", "voluptatem"), 77: ("illum", "animi"), 5: ("Supplier of", "Customer of")}
# This tenant's Comment column (UTF-16 code units, as .NET and nvarchar count them).
COMMENT_LENGTH = 1000


def realistic_app(*, with_get: bool = True) -> ASGIApp:
    """`with_get=False`: a server that offers PUT only (GET answers 405), for the restore path."""
    inner = create_app(Settings(quiet=True, cors=False))
    on_request = _request if with_get else _put_only
    return Rewrite(inner, on_request=on_request, on_response=_response)


def no_route(exchange: Exchange) -> Reply:
    """Web API's answer when no route matches the URI."""
    host = exchange.header("host") or "localhost"
    reply = Reply(404, [("content-type", "application/json; charset=utf-8")])
    reply.set_json(
        {
            "Message": f"No HTTP resource was found that matches the request URI 'http://{host}{exchange.path}'."
        }
    )
    return reply


def _put_only(exchange: Exchange) -> Reply | None:
    if exchange.method == "GET" and RELATION_PATH.fullmatch(exchange.path):
        reply = error_reply(
            405, "HttpException", "The requested resource does not support http method 'GET'."
        )
        reply.set_header("allow", "PUT")
        return reply
    return _request(exchange)


def _request(exchange: Exchange) -> Reply | None:
    match = RELATION_PATH.fullmatch(exchange.path)
    if not match or not re.fullmatch(r"-?\d{1,10}", match[1]) or not -(2**31) <= int(match[1]) < 2**31:
        return no_route(exchange)
    exchange.drop_header("prefer")
    exchange.query = [(key, value) for key, value in exchange.query if not key.startswith("__")]
    if "xml" not in (exchange.header("accept") or ""):
        # Names are read from the stored references, then `$select` empties what was not selected.
        exchange.notes["select"] = exchange.param("$select")
        exchange.query = [(key, value) for key, value in exchange.query if key != "$select"]
    if exchange.method != "PUT" or not exchange.body.strip():
        return None
    if exchange.header("authorization") is None and exchange.header("x-xsrf-token") is None:
        return None  # the 401 comes first
    media = (exchange.header("content-type") or "").split(";")[0].strip().lower()
    if "xml" in media:
        if not _in_datacontract_namespace(exchange.body):
            return error_reply(
                400, "SerializationException", f"Expecting element in namespace '{DATACONTRACT}'."
            )
        exchange.body = _datacontract_order(exchange.body)
    data = _read(media, exchange.body)
    references = _references(data) if data is not None else None
    problem = _reference_problem(references) if references is not None else None
    if problem:
        return error_reply(400, "SoException", problem)
    comment = (data or {}).get("comment")
    if isinstance(comment, str) and len(comment.encode("utf-16-le", "surrogatepass")) // 2 > COMMENT_LENGTH:
        return error_reply(
            400, "ValidationException", f"Comment is longer than its {COMMENT_LENGTH} characters."
        )
    return None


def _read(media: str, body: bytes) -> dict[str, Any] | None:
    """A body's properties as the server reads them (names lower-cased); None when it cannot be read."""
    try:
        if "json" in media:
            data = json.loads(body)
        elif "xml" in media:
            root = ET.fromstring(body)
            data = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in root}
        elif "x-www-form-urlencoded" in media:
            data = dict(parse_qsl(body.decode(), keep_blank_values=True))
        else:
            return None
    except (ValueError, ET.ParseError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    return {str(key).lower(): value for key, value in data.items()}


def _references(lowered: dict[str, Any]) -> dict[str, Any] | None:
    """The reference fields of a body; None when one has the wrong type."""
    out: dict[str, Any] = {}
    for name in ("SourceContactId", "SourcePersonId", "DestinationContactId", "DestinationPersonId",
                 "RelationDefinitionId"):  # fmt: skip
        value = lowered.get(name.lower())
        if value is None or (isinstance(value, str) and not value.strip()):
            out[name] = 0
        elif isinstance(value, int) and not isinstance(value, bool):
            out[name] = value
        elif isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            out[name] = int(value)
        else:
            return None  # a value of the wrong type: the mock's own 400 says so
    return out


def _reference_problem(refs: dict[str, int]) -> str | None:
    for side in ("Source", "Destination"):
        contact, person = refs[f"{side}ContactId"], refs[f"{side}PersonId"]
        if contact not in CONTACTS:
            return f"{side}ContactId {contact}: no such contact (the value is mandatory)."
        if person and PERSONS.get(person, (None,))[0] != contact:
            return f"{side}PersonId {person} does not belong to contact {contact}."
    if refs["RelationDefinitionId"] not in DEFINITIONS:
        return f"RelationDefinitionId {refs['RelationDefinitionId']}: no such relation definition."
    return None


def _in_datacontract_namespace(body: bytes) -> bool:
    """DataContractSerializer reads its own namespace only (a body it cannot parse: the mock says so)."""
    try:
        return ET.fromstring(body).tag.startswith(f"{{{DATACONTRACT}}}")
    except ET.ParseError:
        return True


def _datacontract_order(body: bytes) -> bytes:
    """DataContractSerializer reads members in alphabetical order and skips one that comes too late."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return body
    last = ""
    for child in list(root):
        local = child.tag.rsplit("}", 1)[-1]
        if local < last:
            root.remove(child)
        else:
            last = local
    return ET.tostring(root, encoding="utf-8").replace(b"\r", b"&#13;")  # ElementTree writes CR as is


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
    selection = exchange.notes.get("select")
    for name in DATE_FIELDS:
        if isinstance(out.get(name), str):
            out[name] = _dotnet_date(out[name])
    _derive(out)
    out["CreatedBy"] = None
    out["TableRight"] = None
    if isinstance(out.get("FieldProperties"), dict):
        out["FieldProperties"] = {
            name: {**prop, "FieldRight": {"Mask": "Update", "Reason": ""}} if isinstance(prop, dict) else prop
            for name, prop in out["FieldProperties"].items()
        }
        if isinstance(out["FieldProperties"].get("Comment"), dict):
            out["FieldProperties"]["Comment"]["FieldLength"] = COMMENT_LENGTH
    if selection:
        if out.get("RelationId"):
            base = f"https://sod.example.com/Cust12345/api/v1/Relation/{out['RelationId']}/"
            out["_Links"] = {"Self": base, "Archive": "https://sod.example.com/Cust12345/api/v1/Relation/"}
        out = _project(out, selection)
    ordered = {name: out[name] for name in FIRST if name in out}
    ordered.update((name, value) for name, value in out.items() if name not in FIRST and name != "_Links")
    if "_Links" in out:
        ordered["_Links"] = out["_Links"]
    return ordered


def _project(entity: dict[str, Any], raw: str) -> dict[str, Any]:
    """`$select` as .NET does it: unselected reference types null, value types their defaults."""
    whole: set[str] = set()
    members: dict[str, set[str]] = {}
    for item in raw.split(","):
        parent, _, member = (part.strip().lower() for part in item.strip().partition("/"))
        if member:
            members.setdefault(parent, set()).add(member)
        elif parent:
            whole.add(parent)
    out: dict[str, Any] = {}
    for name, value in entity.items():
        lowered = name.lower()
        if lowered in whole or name == "_Links":
            out[name] = value
        elif lowered in members and isinstance(value, dict):
            keep = members[lowered]
            out[name] = {key: item if key.lower() in keep else _unset(item) for key, item in value.items()}
        else:
            out[name] = 0 if name in INT_FIELDS else EMPTY_DATE if name in DATE_FIELDS else None
    return out


def _unset(value: Any) -> Any:
    if isinstance(value, bool):
        return False
    return 0 if isinstance(value, int) else None


def _derive(out: dict[str, Any]) -> None:
    """Names and texts from the tenant's records (a field `$select` nulled stays null)."""
    derived = {
        "SourceContactName": CONTACTS.get(out.get("SourceContactId") or 0, ""),
        "SourcePersonName": PERSONS.get(out.get("SourcePersonId") or 0, (0, ""))[1],
        "DestinationContactName": CONTACTS.get(out.get("DestinationContactId") or 0, ""),
        "DestinationPersonName": PERSONS.get(out.get("DestinationPersonId") or 0, (0, ""))[1],
    }
    active, passive = DEFINITIONS.get(out.get("RelationDefinitionId") or 0, ("", ""))
    if out.get("Reversed"):
        active, passive = passive, active
    derived.update(ActiveText=active, PassiveText=passive)
    for name, value in derived.items():
        if out.get(name) is not None:
            out[name] = value


def _dotnet_date(value: str) -> str:
    head = value.split("+")[0].rstrip("Z").split(".")[0]
    return head + FRACTION if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", head) else value


def _xml(body: bytes) -> bytes:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return body
    values = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in root}
    entity = {name: int(text) if name in INT_FIELDS and text.lstrip("-").isdigit() else text
              for name, text in values.items()}  # fmt: skip
    _derive(entity)
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        element.tag = f"{{{DATACONTRACT}}}{local}"
        if local in DATE_FIELDS and element.text:
            element.text = _dotnet_date(element.text)
    root.tag = f"{{{DATACONTRACT}}}ContactRelationEntityWithLinks"
    for child in root:
        local = child.tag.rsplit("}", 1)[-1]
        if local == "CreatedBy":
            child.clear()
            child.set(f"{{{XSI}}}nil", "true")
        elif local in DERIVED and child.get(f"{{{XSI}}}nil") != "true":
            child.text = entity[local]
    ET.register_namespace("", DATACONTRACT)
    ET.register_namespace("i", XSI)
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)
