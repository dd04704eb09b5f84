"""What counts as a credential in a request, and how it is shown: one rule for every place that writes.

The journal, the access log, the proxy's violations, recordings and reports all show requests to
people (and to CI logs). A header or query parameter is secret when its name is one of the headers
SuperOffice clients send credentials in, or contains one of SECRET_WORDS (`X-Api-Key`,
`SO-AppToken`, `?access_token=`, `?ticket=`). Its value becomes `***`; an `Authorization` scheme
(`Basic ***`) and cookie names (`XSRF-TOKEN=***`) stay visible, because they tell a reader which
credential shape was sent without telling them the credential.

Deciding is per name, and names are few: the answers are cached, so the per-request cost does not
grow with the number of distinct credentials seen.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote_plus

# A name containing one of these (any letter case) carries a secret.
SECRET_WORDS = ("token", "secret", "key", "password", "passwd", "auth", "ticket", "cookie", "session")
MASK = "***"
# `Basic`, `SOTicket`, `Bearer`: a scheme is one token68-ish word, shown; anything longer is hidden.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,31}")


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """`X-Api-Key`, `authorization`, `access_token`, `Set-Cookie` are; `Accept`, `$select` are not."""
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def redact_header(name: bytes | str, value: bytes | str) -> str:
    """A header's value as it may be shown: `Basic ***`, `XSRF-TOKEN=***; Path=/`, `***`, or as it was."""
    text_name = name.decode("latin-1") if isinstance(name, bytes) else name
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    if not is_secret_name(text_name):
        return text
    lowered = text_name.lower()
    if lowered == "cookie":
        return "; ".join(_cookie_pair(part) for part in text.split(";") if part.strip())
    if lowered == "set-cookie":
        first, _, attributes = text.partition(";")
        shown = _cookie_pair(first)
        return f"{shown};{attributes}" if attributes else shown
    if lowered in ("authorization", "proxy-authorization"):
        scheme, _, rest = text.strip().partition(" ")
        if rest and _SCHEME.fullmatch(scheme):
            return f"{scheme} {MASK}"
    return MASK


def _cookie_pair(pair: str) -> str:
    """`XSRF-TOKEN=abc` -> `XSRF-TOKEN=***`; a pair without `=` is all value (RFC 6265 §5.2), so `***`."""
    name, equals, _ = pair.partition("=")
    return f"{name.strip()}={MASK}" if equals else MASK


def redact_query(query: bytes | str) -> str:
    """`a=1&access_token=abc&ticket=x` -> `a=1&access_token=***&ticket=***`; order and spelling kept.

    Names are compared after percent-decoding (`access%5Ftoken` is `access_token`), values are never
    decoded, so what is shown is what was sent but for the masked values.
    """
    text = query.decode("latin-1") if isinstance(query, bytes) else query
    if not text:
        return text
    parts = []
    for part in text.split("&"):
        name, equals, _ = part.partition("=")
        if equals and is_secret_name(unquote_plus(name)):
            parts.append(f"{name}={MASK}")
        else:
            parts.append(part)
    return "&".join(parts)


def redact_target(target: bytes | str) -> str:
    """A request target (`/path?query`) with its query redacted."""
    text = target.decode("latin-1") if isinstance(target, bytes) else target
    path, question, query = text.partition("?")
    return f"{path}?{redact_query(query)}" if question else path
