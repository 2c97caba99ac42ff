"""Default fuel parameters by the methodology that applies, and the grid factor by year (issue #12, items 3 and 4).

Sources of the expected numbers:

* the steel guideline's own table: 《中国钢铁生产企业温室气体排放核算方法与报告指南（试行）》(NDRC 2013)
  附录二 常用化石燃料相关参数缺省值 (``fuel_parameters/ndrc-steel-2013``; one secondary transcription):
  anthracite 20.304 GJ/t, 27.49 tC/TJ, 94 %; coke-oven gas 173.54 GJ/10^4 Nm3, 12.10 tC/TJ, 99 %;
* the general table GB/T 32151.22-2024 表C.1 (``fuel_parameters/gbt32151.22-2024``): anthracite 26.7 GJ/t,
  27.4 tC/TJ, 94 %; coke-oven gas 179.81 GJ/10^4 Nm3, 13.58 tC/TJ, 99 %; briquette 17.460 GJ/t;
* GB/T 2589-2020 附录A: coke-oven gas 0.5714 kgce/m3; briquette 0.5000 kgce/kg (1 kgce = 29 307.6 kJ);
* MEE & NBS electricity CO2 factors, national: 2021 0.5568 (公告2024年第12号), 2022 0.5366,
  2023 0.5306 kgCO2/kWh.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from greenmfg.accounting.output import result_document, write_xlsx
from greenmfg.accounting.parameters import AccountingOptions, grid_series, grid_years
from greenmfg.accounting.service import account
from greenmfg.refdata import load_catalog
from tests.factories import column_keys

from ..conftest import WriteRows

CO2_PER_C = 44 / 12


def _results(path: Path, options: AccountingOptions | None = None) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = result_document(account(path, options))["results"]
    return results


def _fuel_line(result: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = result["lines"][0]
    return line


def test_steel_plant_uses_the_steel_guideline_table(write_rows: WriteRows) -> None:
    # today's code used GB/T 32151.22 表C.1 for every industry: 1000 × 26.7 × 0.0274 × 0.94 × 44/12 = 2521.51
    [result] = _results(write_rows([{"item": "无烟煤", "quantity": 1000, "unit": "t", "flow": "消耗"}]))
    expected = 1000 * 20.304 * 0.02749 * 0.94 * CO2_PER_C  # steel guideline 附录二
    assert result["emissions_tco2e"]["combustion"] == pytest.approx(expected, rel=1e-9)
    line = _fuel_line(result)
    refs = {p["name"]: p["ref"] for p in line["parameters"]}
    assert refs["net_calorific_value"] == "fuel_parameters/ndrc-steel-2013:anthracite.ncv"
    assert refs["carbon_content"] == "fuel_parameters/ndrc-steel-2013:anthracite.carbon_content"
    assert refs["oxidation_rate"] == "fuel_parameters/ndrc-steel-2013:anthracite.oxidation_rate"
    # the methodology is named on the line and the result
    assert line["methodology"]["id"] == result["methodology"]["id"] == "ndrc-steel-2013"
    assert "钢铁生产企业" in line["methodology"]["name_zh"]
    # the table is a single transcription: the result says so
    assert "fuel_parameters/ndrc-steel-2013:anthracite.ncv" in {w["ref"] for w in result["warnings"]}
    assert not [w for w in result["warnings"] if w["code"] == "accounting.result.general_fuel_defaults"]


def test_provenance_names_the_methodology_and_its_table(write_rows: WriteRows) -> None:
    run = account(write_rows([{"item": "无烟煤", "quantity": 1, "unit": "t", "flow": "消耗"}]))
    provenance = run.provenance()
    assert provenance["methodologies"]["steel"]["id"] == "ndrc-steel-2013"
    assert provenance["methodologies"]["steel"]["default_tables"] == ["fuel_parameters/ndrc-steel-2013"]
    assert "fuel_parameters/ndrc-steel-2013" in {d["id"] for d in provenance["datasets"]}  # type: ignore[union-attr]
    assert provenance["options"]["methodologies"] == "methodologies/industry-2026.1"  # type: ignore[index]


def test_general_table_when_selected(write_rows: WriteRows) -> None:
    path = write_rows([{"item": "无烟煤", "quantity": 1000, "unit": "t", "flow": "消耗"}])
    [result] = _results(path, AccountingOptions(methodologies=None))
    # GB/T 32151.22-2024 表C.1
    assert result["emissions_tco2e"]["combustion"] == pytest.approx(1000 * 26.7 * 0.0274 * 0.94 * CO2_PER_C,
                                                                    rel=1e-9)
    assert result["methodology"]["id"] == "general"
    [warning] = [w for w in result["warnings"] if w["code"] == "accounting.result.general_fuel_defaults"]
    assert "--fuel-defaults general" in warning["message"]


def test_industry_without_an_encoded_table_falls_back_with_a_warning(write_rows: WriteRows) -> None:
    # cement: its guideline's own table is not encoded → GB/T 32151.22 表C.1, said in a warning
    [result] = _results(write_rows([{"industry": "水泥", "item": "无烟煤", "quantity": 1000, "unit": "t",
                                     "flow": "消耗"}]))
    assert result["emissions_tco2e"]["combustion"] == pytest.approx(1000 * 26.7 * 0.0274 * 0.94 * CO2_PER_C,
                                                                    rel=1e-9)
    assert result["methodology"]["id"] == "ndrc-cement-2013"
    [warning] = [w for w in result["warnings"] if w["code"] == "accounting.result.general_fuel_defaults"]
    assert "fuel_parameters/gbt32151.22-2024:anthracite.ncv" in warning["ref"]
    assert "水泥" in warning["message_zh"]


def test_fuel_missing_from_the_methodology_table_falls_back_with_a_warning(write_rows: WriteRows) -> None:
    # the steel table has no briquette (型煤): GB/T 32151.22 表C.1's 17.460 GJ/t is used, and said
    [result] = _results(write_rows([{"item": "型煤", "quantity": 100, "unit": "t", "flow": "消耗"}]))
    line = _fuel_line(result)
    ncv = next(p for p in line["parameters"] if p["name"] == "net_calorific_value")
    assert ncv["ref"] == "fuel_parameters/gbt32151.22-2024:briquette.ncv"
    [warning] = [w for w in result["warnings"] if w["code"] == "accounting.result.general_fuel_defaults"]
    assert "ndrc-steel-2013" in warning["message"]


def test_enterprises_of_two_industries_in_one_run_use_their_own_defaults(write_rows: WriteRows) -> None:
    # the industry is part of the parameter set: the same fuel, region and year, two methodologies
    rows = [{"item": "焦炉煤气", "quantity": 100, "unit": "万立方米", "flow": "消耗"},
            {"enterprise_id": "E2", "industry": "水泥", "item": "焦炉煤气", "quantity": 100, "unit": "万立方米",
             "flow": "消耗"}]
    by_enterprise = {r["enterprise_id"]: r for r in _results(write_rows(rows))}
    steel = 100 * 173.54 * 0.0121 * 0.99 * CO2_PER_C  # steel guideline 附录二
    general = 100 * 179.81 * 0.01358 * 0.99 * CO2_PER_C  # GB/T 32151.22-2024 表C.1
    assert by_enterprise["E1"]["emissions_tco2e"]["combustion"] == pytest.approx(steel, rel=1e-9)
    assert by_enterprise["E2"]["emissions_tco2e"]["combustion"] == pytest.approx(general, rel=1e-9)


@pytest.mark.parametrize(("industry", "emissions_ncv"), [("钢铁", 173.54), ("水泥", 179.81)])
def test_energy_and_emissions_heating_values_shown_side_by_side(write_rows: WriteRows, industry: str,
                                                                emissions_ncv: float) -> None:
    # coke-oven gas: energy uses GB/T 2589's 0.5714 kgce/m3 (= 167.46 GJ/10^4 Nm3), emissions the
    # methodology's NCV; both on the line, with why
    [result] = _results(write_rows([{"industry": industry, "item": "焦炉煤气", "quantity": 1, "unit": "万立方米",
                                     "flow": "消耗"}]))
    heating = _fuel_line(result)["heating_values"]
    assert heating["energy_gj_per_unit"] == pytest.approx(5.714 * 29.3076, rel=1e-9)
    assert heating["emissions_gj_per_unit"] == pytest.approx(emissions_ncv, rel=1e-9)
    assert heating["energy_ref"].startswith("energy_coefficients/gbt2589-2020:coke_oven_gas.coefficient")
    assert "GB/T 2589" in heating["why_zh"]
    assert result["energy_tce"] == pytest.approx(5.714, rel=1e-9)


def test_briquette_heating_values(write_rows: WriteRows) -> None:
    # briquette: 0.5000 kgce/kg × 29.3076 = 14.65 GJ/t for energy, 17.460 GJ/t (表C.1) for emissions
    [result] = _results(write_rows([{"industry": "水泥", "item": "型煤", "quantity": 1, "unit": "t", "flow": "消耗"}]))
    heating = _fuel_line(result)["heating_values"]
    assert heating["energy_gj_per_unit"] == pytest.approx(14.6538, rel=1e-9)
    assert heating["emissions_gj_per_unit"] == pytest.approx(17.46, rel=1e-9)


def test_no_heating_values_pair_when_they_agree(write_rows: WriteRows) -> None:
    # anthracite has no GB/T 2589 coefficient: energy uses NCV / 29.3076, the same heating value
    [result] = _results(write_rows([{"item": "无烟煤", "quantity": 1, "unit": "t", "flow": "消耗"}]))
    assert "heating_values" not in _fuel_line(result)
    assert result["energy_tce"] == pytest.approx(20.304 / 29.3076, rel=1e-9)


# --- grid factor by year ----------------------------------------------------------------------------


def _electricity(period: str) -> dict[str, object]:
    return {"item": "电力", "quantity": 1000, "unit": "MWh", "flow": "外购", "period": period}


def test_data_of_2021_use_the_2021_factor(write_rows: WriteRows) -> None:
    # today's code multiplied 2021 data by the 2023 factor (0.5306): 530.6
    [result] = _results(write_rows([_electricity("2021-06")]))
    assert result["emissions_tco2e"]["purchased_electricity"] == pytest.approx(1000 * 0.5568, rel=1e-12)
    assert result["grid_factor_year"] == 2021
    line = _fuel_line(result)
    assert line["grid_factor_year"] == 2021
    assert line["parameters"][-1]["ref"] == "grid_factors/mee-nbs-2021:CN.ef"
    assert not [w for w in result["warnings"] if w["code"] == "accounting.result.grid_factor_year"]


def test_each_year_its_own_factor_in_one_run(write_rows: WriteRows) -> None:
    rows = [_electricity("2021"), _electricity("2022"), _electricity("2023")]
    results = {r["period"]: r for r in _results(write_rows(rows))}
    assert {p: r["grid_factor_year"] for p, r in results.items()} == {"2021": 2021, "2022": 2022, "2023": 2023}
    assert results["2022"]["emissions_tco2e"]["scope2"] == pytest.approx(536.6, rel=1e-12)


@pytest.mark.parametrize(("period", "factor_year", "factor"), [("2020-03", 2021, 0.5568), ("2025-03", 2023, 0.5306)])
def test_year_without_a_factor_uses_the_nearest_with_a_warning(write_rows: WriteRows, period: str,
                                                                factor_year: int, factor: float) -> None:
    [result] = _results(write_rows([_electricity(period)]))
    assert result["emissions_tco2e"]["scope2"] == pytest.approx(1000 * factor, rel=1e-12)
    assert result["grid_factor_year"] == factor_year
    [warning] = [w for w in result["warnings"] if w["code"] == "accounting.result.grid_factor_year"]
    assert warning["ref"] == f"grid_factors/mee-nbs-{factor_year}"
    assert f"{period[:4]}年数据" in warning["message_zh"]


def test_latest_rule_uses_the_latest_factor_and_says_so(write_rows: WriteRows) -> None:
    [result] = _results(write_rows([_electricity("2021-06")]), AccountingOptions(grid_factor_year="latest"))
    assert result["emissions_tco2e"]["scope2"] == pytest.approx(530.6, rel=1e-12)
    assert result["grid_factor_year"] == 2023
    [warning] = [w for w in result["warnings"] if w["code"] == "accounting.result.grid_factor_year"]
    assert "latest" in warning["message"]


def test_provenance_and_xlsx_show_the_factor_year(write_rows: WriteRows, tmp_path: Path) -> None:
    run = account(write_rows([_electricity("2021-06"), _electricity("2022-06")]))
    grid = run.provenance()["grid_factor"]
    assert grid == {"rule": "data", "years": {
        "2021": {"factor_year": 2021, "dataset": "grid_factors/mee-nbs-2021"},
        "2022": {"factor_year": 2022, "dataset": "grid_factors/mee-nbs-2022"}}}
    path = tmp_path / "out.xlsx"
    write_xlsx(run, path)
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    column = column_keys(sheet).index("grid_factor_year")
    assert rows[0][column] == "电网排放因子年份"  # the header in words, the key kept beside it
    assert sorted(r[column] for r in rows[1:]) == [2021, 2022]


def test_grid_series_and_years() -> None:
    catalog = load_catalog()
    assert grid_series(catalog, "grid_factors/mee-nbs-2023-fossil") == {
        2021: "grid_factors/mee-nbs-2021-fossil", 2022: "grid_factors/mee-nbs-2022-fossil",
        2023: "grid_factors/mee-nbs-2023-fossil"}
    assert grid_series(catalog, "grid_factors/ets-2022") == {2021: "grid_factors/ets-2021",
                                                            2022: "grid_factors/ets-2022"}
    series = {2021: "a", 2022: "b", 2023: "c"}
    assert grid_years(series, [2019, 2021, 2024], "data") == {2019: 2021, 2021: 2021, 2024: 2023}
    assert grid_years(series, [2019, 2021], "latest") == {2019: 2023, 2021: 2023}
    # a tie takes the earlier published year
    assert grid_years({2020: "x", 2022: "y"}, [2021], "data") == {2021: 2020}
