"""`--state FILE` that the mock cannot use stops the start-up: exit status 2, one sentence naming the
file, the problem and the fix, and the file (and its folder) left exactly as they were. The tests
run as root, for whom permission bits change nothing, so each unusable file is made the honest way:
a folder or a dangling link in its place, `chattr +i`, a read-only bind mount, or the mock run as
the unprivileged user `nobody` (setpriv). A test skips only when this machine cannot make its case.

A state file the mock can use keeps its inode: it is never replaced, only written in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.livemock import REFS
from tests.reliability.mockprocess import PYTHON, ROOT, MockProcess, StartMock, run_startup

NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--")


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry of a folder: a file's digest, a link's target, or the kind of entry."""
    out = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink():
            out[entry.name] = f"link -> {os.readlink(entry)}"
        elif entry.is_dir():
            out[entry.name] = "folder: " + ", ".join(sorted(child.name for child in entry.iterdir()))
        else:
            out[entry.name] = hashlib.sha256(entry.read_bytes()).hexdigest()
    return out


def assert_one_sentence_refusal(result: subprocess.CompletedProcess[str], path: Path, problem: str) -> None:
    assert result.returncode == 2, f"exit code {result.returncode}; stderr: {result.stderr!r}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {result.stderr!r}"
    message = lines[0].removeprefix("relation-mock: ")
    assert message.startswith(f"The state file {path} "), message
    assert problem in message, f"{problem!r} is not in: {message}"
    assert "--state" in message, f"the message names no fix: {message}"
    rest = message.replace(str(path), "FILE")
    assert rest.endswith(".") and not re.search(r"[.!?] [A-Z]", rest), f"not one sentence: {message}"


@pytest.fixture(scope="module")
def good_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state file of ours with one relation written, closed cleanly."""
    path = tmp_path_factory.mktemp("good") / "state.sqlite3"
    with MockProcess(["--quiet", "--state", str(path)]) as mock, mock.client() as client:
        assert client.put("/api/v1/Relation/4242", json={**REFS, "Comment": "kept"}).status_code == 200
        mock.terminate()
    return path


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder every user may enter and write (the mock may run as `nobody`)."""
    folder = Path(tempfile.mkdtemp(prefix="relation-state-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def nobody_can_run_python() -> str | None:
    """Why the mock cannot be run as `nobody` here, or None when it can."""
    if shutil.which("setpriv") is None:
        return "setpriv is not installed"
    try:
        subprocess.run([*NOBODY, str(PYTHON), "-c", "import mockserver"], cwd=ROOT, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"python cannot run as nobody through setpriv ({exc})"
    return None


def refused(path: Path, problem: str, *, prefix: tuple[str, ...] = ()) -> None:
    folder = path.parent
    before = snapshot(folder)
    result = run_startup("--quiet", "--state", str(path), prefix=prefix)
    assert_one_sentence_refusal(result, path, problem)
    assert snapshot(folder) == before, "the refused start-up changed the state file or its folder"


# -- unreadable ------------------------------------------------------------------------------------


def test_a_state_path_that_is_a_folder_stops_startup_with_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.mkdir()
    (path / "inside.txt").write_text("a file a user keeps here")
    refused(path, "is a folder")


def test_a_state_path_that_is_a_dangling_link_stops_startup_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.symlink_to(tmp_path / "moved-away.sqlite3")
    refused(path, "is a link to")
    assert not (tmp_path / "moved-away.sqlite3").exists()


def test_a_state_file_its_user_may_not_read_stops_startup_with_one_sentence(
    good_state: Path, open_folder: Path
) -> None:
    reason = nobody_can_run_python()
    if reason:
        pytest.skip(f"cannot run the mock as an unprivileged user: {reason}")
    path = open_folder / "state.sqlite3"
    shutil.copyfile(good_state, path)
    path.chmod(0o000)
    refused(path, "cannot be read", prefix=NOBODY)


# -- read-only -------------------------------------------------------------------------------------


def test_a_state_file_its_user_may_not_write_stops_startup_with_one_sentence(
    good_state: Path, open_folder: Path
) -> None:
    reason = nobody_can_run_python()
    if reason:
        pytest.skip(f"cannot run the mock as an unprivileged user: {reason}")
    path = open_folder / "state.sqlite3"
    shutil.copyfile(good_state, path)
    path.chmod(0o444)
    refused(path, "cannot be written", prefix=NOBODY)


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"chattr +i does not work here: {made.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def test_an_immutable_state_file_stops_startup_with_one_sentence(good_state: Path, tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    shutil.copyfile(good_state, path)
    with immutable(path):
        refused(path, "cannot be written")


@contextlib.contextmanager
def read_only_view(folder: Path, view: Path) -> Iterator[None]:
    """`view` shows `folder` through a read-only bind mount."""
    view.mkdir()
    for command in (
        ["mount", "--bind", str(folder), str(view)],
        ["mount", "-o", "remount,bind,ro", str(view)],
    ):
        made = subprocess.run(command, capture_output=True, text=True, check=False)
        if made.returncode != 0:
            subprocess.run(["umount", str(view)], capture_output=True, check=False)
            pytest.skip(f"a read-only bind mount cannot be made here: {made.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)


def test_a_state_file_on_a_read_only_mount_stops_startup_with_one_sentence(
    good_state: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(good_state, folder / "state.sqlite3")
    with read_only_view(folder, tmp_path / "ro"):
        refused(tmp_path / "ro" / "state.sqlite3", "Read-only file system")


def test_a_new_state_file_in_a_folder_that_does_not_exist_stops_startup(tmp_path: Path) -> None:
    path = tmp_path / "no-such-folder" / "state.sqlite3"
    result = run_startup("--quiet", "--state", str(path))
    assert_one_sentence_refusal(result, path, "does not exist")
    assert not path.parent.exists()


# -- never replaced --------------------------------------------------------------------------------

Write = Callable[[MockProcess], None]


def test_a_state_file_keeps_its_inode_through_writes_a_reset_and_restarts(
    start_mock: StartMock, good_state: Path, tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite3"
    shutil.copyfile(good_state, path)
    inode = path.stat().st_ino
    for round_no in range(2):
        mock = start_mock("--quiet", "--state", path)
        with mock.client() as client:
            assert (
                client.put("/api/v1/Relation/77", json={**REFS, "Comment": f"r{round_no}"}).status_code == 200
            )
            assert client.post("/api/v1/Relation", json=REFS).status_code == 200
            assert client.post("/__admin/reset").status_code == 200
        assert mock.terminate() == 0
        assert path.stat().st_ino == inode, "the state file was replaced by another file"
