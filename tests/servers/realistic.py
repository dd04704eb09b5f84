"""A correct server that answers the way a real SuperOffice tenant might where the mock made other choices.

Every difference is one the vendor's documents or the fact sheet leave open, so the suite must pass
against it (and with nothing to warn about):
- a tenant's records (`realistic_tenant`): a relation must reference contacts, persons (of those
  contacts) and a relation definition that exist, else 400; names and texts are read from those
  records, whatever the body says (`Reversed` swaps the definition's active and passive texts);
- ASP.NET Web API's own 404 `{"Message": "No HTTP resource was found that matches the request URI
  '...'."}` for a non-integer id, one outside int32, or an unknown path;
- `$select` leaves value types at their .NET defaults (0, `0001-01-01T00:00:00`), not null;
- XML bodies read as DataContractSerializer reads them: only in its DataContract namespace, and an
  element out of alphabetical order is skipped; XML answers in that namespace under another root;
- a tenant whose Comment column holds 1,000 characters (the mock's 2,000): FieldProperties announces
  it, and a longer Comment in JSON, XML or form data is refused with 400 naming the field;
- dates with seven fractional digits and no offset, TableRight/FieldProperties first and _Links
  last, a null CreatedBy, FieldRight masks named "Update", `_Links` kept under `$select`, no
  Last-Modified on PUT, POST or PATCH, an HTML 401, no CORS, no `Prefer`, no `/__admin`;
- POST, PATCH, DELETE and GET /default in their open corners (`realistic_resource`): ids with gaps,
  404 for DELETE of an unknown id, the tenant's own error messages, a pre-filled default.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from starlette.types import ASGIApp

from mockserver import Settings, create_app
from tests.servers.asgi import Exchange, Reply, Rewrite, error_reply
from tests.servers.realistic_resource import (
    COLLECTION_PATH,
    DEFAULT_PATH,
    Resource,
    default_entity,
    default_xml,
    item_id,
)
from tests.servers.realistic_tenant import (
    COMMENT_LENGTH,
    CONTACTS,
    DATACONTRACT,
    DEFINITIONS,
    PERSONS,
    read_body,
    reference_problem,
    references,
    render,
    render_xml,
    too_long,
)


def _tenant_records() -> Path:
    """A fixtures file with the tenant's contacts, persons and definitions (`realistic_tenant`),
    which the mock behind it checks a relation's references against; relations stay the spec's."""
    fixtures = {
        "Contact": [{"ContactId": rid, "Name": name} for rid, name in CONTACTS.items()],
        "Person": [
            {"PersonId": rid, "Lastname": name, "Contact": {"ContactId": contact}}
            for rid, (contact, name) in PERSONS.items()
        ],
        "RelationDefinition": [
            {"ReldefId": rid, "Name": name, "PassiveText": passive}
            for rid, (name, passive) in DEFINITIONS.items()
        ],
    }
    path = Path(tempfile.gettempdir()) / f"realistic-tenant-{os.getpid()}.json"
    path.write_text(json.dumps(fixtures), encoding="utf-8")
    return path


# The resources a relation points to: a tenant has them; the mock answers them as the spec has them.
OTHER_RESOURCE = re.compile(r"/api/v1/(Contact|Person|RelationDefinition)(/[^/]*)?/?", re.IGNORECASE)


def realistic_app(*, with_get: bool = True, resource: Resource | None = None) -> ASGIApp:
    """`with_get=False`: a server that offers PUT only (GET answers 405), for the restore path.
    `resource`: the tenant's state beyond the mock's, for a test that wants to look at it."""
    inner = create_app(Settings(quiet=True, cors=False, fixtures_file=_tenant_records()))
    resource = resource or Resource()

    def on_request(exchange: Exchange) -> Reply | None:
        if OTHER_RESOURCE.fullmatch(exchange.path):
            exchange.notes["other"] = True  # a tenant's contacts, persons, definitions: as the mock has them
            return None
        return _request(exchange, resource) if with_get else _put_only(exchange, resource)

    def on_response(exchange: Exchange, reply: Reply) -> Reply:
        if exchange.notes.get("other"):
            return reply
        return _response(exchange, resource.response(exchange, reply))

    return Rewrite(
        inner, on_request=on_request, on_response=on_response, then=resource.then, before=resource.before
    )


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


def _put_only(exchange: Exchange, resource: Resource) -> Reply | None:
    if exchange.method == "GET" and item_id(exchange.path) is not None:
        reply = error_reply(
            405, "HttpException", "The requested resource does not support http method 'GET'."
        )
        reply.set_header("allow", "PUT")
        return reply
    return _request(exchange, resource)


def _request(exchange: Exchange, resource: Resource) -> Reply | None:
    collection = COLLECTION_PATH.fullmatch(exchange.path) is not None
    if not collection and not DEFAULT_PATH.fullmatch(exchange.path) and item_id(exchange.path) is None:
        return no_route(exchange)
    exchange.drop_header("prefer")
    exchange.query = [(key, value) for key, value in exchange.query if not key.startswith("__")]
    if "xml" not in (exchange.header("accept") or ""):
        # Names are read from the stored references, then `$select` empties what was not selected.
        exchange.notes["select"] = exchange.param("$select")
        exchange.query = [(key, value) for key, value in exchange.query if key != "$select"]
    if exchange.method in ("PATCH", "DELETE"):
        return resource.request(exchange)
    if exchange.method != ("POST" if collection else "PUT") or not exchange.body.strip():
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
    data = read_body(media, exchange.body)
    refs = references(data) if data is not None else None
    problem = reference_problem(refs) if refs is not None else None
    if problem:
        return error_reply(400, "SoException", problem)
    if too_long((data or {}).get("comment")):
        return error_reply(
            400, "ValidationException", f"Comment is longer than its {COMMENT_LENGTH} characters."
        )
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
    if exchange.method in ("PUT", "POST", "PATCH"):  # the vendor documents Last-Modified on GET only
        reply.drop_header("last-modified")
    if reply.status != 200:
        return reply
    default = exchange.method == "GET" and DEFAULT_PATH.fullmatch(exchange.path) is not None
    if "json" in reply.media_type:
        entity = reply.json()
        if isinstance(entity, dict) and "RelationId" in entity:
            reply.set_json(
                render(default_entity(entity) if default else entity, exchange.notes.get("select"))
            )
    elif "xml" in reply.media_type:
        if default:
            reply.body = render_xml(default_xml(reply.body), "ContactRelationEntity")
        else:
            reply.body = render_xml(reply.body)
    return reply
