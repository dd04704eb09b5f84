"""A `curl` command line for any request the suite sent, so a failure can be replayed by hand.

Credentials are never printed unless they are the vendor's public sample: the command refers to
`${CONTRACTS_AUTH}` instead (where `--auth` reads its default from, whether or not the run's
credential came from there), and to `${CONTRACTS_HEADER_X_XSRF_TOKEN}` and the like for a
credential given with `--header`. The command runs as printed once those variables are set;
`how_to_set` says how, and every report that shows a curl says it too.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping

AUTH_ENV = "CONTRACTS_AUTH"
# Headers that carry credentials (printed as a variable, never as a value).
CREDENTIAL_HEADERS = frozenset({"authorization", "x-xsrf-token", "cookie", "proxy-authorization"})
_SECRET_WORDS = ("token", "secret", "key", "password", "auth", "ticket", "cookie", "session")


def is_credential(name: str) -> bool:
    lowered = name.lower()
    return lowered in CREDENTIAL_HEADERS or any(word in lowered for word in _SECRET_WORDS)


def env_var(name: str) -> str:
    """The variable a curl names for a credential header: `CONTRACTS_AUTH` for Authorization."""
    if name.lower() == "authorization":
        return AUTH_ENV
    return "CONTRACTS_HEADER_" + "".join(c if c.isalnum() else "_" for c in name.upper())


def env_refs(headers: Iterable[tuple[str, str]], *, sample_auth: bool) -> dict[str, str]:
    """Header name -> variable for every credential among `headers` (the vendor's sample is printed)."""
    return {
        name: env_var(name)
        for name, _ in headers
        if is_credential(name) and not (sample_auth and name.lower() == "authorization")
    }


def how_to_set(refs: Mapping[str, str], auth_source: str) -> list[str]:
    """What to set before a printed curl runs, one sentence per variable."""
    out = []
    for name, var in sorted(refs.items(), key=lambda item: item[1]):
        if name.lower() == "authorization" and auth_source == "--auth":
            out.append(f"set {var} to the credential you passed with --auth, e.g. export {var}='...'")
        elif name.lower() == "authorization":
            out.append(f"set {var} as it was for the run (the credential was read from it)")
        else:
            out.append(f"set {var} to the value you passed with --header '{name}: ...'")
    return out


def curl_command(
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes | str | None = None,
    *,
    env_refs: Mapping[str, str] | None = None,
) -> str:
    """`curl -i -X METHOD -H ... --data-binary ... URL`; `env_refs` maps a header name to an env var."""
    refs = {name.lower(): var for name, var in (env_refs or {}).items()}
    parts = ["curl", "-i", "-X", method.upper()]
    for name, value in headers:
        var = refs.get(name.lower())
        parts += ["-H", f'"{name}: ${{{var}}}"' if var else _quote(f"{name}: {value}")]
    if body is not None and body != b"" and body != "":
        parts += ["--data-binary", _quote_bytes(body.encode() if isinstance(body, str) else body)]
    elif method.upper() in ("PUT", "POST", "PATCH"):
        # Without this, curl sends no Content-Length and some servers wait for a body.
        parts += ["--data-binary", "''"]
    parts.append(_quote(url))
    return " ".join(parts)


def _quote(text: str) -> str:
    if text.isprintable():
        return shlex.quote(text)
    return _ansi_c(text.encode())


def _quote_bytes(data: bytes) -> str:
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return _ansi_c(data)
    return _quote(text)


def _ansi_c(data: bytes) -> str:
    """Bash `$'...'` quoting: exact bytes, including control characters and invalid UTF-8."""
    out = []
    for byte in data:
        char = chr(byte)
        if char in "\\'":
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    return "$'" + "".join(out) + "'"
