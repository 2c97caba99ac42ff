"""The xlsx template for offline input, and reading a filled one back into an input document.

Sheet ``evaluation`` holds ``framework``, ``title``, ``year`` and ``product`` (column A names,
column B values); sheet ``items`` one row per basic requirement and indicator with the columns of
:data:`COLUMNS`. Reading is all-or-nothing: every problem is reported with its sheet, row and
column, and scoring problems found later are located the same way (:func:`locate`).
"""

from __future__ import annotations

import io
import re
from typing import Any

from greenmfg.errors import InputError, Issue, ValidationFailed
from greenmfg.exports import append_row
from greenmfg.findings import Locator
from greenmfg.greenfactory.frameworks import FRAMEWORKS, load_framework

__all__ = ["COLUMNS", "locate", "read_workbook", "template"]

#: input columns of sheet ``items`` (the first five are descriptive and ignored on reading)
COLUMNS = ("key", "kind", "name_zh", "name_en", "max_points", "answer", "points", "value", "unit", "benchmark",
           "leading", "reference_source", "evidence", "override_reason")
INPUT_COLUMNS = COLUMNS[5:]
META = ("framework", "title", "year", "product")


def template(framework_id: str) -> bytes:
    """An empty workbook for a framework, one row per basic requirement and indicator."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    framework = load_framework(framework_id)
    book = Workbook()
    meta = book.active
    assert meta is not None
    meta.title = "evaluation"
    for name, value in (("framework", framework.id), ("title", ""), ("year", ""), ("product", "")):
        append_row(meta, [name, value])
    items = book.create_sheet("items")
    append_row(items, list(COLUMNS))
    for cell in items[1]:
        cell.font = Font(bold=True)
    for item in [*framework.vetoes, *framework.indicators]:
        append_row(items, [item.key, item.kind, item.name_zh, item.name_en, item.value if item.kind != "veto" else "",
                      "", "", "", item.unit if item.kind == "performance" else "", "", "", "", "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_workbook(content: bytes, *, file: str = "") -> tuple[dict[str, Any], list[int]]:
    """The input document of a filled template and the sheet row of each of its items.

    Framework benchmark and leading values are not prefilled: blank cells use the framework's
    (where it has them); a value typed there counts as entered and needs ``reference_source``.

    Raises
    ------
    InputError
        Not a readable xlsx file.
    ValidationFailed
        Missing sheets or columns, an unknown framework (located issues).
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise InputError(f"{file or 'upload'}: not a readable .xlsx workbook ({type(exc).__name__}) / 不是可读取的 xlsx 文件") from None
    issues: list[Issue] = []
    book_at = Locator(file=file, code_prefix="greenfactory.workbook.", value_limit=None)
    for sheet in ("evaluation", "items"):
        if sheet not in book.sheetnames:
            issues.append(book_at.finding("invalid", "", "", f"sheet '{sheet}' is missing", f"缺少工作表“{sheet}”",
                                          "start from the downloaded template", "请使用下载的模板填写", sheet=sheet))
    if issues:
        raise ValidationFailed(issues, len(issues))
    document: dict[str, Any] = {}
    for row in book["evaluation"].iter_rows(values_only=True):
        if row and row[0] in META and len(row) > 1 and row[1] not in (None, ""):
            document[str(row[0])] = row[1]
    if document.get("framework") not in FRAMEWORKS:
        issues.append(book_at.finding("invalid", "B", document.get("framework"),
                                      f"unknown framework '{document.get('framework')}'", f"未知评价框架“{document.get('framework')}”",
                                      f"use one of {', '.join(FRAMEWORKS)}", f"可选：{'、'.join(FRAMEWORKS)}",
                                      sheet="evaluation"))
    if isinstance(document.get("year"), float) and document["year"].is_integer():
        document["year"] = int(document["year"])
    rows = list(book["items"].iter_rows(values_only=True))
    header = [str(c).strip() if c is not None else "" for c in (rows[0] if rows else ())]
    missing = [c for c in ("key", *INPUT_COLUMNS) if c not in header]
    if missing:
        issues.append(book_at.finding("invalid", ", ".join(missing), "", f"columns missing: {', '.join(missing)}",
                                      f"缺少列：{'、'.join(missing)}", "start from the downloaded template",
                                      "请使用下载的模板填写", sheet="items", row=1))
    if issues:
        raise ValidationFailed(issues, len(issues))
    items: list[dict[str, Any]] = []
    row_of: list[int] = []
    filled = ("answer", "points", "value", "benchmark", "leading", "reference_source", "evidence", "override_reason")
    for number, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, row, strict=False))
        if cells.get("key") in (None, ""):
            continue
        entry = {c: cells[c] for c in INPUT_COLUMNS if cells.get(c) not in (None, "")}
        # a row nobody filled is left out (its prefilled unit aside); basic requirements stay, so a
        # missing answer is reported at its row
        if cells.get("kind") != "veto" and not any(c in entry for c in filled):
            continue
        entry["key"] = str(cells["key"]).strip()
        items.append(entry)
        row_of.append(number)
    document["items"] = items
    return document, row_of


_ITEM = re.compile(r"^items\[(\d+)\]\.?(.*)$")


def locate(error: ValidationFailed, rows: list[int], *, file: str = "") -> ValidationFailed:
    """Re-locate ``items[i].field`` issues at sheet ``items``, the row of item ``i``, column ``field``."""
    located = []
    for issue in error.issues:
        match = _ITEM.match(issue.column)
        if match and int(match.group(1)) < len(rows):
            located.append(Issue(code=issue.code, message=issue.message, fix=issue.fix, message_zh=issue.message_zh,
                                 fix_zh=issue.fix_zh, file=file, sheet="items", row=rows[int(match.group(1))],
                                 column=match.group(2) or "key", value=issue.value))
        else:
            located.append(Issue(code=issue.code, message=issue.message, fix=issue.fix, message_zh=issue.message_zh,
                                 fix_zh=issue.fix_zh, file=file, sheet="items" if issue.column.startswith("items") else "evaluation",
                                 column=issue.column, value=issue.value))
    return ValidationFailed(located, error.total)
