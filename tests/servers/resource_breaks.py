"""The transforms behind the broken servers of the rest of the resource (issue 12): POST, PATCH,
DELETE and GET /default. Each takes the mock's request or answer and breaks one promise with it
(see `tests.servers.resource_broken` for which check must catch which)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tests.servers.asgi import Exchange, Reply, error_reply, internal

ITEM = re.compile(r"/api/v1/Relation/(-?\d{1,10})/?", re.IGNORECASE)
COLLECTION = re.compile(r"/api/v1/Relation/?", re.IGNORECASE)
DEFAULT = re.compile(r"/api/v1/Relation/default/?", re.IGNORECASE)
OP_NAMES = {1: "add", 2: "replace", 3: "remove", 4: "test", 5: "move", 6: "copy"}


def item(exchange: Exchange, method: str) -> int | None:
    """The relation id of a `method` request to /api/v1/Relation/{id}, else None."""
    match = ITEM.fullmatch(exchange.path)
    return int(match[1]) if exchange.method == method and match else None


def is_post(exchange: Exchange) -> bool:
    return exchange.method == "POST" and COLLECTION.fullmatch(exchange.path) is not None


def json_body(exchange: Exchange, method: str) -> Any:
    """The JSON body of a POST to the collection or a PATCH of a relation, or None."""
    wanted = is_post(exchange) if method == "POST" else item(exchange, method) is not None
    try:
        return json.loads(exchange.body) if wanted else None
    except ValueError:
        return None


def patch_body(exchange: Exchange) -> Any:
    return json_body(exchange, "PATCH")


def op_name(operation: Any) -> str:
    op = operation.get("op") if isinstance(operation, dict) else None
    return OP_NAMES.get(op, "") if isinstance(op, int) else str(op or "").lower()


def created_id(reply: Reply) -> int | None:
    body = reply.json() if reply.status == 200 else None
    found = body.get("RelationId") if isinstance(body, dict) else None
    return found if isinstance(found, int) and found > 0 else None


def _keep_ops(exchange: Exchange, keep: Callable[[int, Any], bool]) -> None:
    """A JSON Patch array without the operations `keep(index, operation)` turns down."""
    body = patch_body(exchange)
    if isinstance(body, list):
        exchange.body = json.dumps([op for index, op in enumerate(body) if keep(index, op)]).encode()


# --- POST ---------------------------------------------------------------------------------------


def post_201(exchange: Exchange, reply: Reply) -> Reply:
    if is_post(exchange) and reply.status == 200:
        reply.status = 201
    return reply


def post_without_id(exchange: Exchange, reply: Reply) -> Reply:
    body = reply.json()
    if is_post(exchange) and reply.status == 200 and isinstance(body, dict):
        body.pop("RelationId", None)
        body.pop("_Links", None)
        reply.set_json(body)
    return reply


def post_without_links(exchange: Exchange, reply: Reply) -> Reply:
    body = reply.json()
    if is_post(exchange) and reply.status == 200 and isinstance(body, dict):
        body.pop("_Links", None)
        reply.set_json(body)
    return reply


def post_body_id_honoured(exchange: Exchange) -> None:
    """A POST whose body names a RelationId saves over that relation (a PUT in disguise)."""
    body = json_body(exchange, "POST")
    if isinstance(body, dict) and type(body.get("RelationId")) is int and body["RelationId"] > 0:
        exchange.method, exchange.path = "PUT", f"/api/v1/Relation/{body['RelationId']}"


class DuplicateIds:
    """Every second POST hands out the id the one before it got (and saves over that relation)."""

    def __init__(self) -> None:
        self.last: int | None = None

    def request(self, exchange: Exchange) -> None:
        if is_post(exchange) and self.last is not None:
            exchange.method, exchange.path = "PUT", f"/api/v1/Relation/{self.last}"
            self.last = None

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        if is_post(exchange):
            self.last = created_id(reply)
        return reply


class ReusedIds:
    """A POST hands out the id of a relation deleted before (as a sequence reset would)."""

    def __init__(self) -> None:
        self.deleted: list[int] = []

    def request(self, exchange: Exchange) -> None:
        if is_post(exchange) and self.deleted:
            exchange.method, exchange.path = "PUT", f"/api/v1/Relation/{self.deleted.pop()}"

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        gone = item(exchange, "DELETE")
        if gone is not None and reply.status == 204 and gone not in self.deleted:
            self.deleted.append(gone)
        return reply


def post_xml_refused(exchange: Exchange) -> Reply | None:
    if is_post(exchange) and "xml" in (exchange.header("content-type") or ""):
        return error_reply(415, "UnsupportedMediaTypeException", "XML is not supported here.")
    return None


def post_without_mandatory_references(exchange: Exchange) -> None:
    """A POST without SourceContactId/DestinationContactId (or with 0) is saved with the seed's contacts
    (contacts the mock has: it refuses one that does not exist)."""
    body = json_body(exchange, "POST")
    if isinstance(body, dict):
        for name, contact in (("SourceContactId", 381), ("DestinationContactId", 262)):
            if not body.get(name):
                body[name] = contact
        exchange.body = json.dumps(body).encode()


def post_select_ignored(exchange: Exchange) -> None:
    if is_post(exchange):
        exchange.query = [(key, value) for key, value in exchange.query if key != "$select"]


# --- DELETE -------------------------------------------------------------------------------------


def delete_keeps_relation(exchange: Exchange) -> None:
    """DELETE is answered 204, but the relation stays (the request is read, not carried out)."""
    if item(exchange, "DELETE") is not None:
        exchange.method = "GET"
        exchange.notes["delete"] = True


def answer_204(exchange: Exchange, reply: Reply) -> Reply:
    if exchange.notes.get("delete") and reply.status == 200:
        return Reply(204)
    return reply


def delete_answers_200(exchange: Exchange, reply: Reply) -> Reply:
    if item(exchange, "DELETE") is not None and reply.status == 204:
        reply.status = 200
        reply.set_json({"Deleted": True})
        reply.set_header("content-type", "application/json; charset=utf-8")
    return reply


def delete_without_credentials(exchange: Exchange) -> None:
    """A DELETE without credentials is carried out as the sample user's."""
    if item(exchange, "DELETE") is not None and not exchange.header("authorization"):
        exchange.drop_header("x-xsrf-token")
        exchange.set_header("authorization", "Basic dGplMDpUamUw")


def delete_ignores_stale(exchange: Exchange) -> None:
    if item(exchange, "DELETE") is not None:
        exchange.drop_header("if-unmodified-since")


def delete_neighbour(exchange: Exchange) -> None:
    """DELETE /{id} deletes relation id-1 (an off-by-one in the id)."""
    relation = item(exchange, "DELETE")
    if relation is not None:
        exchange.path = f"/api/v1/Relation/{relation - 1}"


# --- PATCH --------------------------------------------------------------------------------------


def patch_ignores_failed_test(exchange: Exchange) -> None:
    """`test` operations are skipped: the other operations apply whatever the relation holds."""
    _keep_ops(exchange, lambda _, op: op_name(op) != "test")


def patch_409_still_applies(exchange: Exchange, reply: Reply) -> Exchange | None:
    """A 409 for a failed `test`, after which the rest of the patch is applied all the same."""
    body = patch_body(exchange)
    if reply.status != 409 or not isinstance(body, list):
        return None
    again = Exchange("PATCH", exchange.path, [], list(exchange.headers), b"")
    again.body = json.dumps([op for op in body if op_name(op) != "test"]).encode()
    return again


def patch_ignores_stale(exchange: Exchange) -> None:
    if item(exchange, "PATCH") is not None:
        exchange.drop_header("if-unmodified-since")


def patch_creates(exchange: Exchange, reply: Reply) -> Exchange | None:
    """A PATCH of an unknown id creates the relation (as PUT does) from the patch's values."""
    body = patch_body(exchange)
    if reply.status != 404 or body is None:
        return None
    values: dict[str, Any] = {"SourceContactId": 381, "DestinationContactId": 262}
    if isinstance(body, dict):
        values.update((key, value) for key, value in body.items() if value is not None)
    else:
        for op in body:
            if op_name(op) in ("add", "replace") and isinstance(op, dict) and isinstance(op.get("path"), str):
                values[op["path"].lstrip("/")] = op.get("value")
    return internal(exchange, "PUT", exchange.path, values)


def created_answer(exchange: Exchange, reply: Reply) -> Reply:
    made = exchange.notes.get("then") or []
    return made[0] if made and made[0].status == 200 else reply


def merge_null_ignored(exchange: Exchange) -> None:
    """A merge patch's nulls are dropped instead of emptying their properties."""
    body = patch_body(exchange)
    if isinstance(body, dict):
        exchange.body = json.dumps({key: value for key, value in body.items() if value is not None}).encode()


class MergeReplaces:
    """A merge patch is read as a whole entity (PUT semantics): what it leaves out is emptied."""

    def before(self, exchange: Exchange) -> Exchange | None:
        return internal(exchange, "GET", exchange.path) if isinstance(patch_body(exchange), dict) else None

    def request(self, exchange: Exchange) -> None:
        current = exchange.notes.get("before")
        stored = current.json() if current is not None and current.status == 200 else None
        body = patch_body(exchange)
        if isinstance(stored, dict) and isinstance(body, dict):
            keep = ("SourceContactId", "DestinationContactId")
            exchange.body = json.dumps({**{key: stored[key] for key in keep}, **body}).encode()
            exchange.method = "PUT"


def patch_keeps_removed(exchange: Exchange) -> None:
    """`remove` operations are skipped: the property keeps its value."""
    _keep_ops(exchange, lambda _, op: op_name(op) != "remove")


def patch_first_op_only(exchange: Exchange) -> None:
    """Only the first operation of a JSON Patch is applied."""
    _keep_ops(exchange, lambda index, _: index == 0)


def patch_paths_case_sensitive(exchange: Exchange) -> None:
    """A path not spelt as the property is (`/comment`, `Comment`) is skipped without a word."""
    spelt = re.compile(r"/[A-Z]\w*(/[A-Z]\w*)*")
    _keep_ops(exchange, lambda _, op: not isinstance(op, dict) or bool(spelt.fullmatch(str(op.get("path")))))


def patch_op_numbers_refused(exchange: Exchange) -> Reply | None:
    """The vendor enum's numbers for `op` (its own sample sends `"op": 1`) are refused with 400."""
    body = patch_body(exchange)
    if isinstance(body, list) and any(isinstance(op, dict) and isinstance(op.get("op"), int) for op in body):
        return error_reply(400, "JsonPatchException", "op must be a string.")
    return None


def patch_unsupported_ops_skipped(exchange: Exchange) -> None:
    """`move`, `copy` and any op it does not know are skipped, not refused (the vendor: 400)."""
    _keep_ops(exchange, lambda _, op: op_name(op) in ("add", "replace", "remove", "test"))


# --- GET /default -------------------------------------------------------------------------------


def default_with_links(exchange: Exchange, reply: Reply) -> Reply:
    body = reply.json()
    if exchange.method == "GET" and DEFAULT.fullmatch(exchange.path) and isinstance(body, dict):
        body["_Links"] = {
            "Self": "http://localhost/api/v1/Relation/0",
            "Archive": "http://localhost/api/v1/Relation",
        }
        reply.set_json(body)
    return reply


def default_is_stored(exchange: Exchange) -> None:
    """GET /default answers a stored relation (the first one) instead of a new one."""
    if exchange.method == "GET" and DEFAULT.fullmatch(exchange.path):
        exchange.path = "/api/v1/Relation/918"
