"""Who is calling: the WebAPI's four ways to authenticate, and the Associate a caller becomes.

Accepted: `Authorization: Basic|SOTicket|Bearer <credential>` (scheme case-insensitive, credential
non-empty), or an `X-XSRF-TOKEN` header when there is no Authorization header. With an auth-users
file only the listed Basic users, tickets, tokens and XSRF values are accepted.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
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


@dataclass(frozen=True, slots=True)
class AllowList:
    """The credentials an auth-users file accepts."""

    basic: Mapping[str, str]
    tickets: frozenset[str]
    tokens: frozenset[str]
    xsrf: frozenset[str]

    @classmethod
    def load(cls, path: Path) -> AllowList:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                basic={str(k): str(v) for k, v in data.get("basic", {}).items()},
                tickets=frozenset(map(str, data.get("tickets", []))),
                tokens=frozenset(map(str, data.get("bearer", []))),
                xsrf=frozenset(map(str, data.get("xsrf", []))),
            )
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            raise ConfigFileError(
                f"The auth-users file {path} cannot be used ({exc}). Expected JSON like "
                '{"basic": {"user": "password"}, "tickets": ["7T:..."], "bearer": ["8A:..."], '
                '"xsrf": ["..."]}.'
            ) from exc


def _associate(login: str, kind: str) -> dict[str, Any]:
    """A stable Associate for a login: the same credential is always the same person."""
    number = zlib.crc32(login.encode()) % 9000 + 100
    name = login[:20] or kind
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


class Authenticator:
    """Checks one request's credentials; `--auth off` accepts everyone as the anonymous associate."""

    def __init__(self, enabled: bool, allow: AllowList | None = None) -> None:
        self.enabled = enabled
        self._allow = allow
        self.caller = lru_cache(maxsize=1024)(self._caller)

    def _caller(self, authorization: str | None, xsrf: str | None) -> dict[str, Any]:
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
                if self._allow is not None and credential not in self._allow.tickets:
                    raise _unauthorized("The SOTicket is not valid.")
                return _associate(credential.partition(":")[0] or credential, "ticket")
            if scheme == "bearer":
                if self._allow is not None and credential not in self._allow.tokens:
                    raise _unauthorized("The Bearer token is not valid.")
                return _associate(credential[:12], "token")
            raise _unauthorized(f"The Authorization scheme {scheme!r} is not supported.")
        if xsrf is not None and xsrf.strip():
            if self._allow is not None and xsrf.strip() not in self._allow.xsrf:
                raise _unauthorized("The X-XSRF-TOKEN is not valid.")
            return _associate(xsrf.strip()[:12], "xsrf")
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
