"""Traffic for the rest of the resource (POST, PATCH, DELETE, GET default), as a frontend that
creates, edits and deletes relations sends it: every spelling of a patch the vendor documents,
every content type POST takes, preconditions, `$select`, failed tests and reads after each write.
`lifecycle` breaks no rule of the spec; `invalid` breaks one per request."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx

from tests.proxy.conftest import ENTITY
from tests.proxy.traffic import DATACONTRACT_XML_BODY, FORM_BODY, FUTURE, PAST, SAME_AS_XML, XML_BODY

COLLECTION = "/api/v1/Relation"
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def created_id(answer: httpx.Response) -> int | None:
    """The id a POST answer names (in JSON or XML), whatever its status (a broken server's too)."""
    if "xml" in answer.headers.get("content-type", ""):
        found = re.search(rb"<RelationId>(\d+)</RelationId>", answer.content)
        return int(found[1]) if found else None
    try:
        value = answer.json().get("RelationId")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and value > 0 else None


def lifecycle(client: httpx.Client) -> list[httpx.Response]:
    """Create, read, patch (every way), delete, read again; the answers in order."""
    sent: list[httpx.Response] = [
        client.get(f"{COLLECTION}/default"),
        client.get(f"{COLLECTION}/default", headers={"Accept": "application/xml"}),
        client.post(COLLECTION, json={**ENTITY, "RelationId": 918, "Comment": "created"}),
    ]
    first = created_id(sent[-1]) or 918
    path = f"{COLLECTION}/{first}"
    comment = client.get(path).json().get("Comment")
    steps: list[Callable[[], httpx.Response]] = [
        lambda: client.get(path),
        lambda: client.patch(
            path,
            json=[
                {"op": "test", "path": "/Comment", "value": comment},
                {"op": "replace", "path": "comment", "value": "patched"},
            ],
            headers=JSON_PATCH,
        ),
        lambda: client.get(path),
        lambda: client.patch(path, json={"comment": "merged", "Reversed": None}, headers=MERGE_PATCH),
        lambda: client.get(path, headers={"Accept": "application/xml"}),
        lambda: client.patch(
            path,
            content=json.dumps(
                [
                    {"op": 2, "path": "Comment", "value": "numbered"},
                    {"op": "Add", "path": "/reversed", "value": 1},
                ]
            ),
            headers={"Content-Type": "text/json"},
        ),
        lambda: client.patch(path, json=[{"op": "test", "path": "/Comment", "value": "not it"}]),  # 409
        lambda: client.get(path),
        lambda: client.patch(
            path,
            json=[
                {"op": "test", "path": "/Comment", "value": "not it"},
                {"op": "replace", "path": "/Comment", "value": "must not be stored"},
            ],
        ),  # 409
        lambda: client.get(path),
        lambda: client.patch(
            path,
            json=[
                {"op": "replace", "path": "/Comment", "value": "spelt"},
                {"op": "add", "path": "/Reversed", "value": 2},
            ],
        ),
        lambda: client.patch(
            path,
            json=[
                {"op": 2, "path": "Comment", "value": "spelt"},
                {"op": "ADD", "path": "reversed", "value": 2},
            ],
        ),
        lambda: client.patch(
            f"{path}?$select=Comment", json=[{"op": "replace", "path": "/Comment", "value": "selected"}]
        ),
        lambda: client.patch(
            path, json=[{"op": "remove", "path": "/Comment"}, {"op": "remove", "path": "SourcePersonId"}]
        ),
        lambda: client.get(path),
        lambda: client.patch(
            path, json={"Comment": "fresh"}, headers={**MERGE_PATCH, "If-Unmodified-Since": FUTURE}
        ),
        lambda: client.patch(path, json={"Comment": "stale"}, headers={"If-Unmodified-Since": PAST}),  # 412
        lambda: client.get(path),
        lambda: client.patch(path, json=[]),
        lambda: client.patch(path, json={}),
        lambda: client.get(path),
        lambda: client.delete(path, headers={"If-Unmodified-Since": PAST}),  # 412
        lambda: client.get(path),
        lambda: client.delete(path, headers={"If-Unmodified-Since": FUTURE}),
        lambda: client.get(path),  # 404
        lambda: client.patch(path, json={"Comment": "too late"}),  # 404
        lambda: client.delete(path),  # 204 or 404
        lambda: client.delete(f"{COLLECTION}/99999"),  # 204 or 404
    ]
    sent += [step() for step in steps]
    sent += _more_posts(client)
    return sent


def _more_posts(client: httpx.Client) -> list[httpx.Response]:
    """POST in the other content types (the same values as JSON too), with `$select`, then cleaned up."""
    posts = [
        client.post(
            COLLECTION,
            content=DATACONTRACT_XML_BODY,
            headers={"Content-Type": "application/xml", "Accept": "text/xml"},
        ),
        client.post(COLLECTION, json=SAME_AS_XML),
        client.post(
            COLLECTION, content=FORM_BODY, headers={"Content-Type": "application/x-www-form-urlencoded"}
        ),
        client.post(COLLECTION, content=json.dumps(ENTITY), headers={"Content-Type": "text/json"}),
        client.post(
            COLLECTION, content=json.dumps(ENTITY), headers={"Content-Type": "application/merge-patch+json"}
        ),
        client.post(f"{COLLECTION}?$select=Comment,RelationId", json={**ENTITY, "Comment": "selected"}),
    ]
    sent = list(posts)
    for answer in posts:
        created = created_id(answer)
        if created is not None:
            sent += [client.get(f"{COLLECTION}/{created}"), client.delete(f"{COLLECTION}/{created}")]
    return sent


def two_then_delete(client: httpx.Client) -> list[httpx.Response]:
    """Two relations created one after the other; the second deleted; both read."""
    one = client.post(COLLECTION, json={**ENTITY, "Comment": "one"})
    two = client.post(COLLECTION, json={**ENTITY, "Comment": "two"})
    sent = [one, two]
    ids = [created_id(one), created_id(two)]
    if None not in ids:
        sent.append(client.delete(f"{COLLECTION}/{ids[1]}"))
        sent += [client.get(f"{COLLECTION}/{relation}") for relation in ids]
    return sent


def broken_hunt(client: httpx.Client) -> list[httpx.Response]:
    """Everything above, after a PUT of relation 918 (so the proxy knows it is stored)."""
    first = client.put(f"{COLLECTION}/918", json=ENTITY)
    return [first, *lifecycle(client), *two_then_delete(client), *invalid(client)]


def invalid(client: httpx.Client, relation_id: int = 918) -> list[httpx.Response]:
    """One rule of the spec broken per request."""
    path = f"{COLLECTION}/{relation_id}"
    return [
        httpx.post(f"{client.base_url}{COLLECTION}", json=ENTITY),  # no credentials
        httpx.delete(f"{client.base_url}{path}"),  # no credentials
        client.post(
            COLLECTION, json={key: value for key, value in ENTITY.items() if key != "SourceContactId"}
        ),
        client.post(COLLECTION, content=b"", headers={"Content-Type": "application/json"}),
        client.post(COLLECTION, json={**ENTITY, "SourceContactId": "abc"}),
        client.patch(path, json=[{"op": "move", "from": "/Comment", "path": "/PassiveText"}]),
        client.patch(path, json=[{"op": "copy", "from": "/Comment", "path": "/Comment", "value": "copied"}]),
        client.patch(path, json=[{"op": "replace", "path": "/NoSuchField", "value": 1}]),
        client.patch(path, json={"Reversed": "x"}),
        client.patch(path, content=b"", headers={"Content-Type": "application/json"}),
        client.patch(path, json="just text"),
        client.delete(f"{COLLECTION}/abc"),
    ]


def xml_patch(client: httpx.Client, relation_id: int = 918) -> httpx.Response:
    """A PATCH in XML: the spec documents only JSON for PATCH; a real server may refuse or accept it."""
    return client.patch(
        f"{COLLECTION}/{relation_id}", content=XML_BODY, headers={"Content-Type": "application/xml"}
    )
