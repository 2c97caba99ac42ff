"""Pure diagnosis functions: grades at boundaries, savings and payback worked by hand, anomalies on
crafted series (values from the encoded GB 18613-2020 / GB 20052-2020 tables, which
tests/diagnosis/test_tables.py reads), compressor specific-power grades and pump specific speed."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from greenmfg.calc.diagnosis import (
    boiler_fuel_saving_tce,
    compressor_saving_kwh,
    detect_anomalies,
    efficiency_grade,
    equipping_rate_pct,
    loss_grade,
    motor_saving_kwh,
    payback_years,
    pump_efficiency_pct,
    pump_specific_speed,
    specific_power_grade,
    table_rating,
    transformer_loss_kwh,
)

# GB 18613-2020 表1, 4 poles, 7.5 kW as encoded: grade 3 = 90.4 %, grade 2 = 92.6 %, grade 1 not found
GRADES_7K5 = {1: None, 2: 92.6, 3: 90.4}


@pytest.mark.parametrize(("efficiency", "grade"), [(90.4, 3), (90.39, None), (92.59, 3), (92.6, 2), (99.0, 2),
                                                    (70.0, None)])
def test_motor_grade_at_the_boundaries(efficiency: float, grade: int | None) -> None:
    assert efficiency_grade(efficiency, GRADES_7K5) == grade


def test_transformer_grade_needs_both_losses() -> None:
    grades = {1: (None, None), 2: (None, None), 3: (830.0, 10300.0)}
    assert loss_grade(830, 10300, grades) == 3
    assert loss_grade(831, 10300, grades) is None
    assert loss_grade(800, 10301, grades) is None


def test_table_rating_takes_the_next_higher_row() -> None:
    ratings = [0.75, 1.1, 7.5, 11.0]
    assert table_rating(7.5, ratings) == 7.5
    assert table_rating(8.0, ratings) == 11.0
    assert table_rating(12.0, ratings) is None


def test_motor_saving_worked_by_hand() -> None:
    # 7.5 kW × 6000 h × 0.75 × (1/0.880 − 1/0.926) = 33 750 × 0.046 / (0.880 × 0.926) = 1905.19 kWh
    kwh = motor_saving_kwh(7.5, 6000, 0.75, 88.0, 92.6)
    assert kwh == pytest.approx(33750 * 0.046 / (0.88 * 0.926), rel=1e-12)
    assert kwh == pytest.approx(1905.19, abs=0.01)
    # payback: 3000 CNY / (1905.19 kWh × 0.70 CNY/kWh) = 2.2495 a
    assert payback_years(3000, kwh * 0.70) == pytest.approx(2.2495, abs=1e-4)
    assert payback_years(3000, 0) is None


def test_transformer_losses_worked_by_hand() -> None:
    # old: 1150 W × 8760 h + 0.5² × 10 300 W × 8760 h = 10 074 + 22 557 = 32 631 kWh
    assert transformer_loss_kwh(1150, 10300, 0.5, 8760) == pytest.approx(10074 + 22557, abs=0.01)
    saved = transformer_loss_kwh(1150, 10300, 0.5, 8760) - transformer_loss_kwh(830, 10300, 0.5, 8760)
    assert saved == pytest.approx(320 * 8.76, abs=1e-6)  # 2803.2 kWh


def test_compressor_and_boiler_savings() -> None:
    # (7.4 − 6.2) kW/(m³/min) × 20 m³/min × 6000 h × 0.8 = 115 200 kWh
    assert compressor_saving_kwh(7.4, 6.2, 20, 6000, 0.8) == pytest.approx(115200)
    # 4 MW × 5000 h × 0.6 × 3.6 = 43 200 GJ heat; fuel 43 200/0.80 − 43 200/0.88 = 4909.09 GJ = 167.50 tce
    assert boiler_fuel_saving_tce(4, 5000, 0.6, 80, 88) == pytest.approx(4909.0909 / 29.3076, rel=1e-6)


def _days(n: int) -> list[dt.date]:
    start = dt.date(2025, 1, 1)
    return [start + dt.timedelta(days=i) for i in range(n)]


def _clean(n: int, seed: int = 7) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    expected = [1000.0 + 100 * ((i % 7) in (5, 6)) for i in range(n)]
    actual = [e + rng.uniform(-20, 20) for e in expected]
    return actual, expected


def test_clean_series_gives_no_anomaly() -> None:
    actual, expected = _clean(180)
    assert detect_anomalies(_days(180), actual, expected) == []


def test_spike_is_found_with_its_excess() -> None:
    actual, expected = _clean(120)
    actual[60] += 400.0  # one day far beyond a ±20 kWh noise band
    found = detect_anomalies(_days(120), actual, expected)
    spikes = [a for a in found if a.kind == "spike"]
    assert len(spikes) == 1
    assert spikes[0].start == spikes[0].end == dt.date(2025, 1, 1) + dt.timedelta(days=60)
    assert spikes[0].excess == pytest.approx(actual[60] - expected[60])
    assert spikes[0].max_abs_z > 10
    assert spikes[0].severity == "high"


def test_step_change_is_found_as_a_drift_from_its_start() -> None:
    actual, expected = _clean(150)
    for i in range(90, 150):
        actual[i] += 30.0  # +3 % from day 90 on: within the daily spread at first, a shift over time
    found = detect_anomalies(_days(150), actual, expected)
    drifts = [a for a in found if a.kind == "drift_up"]
    assert len(drifts) == 1
    step = dt.date(2025, 1, 1) + dt.timedelta(days=90)
    assert step - dt.timedelta(days=3) <= drifts[0].start <= step + dt.timedelta(days=1)
    assert drifts[0].end == dt.date(2025, 1, 1) + dt.timedelta(days=149)
    # 60 days × 30 kWh = 1800 kWh, give or take the noise summed over 60 days (σ ≈ 11.5 × √60 ≈ 90)
    assert drifts[0].excess == pytest.approx(1800, abs=300)
    assert not [a for a in found if a.kind == "drift_down"]


def test_bad_series_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        detect_anomalies(_days(3), [1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="ascending"):
        detect_anomalies(list(reversed(_days(3))), [1, 2, 3], [1, 2, 3])


def _weekly(n: int, seed: int = 11) -> tuple[list[float], list[float]]:
    """A plant that runs 10 % lower every Sunday, against a baseline without a day-of-week term
    (as the CalTRACK daily model): the Sunday residuals are −100 kWh, noise ±20 kWh."""
    rng = random.Random(seed)
    days = _days(n)
    expected = [1000.0] * n
    actual = [1000.0 - 100.0 * (d.weekday() == 6) + rng.uniform(-20, 20) for d in days]
    return actual, expected


def test_a_departure_from_the_weekly_cycle_is_found_and_the_cycle_itself_is_not() -> None:
    actual, expected = _weekly(140)
    days = _days(140)
    assert detect_anomalies(days, actual, expected) == []  # the regular low Sunday is no alarm
    # a Sunday at weekday load (the plant ran through) and a moderate Wednesday surge
    sunday = next(i for i in range(70, 140) if days[i].weekday() == 6)
    wednesday = next(i for i in range(100, 140) if days[i].weekday() == 2)
    actual[sunday] += 100.0
    actual[wednesday] += 90.0
    spikes = [a for a in detect_anomalies(days, actual, expected) if a.kind == "spike"]
    assert [a.start for a in spikes] == [days[sunday], days[wednesday]]
    assert spikes[0].excess == pytest.approx(actual[sunday] - 1000.0)
    # judged against all days alike (no weekly test), the Sundays inflate the spread: the Sunday
    # that ran through is missed, and ordinary low Sundays are raised as alarms
    plain = [a.start for a in detect_anomalies(days, actual, expected, weekly_p=0.0) if a.kind == "spike"]
    assert days[sunday] not in plain
    assert [d for d in plain if d.weekday() == 6]


def test_weekly_test_leaves_a_series_without_a_cycle_alone() -> None:
    # the clean series has a weekday structure only in the baseline, not in the residuals: same
    # answers with and without the test
    actual, expected = _clean(120)
    actual[60] += 400.0
    assert detect_anomalies(_days(120), actual, expected) == detect_anomalies(_days(120), actual, expected,
                                                                              weekly_p=0.0)


def test_a_low_day_flagged_once_does_not_hide_the_weekly_cycle_from_then_on() -> None:
    """Savings of 6 % every day and a Sunday 6 % lower still, little noise (as the demo plant):
    judged against all days alike, the first low Sunday is flagged, flagged days leave the
    history, and from then on every Sunday is an alarm. The weekly test reads every recent day."""
    rng = random.Random(3)
    days = _days(200)
    expected = [1000.0] * 200
    actual = [940.0 - 60.0 * (d.weekday() == 6) + rng.gauss(0, 8) for d in days]
    plain = [a for a in detect_anomalies(days, actual, expected, weekly_p=0.0) if a.kind == "spike"]
    assert sum(a.start.weekday() == 6 for a in plain) >= 20
    spikes = [a for a in detect_anomalies(days, actual, expected) if a.kind == "spike"]
    assert sum(a.start.weekday() == 6 for a in spikes) <= 1 and len(spikes) <= 2


def test_specific_power_grade_and_equipping_rate() -> None:
    grades = {1: 6.9, 2: 7.6, 3: 8.5}
    assert specific_power_grade(6.9, grades) == 1
    assert specific_power_grade(8.5, grades) == 3
    assert specific_power_grade(8.51, grades) is None
    assert specific_power_grade(7.0, {1: None, 2: 7.6, 3: 8.5}) == 2
    assert equipping_rate_pct(3, 4) == 75.0
    assert equipping_rate_pct(5, 4) == 100.0
    assert equipping_rate_pct(0, 0) is None


def test_specific_speed_reproduces_the_gb19762_annex_a_example() -> None:
    # GB 19762-2007 附录A: single-stage double-suction pump, Q = 800 m³/h, H = 12 m, n = 1470 r/min → ns = 277.4
    # (jianbiaoku.com transcription of the 2007 text; GB 19762-2025 defines ns the same way)
    assert pump_specific_speed(800, 12, 1470, double_suction=True) == pytest.approx(277.4, abs=0.05)
    # multistage: the head per stage
    assert pump_specific_speed(50, 120, 2900, stages=4) == pytest.approx(pump_specific_speed(50, 30, 2900))


def test_pump_efficiency_formula_by_hand() -> None:
    # η = a(ln ns)² + b(ln Q)² + c(ln ns)(ln Q) + d(ln ns) + e(ln Q) − C_i with ln ns = 1, ln Q = 2:
    # 1·1 + 2·4 + 3·2 + 4·1 + 5·2 − 6 = 23
    k = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0}
    assert pump_efficiency_pct(math.e, math.e ** 2, k, 6.0) == pytest.approx(23.0, rel=1e-12)
    # each coefficient on its own term: only b with ln Q = 2 → 4 b
    assert pump_efficiency_pct(math.e, math.e ** 2, {**dict.fromkeys("abcde", 0.0), "b": 0.5}, 0.0) == pytest.approx(2.0)
