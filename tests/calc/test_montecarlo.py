"""calc/montecarlo.py: the four distributions, correlations, reproducibility, bands and peak probabilities.

Moments are checked against their closed forms (normal mean/sd; lognormal median; triangular mean
(a + c + b)/3; uniform mean (a + b)/2) on 200 000 seeded draws, with tolerances of several standard
errors; the seed makes each check deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from greenmfg.calc.montecarlo import Distribution, bands, draw, peak_probability, share_true

N = 200_000


def test_the_four_distributions_have_their_moments() -> None:
    out = draw({"n": Distribution("normal", {"mean": 1.0, "sd": 0.1}),
                "l": Distribution("lognormal", {"median": 2.0, "sigma": 0.3}),
                "t": Distribution("triangular", {"low": 0.8, "mode": 1.0, "high": 1.5}),
                "u": Distribution("uniform", {"low": -1.0, "high": 3.0})}, draws=N, seed=7)
    assert out["n"].mean() == pytest.approx(1.0, abs=0.001) and out["n"].std() == pytest.approx(0.1, rel=0.01)
    assert np.median(out["l"]) == pytest.approx(2.0, rel=0.01)
    assert out["t"].mean() == pytest.approx((0.8 + 1.0 + 1.5) / 3, abs=0.002)
    assert out["t"].min() >= 0.8 and out["t"].max() <= 1.5
    assert out["u"].mean() == pytest.approx(1.0, abs=0.01) and out["u"].min() >= -1.0 and out["u"].max() <= 3.0


def test_a_seed_reproduces_the_draws_and_another_does_not() -> None:
    spec = {"x": Distribution("normal", {"mean": 0.0, "sd": 1.0})}
    assert np.array_equal(draw(spec, draws=100, seed=1)["x"], draw(spec, draws=100, seed=1)["x"])
    assert not np.array_equal(draw(spec, draws=100, seed=1)["x"], draw(spec, draws=100, seed=2)["x"])


def test_correlations_are_imposed_and_marginals_kept() -> None:
    spec = {"a": Distribution("uniform", {"low": 0.0, "high": 1.0}),
            "b": Distribution("normal", {"mean": 5.0, "sd": 2.0})}
    out = draw(spec, draws=N, seed=3, correlations=[("a", "b", 0.7)])
    ranks_a, ranks_b = np.argsort(np.argsort(out["a"])), np.argsort(np.argsort(out["b"]))
    spearman = np.corrcoef(ranks_a, ranks_b)[0, 1]
    # Spearman of a Gaussian copula: (6/π) asin(ρ/2)
    assert spearman == pytest.approx(6 / np.pi * np.arcsin(0.35), abs=0.01)
    assert out["b"].std() == pytest.approx(2.0, rel=0.01)
    with pytest.raises(ValueError, match="positive definite"):
        draw({k: Distribution("normal", {"mean": 0.0, "sd": 1.0}) for k in "xyz"}, draws=10, seed=0,
             correlations=[("x", "y", 0.9), ("y", "z", 0.9), ("x", "z", -0.9)])


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="low ≤ mode ≤ high"):
        draw({"t": Distribution("triangular", {"low": 1.0, "mode": 0.5, "high": 2.0})}, draws=10, seed=0)


def test_bands_and_peak_probability() -> None:
    values = np.tile(np.arange(101, dtype=float)[:, None], (1, 3))   # 101 draws 0…100, 3 years
    b = bands(values)
    assert list(b[5.0]) == [5.0] * 3 and list(b[50.0]) == [50.0] * 3 and list(b[95.0]) == [95.0] * 3
    probability = peak_probability(np.array([0, 1, 1, 2]), np.array([True, True, True, False]), 3)
    assert list(probability) == [0.25, 0.75, 0.75]
    assert share_true(np.array([True, False, True, True])) == 0.75
