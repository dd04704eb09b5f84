"""A `curl` command line for any request the suite sent, so a failure can be replayed by hand.

Credentials given with `--auth` are not printed unless they are the vendor's public sample: the
command refers to `$CONTRACTS_AUTH` instead, which is also where `--auth` reads its default from.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping

AUTH_ENV = "CONTRACTS_AUTH"


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
