"""The mock's own operations (openapi: mockserver/admin.yaml): reset the store, read the journal,
and (with `--proxy`) read the contract violations the proxy saw; and who may call them.

A web page the developer visits must not reset the store or read the journal (a simple
cross-origin POST needs no preflight), so every admin call passes `AdminDoor` before its handler
runs: a browser's call from another origin is 403 (`Origin` other than the scheme, host and port
the request was addressed to, or `Sec-Fetch-Site` cross-site/same-site), and so is a call without
`X-Admin-Token` when the mock has one. Without a token the request must also be addressed to a
loopback name, since a page whose name is rebound to 127.0.0.1 (DNS rebinding) is same-origin.
Calls without `Origin` (curl, the suite, the pytest plugin) pass.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response

from mockserver.errors import ApiError
from mockserver.journal import Journal
from mockserver.responses import answer
from mockserver.storage.memory import Store

TOKEN_HEADER = "X-Admin-Token"
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}
_BROWSER_OTHER_SITE = frozenset({"cross-site", "same-site"})
AdminHandler = Callable[[Request], Awaitable[Response]]


def is_loopback_host(host: str) -> bool:
    """`127.0.0.1`, `::1`, `[::1]`, `localhost`, `x.localhost`: only this machine can reach it."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def listens_on_loopback_only(host: str) -> bool:
    """Whether a server bound to `host` is out of the network's reach (resolved once, at start-up):
    `127.1` and a name /etc/hosts maps to 127.0.1.1 are; `0.0.0.0`, `::` and a LAN address are not."""
    if is_loopback_host(host):
        return True
    try:
        found = socket.getaddrinfo(host.strip("[]"), None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False  # the bind fails too, and says why
    addresses = {str(info[4][0]).partition("%")[0] for info in found}
    return bool(addresses) and all(ipaddress.ip_address(address).is_loopback for address in addresses)


def _split_host(host: str) -> tuple[str, str]:
    """`Host` -> (name, port or ""): `[::1]:4010` -> (`[::1]`, `4010`), `localhost` -> (`localhost`, ``)."""
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return f"{name}]", rest.removeprefix(":")
    name, _, port = host.partition(":")
    return name, port


def _origin(scheme: str, host: str) -> str:
    """`scheme://host[:port]`, lower case, a scheme's default port left out (as browsers send it)."""
    scheme = scheme.lower()
    name, port = _split_host(host.strip().lower())
    return f"{scheme}://{name}" if port in ("", _DEFAULT_PORTS.get(scheme)) else f"{scheme}://{name}:{port}"


def _server_address(request: Request) -> str:
    """The address the connection reached, for an HTTP/1.0 request without `Host`."""
    server = request.scope.get("server")
    if not server:
        return ""
    name, port = server[0], server[1]
    return f"[{name}]:{port}" if ":" in name else f"{name}:{port}"


class AdminDoor:
    """Decides whether an admin call may run; raises a 403 ApiError (vendor shape) saying why not."""

    def __init__(self, token: str | None) -> None:
        self._token = token.encode("utf-8") if token else None

    def check(self, request: Request) -> None:
        headers = request.headers
        host = headers.get("host") or _server_address(request)
        own = _origin(request.scope.get("scheme", "http"), host)
        origin = headers.get("origin")
        if origin is not None:
            scheme, _, rest = origin.strip().partition("://")
            if not rest or _origin(scheme, rest) != own:
                raise self._refused(
                    f"The admin API answers only its own pages: Origin is {origin!r}, expected {own!r} "
                    "or no Origin. Call it from curl or a script, or from the mock's Swagger UI."
                )
        site = headers.get("sec-fetch-site", "").lower()
        if site in _BROWSER_OTHER_SITE:
            raise self._refused(
                f"The admin API answers only its own pages: Sec-Fetch-Site is {site!r}, expected "
                "'same-origin' or 'none'. Call it from curl or a script, or from the mock's Swagger UI."
            )
        if self._token is None:
            if not is_loopback_host(_split_host(host)[0]):
                raise self._refused(
                    f"The admin API without --admin-token answers only requests addressed to this machine: "
                    f"Host is {host!r}, expected 127.0.0.1, [::1] or localhost. Call it at "
                    "http://127.0.0.1:PORT, or start the mock with --admin-token and send X-Admin-Token."
                )
            return
        sent = headers.get(TOKEN_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(sent, self._token):
            received = "a wrong one" if sent else "none"
            raise self._refused(
                f"The admin API needs the {TOKEN_HEADER} header: received {received}, expected the "
                "token printed at start (or given with --admin-token). Send it as "
                f"'{TOKEN_HEADER}: <token>'."
            )

    @staticmethod
    def _refused(message: str) -> ApiError:
        return ApiError(403, "UnauthorizedAccessException", message)

    def guard(self, handler: AdminHandler) -> AdminHandler:
        async def guarded(request: Request) -> Response:
            self.check(request)
            return await handler(request)

        return guarded


class Violations(Protocol):
    def listing(self) -> dict[str, Any]: ...

    def clear(self) -> None: ...


class AdminHandlers:
    def __init__(
        self,
        store: Store,
        journal: Journal,
        fixture_counts: Mapping[str, int],
        violations: Violations | None = None,
        *,
        door: AdminDoor | None = None,
    ) -> None:
        self.store = store
        self.journal = journal
        self.fixture_counts = dict(fixture_counts)
        self.violations = violations
        self.door = door or AdminDoor(None)

    def table(self) -> dict[str, AdminHandler]:
        """Every operation behind the door: a refused call never reaches its handler."""
        handlers: dict[str, AdminHandler] = {
            "admin_reset": self.reset,
            "admin_list_requests": self.list_requests,
            "admin_clear_requests": self.clear_requests,
            "admin_list_violations": self.list_violations,
            "admin_clear_violations": self.clear_violations,
        }
        return {name: self.door.guard(handler) for name, handler in handlers.items()}

    async def reset(self, request: Request) -> Response:
        self.store.reset()
        self.journal.clear()
        return answer(200, self.fixture_counts, "application/json", "Reset")

    async def list_requests(self, request: Request) -> Response:
        return answer(200, {"Requests": list(self.journal.entries)}, "application/json", "Requests")

    async def clear_requests(self, request: Request) -> Response:
        self.journal.clear()
        return Response(status_code=204)

    async def list_violations(self, request: Request) -> Response:
        """The proxy's violations; a mock (no --proxy) proxies nothing and lists none."""
        if self.violations is None:
            return answer(200, {"Violations": [], "Proxy": False}, "application/json", "Violations")
        return answer(200, {**self.violations.listing(), "Proxy": True}, "application/json", "Violations")

    async def clear_violations(self, request: Request) -> Response:
        if self.violations is not None:
            self.violations.clear()
        return Response(status_code=204)
