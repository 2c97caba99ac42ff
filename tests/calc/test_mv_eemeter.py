"""CalTRACK 2.0 daily conformance against a peer's own test suite (issue #12 item 8).

The peer: eemeter 2.9.2, ``tests/test_derivatives.py::test_metered_savings_cdd_hdd_daily``
(tag ``eemeter-2.9.2``). It fits the CalTRACK daily model on the 365 baseline days of the sample
meter ``il-electricity-cdd-hdd-daily`` (the days before ``blackout_start_date`` 2016-12-26) and
asserts ``round(metered_savings.sum(), 2) == 1571.28`` for a reporting meter of 1 kWh a day on
60 daily stamps from 2011-01-01 (UTC) with hourly temperatures
``pd.Series(np.arange(30.0, 90.0), daily index).asfreq("H").ffill()``.

What the reporting period is: the hourly series ends at 2011-03-01 00:00, so the 60th day has one
hourly value out of 24, and CalTRACK §3.5.1.2 counts a daily mean only when no more than 50 % of
the hours are missing: 59 reporting days at 30 … 88 °F. (eemeter reaches 59 by a second route as
well: its ``compute_temperature_features`` ends with ``df = df.iloc[:-1].reindex(df.index)``,
the last stamp closes the last period.) greenmfg's earlier cross-check predicted all 60 days,
89 °F included, and got 1636.59 (+4.2 %); the model itself was never the difference.

The day boundary: the sample files are in local time (America/Chicago). eemeter 2.9.2's
``meter_data_from_csv(freq="daily")`` converts the stamps to UTC and resamples to UTC days, so
each local meter day (00:00–24:00 local = 06:00–06:00 UTC in winter) is labelled with the UTC
date and paired with the temperatures of the UTC day (18:00 the evening before … 17:00 local):
usage and temperature 5–6 hours apart. CalTRACK 2.0 §2.3.2.1 asks for meter and temperature data
on matching time zones "so that the values represent the same periods of time". greenmfg
reproduces the peer's number with the peer's day boundary (UTC days) and pins its own result on
the meter's local days.

Data: the two unmodified sample files under ``data/eemeter-2.9.2/`` (Apache-2.0, see its README).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import math
from pathlib import Path

import numpy as np
import pytest

from greenmfg.calc import mv

DATA = Path(__file__).parent / "data" / "eemeter-2.9.2"
UTC = dt.UTC
#: eemeter 2.9.2 ``get_baseline_data(meter_data, end=blackout_start_date)`` keeps max_days=365
#: daily periods before 2016-12-26: 2015-12-27 … 2016-12-25
BASELINE = (dt.date(2015, 12, 27), dt.date(2016, 12, 25))


def _read(name: str) -> list[tuple[dt.datetime, float]]:
    with gzip.open(DATA / name, "rt", newline="") as f:
        rows = csv.reader(f)
        next(rows)
        return [(dt.datetime.fromisoformat(a), float(b) if b else math.nan) for a, b in rows]


@pytest.fixture(scope="module")
def samples() -> tuple[list[tuple[dt.datetime, float]], list[tuple[dt.datetime, float]]]:
    return _read("il-tempF.csv.gz"), _read("il-electricity-cdd-hdd-daily.csv.gz")


def _baseline(samples: tuple, tz: str, max_p_value: float = mv.CALTRACK_MAX_P_VALUE) -> mv.ChangePointModel:
    temperature, meter = samples
    days = mv.daily_mean_temperature([t for t, _ in temperature], np.array([v for _, v in temperature]), tz=tz)
    mean = dict(zip(days.dates, days.mean, strict=True))
    # a meter row is the usage of the day starting at its stamp (local midnight in the file)
    rows = [(stamp.date(), v) for stamp, v in meter if BASELINE[0] <= stamp.date() <= BASELINE[1]]
    assert len(rows) == 365
    energy = np.array([v for _, v in rows])
    temp_f = np.array([mean[d] for d, _ in rows])
    assert np.isfinite(energy).all() and np.isfinite(temp_f).all()
    return mv.fit_change_point(energy, mv.f_to_c(temp_f), max_p_value=max_p_value)


def _peer_reporting_days() -> mv.DailyTemperature:
    """The peer's reporting temperatures: 60 daily values 30 … 89 °F from 2011-01-01 UTC, ffilled hourly."""
    hours = 59 * 24 + 1  # pandas asfreq("H") of 60 daily stamps ends at the 60th stamp itself
    stamps = [dt.datetime(2011, 1, 1, tzinfo=UTC) + dt.timedelta(hours=h) for h in range(hours)]
    return mv.daily_mean_temperature(stamps, np.array([30.0 + h // 24 for h in range(hours)]), tz="UTC")


def _metered_savings(model: mv.ChangePointModel, reporting: mv.DailyTemperature) -> float:
    kept = reporting.sufficient  # §3.5.1.1: a day without a temperature is masked
    return float((model.predict(mv.f_to_c(reporting.mean[kept])) - 1.0).sum())


def test_reporting_period_of_the_peer_test_has_59_days() -> None:
    days = _peer_reporting_days()
    assert len(days.dates) == 60
    assert days.hours[-1] == 1 and days.hours[:-1].tolist() == [24] * 59
    assert days.sufficient.sum() == 59
    assert days.mean[:59].tolist() == list(np.arange(30.0, 89.0))
    assert math.isnan(days.mean[-1])


def test_peer_oracle_1571_28_with_the_peers_day_boundary(samples: tuple) -> None:
    """eemeter 2.9.2 tests/test_derivatives.py asserts 1571.28; greenmfg on UTC days as the peer.

    Model parameters printed by eemeter 2.9.2 itself (pip eemeter==2.9.2, pandas 0.25.3,
    statsmodels 0.11.1, 2026-12-06): cdd_hdd, heating 53 °F, cooling 68 °F, intercept
    13.472385591795213 kWh/d, beta_hdd 1.1122947857443488, beta_cdd 2.516255026490126 kWh/(°F·d).
    """
    # eemeter 2.9.2 fit_caltrack_usage_per_day_model defaults beta_cdd_maximum_p_value=1 and
    # beta_hdd_maximum_p_value=1 (no p-value test; CalTRACK §3.4.3.2 says 0.1 — same model here)
    model = _baseline(samples, "UTC", max_p_value=1.0)
    assert model.model_type == "hdd_cdd"
    assert model.heating_balance_point_c * 1.8 + 32 == pytest.approx(53.0)
    assert model.cooling_balance_point_c * 1.8 + 32 == pytest.approx(68.0)
    assert model.intercept == pytest.approx(13.472385591795213, rel=1e-9)
    assert model.beta_hdd / 1.8 == pytest.approx(1.1122947857443488, rel=1e-9)
    assert model.beta_cdd / 1.8 == pytest.approx(2.516255026490126, rel=1e-9)
    assert round(_metered_savings(model, _peer_reporting_days()), 2) == 1571.28


def test_caltrack_local_days_depart_from_the_peer_by_0_6_percent(samples: tuple) -> None:
    """CalTRACK §2.3.2.1: temperatures on the meter's own (local) days, America/Chicago.

    greenmfg's own result, pinned: cooling balance point 67 °F instead of 68 °F and metered
    savings 1561.76, 0.61 % below the peer's 1571.28 — the whole difference is the 5–6 h shift
    of the peer's temperature days (docs/benchmarks.md, the peer's lines side by side).
    """
    temperature, _ = samples
    # the first baseline day by hand: the 24 hourly values stamped 2015-12-27T00:00-06:00 … 23:00-06:00
    by_hand = [v for t, v in temperature if t.date() == dt.date(2015, 12, 27)]
    assert len(by_hand) == 24
    days = mv.daily_mean_temperature([t for t, _ in temperature], np.array([v for _, v in temperature]),
                                     tz="America/Chicago")
    first = days.dates.index(dt.date(2015, 12, 27))
    assert days.mean[first] == pytest.approx(sum(by_hand) / 24, rel=1e-12)
    model = _baseline(samples, "America/Chicago")  # CalTRACK's p < 0.1 qualification
    assert model.model_type == "hdd_cdd"
    assert model.heating_balance_point_c * 1.8 + 32 == pytest.approx(53.0)
    assert model.cooling_balance_point_c * 1.8 + 32 == pytest.approx(67.0)
    savings = _metered_savings(model, _peer_reporting_days())
    assert savings == pytest.approx(1561.76, abs=0.01)
    assert savings / 1571.28 - 1 == pytest.approx(-0.0061, abs=0.0001)


def _day(hours_with_values: int, *, nan_rows: bool) -> tuple[list[dt.datetime], np.ndarray]:
    start = dt.datetime(2025, 1, 6, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    n = 24 if nan_rows else hours_with_values
    stamps = [start + dt.timedelta(hours=h) for h in range(n)]
    values = np.array([10.0 if h < hours_with_values else np.nan for h in range(n)])
    return stamps, values


@pytest.mark.parametrize("nan_rows", [False, True])
def test_a_day_counts_with_no_more_than_half_of_its_hours_missing(nan_rows: bool) -> None:
    """CalTRACK 2.0 §2.2.2.3/§3.5.1.2: "no more than 50% of high-frequency temperature values
    should be missing" — 12 of 24 hours count, 11 do not; a NaN hour is as missing as an absent one.

    eemeter 2.9.2 departs on both (features.py ``_degree_day_columns``, daily fast route:
    ``count = temps.shape[0]`` counts the rows, NaN included, and ``if count > n_limit_daily``
    with ``n_limit_daily = 24 * 0.5`` needs 13): a day of 20 NaN rows and 4 values is kept there.
    """
    for present, counts in ((12, True), (11, False), (4, False), (24, True)):
        stamps, values = _day(present, nan_rows=nan_rows)
        days = mv.daily_mean_temperature(stamps, values)
        assert days.dates == (dt.date(2025, 1, 6),)
        assert days.hours.tolist() == [present] and days.hours_in_day.tolist() == [24]
        assert bool(days.sufficient[0]) is counts
        if counts:
            assert days.mean[0] == 10.0


def test_days_are_local_calendar_days() -> None:
    # 16:00 UTC is 00:00 the next day in Asia/Shanghai (UTC+8)
    stamps = [dt.datetime(2025, 1, 5, 16, tzinfo=UTC) + dt.timedelta(hours=h) for h in range(24)]
    days = mv.daily_mean_temperature(stamps, np.arange(24.0))
    assert days.dates == (dt.date(2025, 1, 6),) and days.mean[0] == pytest.approx(11.5)
    on_utc = mv.daily_mean_temperature(stamps, np.arange(24.0), tz="UTC")
    assert on_utc.dates == (dt.date(2025, 1, 5), dt.date(2025, 1, 6))
    assert on_utc.hours.tolist() == [8, 16]
    assert not on_utc.sufficient[0] and on_utc.sufficient[1]


def test_daylight_saving_days_and_sub_hourly_values() -> None:
    zone = "America/Chicago"
    # 2016-03-13 has 23 local hours there: 12 values count (11.5 needed), 11 do not
    start = dt.datetime(2016, 3, 13, 6, tzinfo=UTC)  # local midnight, CST
    for present, counts in ((12, True), (11, False)):
        days = mv.daily_mean_temperature([start + dt.timedelta(hours=h) for h in range(present)],
                                         np.full(present, 40.0), tz=zone)
        assert days.hours_in_day.tolist() == [23] and bool(days.sufficient[0]) is counts
    # values within one hour are averaged to one hourly value first
    stamps = [start + dt.timedelta(minutes=30 * k) for k in range(48)]
    values = np.array([0.0 if k % 2 == 0 else 2.0 for k in range(48)])
    days = mv.daily_mean_temperature(stamps, values, tz=zone)
    assert days.dates[0] == dt.date(2016, 3, 13) and days.hours[0] == 23 and days.mean[0] == pytest.approx(1.0)


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="2 timestamps but 1 temperatures"):
        mv.daily_mean_temperature([dt.datetime(2025, 1, 1, tzinfo=UTC)] * 2, np.array([1.0]))
    empty = mv.daily_mean_temperature([], np.array([]))
    assert empty.dates == () and empty.mean.size == 0
