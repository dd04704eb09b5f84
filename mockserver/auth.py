"""Who is calling: the WebAPI's four ways to authenticate, and the Associate a caller becomes.

Accepted: `Authorization: Basic|SOTicket|Bearer <credential>` (scheme case-insensitive, credential
non-empty), or an `X-XSRF-TOKEN` header when there is no Authorization header. Like a real tenant,
the mock knows its users: by default the seed's Basic user `tje0`/`Tje0`, tickets shaped like
SuperOffice's (`7T:...`), access tokens shaped like SuperID's (`8A:...`) and XSRF values
`mock-xsrf-...`; an auth-users file replaces that list (a trailing `*` makes an entry a prefix).
`--auth any` accepts any well-formed credential, as Prism does. The web client's double-submit
cookie works too: an `X-XSRF-TOKEN` equal to the `XSRF-TOKEN` cookie is a session, one that differs
from the cookie is refused.

No part of a password, ticket, token or XSRF value ever reaches the Associate (and so stored data
or answers): a Basic caller is named by its user name, the others by a fixed name per scheme.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any

from mockserver.errors import ApiError, ConfigFileError

WWW_AUTHENTICATE = 'Basic realm="SuperOffice", Bearer, SOTicket'
ANONYMOUS = {
    "AssociateId": 0,
    "Name": "",
    "PersonId": 0,
    "Rank": 0,
    "Tooltip": "",
    "Type": "AnonymousAssociate",
    "GroupIdx": 0,
    "FullName": "",
    "FormalName": "",
    "Deleted": False,
    "EjUserId": 0,
    "UserName": "",
}


def _unauthorized(reason: str) -> ApiError:
    return ApiError(
        401,
        "UnauthorizedAccessException",
        f"{reason} Send an Authorization header (Basic, SOTicket or Bearer) or an X-XSRF-TOKEN header.",
        headers={"WWW-Authenticate": WWW_AUTHENTICATE},
    )


def _matches(value: str, patterns: tuple[str, ...]) -> bool:
    return any(value.startswith(p[:-1]) if p.endswith("*") else value == p for p in patterns)


@dataclass(frozen=True, slots=True)
class AllowList:
    """The credentials the mock accepts; entries ending in `*` are prefixes."""

    basic: Mapping[str, str]
    tickets: tuple[str, ...]
    tokens: tuple[str, ...]
    xsrf: tuple[str, ...]

    def ticket(self, value: str) -> bool:
        return _matches(value, self.tickets)

    def token(self, value: str) -> bool:
        return _matches(value, self.tokens)

    def xsrf_value(self, value: str) -> bool:
        return _matches(value, self.xsrf)

    @classmethod
    def load(cls, path: Path) -> AllowList:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                basic={str(k): str(v) for k, v in data.get("basic", {}).items()},
                tickets=tuple(map(str, data.get("tickets", []))),
                tokens=tuple(map(str, data.get("bearer", []))),
                xsrf=tuple(map(str, data.get("xsrf", []))),
            )
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            raise ConfigFileError(
                f"The auth-users file {path} cannot be used ({exc}). Expected JSON like "
                '{"basic": {"user": "password"}, "tickets": ["7T:..."], "bearer": ["8A:..."], '
                '"xsrf": ["..."]}.'
            ) from exc


DEFAULT_USERS = AllowList(basic={"tje0": "Tje0"}, tickets=("7T:*",), tokens=("8A:*",), xsrf=("mock-xsrf-*",))
# Credentials this long are checked but not remembered, so the cache stays small.
_CACHEABLE = 512


# The Associate of a caller who is known by a secret only: a fixed person per scheme.
_SCHEME_USERS = {"ticket": "SystemUser", "token": "OAuthUser", "xsrf": "WebUser"}


def _associate(login: str, kind: str) -> dict[str, Any]:
    """A stable Associate: the same Basic user, or the same scheme, is always the same person.

    `login` is a Basic user name, never a secret; other schemes pass no login at all.
    """
    name = login[:20] if kind == "user" else _SCHEME_USERS[kind]
    number = zlib.crc32(name.encode()) % 9000 + 100
    return {
        **ANONYMOUS,
        "AssociateId": number,
        "Name": name.upper(),
        "PersonId": number,
        "Type": "SystemAssociate" if kind == "ticket" else "InternalAssociate",
        "GroupIdx": 1,
        "FullName": name,
        "FormalName": name,
        "UserName": name,
    }


def xsrf_cookie(cookie_header: str | None) -> str | None:
    """The `XSRF-TOKEN` cookie's value, if the request has one."""
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get("XSRF-TOKEN")
    return morsel.value if morsel is not None else None


class Authenticator:
    """Checks one request's credentials; `--auth off` accepts everyone as the anonymous associate.

    `allow=None` accepts any well-formed credential (`--auth any`).
    """

    def __init__(self, enabled: bool, allow: AllowList | None = DEFAULT_USERS) -> None:
        self.enabled = enabled
        self._allow = allow
        self._cached = lru_cache(maxsize=1024)(self._caller)

    def caller(
        self, authorization: str | None, xsrf: str | None, cookie: str | None = None
    ) -> dict[str, Any]:
        """The calling Associate; ApiError 401 with WWW-Authenticate when the credentials fail.

        `cookie` is the request's `XSRF-TOKEN` cookie value (see `xsrf_cookie`), if any.
        """
        if len(authorization or "") + len(xsrf or "") + len(cookie or "") > _CACHEABLE:
            return self._caller(authorization, xsrf, cookie)
        return self._cached(authorization, xsrf, cookie)

    def _caller(self, authorization: str | None, xsrf: str | None, cookie: str | None) -> dict[str, Any]:
        if not self.enabled:
            return dict(ANONYMOUS)
        if authorization is not None and authorization.strip():
            scheme, _, credential = authorization.strip().partition(" ")
            credential = credential.strip()
            scheme = scheme.lower()
            if not credential:
                raise _unauthorized(f"The Authorization header has scheme {scheme!r} but no credential.")
            if scheme == "basic":
                return self._basic(credential)
            if scheme == "soticket":
                if self._allow is not None and not self._allow.ticket(credential):
                    raise _unauthorized("The SOTicket is not valid.")
                return _associate("", "ticket")
            if scheme == "bearer":
                if self._allow is not None and not self._allow.token(credential):
                    raise _unauthorized("The Bearer token is not valid.")
                return _associate("", "token")
            raise _unauthorized(f"The Authorization scheme {scheme!r} is not supported.")
        if xsrf is not None and xsrf.strip():
            token = xsrf.strip()
            if cookie is not None:  # double-submit: the header must repeat the session's cookie
                if token != cookie.strip():
                    raise _unauthorized("The X-XSRF-TOKEN header does not match the XSRF-TOKEN cookie.")
                return _associate("", "xsrf")
            if self._allow is not None and not self._allow.xsrf_value(token):
                raise _unauthorized("The X-XSRF-TOKEN is not valid.")
            return _associate("", "xsrf")
        raise _unauthorized("No credentials.")

    def _basic(self, credential: str) -> dict[str, Any]:
        try:
            user, colon, password = base64.b64decode(credential, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise _unauthorized("The Basic credential is not base64 of user:password.") from None
        if not colon or not user:
            raise _unauthorized("The Basic credential is not base64 of user:password.")
        if self._allow is not None and self._allow.basic.get(user) != password:
            raise _unauthorized(f"Unknown user or wrong password for {user!r}.")
        return _associate(user, "user")
