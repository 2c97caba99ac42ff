"""pathways.macc: the measures library as data, its instantiation by hand, the enterprise's measures
file (located errors), the diagnosis's measures, the run (target, budget, allowance effect), the
workbook and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from greenmfg.calc.ets_allowances import allocate_line
from greenmfg.cli import app
from greenmfg.diagnosis.service import Check
from greenmfg.diagnosis.service import Measure as DiagnosisMeasure
from greenmfg.errors import ValidationFailed
from greenmfg.ets.allowances import rules_for
from greenmfg.exports import keyed_cells
from greenmfg.pathways.macc import (
    ACTIVITIES,
    EtsOptions,
    MaccOptions,
    MeasureRow,
    library_measures,
    measures_from_checks,
    read_measures,
    run_macc,
)
from greenmfg.pathways.macc_output import workbook_bytes
from greenmfg.refdata import load_catalog
from greenmfg.refdata.catalog import STATUSES

runner = CliRunner()
FIXED = MaccOptions(grid_ef=0.5, electricity_price=0.6, fuel_price=40.0)


def _records(family: str) -> tuple[dict[str, str], ...]:
    return load_catalog().newest(family).records       # the edition the library reads


def test_the_library_is_consistent_and_cited() -> None:
    uses = {r["key"]: r for r in _records("pathway_energy_uses")}
    measures = _records("pathway_measures")
    industries = {"steel", "cement", "aluminium", "glass", "chemicals", "general"}
    assert {r["industry"] for r in measures} == industries
    groups: dict[str, set[str]] = {}
    for r in measures:
        assert r["activity"] in ACTIVITIES and r["activity_unit"] == ACTIVITIES[r["activity"]][0], r["key"]
        assert r["source"] and r["verification_status"] in STATUSES, r["key"]
        assert r["name_zh"] and r["name_en"] and r["applicability_zh"] and r["applicability_en"], r["key"]
        assert float(r["lifetime_years"]) > 0 and float(r["capex_cny"]) >= 0, r["key"]
        if r["energy_use"]:
            assert uses[r["energy_use"]]["activity"] == r["activity"], r["key"]
        if r["exclusive_group"]:
            groups.setdefault(r["exclusive_group"], set()).add(r["industry"])
    assert all(len(v) == 1 for v in groups.values())
    # at the default factors every measure abates no more than its use emits (the interaction needs it)
    activities = {key: 1000.0 for key in ACTIVITIES}
    rows, _ = library_measures(activities, MaccOptions())
    assert len(rows) == len(measures)
    for row in rows:
        if row.energy_use:
            assert row.use_emissions_tco2e is not None and 0 < row.abatement_tco2e <= row.use_emissions_tco2e, row.key


def test_a_library_measure_by_hand() -> None:
    rows, findings = library_measures({"crude_steel": 1_000_000.0}, FIXED, industries=["steel"])
    trt = next(r for r in rows if r.key == "steel.trt_dry")
    # 27 kWh/t × 1 Mt × 0.5 tCO2/MWh = 13 500 t; capex 20 CNY/t; energy 27 GWh × 0.6 CNY/kWh
    assert trt.abatement_tco2e == pytest.approx(13_500.0)
    assert trt.covered_tco2e == 0.0
    assert trt.capex_cny == pytest.approx(20e6) and trt.opex_change_cny == pytest.approx(1e6)
    assert trt.energy_saving_cny == pytest.approx(16.2e6)
    # fuel on a use: 0.3 GJ/t × 0.107873 tCO2/GJ (coke); the use emits 12.5 GJ/t × the same factor
    pci = next(r for r in rows if r.key == "steel.pci")
    assert pci.abatement_tco2e == pytest.approx(1e6 * 0.3 * 0.107873)
    assert pci.covered_tco2e == pytest.approx(pci.abatement_tco2e)
    assert pci.use_emissions_tco2e == pytest.approx(1e6 * 12.5 * 0.107873)
    assert pci.energy_saving_cny == pytest.approx(1e6 * 0.3 * 40.0)
    assert {r.industry for r in rows} == {"steel"}
    codes = {f.code for f in findings}
    assert "pathways.macc.unverified_library" in codes and "pathways.macc.assumed_prices" not in codes
    # a grid factor high enough makes the EAF switch abate nothing: left out and said so
    rows, findings = library_measures({"crude_steel": 1e6}, MaccOptions(grid_ef=3.5), industries=["steel"])
    assert "steel.eaf_route" not in {r.key for r in rows}
    assert any(f.code == "pathways.macc.no_abatement" and f.value == "steel.eaf_route" for f in findings)


def test_the_second_edition_keeps_every_measure_and_its_cited_values_reach_the_curve() -> None:
    catalog = load_catalog()
    first = {r["key"]: r for r in catalog.dataset("pathway_measures/greenmfg-2026.1").records}
    second = {r["key"]: r for r in catalog.dataset("pathway_measures/greenmfg-2026.2").records}
    assert catalog.newest("pathway_measures").id == "pathway_measures/greenmfg-2026.2"
    assert list(second) == list(first)                       # no measure dropped, none renamed
    changed = {k for k in first if any(first[k][c] != second[k][c] for c in ("electricity_saved_kwh", "fuel_saved_gj",
                                                                             "direct_other_tco2e", "capex_cny"))}
    assert changed == {"steel.sinter_whr", "cement.whr_power", "aluminium.new_cell"}
    for key in changed:                                      # each changed value is cited with its derivation
        assert "http" in second[key]["source"] and second[key]["notes"], key
    # the first edition is still loadable with its own (recalled) values
    assert first["aluminium.new_cell"]["electricity_saved_kwh"] == "600"
    # a run on 100 000 t of aluminium uses 2026.2's cited values: 1 300 kWh/t saved and 91 CNY per t/yr invested
    rows, _ = library_measures({"aluminium_liquid": 100_000.0}, FIXED, industries=["aluminium"])
    cell = next(r for r in rows if r.key == "aluminium.new_cell")
    kwh, capex = float(second["aluminium.new_cell"]["electricity_saved_kwh"]), float(second["aluminium.new_cell"]["capex_cny"])
    assert (kwh, capex) == (1300.0, 91.0)
    assert cell.abatement_tco2e == pytest.approx(100_000 * kwh * 0.5 / 1000)
    assert cell.capex_cny == pytest.approx(100_000 * capex)
    assert cell.energy_saving_cny == pytest.approx(100_000 * kwh * 0.6)
    assert cell.reference == "pathway_measures/greenmfg-2026.2:aluminium.new_cell"
    # the 2009 source's "pays back in about three months": the library's figures give about two
    assert capex / (kwh * 0.4) * 12 == pytest.approx(2.1, abs=0.1)
    result = run_macc(rows, MaccOptions(grid_ef=0.5, electricity_price=0.6, fuel_price=40.0))
    step = next(s for s in result.curve if s.key == "aluminium.new_cell")
    assert step.stand_alone_abatement == pytest.approx(cell.abatement_tco2e) and step.marginal_cost < 0  # pays back
    steel, _ = library_measures({"crude_steel": 1e6}, FIXED, industries=["steel"])
    sinter = next(r for r in steel if r.key == "steel.sinter_whr")
    assert sinter.electricity_saved_mwh == pytest.approx(1e6 * 20 / 1000)    # 20 kWh per t sinter, ≈ 1 t per t steel


GOOD = """措施编号,措施名称,年减排量,投资,年运行费用变化,年节能收益,寿命,互斥组,用能环节,用能环节排放
vsd,泵变频,300,200000,0,150000,10,,motors,1000
ie4,高效电机,50,100000,,30000,15,,motors,1000
whr,余热发电,800,3000000,20000,600000,20,heat,,
orc,有机朗肯循环,500,1500000,10000,350000,20,heat,,
"""


def test_own_measures_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "measures.csv"
    path.write_text(GOOD, encoding="utf-8")
    rows = read_measures(path)
    assert [r.key for r in rows] == ["vsd", "ie4", "whr", "orc"]
    assert rows[0].use_emissions_tco2e == 1000.0 and rows[2].group == "heat"
    assert rows[1].opex_change_cny == 0.0 and rows[0].covered_tco2e == 300.0
    result = run_macc(rows, MaccOptions(target=1000.0))
    # whr and orc are alternatives (orc + anything stays below 1000); vsd and ie4 pay for themselves and
    # combine to 1000 × (1 − 0.7 × 0.95) = 335, not 350
    assert result.portfolio.chosen == ("vsd", "ie4", "whr")
    assert result.portfolio.abatement == pytest.approx(800 + 335)
    steps = {s.key: s for s in result.curve}
    assert steps["vsd"].abatement == pytest.approx(300.0) and steps["ie4"].abatement == pytest.approx(50 * 0.7)
    # on the curve the cheaper-per-tonne alternative (orc) stands; the target needs the other (whr)
    assert result.off_curve == ["whr"] and "orc" in steps


def test_xlsx_measures_file_is_read(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    for line in GOOD.strip().splitlines():
        sheet.append([float(c) if c.replace(".", "").isdigit() else (c or None) for c in line.split(",")])
    path = tmp_path / "measures.xlsx"
    book.save(path)
    assert [r.abatement_tco2e for r in read_measures(path)] == [300.0, 50.0, 800.0, 500.0]


def test_bad_measures_file_is_refused_with_located_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("key,name,abatement_tco2e,capex_cny,lifetime_years,energy_use,use_emissions_tco2e\n"
                    "a,A,-5,100,10,,\n"
                    "b,B,10,abc,10,,\n"
                    "a,C,10,100,0,,\n"
                    "d,D,10,100,10,kiln,\n"
                    "e,E,200,100,10,kiln,150\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        read_measures(path)
    issues = {(i.row, i.column, i.code) for i in caught.value.issues}
    assert (2, "abatement_tco2e", "pathways.macc.input.out_of_range") in issues
    assert (3, "capex_cny", "pathways.macc.input.not_a_number") in issues
    assert (4, "key", "pathways.macc.input.duplicate_key") in issues
    assert (4, "lifetime_years", "pathways.macc.input.out_of_range") in issues
    assert (5, "use_emissions_tco2e", "pathways.macc.input.missing_use_emissions") in issues
    assert (6, "abatement_tco2e", "pathways.macc.input.abatement_above_use") in issues
    for issue in caught.value.issues:
        assert issue.file == "bad.csv" and issue.message and issue.message_zh and issue.fix_zh
    capex = next(i for i in caught.value.issues if i.column == "capex_cny")
    assert capex.cell == "D3" and capex.value == "abc"
    missing = tmp_path / "missing.csv"
    missing.write_text("key,name\nx,X\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        read_measures(missing)
    assert {i.column for i in caught.value.issues} >= {"abatement_tco2e", "capex_cny", "lifetime_years"}


def _row(key: str, abatement: float, cost_saving: float, capex: float, covered: float | None = None,
         group: str | None = None) -> MeasureRow:
    return MeasureRow(key=key, name_zh=key, name_en=key, origin="file", abatement_tco2e=abatement,
                      covered_tco2e=abatement if covered is None else covered, capex_cny=capex, opex_change_cny=0.0,
                      energy_saving_cny=cost_saving, lifetime_years=10.0, group=group)


def test_a_budget_is_the_target_below_the_baseline() -> None:
    rows = [_row("a", 100, 0, 100_000), _row("b", 300, 0, 500_000), _row("c", 250, 0, 300_000)]
    by_target = run_macc(rows, MaccOptions(target=350.0))
    by_budget = run_macc(rows, MaccOptions(budget=650.0, baseline=1000.0))
    assert by_budget.target == pytest.approx(350.0)
    assert by_budget.portfolio.chosen == by_target.portfolio.chosen == ("a", "c")
    with pytest.raises(ValidationFailed):
        run_macc(rows, MaccOptions(target=1.0, budget=2.0, baseline=3.0))
    with pytest.raises(ValidationFailed):
        run_macc(rows, MaccOptions(budget=2.0))
    with pytest.raises(ValidationFailed):
        run_macc(rows, MaccOptions(discount_rate=-0.1))
    out_of_reach = run_macc(rows, MaccOptions(target=1e6))
    assert not out_of_reach.portfolio.feasible
    assert any(f.code == "pathways.macc.target_out_of_reach" for f in out_of_reach.findings)


def test_allowance_effect_of_the_portfolio() -> None:
    rows = [_row("kiln", 1000, 0, 100_000, covered=900), _row("power", 500, 0, 50_000, covered=0)]
    # 2024: cement lines are allocated their verified emissions: allowances fall with emissions, net 0
    result = run_macc(rows, MaccOptions(target=1500.0, ets=EtsOptions("cement", 2024)))
    effect = result.allowance_effect
    assert effect is not None and effect.delta_emissions == pytest.approx(-900.0)
    assert effect.delta_allowances == pytest.approx(-900.0) and effect.delta_net == pytest.approx(0.0)
    # 2025: balance value; recomputed here with allocate_line before and after
    ets = EtsOptions("cement", 2025, emissions=800_000.0, output=1_000_000.0, balance_value=0.85)
    effect = run_macc(rows, MaccOptions(target=1500.0, ets=ets)).allowance_effect
    assert effect is not None
    [rule] = [r.rule for r in rules_for(2025, "cement") if r.rule.case == "general"]
    before = allocate_line("", rule, emissions_tco2e=800_000.0, intensity_tco2_per_t=0.8, balance_value=0.85)
    after = allocate_line("", rule, emissions_tco2e=799_100.0, intensity_tco2_per_t=0.7991, balance_value=0.85)
    assert before.allowances is not None and after.allowances is not None
    assert effect.delta_allowances == pytest.approx(after.allowances - before.allowances)
    assert effect.delta_net == pytest.approx(after.allowances - before.allowances + 900.0)
    # without the line's year the balance-value effect cannot be computed, and the result says so
    result = run_macc(rows, MaccOptions(target=1500.0, ets=EtsOptions("cement", 2025)))
    assert result.allowance_effect is not None and result.allowance_effect.delta_allowances is None
    assert any(f.code == "pathways.macc.allowance_effect_incomplete" for f in result.findings)


def _check(code: str, kind: str, tco2: float | None, equipment_id: int) -> Check:
    measure = DiagnosisMeasure(target="IE4", target_zh="IE4", target_value=95.0, kwh=20_000.0, tce=2.458,
                               tco2=tco2, cost_saving_cny=14_000.0, replacement_cost_cny=40_000.0, cost_assumed=True,
                               payback_years=2.9, basis="8000 h × 0.8", basis_zh="8000 小时 × 0.8")
    return Check(equipment_id=equipment_id, code=code, name=code, kind=kind, facility_id=None, standard=None,
                 rating=None, minimum=None, minimum_status=None, actual=None, grade=None, below_minimum=True,
                 gap=None, measure=measure)


def test_diagnosis_measures_become_macc_measures() -> None:
    rows, findings = measures_from_checks([_check("M-1", "motor", 10.6, 1), _check("B-1", "industrial_boiler", None, 2)])
    [row] = rows
    assert row.key == "diagnosis.M-1" and row.abatement_tco2e == 10.6 and row.covered_tco2e == 0.0
    assert row.capex_cny == 40_000.0 and row.energy_saving_cny == 14_000.0 and row.lifetime_years == 15.0
    assert row.group == "equipment.1" and row.electricity_saved_mwh == pytest.approx(20.0)
    assert {f.code for f in findings} == {"pathways.macc.assumed_lifetime", "pathways.macc.diagnosis_without_tco2"}
    result = run_macc(rows, MaccOptions())
    assert result.portfolio.chosen == ("diagnosis.M-1",)   # pays for itself: 14 000 > 40 000 × CRF(8 %, 15)


def test_document_and_workbook(tmp_path: Path) -> None:
    rows, findings = library_measures({"clinker": 1_500_000.0, "motor_electricity": 20_000.0}, FIXED,
                                      industries=["cement", "general"])
    result = run_macc(rows, MaccOptions(grid_ef=0.5, electricity_price=0.6, fuel_price=40.0, target=100_000.0),
                      findings=findings)
    document = json.loads(json.dumps(result.to_document()))
    assert document["portfolio"]["feasible"] and document["portfolio"]["abatement_tco2e"] >= 100_000
    assert {"pathway_measures/greenmfg-2026.2", "pathway_energy_uses/greenmfg-2026.1"} <= set(document["datasets"])
    assert {s["key"] for s in document["curve"]} | set(document["off_curve"]) == {m["key"] for m in document["measures"]}
    assert document["curve"][-1]["cumulative_abatement_tco2e"] == pytest.approx(
        sum(s["abatement_tco2e"] for s in document["curve"]))
    book = load_workbook(__import__("io").BytesIO(workbook_bytes(result, lang="zh-CN")))
    sheet = book.worksheets[0]
    keys = keyed_cells(sheet)
    assert {"measure_key", "abatement_tco2e", "mac_cny_per_tco2e", "in_portfolio"} <= set(keys)
    assert sheet.cell(*keys["mac_cny_per_tco2e"]).value == "边际减排成本（元/tCO2e）"
    assert sheet.cell(*keys["measure"]).value == "减排措施"
    english = load_workbook(__import__("io").BytesIO(workbook_bytes(result, lang="en"))).worksheets[0]
    assert english.cell(*keys["mac_cny_per_tco2e"]).value == "Marginal abatement cost (CNY/tCO2e)"


def test_command_line(tmp_path: Path) -> None:
    measures = tmp_path / "measures.csv"
    measures.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "macc.json"
    result = runner.invoke(app, ["pathways", "macc", str(measures), "--industry", "general", "--activity",
                                 "motor_electricity=20000", "--target", "1500", "--format", "json", "-o", str(out),
                                 "--grid-ef", "0.5"])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    origins = {m["origin"] for m in document["measures"]}
    assert origins == {"file", "library"} and document["portfolio"]["abatement_tco2e"] >= 1500
    xlsx = tmp_path / "macc.xlsx"
    result = runner.invoke(app, ["pathways", "macc", str(measures), "--format", "xlsx", "-o", str(xlsx), "--lang", "en"])
    assert result.exit_code == 0 and load_workbook(xlsx).sheetnames[0] == "Measures"
    table = runner.invoke(app, ["pathways", "macc", str(measures), "--lang", "zh", "--target", "900"])
    assert table.exit_code == 0 and "最低成本组合" in table.output
    bad = runner.invoke(app, ["pathways", "macc", "--industry", "steel", "--activity", "steel=5", "--lang", "en"])
    assert bad.exit_code == 2 and "not an activity of the library" in bad.output
    nothing = runner.invoke(app, ["pathways", "macc", "--lang", "en"])
    assert nothing.exit_code == 2
    broken = tmp_path / "broken.csv"
    broken.write_text("key,name,abatement_tco2e,capex_cny,lifetime_years\nx,X,ten,5,5\n", encoding="utf-8")
    refused = runner.invoke(app, ["pathways", "macc", str(broken), "--lang", "zh", "-o", str(tmp_path / "no.json")])
    assert refused.exit_code == 2 and "不是数字" in refused.output and not (tmp_path / "no.json").exists()
