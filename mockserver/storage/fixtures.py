"""The entities a store starts with (and `POST /__admin/reset` restores), per resource.

By default each resource's `x-fixtures` examples (for Relation, the spec's sample request, relation
918, and sample response, relation 819; for Contact, Person and RelationDefinition the records
they reference). With `--fixtures FILE`, the entities in that JSON file: an object of resource
names (`{"Relation": [...], "Contact": {...}}`), each holding a list of entities or an object id ->
entity; or, as before there were several resources, one such list or object alone, which holds the
first resource's entities. A resource the file does not name keeps its `x-fixtures`, so a file of
relations still finds the contacts they reference. Each entity is checked against its resource's
answer schema and completed with empty values, as a PUT would store it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mockserver.errors import ConfigFileError
from mockserver.model.entity import COMPUTED, EntityModel, format_date, parse_date
from mockserver.model.resource import ResourceModel
from mockserver.model.spec import SpecModel
from mockserver.validation import BodyValidator

_OFFSET = re.compile(r"(Z|z|[+-][0-9]{2}:?[0-9]{2})$")
Fixtures = dict[int, dict[str, Any]]


def _stored(entity: EntityModel, raw: Mapping[str, Any], entity_id: int) -> dict[str, Any]:
    out = entity.blank(entity_id)
    for name in entity.stored:
        value = raw.get(name)
        if value is None:
            continue
        if entity.kinds[name] == "date":
            moment = parse_date(str(value))
            # A date with no offset is already in the server's form (UTC): kept as written, seven
            # fractional digits included, so an entity recorded by `--proxy --record` replays exactly.
            if moment and _OFFSET.search(str(value)):
                value = format_date(moment)
        out[name] = value
    out[entity.key] = entity_id
    return out


def load_fixtures(
    spec: SpecModel,
    resources: Sequence[ResourceModel],
    entities: Mapping[str, EntityModel],
    path: Path | None,
) -> dict[str, Fixtures]:
    """Resource name -> id -> stored entity; ConfigFileError naming the file, the entity and the fix."""
    out: dict[str, Fixtures] = {}
    for resource in resources:
        entity = entities[resource.name]
        raws: list[Any] = [spec.example(name) for name in resource.fixtures]
        out[resource.name] = {raw[entity.key]: _stored(entity, raw, raw[entity.key]) for raw in raws}
    if path is None:
        return out
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigFileError(f"The fixtures file {path} cannot be read as JSON: {exc}.") from exc
    names = {resource.name for resource in resources}
    per_resource = isinstance(data, dict) and bool(data) and set(data) <= names
    given = data if per_resource else {resources[0].name: data}
    for resource in resources:
        if resource.name in given:
            out[resource.name] = _read(path, resource, entities[resource.name], given[resource.name])
    return out


def _read(path: Path, resource: ResourceModel, entity: EntityModel, data: Any) -> Fixtures:
    """One resource's entities: a list of entities, or an object id -> entity."""
    if isinstance(data, dict):
        pairs = list(data.items())
    elif isinstance(data, list):
        pairs = [(item.get(entity.key) if isinstance(item, dict) else None, item) for item in data]
    else:
        raise ConfigFileError(
            f"The fixtures file {path} holds a JSON {type(data).__name__} for {resource.name}; expected a "
            "list of entities or an object id -> entity."
        )
    validator = BodyValidator(resource.answer_schema)
    out: Fixtures = {}
    for key, raw in pairs:
        raw = {k: v for k, v in raw.items() if k not in COMPUTED} if isinstance(raw, dict) else raw
        problems = [f"{p.field}: {p.problem}" for p in validator.violations(raw)]
        entity_id = key if isinstance(key, int) else int(key) if str(key).lstrip("-").isdigit() else None
        if entity_id is None:
            problems.append(f"the id {key!r} is not an integer (give {entity.key}, or use it as the key)")
        if problems:
            raise ConfigFileError(
                f"The fixtures file {path} has an invalid {resource.name.lower()} {key!r}: "
                f"{'; '.join(problems)}."
            )
        out[entity_id] = _stored(entity, raw, entity_id)  # type: ignore[index,arg-type]
    return out
