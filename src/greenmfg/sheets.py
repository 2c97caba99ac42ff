"""The one reader of a sheet of rows (.csv or .xlsx, first sheet) with a header row, its problems as located
findings (:mod:`greenmfg.findings`) in English and Chinese.

A domain declares its :class:`Column` s (a key, the Chinese header, whether it is required, help in both
languages and a few other spellings); :func:`read_sheet` finds them by any spelling in the header row and
returns the rows as text by key (:class:`Sheet`), and :class:`RowChecker` checks their cells (required,
numbers, units, periods), each problem a finding at its file, sheet, row, column and cell. Used by the
product footprint's products and upstream files and by the pathways' base-year, decomposition and measures files.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from greenmfg.accounting.template_spec import column_letter
from greenmfg.errors import Finding, InputError, UnitError
from greenmfg.findings import NUL_FIX, Locator, nul_line
from greenmfg.refdata.vocabulary import normalize_name
from greenmfg.units import parse_unit

if TYPE_CHECKING:
    from greenmfg.accounting.reader import InputFile

__all__ = ["Column", "RowChecker", "Sheet", "read_sheet"]

_PERIOD = re.compile(r"(\d{4})(?:-(0[1-9]|1[0-2]))?")


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a sheet: its key, its Chinese header, whether every row needs it, help in English and
    Chinese, and other spellings of its header."""

    key: str
    header_zh: str
    required: bool
    help_en: str
    help_zh: str
    aliases: tuple[str, ...] = ()


@dataclass
class Sheet:
    """Rows of one file as text by column key, with where they are."""

    name: str
    sheet: str
    headers: dict[str, str]        # key → header as written
    letters: dict[str, str]        # key → column letter
    rows: list[tuple[int, dict[str, str]]]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _rows_of(source: Path | InputFile) -> tuple[str, str, list[list[str]]]:
    """(file name, sheet name, rows of text) of a .csv or .xlsx file."""
    name = source.name
    try:
        data = Path(source).read_bytes() if isinstance(source, str | Path) else source.content
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}", f"无法读取 {name}：{exc.strerror}") from exc
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        from greenmfg.settings import Settings
        from greenmfg.workbooks import check_xlsx

        settings = Settings.from_env()
        check_xlsx(data, file=name, max_uncompressed_bytes=settings.max_xlsx_uncompressed_bytes,
                   max_rows=settings.max_xlsx_rows)
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise InputError(f"{name} is not a readable .xlsx workbook", f"{name} 不是可读取的 .xlsx 工作簿") from exc
        sheet = book.worksheets[0]
        rows = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        return name, sheet.title, rows
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name} is neither UTF-8 nor GB18030 text: {NUL_FIX[0]}",
                             f"{name} 不是 UTF-8 或 GB18030 编码的文本：{NUL_FIX[1]}") from exc
    line = nul_line(text)
    if line is not None:
        raise InputError(f"{name} line {line} has a NUL character (the file is not CSV text): {NUL_FIX[0]}",
                         f"{name} 第 {line} 行含有 NUL 字符（不是 CSV 文本）：{NUL_FIX[1]}")
    return name, "", [[_text(v) for v in row] for row in csv.reader(io.StringIO(text))]


def read_sheet(source: Path | InputFile, columns: tuple[Column, ...], what: tuple[str, str],
               issues: list[Finding], *, code_prefix: str) -> Sheet:
    """The rows of ``source`` (a path, or an upload's bytes) by column key; header problems are added to
    ``issues``.

    ``what``: the file's role in English and Chinese (``("products file", "产品文件")``); ``code_prefix``:
    the domain of the findings' codes (``footprint.input.``)."""
    name, sheet_name, rows = _rows_of(source)
    at = Locator(file=name, sheet=sheet_name, code_prefix=code_prefix)
    lookup: dict[str, str] = {}
    for column in columns:
        for spelling in (column.key, column.header_zh, *column.aliases):
            lookup.setdefault(normalize_name(spelling), column.key)
    header_index = next((i for i, row in enumerate(rows) if any(row)), None)
    if header_index is None:
        issues.append(at.finding("empty_file", "", "", f"the {what[0]} has no rows", f"{what[1]}没有数据",
                                 "add a header row and one row per line", "请填写表头行和数据行", row=None))
        return Sheet(name, sheet_name, {}, {}, [])
    headers: dict[str, str] = {}
    places: dict[str, int] = {}
    for index, header in enumerate(rows[header_index]):
        text = header.replace("（", "(").split("(")[0].strip() or header
        key = lookup.get(normalize_name(header)) or lookup.get(normalize_name(text))
        if key is None:
            continue
        if key in places:
            issues.append(at.finding("duplicate_column", key, header, f"two columns mean {key}",
                                     f"有两列都表示{_header_zh(columns, key)}", "delete one of them",
                                     "请删除其中一列", row=header_index + 1, header=header))
            continue
        headers[key] = header
        places[key] = index
    for column in columns:
        if column.required and column.key not in places:
            issues.append(at.finding("missing_column", column.key, "", f"the {what[0]} has no column {column.key} "
                                     f"({column.header_zh}): {column.help_en}",
                                     f"{what[1]}缺少“{column.header_zh}”列：{column.help_zh}",
                                     f"add a column headed {column.key} or {column.header_zh}",
                                     f"请增加表头为“{column.header_zh}”的列", row=header_index + 1))
    data_rows: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not any(row):
            continue
        data_rows.append((number, {k: (row[i] if i < len(row) else "") for k, i in places.items()}))
    return Sheet(name, sheet_name, headers, {k: column_letter(i + 1) for k, i in places.items()}, data_rows)


def _header_zh(columns: tuple[Column, ...], key: str) -> str:
    return next((c.header_zh for c in columns if c.key == key), key)


class RowChecker:
    """Checks the cells of one sheet's rows, adding located findings (codes after ``code_prefix``)."""

    def __init__(self, sheet: Sheet, columns: tuple[Column, ...], issues: list[Finding], *,
                 code_prefix: str) -> None:
        self.sheet = sheet
        self.columns = columns
        self.issues = issues
        self.at = Locator(file=sheet.name, sheet=sheet.sheet, code_prefix=code_prefix)

    def add(self, row: int, key: str, value: object, code: str, message: str, message_zh: str, fix: str,
            fix_zh: str, *, severity: str = "error") -> None:
        letter = self.sheet.letters.get(key, "")
        self.issues.append(self.at.finding(code, key, value, message, message_zh, fix, fix_zh, row=row,
                                           header=self.sheet.headers.get(key, ""),
                                           cell=f"{letter}{row}" if letter else "", severity=severity))

    def required(self, row: int, cells: dict[str, str], key: str) -> str | None:
        value = cells.get(key, "")
        if not value:
            if key in self.sheet.letters:
                zh = _header_zh(self.columns, key)
                self.add(row, key, "", "missing", f"{key} is empty", f"“{zh}”为空", f"fill in {key}", f"请填写“{zh}”")
            return None
        return value

    def number(self, row: int, cells: dict[str, str], key: str, *, positive: bool, required: bool = True,
               signed: bool = False) -> float | None:
        """The cell as a finite number (``signed``: any sign; else ≥ 0, or > 0 when ``positive``)."""
        value = self.required(row, cells, key) if required else (cells.get(key) or None)
        if value is None:
            return None
        zh = _header_zh(self.columns, key)
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self.add(row, key, value, "not_a_number", f"'{value}' is not a number", f"“{value}”不是数字",
                     f"write {key} as a number, e.g. 1200.5", f"请将“{zh}”填写为数字，如 1200.5")
            return None
        if not signed and (number < 0 or (positive and number == 0)):
            bound, bound_zh = ("greater than 0", "大于 0") if positive else ("0 or more", "不小于 0")
            self.add(row, key, value, "out_of_range", f"{key} must be {bound}", f"“{zh}”必须{bound_zh}",
                     f"write {key} as a number {bound}", f"请填写{bound_zh}的数字")
            return None
        return number

    def unit(self, row: int, cells: dict[str, str], key: str, *, required: bool = True) -> str | None:
        value = self.required(row, cells, key) if required else (cells.get(key) or None)
        if value is None:
            return None
        try:
            parse_unit(value)
        except UnitError:
            zh = _header_zh(self.columns, key)
            self.add(row, key, value, "unknown_unit", f"'{value}' is not a unit greenmfg knows",
                     f"无法识别单位“{value}”", "write a unit such as t, kg, 10^4 Nm3, tCO2e/t",
                     f"请在“{zh}”填写 t、kg、万立方米、tCO2e/t 等单位")
            return None
        return value

    def period(self, row: int, cells: dict[str, str]) -> str | None:
        value = self.required(row, cells, "period")
        if value is None:
            return None
        text = value.replace("/", "-").replace(".", "-")
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if match:
            text = f"{match.group(1)}-{int(match.group(2)):02d}"
        if not _PERIOD.fullmatch(text):
            self.add(row, "period", value, "bad_period", f"'{value}' is not a period (YYYY or YYYY-MM)",
                     f"“{value}”不是有效期间（YYYY 或 YYYY-MM）", "write the period as 2024 or 2024-03",
                     "请按 2024 或 2024-03 的格式填写期间")
            return None
        return text

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        return iter(self.sheet.rows)
