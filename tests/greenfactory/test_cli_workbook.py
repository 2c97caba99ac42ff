"""``greenmfg greenfactory template|evaluate`` and the xlsx template round trip (bad input located)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from greenmfg.cli import app
from greenmfg.errors import InputError, ValidationFailed
from greenmfg.greenfactory.evaluation import evaluate
from greenmfg.greenfactory.workbook import locate, read_workbook, template

runner = CliRunner()


def filled(path: Path, *, bad: bool = False) -> Path:
    """The supply-chain template with every veto met, every qualitative item at full points and
    the three quantitative indicators at 70 % between benchmark 50 % and leading value 90 %."""
    book = load_workbook(io.BytesIO(template("supply-chain-2024")))
    assert book.sheetnames == ["评价信息", "基本要求与指标"]  # sheets named in words (issue #15)
    sheet = book["基本要求与指标"]
    for row in range(2, sheet.max_row + 1):
        key, kind = sheet.cell(row, 1).value, sheet.cell(row, 2).value
        if kind == "veto":
            sheet.cell(row, 6).value = "符合"
        elif kind == "scored":
            sheet.cell(row, 7).value = 99 if bad and key == "X12" else sheet.cell(row, 5).value
        else:
            sheet.cell(row, 8).value, sheet.cell(row, 10).value, sheet.cell(row, 11).value = 70, 50, 90
            sheet.cell(row, 12).value = "企业目标"
            if bad and key == "X26":
                sheet.cell(row, 9).value = "kg"
    book.save(path)
    return path


def test_template_round_trip_scores_by_hand(tmp_path: Path) -> None:
    document, rows = read_workbook(filled(tmp_path / "in.xlsx").read_bytes())
    result = evaluate(document)
    # 100 − (4 + 5 + 5) × (1 − (70 − 50)/(90 − 50)) = 100 − 14 × 0.5 = 93
    assert result["total_score"] == pytest.approx(93)
    assert rows[0] == 2 and len(rows) == len(document["items"]) == 25
    # a template made before, its sheets named by their keys, reads the same
    book = load_workbook(tmp_path / "in.xlsx")
    book["评价信息"].title, book["基本要求与指标"].title = "evaluation", "items"
    book.save(tmp_path / "old.xlsx")
    assert read_workbook((tmp_path / "old.xlsx").read_bytes()) == (document, rows)
    assert read_workbook((tmp_path / "old.xlsx").read_bytes())[1].titles == {"evaluation": "evaluation", "items": "items"}


def test_bad_workbook_rows_are_located(tmp_path: Path) -> None:
    document, rows = read_workbook(filled(tmp_path / "bad.xlsx", bad=True).read_bytes(), file="bad.xlsx")
    with pytest.raises(ValidationFailed) as refused:
        try:
            evaluate(document)
        except ValidationFailed as error:
            raise locate(error, rows, file="bad.xlsx") from None
    places = {(i.sheet, i.row, i.column) for i in refused.value.issues}
    # template rows: 1 header, 5 basic requirements (rows 2–6), then X11 row 7, X12 row 8 … X26 row 15
    assert places == {("基本要求与指标", 8, "points"), ("基本要求与指标", 15, "unit")}


def test_workbook_without_items_sheet_and_not_xlsx() -> None:
    book = Workbook()
    assert book.active is not None
    book.active.title = "evaluation"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationFailed) as refused:
        read_workbook(out.getvalue(), file="x.xlsx")
    missing = refused.value.issues[0]
    assert missing.sheet == "基本要求与指标" and missing.message_zh == "缺少工作表“基本要求与指标”"
    assert missing.message == "sheet 'Requirements and indicators' is missing" and len(refused.value.issues) == 1
    with pytest.raises(InputError):
        read_workbook(b"not a workbook")


def test_cli_evaluate_json_and_pdf(tmp_path: Path) -> None:
    filled(tmp_path / "in.xlsx")
    answer = runner.invoke(app, ["greenfactory", "evaluate", str(tmp_path / "in.xlsx"), "--format", "json",
                                 "-o", str(tmp_path / "out.json")])
    assert answer.exit_code == 0, answer.output
    assert json.loads((tmp_path / "out.json").read_text())["total_score"] == pytest.approx(93)
    table = runner.invoke(app, ["greenfactory", "evaluate", str(tmp_path / "in.xlsx"), "--lang", "en"])
    assert "PASS" in table.output and "93.00" in table.output
    pdf = runner.invoke(app, ["greenfactory", "evaluate", str(tmp_path / "in.xlsx"), "--format", "pdf",
                              "-o", str(tmp_path / "r.pdf")])
    assert pdf.exit_code == 0 and (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_cli_bad_input_exit_2_nothing_written(tmp_path: Path) -> None:
    filled(tmp_path / "bad.xlsx", bad=True)
    answer = runner.invoke(app, ["greenfactory", "evaluate", str(tmp_path / "bad.xlsx"), "--format", "json",
                                 "-o", str(tmp_path / "out.json")])
    assert answer.exit_code == 2
    assert "row 8" in answer.output and "row 15" in answer.output
    assert not (tmp_path / "out.json").exists()
    (tmp_path / "bad.json").write_text('{"framework": "nope"}')
    assert runner.invoke(app, ["greenfactory", "evaluate", str(tmp_path / "bad.json")]).exit_code == 2


def test_cli_template(tmp_path: Path) -> None:
    answer = runner.invoke(app, ["greenfactory", "template", "gbt36132-2018", "-o", str(tmp_path / "t.xlsx")])
    assert answer.exit_code == 0, answer.output
    keys = [r[0] for r in load_workbook(tmp_path / "t.xlsx")["基本要求与指标"].iter_rows(min_row=2, values_only=True)]
    assert keys[:3] == ["basic.compliance", "basic.top_management", "basic.organisation"] and len(keys) == 35
