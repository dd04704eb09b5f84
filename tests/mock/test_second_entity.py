"""One engine, no code per entity: a renamed copy of the Relation resource (`/api/v1/Liaison`, schema
`ContactLiaisonEntity`, key `LiaisonId`, its own `x-` declarations) served beside Relation by one
mock, with its own data and every behaviour Relation has; and a spec the engine cannot serve stops
the start-up with one sentence naming the path and what is missing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mockserver import Settings, create_app
from mockserver.errors import SpecError
from tests.livemock import REFS, MockProcess, mock_in_process

ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": "Basic dGplMDpUamUw"}
LIAISON = "/api/v1/Liaison"
RELATION = "/api/v1/Relation"


def renamed_copy(text: str) -> dict[str, Any]:
    """The spec with every `Relation` renamed `Liaison` and the seed's examples given names of their own."""
    return dict(
        yaml.safe_load(
            text.replace("Relation", "Liaison")
            .replace("SeedSample", "LiaisonSample")
            .replace("Updated918", "L918")
        )
    )


def two_entity_spec(folder: Path) -> Path:
    """relation.yaml plus the Liaison copy: its paths, and every component the copy names differently."""
    text = (ROOT / "openapi" / "relation.yaml").read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    copy = renamed_copy(text)
    spec["paths"].update({path: item for path, item in copy["paths"].items() if path.startswith(LIAISON)})
    for section, items in copy["components"].items():
        for name, item in items.items():
            spec["components"][section].setdefault(name, item)  # shared components stay Relation's
    path = folder / "two-entities.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_entity_spec(tmp_path_factory.mktemp("spec"))


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def served(
    request: pytest.FixtureRequest, spec_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    state = tmp_path_factory.mktemp("state") / "state.sqlite3" if request.param == "sqlite" else None
    with mock_in_process(spec_path=spec_path, state_file=state) as mock, mock.client(headers=AUTH) as http:
        yield http


@pytest.fixture
def client(served: httpx.Client) -> httpx.Client:
    """A client of the two-entity mock (memory, then SQLite), its store reset to both sets of fixtures."""
    answer = served.post("/__admin/reset")
    counts = answer.json()  # and the neighbours both copies reference (Contacts, Persons, ...)
    assert (counts["Relations"], counts["Liaisons"]) == (2, 2)
    return served


def test_the_copy_reads_its_own_fixtures_under_its_own_key_links_and_root(client: httpx.Client) -> None:
    liaison = client.get(f"{LIAISON}/918")
    assert liaison.status_code == 200, liaison.text
    body = liaison.json()
    assert body["LiaisonId"] == 918 and "RelationId" not in body
    assert body["_Links"]["Self"].endswith(f"{LIAISON}/918") and body["_Links"]["Archive"].endswith(LIAISON)
    assert "Last-Modified" in liaison.headers
    xml = client.get(f"{LIAISON}/918", headers={"Accept": "application/xml"})
    assert "<ContactLiaisonEntity " in xml.text and "<LiaisonId>918</LiaisonId>" in xml.text
    missing = client.get(f"{LIAISON}/4242")
    assert missing.status_code == 404 and "ContactLiaisonEntity id 4242" in missing.json()["ErrorMessage"]


def test_put_and_delete_of_the_copy_leave_relation_s_data_alone(client: httpx.Client) -> None:
    before = client.get(f"{RELATION}/918").json()
    put = client.put(f"{LIAISON}/918", json={**REFS, "Comment": "liaison only", "LiaisonId": 5})
    assert put.status_code == 200, put.text
    assert put.json()["LiaisonId"] == 918 and put.json()["Comment"] == "liaison only"
    assert put.json()["UpdatedBy"] == put.json()["CreatedBy"] or put.json()["UpdatedBy"]["Name"]
    assert client.get(f"{RELATION}/918").json() == before
    assert client.delete(f"{LIAISON}/918").status_code == 204
    assert client.get(f"{LIAISON}/918").status_code == 404
    assert client.get(f"{RELATION}/918").json() == before


def test_each_entity_has_its_own_ids(client: httpx.Client) -> None:
    first = client.post(LIAISON, json=REFS)
    assert first.status_code == 200, first.text
    assert first.json()["LiaisonId"] == 919  # after the copy's own fixtures, 918 and 819
    assert client.post(RELATION, json=REFS).json()["RelationId"] == 919
    assert client.post(LIAISON, json=REFS).json()["LiaisonId"] == 920
    assert client.get(f"{RELATION}/920").status_code == 404


def test_default_is_the_copy_s_blank(client: httpx.Client) -> None:
    blank = client.get(f"{LIAISON}/default").json()
    assert blank["LiaisonId"] == 0 and blank["Comment"] == "" and "_Links" not in blank


def test_if_unmodified_since_guards_the_copy_with_its_own_wording(client: httpx.Client) -> None:
    stale = "Sat, 01 Jan 2000 00:00:00 GMT"
    answer = client.put(f"{LIAISON}/918", json=REFS, headers={"If-Unmodified-Since": stale})
    assert answer.status_code == 412
    assert "ContactLiaisonEntity has changed" in answer.json()["ErrorMessage"]
    assert "Last-Modified" in answer.headers
    gone = client.delete(f"{LIAISON}/918", headers={"If-Unmodified-Since": stale})
    assert gone.status_code == 412 and gone.json()["ErrorMessage"].startswith("Delete aborted")


def test_select_nulls_what_it_leaves_out(client: httpx.Client) -> None:
    body = client.get(f"{LIAISON}/918", params={"$select": "comment,LiaisonId"}).json()
    assert body["LiaisonId"] == 918 and body["SourceContactId"] is None and "Comment" in body


def test_xml_in_and_out(client: httpx.Client) -> None:
    xml = (
        "<ContactLiaisonEntity><SourceContactId>381</SourceContactId>"
        "<DestinationContactId>262</DestinationContactId><Comment>in xml</Comment></ContactLiaisonEntity>"
    )
    answer = client.put(
        f"{LIAISON}/918",
        content=xml,
        headers={"Content-Type": "application/xml", "Accept": "application/xml"},
    )
    assert answer.status_code == 200, answer.text
    assert "<Comment>in xml</Comment>" in answer.text and answer.text.count("<ContactLiaisonEntity ") == 1
    wrong = client.put(
        f"{LIAISON}/918",
        content=xml.replace("Liaison", "Relation"),
        headers={"Content-Type": "application/xml"},
    )
    assert wrong.status_code == 400 and "ContactLiaisonEntity" in wrong.json()["ErrorMessage"]


def test_json_patch_and_merge_patch(client: httpx.Client) -> None:
    patched = client.patch(
        f"{LIAISON}/918",
        json=[{"op": "replace", "path": "/comment", "value": "patched"}],
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["Comment"] == "patched"
    merged = client.patch(
        f"{LIAISON}/918", json={"Comment": "merged"}, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert merged.json()["Comment"] == "merged" and merged.json()["LiaisonId"] == 918
    unknown = client.patch(
        f"{LIAISON}/918", json={"RelationId": 1}, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert (
        unknown.status_code == 400 and "no property of ContactLiaisonEntity" in unknown.json()["ErrorMessage"]
    )
    missing = client.patch(f"{LIAISON}/4242", json={"Comment": "x"})
    assert missing.status_code == 404
    assert missing.json()["ErrorMessage"] == "ContactLiaisonEntity with given id does not exist in the db."
    assert client.get(f"{RELATION}/918").json()["Comment"] != "merged"


def test_prefer_switches(client: httpx.Client) -> None:
    forced = client.put(f"{LIAISON}/918", json=REFS, headers={"Prefer": "code=412"})
    assert forced.status_code == 412
    assert client.get(f"{LIAISON}/918").json()["Comment"] != "forced"
    example = client.get(f"{LIAISON}/918", params={"__example": "LiaisonSample"})
    assert example.status_code == 200 and example.json()["LiaisonId"] == 819
    undocumented = client.get(f"{LIAISON}/918", headers={"Prefer": "code=418"})
    assert undocumented.status_code == 400


def test_the_journal_lists_the_copy_s_requests(client: httpx.Client) -> None:
    client.delete("/__admin/requests")
    client.get(f"{LIAISON}/918", params={"marker": "liaison"})
    paths = [(entry["Method"], entry["Path"]) for entry in client.get("/__admin/requests").json()["Requests"]]
    assert ("GET", f"{LIAISON}/918") in paths


def test_workers_sharing_a_state_file_keep_both_entities_ids_unique(spec_path: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    with MockProcess("--workers", "2", "--quiet", "--spec", str(spec_path), "--state", str(state)) as mock:
        ids: dict[str, list[int]] = {"Liaison": [], "Relation": []}
        for n in range(12):
            name = "Liaison" if n % 2 else "Relation"
            answer = httpx.post(f"{mock.url}/api/v1/{name}", json=REFS, headers=AUTH, timeout=20)
            assert answer.status_code == 200, answer.text
            ids[name].append(answer.json()[f"{name}Id"])
        assert ids["Liaison"] == list(range(919, 925)) and ids["Relation"] == list(range(919, 925))
        journal = httpx.get(f"{mock.url}/__admin/requests").json()["Requests"]
        assert {entry["Path"] for entry in journal} >= {LIAISON, RELATION}


def test_a_fixtures_file_holds_each_entity_by_name(spec_path: Path, tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps({"Relation": [{**REFS, "RelationId": 7}], "Liaison": {"40": REFS}}))
    with (
        mock_in_process(spec_path=spec_path, fixtures_file=fixtures) as mock,
        mock.client(headers=AUTH) as http,
    ):
        counts = http.post("/__admin/reset").json()  # resources the file does not name keep x-fixtures
        assert (counts["Relations"], counts["Liaisons"], counts["Contacts"]) == (1, 1, 4)
        assert http.get(f"{RELATION}/7").status_code == 200 and http.get(f"{LIAISON}/7").status_code == 404
        assert http.get(f"{LIAISON}/40").json()["LiaisonId"] == 40
        assert http.post(LIAISON, json=REFS).json()["LiaisonId"] == 41


def _unservable(tmp_path: Path, change: Any) -> str:
    spec = yaml.safe_load(two_entity_spec(tmp_path).read_text(encoding="utf-8"))
    change(spec)
    path = tmp_path / "unservable.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        create_app(Settings(spec_path=path, quiet=True))
    return str(raised.value)


def test_a_resource_without_a_primary_key_stops_start_up_naming_the_path(tmp_path: Path) -> None:
    def drop_key(spec: dict[str, Any]) -> None:
        del spec["components"]["schemas"]["ContactLiaisonEntityWithLinks"]["x-primary-key"]

    message = _unservable(tmp_path, drop_key)
    assert f"{LIAISON}" in message and "x-primary-key" in message and "LiaisonId" not in message.split(";")[0]


def test_an_operation_of_no_known_shape_stops_start_up_naming_the_path(tmp_path: Path) -> None:
    def nest(spec: dict[str, Any]) -> None:
        spec["paths"]["/api/v1/Contact/{id}/Liaisons"] = {
            "get": {"responses": {"200": {"description": "OK"}}, "parameters": []}
        }

    message = _unservable(tmp_path, nest)
    assert message.startswith("The spec's GET /api/v1/Contact/{id}/Liaisons") and "nests" in message
