"""A user's create-patch-delete program on the client openapi-python-client generated from the spec.

Run by test_openapi_python_client.py with the generator's venv and the generated, installed
`relation_client` on the path: `python python_client_create_patch_delete.py BASE_URL`. It reads the
default entity, POSTs it with the two contact references filled in, PATCHes it (a merge patch, a
JSON Patch, a failing `test`, a stale `If-Unmodified-Since`), DELETEs it (stale, then for real) and
GETs it, and prints what it saw as one JSON object.

The generated PATCH function cannot send a JSON Patch array: for an operation with more than one
request media type the generator writes `isinstance(body, ContactRelationMergePatch | list[...])`,
and Python refuses a parameterized generic in isinstance (TypeError) before anything is sent. A merge
patch passes (the union's first member matches). The program records that error and sends the same
generated operation models through the generated client's own httpx client, as a user would.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx
from relation_client import Client
from relation_client.api.contact_relation import (
    v_1_contact_relation_entity_default_contact_relation_entity as default_relation,
)
from relation_client.api.contact_relation import (
    v_1_contact_relation_entity_delete_contact_relation_entity as delete_relation,
)
from relation_client.api.contact_relation import (
    v_1_contact_relation_entity_get_contact_relation_entity as get_relation,
)
from relation_client.api.contact_relation import (
    v_1_contact_relation_entity_patch_contact_relation_entity as patch_relation,
)
from relation_client.api.contact_relation import (
    v_1_contact_relation_entity_post_contact_relation_entity as post_relation,
)
from relation_client.models import (
    ContactRelationEntity,
    ContactRelationEntityWithLinks,
    ContactRelationMergePatch,
    Error,
    JsonPatchSetComment,
    JsonPatchSetCommentPath,
    JsonPatchValueOpType0,
    LinksType0,
)

BASIC = "Basic dGplMDpUamUw"
STALE = "Mon, 01 Jan 2001 00:00:00 GMT"
SERVER_SET = ("_Links", "TableRight", "FieldProperties")
sent: list[str] = []


def remember(request: httpx.Request) -> None:
    sent.append(f"{request.method} {request.headers.get('Content-Type', '-')}")


def seen(status: int, parsed: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"status": status, "model": type(parsed).__name__}
    if isinstance(parsed, ContactRelationEntityWithLinks):
        out.update(
            relation_id=parsed.relation_id,
            comment=parsed.comment,
            source_person_id=parsed.source_person_id,
            self_link=parsed.field_links["Self"] if isinstance(parsed.field_links, LinksType0) else None,
        )
    if isinstance(parsed, Error):
        out.update(error_type=parsed.error_type)
    return out


def comment_ops(expected: str, new: str) -> list[JsonPatchSetComment]:
    path = JsonPatchSetCommentPath.VALUE_0  # "/Comment"
    return [
        JsonPatchSetComment(op=JsonPatchValueOpType0.TEST, path=path, value=expected),
        JsonPatchSetComment(op=JsonPatchValueOpType0.REPLACE, path=path, value=new),
    ]


def json_patch_by_hand(client: Client, relation_id: int, ops: list[JsonPatchSetComment]) -> dict[str, Any]:
    """The generated models, sent through the generated client's httpx client."""
    answer = client.get_httpx_client().patch(
        f"/api/v1/Relation/{relation_id}",
        json=[op.to_dict() for op in ops],
        headers={"Content-Type": "application/json-patch+json"},
    )
    model = ContactRelationEntityWithLinks if answer.status_code == 200 else Error
    return seen(answer.status_code, model.from_dict(answer.json()))


def main(base_url: str) -> None:
    client = Client(
        base_url=base_url,
        headers={"Authorization": BASIC},
        httpx_args={"event_hooks": {"request": [remember]}},
    )
    out: dict[str, Any] = {}

    default = default_relation.sync_detailed(client=client)
    out["default"] = seen(default.status_code, default.parsed)
    prefilled = {key: value for key, value in json.loads(default.content).items() if key not in SERVER_SET}
    draft = ContactRelationEntity.from_dict(
        {**prefilled, "SourceContactId": 381, "DestinationContactId": 262, "SourcePersonId": 272}
    )
    draft.comment = "created by openapi-python-client"
    created = post_relation.sync_detailed(client=client, body=draft)
    out["post"] = seen(created.status_code, created.parsed)
    out["post_last_modified"] = "Last-Modified" in created.headers
    assert isinstance(created.parsed, ContactRelationEntityWithLinks)
    relation_id = created.parsed.relation_id
    assert isinstance(relation_id, int)

    merge = ContactRelationMergePatch(comment="merged by openapi-python-client", source_person_id=None)
    merged = patch_relation.sync_detailed(id=relation_id, client=client, body=merge)
    out["patch_merge"] = seen(merged.status_code, merged.parsed)

    ops = comment_ops("merged by openapi-python-client", "patched by openapi-python-client")
    try:
        patch_relation.sync_detailed(id=relation_id, client=client, body=ops)  # type: ignore[arg-type]
        out["patch_json_patch_generated"] = "sent"
    except TypeError as error:
        out["patch_json_patch_generated"] = f"TypeError: {error}"
    out["patch_json_patch"] = json_patch_by_hand(client, relation_id, ops)
    out["patch_failed_test"] = json_patch_by_hand(client, relation_id, comment_ops("not stored", "never"))

    stale = ContactRelationMergePatch(comment="never either")
    refused = patch_relation.sync_detailed(
        id=relation_id, client=client, body=stale, if_unmodified_since=STALE
    )
    out["patch_stale"] = seen(refused.status_code, refused.parsed)

    read = get_relation.sync_detailed(id=relation_id, client=client)
    out["get_after_refusals"] = seen(read.status_code, read.parsed)

    kept = delete_relation.sync_detailed(id=relation_id, client=client, if_unmodified_since=STALE)
    out["delete_stale"] = seen(kept.status_code, kept.parsed)
    deleted = delete_relation.sync_detailed(id=relation_id, client=client)
    out["delete"] = {**seen(deleted.status_code, deleted.parsed), "body": deleted.content.decode()}
    gone = get_relation.sync_detailed(id=relation_id, client=client)
    out["get_after_delete"] = seen(gone.status_code, gone.parsed)

    out["sent"] = sent
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
