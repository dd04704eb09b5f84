"""Servers that break one promise of the spec's other resources, or of the relation's references.

Each is the project's mock behind one small transform (`tests.servers.asgi.Rewrite`), as in
`tests.servers.broken`; `ENTITY_BROKEN` names each with the check that must catch it and the options
that keep the run short. Every run is against a URL with --all-resources and --create-references, so
the entity properties and `derived_names_follow` write there (to records they created).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp

from mockserver import Settings, create_app
from tests.servers.asgi import Exchange, Reply, Rewrite, error_reply, internal

CONTACT = re.compile(r"/api/v1/Contact/(\d+)/?", re.IGNORECASE)
PERSON = re.compile(r"/api/v1/Person/(\d+)/?", re.IGNORECASE)
RELATION = re.compile(r"/api/v1/Relation(?:/(\d+))?/?", re.IGNORECASE)
NAMES = ("SourceContactName", "DestinationContactName")
PERSON_OF = {"SourcePersonId": "SourceContactId", "DestinationPersonId": "DestinationContactId"}


def _json(exchange: Exchange) -> Any:
    if "json" not in (exchange.header("content-type") or ""):
        return None
    try:
        return json.loads(exchange.body)
    except ValueError:
        return None


def _set(exchange: Exchange, body: Any) -> None:
    exchange.body = json.dumps(body).encode()


# --- the spec's other resources ---------------------------------------------------------------------


def contact_put_drops_department(exchange: Exchange) -> None:
    """A Contact PUT loses Department on the way to the store (the answer shows it empty)."""
    body = _json(exchange)
    if exchange.method == "PUT" and CONTACT.fullmatch(exchange.path) and isinstance(body, dict):
        body.pop("Department", None)
        _set(exchange, body)


class PersonPutMerges:
    """A Person PUT keeps the stored value of every field the body leaves out or sends as null."""

    def before(self, exchange: Exchange) -> Exchange | None:
        if exchange.method == "PUT" and PERSON.fullmatch(exchange.path) and isinstance(_json(exchange), dict):
            return internal(exchange, "GET", exchange.path)
        return None

    def request(self, exchange: Exchange) -> None:
        current = exchange.notes.get("before")
        stored = current.json() if current is not None and current.status == 200 else None
        body = _json(exchange)
        if isinstance(stored, dict) and isinstance(body, dict):
            for name in ("Firstname", "MiddleName", "Lastname"):
                if body.get(name) is None:
                    body[name] = stored.get(name)
            _set(exchange, body)


def contact_precondition_ignored(exchange: Exchange) -> None:
    """A Contact PUT ignores If-Unmodified-Since: a stale one overwrites."""
    if exchange.method == "PUT" and CONTACT.fullmatch(exchange.path):
        exchange.drop_header("if-unmodified-since")


def contact_select_ignored(exchange: Exchange) -> None:
    """A Contact GET ignores `$select`: every field is answered."""
    if exchange.method == "GET" and CONTACT.fullmatch(exchange.path):
        exchange.query = [(key, value) for key, value in exchange.query if key.lower() != "$select"]


def contact_delete_keeps(exchange: Exchange) -> Reply | None:
    """A Contact DELETE answers 204 and deletes nothing."""
    if exchange.method == "DELETE" and CONTACT.fullmatch(exchange.path):
        return Reply(204)
    return None


class ContactPutDrifts:
    """Every Contact PUT appends a counter to Number2: the same PUT twice gives two records."""

    def __init__(self) -> None:
        self.count = 0

    def request(self, exchange: Exchange) -> None:
        body = _json(exchange)
        if exchange.method == "PUT" and CONTACT.fullmatch(exchange.path) and isinstance(body, dict):
            self.count += 1
            body["Number2"] = f"{body.get('Number2') or ''}#{self.count}"
            _set(exchange, body)


def contact_xml_differs(exchange: Exchange, reply: Reply) -> Reply:
    """A Contact's XML answer holds another Name than its JSON one."""
    if CONTACT.fullmatch(exchange.path) and reply.status == 200 and "xml" in reply.media_type:
        reply.body = re.sub(rb"<Name>(.*?)</Name>", rb"<Name>\1 (xml)</Name>", reply.body, count=1)
    return reply


NAME_LENGTH = 30


def _announce_name_length(exchange: Exchange, reply: Reply) -> Reply:
    """Contact answers announce FieldProperties.Name.FieldLength 30 (the mock announces none)."""
    entity = reply.json() if reply.status == 200 and CONTACT.fullmatch(exchange.path) else None
    if isinstance(entity, dict) and isinstance(entity.get("FieldProperties"), dict):
        name = entity["FieldProperties"].get("Name")
        if isinstance(name, dict):
            name["FieldLength"] = NAME_LENGTH
            reply.set_json(entity)
    return reply


def _refuse_long_name(exchange: Exchange) -> Reply | None:
    body = _json(exchange)
    name = body.get("Name") if isinstance(body, dict) else None
    if exchange.method in ("PUT", "POST") and isinstance(name, str) and len(name) > NAME_LENGTH:
        return error_reply(400, "ValidationException", f"Name is longer than {NAME_LENGTH} characters")
    return None


def contact_name_length_app() -> ASGIApp:
    """A Contact Name of at most 30 characters, announced and kept: what entity_text_lengths accepts."""
    return Rewrite(_mock(), on_request=_refuse_long_name, on_response=_announce_name_length)


def contact_post_answers_381(exchange: Exchange, reply: Reply) -> Exchange | None:
    """A Contact POST (deduplicating, say) is answered with the customer's contact 381."""
    if (
        exchange.method == "POST"
        and exchange.path.rstrip("/").lower() == "/api/v1/contact"
        and reply.status == 200
    ):
        return internal(exchange, "GET", "/api/v1/Contact/381")
    return None


# --- the relation's references ----------------------------------------------------------------------


class EchoesNames:
    """A relation's contact names are what a client last sent in them, not the contacts' names now."""

    def __init__(self) -> None:
        self.sent: dict[str, dict[str, Any]] = {}

    def request(self, exchange: Exchange) -> None:
        found = RELATION.fullmatch(exchange.path)
        body = _json(exchange)
        if found and exchange.method in ("PUT", "POST") and isinstance(body, dict):
            exchange.notes["names"] = {name: body[name] for name in NAMES if body.get(name)}

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        found = RELATION.fullmatch(exchange.path)
        entity = reply.json() if reply.status == 200 and found else None
        if not isinstance(entity, dict) or not isinstance(entity.get("RelationId"), int):
            return reply
        key = str(entity["RelationId"])
        if exchange.notes.get("names"):
            self.sent[key] = exchange.notes["names"]
        if self.sent.get(key):
            entity.update(self.sent[key])
            reply.set_json(entity)
        return reply


class NamesFrozen:
    """A relation keeps the contact names it was first answered with: a rename never shows."""

    names = NAMES

    def __init__(self) -> None:
        self.first: dict[str, dict[str, Any]] = {}

    def response(self, exchange: Exchange, reply: Reply) -> Reply:
        found = RELATION.fullmatch(exchange.path)
        entity = reply.json() if reply.status == 200 and found else None
        if not isinstance(entity, dict) or not isinstance(entity.get("RelationId"), int):
            return reply
        if "$select" in {key.lower() for key, _ in exchange.query}:
            return reply
        names = self.first.setdefault(
            str(entity["RelationId"]), {name: entity.get(name) for name in self.names}
        )
        entity.update(names)
        reply.set_json(entity)
        return reply


class PersonNamesFrozen(NamesFrozen):
    """A relation keeps the person names it was first answered with: a renamed person never shows."""

    names = ("SourcePersonName", "DestinationPersonName")


def foreign_person_dropped(exchange: Exchange, reply: Reply) -> Exchange | None:
    """The mock's refusal of a person of another contact becomes a write without that person."""
    body = _json(exchange)
    if reply.status != 400 or b"does not belong" not in reply.body or not isinstance(body, dict):
        return None
    if exchange.method not in ("PUT", "POST") or not RELATION.fullmatch(exchange.path):
        return None
    request = internal(exchange, exchange.method, exchange.path, {**body, **dict.fromkeys(PERSON_OF, 0)})
    return request


def foreign_person_plain_refusal(exchange: Exchange, reply: Reply) -> Reply:
    """A person of another contact is refused with 422 and a line of text (not the vendor's shape)."""
    if reply.status == 400 and b"does not belong" in reply.body and RELATION.fullmatch(exchange.path):
        return Reply(422, [("content-type", "text/plain; charset=utf-8")], b"Unprocessable entity")
    return reply


def plain_refusal_app() -> ASGIApp:
    return Rewrite(_mock(), on_response=foreign_person_plain_refusal)


def accepted_answer(exchange: Exchange, reply: Reply) -> Reply:
    made = exchange.notes.get("then") or []
    return made[0] if made and made[0].status == 200 else reply


def existing_contact_app() -> ASGIApp:
    """The mock, with every Contact POST answered by contact 381 (which exists before the run)."""
    return Rewrite(_mock(), then=contact_post_answers_381, on_response=accepted_answer)


# --- the servers -------------------------------------------------------------------------------------


def _mock() -> ASGIApp:
    return create_app(Settings(quiet=True))


def _build(state: Callable[[], Any] | None = None, **hooks: Any) -> Callable[[], ASGIApp]:
    def build() -> ASGIApp:
        made = state() if state is not None else None
        for name in ("before", "request", "response", "then"):
            if made is not None and hasattr(made, name):
                hooks.setdefault(
                    {"request": "on_request", "response": "on_response"}.get(name, name), getattr(made, name)
                )
        return Rewrite(_mock(), **hooks)

    return build


@dataclass(frozen=True, slots=True)
class EntityBroken:
    name: str
    promise: str
    app: Callable[[], ASGIApp]
    caught_by: str


ENTITY_BROKEN = (
    EntityBroken("contact_put_drops_department", "a Contact PUT stores every field sent",
                 _build(on_request=contact_put_drops_department), "entity_stored_as_sent"),
    EntityBroken("person_put_merges", "a Person PUT replaces the record (no merge)",
                 _build(PersonPutMerges), "entity_replace"),
    EntityBroken("contact_not_idempotent", "the same Contact PUT twice gives the same record",
                 _build(ContactPutDrifts), "entity_idempotence"),
    EntityBroken("contact_select_ignored", "$select on a Contact nulls the unselected fields",
                 _build(on_request=contact_select_ignored), "entity_select"),
    EntityBroken("contact_precondition_ignored", "a stale If-Unmodified-Since on a Contact PUT gives 412",
                 _build(on_request=contact_precondition_ignored), "entity_preconditions"),
    EntityBroken("contact_delete_keeps", "a deleted Contact is gone",
                 _build(on_request=contact_delete_keeps), "entity_lifecycle"),
    EntityBroken("contact_name_past_length_stored", "a Contact Name past its FieldLength is refused",
                 _build(on_response=_announce_name_length), "entity_text_lengths"),
    EntityBroken("contact_xml_differs", "a Contact's XML answer holds its JSON values",
                 _build(on_response=contact_xml_differs), "entity_negotiation"),
    EntityBroken("echoes_contact_names", "a relation's contact names are read from the contacts",
                 _build(EchoesNames), "derived_names_follow"),
    EntityBroken("names_frozen", "a renamed contact's name shows in its relations",
                 _build(NamesFrozen), "derived_names_follow"),
    EntityBroken("person_names_frozen", "a renamed person's name shows in its relations",
                 _build(PersonNamesFrozen), "derived_names_follow"),
    EntityBroken("foreign_person_accepted", "a person of another contact is refused",
                 _build(then=foreign_person_dropped, on_response=accepted_answer), "foreign_person_refused"),
)  # fmt: skip
