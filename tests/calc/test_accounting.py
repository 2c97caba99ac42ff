"""The accounting plans of calc.accounting on a small cement facility, every figure worked by hand.

The formulas are those of the module docstring (GB/T 2589-2020, GB/T 32150/32151, NDRC/MEE
guidelines). The parameter values below are the test's own inputs (not read from the reference
library), chosen so each line can be worked out on paper:

=====================  ===========================  ==========================================  =====================
line                   quantity                     energy [tce]                                CO2e [t]
=====================  ===========================  ==========================================  =====================
raw coal, defaults     100 t                        100 × 0.7143 = 71.43                        100 × 20.908 × 0.0264 × 0.94 × 44/12
                                                                                                = 190.2460736
raw coal, measured     50 t, NCV 25 GJ/t            50 × 25 / 29.3076 = 42.651053…               50 × 25 × 0.0264 × 0.94 × 44/12
                                                                                                = 113.74
electricity purchased  1000 MWh                     1000 × 0.1229 = 122.9                       1000 × 0.57 = 570
electricity exported   100 MWh                      −100 × 0.1229 = −12.29                      −100 × 0.57 = −57
steam purchased        1000 t, h = 2.75614 GJ/t     1000 × 0.1286 = 128.6                       1000 × (2.75614 − 0.08374) × 0.11
                                                                                                = 293.964
clinker produced       1000 t, CaO 0.65 (0.01 not   0 (an output)                               1000 × (0.64 × 44/56 + 0.02 × 44/40)
                       from carbonates), MgO 0.02                                               = 524.857142…
=====================  ===========================  ==========================================  =====================

(0.08374 GJ/t: feed water at 20 °C, 83.74 kJ/kg; 0.11 tCO2/GJ: purchased heat.)
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pytest

from greenmfg.calc.accounting import (
    CATEGORIES,
    activity_lines,
    facility_products,
    facility_sums,
    facility_totals,
    method_choice,
    parameter_sets,
    regroup_sums,
)

KEYS = {"enterprise_id": "E1", "enterprise_name": "水泥厂", "industry": "cement", "region": "130000",
        "facility_id": "F1", "period": "2025"}
COAL_CO2 = 100 * 20.908 * 0.0264 * 0.94 * 44 / 12         # 2090.8 GJ × 0.0264 × 0.94 × 44/12 = 190.2460736 t
MEASURED_COAL_CO2 = 50 * 25.0 * 0.0264 * 0.94 * 44 / 12   # 113.74 t
CLINKER_CO2 = 1000 * ((0.65 - 0.01) * 44 / 56 + 0.02 * 44 / 40)  # 524.857142857 t
STEAM_CO2 = 1000 * (2.75614 - 0.08374) * 0.11              # 293.964 t


#: anode-effect PFC coefficients of the test [tCO2e/t per AE-min/cell-day; per mV/%]: 0.143 kg CF4 and
#: 0.121 × 0.143 kg C2F6 per AE-minute, at GWP 6630 and 11100: 0.143 × (6630 + 0.121 × 11100) / 1000
SLOPE_EF = 0.143 * (6630 + 0.121 * 11100) / 1000     # 1.1401533
OVC_EF = 1.16 * (6630 + 0.121 * 11100) / 1000        # 9.248796


def _parameters(industry: str = "cement", items: tuple[tuple[str, dict[str, float]], ...] | None = None
                ) -> ir.Table:
    columns = ("coef", "ncv", "cc", "of", "process_ef", "output_ef", "fixed_ef", "heat_content", "pfc_slope_ef",
               "pfc_ovc_ef")
    refs = ("coef_ref", "ncv_ref", "cc_ref", "of_ref", "process_ef_ref", "output_ref", "fixed_ref",
            "heat_content_ref", "pfc_slope_ref", "pfc_ovc_ref")
    warns = ("coef_warn", "ncv_warn", "cc_warn", "of_warn", "process_ef_warn", "output_warn", "fixed_warn",
             "heat_content_warn", "pfc_slope_warn", "pfc_ovc_warn")
    rows: list[dict[str, Any]] = []
    for item, values in items or (("raw_coal", {"coef": 0.7143, "ncv": 20.908, "cc": 0.0264, "of": 0.94}),
                                  ("electricity", {"coef": 0.1229}),
                                  ("steam", {"coef": 0.1286}),
                                  ("clinker", {"output_ef": 0.525})):
        row: dict[str, Any] = {"p_item": item, "p_industry": industry}
        for column, ref, warn in zip(columns, refs, warns, strict=True):
            row[column] = values.get(column)
            row[ref] = f"test:{item}.{column}" if column in values else None
            row[warn] = column == "cc"  # the carbon content is the one unverified default
        rows.append(row)
    schema = {"p_item": "string", "p_industry": "string", **dict.fromkeys(columns, "float64"),
              **dict.fromkeys(refs, "string"), **dict.fromkeys(warns, "boolean")}
    return ibis.memtable(rows, schema=schema)


LINES = [
    # item, kind, flow, unit, quantity, measured values
    ("raw_coal", "fuel", "consumed", "t", 100.0, {}),
    ("raw_coal", "fuel", "consumed", "t", 50.0, {"ncv_measured": 25.0}),
    ("electricity", "electricity", "purchased", "MWh", 1000.0, {}),
    ("electricity", "electricity", "exported", "MWh", 100.0, {}),
    ("steam", "steam", "purchased", "t", 1000.0, {"steam_enthalpy": 2.75614}),
    ("clinker", "product", "produced", "t", 1000.0, {"clinker_cao_measured": 0.65,
                                                      "clinker_cao_non_carbonate_measured": 0.01,
                                                      "clinker_mgo_measured": 0.02}),
]
MEASURED = ("ncv_measured", "carbon_content_measured", "oxidation_rate_measured", "clinker_cao_measured",
            "clinker_mgo_measured", "clinker_cao_non_carbonate_measured", "clinker_mgo_non_carbonate_measured",
            "anode_effect_minutes_measured", "anode_effect_overvoltage_measured", "current_efficiency_measured",
            "steam_pressure", "steam_temperature", "steam_enthalpy")


def _activity_and_keys(lines: list[tuple[str, str, str, str, float, dict[str, float]]] = LINES,
                       industry: str = "cement") -> tuple[ir.Table, ir.Table]:
    activity, keys = [], []
    for number, (item, kind, flow, unit, quantity, measured) in enumerate(lines):
        activity.append({**KEYS, "industry": industry, "item": item, "kind": kind, "flow": flow, "quantity": quantity, "unit": unit,
                         "quantity_input": quantity, "unit_input": unit, "parameter_set": number,
                         **{c: measured.get(c) for c in MEASURED}})
        keys.append({"parameter_set": number, "item": item, "kind": kind, "flow": flow, "unit": unit,
                     "industry": industry, "region": "130000", "year": 2025,
                     "measured_ncv": "ncv_measured" in measured, "measured_carbon_content": False,
                     "measured_oxidation_rate": False, "measured_clinker_oxides": "clinker_cao_measured" in measured,
                     "measured_pfc_slope": "anode_effect_minutes_measured" in measured,
                     "measured_pfc_overvoltage": "anode_effect_overvoltage_measured" in measured})
    activity_schema = {**dict.fromkeys(KEYS, "string"), "item": "string", "kind": "string", "flow": "string",
                       "quantity": "float64", "unit": "string", "quantity_input": "float64", "unit_input": "string",
                       "parameter_set": "int64", **dict.fromkeys(MEASURED, "float64")}
    keys_schema = {"parameter_set": "int64", "item": "string", "kind": "string", "flow": "string", "unit": "string",
                   "industry": "string", "region": "string", "year": "int64", "measured_ncv": "boolean",
                   "measured_carbon_content": "boolean", "measured_oxidation_rate": "boolean",
                   "measured_clinker_oxides": "boolean", "measured_pfc_slope": "boolean",
                   "measured_pfc_overvoltage": "boolean"}
    return ibis.memtable(activity, schema=activity_schema), ibis.memtable(keys, schema=keys_schema)


def _sets(keys: ir.Table, *, equal_value_basis: bool = False, parameters: ir.Table | None = None) -> ir.Table:
    grid = ibis.memtable([{"g_region": "130000", "g_year": 2025, "grid_ef": 0.57, "grid_ref": "test:grid",
                           "grid_warn": False}])
    electricity = ibis.memtable([{"e_year": 2025, "e_coef": 0.3, "e_ref": "test:equal_value", "e_warn": False}])
    return parameter_sets(keys, parameters if parameters is not None else _parameters(), grid, electricity, heat_ef_tco2_per_gj=0.11,
                          heat_ef_ref="test:heat", equal_value_basis=equal_value_basis)


def _lines(*, equal_value_basis: bool = False) -> list[dict[str, Any]]:
    activity, keys = _activity_and_keys()
    lines = activity_lines(activity, _sets(keys, equal_value_basis=equal_value_basis))
    return list(lines.order_by("parameter_set").to_pyarrow().to_pylist())


def test_each_line_by_its_formula() -> None:
    coal, measured, bought, sold, steam, clinker = _lines()
    assert (coal["category"], coal["energy_tce"]) == ("combustion", pytest.approx(71.43, rel=1e-12))
    assert coal["co2e_t"] == pytest.approx(COAL_CO2, rel=1e-12) and coal["co2e_t"] == pytest.approx(190.2460736)
    assert (coal["ncv"], coal["cc"], coal["of"]) == (20.908, 0.0264, 0.94)
    # a measured NCV replaces the coefficient (NCV / 29.3076 GJ/tce) and the default NCV
    assert measured["energy_tce"] == pytest.approx(50 * 25.0 / 29.3076, rel=1e-12)
    assert measured["energy_tce"] == pytest.approx(42.651053, abs=1e-6)
    assert measured["co2e_t"] == pytest.approx(MEASURED_COAL_CO2, rel=1e-12) == pytest.approx(113.74)
    assert measured["ncv"] == 25.0 and measured["ncv_ref"] == "measured"
    assert (bought["category"], bought["energy_tce"], bought["co2e_t"]) == (
        "purchased_electricity", pytest.approx(122.9, rel=1e-12), pytest.approx(570.0, rel=1e-12))
    # exported electricity enters negative
    assert (sold["category"], sold["energy_tce"], sold["co2e_t"]) == (
        "exported", pytest.approx(-12.29, rel=1e-12), pytest.approx(-57.0, rel=1e-12))
    # steam: heat net of the feed water's enthalpy; its energy by the GB/T 2589 coefficient
    assert (steam["category"], steam["energy_tce"]) == ("purchased_heat", pytest.approx(128.6, rel=1e-12))
    assert steam["heat_content"] == pytest.approx(2.6724, rel=1e-12)
    assert steam["co2e_t"] == pytest.approx(STEAM_CO2, rel=1e-12) == pytest.approx(293.964)
    # clinker: its measured oxides, not the default 0.525 t/t
    assert (clinker["category"], clinker["energy_tce"]) == ("process", 0.0)
    assert clinker["ef"] == pytest.approx(0.64 * 44 / 56 + 0.02 * 44 / 40, rel=1e-12)
    assert clinker["co2e_t"] == pytest.approx(CLINKER_CO2, rel=1e-12) == pytest.approx(524.857142857)


ALUMINIUM_LINES = [
    # default factor 0.4 tCO2e/t; the slope method (AEM 0.05); the overvoltage method (AEO 0.4 mV, CE 93 %);
    # both given: the slope method counts
    ("aluminium_liquid", "product", "produced", "t", 10000.0, {}),
    ("aluminium_liquid", "product", "produced", "t", 10000.0, {"anode_effect_minutes_measured": 0.05}),
    ("aluminium_liquid", "product", "produced", "t", 9000.0, {"anode_effect_overvoltage_measured": 0.4,
                                                              "current_efficiency_measured": 0.93}),
    ("aluminium_liquid", "product", "produced", "t", 1000.0, {"anode_effect_minutes_measured": 0.2,
                                                              "anode_effect_overvoltage_measured": 0.4,
                                                              "current_efficiency_measured": 0.93}),
]


def test_aluminium_pfc_by_the_slope_or_overvoltage_method_when_measured() -> None:
    parameters = _parameters("electrolytic_aluminium", (("aluminium_liquid", {
        "output_ef": 0.4, "pfc_slope_ef": SLOPE_EF, "pfc_ovc_ef": OVC_EF}),))
    activity, keys = _activity_and_keys(ALUMINIUM_LINES, "electrolytic_aluminium")
    lines = activity_lines(activity, _sets(keys, parameters=parameters)).order_by("parameter_set")
    default, slope, overvoltage, both = lines.to_pyarrow().to_pylist()
    assert default["co2e_t"] == pytest.approx(10000 * 0.4, rel=1e-12)
    assert default["ef_ref"] == "test:aluminium_liquid.output_ef"
    # slope: 10 000 t × 0.05 AE-min/cell-day × 0.143 kg CF4/t × (6630 + 0.121 × 11 100) / 1000 = 570.07665 t
    assert slope["co2e_t"] == pytest.approx(10000 * 0.05 * SLOPE_EF, rel=1e-12) == pytest.approx(570.07665)
    assert slope["ef_ref"].startswith("slope method") and "test:aluminium_liquid.pfc_slope_ef" in slope["ef_ref"]
    # overvoltage: 9 000 t × 1.16 × 0.4 mV / 93 % × 7.9731 / 1000 = 358.0179 t
    assert overvoltage["co2e_t"] == pytest.approx(9000 * 0.4 / 93 * OVC_EF, rel=1e-12)
    assert overvoltage["co2e_t"] == pytest.approx(358.0179, abs=1e-4)
    assert overvoltage["ef_ref"].startswith("overvoltage method")
    assert both["co2e_t"] == pytest.approx(1000 * 0.2 * SLOPE_EF, rel=1e-12)


def test_aluminium_measurements_without_a_coefficient_keep_the_default_factor() -> None:
    parameters = _parameters("electrolytic_aluminium", (("aluminium_liquid", {"output_ef": 0.4}),))
    activity, keys = _activity_and_keys(ALUMINIUM_LINES[1:3], "electrolytic_aluminium")
    lines = activity_lines(activity, _sets(keys, parameters=parameters)).order_by("parameter_set")
    slope, overvoltage = lines.to_pyarrow().to_pylist()
    assert slope["co2e_t"] == pytest.approx(10000 * 0.4) and overvoltage["co2e_t"] == pytest.approx(9000 * 0.4)
    assert slope["ef_ref"] == "test:aluminium_liquid.output_ef"


def test_unverified_defaults_are_named_and_nothing_is_missing() -> None:
    coal, measured, bought, *_ = _lines()
    # the default carbon content is unverified: both coal lines use it
    assert coal["unverified"] and "test:raw_coal.cc" in coal["warn_refs"]
    assert measured["unverified"] and bought["unverified"] is False
    assert all(line["missing"] is None for line in _lines())


def test_equal_value_basis_converts_electricity_at_its_own_coefficient() -> None:
    bought = _lines(equal_value_basis=True)[2]
    assert bought["energy_tce"] == pytest.approx(1000 * 0.3, rel=1e-12)
    assert bought["coef_ref"] == "test:equal_value"


def test_facility_totals_by_category_and_scope() -> None:
    activity, keys = _activity_and_keys()
    [totals] = facility_totals(facility_sums(activity_lines(activity, _sets(keys)))).to_pyarrow().to_pylist()
    energy = 71.43 + 50 * 25.0 / 29.3076 + 122.9 - 12.29 + 128.6  # 353.291053 tce
    assert totals["energy_tce"] == pytest.approx(energy, abs=1e-9)
    assert totals["combustion"] == pytest.approx(COAL_CO2 + MEASURED_COAL_CO2, abs=1e-9)
    assert totals["process"] == pytest.approx(CLINKER_CO2, abs=1e-9)
    assert totals["purchased_electricity"] == pytest.approx(570.0, abs=1e-9)
    assert totals["purchased_heat"] == pytest.approx(STEAM_CO2, abs=1e-9)
    assert totals["exported"] == pytest.approx(-57.0, abs=1e-9)
    # scope 1 = combustion + process; scope 2 = electricity + heat; total adds the (negative) exports
    assert totals["scope1"] == pytest.approx(190.2460736 + 113.74 + 524.857142857, abs=1e-6)
    assert totals["scope2"] == pytest.approx(570.0 + 293.964, abs=1e-9)
    assert totals["total"] == pytest.approx(totals["scope1"] + totals["scope2"] - 57.0, abs=1e-9)
    assert (totals["lines"], totals["unverified_lines"], totals["missing_lines"]) == (6, 2, 0)
    assert totals["set_aside"] == 0.0


def test_product_intensities_use_the_whole_facility() -> None:
    activity, keys = _activity_and_keys()
    lines = activity_lines(activity, _sets(keys))
    totals = facility_totals(facility_sums(lines))
    [product] = facility_products(lines, totals).to_pyarrow().to_pylist()
    [total] = totals.to_pyarrow().to_pylist()
    assert (product["product"], product["quantity"], product["products_in_facility"]) == ("clinker", 1000.0, 1)
    # kgce/t = 1000 × tce / t
    assert product["energy_intensity"] == pytest.approx(1000 * total["energy_tce"] / 1000, rel=1e-12)
    assert product["energy_intensity"] == pytest.approx(353.291053, abs=1e-6)
    assert product["emission_intensity"] == pytest.approx(total["total"] / 1000, rel=1e-12)
    assert (product["energy_intensity_unit"], product["emission_intensity_unit"]) == ("kgce/t", "tCO2e/t")


# ---------------------------------------------------------------- one method per process

def _method_lines(rank1_co2e: float) -> ir.Table:
    """A clinker process reported two ways: clinker output (rank 1) and raw-meal carbonates (rank 2)."""
    rows = [
        {**KEYS, "category": "combustion", "energy_tce": 100.0, "co2e_t": 250.0, "method_process": None,
         "method_rank": None},
        {**KEYS, "category": "process", "energy_tce": 0.0, "co2e_t": rank1_co2e, "method_process": "clinker",
         "method_rank": 1},
        {**KEYS, "category": "process", "energy_tce": 0.0, "co2e_t": 530.0, "method_process": "clinker",
         "method_rank": 2},
    ]
    for row in rows:
        row.update(unverified=False, missing=None)
    schema = {**dict.fromkeys(KEYS, "string"), "category": "string", "energy_tce": "float64", "co2e_t": "float64",
              "method_process": "string", "method_rank": "int32", "unverified": "boolean", "missing": "string"}
    return ibis.memtable(rows, schema=schema)


def _totals(lines: ir.Table) -> dict[str, Any]:
    [row] = facility_totals(facility_sums(lines, method_ranks=[("clinker", 1), ("clinker", 2)])).to_pyarrow(
    ).to_pylist()
    return dict(row)


def test_the_lowest_ranked_method_with_emissions_counts_and_the_other_is_set_aside() -> None:
    totals = _totals(_method_lines(525.0))
    # process = 525 + 530 − 530 set aside; total = 250 + 525
    assert (totals["_chosen_clinker"], totals["process"], totals["set_aside"]) == (1, 525.0, 530.0)
    assert totals["scope1"] == totals["total"] == 775.0
    # no emissions by the first method: the second counts, nothing is set aside
    fallback = _totals(_method_lines(0.0))
    assert (fallback["_chosen_clinker"], fallback["process"], fallback["set_aside"]) == (2, 530.0, 0.0)


def test_method_choice_marks_the_lines() -> None:
    lines = _method_lines(525.0)
    totals = facility_totals(facility_sums(lines, method_ranks=[("clinker", 1), ("clinker", 2)]))
    chosen = method_choice(lines, totals, period="period").order_by(ibis.desc("energy_tce"), "method_rank")
    fuel, counted, aside = chosen.to_pyarrow().to_pylist()
    assert (fuel["co2e_t"], fuel["set_aside_co2e_t"], fuel["method_used"]) == (250.0, None, None)
    assert (counted["co2e_t"], counted["set_aside_co2e_t"], counted["method_used"]) == (525.0, None, True)
    assert (aside["co2e_t"], aside["set_aside_co2e_t"], aside["method_used"]) == (0.0, 530.0, False)


def test_regrouped_sums_equal_the_sums_of_all_lines() -> None:
    lines = _method_lines(525.0)
    ranks = [("clinker", 1), ("clinker", 2)]
    parts = facility_sums(lines.filter(lines.method_rank.isnull()), method_ranks=ranks).union(
        facility_sums(lines.filter(lines.method_rank.notnull()), method_ranks=ranks))
    regrouped = facility_totals(regroup_sums(parts)).to_pyarrow().to_pylist()
    whole = facility_totals(facility_sums(lines, method_ranks=ranks)).to_pyarrow().to_pylist()
    assert regrouped == whole
    assert [regrouped[0][c] for c in CATEGORIES] == [250.0, 525.0, 0.0, 0.0, 0.0]
