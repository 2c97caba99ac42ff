"""greenmfg ets: the three formats and bad input on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from greenmfg.cli import app
from tests.ets.cases import aluminium_rows, write_csv

runner = CliRunner()


@pytest.fixture(scope="module")
def activity(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(aluminium_rows(), tmp_path_factory.mktemp("ets") / "aluminium.csv")


def test_json_on_stdout(activity: Path) -> None:
    result = runner.invoke(app, ["ets", str(activity), "--format", "json", "--year", "2025"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    (company,) = document["companies"]
    assert [m["period"] for m in company["months"]] == ["2025-01", "2025-02"]
    assert company["years"][0]["covered_tco2e"] == pytest.approx(
        sum(m["covered_tco2e"] for m in company["months"]), rel=1e-9)
    assert document["year"] == 2025 and document["lines"][0]["file"] == "aluminium.csv"


@pytest.mark.parametrize(("lang", "header", "sheet"), [("zh", "覆盖排放量 tCO2e", "覆盖排放"),
                                                       ("en", "Covered emissions tCO2e", "Covered emissions")])
def test_xlsx_headers_in_words(activity: Path, tmp_path: Path, lang: str, header: str, sheet: str) -> None:
    out = tmp_path / "ets.xlsx"
    result = runner.invoke(app, ["ets", str(activity), "--format", "xlsx", "-o", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out, read_only=True)
    assert workbook.sheetnames[0] == sheet and len(workbook.sheetnames) == 3
    rows = list(workbook[sheet].iter_rows(values_only=True))
    assert header in rows[0]
    company_year = next(r for r in rows[1:] if r[4] == "2025" and not r[2])
    assert company_year[rows[0].index(header)] > 0


def test_table(activity: Path) -> None:
    result = runner.invoke(app, ["ets", str(activity), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "全国碳市场覆盖排放" in result.stdout and "POT-1" in result.stdout


def test_bad_input_located_and_exit_2(tmp_path: Path) -> None:
    rows = aluminium_rows()[:2]
    rows[1] = {**rows[1], "quantity": "-5"}
    bad = write_csv(rows, tmp_path / "bad.csv")
    result = runner.invoke(app, ["ets", str(bad), "--format", "json", "-o", str(tmp_path / "out.json"), "--lang", "en"])
    assert result.exit_code == 2
    assert "bad.csv, row 3" in result.output and not (tmp_path / "out.json").exists()
    assert runner.invoke(app, ["ets", str(bad), "--format", "xlsx"]).exit_code == 2  # xlsx needs -o
    assert runner.invoke(app, ["ets", str(bad), "--sector", "glass"]).exit_code == 2
