"""`python -m contracts` / `relation-contracts`: options in, exit code out.

Exit 0: every enforced check held (warnings allowed). Exit 1: at least one contract violation.
Exit 2: the suite could not run (bad arguments, server unreachable or refusing the credentials,
spec invalid), with a one-line reason on stderr. Exit 3: the suite itself went wrong (a bug: the
traceback, then a one-line reason). Against a URL only the vendor's documented promises are
enforced; `--strict` enforces every promise (the embedded mock is always held to all of them).
This command is what CI runs: `make contract` turns every failing status into make's own 2.
Every message says what was received, what was expected and what to do.

Ctrl-C or SIGTERM stops the run, but not before it has deleted the relations it created and put
the run's relation back; the summary and reports are still written, and the exit status is 130
(Ctrl-C) or 143 (SIGTERM). Further signals while it cleans up are ignored, but a third one gives up.
"""

from __future__ import annotations

import argparse
import functools
import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import NoReturn

import yaml
from rich.console import Console

from contracts.catalog import CHECKS, select_checks
from contracts.errors import ContractsError, Interrupted, SuiteBug, UsageError
from contracts.options import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_RELATION_ID,
    DEFAULT_SEED,
    DEFAULT_SPEC,
    DEFAULT_WORKERS,
    METHODS,
    PHASES,
    Options,
    auth_source,
    default_auth,
)
from contracts.reporting.console import (
    ConsoleReporter,
    Reporter,
    append_github_summary,
    basis_label,
    print_summary,
    write_junit,
    write_markdown,
)
from contracts.results import RunResult
from contracts.safety import interrupts
from contracts.spec import PUT_PATH, YAML_LOADER
from contracts.suite import run_suite

PROG = "relation-contracts"
EXIT_HELD, EXIT_VIOLATED, EXIT_CANNOT_RUN, EXIT_INTERNAL = 0, 1, 2, 3
DESCRIPTION = """\
Check a server against the contract of the SuperOffice CRM WebAPI Relation resource
(openapi/relation.yaml), every operation the vendor documents:

  GET    /api/v1/Relation/{id}      read a relation (the relation under test, --relation-id)
  PUT    /api/v1/Relation/{id}      update it (only --relation-id, or a relation the run created)
  POST   /api/v1/Relation           create one (the suite creates relations of its own)
  PATCH  /api/v1/Relation/{id}      change one with JSON Patch or merge patch (only the run's own)
  DELETE /api/v1/Relation/{id}      delete one (only the run's own, and only as it left it)
  GET    /api/v1/Relation/default   a new relation's default values

Stock Schemathesis (examples, coverage, fuzzing, the stateful phase over the spec's links) and
Hypothesis properties. The run writes only what a client sets, creates and deletes only its own
relations, and puts --relation-id back as it found it. Without --url, the project's mock is
started on a free port and tested."""
EPILOG = """\
exit status: 0 every enforced check held (warnings allowed), 1 a contract violation, 2 could not
run (bad arguments, server unreachable, credentials refused, spec invalid), 3 an internal error of
the suite. In CI run this command itself (or python -m contracts): `make contract` reports every
failure as 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, not argparse's usage block: CI shows the last line of a failed step."""
        self.exit(
            EXIT_CANNOT_RUN,
            f"{self.prog}: cannot run: {message}; expected the arguments --help describes: fix this one "
            "(see --help)\n",
        )


@functools.cache
def _other_operations() -> str:
    """The spec's operations on other resources, one line each, as the spec summarises them."""
    try:
        paths = yaml.load(DEFAULT_SPEC.read_text(encoding="utf-8"), Loader=YAML_LOADER).get("paths") or {}
    except (OSError, yaml.YAMLError, AttributeError):
        return ""
    prefix = PUT_PATH.rsplit("/{", 1)[0].lower()
    lines = [
        f"  {method.upper():<6} {path:<35} {_first_sentence(operation)}"
        for path, item in paths.items()
        if not (str(path).lower() == prefix or str(path).lower().startswith(prefix + "/"))
        for method, operation in (item or {}).items()
        if method in ("get", "put", "post", "patch", "delete") and isinstance(operation, dict)
    ]
    if not lines:
        return ""
    return (
        "\n\nThe resources a relation refers to are read (against a URL never written, unless "
        "--all-resources; --create-references lets the properties create the contacts and persons "
        "they need, and deletes them again):\n\n" + "\n".join(lines)
    )


def _first_sentence(operation: dict[str, object]) -> str:
    text = str(operation.get("description") or operation.get("summary") or "")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    sentence = first.split(". ", 1)[0].rstrip(".")
    return sentence if len(sentence) <= 60 else sentence[:57].rstrip() + "..."


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=DESCRIPTION + _other_operations(),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('relation-harness')}")
    parser.add_argument(
        "--url", help="base URL of the server, e.g. https://host/Cust12345 (default: embedded mock)"
    )
    parser.add_argument(
        "--auth",
        default=None,
        metavar="VALUE",
        help="the Authorization header (default: $CONTRACTS_AUTH, else the vendor's sample credentials)",
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="extra request header (repeatable)",
    )
    parser.add_argument(
        "--relation-id", type=_int32, default=DEFAULT_RELATION_ID, metavar="N",
        help=f"the relation the suite may write to and restores afterwards (default {DEFAULT_RELATION_ID})",
    )  # fmt: skip
    parser.add_argument(
        "--max-examples", type=_positive, default=DEFAULT_MAX_EXAMPLES, metavar="N",
        help=f"generated cases per Schemathesis operation and per property (default {DEFAULT_MAX_EXAMPLES})",
    )  # fmt: skip
    parser.add_argument(
        "--max-failures", type=_positive, metavar="N",
        help="stop after N findings (violations or warnings); the checks not reached show as not run",
    )  # fmt: skip
    parser.add_argument(
        "--all-resources", action="store_true",
        help="against a URL, let Schemathesis and the entity properties write to the spec's other resources "
        "too (contacts, persons, ...; what they create is deleted at the end, and only that is written); "
        "without it they are only read",
    )  # fmt: skip
    parser.add_argument(
        "--create-references", action="store_true",
        help="against a URL, let the properties create the contacts and persons they need (deleted at "
        "the end); without it a property that needs one is not run",
    )  # fmt: skip
    parser.add_argument(
        "--retry-429", action="store_true",
        help="wait out a 429 Too Many Requests as its Retry-After says (at most 60 s) and send the request "
        "again, up to 5 times; the report counts the retries",
    )  # fmt: skip
    parser.add_argument(
        "--every-media-type", action="store_true",
        help="send the coverage phase's every invalid body under every media type; by default a media "
        "type that repeats an earlier one's schema and parser (text/json after application/json, "
        "text/xml after application/xml) gets one of each kind",
    )  # fmt: skip
    parser.add_argument(
        "-x", "--exitfirst", action="store_const", const=1, dest="max_failures",
        help="stop after the first finding (--max-failures 1)",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=_integer, default=DEFAULT_SEED, metavar="N", help="same seed, same requests"
    )
    parser.add_argument(
        "--workers", type=_positive, default=DEFAULT_WORKERS, metavar="N",
        help=f"processes the Schemathesis phases are spread over (default {DEFAULT_WORKERS})",
    )  # fmt: skip
    parser.add_argument(
        "--phases", default=",".join(PHASES), metavar="LIST",
        help=f"Schemathesis phases to run (default {','.join(PHASES)})",
    )  # fmt: skip
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    parser.add_argument("--report", type=Path, metavar="FILE", help="write a Markdown summary")
    parser.add_argument(
        "--checks", action="append", metavar="LIST",
        help="comma-separated checks to run: names, 'schemathesis', 'property' or 'all' (default all)",
    )  # fmt: skip
    parser.add_argument(
        "--exclude-checks", action="append", metavar="LIST", help="comma-separated checks to skip"
    )
    parser.add_argument(
        "--spec", type=Path, default=DEFAULT_SPEC, help="the OpenAPI document (default: the project's)"
    )
    parser.add_argument(
        "--strict", action="store_true",
        help="fail the run on every promise, not only the vendor's documented ones (framework defaults, "
        "RFCs and this project's choices are otherwise warnings against a URL)",
    )  # fmt: skip
    parser.add_argument(
        "--contact-ids", type=_ids, default=(), metavar="LIST",
        help="comma-separated ids of contacts that exist, for the references the suite writes "
        "(default: the references of the relation under test)",
    )  # fmt: skip
    parser.add_argument(
        "--person-ids", type=_person_ids, default=(), metavar="LIST",
        help="comma-separated CONTACT:PERSON pairs of persons that exist (the person belongs to the contact)",
    )  # fmt: skip
    parser.add_argument(
        "--definition-ids", type=_ids, default=(), metavar="LIST",
        help="comma-separated ids of relation definitions that exist",
    )  # fmt: skip
    parser.add_argument(
        "--documented-truncation", action="store_true",
        help="the server's documentation says text longer than a field's FieldLength is cut to it: accept "
        "that cut (exactly the first FieldLength UTF-16 units, shown in the PUT answer) instead of a 400",
    )  # fmt: skip
    parser.add_argument(
        "--read-only", action="store_true",
        help="send only GET requests: Schemathesis on the GET operations, only the checks that write "
        "nothing, no restore PUT (for a tenant where nothing may change)",
    )  # fmt: skip
    parser.add_argument(
        "--methods", default="", metavar="LIST",
        help=f"Schemathesis sends only these methods (a comma-separated subset of {','.join(METHODS)}; "
        "default all), like its --include-method",
    )  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="no progress display, only the summary")
    parser.add_argument("--list-checks", action="store_true", help="print the checks and exit")
    return parser


def parse_options(argv: list[str] | None = None) -> tuple[Options, argparse.Namespace]:
    args = build_parser().parse_args(argv)
    headers = tuple(_header(raw) for raw in args.header)
    checks = select_checks(args.checks, args.exclude_checks)
    options = Options(
        url=args.url,
        auth=default_auth() if args.auth is None else args.auth,
        auth_source=auth_source(args.auth),
        headers=headers,
        relation_id=args.relation_id,
        max_examples=args.max_examples,
        seed=args.seed,
        workers=args.workers,
        junit=args.junit,
        report=args.report,
        checks=checks,
        spec=args.spec,
        phases=_phases(args.phases),
        progress=not args.quiet,
        strict=args.strict,
        contact_ids=args.contact_ids,
        person_ids=args.person_ids,
        definition_ids=args.definition_ids,
        documented_truncation=args.documented_truncation,
        read_only=args.read_only,
        methods=_methods(args.methods),
        max_failures=args.max_failures,
        all_resources=args.all_resources,
        create_references=args.create_references,
        retry_429=args.retry_429,
        every_media_type=args.every_media_type,
    )
    writing = [method for method in options.methods if method != "GET"]
    if options.read_only and writing:
        raise UsageError(
            f"--read-only with --methods {args.methods}: --read-only sends nothing but GET, so "
            f"{','.join(writing)} would be dropped; expected one of them: remove --methods, or --read-only"
        )
    if options.read_only and not options.fuzz_phases and options.phases != PHASES:
        raise UsageError(
            f"--read-only with --phases {args.phases}: the stateful phase creates relations, so nothing "
            "would run; expected other phases too: add examples, coverage or fuzzing to --phases"
        )
    return options, args


def main(argv: list[str] | None = None) -> int:
    err = Console(stderr=True, highlight=False)
    try:
        options, args = parse_options(argv)
        if args.list_checks:
            for info in CHECKS.values():
                print(f"{info.name:<30} {info.engine:<13} {basis_label(info.basis):<18} {info.summary}")
            return EXIT_HELD
        reporter: Reporter = ConsoleReporter(err) if options.progress else Reporter()
        with _stopped_by_signals() as received:
            try:
                result = run_suite(options, reporter)
            except Interrupted as exc:
                print(f"{PROG}: interrupted", file=sys.stderr)
                _write(exc.result, options)
                return 128 + (received[0] if received else signal.SIGINT)
    except SuiteBug as exc:
        return _internal(exc)
    except ContractsError as exc:
        print(f"{PROG}: cannot run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of the suite's: exit 3, never 1 (a violation) nor 2
        return _internal(exc)
    _write(result, options)
    return EXIT_HELD if result.ok else EXIT_VIOLATED


def _internal(exc: BaseException) -> int:
    """The traceback, then one line (CI shows the last line of a failed step)."""
    traceback.print_exception(exc, file=sys.stderr)
    print(
        f"{PROG}: internal error: {type(exc).__name__}: {exc}; expected none: this is a bug of the suite, "
        "not of the server: report it with the traceback above",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def _write(result: RunResult, options: Options) -> None:
    """The summary on stdout, then the reports asked for."""
    # CI logs are not terminals; rich would wrap them at 80 columns.
    print_summary(result, Console(highlight=False, width=None if sys.stdout.isatty() else 130))
    if options.junit:
        write_junit(result, options.junit)
    if options.report:
        write_markdown(result, options.report)
    append_github_summary(result)


@contextmanager
def _stopped_by_signals() -> Iterator[list[int]]:
    """SIGTERM stops the run as Ctrl-C does (KeyboardInterrupt, so the suite cleans up, once the write
    in flight is recorded: `contracts.safety.interrupts`); while it cleans up, a second signal is ignored with
    a word, a third gives up. Yields the signals seen."""
    received: list[int] = []

    def handler(signum: int, _frame: object) -> None:
        received.append(signum)
        if len(received) == 1:
            interrupts.stop()  # after the write in flight, if any, is recorded
            return
        if len(received) > 2:
            raise KeyboardInterrupt
        print(
            f"{PROG}: deleting the relations this run created; signal again to abandon them", file=sys.stderr
        )

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _header(raw: str) -> tuple[str, str]:
    name, sep, value = raw.partition(":")
    if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
        raise UsageError(
            f"--header {raw!r} has no header name before a colon; expected 'Name: value': pass it as "
            "--header 'X-Name: value'"
        )
    return name.strip(), value.strip()


def _phases(raw: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    unknown = [name for name in names if name not in PHASES]
    if unknown or not names:
        raise UsageError(
            f"--phases {raw!r}: expected a comma-separated subset of {','.join(PHASES)}: pass one of them, "
            "e.g. --phases examples,fuzzing"
        )
    return names


def _methods(raw: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip().upper() for name in raw.split(",") if name.strip()))
    unknown = [name for name in names if name not in METHODS]
    if unknown:
        raise UsageError(
            f"--methods {raw!r}: expected a comma-separated subset of {','.join(METHODS)}: pass only "
            "methods the spec has, e.g. --methods PUT,GET"
        )
    return names


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is no whole number; pass digits such as 42") from None


def _int32(text: str) -> int:
    value = _integer(text)
    if not -(2**31) <= value < 2**31:
        raise argparse.ArgumentTypeError(
            f"{text} is outside the 32-bit integers ids are; pass an id from -2147483648 to 2147483647"
        )
    return value


def _ids(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is no comma-separated list of ids; pass ids such as 381,262"
        ) from None
    if not values or any(not 0 < value < 2**31 for value in values):
        raise argparse.ArgumentTypeError(
            f"{text!r} names an id that is no positive 32-bit integer; pass ids from 1 to 2147483647"
        )
    return values


def _person_ids(text: str) -> tuple[tuple[int | None, int], ...]:
    out: list[tuple[int | None, int]] = []
    for part in (part.strip() for part in text.split(",")):
        if not part:
            continue
        contact, colon, person = part.rpartition(":")
        try:
            pair = (int(contact) if colon else None, int(person))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{part!r} is no CONTACT:PERSON pair; pass pairs of ids such as 381:272"
            ) from None
        if any(value is not None and not 0 < value < 2**31 for value in pair):
            raise argparse.ArgumentTypeError(
                f"{part!r} names an id that is no positive 32-bit integer; pass ids from 1 to 2147483647"
            )
        out.append(pair)
    if not out:
        raise argparse.ArgumentTypeError("no CONTACT:PERSON pair given; pass at least one, such as 381:272")
    return tuple(out)


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number; pass 1 or more")
    return value
