"""POST, PATCH, DELETE and GET /default as a real tenant answers them where the vendor leaves it open.

- ids are not handed out one after the other: colleagues create relations of their own meanwhile
  (after each POST, a random 1-9 of them take the next ids), and those are never the suite's to
  touch (`Resource.colleagues` lists them, so a test can see they survived a run);
- DELETE of an id no relation has is 404 in the vendor's error shape (the mock: 204);
- `test` operations compare with the relation as this tenant renders it (its dates, its names, a
  null CreatedBy), and a failed one is 409 with this tenant's own error type and message; the patched
  relation must reference the tenant's records, and its Comment fit the tenant's column, as a PUT's;
- 404 and 412 on PATCH and DELETE in the vendor's shape with other messages and sources;
- PATCH in XML or form data is 415 with Web API's wording (the vendor's Swagger lists no `consumes` for it);
- GET /default pre-fills the tenant's usual relation definition (5, "Supplier of") and sends no
  FieldProperties (NetServer computes none for an entity that is not stored).
"""

from __future__ import annotations

import copy
import json
import random
import re
from typing import Any

from tests.servers.asgi import Exchange, Reply, internal
from tests.servers.realistic_tenant import (
    EMPTY_DATE,
    REFERENCES,
    reference_problem,
    references,
    render,
    too_long,
)

ITEM_PATH = re.compile(r"/api/v1/Relation/(-?\d{1,10})/?", re.IGNORECASE)
DEFAULT_PATH = re.compile(r"/api/v1/Relation/default/?", re.IGNORECASE)
COLLECTION_PATH = re.compile(r"/api/v1/Relation/?", re.IGNORECASE)
DEFAULT_DEFINITION = 5
OPS = {"add": "add", "replace": "replace", "remove": "remove", "test": "test", 1: "add", 2: "replace",
       3: "remove", 4: "test"}  # fmt: skip
COLLEAGUES_RELATION = {"SourceContactId": 7, "SourcePersonId": 70, "DestinationContactId": 95,
                       "DestinationPersonId": 979, "RelationDefinitionId": 5,
                       "Comment": "Created by a colleague"}  # fmt: skip
SERVICES = "SuperOffice.Services.Implementation"


def vendor_error(status: int, error_type: str, message: str, source: str = SERVICES) -> Reply:
    reply = Reply(status, [("content-type", "application/json; charset=utf-8")])
    reply.set_json({"Error": True, "ErrorType": error_type, "ErrorMessage": message, "ErrorSource": source})
    return reply


def item_id(path: str) -> int | None:
    match = ITEM_PATH.fullmatch(path)
    return int(match[1]) if match and -(2**31) <= int(match[1]) < 2**31 else None


class Resource:
    """The tenant's state beyond the mock's: the colleagues' relations and their random steps."""

    def __init__(self, seed: int = 2026) -> None:
        self.random = random.Random(seed)
        self.colleagues: list[int] = []

    def before(self, exchange: Exchange) -> Exchange | None:
        """PATCH and DELETE read the relation first (as the tenant renders it, for `test`)."""
        if exchange.method in ("PATCH", "DELETE") and item_id(exchange.path) is not None:
            return internal(exchange, "GET", exchange.path)
        return None

    def request(self, exchange: Exchange) -> Reply | None:
        probe = exchange.notes.get("before")
        if probe is None or probe.status == 401:
            return None  # the mock's 401 comes first
        if exchange.method == "DELETE":
            if probe.status == 404:
                return vendor_error(
                    404, "SoNotFoundException", f"ContactRelationEntity {item_id(exchange.path)} not found"
                )
            return None
        media = (exchange.header("content-type") or "").split(";")[0].strip().lower()
        if "xml" in media or "form" in media:
            return vendor_error(
                415, "UnsupportedMediaTypeException",
                f"The request entity's media type '{media}' is not supported for this resource.",
                "System.Web.Http",
            )  # fmt: skip
        if probe.status != 200 or not isinstance(probe.json(), dict):
            return None
        return self._patch(exchange, probe.json())

    def _patch(self, exchange: Exchange, current: dict[str, Any]) -> Reply | None:
        """Run the `test`s against the tenant's rendering and check the result as a PUT would be.

        The mock gets the other operations only; a patch this cannot follow goes to it as it is."""
        try:
            body = json.loads(exchange.body)
        except ValueError:
            return None
        operations = _operations(body)
        if operations is None:
            return None
        document = render(current, None)
        document.pop("_Links", None)
        kept = []
        for name, path, value, raw in operations:
            keys = _resolve(document, path)
            if keys is None:
                return None
            if name == "test":
                if not _same(_get(document, keys), value):
                    return vendor_error(
                        409, "InvalidOperationException",
                        f"The value at '{path}' is not the expected one; the relation was not changed.",
                        "SuperOffice.WebApi.Controllers",
                    )  # fmt: skip
                continue
            kept.append(raw)
            _set(document, keys, _empty_like(_get(document, keys)) if name == "remove" else value)
        refs = references({key.lower(): document.get(key) for key in REFERENCES})
        problem = reference_problem(refs) if refs is not None else None
        if problem:
            return vendor_error(400, "SoException", problem)
        if too_long(document.get("Comment")):
            return vendor_error(400, "ValidationException", "Comment is longer than its 1000 characters.")
        if isinstance(body, list):
            exchange.body = json.dumps(kept).encode()
        return None

    def then(self, exchange: Exchange, reply: Reply) -> list[Exchange]:
        """After a POST, colleagues take the next ids (so the caller's next POST skips them)."""
        if exchange.method != "POST" or reply.status != 200 or not COLLECTION_PATH.fullmatch(exchange.path):
            return []
        body = reply.json()
        found = body.get("RelationId") if isinstance(body, dict) else None
        if found is None:
            match = re.search(rb"<(?:\w+:)?RelationId>(\d+)<", reply.body)
            found = int(match[1]) if match else None
        if not isinstance(found, int) or found <= 0:
            return []
        ids = [found + step for step in range(1, self.random.randint(1, 9) + 1)]
        self.colleagues.extend(ids)
        return [internal(exchange, "PUT", f"/api/v1/Relation/{n}", COLLEAGUES_RELATION) for n in ids]

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        """The tenant's own words for 404 and 412; its own pre-filled default relation."""
        relation = item_id(exchange.path)
        if exchange.method == "PATCH" and reply.status == 404 and relation is not None:
            return vendor_error(
                404, "SoNotFoundException", "ContactRelationEntity with given id does not exist in the db."
            )
        if exchange.method in ("PATCH", "DELETE") and reply.status == 412:
            return vendor_error(
                412, "SoConcurrencyException",
                f"Relation {relation} was changed by another user after the If-Unmodified-Since time.",
            )  # fmt: skip
        return reply


def default_entity(entity: dict[str, Any]) -> dict[str, Any]:
    """GET /default as the tenant fills it: its usual relation definition, no FieldProperties."""
    out = {**entity, "RelationDefinitionId": DEFAULT_DEFINITION}
    out.pop("FieldProperties", None)
    return out


def default_xml(body: bytes) -> bytes:
    body = re.sub(rb"<FieldProperties\b.*?(</FieldProperties>|/>)", b"", body, count=1, flags=re.S)
    return re.sub(
        rb"<RelationDefinitionId>0</RelationDefinitionId>",
        b"<RelationDefinitionId>%d</RelationDefinitionId>" % DEFAULT_DEFINITION,
        body,
    )


def _operations(body: Any) -> list[tuple[str, str, Any, Any]] | None:
    """(op, path, value, the operation as sent) for a JSON Patch or a merge patch; None if malformed."""
    if isinstance(body, dict):
        return [("remove" if value is None else "replace", key, value, None) for key, value in body.items()]
    if not isinstance(body, list):
        return None
    out = []
    for raw in body:
        if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
            return None
        op = raw.get("op")
        name = OPS.get(op.lower() if isinstance(op, str) else op) if type(op) in (str, int) else None
        if name is None or (name != "remove" and "value" not in raw):
            return None
        out.append((name, raw["path"], raw.get("value"), raw))
    return out


def _resolve(document: dict[str, Any], path: str) -> list[str] | None:
    """The keys a path names in the document, in their own spelling (any case, slash optional)."""
    parts = (path[1:] if path.startswith("/") else path).split("/")
    keys, node = [], document
    for part in parts:
        name = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict):
            return None
        key = next((key for key in node if key.lower() == name.lower()), None)
        if key is None:
            return None
        keys.append(key)
        node = node[key]
    return keys


def _get(document: dict[str, Any], keys: list[str]) -> Any:
    node: Any = document
    for key in keys:
        node = node[key]
    return node


def _set(document: dict[str, Any], keys: list[str], value: Any) -> None:
    _get(document, keys[:-1])[keys[-1]] = copy.deepcopy(value)


def _empty_like(value: Any) -> Any:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return 0
    if isinstance(value, str):
        return EMPTY_DATE if re.match(r"\d{4}-\d\d-\d\dT", value) else ""
    return None


def _same(left: Any, right: Any) -> bool:
    """RFC 6902 4.6: equal as JSON values (numbers by value, true is no number)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_same, left, right))
    return type(left) is type(right) and left == right
