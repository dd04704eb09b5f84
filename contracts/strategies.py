"""Hypothesis strategies for the properties: relation bodies and `$select` lists the spec allows.

Text stays in the Basic Multilingual Plane without control characters or edge whitespace, so that
the same value can travel as JSON, XML and form data; XML-special characters (`<`, `&`) are in on
purpose. Integers span the spec's int32 range.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contracts.spec import CARRIER, INT, UNDOCUMENTED, EntityShape

_ALPHABET = st.characters(
    categories=("L", "N", "P", "S"), include_characters=" ", max_codepoint=0xFFFF, exclude_characters="\x7f"
)
NESTED_SELECTIONS = ("CreatedBy/AssociateId", "UpdatedBy/FullName")


def texts() -> st.SearchStrategy[str]:
    return st.text(_ALPHABET, max_size=40).map(str.strip)


def ints(shape: EntityShape) -> st.SearchStrategy[int]:
    return st.one_of(st.integers(0, 100_000), st.integers(shape.int_min, shape.int_max))


def bodies(shape: EntityShape, relation_id: int) -> st.SearchStrategy[dict[str, Any]]:
    """A whole PUT body: every writable field, sometimes a RelationId other than the path's."""
    fields = {name: ints(shape) if shape.kinds[name] == INT else texts() for name in shape.writable}
    fields["RelationId"] = st.one_of(st.just(relation_id), ints(shape))
    return st.fixed_dictionaries(fields)


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
