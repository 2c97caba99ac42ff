"""The one toolkit for reading rows and reporting located findings, in English and Chinese.

* :class:`~greenmfg.errors.Finding` (also ``Issue``) is the one shape of a finding: severity, dotted
  code, message and fix in both languages, and where it is (file, sheet, row, column, value). It is
  defined in :mod:`greenmfg.errors` so that ``calc/`` may use it; it is re-exported here.
* :class:`Locator` builds findings at one place (a file, a sheet, a row, a field path), the way a
  domain words them (a code prefix, the column named in front of the message, values cut short).
* :class:`Reader` reads the fields of one mapping (a JSON body, a web form, a sheet row) into typed
  values, collecting a located finding for every problem instead of stopping at the first.
* :func:`read_number` reads one value (a form field, a JSON member, a query parameter) as a number within
  bounds, or records why not.
* :func:`nul_line` and :func:`has_nul` are the one check for NUL characters (U+0000), which no text
  field accepts: PostgreSQL refuses them and SQLite would store them.

The cells of a .csv or .xlsx sheet are read by :mod:`greenmfg.sheets`, with these findings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from greenmfg.errors import SEVERITIES, Finding, Issue

__all__ = ["NUL", "NUL_FIX", "SEVERITIES", "Finding", "Issue", "Locator", "Reader", "has_nul", "nul_line",
           "read_number"]

NUL = "\x00"
#: how to fix a text file with NUL characters (English, Chinese)
NUL_FIX = ("save it from Excel as \"CSV UTF-8\" (not \"Unicode text\")", "请在 Excel 中另存为“CSV UTF-8”（不要选“Unicode 文本”）")
_SAME: Any = object()


def has_nul(text: str) -> bool:
    """Whether ``text`` contains a NUL character (U+0000)."""
    return NUL in text


def nul_line(text: str) -> int | None:
    """The 1-based line of the first NUL character of an uploaded text file, or None.

    A NUL has no place in a CSV: the file is usually UTF-16 ("Unicode text" from Excel) or binary.
    PostgreSQL refuses it in text columns and SQLite would store it, so readers refuse the file."""
    index = text.find(NUL)
    return None if index < 0 else text.count("\n", 0, index) + 1


@dataclass(frozen=True, slots=True)
class Locator:
    """Builds findings at one place, worded the way one domain words them.

    ``code_prefix`` goes in front of every code (``monitoring.input.``); with ``named`` the column
    leads the message (``capacity: must be …`` / ``capacity：…``), in Chinese by its name from
    ``name_zh`` when given (``产能（capacity）：…``); a value longer than ``value_limit`` characters is
    cut (None: kept whole).
    """

    file: str = ""
    sheet: str = ""
    row: int | None = None
    code_prefix: str = ""
    named: bool = False
    name_zh: Callable[[str], str] | None = None
    value_limit: int | None = 200

    def at(self, **changes: Any) -> Locator:
        """The same wording at another place (``at(sheet="设备", row=4)``)."""
        return dataclasses.replace(self, **changes)

    def finding(self, code: str, column: str, value: object, message: str, message_zh: str, fix: str, fix_zh: str,
                *, row: int | None = _SAME, sheet: str = _SAME, severity: str = "error", header: str = "",
                cell: str = "") -> Finding:
        """A finding about ``value`` in ``column`` (``row``, ``sheet``: this locator's unless given;
        ``header``: the column as the file headed it, ``cell``: its spreadsheet reference such as G4)."""
        text = "" if value is None else str(value)
        if self.value_limit is not None:
            text = text[:self.value_limit]
        if self.named:
            message = f"{column}: {message}"
            message_zh = (f"{self.name_zh(column)}（{column}）：{message_zh}" if self.name_zh is not None
                          else f"{column}：{message_zh}")
        return Finding(code=f"{self.code_prefix}{code}", message=message, message_zh=message_zh, fix=fix, fix_zh=fix_zh,
                       file=self.file, sheet=self.sheet if sheet is _SAME else sheet,
                       row=self.row if row is _SAME else row, column=column, value=text, severity=severity,
                       header=header, cell=cell)


class Reader:
    """Reads fields of one mapping, collecting located findings instead of stopping at the first.

    ``prefix`` goes in front of every field's name (``retired_items[1].``); ``issues`` may be shared
    by the readers of the parts of one input; ``domain`` names the codes of the checks made here
    (``capacity`` → ``capacity.input.missing``).
    """

    def __init__(self, data: Mapping[str, Any], prefix: str = "", issues: list[Finding] | None = None, *,
                 domain: str = "input", locator: Locator | None = None) -> None:
        self.data = data
        self.prefix = prefix
        self.issues: list[Finding] = issues if issues is not None else []
        self.domain = domain
        self.locator = locator if locator is not None else Locator()

    def path(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def label_zh(self, name: str) -> str:
        """The Chinese name of field ``name`` (its path when the locator knows no names)."""
        field = self.path(name)
        return self.locator.name_zh(field) if self.locator.name_zh is not None else field

    def add(self, code: str, name: str, value: object, message: str, message_zh: str, fix: str, fix_zh: str,
            *, severity: str = "error") -> Finding:
        """Record a finding about field ``name``; returns it."""
        found = self.locator.finding(code, self.path(name), value, message, message_zh, fix, fix_zh, severity=severity)
        self.issues.append(found)
        return found

    def _check(self, check: str, name: str, value: object, message: str, message_zh: str, fix: str,
               fix_zh: str) -> None:
        self.add(f"{self.domain}.input.{check}", name, value, message, message_zh, fix, fix_zh)

    def raw(self, name: str) -> Any:
        """The value as given; text NFKC-normalised and stripped, blank text None."""
        value = self.data.get(name)
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip()
            return value or None
        return value

    def required(self, name: str) -> Any:
        value = self.raw(name)
        if value is None:
            self._check("missing", name, None, "is required", "必须填写", f"fill in {name}", f"请填写{self.label_zh(name)}")
        return value

    def text(self, name: str, *, max_length: int, required: bool = True) -> str | None:
        value = self.required(name) if required else self.raw(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self._check("not_text", name, value, "must be text", "必须为文本", "send a string", "请填写文本")
            return None
        if len(value) > max_length:
            self._check("too_long", name, value, f"is longer than {max_length} characters",
                        f"超过 {max_length} 个字符", f"shorten it to {max_length} characters",
                        f"请缩短至 {max_length} 个字符以内")
            return None
        return value

    def integer(self, name: str) -> int | None:
        """A positive whole number (an id)."""
        value = self.required(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            self._check("not_integer", name, value, "must be a whole number", "必须为整数",
                        "send the id as a number", "请填写编号（整数）")
            return None
        try:
            number = int(value)
        except ValueError:
            self._check("not_integer", name, value, f"'{value}' is not a whole number",
                        f"'{value}' 不是整数", "send the id as a number", "请填写编号（整数）")
            return None
        if number < 1:
            self._check("not_integer", name, value, "must be a positive id", "必须为正整数编号",
                        "send an existing id", "请填写有效编号")
            return None
        return number

    def date(self, name: str, *, required: bool = True, earliest: dt.date = dt.date(2000, 1, 1),
             latest: dt.date = dt.date(2100, 12, 31)) -> dt.date | None:
        value = self.required(name) if required else self.raw(name)
        if value is None:
            return None
        if isinstance(value, dt.date):
            day: dt.date | None = value
        else:
            try:
                day = dt.date.fromisoformat(str(value))
            except ValueError:
                day = None
        if day is None:
            self._check("bad_date", name, value, f"'{value}' is not a date (YYYY-MM-DD)",
                        f"'{value}' 不是有效日期（YYYY-MM-DD）", "write the date as YYYY-MM-DD, e.g. 2023-05-01",
                        "请按 YYYY-MM-DD 填写，例如 2023-05-01")
            return None
        if not earliest <= day <= latest:
            self._check("date_out_of_range", name, value, f"must lie between {earliest} and {latest}",
                        f"须在 {earliest} 至 {latest} 之间", "check the year", "请检查年份")
            return None
        return day

    def flag(self, name: str, *, true: frozenset[str] = frozenset({"1", "true", "yes", "on", "是"}),
             false: frozenset[str] = frozenset({"", "0", "false", "no", "off", "否"})) -> bool:
        value = self.raw(name)
        if value is None or isinstance(value, bool):
            return bool(value)
        if str(value).casefold() in true:
            return True
        if str(value).casefold() in false:
            return False
        self._check("not_boolean", name, value, f"'{value}' is not yes/no", f"'{value}' 不是“是/否”",
                    "send true or false", "请填写 true 或 false")
        return False


def read_number(at: Locator, raw: object, column: str, issues: list[Finding], *, low: float = 0.0,
                high: float = math.inf, above_low: bool = False, example: str = "1200.5",
                blank: tuple[str, str] | None = None) -> float | None:
    """``raw`` (a number, or a text with thousands separators , or ，) as a number from ``low`` to ``high``
    (``above_low``: greater than ``low``); blank: None; else a finding at ``column`` (``at`` words it) in
    ``issues`` and None.

    The findings: ``not_a_number`` (a text that is no number, a boolean), ``out_of_range`` (outside the
    bounds, infinite or NaN; ``not_positive`` when it must only be greater than 0). ``example``: a number the
    fix shows; ``blank``: what leaving it empty means, in English and Chinese (``("no target", "不设目标")``),
    offered by the fix of a value out of range.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    unbounded = high == math.inf
    # the bounds in words: the range finding's message and fix, in English and Chinese
    if unbounded and above_low:
        must, must_zh = f"must be greater than {low:g}", f"必须大于 {low:g}"
        fix, fix_zh = f"write a number greater than {low:g}", f"请填写大于 {low:g} 的数字"
    elif unbounded:
        must, must_zh = f"must be {low:g} or more", f"必须不小于 {low:g}"
        fix, fix_zh = f"write a number of {low:g} or more", f"请填写不小于 {low:g} 的数字"
    elif above_low:
        must, must_zh = f"must be greater than {low:g} and at most {high:g}", f"须大于 {low:g} 且不大于 {high:g}"
        fix, fix_zh = (f"write a number greater than {low:g} and at most {high:g}",
                       f"请填写大于 {low:g} 且不大于 {high:g} 的数字")
    else:
        must, must_zh = f"must lie between {low:g} and {high:g}", f"须在 {low:g} 至 {high:g} 之间"
        fix, fix_zh = f"write a number between {low:g} and {high:g}", f"请填写 {low:g} 至 {high:g} 之间的数字"
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = float(str(raw).strip().replace(",", "").replace("，", ""))
    except ValueError:
        # with no upper bound the bound is short enough to say with the example
        issues.append(at.finding("not_a_number", column, raw, f"'{raw}' is not a number", f"“{raw}”不是数字",
                                 f"{fix if unbounded else 'write a number'}, e.g. {example}",
                                 f"{fix_zh if unbounded else '请填写数字'}，例如 {example}"))
        return None
    if not math.isfinite(value) or value < low or value > high or (above_low and value == low):
        if blank is not None:
            fix, fix_zh = f"{fix}, or leave it empty for {blank[0]}", f"{fix_zh}；{blank[1]}请留空"
        code = "not_positive" if unbounded and above_low and low == 0 else "out_of_range"
        issues.append(at.finding(code, column, raw, must, must_zh, fix, fix_zh))
        return None
    return value
