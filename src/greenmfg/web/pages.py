"""Page plumbing: the locale middleware, flash messages, the language switch and error pages.

Every request gets ``request.state.locale`` (the user's choice in the ``greenmfg_lang`` cookie or
profile, else ``Accept-Language``, else zh-CN), ``user`` (None until a page dependency signs the
user in), ``csrf_token`` and ``flashes``. A flash is set on a redirect with :func:`flash` and shown
once on the next page, translated when that page renders (``flash_pending`` until then), so it
speaks the language the page is rendered in.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import update

from greenmfg.auth.models import User
from greenmfg.db.session import Database
from greenmfg.domains import NavItem
from greenmfg.errors import GreenmfgError
from greenmfg.i18n import SUPPORTED_LOCALES, negotiate
from greenmfg.settings import Settings
from greenmfg.web.deps import get_database, get_settings, session_principal
from greenmfg.web.errors import ApiError
from greenmfg.web.templating import local_redirect_target, render

__all__ = ["LANG_COOKIE", "flash", "install_pages", "router"]

LANG_COOKIE = "greenmfg_lang"
FLASH_COOKIE = "greenmfg_flash"

router = APIRouter(include_in_schema=False)


def flash(response: Response, level: str, message: str, **params: str) -> None:
    """Show ``message`` (an English msgid, translated on display, ``{name}`` params) on the next page."""
    response.set_cookie(FLASH_COOKIE, json.dumps([level, message, params], ensure_ascii=True),
                        max_age=60, httponly=True, samesite="lax", path="/")


async def _locale_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    state = request.state
    state.locale = negotiate(request.headers.get("accept-language"), request.cookies.get(LANG_COOKIE))
    state.user = None
    state.csrf_token = ""
    state.flashes = []
    state.flash_pending = None
    raw = request.cookies.get(FLASH_COOKIE)
    if raw and not request.url.path.startswith(("/api/", "/static/")):
        # translated when the page renders: a signed-in user's own language is only known then
        try:
            level, message, params = json.loads(raw)
            state.flash_pending = (str(level), str(message), {str(k): str(v) for k, v in dict(params).items()})
        except (ValueError, TypeError, AttributeError):
            state.flash_pending = None
    response = await call_next(request)
    if state.flash_pending is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _render_error(request: Request, error: GreenmfgError) -> Response:
    if not hasattr(request.state, "locale"):
        request.state.locale = negotiate(request.headers.get("accept-language"), None)
    if getattr(request.state, "user", None) is None:
        # show the navigation on error pages too when the visitor is signed in
        try:
            principal = session_principal(request, request.app.state.database, request.app.state.settings)
        except Exception:
            principal = None
        request.state.user = principal
    zh = request.state.locale == "zh-CN"
    return render(request, "error.html", {"error": error, "message": error.message_in(request.state.locale),
                                          "details": [_detail_line(d, zh) for d in error.details[:20]]},
                  status_code=error.status, headers=error.headers)


def _detail_line(detail: dict[str, Any], zh: bool) -> str:
    """One entry of an error's details as a line: request-field problems (location, message) and
    located input issues (file, sheet, row, column, message, fix) alike."""
    labels = ("工作表 {}", "第 {} 行", "列 {}") if zh else ("sheet {}", "row {}", "column {}")
    where = [str(detail.get("location") or ""), str(detail.get("file") or "")]
    where += [label.format(detail[key]) for label, key in zip(labels, ("sheet", "row", "column"), strict=True)
              if detail.get(key) not in (None, "")]
    text = [str(detail.get(k) or "") for k in (("message_zh", "fix_zh") if zh else ("message", "fix"))]
    if not any(text):
        text = [str(detail.get("message") or "")]
    return " ".join(p for p in (", ".join(w for w in where if w), *text) if p)


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, database: Annotated[Database, Depends(get_database)],
                    settings: Annotated[Settings, Depends(get_settings)], next: str = "/") -> Response:
    if code not in SUPPORTED_LOCALES:
        raise ApiError(404, f"language {code} is not available", f"不支持语言 {code}")
    response = RedirectResponse(local_redirect_target(next), status_code=303)
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/",
                        secure=settings.production)
    principal = session_principal(request, database, settings)
    if principal is not None:
        with database.session() as session:
            session.execute(update(User).where(User.id == principal.user_id).values(locale=code))
    return response


def install_pages(app: FastAPI, *, packages: list[str], nav: Iterable[NavItem] | None = None) -> None:
    """Templates, static files, the locale middleware, HTML error pages and the page routers.

    ``nav``: the top navigation (by default every discovered domain's declared entries)."""
    from greenmfg.i18n import load_catalogs
    from greenmfg.web.templating import create_templates, static_files

    app.state.templates = create_templates(packages, load_catalogs(), nav=nav)
    app.state.render_error = _render_error
    app.mount("/static", static_files(), name="static")
    app.middleware("http")(_locale_middleware)
    app.include_router(router)


