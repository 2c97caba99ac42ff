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

Column headers speak the reader's language (issue #15): :func:`header_row` writes each column's words
(:func:`column_words`, from :data:`COLUMN_WORDS` through the i18n catalogs, ``exports.po``) and keeps
its key as a defined name of the sheet, ``greenmfg.<key>``, naming the header cell. A person reads
words; a program finds a column by its key with :func:`keyed_cells`, wherever a user moved it (Excel,
WPS and LibreOffice move a defined name with its cell). The platform's importers read a workbook it
exported that way, and still accept one headed by keys (exported before) or by the words.

Cells speak it too (issue #15: words, not codes): :func:`worded` names each coded value of a row by its
column's key — a product, indicator, industry or item by the reference library
(:func:`greenmfg.refdata.words.key_name`), a unit, a verification status, a province, a dataset by its
title, a code a domain labels (a benchmark class, a flow) by the caller's label table, and the codes inside
a text (a note, a message) by :func:`greenmfg.refdata.words.in_words`. Identifier columns
(:data:`IDENTIFIER_COLUMNS`: an enterprise's or a facility's code, a finding code, a cited value's id) keep
their codes, which is what a person or a program looks them up by.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TextIO

from greenmfg.i18n import N_

if TYPE_CHECKING:  # openpyxl is imported only by the outputs that need it
    from openpyxl.cell.cell import Cell

    from greenmfg.i18n import Translator

__all__ = ["COLUMN_WORDS", "FORMULA_PREFIXES", "IDENTIFIER_COLUMNS", "KEY_PREFIX", "SafeCsvWriter", "append_row",
           "column_words", "csv_text", "csv_writer", "export_translator", "formula_like", "header_row", "keyed_cells",
           "name_cell", "safe_cells", "text_cell", "worded"]

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


# --- column headers in words, keys kept as defined names ------------------------------------------

#: the prefix of the defined name that keeps a column's key (``greenmfg.rated_power_kw``): a name of the
#: sheet (``localSheetId``) that no formula uses and that cannot read as a cell reference
KEY_PREFIX = "greenmfg."
_KEY = re.compile(r"[a-z][a-z0-9_]*")

#: column key → English message id of its words (Chinese in ``i18n/locale/zh_CN/LC_MESSAGES/exports.po``):
#: the columns of every workbook the platform and the command line write
COLUMN_WORDS: Mapping[str, str] = MappingProxyType({
    # who and when
    "enterprise_id": N_("Enterprise code"), "enterprise_code": N_("Enterprise code"),
    "enterprise_name": N_("Enterprise name"), "industry": N_("Industry"), "region": N_("Located in"),
    "city": N_("City"), "province": N_("Province"), "facility_id": N_("Facility code"),
    "facility_code": N_("Facility code"), "period": N_("Period"), "year": N_("Year"),
    # what was produced and how it compares
    "product": N_("Product"), "output": N_("Output"), "output_unit": N_("Output unit"), "indicator": N_("Indicator"),
    "indicator_name_zh": N_("Indicator (Chinese)"), "indicator_name": N_("Indicator (English)"),
    "variant_zh": N_("Indicator variant (Chinese)"), "variant_en": N_("Indicator variant (English)"),
    "selection": N_("Why this indicator"), "value": N_("Value"), "unit": N_("Unit"), "edition": N_("Edition"),
    "benchmark_level": N_("Benchmark level"), "baseline_level": N_("Baseline level"),
    "class": N_("Benchmark class"), "results": N_("Number of results"), "classified": N_("Results classified"),
    "benchmark": N_("Results at the benchmark level"), "between": N_("Results between the levels"),
    "below_baseline": N_("Results below the baseline level"), "not_classified": N_("Results not classified"),
    "grade_1": N_("Results at quota grade 1"), "grade_2": N_("Results at quota grade 2"),
    "grade_3": N_("Results at quota grade 3"), "grade_fails": N_("Results failing the quota"),
    "gap_to_benchmark": N_("Gap to the benchmark level"), "gap_to_baseline": N_("Gap to the baseline level"),
    "savings_to_benchmark_tce": N_("Energy saving to the benchmark level (tce)"),
    "savings_to_baseline_tce": N_("Energy saving to the baseline level (tce)"),
    "savings_to_benchmark_tco2": N_("Emission cut to the benchmark level (tCO2)"),
    "savings_to_baseline_tco2": N_("Emission cut to the baseline level (tCO2)"),
    "quota_standard": N_("Energy quota standard"), "quota_grade": N_("Quota grade"),
    "quota_grade_1": N_("Quota grade 1 limit"), "quota_grade_2": N_("Quota grade 2 limit"),
    "quota_grade_3": N_("Quota grade 3 limit"), "boundary": N_("Boundary"), "boundary_en": N_("Boundary (English)"),
    "warnings": N_("Number of warnings"), "notes_zh": N_("Notes (Chinese)"), "notes": N_("Notes (English)"),
    "unverified_zh": N_("Unverified values (Chinese)"), "unverified": N_("Unverified values (English)"),
    "unverified_refs": N_("Unverified reference values"), "crude_steel_t": N_("Crude steel (t)"),
    "process_ratios": N_("Process units × ratios"), "other": N_("Energy outside the process units"),
    "pooled_periods": N_("Periods pooled"),
    # groups of the regional view
    "count_benchmark": N_("Plants at the benchmark level"), "count_between": N_("Plants between the levels"),
    "count_below_baseline": N_("Plants below the baseline level"), "count_not_classified": N_("Plants not classified"),
    "count_no_indicator": N_("Plants without an indicator"),
    "output_benchmark": N_("Output at the benchmark level"), "output_between": N_("Output between the levels"),
    "output_below_baseline": N_("Output below the baseline level"), "output_not_classified": N_("Output not classified"),
    "output_no_indicator": N_("Output without an indicator"),
    "share_benchmark": N_("Share of output at the benchmark level"), "share_between": N_("Share of output between the levels"),
    "share_below_baseline": N_("Share of output below the baseline level"),
    "share_not_classified": N_("Share of output not classified"), "share_no_indicator": N_("Share of output without an indicator"),
    "group": N_("Group"), "deadline": N_("Deadline"), "deadline_rule_zh": N_("Deadline rule (Chinese)"),
    "deadline_source": N_("Deadline source"), "deadline_verification_status": N_("Deadline verification status"),
    "area_zh": N_("Field (Chinese)"), "area_en": N_("Field (English)"), "introduced": N_("Introduced"),
    "rule": N_("Rule (English)"), "rule_zh": N_("Rule (Chinese)"),
    # reference values and definitions
    "ref": N_("Reference value"), "name": N_("Name"), "name_zh": N_("Name (Chinese)"), "name_en": N_("Name (English)"),
    "verification_status": N_("Verification status"), "source": N_("Source"), "basis": N_("Basis"),
    "when": N_("Applies when"), "default": N_("Default"), "benchmark_key": N_("Benchmark level code"),
    "quota_dataset": N_("Quota dataset"), "quota_key": N_("Quota code"), "corrections": N_("Corrections"),
    "key": N_("Code"),
    # findings
    "code": N_("Finding code"), "message": N_("Message (English)"), "message_zh": N_("Message (Chinese)"),
    # accounting results and derivation lines
    "energy_tce": N_("Energy consumption (tce)"), "total_tco2e": N_("Total emissions (tCO2e)"),
    "scope1_tco2e": N_("Scope 1 emissions (tCO2e)"), "scope2_tco2e": N_("Scope 2 emissions (tCO2e)"),
    "combustion_tco2e": N_("Fuel combustion emissions (tCO2e)"), "process_tco2e": N_("Process emissions (tCO2e)"),
    "purchased_electricity_tco2e": N_("Purchased electricity emissions (tCO2e)"),
    "purchased_heat_tco2e": N_("Purchased heat emissions (tCO2e)"),
    "exported_tco2e": N_("Exported electricity and heat (tCO2e)"), "grid_factor_year": N_("Grid factor year"),
    "methodology": N_("Methodology"), "quantity": N_("Quantity"), "energy_intensity": N_("Energy intensity"),
    "energy_intensity_unit": N_("Energy intensity unit"), "emission_intensity": N_("Emission intensity"),
    "emission_intensity_unit": N_("Emission intensity unit"), "file": N_("File"), "row": N_("Row"),
    "item": N_("Item"), "item_name_zh": N_("Item (Chinese)"), "flow": N_("Flow"),
    "quantity_input": N_("Quantity as entered"), "unit_input": N_("Unit as entered"),
    "category": N_("Emission category"), "co2e_t": N_("Emissions (tCO2e)"), "parameters": N_("Parameters"),
    "missing": N_("Missing values"), "heating_values": N_("Heating values"),
    # green-manufacturing evaluation
    "kind": N_("Kind"), "max_points": N_("Maximum points"), "answer": N_("Met (yes/no)"), "points": N_("Points"),
    "leading": N_("Leading value"), "reference": N_("Reference value of the framework"),
    "reference_source": N_("Source of the reference and leading values"), "value_source": N_("Source of the value"),
    "evidence": N_("Evidence"), "override_reason": N_("Reason for changing the points"),
    "recoverable": N_("Points recoverable"), "framework": N_("Framework"), "title": N_("Title"),
})


def export_translator(translator: Translator | None = None, *, locale: str = "zh-CN") -> Translator:
    """``translator``, else the platform's catalogs in ``locale`` (a workbook written without a request:
    the command line, a service): Chinese unless asked otherwise."""
    if translator is not None:
        return translator
    from greenmfg.i18n import load_catalogs

    return load_catalogs().translator(locale)


def column_words(keys: Iterable[str], translator: Translator, *, words: Mapping[str, str] | None = None
                 ) -> list[tuple[str, str]]:
    """(key, words) of each column, in the translator's language.

    ``words`` gives a sheet's own English message ids (``{"key": N_("Indicator code")}``), looked up
    before :data:`COLUMN_WORDS`; a key named by neither is named by the reference library
    (:func:`greenmfg.refdata.words.key_name`), else kept (the zh-text test then finds it).
    """
    from greenmfg.refdata.words import key_name

    zh = translator.locale.startswith("zh")
    out = []
    for key in keys:
        message = (words or {}).get(key) or COLUMN_WORDS.get(key)
        out.append((key, translator.gettext(message) if message else key_name(key, zh=zh)))
    return out


def name_cell(sheet: Any, key: str, row: int, column: int) -> None:
    """Keep ``key`` as the defined name ``greenmfg.<key>`` of ``sheet`` for the cell at ``row``, ``column``
    (1-based): the machine-readable name of a column's header or a labelled value."""
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.workbook.defined_name import DefinedName

    if not _KEY.fullmatch(key):
        raise ValueError(f"a column key is lower-case snake_case, not {key!r}")
    name = KEY_PREFIX + key
    reference = f"{quote_sheetname(sheet.title)}!${get_column_letter(column)}${row}"
    sheet.defined_names[name] = DefinedName(name, attr_text=reference)


def header_row(sheet: Any, columns: Sequence[tuple[str, str]]) -> None:
    """Write the first row of ``sheet`` (write-only or not): each column's words, its key kept by
    :func:`name_cell`. ``columns``: (key, words), as :func:`column_words` gives them."""
    append_row(sheet, [words for _key, words in columns])
    for index, (key, _words) in enumerate(columns, start=1):
        name_cell(sheet, key, 1, index)


def keyed_cells(sheet: Any) -> dict[str, tuple[int, int]]:
    """The keys a sheet keeps as defined names (:func:`name_cell`) → their cell (row, column), 1-based.

    A name whose cell was deleted (``#REF!``) or that is not one of ours is left out."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    from openpyxl.utils.exceptions import CellCoordinatesException

    found: dict[str, tuple[int, int]] = {}
    for name, defined in getattr(sheet, "defined_names", {}).items():
        key = name.removeprefix(KEY_PREFIX)
        if name == key or not _KEY.fullmatch(key):
            continue
        _sheet, _bang, reference = str(defined.attr_text).rpartition("!")
        try:
            letters, row = coordinate_from_string(reference.replace("$", ""))
            found[key] = (row, column_index_from_string(letters))
        except (ValueError, CellCoordinatesException):
            continue
    return found


# --- cells in words ---------------------------------------------------------------------------------

#: columns whose values are identifiers, written as they are: what a person or a program looks a row up by
#: (an enterprise's or a facility's own code, a period, a file and row, a finding code, the id of a cited
#: value or of a reference-library row, a standard's number, an edition)
IDENTIFIER_COLUMNS = frozenset({
    "enterprise_id", "enterprise_code", "facility_id", "facility_code", "period", "year", "file", "row", "code",
    "key", "ref", "benchmark_key", "quota_key", "edition", "quota_standard", "enterprise_name",
    "unit_input", "quantity_input", "title", "evidence", "source", "deadline_source", "reference_source",
    "value_source", "deadline",
})
#: columns naming a key of the reference library (an item, a product, an indicator, an industry, a process)
_KEY_COLUMNS = frozenset({"product", "indicator", "industry", "item", "process"})
_UNIT_COLUMNS = frozenset({"unit", "output_unit", "energy_intensity_unit", "emission_intensity_unit"})
_STATUS_COLUMNS = frozenset({"verification_status", "deadline_verification_status"})
_PLACE_COLUMNS = frozenset({"region", "province"})
_DATASET_COLUMNS = frozenset({"quota_dataset", "dataset", "framework"})
#: text columns in English whatever the workbook's language (their Chinese twin ends in ``_zh``)
_ENGLISH_COLUMNS = frozenset({"notes", "message", "unverified", "boundary_en", "rule", "area_en", "name_en",
                              "variant_en", "indicator_name"})


def worded(keys: Sequence[str], values: Iterable[Any], translator: Translator, *,
           labels: Mapping[str, Mapping[str, str]] | None = None) -> list[Any]:
    """The cells of one row with each coded value named in words of ``translator``'s language.

    ``keys``: the columns' keys (as :func:`column_words` takes them), one per value. ``labels``: the
    caller's label tables by column key (code → English message id, translated here), looked up first:
    ``{"class": CLASS_LABELS, "flow": FLOW_LABELS}``. Numbers, dates and empty cells are unchanged, and
    so are the values of :data:`IDENTIFIER_COLUMNS`; a code nothing names is kept (a check then finds it).
    """
    from greenmfg.refdata.words import (
        dataset_name,
        in_words,
        key_name,
        place_name,
        status_name,
        unit_name,
    )

    zh = translator.locale.startswith("zh")
    out = []
    for key, value in zip(keys, values, strict=True):
        table = (labels or {}).get(key)
        if not isinstance(value, str) or not value:
            out.append(value)
        elif table is not None and value in table:
            out.append(translator.gettext(table[value]))
        elif key in IDENTIFIER_COLUMNS:
            out.append(value)
        elif key in _KEY_COLUMNS:
            out.append(key_name(value, zh=zh))
        elif key in _UNIT_COLUMNS:
            out.append(unit_name(value, zh=zh))
        elif key in _STATUS_COLUMNS:
            out.append(status_name(value, zh=zh))
        elif key in _PLACE_COLUMNS and value.isdigit():
            out.append(place_name(value, zh=zh))
        elif key == "city":
            out.append(place_name(None, value, zh=zh))
        elif key in _DATASET_COLUMNS and "/" in value:
            out.append(dataset_name(value, zh=zh))
        else:
            out.append(in_words(value, zh=True if key.endswith("_zh") else False if key in _ENGLISH_COLUMNS else zh))
    return out
