"""An integrated iron and steel works reported as process units gets a crude-steel value.

Source of the method: 吨钢综合能耗 = 能源消耗总量 / 钢产量, expanded by process as
E = Σ_i (P_i / P) × e_i, P_i / P the 钢比系数 (陆钟武; 《中国大百科全书》 第三版 “吨钢综合能耗”).
GB 21256-2025 sets its limits per process (表1 sintering 43/46/52, 表3 blast furnace 361/370/415,
表4 converter −30/−28/−12 kgce/t) and GB 21342-2025 表1 top-charged coke 110/110/135; the
2021/2023 lists: coke 110/135 (2021), blast furnace 361/435, converter −30/−10 (2023), none for
sintering. The works' levels below are those process levels weighted by the works' own ratios
(greenmfg's derivation, stated on the result). Standard-coal coefficients: GB/T 2589-2020 附录A
(coke 0.9714 kgce/kg, cleaned coal 0.9000 kgce/kg, electricity 0.1229 kgce/kWh, natural gas
1.3300 kgce/m3).

The small works, worked by hand (one month):

=========  ===========================================  ===========  ===============
facility   activity                                     energy tce   e_i kgce/t
=========  ===========================================  ===========  ===============
SJ sinter  coke 70 t; sinter 1500 t                     67.998       45.332
JH coking  cleaned coal 1200 t − coke out 1000 t        108.6        108.6
GL BF      coke 380 t; hot metal 1000 t                 369.132      369.132
ZL BOF     electricity 100 MWh; crude steel 1100 t      12.29        11.172727…
ZG mill    natural gas 30 000 m3; rolled steel 1050 t   39.9         (other)
=========  ===========================================  ===========  ===============

P = 1100 t; E = Σ e_i × P_i / P + 39.9 / 1.1 = 597.92 / 1.1 = 543.563636… kgce/t.
Benchmark level: sintering has none (counted at its own 45.332) → (67.998 + 110 + 361)/1.1 − 30
+ 36.272727… = 496.270909… ; baseline (67.998 + 135 + 435)/1.1 − 10 + 36.272727… = 606.270909…
→ between. Savings to the benchmark: (543.563636 − 496.270909) × 1100 t = 52.022 tce, which is
also Σ (e_i − L_i) × P_i = −1.4 (coke) + 8.132 (BF) + 45.29 (BOF).
Quota: grade 1 (43 × 1500 + 110 000 + 361 000)/1100 − 30 + 36.2727 = 493.090909…; grade 2
(46 × 1500 + 110 000 + 370 000)/1100 − 28 + 36.2727 = 507.363636…; grade 3
(52 × 1500 + 135 000 + 415 000)/1100 − 12 + 36.2727 = 595.181818… → grade 3.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from greenmfg.accounting.service import account
from greenmfg.benchmarking import benchmark
from greenmfg.benchmarking.output import benchmark_document
from greenmfg.cli import app
from tests.factories import sheet_records

from ..conftest import WriteRows

S = {"industry": "钢铁", "enterprise_id": "S1"}
runner = CliRunner()


def _works_rows() -> list[dict[str, object]]:
    return [
        {**S, "facility_id": "SJ", "item": "焦炭", "quantity": 70, "unit": "t", "flow": "消耗"},
        {**S, "facility_id": "SJ", "item": "烧结矿", "quantity": 1500, "unit": "t", "flow": "产出"},
        {**S, "facility_id": "JH", "item": "洗精煤", "quantity": 1200, "unit": "t", "flow": "消耗"},
        {**S, "facility_id": "JH", "item": "焦炭", "quantity": 1000, "unit": "t", "flow": "产出"},
        {**S, "facility_id": "JH", "item": "焦炭", "quantity": 1000, "unit": "t", "flow": "输出"},
        {**S, "facility_id": "GL", "item": "焦炭", "quantity": 380, "unit": "t", "flow": "消耗"},
        {**S, "facility_id": "GL", "item": "生铁", "quantity": 1000, "unit": "t", "flow": "产出"},
        {**S, "facility_id": "ZL", "item": "电力", "quantity": 100, "unit": "MWh", "flow": "消耗"},
        {**S, "facility_id": "ZL", "item": "生铁", "quantity": 1000, "unit": "t", "flow": "工艺"},
        {**S, "facility_id": "ZL", "item": "粗钢", "quantity": 1100, "unit": "t", "flow": "产出"},
        {**S, "facility_id": "ZG", "item": "天然气", "quantity": 30000, "unit": "m3", "flow": "消耗"},
        {**S, "facility_id": "ZG", "item": "钢材", "quantity": 1050, "unit": "t", "flow": "产出"},
    ]


def test_integrated_works_by_process_ratios(write_rows: WriteRows) -> None:
    bench = benchmark(account(write_rows(_works_rows())))
    by_facility = {(r.facility_id, r.product): r for r in bench.results}
    # the converter shop is recognised beside the blast furnace (no electrodes), said in a warning
    converter = by_facility[("ZL", "crude_steel")]
    assert converter.indicator == "converter_process"
    assert "benchmarking.attribute.inferred" in {w.code for w in converter.warnings}
    assert converter.value == pytest.approx(12.29 / 1.1, rel=1e-12)
    assert converter.quota_grade == "fails"  # 11.17 kgce/t > −12: GB 21256-2025 表4 限定值 missed

    assert len(bench.works) == 1
    works = bench.works[0]
    assert (works.enterprise_id, works.facility_id, works.period, works.product) == ("S1", "*", "2024-01",
                                                                                      "crude_steel")
    assert works.output == pytest.approx(1100.0)
    assert works.value == pytest.approx(597.92 / 1.1, rel=1e-9)  # 543.5636… kgce/t
    ratios = {p["facility_id"]: p["ratio"] for p in works.derivation["processes"]}
    assert ratios == pytest.approx({"SJ": 1500 / 1100, "JH": 1000 / 1100, "GL": 1000 / 1100, "ZL": 1.0})
    assert [f["facility_id"] for f in works.derivation["other_facilities"]] == ["ZG"]
    other = 39.9 / 1.1
    assert works.benchmark_level == pytest.approx(538.998 / 1.1 - 30 + other, rel=1e-9)
    assert works.baseline_level == pytest.approx(637.998 / 1.1 - 10 + other, rel=1e-9)
    assert works.cls == "between"
    assert works.savings_to_benchmark_tce == pytest.approx(52.022, rel=1e-9)
    assert works.savings_to_baseline_tce == 0.0
    assert works.quota_limits == {1: pytest.approx(535500 / 1100 - 30 + other, rel=1e-9),
                                  2: pytest.approx(549000 / 1100 - 28 + other, rel=1e-9),
                                  3: pytest.approx(628000 / 1100 - 12 + other, rel=1e-9)}
    assert works.quota_grade == 3
    codes = {w.code for w in works.warnings}
    assert {"benchmarking.works.derived_levels", "benchmarking.works.process_without_level",
            "benchmarking.works.process_fails", "benchmarking.works.other_facilities"} <= codes
    # the converter taken as such (steel_route = bof inferred) decides the works exists: said on it too
    inferred = next(w for w in converter.warnings if w.code == "benchmarking.attribute.inferred")
    assert inferred in works.warnings
    assert "benchmarking.works.bought_burden" not in codes and "benchmarking.works.bought_coke" not in codes
    # the levels used are unverified in the library: the works result names them too
    assert {lv.ref for lv in works.levels} <= {w.ref for w in works.warnings}
    # the JSON document carries the works apart from the facility products
    document = benchmark_document(bench)
    assert [w["value"] for w in document["works"]] == [pytest.approx(597.92 / 1.1, rel=1e-9)]


def test_pooled_year_grades_each_process_on_its_year(write_rows: WriteRows) -> None:
    """The year's process rows carry the process's class and quota grade of the year, not of its
    first month. January as above (coke 108.6 kgce/t); in February the coking unit takes 1240 t
    cleaned coal: (1240 × 0.9000 − 1000 × 0.9714) tce / 1000 t = 144.6 kgce/t. Coke levels (2021
    list: benchmark 110, baseline 135) and GB 21342-2025 表1 limits 110/110/135 kgce/t:
    January 108.6 → benchmark, grade 1; February 144.6 → below baseline, fails; the year
    (108.6 × 1000 + 144.6 × 1000) / 2000 = 126.6 → between, grade 3 (before: January's
    benchmark and grade 1)."""
    from greenmfg.compliance.pooling import works_years

    february = [{**r, "period": "2024-02"} for r in _works_rows()]
    for r in february:
        if r["facility_id"] == "JH" and r["item"] == "洗精煤":
            r["quantity"] = 1240
    bench = benchmark(account(write_rows([{**r, "period": "2024-01"} for r in _works_rows()] + february)))
    coke = {r.period: r for r in bench.results if r.facility_id == "JH"}
    assert (coke["2024-01"].value, coke["2024-01"].cls, coke["2024-01"].quota_grade) == (
        pytest.approx(108.6, rel=1e-9), "benchmark", 1)
    assert (coke["2024-02"].value, coke["2024-02"].cls, coke["2024-02"].quota_grade) == (
        pytest.approx(144.6, rel=1e-9), "below_baseline", "fails")
    (year,) = works_years(bench.works)
    process = {p["facility_id"]: p for p in year.derivation["processes"]}["JH"]
    assert process["value"] == pytest.approx(126.6, rel=1e-9) and process["output"] == 2000
    assert (process["benchmark_level"], process["baseline_level"]) == (pytest.approx(110), pytest.approx(135))
    assert process["quota_limits"] == {1: pytest.approx(110), 2: pytest.approx(110), 3: pytest.approx(135)}
    assert (process["class"], process["quota_grade"]) == ("between", 3)
    # the converter fails both months (11.17 kgce/t > −12, GB 21256-2025 表4) and the year
    assert {p["facility_id"]: p for p in year.derivation["processes"]}["ZL"]["quota_grade"] == "fails"


def test_works_without_sintering_or_coking_says_what_bought_burden_means(write_rows: WriteRows) -> None:
    rows = [r for r in _works_rows() if r["facility_id"] not in ("SJ", "JH")]
    works = benchmark(account(write_rows(rows))).works[0]
    # (369.132 + 12.29 + 39.9) tce / 1100 t
    assert works.value == pytest.approx(421.322 / 1.1, rel=1e-9)
    codes = {w.code for w in works.warnings}
    assert {"benchmarking.works.bought_burden", "benchmarking.works.bought_coke"} <= codes


def test_single_site_and_eaf_only_make_no_works(write_rows: WriteRows) -> None:
    single = [{**S, "item": "焦炭", "quantity": 500, "unit": "t", "flow": "消耗"},
              {**S, "item": "粗钢", "quantity": 1000, "unit": "t", "flow": "产出"}]
    bench = benchmark(account(write_rows(single)))
    assert bench.works == []
    assert next(r for r in bench.results if r.product == "crude_steel").indicator == "crude_steel_integrated"


def test_cli_table_and_xlsx_show_the_works(write_rows: WriteRows, tmp_path: Path) -> None:
    path = write_rows(_works_rows())
    table = runner.invoke(app, ["benchmark", str(path)], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "钢铁联合企业吨钢综合能耗" in table.output and "543.6" in table.output and "496.3/606.3" in table.output
    xlsx = tmp_path / "w.xlsx"
    assert runner.invoke(app, ["benchmark", str(path), "--format", "xlsx", "-o", str(xlsx)]).exit_code == 0
    works = sheet_records(openpyxl.load_workbook(xlsx)["works 联合企业"])[0]
    assert (works["enterprise_id"], works["class"], works["quota_grade"]) == ("S1", "标杆与基准之间", "3")  # class in words
    assert works["value"] == pytest.approx(597.92 / 1.1, rel=1e-9)
    assert works["savings_to_benchmark_tce"] == pytest.approx(52.022, rel=1e-9)
