"""Product carbon footprint, cradle to gate: allocation between co-products and data quality.

Pure formulas (no I/O). The domain service :mod:`greenmfg.footprint` binds the accounting engine's
results, the upstream factors and the product rules and calls these.

Glossary
--------
burden
    The emissions of one facility-period's boundary by life-cycle stage [tCO2e]: raw material
    acquisition, upstream energy, production direct, production indirect (electricity, heat) and
    credits (system expansion, negative).
share
    The part of the burden a product bears (allocation factor, dimensionless; shares sum to 1).
footprint
    A product's burden per functional unit [kgCO2e per functional unit].

References
----------
GB/T 24067-2024 / ISO 14067:2018 Greenhouse gases — Carbon footprint of products — Requirements
and guidelines for quantification: allocation (avoid allocation by dividing the process or by system
expansion; otherwise by a physical relationship such as mass; otherwise by another relationship
such as economic value) and data-quality requirements (time-related, geographical and technological
coverage, precision). Commission Recommendation (EU) 2021/2279, Annex I (PEF method): data quality
rating DQR = (TeR + GeR + TiR + P) / 4, each criterion 1 (best) to 5 (worst).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "ALLOCATIONS",
    "STAGES",
    "allocation_shares",
    "dqr",
    "geographical_score",
    "per_functional_unit",
    "precision_score",
    "rating",
    "technological_score",
    "temporal_score",
    "weighted_dqr",
]

#: life-cycle stages of a cradle-to-gate footprint, in report order
STAGES = ("raw_material", "upstream_energy", "direct", "indirect_electricity", "indirect_heat", "credits")
#: allocation methods between co-products
ALLOCATIONS = ("mass", "economic", "system_expansion")


def allocation_shares(quantities: Sequence[float], *, method: str, prices: Sequence[float | None] | None = None,
                      bearers: Sequence[bool] | None = None) -> list[float]:
    """The share of a boundary's burden each product bears.

    Parameters
    ----------
    quantities
        Each product's output in one common unit for ``mass`` (``[t]``), in its own unit otherwise.
    method
        ``mass``: q_i / Σq; ``economic``: q_i·p_i / Σ(q·p); ``system_expansion``: the products marked
        in ``bearers`` bear everything (split between them by ``quantities``, which are then in one
        unit), the others nothing (their avoided burden is credited to the bearers' burden instead).
    prices
        Price per unit of each product's quantity [any one currency per unit] (``economic`` only).
    bearers
        Which products bear the burden (``system_expansion`` only).

    Returns
    -------
    list of float
        Shares, summing to 1.

    Raises
    ------
    ValueError
        No positive total to divide by, or a price missing for ``economic``.

    References
    ----------
    GB/T 24067-2024 / ISO 14067:2018, allocation procedure (system expansion, physical, economic).
    """
    if method == "mass":
        weights = [float(q) for q in quantities]
    elif method == "economic":
        if prices is None or any(p is None for p in prices):
            raise ValueError("economic allocation needs the price of every product")
        weights = [float(q) * float(p) for q, p in zip(quantities, prices, strict=True)]  # type: ignore[arg-type]
    elif method == "system_expansion":
        if bearers is None or not any(bearers):
            raise ValueError("system expansion needs at least one product bearing the burden")
        weights = [float(q) if bear else 0.0 for q, bear in zip(quantities, bearers, strict=True)]
    else:
        raise ValueError(f"unknown allocation {method!r}: one of {', '.join(ALLOCATIONS)}")
    total = sum(weights)
    if not total > 0:
        raise ValueError("the products' total (quantity or value) is zero")
    return [w / total for w in weights]


def per_functional_unit(burden_t: Mapping[str, float], share: float, quantity_fu: float) -> dict[str, float]:
    """A product's footprint by stage [kgCO2e per functional unit].

    ``burden_t``: the boundary's emissions by stage [tCO2e]; ``share``: the product's allocation
    share [1]; ``quantity_fu``: its output in functional units. footprint_s = burden_s × share /
    quantity × 1000 [kgCO2e/FU].
    """
    if not quantity_fu > 0:
        raise ValueError("a product's quantity must be positive")
    return {stage: value * share / quantity_fu * 1000.0 for stage, value in burden_t.items()}


# --- data quality ---------------------------------------------------------------------------------

#: precision rating P of a factor by its verification status (1 best .. 5 worst)
_PRECISION = {"verified": 1, "definitional": 1, "supplier": 2, "crosschecked": 2, "secondary": 3,
              "uncertain": 4, "recalled": 4, "not_found": 5}


def precision_score(status: str) -> int:
    """P [1..5]: ``verified``/``definitional`` 1; a supplier's own factor (``supplier``) or
    ``crosschecked`` 2; ``secondary`` 3; ``uncertain``/``recalled`` 4; ``not_found`` 5."""
    return _PRECISION.get(status, 5)


def temporal_score(factor_year: int | None, data_year: int) -> int:
    """TiR [1..5] from the years between the factor's data and the footprint's: 0 → 1, 1 → 2,
    2-3 → 3, 4-6 → 4, more (or unknown) → 5."""
    if factor_year is None:
        return 5
    gap = abs(data_year - factor_year)
    return 1 if gap == 0 else 2 if gap == 1 else 3 if gap <= 3 else 4 if gap <= 6 else 5


def geographical_score(factor_region: str, facility_region: str, grid_region: str | None = None) -> int:
    """GeR [1..5]: the facility's province 1; its grid region 2; China (``CN``) 2; the world
    average (``GLO``) 4; another country 5 (a blank region: 5)."""
    if factor_region == facility_region:
        return 1
    if grid_region is not None and factor_region == grid_region:
        return 2
    if factor_region == "CN":
        return 2
    if factor_region == "GLO":
        return 4
    return 5


def technological_score(kind: str) -> int:
    """TeR [1..5]: the plant's own process or its supplier's (``own``, ``supplier``) 1; a national
    or sector average of the same technology (``average``) 2; a rule (``rule``, e.g. cut-off) 2;
    one published study of the same product (``literature``) 3; a proxy (``proxy``: another
    product, fuel or route) 4; no factor (``none``) 5."""
    return {"own": 1, "supplier": 1, "average": 2, "rule": 2, "literature": 3, "proxy": 4}.get(kind, 5)


def dqr(te: float, ge: float, ti: float, p: float) -> float:
    """DQR = (TeR + GeR + TiR + P) / 4 [1..5] (PEF method, Recommendation (EU) 2021/2279, Annex I)."""
    return (te + ge + ti + p) / 4.0


def weighted_dqr(parts: Sequence[tuple[float, float]]) -> float | None:
    """The DQR of a footprint: the DQRs of its parts weighted by the size of each part's emissions
    (|tCO2e|); None when nothing weighs. ``parts``: (emissions, dqr)."""
    weight = sum(abs(e) for e, _d in parts)
    if not weight > 0:
        return None
    return sum(abs(e) * d for e, d in parts) / weight


def rating(value: float | None, bands: Sequence[tuple[str, float]]) -> str | None:
    """The band a DQR falls in: ``bands`` (name, upper bound), ascending; None for None."""
    if value is None:
        return None
    for name, upper in bands:
        if value <= upper + 1e-12:
            return name
    return bands[-1][0] if bands else None
