"""The proxy's worded promises judge every entity the spec serves, each by its own declarations:
the key (`x-primary-key`) is the path's id, mandatory fields (`required`) are refused when empty,
the server-set fields (`x-server-set`) are the write's time and caller, derived ones (`x-derived`)
are computed, a GET shows the last write, and `--record` keeps every resource's entities so that a
recording replays every entity in the mock.

Each broken upstream is the mock behind a `Rewrite` that breaks one promise on a Contact or Person
answer; the proxy in front of it names that promise. In front of the unbroken mock the same traffic
shows no violation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mockserver import Settings, create_app
from tests.livemock import mock_in_thread
from tests.proxy.conftest import AUTH, proxy_before, proxy_in_thread, violations
from tests.servers.asgi import Exchange, Reply, Rewrite

ROOT = Path(__file__).resolve().parents[2]
CONTACT = "/api/v1/Contact"
PERSON = "/api/v1/Person"
ITEM = re.compile(r"/api/v1/(Contact|Person)/[0-9]+/?", re.IGNORECASE)
CONTACT_BODY = {"Name": "Nordic Widgets", "Department": "Sales", "OrgNr": "NO-1", "Number1": "7"}
PERSON_BODY = {"Firstname": "Ada", "MiddleName": "", "Lastname": "Lovelace", "Contact": {"ContactId": 381}}


def _answer(reply: Reply, key: str) -> dict[str, Any] | None:
    body = reply.json() if reply.status == 200 and "json" in reply.media_type else None
    return body if isinstance(body, dict) and key in body else None


def _on(
    method: str, key: str, change: Callable[[dict[str, Any]], None]
) -> Callable[[Exchange, Reply], Reply]:
    """A server whose `method` answers carrying `key` (ContactId, PersonId) are changed by `change`."""

    def rewrite(exchange: Exchange, reply: Reply) -> Reply:
        body = _answer(reply, key)
        if exchange.method == method and body is not None and not exchange.param("$select"):
            change(body)
            reply.set_json(body)
        return reply

    return rewrite


def _set(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.update(values)


def _other_person_id(body: dict[str, Any]) -> None:
    body["PersonId"] = body["PersonId"] + 1


def _old_stamp(body: dict[str, Any]) -> None:
    body["UpdatedDate"] = "2014-03-31T07:40:59"  # the fixture's own: not the time of this write


class _StaleReads:
    """Writes are stored, but GET answers the contact as it first read it (the write was not kept)."""

    def __init__(self) -> None:
        self.first: dict[str, bytes] = {}

    def __call__(self, exchange: Exchange, reply: Reply) -> Reply:
        whole_json = "json" in reply.media_type and not exchange.param("$select")
        if exchange.method == "GET" and ITEM.fullmatch(exchange.path) and reply.status == 200 and whole_json:
            body = self.first.setdefault(exchange.path, reply.body)
            if body != reply.body:
                old, new = json.loads(body), reply.json()
                new.update({name: old[name] for name in ("Name", "Department")})
                reply.set_json(new)
        return reply


def _flow(client: httpx.Client) -> list[int]:
    """Varied traffic on contacts and persons: every operation, $select, a stale precondition."""
    created_contact = client.post(CONTACT, json=CONTACT_BODY)
    contact = created_contact.json()["ContactId"] if created_contact.status_code == 200 else 381
    created_person = client.post(PERSON, json={**PERSON_BODY, "Contact": {"ContactId": contact}})
    person = created_person.json()["PersonId"] if created_person.status_code == 200 else 272
    answers = [
        created_contact,
        created_person,
        client.get(f"{CONTACT}/381"),
        client.get(f"{CONTACT}/{contact}"),
        client.put(f"{CONTACT}/{contact}", json={**CONTACT_BODY, "Name": "Renamed", "ContactId": 1}),
        client.get(f"{CONTACT}/{contact}"),
        client.get(f"{CONTACT}/{contact}", headers={"Accept": "application/xml"}),
        client.get(f"{CONTACT}/{contact}", params={"$select": "Name,ContactId"}),
        client.put(f"{PERSON}/{person}", json={**PERSON_BODY, "FullName": "ignored", "Firstname": "Augusta"}),
        client.get(f"{PERSON}/{person}"),
        client.put(
            f"{PERSON}/272",
            json={**PERSON_BODY},
            headers={"If-Unmodified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"},
        ),
        client.get(f"{CONTACT}/default"),
        client.get(f"{PERSON}/default"),
        client.delete(f"{PERSON}/{person}"),
        client.get(f"{PERSON}/{person}"),
    ]
    return [answer.status_code for answer in answers]


@pytest.fixture
def spec_with_a_mandatory_lastname(tmp_path: Path) -> Path:
    spec = yaml.safe_load((ROOT / "openapi" / "relation.yaml").read_text(encoding="utf-8"))
    spec["components"]["schemas"]["PersonEntity"]["required"] = ["Lastname"]
    path = tmp_path / "mandatory-lastname.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def mock_app() -> Iterator[Any]:
    yield create_app(Settings(quiet=True))


def _found(upstream: Any, **settings: Any) -> tuple[list[int], list[dict[str, Any]]]:
    with (
        proxy_before(upstream, **settings) as proxy,
        httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client,
    ):
        statuses = _flow(client)
        return statuses, violations(proxy)


EXPECTED = [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 412, 200, 200, 204, 404]


def test_the_unbroken_mock_keeps_every_entity_s_promises(mock_app: Any) -> None:
    statuses, found = _found(mock_app)
    assert statuses == EXPECTED
    assert found == []


@pytest.mark.parametrize(
    ("name", "rewrite", "check", "location"),
    [
        (
            "a person answered under another id",
            _on("PUT", "PersonId", _other_person_id),
            "path-id",
            "body/PersonId",
        ),
        (
            "a contact PUT that keeps the old Name",
            _on("PUT", "ContactId", _set(Name="Old name")),
            "round-trip",
            "body/Name",
        ),
        (
            "a contact PUT that keeps the old UpdatedDate",
            _on("PUT", "ContactId", _old_stamp),
            "clock",
            "body/UpdatedDate",
        ),
        (
            "a person PUT stamped by someone else",
            _on("PUT", "PersonId", _set(UpdatedBy={"AssociateId": 5, "Name": "RJ", "UserName": "rj"})),
            "updated-by",
            "body/UpdatedBy",
        ),
        (
            "a contact POST with an old CreatedDate",
            _on("POST", "ContactId", _set(CreatedDate="2001-01-01T00:00:00")),
            "clock",
            "body/CreatedDate",
        ),
        (
            "a person whose FullName echoes the body",
            _on("PUT", "PersonId", _set(FullName="ignored")),
            "derived",
            "body/FullName",
        ),
        (
            "a contact POST answering id 0",
            _on("POST", "ContactId", _set(ContactId=0)),
            "created-id",
            "body/ContactId",
        ),
        (
            "a contact default with links",
            _on("GET", "ContactId", lambda b: b.setdefault("_Links", {"Self": "x"})),
            "default-entity",
            "body/_Links",
        ),
    ],
)
def test_a_broken_promise_on_a_contact_or_person_answer_is_named(
    name: str, rewrite: Callable[[Exchange, Reply], Reply], check: str, location: str
) -> None:
    _, found = _found(Rewrite(create_app(Settings(quiet=True)), on_response=rewrite))
    named = [(v["Check"], v["Location"]) for v in found if v["Side"] == "response"]
    assert (check, location) in named, (name, found)
    assert all(re.match(r"/api/v1/(Contact|Person)", v["Path"]) for v in found), found


def test_a_get_that_does_not_show_the_last_contact_write_is_named() -> None:
    _, found = _found(Rewrite(create_app(Settings(quiet=True)), on_response=_StaleReads()))
    named = {(v["Check"], v["Location"]) for v in found}
    assert ("persistence", "body/Name") in named, found
    assert all(v["Path"].startswith(CONTACT) for v in found), found


def test_a_mandatory_field_from_required_is_refused_when_empty(spec_with_a_mandatory_lastname: Path) -> None:
    with (
        mock_in_thread() as upstream,  # the served spec does not require Lastname: it accepts ""
        proxy_in_thread(upstream, spec_path=spec_with_a_mandatory_lastname) as proxy,
        httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client,
    ):
        answer = client.put(f"{PERSON}/272", json={**PERSON_BODY, "Lastname": ""})
        assert answer.status_code == 200
        found = violations(proxy)
    assert [(v["Check"], v["Location"]) for v in found] == [("mandatory-reference", "body/Lastname")], found


def test_a_recording_keeps_every_resource_and_replays_it_in_the_mock(tmp_path: Path, mock_app: Any) -> None:
    recording = tmp_path / "recorded.json"
    with (
        proxy_before(mock_app, record_file=recording) as proxy,
        httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client,
    ):
        put = client.put(f"{CONTACT}/380", json={**CONTACT_BODY, "Name": "Recorded contact"})
        person = client.post(PERSON, json={**PERSON_BODY, "Lastname": "Recorded"}).json()
        client.get("/api/v1/Relation/918")
        assert client.delete(f"{PERSON}/492").status_code == 204
        assert client.get(f"{PERSON}/492").status_code == 404
        assert put.status_code == 200 and violations(proxy) == []
    recorded = json.loads(recording.read_text())
    assert set(recorded) == {"Relation", "Contact", "Person"}
    assert set(recorded["Contact"]) == {"380"} and recorded["Contact"]["380"]["Name"] == "Recorded contact"
    assert set(recorded["Person"]) == {str(person["PersonId"])}
    assert (
        "_Links" not in recorded["Contact"]["380"]
        and "TableRight" not in recorded["Person"][str(person["PersonId"])]
    )
    with (
        mock_in_thread(fixtures_file=recording) as replay,
        httpx.Client(base_url=replay, headers=AUTH, timeout=10) as client,
    ):
        assert client.get(f"{CONTACT}/380").json()["Name"] == "Recorded contact"
        assert client.get(f"{CONTACT}/380").json()["UpdatedDate"] == put.json()["UpdatedDate"]
        assert client.get(f"{PERSON}/{person['PersonId']}").json()["FullName"] == "Ada Recorded"
        assert client.get("/api/v1/Relation/918").status_code == 200
        assert client.get(f"{CONTACT}/381").status_code == 404  # a replay holds what was recorded
