"""The transforms behind the broken servers: each takes the mock's request or answer and breaks
one promise with it (see `tests.servers.broken` for which check must catch which)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from tests.servers.asgi import Exchange, OnRequest, OnResponse, Reply, error_reply

SAMPLE_AUTH = "Basic dGplMDpUamUw"
RELATION_PATH = re.compile(r"/api/v1/Relation/([^/]*)/?")


def _json_body(exchange: Exchange) -> Any:
    if "json" not in (exchange.header("content-type") or ""):
        return None
    try:
        return json.loads(exchange.body)
    except ValueError:
        return None


def _set_json_body(exchange: Exchange, body: Any) -> None:
    exchange.body = json.dumps(body).encode()


def _entity_reply(reply: Reply) -> dict[str, Any] | None:
    if reply.status != 200 or "json" not in reply.media_type:
        return None
    body = reply.json()
    return body if isinstance(body, dict) and "RelationId" in body else None


def _is_relation_put(exchange: Exchange) -> bool:
    return exchange.method == "PUT" and RELATION_PATH.fullmatch(exchange.path) is not None


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _parse_date(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).split(".")[0]).replace(tzinfo=UTC)
    except ValueError:
        return None


# --- the documented promises (vendor) -------------------------------------------------------------


def comment_500(exchange: Exchange) -> Reply | None:
    """5xx for valid input: any JSON body with a Comment (a crash in the save)."""
    body = _json_body(exchange)
    if _is_relation_put(exchange) and isinstance(body, dict) and isinstance(body.get("Comment"), str):
        return error_reply(
            500, "NullReferenceException", "Object reference not set to an instance of an object."
        )
    return None


def ignore_select(exchange: Exchange) -> None:
    exchange.query = [(key, value) for key, value in exchange.query if key != "$select"]


def ignore_precondition(exchange: Exchange) -> None:
    exchange.drop_header("if-unmodified-since")


def drop_comment(exchange: Exchange, reply: Reply) -> Reply:
    entity = _entity_reply(reply)
    if exchange.method == "PUT" and entity is not None and entity.get("Comment"):
        entity["Comment"] = ""
        reply.set_json(entity)
    return reply


class Forgetful:
    """Writes are answered but not kept: GET keeps answering what it first answered."""

    def __init__(self) -> None:
        self.first: dict[str, Reply] = {}

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        if exchange.method != "GET" or reply.status != 200:
            return reply
        key = exchange.path + "|" + (exchange.header("accept") or "") + "|" + str(exchange.query)
        return self.first.setdefault(key, reply)


def xml_comment_differs(exchange: Exchange, reply: Reply) -> Reply:
    if reply.status == 200 and "xml" in reply.media_type:
        reply.body = re.sub(
            rb"<Comment>(.*?)</Comment>", rb"<Comment>\1 (xml)</Comment>", reply.body, count=1
        )
    return reply


def auth_not_enforced(exchange: Exchange) -> None:
    if exchange.header("authorization") is None and exchange.header("x-xsrf-token") is None:
        exchange.set_header("authorization", SAMPLE_AUTH)


def missing_body_accepted(exchange: Exchange) -> None:
    if exchange.method == "PUT" and not exchange.body.strip():
        exchange.body = b'{"SourceContactId": 381, "DestinationContactId": 262}'
        exchange.set_header("content-type", "application/json")


def text_plain(exchange: Exchange, reply: Reply) -> Reply:
    if "json" in reply.media_type:
        reply.set_header("content-type", "text/plain; charset=utf-8")
    return reply


def string_id(exchange: Exchange, reply: Reply) -> Reply:
    entity = _entity_reply(reply)
    if entity is not None and entity.get("RelationId") is not None:
        entity["RelationId"] = str(entity["RelationId"])
        reply.set_json(entity)
    return reply


def xml_body_ignored(exchange: Exchange) -> None:
    if exchange.method == "PUT" and "xml" in (exchange.header("content-type") or ""):
        exchange.body = b"<ContactRelationEntity></ContactRelationEntity>"


class Drifting:
    """Not idempotent: every write answers a CreatedBy that moved on since the last one."""

    def __init__(self) -> None:
        self.writes = 0

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        entity = _entity_reply(reply)
        if exchange.method == "PUT" and entity is not None and isinstance(entity.get("CreatedBy"), dict):
            self.writes += 1
            entity["CreatedBy"] = {**entity["CreatedBy"], "Rank": self.writes}
            reply.set_json(entity)
        return reply


class Merging:
    """PUT merges: fields the body leaves out (or sends as null) keep their stored values."""

    def __init__(self) -> None:
        self.last: dict[str, dict[str, Any]] = {}

    def request(self, exchange: Exchange) -> None:
        body = _json_body(exchange)
        if _is_relation_put(exchange) and isinstance(body, dict):
            merged = {**self.last.get(exchange.path, {}), **{k: v for k, v in body.items() if v is not None}}
            self.last[exchange.path] = merged
            _set_json_body(exchange, merged)


class Frozen:
    """UpdatedDate (and Last-Modified) stop at the first write's; preconditions judge that date."""

    def __init__(self) -> None:
        self.frozen: str | None = None

    def request(self, exchange: Exchange) -> Reply | None:
        since = exchange.header("if-unmodified-since")
        if not _is_relation_put(exchange) or since is None or self.frozen is None:
            return None
        exchange.drop_header("if-unmodified-since")
        stamp = _parse_date(self.frozen)
        try:
            given = datetime.strptime(since, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
        except ValueError:
            return None
        if stamp is not None and stamp > given:
            return error_reply(412, "PreconditionFailedException", "Update stopped: changed since then.")
        return None

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        entity = _entity_reply(reply)
        if entity is None:
            return reply
        if self.frozen is None and exchange.method == "PUT":
            self.frozen = entity.get("UpdatedDate")
        if self.frozen is not None:
            entity["UpdatedDate"] = self.frozen
            reply.set_json(entity)
            if reply.header("last-modified") and _parse_date(self.frozen):
                reply.set_header("last-modified", _http_date(_parse_date(self.frozen)))
        return reply


def shifted(offset: timedelta) -> tuple[OnRequest, OnResponse]:
    """UpdatedDate and Last-Modified moved by `offset` from the time of the write, consistently
    (preconditions are judged against the moved dates)."""

    def request(exchange: Exchange) -> None:
        since = exchange.header("if-unmodified-since")
        try:
            given = datetime.strptime(since or "", "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
        except ValueError:
            return
        exchange.set_header("if-unmodified-since", _http_date(given - offset))

    def response(exchange: Exchange, reply: Reply) -> Reply:
        entity = _entity_reply(reply)
        stamp = _parse_date(entity.get("UpdatedDate")) if entity else None
        if entity is None or stamp is None:
            return reply
        entity["UpdatedDate"] = (stamp + offset).strftime("%Y-%m-%dT%H:%M:%S")
        reply.set_json(entity)
        if reply.header("last-modified"):
            reply.set_header("last-modified", _http_date(stamp + offset))
        return reply

    return request, response


class UpdatedByKept:
    """UpdatedBy is never set by a write: every answer shows the first one ever seen."""

    def __init__(self) -> None:
        self.first: Any = None

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        entity = _entity_reply(reply)
        if entity is None or "UpdatedBy" not in entity:
            return reply
        if self.first is None:
            self.first = entity["UpdatedBy"] or {}
        entity["UpdatedBy"] = self.first
        reply.set_json(entity)
        return reply


def select_saves_selected(exchange: Exchange) -> None:
    """A PUT with $select saves only the selected fields."""
    raw = exchange.param("$select")
    body = _json_body(exchange)
    if _is_relation_put(exchange) and raw and isinstance(body, dict):
        names = {name.split("/")[0].strip().lower() for name in raw.split(",")}
        _set_json_body(exchange, {key: value for key, value in body.items() if key.lower() in names})


def write_despite_412(exchange: Exchange, reply: Reply) -> Exchange | None:
    """A 412 that still writes: the refused request is sent once more without its precondition."""
    if reply.status != 412 or not _is_relation_put(exchange):
        return None
    again = Exchange(
        exchange.method, exchange.path, list(exchange.query), list(exchange.headers), exchange.body
    )
    again.drop_header("if-unmodified-since")
    return again


def refuse_every_precondition(exchange: Exchange) -> Reply | None:
    if _is_relation_put(exchange) and exchange.header("if-unmodified-since") is not None:
        return error_reply(412, "PreconditionFailedException", "Update stopped: changed since then.")
    return None


def get_404(exchange: Exchange) -> Reply | None:
    if exchange.method == "GET" and RELATION_PATH.fullmatch(exchange.path):
        return error_reply(404, "SoNotFoundException", "ContactRelationEntity not found")
    return None


def form_ignored(exchange: Exchange) -> None:
    """A form body is answered 200 with the relation as it was: nothing is saved."""
    if _is_relation_put(exchange) and "x-www-form-urlencoded" in (exchange.header("content-type") or ""):
        exchange.method, exchange.body = "GET", b""
        exchange.drop_header("content-type")


def text_json_differs(exchange: Exchange, reply: Reply) -> Reply:
    entity = _entity_reply(reply)
    if entity is not None and reply.media_type == "text/json":
        entity["Comment"] = f"{entity.get('Comment') or ''} (text/json)"
        reply.set_json(entity)
    return reply


def invalid_text_json_500(exchange: Exchange, reply: Reply) -> Reply:
    """An invalid body is refused under application/json but crashes the server under text/json
    (a second formatter, registered without the validation filter): only an alias's invalid bodies
    show it."""
    sent = (exchange.header("content-type") or "").split(";")[0].strip().lower()
    if exchange.method == "PUT" and sent == "text/json" and reply.status == 400:
        return error_reply(
            500, "NullReferenceException", "Object reference not set to an instance of an object."
        )
    return reply


class ZeroReferences:
    """Mandatory references accepted as 0 (or absent): stored and answered as given."""

    def __init__(self) -> None:
        self.zeroed: list[str] = []

    def request(self, exchange: Exchange) -> None:
        body = _json_body(exchange)
        self.zeroed = []
        if _is_relation_put(exchange) and isinstance(body, dict):
            for name, contact in (("SourceContactId", 381), ("DestinationContactId", 262)):
                if not body.get(name):
                    body[name] = contact  # a contact the mock has: it refuses one that does not exist
                    self.zeroed.append(name)
            _set_json_body(exchange, body)

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        entity = _entity_reply(reply)
        if entity is not None and self.zeroed:
            entity.update(dict.fromkeys(self.zeroed, 0))
            reply.set_json(entity)
        return reply


# --- promises the run enforces only with --strict (framework, RFC, ours) ------------------------


def body_id_wins(exchange: Exchange, reply: Reply) -> Reply:
    body, entity = _json_body(exchange), _entity_reply(reply)
    if (
        exchange.method == "PUT"
        and isinstance(body, dict)
        and entity is not None
        and type(body.get("RelationId")) is int
    ):
        entity["RelationId"] = body["RelationId"]
        reply.set_json(entity)
    return reply


PRODUCED = {"application/json", "text/json", "application/xml", "text/xml", "application/json-patch+json",
            "application/merge-patch+json", "*/*", "application/*", "text/*"}  # fmt: skip


def nulls_refused(exchange: Exchange) -> Reply | None:
    """400 for a JSON body with null for an integer (as a strict .NET binder may answer)."""
    body = _json_body(exchange)
    if _is_relation_put(exchange) and isinstance(body, dict):
        nulled = [key for key, value in body.items() if value is None and key.endswith(("Id", "Reversed"))]
        if nulled:
            return error_reply(400, "ArgumentNullException", f"{nulled[0]}: null is not an integer.")
    return None


def strict_accept(exchange: Exchange) -> Reply | None:
    """406 for an Accept that names nothing the server produces (Web API would answer in JSON)."""
    accept = (exchange.header("accept") or "").lower()
    wanted = {part.split(";")[0].strip() for part in accept.split(",")}
    if accept and not wanted & PRODUCED:
        return error_reply(406, "NotAcceptableException", f"Cannot produce {accept!r}.")
    return None


# --- servers that break exactly what a suppression in contracts/fuzzing/rules.py sets aside ------------


def xml_refused(exchange: Exchange) -> Reply | None:
    """Refuses every XML body (a 400 that is not about XML having no null)."""
    if _is_relation_put(exchange) and "xml" in (exchange.header("content-type") or ""):
        return error_reply(400, "SerializationException", "Cannot read the XML body.")
    return None


def precondition_without_header(exchange: Exchange) -> Reply | None:
    """412 to a PUT that sent no If-Unmodified-Since."""
    if _is_relation_put(exchange) and exchange.header("if-unmodified-since") is None:
        return error_reply(412, "PreconditionFailedException", "Update stopped: changed since then.")
    return None


def xml_bad_type_accepted(exchange: Exchange) -> None:
    """An Associate `Type` outside its enum, sent as XML, is accepted (read as Unknown)."""
    if _is_relation_put(exchange) and "xml" in (exchange.header("content-type") or ""):
        exchange.body = re.sub(rb"<Type>[^<]*</Type>", b"<Type>Unknown</Type>", exchange.body)


def precondition_before_routing(exchange: Exchange) -> Reply | None:
    """412 for any PUT with If-Unmodified-Since whose id matches no route (the route must come first)."""
    match = RELATION_PATH.fullmatch(exchange.path)
    routed = match is not None and re.fullmatch(r"-?\d{1,10}", match[1]) and -(2**31) <= int(match[1]) < 2**31
    if exchange.method == "PUT" and not routed and exchange.header("if-unmodified-since") is not None:
        return error_reply(412, "PreconditionFailedException", "Update stopped: changed since then.")
    return None


def garbage_404(exchange: Exchange, reply: Reply) -> Reply:
    if reply.status == 404:
        reply.set_json({"oops": True})
    return reply
