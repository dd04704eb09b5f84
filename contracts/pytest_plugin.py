"""The contract suite under pytest: one test per check, so QA can select (-k), rerun and report as usual.

    pytest --pyargs contracts --url URL            # or --contracts for the embedded mock
    pytest -p contracts.pytest_plugin --url URL    # when the plugin is not installed as an entry point

Installed as a `pytest11` entry point, this module is loaded by every pytest run in the environment,
so it only adds options until `--url` or `--contracts` is given: no collection, no imports of the
suite, no side effects otherwise. The suite runs once per session, limited to the selected checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from contracts.results import RunResult

TEST_MODULE = Path(__file__).with_name("test_contract.py")
_SELECTED = pytest.StashKey[list[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("relation-contracts", "relation contract suite (python -m contracts)")
    try:
        group.addoption("--url", "--contracts-url", dest="contracts_url", metavar="URL",
                        help="run the contract checks against the server at URL")  # fmt: skip
    except ValueError:  # another plugin owns --url
        group.addoption("--contracts-url", dest="contracts_url", metavar="URL",
                        help="run the contract checks against the server at URL")  # fmt: skip
    group.addoption("--contracts", action="store_true", dest="contracts_embedded",
                    help="run the contract checks against the project's mock on a free port")  # fmt: skip
    options = (
        ("--contracts-auth", "the Authorization header"),
        ("--contracts-relation-id", "the relation the suite may write to"),
        ("--contracts-max-examples", "generated cases per operation and per property"),
        ("--contracts-seed", "Hypothesis/Schemathesis seed"),
        ("--contracts-workers", "processes for the Schemathesis phases"),
        ("--contracts-phases", "Schemathesis phases"),
        ("--contracts-methods", "the methods Schemathesis sends (default all)"),
        ("--contracts-checks", "checks to run (names, 'schemathesis', 'property')"),
        ("--contracts-exclude-checks", "checks to skip"),
        ("--contracts-contact-ids", "ids of contacts that exist"),
        ("--contracts-person-ids", "CONTACT:PERSON pairs of persons that exist"),
        ("--contracts-definition-ids", "ids of relation definitions that exist"),
    )
    for flag, text in options:
        group.addoption(flag, dest=flag[2:].replace("-", "_"), metavar="VALUE", help=text)
    group.addoption("--contracts-header", dest="contracts_header", action="append", default=[],
                    metavar="'NAME: VALUE'", help="extra request header (repeatable)")  # fmt: skip
    group.addoption("--contracts-strict", action="store_true", dest="contracts_strict",
                    help="fail on every promise, not only the vendor's documented ones")  # fmt: skip
    group.addoption("--contracts-read-only", action="store_true", dest="contracts_read_only",
                    help="send only GET requests (only the checks that write nothing)")  # fmt: skip
    group.addoption("--contracts-documented-truncation", action="store_true",
                    dest="contracts_documented_truncation",
                    help="accept text cut to FieldLength (the server documents it) besides 400")  # fmt: skip


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("contracts_url") or config.getoption("contracts_embedded"))


def pytest_configure(config: pytest.Config) -> None:
    if not _enabled(config):
        return
    package = TEST_MODULE.parent
    if any(_inside(arg, package) for arg in config.args):
        return
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        config.args.append(str(TEST_MODULE))
    else:  # nothing named on the command line: run the contract checks, not the testpaths
        config.args[:] = [str(TEST_MODULE)]


def _inside(arg: str, package: Path) -> bool:
    target = arg.split("::", 1)[0]
    if target in ("contracts", "contracts.test_contract"):
        return True
    try:
        return Path(target).resolve().is_relative_to(package)
    except OSError:
        return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "contract_check" not in metafunc.fixturenames:
        return
    from contracts.catalog import select_checks

    config = metafunc.config
    names = select_checks(
        _split(config.getoption("contracts_checks")), _split(config.getoption("contracts_exclude_checks"))
    )
    metafunc.parametrize("contract_check", names, ids=names)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Remember which checks survived -k/deselection, so the one run does only those."""
    selected: list[str] = [
        str(item.callspec.params["contract_check"])
        for item in items
        if isinstance(item, pytest.Function)
        and hasattr(item, "callspec")
        and "contract_check" in item.callspec.params
    ]
    config.stash[_SELECTED] = selected


@pytest.fixture(scope="session")
def contract_run(pytestconfig: pytest.Config) -> RunResult:
    """Run the suite once for the session (only the selected checks) and hand back what it found."""
    if not _enabled(pytestconfig):
        pytest.skip("pass --url URL (or --contracts for the embedded mock) to run the contract checks")
    from contracts.cli import parse_options
    from contracts.errors import ContractsError
    from contracts.reporting.console import Reporter
    from contracts.suite import run_suite

    argv = ["--quiet"]
    if pytestconfig.getoption("contracts_url"):
        argv += ["--url", pytestconfig.getoption("contracts_url")]
    for dest in ("auth", "relation_id", "max_examples", "seed", "workers", "phases", "methods",
                 "contact_ids", "person_ids", "definition_ids"):  # fmt: skip
        value = pytestconfig.getoption(f"contracts_{dest}")
        if value is not None:
            argv += [f"--{dest.replace('_', '-')}", str(value)]
    for header in pytestconfig.getoption("contracts_header"):
        argv += ["--header", header]
    if pytestconfig.getoption("contracts_strict"):
        argv.append("--strict")
    if pytestconfig.getoption("contracts_documented_truncation"):
        argv.append("--documented-truncation")
    if pytestconfig.getoption("contracts_read_only"):
        argv.append("--read-only")
    selected = pytestconfig.stash.get(_SELECTED, [])
    if selected:
        argv += ["--checks", ",".join(selected)]
    try:
        options, _ = parse_options(argv)
        return run_suite(options, Reporter())
    except SystemExit:  # argparse already printed the one-line reason
        pytest.fail(f"the contract suite could not run: bad options {argv}", pytrace=False)
    except ContractsError as exc:
        pytest.fail(f"the contract suite could not run: {exc}", pytrace=False)


def _split(value: str | None) -> list[str] | None:
    return [value] if value else None
