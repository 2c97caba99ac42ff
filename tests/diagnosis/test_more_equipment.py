"""Air compressors (GB 19153-2019) and industrial boilers (GB 24500-2020) against the encoded minimum
allowable values, and the GB 17167-2006 metering requirements dataset.

The limits used below are rows of the encoded datasets (read from them in each test, so an edited
value fails the test rather than silently moving it); the savings are worked by hand from the
formulas of ``greenmfg.calc.diagnosis``. No published worked example of these two standards was
found, so none is reproduced.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from greenmfg.calc.diagnosis import KGCE_PER_GJ
from greenmfg.diagnosis import service
from greenmfg.diagnosis.models import Equipment
from greenmfg.refdata import load_catalog

FACTORS = service.Factors(kgce_per_kwh=0.1229, coefficient_ref="energy_coefficients/gbt2589-2020:electricity",
                          coefficient_status="verified", grid_kgco2_per_kwh=0.5, grid_ref="test", grid_status="verified",
                          electricity_price=0.7, fuel_price=1200.0, price_assumed=False)


def value(dataset: str, key: str, parameter: str) -> float:
    row = load_catalog().dataset(dataset).get(key, parameter)
    assert row is not None and row.value is not None, (dataset, key, parameter)
    return row.value


def item(**fields: Any) -> Equipment:
    base: dict[str, Any] = {"id": 1, "enterprise_id": 1, "facility_id": None, "code": "X-1", "name": "x",
                            "hours_per_year": 6000.0, "load_factor": 0.8}
    return Equipment(**(base | fields))


def check(**fields: Any) -> service.Check:
    [result] = service.check_equipment([item(**fields)], FACTORS)
    return result


def codes(result: service.Check) -> set[str]:
    return {w.code for w in result.warnings}


# ------------------------------------------------------------------ datasets


def test_new_datasets_load_with_monotonic_grades_and_statuses() -> None:
    catalog = load_catalog()
    compressors = catalog.dataset(service.COMPRESSOR_DATASET)
    keys = compressors.keys()
    ratings = (1.5, 2.2, 22, 30, 37, 45, 55, 75, 90, 110, 132, 160, 200)
    assert {k[len("oir."):k.index("kW") + 2] for k in keys} == {f"{p:g}kW" for p in ratings}
    for key in keys:
        g = {n: compressors.get(key, f"grade_{n}") for n in (1, 2, 3)}
        present = [g[n].value for n in (1, 2, 3) if g[n] is not None and g[n].value is not None]  # type: ignore[union-attr]
        assert present == sorted(present), key  # grade 1 has the lowest specific power
        for row in g.values():
            assert row is None or row.verification_status in ("secondary", "not_found")
            assert row is None or row.unit == "kW/(m3/min)"
    # spot checks against the transcription (GB 19153-2019 表1 via adgo07/EquipEffi standards/compressor.json)
    assert value(service.COMPRESSOR_DATASET, "oir.22kW.0.8MPa.air", "grade_3") == 8.5
    assert value(service.COMPRESSOR_DATASET, "oir.22kW.0.8MPa.liquid", "grade_3") == 8.2
    assert value(service.COMPRESSOR_DATASET, "oir.1.5kW.0.7MPa.air", "grade_1") == 8.8
    assert value(service.COMPRESSOR_DATASET, "oir.75kW.0.8MPa.air", "grade_3") == 7.5
    assert value(service.COMPRESSOR_DATASET, "oir.110kW.0.7MPa.liquid", "grade_1") == 5.5
    assert value(service.COMPRESSOR_DATASET, "oir.200kW.1.25MPa.liquid", "grade_3") == 8.7
    assert compressors.get("oir.1.5kW.0.7MPa.liquid", "grade_3") is None  # '-' in the standard

    boilers = catalog.dataset(service.BOILER_DATASET)
    boiler_keys = boilers.keys()
    for key in boiler_keys:
        present = [r.value for n in (1, 2, 3) if (r := boilers.get(key, f"grade_{n}")) is not None]
        assert present == sorted(present, reverse=True), key  # grade 1 has the highest efficiency
        assert all(r.verification_status == "secondary" for r in boilers.rows if r.key == key)
    assert value(service.BOILER_DATASET, "chamber.natural_gas", "grade_3") == 92
    assert value(service.BOILER_DATASET, "layered.bituminous_II.le14MW", "grade_3") == 80
    assert value(service.BOILER_DATASET, "electric", "grade_3") == 97
    assert boilers.get("electric", "grade_1") is None

    metering = catalog.dataset(service.METERING_DATASET)
    assert {r.verification_status for r in metering.rows} == {"recalled"}
    assert all(0 < (r.value or 0) <= 100 for r in metering.rows)
    metering_keys = metering.keys()
    for key in metering_keys:  # the boundary needs at least what a secondary unit or equipment needs
        unit = metering.get(key, "equipping_rate.unit")
        for level in ("secondary_unit", "equipment"):
            lower = metering.get(key, f"equipping_rate.{level}")
            assert unit is not None and (lower is None or (lower.value or 0) <= (unit.value or 0)), key


# ------------------------------------------------------------------ air compressors


def test_compressor_above_the_maximum_specific_power_is_flagged_with_savings() -> None:
    limit = value(service.COMPRESSOR_DATASET, "oir.22kW.0.8MPa.air", "grade_3")  # 8.5
    best = value(service.COMPRESSOR_DATASET, "oir.22kW.0.8MPa.air", "grade_1")  # 6.9
    result = check(kind="air_compressor", rated_power_kw=22, pressure_mpa=0.8, flow_m3_min=3.0, specific_power=9.0,
                   name="1号螺杆空压机 风冷")
    assert result.below_minimum is True and result.grade is None
    assert result.minimum == limit and result.gap == pytest.approx(9.0 - limit)
    assert result.unit == "kW/(m3/min)" and result.minimum_status == "secondary"
    measure = result.measure
    assert measure is not None and measure.target_value == best
    # ΔE = (SP_old − SP_new) × Q × h × β = (9.0 − 6.9) × 3.0 × 6000 × 0.8 = 30 240 kWh
    assert measure.kwh == pytest.approx((9.0 - best) * 3.0 * 6000 * 0.8)
    assert measure.kwh == pytest.approx(30240.0)
    # replacement cost: 1500 CNY/kW × 22 kW (assumed) = 33 000; saving 30 240 × 0.7 = 21 168 CNY/a
    assert measure.replacement_cost_cny == 33000 and measure.cost_assumed
    assert measure.payback_years == pytest.approx(33000 / 21168)
    assert "6000" in measure.basis and "1500 CNY/kW × 22" in measure.basis
    assert "diagnosis.reference.unverified" in codes(result)
    assert "diagnosis.check.cooling_assumed" not in codes(result)  # 风冷 in the name


def test_compressor_at_the_limit_is_compliant_and_cooling_and_pressure_rules() -> None:
    limit = value(service.COMPRESSOR_DATASET, "oir.22kW.0.8MPa.air", "grade_3")
    at = check(kind="air_compressor", rated_power_kw=22, pressure_mpa=0.8, flow_m3_min=3.0, specific_power=limit)
    assert at.below_minimum is False and at.grade == 3 and at.measure is None
    assert "diagnosis.check.cooling_assumed" in codes(at)  # nothing said: air-cooled (lenient) limit
    # water-cooled: the stricter liquid-cooled row applies
    liquid = value(service.COMPRESSOR_DATASET, "oir.22kW.0.8MPa.liquid", "grade_3")
    water = check(kind="air_compressor", rated_power_kw=22, pressure_mpa=0.8, flow_m3_min=3.0,
                  specific_power=liquid + 0.1, notes="水冷")
    assert water.below_minimum is True and water.minimum == liquid
    # 0.75 MPa lies between rows: the 0.8 MPa row applies, with a warning
    between = check(kind="air_compressor", rated_power_kw=22, pressure_mpa=0.75, flow_m3_min=3.0,
                    specific_power=limit)
    assert between.minimum == limit and "diagnosis.check.intermediate_rating" in codes(between)
    # a rating not encoded is not checked, and said so
    other = check(kind="air_compressor", rated_power_kw=250, pressure_mpa=0.8, flow_m3_min=45.0, specific_power=9.9)
    assert other.below_minimum is None and "diagnosis.check.not_covered" in codes(other)
    assert other.measure is None


# ------------------------------------------------------------------ industrial boilers


def test_gas_boiler_below_the_minimum_is_flagged_with_fuel_savings() -> None:
    limit = value(service.BOILER_DATASET, "chamber.natural_gas", "grade_3")  # 92
    best = value(service.BOILER_DATASET, "chamber.natural_gas", "grade_1")  # 96
    result = check(kind="industrial_boiler", rated_capacity_mw=2.8, efficiency_pct=88.0, fuel="天然气",
                   hours_per_year=4000.0, load_factor=0.6)
    assert result.below_minimum is True and result.minimum == limit and result.gap == pytest.approx(4.0)
    assert result.rating == "chamber.natural_gas"
    assert "diagnosis.check.row_assumed" in codes(result)  # non-condensing assumed
    measure = result.measure
    assert measure is not None and measure.target_value == best and measure.kwh is None
    # ΔB = 2.8 MW × 4000 h × 0.6 × 3.6 GJ/MWh × (1/0.88 − 1/0.96) / 29.3076 GJ/tce
    heat_gj = 2.8 * 4000 * 0.6 * 3.6
    expected = heat_gj * (1 / 0.88 - 1 / 0.96) * KGCE_PER_GJ / 1000
    assert measure.tce == pytest.approx(expected)
    assert measure.tce == pytest.approx(78.168, abs=1e-3)  # 24 192 GJ × 0.094697 = 2290.9 GJ
    assert measure.cost_saving_cny == pytest.approx(expected * 1200)
    assert measure.replacement_cost_cny == pytest.approx(2.8 * 400000)
    assert {"diagnosis.reference.unverified", "diagnosis.measure.no_fuel_factor"} <= codes(result)


def test_boiler_rows_by_fuel_and_capacity() -> None:
    assert check(kind="industrial_boiler", rated_capacity_mw=2.8, efficiency_pct=92.0, fuel="natural gas").grade == 3
    # coal without combustion type: the most lenient coal row of the capacity (layered, ≤14 MW: 80 %)
    lenient = value(service.BOILER_DATASET, "layered.bituminous_II.le14MW", "grade_3")
    ok = check(kind="industrial_boiler", rated_capacity_mw=7.0, efficiency_pct=lenient, fuel="燃煤")
    assert ok.below_minimum is False and "diagnosis.check.row_assumed" in codes(ok)
    low = check(kind="industrial_boiler", rated_capacity_mw=7.0, efficiency_pct=lenient - 0.5, fuel="coal")
    assert low.below_minimum is True and low.minimum == lenient
    # above 14 MW the large-boiler rows apply
    large = value(service.BOILER_DATASET, "layered.bituminous_II.gt14MW", "grade_3")
    assert check(kind="industrial_boiler", rated_capacity_mw=29.0, efficiency_pct=lenient, fuel="coal").minimum == large
    # fluidised bed named: only fluidised rows
    cfb = check(kind="industrial_boiler", rated_capacity_mw=29.0, efficiency_pct=85.0, fuel="循环流化床 烟煤")
    assert cfb.rating is not None and cfb.rating.startswith("fluidised.")
    # biomass by capacity, electric boilers ≥ 97 %
    assert check(kind="industrial_boiler", rated_capacity_mw=10, efficiency_pct=85, fuel="生物质").below_minimum is True
    assert check(kind="industrial_boiler", rated_capacity_mw=5, efficiency_pct=85, fuel="生物质").below_minimum is False
    electric = check(kind="industrial_boiler", rated_capacity_mw=1, efficiency_pct=96, fuel="电")
    assert electric.below_minimum is True and electric.minimum == 97
    unknown = check(kind="industrial_boiler", rated_capacity_mw=1, efficiency_pct=80, fuel="垃圾")
    assert unknown.below_minimum is None and "diagnosis.check.not_covered" in codes(unknown)


def _pump_grade(ns: float, flow: float, formula: str, row: str, grade: int) -> float:
    """The formula written out by hand with the dataset's coefficients."""
    k = {p: value(service.PUMP_DATASET, f"formula.{formula}", p) for p in "abcde"}
    ci = value(service.PUMP_DATASET, row, f"ci_grade_{grade}")
    x, y = math.log(ns), math.log(flow)
    return k["a"] * x * x + k["b"] * y * y + k["c"] * x * y + k["d"] * x + k["e"] * y - ci


def test_pump_below_the_gb19762_2025_minimum_is_flagged() -> None:
    ns = 3.65 * 2900 * math.sqrt(100 / 3600) / 32 ** 0.75  # ≈ 131.2
    grade3 = _pump_grade(ns, 100, "single_stage", "single_suction.q5-300", 3)
    grade1 = _pump_grade(ns, 100, "single_stage", "single_suction.q5-300", 1)
    assert 70 < grade3 < grade1 < 85  # plausible clean-water pump efficiencies
    fields = {"kind": "pump", "rated_power_kw": 15, "pump_type": "single_suction", "flow_m3_h": 100, "head_m": 32,
              "speed_rpm": 2900, "hours_per_year": 5000, "load_factor": 0.8}
    low = check(**fields, efficiency_pct=round(grade3, 2) - 1)
    assert low.below_minimum is True and low.minimum == pytest.approx(grade3, abs=0.005)
    assert low.gap == pytest.approx(1.0, abs=0.01) and low.rating is not None
    assert {"diagnosis.check.pump_formula", "diagnosis.reference.unverified"} <= codes(low)
    measure = low.measure
    assert measure is not None and measure.target_value == pytest.approx(grade1, abs=0.005)
    eta_old = round(grade3, 2) - 1
    assert measure.kwh == pytest.approx(15 * 5000 * 0.8 * (100 / eta_old - 100 / measure.target_value))
    ok = check(**fields, efficiency_pct=round(grade3, 2) + 0.01)
    assert ok.below_minimum is False and ok.grade == 3 and ok.measure is None
    # multistage: the multistage formula, head per stage
    ms = check(**(fields | {"pump_type": "multistage", "head_m": 128, "stages": 4, "flow_m3_h": 50}), efficiency_pct=60)
    expected = _pump_grade(3.65 * 2900 * math.sqrt(50 / 3600) / 32 ** 0.75, 50, "multistage", "multistage.q5-100", 3)
    assert ms.minimum == pytest.approx(expected, abs=0.005)
    # without type, head or speed: not checked, and said so
    bare = check(kind="pump", rated_power_kw=30, efficiency_pct=50)
    assert bare.below_minimum is None and codes(bare) == {"diagnosis.check.not_covered"}


def test_fan_row_by_intervals_and_below_minimum() -> None:
    key = "centrifugal.psi[0.85,0.95).ns[15,30).No[5,10)"
    limit = value(service.FAN_DATASET, key, "grade_3")  # 68
    best = value(service.FAN_DATASET, key, "grade_1")  # 80
    fields = {"kind": "fan", "rated_power_kw": 55, "fan_type": "centrifugal", "pressure_coefficient": 0.9,
              "fan_specific_speed": 20, "machine_number": 8, "hours_per_year": 7000, "load_factor": 0.7}
    low = check(**fields, efficiency_pct=limit - 3)
    assert low.rating == key and low.below_minimum is True and low.gap == pytest.approx(3.0)
    assert low.measure is not None and low.measure.target_value == best
    assert low.measure.kwh == pytest.approx(55 * 7000 * 0.7 * (100 / (limit - 3) - 100 / best))
    assert {"diagnosis.check.fan_efficiency_basis", "diagnosis.reference.unverified"} <= codes(low)
    at = check(**fields, efficiency_pct=limit)
    assert at.below_minimum is False and at.grade == 3
    # interval ends as printed: 表1 has 45 < n_s ≤ 65, so n_s = 45 is in no row, n_s = 65 is
    t1 = fields | {"pressure_coefficient": 1.4, "machine_number": 8}
    assert check(**(t1 | {"fan_specific_speed": 45}), efficiency_pct=60).below_minimum is None
    edge = check(**(t1 | {"fan_specific_speed": 65}), efficiency_pct=60)
    assert edge.rating == "centrifugal.psi[1.35,1.55).ns(45,65].No(7,10]"
    assert edge.minimum == value(service.FAN_DATASET, edge.rating, "grade_3")
    # axial fans by hub ratio and machine number (No ≥ 10)
    axial = check(kind="fan", rated_power_kw=30, fan_type="axial", hub_ratio=0.35, machine_number=12,
                  efficiency_pct=62, hours_per_year=4000, load_factor=0.8)
    assert axial.rating == "axial.hub[0.3,0.4).No[10,inf)" and axial.below_minimum is True
    # nothing about the fan's row: not checked, and said so
    bare = check(kind="fan", rated_power_kw=30, efficiency_pct=50)
    assert bare.below_minimum is None and codes(bare) == {"diagnosis.check.not_covered"}


def test_fan_dataset_loads_with_monotonic_grades() -> None:
    fans = load_catalog().dataset("equipment_efficiency/gb19761-2020")
    fan_keys = fans.keys()
    assert len(fan_keys) == 4 * 6 + 16 * 4 - 2 + 4 * 3  # 表2's ψ 0.25-0.35 row has '-' for two sizes
    for key in fan_keys:
        grades = [fans.get(key, f"grade_{n}") for n in (1, 2, 3)]
        values = [g.value for g in grades if g is not None]
        assert len(values) == 3 and values == sorted(values, reverse=True), key
        assert all(g is not None and g.verification_status == "secondary" for g in grades)
    assert value("equipment_efficiency/gb19761-2020", "centrifugal.psi[0.85,0.95).ns[5,15).No[5,10)", "grade_3") == 65
    assert value("equipment_efficiency/gb19761-2020", "axial.hub[0.55,0.75).No[10,inf)", "grade_1") == 83
