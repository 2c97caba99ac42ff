"""The one way an uploaded file is read: bounded by ``GREENMFG_MAX_UPLOAD_BYTES`` before it is held.

Two guards, both answering 413 in the error envelope of :mod:`greenmfg.web.errors`:

* :class:`UploadLimitMiddleware` watches every multipart request body while it streams in: a
  ``Content-Length`` over the limit is refused before a byte is read, and a body (chunked or lying
  about its length) is cut off as soon as it passes the limit, so the multipart parser never spools
  more than the limit plus the form's small fields.
* :func:`read_upload` / :func:`read_upload_sync` read one file of the form in chunks, refuse it one
  byte past the limit, refuse over-long file names and content types (400, located at the field), and
  check an .xlsx workbook's uncompressed size and rows (:func:`greenmfg.workbooks.check_xlsx`, 422)
  before any reader opens it.

Every upload route reads its file through these; none calls ``UploadFile.read()`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from greenmfg.settings import Settings
from greenmfg.web.errors import ApiError
from greenmfg.workbooks import check_xlsx, is_zip

__all__ = ["MAX_NAME_CHARS", "Upload", "UploadLimitMiddleware", "UploadTooLarge",
           "form_file", "read_upload", "read_upload_sync", "too_large"]

#: longest file name and content type accepted (the columns that keep them hold 255 characters)
MAX_NAME_CHARS = 255
#: room for the multipart framing and the form's other fields (CSRF token, enterprise, dates)
FORM_OVERHEAD_BYTES = 64 * 1024
_CHUNK = 64 * 1024


def _mb(size: int) -> str:
    mb = size / 1024 / 1024
    return f"{mb:,.0f}" if mb >= 10 or mb == int(mb) else f"{mb:,.2g}"


def too_large(limit: int) -> ApiError:
    """The 413 for an upload over ``limit`` bytes (the message names the limit in MB)."""
    return ApiError(
        413, f"the upload is over the limit of {_mb(limit)} MB ({limit:,} bytes, GREENMFG_MAX_UPLOAD_BYTES); "
             "split the file into smaller ones",
        f"上传文件超过 {_mb(limit)} MB 上限（{limit:,} 字节，GREENMFG_MAX_UPLOAD_BYTES），请拆分为较小的文件",
        code="too_large", details=[{"location": "file", "message": f"at most {limit:,} bytes", "limit_bytes": limit}])


class UploadTooLarge(HTTPException):
    """Raised from the request body stream once it passes the limit (FastAPI lets HTTPException through
    its body parsing untouched); rendered as :attr:`api_error`."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413)
        self.api_error = too_large(limit)


class UploadLimitMiddleware:
    """Refuse a multipart body over the upload limit while it streams (ASGI middleware)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limit = settings.max_upload_bytes
        self.body_limit = settings.max_upload_bytes + FORM_OVERHEAD_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_multipart(scope):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            if declared is not None and declared > self.body_limit:
                raise UploadTooLarge(self.limit)        # refused before a byte is read
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.body_limit:
                    raise UploadTooLarge(self.limit)
            return message

        await self.app(scope, bounded_receive, send)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def _is_multipart(scope: Scope) -> bool:
    return _header(scope, b"content-type").lower().startswith("multipart/")


def _content_length(scope: Scope) -> int | None:
    raw = _header(scope, b"content-length")
    return int(raw) if raw.isdigit() else None


@dataclass(frozen=True, slots=True)
class Upload:
    """A file read within the limits: its name, content type and bytes."""

    filename: str
    content_type: str
    content: bytes


def _check_names(file: UploadFile, field: str) -> None:
    for part, value, zh in (("filename", file.filename or "", "文件名"),
                            ("content_type", file.content_type or "", "内容类型")):
        if len(value) > MAX_NAME_CHARS:
            raise ApiError(
                400, f"{field}: the {part.replace('_', ' ')} has {len(value):,} characters, over the limit of "
                     f"{MAX_NAME_CHARS}; rename the file and upload it again",
                f"{field}：{zh}有 {len(value):,} 个字符，超过 {MAX_NAME_CHARS} 个字符上限；请重命名文件后重新上传",
                code="invalid_upload", details=[{"location": f"{field}.{part}", "length": len(value),
                                                 "message": f"at most {MAX_NAME_CHARS} characters",
                                                 "limit": MAX_NAME_CHARS}])


def _finish(file: UploadFile, field: str, content: bytes, settings: Settings) -> Upload:
    if len(content) > settings.max_upload_bytes:
        raise too_large(settings.max_upload_bytes)
    name = file.filename or ""
    if is_zip(content):
        check_xlsx(content, file=name, max_uncompressed_bytes=settings.max_xlsx_uncompressed_bytes,
                   max_rows=settings.max_xlsx_rows)
    return Upload(name, file.content_type or "", content)


async def read_upload(file: UploadFile, settings: Settings, *, field: str = "file") -> Upload:
    """Read ``file`` in chunks, at most one byte past the limit; check its name and (xlsx) its parts.

    Raises
    ------
    ApiError
        400 for a file name or content type over 255 characters, 413 over the upload limit.
    ValidationFailed
        An .xlsx over the uncompressed-size or row limit (422, located at the file and sheet).
    """
    # one bounded loop: the synchronous reader, off the event loop (the spooled file may be on disk)
    return await run_in_threadpool(read_upload_sync, file, settings, field=field)


def read_upload_sync(file: UploadFile, settings: Settings, *, field: str = "file") -> Upload:
    """:func:`read_upload` for synchronous routes (run in the thread pool)."""
    _check_names(file, field)
    parts: list[bytes] = []
    size = 0
    while size <= settings.max_upload_bytes and (chunk := file.file.read(min(_CHUNK, settings.max_upload_bytes + 1 - size))):
        parts.append(chunk)
        size += len(chunk)
    return _finish(file, field, b"".join(parts), settings)


def form_file(value: Any) -> UploadFile | None:
    """The uploaded file of a form field read with ``request.form()`` (None when absent or a string)."""
    return value if hasattr(value, "filename") and hasattr(value, "read") and not isinstance(value, str) else None
