"""Where the benchmark's pieces are: the repository, bench/, the spec, Prism's install, the loaded path."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
LUA = BENCH / "put.lua"
SPEC = REPO / "openapi" / "relation.yaml"
PRISM_VERSION = "5.16.0"
PRISM_DIR = REPO / ".cache" / "prism"
PRISM_JS = PRISM_DIR / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js"
PATH = "/api/v1/Relation/918"
