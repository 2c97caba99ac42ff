"""Data-quality findings on a daily meter series and the data-sufficiency verdict for a baseline.

Pure functions: a series in, typed :class:`SeriesFlag` objects out (dotted names
``monitoring.quality.*``, location, measured value, threshold, suggested fix key). Messages in
zh/en live in :mod:`greenmfg.monitoring.mv_labels`.

Thresholds and their sources (:data:`THRESHOLDS`):

* baseline length 365 days, at most 10 % (37) days missing — CalTRACK 2.0 §2.2 data sufficiency
  (methods.md B.1) [V];
* temperature coverage ≥ 90 % of each period — CalTRACK 2.0 (billing periods; applied here to each
  calendar month of a daily baseline) [P: adaptation];
* spike: above the median by more than 3 × IQR — CalTRACK 2.0 outlier flag (methods.md B.1) [V];
* flat line: ≥ 7 consecutive identical non-zero daily values — greenmfg default [U: no standard value];
* clock drift: a daily timestamp more than 300 s off local midnight — greenmfg default [U];
* unit mismatch: a declared unit outside the expected family, or a level step by a unit factor
  (×1000, ×3.6) between consecutive 30-day medians — greenmfg rule [U].

ISO 50006 statistical-model baselines (:func:`sufficiency_iso50006`) are judged by their own rules,
not CalTRACK's (:data:`ISO50006_THRESHOLDS`): ISO 50006:2023 asks for an EnB (energy baseline)
built from enough data over a period that represents the operation (its operating cycle), with
the relevant variables measured over that period and a statistically valid model (methods.md B.6
[P]; the standard's text was not read, these are paraphrases). It sets no fixed day count such as
CalTRACK's 365 days. The only count in the guidance as quoted, "10–12 baseline points", is of
monthly points of a baseline covering a year; daily data are judged at that grain:

* every calendar month represented: each of the 12 months of the year has complete days
  (energy and every relevant variable) on at least 90 % of its length within the window
  (≥ 28 of 31, ≥ 26 of 28, ≥ 27 of 30). Twelve monthly points over a full annual cycle is the
  guidance as quoted (methods.md B.6) [P]; the 90 % per month is a greenmfg choice, the same share
  as CalTRACK's coverage rule [U: no ISO 50006 value]. The same rule holds whether weather
  (HDD/CDD) or production drives the model: with weather a year is the cycle of the variable
  itself; with production, seasonal output, product mix and shutdowns make a year the baseline
  period the guidance speaks of, and no source seen supports a shorter one. A plant whose
  operating cycle is documented as shorter fits anyway with a recorded override reason;
* the relevant variables cover a range: a variable that does not vary over the baseline period
  gives no information on its effect (its coefficient cannot be estimated), so the model cannot
  be used where it differs [P];
* model statistics (R², p-values of the relevant variables, CV(RMSE), NMBE) are the validity
  checks of :func:`greenmfg.calc.mv.validity_checks`, reported beside the verdict.

Reporting periods whose relevant variables lie outside the baseline's range are flagged by
:func:`outside_baseline_range` (a regression model is valid only within the range of the data it
was fitted on: IPMVP Core Concepts, statistics appendix, as generally quoted [P]).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ISO50006_THRESHOLDS", "THRESHOLDS", "SeriesFlag", "Sufficiency", "check_series", "outside_baseline_range",
           "sufficiency", "sufficiency_iso50006"]

#: name → (value, unit, source, status)
THRESHOLDS: Mapping[str, tuple[float, str, str, str]] = {
    "baseline_days": (365, "d", "CalTRACK 2.0 §2.2 (methods.md B.1)", "V"),
    "min_day_coverage": (0.90, "-", "CalTRACK 2.0: no more than 37 of 365 days (10 %) missing", "V"),
    "min_month_temperature_coverage": (0.90, "-", "CalTRACK 2.0 temperature ≥ 90 % of each period "
                                       "(billing periods; calendar months here)", "P"),
    "spike_iqr": (3.0, "×IQR", "CalTRACK 2.0 outliers above median + 3·IQR (methods.md B.1)", "V"),
    "flat_line_days": (7, "d", "greenmfg default", "U"),
    "clock_drift_s": (300, "s", "greenmfg default", "U"),
    "unit_step_factor_tolerance": (0.15, "-", "greenmfg rule: a level step within 15 % of ×1000 or ×3.6", "U"),
}

#: ISO 50006 statistical-model baselines: name → (value, unit, source, status)
ISO50006_THRESHOLDS: Mapping[str, tuple[float, str, str, str]] = {
    "min_months": (12, "months", "ISO 50006:2023 statistical-model EnB over a period representative of the "
                   "operation: 10–12 baseline points as commonly cited, i.e. monthly points of a year "
                   "(methods.md B.6; paraphrased, standard text not read)", "P"),
    "min_month_day_coverage": (0.90, "-", "greenmfg choice: a month is a baseline point when at least 90 % of its "
                               "days are complete (the share of CalTRACK 2.0's coverage rule; no ISO 50006 value)",
                               "U"),
}

_UNIT_FACTORS = (1000.0, 3.6)


@dataclass(frozen=True, slots=True)
class SeriesFlag:
    """One data-quality problem on a meter series: a flagged span of days with the measure and the
    threshold it broke. Not a located input finding (:class:`greenmfg.errors.Finding`): it carries
    no text; :func:`greenmfg.monitoring.quality.describe` words it in zh/en for the pages."""

    name: str  # dotted: monitoring.quality.gap …
    severity: str  # error | warning
    start: dt.date | None
    end: dt.date | None
    value: float | None
    threshold: float | None
    fix: str  # key of the suggested fix (mv_labels.FIXES)
    meter_id: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "severity": self.severity, "meter_id": self.meter_id,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None, "value": self.value,
                "threshold": self.threshold, "fix": self.fix, "params": dict(self.params)}


def _runs(mask: Sequence[bool]) -> list[tuple[int, int]]:
    """Index ranges [i, j] of consecutive True values."""
    out: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate(mask):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


def _calendar(dates: Sequence[dt.date], values: Sequence[float | None]) -> tuple[list[dt.date], np.ndarray]:
    """Every day from the first to the last date, NaN where a value is missing."""
    if not dates:
        return [], np.array([])
    first, last = min(dates), max(dates)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    out = np.full(len(days), np.nan)
    for d, v in zip(dates, values, strict=True):
        if v is not None and math.isfinite(v):
            out[index[d]] = v
    return days, out


def check_series(dates: Sequence[dt.date], values: Sequence[float | None], *, meter_id: int | None = None,
                 cumulative: bool = False, unit: str | None = None,
                 expected_units: Sequence[str] | None = None,
                 timestamps: Sequence[dt.datetime] | None = None) -> list[SeriesFlag]:
    """Findings on a daily series.

    Parameters
    ----------
    dates, values : day and energy of that day [E/d] (or a register reading when ``cumulative``)
    cumulative : values are register readings; a decrease is a negative delta
    unit, expected_units : the declared unit and the units allowed for the meter's item
    timestamps : the time each daily value was stamped (local), for clock drift
    """
    findings: list[SeriesFlag] = []
    days, y = _calendar(list(dates), list(values))
    if not days:
        return findings
    # gaps
    for i, j in _runs(list(np.isnan(y))):
        findings.append(SeriesFlag("monitoring.quality.gap", "warning", days[i], days[j], float(j - i + 1), 1.0,
                                "fill_or_exclude_gap", meter_id, {"days": j - i + 1}))
    present = y[~np.isnan(y)]
    # negative deltas / negative consumption
    if cumulative:
        prev_i = None
        for i in range(len(y)):
            if np.isnan(y[i]):
                continue
            if prev_i is not None and y[i] < y[prev_i]:
                findings.append(SeriesFlag("monitoring.quality.negative_delta", "error", days[prev_i], days[i],
                                        float(y[i] - y[prev_i]), 0.0, "check_register_rollover", meter_id))
            prev_i = i
    else:
        for i, j in _runs(list(np.nan_to_num(y, nan=0.0) < 0)):
            findings.append(SeriesFlag("monitoring.quality.negative_delta", "error", days[i], days[j],
                                    float(np.nanmin(y[i:j + 1])), 0.0, "check_sign_or_register", meter_id))
    series = np.diff(y) if cumulative else y
    sdays = days[1:] if cumulative else days
    finite = series[np.isfinite(series)]
    # spikes: above median + 3·IQR
    if finite.size >= 10:
        q1, med, q3 = np.percentile(finite, [25, 50, 75])
        limit = med + THRESHOLDS["spike_iqr"][0] * (q3 - q1)
        if q3 > q1:
            for i in (int(x) for x in np.flatnonzero(np.nan_to_num(series, nan=-np.inf) > limit)):
                findings.append(SeriesFlag("monitoring.quality.spike", "warning", sdays[i], sdays[i],
                                        float(series[i]), float(limit), "verify_or_exclude_spike", meter_id,
                                        {"median": float(med), "iqr": float(q3 - q1)}))
    # flat lines: identical non-zero consecutive values
    min_flat = int(THRESHOLDS["flat_line_days"][0])
    same = [False] + [bool(np.isfinite(series[k]) and series[k] != 0 and series[k] == series[k - 1])
                      for k in range(1, len(series))]
    for i, j in _runs(same):
        length = j - i + 2  # the run of equal pairs covers one more day
        if length >= min_flat:
            findings.append(SeriesFlag("monitoring.quality.flat_line", "warning", sdays[i - 1], sdays[j],
                                    float(length), float(min_flat), "check_meter_communication", meter_id,
                                    {"days": length, "level": float(series[i])}))
    # clock drift
    if timestamps:
        limit_s = THRESHOLDS["clock_drift_s"][0]
        for stamp in timestamps:
            midnight = dt.datetime.combine(stamp.date(), dt.time(0), tzinfo=stamp.tzinfo)
            offset = (stamp - midnight).total_seconds()
            if offset > 43200:
                offset -= 86400  # stamped just before midnight: a negative drift
            if abs(offset) > limit_s:
                findings.append(SeriesFlag("monitoring.quality.clock_drift", "warning", stamp.date(), stamp.date(),
                                        float(offset), float(limit_s), "synchronise_clock", meter_id))
    # unit mismatch: declared unit, then a level step by a unit factor
    if unit is not None and expected_units is not None and unit not in expected_units:
        findings.append(SeriesFlag("monitoring.quality.unit_mismatch", "error", days[0], days[-1], None, None,
                                "declare_expected_unit", meter_id,
                                {"unit": unit, "expected": list(expected_units)}))
    if present.size >= 60:
        tol = THRESHOLDS["unit_step_factor_tolerance"][0]
        window = 30
        for k in range(window, len(series) - window + 1, window):
            before = series[k - window:k]
            after = series[k:k + window]
            b, a = np.nanmedian(before) if np.isfinite(before).any() else np.nan, \
                np.nanmedian(after) if np.isfinite(after).any() else np.nan
            if not (np.isfinite(a) and np.isfinite(b)) or a <= 0 or b <= 0:
                continue
            ratio = max(a / b, b / a)
            for factor in _UNIT_FACTORS:
                if abs(ratio / factor - 1) <= tol:
                    findings.append(SeriesFlag("monitoring.quality.unit_mismatch", "error", sdays[k - window],
                                            sdays[min(k + window, len(sdays)) - 1], float(a / b), factor,
                                            "convert_units", meter_id, {"factor": factor}))
    return findings


@dataclass(frozen=True, slots=True)
class Sufficiency:
    """Whether a baseline window holds enough data to fit, by the rules of ``rules``
    (``caltrack``: CalTRACK 2.0 data sufficiency; ``iso50006``: :func:`sufficiency_iso50006`)."""

    sufficient: bool
    reasons: tuple[Mapping[str, Any], ...]
    days: int
    days_with_data: int
    coverage: float
    start: dt.date | None
    end: dt.date | None
    rules: str = "caltrack"
    #: relevant variable → (lowest, highest) over the complete baseline points (ISO 50006 rules)
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"sufficient": self.sufficient, "reasons": [dict(r) for r in self.reasons], "days": self.days,
                "days_with_data": self.days_with_data, "coverage": self.coverage,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None, "rules": self.rules,
                "ranges": {k: list(v) for k, v in self.ranges.items()}}


def sufficiency(dates: Sequence[dt.date], energy: Sequence[float | None],
                temperature_c: Sequence[float | None] | None = None, *,
                start: dt.date | None = None, end: dt.date | None = None) -> Sufficiency:
    """Data-sufficiency verdict for a daily baseline window [start, end] (inclusive).

    Reasons (dotted names): ``monitoring.sufficiency.too_short`` (fewer than 365 days),
    ``.too_many_missing`` (under 90 % of days with energy and temperature),
    ``.month_temperature_coverage`` (a calendar month with under 90 % temperature days).
    """
    dates = list(dates)
    if not dates:
        return Sufficiency(False, ({"name": "monitoring.sufficiency.no_data"},), 0, 0, 0.0, start, end)
    start = start or min(dates)
    end = end or max(dates)
    n_days = (end - start).days + 1
    temps = list(temperature_c) if temperature_c is not None else [0.0] * len(dates)
    good: set[dt.date] = set()
    temp_days: set[dt.date] = set()
    for d, e, t in zip(dates, energy, temps, strict=True):
        if not start <= d <= end:
            continue
        t_ok = t is not None and math.isfinite(t)
        if t_ok:
            temp_days.add(d)
        if e is not None and math.isfinite(e) and t_ok:
            good.add(d)
    reasons: list[dict[str, Any]] = []
    need_days = int(THRESHOLDS["baseline_days"][0])
    if n_days < need_days:
        reasons.append({"name": "monitoring.sufficiency.too_short", "value": n_days, "threshold": need_days})
    coverage = len(good) / n_days if n_days > 0 else 0.0
    min_cov = THRESHOLDS["min_day_coverage"][0]
    if coverage < min_cov:
        reasons.append({"name": "monitoring.sufficiency.too_many_missing", "value": round(coverage, 4),
                        "threshold": min_cov, "missing_days": n_days - len(good)})
    if temperature_c is not None:
        month_days: dict[tuple[int, int], int] = {}
        month_temp: dict[tuple[int, int], int] = {}
        day = start
        while day <= end:
            key = (day.year, day.month)
            month_days[key] = month_days.get(key, 0) + 1
            month_temp[key] = month_temp.get(key, 0) + (day in temp_days)
            day += dt.timedelta(days=1)
        min_month = THRESHOLDS["min_month_temperature_coverage"][0]
        for key, total in month_days.items():
            share = month_temp[key] / total
            if share < min_month:
                reasons.append({"name": "monitoring.sufficiency.month_temperature_coverage",
                                "month": f"{key[0]:04d}-{key[1]:02d}", "value": round(share, 4),
                                "threshold": min_month})
    return Sufficiency(not reasons, tuple(reasons), n_days, len(good), coverage, start, end)


def sufficiency_iso50006(dates: Sequence[dt.date], energy: Sequence[float | None],
                         variables: Mapping[str, Sequence[float | None]], *,
                         start: dt.date | None = None, end: dt.date | None = None) -> Sufficiency:
    """Data-sufficiency verdict of an ISO 50006 statistical-model baseline (see the module docstring).

    Parameters
    ----------
    dates, energy
        The baseline window's days and energy [E]; missing values are None.
    variables
        Relevant variable → its value per day (production [t], HDD/CDD [°C·d] …), None where missing.
    start, end
        The window (inclusive); default the first and last date.

    Returns
    -------
    Sufficiency
        ``rules="iso50006"``; reasons ``monitoring.sufficiency.iso50006.months_missing`` (fewer than
        :data:`ISO50006_THRESHOLDS` ``min_months`` calendar months with complete days on at least
        ``min_month_day_coverage`` of their length; ``value`` the months represented, ``months`` the
        month numbers missing, ``months_en``/``months_zh`` their names) and
        ``monitoring.sufficiency.iso50006.no_variation`` (a relevant variable constant over the
        complete days); ``days_with_data`` the complete days, ``coverage`` their share of the window,
        ``ranges`` each variable's lowest and highest value.

    References
    ----------
    ISO 50006:2023, Energy management systems — Evaluating energy performance using EnPIs and EnBs
    (statistical models) [P: paraphrased, methods.md B.6; the standard's text was not read].
    """
    dates = list(dates)
    if not dates:
        return Sufficiency(False, ({"name": "monitoring.sufficiency.no_data"},), 0, 0, 0.0, start, end, "iso50006")
    start = start or min(dates)
    end = end or max(dates)
    n_days = (end - start).days + 1

    def known(value: float | None) -> bool:
        return value is not None and math.isfinite(value)

    complete = [i for i, (d, e) in enumerate(zip(dates, energy, strict=True))
                if start <= d <= end and known(e) and all(known(v[i]) for v in variables.values())]
    complete_days = {dates[i] for i in complete}  # a day given twice counts once
    reasons: list[dict[str, Any]] = []
    # monthly points: each calendar month of the year needs complete days on ≥ 90 % of its length
    share = ISO50006_THRESHOLDS["min_month_day_coverage"][0]
    per_month = [0] * 12
    for d in complete_days:
        per_month[d.month - 1] += 1
    missing = [m for m in range(1, 13) if per_month[m - 1] < math.ceil(share * _MONTH_DAYS[m - 1] - 1e-9)]
    need = int(ISO50006_THRESHOLDS["min_months"][0])
    if 12 - len(missing) < need:
        reasons.append({"name": "monitoring.sufficiency.iso50006.months_missing", "value": 12 - len(missing),
                        "threshold": need, "min_share": share, "months": missing,
                        "months_en": ", ".join(_MONTH_EN[m - 1] for m in missing),
                        "months_zh": "、".join(f"{m}月" for m in missing)})
    ranges: dict[str, tuple[float, float]] = {}
    for name, values in variables.items():
        chosen = [float(values[i]) for i in complete]  # type: ignore[arg-type]
        if not chosen:
            continue
        ranges[name] = (min(chosen), max(chosen))
        if ranges[name][0] == ranges[name][1]:
            reasons.append({"name": "monitoring.sufficiency.iso50006.no_variation", "variable": name,
                            "value": ranges[name][0]})
    coverage = len(complete_days) / n_days if n_days > 0 else 0.0
    return Sufficiency(not reasons, tuple(reasons), n_days, len(complete_days), coverage, start, end, "iso50006",
                       ranges)


#: days of each calendar month (February 28: a leap year's 29th day does not raise the bar)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def outside_baseline_range(ranges: Mapping[str, Sequence[float]],
                           variables: Mapping[str, Sequence[float]]) -> dict[str, int]:
    """Per relevant variable, how many reporting points lie outside the baseline's [lowest, highest].

    A regression baseline used outside the range of its data extrapolates: its prediction, hence
    the savings, is not supported by the baseline data (IPMVP, as generally quoted [P])."""
    out: dict[str, int] = {}
    for name, bounds in ranges.items():
        if name not in variables or len(bounds) != 2:
            continue
        low, high = float(bounds[0]), float(bounds[1])
        count = sum(1 for v in variables[name] if math.isfinite(float(v)) and not low <= float(v) <= high)
        if count:
            out[name] = count
    return out
