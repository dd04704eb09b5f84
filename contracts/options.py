"""Every knob of a contract run in one frozen dataclass; the defaults live here and nowhere else."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from relation_spec import SPEC  # openapi/relation.yaml, shipped as package data

from contracts.catalog import VENDOR
from contracts.reporting.curl import AUTH_ENV

DEFAULT_SPEC: Path = Path(SPEC)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The vendor's sample credentials (user tje0, from the PUT page); harmless to print.
SAMPLE_AUTH = "Basic dGplMDpUamUw"
DEFAULT_RELATION_ID = 918
DEFAULT_MAX_EXAMPLES = 25
DEFAULT_SEED = 20240918
DEFAULT_WORKERS = 2
# Where the credential came from: --auth, $CONTRACTS_AUTH, or the vendor's sample.
FROM_OPTION, FROM_ENV, FROM_SAMPLE = "--auth", f"${AUTH_ENV}", "the vendor's sample credentials"
# Schemathesis' phases; `stateful` chains calls over the spec's links (POST, then GET/PUT/PATCH/DELETE).
PHASES = ("examples", "coverage", "fuzzing", "stateful")
METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")
# The phases that need a write to do anything: left out under --read-only.
WRITING_PHASES = frozenset({"stateful"})


def default_auth() -> str:
    return os.environ.get(AUTH_ENV) or SAMPLE_AUTH


def auth_source(given: str | None) -> str:
    """Where the run's credential came from (for messages; never the credential itself)."""
    if given is not None:
        return FROM_OPTION
    return FROM_ENV if os.environ.get(AUTH_ENV) else FROM_SAMPLE


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """One contract run. `url=None` means: start the project's mock and test that."""

    url: str | None = None
    auth: str = SAMPLE_AUTH
    # Where `auth` came from (FROM_OPTION, FROM_ENV, FROM_SAMPLE): the messages say it.
    auth_source: str = FROM_SAMPLE
    headers: tuple[tuple[str, str], ...] = ()
    relation_id: int = DEFAULT_RELATION_ID
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int = DEFAULT_SEED
    workers: int = DEFAULT_WORKERS
    junit: Path | None = None
    report: Path | None = None
    checks: tuple[str, ...] = ()
    spec: Path = DEFAULT_SPEC
    phases: tuple[str, ...] = PHASES
    request_timeout: float = 10.0
    # Show the rich progress display and summary (off under pytest and for --quiet).
    progress: bool = True
    # Fail the run on promises that are not the vendor's documented ones (framework, RFC, ours).
    strict: bool = False
    # References known to exist on the server, besides those of the relation under test: contacts,
    # (contact, person) pairs (the person belongs to the contact; contact None when unknown) and
    # relation definitions.
    contact_ids: tuple[int, ...] = ()
    person_ids: tuple[tuple[int | None, int], ...] = ()
    definition_ids: tuple[int, ...] = ()
    # The server's documentation says text longer than a field's FieldLength is cut to it: accept
    # exactly that cut (shown in the PUT answer) instead of requiring a 400.
    documented_truncation: bool = False
    # Send only GET requests: Schemathesis limited to GET operations, only the properties that
    # write nothing, no restore PUT.
    read_only: bool = False
    # Schemathesis sends only these methods (all the spec's when empty), like its --include-method;
    # the properties are chosen with `checks`.
    methods: tuple[str, ...] = ()
    # Stop after this many findings (violations and warnings), as Schemathesis' and pytest's
    # --maxfail: the checks not reached are "not run". None: run everything.
    max_failures: int | None = None
    # Against a URL Schemathesis and the properties only read the spec's resources other than the
    # relation; this lets them write to them too (only to records their POSTs create there, deleted at
    # the end as relations are). It implies `create_references`.
    all_resources: bool = False
    # Against a URL, let the properties create the contacts and persons they need (with POST; each is
    # deleted at the end like the run's relations). Without it (or --all-resources) a property that
    # needs such a record is not run.
    create_references: bool = False
    # Wait out a 429 as its Retry-After says and send the request again (the properties' requests;
    # Schemathesis accepts 429, which the spec documents): a busy tenant is not a false failure.
    retry_429: bool = False
    # Send the coverage phase's whole set of invalid bodies under every media type, also under those
    # that only repeat an earlier one's schema and parser (contracts.fuzzing.aliases).
    every_media_type: bool = False

    @property
    def auth_is_sample(self) -> bool:
        return self.auth == SAMPLE_AUTH

    @property
    def embedded(self) -> bool:
        """The run tests the project's own mock (no --url): every promise is enforced."""
        return self.url is None

    def enforced(self, basis: str) -> bool:
        """Whether a broken promise of this basis fails the run (else it is a warning)."""
        return self.embedded or self.strict or basis == VENDOR

    @property
    def may_create_references(self) -> bool:
        """The properties may create contacts and persons (the embedded mock, --create-references,
        --all-resources), never under --read-only."""
        return not self.read_only and (self.embedded or self.create_references or self.all_resources)

    @property
    def may_write_other_resources(self) -> bool:
        """The entity properties may create and write records of the spec's other resources."""
        return not self.read_only and (self.embedded or self.all_resources)

    @property
    def fuzz_phases(self) -> tuple[str, ...]:
        """The Schemathesis phases this run sends (under --read-only, none that must write)."""
        return tuple(p for p in self.phases if not (self.read_only and p in WRITING_PHASES))

    def request_headers(self) -> list[tuple[str, str]]:
        """Credentials plus every `--header`, in the order given (a later `--header` wins)."""
        out: list[tuple[str, str]] = [("Authorization", self.auth)] if self.auth else []
        for name, value in self.headers:
            out = [(key, val) for key, val in out if key.lower() != name.lower()]
            out.append((name, value))
        return out
