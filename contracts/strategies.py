"""Hypothesis strategies for the properties: bodies a client can really send, and `$select` lists.

A body keeps one known set of references (see `contracts.references`) and varies the free fields:
`Comment` is text, empty, `null` or left out; `Reversed` is 0, 1 or left out. Leaving a field out
(or sending `null`) must give it its empty value, so replace semantics are exercised by every
property. Text stays in the Basic Multilingual Plane without control characters or edge
whitespace, so that the same value can travel as JSON, XML and form data; XML-special characters
(`<`, `&`) are in on purpose.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contracts.references import ReferencePool
from contracts.spec import CARRIER, UNDOCUMENTED, EntityShape

_ALPHABET = st.characters(
    categories=("L", "N", "P", "S"), include_characters=" ", max_codepoint=0xFFFF, exclude_characters="\x7f"
)
NESTED_SELECTIONS = ("CreatedBy/AssociateId", "UpdatedBy/FullName")
COMMENT_SIZE = 40
_LEFT_OUT = object()


def texts(max_size: int = COMMENT_SIZE) -> st.SearchStrategy[str]:
    return st.text(_ALPHABET, max_size=max_size).map(str.strip)


def bodies(pool: ReferencePool, relation_id: int) -> st.SearchStrategy[dict[str, Any]]:
    """A PUT body: known references, the path id, and free fields that are set, empty or left out."""
    size = min(COMMENT_SIZE, pool.lengths.get("Comment", COMMENT_SIZE))
    comment = st.one_of(texts(size).filter(bool), texts(size), st.just(None), st.just(_LEFT_OUT))
    reversed_ = st.sampled_from((0, 1, _LEFT_OUT))

    def build(drawn: tuple[Any, Any, Any]) -> dict[str, Any]:
        links, text, direction = drawn
        out: dict[str, Any] = {**links.body(), "RelationId": relation_id}
        for name, value in (("Comment", text), ("Reversed", direction)):
            if value is not _LEFT_OUT:
                out[name] = value
        return out

    return st.tuples(st.sampled_from(pool.sets), comment, reversed_).map(build)


def filled_bodies(pool: ReferencePool, relation_id: int) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies whose free fields all carry a value (for comparisons that need something to compare)."""
    size = min(COMMENT_SIZE, pool.lengths.get("Comment", COMMENT_SIZE))
    return st.tuples(st.sampled_from(pool.sets), texts(size).filter(bool), st.sampled_from((0, 1))).map(
        lambda drawn: {
            **drawn[0].body(),
            "RelationId": relation_id,
            "Comment": drawn[1],
            "Reversed": drawn[2],
        }
    )


_CASINGS = (str, str.lower, str.upper, str.swapcase)


def selections(shape: EntityShape) -> st.SearchStrategy[list[str]]:
    """1-5 `$select` names (fields and carrier members), each in a random letter case."""
    names = [name for name in shape.fields if name not in UNDOCUMENTED]
    names += [name for name in NESTED_SELECTIONS if shape.kinds.get(name.split("/")[0]) == CARRIER]

    def drop_shadowed(chosen: list[str]) -> list[str]:
        whole = {name for name in chosen if "/" not in name}
        return [name for name in chosen if name.split("/")[0] not in whole or "/" not in name]

    chosen = st.lists(st.sampled_from(names), min_size=1, max_size=5, unique=True).map(drop_shadowed)
    return chosen.flatmap(
        lambda picked: st.tuples(*(st.sampled_from(_CASINGS).map(lambda f, n=n: f(n)) for n in picked)).map(
            list
        )
    )
