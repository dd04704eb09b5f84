"""create_app(settings): the Connexion app, built from the spec once, ready for uvicorn.

Connexion routes by the spec; each operation resolves, by its method and path, to the generic
handler of its resource and role (`mockserver.handlers.engine`), and one the engine cannot serve
fails here, at start-up. Its per-request
parameter decorator and validators are not used: each operation is a plain async function of a
Starlette Request, and bodies are checked by validators compiled once from the same spec.
Outermost, pure ASGI middlewares: request journal/log, the Host check, CORS, request limits.
"""

from __future__ import annotations

import contextlib
import copy
import sys
import traceback
from collections.abc import AsyncIterator, Callable
from typing import Any

from connexion import AsyncApp
from connexion.apps.abstract import AbstractApp
from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp
from connexion.exceptions import InvalidSpecification, ResolverError
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIAPI, SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolution, Resolver
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.auth import DEFAULT_USERS, AllowList, Authenticator
from mockserver.caching import CacheHeadersMiddleware
from mockserver.cors import CorsMiddleware
from mockserver.errors import ApiError, SpecError, StartupError
from mockserver.faults import FaultMiddleware, print_summary
from mockserver.guard import HostCheckMiddleware, RequestGuardMiddleware
from mockserver.handlers.admin import AdminDoor, AdminHandlers, listens_on_loopback_only
from mockserver.handlers.engine import Engine
from mockserver.journal import Journal, RecorderMiddleware
from mockserver.model.entity import EntityModel
from mockserver.model.resource import resources_of
from mockserver.model.spec import SpecModel, read_yaml
from mockserver.negotiation import Negotiator
from mockserver.responses import error_answer
from mockserver.routes import RouteTable
from mockserver.settings import ADMIN_SPEC, Settings
from mockserver.speccheck import explain as explain_spec
from mockserver.speccheck import install as check_each_spec_once
from mockserver.storage.fixtures import load_fixtures
from mockserver.storage.memory import Collection, MemoryStore, Store, fixture_counts
from mockserver.storage.sqlite import SqliteStore

Handler = Callable[[Request], Any]


class _Endpoint:
    """An operation as a bare ASGI app: one Request in, one Response out, nothing else per call."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(Request(scope, receive))
        await response(scope, receive, send)


class _EndpointApi(AsyncApi):
    def make_operation(self, operation: Any) -> Any:
        return _Endpoint(operation.function)


class _EndpointASGIApp(AsyncASGIApp):
    api_cls = _EndpointApi


class SpecApp(AsyncApp):
    """Connexion's AsyncApp, with operations called as `_Endpoint`s (see the module docstring)."""

    def __init__(self, import_name: str, **kwargs: Any) -> None:
        self._middleware_app = _EndpointASGIApp()
        AbstractApp.__init__(self, import_name, **kwargs)


class _ServedSpecAPI(SwaggerUIAPI):
    """`/openapi.json` (and `/openapi.yaml`): the spec as it is written, `components` and `$ref`s kept,
    so a generator makes one class per schema (Connexion would serve its resolved copy: 1.3 MB, every
    schema inlined, and numbered duplicate models). Only `servers` changes: this server's own URL comes
    first, so Swagger UI's "Try it out" calls the mock it was loaded from."""

    def __init__(self, specification: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(specification, *args, **kwargs)
        self._written: dict[str, Any] = copy.deepcopy(dict(specification.raw))
        self._documented_servers = list(self._written.get("servers", []))

    def _spec_for_prefix(self, request: Any) -> dict[str, Any]:
        here = str(request.base_url).rstrip("/")
        others = [server for server in self._documented_servers if server.get("url") != here]
        return {**self._written, "servers": [{"url": here, "description": "This mock server"}, *others]}


class _ServedSpecMiddleware(SwaggerUIMiddleware):
    def add_api(self, specification: Any, base_path: str | None = None, **kwargs: Any) -> None:
        api = _ServedSpecAPI(specification, base_path=base_path, default=self.default_fn, **kwargs)
        self.router.mount(api.base_path, app=api.router)


def _resolver(table: dict[str, Handler]) -> Resolver:
    """The admin API's operations, by operationId."""

    def resolve(operation_id: str) -> Handler:
        try:
            return table[operation_id]
        except KeyError:
            raise ResolverError(
                f"The spec names operationId {operation_id!r}, which has no handler. Handlers exist for: "
                f"{', '.join(sorted(table))}."
            ) from None

    return Resolver(resolve)


class _ByPathResolver(Resolver):
    """The API's operations, by method and path (the engine's table); operationIds play no part."""

    def __init__(self, table: dict[tuple[str, str], Any]) -> None:
        super().__init__()
        self.table = table

    def resolve(self, operation: Any) -> Resolution:
        key = (operation.method.lower(), operation.path)
        if key not in self.table:
            raise ResolverError(f"{operation.method.upper()} {operation.path} has no handler.")
        return Resolution(self.table[key], operation.operation_id or f"{key[0]} {key[1]}")


def _open_store(settings: Settings, collections: list[Collection]) -> Store:
    if settings.state_url:  # imported only here: psycopg is the shared store's alone
        from mockserver.storage.postgres import PostgresStore

        return PostgresStore(settings.state_url, collections)
    return SqliteStore(settings.state_file, collections) if settings.state_file else MemoryStore(collections)


def _vendor_error(
    status: int,
    error_type: str,
    message: str,
    routes: RouteTable,
    negotiator: Negotiator,
) -> Callable[..., Any]:
    async def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        if status >= 500:  # a bug: keep the traceback where the operator looks
            sys.stderr.write("".join(traceback.format_exception(exc)))
        text = message.format(method=request.method, path=request.url.path)
        allow = {"Allow": routes.methods(request.url.path) or ""} if status == 405 else {}
        error = ApiError(status, error_type, text, headers=allow)
        headers = request.headers
        media = negotiator.for_error(headers.get("accept", ""), headers.get("content-type", ""))
        response = error_answer(error, media)
        return ConnexionResponse(status_code=status, body=response.body, headers=dict(response.headers))

    return handle


def create_app(settings: Settings | None = None) -> ASGIApp:
    """Build the whole mock for one set of settings; raises StartupError subclasses with the fix."""
    check_each_spec_once()
    settings = settings or Settings()
    if settings.admin_token is None and not listens_on_loopback_only(settings.host):
        raise StartupError(
            f"--host {settings.host} can be reached from the network, and the admin API (/__admin) then "
            "needs a token: received none, expected --admin-token TOKEN (the CLI makes one when none is "
            "given). Pass --admin-token, or --host 127.0.0.1."
        )
    try:
        spec = SpecModel.load(settings.spec_path)
    except (AttributeError, TypeError, KeyError, ValueError, IndexError) as exc:  # a malformed document
        raise explain_spec(settings.spec_path, read_yaml(settings.spec_path), exc) from exc
    admin_spec = read_yaml(ADMIN_SPEC)
    resources = resources_of(spec)  # a spec the engine cannot serve stops here, naming the path
    entities = {resource.name: EntityModel.of(resource) for resource in resources}
    fixtures = load_fixtures(spec, resources, entities, settings.fixtures_file)
    collections = [
        Collection(resource.name, resource.entity_name, resource.version, fixtures[resource.name])
        for resource in resources
    ]
    store = _open_store(settings, collections)
    allow = AllowList.load(settings.auth_users_file) if settings.auth_users_file else DEFAULT_USERS
    journal = Journal.for_settings(settings)  # with --workers, one journal in the shared state file
    authenticator = Authenticator(settings.auth, None if settings.auth_any else allow)
    engine = Engine(resources, entities, store, authenticator, strict_accept=settings.strict_accept)
    proxy = None
    if settings.proxy_url:  # imported only here: openapi-core is the proxy's alone
        from mockserver.proxy.endpoint import Proxy

        proxy = Proxy(settings, spec, entities[resources[0].name])
    counts = fixture_counts(collections)
    admin = AdminHandlers(store, journal, counts, proxy, door=AdminDoor(settings.admin_token))

    state: dict[str, FaultMiddleware] = {}  # filled below, read when the mock stops

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
        yield {"settings": settings}  # uvicorn hands it to each connection (mockserver.protocol's limits)
        if "faults" in state:
            print_summary(state["faults"])  # what was injected, counted (nothing when nothing was)
        journal.close()
        store.close()
        if proxy is not None:
            await proxy.aclose()

    app = SpecApp(
        __name__,
        lifespan=lifespan,
        middlewares=[
            ServerErrorMiddleware,
            ExceptionMiddleware,
            _ServedSpecMiddleware,
            RoutingMiddleware,
            LifespanMiddleware,
        ],
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui", spec_path="/openapi.json"),
    )
    try:
        app.add_api(spec.raw, resolver=_ByPathResolver(engine.handlers), name="relation")
        app.add_api(
            admin_spec,
            base_path="/__admin",
            resolver=_resolver(admin.table()),
            name="admin",
            swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),
        )
    except ResolverError as exc:
        raise SpecError(str(exc)) from exc
    except InvalidSpecification as exc:
        raise SpecError(f"The spec {settings.spec_path} is not a valid OpenAPI document: {exc}") from exc
    routes = RouteTable([spec.document, admin_spec])
    app.add_error_handler(
        404, _vendor_error(404, "SoNotFoundException", "No resource at {path}.", routes, engine.negotiator)
    )
    app.add_error_handler(
        405,
        _vendor_error(
            405,
            "MethodNotAllowedException",
            "{method} is not allowed on {path}.",
            routes,
            engine.negotiator,
        ),
    )
    app.add_error_handler(
        Exception,
        _vendor_error(
            500,
            "InternalServerError",
            "The mock failed on {method} {path}; this is a bug.",
            routes,
            engine.negotiator,
        ),
    )
    app.add_error_handler(ApiError, _api_error)

    outer: ASGIApp = RequestGuardMiddleware(
        app, max_body=settings.max_body, timeout=settings.body_timeout, canonical_path=routes.canonical
    )
    if proxy is not None:  # the spec's paths go upstream; the rest (admin, UI) is the mock's, dated here
        from mockserver.protocol import DateHeaderMiddleware

        outer = proxy.router(DateHeaderMiddleware(outer))
    # Inside CORS (a browser sees an injected 503 as a 503) and outside the proxy's router (the upstream
    # never sees a request faulted before forwarding).
    outer = faults = FaultMiddleware(
        outer,
        engine.negotiator,
        latency=settings.latency,
        faults=settings.faults,
        seed=settings.fault_seed,
        methods=settings.faults_on,
        rate_limit=settings.rate_limit,
    )
    state["faults"] = faults
    if settings.cors:
        outer = CorsMiddleware(outer, routes.methods)
    return RecorderMiddleware(
        CacheHeadersMiddleware(HostCheckMiddleware(outer)), journal, quiet=settings.quiet
    )


async def _api_error(request: ConnexionRequest, exc: ApiError) -> ConnexionResponse:
    response = error_answer(exc, "application/json")
    return ConnexionResponse(status_code=exc.status, body=response.body, headers=dict(response.headers))
