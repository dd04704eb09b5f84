"""The harness as teams consume it: built into an sdist and a wheel, installed into a fresh venv
outside the checkout, and run from a directory that is not the checkout.

One module-scoped build and install serve every test here: the checkout is copied (so the build
writes nothing into it), `python -m build` makes the sdist and then the wheel from that sdist, and
the wheel goes into a new venv with its dependencies. Nothing of the checkout is on that venv's path.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.livemock import free_port
from tests.seed_facts import read_seed

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", ".cache", "node_modules", "__pycache__", "*.egg-info", "build", "dist",
    ".pytest_cache", ".ruff_cache", ".hypothesis", "raw", "*.sqlite3",
)  # fmt: skip
# Each top-level package and the folder it is built from.
PACKAGE_DIRS = {"mockserver": "mockserver", "contracts": "contracts", "relation_spec": "openapi"}


@dataclass(frozen=True)
class Built:
    source: Path  # the copy of the checkout that was built
    sdist: Path
    wheel: Path
    log: str


@dataclass(frozen=True)
class Installed:
    bin: Path
    workdir: Path  # an empty directory outside the checkout, the cwd of every command

    def run(self, *command: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / command[0]), *command[1:]],
            cwd=self.workdir,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _clean_env() -> dict[str, str]:
    """The environment without anything that points at the checkout or its venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    # Set on some machines; it makes distutils print "byte-compiling is disabled" for every build.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    source = tmp_path_factory.mktemp("checkout") / "relation-harness"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return Built(source, sdist, wheel, done.stdout + done.stderr)


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    done = subprocess.run(
        # --no-compile: no .pyc for 150 MB of dependencies the tests import a fraction of (3 s).
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile", str(built.wheel)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    yield Installed(venv / "bin", tmp_path_factory.mktemp("elsewhere"))
    shutil.rmtree(venv, ignore_errors=True)  # 150 MB; pytest keeps its last three temp folders


@contextlib.contextmanager
def serving(installed: Installed, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`relation-mock` from the venv on a free port; yields its URL and process, SIGTERM at the end."""
    port = free_port()
    log = installed.workdir / f"mock-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(installed.bin / "relation-mock"), "--port", str(port), "--quiet", *args],
            cwd=installed.workdir,
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"relation-mock exited: {log.read_text(errors='replace')}"
            assert time.monotonic() < deadline, f"relation-mock did not answer on {url} within 30 s"
            try:
                httpx.get(url + "/__admin/requests", timeout=1.0)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


@pytest.fixture(scope="module")
def mock_url(installed: Installed) -> Iterator[str]:
    with serving(installed) as (url, _):
        yield url


def test_the_sdist_and_the_wheel_build_without_a_warning(built: Built) -> None:
    warnings = [line for line in built.log.splitlines() if "warn" in line.lower()]
    assert warnings == [], "\n".join(warnings)


def test_the_wheel_holds_every_file_of_the_packages_in_the_checkout(built: Built) -> None:
    """Every module and data file; a new data file needs a line in `[tool.setuptools.package-data]`."""
    names = set(zipfile.ZipFile(built.wheel).namelist())
    expected = set()
    for package, folder in PACKAGE_DIRS.items():
        for path in (built.source / folder).rglob("*"):
            if path.is_file() and path.suffix != ".pyc":
                expected.add(f"{package}/{path.relative_to(built.source / folder).as_posix()}")
    assert {
        "mockserver/handlers/__init__.py",
        "mockserver/admin.yaml",
        "relation_spec/relation.yaml",
    } <= expected
    assert sorted(expected - names) == []
    spec = zipfile.ZipFile(built.wheel).read("relation_spec/relation.yaml")
    assert spec == (built.source / "openapi" / "relation.yaml").read_bytes()


def test_the_sdist_carries_the_spec_once_where_people_edit_it(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        specs = [name for name in sdist.getnames() if name.endswith("relation.yaml")]
    assert specs == [f"relation_harness-{VERSION}/openapi/relation.yaml"]


def test_the_installed_packages_come_from_the_venv_not_the_checkout(installed: Installed) -> None:
    code = "import contracts, mockserver, relation_spec; print(mockserver.__file__, relation_spec.SPEC)"
    done = installed.run("python", "-c", code)
    assert done.returncode == 0, done.stderr
    for path in done.stdout.split():
        assert Path(path).is_relative_to(installed.bin.parent), path


def test_both_commands_print_the_version_from_pyproject(installed: Installed) -> None:
    for command in ("relation-mock", "relation-contracts"):
        done = installed.run(command, "--version")
        assert (done.returncode, done.stdout.strip()) == (0, f"{command} {VERSION}"), done.stderr


def test_the_installed_mock_answers_the_seed_put_and_stops_cleanly(installed: Installed) -> None:
    seed = read_seed().sample_request
    method, path = seed.start_line.split()[:2]
    relation_id = seed.body["RelationId"]
    with serving(installed) as (url, process):
        answer = httpx.request(
            method, url + path.replace("{id}", str(relation_id)), headers=seed.headers, json=seed.body
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["RelationId"] == relation_id
        assert answer.json()["Comment"] == seed.body["Comment"]
        assert httpx.get(url + "/ui/").status_code == 200  # Swagger UI's files are installed too
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


def test_the_installed_suite_passes_against_a_url(installed: Installed, mock_url: str) -> None:
    # Every check and every phase but coverage, whose thousands of cases test the mock, not the
    # install (the checkout's own strict run has it: tests/contracts/test_verdicts.py); the
    # processes, their hooks and their configuration are the same for every phase.
    done = installed.run(
        "relation-contracts", "--url", mock_url, "--max-examples", "5", "--quiet",
        "--phases", "examples,fuzzing,stateful",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "CONTRACT HELD" in done.stdout and "relations deleted" in done.stdout


def test_the_installed_suite_starts_its_own_mock_without_a_url(installed: Installed) -> None:
    done = installed.run("relation-contracts", "--max-examples", "5", "--phases", "examples", "--quiet")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "CONTRACT HELD" in done.stdout


def test_pytest_pyargs_contracts_runs_from_another_directory(installed: Installed, mock_url: str) -> None:
    done = installed.run(
        "python", "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "contracts",
        "--url", mock_url, "--contracts-max-examples", "3", "-k", "round_trip or persistence",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


TEAM_TESTS = '''\
"""A team's own tests, in a project that only installed the relation-harness wheel."""

import httpx

AUTH = {"Authorization": "Basic dGplMDpUamUw"}


def test_a_saved_comment_is_read_back(relation_mock):
    url = relation_mock.url_for("/api/v1/Relation/918")
    body = {"SourceContactId": 381, "DestinationContactId": 262, "Comment": "from test one"}
    saved = httpx.put(url, json=body, headers=AUTH)
    assert saved.status_code == 200, saved.text
    assert httpx.get(url, headers=AUTH).json()["Comment"] == "from test one"
    assert [entry["Method"] for entry in relation_mock.requests()] == ["PUT", "GET"]


def test_the_next_test_starts_from_a_reset_mock(relation_mock):
    answer = httpx.get(relation_mock.url_for("/api/v1/Relation/918"), headers=AUTH)
    assert answer.json()["Comment"] != "from test one"
    assert [entry["Method"] for entry in relation_mock.requests()] == ["GET"]
'''


def test_another_project_uses_the_mock_fixture_and_the_contract_checks(
    installed: Installed, mock_url: str
) -> None:
    project = installed.workdir / "team-project"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_relation_client.py").write_text(TEAM_TESTS, encoding="utf-8")
    done = subprocess.run(
        [str(installed.bin / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-v", "tests",
         "--url", mock_url, "--contracts-checks", "round_trip,persistence", "--contracts-max-examples", "3"],
        cwd=project, env=_clean_env(), capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_a_saved_comment_is_read_back PASSED" in done.stdout
    assert "test_the_next_test_starts_from_a_reset_mock PASSED" in done.stdout
    assert any("round_trip" in line and "PASSED" in line for line in done.stdout.splitlines())
    assert "4 passed" in done.stdout
