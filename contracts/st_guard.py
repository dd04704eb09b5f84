"""Where Schemathesis' requests may go on a real tenant: decided per request in its hooks.

- GET goes anywhere.
- PUT, and a probe of an undocumented method on `/Relation/{id}`, goes to a relation this run
  created, else to the run's relation (`--relation-id`), which the suite puts back at the end.
- DELETE goes to a relation this run created (the stateful phase's links lead there); any other
  id is replaced by a relation created for it there and then.
- PATCH goes to a relation this run created and has not deleted; any other id is replaced by this
  process's own patch target, created on first use.
- A POST answer's RelationId is recorded in the ledger at once (`record`), as is a DELETE's
  success, so the suite's sweep deletes exactly what is left.
- When no relation can be created (no POST on the server), DELETE and PATCH go to id 0, which no
  relation has. Outside the suite (a plain `schemathesis run` with these hooks) the relations the
  hooks create are recorded in a ledger of their own, which nothing sweeps.
- Under --read-only nothing but GET leaves: anything else raises `UnsafeRequest` unsent.

The run's relation is never deleted or patched: the ledger never counts it as the run's.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Mapping
from typing import Any

import httpx

from contracts.errors import UnsafeRequest
from contracts.ledger import Ledger
from contracts.references import ReferencePool
from contracts.spec import PUT_PATH
from contracts.values import parse_xml

COLLECTION = PUT_PATH.replace("/{id}", "")
# An id no relation has (SuperOffice ids start at 1): where a DELETE or PATCH goes when the run
# could not create a relation for it.
NOBODY = 0
CREATES = frozenset({"POST"})
INT32 = range(-(2**31), 2**31)
_DIGITS = re.compile(r"[+-]?[0-9]+")
# Methods that, succeeding on one of the run's relations, mean it exists (again).
EXISTS_AFTER = frozenset({"POST", "PUT", "PATCH"})


def route_id(value: Any) -> int | None:
    """The relation a path id names, as ASP.NET's `{id:int}` reads it (int.TryParse, invariant
    culture: ASCII digits, a sign, surrounding spaces), or None when it names none (no route)."""
    if isinstance(value, bool):
        return None
    text = str(value).strip(" \t\n\v\f\r")
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number in INT32 else None


def created_id(answer: bytes | None) -> int | None:
    """The RelationId of a POST answer, in JSON or XML (whatever the negotiation gave)."""
    if not answer:
        return None
    try:
        entity = json.loads(answer)
    except ValueError:
        try:
            entity = parse_xml(answer)[1]
        except Exception:  # neither JSON nor XML: no id to learn
            return None
    value = entity.get("RelationId") if isinstance(entity, dict) else None
    return route_id(value) if value is not None else None


class Guard:
    """The decisions for one Schemathesis process (see the module docstring)."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        relation_id: int,
        pool: ReferencePool,
        base_url: str | None,
        headers: list[tuple[str, str]],
        timeout: float,
        read_only: bool,
    ) -> None:
        self.ledger, self.relation_id, self.pool = ledger, relation_id, pool
        self.base_url = base_url.rstrip("/") if base_url else None
        self.headers, self.timeout, self.read_only = headers, timeout, read_only
        self._patch_target: int | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, pool: ReferencePool, environ: Mapping[str, str] | None = None) -> Guard:
        env = os.environ if environ is None else environ
        relation_id = int(env.get("CONTRACTS_RELATION_ID", "918"))
        ledger = Ledger.from_env(dict(env), relation_id)
        if ledger is None:  # plain `schemathesis run` with the project's hooks: a ledger of its own
            handle, path = tempfile.mkstemp(prefix="contracts-ledger-")
            os.close(handle)
            ledger = Ledger(path, relation_id)
        headers = [tuple(pair) for pair in json.loads(env.get("CONTRACTS_HEADERS") or "[]")]
        return cls(
            ledger=ledger,
            relation_id=relation_id,
            pool=pool,
            base_url=env.get("CONTRACTS_BASE_URL") or None,
            headers=[(str(name), str(value)) for name, value in headers],
            timeout=float(env.get("CONTRACTS_TIMEOUT") or 10.0),
            read_only=env.get("CONTRACTS_READ_ONLY") == "1",
        )

    def target(self, method: str, rid: int) -> int:
        """The relation a `method` request for `rid` (an int32 path id) may go to instead."""
        method = method.upper()
        if self.read_only and method != "GET":
            raise UnsafeRequest(f"--read-only: {method} /api/v1/Relation/{rid} was not sent")
        if method == "GET":
            return rid
        if method == "DELETE":
            return rid if self.ledger.ours(rid) else self._create("a DELETE of Schemathesis")
        if method == "PATCH":
            return rid if self.ledger.alive(rid) else self.patch_target()
        return rid if self.ledger.ours(rid) else self.relation_id

    @staticmethod
    def keep_id_selected(query: dict[str, Any]) -> None:
        """A POST's `$select` always names RelationId: the answer must tell which relation it made."""
        raw = query.get("$select")
        if isinstance(raw, str) and "relationid" not in (part.strip().lower() for part in raw.split(",")):
            query["$select"] = f"{raw},RelationId" if raw.strip() else "RelationId"

    def learn_server(self, schema: Any) -> None:
        """Outside the suite (a plain `schemathesis run` with these hooks), the server and the
        credentials to create relations with are Schemathesis' own (`--url`, `-H`)."""
        if self.base_url is not None:
            return
        try:
            self.base_url = str(schema.get_base_url()).rstrip("/") or None
            headers = getattr(schema.config, "headers", None) or {}
        except Exception:  # no base URL known: nothing is created, DELETE and PATCH go to NOBODY
            return
        self.headers = self.headers or [(str(key), str(value)) for key, value in headers.items()]

    def refuse_write(self, method: str, path: str) -> None:
        """Under --read-only, a request that is not a GET is not sent at all."""
        if self.read_only and method.upper() != "GET":
            raise UnsafeRequest(f"--read-only: {method.upper()} {path} was not sent")

    def patch_target(self) -> int:
        with self._lock:
            if self._patch_target is None or not self.ledger.alive(self._patch_target):
                self._patch_target = self._create("the PATCHes of Schemathesis")
            return self._patch_target

    def record(self, method: str, rid: Any, status: int, answer: Any) -> None:
        """Note what a request did to the run's relations (after its answer)."""
        method = method.upper()
        ok = 200 <= status < 300
        if method in CREATES and rid is None and ok:
            self.ledger.created(created_id(answer), "Schemathesis POST")
        elif method == "DELETE" and self.ledger.ours(rid) and (ok or status in (404, 410)):
            self.ledger.deleted(rid)
        elif method in EXISTS_AFTER and ok and self.ledger.ours(rid) and not self.ledger.alive(rid):
            self.ledger.created(rid, f"{method} brought it back")

    def _create(self, purpose: str) -> int:
        """POST a relation on the first known references; NOBODY when none can be created."""
        if self.base_url is None:
            return NOBODY
        body = {**self.pool.sets[0].body(), "RelationId": 0, "Comment": f"contracts: for {purpose}"}
        try:
            answer = httpx.post(
                self.base_url + COLLECTION,
                json=body,
                headers=[*self.headers, ("Accept", "application/json")],
                timeout=self.timeout,
            )
            entity = answer.json() if 200 <= answer.status_code < 300 else None
        except (httpx.HTTPError, ValueError):
            return NOBODY
        rid = entity.get("RelationId") if isinstance(entity, dict) else None
        return rid if self.ledger.created(rid, f"created for {purpose}") else NOBODY
