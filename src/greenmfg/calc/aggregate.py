"""Aggregates over accounting results: pooled product intensities and relative changes.

Pure functions on plain numbers; the regional view (:mod:`greenmfg.region.service`) feeds them
sums read from the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PooledIntensity", "pool_intensities", "relative_change"]


def relative_change(current: float | None, previous: float | None) -> float | None:
    """``(current - previous) / previous`` as a fraction (``0.05`` = 5 % higher).

    Parameters
    ----------
    current, previous
        Two values of one quantity in one unit; ``None`` when missing.

    Returns
    -------
    float or None
        ``None`` when either is missing or ``previous`` is not positive (no meaningful base).
    """
    if current is None or previous is None or previous <= 0:
        return None
    return (current - previous) / previous


@dataclass(frozen=True, slots=True)
class PooledIntensity:
    """A product's intensity over several periods or facilities, weighted by output.

    ``quantity`` is the summed output [product unit]; ``intensity`` the output-weighted mean
    [the periods' intensity unit], ``None`` when no period had both an intensity and output.
    """

    quantity: float
    intensity: float | None


def pool_intensities(periods: Iterable[tuple[float | None, float | None]]) -> PooledIntensity:
    """Pool ``(intensity, output)`` pairs of one product into one intensity.

    The pooled intensity is Σ(intensityᵢ × outputᵢ) / Σ outputᵢ: the total energy (or emissions)
    attributed to the product divided by its total output, which is what the intensity over the
    whole time span is. Pairs with a missing intensity or a non-positive output are left out of
    the mean (their output still counts in ``quantity`` when positive).

    Parameters
    ----------
    periods
        ``(intensity [e.g. kgce/t], output [t])`` per facility-period.

    Returns
    -------
    PooledIntensity
    """
    quantity = 0.0
    weighted = 0.0
    weight = 0.0
    for intensity, output in periods:
        if output is None or output <= 0:
            continue
        quantity += output
        if intensity is not None:
            weighted += intensity * output
            weight += output
    return PooledIntensity(quantity=quantity, intensity=weighted / weight if weight > 0 else None)
