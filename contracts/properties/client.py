"""The properties' HTTP client: one keep-alive httpx client, and a curl line for every exchange.

Every request goes through `Exchange`, which keeps exactly what was sent so that a violation can be
printed with the command that reproduces it. `send` is also where the safety rules hold for the
properties: under --read-only nothing but GET leaves, and a PUT, PATCH or DELETE leaves only for a
relation this run created (its `Ledger`), or a PUT for the run's own relation (--relation-id);
anything else raises `UnsafeRequest` unsent. What an answer teaches about the run's relations
goes to the ledger through `Custody` at once: a relation a GET showed (never the run's after that),
how one of the run's relations reads after its write, one it deleted.

A client of another resource (`template` `/api/v1/Contact/{id}`, `key` its id property) keeps the same
rules for that resource's records, in the ledger under that template; it has no protected id, and one
made with `writes=False` (the options let the run only read there) sends nothing but GET.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from contracts.errors import CannotRunError, UnsafeRequest
from contracts.options import Options
from contracts.reporting.curl import curl_command, env_refs
from contracts.retry import RetryOn429
from contracts.safety.custody import Answer, Custody
from contracts.safety.interrupts import shielded
from contracts.safety.ledger import Ledger, is_id
from contracts.spec import PUT_PATH

JSON = "application/json"
XML = "application/xml"
FORM = "application/x-www-form-urlencoded"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
# Methods that change one relation in place: only for relations this run created (PUT: or the run's).
ON_OURS_ONLY = frozenset({"PUT", "DELETE", "PATCH"})
# Headers that carry credentials: stripped for the "no credentials" calls.
CREDENTIAL_HEADERS = frozenset({"authorization", "x-xsrf-token", "cookie"})


class NoAnswer(CannotRunError):
    """The server gave no HTTP answer (refused, reset, timed out); `curl` is what was being sent."""

    def __init__(self, message: str, curl: str) -> None:
        super().__init__(message)
        self.curl = curl


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its answer."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes | None
    response: httpx.Response
    curl: str
    # When the request left (the suite's wall clock) and how long its answer took, in seconds.
    sent_at: float = 0.0
    elapsed: float = 0.0

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def media_type(self) -> str:
        return str(self.response.headers.get("content-type", "")).split(";")[0].strip().lower()

    def json(self) -> Any:
        """The JSON body, or None when there is none or it is not JSON."""
        try:
            return json.loads(self.response.content)
        except ValueError:
            return None

    def entity(self) -> dict[str, Any] | None:
        body = self.json()
        return body if isinstance(body, dict) else None

    def brief(self) -> str:
        """Status plus the start of the body, for 'seen' lines."""
        text = self.response.content[:300].decode("utf-8", "replace").replace("\n", " ")
        more = "…" if len(self.response.content) > 300 else ""
        return f"{self.status} {self.media_type or '(no content-type)'} {text}{more}".rstrip()


class RelationClient:
    """Calls `/api/v1/Relation[/{id}]` on one server with the run's credentials and headers."""

    def __init__(
        self,
        options: Options,
        base_url: str,
        ledger: Ledger | None = None,
        *,
        template: str = PUT_PATH,
        key: str | None = None,
        writes: bool = True,
    ) -> None:
        """`template` is the item path (`/api/v1/Contact/{id}` for another resource, whose records are
        in the ledger under it, `key` its id property); `writes` False: this client sends only GET."""
        self.base_url = base_url.rstrip("/")
        self.options = options
        self.ledger = ledger
        self.template = template
        self.writes = writes
        # --retry-429: a busy tenant's 429 is waited out and the request sent again (contracts.retry).
        self._retrying = RetryOn429(httpx.HTTPTransport()) if options.retry_429 else None
        self._http = httpx.Client(
            timeout=options.request_timeout, follow_redirects=False, transport=self._retrying
        )
        self._env_refs = env_refs(options.request_headers(), sample_auth=options.auth_is_sample)
        self.custody = Custody(ledger, self._fetch, template, key) if ledger is not None else None

    @property
    def protected(self) -> int | None:
        """The id this client may PUT without having created it: the run's relation, on its path only."""
        return self.options.relation_id if self.template == PUT_PATH else None

    @property
    def retries(self) -> tuple[int, float]:
        """Requests sent again after a 429 (--retry-429), and the seconds waited for them."""
        if self._retrying is None:
            return 0, 0.0
        return self._retrying.retries, self._retrying.waited_s

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RelationClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, relation_id: int | str | None, select: str | None = None) -> str:
        """The relation's URL; None names the collection (`POST /api/v1/Relation`)."""
        path = (
            self.template.replace("/{id}", "")
            if relation_id is None
            else self.template.replace("{id}", str(relation_id))
        )
        url = self.base_url + path
        return f"{url}?{urlencode({'$select': select})}" if select is not None else url

    def allowed(self, method: str, relation_id: int | str | None) -> str | None:
        """Why this request must not leave, or None when it may."""
        method = method.upper()
        if self.options.read_only and method != "GET":
            return f"--read-only: {method} is a write"
        if not self.writes and method != "GET":
            return f"{self.template} is only read in this run"
        if method not in ON_OURS_ONLY or (method == "PUT" and relation_id == self.protected):
            return None
        if self.ledger is None or not self.ledger.ours(relation_id, self.template):
            return f"{method} only for records this run created, and {relation_id} is not one"
        return None

    def send(
        self,
        method: str,
        relation_id: int | str | None,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = JSON,
        select: str | None = None,
        headers: Mapping[str, str] | None = None,
        credentials: bool = True,
    ) -> Exchange:
        with shielded():  # a stopping signal waits until the answer is learnt from
            exchange = self._exchange(
                method, relation_id, body=body, content_type=content_type, accept=accept, select=select,
                headers=headers, credentials=credentials,
            )  # fmt: skip
            self._learn(exchange, relation_id, select)
        return exchange

    def _exchange(
        self,
        method: str,
        relation_id: int | str | None,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = JSON,
        select: str | None = None,
        headers: Mapping[str, str] | None = None,
        credentials: bool = True,
    ) -> Exchange:
        sent: list[tuple[str, str]] = [
            (name, value)
            for name, value in self.options.request_headers()
            if credentials or name.lower() not in CREDENTIAL_HEADERS
        ]
        if accept:
            sent.append(("Accept", accept))
        if content_type:
            sent.append(("Content-Type", content_type))
        sent.extend((headers or {}).items())
        url = self.url(relation_id, select)
        curl = curl_command(method, url, sent, body, env_refs=self._env_refs)
        refused = self.allowed(method, relation_id)
        if refused is not None:
            raise UnsafeRequest(f"not sent: {method} {url} ({refused})")
        sent_at, started = time.time(), time.monotonic()
        try:
            response = self._http.request(method, url, headers=sent, content=body)
        except httpx.HTTPError as exc:
            raise NoAnswer(f"{method} {url}: {type(exc).__name__}: {exc}", curl) from exc
        return Exchange(method, url, tuple(sent), body, response, curl, sent_at, time.monotonic() - started)

    def _learn(self, exchange: Exchange, relation_id: int | str | None, select: str | None) -> None:
        """What the answer tells about the run's relations, into the ledger (see the module docstring)."""
        custody, method = self.custody, exchange.method
        if custody is None or not is_id(relation_id) or relation_id == self.protected:
            return
        assert isinstance(relation_id, int)
        ok = 200 <= exchange.status < 300
        ledger, resource = custody.ledger, self.template
        if method == "GET" and exchange.status == 200 and ledger.status(relation_id, resource) is None:
            custody.seen(relation_id)
        elif method in ("PUT", "PATCH") and ok:
            custody.wrote(relation_id, answer_of(exchange), selected=select is not None)
        elif method == "DELETE" and ok and ledger.alive(relation_id, resource):
            ledger.deleted(relation_id, resource)

    def _fetch(self, method: str, relation_id: int, headers: Mapping[str, str]) -> Answer:
        """Custody's own requests: sent as any other (same safety rules), learnt from by custody itself."""
        try:
            return answer_of(self._exchange(method, relation_id, headers=headers))
        except NoAnswer as exc:
            return Answer(None, error=str(exc))

    def put_json(
        self, relation_id: int, entity: Mapping[str, Any], *, content_type: str = JSON, **kwargs: Any
    ) -> Exchange:
        """PUT the entity as JSON (`content_type` may name another JSON media type)."""
        body = json.dumps(entity, ensure_ascii=False).encode()
        return self.send("PUT", relation_id, body=body, content_type=content_type, **kwargs)

    def put_xml(
        self, relation_id: int, document: bytes, *, content_type: str = XML, **kwargs: Any
    ) -> Exchange:
        return self.send("PUT", relation_id, body=document, content_type=content_type, **kwargs)

    def put_form(self, relation_id: int, fields: Mapping[str, Any], **kwargs: Any) -> Exchange:
        body = urlencode({name: "" if value is None else value for name, value in fields.items()}).encode()
        return self.send("PUT", relation_id, body=body, content_type=FORM, **kwargs)

    def get(self, relation_id: int | str, **kwargs: Any) -> Exchange:
        return self.send("GET", relation_id, **kwargs)

    def post_json(self, entity: Mapping[str, Any], **kwargs: Any) -> Exchange:
        """POST the entity to the collection (a new relation)."""
        body = json.dumps(entity, ensure_ascii=False).encode()
        return self.send("POST", None, body=body, content_type=JSON, **kwargs)

    def patch(
        self, relation_id: int, document: Any, *, content_type: str | None = None, **kwargs: Any
    ) -> Exchange:
        """PATCH with a JSON Patch array or a merge-patch object (their own media type by default)."""
        media = content_type or (JSON_PATCH if isinstance(document, list) else MERGE_PATCH)
        body = json.dumps(document, ensure_ascii=False).encode()
        return self.send("PATCH", relation_id, body=body, content_type=media, **kwargs)

    def delete(self, relation_id: int, **kwargs: Any) -> Exchange:
        return self.send("DELETE", relation_id, **kwargs)


def answer_of(exchange: Exchange) -> Answer:
    headers = {name.lower(): value for name, value in exchange.response.headers.items()}
    return Answer(exchange.status, headers, exchange.entity())
