"""Request dependencies: the database, the settings and the authenticated caller.

API routes accept either ``Authorization: Bearer <token>`` (personal API token) or the browser
session cookie; with the cookie, state-changing requests must carry the session's CSRF token in
the ``X-CSRF-Token`` header or a ``csrf_token`` form field. Pages use the cookie only and redirect
to the login page when there is none.
"""

from __future__ import annotations

import datetime as dt
import hmac
import threading
import time
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from greenmfg.auth import service as auth
from greenmfg.db.session import Database, database_busy
from greenmfg.orgs.access import Principal, load_principal
from greenmfg.settings import Settings
from greenmfg.web.errors import ApiError, LoginRequired
from greenmfg.web.i18n import negotiate

__all__ = ["SESSION_COOKIE", "PrincipalCache", "principal_cache", "CurrentPrincipal", "PagePrincipal", "client_address", "get_database",
           "get_settings", "require_scope", "session_principal"]

SESSION_COOKIE = "greenmfg_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent, expected)


def session_principal(request: Request, database: Database, settings: Settings) -> Principal | None:
    """The signed-in user of the session cookie (sets ``request.state.csrf_token``), or None."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    with database.session() as session:
        found = auth.resolve_session(session, settings, cookie)
        if found is None:
            return None
        user, row = found
        request.state.csrf_token = row.csrf_token
        return load_principal(session, user, via="session")


class PrincipalCache:
    """Recently resolved API tokens → principal, for ``ttl`` seconds (0 disables it).

    Saves two queries per API request. A revocation through this process clears it at once; other
    worker processes notice within ``ttl`` seconds (documented in the README).
    """

    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        if self.ttl <= 0:
            return None
        with self._lock:
            found = self._entries.get(token)
            if found is None or found[0] < time.monotonic():
                self._entries.pop(token, None)
                return None
            return found[1]

    def put(self, token: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[token] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def principal_cache(request: Request) -> PrincipalCache:
    cache: PrincipalCache = request.app.state.principal_cache
    return cache


def _token_principal(database: Database, settings: Settings, token: str) -> Principal:
    # a read: never waits for (or takes) SQLite's write lock
    with database.session(write=False) as session:
        found = auth.resolve_api_token(session, settings, token)
        if found is None:
            raise ApiError(401, "the token is invalid, expired or revoked", "令牌无效、已过期或已撤销",
                           headers={"WWW-Authenticate": "Bearer"})
        user, row = found
        principal = load_principal(session, user, scopes=frozenset(row.scopes), via="token")
        every = dt.timedelta(seconds=settings.token_touch_seconds)
        due = auth.token_use_due(row, every)
    if due:
        # bookkeeping in a transaction of its own that does not wait: while an import holds
        # SQLite's write lock the request goes on and a later one records the use
        try:
            with database.session(write=True, wait=False) as session:
                auth.touch_api_token(session, row.id, every)
        except OperationalError as error:
            if not database_busy(error):
                raise
    return principal


async def _api_principal(request: Request, database: Annotated[Database, Depends(get_database)],
                         settings: Annotated[Settings, Depends(get_settings)]) -> Principal:
    # database work runs in the thread pool: blocking the event loop would serialise every request
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "the Authorization header must be 'Bearer <token>'",
                           "Authorization 请求头必须为 'Bearer <令牌>'", headers={"WWW-Authenticate": "Bearer"})
        cache = principal_cache(request)
        cached = cache.get(token.strip())
        if cached is None:
            principal = await run_in_threadpool(_token_principal, database, settings, token.strip())
            cache.put(token.strip(), principal)
        else:
            principal = cached
    else:
        found_principal = await run_in_threadpool(session_principal, request, database, settings)
        if found_principal is None:
            raise ApiError(401, headers={"WWW-Authenticate": "Bearer"})
        principal = found_principal
        if request.method not in SAFE_METHODS and not await _csrf_ok(request, request.state.csrf_token):
            raise ApiError(403, "missing or wrong CSRF token (X-CSRF-Token header)",
                           "缺少或错误的 CSRF 令牌（X-CSRF-Token 请求头）", code="csrf")
    request.state.principal = principal
    return principal


async def _page_principal(request: Request, database: Annotated[Database, Depends(get_database)],
                          settings: Annotated[Settings, Depends(get_settings)]) -> Principal:
    principal = await run_in_threadpool(session_principal, request, database, settings)
    if principal is None:
        raise LoginRequired()
    if principal.locale and not request.cookies.get("greenmfg_lang"):
        request.state.locale = negotiate(None, principal.locale)
    if request.method not in SAFE_METHODS and not await _csrf_ok(request, request.state.csrf_token):
        raise ApiError(403, "the form has expired or was sent from elsewhere: reload the page and try again",
                       "表单已过期或来源不明：请刷新页面后重试", code="csrf")
    request.state.principal = principal
    request.state.user = principal
    return principal


def require_scope(scope: str) -> object:
    """Dependency: the caller's credential carries ``scope`` (read, write or admin)."""

    async def check(principal: Annotated[Principal, Depends(_api_principal)]) -> Principal:
        if scope not in principal.scopes:
            raise ApiError(403, f"this token lacks the '{scope}' scope", f"该令牌缺少 '{scope}' 权限",
                           code="insufficient_scope")
        return principal

    return Depends(check)


CurrentPrincipal = Annotated[Principal, Depends(_api_principal)]
PagePrincipal = Annotated[Principal, Depends(_page_principal)]
