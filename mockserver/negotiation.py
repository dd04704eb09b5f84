"""Content negotiation: which media type an answer is written in, and how a body is to be read.

The media types come from the spec (the 200 answer's content map); parsed `Accept` headers are
cached (bounded), so the usual two or three distinct headers of a client cost one parse each.
"""

from __future__ import annotations

from functools import lru_cache

from mockserver.errors import ApiError

JSON = "json"
XML = "xml"


def media_type(header: str) -> str:
    """`application/JSON; charset=utf-8` -> `application/json`."""
    return header.partition(";")[0].strip().lower()


def syntax(media: str) -> str | None:
    """Whether a media type is written as JSON or XML (None: neither)."""
    if media.endswith("/json") or media.endswith("+json"):
        return JSON
    if media.endswith("/xml") or media.endswith("+xml"):
        return XML
    return None


class Negotiator:
    """Picks the answer's media type from `Accept` among what the spec says the endpoint produces."""

    def __init__(self, produces: tuple[str, ...]) -> None:
        if not produces:
            raise ValueError("the spec documents no media type for the 200 answer")
        self.produces = produces
        self.choose = lru_cache(maxsize=256)(self._choose)

    def _choose(self, accept: str) -> str:
        if not accept.strip():
            return self.produces[0]
        ranges: list[tuple[float, int, str]] = []
        for position, item in enumerate(accept.split(",")):
            media, *params = (part.strip() for part in item.split(";"))
            quality = 1.0
            for param in params:
                name, _, value = param.partition("=")
                if name.strip().lower() == "q":
                    try:
                        quality = float(value)
                    except ValueError:
                        quality = 0.0
            if media and quality > 0:
                ranges.append((-quality, position, media.lower()))
        for _, _, wanted in sorted(ranges):
            for offered in self.produces:
                if wanted in (offered, "*/*", "*") or (
                    wanted.endswith("/*") and offered.startswith(wanted[:-1])
                ):
                    return offered
        raise ApiError(
            406,
            "NotAcceptableException",
            f"Cannot produce {accept!r}. Accept one of: {', '.join(self.produces)}.",
        )

    def xml_or_json(self, accept: str) -> str:
        """For error answers: XML if the client asked for it, else JSON (never a second 406)."""
        try:
            chosen = self.choose(accept)
        except ApiError:
            return "application/json"
        return chosen if syntax(chosen) == XML else "application/json"
