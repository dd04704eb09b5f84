"""A frontend's create-edit-delete flow, in JSON and in XML, and what surrounds the new operations."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.livemock import REFS

XML = {"Content-Type": "application/xml", "Accept": "application/xml"}


def test_create_read_patch_put_delete_in_json(store_client: httpx.Client) -> None:
    blank = store_client.get("/api/v1/Relation/default").json()
    created = store_client.post("/api/v1/Relation", json={**blank, **REFS, "Comment": "new"})
    assert created.status_code == 200
    relation = created.json()
    self_url = relation["_Links"]["Self"]
    assert store_client.get(self_url).json() == relation
    patched = store_client.patch(
        self_url,
        json=[
            {"op": "test", "path": "/Comment", "value": "new"},
            {"op": "replace", "path": "/Comment", "value": "edited"},
        ],
        headers={"If-Unmodified-Since": created.headers["last-modified"]},
    )
    assert patched.status_code == 200
    assert patched.json()["Comment"] == "edited"
    put = store_client.put(self_url, json={**patched.json(), "Reversed": 1})
    assert put.json()["Reversed"] == 1
    assert put.json()["Comment"] == "edited"
    assert (
        store_client.delete(
            self_url, headers={"If-Unmodified-Since": put.headers["last-modified"]}
        ).status_code
        == 204
    )
    assert store_client.get(self_url).status_code == 404
    assert store_client.patch(self_url, json={"Comment": "gone"}).status_code == 404


def _text(xml: bytes, name: str) -> str:
    found = ET.fromstring(xml).find(name)
    assert found is not None, xml
    return found.text or ""


def test_create_read_patch_delete_in_xml(client: httpx.Client) -> None:
    body = (
        b"<ContactRelationEntity><SourceContactId>381</SourceContactId>"
        b"<DestinationContactId>262</DestinationContactId><Comment>in xml</Comment></ContactRelationEntity>"
    )
    created = client.post("/api/v1/Relation", content=body, headers=XML)
    assert created.status_code == 200
    assert created.headers["content-type"].startswith("application/xml")
    relation_id = _text(created.content, "RelationId")
    url = f"/api/v1/Relation/{relation_id}"
    assert _text(client.get(url, headers={"Accept": "application/xml"}).content, "Comment") == "in xml"
    patched = client.patch(
        url,
        json={"Comment": "edited"},
        headers={"Content-Type": "application/merge-patch+json", "Accept": "application/xml"},
    )
    assert _text(patched.content, "Comment") == "edited"
    assert client.delete(url, headers={"Accept": "application/xml"}).status_code == 204
    missing = client.get(url, headers={"Accept": "application/xml"})
    assert missing.status_code == 404
    assert _text(missing.content, "ErrorType") == "SoNotFoundException"


def test_the_journal_records_every_new_operation(client: httpx.Client) -> None:
    relation_id = client.post("/api/v1/Relation", json={**REFS, "Comment": "journaled"}).json()["RelationId"]
    client.patch(f"/api/v1/Relation/{relation_id}", json={"Comment": "patched in journal"})
    client.get("/api/v1/Relation/default")
    client.delete(f"/api/v1/Relation/{relation_id}")
    entries = client.get("/__admin/requests").json()["Requests"]
    seen = [(entry["Method"], entry["Path"], entry["Status"]) for entry in entries]
    assert seen[-4:] == [
        ("POST", "/api/v1/Relation", 200),
        ("PATCH", f"/api/v1/Relation/{relation_id}", 200),
        ("GET", "/api/v1/Relation/default", 200),
        ("DELETE", f"/api/v1/Relation/{relation_id}", 204),
    ]
    assert "journaled" in entries[-4]["Body"] and "patched in journal" in entries[-3]["Body"]


def test_a_browser_may_send_the_new_methods_cross_origin(client: httpx.Client) -> None:
    origin = {"Origin": "http://app.example"}
    for path, method in (
        ("/api/v1/Relation", "POST"),
        ("/api/v1/Relation/918", "PATCH"),
        ("/api/v1/Relation/918", "DELETE"),
    ):
        preflight = client.options(path, headers={**origin, "Access-Control-Request-Method": method})
        assert method in re.split(r",\s*", preflight.headers["access-control-allow-methods"])
    deleted = client.delete("/api/v1/Relation/918", headers=origin)
    assert deleted.headers["access-control-allow-origin"] == "http://app.example"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/api/v1/Relation", 200),
        ("patch", "/api/v1/Relation/{id}", 200),
        ("patch", "/api/v1/Relation/{id}", 409),
        ("delete", "/api/v1/Relation/{id}", 412),
    ],
)
def test_a_dynamic_answer_of_a_new_operation_is_valid_for_its_schema(
    client: httpx.Client, spec_validator: Callable[..., list[str]], method: str, path: str, status: int
) -> None:
    kwargs: dict[str, Any] = {} if method == "delete" else {"json": REFS if method == "post" else {}}
    answer = client.request(
        method,
        path.replace("{id}", "918"),
        headers={"Prefer": f"code={status}, dynamic=true, seed=4"},
        **kwargs,
    )
    assert answer.status_code == status
    assert spec_validator(method, status, answer.json(), path) == []
