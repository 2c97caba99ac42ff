"""LMDI-I index decomposition (Ang 2005, 2015): additive and multiplicative, zero and negative values.

An aggregate is a sum of terms, each a product of factors, ``V = Σ_i V_i``, ``V_i = Π_k x_{k,i}``
(a term need not carry every factor: a process-emission term has no fuel mix). From period 0 to T:

* additive:        ``ΔV_tot = V^T − V^0 = Σ_k ΔV_k``,  ``ΔV_k = Σ_i L(V_i^T, V_i^0) · ln(x_{k,i}^T / x_{k,i}^0)``
* multiplicative:  ``D_tot = V^T / V^0 = Π_k D_k``,  ``D_k = exp(Σ_i L(V_i^T, V_i^0) / L(V^T, V^0) · ln(x_{k,i}^T / x_{k,i}^0))``

with the logarithmic mean ``L(a, b) = (a − b) / (ln a − ln b)``, ``L(a, a) = a``. Both are exact (no
residual), and ``ΔV_k / ln D_k = L(V^T, V^0)`` for every factor k.

Zero values (a sector that appears or closes, a fuel first used, a factor of zero) follow Ang & Liu
(2007a): with ``zero_value=δ`` every zero factor value is replaced by a small positive δ (Ang's
1e-10 … 1e-20) and a factor left undefined by a zero (the intensity 0/0 of a sector with no output)
by 1; the results converge as δ → 0 (slowly, like 1/|ln δ|: Wood & Lenzen 2006), towards the
analytical limits, which ``zero_value=None`` (the default) computes exactly: a term that is zero in
both periods contributes nothing; a term that is zero in one period only gives its whole change to
the factors that are zero there, in equal parts. :func:`zero_convergence` shows the δ series next
to the limit.

Negative values (net emissions after capture, exported electricity counted negative) follow Ang &
Liu (2007b): a term negative in both periods uses the same formula (the logarithmic mean of two
negative numbers is negative, their ratio positive); a term that changes sign passes through zero,
and by the analytical limits of both halves (V^0 → 0 → V^T) its whole change goes to the factor(s)
that change sign. The multiplicative form needs an aggregate of one sign in both periods; otherwise
it is not defined (Ang 2015 recommends the additive form then) and is reported as ``None``.

References
----------
Ang, B.W. (2005). The LMDI approach to decomposition analysis: a practical guide. Energy Policy 33, 867–871.
Ang, B.W. (2015). LMDI decomposition approach: a guide for implementation. Energy Policy 86, 233–238.
Ang, B.W., Liu, N. (2007a). Handling zero values in the logarithmic mean Divisia index decomposition
approach. Energy Policy 35, 238–246.
Ang, B.W., Liu, N. (2007b). Negative-value problems of the logarithmic mean Divisia index
decomposition approach. Energy Policy 35, 739–742.
Wood, R., Lenzen, M. (2006). Zero-value problems of the logarithmic mean Divisia index decomposition
method. Energy Policy 34, 1326–1331.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["CARRIER_KINDS", "CONVERGENCE_DELTAS", "Decomposition", "Record", "Term", "decompose", "industry_terms",
           "logarithmic_mean", "zero_convergence"]

#: the small values of Ang's range shown next to the analytical limit
CONVERGENCE_DELTAS = (1e-10, 1e-15, 1e-20)


def logarithmic_mean(a: float, b: float) -> float:
    """The logarithmic mean ``L(a, b) = (a − b) / (ln a − ln b)``, ``L(a, a) = a``.

    Defined for two numbers of one sign (both negative: ``(a − b) / ln(a / b)``, negative).

    Raises
    ------
    ValueError
        ``a`` and ``b`` of different signs, or either zero.
    """
    if a == b:
        return a
    if a * b <= 0:
        raise ValueError(f"the logarithmic mean needs two non-zero numbers of one sign, not {a} and {b}")
    return (a - b) / math.log(a / b)


@dataclass(frozen=True, slots=True)
class Term:
    """One term ``V_i = Π_k x_{k,i}`` of the aggregate.

    ``factors``: factor name → (value in period 0, value in period T) [the factor's unit]; a value is
    ``nan`` when a zero elsewhere in the term leaves it undefined (0/0). ``key`` names the term
    (sector, sub-sector, fuel …); ``group`` lets a service split a factor's effect between groups of
    terms (the emission factor of electricity, the grid factor, apart from that of fuels).
    """

    key: tuple[str, ...]
    factors: Mapping[str, tuple[float, float]]
    group: str = ""

    def value(self, period: int) -> float:
        """``V_i`` in period 0 or 1 (T): zero when any factor is zero, whatever the undefined ones."""
        values = [pair[period] for pair in self.factors.values()]
        if any(v == 0 for v in values):
            return 0.0
        return math.prod(values)


@dataclass(frozen=True, slots=True)
class Decomposition:
    """LMDI-I result: ``additive[k]`` = ΔV_k [V's unit], ``multiplicative[k]`` = D_k [-] (``None`` when the
    aggregate changes sign or is zero), ``contributions[(term key, factor)]`` the additive part of each term.

    ``zero_terms``/``sign_change_terms``: keys of the terms handled by the zero / negative rules.
    """

    v0: float
    vt: float
    additive: dict[str, float]
    multiplicative: dict[str, float] | None
    contributions: dict[tuple[tuple[str, ...], str], float]
    zero_value: float | None
    zero_terms: tuple[tuple[str, ...], ...] = ()
    sign_change_terms: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def delta(self) -> float:
        """``V^T − V^0``."""
        return self.vt - self.v0

    @property
    def ratio(self) -> float | None:
        """``V^T / V^0`` (``None`` when not defined)."""
        return self.vt / self.v0 if self.v0 != 0 and self.vt * self.v0 > 0 else None


def _small(values: tuple[float, float], delta: float) -> tuple[float, float]:
    return tuple(1.0 if math.isnan(v) else (delta if v == 0 else v) for v in values)  # type: ignore[return-value]


def _term_contributions(term: Term, zero_value: float | None) -> tuple[dict[str, float], str]:
    """The additive contribution of one term to each of its factors, and how it was handled
    (``""``, ``"zero"`` or ``"sign"``)."""
    factors = dict(term.factors)
    how = ""
    if zero_value is not None and any(v == 0 or math.isnan(v) for pair in factors.values() for v in pair):
        factors = {k: _small(pair, zero_value) for k, pair in factors.items()}
        how = "zero"
    t = Term(term.key, factors, term.group)
    v0, vt = t.value(0), t.value(1)
    out = dict.fromkeys(factors, 0.0)
    if v0 == 0 or vt == 0:
        if v0 == 0 and vt == 0:
            return out, "zero"
        # analytical limit (Ang & Liu 2007a): the change goes to the factors that are zero in that period
        side = 0 if v0 == 0 else 1
        zeros = [k for k, pair in factors.items() if pair[side] == 0]
        for k in zeros:
            out[k] = (vt - v0) / len(zeros)
        return out, "zero"
    flipped = [k for k, (a, b) in factors.items() if a * b < 0]
    if flipped:
        # through zero (Ang & Liu 2007b): both halves' limits give the change to the sign-changing factors
        for k in flipped:
            out[k] = (vt - v0) / len(flipped)
        return out, "sign"
    weight = logarithmic_mean(vt, v0)
    for k, (a, b) in factors.items():
        out[k] = weight * math.log(b / a)
    return out, how


def decompose(terms: Sequence[Term], *, zero_value: float | None = None) -> Decomposition:
    """LMDI-I additive and multiplicative decomposition of ``Σ_i Π_k x_{k,i}`` from period 0 to T.

    Parameters
    ----------
    terms
        The terms of the aggregate, each with its factors' values in both periods.
    zero_value
        δ of the small-value strategy (1e-10 … 1e-20 per Ang); ``None``: the analytical limits (δ → 0).

    Returns
    -------
    Decomposition
        Effects by factor in both forms; the multiplicative one computed with its own weights
        ``L(V_i^T, V_i^0) / L(V^T, V^0)``, so that the link ``ΔV_k / ln D_k = L(V^T, V^0)`` is a check.

    References
    ----------
    Ang (2005) eq. 3–6 (LMDI-I); Ang & Liu (2007a) zero values; Ang & Liu (2007b) negative values.
    """
    if zero_value is not None and not 0 < zero_value < 1e-6:
        raise ValueError(f"the small value δ must be positive and tiny (Ang: 1e-10 … 1e-20), not {zero_value}")
    names: list[str] = []
    for term in terms:
        names.extend(k for k in term.factors if k not in names)
    additive = dict.fromkeys(names, 0.0)
    contributions: dict[tuple[tuple[str, ...], str], float] = {}
    zero_terms: list[tuple[str, ...]] = []
    sign_terms: list[tuple[str, ...]] = []
    log_sums = dict.fromkeys(names, 0.0)   # Σ_i L(V_i) ln ratio, for the multiplicative form's own pass
    v0 = vt = 0.0
    for term in terms:
        parts, how = _term_contributions(term, zero_value)
        if how == "zero":
            zero_terms.append(term.key)
        elif how == "sign":
            sign_terms.append(term.key)
        v0 += term.value(0)
        vt += term.value(1)
        for k, value in parts.items():
            additive[k] += value
            contributions[(term.key, k)] = contributions.get((term.key, k), 0.0) + value
    multiplicative: dict[str, float] | None = None
    notes: list[str] = []
    if v0 != 0 and vt * v0 > 0:
        total_weight = logarithmic_mean(vt, v0)
        for term in terms:
            factors = term.factors
            if zero_value is not None:
                factors = {k: _small(pair, zero_value) for k, pair in factors.items()}
            small = Term(term.key, factors, term.group)
            t0, tt = small.value(0), small.value(1)
            if t0 != 0 and tt != 0 and all(a * b > 0 for a, b in factors.values()):
                share = logarithmic_mean(tt, t0) / total_weight
                for k, (a, b) in factors.items():
                    log_sums[k] += share * math.log(b / a)
            else:   # the limits' contribution, on the multiplicative scale
                parts, _how = _term_contributions(term, zero_value)
                for k, value in parts.items():
                    log_sums[k] += value / total_weight
        multiplicative = {k: math.exp(s) for k, s in log_sums.items()}
    else:
        notes.append("multiplicative_undefined")
    return Decomposition(v0, vt, additive, multiplicative, contributions, zero_value, tuple(zero_terms),
                         tuple(sign_terms), tuple(notes))


def zero_convergence(terms: Sequence[Term], deltas: Iterable[float] = CONVERGENCE_DELTAS
                     ) -> list[tuple[float | None, dict[str, float]]]:
    """Additive effects with each small value δ and at the analytical limit (δ = None, last).

    Shows that the small-value strategy converges to the limit (Ang & Liu 2007a), and how slowly
    (the gap shrinks like 1/|ln δ|, Wood & Lenzen 2006)."""
    out: list[tuple[float | None, dict[str, float]]] = [(d, decompose(terms, zero_value=d).additive) for d in deltas]
    out.append((None, decompose(terms).additive))
    return out


# --------------------------------------------------------------------------- the industrial identity

#: carrier kinds of :class:`Record` (the ``fuel`` of a row, classified by the service)
CARRIER_KINDS = ("fuel", "electricity", "process")


@dataclass(frozen=True, slots=True)
class Record:
    """One row of decomposition data: a leaf of the structure tree in one year.

    ``path``: the structure levels from the top (region, sector, sub-sector …); ``carrier``: the fuel
    or energy carrier ("" when the row is not split by carrier) and ``kind`` its kind
    (:data:`CARRIER_KINDS`). ``output`` [activity unit, one measure for all rows], ``energy`` [tce],
    ``emissions`` [tCO2e, may be negative]. Output may be ``None`` on all but one carrier row of a leaf-year.
    """

    path: tuple[str, ...]
    year: int
    output: float | None
    energy: float
    emissions: float
    carrier: str = ""
    kind: str = "fuel"


def _ratio(numerator: float, denominator: float) -> float:
    if denominator == 0:
        return math.nan if numerator == 0 else math.inf
    return numerator / denominator


def industry_terms(records: Iterable[Record], *, base: int, target: int, aggregate: str = "emissions",
                   levels: int) -> list[Term]:
    """The terms of energy or emissions as activity × nested structure × intensity (× carbon factors).

    ``E = Σ_i Q · S_1 · S_2 … · I_i`` with ``Q`` the total output, ``S_l`` the share of a level-l group in
    its parent (nested structure effects, one per level), ``I_i = E_i / Q_i`` [tce/unit]. Emissions:

    * rows split by carrier: ``C = Σ_ij Q · S … · I_i · M_ij · F_ij + Σ_i Q · S … · P_i`` with the fuel
      mix ``M_ij = E_ij / E_i``, the emission factor ``F_ij = C_ij / E_ij`` [tCO2e/tce] (grouped ``grid``
      for electricity, ``fuel`` otherwise) and the process-emission intensity ``P_i = C_i,process / Q_i``;
    * rows not split: ``C = Σ_i Q · S … · I_i · K_i`` with the carbon intensity ``K_i = C_i / E_i``.

    Factor names: ``activity``, ``structure.<level index>``, ``energy_intensity``, ``fuel_mix``,
    ``emission_factor``, ``process_intensity``, ``carbon_intensity``.

    Raises
    ------
    ValueError
        A leaf with emissions but no energy and no process row (its carbon intensity is infinite).
    """
    years = (base, target)
    output: dict[tuple[tuple[str, ...], int], float] = {}
    energy: dict[tuple[tuple[str, ...], int], float] = {}
    carriers: dict[tuple[tuple[str, ...], str, str], list[float]] = {}
    for r in records:
        if r.year not in years:
            continue
        side = years.index(r.year)
        key = (r.path, r.year)
        if r.output is not None:
            output[key] = output.get(key, 0.0) + r.output
        if r.kind != "process":
            energy[key] = energy.get(key, 0.0) + r.energy
        pair = carriers.setdefault((r.path, r.carrier, r.kind), [0.0, 0.0, 0.0, 0.0])
        pair[side] += r.energy
        pair[2 + side] += r.emissions
    leaves = sorted({path for path, _year in output} | {path for path, _c, _k in carriers})
    if base == target:
        raise ValueError("the base and target years are the same")

    def q(path: tuple[str, ...], year: int) -> float:
        return sum(output.get((leaf, year), 0.0) for leaf in leaves if leaf[:len(path)] == path)

    total = [q((), y) for y in years]
    terms: list[Term] = []
    split = any(c for _p, c, _k in carriers)

    for leaf in leaves:
        common: dict[str, tuple[float, float]] = {"activity": (total[0], total[1])}
        for level in range(1, levels + 1):
            common[f"structure.{level}"] = (_ratio(q(leaf[:level], base), q(leaf[:level - 1], base)),
                                            _ratio(q(leaf[:level], target), q(leaf[:level - 1], target)))
        leaf_energy = [energy.get((leaf, y), 0.0) for y in years]
        intensity = (_ratio(leaf_energy[0], output.get((leaf, base), 0.0)),
                     _ratio(leaf_energy[1], output.get((leaf, target), 0.0)))
        if aggregate == "energy":
            terms.append(Term(leaf, {**common, "energy_intensity": intensity}))
            continue
        rows = [(c, k, v) for (p, c, k), v in carriers.items() if p == leaf]
        if not split:
            emissions = [sum(v[2 + s] for _c, _k, v in rows) for s in range(2)]
            if any(emissions[s] != 0 and leaf_energy[s] == 0 for s in range(2)):
                raise ValueError(f"{'/'.join(leaf)}: emissions without energy; give them on a process row")
            carbon = (_ratio(emissions[0], leaf_energy[0]), _ratio(emissions[1], leaf_energy[1]))
            terms.append(Term(leaf, {**common, "energy_intensity": intensity, "carbon_intensity": carbon}))
            continue
        for carrier, kind, v in sorted(rows):
            name = (*leaf, carrier)
            if kind == "process":
                process = (_ratio(v[2], output.get((leaf, base), 0.0)), _ratio(v[3], output.get((leaf, target), 0.0)))
                terms.append(Term(name, {**common, "process_intensity": process}, "process"))
                continue
            if any(v[2 + s] != 0 and v[s] == 0 for s in range(2)):
                raise ValueError(f"{'/'.join(name)}: emissions without energy; give them on a process row")
            mix = (_ratio(v[0], leaf_energy[0]), _ratio(v[1], leaf_energy[1]))
            factor = (_ratio(v[2], v[0]), _ratio(v[3], v[1]))
            terms.append(Term(name, {**common, "energy_intensity": intensity, "fuel_mix": mix,
                                     "emission_factor": factor}, "grid" if kind == "electricity" else "fuel"))
    return terms
