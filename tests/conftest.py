"""How the whole test run is laid out: the fast tier, and how pytest-xdist shares the work.

The fast tier (`-m fast`, what `make check` runs) is the tests marked `fast`: they run the app in
this process over an ASGI transport, with no subprocess and no socket, so that the request path is
checked in seconds. The mark is a promise this file keeps: while a fast test runs, starting a
process or binding or connecting a network socket fails it, naming the mark to drop.

`make test` runs every test on every core (`-n auto --dist loadgroup`); each worker is a process
with session fixtures of its own (free ports, its own temporary folders; tools under .cache/ are
installed under a file lock). Tests go to whichever worker is free, but for two kinds, each kept
together as one unit of work on one worker:

- a module with a module-scoped fixture (a wheel built and installed, Prism, a mock process, a
  generated client), found by `scope="module"` in the module or a conftest.py above it: that
  fixture is then made once, on one worker, not once per worker;
- the tests that measure a process (RSS, timeouts, concurrency across seconds, SIGTERM and SIGKILL),
  TIMED: one unit, so that no two of them run at the same time;
- the tests of the PostgreSQL store (tests/postgres/): one unit, one real PostgreSQL server.

The units are made here (`pytest_xdist_make_scheduler`) from each test's module path, not from
`xdist_group` marks: pytest-xdist 3.8 reads those by rewriting node ids, which pytest 9.2 no longer
lets it do (pytest-dev/pytest-xdist#1386), so they would be ignored without a word. The slowest
modules (FIRST) are sent first, so that no worker is left with a long one at the end.
"""

from __future__ import annotations

import functools
import re
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling

TESTS = Path(__file__).resolve().parent

# The fast tier: modules whose tests run in this process (the app over an ASGI transport, or plain
# functions), but for the tests FAST_EXCEPT names. A new module joins by a line here; the guard below
# keeps the promise.
FAST = frozenset(
    {
        "contracts/test_retry.py",
        "contracts/test_rules.py",
        "contracts/test_texts.py",
        "contracts/test_values.py",
        "mock/test_admin_doors.py",
        "mock/test_secrets_masked.py",
        "mock/test_service_unavailable.py",
        "mock/test_caching.py",
        "mock/test_callers.py",
        "mock/test_content_types.py",
        "mock/test_default.py",
        "mock/test_delete.py",
        "mock/test_errors.py",
        "mock/test_field_lengths.py",
        "mock/test_lifecycle.py",
        "mock/test_patch.py",
        "mock/test_post.py",
        "mock/test_preconditions.py",
        "mock/test_prefer.py",
        "mock/test_put_state.py",
        "mock/test_second_entity.py",
        "mock/test_select.py",
        "test_bench_script.py",
        "test_deploy.py",
        "test_layout.py",
        "test_public_api.py",
        "test_spec.py",
        "test_spec_resource.py",
    }
)
# Tests of a FAST module that start a process or serve on a socket (a prefix of `module::name`).
FAST_EXCEPT = (
    "test_bench_script.py::test_a_one_second_run_",
    "test_bench_script.py::test_the_mock_answers_what_the_write_rows_send",
    "test_spec.py::test_spectral_",
    "mock/test_second_entity.py::test_workers_",
)
# Tests whose assertions are about time or memory of a process: one unit of work, never two at once.
TIMED = frozenset(
    {
        "mock/test_faults.py",
        "reliability/test_concurrency.py",
        "reliability/test_resource_concurrency.py",
        "reliability/test_durability.py",
        "reliability/test_memory.py",
        "reliability/test_shutdown.py",
        "reliability/test_slow_clients.py",
        "test_bench_script.py",
    }
)
# Modules that take longest (tens of seconds or a whole install): started first.
FIRST = (
    "tools/test_schemathesis_vendor.py",
    "reliability/test_fuzzing.py",
    "packaging/test_installed.py",
    "tools/test_openapi_python_client.py",
    "tools/test_prism.py",
    "tools/test_openapi_typescript.py",
)
TIMED_GROUP = "timed"
# The tests of the PostgreSQL store share one real server (tests/postgres/conftest.py): one unit.
POSTGRES = "postgres/"
MODULE_FIXTURE = re.compile(r"@pytest\.fixture\([^)]*scope=\"module\"")


def _module(item: pytest.Item) -> str:
    return item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else str(item.path)


@functools.cache
def _has_module_fixture(path: Path) -> bool:
    """Whether the module, or a conftest.py in its folder or one above it in tests/, declares a
    module-scoped fixture."""
    sources = [path, *(folder / "conftest.py" for folder in path.parents if folder.is_relative_to(TESTS))]
    return any(
        MODULE_FIXTURE.search(source.read_text(encoding="utf-8")) for source in sources if source.is_file()
    )


def pytest_itemcollected(item: pytest.Item) -> None:
    module = _module(item)
    if module in FAST and not f"{module}::{item.name}".startswith(FAST_EXCEPT):
        item.add_marker(pytest.mark.fast)


def unit_of_work(rootpath: Path, nodeid: str) -> str:
    """The scope a test is scheduled in: TIMED_GROUP, its module's path, or the test alone."""
    path = rootpath / nodeid.split("::", 1)[0]
    module = path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else str(path)
    if module in TIMED:
        return TIMED_GROUP
    if module.startswith(POSTGRES):
        return POSTGRES
    if path.is_file() and _has_module_fixture(path):
        return module
    return nodeid


class _UnitScheduling(LoadScopeScheduling):
    """xdist's scope scheduling over `unit_of_work`, in the order the tests were collected."""

    def __init__(self, config: pytest.Config, log: Producer | None = None) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False  # keep FIRST first (not the largest unit first)

    def _split_scope(self, nodeid: str) -> str:
        return unit_of_work(self.config.rootpath, nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> _UnitScheduling | None:
    """`--dist loadgroup` (what `make test` asks for) schedules by `unit_of_work`."""
    return _UnitScheduling(config, log) if config.getvalue("dist") == "loadgroup" else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = _module(item)
        if module in FIRST:
            return FIRST.index(module)
        return len(FIRST) + (0 if module in TIMED else 1)

    items.sort(key=rank)  # stable: the order within a module is kept


class NotFast(AssertionError):
    """A test marked `fast` started a process or used a network socket."""


def _refuse(what: str, nodeid: str) -> Callable[..., Any]:
    def refused(*args: object, **kwargs: object) -> Any:
        raise NotFast(
            f"{nodeid} is marked fast but {what}: a fast test runs the app in this process (see "
            "tests/livemock.py's asgi_client). Drop the `fast` mark, or use the in-process client."
        )

    return refused


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    if item.get_closest_marker("fast") is None:
        return (yield)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess.Popen, "__init__", _refuse("started a process", item.nodeid))
        for method in ("connect", "connect_ex", "bind"):
            original = getattr(socket.socket, method)
            patch.setattr(socket.socket, method, _inet_only(original, item.nodeid, method))
        return (yield)


def _inet_only(original: Callable[..., Any], nodeid: str, method: str) -> Callable[..., Any]:
    """`socket.<method>` refused for IPv4/IPv6 sockets; a Unix socket pair (the event loop's) passes."""
    refuse = _refuse(f"called socket.{method}() on a network socket", nodeid)

    def guarded(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            return refuse()
        return original(self, *args, **kwargs)

    return guarded


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Says, at the end, how many PostgreSQL tests did not run for want of a server, and the fix."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "PostgreSQL server binaries" in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} PostgreSQL tests did not run: no PostgreSQL server was found; install Debian's "
            "postgresql package (sudo apt-get install -y postgresql) and run make test again.",
            yellow=True,
            bold=True,
        )
