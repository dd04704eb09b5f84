"""Media types that are aliases of one another, so that the coverage phase does not repeat itself.

The vendor's operations accept one schema under several media types: PUT takes the entity as
`application/json`, `text/json`, `application/json-patch+json` and `application/merge-patch+json`
(one JSON parser), and as `application/xml` and `text/xml` (one XML parser). Schemathesis's coverage
phase builds its whole set of boundary and invalid bodies for each of them, so a PUT sent the same
~700 bodies four times over: half of a run's requests, and of its time, told nothing new.

A *family* is the media types of one operation that carry the same schema with the same kind of
serialization (JSON, XML, or the media type itself). Its first media type in the spec gets the
whole coverage set; each alias gets the first case of each kind (Schemathesis's coverage scenario,
valid or invalid), so that each alias is still shown every kind of valid and invalid body once
(a whole run against the mock: 7,454 requests in 22.7 s became 3,418 in 13.2 s).
`--every-media-type` (CONTRACTS_EVERY_MEDIA_TYPE=1) sends the whole set under every alias.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoveragePhaseData

from contracts.fuzzing.rules import is_xml


def serialization(media_type: str) -> str:
    """Which parser reads a body of `media_type`: "json", "xml", or the media type itself."""
    essence = media_type.split(";", 1)[0].strip().lower()
    if is_xml(essence):
        return "xml"
    if essence in ("application/json", "text/json") or essence.endswith("+json"):
        return "json"
    return essence


def aliases(bodies: list[tuple[str, Any]]) -> frozenset[str]:
    """The media types among `bodies` (media type, schema) that repeat an earlier one's family."""
    seen: set[tuple[str, str]] = set()
    out: set[str] = set()
    for media_type, schema in bodies:
        family = (serialization(media_type), json.dumps(schema, sort_keys=True, default=str))
        if family in seen:
            out.add(media_type)
        seen.add(family)
    return frozenset(out)


class CoverageSampler:
    """Decides, case by case, whether a coverage case under an alias media type is worth sending."""

    def __init__(self) -> None:
        self._aliases: dict[str, frozenset[str]] = {}
        self._kinds: set[tuple[str, str, str, str]] = set()
        self._lock = threading.Lock()

    def keep(self, case: Any) -> bool:
        meta = case.meta
        if meta is None or not isinstance(meta.phase.data, CoveragePhaseData) or not case.media_type:
            return True
        data = meta.phase.data
        if data.parameter_location != ParameterLocation.BODY:
            return True  # a header, query or path case: its body is the template's, one per case
        operation = case.operation
        label = operation.label
        with self._lock:
            family = self._aliases.get(label)
            if family is None:
                family = self._aliases[label] = aliases(
                    [(body.media_type, body.definition.get("schema")) for body in operation.body]
                )
            if case.media_type not in family:
                return True
            kind = (label, case.media_type, meta.generation.mode.value, data.scenario.value)
            if kind in self._kinds:
                return False
            self._kinds.add(kind)
            return True
