"""The xlsx template for offline input, and reading a filled one back into an input document.

The first sheet (named in words: "Evaluation", 评价信息; :data:`SHEETS`) holds ``framework``, ``title``,
``year`` and ``product`` (column A names them in words, column B holds the values); the second
("Requirements and indicators", 基本要求与指标) one row per basic requirement and indicator with the
columns of :data:`COLUMNS`, headed in words. The reader finds each sheet by its name in either language
or by its key (``evaluation``, ``items``: templates made before). Each label and column keeps its key as a
defined name (:func:`greenmfg.exports.header_row`), so the reader finds them wherever a user moved
them; a workbook headed by the keys (templates made before) or by the words is read too. Reading is all-or-nothing: every problem is reported with its sheet, row and
column, and scoring problems found later are located the same way (:func:`locate`).
"""

from __future__ import annotations

import functools
import io
import re
from typing import Any

from greenmfg.errors import InputError, Issue, ValidationFailed
from greenmfg.exports import (
    append_row,
    column_words,
    export_translator,
    header_row,
    keyed_cells,
    name_cell,
    sheet_title,
)
from greenmfg.findings import Locator
from greenmfg.greenfactory.frameworks import FRAMEWORKS, load_framework
from greenmfg.i18n import N_, Translator
from greenmfg.refdata.vocabulary import normalize_name

__all__ = ["COLUMNS", "SHEETS", "ItemRows", "locate", "read_workbook", "template"]

#: input columns of sheet ``items`` (the first five are descriptive and ignored on reading)
COLUMNS = ("key", "kind", "name_zh", "name_en", "max_points", "answer", "points", "value", "unit", "benchmark",
           "leading", "reference_source", "evidence", "override_reason")
INPUT_COLUMNS = COLUMNS[5:]
META = ("framework", "title", "year", "product")
#: the words of the template's columns that differ from :data:`greenmfg.exports.COLUMN_WORDS`
WORDS = {"key": N_("Indicator code"), "benchmark": N_("Reference value of the framework")}
#: the template's sheets by key → their names (English message ids, in Chinese in ``greenfactory.po``)
SHEETS = {"evaluation": N_("Evaluation"), "items": N_("Requirements and indicators")}


class ItemRows(list[int]):
    """The sheet row of each item of a read workbook, and the names its sheets have in it (by key:
    ``evaluation``, ``items``), which :func:`locate` names in the issues it locates."""

    def __init__(self, rows: list[int] | None = None, *, titles: dict[str, str] | None = None) -> None:
        super().__init__(rows or [])
        self.titles = dict(titles or {})


@functools.cache
def _sheet_names() -> dict[str, str]:
    """Every name a template's sheet may have (its key, its words in Chinese and English) → its key."""
    from greenmfg.i18n import load_catalogs

    catalogs = load_catalogs()
    names = {normalize_name(key): key for key in SHEETS}
    for locale in ("en", "zh-CN"):
        names.update({normalize_name(sheet_title(message, catalogs.translator(locale))): key
                      for key, message in SHEETS.items()})
    return names


def template(framework_id: str, *, translator: Translator | None = None) -> bytes:
    """An empty workbook for a framework, one row per basic requirement and indicator; labels and
    column headers in the language of ``translator`` (Chinese by default)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    words = export_translator(translator)
    framework = load_framework(framework_id)
    book = Workbook()
    meta = book.active
    assert meta is not None
    meta.title = sheet_title(SHEETS["evaluation"], words)
    for row, ((key, label), value) in enumerate(zip(column_words(META, words), (framework.id, "", "", ""),
                                                     strict=True), start=1):
        append_row(meta, [label, value])
        name_cell(meta, key, row, 1)
    items = book.create_sheet(sheet_title(SHEETS["items"], words))
    header_row(items, column_words(COLUMNS, words, words=WORDS))
    for cell in items[1]:
        cell.font = Font(bold=True)
    for item in [*framework.vetoes, *framework.indicators]:
        append_row(items, [item.key, item.kind, item.name_zh, item.name_en, item.value if item.kind != "veto" else "",
                      "", "", "", item.unit if item.kind == "performance" else "", "", "", "", "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_workbook(content: bytes, *, file: str = "") -> tuple[dict[str, Any], ItemRows]:
    """The input document of a filled template and the sheet row of each of its items (with the names of
    the workbook's sheets: :class:`ItemRows`).

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
    titles: dict[str, str] = {}
    for name in book.sheetnames:
        key = _sheet_names().get(normalize_name(name))
        if key is not None:
            titles.setdefault(key, name)
    if set(titles) != set(SHEETS):
        from greenmfg.i18n import load_catalogs

        catalogs = load_catalogs()
        for key, message in SHEETS.items():
            if key not in titles:
                en, zh = sheet_title(message, catalogs.translator("en")), sheet_title(message, catalogs.translator("zh-CN"))
                issues.append(book_at.finding("invalid", "", "", f"sheet '{en}' is missing", f"缺少工作表“{zh}”",
                                              "start from the downloaded template", "请使用下载的模板填写", sheet=zh))
    if issues:
        raise ValidationFailed(issues, len(issues))
    evaluation, items_sheet = book[titles["evaluation"]], book[titles["items"]]
    document: dict[str, Any] = {}
    labels = {row: key for key, (row, column) in keyed_cells(evaluation).items() if key in META and column == 1}
    for number, row in enumerate(evaluation.iter_rows(values_only=True), start=1):
        key = labels.get(number) or (_key_of(row[0], META) if row else None)
        if key is not None and len(row) > 1 and row[1] not in (None, ""):
            document[key] = row[1]
    if document.get("framework") not in FRAMEWORKS:
        issues.append(book_at.finding("invalid", "B", document.get("framework"),
                                      f"unknown framework '{document.get('framework')}'", f"未知评价框架“{document.get('framework')}”",
                                      f"use one of {', '.join(FRAMEWORKS)}", f"可选：{'、'.join(FRAMEWORKS)}",
                                      sheet=titles["evaluation"]))
    if isinstance(document.get("year"), float) and document["year"].is_integer():
        document["year"] = int(document["year"])
    rows = list(items_sheet.iter_rows(values_only=True))
    named = {column: key for key, (row, column) in keyed_cells(items_sheet).items() if row == 1}
    header = [named.get(index) or _key_of(c, COLUMNS) or (str(c).strip() if c is not None else "")
              for index, c in enumerate(rows[0] if rows else (), start=1)]
    missing = [c for c in ("key", *INPUT_COLUMNS) if c not in header]
    if missing:
        issues.append(book_at.finding("invalid", ", ".join(missing), "", f"columns missing: {', '.join(missing)}",
                                      f"缺少列：{'、'.join(missing)}", "start from the downloaded template",
                                      "请使用下载的模板填写", sheet=titles["items"], row=1))
    if issues:
        raise ValidationFailed(issues, len(issues))
    items: list[dict[str, Any]] = []
    row_of = ItemRows(titles=titles)
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


@functools.cache
def _names(keys: tuple[str, ...]) -> dict[str, str]:
    """Every way a label or column may be written → its key: the key, its words in Chinese and English."""
    from greenmfg.i18n import load_catalogs

    catalogs = load_catalogs()
    names = {}
    for locale in ("en", "zh-CN"):
        for key, text in column_words(keys, catalogs.translator(locale), words=WORDS):
            names[normalize_name(text)] = key
    names.update({normalize_name(key): key for key in keys})
    return names


def _key_of(cell: object, keys: tuple[str, ...]) -> str | None:
    """The key a label or header cell names (its key, or its words in either language), or None."""
    if cell is None or not str(cell).strip():
        return None
    return _names(keys).get(normalize_name(str(cell)))


_ITEM = re.compile(r"^items\[(\d+)\]\.?(.*)$")


def locate(error: ValidationFailed, rows: list[int], *, file: str = "") -> ValidationFailed:
    """Re-locate ``items[i].field`` issues at the items sheet (by its name in the workbook read, when
    ``rows`` are :class:`ItemRows`), the row of item ``i``, column ``field``."""
    titles = {"evaluation": "evaluation", "items": "items", **getattr(rows, "titles", {})}
    located = []
    for issue in error.issues:
        match = _ITEM.match(issue.column)
        if match and int(match.group(1)) < len(rows):
            located.append(Issue(code=issue.code, message=issue.message, fix=issue.fix, message_zh=issue.message_zh,
                                 fix_zh=issue.fix_zh, file=file, sheet=titles["items"], row=rows[int(match.group(1))],
                                 column=match.group(2) or "key", value=issue.value))
        else:
            located.append(Issue(code=issue.code, message=issue.message, fix=issue.fix, message_zh=issue.message_zh,
                                 fix_zh=issue.fix_zh, file=file, sheet=titles["items" if issue.column.startswith("items") else "evaluation"],
                                 column=issue.column, value=issue.value))
    return ValidationFailed(located, error.total)
