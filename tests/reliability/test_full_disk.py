"""A state file whose disk fills up: every write is answered 503 in the vendor's error shape with
`Retry-After`, nothing is half-written (the relation keeps its last acknowledged version, POST's id
counter does not move), reads go on, and once space is freed the same mock writes again and the
file opens cleanly after a restart. The disk is a real one: a 2 MiB tmpfs mounted for the test and
filled with a file (the test skips only when this machine cannot mount one)."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.livemock import REFS
from tests.reliability.mockprocess import StartMock, vendor_error_problems

DISK_BYTES = 2 * 1024 * 1024


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES},mode=0755", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"a small tmpfs cannot be mounted here ({made.stderr.strip()}), so no disk can be filled")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@contextlib.contextmanager
def filled(disk: Path) -> Iterator[None]:
    """Every free byte of the disk taken by one file, removed afterwards."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    block = b"\0" * 4096
    try:
        while True:
            os.write(fd, block)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)
    try:
        yield
    finally:
        filler.unlink()


def assert_503(answer: httpx.Response, what: str) -> None:
    assert answer.status_code == 503, f"{what}: {answer.status_code} {answer.text[:300]}"
    problems = vendor_error_problems(400, answer.headers.get("content-type", ""), answer.content)
    assert problems == [], f"{what}: {problems}"
    body = answer.json()
    assert body["ErrorType"] == "ServiceUnavailableException", body
    assert "disk is full" in body["ErrorMessage"], body
    assert int(answer.headers["retry-after"]) > 0


def test_a_full_disk_answers_503_writes_nothing_and_the_mock_writes_again_once_space_is_freed(
    start_mock: StartMock, small_disk: Path
) -> None:
    state = small_disk / "state.sqlite3"
    mock = start_mock("--quiet", "--state", state)
    with mock.client() as client:
        assert client.put("/api/v1/Relation/5001", json={**REFS, "Comment": "before"}).status_code == 200
        last_id = client.post("/api/v1/Relation", json=REFS).json()["RelationId"]
        with filled(small_disk):
            # The write-ahead log may still have room for a few pages: write until it has none.
            for n in range(200):
                answer = client.put(f"/api/v1/Relation/{6000 + n}", json={**REFS, "Comment": "x" * 1900})
                if answer.status_code != 200:
                    break
            assert_503(answer, "a PUT of a new relation on a full disk")
            assert_503(client.put("/api/v1/Relation/5001", json={**REFS, "Comment": "lost"}), "PUT")
            assert_503(client.post("/api/v1/Relation", json=REFS), "POST")
            assert_503(
                client.patch(
                    "/api/v1/Relation/5001",
                    json=[{"op": "replace", "path": "/Comment", "value": "lost"}],
                    headers={"Content-Type": "application/json-patch+json"},
                ),
                "PATCH",
            )
            assert_503(client.delete("/api/v1/Relation/5001"), "DELETE")
            assert_503(client.post("/__admin/reset"), "POST /__admin/reset")
            during = client.get("/api/v1/Relation/5001")
            assert during.status_code == 200 and during.json()["Comment"] == "before"
        assert client.get("/api/v1/Relation/5001").json()["Comment"] == "before"
        assert client.post("/api/v1/Relation", json=REFS).json()["RelationId"] == last_id + 1
        assert client.put("/api/v1/Relation/5001", json={**REFS, "Comment": "after"}).status_code == 200
    assert mock.terminate() == 0
    again = start_mock("--quiet", "--state", state)  # quick_check at start-up: the file is whole
    with again.client() as client:
        assert client.get("/api/v1/Relation/5001").json()["Comment"] == "after"
        assert client.post("/api/v1/Relation", json=REFS).json()["RelationId"] == last_id + 2
