"""``greenmfg pathways decompose`` and the decomposition service: files, located errors, stored results.

Ang's example (tests/pathways/data/README.md) goes through the whole command; stored results are
created the way enterprises create them (upload + commit) and the decomposed totals are checked
against the counted results summed independently here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from greenmfg.accounting.models import FacilityResult
from greenmfg.calc.lmdi import logarithmic_mean
from greenmfg.cli import app
from greenmfg.db.session import Database
from greenmfg.errors import ValidationFailed
from greenmfg.exports import keyed_cells
from greenmfg.pathways.decomposition import Scope, decompose_file, decompose_stored, workbook_bytes
from tests.factories import ACTIVITY_HEADER, World

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def effects(document: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    aggregate = next(a for a in document["aggregates"] if a["name"] == name)
    return {e["key"]: e for e in aggregate["effects"]}


def test_the_command_reproduces_angs_example(tmp_path: Path) -> None:
    out = tmp_path / "ang.json"
    result = runner.invoke(app, ["pathways", "decompose", str(DATA / "lmdi_ang_example.csv"), "--base", "2000",
                                 "--target", "2001", "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    energy = effects(document, "energy")
    assert document["structure_levels"] == ["sector", "subsector"]
    assert energy["activity"]["additive"] == pytest.approx(26.4269, abs=5e-5)
    assert energy["activity"]["multiplicative"] == pytest.approx(1.5936, abs=5e-5)
    assert energy["energy_intensity"]["additive"] == pytest.approx(-24.5256, abs=5e-5)
    assert energy["energy_intensity"]["multiplicative"] == pytest.approx(0.6489, abs=5e-5)
    structure = energy["structure.sector"]["additive"] + energy["structure.subsector"]["additive"]
    assert structure == pytest.approx(12.0987, abs=5e-5)
    assert (energy["structure.sector"]["multiplicative"] * energy["structure.subsector"]["multiplicative"]
            == pytest.approx(1.2378, abs=5e-5))
    assert energy["structure.sector"]["name_zh"] == "行业间结构效应"
    checks = next(a for a in document["aggregates"] if a["name"] == "energy")["checks"]
    assert abs(checks["additive_residual"]) < 1e-9 and abs(checks["multiplicative_residual"]) < 1e-9
    assert checks["logarithmic_mean"] == pytest.approx((64 - 50) / math.log(64 / 50))
    for value in checks["link"].values():
        assert value == pytest.approx(checks["logarithmic_mean"], rel=1e-9)
    assert [a["name"] for a in document["aggregates"]] == ["energy"]   # no emissions column


def test_the_table_names_the_effects_in_both_languages() -> None:
    result = runner.invoke(app, ["pathways", "decompose", str(DATA / "lmdi_ang_example.csv"), "--base", "2000",
                                 "--target", "2001", "--lang", "both", "--method", "multiplicative"])
    assert result.exit_code == 0, result.output
    assert "活动水平效应" in result.output and "Activity effect" in result.output
    assert "1.5936" in result.output and "+26.4269" in result.output
    assert result.output.index("乘法分解") < result.output.index("加法分解")


FUELS = """region,sector,fuel,year,output,energy_tce,emissions_tco2e,output_unit
河北,钢铁,煤炭,2020,100,60,160,万元
河北,钢铁,电力,2020,,20,50,万元
河北,钢铁,过程,2020,,,30,万元
河北,水泥,煤炭,2020,80,30,80,万元
河北,水泥,电力,2020,,10,25,万元
河北,钢铁,煤炭,2024,120,55,147,万元
河北,钢铁,电力,2024,,30,60,万元
河北,钢铁,过程,2024,,,30,万元
河北,钢铁,天然气,2024,,5,8,万元
河北,水泥,煤炭,2024,70,25,66,万元
河北,水泥,电力,2024,,10,-5,万元
"""


def test_fuel_rows_split_carbon_intensity_into_mix_grid_fuel_and_process(tmp_path: Path) -> None:
    path = tmp_path / "fuels.csv"
    path.write_text(FUELS, encoding="utf-8")
    result = decompose_file(path, base=2020, target=2024)
    emissions = result.aggregate("emissions")
    assert (emissions.base_value, emissions.target_value) == (345.0, 306.0)
    keys = [e.key for e in emissions.effects]
    assert keys == ["activity", "structure.region", "structure.sector", "energy_intensity", "fuel_mix", "fuel_factor",
                    "grid_factor", "process_intensity"]
    assert sum(e.additive for e in emissions.effects) == pytest.approx(-39.0)
    assert math.prod(e.multiplicative or 0 for e in emissions.effects) == pytest.approx(306 / 345)
    assert emissions.zero_terms == ("河北/钢铁/天然气",)          # natural gas first used in 2024
    assert emissions.sign_change_terms == ("河北/水泥/电力",)     # green power credit: +25 → −5
    assert [d for d, _ in emissions.convergence] == [1e-10, 1e-15, 1e-20, None]
    by_key = {e.key: e.additive for e in emissions.effects}
    assert by_key["structure.region"] == 0.0   # one region
    energy = result.aggregate("energy")
    assert (energy.base_value, energy.target_value) == (120.0, 125.0)
    assert [e.key for e in energy.effects] == ["activity", "structure.region", "structure.sector", "energy_intensity"]
    document = result.to_document()
    assert document["aggregates"][0]["sign_change_terms"] == ["河北/水泥/电力"]


def test_the_workbook_has_words_and_keys(tmp_path: Path) -> None:
    path = tmp_path / "fuels.csv"
    path.write_text(FUELS, encoding="utf-8")
    out = tmp_path / "d.xlsx"
    result = runner.invoke(app, ["pathways", "decompose", str(path), "--base", "2020", "--target", "2024",
                                 "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    sheet = book["LMDI 分解效应"]
    assert set(keyed_cells(sheet)) >= {"aggregate", "effect", "additive", "multiplicative", "share_of_change"}
    assert [c.value for c in sheet[1]][:2] == ["分解对象", "效应"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    grid = next(r for r in rows if r[2] == "grid_factor")
    assert grid[1] == "电网排放因子效应"
    total = next(r for r in rows if r[2] == "total" and r[0] == "碳排放（tCO2e）") if any(
        r[0] == "碳排放（tCO2e）" for r in rows) else next(r for r in rows if r[2] == "total")
    assert total[3] == pytest.approx(-39.0)
    assert "零值处理的收敛" in book.sheetnames
    english = load_workbook(__import__("io").BytesIO(workbook_bytes(decompose_file(path, base=2020, target=2024),
                                                                    locale="en")))
    assert english["LMDI effects"]["B1"].value == "Effect"


@pytest.mark.parametrize(("content", "code", "cell", "fix_zh"), [
    ("sector,year,output\n钢铁,2020,1\n", "pathways.input.missing_column", "", "综合能耗"),
    ("sector,year,output,energy_tce\n钢铁,2020,1,abc\n钢铁,2021,1,2\n", "pathways.input.not_a_number", "D2", "数字"),
    ("sector,year,output,energy_tce\n钢铁,20x0,1,2\n钢铁,2021,1,2\n", "pathways.input.bad_year", "B2", "四位年份"),
    ("sector,year,output,energy_tce,emissions_tco2e\n钢铁,2020,1,2,x\n", "pathways.input.not_a_number", "E2", "碳捕集"),
    ("sector,year,output,energy_tce\n钢铁,2020,1,2\n钢铁,2020,1,3\n", "pathways.input.duplicate_row", "B3", "只保留一行"),
    ("sector,fuel,year,output,energy_tce,emissions_tco2e\n钢铁,过程,2020,1,5,2\n", "pathways.input.process_energy",
     "E2", "燃料行"),
])
def test_bad_input_is_located_and_nothing_is_written(tmp_path: Path, content: str, code: str, cell: str,
                                                     fix_zh: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        decompose_file(path, base=2020, target=2021)
    issue = caught.value.issues[0]
    assert issue.code == code and issue.file == "bad.csv" and issue.cell == cell
    assert fix_zh in issue.fix_zh + issue.message_zh
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["pathways", "decompose", str(path), "--base", "2020", "--target", "2021",
                                 "--format", "json", "-o", str(out), "--lang", "zh"])
    assert result.exit_code == 2 and not out.exists()


def test_a_year_missing_from_the_data_is_named(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pathways", "decompose", str(DATA / "lmdi_ang_example.csv"), "--base", "2000",
                                 "--target", "2005", "--lang", "en"])
    assert result.exit_code == 2
    assert "no rows of 2005" in result.output and "2000, 2001" in result.output


def test_xlsx_needs_an_output_file() -> None:
    result = runner.invoke(app, ["pathways", "decompose", str(DATA / "lmdi_ang_example.csv"), "--base", "2000",
                                 "--target", "2001", "--format", "xlsx"])
    assert result.exit_code == 2


# ------------------------------------------------------------------------------------------ stored results

STEEL = ("E-STEEL", "唐山示例钢铁有限公司", "钢铁", "E-STEEL-F1")
GLASS = ("E-GLASS", "邢台示例玻璃有限公司", "平板玻璃", "E-GLASS-F1")


def activity_csv(who: tuple[str, str, str, str], rows: list[tuple[str, str, float, str, str]]) -> bytes:
    code, name, industry, facility = who
    lines = [",".join(ACTIVITY_HEADER)]
    lines += [f"{code},{name},{industry},130000,{facility},{period},{item},{quantity},{unit},{flow}"
              for period, item, quantity, unit, flow in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def steel(period: str, coke: float, output: float, power: float = 120.0) -> list[tuple[str, str, float, str, str]]:
    return [(period, "焦炭", coke, "吨", "consumed"), (period, "电力", power, "万千瓦时", "purchased"),
            (period, "粗钢", output, "吨", "produced")]


def glass(period: str, gas: float, output: float) -> list[tuple[str, str, float, str, str]]:
    return [(period, "天然气", gas, "万立方米", "consumed"), (period, "电力", 80.0, "万千瓦时", "purchased"),
            (period, "平板玻璃", output, "重量箱", "produced")]



def counted_totals(database: Database, enterprise_ids: list[int], year: int) -> tuple[float, float]:
    with database.session() as session:
        rows = session.execute(select(FacilityResult.energy_tce, FacilityResult.total_tco2e).where(
            FacilityResult.enterprise_id.in_(enterprise_ids), FacilityResult.counted.is_(True),
            FacilityResult.year == year)).all()
    return sum(r[0] for r in rows), sum(r[1] for r in rows)


def test_an_enterprise_decomposes_its_stored_results_by_product(database: Database, seeded: World) -> None:
    result = decompose_stored(database, Scope("enterprise", enterprise_id=seeded.org("steel")), base=2023, target=2024)
    energy, emissions = result.aggregate("energy"), result.aggregate("emissions")
    for year, aggregate_value in ((2023, 0), (2024, 1)):
        energy_total, emission_total = counted_totals(database, [seeded.org("steel")], year)
        assert (energy.base_value, energy.target_value)[aggregate_value] == pytest.approx(energy_total)
        assert (emissions.base_value, emissions.target_value)[aggregate_value] == pytest.approx(emission_total)
    assert energy_total > 0 and emission_total > 0
    assert sum(e.additive for e in emissions.effects) == pytest.approx(emissions.change)
    keys = {e.key for e in emissions.effects}
    assert {"activity", "structure.product", "energy_intensity", "carbon_intensity.combustion",
            "carbon_intensity.electricity"} <= keys
    activity = next(e for e in emissions.effects if e.key == "activity")
    # one product: activity effect = Σ_c L(C_c^2024, C_c^2023) · ln(66000 / 60000), by carrier as stored
    with database.session() as session:
        by_year = {r.year: r for r in session.execute(select(FacilityResult).where(
            FacilityResult.enterprise_id == seeded.org("steel"), FacilityResult.counted.is_(True))).scalars()}
        carriers = [(getattr(by_year[2023], c), getattr(by_year[2024], c)) for c in (
            "combustion_tco2e", "process_tco2e", "purchased_electricity_tco2e", "purchased_heat_tco2e")]
    by_hand = sum(logarithmic_mean(b, a) * math.log(66000 / 60000) for a, b in carriers if a and b)
    assert activity.additive == pytest.approx(by_hand, rel=1e-9)
    assert activity.multiplicative == pytest.approx(math.exp(by_hand / logarithmic_mean(
        emissions.target_value, emissions.base_value)), rel=1e-9)
    assert result.scope["kind"] == "enterprise"


def test_a_region_and_an_industry_decompose_their_enterprises(database: Database, seeded: World) -> None:
    region = decompose_stored(database, Scope("region", province="130000"), base=2023, target=2024)
    ids = [seeded.org("steel"), seeded.org("glass")]
    energy_2023, emissions_2023 = counted_totals(database, ids, 2023)
    energy_2024, emissions_2024 = counted_totals(database, ids, 2024)
    assert region.levels == ("industry", "enterprise")
    assert region.aggregate("energy").base_value == pytest.approx(energy_2023)
    assert region.aggregate("emissions").target_value == pytest.approx(emissions_2024)
    for a in region.aggregates:
        assert sum(e.additive for e in a.effects) == pytest.approx(a.change)
        assert a.ratio is not None
        assert math.prod(e.multiplicative or 0 for e in a.effects) == pytest.approx(a.ratio)
    with database.session() as session:
        from greenmfg.orgs.models import Organisation

        key = session.get(Organisation, seeded.org("steel")).industry  # type: ignore[union-attr]
    industry = decompose_stored(database, Scope("industry", industry=key), base=2023, target=2024)
    assert industry.levels == ("enterprise",)
    steel_2023 = counted_totals(database, [seeded.org("steel")], 2023)
    assert industry.aggregate("energy").base_value == pytest.approx(steel_2023[0])
    assert next(e for e in industry.aggregate("energy").effects if e.key == "structure.enterprise").additive == 0.0


def test_a_scope_without_results_is_a_located_error(database: Database, seeded: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        decompose_stored(database, Scope("region", province="440000"), base=2023, target=2024)
    assert caught.value.issues[0].code == "pathways.stored.no_results"
