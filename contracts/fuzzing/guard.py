"""Where Schemathesis' requests may go on a real tenant: decided per request in its hooks.

Records are keyed by their operation's path template (`/api/v1/Relation/{id}`), so a second
entity's ids never pass for a relation's. For each template:

- GET goes anywhere; an id a GET shows (200) that the ledger does not know is never the run's
  after that, not even when a POST answers it later.
- PUT, and a probe of an undocumented method on an item path, goes to a record this run created,
  else to the run's relation (`--relation-id`), which the suite puts back at the end.
- DELETE goes to a record this run created (the stateful phase's links lead there); any other id
  is replaced by a relation created for it there and then.
- PATCH goes to a record this run created and has not deleted; any other id is replaced by this
  process's own patch target, created on first use.
- A POST answer's id is judged at once (`contracts.safety.custody`: proven new, or never the run's), how a
  record of the run's reads after each write is recorded, as is a DELETE's success, so the suite's
  sweep deletes exactly what is left and only if it reads as the run left it.
- When no relation can be created (no POST on the server, or the POST did not make a new one),
  DELETE and PATCH go to id 0, which no relation has. Outside the suite (a plain `schemathesis
  run` with these hooks) the relations the hooks create are recorded in a ledger of their own,
  which nothing sweeps.
- Under --read-only nothing but GET leaves: anything else raises `UnsafeRequest` unsent.

The run's relation is never deleted or patched: the ledger never counts it as the run's.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Mapping
from typing import Any

import httpx

from contracts.errors import UnsafeRequest
from contracts.safety.custody import Answer, Custody, Fetch, entity_of, id_field
from contracts.safety.ledger import RESOURCE, Ledger
from contracts.safety.references import ReferencePool
from contracts.safety.sweep import fetch_record
from contracts.spec import primary_keys
from contracts.values import parse_xml

# An id no relation has (SuperOffice ids start at 1): where a DELETE or PATCH goes when the run
# could not create a relation for it.
NOBODY = 0
CREATES = frozenset({"POST"})
INT32 = range(-(2**31), 2**31)
_DIGITS = re.compile(r"[+-]?[0-9]+")
# Methods that, succeeding on one of the run's records, change how it reads.
WRITES = frozenset({"PUT", "PATCH"})


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


def answer_entity(answer: bytes | None) -> dict[str, Any] | None:
    """A POST answer's entity, in JSON or XML (whatever the negotiation gave)."""
    if not answer:
        return None
    entity = entity_of(answer)
    if entity is not None:
        return entity
    try:
        parsed = parse_xml(answer)[1]
    except Exception:  # neither JSON nor XML: nothing to learn
        return None
    return parsed if isinstance(parsed, dict) else None


def created_id(answer: bytes | None, key: str = "RelationId") -> int | None:
    """The id in a POST answer, in JSON or XML."""
    entity = answer_entity(answer)
    value = entity.get(key) if entity is not None else None
    return route_id(value) if value is not None else None


def item_template(collection: str) -> str:
    """The item path template that goes with a collection path: `/api/v1/Relation` -> `.../{id}`."""
    return collection.rstrip("/") + "/{id}"


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
        self._patch_targets: dict[str, int] = {}
        self._custody: dict[str, Custody] = {}
        # Each item template's id property, as the spec declares it (`learn_keys`).
        self.keys: dict[str, str] | None = None
        # Templates whose POST answered this body with a record that is not a new one: asking again
        # would only be answered the same way.
        self._no_new: set[str] = set()
        self._lock = threading.Lock()
        self._http: httpx.Client | None = None

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

    def custody(self, template: str = RESOURCE) -> Custody:
        """The custody of one resource (its records, its requests)."""
        with self._lock:
            if template not in self._custody:
                key = self.key(template)
                self._custody[template] = Custody(self.ledger, self._fetcher(template), template, key)
            return self._custody[template]

    def key(self, template: str) -> str:
        """The id property of the records at `template` (`{id}` item template)."""
        return id_field(template, self.keys)

    def learn_keys(self, spec: Mapping[str, Any]) -> None:
        """Each resource's id property from the spec Schemathesis loaded (once per process)."""
        if self.keys is None:
            self.keys = primary_keys(spec)

    def target(self, method: str, rid: int, template: str = RESOURCE) -> int:
        """The record a `method` request for `rid` (an int32 path id) may go to instead."""
        method = method.upper()
        if self.read_only and method != "GET":
            raise UnsafeRequest(f"--read-only: {method} {template.replace('{id}', str(rid))} was not sent")
        ledger = self.ledger
        if method == "GET":
            return rid
        if method == "DELETE":
            return rid if ledger.ours(rid, template) else self._create(template, "a DELETE of Schemathesis")
        if method == "PATCH":
            return rid if ledger.alive(rid, template) else self.patch_target(template)
        if ledger.ours(rid, template):
            return rid
        return self.relation_id if template == RESOURCE else self._create(template, f"a {method}")

    @staticmethod
    def keep_id_selected(query: dict[str, Any], key: str = "RelationId") -> None:
        """A POST's `$select` always names the id: the answer must tell which record it made."""
        raw = query.get("$select")
        if isinstance(raw, str) and key.lower() not in (part.strip().lower() for part in raw.split(",")):
            query["$select"] = f"{raw},{key}" if raw.strip() else key

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

    def patch_target(self, template: str = RESOURCE) -> int:
        with self._lock:
            current = self._patch_targets.get(template)
        if current is None or not self.ledger.alive(current, template):
            current = self._create(template, "the PATCHes of Schemathesis")
            with self._lock:
                self._patch_targets[template] = current
        return current

    def record(
        self,
        method: str,
        rid: Any,
        answer: Answer,
        *,
        template: str = RESOURCE,
        selected: bool = False,
        elapsed: float = 0.0,
    ) -> None:
        """Note what a request did to the run's records (after its answer). For a POST, `template`
        is its collection's item template and `rid` None; `selected`: the request had a `$select`."""
        method, status = method.upper(), answer.status or 0
        ok = 200 <= status < 300
        custody = self.custody(template)
        if method in CREATES and rid is None and ok:
            entity = answer.entity or {}
            custody.claim(
                route_id(entity.get(custody.key)) if entity.get(custody.key) is not None else None,
                answer,
                sent_at=time.time() - elapsed,
                elapsed=elapsed,
                why="Schemathesis POST",
            )
            return
        rid = route_id(rid) if rid is not None else None
        if rid is None:
            return
        if method == "GET" and status == 200 and self.ledger.status(rid, template) is None:
            custody.seen(rid)
        elif method in WRITES and ok and self.ledger.ours(rid, template):
            custody.wrote(rid, answer, selected=selected)
        elif method == "DELETE" and ok and self.ledger.alive(rid, template):
            self.ledger.deleted(rid, template)

    def http(self) -> httpx.Client:
        """One keep-alive client for the hooks' own requests (a new client per request costs more
        than the request: each builds its TLS context)."""
        with self._lock:
            if self._http is None:
                self._http = httpx.Client(timeout=self.timeout, follow_redirects=False)
            return self._http

    def _fetcher(self, template: str) -> Fetch:
        def fetch(method: str, rid: int, headers: Mapping[str, str]) -> Answer:
            if self.base_url is None:
                return Answer(None, error="no server known to send it to")
            return fetch_record(self.http(), self.base_url, self.headers, template)(method, rid, headers)

        return fetch

    def _create(self, template: str, purpose: str) -> int:
        """POST a relation on the first known references; NOBODY when none can be created (or the
        POST made no new one)."""
        if self.base_url is None or template != RESOURCE or template in self._no_new:
            return NOBODY  # only a relation's body is known here
        collection = template.rsplit("/{", 1)[0]
        body = {**self.pool.sets[0].body(), self.key(template): 0, "Comment": f"contracts: for {purpose}"}
        sent_at, started = time.time(), time.monotonic()
        try:
            reply = self.http().post(
                self.base_url + collection, json=body, headers=[*self.headers, ("Accept", "application/json")]
            )
        except httpx.HTTPError:
            return NOBODY
        if not 200 <= reply.status_code < 300:
            return NOBODY
        headers = {name.lower(): value for name, value in reply.headers.items()}
        answer = Answer(reply.status_code, headers, entity_of(reply.content))
        custody = self.custody(template)
        value = (answer.entity or {}).get(self.key(template))
        claim = custody.claim(
            route_id(value) if value is not None else None, answer, sent_at=sent_at,
            elapsed=time.monotonic() - started, why=f"created for {purpose}",
        )  # fmt: skip
        if claim.new and claim.rid is not None:
            return claim.rid
        self._no_new.add(template)
        return NOBODY
