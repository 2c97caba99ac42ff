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

from greenmfg.auth.passwords import WeakPassword
from greenmfg.auth.service import Throttled
from greenmfg.db.session import database_busy
from greenmfg.errors import GreenmfgError, InputError, ValidationFailed
from greenmfg.orgs.access import Forbidden, NotFound

__all__ = ["ApiError", "LoginRequired", "PasswordChangeRequired", "error_body", "install_error_handlers"]

log = logging.getLogger("greenmfg.web")

_STATUS_TEXT = {
    400: ("bad_request", "the request is malformed", "请求格式错误"),
    401: ("unauthorized", "authentication required: log in or send 'Authorization: Bearer <token>'",
          "需要身份验证：请登录或发送 'Authorization: Bearer <令牌>'"),
    403: ("forbidden", "you may not do this", "无权执行此操作"),
    404: ("not_found", "not found", "未找到"),
    405: ("method_not_allowed", "method not allowed on this address", "该地址不支持此请求方法"),
    409: ("conflict", "conflict with the current state", "与当前状态冲突"),
    413: ("too_large", "the upload is too large", "上传文件过大"),
    415: ("unsupported_media_type", "unsupported content type", "不支持的内容类型"),
    422: ("invalid", "the request is invalid", "请求内容无效"),
    429: ("too_many_requests", "too many requests", "请求过于频繁"),
    500: ("internal_error", "internal error; nothing was changed", "内部错误；未做任何更改"),
    503: ("busy", "the database is busy with another change; nothing was changed, try again in a few seconds",
          "数据库正忙于其他更改；未做任何更改，请几秒后重试"),
}

#: seconds a client is asked to wait after a 503 "busy"
BUSY_RETRY_AFTER = 5


class ApiError(GreenmfgError):
    """An error with an HTTP status, a dotted code and bilingual messages."""

    def __init__(self, status: int, message: str | None = None, message_zh: str | None = None, *,
                 code: str | None = None, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        default_code, default_message, default_zh = _STATUS_TEXT.get(status, ("error", "error", "错误"))
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.message_zh = message_zh or default_zh
        self.details = details or []
        self.headers = headers
        super().__init__(self.message)


class LoginRequired(GreenmfgError):
    """A web page needs a logged-in user: redirect to the login page."""


class PasswordChangeRequired(GreenmfgError):
    """An administrator reset the user's password: every page leads to the change-password page."""


def error_body(error: ApiError) -> dict[str, Any]:
    return {"error": {"status": error.status, "code": error.code, "message": error.message,
                      "message_zh": error.message_zh, "details": error.details}}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _render(request: Request, error: ApiError) -> Response:
    if _is_api(request):
        return JSONResponse(error_body(error), status_code=error.status, headers=error.headers)
    renderer = getattr(request.app.state, "render_error", None)
    if renderer is not None:
        response: Response = renderer(request, error)
        return response
    text = f"{error.status} {error.message} / {error.message_zh}"
    return HTMLResponse(f"<!doctype html><title>{error.status}</title><p>{text}</p>", status_code=error.status)


def to_api_error(exc: Exception) -> ApiError:
    """Map any exception to the envelope (unknown ones become a bare 500)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, NotFound):
        return ApiError(404, f"{exc.what} {exc.ident} not found", f"未找到{_WHAT_ZH.get(exc.what, exc.what)} {exc.ident}")
    if isinstance(exc, Forbidden):
        return ApiError(403, str(exc), exc.message_zh)
    if isinstance(exc, Throttled):
        return ApiError(429, f"too many failed logins; try again in {exc.retry_after} s",
                        f"登录失败次数过多，请 {exc.retry_after} 秒后再试",
                        headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, WeakPassword):
        return ApiError(422, exc.message, exc.message_zh, code=exc.code,
                        details=[{"location": "body.new_password", "message": exc.message}])
    if isinstance(exc, ValidationFailed):
        return ApiError(422, str(exc), f"输入有 {exc.total} 处错误，未做任何更改", code="invalid_input",
                        details=[issue.as_dict() for issue in exc.issues])
    if isinstance(exc, InputError):
        return ApiError(422, str(exc), str(exc), code="unreadable_input")
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


_WHAT_ZH = {"enterprise": "企业", "organisation": "组织", "facility": "设施", "import": "导入批次",
            "user": "用户", "token": "令牌", "dataset": "数据集", "result": "结果",
            "capacity plan": "产能置换方案", "meter": "计量表", "baseline": "能耗基准模型",
            "evaluation": "评价",
            "green-list application": "绿色制造名单申请"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GreenmfgError)
    async def _greenmfg(request: Request, exc: GreenmfgError) -> Response:
        if isinstance(exc, LoginRequired):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if isinstance(exc, PasswordChangeRequired):
            return RedirectResponse("/account/password", status_code=303)
        return _render(request, to_api_error(exc))

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
        return _render(request, error if isinstance(error, ApiError)
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
