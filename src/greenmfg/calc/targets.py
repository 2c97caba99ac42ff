"""Tracking an enterprise's yearly targets against its results so far (pure functions of numbers).

Two kinds of target:

* **totals** (energy [tce], emissions [tCO2e]) accumulate over the year. With results for ``m``
  of the 12 months the year-end projection is linear in the months so far,
  ``projected = to_date / m × 12``; a year with an annual result (period ``YYYY``) or all twelve
  months is complete and its projection is its total. ``progress = to_date / target`` is what has
  been used of the target, against the ``expected = m / 12`` of the year that has passed.
* **ratios** (energy or emissions per unit of product, per 10 000 CNY of output value) do not
  accumulate: the year's value so far is the best estimate of the year's, so ``projected`` is the
  value to date.

Lower is better for every target here (energy, emissions and intensities are ceilings).

Status: ``no_data`` (nothing reported yet), ``missed`` (a total already beyond its target, or a
complete year above it), ``at_risk`` (the projection is above the target), ``on_track``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["MONTHS", "STATUSES", "Tracking", "linear_projection", "pooled_ratio", "track_ratio", "track_total"]

MONTHS = 12
#: the statuses of a tracked target, in order of concern
STATUSES = ("on_track", "at_risk", "missed", "no_data")


@dataclass(frozen=True, slots=True)
class Tracking:
    """A target beside the results: all in the target's unit; fractions as 0–1 (may exceed 1)."""

    target: float
    #: the value so far (a total: the sum of the months reported; a ratio: its value over them)
    to_date: float | None
    #: the year-end estimate
    projected: float | None
    #: to_date / target
    progress: float | None
    #: the share of the year reported (months / 12; 1 for a complete year)
    expected: float
    #: projected / target
    projected_ratio: float | None
    status: str


def linear_projection(to_date: float, months: int, *, complete: bool = False) -> float | None:
    """The year-end total from ``months`` months summing to ``to_date`` (linear in the months).

    ``complete`` (an annual result, or twelve months): the total itself. No months: None.
    """
    if complete or months >= MONTHS:
        return to_date
    if months <= 0:
        return None
    return to_date / months * MONTHS


def pooled_ratio(points: Iterable[tuple[float | None, float]]) -> float | None:
    """The ratio over several periods from per-period ``(ratio, weight)``: Σ ratio·weight / Σ weight
    (a product's intensity weighted by its output); periods without a ratio or weight are left out."""
    numerator = weights = 0.0
    for ratio, weight in points:
        if ratio is None or not weight or weight <= 0 or not math.isfinite(ratio):
            continue
        numerator += ratio * weight
        weights += weight
    return numerator / weights if weights > 0 else None


def _divide(value: float | None, target: float) -> float | None:
    return None if value is None or target <= 0 else value / target


def track_total(target: float, to_date: float, months: int, *, complete: bool = False) -> Tracking:
    """A yearly total (energy, emissions) against its ``target``: see the module docstring."""
    done = complete or months >= MONTHS
    expected = 1.0 if done else max(months, 0) / MONTHS
    if months <= 0 and not complete:
        return Tracking(target, None, None, None, 0.0, None, "no_data")
    projected = linear_projection(to_date, months, complete=complete)
    if to_date > target or (done and projected is not None and projected > target):
        status = "missed"
    elif projected is not None and projected > target:
        status = "at_risk"
    else:
        status = "on_track"
    return Tracking(target, to_date, projected, _divide(to_date, target), expected, _divide(projected, target), status)


def track_ratio(target: float, value: float | None, months: int, *, complete: bool = False) -> Tracking:
    """A ratio (intensity) against its ``target``: the value so far is the projection."""
    done = complete or months >= MONTHS
    expected = 1.0 if done else max(months, 0) / MONTHS
    if value is None:
        return Tracking(target, None, None, None, expected, None, "no_data")
    status = ("missed" if done else "at_risk") if value > target else "on_track"
    ratio = _divide(value, target)
    return Tracking(target, value, value, ratio, expected, ratio, status)
