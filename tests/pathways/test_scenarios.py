"""pathways/scenarios.py and the scenario file: hand-checked runs, located errors, policies, the base year
from a file, targets, Monte Carlo, the command line, and the CMPI steel headline (methods.md §C.5)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from greenmfg.cli import app
from greenmfg.errors import ValidationFailed
from greenmfg.exports import keyed_cells
from greenmfg.pathways.scenario_file import read_scenario_file
from greenmfg.pathways.scenarios import GJ_PER_TCE, scenario_pathways
from greenmfg.refdata.catalog import load_catalog

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "pathways" / "province.yaml"

ONE_SECTOR = """\
title: 单一行业
base_year: 2020
end_year: 2030
grid_factor: {path: {2020: 0.6, 2030: 0.4}, source: test}
fuel_ef: {coal: 2.5}
sectors:
  - key: cement
    name: 水泥
    output: {base: 1000, growth_pct: {2021: 10, 2026: -10}}
    routes:
      - key: kiln
        energy_intensity: 100
        fuel_mix: {coal: {2020: 0.9, 2030: 0.8}, electricity: {2020: 0.1, 2030: 0.2}}
        process: {ratio: 0.7, ef: 0.5}
"""


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_one_sector_by_hand(tmp_path: Path) -> None:
    run = scenario_pathways(_write(tmp_path, ONE_SECTOR))
    s = run.scenarios[0]
    # 2020: 1000 t × 100 kgce/t = 100 tce; coal 90 tce × 2.5; electricity 10 tce / 0.1229 MWh × 0.6; process 1000 × 0.7 × 0.5
    expected_2020 = 90 * 2.5 + 10 / 0.1229 * 0.6 + 350
    assert s.total_tco2[0] == pytest.approx(expected_2020)
    # 2025: output 1000 × 1.1^5; mix half-way (coal 0.85, electricity 0.15); grid 0.5
    output = 1000 * 1.1 ** 5
    energy = output * 0.1
    assert s.total_tco2[5] == pytest.approx(energy * 0.85 * 2.5 + energy * 0.15 / 0.1229 * 0.5 + output * 0.35)
    assert s.peak_year == 2025 and s.peaked
    assert s.cumulative_tco2 == pytest.approx(sum(s.total_tco2))
    assert s.sectors[0].intensity[0] == pytest.approx(expected_2020 / 1000)


def test_fuel_factors_come_from_the_reference_library(tmp_path: Path) -> None:
    run = scenario_pathways(_write(tmp_path, ONE_SECTOR.replace("fuel_ef: {coal: 2.5}\n", "").replace(
        "coal", "bituminous_coal")))
    row = load_catalog().dataset("fuel_parameters/gbt32151.22-2024")
    carbon = row.get("bituminous_coal", "carbon_content")
    oxidation = row.get("bituminous_coal", "oxidation_rate")
    assert carbon is not None and oxidation is not None and carbon.value and oxidation.value
    ef = carbon.value / 1000 * oxidation.value / 100 * 44 / 12 * GJ_PER_TCE   # tC/TJ → tC/GJ, % → 1
    assert run.scenarios[0].emissions_tco2["combustion"][0] == pytest.approx(90 * ef)
    assert any(r.ref.endswith("bituminous_coal.carbon_content") and r.status == carbon.verification_status
               for r in run.references)
    assert any(w.code == "pathways.scenario.unverified_reference" for w in run.warnings)


def test_errors_are_located_and_nothing_is_computed(tmp_path: Path) -> None:
    bad = ONE_SECTOR.replace("energy_intensity: 100", "energy_intensity: lots").replace(
        "base: 1000", "bsae: 1000").replace("process: {ratio: 0.7", "process: {ratio: 1.7, colour: red")
    with pytest.raises(ValidationFailed) as caught:
        read_scenario_file(_write(tmp_path, bad))
    found = {(i.code, i.column): i for i in caught.value.issues}
    wrong = found[("pathways.scenario.not_a_number", "sectors[cement].routes[kiln].energy_intensity")]
    assert wrong.row == 12 and wrong.value == "lots" and wrong.file == "s.yaml"
    assert "数字" in wrong.message_zh
    typo = found[("pathways.scenario.unknown_field", "sectors[cement].output.bsae")]
    assert "did you mean base" in typo.fix
    assert ("pathways.scenario.unknown_field", "sectors[cement].routes[kiln].process.colour") in found


def test_aliases_and_broken_yaml_are_refused(tmp_path: Path) -> None:
    bomb = "a: &a [1, 1]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    with pytest.raises(ValidationFailed) as caught:
        read_scenario_file(_write(tmp_path, bomb))
    assert caught.value.issues[0].code == "pathways.scenario.alias"
    with pytest.raises(ValidationFailed) as caught:
        read_scenario_file(_write(tmp_path, "title: [unclosed\n"))
    assert caught.value.issues[0].code == "pathways.scenario.not_yaml"
    with pytest.raises(ValidationFailed) as caught:
        read_scenario_file(_write(tmp_path, "a: " + "[" * 50_000 + "]" * 50_000 + "\n"))
    assert caught.value.issues[0].code in ("pathways.scenario.too_deep", "pathways.scenario.not_yaml")


def test_a_policy_changes_only_what_it_names(tmp_path: Path) -> None:
    text = ONE_SECTOR + """\
policies:
  - key: ccus
    name: 碳捕集
    changes:
      sectors:
        - key: cement
          routes:
            - key: kiln
              ccus: {capture_rate_pct: 50, start_year: 2028, applies_to: [process]}
"""
    run = scenario_pathways(_write(tmp_path, text))
    base, policy = run.scenarios
    assert policy.key == "ccus" and policy.total_tco2[:8] == base.total_tco2[:8]
    process_2030 = base.emissions_tco2["process"][-1]
    assert policy.emissions_tco2["captured"][-1] == pytest.approx(-0.5 * process_2030)
    assert policy.total_tco2[-1] == pytest.approx(base.total_tco2[-1] - 0.5 * process_2030)


def test_benchmark_attainment_and_measures(tmp_path: Path) -> None:
    text = ONE_SECTOR.replace("energy_intensity: 100\n", "energy_intensity: 100\n        benchmark: {level: 80, year: 2030}\n"
                              "        measures: [{name: 变频, savings_pct: 10, start_year: 2021}]\n")
    s = scenario_pathways(_write(tmp_path, text)).scenarios[0]
    routes = s.sectors[0].routes[0]["energy_intensity_kgce_per_unit"]
    assert routes[0] == 100 and routes[1] == pytest.approx(90)      # the measure is below the cap (98)
    assert routes[8] == pytest.approx(84)                           # 2028: the cap 100 − 8 × 2 is lower than 90
    assert routes[10] == pytest.approx(80)


def test_base_year_from_a_file_replaces_output_and_intensity(tmp_path: Path) -> None:
    base = tmp_path / "base.csv"
    base.write_text("sector,year,output,energy_tce,emissions_tco2e\ncement,2019,1,1,1\ncement,2020,2000,160,9999\n",
                    encoding="utf-8")
    run = scenario_pathways(_write(tmp_path, ONE_SECTOR), base_from=base)
    s = run.scenarios[0]
    assert s.sectors[0].output[0] == 2000 and s.energy_tce[0] == pytest.approx(160)
    assert any(w.code == "pathways.scenario.base_year_mismatch" for w in run.warnings)
    bad = tmp_path / "bad.csv"
    bad.write_text("sector,year,output,energy_tce,emissions_tco2e\nsteel,2020,x,1,1\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        scenario_pathways(_write(tmp_path, ONE_SECTOR), base_from=bad)
    codes = {(i.code, i.cell) for i in caught.value.issues}
    assert ("footprint.input.not_a_number", "C2") in codes and ("footprint.input.unknown_sector", "A2") in codes


def test_targets_from_the_reference_library_and_the_file(tmp_path: Path) -> None:
    text = ONE_SECTOR + """\
value_added: {base: 100, growth_pct: 8}
targets:
  - ref: CN.co2_intensity.2025
  - {kind: cap, year: 2030, tco2: 1}
  - {kind: budget, from_year: 2021, year: 2025, tco2: 1.0e9}
  - {kind: intensity_reduction, basis: output, sector: cement, base_year: 2020, year: 2030, reduction_pct: 5}
  - ref: CN.provincial_budget
"""
    with pytest.raises(ValidationFailed) as caught:   # the provincial budgets were not found: say so
        scenario_pathways(_write(tmp_path, text))
    assert caught.value.issues[0].code == "pathways.scenario.target_not_found"
    run = scenario_pathways(_write(tmp_path, text.replace("  - ref: CN.provincial_budget\n", "")))
    s = run.scenarios[0]
    intensity, cap, budget, per_output = s.targets
    ratio = (s.total_tco2[5] / s.value_added[5]) / (s.total_tco2[0] / s.value_added[0])  # type: ignore[index]
    assert intensity.achieved == pytest.approx(ratio) and intensity.required == pytest.approx(0.82)
    assert intensity.met is (ratio <= 0.82) and intensity.status == "crosschecked"
    assert cap.met is False and budget.met is True
    assert per_output.achieved == pytest.approx(s.sectors[0].intensity[-1] / s.sectors[0].intensity[0])


def test_monte_carlo_is_reproducible_and_brackets_the_median(tmp_path: Path) -> None:
    text = ONE_SECTOR + """\
uncertainty:
  parameters:
    - {name: g, quantity: growth, distribution: normal, mean: 0, sd: 1}
    - {name: e, quantity: energy_intensity, distribution: triangular, low: 0.9, mode: 1, high: 1.2}
  correlations: [[g, e, 0.3]]
"""
    path = _write(tmp_path, text)
    first = scenario_pathways(path, draws=500, seed=5).scenarios[0].uncertainty
    again = scenario_pathways(path, draws=500, seed=5).scenarios[0].uncertainty
    other = scenario_pathways(path, draws=500, seed=6).scenarios[0].uncertainty
    assert first is not None and again is not None and other is not None
    assert first == again and first.total_tco2.p50 != other.total_tco2.p50
    assert all(lo <= mid <= hi for lo, mid, hi in zip(first.total_tco2.p5, first.total_tco2.p50, first.total_tco2.p95,
                                                      strict=True))
    assert first.total_tco2.p95[-1] > first.total_tco2.p5[-1]
    assert first.peak_probability == sorted(first.peak_probability) and first.draws == 500
    assert scenario_pathways(path, draws=0).scenarios[0].uncertainty is None


def _grid(key: str) -> float:
    catalog = load_catalog()
    record = next(r for r in catalog.newest("pathway_grid_factors").records if r["key"] == key)
    return float(record["value"])


def test_the_example_runs_with_bands_and_the_cited_grid_projections() -> None:
    run = scenario_pathways(EXAMPLE, draws=200)
    assert [s.key for s in run.scenarios] == ["baseline", "policy"]
    baseline, policy = run.scenarios
    assert policy.total_tco2[-1] < baseline.total_tco2[-1]
    # the baseline: published to 2023, then the default projection (IEA WEO 2023 STEPS), linear, held after 2050
    steps_2030, steps_2050 = _grid("CN.2030.iea_weo2023_steps"), _grid("CN.2050.iea_weo2023_steps")
    assert baseline.grid_factor[3] == pytest.approx(_grid("CN.2023"))
    assert baseline.grid_factor[5] == pytest.approx(_grid("CN.2023") + (steps_2030 - _grid("CN.2023")) * 2 / 7)
    assert baseline.grid_factor[10] == pytest.approx(steps_2030)
    assert baseline.grid_factor[30] == pytest.approx(steps_2050) and baseline.grid_factor[-1] == pytest.approx(steps_2050)
    # the policy names the Announced Pledges projection
    assert policy.grid_factor[10] == pytest.approx(_grid("CN.2030.iea_weo2023_aps"))
    assert policy.grid_factor[-1] == pytest.approx(_grid("CN.2050.iea_weo2023_aps"))
    codes = [w.code for w in run.warnings]
    assert codes.count("pathways.scenario.grid_factor_projection") == 2 and "pathways.scenario.grid_factor_held" not in codes
    assert any(r.ref == "pathway_grid_factors/greenmfg-2026.2:CN.2030.iea_weo2023_steps" and r.status == "secondary"
               for r in run.references)
    # the 15th Five-Year Plan target (−17 % from 2025 to 2030) is checked from the library
    fifteenth = next(t for t in baseline.targets if t.ref.endswith("CN.co2_intensity.2030_15fyp"))
    assert fifteenth.required == pytest.approx(0.83) and fifteenth.status == "crosschecked"
    va = baseline.value_added
    assert va is not None
    assert fifteenth.achieved == pytest.approx((baseline.total_tco2[10] / va[10]) / (baseline.total_tco2[5] / va[5]))
    document = run.to_document()
    json.dumps(document)
    assert document["scenarios"][1]["uncertainty"]["draws"] == 200
    assert {d["id"] for d in document["provenance"]["datasets"]} >= {"pathway_grid_factors/greenmfg-2026.2",
                                                                     "pathway_targets/greenmfg-2026.2"}
    assert document["provenance"]["options"]["grid_scenarios"] == {"baseline": "iea_weo2023_steps",
                                                                   "policy": "iea_weo2023_aps"}


NO_GRID = ONE_SECTOR.replace("grid_factor: {path: {2020: 0.6, 2030: 0.4}, source: test}\n", "")


def test_a_grid_projection_is_chosen_or_none_is_followed(tmp_path: Path) -> None:
    held = scenario_pathways(_write(tmp_path, "grid_factor: {scenario: published}\n" + NO_GRID))
    assert held.scenarios[0].grid_factor[-1] == pytest.approx(_grid("CN.2023"))       # greenmfg-2026.1's behaviour
    assert any(w.code == "pathways.scenario.grid_factor_held" for w in held.warnings)
    aps = scenario_pathways(_write(tmp_path, "grid_factor: {scenario: iea_weo2023_aps}\n" + NO_GRID))
    default = scenario_pathways(_write(tmp_path, NO_GRID))
    assert aps.scenarios[0].grid_factor[-1] == pytest.approx(_grid("CN.2030.iea_weo2023_aps"))
    assert default.scenarios[0].grid_factor[-1] == pytest.approx(_grid("CN.2030.iea_weo2023_steps"))
    # electricity is 20 % of the route's energy in 2030: the lower the factor, the lower the emissions
    assert aps.scenarios[0].total_tco2[-1] < default.scenarios[0].total_tco2[-1] < held.scenarios[0].total_tco2[-1]
    with pytest.raises(ValidationFailed) as caught:
        scenario_pathways(_write(tmp_path, "grid_factor: {scenario: iea_weo2099}\n" + NO_GRID))
    [issue] = caught.value.issues
    assert issue.code == "pathways.scenario.grid_scenario_unknown" and issue.value == "iea_weo2099"
    assert "iea_weo2023_aps" in issue.fix and "published" in issue.fix
    with pytest.raises(ValidationFailed) as caught:
        read_scenario_file(_write(tmp_path, "grid_factor: {scenario: published, path: 0.5}\n" + NO_GRID))
    assert caught.value.issues[0].code == "pathways.scenario.grid_path_and_scenario"
    assert caught.value.issues[0].row == 1


def test_the_grid_projections_are_their_cited_derivation() -> None:
    """Each projection row = the MEE 2022 factor × the change of the IEA power-sector CO2 per unit of
    generation since 2022, from the figures its source cites (greenmfg-2026.2's method)."""
    records = load_catalog().newest("pathway_grid_factors").records
    base = _grid("CN.2022")
    projections = [r for r in records if r["kind"] == "projection" and r["value"]]
    assert {r["scenario"] for r in projections} == {"iea_weo2023_steps", "iea_weo2023_aps"}
    for record in projections:
        co2, generation = (float(x) for x in re.search(r"([\d.]+) Mt CO2 / ([\d.]+) TWh", record["source"]).groups())
        co2_2022, gen_2022 = (float(x) for x in re.search(r"IEA 2022: ([\d.]+) Mt / ([\d.]+) TWh",
                                                         record["notes"]).groups())
        assert float(record["value"]) == pytest.approx(base * (co2 / generation) / (co2_2022 / gen_2022), abs=5e-5)
        assert record["verification_status"] == "secondary" and record["scenario_name_zh"] and record["scenario_name_en"]
    # the older edition stays loadable and unchanged: no projection
    old = load_catalog().dataset("pathway_grid_factors/greenmfg-2026.1").records
    assert not any(r["value"] for r in old if r["kind"] == "projection")


def test_targets_of_the_fifteenth_five_year_plan_and_older_editions(tmp_path: Path) -> None:
    text = ONE_SECTOR.replace("end_year: 2030", "end_year: 2031") + """\
value_added: {base: 100, growth_pct: 5}
targets:
  - ref: CN.co2_intensity.2030_15fyp
  - ref: CN.co2_intensity.2026
"""
    s = scenario_pathways(_write(tmp_path, text)).scenarios[0]
    plan, year = s.targets
    assert plan.ref == "pathway_targets/greenmfg-2026.2:CN.co2_intensity.2030_15fyp"
    va = s.value_added
    assert va is not None
    intensity = [e / v for e, v in zip(s.total_tco2, va, strict=True)]       # base year 2020: index 0
    assert (plan.year, plan.required) == (2030, pytest.approx(0.83)) and plan.status == "crosschecked"
    assert plan.achieved == pytest.approx(intensity[10] / intensity[5])      # 2030 against 2025
    assert (year.year, year.required) == (2026, pytest.approx(0.962))
    assert year.achieved == pytest.approx(intensity[6] / intensity[5])
    # the first edition had no figure for the 15th FYP: named by its edition, it says so
    old = text.replace("ref: CN.co2_intensity.2030_15fyp", "ref: pathway_targets/greenmfg-2026.1:CN.co2_intensity.2030_15fyp")
    with pytest.raises(ValidationFailed) as caught:
        scenario_pathways(_write(tmp_path, old))
    assert caught.value.issues[0].code == "pathways.scenario.target_not_found"


def _reference(key: str) -> float:
    record = next(r for r in load_catalog().dataset("pathway_peak_reference/cn-industry-2025").records
                  if r["key"] == key)
    return float(record["number"])


def test_cmpi_steel_headline_is_reproduced(tmp_path: Path) -> None:
    """CMPI/CISA (methods.md §C.5): crude steel 1.065 Gt in 2020 rising to a peak of 1.16 Gt in 2025, CO2
    peaking in 2025, 30 % (≈ 420 Mt) below the peak by 2030 — a peak of ≈ 1.4 Gt (derived by the pack).

    Built to their assumptions: the output path of the source; CO2 per tonne held at the level the derived
    peak implies (1.4 Gt / 1.16 Gt) until 2025 (the source names no technology change before the peak); the
    2030 output and intensity are not given by the source: assumed here as −15 % output and the rest from
    intensity (measures phased in 2026–2030). Reproduced: the peak year exactly, the peak within 1 % of
    the derived 1.4 Gt, the 2030 cut at 30 % ± 0.5 points and 420 Mt ± 2 %."""
    output_2020 = _reference("steel.output_2020") * 1e9
    output_peak = _reference("steel.output_peak") * 1e9
    peak_year = int(_reference("steel.co2_peak_year"))
    cut = _reference("steel.reduction_2030_pct") / 100
    peak_tco2 = _reference("steel.reduction_2030_mt") * 1e6 / cut
    tco2_per_t = peak_tco2 / output_peak
    savings = (1 - (1 - cut) / 0.85) * 100
    text = f"""\
title: CMPI 钢铁达峰
base_year: 2020
end_year: 2035
grid_factor: {{path: 0.5}}
fuel_ef: {{steel_mix: {tco2_per_t}}}
sectors:
  - key: steel
    output: {{base: {output_2020}, path: {{{peak_year}: {output_peak}, 2030: {output_peak * 0.85}}}}}
    routes:
      - key: all
        energy_intensity: 1000
        fuel_mix: {{steel_mix: 1}}
        measures: [{{name: 2026-2030 measures, savings_pct: {savings}, start_year: 2026, ramp_years: 5}}]
targets:
  - ref: steel.peak
"""
    s = scenario_pathways(_write(tmp_path, text)).scenarios[0]
    assert s.peak_year == peak_year and s.peaked
    assert s.peak_tco2 == pytest.approx(1.4e9, rel=0.01)
    reduction = 1 - s.total_tco2[10] / s.peak_tco2
    assert reduction == pytest.approx(0.30, abs=0.005)
    assert s.peak_tco2 - s.total_tco2[10] == pytest.approx(420e6, rel=0.02)
    assert s.targets[0].met is True and s.targets[0].ref == "pathway_targets/greenmfg-2026.2:steel.peak"


def test_command_line_json_xlsx_and_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    path = _write(tmp_path, ONE_SECTOR)
    result = runner.invoke(app, ["pathways", "scenario", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scenarios"][0]["peak"]["year"] == 2025
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["pathways", "scenario", str(path), "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    sheet = book["排放路径"]
    assert sheet.cell(1, 1).value == "情景" and "total_tco2" in keyed_cells(sheet)
    assert sheet.cell(2, keyed_cells(sheet)["total_tco2"][1]).value == pytest.approx(90 * 2.5 + 10 / 0.1229 * 0.6 + 350)
    result = runner.invoke(app, ["pathways", "scenario", str(path), "--lang", "en"])
    assert result.exit_code == 0 and "peak 2025" in result.stdout
    bad = _write(tmp_path, ONE_SECTOR.replace("end_year: 2030", "end_year: 2010"), "bad.yaml")
    result = runner.invoke(app, ["pathways", "scenario", str(bad)])
    assert result.exit_code == 2 and "end_year" in result.output and not (tmp_path / "never.json").exists()


def test_the_readme_command_runs_the_example() -> None:
    result = CliRunner().invoke(app, ["pathways", "scenario", str(EXAMPLE), "--draws", "100", "--seed", "1",
                                      "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "基准情景" in result.stdout and "政策情景" in result.stdout and "蒙特卡洛 100 次" in result.stdout
