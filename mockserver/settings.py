"""Every knob of the mock in one frozen dataclass; defaults live here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from relation_spec import SPEC as DEFAULT_SPEC  # openapi/relation.yaml, shipped as package data

# Package data too; installed wheels are plain files, so the resource is a real path.
ADMIN_SPEC = Path(str(files(__package__).joinpath("admin.yaml")))


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """How one mock server instance behaves.

    The CLI (`python -m mockserver --help`) maps one flag to each field.
    """

    host: str = "127.0.0.1"
    port: int = 4010
    spec_path: Path = DEFAULT_SPEC
    # SQLite file that keeps the store across restarts; None keeps it in memory.
    state_file: Path | None = None
    # PostgreSQL URL (postgresql://user:password@host:5432/db) that any number of replicas share;
    # it takes the place of state_file. Its password is never shown (mockserver.storage.postgres.masked).
    state_url: str | None = None
    # JSON file of relations to start with (a list of entities, or {"id": entity}).
    fixtures_file: Path | None = None
    # Require credentials (Basic, SOTicket, Bearer or X-XSRF-TOKEN); off accepts anonymous calls.
    auth: bool = True
    # Accept any well-formed credential (Prism's way) instead of checking it against the users.
    auth_any: bool = False
    # JSON file of the accepted credentials; None uses the built-in users (see mockserver.auth).
    auth_users_file: Path | None = None
    cors: bool = True
    # X-Admin-Token the admin API (/__admin) requires; None requires none. A host other than
    # loopback needs one (the CLI makes one and prints it once at start, as Jupyter does).
    admin_token: str | None = None
    quiet: bool = False
    # 406 for an Accept that matches nothing. Off, as ASP.NET Web API: such a request is answered
    # in the request body's media type, or JSON.
    strict_accept: bool = False
    # Largest request body in bytes; a larger one is answered 413 without being read.
    # 4 MiB is ASP.NET's default `maxRequestLength` (4096 KB).
    max_body: int = 4 * 1024 * 1024
    # Seconds a client may take to send its whole body before the request is answered 408.
    # 120 s is IIS's default `connectionTimeout`.
    body_timeout: float = 120.0
    # Seconds a connection may take to send a request's line and headers (or, just opened, its
    # first byte) before it is closed (408 if a request was begun). 30 s is Kestrel's default
    # `RequestHeadersTimeout`.
    header_timeout: float = 30.0
    # Bytes of request bodies still arriving that one process holds at once; the body that would
    # pass it is answered 503 (Retry-After), so stalled uploads cannot hold unbounded memory.
    max_buffered: int = 64 * 1024 * 1024
    # How many requests GET /__admin/requests remembers (oldest dropped first).
    journal_size: int = 500
    # Body bytes kept per journal entry.
    journal_body_bytes: int = 16 * 1024
    workers: int = 1
    # Slow and failing on purpose (mockserver.faults): every request waits this long (`50ms`,
    # `20-200ms`, `lognormal:median=80ms,p99=900ms`); None waits for nothing.
    latency: str | None = None
    # Faults drawn per request (`503:2%,429:1%,reset:0.5%`); None injects none.
    faults: str | None = None
    # The seed of those draws: the same seed and the same requests, the same delays and faults.
    fault_seed: int | None = None
    # Only these methods get the global latency and faults (all when empty); /__admin never does.
    faults_on: tuple[str, ...] = ()
    # Requests per second (`10/s`) or minute (`600/min`) each caller may send; past it, 429 with
    # Retry-After. None: no limit.
    rate_limit: str | None = None
    # --proxy: forward the spec's paths to this base URL (e.g. https://host/Cust12345) and check the
    # traffic against the spec instead of mocking; None serves the mock.
    proxy_url: str | None = None
    # Seconds the upstream may take for a whole answer before the proxy answers 504.
    upstream_timeout: float = 30.0
    # --cacert: PEM file of the CAs the upstream's (and a forward proxy's) TLS certificate is checked
    # against, instead of the system's (as curl's --cacert); SSL_CERT_FILE works too.
    upstream_cacert: Path | None = None
    # Answer an upstream answer that breaks the spec with a 502 naming the violations.
    fail_on_violation: bool = False
    # At exit, write the violation summary here (Markdown; JUnit XML for a .xml name).
    report_file: Path | None = None
    # Save every relation the upstream answers 200 with, in the --fixtures format.
    record_file: Path | None = None
