"""Request dependencies: the database, the settings and the authenticated caller.

API routes accept either ``Authorization: Bearer <token>`` (personal API token) or the browser
session cookie; with the cookie, state-changing requests must carry the session's CSRF token in
the ``X-CSRF-Token`` header or a ``csrf_token`` form field. Pages use the cookie only and redirect
to the login page when there is none.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import threading
import time
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from greenmfg.auth import service as auth
from greenmfg.db.session import Database, database_busy
from greenmfg.i18n import negotiate
from greenmfg.notifications.service import unread_count
from greenmfg.orgs.access import Principal, load_principal
from greenmfg.settings import Network, Settings
from greenmfg.web.errors import ApiError, LoginRequired, PasswordChangeRequired

__all__ = ["SESSION_COOKIE", "PrincipalCache", "principal_cache", "CurrentPrincipal", "PagePrincipal", "api_principal",
           "client_address", "get_database", "get_settings", "require_scope", "session_principal"]

SESSION_COOKIE = "greenmfg_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: what a user whose password an administrator reset may still reach (everything else sends them there)
PASSWORD_CHANGE_PATHS = frozenset({"/account/password", "/logout", "/api/v1/auth/password", "/api/v1/me"})


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: Request) -> str:
    """The address of the client, as far as it can be trusted.

    The peer of the connection, unless it is one of ``GREENMFG_TRUSTED_PROXIES``: then the right-most
    ``X-Forwarded-For`` entry that is not a trusted proxy (entries further left are written by the
    client and believed by nobody). Without trusted proxies the header is ignored.
    """
    peer = request.client.host if request.client else "unknown"
    proxies: tuple[Network, ...] = request.app.state.settings.trusted_proxies
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for header in request.headers.getlist("x-forwarded-for") for hop in header.split(",")]
    client = peer
    for hop in reversed([h for h in hops if h]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return client  # garbage from a misconfigured proxy: the last address believed
        client = hop
        if not _trusted(hop, proxies):
            return hop
    return client


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
        request.state.must_change_password = user.must_change_password
        # the number beside the inbox in every page's header
        request.state.unread = unread_count(session, user.id)
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


async def api_principal(request: Request, database: Annotated[Database, Depends(get_database)],
                        settings: Annotated[Settings, Depends(get_settings)]) -> Principal:
    """The caller of an API route: a bearer token's principal, else the signed-in session's (which
    must have changed a reset password and, on unsafe methods, send the CSRF token); 401 without
    either. What :data:`CurrentPrincipal` depends on; a route that also accepts another credential
    (a meter device's push) calls it for the user case."""
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
        if request.state.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
            raise ApiError(403, "an administrator reset your password: choose a new one first "
                           "(POST /api/v1/auth/password or the account page)",
                           "管理员已重置您的密码：请先设置新密码（POST /api/v1/auth/password 或账号页面）",
                           code="password_change_required")
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
    if request.state.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired()
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

    async def check(principal: Annotated[Principal, Depends(api_principal)]) -> Principal:
        if scope not in principal.scopes:
            raise ApiError(403, f"this token lacks the '{scope}' scope", f"该令牌缺少 '{scope}' 权限",
                           code="insufficient_scope")
        return principal

    return Depends(check)


CurrentPrincipal = Annotated[Principal, Depends(api_principal)]
PagePrincipal = Annotated[Principal, Depends(_page_principal)]
