"""`--record`: what passes through is saved as fixtures, and the mock replays it as the upstream answered."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from mockserver.model.entity import COMPUTED
from tests.livemock import mock_in_thread
from tests.proxy import traffic
from tests.proxy.conftest import AUTH, ENTITY, proxy_before
from tests.servers.realistic import realistic_app


def test_a_recording_replays_in_the_mock_exactly_as_the_upstream_answered(tmp_path: Path) -> None:
    recording = tmp_path / "recorded.json"
    seen: dict[int, dict] = {}
    with (
        proxy_before(realistic_app(), record_file=recording) as proxy,
        httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client,
    ):
        client.put("/api/v1/Relation/918", json={**ENTITY, "Comment": "recorded"})
        client.put(
            "/api/v1/Relation/5", content=traffic.DATACONTRACT_XML_BODY, headers={"Content-Type": "text/xml"}
        )
        client.get("/api/v1/Relation/918?$select=Comment")  # a projection: not a whole relation
        for relation_id in (918, 5, 819):
            seen[relation_id] = client.get(f"/api/v1/Relation/{relation_id}").json()
    recorded = json.loads(recording.read_text())
    assert sorted(recorded, key=int) == ["5", "819", "918"]
    assert recorded["918"]["Comment"] == "recorded"
    assert ".1234567" in recorded["918"]["UpdatedDate"]  # the upstream's own date form, kept
    with mock_in_thread(fixtures_file=recording) as mock:
        for relation_id, upstream in seen.items():
            replayed = httpx.get(f"{mock}/api/v1/Relation/{relation_id}", headers=AUTH).json()
            stored = {name: value for name, value in upstream.items() if name not in COMPUTED}
            assert {name: replayed[name] for name in stored} == stored, relation_id


def test_an_existing_fixtures_file_is_extended_not_replaced(tmp_path: Path) -> None:
    recording = tmp_path / "recorded.json"
    recording.write_text(json.dumps({"77": {**ENTITY, "RelationId": 77, "Comment": "kept"}}))
    with proxy_before(realistic_app(), record_file=recording) as proxy:
        httpx.get(f"{proxy}/api/v1/Relation/918", headers=AUTH)
    recorded = json.loads(recording.read_text())
    assert recorded["77"]["Comment"] == "kept"
    assert recorded["918"]["RelationId"] == 918


def test_posted_and_patched_relations_are_recorded_and_deleted_ones_forgotten(tmp_path: Path) -> None:
    recording = tmp_path / "recorded.json"
    recording.write_text(json.dumps({"77": {**ENTITY, "RelationId": 77, "Comment": "deleted upstream"}}))
    with (
        proxy_before(realistic_app(), record_file=recording) as proxy,
        httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client,
    ):
        created = client.post("/api/v1/Relation", json={**ENTITY, "Comment": "posted"}).json()["RelationId"]
        patched = client.post("/api/v1/Relation", json={**ENTITY, "Comment": "to patch"}).json()["RelationId"]
        gone = client.post("/api/v1/Relation", json={**ENTITY, "Comment": "to delete"}).json()["RelationId"]
        client.patch(
            f"/api/v1/Relation/{patched}", json=[{"op": "replace", "path": "comment", "value": "patched"}]
        )
        assert client.delete(f"/api/v1/Relation/{gone}").status_code == 204
        client.delete("/api/v1/Relation/77")  # the upstream has no 77: 404 or 204, gone either way
        client.get("/api/v1/Relation/default")
    recorded = json.loads(recording.read_text())
    assert sorted(recorded, key=int) == sorted([str(created), str(patched)], key=int)
    assert recorded[str(created)]["Comment"] == "posted"
    assert recorded[str(patched)]["Comment"] == "patched"
    with mock_in_thread(fixtures_file=recording) as mock:
        replayed = httpx.get(f"{mock}/api/v1/Relation/{patched}", headers=AUTH).json()
        assert httpx.get(f"{mock}/api/v1/Relation/{gone}", headers=AUTH).status_code == 404
    assert replayed["Comment"] == "patched"
