"""Energy-efficiency benchmarking: indicator values, classes, gaps, savings, quota grades.

Pure functions: relational plans over the accounting lines (Ibis) and array arithmetic (NumPy)
on the indicator values. Levels and limits are upper bounds: lower is better, negative values
(converter process, kgce/t) included.

Definitions
-----------
- class (发改产业〔2021〕1609号 / 〔2023〕723号 levels): ``benchmark`` when the value is at or
  below the benchmark level (标杆水平), ``between`` when above it and at or below the baseline
  level (基准水平), ``below_baseline`` when above the baseline level.
- quota grade (GB energy-consumption quota standards, e.g. GB 16780-2021 §4): grade 1 when the
  value is at or below the grade-1 limit, else 2 when at or below grade 2, else 3 when at or
  below grade 3 (限定值), else ``fails``; a grade whose limit the standard leaves as '—' is
  skipped.
- gap [indicator unit] = value − level (positive: worse than the level).
- saving [tce] = max(value − level, 0) × output × (tce per indicator unit × product unit): the
  energy the facility would not have used at the level with the same output.
- works value (吨钢综合能耗 of an iron and steel works whose processes are facilities):
  E = Σ_i e_i × r_i + E_other / P, with e_i the process energy per tonne of process product of
  process unit i, r_i = P_i / P its ratio to the works' crude steel P (钢比系数), E_other the
  energy of the works' facilities that are no process unit, per tonne of crude steel
  (:func:`steel_ratios`, :func:`works_value`); works levels weight each process's level the same
  way (:func:`works_level`).
- CO2 saving [tCO2e] = saving [tce] × the facility's own energy-related emissions per tce
  (emissions of its energy carriers ÷ their energy, :func:`facility_energy`): process
  emissions that do not scale with energy (calcination, anodes, PFCs) are left out.

Comparisons are made at full precision; a relative tolerance of 1e-9 only absorbs binary
floating-point noise from the division (a value computed as 100.00000000000001 meets 100).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt

__all__ = [
    "CLASSES",
    "RELATIVE_TOLERANCE",
    "altitude_factor",
    "at_or_below",
    "band_adjustment",
    "classify",
    "co2_savings",
    "facility_energy",
    "facility_inputs",
    "gaps",
    "indicator_values",
    "interpolated_adjustment",
    "linear_adjustment",
    "quota_grades",
    "savings",
    "steel_ratios",
    "works_level",
    "works_value",
]

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]

#: Classes against the benchmark (标杆) and baseline (基准) levels, best first.
CLASSES = ("benchmark", "between", "below_baseline")
#: Relative tolerance of "at or below a level" (floating-point noise only, not a rounding rule).
RELATIVE_TOLERANCE = 1e-9
_FACILITY = ("enterprise_id", "facility_id", "period")


def _array(values: Sequence[float | None] | FloatArray | float) -> FloatArray:
    """Float array with NaN for missing values."""
    if isinstance(values, np.ndarray):
        return values.astype(np.float64)
    if isinstance(values, int | float):
        return np.array([values], dtype=np.float64)
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


# ------------------------------------------------------------------------------------------------
# Relational plans over the accounting lines
# ------------------------------------------------------------------------------------------------


def facility_energy(lines: ir.Table) -> ir.Table:
    """Net electricity and energy-related emissions of each facility and period.

    Parameters
    ----------
    lines
        Accounting derivation lines (:func:`greenmfg.calc.accounting.activity_lines`):
        ``item``, ``flow``, ``quantity`` [MWh for electricity], ``coef``, ``energy_tce`` [tce],
        ``co2e_t`` [tCO2e].

    Returns
    -------
    ibis.Table
        ``enterprise_id``, ``facility_id``, ``period``;
        ``electricity_mwh`` [MWh] = consumed + purchased − exported electricity;
        ``electricity_tce`` [tce], the comprehensive energy of those lines (so
        ``electricity_tce / electricity_mwh`` is the coefficient the run applied);
        ``energy_tce`` [tce] and ``energy_co2e_t`` [tCO2e], energy and emissions of the lines
        that carry energy (fuels consumed, used as feedstock or supplied outside, electricity,
        heat, steam, working media): their ratio is the facility's energy-related emissions per
        tce. Carbonates, carbon materials (anodes, electrodes), products' fixed carbon and PFCs
        are not energy-related and are left out.
    """
    is_energy = lines.coef.notnull()
    is_electricity = (lines.item == "electricity") & lines.flow.isin(["consumed", "purchased", "exported"])
    sign = ibis.ifelse(lines.flow == "exported", -1.0, 1.0)
    zero = ibis.literal(0.0, "float64")
    grouped = lines.group_by(list(_FACILITY)).aggregate(
        electricity_mwh=ibis.ifelse(is_electricity, sign * lines.quantity, zero).sum(),
        electricity_tce=ibis.ifelse(is_electricity, lines.energy_tce, zero).sum(),
        electricity_lines=is_electricity.sum(),
        energy_tce=ibis.ifelse(is_energy, lines.energy_tce, zero).sum(),
        energy_co2e_t=ibis.ifelse(is_energy, lines.co2e_t, zero).sum(),
    )
    return grouped.select(
        *_FACILITY,
        electricity_mwh=ibis.ifelse(grouped.electricity_lines > 0, grouped.electricity_mwh, ibis.null("float64")),
        electricity_tce=ibis.ifelse(grouped.electricity_lines > 0, grouped.electricity_tce, ibis.null("float64")),
        energy_tce=grouped.energy_tce,
        energy_co2e_t=grouped.energy_co2e_t,
    )


def facility_inputs(lines: ir.Table, items: Sequence[str]) -> ir.Table:
    """Which of ``items`` each facility and period reports, with which flow (quantity > 0).

    Returns
    -------
    ibis.Table
        Distinct ``enterprise_id``, ``facility_id``, ``period``, ``item``, ``flow``.
    """
    chosen = lines.filter(lines.item.isin(list(items)) & (lines.quantity > 0))
    return chosen.select(*_FACILITY, "item", "flow").distinct()


# ------------------------------------------------------------------------------------------------
# Indicator values, classes, gaps and savings (arrays)
# ------------------------------------------------------------------------------------------------


def indicator_values(numerator: Sequence[float | None] | FloatArray, output: Sequence[float | None] | FloatArray,
                     factor: Sequence[float | None] | FloatArray) -> FloatArray:
    """Unit consumption: numerator / output × factor, NaN where the output is not positive.

    Parameters
    ----------
    numerator
        Energy [tce] or electricity [MWh] of the facility and period.
    output
        Output of the product [its unit: t, weight box …].
    factor
        Conversion of numerator per product unit to the indicator unit (e.g. 1000 for
        tce/t → kgce/t; 1000 for MWh/t → kWh/t; 700 for tce/t → kgoe/t).

    Returns
    -------
    numpy.ndarray
        The indicator value [indicator unit].
    """
    n, q, f = _array(numerator), _array(output), _array(factor)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q > 0, n / q * f, np.nan)


def at_or_below(values: Sequence[float | None] | FloatArray | float,
                limits: Sequence[float | None] | FloatArray | float) -> npt.NDArray[np.bool_]:
    """True where value ≤ limit (relative tolerance :data:`RELATIVE_TOLERANCE`); False if either is missing."""
    v, limit = _array(values), _array(limits)
    tolerance = RELATIVE_TOLERANCE * np.maximum(1.0, np.abs(limit))
    with np.errstate(invalid="ignore"):
        return np.asarray((v <= limit + tolerance) & ~np.isnan(v) & ~np.isnan(limit))


def classify(values: Sequence[float | None] | FloatArray, benchmark_levels: Sequence[float | None] | FloatArray,
             baseline_levels: Sequence[float | None] | FloatArray) -> ObjectArray:
    """Class of each value against the benchmark and baseline levels (lower is better).

    Returns
    -------
    numpy.ndarray of object
        ``"benchmark"`` (value ≤ benchmark level), ``"between"`` (benchmark < value ≤
        baseline), ``"below_baseline"`` (value > baseline), or None where the value or either
        level is missing.

    References
    ----------
    发改产业〔2021〕1609号《高耗能行业重点领域能效标杆水平和基准水平（2021年版）》;
    发改产业〔2023〕723号《工业重点领域能效标杆水平和基准水平（2023年版）》.
    """
    v, bench, base = _array(values), _array(benchmark_levels), _array(baseline_levels)
    known = ~(np.isnan(v) | np.isnan(bench) | np.isnan(base))
    out = np.full(v.shape, None, dtype=object)
    out[known] = "below_baseline"
    out[known & at_or_below(v, base)] = "between"
    out[known & at_or_below(v, bench)] = "benchmark"
    return out


def gaps(values: Sequence[float | None] | FloatArray, levels: Sequence[float | None] | FloatArray) -> FloatArray:
    """value − level [indicator unit]: positive when the value is worse (higher) than the level."""
    return _array(values) - _array(levels)


def savings(values: Sequence[float | None] | FloatArray, levels: Sequence[float | None] | FloatArray,
            output: Sequence[float | None] | FloatArray, tce_per_unit: Sequence[float | None] | FloatArray) -> FloatArray:
    """Energy saved if the value were brought to the level at the same output [tce].

    Parameters
    ----------
    values, levels
        Indicator value and level [indicator unit, e.g. kgce/t].
    output
        Output of the product [product unit, e.g. t].
    tce_per_unit
        tce per (indicator unit × product unit): 0.001 for kgce/t × t; for kWh/t × t the
        electricity coefficient the run applied [tce/kWh].

    Returns
    -------
    numpy.ndarray
        max(value − level, 0) × output × tce_per_unit [tce]; 0 at or better than the level; NaN
        where an input is missing.
    """
    excess = np.maximum(_array(values) - _array(levels), 0.0)
    return excess * _array(output) * _array(tce_per_unit)


def co2_savings(savings_tce: Sequence[float | None] | FloatArray, emissions_tco2e: Sequence[float | None] | FloatArray,
                energy_tce: Sequence[float | None] | FloatArray) -> FloatArray:
    """CO2 saved [tCO2e] = saving [tce] × emissions per tce of the facility (NaN if its energy ≤ 0).

    Parameters
    ----------
    savings_tce
        Energy saved [tce].
    emissions_tco2e, energy_tce
        The facility's energy-related emissions [tCO2e] and energy [tce] (see
        :func:`facility_energy`).
    """
    e = _array(energy_tce)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_tce = np.where(e > 0, _array(emissions_tco2e) / e, np.nan)
    return _array(savings_tce) * per_tce


def steel_ratios(process_outputs: Sequence[float | None] | FloatArray, crude_steel: float) -> FloatArray:
    """Ratio of each process's output to the works' crude steel, r_i = P_i / P (钢比系数) [1].

    Parameters
    ----------
    process_outputs
        Output of each process unit in its product [t]: sinter, pellets, coke, hot metal, crude
        steel of the converter or EAF shop.
    crude_steel
        Crude steel of the works [t] (the sum over its converter and EAF shops).

    Returns
    -------
    numpy.ndarray
        r_i [1]; NaN everywhere when the crude steel is not positive.

    References
    ----------
    吨钢综合能耗 expanded by process (陆钟武, 1980s; 《中国大百科全书》 第三版 “吨钢综合能耗”):
    E = Σ_i r_i × e_i, r_i = process output / steel output, called 钢比系数.
    """
    outputs = _array(process_outputs)
    if not crude_steel > 0:
        return np.full(outputs.shape, np.nan)
    return outputs / crude_steel


def works_value(process_values: Sequence[float | None] | FloatArray, ratios: Sequence[float | None] | FloatArray,
                other: float = 0.0) -> float:
    """Comprehensive energy per tonne of crude steel of a works: E = Σ e_i × r_i + other.

    Parameters
    ----------
    process_values
        e_i, process energy per tonne of each process's product [kgce/t].
    ratios
        r_i, the process-to-crude-steel ratios (:func:`steel_ratios`) [1].
    other
        Energy of the works' facilities that are no process unit (rolling mills, power plant,
        auxiliaries) per tonne of crude steel [kgce/t].

    Returns
    -------
    float
        E [kgce/t crude steel]; NaN when any e_i or r_i is missing. Σ e_i × r_i equals Σ E_i / P
        (E_i the process's energy), so E is the works' energy divided by its crude steel.

    References
    ----------
    《中国大百科全书》 第三版 “吨钢综合能耗”: 吨钢综合能耗 = 能源消耗总量 / 钢产量, expanded as
    Σ (工序实物产量 / 钢产量) × 工序能耗 over the main and auxiliary processes.
    """
    e, r = _array(process_values), _array(ratios)
    if e.shape != r.shape:
        raise ValueError("process values and ratios differ in length")
    return float(np.sum(e * r) + other)


def works_level(levels: Sequence[float | None] | FloatArray, process_values: Sequence[float | None] | FloatArray,
                ratios: Sequence[float | None] | FloatArray, other: float = 0.0, *,
                required: Sequence[bool] | npt.NDArray[np.bool_] | None = None) -> float:
    """A process level carried to a works' crude steel: Σ (L_i, else e_i) × r_i + other [kgce/t].

    The energy per tonne of crude steel the works would use at its own process ratios if every
    process that has a level were at that level. A process without a level counts at its own
    value e_i (it contributes no gap); where ``required[i]`` is True a missing L_i makes the
    result NaN instead (a quota grade the standard leaves as '—' is not invented for the works).

    Returns
    -------
    float
        The works level [kgce/t crude steel], or NaN.
    """
    lv, e, r = _array(levels), _array(process_values), _array(ratios)
    need = np.zeros(lv.shape, dtype=bool) if required is None else np.asarray(required, dtype=bool)
    if (np.isnan(lv) & need).any():
        return float("nan")
    return float(np.sum(np.where(np.isnan(lv), e, lv) * r) + other)


def quota_grades(values: Sequence[float | None] | FloatArray, grade_1: Sequence[float | None] | FloatArray,
                 grade_2: Sequence[float | None] | FloatArray, grade_3: Sequence[float | None] | FloatArray) -> ObjectArray:
    """Quota grade of each value: 1, 2, 3 or ``"fails"``; None without a value or any limit.

    A grade whose limit is missing ('—' in the standard) is skipped: a value above grade 1 and
    at or below grade 3 is grade 3 when grade 2 has no limit.

    References
    ----------
    GB 16780-2021, GB 21256-2025, GB 21340-2019, GB 21342-2025, GB 21346-2022 … §4 (grades 1-3;
    grade 3 = 限定值, the limit existing plants must meet); worked_examples.md A3 (EAF 70 kgce/t
    against 61/—/86 → grade 3).
    """
    v = _array(values)
    limits = [_array(grade_1), _array(grade_2), _array(grade_3)]
    any_limit = ~(np.isnan(limits[0]) & np.isnan(limits[1]) & np.isnan(limits[2]))
    out = np.full(v.shape, None, dtype=object)
    known = ~np.isnan(v) & any_limit
    out[known] = "fails"
    for grade in (3, 2, 1):
        out[known & at_or_below(v, limits[grade - 1])] = grade
    return out


# ------------------------------------------------------------------------------------------------
# Corrections of quota limits (scalars)
# ------------------------------------------------------------------------------------------------


def altitude_factor(site_pressure_pa: float, *, k_intercept: float, k_slope: float,
                    reference_pressure_pa: float) -> float:
    """Altitude correction factor K = k_intercept − k_slope × P / P0 [1].

    Parameters
    ----------
    site_pressure_pa
        Annual mean atmospheric pressure at the plant, P [Pa].
    k_intercept, k_slope
        Coefficients [1] (GB 16780-2021: 1.179 and 0.211).
    reference_pressure_pa
        P0 [Pa] (101 325).

    References
    ----------
    GB 16780-2021 §5.3 formula (1): grade-3 limits × K above 1500 m; worked_examples.md A1
    (P = 80 000 Pa → K = 1.0124073525783…).
    """
    return k_intercept - k_slope * site_pressure_pa / reference_pressure_pa


def linear_adjustment(x: float, *, reference: float, coefficient: float) -> float:
    """Addition to a limit: coefficient × (x − reference) [limit unit].

    Examples: GB 16780-2021 表1 clinker ratio (1.10/1.15/1.20 kgce/t per point from 75 %),
    GB 21342-2025 表2 moisture (3.67 kgce/t per point from 10 %) and mixed-gas heating
    (8.00 kgce/t × time ratio), GB 21256-2025 表5 hot-metal ratio (−0.8 kgce/t per point).
    """
    return coefficient * (x - reference)


def interpolated_adjustment(x: float, points: Sequence[tuple[float, float | None]]) -> float | None:
    """Addition to a limit read from a table, linear between two adjacent tabulated points.

    Parameters
    ----------
    x
        The attribute value (e.g. dry volatile matter [%]).
    points
        (x_i, offset_i) sorted by x_i; offset None where the table value is not known.

    Returns
    -------
    float or None
        The offset at ``x``: exact at a tabulated point, linear between the two neighbouring
        points; None when ``x`` lies outside the table or a neighbouring value is unknown (no
        correction is guessed).

    References
    ----------
    GB 21342-2025 表2 (volatile matter); worked_examples.md A2: 24.5 % between 24 % (+4.25) and
    25 % (+8.55) → +6.40 kgce/t.
    """
    ordered = sorted(points, key=lambda p: p[0])
    for (x0, y0), (x1, y1) in zip(ordered, ordered[1:], strict=False):
        if x0 <= x <= x1:
            if x == x0:
                return y0
            if x == x1:
                return y1
            if y0 is None or y1 is None:
                return None
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    if len(ordered) == 1 and x == ordered[0][0]:
        return ordered[0][1]
    return None


def band_adjustment(x: float, bands: Sequence[tuple[float, float | None, float]]) -> float:
    """Addition to a limit by band: the ``add`` of the band with lower < x ≤ upper, else 0.

    Parameters
    ----------
    bands
        (lower [exclusive], upper [inclusive] or None for open, add [limit unit]).

    References
    ----------
    GB 21342-2025 表2 oven age: > 15–25 years +2.50, > 25 years +5.50 kgce/t (grades 1 and 3,
    as transcribed); worked_examples.md A2 (20 years → +2.50).
    """
    for lower, upper, add in bands:
        if x > lower and (upper is None or x <= upper):
            return add
    return 0.0
