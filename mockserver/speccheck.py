"""Connexion checks a spec against the OpenAPI schema every time an app is built: 0.15 s of the 0.21 s
`create_app` takes. The same document gives the same verdict, so a document that passed once in this
process is not checked again (a failing one is checked, and refused, every time). Tests and the
pytest plugin build many apps from one spec in one process; a server builds one and is unchanged."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from connexion.exceptions import InvalidSpecification
from connexion.spec import OpenAPISpecification, Specification

from mockserver.errors import SpecError

_passed: set[str] = set()
_lock = threading.Lock()
_check = Specification._validate_spec.__func__


def _digest(spec: Any) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def _validate_once(cls: type[Specification], spec: Any) -> None:
    key = _digest(spec)
    with _lock:
        if key in _passed:
            return
    _check(cls, spec)  # raises InvalidSpecification for a document that breaks the schema
    with _lock:
        _passed.add(key)


def install() -> None:
    """Connexion's check, once per document per process (idempotent)."""
    Specification._validate_spec = classmethod(_validate_once)


def explain(path: Path, document: Any, exc: Exception) -> SpecError:
    """The sentence for a document our model could not read (`exc`): Connexion's own finding, which
    names the place in the document that breaks the OpenAPI schema, when it has one."""
    try:
        OpenAPISpecification._validate_spec(document)
    except InvalidSpecification as invalid:
        return SpecError(f"The spec {path} is not a valid OpenAPI document: {invalid}")
    except Exception:  # the schema check itself could not run on it: say what our reader met
        pass
    return SpecError(
        f"The spec {path} cannot be served: reading it failed with {type(exc).__name__}: {exc}. "
        "Check it against the OpenAPI 3.0 schema (make lint runs Spectral on openapi/)."
    )
