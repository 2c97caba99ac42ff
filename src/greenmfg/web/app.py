"""The FastAPI application: REST API under ``/api/v1`` and the server-rendered pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, FastAPI, Request, Response

from greenmfg import __version__
from greenmfg.cache import make_cache
from greenmfg.db.session import Database
from greenmfg.settings import Settings
from greenmfg.web.deps import PrincipalCache
from greenmfg.web.errors import install_error_handlers
from greenmfg.web.text_input import refuse_nul
from greenmfg.web.uploads import UploadLimitMiddleware

__all__ = ["TEMPLATE_PACKAGES", "create_app"]

#: packages whose ``templates/`` folders hold pages (each domain keeps its own)
TEMPLATE_PACKAGES = ("greenmfg.web", "greenmfg.auth", "greenmfg.accounting", "greenmfg.region", "greenmfg.admin",
                     "greenmfg.capacity", "greenmfg.diagnosis", "greenmfg.greenfactory",
                     "greenmfg.compliance", "greenmfg.monitoring", "greenmfg.greenlist")


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the application (no work at import time; everything hangs off ``app.state``).

    Raises
    ------
    ConfigurationError
        Production mode with default secrets or without PostgreSQL.
    """
    settings = settings or Settings.from_env()
    settings.check()
    database = database or Database(settings.database_url)
    app = FastAPI(
        title="greenmfg API",
        version=__version__,
        description="Energy (tce) and GHG (tCO2e) accounting per Chinese national standards: enterprises, "
                    "regulators and evaluators. Errors share one envelope: "
                    '{"error": {"status", "code", "message", "message_zh", "details"}}.',
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        # NUL characters in any text of any request are a 422 before the route runs (issue #13)
        dependencies=[Depends(refuse_nul)],
    )
    app.state.settings = settings
    app.state.database = database
    app.state.principal_cache = PrincipalCache(settings.principal_cache_seconds)
    app.state.results_cache = make_cache(settings.redis_url)
    database.commit_listeners.append(app.state.results_cache.bump)
    install_error_handlers(app)
    # innermost of the user middleware (those added later wrap it): the http middlewares run their
    # receive in a task group, which would wrap the 413 in an ExceptionGroup that FastAPI's body
    # parsing turns into a 400
    app.add_middleware(UploadLimitMiddleware, settings=settings)

    from greenmfg.accounting.api import router as accounting_router
    from greenmfg.accounting.pages import router as accounting_pages
    from greenmfg.admin.api import router as admin_router
    from greenmfg.admin.pages import router as admin_pages
    from greenmfg.auth.api import router as auth_router
    from greenmfg.auth.pages import router as auth_pages
    from greenmfg.auth.tokens_page import router as token_pages
    from greenmfg.capacity.api import router as capacity_router
    from greenmfg.capacity.pages import router as capacity_pages
    from greenmfg.compliance.api import router as compliance_router
    from greenmfg.compliance.pages import router as compliance_pages
    from greenmfg.diagnosis.api import router as diagnosis_router
    from greenmfg.diagnosis.pages import router as diagnosis_pages
    from greenmfg.greenfactory.api import router as greenfactory_router
    from greenmfg.greenfactory.pages import router as greenfactory_pages
    from greenmfg.greenlist.api import router as greenlist_router
    from greenmfg.greenlist.pages import router as greenlist_pages
    from greenmfg.monitoring.api import router as monitoring_router
    from greenmfg.monitoring.baselines_api import router as baselines_router
    from greenmfg.monitoring.pages import router as monitoring_pages
    from greenmfg.orgs.api import router as orgs_router
    from greenmfg.refdata.api import router as refdata_router
    from greenmfg.region.api import router as region_router
    from greenmfg.region.pages import router as region_pages
    from greenmfg.web.pages import install_pages

    for router in (auth_router, orgs_router, accounting_router, refdata_router, region_router, admin_router,
                   capacity_router, auth_pages, accounting_pages, token_pages, region_pages, admin_pages,
                   capacity_pages, baselines_router, diagnosis_router, diagnosis_pages, greenfactory_router,
                   greenfactory_pages, compliance_router, compliance_pages,
                   monitoring_router, monitoring_pages, greenlist_router, greenlist_pages):
        app.include_router(router)
    install_pages(app, packages=list(TEMPLATE_PACKAGES))
    app.middleware("http")(_forget_principals_after_admin_changes)
    return app


async def _forget_principals_after_admin_changes(request: Request,
                                                 call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Any successful admin change (roles, deactivation, tokens) empties the token cache of this process."""
    response = await call_next(request)
    if (request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400
            and request.url.path.startswith(("/api/v1/admin", "/admin", "/tokens", "/api/v1/auth/tokens"))):
        request.app.state.principal_cache.clear()
    return response
