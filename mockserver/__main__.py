"""`python -m mockserver` / `relation-mock`: serve the mock with uvicorn (the one place that imports it).

The listening socket is made here, before anything is announced, and handed to uvicorn (and to its
`--workers`): the check that the port is free is the bind itself, so nothing can take the port
between the check and serving, and a busy port is one line and exit status 2, never a "serving"
line followed by uvicorn's `[Errno 98]`. Options that cannot go together are refused, not dropped.
"""

from __future__ import annotations

import argparse
import errno
import gc
import json
import os
import socket
import sys
import tempfile
from dataclasses import asdict, fields, replace
from importlib.metadata import version
from pathlib import Path
from secrets import token_urlsafe
from typing import Any

from mockserver.errors import StartupError
from mockserver.handlers.admin import TOKEN_HEADER, listens_on_loopback_only
from mockserver.model.spec import read_yaml
from mockserver.settings import ADMIN_SPEC, Settings
from mockserver.storage.statefile import is_database_url

_DEFAULTS = {f.name: f.default for f in fields(Settings)}
_ENV_SETTINGS = "RELATION_MOCK_SETTINGS"
ENV_ADMIN_TOKEN = "RELATION_MOCK_ADMIN_TOKEN"
ENV_STATE = "RELATION_MOCK_STATE"
_METHODS = ("get", "put", "post", "patch", "delete")
_BACKLOG = 2048  # uvicorn's default
# Options that only the mock uses, and the reason the proxy has no use for them.
_MOCK_ONLY = {
    "state": "the proxy keeps no relations",
    "fixtures": "the proxy keeps no relations",
    "auth": "the proxy forwards credentials and the upstream checks them",
    "auth_users": "the proxy forwards credentials and the upstream checks them",
    "strict_accept": "the upstream negotiates its own answers",
}
_PROXY_ONLY = ("upstream_timeout", "cacert", "fail_on_violation", "report", "record")


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(
            f"received {text!r}; expected a port number 0-65535 (0 picks a free one), such as --port 4010"
        )
    return int(text)


def _at_least_one(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"received {text!r}; expected a whole number, 1 or more")
    return number


def _seconds(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = 0.0
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"received {text!r}; expected seconds, a number more than 0")
    return number


def _token(text: str) -> str:
    """An admin token: never echoed in an error, as it is a secret."""
    if len(text) < 8 or not all("!" <= char <= "~" for char in text):
        raise argparse.ArgumentTypeError(
            f"received {len(text)} characters; expected 8 or more visible ASCII characters (no spaces), "
            "such as --admin-token \"$(python -c 'import secrets; print(secrets.token_urlsafe())')\""
        )
    return text


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    head, dot, _ = flat.partition(". ")
    return head + ("." if dot or not head.endswith(".") else "")


def _operations(spec_path: Path) -> str:
    """What the mock serves, from the spec it will serve (a new operation shows up by itself)."""
    lines = []
    try:
        documents = [(read_yaml(spec_path), ""), (read_yaml(ADMIN_SPEC), "/__admin")]
        for document, base in documents:
            for path, item in document["paths"].items():
                for method, operation in item.items():
                    if method in _METHODS:
                        text = operation.get("description") or operation.get("summary") or ""
                        lines.append(f"  {method.upper()} {base}{path}\n      {_first_sentence(text)}")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return f"(the spec {spec_path} cannot be read: {exc}; start-up will say why)"
    return "\n".join(lines)


def _parser(spec_path: Path) -> argparse.ArgumentParser:
    def default(text: str, name: str) -> str:
        return f"{text} (default: {_DEFAULTS[name]})"

    parser = argparse.ArgumentParser(
        prog="relation-mock",
        description="Mock (or, with --proxy, validating proxy) of the SuperOffice WebAPI Relation\n"
        f"resource, driven by its spec. It serves:\n\n{_operations(spec_path)}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        argument_default=argparse.SUPPRESS,  # so that an option given can be told from its default
    )
    add = parser.add_argument
    add("--version", action="version", version=f"%(prog)s {version('relation-harness')}")
    add("--host", help=default("address to listen on; any but loopback needs an admin token", "host"))
    add("--port", type=_port, help=default("port to listen on, 0 for a free one", "port"))
    add("--spec", type=Path, help=default("OpenAPI document to serve", "spec_path"))
    add(
        "--state",
        help="SQLite file that keeps relations across restarts, or a PostgreSQL URL "
        "(postgresql://user:password@host:5432/db) that replicas share (default: in memory; "
        f"or ${ENV_STATE})",
    )
    add("--fixtures", type=Path, help="JSON file of relations to start with (default: the spec's examples)")
    add(
        "--auth",
        choices=("on", "any", "off"),
        help="on: check credentials against the users; any: accept any well-formed one; off: none "
        "(default: on)",
    )
    add("--auth-users", type=Path, help="JSON file of the accepted credentials, with --auth on")
    add(
        "--admin-token",
        type=_token,
        help=f"require this {TOKEN_HEADER} header on /__admin calls (default: ${ENV_ADMIN_TOKEN}; with "
        "neither, none on loopback, and one made and printed at start on any other --host)",
    )
    add("--no-cors", action="store_true", help="answer no CORS headers")
    add(
        "--strict-accept",
        action="store_true",
        help="406 for an Accept that matches nothing (the real server answers such a request in JSON)",
    )
    add("--quiet", action="store_true", help="no access log line per request")
    add("--max-body", type=_at_least_one, help=default("largest body in bytes, else 413", "max_body"))
    add(
        "--body-timeout",
        type=_seconds,
        help=default("seconds a client may take to send its body, else 408", "body_timeout"),
    )
    add(
        "--header-timeout",
        type=_seconds,
        help=default(
            "seconds a connection may take to send a request's headers, else it is closed (408)",
            "header_timeout",
        ),
    )
    add(
        "--max-buffered",
        type=_at_least_one,
        help=default(
            "bytes of request bodies still arriving one process holds at once, else 503", "max_buffered"
        ),
    )
    add("--journal-size", type=_at_least_one, help=default("requests kept in the journal", "journal_size"))
    add("--workers", type=_at_least_one, help=default("processes sharing one SQLite state file", "workers"))
    slow = parser.add_argument_group(
        "slow and failing on purpose (also per request: Prefer: delay=MS, fault=...)"
    )
    slow.add_argument(
        "--latency",
        metavar="SPEC",
        help="every answer waits: 50ms, 20-200ms (uniform) or lognormal:median=80ms,p99=900ms",
    )
    slow.add_argument(
        "--faults", metavar="LIST", help="faults drawn per request, e.g. 503:2%%,429:1%%,reset:0.5%% "
        "(also empty, malformed, timeout)",
    )  # fmt: skip
    slow.add_argument(
        "--fault-seed", type=int, metavar="N", help="seed of --latency and --faults draws (repeatable runs)"
    )
    slow.add_argument(
        "--rate-limit",
        metavar="RATE",
        help="per credential (per address without one): 10/s or 600/min; past it, 429",
    )
    slow.add_argument(
        "--faults-on", metavar="METHODS", help="only these methods get --latency and --faults, e.g. PUT,PATCH"
    )
    proxy = parser.add_argument_group("validating proxy (instead of the mock)")
    proxy.add_argument(
        "--proxy",
        metavar="URL",
        help="forward the spec's paths to this server (e.g. https://sod.superoffice.com/Cust12345) and "
        "check every request and answer against the spec",
    )
    proxy.add_argument(
        "--upstream-timeout",
        type=_seconds,
        help=default("seconds the upstream may take to answer, else 504", "upstream_timeout"),
    )
    proxy.add_argument("--cacert", type=Path, metavar="FILE", help="PEM CAs to trust for the upstream's TLS")
    proxy.add_argument(
        "--fail-on-violation", action="store_true", help="answer an upstream answer that breaks the spec 502"
    )
    proxy.add_argument(
        "--report", type=Path, metavar="FILE", help="at exit, write the violations (Markdown; JUnit for .xml)"
    )
    proxy.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="save each relation answered 200, in the --fixtures format",
    )
    return parser


def _conflict(given: dict[str, Any]) -> str | None:
    """The first pair of options given together that cannot go together, said with the fix."""
    if "proxy" in given:
        for name, reason in _MOCK_ONLY.items():
            if name in given:
                return (
                    f"{_flag(name)} cannot go with --proxy: received both, expected one; {reason}. "
                    f"Drop {_flag(name)}, or drop --proxy to run the mock."
                )
        if given.get("workers", 1) > 1:
            return (
                f"--workers {given['workers']} cannot go with --proxy: received both, expected one process; "
                "the proxy's violation list lives in it. Drop --workers."
            )
    else:
        for name in _PROXY_ONLY:
            if name in given:
                return (
                    f"{_flag(name)} needs --proxy URL: received {_flag(name)} without it; it applies to the "
                    f"validating proxy only. Add --proxy URL, or drop {_flag(name)}."
                )
    if "auth_users" in given and given.get("auth", "on") != "on":
        return (
            f"--auth-users cannot go with --auth {given['auth']}: received both, expected --auth on (the "
            f"users file is what --auth on checks against). Drop --auth-users, or use --auth on."
        )
    return None


def parse_args(argv: list[str] | None = None) -> Settings:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--spec", type=Path, default=_DEFAULTS["spec_path"])
    spec_path: Path = pre.parse_known_args(argv)[0].spec
    parser = _parser(spec_path)
    given = vars(parser.parse_args(argv))
    problem = _conflict(given)
    if problem:
        parser.error(problem)
    token = given.get("admin_token") or os.environ.get(ENV_ADMIN_TOKEN) or None
    if token is not None and "admin_token" not in given:
        try:
            _token(token)
        except argparse.ArgumentTypeError as exc:
            parser.error(f"${ENV_ADMIN_TOKEN}: {exc}")
    auth = given.get("auth", "on")

    def value(option: str, setting: str | None = None) -> Any:
        return given.get(option, _DEFAULTS[setting or option])

    state = given.get("state") or (None if "proxy" in given else os.environ.get(ENV_STATE)) or None
    database = state is not None and is_database_url(state)
    return Settings(
        host=value("host"),
        port=value("port"),
        spec_path=spec_path,
        state_file=Path(state) if state and not database else None,
        state_url=state if database else None,
        fixtures_file=value("fixtures", "fixtures_file"),
        auth=auth != "off",
        auth_any=auth == "any",
        auth_users_file=value("auth_users", "auth_users_file"),
        admin_token=token,
        cors="no_cors" not in given,
        strict_accept="strict_accept" in given,
        quiet="quiet" in given,
        max_body=value("max_body"),
        body_timeout=value("body_timeout"),
        header_timeout=value("header_timeout"),
        max_buffered=value("max_buffered"),
        journal_size=value("journal_size"),
        workers=value("workers"),
        latency=given.get("latency"),
        faults=given.get("faults"),
        fault_seed=given.get("fault_seed"),
        rate_limit=given.get("rate_limit"),
        faults_on=tuple(m.strip().upper() for m in (given.get("faults_on") or "").split(",") if m.strip()),
        proxy_url=value("proxy", "proxy_url"),
        upstream_timeout=value("upstream_timeout"),
        upstream_cacert=value("cacert", "upstream_cacert"),
        fail_on_violation="fail_on_violation" in given,
        report_file=value("report", "report_file"),
        record_file=value("record", "record_file"),
    )


def _settings_to_env(settings: Settings) -> str:
    return json.dumps({k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(settings).items()})


def app_from_env():  # type: ignore[no-untyped-def]
    """Factory for uvicorn's worker processes (`--workers N`): settings travel in the environment."""
    from mockserver.app import create_app
    from mockserver.protocol import DateHeaderMiddleware

    raw: dict[str, Any] = json.loads(os.environ[_ENV_SETTINGS])
    # Every field annotated with Path (`Path`, `Path | None`) travels as a string and comes back a Path.
    paths = {f.name for f in fields(Settings) if "Path" in str(f.type)}
    kwargs: dict[str, Any] = {k: (Path(v) if k in paths and v is not None else v) for k, v in raw.items()}
    app = create_app(Settings(**kwargs))
    _freeze_heap()
    return DateHeaderMiddleware(app)


def _freeze_heap() -> None:
    """Keep the ~75,000 objects built at start-up (Connexion, the spec, validators) out of the collector.

    Without this every full collection walks them all, a ~50 ms pause of the event loop.
    """
    gc.collect()
    gc.freeze()


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, or a StartupError saying why not (one line, with the fix).

    SO_REUSEADDR as uvicorn sets it: a restart may reuse a port whose old connections are in
    TIME_WAIT, but never one that another socket listens on. `listen()` at once, so no other
    SO_REUSEADDR socket can bind the port between this check and serving.
    """
    where = f"received --host {host} --port {port}"
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    except OSError as exc:
        raise StartupError(
            f"cannot listen on {host}: {exc.strerror}; {where}. Pass --host 127.0.0.1."
        ) from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(_BACKLOG)
    except OSError as exc:
        sock.close()
        if isinstance(exc, socket.gaierror):
            problem = f"{host} is no name or address this machine resolves ({exc.strerror})"
            fix = "Pass --host 127.0.0.1 (HOST=... with make mock), or an address of this machine."
        elif exc.errno == errno.EADDRINUSE:
            problem = f"port {port} is in use ({exc.strerror})"
            fix = "Pass PORT=... (make mock) or --port ... (0 picks a free one), or stop what holds it."
        elif exc.errno == errno.EACCES:
            problem = f"port {port} needs privileges this process lacks"
            fix = "Pass PORT=... (make mock) or --port ... above 1023."
        else:
            problem = f"cannot listen on {host}:{port} ({exc.strerror})"
            fix = "Pass --host 127.0.0.1 (HOST=... with make mock), or an address of this machine."
        raise StartupError(
            f"{problem}: {where}, expected a free port on an address of this machine. {fix}"
        ) from exc
    sock.set_inheritable(True)  # handed to the --workers processes
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _say(line: str) -> None:
    print(f"relation-mock: {line}", file=sys.stderr, flush=True)  # noqa: T201


def _announce(settings: Settings, port: int, exposed: bool, made_token: str | None) -> None:
    """What the operator needs once: the network warning, a made-up token, where the mock serves."""
    url = _url(settings.host, port)
    if exposed:
        _say(
            f"warning: --host {settings.host} can be reached from the network: anyone who reaches this "
            f"machine can call the API; the admin API (/__admin) needs the {TOKEN_HEADER} header."
        )
    if made_token is not None:  # shown once, as Jupyter shows its token; --admin-token sets one instead
        local = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(settings.host, settings.host)
        _say(
            f"admin token, made for this run: curl -X POST -H '{TOKEN_HEADER}: {made_token}' "
            f"{_url(local, port)}/__admin/reset"
        )
    workers = f" with {settings.workers} workers" if settings.workers > 1 else ""
    _say(f"serving {url} (Swagger UI at {url}/ui/){workers}")
    if settings.proxy_url:  # proxied answers keep the upstream's Date; the proxy dates its own
        _say(f"proxying the spec's paths to {settings.proxy_url}")


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from mockserver.app import create_app
    from mockserver.protocol import DateHeaderMiddleware, Server, VendorHttpToolsProtocol

    exposed = not listens_on_loopback_only(settings.host)
    made_token = token_urlsafe(24) if exposed and settings.admin_token is None else None
    if made_token is not None:
        settings = replace(settings, admin_token=made_token)
    common: dict[str, Any] = dict(
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http=VendorHttpToolsProtocol,
        timeout_graceful_shutdown=10,
        server_header=False,
        date_header=False,  # DateHeaderMiddleware sends a Date never older than Last-Modified
    )
    try:
        if settings.workers > 1:
            if settings.state_file is None and settings.state_url is None:  # share state through SQLite
                tmp = Path(tempfile.mkdtemp(prefix="relation-mock-")) / "state.sqlite3"
                settings = replace(settings, state_file=tmp)
            create_app(settings)  # fail here, once, with a clear message, rather than in N workers
        else:
            app = create_app(settings)
        sock = listen(settings.host, settings.port)
    except StartupError as exc:
        _say(str(exc))
        return 2
    _announce(settings, int(sock.getsockname()[1]), exposed, made_token)
    if settings.workers > 1:
        os.environ[_ENV_SETTINGS] = _settings_to_env(settings)
        config = uvicorn.Config(
            "mockserver.__main__:app_from_env", factory=True, workers=settings.workers, **common
        )
        Multiprocess(config, sockets=[sock]).run()
        return 0
    _freeze_heap()
    served = app if settings.proxy_url else DateHeaderMiddleware(app)
    Server(uvicorn.Config(served, **common)).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
