"""One JSON error envelope for every API error; HTML error pages for the web.

Every error answer under ``/api/`` has the shape::

    {"error": {"status": 404, "code": "not_found", "message": "…", "message_zh": "…",
               "details": [...]}}

``details`` lists located problems (validation issues with sheet/row/column, request fields).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, OperationalError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from greenmfg.db.session import database_busy
from greenmfg.errors import STATUS_TEXT, GreenmfgError

__all__ = ["ApiError", "LoginRequired", "PasswordChangeRequired", "error_body", "install_error_handlers"]

log = logging.getLogger("greenmfg.web")

#: seconds a client is asked to wait after a 503 "busy"
BUSY_RETRY_AFTER = 5


class ApiError(GreenmfgError):
    """An error of the web edge itself, given by its HTTP status: the code and messages default to the
    status's (:data:`~greenmfg.errors.STATUS_TEXT`). Domain errors carry their own shape."""

    def __init__(self, status: int, message: str | None = None, message_zh: str | None = None, *,
                 code: str | None = None, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        default_code, default_message, default_zh = STATUS_TEXT.get(status, ("error", "error", "错误"))
        super().__init__(message or default_message, message_zh or default_zh, status=status,
                         code=code or default_code, details=details, headers=headers)


class LoginRequired(GreenmfgError):
    """A web page needs a logged-in user: redirect to the login page."""

    status = 401
    code = "login_required"
    message = "sign in to see this page"
    message_zh = "请登录后查看此页面"


class PasswordChangeRequired(GreenmfgError):
    """An administrator reset the user's password: every page leads to the change-password page."""

    status = 403
    code = "password_change_required"
    message = "an administrator reset your password: choose a new one first"
    message_zh = "管理员已重置您的密码：请先设置新密码"


def error_body(error: GreenmfgError) -> dict[str, Any]:
    return {"error": {"status": error.status, "code": error.code, "message": error.message,
                      "message_zh": error.message_zh, "details": error.details}}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _render(request: Request, error: GreenmfgError) -> Response:
    if _is_api(request):
        return JSONResponse(error_body(error), status_code=error.status, headers=error.headers)
    renderer = getattr(request.app.state, "render_error", None)
    if renderer is not None:
        response: Response = renderer(request, error)
        return response
    text = f"{error.status} {error.message} / {error.message_zh}"
    return HTMLResponse(f"<!doctype html><title>{error.status}</title><p>{text}</p>", status_code=error.status)


def to_api_error(exc: Exception) -> GreenmfgError:
    """Map any exception to the envelope: a greenmfg error carries its own shape; the database's
    refusals get theirs; unknown ones become a bare 500."""
    if isinstance(exc, GreenmfgError):
        return exc
    if isinstance(exc, OperationalError) and database_busy(exc):
        # SQLite's write lock stayed taken past the busy timeout (a very long import): retryable
        return ApiError(503, headers={"Retry-After": str(BUSY_RETRY_AFTER)})
    if _out_of_range(exc):
        return ApiError(422, "a value of the request is out of the range the database can store (a number too "
                             "large, or text with a NUL character); nothing was changed",
                        "请求中的某个值超出数据库可存储的范围（数字过大或文本含 NUL 字符）；未做任何更改",
                        code="out_of_range")
    return ApiError(500)


def _out_of_range(exc: BaseException) -> bool:
    """The database refused a value of the request: an integer beyond its column (PostgreSQL
    ``numeric_value_out_of_range``, SQLite's driver ``OverflowError``) or text with NUL. The safety
    net behind :data:`greenmfg.web.ids.Id` and :func:`greenmfg.web.text_input.refuse_nul`."""
    if isinstance(exc, OverflowError):
        return True
    if isinstance(exc, DataError):
        return True
    if isinstance(exc, StatementError):
        return isinstance(exc.orig, OverflowError)
    return False


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GreenmfgError)
    async def _greenmfg(request: Request, exc: GreenmfgError) -> Response:
        if isinstance(exc, LoginRequired):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if isinstance(exc, PasswordChangeRequired):
            return RedirectResponse("/account/password", status_code=303)
        if exc.status >= 500:
            log.error("%s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
        return _render(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = [{"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", ""),
                    "type": e.get("type", "")} for e in exc.errors()]
        return _render(request, ApiError(
            422, "the request is invalid: " + "; ".join(f"{d['location']}: {d['message']}" for d in details),
            "请求内容无效：" + "；".join(f"{d['location']}: {d['message']}" for d in details),
            details=details))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        error = getattr(exc, "api_error", None)   # an HTTPException carrying its envelope (uploads.UploadTooLarge)
        return _render(request, error if isinstance(error, GreenmfgError)
                       else ApiError(exc.status_code, headers=getattr(exc, "headers", None)))

    @app.exception_handler(DataError)
    @app.exception_handler(StatementError)
    @app.exception_handler(OverflowError)
    async def _database_refused(request: Request, exc: Exception) -> Response:
        error = to_api_error(exc)
        if error.status >= 500:
            log.exception("unhandled error on %s %s", request.method, request.url.path)
        else:
            log.warning("the database refused a value of %s %s: %s", request.method, request.url.path,
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return _render(request, error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        error = to_api_error(exc)
        if error.status == 503:
            log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        else:
            log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _render(request, error)
