"""`python -m mockserver` / `relation-mock`: serve the mock with uvicorn (the one place that imports it)."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
from dataclasses import asdict, fields, replace
from importlib.metadata import version
from pathlib import Path

from mockserver.errors import StartupError
from mockserver.settings import Settings

_DEFAULTS = {f.name: f.default for f in fields(Settings)}
_ENV_SETTINGS = "RELATION_MOCK_SETTINGS"


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="relation-mock",
        description="Mock of the SuperOffice WebAPI PUT/GET /api/v1/Relation/{id}, driven by its spec.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('relation-harness')}")
    parser.add_argument("--host", default=_DEFAULTS["host"], help="address to listen on")
    parser.add_argument("--port", type=int, default=_DEFAULTS["port"], help="port to listen on")
    parser.add_argument("--spec", type=Path, default=_DEFAULTS["spec_path"], help="OpenAPI document to serve")
    parser.add_argument("--state", type=Path, help="SQLite file that keeps relations across restarts")
    parser.add_argument("--fixtures", type=Path, help="JSON file of relations to start with")
    parser.add_argument(
        "--auth",
        choices=("on", "any", "off"),
        default="on",
        help="on: check credentials against the users; any: accept any well-formed one; off: none",
    )
    parser.add_argument("--auth-users", type=Path, help="JSON file of the accepted credentials")
    parser.add_argument("--no-cors", action="store_true", help="answer no CORS headers")
    parser.add_argument(
        "--strict-accept",
        action="store_true",
        help="406 for an Accept that matches nothing (the real server answers such a request in JSON)",
    )
    parser.add_argument("--quiet", action="store_true", help="no access log line per request")
    parser.add_argument(
        "--max-body", type=int, default=_DEFAULTS["max_body"], help="largest body in bytes, else 413"
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=_DEFAULTS["body_timeout"],
        help="seconds a client may take to send its body, else 408",
    )
    parser.add_argument(
        "--journal-size", type=int, default=_DEFAULTS["journal_size"], help="requests kept in the journal"
    )
    parser.add_argument("--workers", type=int, default=1, help="processes sharing one SQLite state file")
    proxy = parser.add_argument_group("validating proxy (instead of the mock)")
    proxy.add_argument(
        "--proxy",
        metavar="URL",
        help="forward the spec's paths to this server (e.g. https://sod.superoffice.com/Cust12345) and "
        "check every request and answer against the spec",
    )
    proxy.add_argument(
        "--upstream-timeout",
        type=float,
        default=_DEFAULTS["upstream_timeout"],
        help="seconds the upstream may take to answer, else 504",
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
    parser.add_argument(  # in the general options, though added after the proxy's
        "--header-timeout",
        type=float,
        default=_DEFAULTS["header_timeout"],
        help="seconds a connection may take to send a request's headers, else it is closed (408)",
    )
    parser.add_argument(
        "--max-buffered",
        type=int,
        default=_DEFAULTS["max_buffered"],
        help="bytes of request bodies still arriving one process holds at once, else 503",
    )
    args = parser.parse_args(argv)
    if args.workers < 1 or args.max_body < 1 or args.journal_size < 1 or args.body_timeout <= 0:
        parser.error("--workers, --max-body, --journal-size and --body-timeout must be positive")
    if args.header_timeout <= 0 or args.max_buffered < 1:
        parser.error("--header-timeout and --max-buffered must be positive")
    if args.upstream_timeout <= 0:
        parser.error("--upstream-timeout must be positive")
    if args.proxy is None and (args.fail_on_violation or args.report or args.record):
        parser.error("--fail-on-violation, --report and --record need --proxy URL")
    if args.proxy is not None and args.workers > 1:
        parser.error("--proxy runs one process (its violation list lives in it); drop --workers")
    return Settings(
        host=args.host,
        port=args.port,
        spec_path=args.spec,
        state_file=args.state,
        fixtures_file=args.fixtures,
        auth=args.auth != "off",
        auth_any=args.auth == "any",
        auth_users_file=args.auth_users,
        cors=not args.no_cors,
        strict_accept=args.strict_accept,
        quiet=args.quiet,
        max_body=args.max_body,
        body_timeout=args.body_timeout,
        header_timeout=args.header_timeout,
        max_buffered=args.max_buffered,
        journal_size=args.journal_size,
        workers=args.workers,
        proxy_url=args.proxy,
        upstream_timeout=args.upstream_timeout,
        upstream_cacert=args.cacert,
        fail_on_violation=args.fail_on_violation,
        report_file=args.report,
        record_file=args.record,
    )


def _settings_to_env(settings: Settings) -> str:
    return json.dumps({k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(settings).items()})


def app_from_env():  # type: ignore[no-untyped-def]
    """Factory for uvicorn's worker processes (`--workers N`): settings travel in the environment."""
    from mockserver.app import create_app
    from mockserver.protocol import DateHeaderMiddleware

    raw = json.loads(os.environ[_ENV_SETTINGS])
    paths = {"spec_path", "state_file", "fixtures_file", "auth_users_file", "report_file", "record_file"}
    app = create_app(
        Settings(**{k: (Path(v) if k in paths and v is not None else v) for k, v in raw.items()})
    )
    _freeze_heap()
    return DateHeaderMiddleware(app)


def _freeze_heap() -> None:
    """Keep the ~75,000 objects built at start-up (Connexion, the spec, validators) out of the collector.

    Without this every full collection walks them all, a ~50 ms pause of the event loop.
    """
    gc.collect()
    gc.freeze()


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    import uvicorn

    from mockserver.app import create_app
    from mockserver.protocol import DateHeaderMiddleware, Server, VendorHttpToolsProtocol

    common = dict(
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
            if settings.state_file is None:  # workers share state only through SQLite
                tmp = Path(tempfile.mkdtemp(prefix="relation-mock-")) / "state.sqlite3"
                settings = replace(settings, state_file=tmp)
            create_app(settings)  # fail here, once, with a clear message, rather than in N workers
            os.environ[_ENV_SETTINGS] = _settings_to_env(settings)
            uvicorn.run("mockserver.__main__:app_from_env", factory=True, workers=settings.workers, **common)
            return 0
        app = create_app(settings)
    except StartupError as exc:
        print(f"relation-mock: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    _freeze_heap()
    url = f"http://{settings.host}:{settings.port}"
    print(f"relation-mock: serving {url} (Swagger UI at {url}/ui/)", file=sys.stderr)  # noqa: T201
    if settings.proxy_url:  # proxied answers keep the upstream's Date; the proxy dates its own
        print(f"relation-mock: proxying the spec's paths to {settings.proxy_url}", file=sys.stderr)  # noqa: T201
    served = app if settings.proxy_url else DateHeaderMiddleware(app)
    Server(uvicorn.Config(served, **common)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
