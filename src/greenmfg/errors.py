"""The one error hierarchy of greenmfg.

Every error a user can cause says where (file, sheet, row, column or dataset), what was wrong and how
to fix it, in English and Chinese. Edges (CLI, API) render these; nothing below them prints.

Every error also carries its HTTP shape (:class:`GreenmfgError`): a status, a code, both messages,
the request field it is about and located details. The web edge renders any of them as the one
envelope ``{"error": {status, code, message, message_zh, details}}`` without knowing its kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass
from typing import Any, ClassVar

__all__ = [
    "STATUS_TEXT",
    "DatasetError",
    "Finding",
    "GreenmfgError",
    "InputError",
    "Issue",
    "SEVERITIES",
    "UnitError",
    "ValidationFailed",
]

#: code, English and Chinese message of an HTTP status, for an error that gives the status only
STATUS_TEXT: dict[int, tuple[str, str, str]] = {
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


class GreenmfgError(Exception):
    """Base of every error greenmfg raises on purpose, with its HTTP shape.

    A kind of error sets its defaults as class attributes; an instance may override any of them.

    ``status``
        HTTP status the web edge answers with (4xx: the caller can fix it; 5xx: the server's setup).
    ``code``
        Stable machine-readable code (``not_found``, ``password.too_short`` …).
    ``message``, ``message_zh``
        What is wrong and how to fix it, English and Chinese.
    ``field``
        The request field the error is about (a form input's name), if any; ``location`` says
        where that field is (``body``, ``query``, ``file``).
    ``details``
        Located problems (validation issues, request fields): by default the one ``field``.
    ``headers``
        HTTP headers of the answer (``Retry-After``).
    """

    status: int = 422
    code: str = "invalid"
    message: str = "the request is invalid"
    message_zh: str = "请求内容无效"
    field: str | None = None
    location: ClassVar[str] = "body"
    headers: dict[str, str] | None = None
    #: the English message already carries the Chinese one ("English / 中文"): it serves as both
    one_text: ClassVar[bool] = False

    def __init__(self, message: str | None = None, message_zh: str | None = None, *, status: int | None = None,
                 code: str | None = None, field: str | None = None,
                 details: Iterable[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> None:
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        if message is not None:
            self.message = message
        if message_zh is not None:
            self.message_zh = message_zh
        elif message is not None and self.one_text:
            self.message_zh = message
        if field is not None:
            self.field = field
        if headers is not None:
            self.headers = headers
        self.details: list[dict[str, Any]] = list(details) if details is not None else self._field_details()
        super().__init__(self.message)

    def _field_details(self) -> list[dict[str, Any]]:
        if not self.field:
            return []
        return [{"location": f"{self.location}.{self.field}", "message": self.message,
                 "message_zh": self.message_zh}]

    def message_in(self, locale: str) -> str:
        """The message in a page's language (``zh-CN`` or ``en``)."""
        return self.message_zh if locale == "zh-CN" else self.message


class UnitError(GreenmfgError, ValueError):
    """A unit is unknown or does not fit the quantity it is given for."""

    code = "invalid_unit"
    message = "the unit is unknown or does not fit the quantity"
    message_zh = "单位未知或与该量不符"
    one_text = True


class DatasetError(GreenmfgError):
    """A reference dataset is missing, altered (sha256 mismatch) or malformed."""

    status = 500
    code = "dataset_error"
    message = "a reference dataset is missing, altered or malformed"
    message_zh = "参考数据集缺失、被改动或格式错误"
    one_text = True


class InputError(GreenmfgError):
    """An input file cannot be read at all (missing, wrong type, unreadable)."""

    code = "unreadable_input"
    message = "the input file cannot be read"
    message_zh = "无法读取输入文件"
    one_text = True


#: how much a finding matters: ``error`` stops a computation, ``warning`` qualifies a result, ``info`` explains it
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Finding:
    """One located finding, in English and Chinese: the one shape of every input issue, warning and reason.

    ``code`` is a dotted name such as ``accounting.input.unknown_item``; ``message`` and ``fix``
    are English, ``message_zh`` and ``fix_zh`` Chinese; ``severity`` is one of :data:`SEVERITIES`;
    ``file``, ``sheet``, ``row``, ``column`` and ``value`` say where it is (empty when not located);
    ``column`` is the field's name, ``header`` the column as the file headed it (``数量``) and ``cell``
    its spreadsheet reference (``G4``), when the finding is about a cell of a sheet or CSV file.
    It lives here, beside the errors, because ``calc/`` may import only ``greenmfg.calc``,
    ``greenmfg.errors`` and ``greenmfg.units`` and its results carry findings too; a domain that needs
    more (a reference, a period) adds fields in a thin subclass. :func:`as_dict` is the input-issue
    shape the API and pages show (``Issue``), so it leaves out ``severity``; it adds ``header`` and
    ``cell`` when the finding has them.
    """

    code: str
    message: str
    fix: str
    message_zh: str
    fix_zh: str
    _: KW_ONLY
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    severity: str = "error"
    header: str = ""
    cell: str = ""

    def location(self) -> str:
        """Where the finding is, in English: ``f.xlsx, sheet S, cell G4, column 数量 (quantity)``; a
        CSV file (no sheet) by row and column letter: ``f.csv, row 4, column G 数量 (quantity)``."""
        parts = [p for p in (self.file, f"sheet {self.sheet}" if self.sheet else "") if p]
        letters = self.cell.rstrip("0123456789")
        if self.cell and self.sheet:
            parts.append(f"cell {self.cell}")
            letters = ""
        elif self.row is not None:
            parts.append(f"row {self.row}")
        name = self.header or self.column
        if name and self.header and self.column and self.header != self.column:
            name = f"{self.header} ({self.column})"
        column = " ".join(p for p in (letters, name) if p)
        if column:
            parts.append(f"column {column}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, object]:
        located: dict[str, object] = {"header": self.header, "cell": self.cell} if self.header or self.cell else {}
        return {
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "message_zh": self.message_zh,
            "fix": self.fix,
            "fix_zh": self.fix_zh,
            **located,
        }


#: a located finding about input data (an error unless it says otherwise): the same type as :class:`Finding`
Issue = Finding


class ValidationFailed(GreenmfgError):
    """Input data has errors; nothing was computed.

    ``issues`` lists the errors found (up to a cap); ``total`` counts all of them.
    """

    code = "invalid_input"
    message = "the input has errors; nothing was computed"
    message_zh = "输入有错误，未做任何更改"

    def __init__(self, issues: list[Issue] | None = None, total: int = 0) -> None:
        self.issues = list(issues) if issues is not None else []
        self.total = total
        super().__init__(f"{total} error(s) in the input; nothing was computed", f"输入有 {total} 处错误，未做任何更改",
                         details=[issue.as_dict() for issue in self.issues])
