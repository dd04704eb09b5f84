"""A user's program on the client openapi-python-client generated from openapi/relation.yaml.

Run by test_openapi_python_client.py with the generator's venv and the generated, installed
`relation_client` on the path: `python python_client_put_get.py BASE_URL SEED_BODY_JSON`. It PUTs
the seed body to relation 918, GETs it back (whole and with `$select`), PUTs the `$select` answer
back unchanged, and prints what it saw as one JSON object.
"""

from __future__ import annotations

import datetime
import json
import sys
from typing import Any

import httpx
from relation_client import Client
from relation_client.api.contact_relation import (
    v_1_contact_relation_entity_get_contact_relation_entity as get_relation,
)
from relation_client.api.contact_relation import (
    v_1_contact_relation_entity_put_contact_relation_entity as put_relation,
)
from relation_client.models import ContactRelationEntity, ContactRelationEntityWithLinks

BASIC = "Basic dGplMDpUamUw"
sent_content_types: list[str] = []


def remember(request: httpx.Request) -> None:
    if request.method == "PUT":
        sent_content_types.append(request.headers.get("Content-Type", ""))


def seen(answer: Any) -> dict[str, Any]:
    parsed = answer.parsed
    out: dict[str, Any] = {"status": int(answer.status_code), "model": type(parsed).__name__}
    if isinstance(parsed, ContactRelationEntityWithLinks):
        out.update(
            comment=parsed.comment,
            source_contact_id=parsed.source_contact_id,
            updated_date_type=type(parsed.updated_date).__name__,
            created_by_associate_id=getattr(parsed.created_by, "associate_id", None),
            created_by_name=getattr(parsed.created_by, "name", None),
        )
    return out


def main(base_url: str, seed_json: str) -> None:
    client = Client(
        base_url=base_url,
        headers={"Authorization": BASIC},
        raise_on_unexpected_status=True,
        httpx_args={"event_hooks": {"request": [remember]}},
    )
    entity = ContactRelationEntity.from_dict(json.loads(seed_json))
    entity.comment = "written by openapi-python-client"
    put = put_relation.sync_detailed(id=918, client=client, body=entity)
    got = get_relation.sync_detailed(id=918, client=client)
    selected = get_relation.sync_detailed(
        id=918, client=client, select="SourceContactId,DestinationContactId,Comment,CreatedBy/AssociateId"
    )
    back = put_relation.sync_detailed(
        id=918, client=client, body=ContactRelationEntity.from_dict(json.loads(selected.content))
    )
    assert isinstance(got.parsed, ContactRelationEntityWithLinks)
    assert isinstance(got.parsed.updated_date, datetime.datetime | str)
    print(
        json.dumps(
            {
                "put": seen(put),
                "get": seen(got),
                "select": seen(selected),
                "put_select_back": seen(back),
                "sent_content_types": sent_content_types,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
