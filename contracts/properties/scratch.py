"""Relations a property creates for itself: POST, record in the ledger at once, read, patch, delete.

The properties about POST, PATCH and DELETE never touch the run's relation (--relation-id): each
creates what it works on with a POST of known references, and the id is proven the run's
(`contracts.safety.custody`) and recorded before anything is judged; a POST answered with a relation that
is not a new one fails the property, and that relation is never written to. Leaving a `Scratch`
block deletes whatever is still there and reads as the run left it (the sweep at the end of the run
retries what could not be deleted). A server whose first POST is answered 404, 405 or 501 offers
no POST: the property is not applicable, not failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from contracts.catalog import OURS
from contracts.errors import ContractsError, NotApplicable
from contracts.properties.client import Exchange, answer_of
from contracts.properties.context import Context, fail, show
from contracts.safety.custody import Claim
from contracts.safety.interrupts import shielded
from contracts.spec import INT
from contracts.values import same_value

# A POST answered with one of these (before any POST succeeded): the server has no POST.
NO_ROUTE = frozenset({404, 405, 501})
COLLECTION = "POST /api/v1/Relation"
ITEM = "/api/v1/Relation/{id}"


def fresh(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A POST body: what a client sends for a new relation (RelationId 0, as GET /default has it)."""
    return {**body, "RelationId": 0, **changes}


class Scratch:
    """The relations one property example creates; `with Scratch(ctx, check) as scratch: ...`."""

    def __init__(self, ctx: Context, check: str) -> None:
        if ctx.ledger is None or ctx.client.custody is None:
            raise ContractsError(f"{check} creates relations and needs the run's ledger")
        self.ctx, self.check, self.ledger, self.custody = ctx, check, ctx.ledger, ctx.client.custody
        self.ids: list[int] = []

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.clean()

    def create(
        self, body: Mapping[str, Any], *steps: Exchange, exact: bool = False
    ) -> tuple[Exchange, dict[str, Any], int]:
        """POST `body`; the new relation's id is in the ledger, proven the run's, before anything else
        is judged. `exact`: only 200 will do (the vendor documents 200, not 201); else any 2xx."""
        ctx, check = self.ctx, self.check
        with shielded():  # a stopping signal waits until the new relation is in the ledger
            exchange = ctx.client.post_json(body)
            entity = exchange.entity() if 200 <= exchange.status < 300 else None
            rid = entity.get("RelationId") if entity is not None else None
            claim = self._claim(exchange, rid)
        if ctx.has_post is None and exchange.status in NO_ROUTE:
            ctx.has_post = False
        if ctx.has_post is False:
            raise NotApplicable(f"the server offers no {COLLECTION} (it answered {exchange.status})")
        ok = exchange.status == 200 if exact else 200 <= exchange.status < 300
        if not ok or entity is None:
            fail(
                check,
                "POST of a valid body was not answered 200 with the new relation",
                "200 and a JSON object",
                *steps,
                exchange,
                operation=COLLECTION,
            )
        ctx.has_post = True
        if not isinstance(rid, int) or isinstance(rid, bool) or rid <= 0:
            fail(
                check,
                "the POST answer names no RelationId for the new relation",
                "RelationId > 0",
                *steps,
                exchange,
                seen=f"RelationId={show(rid)}",
                operation=COLLECTION,
            )
        if rid == ctx.relation_id or claim is None or not claim.new:
            which = "the run's own relation" if rid == ctx.relation_id else "a relation that is not a new one"
            why = f" ({claim.why})" if claim is not None and claim.why and rid != ctx.relation_id else ""
            fail(
                check,
                f"POST handed out the id of {which}",
                "the id of a new relation",
                *steps,
                exchange,
                seen=f"RelationId={rid}{why}",
                operation=COLLECTION,
                basis=OURS if claim is not None and claim.reused else "",
            )
        return exchange, entity, rid

    def attempt(self, body: Mapping[str, Any]) -> Exchange:
        """POST a body the server should refuse; whatever it creates anyway is in the ledger at once."""
        with shielded():
            exchange = self.ctx.client.post_json(body)
            entity = exchange.entity() if 200 <= exchange.status < 300 else None
            self._claim(exchange, entity.get("RelationId") if entity is not None else None)
        return exchange

    def _claim(self, exchange: Exchange, rid: object) -> Claim | None:
        """Whether the relation a POST answered is one this example made (the ledger records it)."""
        if not 200 <= exchange.status < 300 or rid is None:
            return None
        claim = self.custody.claim(
            rid, answer_of(exchange), sent_at=exchange.sent_at, elapsed=exchange.elapsed, why=self.check
        )
        if claim.new and claim.rid is not None:
            self.ids.append(claim.rid)
        return claim

    def read(
        self, rid: int, steps: Iterable[Exchange] = (), what: str = "GET of a relation just written"
    ) -> tuple[Exchange, dict[str, Any]] | None:
        """GET the relation: 200 with it (None when the server offers no GET at all)."""
        ctx = self.ctx
        if ctx.has_get is False:
            return None
        exchange = ctx.client.get(rid)
        entity = exchange.entity() if exchange.status == 200 else None
        if entity is None:
            fail(
                self.check,
                f"{what} was not answered 200 with a JSON object",
                "200 and a JSON object",
                *steps,
                exchange,
                operation=f"GET {ITEM}",
            )
        if not same_value(INT, entity.get("RelationId"), rid):
            fail(
                self.check,
                f"{what} shows another relation",
                f"RelationId={rid}",
                *steps,
                exchange,
                seen=f"RelationId={show(entity.get('RelationId'))}",
                operation=f"GET {ITEM}",
            )
        return exchange, entity

    def patch(self, rid: int, document: Any, **kwargs: Any) -> Exchange:
        """PATCH (the client records how the relation reads after it, and one it brought back)."""
        return self.ctx.client.patch(rid, document, **kwargs)

    def delete(self, rid: int, **kwargs: Any) -> Exchange:
        """DELETE as the property means it; recorded as deleted on a 2xx (a 404 is left for the final
        sweep to settle)."""
        return self.ctx.client.delete(rid, **kwargs)

    def clean(self) -> None:
        """Delete what is left of this example's relations, each only if it reads as the run's last
        write left it; what cannot be deleted now is left to the final sweep."""
        for rid in self.ids:
            if not self.ledger.alive(rid):
                continue
            try:
                self.custody.delete(rid)
            except Exception:  # the sweep at the end retries and reports it
                continue
