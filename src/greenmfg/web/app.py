"""The FastAPI application: REST API under ``/api/v1`` and the server-rendered pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp

from greenmfg import __version__
from greenmfg.audit.service import configure as configure_audit
from greenmfg.cache import make_cache
from greenmfg.db.session import Database, reading
from greenmfg.domains import Domain, discover, navigation
from greenmfg.notifications.events import configure as configure_notifications
from greenmfg.settings import ConfigurationError, Settings
from greenmfg.web.deps import PrincipalCache
from greenmfg.web.errors import install_error_handlers
from greenmfg.web.headers import SecurityHeadersMiddleware
from greenmfg.web.text_input import refuse_nul
from greenmfg.web.uploads import UploadLimitMiddleware

__all__ = ["GreenmfgApp", "ReadOnlyRequests", "attach_database", "build_app", "create_app", "production_startup_checks",
           "template_packages"]


def template_packages(domains: tuple[Domain, ...]) -> list[str]:
    """The packages whose ``templates/`` folders hold pages: the web layout's, then each domain's."""
    return ["greenmfg.web", *(domain.package for domain in domains if domain.templates)]


DOCS_URL = "/api/v1/docs"


class GreenmfgApp(FastAPI):
    """FastAPI with the security headers outside every other layer (error answers included)."""

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        return SecurityHeadersMiddleware(super().build_middleware_stack(), production=settings.production,
                                         docs_path=DOCS_URL if settings.docs_enabled else None)


def production_startup_checks(settings: Settings, database: Database) -> None:
    """The production checks that need the database, run before the application serves anything.

    Raises
    ------
    ConfigurationError
        Active demo accounts (their password is public) exist in a production database.
    """
    if not settings.production:
        return
    from greenmfg.auth.service import active_demo_users

    try:
        with database.session() as session:
            demo = active_demo_users(session)
    except SQLAlchemyError as error:
        raise ConfigurationError(
            "production cannot check the database for demo accounts: run greenmfg db upgrade first "
            f"({type(error).__name__}) / 生产模式无法检查演示账号：请先运行 greenmfg db upgrade") from error
    if demo:
        names = ", ".join(demo[:10]) + (" …" if len(demo) > 10 else "")
        raise ConfigurationError(
            f"production refuses to start: {len(demo)} active demo account(s) with a public password ({names}). "
            "Deactivate them with 'greenmfg users disable-demo' (or use a database that was never seeded) / "
            f"生产模式拒绝启动：存在 {len(demo)} 个使用公开密码的演示账号（{names}）。"
            "请运行 greenmfg users disable-demo 停用它们")


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the application (no work at import time; everything hangs off ``app.state``) and
    attach it to ``database`` (by default the settings' database).

    Raises
    ------
    ConfigurationError
        Production mode with default or weak secrets, without PostgreSQL, without an audit key,
        or with active demo accounts in the database.
    """
    settings = settings or Settings.from_env()
    settings.check()
    database = database or Database(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    production_startup_checks(settings, database)
    app = build_app(settings)
    attach_database(app, database)
    return app


def build_app(settings: Settings) -> FastAPI:
    """The application for ``settings``, not yet attached to a database (see :func:`attach_database`).

    The routes, middleware and templates depend on the settings only. FastAPI prepares a route's
    parameters on its first request and Jinja compiles a page on its first render, per application:
    about half a second of a new application's first requests. A process that needs the same
    application on several databases (the test suite) builds it once and attaches it again.
    """
    settings.check()
    app = GreenmfgApp(
        title="greenmfg API",
        version=__version__,
        description="Energy (tce) and GHG (tCO2e) accounting per Chinese national standards: enterprises, "
                    "regulators and evaluators. Errors share one envelope: "
                    '{"error": {"status", "code", "message", "message_zh", "details"}}.',
        # production: no docs unless GREENMFG_API_DOCS=1
        openapi_url="/api/v1/openapi.json" if settings.docs_enabled else None,
        docs_url=DOCS_URL if settings.docs_enabled else None,
        redoc_url=None,
        # NUL characters in any text of any request are a 422 before the route runs (issue #13)
        dependencies=[Depends(refuse_nul)],
    )
    app.state.settings = settings
    install_error_handlers(app)
    # innermost of the user middleware (those added later wrap it): the http middlewares run their
    # receive in a task group, which would wrap the 413 in an ExceptionGroup that FastAPI's body
    # parsing turns into a 400
    app.add_middleware(UploadLimitMiddleware, settings=settings)
    app.add_middleware(ReadOnlyRequests)

    from greenmfg.web.pages import install_pages

    # every domain's routers, API then pages, domain by domain (see greenmfg.domains)
    domains = discover()
    for domain in domains:
        for router in domain.routers():
            app.include_router(router)
    install_pages(app, packages=template_packages(domains), nav=navigation(domains))
    app.middleware("http")(_forget_principals_after_admin_changes)
    return app


def attach_database(app: FastAPI, database: Database) -> None:
    """Serve ``app`` from ``database``: the audit chain's key and checkpoints, the notification
    channels, and caches of its own (signed-in principals, results kept current by the database's
    commits). Whatever the application held for an earlier database is dropped."""
    settings: Settings = app.state.settings
    # the audit chain's key and checkpoints (production refuses to start without a key)
    configure_audit(settings, database=database)
    # notifications derived from the audit events; e-mail and webhooks only when the settings switch them on
    configure_notifications(settings, database=database)
    app.state.database = database
    app.state.principal_cache = PrincipalCache(settings.principal_cache_seconds)
    app.state.results_cache = make_cache(settings.redis_url)
    database.commit_listeners.append(app.state.results_cache.bump)


async def _forget_principals_after_admin_changes(request: Request,
                                                 call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Any successful admin change (roles, deactivation, tokens) empties the token cache of this process."""
    response = await call_next(request)
    if (request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400
            and request.url.path.startswith(("/api/v1/admin", "/admin", "/tokens", "/api/v1/auth/tokens"))):
        request.app.state.principal_cache.clear()
    return response


class ReadOnlyRequests:
    """GET, HEAD and OPTIONS requests read: their transactions begin deferred on SQLite (no lock
    taken, never waiting for an import's write lock); every other request's transactions begin
    immediate (see :mod:`greenmfg.db.session`)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            with reading():
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)
