"""Every knob of the mock in one frozen dataclass; defaults live here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = PROJECT_ROOT / "openapi" / "relation.yaml"
ADMIN_SPEC = Path(__file__).resolve().parent / "admin.yaml"


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
    # JSON file of relations to start with (a list of entities, or {"id": entity}).
    fixtures_file: Path | None = None
    # Require credentials (Basic, SOTicket, Bearer or X-XSRF-TOKEN); off accepts anonymous calls.
    auth: bool = True
    # Accept any well-formed credential (Prism's way) instead of checking it against the users.
    auth_any: bool = False
    # JSON file of the accepted credentials; None uses the built-in users (see mockserver.auth).
    auth_users_file: Path | None = None
    cors: bool = True
    quiet: bool = False
    # Largest request body in bytes; a larger one is answered 413 without being read.
    max_body: int = 1024 * 1024
    # Seconds a client may take to send its whole body before the request is answered 408.
    body_timeout: float = 10.0
    # How many requests GET /__admin/requests remembers (oldest dropped first).
    journal_size: int = 500
    # Body bytes kept per journal entry.
    journal_body_bytes: int = 16 * 1024
    workers: int = 1
