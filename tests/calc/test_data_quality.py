"""Data-quality findings on crafted daily series, and the CalTRACK and ISO 50006 data-sufficiency verdicts.

Their English and Chinese descriptions are tested in tests/monitoring/test_quality.py.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from greenmfg.calc.data_quality import check_series, outside_baseline_range, sufficiency

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


# ---------------------------------------------------------------- ISO 50006 statistical-model baselines
# The rule (calc.data_quality, ISO50006_THRESHOLDS): ISO 50006:2023's "10–12 baseline points" as
# quoted in methods.md B.6 are monthly points of a baseline covering a full operating cycle; daily
# data are judged at that grain: each of the 12 calendar months needs complete days (energy and
# every relevant variable) on ≥ 90 % of its length (greenmfg choice, CalTRACK's share), i.e.
# ≥ 28 of 31, ≥ 26 of 28 (February, also in a leap year), ≥ 27 of 30.

def _drivers(d: list[dt.date]) -> dict[str, list[float | None]]:
    rng = np.random.default_rng(3)
    production = [float(v) for v in rng.uniform(300, 500, len(d))]
    hdd = [max(0.0, 15.0 - (12 - 14 * np.cos(2 * np.pi * (x.timetuple().tm_yday - 15) / 365))) for x in d]
    return {"production": list(production), "hdd": [float(v) for v in hdd]}


def test_iso50006_a_full_year_of_daily_data_with_production_and_hdd_is_sufficient() -> None:
    from greenmfg.calc.data_quality import sufficiency_iso50006

    d = days(365)
    verdict = sufficiency_iso50006(d, clean(365), _drivers(d))
    assert verdict.sufficient and verdict.rules == "iso50006" and verdict.reasons == ()
    assert verdict.days == 365 and verdict.days_with_data == 365 and verdict.coverage == 1.0
    assert 300 <= verdict.ranges["production"][0] < verdict.ranges["production"][1] <= 500


def test_iso50006_twelve_days_are_not_twelve_points() -> None:
    """12 complete days satisfied the old "12 points" count; they are 12 days of one month."""
    from greenmfg.calc.data_quality import sufficiency_iso50006

    d = days(12)
    verdict = sufficiency_iso50006(d, clean(12), _drivers(d))
    assert not verdict.sufficient
    reason = verdict.reasons[0]
    assert reason["name"] == "monitoring.sufficiency.iso50006.months_missing"
    assert reason["value"] == 0 and reason["months"] == list(range(1, 13))  # January: 12 of 31 days < 28


def test_iso50006_a_sparse_year_is_insufficient() -> None:
    """A 366-day window (2024, a leap year) with 13 complete days (3.6 % coverage): the old rule
    counted 13 ≥ 12 points and judged it sufficient."""
    from greenmfg.calc.data_quality import sufficiency_iso50006

    d = [dt.date(2024, 1, 1)] + [dt.date(2024, m, 15) for m in range(1, 13)]  # 13 days, one or two a month
    energy: list[float | None] = [100.0 + i for i in range(len(d))]
    verdict = sufficiency_iso50006(d, energy, _drivers(d), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    assert verdict.days == 366 and verdict.days_with_data == 13
    assert round(verdict.coverage, 3) == 0.036
    assert not verdict.sufficient
    assert [r["name"] for r in verdict.reasons] == ["monitoring.sufficiency.iso50006.months_missing"]
    assert verdict.reasons[0]["value"] == 0


def test_iso50006_months_are_judged_by_their_complete_days() -> None:
    """A full year whose February has 25 complete days (< 26 = ⌈0.9 × 28⌉) lacks February; with
    26 it is complete. Days with energy but no production are not complete."""
    from greenmfg.calc.data_quality import sufficiency_iso50006

    d = days(365)
    for gaps, ok in ((3, False), (2, True)):  # February 2025 has 28 days
        variables = _drivers(d)
        for i in range(31, 31 + gaps):
            variables["production"][i] = None
        verdict = sufficiency_iso50006(d, clean(365), variables)
        assert verdict.sufficient is ok
        if not ok:
            assert verdict.reasons[0]["months"] == [2] and verdict.reasons[0]["value"] == 11
    # a year that starts mid-March: both parts of March together make the month (17 + 14 days)
    mid = [dt.date(2025, 3, 15) + dt.timedelta(days=i) for i in range(365)]
    assert sufficiency_iso50006(mid, clean(365), _drivers(mid)).sufficient


def test_iso50006_a_relevant_variable_that_does_not_vary_is_refused() -> None:
    from greenmfg.calc.data_quality import sufficiency_iso50006

    d = days(365)
    variables = {**_drivers(d), "production": [400.0] * 365}
    verdict = sufficiency_iso50006(d, clean(365), variables)
    assert [r["name"] for r in verdict.reasons] == ["monitoring.sufficiency.iso50006.no_variation"]


def test_reporting_points_outside_the_baseline_range_are_counted() -> None:
    ranges = {"production": [300.0, 500.0], "hdd": [0.0, 20.0], "cdd": [0.0, 5.0], "broken": [1.0]}
    variables = {
        "production": [299.0, 300.0, 500.0, 501.0, float("nan")],  # 299 and 501 outside; bounds inside; NaN ignored
        "hdd": [5.0, 21.0],
        "cdd": [0.0, 5.0],                                          # all inside: not listed
        "broken": [100.0],                                          # no [lowest, highest]: not judged
    }
    assert outside_baseline_range(ranges, variables) == {"production": 2, "hdd": 1}
    assert outside_baseline_range(ranges, {}) == {}
