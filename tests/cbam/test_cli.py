"""greenmfg cbam: table, json and xlsx output, the communication template, bad input on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from greenmfg.cli import app
from greenmfg.exports import keyed_cells
from tests.cbam.cases import cement_files, write

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return cement_files(tmp_path_factory.mktemp("cbam"))


def test_json_on_stdout(files: tuple[Path, Path, Path]) -> None:
    activity, goods, precursors = files
    result = runner.invoke(app, ["cbam", str(activity), "--goods", str(goods), "--precursors", str(precursors),
                                 "--format", "json", "--price", "80"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    clinker, cement = document["goods"]
    assert cement["cn_code"] == "2523 29 00"
    assert cement["see_direct"] == pytest.approx(0.75 * clinker["see_direct"])
    assert document["totals"]["certificate_price_eur"] == 80.0
    assert document["totals"]["cost_eur"] == pytest.approx(80.0 * sum(g["certificates_t"] for g in document["goods"]))
    assert {d["id"] for d in document["provenance"]["datasets"]} == {
        "cbam_goods/eu-2025.1", "cbam_defaults/eu-2026-1740-cn", "cbam_rules/eu-2026.2"}


def test_table_names_the_goods(files: tuple[Path, Path, Path]) -> None:
    activity, goods, precursors = files
    result = runner.invoke(app, ["cbam", str(activity), "--goods", str(goods), "--precursors", str(precursors),
                                 "--lang", "both"])
    assert result.exit_code == 0, result.output
    assert "2523 29 00" in result.stdout and "水泥" in result.stdout
    assert "CBAM" in result.stdout


@pytest.mark.parametrize(("lang", "sheet", "header"), [("zh", "货物", "计入CBAM的隐含排放强度（tCO2e/t）"),
                                                       ("en", "Goods", "SEE counted for CBAM (tCO2e/t)")])
def test_xlsx_headers_in_words_with_keys(files: tuple[Path, Path, Path], tmp_path: Path, lang: str, sheet: str,
                                         header: str) -> None:
    activity, goods, precursors = files
    out = tmp_path / "cbam.xlsx"
    result = runner.invoke(app, ["cbam", str(activity), "--goods", str(goods), "--precursors", str(precursors),
                                 "--format", "xlsx", "-o", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out)
    worksheet = workbook[sheet]
    headers = [c.value for c in worksheet[1]]
    assert header in headers
    keys = keyed_cells(worksheet)
    row, column = keys["see_counted"]
    assert worksheet.cell(row=row, column=column).value == header
    assert worksheet.cell(row=3, column=keys["cn_code"][1]).value == "2523 29 00"


def test_bad_input_exits_2_with_the_place(files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    activity, _goods, _precursors = files
    goods = write(tmp_path, "bad.csv", "facility_id,period,cn_code,quantity,unit\nKILN,2026,9999,1,t\n")
    result = runner.invoke(app, ["cbam", str(activity), "--goods", str(goods), "--lang", "both"])
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "row 2" in result.output and "CN" in result.output


def test_xlsx_needs_an_output_file(files: tuple[Path, Path, Path]) -> None:
    activity, goods, _precursors = files
    result = runner.invoke(app, ["cbam", str(activity), "--goods", str(goods), "--format", "xlsx"])
    assert result.exit_code == 2
