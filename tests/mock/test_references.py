"""A relation's neighbours: the contacts, persons and definition it names must exist (a person of that
contact), its names and texts are read from them on every read, and they are served by the same
engine (`x-references`, `x-derived` in openapi/relation.yaml), with the seed's own example as the
default fixtures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import yaml

from mockserver import Settings, create_app
from mockserver.errors import SpecError
from tests.livemock import REFS, ROOT

SPEC = yaml.safe_load((ROOT / "openapi" / "relation.yaml").read_text(encoding="utf-8"))
SEED = SPEC["components"]["examples"]["SeedSampleRequest"]["value"]
SAMPLE_ANSWER = SPEC["components"]["examples"]["SeedSampleResponse"]["value"]
RELATION = "/api/v1/Relation"
DERIVED = (
    "SourceContactName",
    "SourcePersonName",
    "DestinationContactName",
    "DestinationPersonName",
    "ActiveText",
    "PassiveText",
)
INVENTED = dict.fromkeys(DERIVED, "I made this up")


def derived(body: dict[str, Any]) -> dict[str, Any]:
    return {name: body[name] for name in DERIVED}


def test_the_seed_s_own_put_is_200_with_the_names_of_the_records_it_names(client: httpx.Client) -> None:
    answer = client.put(f"{RELATION}/918", json=SEED)
    assert answer.status_code == 200, answer.text
    assert derived(answer.json()) == derived(SEED)
    assert derived(client.get(f"{RELATION}/918").json()) == derived(SEED)


def test_the_seed_s_sample_answer_reads_with_its_own_names(client: httpx.Client) -> None:
    body = client.get(f"{RELATION}/819").json()
    assert derived(body) == derived(SAMPLE_ANSWER)


@pytest.mark.parametrize(
    ("path", "key", "field", "value"),
    [
        ("/api/v1/Contact/381", "ContactId", "Name", "Pfannerstill, Romaguera and Smith"),
        ("/api/v1/Contact/262", "ContactId", "Name", "Brekke, Cronin and Feest"),
        ("/api/v1/Contact/380", "ContactId", "Name", "Legros-Price"),
        ("/api/v1/Contact/95", "ContactId", "Name", "Olson, West and Green"),
        ("/api/v1/Person/272", "PersonId", "FullName", "Feil-Kessler"),
        ("/api/v1/Person/492", "PersonId", "FullName", "Fisher LLC"),
        ("/api/v1/Person/374", "PersonId", "FullName", "Reynolds-Rolfson"),
        ("/api/v1/Person/979", "PersonId", "FullName", "Renner-Gulgowski"),
        ("/api/v1/RelationDefinition/47", "ReldefId", "PassiveText", "non"),
        ("/api/v1/RelationDefinition/77", "ReldefId", "PassiveText", "illum"),
    ],
)
def test_every_record_the_seed_names_is_served_with_its_id_and_name(
    client: httpx.Client, path: str, key: str, field: str, value: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body[key] == int(path.rsplit("/", 1)[1])
    assert body[field] == value
    assert body["_Links"]["Self"].endswith(path)


def test_get_contact_381_answers_200_in_json_and_xml_with_the_vendor_s_root(client: httpx.Client) -> None:
    assert client.get("/api/v1/Contact/381").status_code == 200
    xml = client.get("/api/v1/Contact/381", headers={"Accept": "application/xml"})
    assert xml.status_code == 200
    assert "<ContactEntity " in xml.text and "<Name>Pfannerstill, Romaguera and Smith</Name>" in xml.text


def test_a_person_shows_its_contact_read_from_the_contact(client: httpx.Client) -> None:
    person = client.get("/api/v1/Person/272").json()
    assert person["Contact"]["ContactId"] == 381
    assert person["Contact"]["Name"] == "Pfannerstill, Romaguera and Smith"


def test_names_a_client_invents_are_ignored(client: httpx.Client) -> None:
    answer = client.put(f"{RELATION}/918", json={**SEED, **INVENTED})
    assert answer.status_code == 200
    assert derived(answer.json()) == derived(SEED)
    created = client.post(RELATION, json={**SEED, **INVENTED})
    assert created.status_code == 200
    assert derived(created.json()) == derived(SEED)


def test_invented_names_sent_as_xml_or_form_fields_are_ignored_too(client: httpx.Client) -> None:
    fields = {**REFS, "SourcePersonId": 272, "SourceContactName": "I made this up"}
    elements = "".join(f"<{name}>{value}</{name}>" for name, value in fields.items())
    xml = client.put(
        f"{RELATION}/918",
        content=f"<ContactRelationEntity>{elements}</ContactRelationEntity>",
        headers={"Content-Type": "application/xml"},
    )
    form = client.put(
        f"{RELATION}/918",
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    for answer in (xml, form):
        assert answer.status_code == 200, answer.text
        assert answer.json()["SourceContactName"] == "Pfannerstill, Romaguera and Smith"
        assert answer.json()["SourcePersonName"] == "Feil-Kessler"


def test_a_merge_patch_of_a_derived_name_changes_nothing_but_the_update_stamp(client: httpx.Client) -> None:
    answer = client.patch(
        f"{RELATION}/918",
        json={"SourceContactName": "I made this up"},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert answer.status_code == 200
    assert answer.json()["SourceContactName"] == "Pfannerstill, Romaguera and Smith"


def test_a_json_patch_test_compares_the_derived_name(client: httpx.Client) -> None:
    kind = {"Content-Type": "application/json-patch+json"}
    same = [{"op": "test", "path": "/SourceContactName", "value": "Pfannerstill, Romaguera and Smith"}]
    assert client.patch(f"{RELATION}/918", json=same, headers=kind).status_code == 200
    other = [{"op": "test", "path": "/SourceContactName", "value": "I made this up"}]
    assert client.patch(f"{RELATION}/918", json=other, headers=kind).status_code == 409


def _refused(answer: httpx.Response, field: str, wanted: int) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["Error"] is True and body["ErrorType"] == "ValidationException"
    assert [v["Field"] for v in body["Violations"]] == [field]
    assert str(wanted) in body["Violations"][0]["Problem"] and str(wanted) in body["ErrorMessage"]
    assert field in body["ErrorMessage"]


Write = Callable[[httpx.Client, dict[str, Any]], httpx.Response]
WRITES: dict[str, Write] = {
    "PUT": lambda c, body: c.put(f"{RELATION}/918", json=body),
    "POST": lambda c, body: c.post(RELATION, json=body),
    "PATCH": lambda c, body: c.patch(
        f"{RELATION}/918", json=body, headers={"Content-Type": "application/merge-patch+json"}
    ),
    "PUT as XML": lambda c, body: c.put(
        f"{RELATION}/918",
        content="<ContactRelationEntity>"
        + "".join(f"<{k}>{v}</{k}>" for k, v in body.items() if isinstance(v, int))
        + "</ContactRelationEntity>",
        headers={"Content-Type": "application/xml"},
    ),
    "POST as a form": lambda c, body: c.post(
        RELATION,
        content=urlencode({k: v for k, v in body.items() if isinstance(v, int)}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
}
SEED_REFS = {
    name: SEED[name] for name in (*REFS, "SourcePersonId", "DestinationPersonId", "RelationDefinitionId")
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("SourcePersonId", 492, "does not belong to ContactEntity 381"),  # the destination's person
        ("DestinationPersonId", 374, "does not belong to ContactEntity 262"),  # a person of contact 380
        ("SourcePersonId", 123456, "PersonEntity 123456 does not exist"),
        ("RelationDefinitionId", 99999, "RelationDefinitionEntity 99999 does not exist"),
        ("SourceContactId", 99999, "ContactEntity 99999 does not exist"),
    ],
)
def test_a_broken_reference_is_refused_naming_the_field_and_the_id_and_nothing_is_stored(
    client: httpx.Client, write: str, field: str, value: int, problem: str
) -> None:
    before = client.get(f"{RELATION}/918").json()
    body = {**SEED_REFS, field: value}
    if field == "SourceContactId":
        body["SourcePersonId"] = 0  # only the contact is wrong
    answer = WRITES[write](client, body)
    _refused(answer, field, value)
    assert problem in answer.json()["Violations"][0]["Problem"]
    assert client.get(f"{RELATION}/918").json() == before
    assert client.get(f"{RELATION}/919").status_code == 404  # a refused POST stored nothing


def test_a_person_of_another_contact_is_refused_even_though_the_person_exists(client: httpx.Client) -> None:
    answer = client.put(f"{RELATION}/918", json={**SEED, "SourcePersonId": 979})
    _refused(answer, "SourcePersonId", 979)
    assert "belongs to ContactEntity 95" in answer.json()["ErrorMessage"]


def test_every_broken_reference_of_one_write_is_named(client: httpx.Client) -> None:
    answer = client.put(
        f"{RELATION}/918", json={**SEED, "SourcePersonId": 123456, "RelationDefinitionId": 99999}
    )
    assert answer.status_code == 400
    assert [v["Field"] for v in answer.json()["Violations"]] == ["SourcePersonId", "RelationDefinitionId"]


def test_zero_means_no_person_and_no_definition(client: httpx.Client) -> None:
    answer = client.put(f"{RELATION}/918", json={**REFS, "SourcePersonId": 0, "RelationDefinitionId": 0})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["SourcePersonName"], body["ActiveText"], body["PassiveText"]) == ("", "", "")
    assert body["SourceContactName"] == "Pfannerstill, Romaguera and Smith"


def test_active_and_passive_text_swap_when_reversed_is_set(client: httpx.Client) -> None:
    forward = client.put(f"{RELATION}/918", json={**SEED, "Reversed": 0}).json()
    assert (forward["ActiveText"], forward["PassiveText"]) == ("voluptatem", "non")
    backward = client.put(f"{RELATION}/918", json={**SEED, "Reversed": 1}).json()
    assert (backward["ActiveText"], backward["PassiveText"]) == ("non", "voluptatem")


def test_a_contact_rename_shows_in_the_relation(store_client: httpx.Client) -> None:
    contact = store_client.get("/api/v1/Contact/381").json()
    renamed = store_client.put("/api/v1/Contact/381", json={**contact, "Name": "Renamed AS"})
    assert renamed.status_code == 200
    assert store_client.get(f"{RELATION}/918").json()["SourceContactName"] == "Renamed AS"
    assert store_client.get("/api/v1/Person/272").json()["Contact"]["Name"] == "Renamed AS"


def test_a_person_rename_and_a_definition_edit_show_in_the_relation(client: httpx.Client) -> None:
    person = client.get("/api/v1/Person/272").json()
    client.put("/api/v1/Person/272", json={**person, "Firstname": "Ada", "Lastname": "Lovelace"})
    definition = client.get("/api/v1/RelationDefinition/47").json()
    client.put("/api/v1/RelationDefinition/47", json={**definition, "PassiveText": "is owned by"})
    relation = client.get(f"{RELATION}/918").json()
    assert relation["SourcePersonName"] == "Ada Lovelace"
    assert relation["ActiveText"] == "is owned by"  # relation 918 is reversed


def test_moving_a_person_to_another_contact_makes_the_old_relation_s_next_write_refused(
    client: httpx.Client,
) -> None:
    person = client.get("/api/v1/Person/272").json()
    moved = client.put("/api/v1/Person/272", json={**person, "Contact": {"ContactId": 380}})
    assert moved.status_code == 200 and moved.json()["Contact"]["Name"] == "Legros-Price"
    assert client.get(f"{RELATION}/918").status_code == 200
    _refused(client.put(f"{RELATION}/918", json=SEED), "SourcePersonId", 272)


def test_a_person_of_a_contact_that_does_not_exist_is_kept_and_no_relation_can_name_it(
    client: httpx.Client,
) -> None:
    answer = client.post("/api/v1/Person", json={"Lastname": "Nobody", "Contact": {"ContactId": 99999}})
    assert answer.status_code == 200  # the person's own contact is `enforced: false`
    person = answer.json()
    assert person["Contact"] == {**person["Contact"], "ContactId": 99999, "Name": ""}
    refused = client.put(f"{RELATION}/918", json={**SEED, "SourcePersonId": person["PersonId"]})
    _refused(refused, "SourcePersonId", person["PersonId"])


def test_new_records_can_be_related_at_once(store_client: httpx.Client) -> None:
    contact = store_client.post("/api/v1/Contact", json={"Name": "Nordic Widgets AS", "OrgNr": "987654321"})
    assert contact.status_code == 200
    cid = contact.json()["ContactId"]
    person = store_client.post(
        "/api/v1/Person", json={"Firstname": "Kari", "Lastname": "Nordmann", "Contact": {"ContactId": cid}}
    ).json()
    assert person["FullName"] == "Kari Nordmann" and person["Contact"]["Name"] == "Nordic Widgets AS"
    definition = store_client.post(
        "/api/v1/RelationDefinition", json={"Name": "supplies", "PassiveText": "is supplied by"}
    ).json()
    relation = store_client.post(
        RELATION,
        json={
            **REFS,
            "SourceContactId": cid,
            "SourcePersonId": person["PersonId"],
            "RelationDefinitionId": definition["ReldefId"],
        },
    )
    assert relation.status_code == 200, relation.text
    body = relation.json()
    assert (body["SourceContactName"], body["SourcePersonName"], body["ActiveText"]) == (
        "Nordic Widgets AS",
        "Kari Nordmann",
        "supplies",
    )


@pytest.mark.parametrize("path", ["/api/v1/Contact/381", "/api/v1/Person/272"])
def test_deleting_a_referenced_record_keeps_the_relation_readable_with_empty_names(
    store_client: httpx.Client, path: str
) -> None:
    assert store_client.delete(path).status_code == 204
    assert store_client.get(path).status_code == 404
    relation = store_client.get(f"{RELATION}/918")
    assert relation.status_code == 200
    field = "SourceContactName" if "Contact" in path else "SourcePersonName"
    assert relation.json()[field] == ""
    assert relation.json()["DestinationContactName"] == "Brekke, Cronin and Feest"
    assert store_client.get(f"{RELATION}/918", headers={"Accept": "application/xml"}).status_code == 200
    assert store_client.get("/api/v1/Person/272").status_code in (200, 404)


def test_after_a_delete_the_relation_s_next_write_must_name_a_record_that_exists(
    client: httpx.Client,
) -> None:
    client.delete("/api/v1/Person/272")
    _refused(client.put(f"{RELATION}/918", json=SEED), "SourcePersonId", 272)
    fixed = client.put(f"{RELATION}/918", json={**SEED, "SourcePersonId": 0})
    assert fixed.status_code == 200 and fixed.json()["SourcePersonName"] == ""


def test_a_reset_brings_back_every_record_of_the_seed(client: httpx.Client) -> None:
    client.delete("/api/v1/Contact/381")
    counts = client.post("/__admin/reset").json()
    assert counts == {"Relations": 2, "Contacts": 4, "Persons": 4, "RelationDefinitions": 2}
    assert client.get("/api/v1/Contact/381").status_code == 200


def test_the_neighbours_answers_fit_their_schemas(
    client: httpx.Client, spec_validator: Callable[..., list[str]]
) -> None:
    for path, template in (
        ("/api/v1/Contact/381", "/api/v1/Contact/{id}"),
        ("/api/v1/Person/272", "/api/v1/Person/{id}"),
        ("/api/v1/RelationDefinition/47", "/api/v1/RelationDefinition/{id}"),
    ):
        assert spec_validator("get", 200, client.get(path).json(), template) == [], path
    for collection in ("/api/v1/Contact", "/api/v1/Person", "/api/v1/RelationDefinition"):
        default = client.get(f"{collection}/default").json()
        assert spec_validator("get", 200, default, f"{collection}/default") == [], collection


def test_a_relation_definition_takes_its_flags_and_enums_from_a_form(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/RelationDefinition/47",
        content=urlencode(
            {"Name": "owns", "PassiveText": "is owned by", "Deleted": "True", "Source": "Contact"}
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["Deleted"], body["Source"], body["Destination"]) == (True, "Contact", "None")


def _spec_with(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    spec = yaml.safe_load((ROOT / "openapi" / "relation.yaml").read_text(encoding="utf-8"))
    change(spec["components"]["schemas"])
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "said"),
    [
        pytest.param(
            lambda s: s["ContactRelationEntityWithLinks"]["x-references"].update(
                SourceContactId={"resource": "Company"}
            ),
            "x-references SourceContactId: {resource: 'Company'}; expected the name of one of the spec's "
            "resources (Relation, Contact, Person, RelationDefinition)",
            id="unknown-resource",
        ),
        pytest.param(
            lambda s: s["PersonEntityWithLinks"].pop("x-references"),
            "x-references SourcePersonId within SourceContactId; expected Person's answer schema to declare "
            "exactly one x-references to Contact (it has 0)",
            id="within-without-owner",
        ),
        pytest.param(
            lambda s: s["ContactRelationEntityWithLinks"]["x-derived"].update(
                ActiveText={"from": "RelationDefinitionId", "take": "Label"}
            ),
            "x-derived ActiveText: take 'Label'; expected a property of RelationDefinition's answer schema",
            id="unknown-take",
        ),
        pytest.param(
            lambda s: s["ContactRelationEntityWithLinks"]["x-derived"].update(
                Comment={"from": "Comment", "take": "Name"}
            ),
            "x-derived Comment: from 'Comment'; expected one of its x-references",
            id="from-no-reference",
        ),
    ],
)
def test_a_declaration_that_names_nothing_stops_start_up_naming_the_path_and_the_fix(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], said: str
) -> None:
    with pytest.raises(SpecError) as stopped:
        create_app(Settings(spec_path=_spec_with(tmp_path, change), quiet=True))
    assert "/api/v1/" in str(stopped.value) and said in str(stopped.value), str(stopped.value)
