"""The one export helper (issue #13.5): text that starts like a formula stays text in .xlsx and .csv;
numbers stay numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from greenmfg.accounting import screening, validation
from greenmfg.accounting.output import write_xlsx
from greenmfg.accounting.service import account
from greenmfg.exports import (
    append_row,
    column_words,
    csv_text,
    csv_writer,
    formula_like,
    header_row,
    keyed_cells,
)
from greenmfg.i18n import load_catalogs

from .conftest import WriteRows
from .test_formula_cells import HYPERLINK, assert_text_only


@pytest.mark.parametrize("text", [HYPERLINK, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "=", "-", "+cmd|' /C calc'!A0"])
def test_formula_like_texts(text: str) -> None:
    assert formula_like(text) and csv_text(text) == "'" + text


@pytest.mark.parametrize("value", ["-5", "+1.5e3", "-.5", "F-1", "电力", "", None, -5, -1.5, 0, True])
def test_numbers_and_plain_text_are_unchanged(value: Any) -> None:
    assert not formula_like(value) and csv_text(value) == value


def test_csv_writer_neutralises_text_only() -> None:
    out = io.StringIO()
    csv_writer(out, lineterminator="\n").writerows([[HYPERLINK, -5, "-5", "@x", 1.5]])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'" + HYPERLINK, "-5", "-5", "'@x", "1.5"]


@pytest.mark.parametrize("write_only", [True, False])
def test_append_row_keeps_numbers_and_makes_formula_text_a_string(write_only: bool) -> None:
    book = openpyxl.Workbook(write_only=write_only)
    sheet = book.create_sheet("s")
    append_row(sheet, [HYPERLINK, -5, "-x", 2.5, None])
    buffer = io.BytesIO()
    book.save(buffer)
    assert_text_only(buffer.getvalue(), "s")
    row = next(openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["s"].iter_rows())
    assert [(c.value, c.data_type) for c in row[:4]] == [(HYPERLINK, "s"), (-5, "n"), ("-x", "s"), (2.5, "n")]
    assert row[0].quotePrefix and not row[1].quotePrefix


def test_accounting_xlsx_writes_a_planted_facility_as_text(write_rows: WriteRows, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, own_plans: None) -> None:
    def never(column: Any) -> Any:  # import validation bypassed, as if the name were planted
        return column.isnull() & column.notnull()

    monkeypatch.setattr(validation, "formula_like_column", never, raising=False)
    monkeypatch.setattr(screening, "formula_like_column", never, raising=False)
    run = account(write_rows([{"facility_id": HYPERLINK, "item": "原煤", "quantity": 100, "unit": "吨",
                               "flow": "消耗"}]))
    write_xlsx(run, tmp_path / "out.xlsx")
    assert_text_only((tmp_path / "out.xlsx").read_bytes(), "核算结果")


@pytest.mark.parametrize(("locale", "words"), [("zh-CN", ["企业代码", "达到基准水平的节能量（吨标准煤）", "低位发热量"]),
                                               ("en", ["Enterprise code", "Energy saving to the baseline level (tce)",
                                                       "Net calorific value"])])
def test_headers_are_words_and_the_keys_are_kept_as_names(locale: str, words: list[str]) -> None:
    """Row 1 reads in the reader's language (a reference-library key by its name there); the keys come back
    from the sheet's defined names, also after a user moved the header cells, and a deleted one is left out."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("结果 results")
    header_row(sheet, column_words(["enterprise_id", "savings_to_baseline_tce", "ncv"],
                                   load_catalogs().translator(locale)))
    append_row(sheet, ["S1", 12.5, 26.3])
    buffer = io.BytesIO()
    book.save(buffer)
    opened = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    back = opened["结果 results"]
    assert [c.value for c in back[1]] == words
    assert keyed_cells(back) == {"enterprise_id": (1, 1), "savings_to_baseline_tce": (1, 2), "ncv": (1, 3)}
    back.defined_names["greenmfg.ncv"].attr_text = "'结果 results'!#REF!"   # the column was deleted
    back.defined_names["greenmfg.enterprise_id"].attr_text = "'结果 results'!$D$1"   # … or moved
    assert keyed_cells(back) == {"enterprise_id": (1, 4), "savings_to_baseline_tce": (1, 2)}
    with pytest.raises(ValueError, match="snake_case"):
        header_row(openpyxl.Workbook().create_sheet("x"), [("Not a key", "words")])


@pytest.mark.parametrize(("locale", "expected"), [
    ("zh-CN", ["E-1", "熟料", "标杆与基准之间", "二手来源", "吨", "河北省", "未核实：焦炭 低位发热量", 3.5, None]),
    ("en", ["E-1", "Cement clinker", "Between levels", "secondary source", "t", "Hebei", "unverified: Coke net calorific value",
            3.5, None]),
])
def test_worded_names_the_codes_of_a_row_and_keeps_identifiers(locale: str, expected: list[object]) -> None:
    """A row's coded values in words of the workbook's language, by their column: a product by the reference
    library, a class by the caller's labels, a status, a unit, a province, the codes in a message; an
    identifier (an enterprise code), numbers and empty cells as they are."""
    from greenmfg.compliance.labels import CLASS_LABELS
    from greenmfg.exports import worded

    keys = ["enterprise_code", "product", "class", "verification_status", "unit", "region", "message_zh", "value",
            "edition"]
    values = ["E-1", "clinker", "between", "secondary", "t", "130000",
              "未核实：fuel_parameters/ndrc-steel-2013:coke.ncv", 3.5, None]
    if locale == "en":
        keys[6], values[6] = "message", "unverified: fuel_parameters/ndrc-steel-2013:coke.ncv"
    cells = worded(keys, values, load_catalogs().translator(locale), labels={"class": CLASS_LABELS})
    assert cells[:6] == expected[:6] and cells[7:] == expected[7:]
    assert str(cells[6]).startswith(str(expected[6])) and "fuel_parameters" not in str(cells[6])
