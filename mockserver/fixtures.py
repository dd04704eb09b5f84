"""The relations a store starts with (and `POST /__admin/reset` restores).

By default the spec's sample request (relation 918) and sample response (relation 819); with
`--fixtures FILE`, the relations in that JSON file (a list of entities, or an object id -> entity).
Each is checked against the entity schema and completed with empty values, as a PUT would store it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mockserver.entity import COMPUTED, EntityModel, format_date, parse_date
from mockserver.errors import ConfigFileError
from mockserver.spec import SpecModel
from mockserver.validation import BodyValidator

DEFAULT_EXAMPLES = ("SeedSampleRequest", "SeedSampleResponse")
_OFFSET = re.compile(r"(Z|z|[+-][0-9]{2}:?[0-9]{2})$")


def _stored(entity: EntityModel, raw: Mapping[str, Any], relation_id: int) -> dict[str, Any]:
    out = entity.blank(relation_id)
    for name in entity.stored:
        value = raw.get(name)
        if value is None:
            continue
        if entity.kinds[name] == "date":
            moment = parse_date(str(value))
            # A date with no offset is already in the server's form (UTC): kept as written, seven
            # fractional digits included, so a relation recorded by `--proxy --record` replays exactly.
            if moment and _OFFSET.search(str(value)):
                value = format_date(moment)
        out[name] = value
    out["RelationId"] = relation_id
    return out


def load_fixtures(spec: SpecModel, entity: EntityModel, path: Path | None) -> dict[int, dict[str, Any]]:
    if path is None:
        raws: list[Any] = [spec.example(name) for name in DEFAULT_EXAMPLES]
        return {raw["RelationId"]: _stored(entity, raw, raw["RelationId"]) for raw in raws}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigFileError(f"The fixtures file {path} cannot be read as JSON: {exc}.") from exc
    pairs = (
        list(data.items()) if isinstance(data, dict) else [(item.get("RelationId"), item) for item in data]
    )
    validator = BodyValidator(spec.entity)
    out: dict[int, dict[str, Any]] = {}
    for key, raw in pairs:
        raw = {k: v for k, v in raw.items() if k not in COMPUTED} if isinstance(raw, dict) else raw
        problems = [f"{p.field}: {p.problem}" for p in validator.violations(raw)]
        relation_id = key if isinstance(key, int) else int(key) if str(key).lstrip("-").isdigit() else None
        if relation_id is None:
            problems.append(f"the id {key!r} is not an integer (give RelationId, or use it as the key)")
        if problems:
            raise ConfigFileError(
                f"The fixtures file {path} has an invalid relation {key!r}: {'; '.join(problems)}."
            )
        out[relation_id] = _stored(entity, raw, relation_id)  # type: ignore[index,arg-type]
    return out
