"""The one way greenmfg writes spreadsheet cells: text stays text, never a live formula.

Every .xlsx and .csv export goes through this module (reading limits live in
:mod:`greenmfg.workbooks`). A facility named ``=HYPERLINK("http://x","y")`` must reach a
regulator's workbook as the characters it is, not as a formula Excel evaluates (CSV/formula
injection, OWASP). The rules:

* .xlsx: a text value starting with one of :data:`FORMULA_PREFIXES` (``= + - @`` tab, CR) is
  written as a string cell (``data_type`` ``s``: no ``<f>`` element) with the cell style's
  *quote prefix* set, so Excel shows it as text and does not turn it into a formula when the cell
  is edited. Other text is written as text anyway (openpyxl only makes ``=…`` a formula).
* .csv: such a text value gets a leading single quote (``'=HYPERLINK(…)``), as OWASP recommends,
  since a CSV file has no cell types. A text that is a plain number (``-5``, ``+1.5e3``) is left
  alone: it cannot run anything.
* Numbers, dates, booleans and empty cells are never changed: a negative number stays a number.

Identifiers that start like a formula are also refused at import (:func:`formula_like`, used by the
activity reader and the equipment register), so this module is the second line of defence.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # openpyxl is imported only by the outputs that need it
    from openpyxl.cell.cell import Cell

__all__ = ["FORMULA_PREFIXES", "SafeCsvWriter", "append_row", "csv_text", "csv_writer", "formula_like",
           "safe_cells", "text_cell"]

#: first characters that make a spreadsheet treat a text as a formula (OWASP CSV injection)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def formula_like(value: object) -> bool:
    """Whether ``value`` is a text a spreadsheet could run as a formula (numbers never are)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value)


def csv_text(value: Any) -> Any:
    """``value`` for a CSV cell: a formula-like text gets a leading ``'``; anything else unchanged."""
    return "'" + value if formula_like(value) else value


class SafeCsvWriter:
    """:func:`csv.writer` whose rows go through :func:`csv_text`."""

    def __init__(self, handle: TextIO, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_text(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: TextIO, **options: Any) -> SafeCsvWriter:
    """The CSV writer of every CSV export (options as :func:`csv.writer`)."""
    return SafeCsvWriter(handle, **options)


def text_cell(sheet: Any, value: str) -> Cell:
    """A cell of ``sheet`` (write-only or not) holding ``value`` as text, never as a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"  # openpyxl made "=…" a formula ("f"); the XML gets an inline string instead
    cell.quotePrefix = True  # Excel keeps it text when the cell is edited
    return cell


def safe_cells(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """``values`` with each text that starts like a formula made a :func:`text_cell`."""
    return [text_cell(sheet, v) if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v for v in values]


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """Append one row to an openpyxl worksheet (write-only or not) with :func:`safe_cells`."""
    sheet.append(safe_cells(sheet, values))
