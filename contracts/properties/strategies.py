"""Hypothesis strategies for the properties: bodies a client can really send, and `$select` lists.

A body keeps one known set of references (see `contracts.safety.references`) and varies the free fields:
`Comment` is text, empty, `null` or left out; `Reversed` is 0, 1 or left out. Leaving a field out
(or sending `null`) must give it its empty value, so replace semantics are exercised by every
property. Text is drawn half the time from realistic values (`contracts.properties.texts`: Norwegian, CJK,
emoji, combining marks, edge whitespace, line breaks, XML-special characters, and a value at each
common length up to the field's limit) and otherwise generated from any letters, marks, numbers,
punctuation, symbols and spaces (astral planes included). It never holds a control character but
tab, LF and CR, so that the same value can travel as JSON, XML and form data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from contracts.properties.texts import realistic_texts
from contracts.safety.references import ReferencePool
from contracts.spec import CARRIER, UNDOCUMENTED, EntityShape

_ALPHABET = st.characters(categories=("L", "M", "N", "P", "S", "Zs"), include_characters="\t\n\r")
NESTED_SELECTIONS = ("CreatedBy/AssociateId", "UpdatedBy/FullName")
COMMENT_SIZE = 40
# Comment's length when neither the server nor the spec gives one.
DEFAULT_COMMENT_LENGTH = 2000
_LEFT_OUT = object()


def texts(max_size: int = COMMENT_SIZE) -> st.SearchStrategy[str]:
    """Generated text of at most `max_size` code points (each at most 2 UTF-16 units)."""
    return st.text(_ALPHABET, max_size=max_size)


def comments(limit: int) -> st.SearchStrategy[str]:
    """Text for a field of `limit` UTF-16 units: a realistic value or a short generated one."""
    return st.one_of(st.sampled_from(realistic_texts(limit)), texts(min(COMMENT_SIZE, limit // 2)))


def _limit(pool: ReferencePool) -> int:
    return pool.lengths.get("Comment", DEFAULT_COMMENT_LENGTH)


def bodies(pool: ReferencePool, relation_id: int) -> st.SearchStrategy[dict[str, Any]]:
    """A PUT body: known references, the path id, and free fields that are set, empty or left out."""
    comment = st.one_of(comments(_limit(pool)), st.just(None), st.just(_LEFT_OUT))
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
    return st.tuples(
        st.sampled_from(pool.sets), comments(_limit(pool)).filter(bool), st.sampled_from((0, 1))
    ).map(
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

    def spelt(picked: list[str]) -> st.SearchStrategy[list[str]]:
        """Each picked name in one of the casings a client might use."""
        return st.tuples(
            *(st.sampled_from(_CASINGS).map(functools.partial(_apply, name=n)) for n in picked)
        ).map(list)

    return chosen.flatmap(spelt)


def _apply(casing: Callable[[str], str], name: str) -> str:
    return casing(name)
