"""What the `x-references` and `x-derived` declarations do at run time (`mockserver.model.references`).

`check` runs inside the store's write step of every PUT, POST and PATCH (whatever the body's
content type), so a write naming an entity that does not exist, or a person of another contact, is
refused before anything is stored (a reference declared `enforced: false` is not checked): 400
`ValidationException`, one violation per broken reference naming the field and the id. `derive`
fills in the derived fields of an entity for an answer (and for the document a PATCH is applied
to) from the entities it references as they are now, so a later rename shows. An entity whose
referenced entity was deleted later is still read: its derived fields are empty (the reference
itself is kept as stored), and its next write must name one that exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.errors import ApiError, Violation
from mockserver.model.references import Links, get_path
from mockserver.model.resource import ResourceModel
from mockserver.storage.memory import Store

DEPTH = 3  # a relation reads its person, whose contact carrier reads the contact


def _id(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class Linker:
    """References checked and derived fields computed against the store, for every resource."""

    def __init__(self, resources: Mapping[str, ResourceModel], store: Store) -> None:
        self.links: dict[str, Links] = {name: resource.links for name, resource in resources.items()}
        self.names = {name: resource.entity_name for name, resource in resources.items()}
        self.store = store

    def check(self, kind: str, entity: Mapping[str, Any]) -> None:
        """ApiError 400 naming every reference of `entity` that names no entity, or the wrong one."""
        problems: list[Violation] = []
        self.store.prefetch(
            (ref.resource, _id(get_path(entity, ref.path)))
            for ref in self.links[kind].references
            if ref.enforced and _id(get_path(entity, ref.path))
        )
        for ref in self.links[kind].references:
            if not ref.enforced:
                continue
            wanted = _id(get_path(entity, ref.path))
            if wanted == 0 and (ref.optional or get_path(entity, ref.path) is None):
                continue  # 0 means none; a mandatory one that is missing is the schema's to refuse
            found = self.store.get(ref.resource, wanted)
            target = self.names[ref.resource]
            if found is None:
                problems.append(Violation(ref.field, f"{target} {wanted} does not exist in the db"))
                continue
            if ref.within is not None and ref.owner is not None:
                owner = _id(get_path(entity, tuple(ref.within.split("/"))))
                theirs = _id(get_path(found, tuple(ref.owner.split("/"))))
                if theirs != owner:
                    outer = self.names[self.links[kind].reference(ref.within).resource]
                    problems.append(
                        Violation(
                            ref.field,
                            f"{target} {wanted} does not belong to {outer} {owner} ({ref.within}); "
                            f"it belongs to {outer} {theirs}",
                        )
                    )
        if problems:
            noun = "reference" if len(problems) == 1 else "references"
            parts = "; ".join(f"{v.field}: {v.problem}" for v in problems)
            raise ApiError(
                400, "ValidationException", f"{len(problems)} invalid {noun}: {parts}.", violations=problems
            )

    def derive(self, kind: str, stored: dict[str, Any], depth: int = 0) -> dict[str, Any]:
        """`stored` with its derived fields computed from what it references now (a copy)."""
        links = self.links[kind]
        if not links.derived:
            return stored
        out = dict(stored)
        read: dict[str, dict[str, Any] | None] = {}
        for item in links.derived:
            if item.join:
                parts = [get_path(out, name.split("/")) for name in item.join]
                value: Any = " ".join(str(part) for part in parts if part)
            else:
                assert item.source is not None and item.take is not None  # links_of checked it
                if item.source not in read:
                    read[item.source] = self._referenced(links, item.source, out, depth)
                target = read[item.source]
                name = item.take
                if item.swap_when and item.swap_take and get_path(out, item.swap_when.split("/")):
                    name = item.swap_take
                value = get_path(target, name.split("/")) if target is not None else None
                if value is None:
                    value = ""
            self._put(out, item.path, value)
        return out

    def _referenced(
        self, links: Links, source: str, entity: Mapping[str, Any], depth: int
    ) -> dict[str, Any] | None:
        ref = links.reference(source)
        wanted = _id(get_path(entity, ref.path))
        if wanted == 0 or depth >= DEPTH:
            return None
        found = self.store.get(ref.resource, wanted)
        return None if found is None else self.derive(ref.resource, found, depth + 1)

    @staticmethod
    def _put(out: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
        """Set `Contact/Name` in a copy of its carrier; a carrier that is absent stays absent."""
        if len(path) == 1:
            out[path[0]] = value
            return
        carrier = out.get(path[0])
        if not isinstance(carrier, Mapping):
            return
        out[path[0]] = dict(carrier)
        Linker._put(out[path[0]], path[1:], value)
