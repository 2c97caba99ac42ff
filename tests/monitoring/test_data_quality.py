"""Data-quality findings on crafted daily series, and the CalTRACK data-sufficiency verdict."""

from __future__ import annotations

import datetime as dt

import numpy as np

from greenmfg.calc.data_quality import check_series, sufficiency
from greenmfg.monitoring.quality import describe, describe_sufficiency

START = dt.date(2025, 1, 1)


def days(n: int) -> list[dt.date]:
    return [START + dt.timedelta(days=i) for i in range(n)]


def clean(n: int = 120, seed: int = 0) -> list[float | None]:
    rng = np.random.default_rng(seed)
    return [float(v) for v in 100 + rng.normal(0, 5, n)]


def names(findings: list) -> list[str]:  # type: ignore[type-arg]
    return [f.name for f in findings]


def test_a_clean_series_has_no_findings() -> None:
    assert check_series(days(120), clean()) == []


def test_gap_is_located_with_its_length() -> None:
    d, v = days(120), clean()
    del d[40:45], v[40:45]  # five days missing, 2025-02-10 … 2025-02-14
    findings = check_series(d, v, meter_id=7)
    assert names(findings) == ["monitoring.quality.gap"]
    gap = findings[0]
    assert (gap.start, gap.end, gap.value, gap.meter_id) == (dt.date(2025, 2, 10), dt.date(2025, 2, 14), 5.0, 7)
    text = describe(gap)
    assert "5 day(s)" in text["message"] and "缺失 5 天" in text["message_zh"] and text["fix_text_zh"]


def test_spike_above_median_plus_three_iqr() -> None:
    v = clean()
    v[30] = 400.0
    findings = check_series(days(120), v)
    assert names(findings) == ["monitoring.quality.spike"]
    q1, med, q3 = np.percentile([x for x in v if x is not None], [25, 50, 75])
    assert findings[0].threshold == med + 3 * (q3 - q1)
    assert findings[0].start == dt.date(2025, 1, 31) and findings[0].value == 400.0


def test_flat_line_of_seven_days_but_not_six() -> None:
    v = clean()
    v[50:57] = [88.0] * 7
    found = check_series(days(120), v)
    assert names(found) == ["monitoring.quality.flat_line"]
    assert (found[0].start, found[0].end, found[0].value) == (dt.date(2025, 2, 20), dt.date(2025, 2, 26), 7.0)
    v = clean()
    v[50:56] = [88.0] * 6
    assert check_series(days(120), v) == []


def test_negative_values_and_register_decrease() -> None:
    v = clean()
    v[10] = -3.0
    found = check_series(days(120), v)
    assert names(found) == ["monitoring.quality.negative_delta"] and found[0].value == -3.0
    register = list(np.cumsum(clean()))
    register[60] = register[59] - 10  # the register went back
    found = [f for f in check_series(days(120), register, cumulative=True)
             if f.name == "monitoring.quality.negative_delta"]
    assert len(found) == 1 and found[0].value == -10.0 and found[0].end == dt.date(2025, 3, 2)


def test_clock_drift_beyond_five_minutes() -> None:
    stamps = [dt.datetime.combine(d, dt.time(0, 2)) for d in days(5)]
    stamps[3] = dt.datetime.combine(days(5)[3], dt.time(0, 9))
    stamps[4] = dt.datetime.combine(days(5)[4], dt.time(23, 50)) - dt.timedelta(days=1)
    found = check_series(days(5), [1.0, 2.0, 3.0, 4.0, 5.0], timestamps=stamps)
    assert [(f.name, f.value) for f in found] == [("monitoring.quality.clock_drift", 540.0),
                                                 ("monitoring.quality.clock_drift", -600.0)]


def test_unit_mismatch_declared_and_by_a_factor_of_1000() -> None:
    found = check_series(days(120), clean(), unit="m3", expected_units=["kWh", "MWh"])
    assert names(found) == ["monitoring.quality.unit_mismatch"]
    v = clean()
    v[60:] = [x / 1000 for x in v[60:]]  # switched from kWh to MWh on day 61
    found = check_series(days(120), v)
    assert "monitoring.quality.unit_mismatch" in names(found)
    step = next(f for f in found if f.name == "monitoring.quality.unit_mismatch")
    assert step.threshold == 1000.0 and abs(step.value - 0.001) < 0.0002


def test_sufficiency_caltrack_rules() -> None:
    d = days(365)
    e: list[float | None] = clean(365)
    temps: list[float | None] = [10.0] * 365
    ok = sufficiency(d, e, temps)
    assert ok.sufficient and ok.days == 365 and ok.coverage == 1.0
    # 37 missing days (10.1 % of 365 → 89.9 % coverage) is too many; 36 is fine
    for missing, verdict in ((36, True), (37, False)):
        e2 = list(e)
        for i in range(0, missing * 9, 9):
            e2[i] = None
        assert sufficiency(d, e2, temps).sufficient is verdict
    short = sufficiency(days(300), clean(300), [10.0] * 300)
    assert not short.sufficient and short.reasons[0]["name"] == "monitoring.sufficiency.too_short"
    # February without temperature on 4 of 28 days (85.7 %): the month fails though the year is at 98.9 %
    t2 = list(temps)
    for i in range(31, 35):
        t2[i] = None
    verdict = sufficiency(d, e, t2)
    assert not verdict.sufficient
    assert [r["name"] for r in verdict.reasons] == ["monitoring.sufficiency.month_temperature_coverage"]
    assert verdict.reasons[0]["month"] == "2025-02"
    text = describe_sufficiency(verdict)["reasons"][0]
    assert "2025-02" in text["message"] and "温度" in text["message_zh"]
