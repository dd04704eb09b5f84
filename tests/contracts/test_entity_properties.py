"""The properties of every entity the spec serves, and of the relation's references to them.

Each broken server (`tests.servers.entity_breaks`) is caught by the check meant for it, with options
that pass the plain mock. Against a URL the suite writes only what it created, per entity: without
--all-resources the entity properties are not run (naming it), without --create-references the
rename property is not run (naming it), and nothing but GET reaches a contact or person; with them,
every pre-existing Contact, Person and RelationDefinition reads as before and every record the run
made is deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contracts.catalog import CHECKS, PROPERTY
from contracts.cli import parse_options
from contracts.results import FAILED, NOT_RUN, PASSED, WARNED, RunResult
from contracts.suite import run_suite
from mockserver import Settings, create_app
from tests.contracts.conftest import QUICK
from tests.servers.entity_breaks import (
    ENTITY_BROKEN,
    EntityBroken,
    contact_name_length_app,
    existing_contact_app,
    plain_refusal_app,
)
from tests.servers.runner import serve

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
ENTITY_CHECKS = (
    "entity_stored_as_sent",
    "entity_replace",
    "entity_idempotence",
    "entity_select",
    "entity_preconditions",
    "entity_lifecycle",
)
REFERENCE_CHECKS = ("foreign_person_refused", "derived_names_follow", "entity_negotiation")
NEW = (*REFERENCE_CHECKS, *ENTITY_CHECKS, "entity_text_lengths")
WRITE_ELSEWHERE = ("--all-resources", "--create-references")
FIXTURES = {
    "Contact": (381, 262, 380, 95),
    "Person": (272, 492, 374, 979),
    "RelationDefinition": (47, 77),
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def served() -> Iterator[str]:
    with serve(create_app(Settings(quiet=True, journal_size=100_000))) as url:
        yield url


def _run(url: str, *args: str) -> RunResult:
    options, _ = parse_options(["--url", url, *QUICK, *args])
    return run_suite(options)


def _records(url: str) -> dict[str, Any]:
    with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        return {
            f"{name}/{rid}": client.get(f"/api/v1/{name}/{rid}").json()
            for name, ids in FIXTURES.items()
            for rid in ids
        }


def _journal(url: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{url}/__admin/requests", timeout=30).json()["Requests"])


def test_the_new_checks_are_listed_as_properties() -> None:
    for name in NEW:
        assert CHECKS[name].engine == PROPERTY, name


def test_the_mock_holds_every_new_check(served: str) -> None:
    result = _run(served, "--checks", ",".join(NEW), *WRITE_ELSEWHERE)
    statuses = {name: result.outcomes[name].status for name in NEW}
    assert statuses == {**dict.fromkeys(NEW, PASSED), "entity_text_lengths": "not applicable"}, [
        failure.title for failure in result.failures
    ]


@pytest.mark.parametrize("broken", ENTITY_BROKEN, ids=lambda broken: broken.name)
def test_each_broken_server_is_caught_by_its_check(broken: EntityBroken) -> None:
    with serve(broken.app()) as url:
        result = _run(url, "--checks", broken.caught_by, *WRITE_ELSEWHERE)
    outcome = result.outcomes[broken.caught_by]
    assert outcome.status == FAILED, (broken.promise, outcome.status, outcome.reason)


def test_against_a_url_without_the_options_nothing_but_get_reaches_another_resource(served: str) -> None:
    before = _records(served)
    result = _run(served, "--checks", ",".join(NEW))
    for name in ENTITY_CHECKS:
        outcome = result.outcomes[name]
        assert outcome.status == NOT_RUN and "--all-resources" in str(outcome.reason), (name, outcome.reason)
    rename = result.outcomes["derived_names_follow"]
    assert rename.status == NOT_RUN and "--create-references" in str(rename.reason), rename.reason
    # The foreign person needs no record of its own (the relation under test names two contacts), and
    # the XML of another resource is judged on the records the relation names, by reading them.
    assert result.outcomes["foreign_person_refused"].status == PASSED
    assert result.outcomes["entity_negotiation"].status == PASSED
    elsewhere = [
        entry
        for entry in _journal(served)
        if not str(entry["Path"]).lower().startswith(("/api/v1/relation", "/__admin"))
        and str(entry["Method"]) in WRITES
    ]
    assert elsewhere == []
    assert _records(served) == before


def test_create_references_alone_runs_the_rename_but_not_the_entity_properties(served: str) -> None:
    result = _run(served, "--checks", "derived_names_follow,entity_stored_as_sent", "--create-references")
    assert result.outcomes["derived_names_follow"].status == PASSED
    assert result.outcomes["entity_stored_as_sent"].status == NOT_RUN


def test_a_run_leaves_every_fixture_as_it_was_and_deletes_what_it_made(served: str) -> None:
    before = _records(served)
    result = _run(served, "--checks", ",".join(NEW), *WRITE_ELSEWHERE)
    assert _records(served) == before
    made: dict[str, int] = {}
    for entry in _journal(served):
        path = str(entry["Path"]).rstrip("/").lower()
        if entry["Method"] == "POST" and path in ("/api/v1/contact", "/api/v1/person"):
            made[path] = made.get(path, 0) + (200 <= int(str(entry["Status"])) < 300)
    assert made.get("/api/v1/contact") and made.get("/api/v1/person"), made
    lines = [note for note in result.notes if note.startswith("records of another resource:")]
    assert len(lines) == 2 and all("left behind" not in line for line in lines), lines
    # Every id after the fixtures' (the mock hands them out one past the last) is gone again.
    with httpx.Client(base_url=served, headers=AUTH, timeout=10) as client:
        for path, first in (("/api/v1/contact", 382), ("/api/v1/person", 980)):
            left = [
                rid
                for rid in range(first, first + made[path])
                if client.get(f"{path}/{rid}").status_code != 404
            ]
            assert left == [], (path, left)


def test_under_read_only_only_the_reading_entity_check_runs_and_nothing_is_written(served: str) -> None:
    result = _run(served, "--checks", ",".join(NEW), "--read-only", *WRITE_ELSEWHERE)
    assert result.outcomes["entity_negotiation"].status == PASSED
    for name in (*ENTITY_CHECKS, "foreign_person_refused", "derived_names_follow"):
        assert result.outcomes[name].status == "not applicable", name
    assert {str(entry["Method"]) for entry in _journal(served)} <= {"GET"}


def test_a_contact_post_answered_with_an_existing_contact_fails_and_that_contact_is_never_written() -> None:
    with serve(existing_contact_app()) as url:
        before = _records(url)
        result = _run(url, "--checks", "entity_stored_as_sent,entity_lifecycle,derived_names_follow",
                      *WRITE_ELSEWHERE)  # fmt: skip
        assert _records(url) == before
    for name in ("entity_stored_as_sent", "entity_lifecycle", "derived_names_follow"):
        outcome = result.outcomes[name]
        assert outcome.status == FAILED and "not a new one" in outcome.failures[0].title, (
            name,
            outcome.failures,
        )
    assert not any("left behind" in note for note in result.notes), result.notes


def test_the_foreign_person_needs_another_contact_and_says_which_options_give_one(served: str) -> None:
    # A relation between two people of one contact: the run knows no contact the person is not of.
    body = {
        "SourceContactId": 381,
        "SourcePersonId": 272,
        "DestinationContactId": 381,
        "RelationDefinitionId": 47,
    }
    httpx.put(f"{served}/api/v1/Relation/5000", json=body, headers=AUTH, timeout=10).raise_for_status()
    alone = _run(served, "--checks", "foreign_person_refused", "--relation-id", "5000").outcomes
    assert alone["foreign_person_refused"].status == NOT_RUN
    assert "--person-ids" in str(alone["foreign_person_refused"].reason)
    assert "--create-references" in str(alone["foreign_person_refused"].reason)
    given = _run(
        served, "--checks", "foreign_person_refused", "--relation-id", "5000", "--contact-ids", "262"
    )
    assert given.outcomes["foreign_person_refused"].status == PASSED
    # Asked to, it creates a second contact for the person it knows (and deletes it again).
    created = _run(
        served, "--checks", "foreign_person_refused", "--relation-id", "5000", "--create-references"
    )
    assert created.outcomes["foreign_person_refused"].status == PASSED
    assert any("/api/v1/Contact/{id}: created 1 " in note and "deleted 1 " in note for note in created.notes)


def test_without_any_person_it_creates_a_person_of_a_new_contact_when_asked_to(served: str) -> None:
    body = {"SourceContactId": 381, "DestinationContactId": 262, "RelationDefinitionId": 47}
    httpx.put(f"{served}/api/v1/Relation/5001", json=body, headers=AUTH, timeout=10).raise_for_status()
    before = _records(served)
    alone = _run(served, "--checks", "foreign_person_refused", "--relation-id", "5001").outcomes
    assert alone["foreign_person_refused"].status == NOT_RUN
    created = _run(
        served, "--checks", "foreign_person_refused", "--relation-id", "5001", "--create-references"
    )
    assert created.outcomes["foreign_person_refused"].status == PASSED
    lines = [note for note in created.notes if note.startswith("records of another resource:")]
    assert len(lines) == 2 and all("created 1 " in line and "deleted 1 " in line for line in lines), lines
    assert _records(served) == before


def test_any_4xx_refuses_a_foreign_person_and_the_error_shape_is_a_warning_of_our_choice() -> None:
    with serve(plain_refusal_app()) as url:
        tolerant = _run(url, "--checks", "foreign_person_refused").outcomes["foreign_person_refused"]
        strict = _run(url, "--checks", "foreign_person_refused", "--strict").outcomes[
            "foreign_person_refused"
        ]
    assert tolerant.status == WARNED and "error shape" in tolerant.failures[0].title, tolerant.failures
    assert strict.status == FAILED


def test_a_contact_name_held_to_its_announced_length_passes_the_length_check() -> None:
    with serve(contact_name_length_app()) as url:
        outcome = _run(url, "--checks", "entity_text_lengths", *WRITE_ELSEWHERE).outcomes[
            "entity_text_lengths"
        ]
    assert outcome.status == PASSED and outcome.cases >= 1
