"""Monte Carlo draws of uncertain parameters and the statistics of the pathways they give (pure numpy).

Each uncertain parameter has one distribution; optional rank correlations between parameters are
imposed with a Gaussian copula: draw ``Z ~ N(0, R)`` (Cholesky of the correlation matrix ``R``),
map each column to a uniform ``U = Φ(Z)`` and through the inverse distribution function of its
parameter. Without correlations ``R`` is the identity and the draws are independent. A seed makes
every run reproducible (numpy ``default_rng``, PCG64).

Distributions (all parameters in the unit of the quantity drawn)

========== ======================== ============================================
name       parameters               inverse distribution function of ``u``
========== ======================== ============================================
normal     mean, sd                 ``mean + sd · Φ⁻¹(u)``
lognormal  median, sigma            ``median · exp(sigma · Φ⁻¹(u))`` (sigma of ln)
triangular low, mode, high          piecewise square root (below)
uniform    low, high                ``low + (high − low) · u``
========== ======================== ============================================

Triangular: ``F(mode) = c = (mode − low)/(high − low)``; ``x = low + sqrt(u (high − low)(mode − low))``
for ``u < c``, else ``high − sqrt((1 − u)(high − low)(high − mode))``.

References
----------
Iman, R.L. and Conover, W.J. (1982) A distribution-free approach to inducing rank correlation among
input variables. Commun. Statist. B11(3), 311–334 (the idea of imposing correlations on sampled
inputs; here through a Gaussian copula, which preserves the marginals exactly).
IPCC (2006) Guidelines, Vol. 1 Ch. 3 §3.2.3 (Approach 2: Monte Carlo simulation of inventory uncertainty).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

__all__ = [
    "DISTRIBUTIONS",
    "Distribution",
    "bands",
    "draw",
    "peak_probability",
    "share_true",
]

FloatArray = NDArray[np.float64]

#: distribution name → its parameters, in order
DISTRIBUTIONS: Mapping[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "triangular": ("low", "mode", "high"),
    "uniform": ("low", "high"),
}


@dataclass(frozen=True)
class Distribution:
    """One uncertain parameter: a distribution name of :data:`DISTRIBUTIONS` and its parameters."""

    name: str
    parameters: Mapping[str, float]

    def check(self) -> str | None:
        """Why the parameters are unusable (English), or None."""
        if self.name not in DISTRIBUTIONS:
            return f"unknown distribution {self.name!r}"
        p = self.parameters
        missing = [k for k in DISTRIBUTIONS[self.name] if k not in p]
        if missing:
            return "missing " + ", ".join(missing)
        if self.name == "normal" and p["sd"] < 0:
            return "sd must not be negative"
        if self.name == "lognormal" and (p["median"] <= 0 or p["sigma"] < 0):
            return "median must be positive and sigma not negative"
        if self.name == "triangular" and not p["low"] <= p["mode"] <= p["high"]:
            return "low ≤ mode ≤ high is required"
        if self.name == "uniform" and not p["low"] <= p["high"]:
            return "low ≤ high is required"
        return None

    def quantile(self, standard_normal: FloatArray) -> FloatArray:
        """Values at the quantiles of ``standard_normal`` draws (``u = Φ(z)``)."""
        p = self.parameters
        z = np.asarray(standard_normal, dtype=float)
        if self.name == "normal":
            return np.asarray(p["mean"] + p["sd"] * z, dtype=np.float64)
        if self.name == "lognormal":
            return np.asarray(p["median"] * np.exp(p["sigma"] * z), dtype=np.float64)
        u = ndtr(z)
        if self.name == "uniform":
            return np.asarray(p["low"] + (p["high"] - p["low"]) * u, dtype=np.float64)
        low, mode, high = p["low"], p["mode"], p["high"]
        width = high - low
        if width == 0:
            return np.full(np.shape(u), low, dtype=np.float64)
        c = (mode - low) / width
        lower = low + np.sqrt(u * width * (mode - low))
        upper = high - np.sqrt((1.0 - u) * width * (high - mode))
        return np.asarray(np.where(u < c, lower, upper), dtype=np.float64)


def draw(distributions: Mapping[str, Distribution], *, draws: int, seed: int,
         correlations: Sequence[tuple[str, str, float]] = ()) -> dict[str, FloatArray]:
    """``draws`` values of each parameter, correlated as asked.

    Parameters
    ----------
    distributions
        parameter name → distribution (the order of the mapping fixes the stream of random numbers).
    draws
        number of draws ``D`` (≥ 1).
    seed
        seed of numpy's ``default_rng``: the same seed gives the same draws.
    correlations
        (name, name, ρ) with ``−1 < ρ < 1``: correlation of the underlying normal scores (≈ rank correlation).

    Returns
    -------
    dict
        name → array of shape ``(D,)``.

    Raises
    ------
    ValueError
        A distribution's parameters are unusable, a correlation names an unknown parameter, or the
        correlation matrix is not positive definite.
    """
    names = list(distributions)
    for name, dist in distributions.items():
        problem = dist.check()
        if problem:
            raise ValueError(f"{name}: {problem}")
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal((draws, len(names)))
    if correlations:
        matrix = np.eye(len(names))
        position = {n: i for i, n in enumerate(names)}
        for a, b, rho in correlations:
            if a not in position or b not in position:
                raise ValueError(f"correlation between unknown parameters {a!r}, {b!r}")
            matrix[position[a], position[b]] = matrix[position[b], position[a]] = rho
        try:
            lower = np.linalg.cholesky(matrix)
        except np.linalg.LinAlgError:
            raise ValueError("the correlations are inconsistent (the matrix is not positive definite)") from None
        scores = scores @ lower.T
    return {name: distributions[name].quantile(scores[:, i]) for i, name in enumerate(names)}


def bands(values: FloatArray, percentiles: Sequence[float] = (5.0, 50.0, 95.0)) -> dict[float, FloatArray]:
    """Percentiles over the draws of each year: ``values`` ``(D, T)`` → percentile → ``(T,)``.

    Linear interpolation between order statistics (numpy's default, Hyndman–Fan type 7).
    """
    result = np.percentile(np.asarray(values, dtype=float), list(percentiles), axis=0)
    return {p: result[i] for i, p in enumerate(percentiles)}


def peak_probability(peak_index: NDArray[np.int64], peaked: NDArray[np.bool_], years: int) -> FloatArray:
    """Share of draws whose pathway has peaked by each year: peak year index ≤ the year's index and the
    emissions fall after it within the horizon. Shape ``(T,)``, non-decreasing."""
    counts = np.bincount(np.asarray(peak_index)[np.asarray(peaked)], minlength=years)[:years]
    return np.cumsum(counts) / max(len(peak_index), 1)


def share_true(flags: NDArray[np.bool_]) -> float:
    """Share of draws for which ``flags`` holds (e.g. a target is met)."""
    flags = np.asarray(flags)
    return float(flags.mean()) if flags.size else 0.0
