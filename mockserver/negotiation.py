"""Content negotiation: which media type an answer is written in, and how a body is to be read.

The order is ASP.NET Web API's `DefaultContentNegotiator` (what the real server runs): a match on
`Accept` (q-values honoured), else the request body's own media type when the endpoint can write
it (XML in, XML out), else the first media type the spec lists (JSON). So an `Accept` that matches
nothing (`text/html`, a misspelled `aplication/json`) still gets the answer the request earns;
406 only with `strict=True` (`--strict-accept`). Parsed headers are cached (bounded), so a
client's usual two or three distinct `Accept` values cost one parse each.
"""

from __future__ import annotations

from functools import lru_cache

from mockserver.errors import ApiError


def media_type(header: str) -> str:
    """`application/JSON; charset=utf-8` -> `application/json`."""
    return header.partition(";")[0].strip().lower()


def is_xml(media: str) -> bool:
    """Whether a media type is written as XML (`application/xml`, `text/xml`, `...+xml`)."""
    return media.endswith("/xml") or media.endswith("+xml")


class Negotiator:
    """Picks the answer's media type among what the spec says the endpoint produces."""

    def __init__(self, produces: tuple[str, ...], *, strict: bool = False) -> None:
        if not produces:
            raise ValueError("the spec documents no media type for the 200 answer")
        self.produces = produces
        self.strict = strict
        self._accepted = lru_cache(maxsize=256)(self._match_accept)

    def choose(self, accept: str, content_type: str = "") -> str:
        """The answer's media type; ApiError 406 only when strict and `Accept` matches nothing."""
        if not accept.strip():
            return self._fallback(content_type)
        matched = self._accepted(accept)
        if matched is not None:
            return matched
        if self.strict:
            raise ApiError(
                406,
                "NotAcceptableException",
                f"Cannot produce {accept!r}. Accept one of: {', '.join(self.produces)} "
                "(this mock runs with --strict-accept; the real server would answer in JSON).",
            )
        return self._fallback(content_type)

    def _fallback(self, content_type: str) -> str:
        body_media = media_type(content_type)
        return body_media if body_media in self.produces else self.produces[0]

    def _match_accept(self, accept: str) -> str | None:
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
        return None

    def for_error(self, accept: str, content_type: str = "") -> str:
        """For error answers: XML when the answer would be XML, else JSON (never a 406 for an error)."""
        matched = self._accepted(accept) if accept.strip() else None
        chosen = matched or self._fallback(content_type)
        return chosen if is_xml(chosen) else "application/json"
