"""The one sheet reader (greenmfg.sheets): columns found by any spelling, rows as text by key, every bad
header or cell a located finding under the caller's code prefix; .csv (UTF-8 or GB18030) and .xlsx alike."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from greenmfg.accounting.reader import InputFile
from greenmfg.errors import Finding, InputError, ValidationFailed
from greenmfg.sheets import Column, RowChecker, read_sheet

COLUMNS = (
    Column("facility_id", "设施编号", True, "the facility", "设施编号", ("设施", "facility")),
    Column("period", "期间", True, "YYYY or YYYY-MM", "YYYY 或 YYYY-MM", ("月份",)),
    Column("quantity", "数量", True, "a number > 0", "大于 0 的数字", ("产量",)),
    Column("unit", "单位", True, "t, kg …", "t、kg……"),
    Column("change", "变化", False, "any sign", "可正可负"),
)
WHAT = ("test file", "测试文件")


def _xlsx(rows: list[list[object]], title: str = "产品") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _codes(issues: list[Finding]) -> list[tuple[str, str, str]]:
    return [(i.code, i.column, i.cell) for i in issues]


def test_columns_by_any_spelling_and_rows_by_key_from_csv_and_xlsx(tmp_path: Path) -> None:
    text = "\n设施,期间（YYYY-MM）,产量,unit,其他\nK1,2024/3,\"1,200.5\",t,x\n,,,,\nK2,2024,7,吨,\n"
    path = tmp_path / "gb.csv"
    path.write_bytes(text.encode("gb18030"))  # a file saved by Chinese Excel
    book = InputFile("upload.xlsx", _xlsx([[None], ["facility_id", "期间", "数量", "单位"], ["K1", "2024-03", 1200.5, "t"],
                                           [], ["K2", 2024.0, 7, "吨"]]))
    for source, sheet_name in ((path, ""), (book, "产品")):
        issues: list[Finding] = []
        sheet = read_sheet(source, COLUMNS, WHAT, issues, code_prefix="test.input.")
        assert issues == [] and sheet.sheet == sheet_name and sheet.name == ("gb.csv" if source is path else "upload.xlsx")
        assert sheet.letters == {"facility_id": "A", "period": "B", "quantity": "C", "unit": "D"}
        assert [(row, cells["facility_id"], cells["unit"]) for row, cells in sheet.rows] == [(3, "K1", "t"),
                                                                                              (5, "K2", "吨")]
        check = RowChecker(sheet, COLUMNS, issues, code_prefix="test.input.")
        (row, first), (_, second) = check.rows()
        assert check.number(row, first, "quantity", positive=True) == 1200.5  # thousands separator, a float cell
        assert (check.period(row, first), check.period(5, second)) == ("2024-03", "2024")  # 2024/3, a whole float
        assert check.unit(row, first, "unit") == "t" and issues == []


def test_header_problems_are_located_under_the_callers_prefix(tmp_path: Path) -> None:
    issues: list[Finding] = []
    path = tmp_path / "h.csv"
    path.write_text("设施编号,facility,数量\nK1,K1,3\n", encoding="utf-8")
    sheet = read_sheet(path, COLUMNS, WHAT, issues, code_prefix="domain.input.")
    assert _codes(issues) == [("domain.input.duplicate_column", "facility_id", ""),
                              ("domain.input.missing_column", "period", ""), ("domain.input.missing_column", "unit", "")]
    assert issues[0].header == "facility" and issues[0].row == 1 and issues[0].message_zh == "有两列都表示设施编号"
    assert issues[1].message == "the test file has no column period (期间): YYYY or YYYY-MM"
    assert issues[1].message_zh == "测试文件缺少“期间”列：YYYY 或 YYYY-MM"
    assert sheet.rows == [(2, {"facility_id": "K1", "quantity": "3"})]
    empty: list[Finding] = []
    blank = tmp_path / "blank.csv"
    blank.write_text("\n,,\n", encoding="utf-8")
    assert read_sheet(blank, COLUMNS, WHAT, empty, code_prefix="x.").rows == []
    assert _codes(empty) == [("x.empty_file", "", "")] and empty[0].message_zh == "测试文件没有数据"


def test_bad_cells_are_located_by_cell_and_header(tmp_path: Path) -> None:
    issues: list[Finding] = []
    path = tmp_path / "c.csv"
    path.write_text("设施编号,期间,数量,单位,变化\n,2024-13,-1,xyzzy,-5\nK1,2024-02,abc,t,x\nK1,2024,0,t,\n",
                    encoding="utf-8")
    sheet = read_sheet(path, COLUMNS, WHAT, issues, code_prefix="p.")
    check = RowChecker(sheet, COLUMNS, issues, code_prefix="p.")
    values = []
    for row, cells in check.rows():
        values.append((check.required(row, cells, "facility_id"), check.period(row, cells),
                       check.number(row, cells, "quantity", positive=True), check.unit(row, cells, "unit"),
                       check.number(row, cells, "change", positive=False, required=False, signed=True)))
    assert values == [(None, None, None, None, -5.0), ("K1", "2024-02", None, "t", None), ("K1", "2024", None, "t", None)]
    assert _codes(issues) == [("p.missing", "facility_id", "A2"), ("p.bad_period", "period", "B2"),
                              ("p.out_of_range", "quantity", "C2"), ("p.unknown_unit", "unit", "D2"),
                              ("p.not_a_number", "quantity", "C3"), ("p.not_a_number", "change", "E3"),
                              ("p.out_of_range", "quantity", "C4")]
    assert all(i.file == "c.csv" and i.message_zh and i.fix_zh for i in issues)
    assert issues[2].message_zh == "“数量”必须大于 0" and issues[3].header == "单位"


def test_a_file_that_is_not_text_or_a_workbook_is_refused(tmp_path: Path) -> None:
    for name, content, words in (("nul.csv", b"a,b\n1,\x002\n", "NUL"),
                                 ("utf16.csv", "设施".encode("utf-16-le") + b"\xff\xfe\xd8", "UTF-8")):
        with pytest.raises(InputError) as refused:
            read_sheet(InputFile(name, content), COLUMNS, WHAT, [], code_prefix="x.")
        assert words in str(refused.value) and name in str(refused.value)
    with pytest.raises(ValidationFailed) as broken:  # the workbook limits of an upload (greenmfg.workbooks)
        read_sheet(InputFile("bad.xlsx", b"PK\x03\x04not a zip"), COLUMNS, WHAT, [], code_prefix="x.")
    assert broken.value.issues[0].file == "bad.xlsx"
    with pytest.raises(InputError, match="cannot read"):
        read_sheet(tmp_path / "missing.csv", COLUMNS, WHAT, [], code_prefix="x.")
