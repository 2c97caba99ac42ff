"""`greenmfg benchmark` as a user drives it: JSON shape, table, xlsx; bad input → exit 2, no output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from greenmfg.cli import app
from greenmfg.refdata.words import key_name
from tests.factories import column_keys, sheet_records

from ..conftest import WriteRows

runner = CliRunner()
BENCHMARK_KEYS = {"indicator", "value", "unit", "edition", "benchmark_level", "baseline_level", "class", "gap",
                  "savings_to_benchmark_tce", "savings_to_baseline_tce", "savings_to_benchmark_tco2",
                  "savings_to_baseline_tco2", "quota_standard", "quota_grade", "warnings"}
CEMENT = {"industry": "水泥", "enterprise_id": "C1"}


@pytest.fixture
def activity(write_rows: WriteRows) -> Path:
    return write_rows([
        {**CEMENT, "item": "原煤", "quantity": 1000, "unit": "t", "flow": "消耗"},
        {**CEMENT, "item": "熟料", "quantity": 7000, "unit": "t", "flow": "产出"},
        {**CEMENT, "facility_id": "L1", "item": "原煤", "quantity": 100, "unit": "t", "flow": "消耗"},
        {**CEMENT, "facility_id": "L1", "item": "石灰", "quantity": 500, "unit": "t", "flow": "产出"},
    ])


def test_json_document(activity: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    result = runner.invoke(app, ["benchmark", str(activity), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    # the accounting document, unchanged, with a benchmark block per product
    assert {"provenance", "results"} <= set(document)
    assert {"energy_tce", "emissions_tco2e", "lines", "warnings"} <= set(document["results"][0])
    blocks = {p["product"]: p["benchmark"] for r in document["results"] for p in r["products"]}
    assert set(blocks) == {"clinker", "lime"}
    for block in blocks.values():
        assert set(block) >= BENCHMARK_KEYS
        assert set(block["gap"]) == {"to_benchmark", "to_baseline"}
        assert all({"code", "ref", "message", "message_zh"} == set(w) for w in block["warnings"])
    clinker = blocks["clinker"]
    assert clinker["indicator"] == "clinker" and clinker["unit"] == "kgce/t" and clinker["edition"] == "2021"
    assert (clinker["benchmark_level"], clinker["baseline_level"]) == (100.0, 117.0)
    assert clinker["class"] == "between" and clinker["quota_grade"] == 2
    assert clinker["quota_standard"] == "GB 16780-2021"
    assert clinker["savings_to_benchmark_tce"] == pytest.approx(14.3, rel=1e-9)
    assert clinker["derivation"]["levels"][0]["ref"] == "benchmarks/ndrc-2021-r2:clinker.benchmark_level"
    assert blocks["lime"]["indicator"] is None and blocks["lime"]["class"] is None
    provenance = document["provenance"]["benchmarking"]
    assert {d["id"] for d in provenance["datasets"]} >= {"indicators/greenmfg-2026.1", "benchmarks/ndrc-2021-r2",
                                                         "quota/gb16780-2021", "quota_corrections/gb16780-2021"}
    assert all(len(d["sha256"]) == 64 for d in provenance["datasets"])


def test_edition_option_and_stdout(activity: Path) -> None:
    result = runner.invoke(app, ["benchmark", str(activity), "--edition", "2023", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout[result.stdout.index("{"):])
    clinker = next(p["benchmark"] for r in document["results"] for p in r["products"] if p["product"] == "clinker")
    assert clinker["edition"] == "2023" and clinker["class"] is None
    assert any(w["code"] == "benchmarking.level.missing" for w in clinker["warnings"])
    assert document["provenance"]["benchmarking"]["edition_option"] == "2023"


def test_table_and_xlsx(activity: Path, tmp_path: Path) -> None:
    table = runner.invoke(app, ["benchmark", str(activity)])
    assert table.exit_code == 0, table.output
    assert "clinker (2021)" in table.output and "100/117 kgce/t" in table.output and "lime (1)" in table.output
    xlsx = tmp_path / "b.xlsx"
    result = runner.invoke(app, ["benchmark", str(activity), "--format", "xlsx", "-o", str(xlsx)])
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(xlsx)
    assert [s.split()[0] for s in workbook.sheetnames] == ["summary", "benchmark", "levels", "warnings", "indicators",
                                                           "provenance"]
    sheet = workbook["benchmark 对标"]
    clinker = next(r for r in sheet_records(sheet) if r["product"] == "熟料")  # the product and the class in words
    assert clinker["class"] == "标杆与基准之间"
    assert next(sheet.values)[column_keys(sheet).index("class")] == "对标档次"  # words, the key kept beside them


def test_bad_activity_exits_2_and_writes_nothing(write_rows: WriteRows, tmp_path: Path) -> None:
    path = write_rows([{**CEMENT, "item": "熟料", "quantity": "-5", "unit": "t", "flow": "产出"}])
    out = tmp_path / "b.json"
    result = runner.invoke(app, ["benchmark", str(path), "--format", "json", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 2
    assert not out.exists()
    assert "row 2" in result.output


def test_bad_attributes_exit_2_and_write_nothing(activity: Path, tmp_path: Path) -> None:
    attributes = tmp_path / "attributes.csv"
    attributes.write_text("enterprise_id,facility_id,attribute,value\nC1,F1,altitude_m,high\n", encoding="utf-8")
    out = tmp_path / "b.json"
    result = runner.invoke(app, ["benchmark", str(activity), "--attributes", str(attributes), "--format", "json",
                                 "-o", str(out), "--lang", "en"])
    assert result.exit_code == 2
    assert not out.exists()
    assert "attributes.csv, row 2, column value" in result.output and "not a number" in result.output


def test_unknown_edition_exits_2(activity: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.xlsx"
    result = runner.invoke(app, ["benchmark", str(activity), "--edition", "2019", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "2021, 2023" in result.output


def test_attributes_select_and_correct(activity: Path, tmp_path: Path) -> None:
    # GB 16780-2021 §5.3: at 2000 m and 80 000 Pa the grade-3 limit 117 × K (worked example A1's K)
    attributes = tmp_path / "attributes.csv"
    attributes.write_text("企业编号,设施编号,属性,取值\nC1,F1,海拔,2000\nC1,F1,当地大气压,80000\n", encoding="utf-8")
    result = runner.invoke(app, ["benchmark", str(activity), "--attributes", str(attributes), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout[result.stdout.index("{"):])
    clinker = next(p["benchmark"] for r in document["results"] for p in r["products"] if p["product"] == "clinker")
    k = 1.179 - 0.211 * 80_000 / 101_325
    assert clinker["quota_limits"]["grade_3"] == pytest.approx(117 * k, rel=1e-9)
    assert clinker["quota_limits"]["grade_1"] == 100.0
    assert document["provenance"]["benchmarking"]["attributes_input"]["file"] == "attributes.csv"


README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_json_example_matches_the_output(write_rows: WriteRows) -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index('"benchmark": {"indicator": "clinker"')
    fragment = text[start:text.index("```", start)]
    example = json.loads("{" + fragment + "}")["benchmark"]
    # the README's input: 1000 t raw coal and 7000 t clinker in one facility
    path = write_rows([{**CEMENT, "item": "原煤", "quantity": 1000, "unit": "t", "flow": "消耗"},
                       {**CEMENT, "item": "熟料", "quantity": 7000, "unit": "t", "flow": "产出"}])
    result = runner.invoke(app, ["benchmark", str(path), "--format", "json"])
    block = json.loads(result.stdout[result.stdout.index("{"):])["results"][0]["products"][0]["benchmark"]
    assert set(example) == set(block)
    assert set(example["derivation"]) <= set(block["derivation"])
    for key in ("value", "benchmark_level", "baseline_level", "savings_to_benchmark_tce", "savings_to_benchmark_tco2"):
        assert block[key] == pytest.approx(example[key], abs=0.01), key
    for key in ("class", "quota_grade", "quota_standard", "edition", "unit", "quota_limits"):
        assert block[key] == example[key], key


def test_readme_commands_on_a_demo_region(tmp_path: Path) -> None:
    # the commands of the README's benchmarking section, on a small demo region
    activity = tmp_path / "activity"
    assert runner.invoke(app, ["demo-data", "--enterprises", "8", "--months", "2", "--seed", "1",
                               "-o", str(activity)]).exit_code == 0
    table = runner.invoke(app, ["benchmark", str(activity)])
    assert table.exit_code == 0
    # products without an indicator are named, not shown by their keys (lime → 石灰 lime)
    without = " ".join(table.output.split("无对标指标或类别未定:")[1].split())
    assert "石灰 lime (" in without and not without.startswith("lime")
    assert runner.invoke(app, ["benchmark", str(activity), "--format", "json", "-o",
                               str(tmp_path / "benchmark.json")]).exit_code == 0
    facility = next(r for r in json.loads((tmp_path / "benchmark.json").read_text(encoding="utf-8"))["results"]
                    if any(p["product"] == "flat_glass" for p in r["products"]))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["企业编号", "设施编号", "属性", "取值"])
    sheet.append([facility["enterprise_id"], facility["facility_id"], "glass_melting_capacity_t_per_d", 650])
    workbook.save(tmp_path / "attributes.xlsx")
    result = runner.invoke(app, ["benchmark", str(activity), "--edition", "2021", "--attributes",
                                 str(tmp_path / "attributes.xlsx"), "--format", "xlsx", "-o",
                                 str(tmp_path / "benchmark.xlsx")])
    assert result.exit_code == 0, result.output
    glass = [r for r in sheet_records(openpyxl.load_workbook(tmp_path / "benchmark.xlsx")["benchmark 对标"])
             if r["product"] == key_name("flat_glass", zh=True)]  # the workbook names products and indicators
    given = {g["indicator"] for g in glass if g["facility_id"] == facility["facility_id"]}
    assert given == {key_name("flat_glass_500_800td", zh=True)}


@pytest.mark.parametrize(("lang", "shown", "hidden"), [
    ("zh", ["标杆与基准之间", "3 级", "未达限额"], ["Between levels", "Grade 3"]),
    ("en", ["Between levels", "Grade 3", "Fails the quota"], ["标杆与基准之间"]),
    ("both", ["标杆与基准之间", "Between levels", "3 级", "Grade 3", "未达限额", "Fails the quota"], []),
])
def test_table_shows_classes_and_grades_in_words(write_rows: WriteRows, lang: str, shown: list[str],
                                                 hidden: list[str]) -> None:
    """The works table and the largest-savings table say a class and a quota grade in the pages'
    words (compliance.labels, translated by i18n/locale/*/compliance.po), never a code. The small
    works of tests/benchmarking/test_works.py: 543.56 kgce/t between its derived levels
    496.27/606.27, grade 3; its converter shop 11.17 kgce/t fails GB 21256-2025 表4 (−12)."""
    from greenmfg.compliance.labels import class_label, grade_label

    from .test_works import _works_rows

    table = runner.invoke(app, ["benchmark", str(write_rows(_works_rows())), "--lang", lang],
                          env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    # the two tables with one row per result (the summary above counts by class)
    rows = table.output[table.output.index("Largest savings to the baseline"):table.output.index("Products without")]
    works = rows[rows.index("钢铁联合企业吨钢综合能耗"):]
    for words in shown:
        assert words in rows, words
    assert "标杆与基准之间" in works or "Between levels" in works
    for words in hidden:
        assert words not in rows, words
    for code in ("between", "below_baseline", "fails", "None"):
        assert not re.search(rf"(?<![\w-]){code}(?![\w-])", rows), code
    # not graded / not classified: a dash and words, not "None"
    assert grade_label(None, str) == "—" and class_label(None, str) == "Not classified"
