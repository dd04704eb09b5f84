"""References between entities and the fields derived from them, as the answer schema declares them.

Two declarations beside `x-primary-key` (README, "Describing an entity"), checked at start-up
against every resource of the spec, so a spec that names a resource, a property or a reference
that does not exist stops the start-up with one sentence:

- `x-references`: property -> `{resource: Contact}`: the integer property holds the id of an
  entity of that resource (the name of its path group, `/api/v1/Contact`). A property may be a
  carrier member (`Contact/ContactId`). Options:
  - `optional: true`: 0 (or no value) means "none" and is not looked up;
  - `within: SourceContactId`: the entity named must belong to the one another reference of this
    schema names: the referenced resource itself has exactly one reference to that reference's
    resource (a person's `Contact/ContactId`), and its value must be equal;
  - `enforced: false`: the reference is read (for `within` and `x-derived`) but a write naming an
    entity that does not exist is not refused (it then derives empty values and belongs to none).
  Every write (PUT, POST, PATCH, in every content type) of an entity naming an entity that does
  not exist, or one that does not belong where `within` says, is refused and nothing is stored.
- `x-derived`: property -> where its value comes from, computed on every read; a value a client
  sends is ignored (validated, then not stored):
  - `{from: SourceContactId, take: Name}`: the property `Name` of the entity the reference names
    (itself read with its own derived fields), or the empty text when it names none or one that no
    longer exists;
  - `swap: {when: Reversed, take: PassiveText}` beside `from`/`take`: take that property instead
    when this entity's `Reversed` is not 0;
  - `{join: [Firstname, MiddleName, Lastname]}`: this entity's own texts that are not empty, joined
    by one space.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mockserver.errors import SpecError


@dataclass(frozen=True, slots=True)
class Reference:
    """A property (or carrier member, `Contact/ContactId`) holding the id of another resource's entity."""

    field: str
    path: tuple[str, ...]
    resource: str
    optional: bool
    within: str | None  # another reference of the same schema the named entity must belong to
    owner: str | None  # the path, in the referenced entity, of its reference to `within`'s resource
    enforced: bool = True  # refused on write when it names no entity


@dataclass(frozen=True, slots=True)
class Derived:
    """A property computed on every read, from a referenced entity or from this entity's own texts."""

    field: str
    path: tuple[str, ...]
    source: str | None  # the reference (`SourceContactId`) whose entity it is read from
    take: str | None
    swap_when: str | None
    swap_take: str | None
    join: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Links:
    """One resource's references and derived fields (both empty for most entities)."""

    references: tuple[Reference, ...] = ()
    derived: tuple[Derived, ...] = ()

    def reference(self, field: str) -> Reference:
        return next(ref for ref in self.references if ref.field == field)

    @property
    def derived_names(self) -> frozenset[str]:
        """Top-level properties that are derived whole (a derived carrier member leaves its carrier)."""
        return frozenset(item.field for item in self.derived if len(item.path) == 1)


def get_path(entity: Mapping[str, Any] | None, path: Sequence[str]) -> Any:
    """The value at `Contact/ContactId` (None where a carrier is missing)."""
    node: Any = entity
    for part in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _property(schema: Mapping[str, Any], field: str) -> tuple[tuple[str, ...], Mapping[str, Any] | None]:
    """The path of `field` and its schema in `schema` (None when it is no property there)."""
    path = tuple(field.split("/"))
    node: Mapping[str, Any] | None = schema
    for part in path:
        props = node.get("properties", {}) if node else {}
        node = props.get(part) if isinstance(props, Mapping) else None
    return path, node


def _fail(label: str, what: str, expected: str) -> SpecError:
    return SpecError(f"The answer schema of {label} has {what}; expected {expected}.")


def _mapping(label: str, schema: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    found = schema.get(key, {})
    if not isinstance(found, Mapping) or not all(isinstance(v, Mapping) for v in found.values()):
        raise _fail(label, f"{key} {found!r}", "a mapping of property names to mappings")
    return found


def links_of(label: str, schema: Mapping[str, Any], schemas: Mapping[str, Mapping[str, Any]]) -> Links:
    """The declarations of one answer schema (`label` names it in errors); `schemas` maps every
    resource's name to its answer schema, for what the declarations point into."""
    references: list[Reference] = []
    for field, spec in _mapping(label, schema, "x-references").items():
        path, prop = _property(schema, field)
        if prop is None or prop.get("type") != "integer":
            raise _fail(label, f"x-references naming {field!r}", "an integer property (or carrier/member)")
        target = spec.get("resource")
        if target not in schemas:
            raise _fail(
                label,
                f"x-references {field}: {{resource: {target!r}}}",
                f"the name of one of the spec's resources ({', '.join(schemas)})",
            )
        unknown = set(spec) - {"resource", "optional", "within", "enforced"}
        if unknown:
            raise _fail(
                label, f"x-references {field} with {sorted(unknown)}", "resource, optional, within, enforced"
            )
        references.append(
            Reference(
                field,
                path,
                str(target),
                bool(spec.get("optional", False)),
                spec.get("within"),
                None,
                bool(spec.get("enforced", True)),
            )
        )
    by_field = {ref.field: ref for ref in references}
    resolved = []
    for ref in references:
        owner = None
        if ref.within is not None:
            outer = by_field.get(ref.within)
            if outer is None:
                raise _fail(label, f"x-references {ref.field} within {ref.within!r}", "another reference")
            theirs = [
                name
                for name, spec in _mapping(ref.resource, schemas[ref.resource], "x-references").items()
                if spec.get("resource") == outer.resource
            ]
            if len(theirs) != 1:
                raise _fail(
                    label,
                    f"x-references {ref.field} within {ref.within}",
                    f"{ref.resource}'s answer schema to declare exactly one x-references to "
                    f"{outer.resource} (it has {len(theirs)})",
                )
            owner = theirs[0]
        resolved.append(replace(ref, owner=owner))
    derived = []
    for field, spec in _mapping(label, schema, "x-derived").items():
        path, prop = _property(schema, field)
        if prop is None:
            raise _fail(label, f"x-derived naming {field!r}", "a property (or carrier/member) of the schema")
        join = spec.get("join")
        if join is not None:
            if not isinstance(join, list) or not all(_property(schema, str(n))[1] for n in join):
                raise _fail(label, f"x-derived {field}: join {join!r}", "a list of its own properties")
            derived.append(Derived(field, path, None, None, None, None, tuple(map(str, join))))
            continue
        source, take, swap = spec.get("from"), spec.get("take"), spec.get("swap") or {}
        if source not in by_field:
            raise _fail(label, f"x-derived {field}: from {source!r}", "one of its x-references")
        target = schemas[by_field[source].resource]
        for name in (take, swap.get("take") if swap else take):
            if not isinstance(name, str) or _property(target, name)[1] is None:
                raise _fail(
                    label,
                    f"x-derived {field}: take {name!r}",
                    f"a property of {by_field[source].resource}'s answer schema",
                )
        when = swap.get("when") if swap else None
        if swap and (not isinstance(when, str) or _property(schema, when)[1] is None):
            raise _fail(label, f"x-derived {field}: swap when {when!r}", "one of its own properties")
        derived.append(
            Derived(field, path, str(source), str(take), when, swap.get("take") if swap else None, ())
        )
    return Links(tuple(resolved), tuple(derived))
