"""Reference tests: published or derived worked examples, run through the whole engine (file → result).

Sources: `worked_examples.md` of the greenmfg reference pack (B = GHG, C = standard coal), with
parameters from GB/T 32151.22-2024 表C.1, GB/T 2589-2020 附录A, MEE 环办气候函〔2023〕43号 and
the NDRC guidelines as encoded in the reference library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from greenmfg.accounting.output import result_document
from greenmfg.accounting.parameters import AccountingOptions
from greenmfg.accounting.service import account

from ..conftest import WriteRows


def _result(path: Path, options: AccountingOptions | None = None) -> dict[str, Any]:
    document = result_document(account(path, options))
    assert len(document["results"]) == 1
    result: dict[str, Any] = document["results"][0]
    return result


@pytest.mark.parametrize(
    ("row", "category", "expected"),
    [
        # B2 GB/T 32151.22-2024 表C.1: 1000 t × 19.570 GJ/t × 0.0261 tC/GJ × 0.93 × 44/12
        ({"item": "烟煤", "quantity": 1000, "unit": "吨", "flow": "消耗"}, "combustion", 1741.74957),
        # B3: 100 ×10^4 Nm3 × 389.31 GJ/10^4Nm3 × 0.0153 × 0.99 × 44/12
        ({"item": "天然气", "quantity": 100, "unit": "万立方米", "flow": "consumed"}, "combustion", 2162.188809),
        # B4: 1000 t coke × 28.435 × 0.0295 × 0.93 × 44/12
        ({"item": "coke", "quantity": 1000, "unit": "t", "flow": "consumed"}, "combustion", 2860.418825),
        # B6: 10 000 GJ × 0.11 tCO2/GJ
        ({"item": "热力", "quantity": 10000, "unit": "GJ", "flow": "外购"}, "purchased_heat", 1100.0),
        # B7: 1000 t CaCO3 × 0.4397 (stoichiometric)
        ({"item": "石灰石", "quantity": 1000, "unit": "t", "flow": "工艺"}, "process", 439.7),
        # B8: 100 000 t Al × (0.034 kg CF4/t × 6630 + 0.0034 kg C2F6/t × 11100) / 1000
        ({"item": "电解铝", "quantity": 100000, "unit": "t", "flow": "产出"}, "process", 26316.0),
        # B9: 1000 t net anode × (1 − 2 % − 0.4 %) × 44/12
        ({"item": "炭阳极", "quantity": 1000, "unit": "t", "flow": "process"}, "process", 3578.666666667),
    ],
)
def test_ghg_worked_examples(write_rows: WriteRows, row: dict[str, object], category: str, expected: float) -> None:
    # the examples are worked with the general table (GB/T 32151.22-2024 表C.1); the fixture's
    # enterprise is a steel plant, whose own methodology has its own table (see test_methodology.py)
    result = _result(write_rows([row]), AccountingOptions(methodologies=None))
    emissions = result["emissions_tco2e"]
    assert emissions[category] == pytest.approx(expected, rel=1e-9)
    assert emissions["total"] == pytest.approx(expected, rel=1e-9)


def test_b5_purchased_electricity_with_ets_2022_factor(write_rows: WriteRows) -> None:
    # B5: 10 000 MWh × 0.5703 tCO2/MWh (环办气候函〔2023〕43号)
    result = _result(write_rows([{"item": "电力", "quantity": 1000, "unit": "万千瓦时", "flow": "外购"}]),
                     AccountingOptions(grid_factor="grid_factors/ets-2022"))
    assert result["emissions_tco2e"]["purchased_electricity"] == pytest.approx(5703.0, rel=1e-12)
    assert result["emissions_tco2e"]["scope2"] == pytest.approx(5703.0, rel=1e-12)
    assert result["emissions_tco2e"]["scope1"] == 0


@pytest.mark.parametrize(
    ("row", "expected_tce"),
    [
        # C: 1 000 000 kWh × 0.1229 kgce/kWh (equivalent basis)
        ({"item": "电力", "quantity": 1_000_000, "unit": "kWh", "flow": "purchased"}, 122.9),
        # C: 1000 t raw coal × 0.7143 kgce/kg
        ({"item": "原煤", "quantity": 1000, "unit": "t", "flow": "consumed"}, 714.3),
        # C: 1000 t low-pressure steam × 0.1286 kgce/kg (its state, needed for its emissions, does not
        # change its energy)
        ({"item": "蒸汽", "quantity": 1000, "unit": "t", "flow": "purchased", "steam_pressure": 0.6}, 128.6),
        # C: 10 000 GJ heat × 34.12 kgce/GJ
        ({"item": "热力", "quantity": 10000, "unit": "吉焦", "flow": "purchased"}, 341.2),
    ],
)
def test_standard_coal_worked_examples(write_rows: WriteRows, row: dict[str, object], expected_tce: float) -> None:
    assert _result(write_rows([row]))["energy_tce"] == pytest.approx(expected_tce, rel=1e-9)


def test_measured_parameters_override_defaults(write_rows: WriteRows) -> None:
    row = {"item": "烟煤", "quantity": 1000, "unit": "t", "flow": "consumed", "ncv": 21.0, "ncv_unit": "GJ/t",
           "carbon_content": 25.0, "carbon_content_unit": "tC/TJ", "oxidation_rate": "95%"}
    result = _result(write_rows([row]))
    assert result["emissions_tco2e"]["combustion"] == pytest.approx(1000 * 21.0 * 0.025 * 0.95 * 44 / 12, rel=1e-12)
    # GB/T 2589: coefficient = measured NCV / 29 307.6 kJ/kgce
    assert result["energy_tce"] == pytest.approx(1000 * 21.0 / 29.3076, rel=1e-12)
    refs = {p["name"]: p["ref"] for p in result["lines"][0]["parameters"]}
    assert refs["net_calorific_value"] == "measured"
    assert refs["oxidation_rate"] == "measured"
    assert not [w for w in result["warnings"] if "bituminous_coal.ncv" in w["ref"]]


def test_exported_electricity_is_deducted(write_rows: WriteRows) -> None:
    rows = [{"item": "电力", "quantity": 10000, "unit": "MWh", "flow": "外购"},
            {"item": "电力", "quantity": 2000, "unit": "MWh", "flow": "输出"}]
    result = _result(write_rows(rows))
    ef = 0.5306  # MEE/NBS 2023 national average (default dataset)
    assert result["emissions_tco2e"]["purchased_electricity"] == pytest.approx(10000 * ef, rel=1e-12)
    assert result["emissions_tco2e"]["exported"] == pytest.approx(-2000 * ef, rel=1e-12)
    assert result["emissions_tco2e"]["total"] == pytest.approx(8000 * ef, rel=1e-12)
    assert result["energy_tce"] == pytest.approx(8000 * 0.1229, rel=1e-12)


def test_chemical_carbon_balance(write_rows: WriteRows) -> None:
    rows = [{"industry": "化工", "item": "天然气", "quantity": 100, "unit": "万立方米", "flow": "原料"},
            {"industry": "化工", "item": "甲醇", "quantity": 500, "unit": "t", "flow": "产出"}]
    result = _result(write_rows(rows))
    carbon_in = 100 * 389.31 * 0.0153          # t C in feedstock (no oxidation factor)
    carbon_out = 500 * 0.375                   # t C fixed in methanol
    assert result["emissions_tco2e"]["process"] == pytest.approx((carbon_in - carbon_out) * 44 / 12, rel=1e-12)
    # feedstock energy is part of comprehensive energy consumption (GB/T 2589)
    assert result["energy_tce"] == pytest.approx(100 * 13.3, rel=1e-12)
    product = result["products"][0]
    assert product["product"] == "methanol"
    assert product["energy_intensity"] == pytest.approx(100 * 13.3 * 1000 / 500, rel=1e-12)
    assert product["energy_intensity_unit"] == "kgce/t"


def test_steel_carbon_fixed_in_crude_steel(write_rows: WriteRows) -> None:
    rows = [{"item": "焦炭", "quantity": 1000, "unit": "t", "flow": "消耗"},
            {"item": "粗钢", "quantity": 5000, "unit": "t", "flow": "产出"}]
    result = _result(write_rows(rows))
    assert result["emissions_tco2e"]["process"] == pytest.approx(-5000 * 0.0154, rel=1e-12)
    codes = {w["code"] for w in result["warnings"]}
    assert "accounting.result.unverified_value" in codes  # 0.0154 is a recalled value
    assert any("crude_steel.fixed_ef" in w["ref"] for w in result["warnings"])


def test_equal_value_electricity_basis(write_rows: WriteRows) -> None:
    rows = [{"item": "电力", "quantity": 1000, "unit": "MWh", "flow": "外购", "period": "2020-06"}]
    equivalent = _result(write_rows(rows))["energy_tce"]
    equal_value = _result(write_rows(rows), AccountingOptions(electricity_basis="equal-value"))["energy_tce"]
    assert equivalent == pytest.approx(122.9, rel=1e-12)
    assert equal_value == pytest.approx(305.5, rel=1e-12)  # 2020 supply coal consumption 305.5 gce/kWh


def test_equal_value_years_without_a_figure_use_the_fixed_basis(write_rows: WriteRows) -> None:
    # electricity_equal_value/cec-supply-coal-r2 (the default): 2021-2024 are still not_found, so
    # 2023 takes the fixed 等价值 0.3000 kgce/kWh (GB 30251-2024 0.21 kgoe/kWh), and says where it came from
    assert AccountingOptions().electricity_equal_value == "electricity_equal_value/cec-supply-coal-r2"
    rows = [{"item": "电力", "quantity": 1000, "unit": "MWh", "flow": "外购", "period": "2023-06"}]
    result = _result(write_rows(rows), AccountingOptions(electricity_basis="equal-value"))
    assert result["energy_tce"] == pytest.approx(300.0, rel=1e-12)
    refs = {p["ref"] for line in result["lines"] for p in line["parameters"]}
    assert "electricity_equal_value/cec-supply-coal-r2:default.coefficient" in refs


def test_regional_grid_factor(write_rows: WriteRows) -> None:
    # data of 2022: the factors of the 2022 edition (the default rule takes the data year's factor)
    rows = [{"item": "电力", "quantity": 1000, "unit": "MWh", "flow": "外购", "region": "江苏", "period": "2022-06"}]
    national = _result(write_rows(rows), AccountingOptions(grid_factor="grid_factors/mee-nbs-2022"))
    regional = _result(write_rows(rows), AccountingOptions(grid_factor="grid_factors/mee-nbs-2022",
                                                          grid_level="regional"))
    assert national["emissions_tco2e"]["scope2"] == pytest.approx(1000 * 0.5366, rel=1e-12)
    east = regional["lines"][0]["parameters"][-1]
    assert east["ref"] == "grid_factors/mee-nbs-2022:east.ef"
    assert regional["emissions_tco2e"]["scope2"] == pytest.approx(1000 * east["sources"][0]["value"], rel=1e-12)


def test_missing_parameter_is_warned_not_hidden(write_rows: WriteRows) -> None:
    # carbon powder has no default carbon content: the line counts zero and says so
    result = _result(write_rows([{"industry": "平板玻璃", "item": "碳粉", "quantity": 10, "unit": "t",
                                  "flow": "工艺"}]))
    assert result["lines"][0]["missing"] == "carbon_powder.process_ef"
    missing = [w for w in result["warnings"] if w["code"] == "accounting.result.missing_parameter"]
    assert [w["ref"] for w in missing] == ["carbon_powder.process_ef"]
    # with a measured carbon content the line counts
    measured = _result(write_rows([{"industry": "平板玻璃", "item": "碳粉", "quantity": 10, "unit": "t",
                                    "flow": "工艺", "carbon_content": 0.8, "carbon_content_unit": "tC/t"}]))
    assert measured["emissions_tco2e"]["process"] == pytest.approx(10 * 0.8 * 44 / 12, rel=1e-9)
    assert not measured["warnings"]
