"""The command line as a user drives it: template → fill → account; bad input → exit 2, no output."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from greenmfg.cli import app

from .conftest import WriteRows

runner = CliRunner()
ROW_ZH = ["E1", "示例水泥", "水泥", "江苏", "K1", "2024-03", "烟煤", "1,000", "吨", "消耗"]


def _fill_template(path: Path, rows: list[list[object]]) -> None:
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    for row in rows:
        sheet.append(row)
    workbook.save(path)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_round_trip(tmp_path: Path, lang: str) -> None:
    template = tmp_path / f"template-{lang}.xlsx"
    result = runner.invoke(app, ["template", "--lang", lang, "-o", str(template)])
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(template)
    headers = [c.value for c in workbook.worksheets[0][1]]
    assert headers[0] == ("企业编号" if lang == "zh" else "Enterprise ID")
    assert len(workbook.sheetnames) == 3  # data, instructions, lists
    _fill_template(template, [ROW_ZH, [*ROW_ZH[:6], "电力", "50", "万千瓦时", "外购"],
                              [*ROW_ZH[:6], "熟料", "8000", "t", "产出"]])
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["account", str(template), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    (only,) = document["results"]
    # bituminous coal: 1000 t × 19.570 GJ/t / 29.3076 + 500 MWh × 0.1229
    assert only["energy_tce"] == pytest.approx(1000 * 19.570 / 29.3076 + 500 * 0.1229, rel=1e-9)
    assert only["products"][0]["product"] == "clinker"
    assert only["lines"][0]["row"] == 2 and only["lines"][0]["file"] == template.name


def test_csv_template_has_headers(tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    assert runner.invoke(app, ["template", "--lang", "en", "-o", str(target)]).exit_code == 0
    assert target.read_text(encoding="utf-8-sig").splitlines()[0].startswith("Enterprise ID,Enterprise name")


def test_bad_input_exits_2_and_writes_nothing(write_rows: WriteRows, tmp_path: Path) -> None:
    path = write_rows([{"item": "原煤", "quantity": 10, "unit": "kWh", "flow": "消耗"}])
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["account", str(path), "--format", "json", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 2
    assert not out.exists()
    assert "row 2" in result.output and "kWh" in result.output


def test_account_formats(write_rows: WriteRows, tmp_path: Path) -> None:
    path = write_rows([{"item": "原煤", "quantity": 10, "unit": "t", "flow": "消耗"},
                       {"item": "电力", "quantity": 100, "unit": "MWh", "flow": "外购"}])
    table = runner.invoke(app, ["account", str(path)])
    assert table.exit_code == 0 and "钢铁" in table.output
    xlsx = tmp_path / "r.xlsx"
    assert runner.invoke(app, ["account", str(path), "--format", "xlsx", "-o", str(xlsx)]).exit_code == 0
    sheets = openpyxl.load_workbook(xlsx).sheetnames
    assert sheets[0] == "核算结果" and "计算明细" in sheets, sheets  # sheets named in the messages' language
    parquet = tmp_path / "r.parquet"
    assert runner.invoke(app, ["account", str(path), "--format", "parquet", "-o", str(parquet)]).exit_code == 0
    import pyarrow.parquet as pq

    results = pq.read_table(parquet).to_pylist()
    assert results[0]["energy_tce"] == pytest.approx(7.143 + 12.29, rel=1e-12)
    assert pq.read_table(tmp_path / "r.lines.parquet").num_rows == 2
    assert (tmp_path / "r.provenance.json").exists()
    missing = runner.invoke(app, ["account", str(path), "--format", "xlsx"])
    assert missing.exit_code == 2


def test_unknown_grid_dataset_lists_choices(write_rows: WriteRows) -> None:
    path = write_rows([{"item": "电力", "quantity": 100, "unit": "MWh", "flow": "外购"}])
    result = runner.invoke(app, ["account", str(path), "--grid-factor", "grid_factors/nope"])
    assert result.exit_code == 2
    assert "grid_factors/mee-nbs-2022" in result.output


def test_grid_factor_year_and_fuel_defaults_options(write_rows: WriteRows, tmp_path: Path) -> None:
    # 2021 data: the data year's MEE/NBS factor 0.5568 (公告2024年第12号) by default, the latest
    # (2023: 0.5306) with --grid-factor-year latest; anthracite of a steel plant: the steel
    # guideline's 20.304 GJ/t, or GB/T 32151.22-2024 表C.1's 26.7 GJ/t with --fuel-defaults general
    path = write_rows([{"item": "电力", "quantity": 100, "unit": "MWh", "flow": "外购", "period": "2021-05"},
                       {"item": "无烟煤", "quantity": 1, "unit": "t", "flow": "消耗", "period": "2021-05"}])

    def result(*options: str) -> dict[str, object]:
        out = tmp_path / "out.json"
        assert runner.invoke(app, ["account", str(path), "--format", "json", "-o", str(out), *options]).exit_code == 0
        document = json.loads(out.read_text(encoding="utf-8"))
        [only] = document["results"]
        return {"scope2": only["emissions_tco2e"]["scope2"], "year": only["grid_factor_year"],
                "ncv": only["lines"][1]["parameters"][1]["value"], "rule": document["provenance"]["grid_factor"]["rule"]}

    assert result() == {"scope2": pytest.approx(55.68), "year": 2021, "ncv": 20.304, "rule": "data"}
    assert result("--grid-factor-year", "latest", "--fuel-defaults", "general") == {
        "scope2": pytest.approx(53.06), "year": 2023, "ncv": 26.7, "rule": "latest"}


def test_output_is_deterministic_apart_from_time(write_rows: WriteRows, tmp_path: Path) -> None:
    path = write_rows([{"item": "原煤", "quantity": 10.1, "unit": "t", "flow": "消耗"},
                       {"item": "天然气", "quantity": 3.3, "unit": "万立方米", "flow": "消耗"},
                       {"item": "电力", "quantity": 100.7, "unit": "MWh", "flow": "外购"}])
    outputs = []
    for name in ("a.json", "b.json"):
        out = tmp_path / name
        assert runner.invoke(app, ["account", str(path), "--format", "json", "-o", str(out)]).exit_code == 0
        document = json.loads(out.read_text(encoding="utf-8"))
        assert document["provenance"]["run_at_utc"].endswith("Z")
        document["provenance"].pop("run_at_utc")
        outputs.append(document)
    assert outputs[0] == outputs[1]
    datasets = {d["id"]: d["sha256"] for d in outputs[0]["provenance"]["datasets"]}
    assert len(datasets["fuel_parameters/gbt32151.22-2024"]) == 64


def test_refdata_commands() -> None:
    listing = runner.invoke(app, ["refdata", "list"])
    assert listing.exit_code == 0 and "gbt2589" in listing.output
    shown = runner.invoke(app, ["refdata", "show", "heat_factors/ndrc-guidelines", "--json"])
    assert shown.exit_code == 0
    document = json.loads(shown.output)
    assert document["rows"][0]["value"] == 0.11
    assert runner.invoke(app, ["refdata", "show", "nope/nope"]).exit_code == 2


def test_demo_region_round_trip(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    made = runner.invoke(app, ["demo-data", "--enterprises", "12", "--months", "2", "--seed", "3",
                               "--format", "parquet", "-o", str(folder)])
    assert made.exit_code == 0, made.output
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["account", str(folder), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    industries = {r["industry"] for r in document["results"]}
    assert {"steel", "cement", "flat_glass", "electrolytic_aluminium", "chemicals"} <= industries
    # a converter shop recovers more energy (converter gas, steam) than it uses: its comprehensive
    # energy is negative, as GB 21256-2025 表4's levels are; every other facility uses energy
    assert all(r["energy_tce"] > 0 for r in document["results"] if not r["facility_id"].endswith("-ZL1"))
    assert all(r["energy_tce"] < 0 for r in document["results"] if r["facility_id"].endswith("-ZL1"))
    # a folder of csv and parquet together is one input
    csv_folder = tmp_path / "demo-csv"
    assert runner.invoke(app, ["demo-data", "--enterprises", "12", "--months", "2", "--seed", "3",
                               "-o", str(csv_folder)]).exit_code == 0
    both = tmp_path / "both"
    both.mkdir()
    (folder / "activity.parquet").rename(both / "a.parquet")
    (csv_folder / "activity.csv").rename(both / "b.csv")
    with_duplicates = runner.invoke(app, ["account", str(both), "--lang", "en"])
    assert with_duplicates.exit_code == 2  # the same region twice: every row is a duplicate
    assert "duplicate" in with_duplicates.output


def test_demo_region_with_errors_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    assert runner.invoke(app, ["demo-data", "--enterprises", "12", "--months", "2", "--with-errors",
                               "-o", str(folder)]).exit_code == 0
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["account", str(folder), "--format", "json", "-o", str(out), "--lang", "en"],
                           env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert not out.exists()
    for code in ("unknown_item", "unit_mismatch", "negative_quantity", "not_a_number", "bad_period",
                 "duplicate_row", "flow_not_allowed"):
        assert f"accounting.input.{code}" in result.output


def test_engine_options(write_rows: WriteRows) -> None:
    path = write_rows([{"item": "原煤", "quantity": 100, "unit": "t", "flow": "消耗"}])
    help_text = runner.invoke(app, ["account", "--help"], env={"COLUMNS": "200"}).output
    assert "--engine" in help_text and "--spark-master" in help_text
    assert "--spark-master" in runner.invoke(app, ["benchmark", "--help"], env={"COLUMNS": "200"}).output
    assert runner.invoke(app, ["account", str(path), "--engine", "polars"]).exit_code == 2
    duckdb = runner.invoke(app, ["account", str(path), "--engine", "duckdb", "--format", "json"])
    assert duckdb.exit_code == 0, duckdb.output
    assert json.loads(duckdb.stdout)["results"][0]["facility_id"] == "F1"


def test_a_local_workbook_is_bounded_like_an_upload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's xlsx reader has the uploads' caps (GREENMFG_MAX_XLSX_ROWS and
    GREENMFG_MAX_XLSX_UNCOMPRESSED_BYTES): refused before openpyxl parses, located, in zh and en."""
    template = tmp_path / "活动数据.xlsx"
    assert runner.invoke(app, ["template", "--lang", "zh", "-o", str(template)]).exit_code == 0
    _fill_template(template, [[*ROW_ZH[:5], f"2024-0{month}", *ROW_ZH[6:]] for month in range(1, 6)])
    accounted = runner.invoke(app, ["account", str(template), "--format", "json", "-o", str(tmp_path / "a.json")])
    assert accounted.exit_code == 0, accounted.output
    monkeypatch.setenv("GREENMFG_MAX_XLSX_ROWS", "4")
    refused = runner.invoke(app, ["account", str(template), "--format", "json", "-o", str(tmp_path / "b.json")])
    assert refused.exit_code != 0 and not (tmp_path / "b.json").exists()
    assert "upload.xlsx.too_many_rows" in refused.output or "GREENMFG_MAX_XLSX_ROWS" in refused.output, refused.output
    monkeypatch.setenv("GREENMFG_MAX_XLSX_ROWS", "200000")
    monkeypatch.setenv("GREENMFG_MAX_XLSX_UNCOMPRESSED_BYTES", "1000")
    refused = runner.invoke(app, ["account", str(template), "--format", "json", "-o", str(tmp_path / "c.json")])
    assert refused.exit_code != 0 and "GREENMFG_MAX_XLSX_UNCOMPRESSED_BYTES" in refused.output, refused.output


def test_a_file_whose_every_row_fails_is_reported_in_a_fresh_process(
        write_rows: WriteRows, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No row passes the screen, so the run has no parameter-set keys: with nothing remembered from an
    earlier run (a new process) the located errors are still reported (exit 2), not a crash."""
    from greenmfg.accounting import service

    monkeypatch.setattr(service, "_SET_ROWS", {})
    path = write_rows([{"item": "原煤", "quantity": 10, "unit": "kWh", "flow": "消耗"}])
    result = runner.invoke(app, ["account", str(path), "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert "row 2" in result.output and "kWh" in result.output


def test_printout_shows_the_chosen_languages_on_a_console_wide_enough() -> None:
    """The one printer helper of every command (greenmfg.cli_output): words, labels, numbers, warnings."""
    from io import StringIO

    from rich.console import Console

    from greenmfg.cli_output import Lang, Printout, number
    from greenmfg.compliance.labels import class_label, grade_label

    piped = Console(file=StringIO(), width=80)  # not a terminal: a pipe or a file
    both = Printout.of(piped, Lang.both)
    assert both.console is not piped and both.console.width == 120  # the columns are not squeezed
    assert Printout.of(piped, Lang.both, width=160).console.width == 160
    assert Printout.of(piped, Lang.zh, width=None).console is piped
    assert Printout.of(Console(file=StringIO(), width=200), Lang.zh).console.width == 200  # wide enough already
    assert both.words("年份", "year") == "年份\nyear"
    assert Printout.of(piped, Lang.both, joiner=" / ").words("年份", "year") == "年份 / year"
    assert Printout(piped, Lang.zh).words("年份", "year") == "年份"
    assert Printout(piped, Lang.en).words("年份", "year") == "year"
    assert both.one("年份", "year") == "年份" and Printout(piped, Lang.en).one("年份", "year") == "year"
    chinese = Printout(piped, Lang.zh).label(class_label, "benchmark")
    english = Printout(piped, Lang.en).label(class_label, "benchmark")
    assert chinese != english and "标杆" in chinese and "benchmark" in english.lower()
    assert both.label(class_label, "benchmark") == f"{chinese}\n{english}"
    assert both.label(grade_label, None) == "—"  # the same in both languages: once
    assert (number(None), number(12345.678), number(12345.678, 0), number(-0.25, 1)) == ("—", "12,345.68",
                                                                                         "12,346", "-0.2")
    warned = Printout(piped, Lang.en)
    warned.warn("[bold]x[/] is not markup")
    assert "! [bold]x[/] is not markup" in piped.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", [
    ["account", "in.csv"], ["ets", "in.csv"], ["cbam", "in.csv", "--goods", "goods.csv"],
    ["footprint", "in.csv", "--products", "products.csv"], ["benchmark", "in.csv"], ["pathways", "scenario", "s.yaml"],
    ["pathways", "decompose", "in.csv", "--base", "2000", "--target", "2001"], ["pathways", "macc", "m.csv"]])
def test_a_workbook_needs_an_output_file_before_any_input_is_read(command: list[str], tmp_path: Path) -> None:
    result = runner.invoke(app, [*(str(tmp_path / c) if c.endswith((".csv", ".yaml")) else c for c in command),
                                 "--format", "xlsx", "--lang", "en"])
    assert result.exit_code == 2 and "--format xlsx needs -o FILE / 请用 -o 指定输出文件" in result.output, result.output
    assert not list(tmp_path.iterdir())


def test_the_table_json_xlsx_commands_share_one_format_choice() -> None:
    assert runner.invoke(app, ["pathways", "macc", "--format", "parquet"]).exit_code == 2  # account's only
    for command in (["ets"], ["cbam"], ["benchmark"], ["pathways", "scenario"], ["pathways", "decompose"],
                    ["pathways", "macc"]):
        answer = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
        (line,) = [line for line in answer.output.splitlines() if "--format" in line]
        assert answer.exit_code == 0 and "table|json|xlsx>" in line, (command, line)
