"""Marginal abatement cost curve (MACC) and the least-cost portfolio of measures (pure).

Cost of one measure ``j`` (annualised, per year of operation)::

    CRF(r, n) = r (1 + r)^n / ((1 + r)^n − 1)          (CRF(0, n) = 1 / n)
    C_j       = CRF(r, n_j) · CAPEX_j + ΔOPEX_j − S_j     [CNY/yr]
    MAC_j     = C_j / A_j                                 [CNY/tCO2e]

with the discount rate ``r`` [1/yr], the lifetime ``n_j`` [yr], the investment ``CAPEX_j`` [CNY], the
change of operating cost other than energy ``ΔOPEX_j`` [CNY/yr] (positive: dearer), the value of the
energy saved ``S_j`` [CNY/yr] and the stand-alone annual abatement ``A_j`` [tCO2e/yr].

Interactions (the multiplicative remaining share). Measures that act on the same energy use ``u``
(the same demand: the fuel of one kiln, the electricity of one motor system) do not add up: each
removes its share ``s_j = A_j / E_u`` of what is left of the use's emissions ``E_u`` [tCO2e/yr], so a
set ``S`` of them abates::

    A_u(S) = E_u · (1 − Π_{j ∈ S} (1 − s_j))

(two measures of 20 % and 10 % abate 28 %, not 30 %). Measures without a use, or alone on theirs,
add up. Mutually exclusive measures (alternatives: BF-BOF with CCUS or a switch to the EAF route)
share a group: at most one of a group is chosen.

Least-cost portfolio (:func:`solve_portfolio`), a mixed-integer linear programme solved with HiGHS::

    min  Σ_j C_j x_j
    s.t. Σ_{j free} A_j x_j + Σ_u Σ_{S ⊆ M_u} A_u(S) y_{u,S} ≥ A_target
         Σ_{S ⊆ M_u} y_{u,S} = 1,   x_j = Σ_{S ∋ j} y_{u,S}           (each shared use u)
         Σ_{j ∈ G} x_j ≤ 1                                            (each exclusive group G)
         Σ_j CAPEX_j x_j ≤ CAPEX_limit                                 (optional)
         x_j, y_{u,S} ∈ {0, 1}

The product of the remaining shares is made linear exactly by one binary ``y_{u,S}`` per combination
``S`` of the measures of a shared use (at most :data:`MAX_SHARED` measures per use; combinations that
break an exclusive group are left out). An emissions budget ``B`` is the target ``E_0 − B``. Without a
target the programme keeps every measure that pays for itself (``C_j < 0``). :func:`enumerate_portfolio`
solves the same problem by trying every subset (small cases): the check of the MILP.

The curve (:func:`macc_curve`) is built greedily: the measure with the lowest MAC on its abatement
*given the measures already on the curve* comes next (its abatement reduced by the earlier measures of
its use; the other measures of its exclusive group leave the curve as alternatives). Bar width: the
incremental abatement; bar height: the MAC on it. With interactions the heights need not ascend: a
measure that pays for itself and comes after another on its use has a smaller increment and so a more
negative MAC. The curve is a picture of the measures; the least-cost portfolio for a target comes from
the MILP, which may choose a measure the curve left off (an alternative of larger abatement).

References
----------
.. [1] McKinsey & Company, "Pathways to a Low-Carbon Economy" (2009) and "China's Green Revolution"
   (2009): the cost-curve construction (bars sorted by cost, width = abatement).
.. [2] Kesicki, F. & Ekins, P., "Marginal abatement cost curves: a call for caution", Climate Policy
   12 (2012) 219–236: interactions and the path dependency of measure-explicit curves.
.. [3] Huangfu, Q. & Hall, J. A. J., "Parallelizing the dual revised simplex method", Math. Prog.
   Comp. 10 (2018) 119–142 (HiGHS).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "MAX_SHARED",
    "CurveStep",
    "MaccMeasure",
    "Portfolio",
    "annualised_cost",
    "capital_recovery_factor",
    "enumerate_portfolio",
    "macc_curve",
    "marginal_cost",
    "portfolio_abatement",
    "solve_portfolio",
]

#: most measures on one shared energy use (2^n combination variables)
MAX_SHARED = 12
#: tolerance of the abatement constraint [tCO2e/yr] and of cost comparisons [CNY/yr]
_TOL = 1e-6


@dataclass(frozen=True, slots=True)
class MaccMeasure:
    """One measure as the optimisation sees it (all per year of operation).

    ``energy_use`` names the demand it acts on (measures on the same use interact; None: additive)
    and ``use_emissions`` [tCO2e/yr] the emissions of that use before any measure (needed when a use
    has two measures or more); ``group`` the exclusive group (None: none). ``covered`` [tCO2e/yr] is the
    part of the abatement that is direct emissions (fuel, process: what a national carbon market
    covers; the rest is purchased electricity).
    """

    key: str
    abatement: float
    capex: float
    opex_change: float
    energy_saving_value: float
    lifetime_years: float
    group: str | None = None
    energy_use: str | None = None
    use_emissions: float | None = None
    covered: float = 0.0

    def share(self) -> float | None:
        """``s_j = A_j / E_u`` [1]: the share of its use's emissions the measure removes alone."""
        if self.use_emissions is None or self.use_emissions <= 0:
            return None
        return self.abatement / self.use_emissions


def capital_recovery_factor(rate: float, years: float) -> float:
    """``CRF = r(1+r)^n / ((1+r)^n − 1)`` [1/yr]; ``1/n`` when ``r = 0``.

    Parameters
    ----------
    rate : discount rate [1/yr], ≥ 0
    years : lifetime [yr], > 0

    Raises
    ------
    ValueError
        A negative or non-finite rate, a lifetime not > 0.
    """
    if not math.isfinite(rate) or rate < 0:
        raise ValueError(f"the discount rate must be a finite number ≥ 0, got {rate!r}")
    if not math.isfinite(years) or years <= 0:
        raise ValueError(f"the lifetime must be a finite number > 0, got {years!r}")
    if rate == 0:
        return 1.0 / years
    growth = float((1.0 + rate) ** years)
    return rate * growth / (growth - 1.0)


def annualised_cost(measure: MaccMeasure, rate: float) -> float:
    """``C = CRF(r, n)·CAPEX + ΔOPEX − S`` [CNY/yr] (negative: the measure pays for itself)."""
    return (capital_recovery_factor(rate, measure.lifetime_years) * measure.capex + measure.opex_change
            - measure.energy_saving_value)


def marginal_cost(measure: MaccMeasure, rate: float) -> float | None:
    """``MAC = C / A`` [CNY/tCO2e]; None when the measure abates nothing (A ≤ 0)."""
    if measure.abatement <= 0:
        return None
    return annualised_cost(measure, rate) / measure.abatement


# ------------------------------------------------------------------------------------ abatement


def _shared_uses(measures: Sequence[MaccMeasure]) -> dict[str, list[int]]:
    """Uses with two measures or more → indices of their measures."""
    uses: dict[str, list[int]] = {}
    for index, m in enumerate(measures):
        if m.energy_use:
            uses.setdefault(m.energy_use, []).append(index)
    return {u: ix for u, ix in uses.items() if len(ix) > 1}


def _check(measures: Sequence[MaccMeasure]) -> dict[str, list[int]]:
    keys = [m.key for m in measures]
    if len(set(keys)) != len(keys):
        raise ValueError("measure keys must be unique")
    for m in measures:
        for name in ("abatement", "capex", "opex_change", "energy_saving_value", "lifetime_years", "covered"):
            if not math.isfinite(getattr(m, name)):
                raise ValueError(f"{m.key}: {name} is not finite")
    shared = _shared_uses(measures)
    for use, indices in shared.items():
        emissions = {measures[i].use_emissions for i in indices}
        if len(emissions) != 1 or None in emissions:
            raise ValueError(f"measures on the energy use {use} must all give the same use_emissions")
        if len(indices) > MAX_SHARED:
            raise ValueError(f"at most {MAX_SHARED} measures may act on one energy use ({use}: {len(indices)})")
        for i in indices:
            share = measures[i].share()
            if share is None or not 0 <= share <= 1:
                raise ValueError(f"{measures[i].key}: its abatement must lie between 0 and the emissions of "
                                 f"its energy use {use}")
    return shared


def _use_abatement(measures: Sequence[MaccMeasure], chosen: Iterable[int]) -> float:
    chosen = list(chosen)
    if not chosen:
        return 0.0
    emissions = measures[chosen[0]].use_emissions or 0.0
    remaining = 1.0
    for i in chosen:
        remaining *= 1.0 - (measures[i].share() or 0.0)
    return emissions * (1.0 - remaining)


def portfolio_abatement(measures: Sequence[MaccMeasure], chosen: Iterable[str]) -> tuple[float, float]:
    """(abatement, covered abatement) [tCO2e/yr] of the measures ``chosen`` (keys) together.

    Measures on a shared use abate ``E_u (1 − Π(1 − s_j))``; the covered part of a use's combined
    abatement is each measure's covered part scaled by the same ratio (combined / sum alone).
    """
    wanted = set(chosen)
    shared = _shared_uses(measures)
    in_shared = {i for ix in shared.values() for i in ix}
    total = covered = 0.0
    for index, m in enumerate(measures):
        if m.key in wanted and index not in in_shared:
            total += m.abatement
            covered += m.covered
    for indices in shared.values():
        picked = [i for i in indices if measures[i].key in wanted]
        combined = _use_abatement(measures, picked)
        alone = sum(measures[i].abatement for i in picked)
        total += combined
        if alone > 0:
            covered += sum(measures[i].covered for i in picked) * combined / alone
    return total, covered


# ------------------------------------------------------------------------------------ the curve


@dataclass(frozen=True, slots=True)
class CurveStep:
    """One bar of the curve: the measure, its incremental abatement (width) [tCO2e/yr], its MAC on
    that abatement (height) [CNY/tCO2e] and the cumulative abatement at its right edge."""

    key: str
    abatement: float
    stand_alone_abatement: float
    annualised_cost: float
    marginal_cost: float
    cumulative_abatement: float
    cumulative_cost: float


def macc_curve(measures: Sequence[MaccMeasure], rate: float) -> tuple[list[CurveStep], list[str]]:
    """The curve (greedy, interactions applied in curve order) and the keys left off it (the other
    members of an exclusive group once one is on the curve, and measures that abate nothing)."""
    _check(measures)
    costs = {m.key: annualised_cost(m, rate) for m in measures}
    on_curve: list[str] = []
    steps: list[CurveStep] = []
    taken_groups: set[str] = set()
    current = 0.0
    cumulative_cost = 0.0
    left = [m for m in measures]
    while True:
        best: tuple[float, float, str, float] | None = None
        for m in left:
            if m.group and m.group in taken_groups:
                continue
            after, _ = portfolio_abatement(measures, [*on_curve, m.key])
            increment = after - current
            if increment <= _TOL:
                continue
            mac = costs[m.key] / increment
            candidate = (mac, -increment, m.key, increment)
            if best is None or candidate < best:
                best = candidate
        if best is None:
            break
        mac, _, key, increment = best
        measure = next(m for m in left if m.key == key)
        left.remove(measure)
        on_curve.append(key)
        if measure.group:
            taken_groups.add(measure.group)
        current += increment
        cumulative_cost += costs[key]
        steps.append(CurveStep(key, increment, measure.abatement, costs[key], mac, current, cumulative_cost))
    return steps, [m.key for m in left]


# ------------------------------------------------------------------------------------ portfolio


@dataclass(frozen=True, slots=True)
class Portfolio:
    """The chosen measures, their combined abatement [tCO2e/yr], covered part, annualised cost
    [CNY/yr] and investment [CNY]; ``feasible`` False when no portfolio meets the target (then
    ``chosen`` is empty and ``max_abatement`` says how far the measures reach)."""

    chosen: tuple[str, ...]
    abatement: float
    covered_abatement: float
    annualised_cost: float
    capex: float
    feasible: bool
    target: float | None
    capex_limit: float | None
    method: str
    max_abatement: float | None = None
    details: dict[str, float] = field(default_factory=dict)


def _validate_limits(target: float | None, capex_limit: float | None) -> None:
    for name, value in (("target", target), ("capex_limit", capex_limit)):
        if value is not None and (not math.isfinite(value) or value < 0):
            raise ValueError(f"the {name} must be a finite number ≥ 0, got {value!r}")


def _result(measures: Sequence[MaccMeasure], chosen: Sequence[str], rate: float, *, target: float | None,
            capex_limit: float | None, method: str, feasible: bool = True,
            max_abatement: float | None = None) -> Portfolio:
    order = [m.key for m in measures if m.key in set(chosen)]
    abatement, covered = portfolio_abatement(measures, order)
    by_key = {m.key: m for m in measures}
    return Portfolio(tuple(order), abatement, covered, sum(annualised_cost(by_key[k], rate) for k in order),
                     sum(by_key[k].capex for k in order), feasible, target, capex_limit, method, max_abatement)


def _feasible_subsets(measures: Sequence[MaccMeasure]) -> Iterable[tuple[int, ...]]:
    n = len(measures)
    for size in range(n + 1):
        for subset in itertools.combinations(range(n), size):
            groups = [measures[i].group for i in subset if measures[i].group]
            if len(groups) == len(set(groups)):
                yield subset


def enumerate_portfolio(measures: Sequence[MaccMeasure], rate: float, *, target: float | None = None,
                        capex_limit: float | None = None, max_measures: int = 20) -> Portfolio:
    """The least-cost portfolio by trying every subset (2^n; at most ``max_measures`` measures):
    the independent check of :func:`solve_portfolio`. Ties in cost: the larger abatement."""
    _check(measures)
    _validate_limits(target, capex_limit)
    if len(measures) > max_measures:
        raise ValueError(f"enumeration is for small cases: {len(measures)} measures > {max_measures}")
    costs = [annualised_cost(m, rate) for m in measures]
    best: tuple[float, float, tuple[int, ...]] | None = None
    most = 0.0
    for subset in _feasible_subsets(measures):
        if capex_limit is not None and sum(measures[i].capex for i in subset) > capex_limit + _TOL:
            continue
        abatement, _ = portfolio_abatement(measures, [measures[i].key for i in subset])
        most = max(most, abatement)
        if target is not None and abatement < target - _TOL:
            continue
        cost = sum(costs[i] for i in subset)
        candidate = (cost, -abatement, subset)
        if best is None or cost < best[0] - _TOL or (abs(cost - best[0]) <= _TOL and -abatement < best[1]):
            best = candidate
    if best is None:
        return Portfolio((), 0.0, 0.0, 0.0, 0.0, False, target, capex_limit, "enumeration", most)
    return _result(measures, [measures[i].key for i in best[2]], rate, target=target, capex_limit=capex_limit,
                   method="enumeration", max_abatement=most)


def _milp(measures: Sequence[MaccMeasure], objective: Sequence[float], combination_weight: float, *,
          target: float | None, capex_limit: float | None) -> list[int] | None:
    """Solve the MILP; ``objective`` per measure, the combination variables' objective is
    ``combination_weight × A_u(S)``. Returns the chosen indices, None when infeasible."""
    import highspy
    import numpy as np

    shared = _shared_uses(measures)
    in_shared = {i for ix in shared.values() for i in ix}
    n = len(measures)
    combos: list[tuple[str, tuple[int, ...], float]] = []
    for use, indices in shared.items():
        sub = [measures[i] for i in indices]
        for subset in _feasible_subsets(sub):
            chosen = tuple(indices[k] for k in subset)
            combos.append((use, chosen, _use_abatement(measures, chosen)))
    total = n + len(combos)
    lp = highspy.HighsLp()
    lp.num_col_ = total
    costs = list(objective) + [combination_weight * a for _, _, a in combos]
    lp.col_cost_ = np.array(costs, dtype=float)
    lp.col_lower_ = np.zeros(total)
    lp.col_upper_ = np.ones(total)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * total
    rows: list[tuple[dict[int, float], float, float]] = []
    if target is not None:
        row = {i: measures[i].abatement for i in range(n) if i not in in_shared}
        row.update({n + c: a for c, (_, _, a) in enumerate(combos)})
        rows.append((row, target - _TOL, math.inf))
    for use, indices in shared.items():
        rows.append(({n + c: 1.0 for c, (u, _, _) in enumerate(combos) if u == use}, 1.0, 1.0))
        for i in indices:
            row = {i: 1.0}
            for c, (u, subset, _) in enumerate(combos):
                if u == use and i in subset:
                    row[n + c] = -1.0
            rows.append((row, 0.0, 0.0))
    groups: dict[str, list[int]] = {}
    for i, m in enumerate(measures):
        if m.group:
            groups.setdefault(m.group, []).append(i)
    for members in groups.values():
        if len(members) > 1:
            rows.append(({i: 1.0 for i in members}, -math.inf, 1.0))
    if capex_limit is not None:
        rows.append(({i: measures[i].capex for i in range(n)}, -math.inf, capex_limit + _TOL))
    starts, index, values, lower, upper = [0], [], [], [], []
    for row, low, high in rows:
        for column, value in sorted(row.items()):
            index.append(column)
            values.append(value)
        starts.append(len(index))
        lower.append(low if math.isfinite(low) else -highspy.kHighsInf)
        upper.append(high if math.isfinite(high) else highspy.kHighsInf)
    lp.num_row_ = len(rows)
    lp.row_lower_ = np.array(lower, dtype=float)
    lp.row_upper_ = np.array(upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(values, dtype=float)
    solver = highspy.Highs()  # type: ignore[no-untyped-call]
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("mip_rel_gap", 0.0)
    solver.setOptionValue("mip_abs_gap", 1e-9)
    solver.setOptionValue("random_seed", 0)
    solver.passModel(lp)
    solver.run()
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS stopped without an optimum: {solver.modelStatusToString(status)}")
    x = solver.getSolution().col_value
    return [i for i in range(n) if x[i] > 0.5]


def solve_portfolio(measures: Sequence[MaccMeasure], rate: float, *, target: float | None = None,
                    capex_limit: float | None = None) -> Portfolio:
    """The least-cost portfolio reaching ``target`` [tCO2e/yr] (None: the measures that pay for
    themselves) within ``capex_limit`` [CNY] (None: no limit), by the MILP above (HiGHS).

    When no portfolio reaches the target the result is ``feasible=False`` with ``max_abatement``,
    the most the measures can abate together (a second MILP maximising abatement).

    Raises
    ------
    ValueError
        Duplicate keys, non-finite numbers, a shared use with inconsistent emissions or a measure
        abating more than its use emits, a negative target or limit.
    """
    _check(measures)
    _validate_limits(target, capex_limit)
    if not measures:
        return Portfolio((), 0.0, 0.0, 0.0, 0.0, target is None or target <= _TOL, target, capex_limit, "milp", 0.0)
    costs = [annualised_cost(m, rate) for m in measures]
    chosen = _milp(measures, costs, 0.0, target=target, capex_limit=capex_limit)
    shared = _shared_uses(measures)
    in_shared = {i for ix in shared.values() for i in ix}
    most_objective = [0.0 if i in in_shared else -m.abatement for i, m in enumerate(measures)]
    most_chosen = _milp(measures, most_objective, -1.0, target=None, capex_limit=capex_limit) or []
    most, _ = portfolio_abatement(measures, [measures[i].key for i in most_chosen])
    if chosen is None:
        return Portfolio((), 0.0, 0.0, 0.0, 0.0, False, target, capex_limit, "milp", most)
    return _result(measures, [measures[i].key for i in chosen], rate, target=target, capex_limit=capex_limit,
                   method="milp", max_abatement=most)

