"""Servers that tempt the suite to harm data it did not create (issue 20).

Each is the project's mock, holding a tenant's own relations (`CUSTOMERS`, created years ago, with
the same contacts and relation definition as the run's relation 918), behind one transform:

- `Deduplicating`: a POST whose contacts and relation definition are those of a customer relation
  is answered 200 with that relation, as it is; nothing is created (a server that deduplicates);
- `HandsOutExistingIds`: a buggy server; every second POST is answered with one of the customer
  relations in turn, nothing created; the other POSTs create as usual;
- `Colleague`: a person at work on the same tenant. It remembers every relation a POST created;
  `edit(url, rid)` changes one as that person, over HTTP; `edit_at_delete(rid)` makes the person
  change it in the instant between the suite's last look at it and its DELETE (a second later than
  anything before, so that `If-Unmodified-Since` can tell).

`tenant_fixtures(path)` writes the tenant's relations (918 and the customers) as a `--fixtures`
file; `hostile_app(transform, path)` serves the mock with them behind the transform.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import yaml
from relation_spec import SPEC
from starlette.types import ASGIApp

from mockserver import Settings, create_app
from tests.servers.asgi import Exchange, Reply, Rewrite
from tests.servers.realistic_tenant import read_body, references

COLLECTION = re.compile(r"/api/v1/Relation/?", re.IGNORECASE)
ITEM = re.compile(r"/api/v1/Relation/(\d{1,10})/?", re.IGNORECASE)
# The tenant's own relations: the run's references (contact 381 -> 262, definition 47), made years ago.
CUSTOMER = {"SourceContactId": 381, "SourcePersonId": 272, "DestinationContactId": 262,
            "DestinationPersonId": 492, "RelationDefinitionId": 47, "Reversed": 0,
            "CreatedDate": "2019-05-02T09:30:00", "UpdatedDate": "2021-11-08T13:05:00"}  # fmt: skip
CUSTOMERS = {
    4100: {**CUSTOMER, "Comment": ""},
    4101: {**CUSTOMER, "Comment": "Frame agreement signed 2019; renew every May"},
    4102: {**CUSTOMER, "Reversed": 1, "Comment": "Reseller since 2020"},
}
# The duplicate key a deduplicating CRM might use: the same two contacts in the same kind of relation.
KEY = ("SourceContactId", "DestinationContactId", "RelationDefinitionId")
PERSON = {"Authorization": "SOTicket 7T:a-colleague", "Accept": "application/json"}
PERSONS_COMMENT = "Edited by a colleague during the contract run"


def tenant_fixtures(path: Path) -> Path:
    """The tenant as a `--fixtures` file: relation 918 (the spec's sample) and the customer relations."""
    document = yaml.safe_load(Path(SPEC).read_text(encoding="utf-8"))
    sample = document["components"]["examples"]["SeedSampleRequest"]["value"]
    relations = {"918": sample, **{str(rid): {**body, "RelationId": rid} for rid, body in CUSTOMERS.items()}}
    path.write_text(json.dumps(relations), encoding="utf-8")
    return path


def hostile_app(transform: Any, fixtures: Path) -> ASGIApp:
    """The mock with the tenant's relations and a request journal, behind `transform`'s hooks."""
    inner = create_app(Settings(quiet=True, fixtures_file=fixtures, journal_size=200_000))
    return Rewrite(
        inner,
        before=getattr(transform, "before", None),
        on_request=getattr(transform, "request", None),
        on_response=getattr(transform, "response", None),
    )


def is_post(exchange: Exchange) -> bool:
    return exchange.method == "POST" and COLLECTION.fullmatch(exchange.path) is not None


def read_as(exchange: Exchange, rid: int) -> Exchange:
    """A GET of relation `rid` with the POST's credentials, Accept and query: its answer, as the POST's."""
    kept = [(k, v) for k, v in exchange.headers if k.lower() in ("authorization", "accept", "host")]
    return Exchange("GET", f"/api/v1/Relation/{rid}", list(exchange.query), kept, b"")


class _AnswersWithExisting:
    """Answers a POST with the relation `existing()` names (its GET answer), creating nothing."""

    def existing(self, exchange: Exchange) -> int | None:
        raise NotImplementedError

    def before(self, exchange: Exchange) -> Exchange | None:
        if not is_post(exchange):
            return None
        rid = self.existing(exchange)
        return read_as(exchange, rid) if rid is not None else None

    def request(self, exchange: Exchange) -> Reply | None:
        answer = exchange.notes.get("before")
        return answer if isinstance(answer, Reply) and answer.status == 200 else None


class Deduplicating(_AnswersWithExisting):
    """A POST for the same two contacts and relation definition as a customer relation gets that one."""

    def existing(self, exchange: Exchange) -> int | None:
        media = (exchange.header("content-type") or "").split(";")[0].strip().lower()
        data = read_body(media, exchange.body)
        refs = references(data) if data is not None else None
        if refs is None:
            return None
        return next(
            (rid for rid, body in CUSTOMERS.items() if all(refs[name] == body[name] for name in KEY)), None
        )


class HandsOutExistingIds(_AnswersWithExisting):
    """Every second POST is answered with the next customer relation, whatever its body."""

    def __init__(self) -> None:
        self.posts = 0

    def existing(self, exchange: Exchange) -> int | None:
        self.posts += 1
        ids = sorted(CUSTOMERS)
        return ids[(self.posts // 2) % len(ids)] if self.posts % 2 == 0 else None


class Colleague:
    """A person editing relations on the same tenant while the suite runs (see the module docstring)."""

    def __init__(self) -> None:
        self.created: list[int] = []
        self.at_delete: set[int] = set()
        self.edited: list[int] = []

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        body = reply.json() if is_post(exchange) and reply.status == 200 else None
        rid = body.get("RelationId") if isinstance(body, dict) else None
        if isinstance(rid, int) and rid not in self.created:
            self.created.append(rid)
        return reply

    def before(self, exchange: Exchange) -> Exchange | None:
        match = ITEM.fullmatch(exchange.path)
        rid = int(match[1]) if match and exchange.method == "DELETE" else None
        if rid is None or rid not in self.at_delete:
            return None
        self.at_delete.discard(rid)
        self.edited.append(rid)
        time.sleep(1.05 - time.time() % 1)  # the edit falls in a later second than the suite's write
        headers = [(k.lower(), v) for k, v in PERSON.items()] + [("content-type", "application/json")]
        headers += [(k, v) for k, v in exchange.headers if k.lower() == "host"]
        return Exchange("PUT", f"/api/v1/Relation/{rid}", [], headers, json.dumps(persons_body()).encode())

    def edit_at_delete(self, rid: int) -> None:
        self.at_delete.add(rid)

    def edit(self, url: str, rid: int) -> None:
        answer = httpx.put(f"{url}/api/v1/Relation/{rid}", json=persons_body(), headers=PERSON, timeout=10)
        answer.raise_for_status()
        self.edited.append(rid)


def persons_body() -> dict[str, Any]:
    return {"SourceContactId": 381, "DestinationContactId": 262, "RelationDefinitionId": 47,
            "Comment": PERSONS_COMMENT}  # fmt: skip
