"""LEAP-style annual accounting of energy and CO2 pathways (pure formulas, numpy arrays in and out).

The model follows the demand-side accounting of LEAP (methods.md §C.1): for each branch (a route of
a sector, e.g. the BF-BOF route of steel) and year ``t``

.. math::

    Q_{r,t} = Q_{s,t} \\cdot \\text{share}_{r,t}                       \\quad [t]

    E_{r,t} = Q_{r,t} \\cdot EI_{r,t} / 1000                          \\quad [tce]

    C^{comb}_{r,t} = \\sum_{f \\ne el} E_{r,t} \\cdot m_{f,r,t} \\cdot EF_f     \\quad [tCO2]

    C^{el}_{r,t} = E_{r,t} \\cdot m_{el,r,t} / c_{el} \\cdot GF_t            \\quad [tCO2]

    C^{proc}_{r,t} = Q_{r,t} \\cdot a_{r,t} \\cdot EF^{proc}_{r,t}            \\quad [tCO2]

    C^{ccus}_{r,t} = -k_{r,t} \\cdot (C^{comb}_{r,t} + C^{proc}_{r,t})      \\quad [tCO2]

with ``m`` the fuel mix (shares of the route's energy, equivalent basis), ``c_el`` the electricity
coefficient ``[kgce/kWh]`` (so ``E·m/c_el`` is MWh when ``E`` is tce), ``GF`` the grid factor
``[tCO2/MWh]``, ``a`` the process activity ratio (e.g. the clinker factor, t clinker per t cement),
``EF^proc`` the process factor per unit of process activity and ``k`` the CCUS capture rate.

Every array carries a leading axis of draws (``D``; 1 for a deterministic run), then years (``T``):
the Monte Carlo (:mod:`greenmfg.calc.montecarlo`) runs the same formulas on ``D`` draws at once.

Energy intensity
    ``EI_{r,t} = min(EI^{path}_{r,t} · Π_j (1 − s_j · ramp_j(t)), EI^{bench}_{r,t})``: the intensity
    path given for the route, lowered by each equipment measure ``j`` (savings fraction ``s_j``,
    applied to the energy the earlier measures left: measures multiply, they do not add), and
    capped by the benchmark-attainment path (linear from the base-year intensity to the benchmark
    level in the attainment year, then held). A route already below the benchmark is not raised.

References
----------
Heaps, C.G. LEAP: the Low Emissions Analysis Platform, help pages "Activity analysis" and
"Environmental loadings" (demand = activity × energy intensity; emissions = demand × factor).
GB/T 2589-2020 附录A: electricity 0.1229 kgce/kWh (equivalent value).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "SOURCES",
    "Peak",
    "RouteArrays",
    "RouteResult",
    "attainment_path",
    "compound_growth",
    "cumulative",
    "interpolate_path",
    "measure_factor",
    "peak_analysis",
    "route_pathway",
]

FloatArray = NDArray[np.float64]

#: emission sources of a route, in the order of the outputs
SOURCES = ("combustion", "electricity", "process", "captured")


def interpolate_path(points: Mapping[int, float], years: Sequence[int] | NDArray[np.int64]) -> FloatArray:
    """Values of a path given at some years, on every year of ``years``.

    Linear between the given years; before the first and after the last the nearest given value is
    held (a path ``{2020: 0.9, 2030: 0.7}`` is 0.9 before 2020 and 0.7 after 2030).

    Parameters
    ----------
    points
        year → value; at least one year.
    years
        the model's years, ascending.

    Returns
    -------
    numpy.ndarray
        shape ``(T,)``.
    """
    if not points:
        raise ValueError("a path needs at least one year")
    known = sorted(points)
    return np.asarray(np.interp(np.asarray(years, dtype=float), np.asarray(known, dtype=float),
                                np.asarray([points[y] for y in known], dtype=float)), dtype=np.float64)


def compound_growth(base: float, rates: Mapping[int, float], years: Sequence[int] | NDArray[np.int64],
                    shift: FloatArray | None = None) -> FloatArray:
    """A level grown from ``base`` (in the first year of ``years``) by piecewise-constant annual rates.

    ``rates`` maps a year to the rate [1/yr, fraction] that applies from that year on (the rate of year
    ``t`` takes the level from ``t − 1`` to ``t``); years before the first key grow at the first rate.
    ``shift`` (shape ``(D,)``) is added to every rate of each draw (the uncertainty of growth).

    Returns
    -------
    numpy.ndarray
        shape ``(D, T)`` (``D`` = 1 without ``shift``).
    """
    years_array = np.asarray(years)
    keys = sorted(rates)
    index = np.searchsorted(np.asarray(keys), years_array, side="right") - 1
    per_year = np.asarray([rates[keys[max(i, 0)]] for i in index], dtype=float)
    per_year[0] = 0.0  # the base year is the base
    draws_shift = np.zeros(1) if shift is None else np.asarray(shift, dtype=float)
    factors = 1.0 + per_year[None, :] + draws_shift[:, None]
    factors[:, 0] = 1.0
    return np.asarray(float(base) * np.cumprod(factors, axis=1), dtype=np.float64)


def attainment_path(base_value: float, base_year: int, level: float, year: int,
                    years: Sequence[int] | NDArray[np.int64]) -> FloatArray:
    """The intensity cap of reaching ``level`` by ``year``: linear from ``base_value`` in ``base_year``
    to ``level`` in ``year``, held after [same unit as the inputs].

    A base value already at or below the level gives the base value throughout (never raised).
    """
    target = min(level, base_value)
    if year <= base_year:
        return np.full(len(years), target, dtype=float)
    return interpolate_path({base_year: base_value, year: target}, years)


def measure_factor(years: Sequence[int] | NDArray[np.int64], savings_fraction: float, start_year: int,
                   ramp_years: int = 0) -> FloatArray:
    """Remaining-energy factor of one measure: ``1 − s · ramp(t)`` [1].

    ``ramp`` is 0 before ``start_year``, rises linearly over ``ramp_years`` (0: at once) and is 1
    after; the measure saves ``savings_fraction`` of the route's energy when fully in place.
    """
    y = np.asarray(years, dtype=float)
    if ramp_years <= 0:
        ramp = (y >= start_year).astype(float)
    else:
        ramp = np.clip((y - start_year + 1) / ramp_years, 0.0, 1.0)
    return 1.0 - savings_fraction * ramp


@dataclass(frozen=True)
class RouteArrays:
    """The inputs of one route on the year grid. Shapes: ``(D, T)`` or broadcastable (``(T,)``, ``(1, T)``).

    ``fuel_mix``: fuel key → share of the route's energy [1]; ``fuel_ef``: fuel key → CO2 per energy
    [tCO2/tce] (the electricity key has none: it goes through ``grid_factor``).
    """

    output_t: FloatArray
    energy_intensity_kgce_per_t: FloatArray
    fuel_mix: Mapping[str, FloatArray]
    fuel_ef_tco2_per_tce: Mapping[str, FloatArray | float]
    grid_factor_tco2_per_mwh: FloatArray
    process_activity_ratio: FloatArray | float = 0.0
    process_ef_tco2_per_t: FloatArray | float = 0.0
    capture_rate: FloatArray | float = 0.0
    capture_combustion: bool = True
    capture_process: bool = True
    electricity_key: str = "electricity"
    electricity_kgce_per_kwh: float = 0.1229


@dataclass(frozen=True)
class RouteResult:
    """Outputs of one route: each ``(D, T)``. Emissions in tCO2; captured is negative."""

    output_t: FloatArray
    energy_tce: FloatArray
    energy_by_fuel_tce: dict[str, FloatArray]
    electricity_mwh: FloatArray
    emissions_tco2: dict[str, FloatArray] = field(default_factory=dict)

    @property
    def total_tco2(self) -> FloatArray:
        """Net emissions (combustion + electricity + process − captured) [tCO2]."""
        return sum((self.emissions_tco2[s] for s in SOURCES), start=np.zeros_like(self.energy_tce))


def route_pathway(inputs: RouteArrays) -> RouteResult:
    """Energy and CO2 of one route per draw and year (module formulas).

    Returns
    -------
    RouteResult
        arrays of shape ``(D, T)``.
    """
    output = np.atleast_2d(np.asarray(inputs.output_t, dtype=float))
    energy = output * np.asarray(inputs.energy_intensity_kgce_per_t, dtype=float) / 1000.0
    shape = np.broadcast_shapes(energy.shape, *(np.shape(m) for m in inputs.fuel_mix.values()),
                                np.shape(inputs.grid_factor_tco2_per_mwh))
    energy = np.broadcast_to(energy, shape)
    by_fuel: dict[str, FloatArray] = {}
    combustion = np.zeros(shape)
    electricity_mwh = np.zeros(shape)
    for fuel, mix in inputs.fuel_mix.items():
        fuel_energy = energy * np.asarray(mix, dtype=float)
        by_fuel[fuel] = fuel_energy
        if fuel == inputs.electricity_key:
            electricity_mwh = fuel_energy / inputs.electricity_kgce_per_kwh  # tce / (kgce/kWh) = MWh
        else:
            combustion = combustion + fuel_energy * np.asarray(inputs.fuel_ef_tco2_per_tce.get(fuel, 0.0), dtype=float)
    electricity = electricity_mwh * np.asarray(inputs.grid_factor_tco2_per_mwh, dtype=float)
    process = np.broadcast_to(output * np.asarray(inputs.process_activity_ratio, dtype=float)
                              * np.asarray(inputs.process_ef_tco2_per_t, dtype=float), shape)
    capturable = (combustion if inputs.capture_combustion else 0.0) + (process if inputs.capture_process else 0.0)
    captured = -np.asarray(inputs.capture_rate, dtype=float) * capturable
    return RouteResult(output_t=np.broadcast_to(output, shape), energy_tce=energy, energy_by_fuel_tce=by_fuel,
                       electricity_mwh=electricity_mwh,
                       emissions_tco2={"combustion": combustion, "electricity": electricity,
                                       "process": process, "captured": np.broadcast_to(captured, shape)})


@dataclass(frozen=True)
class Peak:
    """Peak of a pathway per draw (each shape ``(D,)``).

    ``index``: the year index of the highest emissions (the first such year); ``peaked``: whether the
    emissions fall after it within the horizon (a maximum in the last year is no peak: the pathway
    may still be rising); ``plateau_start``/``plateau_end``: indices of the longest run of years
    around the peak whose emissions stay within the tolerance of the peak level.
    """

    index: NDArray[np.int64]
    value: FloatArray
    peaked: NDArray[np.bool_]
    plateau_start: NDArray[np.int64]
    plateau_end: NDArray[np.int64]


def peak_analysis(emissions: FloatArray, *, tolerance: float) -> Peak:
    """Peak year, peak level and plateau of each draw's pathway.

    The plateau is the run of consecutive years containing the peak year in which emissions are at
    least ``(1 − tolerance)`` × the peak (they cannot exceed it): a pathway that rises to its peak and
    stays near it has a long plateau, one that turns sharply has a plateau of the peak year alone.

    Parameters
    ----------
    emissions
        shape ``(D, T)`` [tCO2].
    tolerance
        fraction of the peak [1], e.g. 0.02 for ±2 %.
    """
    values = np.atleast_2d(np.asarray(emissions, dtype=float))
    draws, years = values.shape
    index = np.argmax(values, axis=1)
    peak = values[np.arange(draws), index]
    near = values >= (1.0 - tolerance) * peak[:, None]
    columns = np.arange(years)[None, :]
    # the run around the peak ends at the first year after it (starts after the last year before it) not near
    after = ~near & (columns > index[:, None])
    before = ~near & (columns < index[:, None])
    end = np.where(after.any(axis=1), np.argmax(after, axis=1) - 1, years - 1)
    start = np.where(before.any(axis=1), years - 1 - np.argmax(before[:, ::-1], axis=1) + 1, 0)
    peaked = index < years - 1
    return Peak(index=index.astype(np.int64), value=peak, peaked=peaked, plateau_start=start.astype(np.int64),
                plateau_end=end.astype(np.int64))


def cumulative(emissions: FloatArray, years: Sequence[int] | NDArray[np.int64], first: int, last: int) -> FloatArray:
    """Sum of the annual emissions of the years ``first``…``last`` (both included) per draw [tCO2]."""
    y = np.asarray(years)
    mask = (y >= first) & (y <= last)
    return np.asarray(np.atleast_2d(np.asarray(emissions, dtype=float))[:, mask].sum(axis=1), dtype=np.float64)
