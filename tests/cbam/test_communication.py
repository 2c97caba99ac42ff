"""The EU communication template: written in the Commission's layout (every required field), read back
as a supplier's precursor data; a damaged, foreign or oversized template refused at its place."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from greenmfg.cbam import communication
from greenmfg.cbam.communication import (
    INSTALLATION_LABELS,
    PRODUCT_HEADERS,
    SHEETS,
    read_communication,
    write_communication,
)
from greenmfg.cbam.service import account_cbam
from greenmfg.errors import InputError, ValidationFailed
from greenmfg.exports import keyed_cells
from tests.cbam.cases import ROLLING_ROWS, cement_files, write
from tests.ets.cases import write_csv


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("communication")
    result = account_cbam(*cement_files(folder))
    path = folder / "communication.xlsx"
    write_communication(result, path)
    return path, result


def test_every_sheet_and_required_field(template: tuple[Path, object]) -> None:
    path, _result = template
    workbook = load_workbook(path)
    assert tuple(workbook.sheetnames) == SHEETS
    sheet = workbook["Summary_Communication"]
    texts = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    for _key, label in INSTALLATION_LABELS:
        assert label in texts
    for _key, header in PRODUCT_HEADERS:
        assert header in texts
    keys = keyed_cells(sheet)
    # installation and reporting period filled from the result; what the data cannot give is marked
    assert sheet.cell(*keys["inst_installation_name"]).value == "示例水泥有限公司"
    assert sheet.cell(*keys["inst_period_start"]).value == "2026-01-01"
    assert sheet.cell(*keys["inst_period_end"]).value == "2026-12-31"
    assert "to be filled" in sheet.cell(*keys["inst_unlocode"]).value
    assert sheet.cell(*keys["total_direct"]).value > 0


def test_product_rows_carry_the_see(template: tuple[Path, object]) -> None:
    path, result = template
    sheet = load_workbook(path)["Summary_Products"]
    keys = keyed_cells(sheet)
    header_row = keys["cn_code"][0]
    cement = result.goods[1]  # type: ignore[attr-defined]
    row = header_row + 2
    assert sheet.cell(row=row, column=keys["cn_code"][1]).value == "2523 29 00"
    assert sheet.cell(row=row, column=keys["see_direct"][1]).value == pytest.approx(cement.see_direct)
    assert sheet.cell(row=row, column=keys["see_indirect"][1]).value == pytest.approx(cement.see_indirect)
    assert sheet.cell(row=row, column=keys["see_total"][1]).value == pytest.approx(cement.see_total)
    assert sheet.cell(row=row, column=keys["unit"][1]).value == "t"


def test_round_trip_as_a_suppliers_template(template: tuple[Path, object]) -> None:
    path, result = template
    records = read_communication(path)
    assert [r.cn for r in records] == ["25231000", "25232900"]
    clinker = records[0]
    assert clinker.see_direct == pytest.approx(result.goods[0].see_direct)  # type: ignore[attr-defined]
    assert clinker.installation == "示例水泥有限公司"
    assert clinker.sheet == "Summary_Communication" and clinker.cell.startswith("C")


def test_commission_layout_with_offset_columns_is_read(tmp_path: Path) -> None:
    # the Commission's sheet: labels in column D, values in G; the product table starts in column D
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Summary_Communication"
    sheet["D12"], sheet["G12"] = "Name of the installation (English name):", "Tangshan Steel Works"
    headers = ["Production process from which the products arise", "Type of aggregated good or precursor",
               "CN Codes", "CN Name", "Product name", "SEE (direct)", "SEE (indirect)", "SEE (total)", "Unit"]
    for index, header in enumerate(headers, start=4):
        sheet.cell(row=30, column=index, value=header)
    sheet.cell(row=31, column=3, value=1)
    for index, value in enumerate(["P1", "Crude steel", "72071210", "Semi-finished", "slab", 1.85, 0.12, 1.97, "t"],
                                  start=4):
        sheet.cell(row=31, column=index, value=value)
    path = tmp_path / "supplier.xlsx"
    workbook.save(path)
    (record,) = read_communication(path)
    assert (record.cn, record.see_direct, record.see_indirect) == ("72071210", 1.85, 0.12)
    assert record.installation == "Tangshan Steel Works" and record.cell == "F31"


def test_a_suppliers_template_feeds_the_precursors(template: tuple[Path, object], tmp_path: Path) -> None:
    # the rolling mill buys slabs from a supplier who sent a template
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Summary_Communication"
    sheet["A1"], sheet["B1"] = "Name of the installation (English name):", "Slab Supplier Ltd"
    for index, header in enumerate(["CN Codes", "SEE (direct)", "SEE (indirect)"], start=1):
        sheet.cell(row=3, column=index, value=header)
    sheet.append(["7207 12 10", 1.8, 0.1])
    supplier = tmp_path / "slabs.xlsx"
    workbook.save(supplier)
    activity = write_csv(ROLLING_ROWS, tmp_path / "rolling.csv")
    goods = write(tmp_path, "goods.csv", "facility_id,period,cn_code,quantity,unit\nHSM,2026,7208 51 20,50000,t\n")
    precursors = write(tmp_path, "precursors.csv", "facility_id,period,precursor_cn_code,quantity,unit,supplier\n"
                                                   "HSM,2026,7207 12 10,52000,t,Slab Supplier Ltd\n")
    result = account_cbam(activity, goods, precursors, suppliers=[supplier])
    (process,) = result.processes
    assert process.see is not None
    assert process.see.precursor_direct == pytest.approx(52000.0 * 1.8 / 50000.0)
    assert process.precursors[0]["kind"] == "supplier"
    assert "slabs.xlsx" in process.precursors[0]["source"]
    assert result.goods[0].default_share == 0.0


def _workbook(tmp_path: Path, see_direct: object) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Summary_Products"
    for index, header in enumerate(["CN Codes", "SEE (direct)", "SEE (indirect)"], start=2):
        sheet.cell(row=5, column=index, value=header)
    sheet.cell(row=6, column=2, value="2523 10 00")
    sheet.cell(row=6, column=3, value=see_direct)
    sheet.cell(row=6, column=4, value=0.02)
    path = tmp_path / "bad.xlsx"
    workbook.save(path)
    return path


def test_bad_see_is_located_at_its_cell(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_communication(_workbook(tmp_path, "n/a"))
    (issue,) = caught.value.issues
    assert (issue.code, issue.sheet, issue.cell) == ("cbam.template.bad_see", "Summary_Products", "C6")
    assert issue.message_zh and issue.fix_zh


def test_foreign_and_oversized_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = tmp_path / "note.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InputError):
        read_communication(text)
    empty = Workbook()
    empty.active.title = "Sheet"
    other = tmp_path / "other.xlsx"
    empty.save(other)
    with pytest.raises(ValidationFailed) as caught:
        read_communication(other)
    assert caught.value.issues[0].code == "cbam.template.no_summary"
    path = _workbook(tmp_path, 0.8)
    monkeypatch.setattr(communication, "MAX_TEMPLATE_BYTES", 100)
    with pytest.raises(InputError, match="MB"):
        read_communication(path)
