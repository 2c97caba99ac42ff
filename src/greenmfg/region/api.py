"""Regional API for regulators and admins: ``/api/v1/region/...``.

Every answer covers only the enterprises the caller may see; other callers get 403. Figures
are in tce and tCO2e; changes are fractions (``0.05`` = 5 % higher) against the previous year
over the same periods; names come in both languages (``{"zh", "en"}``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from greenmfg.db.session import Database
from greenmfg.region import service
from greenmfg.region.service import (
    EnterpriseFilters,
    EnterpriseRow,
    Group,
    Names,
    PeriodFigures,
    ProductIntensity,
    RisingIntensity,
    Totals,
)
from greenmfg.web.deps import CurrentPrincipal, get_database
from greenmfg.web.errors import ApiError

__all__ = ["enterprise_json", "router"]

router = APIRouter(prefix="/api/v1/region", tags=["region"])

Year = Annotated[int | None, Query(ge=1990, le=2100, description="calendar year; default: the latest with data")]
SORT_PATTERN = "^-?(" + "|".join(service.ENTERPRISE_SORTS) + ")$"


def _names(names: Names) -> dict[str, str]:
    return {"zh": names.zh, "en": names.en}


def _totals(totals: Totals) -> dict[str, Any]:
    return {"energy_tce": totals.energy_tce,
            "emissions_tco2e": {"total": totals.emissions_tco2e, "scope1": totals.scope1_tco2e,
                                "scope2": totals.scope2_tco2e},
            "enterprises_reporting": totals.enterprises}


def _period(figures: PeriodFigures) -> dict[str, Any]:
    return {"period": figures.period, "energy_tce": figures.energy_tce, "emissions_tco2e": figures.emissions_tco2e,
            "enterprises_reporting": figures.enterprises}


def _group(group: Group, key_name: str) -> dict[str, Any]:
    out: dict[str, Any] = {key_name: group.key, "name": _names(group.names)}
    if key_name == "city":
        out["province"] = group.province
    out.update(_totals(group.totals))
    out["previous"] = {"energy_tce": group.previous_energy_tce, "emissions_tco2e": group.previous_emissions_tco2e}
    out["change"] = {"energy": group.energy_change, "emissions": group.emissions_change}
    return out


def _product(product: ProductIntensity | None) -> dict[str, Any] | None:
    if product is None:
        return None
    return {"product": product.product, "name": _names(product.names), "quantity": product.quantity,
            "unit": product.unit, "energy_intensity": product.energy_intensity,
            "energy_intensity_unit": product.energy_intensity_unit,
            "emission_intensity": product.emission_intensity,
            "emission_intensity_unit": product.emission_intensity_unit}


def enterprise_json(row: EnterpriseRow) -> dict[str, Any]:
    """One enterprise of the regional table as JSON."""
    return {
        "id": row.id, "code": row.code, "name": row.name, "name_en": row.name_en,
        "industry": row.industry, "industry_name": _names(row.industry_names),
        "province": row.province, "city": row.city, "city_name": _names(row.city_names),
        "reporting": row.reporting, "periods": row.periods, "energy_tce": row.energy_tce,
        "emissions_tco2e": {"total": row.emissions_tco2e, "scope1": row.scope1_tco2e, "scope2": row.scope2_tco2e},
        "previous": {"energy_tce": row.previous_energy_tce, "emissions_tco2e": row.previous_emissions_tco2e},
        "change": {"energy": row.energy_change, "emissions": row.emissions_change},
        "emissions_share": row.emissions_share,
        "main_product": _product(row.main_product),
    }


def _rising(item: RisingIntensity) -> dict[str, Any]:
    return {
        "enterprise_id": item.enterprise_id, "enterprise_code": item.enterprise_code,
        "enterprise_name": item.enterprise_name, "industry": item.industry,
        "industry_name": _names(item.industry_names), "city": item.city, "city_name": _names(item.city_names),
        "product": item.product, "product_name": _names(item.product_names), "metric": item.metric,
        "unit": item.unit, "current": item.current, "previous": item.previous, "change": item.change,
        "energy_intensity": {"current": item.energy_intensity, "previous": item.previous_energy_intensity},
        "emission_intensity": {"current": item.emission_intensity, "previous": item.previous_emission_intensity},
    }


@router.get("/summary", summary="Totals of the caller's region, trends by period, industry and city")
def region_summary(principal: CurrentPrincipal, database: Annotated[Database, Depends(get_database)],
                   year: Year = None) -> dict[str, Any]:
    """``totals`` of the year (``energy_tce``, ``emissions_tco2e`` with scope split,
    ``enterprises_reporting``), ``previous`` (the previous year over the same periods) and
    ``change``; ``by_period`` (the year and the one before), ``by_year``, ``by_industry``,
    ``by_city``."""
    with database.session() as session:
        result = service.summary(session, principal, year=year)
        return {
            "year": result.year, "years": result.years, "enterprises_visible": result.enterprises_visible,
            "totals": _totals(result.totals),
            "previous": _totals(result.previous) if result.previous is not None else None,
            "change": {"energy": result.energy_change, "emissions": result.emissions_change},
            "by_period": [_period(p) for p in result.by_period],
            "by_year": [_period(p) for p in result.by_year],
            "by_industry": [_group(g, "industry") for g in result.by_industry],
            "by_city": [_group(g, "city") for g in result.by_city],
        }


@router.get("/enterprises", summary="The caller's enterprises with their figures (paginated)")
def region_enterprises(
        principal: CurrentPrincipal, database: Annotated[Database, Depends(get_database)], year: Year = None,
        industry: Annotated[str | None, Query(max_length=64, description="industry key, e.g. steel")] = None,
        city: Annotated[str | None, Query(max_length=64, description="city as stored, e.g. 唐山")] = None,
        q: Annotated[str | None, Query(max_length=100, description="name or code contains")] = None,
        reporting: Annotated[bool | None, Query(description="only with (true) or without (false) results")] = None,
        sort: Annotated[str, Query(pattern=SORT_PATTERN, description="a leading - sorts descending")] = "-emissions",
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    """``{"year", "items", "total", "page", "page_size"}``; enterprises without results in the year
    are listed with null figures (``reporting`` false) and sort last."""
    with database.session() as session:
        result = service.enterprises(session, principal, year=year, sort=sort, page=page, page_size=page_size,
                                     filters=EnterpriseFilters(industry=industry or None, city=city or None,
                                                               q=q or None, reporting=reporting))
        return {"year": result.year, "items": [enterprise_json(r) for r in result.items], "total": result.total,
                "page": result.page, "page_size": result.page_size}


@router.get("/top-emitters", summary="The enterprises with the highest emissions and their share")
def region_top_emitters(principal: CurrentPrincipal, database: Annotated[Database, Depends(get_database)],
                        year: Year = None, limit: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, Any]:
    with database.session() as session:
        result = service.top_emitters(session, principal, year=year, limit=limit)
        return {"year": result.year, "total_emissions_tco2e": result.total_emissions_tco2e,
                "items": [enterprise_json(r) for r in result.items]}


@router.get("/rising-intensities", summary="Product intensities that rose fastest")
def region_rising_intensities(
        principal: CurrentPrincipal, database: Annotated[Database, Depends(get_database)], year: Year = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        metric: Annotated[str, Query(pattern="^(energy|emission)$")] = "energy") -> dict[str, Any]:
    """``basis`` is ``year_over_year`` (the year against the one before) or ``latest_3_months``
    (only monthly data: the latest three months against the same months a year earlier);
    ``current_periods``/``previous_periods`` list what was compared, ``note``/``note_zh`` say it."""
    with database.session() as session:
        try:
            result = service.rising_intensities(session, principal, year=year, limit=limit, metric=metric)
        except ValueError as error:
            raise ApiError(422, str(error), "参数无效") from error
        return {"year": result.year, "basis": result.basis, "current_periods": result.current_periods,
                "previous_periods": result.previous_periods, "metric": result.metric, "note": result.note,
                "note_zh": result.note_zh, "items": [_rising(i) for i in result.items]}
