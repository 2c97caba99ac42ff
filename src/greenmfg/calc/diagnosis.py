"""Energy-saving diagnosis: equipment grades against minimum allowable values, replacement savings,
payback, and anomalies of daily consumption against a baseline.

Pure functions: numbers in, numbers out; the reference values (grades of a standard edition) are
passed in by the caller (``greenmfg.diagnosis.service``), which also carries their sources.

Formulas (annual, per item)
---------------------------
Motors, pumps, fans (electric drive, output power known)
    ``ΔE = P_rated × h × β × (1/η_old − 1/η_new)`` [kWh] with the rated output ``P_rated`` [kW],
    operating hours ``h`` [h/a], load factor ``β`` [1] and efficiencies ``η`` [1]. The output at
    load ``P_rated × β`` is assumed the same before and after the replacement.
Transformers
    ``E_loss = P0 × H_energised + β² × Pk × h`` [kWh] with no-load loss ``P0`` and load loss ``Pk``
    [kW], energised hours ``H_energised`` (8760 h/a unless given) and load factor ``β`` (load /
    rated kVA) over the operating hours ``h``; ``ΔE = E_loss(old) − E_loss(new)``.
Air compressors
    ``ΔE = (SP_old − SP_new) × Q × h × β`` [kWh] with specific power ``SP`` [kW/(m³/min)] and
    rated free-air delivery ``Q`` [m³/min].
Industrial boilers
    useful heat ``Q = P_rated × h × β × 3.6`` [GJ] (``P_rated`` in MW), fuel energy saved
    ``ΔF = Q × (1/η_old − 1/η_new)`` [GJ], in standard coal ``ΔF / 29.3076`` [tce] (1 kgce = 29.3076 MJ,
    GB/T 2589-2020 3.x).
Payback
    ``cost / annual cost saving`` [a]; None when nothing is saved.

Anomalies
---------
Residual ``r_t = actual_t − expected_t``. *Spike*: ``z_t = (r_t − mean) / σ`` over the previous
``window`` days that were not themselves flagged (at least ``min_history`` of them); ``|z_t| > z_threshold``.
When those residuals follow a weekly cycle that the baseline does not model (plants that run
less on Sundays; the CalTRACK daily model has no day-of-week term) — their weekday means differ
by a one-way ANOVA F-test at ``p < weekly_p`` (0.01) over all days of the window, flagged or not,
each weekday with at least 2 days — a day is judged against the mean residual of its own
weekday's unflagged days (their median over all days when fewer than 2 are unflagged) and the
spread of the unflagged days around their weekday's median (or that weekday's own spread, when
larger), widened by √(1 + 1/n) for a level estimated from n days, so the regular low day of each
week is not an alarm while a departure from it still is.
Consecutive flagged days form one anomaly. *Drift*: two-sided tabular CUSUM on
``r_t/σ0`` (an unbiased baseline's residuals have mean 0) with ``σ0`` the residuals' standard
deviation over the first ``window`` days (the reference period), slack
``k`` and decision interval ``h`` (Montgomery, *Introduction to Statistical Quality Control*, 9.1);
``k = 0.5`` and ``h = 8`` keep false alarms of an in-control series to about one in
several years of days while a shift of one σ is found within about three weeks (``h = 5``, the
textbook value, alarms about twice a year on clean daily data); an alarm's range runs from the day after the sum last left zero to the day it returns to zero
(or the series ends); days flagged as spikes do not enter the sums (a drift's excess is still the whole
range's, so it includes any spike inside it). Severity: ``high`` when the excess is ≥ 20 % of the expected energy of the
range or ``|z| ≥ 6``, ``medium`` when ≥ 10 % or ``|z| ≥ 4``, otherwise ``low``.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "KGCE_PER_GJ",
    "Anomaly",
    "boiler_fuel_saving_tce",
    "compressor_saving_kwh",
    "detect_anomalies",
    "efficiency_grade",
    "equipping_rate_pct",
    "loss_grade",
    "specific_power_grade",
    "motor_saving_kwh",
    "payback_years",
    "pump_efficiency_pct",
    "pump_specific_speed",
    "table_rating",
    "transformer_loss_kwh",
]

#: 1 kgce = 29.3076 MJ (GB/T 2589-2020), so 1 GJ = 34.12 kgce
KGCE_PER_GJ = 1000.0 / 29.3076


def table_rating(value: float, ratings: Sequence[float]) -> float | None:
    """The tabulated rating that applies to ``value``: equal, else the next higher one.

    A rating between two rows takes the row of the higher rating (the stricter requirement; an
    assumption that :mod:`greenmfg.diagnosis.service` reports). None above the table.
    """
    for rating in sorted(ratings):
        if value <= rating + 1e-9:
            return rating
    return None


def efficiency_grade(efficiency_pct: float, grades: Mapping[int, float | None]) -> int | None:
    """The best grade whose minimum efficiency ``efficiency_pct`` reaches (1 is best).

    Parameters
    ----------
    efficiency_pct
        Nameplate or measured efficiency [%].
    grades
        Minimum efficiency of each grade [%]; a grade without a value is skipped.

    Returns
    -------
    int or None
        The grade, or None when the efficiency is below every encoded grade (for the standard's
        lowest grade, the minimum allowable value: below the minimum).
    """
    for grade in sorted(grades):
        minimum = grades[grade]
        if minimum is not None and efficiency_pct >= minimum - 1e-9:
            return grade
    return None


def specific_power_grade(specific_power: float, grades: Mapping[int, float | None]) -> int | None:
    """The best grade whose maximum specific power [kW/(m³/min)] ``specific_power`` does not exceed.

    Air compressors (GB 19153-2019): lower is better, grade 3's value is the largest allowed
    (the minimum allowable value, 3.4 of the standard). None above every encoded grade.
    """
    for grade in sorted(grades):
        maximum = grades[grade]
        if maximum is not None and specific_power <= maximum + 1e-9:
            return grade
    return None


def equipping_rate_pct(equipped: int, required: int) -> float | None:
    """Equipping rate of energy measuring instruments ``equipped / required × 100`` [%].

    GB 17167-2006 3.2: instruments actually installed as a share of the number needed to measure
    every energy quantity. None when nothing is required.
    """
    if required <= 0:
        return None
    return 100.0 * min(equipped, required) / required


def loss_grade(no_load_w: float, load_w: float, grades: Mapping[int, tuple[float | None, float | None]]
               ) -> int | None:
    """The best grade whose no-load *and* load losses [W] are both not exceeded (transformers)."""
    for grade in sorted(grades):
        p0, pk = grades[grade]
        if p0 is not None and pk is not None and no_load_w <= p0 + 1e-9 and load_w <= pk + 1e-9:
            return grade
    return None


def motor_saving_kwh(rated_kw: float, hours: float, load_factor: float, efficiency_old_pct: float,
                     efficiency_new_pct: float) -> float:
    """Annual electricity saved by a more efficient drive: ``P × h × β × (1/η_old − 1/η_new)`` [kWh].

    Parameters
    ----------
    rated_kw
        Rated output [kW]. hours: operating hours [h/a]. load_factor: [1].
    efficiency_old_pct, efficiency_new_pct
        [%]
    """
    return rated_kw * hours * load_factor * (100.0 / efficiency_old_pct - 100.0 / efficiency_new_pct)


def transformer_loss_kwh(no_load_w: float, load_w: float, load_factor: float, hours: float, *,
                         energised_hours: float = 8760.0) -> float:
    """Annual loss ``P0 × H_energised + β² × Pk × h`` [kWh] (losses in [W])."""
    return (no_load_w * energised_hours + load_factor ** 2 * load_w * hours) / 1000.0


def compressor_saving_kwh(specific_power_old: float, specific_power_new: float, flow_m3_min: float,
                          hours: float, load_factor: float) -> float:
    """``(SP_old − SP_new) × Q × h × β`` [kWh]; SP [kW/(m³/min)], Q [m³/min]."""
    return (specific_power_old - specific_power_new) * flow_m3_min * hours * load_factor


def boiler_fuel_saving_tce(rated_mw: float, hours: float, load_factor: float, efficiency_old_pct: float,
                           efficiency_new_pct: float) -> float:
    """Fuel saved [tce/a] for the same useful heat ``P × h × β`` with a better thermal efficiency."""
    heat_gj = rated_mw * hours * load_factor * 3.6
    saved_gj = heat_gj * (100.0 / efficiency_old_pct - 100.0 / efficiency_new_pct)
    return saved_gj * KGCE_PER_GJ / 1000.0


def pump_specific_speed(flow_m3_h: float, head_m: float, speed_rpm: float, *, double_suction: bool = False,
                        stages: int = 1) -> float:
    """Specific speed ``ns = 3.65 n √Q / H^0.75`` [1] of a centrifugal pump.

    Parameters
    ----------
    flow_m3_h
        Flow [m³/h]; converted to m³/s, halved for a double-suction impeller.
    head_m
        Head of the whole pump [m]; divided by the number of ``stages``.
    speed_rpm
        [r/min]

    References
    ----------
    GB 19762-2007 附录A 式(A.1); GB 19762-2025 (same definition).
    """
    q = flow_m3_h / 3600.0 / (2.0 if double_suction else 1.0)
    h = head_m / max(stages, 1)
    return 3.65 * speed_rpm * math.sqrt(q) / math.pow(h, 0.75)


def pump_efficiency_pct(specific_speed: float, flow_m3_h: float, coefficients: Mapping[str, float], ci: float) -> float:
    """GB 19762-2025 clean-water pump efficiency of one grade [%].

    ``η = a(ln ns)² + b(ln Q)² + c(ln ns)(ln Q) + d(ln ns) + e(ln Q) − C_i`` with ``Q`` [m³/h] at the
    best-efficiency point; ``coefficients`` holds a…e of the single-stage or multistage formula,
    ``ci`` the grade's C_i of the pump type and flow range.
    """
    ln_ns, ln_q = math.log(specific_speed), math.log(flow_m3_h)
    k = coefficients
    return (k["a"] * ln_ns ** 2 + k["b"] * ln_q ** 2 + k["c"] * ln_ns * ln_q + k["d"] * ln_ns + k["e"] * ln_q - ci)


def payback_years(cost: float, annual_saving: float) -> float | None:
    """Simple payback [a]; None when the annual saving is not positive."""
    if annual_saving <= 0:
        return None
    return cost / annual_saving


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A run of days whose consumption departs from the baseline."""

    kind: str  #: spike, drift_up, drift_down
    start: dt.date
    end: dt.date
    #: sum of actual − expected over the range [same unit as the series, normally kWh]
    excess: float
    expected: float
    max_abs_z: float
    severity: str  #: low, medium, high


def _severity(excess: float, expected: float, max_abs_z: float) -> str:
    share = abs(excess) / expected if expected > 0 else math.inf
    if share >= 0.20 or max_abs_z >= 6:
        return "high"
    if share >= 0.10 or max_abs_z >= 4:
        return "medium"
    return "low"


#: fewest days of a weekday in the spike screen's history for the weekly-cycle test
MIN_DAYS_PER_WEEKDAY = 2


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0.0
    return mean, math.sqrt(variance)


def _weekly_pattern(values: Sequence[float], weekdays: Sequence[int], p_max: float) -> dict[int, float] | None:
    """The usual residual of each weekday (its median) when the weekdays' means differ
    significantly (one-way ANOVA F-test, p < ``p_max``); otherwise None.

    Each weekday counted needs at least :data:`MIN_DAYS_PER_WEEKDAY` values."""
    groups: dict[int, list[float]] = {}
    for value, weekday in zip(values, weekdays, strict=True):
        groups.setdefault(weekday, []).append(value)
    groups = {w: g for w, g in groups.items() if len(g) >= MIN_DAYS_PER_WEEKDAY}
    k, total = len(groups), sum(len(g) for g in groups.values())
    if k < 2 or total - k < 2:
        return None
    grand = sum(sum(g) for g in groups.values()) / total
    means = {w: sum(g) / len(g) for w, g in groups.items()}
    between = sum(len(g) * (means[w] - grand) ** 2 for w, g in groups.items())
    within = sum((v - means[w]) ** 2 for w, g in groups.items() for v in g)
    if within <= 0:
        return None
    from scipy.stats import f as f_distribution  # only when a weekly pattern is tested

    f_stat = (between / (k - 1)) / (within / (total - k))
    if float(f_distribution.sf(f_stat, k - 1, total - k)) >= p_max:
        return None
    return {w: statistics.median(g) for w, g in groups.items()}


def detect_anomalies(dates: Sequence[dt.date], actual: Sequence[float], expected: Sequence[float], *,
                     window: int = 28, min_history: int = 14, z_threshold: float = 3.0, cusum_k: float = 0.5,
                     cusum_h: float = 8.0, weekly_p: float = 0.01) -> list[Anomaly]:
    """Spikes (standardised residual beyond ``z_threshold``) and drifts (CUSUM) of a daily series.

    Parameters
    ----------
    dates
        Consecutive days, ascending.
    actual, expected
        Measured and baseline-predicted energy per day [kWh] (or any one unit).
    window
        Days of residual history for the rolling σ and the CUSUM reference period.
    min_history
        Fewest unflagged prior days before a day is judged.
    weekly_p
        Significance level of the weekly-cycle test of the spike screen (see the module docstring).

    Returns
    -------
    list of Anomaly
        Ordered by start date (spikes before drifts on the same date).

    Raises
    ------
    ValueError
        Lengths differ, dates are not ascending, or a value is not finite.
    """
    n = len(dates)
    if len(actual) != n or len(expected) != n:
        raise ValueError("dates, actual and expected must have the same length")
    if any(b <= a for a, b in zip(dates, dates[1:], strict=False)):
        raise ValueError("dates must be strictly ascending")
    if not all(math.isfinite(v) for v in (*actual, *expected)):
        raise ValueError("actual and expected must be finite numbers")
    residual = [a - e for a, e in zip(actual, expected, strict=True)]
    found: list[Anomaly] = []

    # spikes against a rolling σ of earlier, unflagged residuals
    flagged = [False] * n
    z_of: list[float | None] = [None] * n
    for t in range(n):
        recent = range(max(0, t - window), t)
        kept = [i for i in recent if not flagged[i]]
        if len(kept) < min_history:
            continue
        # the weekly test reads every recent day, flagged or not: a cycle whose low days were
        # flagged once must not hide itself from then on
        weekly = _weekly_pattern([residual[i] for i in recent], [dates[i].weekday() for i in recent], weekly_p)
        if weekly is not None and dates[t].weekday() in weekly:
            # a regular weekly cycle the baseline does not model (e.g. a lower Sunday): judged
            # against the same weekday's usual residual and the spread within weekdays
            day = dates[t].weekday()
            deviations = [residual[i] - weekly[dates[i].weekday()] for i in kept if dates[i].weekday() in weekly]
            pooled = math.sqrt(sum(v * v for v in deviations) / max(len(deviations) - len(weekly), 1))
            same = [residual[i] for i in kept if dates[i].weekday() == day]
            if len(same) >= MIN_DAYS_PER_WEEKDAY:
                mean, own = _mean_sd(same)
            else:  # this weekday's recent days were flagged: its usual level from all of them
                mean, own = weekly[day], 0.0
            # a low day's load can vary more than the others' (its own spread, when larger, is
            # used); the weekday's level is itself estimated from a few days (prediction spread)
            sd = max(pooled, own) * math.sqrt(1 + 1 / max(len(same), 1))
        else:
            mean, sd = _mean_sd([residual[i] for i in kept])
        if sd <= 0:
            continue
        z = (residual[t] - mean) / sd
        z_of[t] = z
        flagged[t] = abs(z) > z_threshold
    t = 0
    while t < n:
        if flagged[t]:
            u = t
            while u + 1 < n and flagged[u + 1]:
                u += 1
            excess = sum(residual[t:u + 1])
            exp_sum = sum(expected[t:u + 1])
            max_z = max(abs(z_of[i] or 0.0) for i in range(t, u + 1))
            found.append(Anomaly("spike", dates[t], dates[u], excess, exp_sum, max_z,
                                 _severity(excess, exp_sum, max_z)))
            t = u + 1
        else:
            t += 1

    # drifts: tabular CUSUM against the reference period
    if n > window:
        # an unbiased baseline's residuals have mean 0: the sums measure departures from it, and
        # only their spread is estimated from the reference period
        mu0, sd0 = 0.0, _mean_sd(residual[:window])[1]
        if sd0 > 0:
            for sign, kind in ((1.0, "drift_up"), (-1.0, "drift_down")):
                s = 0.0
                start = window
                alarm = False
                peak = 0.0
                for t in range(window, n):
                    if flagged[t] and t < n - 1:
                        continue  # a spike is reported as such, not again as a drift
                    z = 0.0 if flagged[t] else sign * (residual[t] - mu0) / sd0
                    if s == 0.0:
                        start = t
                    s = max(0.0, s + z - cusum_k)
                    peak = max(peak, abs(z))
                    if s > cusum_h:
                        alarm = True
                    if s == 0.0 or t == n - 1:
                        if alarm:
                            end = t - 1 if s == 0.0 else t
                            excess = sum(residual[start:end + 1])
                            exp_sum = sum(expected[start:end + 1])
                            found.append(Anomaly(kind, dates[start], dates[end], excess, exp_sum, peak,
                                                 _severity(excess, exp_sum, peak)))
                        alarm = False
                        peak = 0.0
    order = {"spike": 0, "drift_up": 1, "drift_down": 2}
    return sorted(found, key=lambda a: (a.start, order[a.kind]))
