"""The pure benchmarking formulas: classes, quota grades, gaps, savings and correction formulas.

Levels and limits are read from the standards as encoded in the reference library (statuses
there); worked examples from the greenmfg reference pack `worked_examples.md` (A1-A5).
"""

from __future__ import annotations

import math

import ibis
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from greenmfg.calc.benchmarking import (
    altitude_factor,
    at_or_below,
    band_adjustment,
    classify,
    co2_savings,
    facility_energy,
    facility_inputs,
    gaps,
    indicator_values,
    interpolated_adjustment,
    linear_adjustment,
    quota_grades,
    savings,
    steel_ratios,
    works_level,
    works_value,
)

# 发改产业〔2021〕1609号 水泥熟料 标杆 100 / 基准 117 kgce/t (benchmarks/ndrc-2021, secondary)
CLINKER = (100.0, 117.0)
# GB 16780-2021 表2 熟料单位产品综合能耗 grades 1/2/3: 100/107/117 kgce/t
CLINKER_GRADES = (100.0, 107.0, 117.0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (99.0, "benchmark"),
        (100.0, "benchmark"),          # exactly at the benchmark level: at or better
        (100.000001, "between"),
        (110.0, "between"),
        (117.0, "between"),            # exactly at the baseline level: meets the baseline
        (117.000001, "below_baseline"),
        (130.0, "below_baseline"),
    ],
)
def test_clinker_classes_at_the_edges(value: float, expected: str) -> None:
    assert classify([value], [CLINKER[0]], [CLINKER[1]])[0] == expected


def test_negative_levels_converter_process() -> None:
    # 转炉工序 标杆 −30 / 基准 −10 kgce/t (benchmarks/ndrc-2021 and -2023): lower (more recovery) is better
    classes = classify([-35.0, -30.0, -20.0, -10.0, -5.0], [-30.0] * 5, [-10.0] * 5)
    assert list(classes) == ["benchmark", "benchmark", "between", "between", "below_baseline"]


def test_floating_point_noise_is_absorbed_but_nothing_more() -> None:
    noisy = 1000 * 0.7143 / 7.143  # 100.00000000000001 in binary floating point
    assert noisy != 100.0
    below = 714.3 / 7143 * 1000  # 99.99999999999999
    assert classify([below], [100.0], [117.0])[0] == "benchmark"
    assert classify([noisy], [100.0], [117.0])[0] == "benchmark"
    assert classify([100.001], [100.0], [117.0])[0] == "between"
    assert bool(at_or_below(117.0 * (1 + 1e-12), 117.0)[0])
    assert not bool(at_or_below(117.0 * (1 + 1e-6), 117.0)[0])


def test_missing_value_or_level_gives_no_class() -> None:
    classes = classify([float("nan"), 105.0, 105.0], [100.0, float("nan"), 100.0], [117.0, 117.0, float("nan")])
    assert list(classes) == [None, None, None]
    assert list(classify([None], [100.0], [117.0])) == [None]


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (95.0, 1), (100.0, 1),           # ≤ grade 1 (GB 16780-2021 表2: 100)
        (100.5, 2), (107.0, 2),          # ≤ grade 2 (107)
        (107.5, 3), (117.0, 3),          # ≤ grade 3 (限定值 117)
        (117.5, "fails"),
    ],
)
def test_clinker_quota_grades(value: float, grade: int | str) -> None:
    assert quota_grades([value], *([g] for g in CLINKER_GRADES))[0] == grade


def test_worked_examples_a3_a4_a5() -> None:
    # A3: EAF < 50 t, GB 21256-2025 表5: 61 / — / 86; 70 kgce/t → grade 3 (no grade-2 limit)
    assert quota_grades([70.0], [61.0], [None], [86.0])[0] == 3
    assert quota_grades([61.0], [61.0], [None], [86.0])[0] == 1
    # A4: aluminium liquid AC electricity, GB 21346-2022 表1: 12950/13000/13350; 13000 kWh/t → grade 2
    assert quota_grades([13000.0], [12950.0], [13000.0], [13350.0])[0] == 2
    # A5: bituminous-coal methanol, GB 29436-2023 表1: 1380/1400/1800; 1400 → grade 2 (equality meets)
    assert quota_grades([1400.0], [1380.0], [1400.0], [1800.0])[0] == 2
    # flat glass ≤ 500 t/d, GB 21340-2019 表1: only grade 3 (14.0 kgce/weight box)
    assert list(quota_grades([13.0, 14.5], [None] * 2, [None] * 2, [14.0] * 2)) == [3, "fails"]
    assert quota_grades([13.0], [None], [None], [None])[0] is None


def test_gaps_and_savings_worked_by_hand() -> None:
    # 50 000 t clinker at 106 kgce/t: to the benchmark (100) 6 kgce/t × 50 000 t = 300 000 kgce = 300 tce;
    # to the baseline (117) nothing: it is already better.
    value, output = 106.0, 50_000.0
    assert gaps([value], [100.0])[0] == pytest.approx(6.0)
    assert gaps([value], [117.0])[0] == pytest.approx(-11.0)
    assert savings([value], [100.0], [output], [0.001])[0] == pytest.approx(300.0)
    assert savings([value], [117.0], [output], [0.001])[0] == 0.0
    # at 2.5 tCO2e per tce (5 300 tCO2e on 2 120 tce): 300 tce × 2.5 = 750 tCO2e
    assert co2_savings([300.0], [5300.0], [2120.0])[0] == pytest.approx(750.0)
    # aluminium 13 500 kWh/t, 1 000 t, to 13 000: 500 000 kWh × 0.1229 kgce/kWh = 61.45 tce
    assert savings([13500.0], [13000.0], [1000.0], [0.1229e-3])[0] == pytest.approx(61.45)
    assert math.isnan(co2_savings([10.0], [5.0], [0.0])[0])


def test_indicator_values() -> None:
    # 714.3 tce on 7 000 t → 102.0428… kgce/t; zero output → no value
    values = indicator_values([714.3, 10.0], [7000.0, 0.0], [1000.0, 1000.0])
    assert values[0] == pytest.approx(714300.0 / 7000.0)
    assert math.isnan(values[1])


def test_worked_example_a1_altitude_factor() -> None:
    # A1 (GB 16780-2021 §5.3 formula (1)): P = 80 000 Pa → K = 1.179 − 0.211 × 80000/101325
    k = altitude_factor(80_000.0, k_intercept=1.179, k_slope=0.211, reference_pressure_pa=101_325.0)
    assert k == pytest.approx(1.012407352578337, rel=1e-15)
    # clinker ratio 76 %: grade 3 limit 94 + (76 − 75) × 1.20 = 95.20
    assert 94 + linear_adjustment(76.0, reference=75.0, coefficient=1.20) == pytest.approx(95.20)


def test_worked_example_a2_volatile_interpolation_and_oven_age() -> None:
    # A2 (GB 21342-2025 表2, top-charging): 24 % +4.25, 25 % +8.55 → 24.5 % +6.40
    points = [(21.0, -8.30), (22.0, None), (23.0, 0.0), (24.0, 4.25), (25.0, 8.55), (26.0, None), (27.0, None),
              (28.0, 18.71)]
    assert interpolated_adjustment(24.5, points) == pytest.approx(6.40)
    assert interpolated_adjustment(23.0, points) == 0.0
    assert interpolated_adjustment(28.0, points) == 18.71
    assert interpolated_adjustment(22.0, points) is None      # the table value is not known
    assert interpolated_adjustment(26.5, points) is None      # between two unknown points: no guess
    assert interpolated_adjustment(21.5, points) is None      # neighbour 22 % unknown
    assert interpolated_adjustment(29.0, points) is None      # outside the table
    bands = [(15.0, 25.0, 2.50), (25.0, None, 5.50)]
    assert band_adjustment(20.0, bands) == 2.50
    assert band_adjustment(15.0, bands) == 0.0   # "> 15" years
    assert band_adjustment(25.0, bands) == 2.50
    assert band_adjustment(30.0, bands) == 5.50
    # moisture 11 % from 10 %: 3.67 kgce/t; mixed gas half the time: 8.00 × 0.5
    assert linear_adjustment(11.0, reference=10.0, coefficient=3.67) == pytest.approx(3.67)
    assert linear_adjustment(0.5, reference=0.0, coefficient=8.00) == pytest.approx(4.0)


levels = st.floats(min_value=-100.0, max_value=20_000.0, allow_nan=False, allow_subnormal=False)


# subnormal floats (5e-324 …) are no intensity anyone reports: their savings underflow to 0.0
@given(value=st.floats(min_value=-200.0, max_value=40_000.0, allow_nan=False, allow_subnormal=False), bench=levels,
       width=st.floats(min_value=0.0, max_value=5_000.0, allow_nan=False, allow_subnormal=False))
def test_classes_and_grades_agree_with_their_definitions(value: float, bench: float, width: float) -> None:
    base = bench + width
    cls = classify([value], [bench], [base])[0]
    tol = lambda level: 1e-9 * max(1.0, abs(level))  # noqa: E731 - the documented tolerance
    expected = ("benchmark" if value <= bench + tol(bench) else
                "between" if value <= base + tol(base) else "below_baseline")
    assert cls == expected
    # a two-level quota with the same limits grades the same way: benchmark ↔ 1, between ↔ 3
    grade = quota_grades([value], [bench], [None], [base])[0]
    assert grade == {"benchmark": 1, "between": 3, "below_baseline": "fails"}[expected]
    # savings are never negative and vanish exactly when the value meets the level
    saved = savings([value], [bench], [10.0], [0.001])[0]
    assert saved >= 0.0
    assert (saved == 0.0) == (value <= bench)


def test_arrays_of_many_rows() -> None:
    values = np.array([90.0, 105.0, 120.0, np.nan])
    assert list(classify(values, np.full(4, 100.0), np.full(4, 117.0))) == ["benchmark", "between",
                                                                              "below_baseline", None]


def test_calc_weighted_value_and_levels() -> None:
    # the small integrated works of tests/benchmarking/test_works.py, worked by hand there: process outputs
    # sinter 1500, coke 1000, hot metal 1000, crude steel 1100 t; e_i 45.332, 108.6, 369.132, 12.29/1.1 kgce/t;
    # the rolling mill's 39.9 tce over 1100 t of crude steel; E = 597.92 / 1.1 kgce/t
    ratios = steel_ratios([1500, 1000, 1000, 1100], 1100)
    assert ratios == pytest.approx([1500 / 1100, 1000 / 1100, 1000 / 1100, 1.0], rel=1e-15)
    values = [45.332, 108.6, 369.132, 12.29 / 1.1]
    assert works_value(values, ratios, 39.9 / 1.1) == pytest.approx(597.92 / 1.1, rel=1e-12)
    # a process without a level counts at its own value; a required one makes the level missing
    assert works_level([np.nan, 110, 361, -30], values, ratios, 39.9 / 1.1) == pytest.approx(
        538.998 / 1.1 - 30 + 39.9 / 1.1, rel=1e-12)
    assert np.isnan(works_level([np.nan, 110, 361, -30], values, ratios, 0.0,
                                     required=[True, False, False, False]))
    assert np.isnan(steel_ratios([1.0], 0.0)).all()


def _lines() -> ibis.Table:
    rows = [  # facility, item, flow, quantity, coef [tce/unit], energy_tce, co2e_t
        ("F1", "electricity", "purchased", 1000.0, 0.1229, 122.9, 570.0),
        ("F1", "electricity", "exported", 100.0, 0.1229, -12.29, -57.0),
        ("F1", "raw_coal", "consumed", 60.0, 0.7143, 42.858, 114.0),
        ("F1", "raw_coal", "consumed", 40.0, 0.7143, 28.572, 76.0),
        ("F1", "limestone", "process", 500.0, None, 0.0, 220.0),   # a carbonate: no energy
        ("F1", "clinker", "produced", 1000.0, None, 0.0, 525.0),
        ("F1", "natural_gas", "consumed", 0.0, 1.33, 0.0, 0.0),    # reported as zero
        ("F2", "raw_coal", "consumed", 10.0, 0.7143, 7.143, 19.0),
    ]
    return ibis.memtable(
        [{"enterprise_id": "E1", "facility_id": f, "period": "2025", "item": item, "flow": flow, "quantity": q,
          "coef": coef, "energy_tce": energy, "co2e_t": co2e} for f, item, flow, q, coef, energy, co2e in rows],
        schema={"enterprise_id": "string", "facility_id": "string", "period": "string", "item": "string",
                "flow": "string", "quantity": "float64", "coef": "float64", "energy_tce": "float64",
                "co2e_t": "float64"})


def test_facility_energy_nets_exported_electricity_and_leaves_out_non_energy_lines() -> None:
    f1, f2 = facility_energy(_lines()).order_by("facility_id").to_pyarrow().to_pylist()
    # electricity 1000 − 100 = 900 MWh at 122.9 − 12.29 = 110.61 tce (0.1229 tce/MWh)
    assert f1["electricity_mwh"] == pytest.approx(900.0) and f1["electricity_tce"] == pytest.approx(110.61)
    # energy lines: 122.9 − 12.29 + 42.858 + 28.572 = 182.04 tce; 570 − 57 + 114 + 76 = 703 tCO2e
    # (the limestone's 220 t and the clinker's 525 t are process emissions, not energy-related)
    assert f1["energy_tce"] == pytest.approx(182.04) and f1["energy_co2e_t"] == pytest.approx(703.0)
    # no electricity line: no electricity figure rather than zero
    assert f2["electricity_mwh"] is None and f2["electricity_tce"] is None
    assert (f2["energy_tce"], f2["energy_co2e_t"]) == (pytest.approx(7.143), pytest.approx(19.0))


def test_facility_inputs_lists_each_reported_item_once() -> None:
    found = facility_inputs(_lines(), ["raw_coal", "limestone", "natural_gas"]).to_pyarrow().to_pylist()
    assert sorted((r["facility_id"], r["item"], r["flow"]) for r in found) == [
        ("F1", "limestone", "process"), ("F1", "raw_coal", "consumed"), ("F2", "raw_coal", "consumed")]
