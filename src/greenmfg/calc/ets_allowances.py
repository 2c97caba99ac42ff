"""National carbon market (全国碳排放权交易市场): allowances, the year-end position and measures (pure).

Four things, each a function of numbers and of the allocation rules as data (the rows of the
``ets_allocation`` datasets, :class:`AllocationRule`):

Allocation (:func:`allocate_line`, :func:`allocate`)
    Per product line one of two methods, as the year's rule says:

    * ``verified_emissions`` — the allowances equal the line's verified covered emissions
      (2024 for every line; in 2025 the special cases such as white clinker);
    * ``balance_value`` — ``A = ⌊E × (1 + α)⌋`` (the 2025 method of the plan, unchanged in the 2026
      draft): the line's verified emissions ``E`` adjusted by how far its intensity ``I`` [tCO2/t]
      lies from the sector's balance value ``BP`` [tCO2/t] (平衡值, solved after verification so
      that the sector's allowances equal its emissions): ``X = (BP − I) / BP``,
      ``α = slope × X`` for ``−band < X < band``, ``+cap`` for ``X ≥ band``, ``−cap`` for
      ``X ≤ −band`` (slope 0.15, band 20 %, cap 0.03), rounded down to whole tonnes;
    * ``intensity`` — ``A = Q × B × Π F_i``: output ``Q`` [t] of the rule's product times a
      carbon-intensity value ``B`` [tCO2/t] times adjustment factors ``F_i`` [1] (a benchmark
      method; no rule of 2024–2026 uses it, kept for rules that will).

    A value the rule lacks (status ``not_found``; e.g. the balance value, published only after
    verification, unless the user gives one) makes the line's allocation ``None`` with the reason; a value that is not ``verified``/``definitional`` is named in ``unverified``.

Projection to year end (:func:`project_year`)
    From the months reported so far, a ratio estimator over a monthly profile ``w_k``:
    the previous year's covered emissions of each month when all twelve are known and positive
    (``seasonal``), else ``w_k = 1`` (``flat``, the run rate). With the months so far ``S`` and the
    remaining ``R``::

        a = Σ_S x_k / Σ_S w_k                 (scale of this year against the profile)
        projected = Σ_S x_k + a × Σ_R w_k

    The band is a prediction interval from the month-to-month variability of the ratios
    ``q_k = x_k / w_k`` (sample standard deviation ``s``, ``m = |S|`` months)::

        sd = s × sqrt(Σ_R w_k² + (Σ_R w_k)² / m)
        band = projected ± t(1 − (1 − level)/2, m − 1) × sd

    the first term is the remaining months' own scatter, the second the uncertainty of ``a``
    (flat profile: ``s × sqrt(r + r²/m)`` for ``r`` remaining months). Student's t with ``m − 1``
    degrees of freedom; at least two months are needed (one month: no band). A complete year has
    no band. The method is deterministic: the same months give the same band.

Position (:func:`ccer_usable`, :func:`position`)
    ``balance = A + CCER_usable − E`` with ``CCER_usable = min(held, limit × E)``: certified
    emission reductions offset at most ``limit`` (a share of the surrender obligation, i.e. of
    the verified emissions) of it. The band of ``E`` gives the band of the balance (the balance
    falls as ``E`` rises, so the high emissions give the low balance).

Measures (:func:`measure_effect` and the three measures)
    A measure changes covered emissions by ``ΔE`` and the output of some products by ``ΔQ``;
    the allowances change by ``ΔE`` for lines allocated their verified emissions, by
    ``A(E + ΔE, I₁) − A(E, I₀)`` for balance-value lines and by ``Σ ΔQ_p × B_p × Π F`` for
    intensity lines; ``Δnet = ΔA − ΔE`` (positive: the position improves).

    * lower clinker factor: ``ΔQ_clinker = C × (f₁ − f₀)``, ``ΔE = ΔQ_clinker × e_clinker``;
    * more scrap in the converter: hot metal replaced ``ΔQ_hm = −S × (s₁ − s₀) × k``,
      ``ΔE = ΔQ_hm × e_hm``;
    * lower net anode consumption: ``ΔE = P × (a₁ − a₀) × c × 44/12``.

All quantities in tonnes: output [t], emissions and allowances [tCO2e] (one allowance = 1 tCO2e).

References
----------
.. [1] 生态环境部《2024、2025年度全国碳排放权交易市场钢铁、水泥、铝冶炼行业配额总量和分配方案》
   (November 2025), as encoded with its sources in ``refdata/data/ets_allocation``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "CO2_PER_C",
    "METHODS",
    "MONTHS",
    "Allocation",
    "AllocationRule",
    "Baseline",
    "LineAllocation",
    "MeasureEffect",
    "Position",
    "Projection",
    "allocate",
    "allocate_line",
    "anode_effect",
    "balance_alpha",
    "ccer_usable",
    "cumulative_path",
    "PathPoint",
    "clinker_factor_effect",
    "measure_effect",
    "position",
    "project_year",
    "scrap_effect",
]

MONTHS = 12
#: molar mass ratio CO2/C (44.0095/12.011 rounded as the guidelines print it: 44/12) [tCO2/tC]
CO2_PER_C = 44.0 / 12.0
#: allocation methods a rule can name
#: (``excluded``: the line is outside the year's allocation, e.g. new in the year: no allowances)
METHODS = ("verified_emissions", "balance_value", "intensity", "excluded")
#: verification statuses that need no warning on a result (as the reference library)
_WARNING_FREE = frozenset({"verified", "definitional"})


# --------------------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class AllocationRule:
    """One product line's allocation rule of one compliance year (a row of ``ets_allocation``).

    ``intensity`` [tCO2/t] is the reference intensity: the balance value ``BP`` (balance_value
    method) or the benchmark ``B`` (intensity method); it and each factor's value are None when
    the source value was not found. ``basis`` says which emissions the line's own intensity
    divides by the output: ``covered`` (combustion + process), ``process`` (aluminium: anode and
    anode effect), ``ironmaking_sintering`` (steel).
    """

    key: str
    year: int
    sector: str
    #: the case within the sector (``general``, ``white_clinker``, ``carbide_slag`` …)
    case: str
    method: str
    #: the product whose output [t] the intensity multiplies (an item key: clinker, crude_steel …)
    output_item: str
    intensity: float | None = None
    #: adjustment factors in the order of the formula: (name, value [1])
    factors: tuple[tuple[str, float | None], ...] = ()
    verification_status: str = "verified"
    source: str = ""
    basis: str = "covered"

    def factor(self, name: str) -> float | None:
        return dict(self.factors).get(name)

    @property
    def needs_warning(self) -> bool:
        return self.verification_status not in _WARNING_FREE


@dataclass(frozen=True, slots=True)
class LineAllocation:
    """The allowances of one product line with their derivation."""

    line: str
    rule: AllocationRule
    #: output [t] of the rule's product (intensity method), or None
    output_t: float | None
    #: the line's covered emissions [tCO2e] (verified_emissions method), or None
    emissions_tco2e: float | None
    allowances: float | None
    #: the formula with the numbers, e.g. ``120000 t × 0.85 tCO2/t × 1.000 = 102000``
    derivation: str
    #: why the allowances are None (English message ids with ``{placeholders}``), empty when computed
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Allocation:
    lines: tuple[LineAllocation, ...]
    #: the sum over the lines, None when any line's allocation is None (or there are no lines)
    total: float | None
    #: rules whose values are not verified (keys), each named once
    unverified: tuple[str, ...] = ()


def balance_alpha(intensity: float, balance_value: float, *, slope: float, cap: float, band: float) -> float:
    """The adjustment ``α`` [1] of the balance-value method: ``X = (BP − I) / BP``; ``slope × X``
    inside ``(−band, band)``, ``±cap`` outside (see the module docstring)."""
    deviation = (balance_value - intensity) / balance_value
    if deviation >= band:
        return cap
    if deviation <= -band:
        return -cap
    return slope * deviation


def allocate_line(line: str, rule: AllocationRule, *, output_t: float | None = None,
                  emissions_tco2e: float | None = None, intensity_tco2_per_t: float | None = None,
                  balance_value: float | None = None) -> LineAllocation:
    """The allowances [tCO2e] of one product line under ``rule``.

    Parameters
    ----------
    line
        What the line is called (a facility code).
    rule
        The line's rule for the compliance year.
    output_t
        Output of ``rule.output_item`` [t] (intensity method).
    emissions_tco2e
        The line's (verified) covered emissions [tCO2e] (verified_emissions, balance_value).
    intensity_tco2_per_t
        The line's own intensity ``I`` [tCO2/t] on the rule's basis (balance_value).
    balance_value
        ``BP`` [tCO2/t] when the rule has none (the published value, or the user's assumption).

    Raises
    ------
    ValueError
        An unknown method, or a negative or non-finite quantity.
    """
    if output_t is not None and (not math.isfinite(output_t) or output_t < 0):
        raise ValueError(f"output must be a finite number ≥ 0, got {output_t!r}")
    if emissions_tco2e is not None and not math.isfinite(emissions_tco2e):
        raise ValueError(f"emissions must be a finite number, got {emissions_tco2e!r}")
    if rule.method == "excluded":
        return LineAllocation(line, rule, output_t, emissions_tco2e, 0.0,
                              "A = 0 (excluded)")
    if rule.method == "verified_emissions":
        if emissions_tco2e is None:
            return LineAllocation(line, rule, output_t, None, None, "A = E_verified",
                                  ("the line's verified emissions are not known yet",))
        return LineAllocation(line, rule, output_t, emissions_tco2e, emissions_tco2e,
                              f"A = E_verified = {emissions_tco2e:.3f} tCO2e")
    if rule.method == "balance_value":
        return _balance_line(line, rule, output_t, emissions_tco2e, intensity_tco2_per_t, balance_value)
    if rule.method != "intensity":
        raise ValueError(f"unknown allocation method {rule.method!r}: one of {', '.join(METHODS)}")
    missing: list[str] = []
    if output_t is None:
        missing.append("no output of {item} recorded")
    if rule.intensity is None:
        missing.append("the intensity value of {rule} was not found in the published sources")
    missing += [f"the adjustment factor {name} of {{rule}} was not found" for name, value in rule.factors
                if value is None]
    factors = " × ".join(f"{name} {value:.4g}" if value is not None else f"{name} ?" for name, value in rule.factors)
    formula = f"A = Q × B{' × ' + factors if factors else ''}"
    if missing:
        return LineAllocation(line, rule, output_t, emissions_tco2e, None, formula, tuple(missing))
    assert output_t is not None and rule.intensity is not None
    allowances = output_t * rule.intensity
    for _, value in rule.factors:
        allowances *= value if value is not None else 1.0
    shown = f"{output_t:.3f} t × {rule.intensity:.4g} tCO2/t{' × ' + factors if factors else ''}"
    return LineAllocation(line, rule, output_t, emissions_tco2e, allowances, f"A = {shown} = {allowances:.3f} tCO2e")


def _balance_line(line: str, rule: AllocationRule, output_t: float | None, emissions: float | None,
                  intensity: float | None, balance_value: float | None) -> LineAllocation:
    bp = rule.intensity if rule.intensity is not None else balance_value
    slope, cap, band = rule.factor("slope"), rule.factor("cap"), rule.factor("band")
    missing: list[str] = []
    if emissions is None:
        missing.append("the line's verified emissions are not known yet")
    if intensity is None:
        missing.append("the line's intensity cannot be computed from the stored results")
    if bp is None or bp <= 0:
        missing.append("the balance value of {rule} is published after verification: give one to estimate")
    if slope is None or cap is None or band is None:
        missing.append("the intensity value of {rule} was not found in the published sources")
    formula = "A = ⌊E × (1 + α)⌋, α = f((BP − I)/BP)"
    if missing:
        return LineAllocation(line, rule, output_t, emissions, None, formula, tuple(missing))
    assert emissions is not None and intensity is not None and bp is not None
    assert slope is not None and cap is not None and band is not None
    alpha = balance_alpha(intensity, bp, slope=slope, cap=cap, band=band)
    allowances = float(math.floor(emissions * (1 + alpha)))
    return LineAllocation(line, rule, output_t, emissions, allowances,
                          f"X = ({bp:.4g} − {intensity:.4g}) / {bp:.4g} = {(bp - intensity) / bp:.4f}; "
                          f"α = {alpha:.5f}; A = ⌊{emissions:.3f} tCO2e × (1 + α)⌋ = {allowances:.0f} tCO2e")


def allocate(lines: Iterable[LineAllocation]) -> Allocation:
    """The company's allowances: the lines and their sum (None when any line has none)."""
    chosen = tuple(lines)
    values = [line.allowances for line in chosen]
    total = None if not chosen or any(v is None for v in values) else sum(v for v in values if v is not None)
    unverified = tuple(dict.fromkeys(line.rule.key for line in chosen if line.rule.needs_warning))
    return Allocation(chosen, total, unverified)


# ---------------------------------------------------------------------------------- projection


@dataclass(frozen=True, slots=True)
class Projection:
    """Covered emissions of a year [tCO2e]: so far, projected to year end, and the band."""

    #: months (1–12) with data
    months: tuple[int, ...]
    to_date: float
    projected: float | None
    low: float | None
    high: float | None
    #: ``complete``, ``seasonal``, ``flat`` or ``none`` (no months)
    method: str
    #: the prediction level of the band (0.9 = 90 %)
    level: float
    #: the standard deviation of the projection [tCO2e], None without a band
    sd: float | None = None
    #: the scale ``a`` of this year against the profile (flat: the mean month)
    scale: float | None = None
    #: the monthly values expected for the remaining months (month → tCO2e)
    expected: Mapping[int, float] = field(default_factory=dict)


def _t_quantile(probability: float, degrees: int) -> float:
    from scipy.stats import t as student_t  # only when a band is computed

    return float(student_t.ppf(probability, degrees))


def project_year(monthly: Mapping[int, float], *, profile: Mapping[int, float] | None = None,
                 level: float = 0.90) -> Projection:
    """Project a year's total from its months so far (see the module docstring for the method).

    Parameters
    ----------
    monthly
        Month (1–12) → the month's value [tCO2e or t]; months missing are not reported yet.
    profile
        The previous year's monthly values (month → value); used as the seasonal profile only
        when all twelve months are present and positive, else the run rate is flat.
    level
        The band's prediction level (0 < level < 1).

    Raises
    ------
    ValueError
        A month outside 1–12, a non-finite value, or a level outside (0, 1).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, got {level!r}")
    for month, value in monthly.items():
        if month not in range(1, MONTHS + 1):
            raise ValueError(f"month {month!r} is not one of 1–12")
        if not math.isfinite(value):
            # a month may be negative (carbon leaving in products can exceed a month's emissions)
            raise ValueError(f"month {month}: value must be a finite number, got {value!r}")
    observed = tuple(sorted(monthly))
    to_date = float(sum(monthly[m] for m in observed))
    if not observed:
        return Projection((), 0.0, None, None, None, "none", level)
    if len(observed) == MONTHS:
        return Projection(observed, to_date, to_date, to_date, to_date, "complete", level, 0.0)
    seasonal = (profile is not None and all(m in profile for m in range(1, MONTHS + 1))
                and all(math.isfinite(profile[m]) and profile[m] > 0 for m in range(1, MONTHS + 1)))
    weights = {m: float(profile[m]) if seasonal and profile is not None else 1.0 for m in range(1, MONTHS + 1)}
    remaining = [m for m in range(1, MONTHS + 1) if m not in monthly]
    scale = to_date / sum(weights[m] for m in observed)
    expected = {m: scale * weights[m] for m in remaining}
    projected = to_date + sum(expected.values())
    method = "seasonal" if seasonal else "flat"
    count = len(observed)
    if count < 2:
        return Projection(observed, to_date, projected, None, None, method, level, None, scale, expected)
    ratios = [monthly[m] / weights[m] for m in observed]
    mean = sum(ratios) / count
    s = math.sqrt(sum((q - mean) ** 2 for q in ratios) / (count - 1))
    rest = sum(weights[m] for m in remaining)
    sd = s * math.sqrt(sum(weights[m] ** 2 for m in remaining) + rest ** 2 / count)
    half = _t_quantile(1 - (1 - level) / 2, count - 1) * sd
    # the year cannot end below what is already emitted (when no month can take any back)
    low = max(projected - half, to_date) if all(monthly[m] >= 0 for m in observed) else projected - half
    return Projection(observed, to_date, projected, low, projected + half, method, level, sd, scale, expected)


@dataclass(frozen=True, slots=True)
class PathPoint:
    """Cumulative covered emissions at the end of one month [tCO2e]."""

    month: int
    #: recorded so far (months up to the last recorded one), else None
    recorded: float | None
    #: projected (from the last recorded month on), else None
    projected: float | None
    low: float | None
    high: float | None


def cumulative_path(monthly: Mapping[int, float], projection: Projection) -> list[PathPoint]:
    """The year's cumulative emissions month by month: recorded, then projected with a fan.

    The year-end band is spread over the remaining months in proportion to the emissions expected
    of them so far (the fan opens from zero width at the last recorded month to the year-end band);
    an illustration of the year-end interval, not a separate interval per month.
    """
    last = max(projection.months) if projection.months else 0
    expected_total = sum(projection.expected.values()) or 1.0
    running = gone = 0.0
    points = []
    for month in range(1, MONTHS + 1):
        running += monthly.get(month, 0.0) + projection.expected.get(month, 0.0)
        gone += projection.expected.get(month, 0.0)
        recorded = running if month <= last and month not in projection.expected else None
        projected = low = high = None
        if last and month >= last and projection.projected is not None:
            projected = running
            if projection.low is not None and projection.high is not None:
                share = gone / expected_total
                low = running - (projection.projected - projection.low) * share
                high = running + (projection.high - projection.projected) * share
        points.append(PathPoint(month, recorded, projected, low, high))
    return points


# ------------------------------------------------------------------------------------ position


def ccer_usable(held: float, obligation: float, limit_share: float | None) -> float:
    """The CCER [tCO2e] that may offset the surrender: ``min(held, limit_share × obligation)``.

    ``limit_share`` [1] (0.05 for 5 %); None (the limit was not found) allows none.
    """
    if limit_share is None:
        return 0.0
    return max(0.0, min(max(held, 0.0), limit_share * max(obligation, 0.0)))


@dataclass(frozen=True, slots=True)
class Position:
    """Allowances against covered emissions at year end [tCO2e]: positive = surplus."""

    allowances: float | None
    emissions: float | None
    emissions_low: float | None
    emissions_high: float | None
    ccer_held: float
    ccer_limit_share: float | None
    ccer_usable: float | None
    balance: float | None
    #: the balance at the band's high emissions
    balance_low: float | None
    #: the balance at the band's low emissions
    balance_high: float | None


def position(allowances: float | None, emissions: float | None, *, emissions_low: float | None = None,
             emissions_high: float | None = None, ccer_held: float = 0.0,
             ccer_limit_share: float | None = None, allowances_per_emission: float = 0.0) -> Position:
    """Surplus (> 0) or deficit (< 0) with its band: ``A(E) + min(CCER, limit × E) − E``.

    ``allowances_per_emission`` [1]: how the allowances move with the emissions across the band,
    ``A(e) = A + k × (e − E)``: 1 when they are the verified emissions, ``1 + α`` under the balance
    value, 0 when they follow output only (intensity rules).
    """

    def balance(e: float | None) -> float | None:
        if allowances is None or e is None:
            return None
        moved = allowances + (allowances_per_emission * (e - emissions) if emissions is not None else 0.0)
        return moved + ccer_usable(ccer_held, e, ccer_limit_share) - e

    usable = None if emissions is None else ccer_usable(ccer_held, emissions, ccer_limit_share)
    return Position(allowances, emissions, emissions_low, emissions_high, ccer_held, ccer_limit_share, usable,
                    balance(emissions), balance(emissions_high), balance(emissions_low))


# ------------------------------------------------------------------------------------ measures


@dataclass(frozen=True, slots=True)
class MeasureEffect:
    """What a measure does to a year's covered emissions and allowances [tCO2e]."""

    measure: str
    delta_emissions: float
    #: change of each product's output [t]
    delta_outputs: Mapping[str, float]
    #: None when a rule the change touches lacks a value
    delta_allowances: float | None
    #: ΔA − ΔE: positive improves the position
    delta_net: float | None
    derivation: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Baseline:
    """A line's year before the measure, for the balance-value method: covered emissions ``E``
    [tCO2e], the emissions of the intensity basis [tCO2e] and the output [t] of the rule's product;
    ``balance_value`` [tCO2/t] when the rule has none."""

    emissions: float
    basis_emissions: float
    output: float
    balance_value: float | None = None


def measure_effect(measure: str, delta_emissions: float, delta_outputs: Mapping[str, float],
                   rules: Sequence[AllocationRule], derivation: Sequence[str] = (), *,
                   baseline: Baseline | None = None) -> MeasureEffect:
    """The allowance effect of a change: ``ΔA`` under ``rules`` (the company's lines' rules).

    An intensity rule gains ``ΔQ × B × Π F`` for the change of its product's output; a line
    allocated its verified emissions gains the change of emissions (counted once, however many
    such lines: the measure's emissions change is the company's); a balance-value line gains
    ``A(E + ΔE, I₁) − A(E, I₀)`` with ``I = E_basis / Q`` before and after (the measure's ΔE
    counted in the basis emissions), from the ``baseline`` (None without one).
    """
    lines = list(derivation)
    delta_allowances: float | None = 0.0
    verified_counted = False
    for rule in rules:
        if rule.method == "excluded":
            continue  # a line outside the year's allocation: no allowances either way
        if rule.method == "balance_value":
            if verified_counted:
                continue
            verified_counted = True
            if baseline is None or baseline.output <= 0:
                lines.append(f"ΔA({rule.key}): needs the line's emissions and output of the year")
                delta_allowances = None
                continue
            change = delta_outputs.get(rule.output_item, 0.0)
            before = allocate_line("", rule, emissions_tco2e=baseline.emissions,
                                   intensity_tco2_per_t=baseline.basis_emissions / baseline.output,
                                   balance_value=baseline.balance_value)
            after_output = baseline.output + change
            after = allocate_line("", rule, emissions_tco2e=max(baseline.emissions + delta_emissions, 0.0),
                                  intensity_tco2_per_t=(max(baseline.basis_emissions + delta_emissions, 0.0)
                                                        / after_output) if after_output > 0 else None,
                                  balance_value=baseline.balance_value)
            if before.allowances is None or after.allowances is None:
                lines.append(f"ΔA({rule.key}): a value of the rule was not found")
                delta_allowances = None
                continue
            lines += [f"before: {before.derivation}", f"after: {after.derivation}"]
            if delta_allowances is not None:
                delta_allowances += after.allowances - before.allowances
            continue
        if rule.method == "verified_emissions":
            if not verified_counted:
                verified_counted = True
                lines.append(f"ΔA({rule.key}) = ΔE = {delta_emissions:.3f} tCO2e")
                if delta_allowances is not None:
                    delta_allowances += delta_emissions
            continue
        change = delta_outputs.get(rule.output_item, 0.0)
        if change == 0:
            continue
        if rule.intensity is None or any(v is None for _, v in rule.factors):
            lines.append(f"ΔA({rule.key}) = ΔQ × B: a value of the rule was not found")
            delta_allowances = None
            continue
        factor = rule.intensity
        for _, value in rule.factors:
            factor *= value if value is not None else 1.0
        lines.append(f"ΔA({rule.key}) = {change:.3f} t × {factor:.4g} tCO2/t = {change * factor:.3f} tCO2e")
        if delta_allowances is not None:
            delta_allowances += change * factor
    net = None if delta_allowances is None else delta_allowances - delta_emissions
    return MeasureEffect(measure, delta_emissions, dict(delta_outputs), delta_allowances, net, tuple(lines))


def _check(**values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")


def clinker_factor_effect(*, cement_output_t: float, clinker_factor_before: float, clinker_factor_after: float,
                          clinker_intensity_tco2_per_t: float, rules: Sequence[AllocationRule],
                          baseline: Baseline | None = None) -> MeasureEffect:
    """A lower clinker factor [t clinker/t cement] at the same cement output ``C`` [t].

    ``ΔQ_clinker = C × (f₁ − f₀)``; ``ΔE = ΔQ_clinker × e_clinker`` [tCO2/t clinker].
    """
    _check(cement_output_t=cement_output_t, clinker_factor_before=clinker_factor_before,
           clinker_factor_after=clinker_factor_after, clinker_intensity_tco2_per_t=clinker_intensity_tco2_per_t)
    delta_clinker = cement_output_t * (clinker_factor_after - clinker_factor_before)
    delta_e = delta_clinker * clinker_intensity_tco2_per_t
    return measure_effect("clinker_factor", delta_e, {"clinker": delta_clinker}, rules, (
        f"ΔQ(clinker) = {cement_output_t:.3f} t × ({clinker_factor_after:.4g} − {clinker_factor_before:.4g}) "
        f"= {delta_clinker:.3f} t",
        f"ΔE = {delta_clinker:.3f} t × {clinker_intensity_tco2_per_t:.4g} tCO2/t = {delta_e:.3f} tCO2e"),
        baseline=baseline)


def scrap_effect(*, crude_steel_t: float, scrap_ratio_before: float, scrap_ratio_after: float,
                 hot_metal_intensity_tco2_per_t: float, hot_metal_per_scrap: float = 1.0,
                 rules: Sequence[AllocationRule], baseline: Baseline | None = None) -> MeasureEffect:
    """More scrap [t/t crude steel] in the converter at the same crude-steel output ``S`` [t].

    Each tonne of scrap replaces ``k`` = ``hot_metal_per_scrap`` t of hot metal (an input of the
    user's, 1 by default: a mass balance that ignores the yields of scrap and hot metal);
    ``ΔQ_hot_metal = −S × (s₁ − s₀) × k``; ``ΔE = ΔQ_hot_metal × e_hm`` [tCO2/t hot metal].
    """
    _check(crude_steel_t=crude_steel_t, scrap_ratio_before=scrap_ratio_before, scrap_ratio_after=scrap_ratio_after,
           hot_metal_intensity_tco2_per_t=hot_metal_intensity_tco2_per_t, hot_metal_per_scrap=hot_metal_per_scrap)
    delta_hm = -crude_steel_t * (scrap_ratio_after - scrap_ratio_before) * hot_metal_per_scrap
    delta_e = delta_hm * hot_metal_intensity_tco2_per_t
    return measure_effect("scrap", delta_e, {"pig_iron": delta_hm, "crude_steel": 0.0}, rules, (
        f"ΔQ(hot metal) = −{crude_steel_t:.3f} t × ({scrap_ratio_after:.4g} − {scrap_ratio_before:.4g}) "
        f"× {hot_metal_per_scrap:.4g} = {delta_hm:.3f} t",
        f"ΔE = {delta_hm:.3f} t × {hot_metal_intensity_tco2_per_t:.4g} tCO2/t = {delta_e:.3f} tCO2e"),
        baseline=baseline)


def anode_effect(*, aluminium_t: float, net_anode_before: float, net_anode_after: float,
                 anode_carbon_content: float, rules: Sequence[AllocationRule],
                 baseline: Baseline | None = None) -> MeasureEffect:
    """Lower net anode consumption [t anode/t Al] at the same aluminium output ``P`` [t].

    ``ΔE = P × (a₁ − a₀) × c × 44/12`` with the anode's carbon content ``c`` [tC/t anode].
    """
    _check(aluminium_t=aluminium_t, net_anode_before=net_anode_before, net_anode_after=net_anode_after,
           anode_carbon_content=anode_carbon_content)
    delta_anode = aluminium_t * (net_anode_after - net_anode_before)
    delta_e = delta_anode * anode_carbon_content * CO2_PER_C
    return measure_effect("anode", delta_e, {"carbon_anode": delta_anode, "aluminium_liquid": 0.0}, rules, (
        f"ΔQ(anode) = {aluminium_t:.3f} t × ({net_anode_after:.4g} − {net_anode_before:.4g}) = {delta_anode:.3f} t",
        f"ΔE = {delta_anode:.3f} t × {anode_carbon_content:.4g} tC/t × 44/12 = {delta_e:.3f} tCO2e"),
        baseline=baseline)
