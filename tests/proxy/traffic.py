"""Traffic a frontend and a QA run would send: every content type both ways, `$select`, preconditions,
all four kinds of credentials, reads after writes. `valid` breaks no rule of the spec; `invalid`
breaks one per request (the proxy must blame the request, not the server, for those)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import urlencode

import httpx

from contracts.properties.texts import beyond, text_of_length
from tests.proxy.conftest import AUTH, ENTITY

FUTURE = "Fri, 31 Dec 2100 23:59:59 GMT"
PAST = "Sat, 01 Jan 2000 00:00:00 GMT"
# The entity's settable values in the alphabetical order a .NET DataContractSerializer reads.
XML_BODY = (
    b'<?xml version="1.0" encoding="utf-8"?><ContactRelationEntity xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
    b"<Comment>from xml &amp; co</Comment><DestinationContactId>262</DestinationContactId>"
    b"<DestinationPersonId>492</DestinationPersonId><RelationDefinitionId>47</RelationDefinitionId>"
    b"<Reversed>1</Reversed><SourceContactId>381</SourceContactId><SourcePersonId>272</SourcePersonId>"
    b'<UpdatedBy i:nil="true"/></ContactRelationEntity>'
)
# The same in the namespace a .NET DataContractSerializer reads (and a real server answers in).
DATACONTRACT_XML_BODY = XML_BODY.replace(
    b"<ContactRelationEntity ",
    b'<ContactRelationEntity xmlns="http://schemas.datacontract.org/2004/07/SuperOffice.CRM.Services" ',
    1,
)
# XML_BODY's values as JSON (the same relation, sent in another media type).
SAME_AS_XML = {
    "Comment": "from xml & co",
    "DestinationContactId": 262,
    "DestinationPersonId": 492,
    "RelationDefinitionId": 47,
    "Reversed": 1,
    "SourceContactId": 381,
    "SourcePersonId": 272,
}
FORM_BODY = (
    b"SourceContactId=381&sourcepersonid=272&DestinationContactId=262&DestinationPersonId=492"
    b"&RelationDefinitionId=47&comment=from+f%C3%B8rm&Reversed=&UnknownField=x"
)
FORM_FIELDS = {"SourceContactId": "381", "DestinationContactId": "262", "RelationDefinitionId": "47"}
CREDENTIALS = (
    AUTH,
    {"Authorization": "SOTicket 7T:dGhpcyBpcyBhIHRpY2tldA=="},
    {"Authorization": "Bearer 8A:a.bearer.token"},
    {"X-XSRF-TOKEN": "mock-xsrf-0123456789"},
)


def valid(client: httpx.Client, relation_id: int = 918) -> list[httpx.Response]:
    path = f"/api/v1/Relation/{relation_id}"
    entity = {**ENTITY, "RelationId": relation_id}
    text = json.dumps(entity)
    sent: list[Callable[[], httpx.Response]] = [
        lambda: client.get(path),
        lambda: client.put(path, json=entity),
        lambda: client.get(path),
        lambda: client.put(path, json=SAME_AS_XML),
        lambda: client.get(path, headers={"Accept": "application/xml"}),
        lambda: client.get(path, headers={"Accept": "text/xml"}),
        lambda: client.get(path, headers={"Accept": "text/json"}),
        lambda: client.get(path, headers={"Accept": "application/json-patch+json"}),
        lambda: client.get(path, headers={"Accept": "text/html;q=0.9, application/xml;q=0.5"}),
        lambda: client.get(path, headers={"Accept": "text/html"}),
        lambda: client.put(path, content=text, headers={"Content-Type": "text/json; charset=utf-8"}),
        lambda: client.put(path, content=text, headers={"Content-Type": "application/merge-patch+json"}),
        lambda: client.put(
            path,
            content=text,
            headers={"Content-Type": "application/json-patch+json", "Accept": "application/merge-patch+json"},
        ),
        lambda: client.put(
            path, content=XML_BODY, headers={"Content-Type": "application/xml", "Accept": "text/xml"}
        ),
        lambda: client.put(path, content=XML_BODY, headers={"Content-Type": "text/xml"}),
        lambda: client.put(path, content=DATACONTRACT_XML_BODY, headers={"Content-Type": "application/xml"}),
        lambda: client.put(path, json={**entity, "Comment": "Ünïcødé ✓"}),
        # Text at the sizes and in the scripts real data has (a full Comment column, emoji,
        # combining marks, edge whitespace), in JSON and form bodies.
        lambda: client.put(path, json={**entity, "Comment": text_of_length(2000)}),
        lambda: client.put(path, json={**entity, "Comment": "  e\u0301 \U0001f600 関係\r\n  "}),
        lambda: client.put(
            path,
            content=urlencode({**FORM_FIELDS, "Comment": "blåbærsyltetøy 関係"}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        lambda: client.put(
            path, content=FORM_BODY, headers={"Content-Type": "application/x-www-form-urlencoded"}
        ),
        lambda: client.put(f"{path}?$select=Comment,CreatedBy/AssociateId", json=entity),
        lambda: client.get(path),
        lambda: client.get(f"{path}?$select=comment,UpdatedDate,RelationId"),
        lambda: client.get(f"{path}?$select=Comment", headers={"Accept": "application/xml"}),
        lambda: client.get(path, headers={"If-Modified-Since": FUTURE}),
        lambda: client.put(path, json=entity, headers={"If-Unmodified-Since": FUTURE}),
        lambda: client.put(
            path, json={**entity, "Comment": "stale"}, headers={"If-Unmodified-Since": PAST}
        ),  # 412
        lambda: client.get(path),
        lambda: client.put(
            path,
            json={**entity, "Comment": None, "SourcePersonId": None, "CreatedBy": None},
            headers={
                "Accept-Language": "en",
                "SO-Language": "en",
                "SO-TimeZone": "NO",
                "SO-AppToken": "app-1",
            },
        ),
        lambda: client.put(path, json={**entity, "Comment": "", "SourcePersonId": 0}),  # the same, spelt out
        lambda: client.put(path, json={**entity, "RelationId": relation_id + 1}),  # the path's id wins
        lambda: client.get("/api/v1/Relation/99999"),
        lambda: client.get(f"{path}/"),
    ]
    sent += [lambda c=c: client.get(path, headers=c) for c in CREDENTIALS[1:]]
    sent += [lambda c=c: client.put(path, json=entity, headers=c) for c in CREDENTIALS[1:]]
    sent.append(lambda: client.put(path, json=entity))
    sent.append(lambda: client.put(path, json=entity))  # the same PUT twice
    sent.append(lambda: client.get(path))
    sent.append(lambda: client.put(path, json={**entity, "Comment": "changed", "Reversed": 1}))
    sent.append(lambda: client.get(path))
    return [send() for send in sent]


# Valid but for an Associate Type outside its enum.
BAD_TYPE_XML = XML_BODY.replace(
    b"<DestinationContactId>", b"<CreatedBy><Type>Boss</Type></CreatedBy><DestinationContactId>"
)


def too_long(client: httpx.Client, relation_id: int = 918) -> httpx.Response:
    """A Comment one UTF-16 unit past the spec's 2000: a tenant refuses it (400), never a 500 or a
    silent cut. (The proxy does not judge the request itself: `x-field-length` is no JSON Schema.)"""
    entity = {**ENTITY, "RelationId": relation_id, "Comment": beyond(2000)}
    return client.put(f"/api/v1/Relation/{relation_id}", json=entity)


def invalid(client: httpx.Client, relation_id: int = 918) -> list[httpx.Response]:
    path = f"/api/v1/Relation/{relation_id}"
    xml = b"<ContactRelationEntity><Reversed>x</Reversed></ContactRelationEntity>"
    return [
        httpx.get(f"{client.base_url}{path}"),  # no credentials at all
        client.put(path, content=b"", headers={"Content-Type": "application/json"}),
        client.put(path, json={"SourceContactId": "abc"}),
        client.put(path, content=b'{"SourceContactId": "abc"}', headers={"Content-Type": "text/json"}),
        client.put(path, content=xml, headers={"Content-Type": "application/xml"}),
        client.put(
            path,
            content=b"SourceContactId=1.5",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        client.put(path, content=b"a,b", headers={"Content-Type": "text/csv"}),
        client.get("/api/v1/Relation/abc"),
        client.get("/api/v1/Relation/2147483648"),
        client.put(
            "/api/v1/Relation/abc",
            json=ENTITY,
            headers={"If-Unmodified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"},
        ),
        client.put(path, content=BAD_TYPE_XML, headers={"Content-Type": "application/xml"}),
    ]


def int32_edges(client: httpx.Client, relation_id: int = 918) -> list[httpx.Response]:
    path = f"/api/v1/Relation/{relation_id}"
    return [
        client.put(path, json={**ENTITY, "Reversed": 2**31 - 1}),
        client.put(path, json={**ENTITY, "SourcePersonId": -(2**31)}),
    ]


def refused_by_a_tenant(client: httpx.Client, relation_id: int = 918) -> list[httpx.Response]:
    """Valid for the schema, refused by a real tenant: the mandatory references missing or 0."""
    path = f"/api/v1/Relation/{relation_id}"
    without = {key: value for key, value in ENTITY.items() if key != "SourceContactId"}
    return [client.put(path, json=without), client.put(path, json={**ENTITY, "DestinationContactId": 0})]


def a_second_later(client: httpx.Client, relation_id: int = 918) -> list[httpx.Response]:
    """Two writes more than a second apart (UpdatedDate must move on)."""
    path = f"/api/v1/Relation/{relation_id}"
    first = client.put(path, json=ENTITY)
    time.sleep(1.1)
    return [first, client.put(path, json={**ENTITY, "Comment": "a second later"})]
