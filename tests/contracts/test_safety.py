"""Safe on a real tenant: the suite writes only to relations it proved it created, cleans up after
itself (also when SIGTERM stops it), deletes only what reads as it left it, lists every id, and
--read-only sends nothing but GET. (Hostile servers: `test_ownership`.)

What the runs sent is read from the mock's own journal (`GET /__admin/requests`); the mock hands
out ids in sequence after a reset (919 on, past its fixture relation 918) and never again, so the
journal's successful POSTs tell exactly which relations a run created.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.cli import main
from contracts.errors import UnsafeRequest
from contracts.fuzzing.guard import NOBODY, Guard, answer_entity, created_id, route_id
from contracts.fuzzing.rules import SAMPLE
from contracts.options import Options
from contracts.properties.client import RelationClient
from contracts.safety.custody import Answer, Custody
from contracts.safety.ledger import Ledger, State, ranges
from contracts.spec import primary_keys
from mockserver import Settings, create_app
from tests.contracts.conftest import QUICK
from tests.servers.runner import serve

ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": "Basic dGplMDpUamUw"}
FIRST_NEW_ID = 919  # the mock's sequence after a reset: max(fixture id) + 1


@pytest.fixture
def journaled() -> Iterator[str]:
    """A mock that keeps every request in its journal, reset for the test."""
    with serve(create_app(Settings(quiet=True, journal_size=200_000))) as url:
        httpx.post(f"{url}/__admin/reset", timeout=10).raise_for_status()
        yield url


def _journal(url: str) -> list[dict[str, object]]:
    return httpx.get(f"{url}/__admin/requests", timeout=30).json()["Requests"]


def _created(url: str) -> list[int]:
    """The ids the mock handed out since the reset: one per POST it answered 2xx."""
    posts = [e for e in _journal(url) if e["Method"] == "POST" and str(e["Path"]).rstrip("/").lower()
             == "/api/v1/relation" and 200 <= int(e["Status"]) < 300]  # fmt: skip
    return list(range(FIRST_NEW_ID, FIRST_NEW_ID + len(posts)))


def _still_there(url: str, ids: list[int]) -> list[int]:
    with httpx.Client(headers=AUTH, timeout=10) as client:
        return [rid for rid in ids if client.get(f"{url}/api/v1/Relation/{rid}").status_code != 404]


def _writes_to(url: str, rid: int) -> list[str]:
    """Every DELETE or PATCH the journal holds for relation `rid`, however its id was spelt."""
    return [
        f"{e['Method']} {e['Path']}"
        for e in _journal(url)
        if e["Method"] in ("DELETE", "PATCH")
        and route_id(str(e["Path"]).rstrip("/").rsplit("/", 1)[-1]) == rid
    ]


# The ledger, the sweep, the guards (no server needed).


def test_the_ledger_is_one_file_every_process_appends_to_and_never_holds_the_runs_relation(
    tmp_path: Path,
) -> None:
    ours, theirs = Ledger(tmp_path / "ledger", 918), Ledger(tmp_path / "ledger", 918)
    assert ours.created(1001, "lifecycle") and theirs.created(1002, "Schemathesis POST")
    assert not theirs.created(918, "a POST that named the run's relation")
    assert not ours.created(None) and not ours.created("1003") and not ours.created(0)
    theirs.deleted(1002)
    assert ours.live() == [1001] and ours.ours(1002) and not ours.alive(1002)
    assert not ours.ours(918) and not ours.ours(1004)
    theirs.seen(4100)
    theirs.foreign(4101, "it existed before the POST")
    assert ours.status(4100) == "seen" and not ours.ours(4100) and not ours.ours(4101)
    ours.kept(1001, "DELETE answered 412")
    assert not ours.ours(1001) and ours.live() == [], "a relation left behind is never written to again"
    summary = ours.summary()
    assert (summary.created, summary.deleted, summary.protected) == ([1001, 1002], [1002], 1)
    assert summary.kept == {1001: "DELETE answered 412"}
    assert summary.foreign == {4101: "it existed before the POST"}


def test_ownership_is_kept_per_resource_path_template(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger", 918)
    contacts = "/api/v1/Contact/{id}"
    assert ledger.created(918, "a contact", resource=contacts), "918 is the run's relation, not a contact"
    assert ledger.created(1001, resource=contacts)
    assert ledger.ours(1001, contacts) and not ledger.ours(1001) and ledger.live() == []
    assert ledger.live(contacts) == [918, 1001]


STATE = State(
    {"SourceContactId": 381, "SourcePersonId": 0, "DestinationContactId": 262, "DestinationPersonId": 0,
     "RelationDefinitionId": 47, "Comment": "as the suite wrote it", "Reversed": 0},
    "2026-01-05T10:00:00",
    "Mon, 05 Jan 2026 10:00:00 GMT",
)  # fmt: skip


class _Server:
    """A fake server for custody: GET answers by id, DELETE answers by id, and what was sent."""

    def __init__(self, gets: dict[int, Answer], deletes: dict[int, int]) -> None:
        self.gets, self.deletes = gets, deletes
        self.sent: list[tuple[str, int, dict[str, str]]] = []

    def __call__(self, method: str, rid: int, headers: Mapping[str, str]) -> Answer:
        self.sent.append((method, rid, dict(headers)))
        return self.gets[rid] if method == "GET" else Answer(self.deletes[rid])


def _as_left(rid: int, **changes: object) -> Answer:
    fields = {**(STATE.fields or {}), "RelationId": rid, "UpdatedDate": STATE.updated, **changes}
    return Answer(200, {}, fields)


def test_the_sweep_deletes_only_what_reads_as_the_run_left_it_and_names_what_it_left_behind(
    tmp_path: Path,
) -> None:
    ledger = Ledger(tmp_path / "ledger", 918)
    for rid in (5, 6, 7, 8, 9, 10):
        ledger.created(rid, state=STATE)
    ledger.deleted(5)
    server = _Server(
        gets={6: _as_left(6), 7: Answer(404), 8: _as_left(8), 10: _as_left(10),
              9: _as_left(9, Comment="a colleague's words", UpdatedDate="2026-01-05T10:07:00")},
        deletes={6: 204, 8: 500, 10: 412},
    )  # fmt: skip
    summary = Custody(ledger, server).sweep()
    assert summary.deleted == [5, 6, 7] and ledger.live() == []
    assert summary.kept[8] == "DELETE answered 500"
    assert summary.kept[9].startswith("it reads differently from the suite's last write")
    assert "Comment" in summary.kept[9] and "UpdatedDate" in summary.kept[9]
    assert summary.kept[10].startswith("DELETE answered 412")
    deletes = [(rid, headers) for method, rid, headers in server.sent if method == "DELETE"]
    assert deletes == [(rid, {"If-Unmodified-Since": STATE.since}) for rid in (6, 8, 10)]
    assert ranges([8, 1, 2, 3, 5, 6]) == "1-3, 5-6, 8" and ranges([]) == "none"


def test_the_client_writes_only_to_relations_the_run_created_and_puts_only_to_its_own(
    tmp_path: Path,
) -> None:
    ledger = Ledger(tmp_path / "ledger", 918)
    ledger.created(1001)
    ledger.seen(4100)
    client = RelationClient(Options(url="http://127.0.0.1:9"), "http://127.0.0.1:9", ledger)
    for method, rid in (("DELETE", 918), ("PATCH", 918), ("DELETE", 1002), ("PATCH", "1001"),
                        ("PUT", 1002), ("PUT", 4100), ("DELETE", 4100)):  # fmt: skip
        with pytest.raises(UnsafeRequest, match="not sent"):
            client.send(method, rid)
    assert client.allowed("DELETE", 1001) is None and client.allowed("PUT", 918) is None
    assert client.allowed("PUT", 1001) is None
    read_only = RelationClient(
        Options(url="http://127.0.0.1:9", read_only=True), "http://127.0.0.1:9", ledger
    )
    for method in ("PUT", "POST", "PATCH", "DELETE"):
        with pytest.raises(UnsafeRequest, match="--read-only"):
            read_only.send(method, 1001)


def test_schemathesis_writes_only_to_relations_the_run_created(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger", 918)
    ledger.created(1001)
    ledger.seen(819)
    guard = Guard(ledger=ledger, relation_id=918, pool=SAMPLE, base_url=None, headers=[], timeout=1,
                  read_only=False)  # fmt: skip
    # No server known to create one on: DELETE and PATCH go to an id no relation has.
    assert [guard.target("DELETE", rid) for rid in (918, 5, 819, 1001)] == [NOBODY, NOBODY, NOBODY, 1001]
    assert [guard.target("PATCH", rid) for rid in (918, 5, 819, 1001)] == [NOBODY, NOBODY, NOBODY, 1001]
    assert [guard.target("PUT", rid) for rid in (918, 5, 819, 1001)] == [918, 918, 918, 1001]
    assert guard.target("GET", 5) == 5
    assert guard.target("PUT", 1001, "/api/v1/Contact/{id}") == NOBODY, "ownership is per path template"
    guard.record("DELETE", 1001, Answer(204))
    assert guard.target("PATCH", 1001) == NOBODY and guard.target("DELETE", 1001) == 1001
    with pytest.raises(UnsafeRequest):
        Guard(ledger=ledger, relation_id=918, pool=SAMPLE, base_url=None, headers=[], timeout=1,
              read_only=True).target("PUT", 918)  # fmt: skip


def test_each_resource_s_records_are_claimed_by_the_key_its_spec_declares(tmp_path: Path) -> None:
    # A resource whose id property is not `<Name>Id`: only the spec's x-primary-key tells it.
    spec = {"paths": {
        "/api/v1/Thing/{id}": {"get": {"responses": {"200": {"content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}},
        "/api/v1/Relation/{id}": {"get": {"responses": {"200": {"content": {
            "application/json": {"schema": {"type": "object"}}}}}}},
    }, "components": {"schemas": {"Thing": {"type": "object", "x-primary-key": "Code"}}}}  # fmt: skip
    assert primary_keys(spec) == {"/api/v1/Thing/{id}": "Code"}
    ledger = Ledger(tmp_path / "ledger", 918)
    guard = Guard(ledger=ledger, relation_id=918, pool=SAMPLE, base_url=None, headers=[], timeout=1,
                  read_only=False)  # fmt: skip
    guard.learn_keys(spec)
    assert guard.key("/api/v1/Thing/{id}") == "Code" and guard.key("/api/v1/Relation/{id}") == "RelationId"
    thing = "/api/v1/Thing/{id}"
    guard.record("POST", None, Answer(200, {}, {"ThingId": 7, "Code": 41}), template=thing)
    # Judged under its declared key (no server to read it back from here: not proven the run's).
    assert ledger.status(41, thing) is not None and ledger.status(7, thing) is None


def test_schemathesis_posts_are_the_runs_once_proven_new_and_a_get_marks_what_was_there(
    journaled: str, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger", 918)
    guard = Guard(ledger=ledger, relation_id=918, pool=SAMPLE, base_url=journaled, headers=list(AUTH.items()),
                  timeout=10, read_only=False)  # fmt: skip
    body = {"SourceContactId": 381, "DestinationContactId": 262}
    for accept in ("application/json", "application/xml"):
        answer = httpx.post(f"{journaled}/api/v1/Relation", json=body, headers={**AUTH, "Accept": accept})
        headers = {name.lower(): value for name, value in answer.headers.items()}
        guard.record("POST", None, Answer(200, headers, answer_entity(answer.content)), elapsed=0.1)
    guard.record("GET", 819, Answer(200, {}, {"RelationId": 819}))
    old = httpx.get(f"{journaled}/api/v1/Relation/819", headers=AUTH)
    guard.record("POST", None, Answer(200, {"date": old.headers["date"]}, old.json()))  # as a dedup would
    assert ledger.live() == [FIRST_NEW_ID, FIRST_NEW_ID + 1]
    assert ledger.status(819) == "foreign" and "showed it before" in ledger.why(819)
    # A PATCH target is created on demand, proven new; a PUT that brings back a deleted one is recorded.
    target = guard.target("PATCH", 819)
    assert target == FIRST_NEW_ID + 2 and ledger.alive(target)
    guard.record("DELETE", target, Answer(204))
    guard.record("PUT", target, Answer(200, {}, None))
    assert ledger.alive(target)


def test_an_id_is_read_as_the_route_reads_it_and_a_post_always_asks_for_its_id() -> None:
    assert [route_id(v) for v in (918, "0918", " 918", "+918", "-1", "abc", "9.5", 2**31, True)] == [
        918, 918, 918, 918, -1, None, None, None, None,
    ]  # fmt: skip
    assert created_id(b'{"RelationId": 7}') == 7 and created_id(b"not an entity") is None
    for raw, kept in (("Comment", "Comment,RelationId"), ("relationid", "relationid"), ("", "RelationId")):
        query = {"$select": raw}
        Guard.keep_id_selected(query)
        assert query["$select"] == kept


# Runs against the mock, read back from its journal.


def test_a_run_deletes_every_relation_it_created_and_reports_each_id(journaled: str, tmp_path: Path) -> None:
    before = httpx.get(f"{journaled}/api/v1/Relation/918", headers=AUTH, timeout=10).json()
    junit, report = tmp_path / "junit.xml", tmp_path / "report.md"
    args = ["--url", journaled, *QUICK, "--phases", "examples,fuzzing,stateful", "--junit", str(junit)]
    assert main([*args, "--report", str(report)]) in (0, 1)
    created = _created(journaled)
    assert len(created) > 10, "the run created relations (POST) of its own"
    assert _still_there(journaled, created) == []
    assert f"relations created: {len(created)} ({ranges(created)})" in report.read_text()
    assert f"relations deleted: {len(created)} ({ranges(created)})" in report.read_text()
    suite = next(s for s in ET.parse(junit).iter("testsuite") if s.get("name") == "contracts.cleanup")
    values = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert values["relations.created"] == values["relations.deleted"] == ranges(created)
    assert values["relations.not_deleted"] == "none"
    assert _writes_to(journaled, 918) == []
    after = httpx.get(f"{journaled}/api/v1/Relation/918", headers=AUTH, timeout=10).json()
    assert {k: after[k] for k in ("SourceContactId", "Comment", "Reversed")} == {
        k: before[k] for k in ("SourceContactId", "Comment", "Reversed")
    }


class _HoldsPostAnswers:
    """From the `after`-th relation a POST creates on, holds the answer for `hold` seconds:
    the relation exists, the client does not know it yet. `holding` is set while one is held."""

    def __init__(self, app: ASGIApp, after: int, hold: float) -> None:
        self.app, self.after, self.hold = app, after, hold
        self.posts = 0
        self.holding = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "")).rstrip("/").lower()
        if scope["type"] != "http" or scope["method"] != "POST" or path != "/api/v1/relation":
            await self.app(scope, receive, send)
            return
        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        await self.app(scope, receive, keep)
        self.posts += 200 <= answer[0]["status"] < 300
        if self.posts >= self.after:
            self.holding.set()
            await asyncio.sleep(self.hold)
            self.holding.clear()
        for message in answer:
            await send(message)


# The properties send their requests from this process; Schemathesis from processes of its own.
ENGINES = {
    "properties": ["--checks", "lifecycle,post_ids,patch_equals_put", "--max-examples", "200"],
    "schemathesis": ["--checks", "schemathesis", "--phases", "stateful", "--max-examples", "500"],
}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_run_stopped_by_sigterm_while_a_post_is_in_flight_still_deletes_what_it_created(
    engine: str,
) -> None:
    held = _HoldsPostAnswers(create_app(Settings(quiet=True, journal_size=200_000)), after=5, hold=3.0)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with serve(held) as journaled:
        httpx.post(f"{journaled}/__admin/reset", timeout=10).raise_for_status()
        command = [sys.executable, "-m", "contracts", "--url", journaled, *ENGINES[engine],
                   "--seed", "4242", "--quiet"]  # fmt: skip
        run = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            # The fifth relation is stored and its answer still on the way when the signal comes.
            assert held.holding.wait(timeout=120), run.poll() or "the run created nothing in two minutes"
            assert run.poll() is None, run.communicate()
            run.send_signal(signal.SIGTERM)
            out, err = run.communicate(timeout=120)
        finally:
            if run.poll() is None:
                run.kill()
        assert run.returncode == 128 + signal.SIGTERM, out + err
        assert "interrupted" in err and "INTERRUPTED" in out
        created = _created(journaled)
        assert len(created) >= 5
        assert _still_there(journaled, created) == [], out
        assert f"relations deleted: {len(created)}" in out and "left behind" not in out
        assert _writes_to(journaled, 918) == []


def test_read_only_sends_nothing_but_get(journaled: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", journaled, *QUICK, "--read-only"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    methods = {entry["Method"] for entry in _journal(journaled)}
    assert methods == {"GET"}, methods
    assert "--read-only: only GET requests were sent" in out and "default_entity" in out


def test_methods_limits_what_schemathesis_sends_to_the_methods_named(journaled: str) -> None:
    # The properties' requests are chosen with --checks; here only Schemathesis runs.
    args = ["--url", journaled, *QUICK, "--checks", "not_a_server_error", "--methods", "put"]
    assert main([*args, "--phases", "examples,fuzzing"]) == 0
    sent = {str(entry["Method"]) for entry in _journal(journaled)}
    assert sent <= {"GET", "PUT"}, sent  # GET: the suite learns the relation first, and puts it back with PUT
    assert "PUT" in sent


def test_methods_names_only_the_operations_the_spec_has(
    journaled: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--url", journaled, *QUICK, "--methods", "PUT,TRACE"]) == 2
    assert "expected a comma-separated subset of GET,PUT,POST,PATCH,DELETE" in capsys.readouterr().err
