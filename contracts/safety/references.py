"""The references the suite writes: ids that exist on the server under test, never invented ones.

A real SuperOffice refuses a relation to a contact that does not exist ("The value is mandatory";
"the person must belong to the source contact") and reads the names and texts of a relation from
the records it references. So the suite learns the relation under test first (GET) and keeps its
references, adds those given with `--contact-ids`, `--person-ids` (`CONTACT:PERSON`) and
`--definition-ids`, and varies only the free fields (`Comment`, `Reversed`). Only when it knows no
reference at all does it fall back on the spec's sample request, and says so.

The same pool reaches the Schemathesis hooks (as JSON in an environment variable), which map the
references of generated bodies onto it so that valid data stays valid on a real tenant.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SOURCE_CONTACT = "SourceContactId"
DESTINATION_CONTACT = "DestinationContactId"
REFERENCE_FIELDS = (
    SOURCE_CONTACT,
    "SourcePersonId",
    DESTINATION_CONTACT,
    "DestinationPersonId",
    "RelationDefinitionId",
)
MANDATORY = (SOURCE_CONTACT, DESTINATION_CONTACT)
# What a client sets freely (any value is valid whatever the tenant holds).
FREE_FIELDS = ("Comment", "Reversed")
SETTABLE = (*REFERENCE_FIELDS, *FREE_FIELDS)
# Read by the server from the referenced records: never echoed, only consistent.
DERIVED_FIELDS = (
    "SourceContactName",
    "SourcePersonName",
    "DestinationContactName",
    "DestinationPersonName",
    "ActiveText",
    "PassiveText",
)
# Reversed is a .NET short on the real carrier (the Swagger says int32): keep inside it.
SHORT = (-32768, 32767)
ENV = "CONTRACTS_REFERENCES"
SAMPLE_ORIGIN = "the spec's sample request"


@dataclass(frozen=True, slots=True)
class Links:
    """One consistent set of references: a relation the server accepts."""

    source_contact: int
    source_person: int
    destination_contact: int
    destination_person: int
    definition: int

    def body(self) -> dict[str, int]:
        return dict(zip(REFERENCE_FIELDS, self.values(), strict=True))

    def values(self) -> tuple[int, int, int, int, int]:
        return (
            self.source_contact,
            self.source_person,
            self.destination_contact,
            self.destination_person,
            self.definition,
        )


@dataclass(frozen=True, slots=True)
class ReferencePool:
    """The reference sets the suite may write, where they came from, and the text lengths learnt."""

    sets: tuple[Links, ...]
    origin: str
    # Free text field -> the longest text the server stores: its FieldProperties' FieldLength, else
    # the spec's documented length.
    lengths: Mapping[str, int] = field(default_factory=dict)

    def to_env(self) -> str:
        return json.dumps({"sets": [links.values() for links in self.sets], "lengths": dict(self.lengths)})

    @classmethod
    def from_env(cls, text: str | None) -> ReferencePool | None:
        if not text:
            return None
        data = json.loads(text)
        sets = tuple(Links(*map(int, values)) for values in data.get("sets", []))
        lengths = {str(k): int(v) for k, v in (data.get("lengths") or {}).items()}
        return cls(sets, "environment", lengths) if sets else None


def build_pool(
    snapshot: Mapping[str, Any] | None,
    *,
    contact_ids: Iterable[int] = (),
    person_ids: Iterable[tuple[int | None, int]] = (),
    definition_ids: Iterable[int] = (),
    sample: Mapping[str, Any] | None = None,
    declared_lengths: Mapping[str, int] | None = None,
) -> tuple[ReferencePool, list[str]]:
    """The pool for one run, and notes for the report (ids that could not be used, fallbacks)."""
    notes: list[str] = []
    learnt = _links_of(snapshot)
    persons: dict[int, list[int]] = {}
    if learnt is not None:
        persons.setdefault(learnt.source_contact, []).append(learnt.source_person)
        persons.setdefault(learnt.destination_contact, []).append(learnt.destination_person)
    for contact, person in person_ids:
        owner = contact if contact is not None else _owner(persons, person)
        if owner is None:
            notes.append(f"--person-ids {person}: its contact is unknown; give it as CONTACT:{person}")
            continue
        persons.setdefault(owner, []).append(person)
    contacts = list(dict.fromkeys([*contact_ids, *(c for c, _ in person_ids if c is not None)]))
    definitions = list(dict.fromkeys(definition_ids))
    if not definitions and learnt is not None:
        definitions = [learnt.definition]
    sets: list[Links] = [learnt] if learnt is not None else []
    origin = "the relation under test" if learnt is not None else ""
    if contacts:
        if not definitions:
            definitions = [_int(sample, "RelationDefinitionId")] if sample else [0]
            notes.append(f"no --definition-ids: relation definition {definitions[0]} assumed to exist")
        sets += _combine(contacts, persons, definitions)
        origin = ", ".join(filter(None, [origin, "--contact-ids/--person-ids/--definition-ids"]))
    elif definitions and learnt is not None:
        sets += [Links(*learnt.values()[:4], definition) for definition in definitions]
    if not sets:
        fallback = _links_of(sample)
        if fallback is None:
            raise ValueError("no references known and no sample to fall back on")
        sets = [fallback]
        origin = SAMPLE_ORIGIN
        notes.append(
            "no references known (the relation under test was not found and no --contact-ids were "
            "given): writing the spec sample's references; on a real tenant pass --contact-ids, "
            "--person-ids CONTACT:PERSON and --definition-ids of records that exist"
        )
    lengths = _lengths(snapshot, declared_lengths or {})
    return ReferencePool(tuple(dict.fromkeys(sets)), origin, lengths), notes


def _links_of(entity: Mapping[str, Any] | None) -> Links | None:
    if not entity:
        return None
    values = [_int(entity, name) for name in REFERENCE_FIELDS]
    if not values[0] or not values[2]:  # without both mandatory contacts it is no usable relation
        return None
    return Links(*values)


def _int(entity: Mapping[str, Any] | None, name: str) -> int:
    value = (entity or {}).get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _owner(persons: Mapping[int, list[int]], person: int) -> int | None:
    return next((contact for contact, known in persons.items() if person in known), None)


def _combine(contacts: list[int], persons: Mapping[int, list[int]], definitions: list[int]) -> list[Links]:
    """Source and destination from the contacts (different ones where there are two), each with a
    person of its own contact when one is known, every definition; at most a dozen sets."""
    pairs = [(a, b) for a in contacts for b in contacts if a != b] or [(contacts[0], contacts[0])]
    out = []
    for index, (source, destination) in enumerate(pairs[:12]):
        definition = definitions[index % len(definitions)]
        out.append(
            Links(source, _person(persons, source), destination, _person(persons, destination), definition)
        )
    return out


def _person(persons: Mapping[int, list[int]], contact: int) -> int:
    known = [person for person in persons.get(contact, []) if person]
    return known[0] if known else 0


def announced_lengths(entity: Mapping[str, Any] | None) -> dict[str, int]:
    """Field name -> the FieldLength an entity answer's FieldProperties announces (when above 0)."""
    properties = (entity or {}).get("FieldProperties")
    if not isinstance(properties, Mapping):
        return {}
    out = {}
    for name, prop in properties.items():
        length = prop.get("FieldLength") if isinstance(prop, Mapping) else None
        if isinstance(length, int) and not isinstance(length, bool) and length > 0:
            out[str(name)] = length
    return out


def _lengths(snapshot: Mapping[str, Any] | None, declared: Mapping[str, int]) -> dict[str, int]:
    """The lengths of the free text fields: announced by the server, else declared by the spec."""
    announced = announced_lengths(snapshot)
    return {
        name: announced.get(name) or declared[name]
        for name in FREE_FIELDS
        if announced.get(name) or declared.get(name)
    }
