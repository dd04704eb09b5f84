"""One exchange as the worded checks see it: the request (`Exchange`) and its answer (`Outcome`).

The checks on one exchange (`promises`, `stamps`, `resource`) and across exchanges (`history`,
`accepted`, `lifecycle`) all read these; `endpoint` builds them. They live here, apart from the
checks, so that no check module has to import another for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mockserver.proxy.findings import Finding
from mockserver.proxy.patchvalues import Patch


@dataclass(slots=True)
class Exchange:
    """One exchange as the worded checks see it."""

    method: str
    relation_id: int | None
    query: Sequence[tuple[str, str]]
    headers: Mapping[str, str]  # lower-cased names
    media: str  # the request body's media type
    fingerprint: bytes
    started: float  # monotonic
    body: Any = None  # the request body's value (JSON, XML or form), when readable
    xml_namespace: str | None = None  # an XML body's root namespace ("" for none)
    request_findings: Sequence[Finding] = field(default_factory=list)
    route: str = ""  # the spec's path template
    patch: Patch | None = None  # a PATCH body read as operations, when every part is understood

    @property
    def is_default(self) -> bool:
        return self.route.endswith("/default")

    @property
    def judged(self) -> bool:
        return "prefer" not in self.headers and not any(name.startswith("__") for name, _ in self.query)

    @property
    def select(self) -> str:
        return next((value for name, value in self.query if name == "$select"), "").strip()


@dataclass(slots=True)
class Outcome:
    """The answer as the worded checks see it."""

    status: int
    entity: dict[str, Any] | None  # a 200 relation, parsed
    date: datetime | None  # the answer's Date
    last_modified: datetime | None
    arrived: float  # monotonic
    wall: datetime  # the proxy's clock when it arrived
    xml_namespace: str | None = None  # a 200 XML answer's root namespace ("" for none)
    last_modified_text: str | None = None  # the Last-Modified header as sent
    content_length: str | None = None  # the Content-Length header as sent
