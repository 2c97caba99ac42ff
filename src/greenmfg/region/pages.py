"""The regulator dashboard page ``/region``.

Server-rendered from :mod:`greenmfg.region.service`: KPI tiles, the trend by period, charts by
industry and by city, the enterprise table (filters and pagination on the server, sorting of
the shown page in the browser), top emitters and fastest-rising intensities.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from greenmfg.db.session import Database
from greenmfg.i18n import Translator
from greenmfg.orgs.access import NotFound
from greenmfg.region import geo, service
from greenmfg.region.service import EnterpriseFilters, Group, Names, RegionSummary
from greenmfg.web.deps import PagePrincipal, get_database
from greenmfg.web.templating import render, translator_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
#: the sort choices the page offers (the API has more)
PAGE_SORTS = ("-emissions", "-energy", "-emissions_change", "emissions_change", "name")


def _name(names: Names, locale: str) -> str:
    # vocabulary English names are lower case ("iron and steel"); as labels they start with a capital
    return names.zh if locale == "zh-CN" else names.en[:1].upper() + names.en[1:]


def trend_chart(result: RegionSummary, t: Translator) -> dict[str, Any]:
    """Energy (bars) and emissions (line) by period; the previous year's periods paler."""
    periods = [p.period for p in result.by_period]
    previous = str((result.year or 0) - 1)

    def point(value: float, period: str) -> dict[str, Any]:
        item: dict[str, Any] = {"value": round(value, 1)}
        if period.startswith(previous):
            item["itemStyle"] = {"opacity": 0.45}
        return item

    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "right": 0},
        "grid": {"left": 8, "right": 8, "top": 64, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "category", "data": periods},
        "yAxis": [{"type": "value", "name": "tce", "splitNumber": 4},
                  {"type": "value", "name": "tCO₂e", "splitNumber": 4, "splitLine": {"show": False}}],
        "series": [
            {"name": t.gettext("Energy"), "type": "bar", "barMaxWidth": 22,
             "data": [point(p.energy_tce, p.period) for p in result.by_period]},
            {"name": t.gettext("Emissions"), "type": "line", "yAxisIndex": 1, "smooth": True,
             "data": [round(p.emissions_tco2e, 1) for p in result.by_period]},
        ],
    }


def industry_chart(groups: list[Group], locale: str) -> dict[str, Any]:
    """Emissions by industry as a ring, largest first."""
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>{c} tCO₂e ({d}%)"},
        "legend": {"orient": "vertical", "right": 0, "top": "middle", "type": "scroll"},
        "series": [{
            "type": "pie", "radius": ["50%", "76%"], "center": ["32%", "52%"], "avoidLabelOverlap": True,
            "itemStyle": {"borderColor": "#fff", "borderWidth": 2, "borderRadius": 4},
            "label": {"show": False},
            "data": [{"name": _name(g.names, locale), "value": round(g.totals.emissions_tco2e)} for g in groups],
        }],
    }


def city_chart(groups: list[Group], locale: str, t: Translator) -> dict[str, Any]:
    """Emissions by city as horizontal bars, largest on top."""
    ordered = list(reversed(groups[:12]))
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 56, "top": 8, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "value", "name": "tCO₂e", "splitNumber": 3},
        "yAxis": {"type": "category", "data": [_name(g.names, locale) for g in ordered]},
        "series": [{"name": t.gettext("Emissions"), "type": "bar", "barMaxWidth": 18,
                    "itemStyle": {"borderRadius": [0, 4, 4, 0]},
                    "data": [round(g.totals.emissions_tco2e) for g in ordered]}],
    }


@router.get("/region")
def region_page(
        request: Request, principal: PagePrincipal, database: Annotated[Database, Depends(get_database)],
        year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
        industry: Annotated[str | None, Query(max_length=64)] = None,
        city: Annotated[str | None, Query(max_length=64)] = None,
        q: Annotated[str | None, Query(max_length=100)] = None,
        sort: Annotated[str, Query(pattern="^(" + "|".join(PAGE_SORTS) + ")$")] = "-emissions",
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        map_metric: Annotated[str, Query(alias="map", pattern="^(" + "|".join(geo.METRICS) + ")$")] = "emissions",
) -> Response:
    locale = request.state.locale
    t = translator_for(request)
    filters = EnterpriseFilters(industry=industry or None, city=city or None, q=(q or "").strip() or None)
    with database.session() as session:
        # one reader: the summary, table, top emitters and filters share its reads
        reader = service.RegionReader(session, principal)
        result = reader.summary(year=year)
        table = reader.enterprises(year=result.year, filters=filters, sort=sort, page=page, page_size=PAGE_SIZE)
        top = reader.top_emitters(year=result.year, limit=7)
        rising = reader.rising_intensities(year=result.year, limit=8)
        industries, cities = reader.filter_options()
        reach = service.reach(session, principal)
        area_map = _area_map(session, principal, result, map_metric, t)
    # Chinese lists take the enumeration comma and the semicolon of CJK punctuation
    comma, semicolon = ("、", "；") if locale == "zh-CN" else (", ", "; ")
    reach_text = semicolon.join(
        f"{_name(r.organisation, locale)} · {comma.join(_name(a, locale) for a in r.areas)}" for r in reach)
    charts = {
        "trend": trend_chart(result, t),
        "industry": industry_chart(result.by_industry, locale),
        "city": city_chart(result.by_city, locale, t),
    }
    return render(request, "region/dashboard.html", {
        "summary": result, "table": table, "top": top, "rising": rising, "industries": industries,
        "cities": cities, "reach_text": reach_text, "charts": charts, "filters": filters, "sort": sort,
        "sorts": PAGE_SORTS, "filtered": bool(filters.industry or filters.city or filters.q), "area_map": area_map,
    })


def _area_map(session: Any, principal: Any, result: RegionSummary, metric: str, t: Translator) -> dict[str, Any] | None:
    """The map card of the caller's area (:mod:`greenmfg.region.geo`): None without a year or a map."""
    if result.year is None:
        return None
    # an admin's map: the province with the most emissions; a regulator's: its own area
    provinces: dict[str, float] = {}
    for group in result.by_city:
        provinces[group.province or ""] = provinces.get(group.province or "", 0.0) + group.totals.emissions_tco2e
    area = geo.caller_area(principal, max(provinces, key=lambda p: provinces[p]) if provinces else None)
    if area is None:
        return {"area": None}
    figures = geo.city_figures(area, result.by_city, geo.compliance_by_city(session, principal, result.year))
    return {"area": area, "option": geo.map_chart(area, figures, metric, t), "metric": metric,
            "metrics": [(key, t.gettext(label)) for key, (label, _) in geo.METRICS.items()],
            "url": f"/region/map.json?province={area.province}"}


@router.get("/region/map.json")
def region_map(principal: PagePrincipal, database: Annotated[Database, Depends(get_database)],
               province: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None) -> Response:
    """The GeoJSON of the caller's area (regulators: their own; admins: ``province``)."""
    with database.session() as session:
        service.require_regional_access(session, principal)
    area = geo.caller_area(principal, province)
    if area is None:
        raise NotFound("map", province or "")
    return JSONResponse(geo.area_geojson(area), headers={"Cache-Control": "private, max-age=3600"})
