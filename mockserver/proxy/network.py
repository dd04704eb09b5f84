"""How the proxy reaches its upstream on a corporate network: a forward proxy, and whose CAs to trust.

Decided once at start-up, as curl and Python's urllib read the same variables:
- `HTTPS_PROXY` (for an https upstream) or `HTTP_PROXY` (for http), either letter case, lower case
  first, else `ALL_PROXY`; an https upstream goes through a `CONNECT` tunnel (TLS end to end, the
  forward proxy sees only the host and port), an http one as absolute-form requests
  (`GET http://host/path`). Credentials in the proxy's URL (`http://user:pass@proxy:3128`) are sent
  as `Proxy-Authorization: Basic` and shown nowhere. Only `http://` forward proxies are supported.
- `NO_PROXY`: a comma-separated list of hosts (a host matches itself and its subdomains, a leading
  dot is allowed, `host:port` limits the entry to one port, `10.0.0.0/8` names a network), or `*`
  for every host.
- TLS: the system's CAs; `SSL_CERT_FILE` / `SSL_CERT_DIR` replace them, and `--cacert FILE`
  replaces both (as curl's `--cacert`). A file that is no PEM stops start-up with the fix.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies_environment

from mockserver.errors import StartupError


class ProxySetupError(StartupError):
    """The --proxy URL, a proxy variable or the CA file cannot be used."""


@dataclass(frozen=True, slots=True)
class ForwardProxy:
    """A forward proxy on the way to the upstream."""

    host: str
    port: int
    shown: str  # its URL without credentials, for messages
    authorization: bytes | None  # the `Proxy-Authorization` value, from the URL's credentials


def forward_proxy(scheme: str, host: str, port: int) -> ForwardProxy | None:
    """The forward proxy the environment names for `scheme://host:port`, or None (direct)."""
    proxies = getproxies_environment()
    if bypassed(host, port, proxies.get("no", "")):
        return None
    chosen = proxies.get(scheme) or proxies.get("all")
    if not chosen:
        return None
    variable = f"{scheme.upper()}_PROXY" if proxies.get(scheme) else "ALL_PROXY"
    parts = urlsplit(chosen if "://" in chosen else f"http://{chosen}")
    try:
        proxy_port = parts.port or 80
    except ValueError:
        proxy_port = -1
    if parts.scheme != "http" or not parts.hostname or proxy_port < 1:
        raise ProxySetupError(
            f"{variable} is {_without_credentials(chosen)!r}; the proxy reaches its upstream only through "
            "an http:// forward proxy with a host (e.g. http://proxy.example.com:3128). Fix the variable, "
            "or name the upstream's host in NO_PROXY to reach it directly."
        )
    authorization = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = b"Basic " + base64.b64encode(pair.encode("utf-8"))
    shown = f"http://{parts.hostname}:{proxy_port}"
    return ForwardProxy(parts.hostname, proxy_port, shown, authorization)


def bypassed(host: str, port: int, no_proxy: str) -> bool:
    """Whether NO_PROXY names the host: `*`, the host or a parent domain (`.corp.example` or
    `corp.example`), `host:port` for one port, or a network (`10.0.0.0/8`) holding its address."""
    host = host.lower().strip("[]")
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if entry == "*":
            return True
        if not entry:
            continue
        if "/" in entry:
            try:
                if ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
            continue
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and entry_port != str(port):
            continue
        name = name.removeprefix("*").removeprefix(".").strip("[]")
        if host == name or host.endswith("." + name):
            return True
    return False


def _without_credentials(url: str) -> str:
    scheme, separator, rest = url.rpartition("://")
    return f"{scheme}{separator}{rest.rpartition('@')[2]}"


def tls_context(cacert: Path | str | None) -> ssl.SSLContext:
    """The client TLS context: --cacert, else SSL_CERT_FILE / SSL_CERT_DIR, else the system's CAs."""
    cafile: str | None
    capath: str | None
    if cacert is not None:
        cafile, capath, named = str(cacert), None, f"--cacert {cacert}"
    else:
        cafile = os.environ.get("SSL_CERT_FILE") or None
        capath = os.environ.get("SSL_CERT_DIR") or None
        named = f"SSL_CERT_FILE {cafile}" if cafile else f"SSL_CERT_DIR {capath}"
    if cafile is None and capath is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    except FileNotFoundError:
        raise ProxySetupError(
            f"{named}: no such file. Give the PEM file of the CA(s) that signed the upstream's certificate."
        ) from None
    except (OSError, ssl.SSLError) as exc:
        raise ProxySetupError(
            f"{named} cannot be read as PEM certificates ({exc}). Give a file of CA certificates in PEM "
            "(-----BEGIN CERTIFICATE----- blocks), e.g. your company's root CA."
        ) from None
