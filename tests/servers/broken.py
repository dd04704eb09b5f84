"""Servers that each break one documented promise: the proof that every check can fail.

Each is the project's mock behind one small transform. `BROKEN` names them with the checks that
must catch them and the options that keep the run short (the checks and phases that matter).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp

from mockserver import Settings, create_app
from tests.servers.asgi import Exchange, OnRequest, OnResponse, Reply, Rewrite, error_reply

INT32_EDGES = (-(2**31), 2**31 - 1)
SAMPLE_AUTH = "Basic dGplMDpUamUw"


def _mock() -> ASGIApp:
    return create_app(Settings(quiet=True))


def _wrap(
    on_request: OnRequest | None = None, on_response: OnResponse | None = None
) -> Callable[[], ASGIApp]:
    return lambda: Rewrite(_mock(), on_request=on_request, on_response=on_response)


def _json_body(exchange: Exchange) -> Any:
    if "json" not in (exchange.header("content-type") or ""):
        return None
    try:
        return json.loads(exchange.body)
    except ValueError:
        return None


def _entity_reply(reply: Reply) -> dict[str, Any] | None:
    if reply.status != 200 or "json" not in reply.media_type:
        return None
    body = reply.json()
    return body if isinstance(body, dict) and "RelationId" in body else None


# --- one broken promise each ----------------------------------------------------------------------


def _overflow_500(exchange: Exchange) -> Reply | None:
    """5xx on some input: an int32 edge value in a JSON body overflows (as a .NET `short` would)."""
    body = _json_body(exchange)
    edges = isinstance(body, dict) and any(
        value in INT32_EDGES for value in body.values() if type(value) is int
    )
    if exchange.method == "PUT" and edges:
        return error_reply(500, "OverflowException", "Value was either too large or too small for an Int16.")
    return None


def _ignore_select(exchange: Exchange) -> None:
    exchange.query = [(key, value) for key, value in exchange.query if key != "$select"]


def _ignore_precondition(exchange: Exchange) -> None:
    exchange.drop_header("if-unmodified-since")


def _drop_passive_text(exchange: Exchange, reply: Reply) -> Reply:
    entity = _entity_reply(reply)
    if exchange.method == "PUT" and entity is not None and entity.get("PassiveText") is not None:
        entity["PassiveText"] = ""
        reply.set_json(entity)
    return reply


class _Forgetful:
    """Writes are answered but not kept: GET keeps answering what it first answered."""

    def __init__(self) -> None:
        self.first: dict[str, Reply] = {}

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        if exchange.method != "GET" or reply.status != 200:
            return reply
        key = exchange.path + "|" + (exchange.header("accept") or "") + "|" + str(exchange.query)
        return self.first.setdefault(key, reply)


def _xml_comment_differs(exchange: Exchange, reply: Reply) -> Reply:
    if reply.status == 200 and "xml" in reply.media_type:
        reply.body = re.sub(
            rb"<Comment>(.*?)</Comment>", rb"<Comment>\1 (xml)</Comment>", reply.body, count=1
        )
    return reply


def _auth_not_enforced(exchange: Exchange) -> None:
    if exchange.header("authorization") is None and exchange.header("x-xsrf-token") is None:
        exchange.set_header("authorization", SAMPLE_AUTH)


def _missing_body_accepted(exchange: Exchange) -> None:
    if exchange.method == "PUT" and not exchange.body.strip():
        exchange.body = b"{}"
        exchange.set_header("content-type", "application/json")


def _text_plain(exchange: Exchange, reply: Reply) -> Reply:
    if "json" in reply.media_type:
        reply.set_header("content-type", "text/plain; charset=utf-8")
    return reply


def _string_id(exchange: Exchange, reply: Reply) -> Reply:
    entity = _entity_reply(reply)
    if entity is not None and entity.get("RelationId") is not None:
        entity["RelationId"] = str(entity["RelationId"])
        reply.set_json(entity)
    return reply


def _body_id_wins(exchange: Exchange, reply: Reply) -> Reply:
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


def _xml_body_ignored(exchange: Exchange) -> None:
    if exchange.method == "PUT" and "xml" in (exchange.header("content-type") or ""):
        exchange.body = b"<ContactRelationEntity></ContactRelationEntity>"


class _Drifting:
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


def _forgetful() -> ASGIApp:
    return Rewrite(_mock(), on_response=_Forgetful().response)


def _drifting() -> ASGIApp:
    return Rewrite(_mock(), on_response=_Drifting().response)


@dataclass(frozen=True, slots=True)
class Broken:
    name: str
    promise: str
    app: Callable[[], ASGIApp]
    # At least one of these must be reported as violated.
    caught_by: tuple[str, ...]
    # Options that keep the test run short without hiding the break.
    args: tuple[str, ...]


PROPERTIES_ONLY = ("--checks", "property")
SCHEMATHESIS_QUICK = ("--checks", "schemathesis", "--phases", "examples,fuzzing")

BROKEN = (
    Broken("server_error", "no 5xx for valid input", _wrap(_overflow_500), ("not_a_server_error",),
           ("--checks", "schemathesis", "--phases", "examples,coverage")),
    Broken("select_ignored", "$select nulls unselected fields", _wrap(_ignore_select),
           ("select", "select_nulls_unselected"), PROPERTIES_ONLY),
    Broken("missing_412", "stale If-Unmodified-Since gives 412", _wrap(_ignore_precondition),
           ("concurrency",), PROPERTIES_ONLY),
    Broken("drops_field", "the PUT answer carries every field sent", _wrap(on_response=_drop_passive_text),
           ("round_trip",), PROPERTIES_ONLY),
    Broken("not_persisted", "a later read sees an earlier write", _forgetful,
           ("persistence",), PROPERTIES_ONLY),
    Broken("xml_differs", "the XML answer holds the JSON values", _wrap(on_response=_xml_comment_differs),
           ("negotiation_answer",), PROPERTIES_ONLY),
    Broken("auth_not_enforced", "no credentials gives 401", _wrap(_auth_not_enforced),
           ("auth_required", "ignored_auth"), PROPERTIES_ONLY),
    Broken("missing_body_accepted", "a missing body gives 400", _wrap(_missing_body_accepted),
           ("missing_body",), PROPERTIES_ONLY),
    Broken("wrong_content_type", "answers have a documented Content-Type", _wrap(on_response=_text_plain),
           ("content_type_conformance",), SCHEMATHESIS_QUICK),
    Broken("string_id", "answers match the response schema", _wrap(on_response=_string_id),
           ("response_schema_conformance",), SCHEMATHESIS_QUICK),
    Broken("body_id_wins", "the path id identifies the relation", _wrap(on_response=_body_id_wins),
           ("round_trip",), PROPERTIES_ONLY),
    Broken("xml_body_ignored", "an XML body updates the same fields as JSON", _wrap(_xml_body_ignored),
           ("negotiation_body",), PROPERTIES_ONLY),
    Broken("not_idempotent", "the same PUT twice gives the same relation", _drifting, ("idempotence",),
           PROPERTIES_ONLY),
)  # fmt: skip
