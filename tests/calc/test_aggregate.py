"""Relative changes and output-weighted pooled intensities (calc.aggregate), worked by hand.

The pooled intensity is Σ(intensityᵢ × outputᵢ) / Σ outputᵢ: the energy attributed to the
product over the whole span divided by its output over the span, so it is checked against that
total directly as well as against the weighted mean written out.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from greenmfg.calc.aggregate import PooledIntensity, pool_intensities, relative_change


@pytest.mark.parametrize(("current", "previous", "expected"), [
    (105.0, 100.0, 0.05),     # (105 − 100) / 100 = 5 % higher
    (90.0, 120.0, -0.25),     # (90 − 120) / 120 = −30 / 120 = 25 % lower
    (0.0, 50.0, -1.0),        # down to nothing: −100 %
    (100.0, 100.0, 0.0),
    (300.0, 100.0, 2.0),      # tripled: +200 %
])
def test_relative_change_by_hand(current: float, previous: float, expected: float) -> None:
    assert relative_change(current, previous) == expected


@pytest.mark.parametrize(("current", "previous"), [
    (None, 100.0), (100.0, None), (None, None),
    (5.0, 0.0),      # no base to compare with
    (5.0, -10.0),    # a negative base has no meaningful relative change
])
def test_relative_change_without_a_meaningful_base_is_none(current: float | None, previous: float | None) -> None:
    assert relative_change(current, previous) is None


def test_pooled_intensity_by_hand() -> None:
    # clinker: 100 kgce/t over 1000 t and 110 kgce/t over 3000 t
    # energy 100 × 1000 + 110 × 3000 = 430 000 kgce over 4000 t → 107.5 kgce/t (not the plain mean 105)
    pooled = pool_intensities([(100.0, 1000.0), (110.0, 3000.0)])
    assert pooled == PooledIntensity(quantity=4000.0, intensity=107.5)


def test_missing_intensity_counts_in_the_output_but_not_in_the_mean() -> None:
    # a third facility made 500 t without an intensity: 4500 t in all, the mean still 107.5 kgce/t
    pooled = pool_intensities([(100.0, 1000.0), (110.0, 3000.0), (None, 500.0)])
    assert pooled.quantity == 4500.0 and pooled.intensity == 107.5


def test_non_positive_or_missing_output_is_left_out_entirely() -> None:
    pooled = pool_intensities([(100.0, 1000.0), (500.0, 0.0), (500.0, -20.0), (500.0, None)])
    assert pooled == PooledIntensity(quantity=1000.0, intensity=100.0)


def test_nothing_to_pool() -> None:
    assert pool_intensities([]) == PooledIntensity(quantity=0.0, intensity=None)
    # output without any intensity: a quantity but no intensity
    assert pool_intensities(iter([(None, 200.0), (None, 50.0)])) == PooledIntensity(quantity=250.0, intensity=None)


pairs = st.lists(st.tuples(st.floats(min_value=1.0, max_value=1_000.0), st.floats(min_value=0.1, max_value=1e6)),
                 min_size=1, max_size=20)


@given(periods=pairs)
def test_pooled_intensity_is_the_total_over_the_total_output(periods: list[tuple[float, float]]) -> None:
    pooled = pool_intensities(periods)
    energy = math.fsum(i * q for i, q in periods)
    output = math.fsum(q for _, q in periods)
    assert pooled.quantity == pytest.approx(output, rel=1e-12)
    assert pooled.intensity is not None
    assert pooled.intensity == pytest.approx(energy / output, rel=1e-9)
    # a weighted mean lies between the smallest and the largest intensity
    low, high = min(i for i, _ in periods), max(i for i, _ in periods)
    assert low * (1 - 1e-12) <= pooled.intensity <= high * (1 + 1e-12)
