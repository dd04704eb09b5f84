"""The same request body answered 2xx once and 400 another time: the body's values decide, not its
spelling.

- a PUT or POST refused 400 with the very values a PUT or POST already had accepted (in another
  media type, or without `$select`) breaks "every content type carries the whole entity" (V: the
  vendor's Swagger), "`$select` changes the answer only" (V) or "POST validates as PUT does" (O);
  XML in another namespace than the server's own answers is another dialect (a .NET
  DataContractSerializer reads only its own), compared only with XML in that namespace;
- a PATCH of Comment and Reversed (whose validity no state of the relation can change) refused 400
  in one spelling and accepted in another (a path's case or slash, an op by name or number) breaks
  "paths are case-insensitive, the leading slash optional" (V) and Json.NET's reading of the op
  enum's numbers (F; the vendor's own sample sends `"op": 1`).

Bounded: the last MAX_BODIES digests of each kind are kept.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson

from mockserver.proxy.exchange import Exchange, Outcome
from mockserver.proxy.findings import RESPONSE, Finding
from mockserver.proxy.values import Shape

MAX_BODIES = 1_000


_EMPTY = {"int": 0, "str": "", "date": "0001-01-01T00:00:00"}


def _canonical(body: Mapping[str, Any], kinds: Mapping[str, str]) -> bytes:
    """A body as the spec reads it: a value field left out or null is its empty value, a carrier left
    out or null is none (the spec: "null is a property's empty value"), as sorted JSON."""

    def drop(node: Any) -> Any:
        if isinstance(node, Mapping):
            return {key: drop(sub) for key, sub in node.items() if sub is not None}
        if isinstance(node, list):
            return [drop(item) for item in node]
        return node

    out = {name: empty for name, kind in kinds.items() if (empty := _EMPTY.get(kind)) is not None}
    out.update({key: drop(value) for key, value in body.items() if value is not None})
    return orjson.dumps(out, option=orjson.OPT_SORT_KEYS)


class Accepted:
    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.accepted: OrderedDict[bytes, str] = OrderedDict()  # accepted body digest -> how it was sent
        self.refused: OrderedDict[bytes, str] = OrderedDict()  # refused (400) body digest -> how it was sent
        self.answer_namespace: str | None = None  # the namespace the upstream writes XML answers in

    def saw_answer(self, outcome: Outcome) -> None:
        if outcome.xml_namespace is not None:
            self.answer_namespace = outcome.xml_namespace

    def check(self, exchange: Exchange, outcome: Outcome) -> list[Finding]:
        if exchange.method == "PATCH":
            return self._patch(exchange, outcome)
        return self._entity(exchange, outcome)

    def _patch(self, exchange: Exchange, outcome: Outcome) -> list[Finding]:
        """The same operations on Comment and Reversed (whose validity no state of the relation can
        change), spelt another way (a path's case or slash, an op's number), answered 2xx once and 400
        another time: the vendor reads paths case-insensitively and Json.NET reads the op enum's
        numbers."""
        patch = exchange.patch
        if patch is None or exchange.request_findings or not patch.operations:
            return []
        if any(o.name not in self.shape.free or o.member is not None for o in patch.operations):
            return []
        spelt = [(o.op, o.name, o.value) for o in patch.operations]
        key = b"patch:" + orjson.dumps([patch.merge, spelt], option=orjson.OPT_SORT_KEYS)
        why = "paths are read in any case, with or without the slash, and op by name or number"
        return self._compare(key, "PATCH " + exchange.media, exchange, outcome, "operations", why)

    def _entity(self, exchange: Exchange, outcome: Outcome) -> list[Finding]:
        """The very body (as the spec reads it) answered 2xx once and 400 another time, in any media
        type, with or without `$select`: the values decide, and every content type carries the whole
        entity."""
        if exchange.request_findings or not isinstance(exchange.body, Mapping):
            return []
        # XML in another namespace than the server's own answers is another dialect (a .NET
        # DataContractSerializer reads only its own): compared only with XML in that namespace.
        dialect = b""
        if exchange.xml_namespace is not None and exchange.xml_namespace != self.answer_namespace:
            dialect = b"xml:" + exchange.xml_namespace.encode()
        key = _canonical(exchange.body, self.shape.kinds) + dialect
        why = "the values decide, in every content type"
        return self._compare(key, f"{exchange.method} {exchange.media}", exchange, outcome, "values", why)

    def _compare(
        self, value: bytes, spelt: str, exchange: Exchange, outcome: Outcome, what: str, why: str
    ) -> list[Finding]:
        if outcome.status != 400 and not 200 <= outcome.status < 300:
            return []
        key = hashlib.blake2b(value, digest_size=16).digest()
        now = spelt + (" with $select" if exchange.select else "")
        mine, other = (self.accepted, self.refused) if outcome.status < 300 else (self.refused, self.accepted)
        mine[key] = now
        mine.move_to_end(key)
        if len(mine) > MAX_BODIES:
            mine.popitem(last=False)
        before = other.get(key)
        if before is None:
            return []
        answered = "accepted" if outcome.status < 300 else "refused 400"
        earlier = "refused 400" if outcome.status < 300 else "accepted"
        return [
            Finding(
                RESPONSE,
                "accepted-before",
                "body",
                f"a {now} body was {answered}, but the same {what} were {earlier} before ({before}): {why}",
            )
        ]
