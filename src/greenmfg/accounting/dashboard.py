"""The enterprise dashboard: a year's key figures, monthly series, product intensities, facilities.

Everything is read from the *current* stored results (``facility_results.current``: the latest
result of the latest data version of each facility-period) with four small queries, each a range
scan of the index ``(enterprise_id, current, period)``:

1. the years that have results;
2. sums per period over the chosen year and the year before (key figures, monthly series and the
   year-over-year comparison);
3. sums per facility over the chosen year, with the number of warnings;
4. the products of each facility-period of the year, from which the enterprise's intensity per
   product and period is computed.

Year over year is *like for like*: the chosen year's figures over the periods that both years
have (same month, or both annual) against the previous year's over the same periods, so a year
with three months of data is not compared with twelve. A year whose data are annual (period
``YYYY``) has that one period in its series.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import Executable, bindparam, func, select
from sqlalchemy.orm import Session

from greenmfg.accounting.models import FacilityResult
from greenmfg.calc.accounting import CATEGORIES
from greenmfg.orgs.models import Facility, Organisation
from greenmfg.refdata.vocabulary import load_vocabulary

__all__ = ["KPI_FIELDS", "SCOPES", "available_years", "enterprise_dashboard", "product_intensities"]

#: the two scopes of GB/T 32150 reporting: direct (combustion + process) and indirect (purchased)
SCOPES = ("scope1", "scope2")
#: key figures compared year over year, as (name in the answer, column)
KPI_FIELDS = (
    ("energy_tce", FacilityResult.energy_tce),
    ("total_tco2e", FacilityResult.total_tco2e),
    ("scope1_tco2e", FacilityResult.scope1_tco2e),
    ("scope2_tco2e", FacilityResult.scope2_tco2e),
)
_CATEGORY_COLUMNS = {c: getattr(FacilityResult, f"{c}_tco2e") for c in CATEGORIES}


class _Statements(NamedTuple):
    years: Executable
    periods: Executable
    facilities: Executable
    products: Executable


@functools.cache
def _statements() -> _Statements:
    """The four queries, built once (on first use) with bind parameters ``enterprise_id``,
    ``first`` and ``last``: building SQLAlchemy expressions costs more than running them."""
    current = [FacilityResult.enterprise_id == bindparam("enterprise_id"), FacilityResult.current.is_(True)]
    # 'YYYY' (annual) and 'YYYY-MM' both sort inside ['first', 'last-99']: a range on the index
    years = [FacilityResult.period >= bindparam("first"), FacilityResult.period <= bindparam("last")]
    year = func.substr(FacilityResult.period, 1, 4).label("year")
    sums = [func.sum(column).label(name) for name, column in KPI_FIELDS]
    return _Statements(
        years=select(year).where(*current).group_by(year),
        periods=(select(FacilityResult.period, *sums,
                        *[func.sum(column).label(name) for name, column in _CATEGORY_COLUMNS.items()],
                        func.count().label("results"))
                 .where(*current, *years).group_by(FacilityResult.period).order_by(FacilityResult.period)),
        facilities=(select(Facility.id, Facility.code, Facility.name, func.count().label("results"),
                           func.max(FacilityResult.period).label("latest_period"), *sums,
                           func.sum(FacilityResult.warning_count).label("warnings"))
                    .join(Facility, Facility.id == FacilityResult.facility_id)
                    .where(*current, *years)
                    .group_by(Facility.id, Facility.code, Facility.name).order_by(Facility.code)),
        products=select(FacilityResult.period, FacilityResult.products).where(*current, *years),
    )


def _range(enterprise_id: int, first: int, last: int) -> dict[str, Any]:
    return {"enterprise_id": enterprise_id, "first": f"{first:04d}", "last": f"{last:04d}-99"}


def available_years(session: Session, enterprise_id: int) -> list[int]:
    """Years with current results, ascending."""
    rows = session.connection().execute(_statements().years, {"enterprise_id": enterprise_id})
    return sorted(int(y) for y in rows.scalars())


def _change(now: float, before: float) -> float | None:
    """Relative change ``now / before − 1``; None when there is nothing to compare with."""
    if before == 0:
        return None
    return now / before - 1.0


def product_intensities(rows: list[tuple[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """The enterprise's intensity per product and period from facility-period products.

    Each facility's intensity is weighted by its output: Σ(intensity × quantity) / Σ quantity,
    i.e. the energy (emissions) of the facilities making the product per unit made.

    Parameters
    ----------
    rows
        ``(period, products)`` per facility-period, ``products`` in the engine's shape
        (``product``, ``quantity``, ``unit``, ``energy_intensity`` [kgce/unit],
        ``emission_intensity`` [tCO2e/unit] …).

    Returns
    -------
    list of dict
        Per product (sorted by key): ``product``, ``unit``, ``energy_intensity_unit``,
        ``emission_intensity_unit`` and ``series``, one point per period with ``period``,
        ``quantity`` [unit], ``energy_intensity`` [kgce/unit] and ``emission_intensity``
        [tCO2e/unit] (None where no facility had a positive output).
    """
    # (product, unit) → period → [quantity, Σ energy_intensity·q, Σ emission_intensity·q, q with intensity]
    sums: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0, 0.0, 0.0]))
    for period, products in rows:
        for product in products or ():
            quantity = float(product.get("quantity") or 0.0)
            cell = sums[(product["product"], product["unit"])][period]
            cell[0] += quantity
            if product.get("energy_intensity") is not None and quantity > 0:
                cell[1] += float(product["energy_intensity"]) * quantity
                cell[2] += float(product.get("emission_intensity") or 0.0) * quantity
                cell[3] += quantity
    vocabulary = load_vocabulary()
    out = []
    for (key, unit), periods in sorted(sums.items()):
        item = vocabulary.items.get(key)
        series = []
        for period in sorted(periods):
            quantity, energy, emissions, weight = periods[period]
            series.append({"period": period, "quantity": quantity,
                           "energy_intensity": energy / weight if weight else None,
                           "emission_intensity": emissions / weight if weight else None})
        out.append({"product": key, "name_zh": item.name_zh if item else key,
                    "name_en": item.name_en if item else key, "unit": unit,
                    "energy_intensity_unit": f"kgce/{unit}", "emission_intensity_unit": f"tCO2e/{unit}",
                    "series": series})
    return out


def _totals(rows: list[dict[str, Any]], periods: set[str] | None = None) -> dict[str, float]:
    chosen = [r for r in rows if periods is None or r["period"] in periods]
    return {name: sum(r[name] for r in chosen) for name, _ in KPI_FIELDS}


def enterprise_dashboard(session: Session, enterprise: Organisation, *, year: int | None = None) -> dict[str, Any]:
    """The dashboard of one enterprise for one year (the latest with results by default).

    The caller has checked that the enterprise is visible (:func:`greenmfg.orgs.access.get_enterprise`).

    Returns
    -------
    dict
        JSON-ready; see the module docstring and ``GET /api/v1/enterprises/{id}/dashboard``.
        Energy in [tce], emissions in [tCO2e], intensities in [kgce/unit] and [tCO2e/unit],
        changes as fractions (−0.05 = 5 % lower).
    """
    years = available_years(session, enterprise.id)
    if year is None:
        year = years[-1] if years else None
    answer: dict[str, Any] = {
        "enterprise": {"id": enterprise.id, "code": enterprise.code, "name": enterprise.name,
                       "name_en": enterprise.name_en, "industry": enterprise.industry,
                       "province": enterprise.province, "city": enterprise.city},
        "year": year, "years": years,
    }
    if year is None:
        return {**answer, **_empty()}

    statements = _statements()
    connection = session.connection()
    monthly = [dict(row._mapping) for row in connection.execute(
        statements.periods, _range(enterprise.id, year - 1, year))]
    this_year = [r for r in monthly if r["period"].startswith(f"{year:04d}")]
    last_year = [r for r in monthly if not r["period"].startswith(f"{year:04d}")]

    # like for like: the periods both years have
    shifted = {f"{year:04d}{r['period'][4:]}" for r in last_year}
    common = {r["period"] for r in this_year} & shifted
    previous = None
    change: dict[str, float | None] = {name: None for name, _ in KPI_FIELDS}
    if common:
        now = _totals(this_year, common)
        before = _totals(last_year, {f"{year - 1:04d}{p[4:]}" for p in common})
        previous = {"year": year - 1, "periods": sorted(f"{year - 1:04d}{p[4:]}" for p in common),
                    "current": now, "previous": before}
        change = {name: _change(now[name], before[name]) for name, _ in KPI_FIELDS}

    facility_rows = connection.execute(statements.facilities, _range(enterprise.id, year, year)).all()
    facilities = [{"id": r.id, "code": r.code, "name": r.name, "results": r.results,
                   "latest_period": r.latest_period, "energy_tce": r.energy_tce,
                   "emissions_tco2e": {"total": r.total_tco2e, "scope1": r.scope1_tco2e,
                                       "scope2": r.scope2_tco2e},
                   "warnings": int(r.warnings or 0)} for r in facility_rows]

    product_rows = connection.execute(statements.products, _range(enterprise.id, year, year)).all()

    totals = _totals(this_year)
    periods = [r["period"] for r in this_year]
    return {
        **answer,
        "periods": periods,
        "kpis": {
            "energy_tce": totals["energy_tce"],
            "emissions_tco2e": {"total": totals["total_tco2e"], "scope1": totals["scope1_tco2e"],
                                "scope2": totals["scope2_tco2e"]},
            "results": sum(r["results"] for r in this_year),
            "facilities": len(facilities),
            "warnings": sum(f["warnings"] for f in facilities),
            "change": change,
            "compared": previous,
        },
        "monthly": {
            "periods": periods,
            "energy_tce": [r["energy_tce"] for r in this_year],
            "total_tco2e": [r["total_tco2e"] for r in this_year],
            "scope": {s: [r[f"{s}_tco2e"] for r in this_year] for s in SCOPES},
            "category": {c: [r[c] for r in this_year] for c in CATEGORIES},
        },
        "products": product_intensities([(p, products) for p, products in product_rows]),
        "facilities": facilities,
    }


def _empty() -> dict[str, Any]:
    return {
        "periods": [],
        "kpis": {"energy_tce": 0.0, "emissions_tco2e": {"total": 0.0, "scope1": 0.0, "scope2": 0.0},
                 "results": 0, "facilities": 0, "warnings": 0,
                 "change": {name: None for name, _ in KPI_FIELDS}, "compared": None},
        "monthly": {"periods": [], "energy_tce": [], "total_tco2e": [], "scope": {s: [] for s in SCOPES},
                    "category": {c: [] for c in CATEGORIES}},
        "products": [],
        "facilities": [],
    }
