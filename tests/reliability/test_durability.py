"""`--state FILE`: a write acknowledged with 200 (a PUT, POST or PATCH; a DELETE with 204) survives
SIGKILL, ids a POST handed out before the kill are never handed out again, and a state file that is
corrupt or belongs to another program stops the start-up (exit 2, a clear message) and is left
untouched."""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.livemock import REFS
from tests.reliability import resource_writes
from tests.reliability.mockprocess import AUTH, MockProcess, StartMock, run_startup

WRITERS = 6
IDS_PER_WRITER = 3
# Every way a PUT can carry the Comment, so each body reader's path to the store is exercised.
# The contacts are the fixtures' (381, 262): a relation's references must exist.
BODIES = (
    (
        "application/json",
        lambda value: (
            f'{{"Comment": "{value}", "SourceContactId": 381, "DestinationContactId": 262}}'.encode()
        ),
    ),
    (
        "application/merge-patch+json",
        lambda value: (
            f'{{"Comment": "{value}", "SourceContactId": 381, "DestinationContactId": 262}}'.encode()
        ),
    ),
    (
        "application/x-www-form-urlencoded",
        lambda value: f"Comment={quote(value)}&SourceContactId=381&DestinationContactId=262".encode(),
    ),
    (
        "application/xml",
        lambda value: (
            f"<ContactRelationEntity><Comment>{value}</Comment><SourceContactId>381</SourceContactId>"
            "<DestinationContactId>262</DestinationContactId></ContactRelationEntity>"
        ).encode(),
    ),
    (
        "application/json-patch+json",
        lambda value: (
            f'{{"Comment": "{value}", "SourceContactId": 381, "DestinationContactId": 262}}'.encode()
        ),
    ),
)


@dataclass
class Ledger:
    """What one writer knows about its relations: the last value acknowledged with 200, and the
    values sent after it whose answer never came (the kill may or may not have let them land)."""

    acknowledged: dict[int, str] = field(default_factory=dict)
    unanswered: dict[int, list[str]] = field(default_factory=dict)
    count: int = 0


def write_until_killed(
    mock: MockProcess, writer: int, round_no: int, stop: threading.Event, ledger: Ledger
) -> None:
    ids = [70_000 + writer * 10 + k for k in range(IDS_PER_WRITER)]
    with httpx.Client(base_url=mock.url, headers=AUTH, timeout=5.0) as client:
        n = 0
        while not stop.is_set():
            relation_id = ids[n % len(ids)]
            value = f"r{round_no}-w{writer}-n{n}"
            content_type, body = BODIES[n % len(BODIES)]
            ledger.unanswered.setdefault(relation_id, []).append(value)
            try:
                answer = client.put(
                    f"/api/v1/Relation/{relation_id}",
                    content=body(value),
                    headers={"Content-Type": content_type},
                )
            except httpx.TransportError:
                return  # the mock is gone; this value stays "unanswered"
            assert answer.status_code == 200, (
                f"PUT {value} ({content_type}) gave {answer.status_code}: {answer.text}"
            )
            assert answer.json()["Comment"] == value
            ledger.acknowledged[relation_id] = value
            ledger.unanswered[relation_id] = []
            ledger.count += 1
            n += 1


def lost_writes(mock: MockProcess, ledgers: list[Ledger]) -> list[str]:
    lost = []
    with httpx.Client(base_url=mock.url, headers=AUTH, timeout=5.0) as client:
        for ledger in ledgers:
            for relation_id, acknowledged in ledger.acknowledged.items():
                stored = client.get(f"/api/v1/Relation/{relation_id}")
                allowed = [acknowledged, *ledger.unanswered.get(relation_id, [])]
                found = (
                    stored.json().get("Comment")
                    if stored.status_code == 200
                    else f"HTTP {stored.status_code}"
                )
                if found not in allowed:
                    lost.append(f"relation {relation_id}: acknowledged {acknowledged!r}, found {found!r}")
    return lost


def write_until_sigkill(mock: MockProcess, round_no: int) -> list[Ledger]:
    """WRITERS threads PUT for 1.5 s; then the mock is SIGKILLed under them."""
    ledgers = [Ledger() for _ in range(WRITERS)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def run(writer: int) -> None:
        try:
            write_until_killed(mock, writer, round_no, stop, ledgers[writer])
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(writer,)) for writer in range(WRITERS)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    mock.kill()  # SIGKILL while every writer is mid-stream
    stop.set()
    for thread in threads:
        thread.join(10)
    assert not errors, errors[0]
    return ledgers


@pytest.mark.slow
def test_every_write_acknowledged_with_200_survives_sigkill_under_write_load(
    start_mock: StartMock, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite3"
    for round_no in range(2):
        ledgers = write_until_sigkill(start_mock("--quiet", "--state", state), round_no)
        acknowledged = sum(ledger.count for ledger in ledgers)
        assert acknowledged >= 50, f"only {acknowledged} writes were acknowledged before the kill"
        restarted = start_mock("--quiet", "--state", state)
        assert lost_writes(restarted, ledgers) == [], f"round {round_no}: acknowledged writes were lost"
        restarted.terminate()


def resource_writes_until_sigkill(mock: MockProcess) -> list[resource_writes.ResourceLedger]:
    """WRITERS threads POST, PATCH and DELETE for 1.5 s; then the mock is SIGKILLed under them."""
    ledgers = [resource_writes.ResourceLedger() for _ in range(WRITERS)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def run(writer: int) -> None:
        try:
            resource_writes.write_until_killed(mock, writer, stop, ledgers[writer])
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(writer,)) for writer in range(WRITERS)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    mock.kill()
    stop.set()
    for thread in threads:
        thread.join(10)
    assert not errors, errors[0]
    return ledgers


@pytest.mark.slow
def test_every_acknowledged_post_patch_and_delete_survives_sigkill_and_no_id_is_handed_out_twice(
    start_mock: StartMock, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite3"
    ledgers = resource_writes_until_sigkill(start_mock("--quiet", "--state", state))
    counts = {kind: sum(ledger.counts[kind] for ledger in ledgers) for kind in ("POST", "PATCH", "DELETE")}
    assert min(counts.values()) >= 10, f"too few writes were acknowledged before the kill: {counts}"
    restarted = start_mock("--quiet", "--state", state)
    assert resource_writes.lost(restarted, ledgers) == [], "acknowledged writes were lost"
    handed_out = set().union(*(ledger.handed_out for ledger in ledgers))
    with restarted.client() as client:
        after = [client.post("/api/v1/Relation", json={**REFS, "Comment": f"after {n}"}) for n in range(20)]
    assert {answer.status_code for answer in after} == {200}
    again = sorted(handed_out & {answer.json()["RelationId"] for answer in after})
    assert again == [], f"ids handed out before the kill were handed out again after it: {again}"
    restarted.terminate()


# -- state files that must not be used ------------------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(20260101).randbytes(16 * 1024))


def make_text_file(path: Path) -> None:
    path.write_text('{"918": {"Comment": "a fixtures file passed as --state by mistake"}}\n')


def make_foreign_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        db.executemany("INSERT INTO users VALUES (?, ?)", [(1, "ada"), (2, "grace")])
    db.close()


def make_foreign_sqlite_with_a_relation_table(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE relation (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO relation VALUES (1, 'not ours')")
    db.close()


def make_foreign_sqlite_in_wal_mode(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
    db.commit()
    db.close()


def make_other_format(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("CREATE TABLE relation (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('format', 'relation-harness-state/999')")
    db.close()


UNUSABLE = {
    "random bytes": make_random_bytes,
    "a text file": make_text_file,
    "a SQLite file of another program": make_foreign_sqlite,
    "a SQLite file of another program with a relation table": make_foreign_sqlite_with_a_relation_table,
    "a SQLite file of another program in WAL mode": make_foreign_sqlite_in_wal_mode,
    "a state file of another format version": make_other_format,
}


def assert_refused_at_startup(path: Path) -> None:
    before = digest(path)
    result = run_startup("--quiet", "--state", str(path))
    assert result.returncode == 2, f"exit code {result.returncode}; stderr: {result.stderr!r}"
    message = result.stderr.strip()
    assert message.startswith("relation-mock: "), message
    assert str(path) in message and "state file" in message.lower(), message
    assert "Traceback" not in message, message
    assert digest(path) == before, "the state file was modified by a start-up that refused it"


@pytest.mark.parametrize("make", list(UNUSABLE.values()), ids=list(UNUSABLE))
def test_a_state_file_that_is_not_ours_stops_startup_with_exit_2_and_is_left_byte_identical(
    tmp_path: Path, make: object
) -> None:
    path = tmp_path / "state.sqlite3"
    make(path)  # type: ignore[operator]
    assert_refused_at_startup(path)


@pytest.fixture(scope="module")
def real_state_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state file of ours with a few hundred relations, closed cleanly."""
    path = tmp_path_factory.mktemp("real") / "state.sqlite3"
    with MockProcess(["--quiet", "--state", str(path)]) as mock, mock.client() as client:
        for relation_id in range(5000, 5300):
            client.put(f"/api/v1/Relation/{relation_id}", json={**REFS, "Comment": "x" * 400})
        mock.terminate()
    return path


def truncate_half(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def scribble(offset: int) -> object:
    def damage(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[offset : offset + 4096] = random.Random(offset).randbytes(4096)
        path.write_bytes(bytes(data))

    return damage


CORRUPTIONS = {
    "cut in half": truncate_half,
    "header page scribbled over": scribble(100),
    "a table page scribbled over": scribble(3 * 4096),
}


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS.values()), ids=list(CORRUPTIONS))
def test_a_damaged_state_file_of_ours_stops_startup_with_exit_2_and_is_left_byte_identical(
    real_state_file: Path, tmp_path: Path, corrupt: object
) -> None:
    path = tmp_path / "state.sqlite3"
    shutil.copyfile(real_state_file, path)
    corrupt(path)  # type: ignore[operator]
    assert_refused_at_startup(path)
