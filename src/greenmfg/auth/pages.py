"""Sign-in and sign-out pages (session cookie + CSRF)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import SQLAlchemyError

from greenmfg.auth import service as auth
from greenmfg.auth.models import User, WebSession
from greenmfg.auth.passwords import WeakPassword
from greenmfg.db.session import Database
from greenmfg.i18n import N_
from greenmfg.settings import Settings
from greenmfg.web.deps import (
    SESSION_COOKIE,
    PagePrincipal,
    client_address,
    get_database,
    get_settings,
)
from greenmfg.web.pages import flash
from greenmfg.web.templating import Flash, local_redirect_target, render, translator_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: before sign-in there is no session: the login form's CSRF token is a double-submit cookie
LOGIN_CSRF_COOKIE = "greenmfg_login_csrf"


def _demo_accounts(database: Database, settings: Settings) -> list[tuple[str, str]]:
    """The demo accounts to offer on the sign-in page: only on a demo platform (a development
    deployment with active demo accounts, as ``greenmfg demo`` seeds it); never in production."""
    if settings.production:
        return []
    try:
        with database.session() as session:
            return auth.demo_sign_ins(session)
    except SQLAlchemyError:  # no schema yet (or the database is down): the form itself still shows
        return []


def _login_page(request: Request, settings: Settings, database: Database, *, next_url: str, username: str = "",
                error: str | None = None, status_code: int = 200) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    request.state.csrf_token = token
    if error:
        translator = translator_for(request)
        request.state.flashes = [*request.state.flashes, Flash("error", translator.gettext(error))]
    response = render(request, "auth/login.html", {"next": next_url, "username": username,
                                                   "demo": _demo_accounts(database, settings),
                                                   "demo_password": settings.demo_password}, status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=settings.production,
                        path="/login", max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request, settings: Annotated[Settings, Depends(get_settings)],
               database: Annotated[Database, Depends(get_database)], next: str = "/") -> Response:
    return _login_page(request, settings, database, next_url=local_redirect_target(next))


@router.post("/login")
def login(request: Request, database: Annotated[Database, Depends(get_database)],
          settings: Annotated[Settings, Depends(get_settings)],
          username: Annotated[str, Form(max_length=64)] = "", password: Annotated[str, Form(max_length=256)] = "",
          csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    next_url = local_redirect_target(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_page(request, settings, database, next_url=next_url, username=username, status_code=403,
                           error="The form has expired. Please sign in again.")
    try:
        with database.session() as session:
            user = auth.authenticate(session, settings, username, password, client=client_address(request))
            cookie = None
            if user is not None:
                cookie, _row = auth.open_session(session, settings, user)
    except auth.Throttled as throttled:
        response = _login_page(request, settings, database, next_url=next_url, username=username, status_code=429,
                               error="Too many failed sign-ins. Please wait a few minutes and try again.")
        response.headers.update(throttled.headers or {})
        return response
    if user is None or cookie is None:
        return _login_page(request, settings, database, next_url=next_url, username=username, status_code=401,
                           error="Wrong username or password.")
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax", secure=settings.production,
                        path="/", max_age=settings.session_hours * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _password_page(request: Request, settings: Settings, *, error: str | None = None, reason: str | None = None,
                   status_code: int = 200) -> Response:
    """The form again; ``error`` an English msgid (translated here), ``reason`` already in the page's language."""
    if error:
        translator = translator_for(request)
        reason = translator.gettext(error)
    if reason:
        request.state.flashes = [*request.state.flashes, Flash("error", reason)]
    return render(request, "auth/password.html", {
        "min_length": settings.password_min_length,
        "must_change": bool(getattr(request.state, "must_change_password", False))}, status_code=status_code)


@router.get("/account/password")
def password_form(request: Request, principal: PagePrincipal,
                  settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    return _password_page(request, settings)


@router.post("/account/password")
def change_password(request: Request, principal: PagePrincipal, database: Annotated[Database, Depends(get_database)],
                    settings: Annotated[Settings, Depends(get_settings)],
                    current_password: Annotated[str, Form(max_length=256)] = "",
                    new_password: Annotated[str, Form(max_length=256)] = "",
                    confirm_password: Annotated[str, Form(max_length=256)] = "") -> Response:
    """Change the signed-in user's password; this session stays, every other one and every API token ends."""
    if new_password != confirm_password:
        return _password_page(request, settings, status_code=422, error=N_("The two new passwords differ."))
    try:
        with database.session() as session:
            user = session.get(User, principal.user_id)
            assert user is not None
            revoked = auth.change_password(session, settings, user, current_password, new_password,
                                           client=client_address(request),
                                           keep=request.cookies.get(SESSION_COOKIE))
    except WeakPassword as error:
        return _password_page(request, settings, status_code=422, reason=error.message_in(request.state.locale))
    except auth.Throttled as error:
        response = _password_page(request, settings, status_code=429,
                                  error=N_("Too many failed attempts. Please wait a few minutes and try again."))
        response.headers.update(error.headers or {})
        return response
    if revoked is None:
        return _password_page(request, settings, status_code=403, error=N_("The current password is wrong."))
    request.app.state.principal_cache.clear()
    response = RedirectResponse("/", status_code=303)
    flash(response, "success", N_("Your password has been changed; your other sessions and API tokens were revoked."))
    return response


@router.post("/logout")
def logout(request: Request, principal: PagePrincipal, database: Annotated[Database, Depends(get_database)],
           settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    with database.session() as session:
        found = auth.resolve_session(session, settings, cookie)
        if found is not None:
            row: WebSession = found[1]
            auth.close_session(session, row)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    flash(response, "success", "You have signed out.")
    return response
