"""Pages: ``/benchmark`` (an enterprise's plants against the benchmark and baseline levels) and
``/region/compliance`` (the regulator's compliance view), each with an xlsx download and a
printable report (HTML, or PDF with ``format=pdf``) through :mod:`greenmfg.reports`.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from greenmfg.benchmarking import ProductBenchmark
from greenmfg.benchmarking.works import PROCESSES
from greenmfg.compliance import service
from greenmfg.compliance.api import XLSX
from greenmfg.compliance.export import compliance_xlsx
from greenmfg.compliance.labels import CLASS_LABELS
from greenmfg.compliance.service import CLASSES, ComplianceView, PlantYear
from greenmfg.db.session import Database
from greenmfg.i18n import Translator
from greenmfg.orgs.access import Principal, default_enterprise, enterprise_filter
from greenmfg.orgs.models import Organisation
from greenmfg.refdata.catalog import load_catalog
from greenmfg.web.deps import PagePrincipal, get_database
from greenmfg.web.downloads import content_response
from greenmfg.web.ids import Id
from greenmfg.web.templating import item_name, render, translator_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
DatabaseDep = Annotated[Database, Depends(get_database)]
Period = Annotated[str | None, Query(max_length=16)]
Edition = Annotated[str | None, Query(max_length=40)]

#: class → (badge tone, chart colour, English label)
CLASS_STYLE = {
    "benchmark": ("success", "#1a9850", CLASS_LABELS["benchmark"]),
    "between": ("warning", "#f0a30a", CLASS_LABELS["between"]),
    "below_baseline": ("danger", "#d73027", CLASS_LABELS["below_baseline"]),
    "not_classified": ("muted", "#9e9e9e", CLASS_LABELS["not_classified"]),
    "no_indicator": ("muted", "#cfcfcf", CLASS_LABELS["no_indicator"]),
}




def _editions() -> list[str]:
    from greenmfg.benchmarking.service import benchmark_editions

    return list(benchmark_editions(load_catalog()))


def _default_enterprise(database: Database, principal: Principal, enterprise: int | None) -> int | None:
    if enterprise is not None:
        return enterprise
    with database.session() as session:  # the first visible enterprise with benchmarked plants
        return default_enterprise(session, principal, having=service.has_benchmark_results())


def _choices(database: Database, principal: Principal) -> list[tuple[int, str]]:
    with database.session() as session:
        return [(i, f"{code or ''} {name}".strip()) for i, code, name in session.execute(
            select(Organisation.id, Organisation.code, Organisation.name)
            .where(enterprise_filter(session, principal)).order_by(Organisation.code).limit(500))]


def _plant_chart(plants: list[PlantYear], t: Translator) -> dict[str, Any]:
    """Indicator value against the benchmark and baseline levels, per plant and indicator."""
    shown = [p for p in plants if p.value is not None]
    labels = [f"{p.facility} · {p.indicator_name_zh if t.locale == 'zh-CN' else p.indicator_name}" for p in shown]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "right": 0},
        "grid": {"left": 8, "right": 8, "top": 40, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0, "rotate": 20 if len(labels) > 4 else 0}},
        "yAxis": {"type": "value", "name": t.gettext("Relative to baseline")},
        "series": [
            {"name": t.gettext("Value"), "type": "bar", "barMaxWidth": 28,
             "data": [{"value": _relative(p.value, p.baseline_level),
                       "itemStyle": {"color": CLASS_STYLE[p.cls][1]}} for p in shown]},
            {"name": t.gettext("Benchmark level"), "type": "line", "symbol": "diamond",
             "data": [_relative(p.benchmark_level, p.baseline_level) for p in shown]},
            {"name": t.gettext("Baseline level"), "type": "line", "symbol": "rect",
             "data": [1.0 if p.baseline_level else None for p in shown]},
        ],
    }


def _relative(value: float | None, baseline: float | None) -> float | None:
    # indicators have different units: the chart shows each value as a multiple of its baseline level
    if value is None or not baseline:
        return None
    return round(value / baseline, 4)


def _works(view: service.BenchmarkView) -> dict[str, Any] | None:
    """The works section: rows (each year's periods, then the year pooled), the results whose
    process ratios are shown (the pooled years, else the periods) and the caveats in words."""
    if not view.works:
        return None
    rows: list[tuple[ProductBenchmark, bool]] = []
    pooled = {y.period: y for y in view.works_years}
    for year in sorted({w.period[:4] for w in view.works}):
        months = [w for w in view.works if w.period[:4] == year]
        if year in pooled and [w.period for w in months] != [year]:
            rows.extend((w, False) for w in months)
            rows.append((pooled[year], True))
        else:
            rows.extend((w, False) for w in months)
    notes = {(f.message, f.message_zh): None for w in [*view.works, *view.works_years] for f in w.warnings
             if not f.code.endswith(".unverified")}
    return {"rows": rows, "derived": [w for w, is_pooled in rows if is_pooled] or view.works,
            "notes": list(notes), "processes": PROCESSES}


def _benchmark_context(request: Request, principal: Principal, database: Database, enterprise: int | None,
                       period: str | None, edition: str | None, *, xlsx: bool = False) -> dict[str, Any]:
    chosen = _default_enterprise(database, principal, enterprise)
    if chosen is None:
        return {"enterprise": None, "plants": [], "view": None, "works": None}
    with database.session() as session:
        org, view = service.enterprise_benchmark(session, principal, chosen, period=period, edition=edition,
                                                 xlsx=xlsx, translator=translator_for(request))
    plants = service.plant_years(view.results)
    return {"enterprise": org, "view": view, "plants": plants, "period": period or "", "edition": edition or "",
            "editions": _editions(), "class_style": CLASS_STYLE, "classes": CLASSES,
            "chart": _plant_chart(plants, translator_for(request)), "works": _works(view),
            "unverified": sorted({ref for p in plants for ref in p.unverified}),
            "unverified_notes": sorted({n[0]: n for p in plants for n in p.unverified_notes}.values())}


@router.get("/benchmark")
def benchmark_page(request: Request, principal: PagePrincipal, database: DatabaseDep,
                   enterprise: Annotated[Id | None, Query(ge=1)] = None, period: Period = None,
                   edition: Edition = None) -> Response:
    context = _benchmark_context(request, principal, database, enterprise, period, edition)
    context["choices"] = [] if principal.is_enterprise and not principal.is_admin else _choices(database, principal)
    context["nav_active"] = "benchmark"
    return render(request, "compliance/benchmark.html", context)


@router.get("/benchmark/export.xlsx")
def benchmark_xlsx(request: Request, principal: PagePrincipal, database: DatabaseDep,
                   enterprise: Annotated[Id | None, Query(ge=1)] = None, period: Period = None,
                   edition: Edition = None) -> Response:
    context = _benchmark_context(request, principal, database, enterprise, period, edition, xlsx=True)
    if context["enterprise"] is None:
        return RedirectResponse("/benchmark", status_code=303)
    org = context["enterprise"]
    return content_response(context["view"].xlsx or b"", f"benchmark-{org.code or org.id}.xlsx", XLSX)


def _report(request: Request, template: str, context: dict[str, Any], fmt: str, filename: str) -> Response:
    from greenmfg.reports import html_to_pdf, report_environment, word_functions

    t = translator_for(request)
    environment = report_environment("greenmfg.compliance")
    environment.globals.update({"_": t.gettext, "t": t, "locale": request.state.locale})
    environment.filters["item_name"] = functools.partial(item_name, zh=request.state.locale == "zh-CN")
    environment.filters.update(word_functions(zh=request.state.locale == "zh-CN"))
    html = environment.get_template(template).render(**context, lang=request.state.locale)
    if fmt == "pdf":
        return content_response(html_to_pdf(html), f"{filename}.pdf", "application/pdf")
    return HTMLResponse(html)


@router.get("/benchmark/report")
def benchmark_report(request: Request, principal: PagePrincipal, database: DatabaseDep,
                     enterprise: Annotated[Id | None, Query(ge=1)] = None, period: Period = None,
                     edition: Edition = None, format: Literal["html", "pdf"] = "html") -> Response:
    context = _benchmark_context(request, principal, database, enterprise, period, edition)
    if context["enterprise"] is None:
        return RedirectResponse("/benchmark", status_code=303)
    org = context["enterprise"]
    return _report(request, "compliance/benchmark_report.html", context, format, f"benchmark-{org.code or org.id}")


def _compliance_charts(view: ComplianceView, t: Translator) -> dict[str, Any]:
    periods = [g.key for g in view.trend]
    shares = []
    for cls in CLASSES[:3]:
        shares.append({"name": t.gettext(CLASS_STYLE[cls][2]), "type": "bar", "stack": "count",
                       "itemStyle": {"color": CLASS_STYLE[cls][1]},
                       "data": [g.counts[cls] for g in view.trend]})
    trend = {
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0, "right": 0},
        "grid": {"left": 8, "right": 8, "top": 40, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "category", "data": periods},
        "yAxis": [{"type": "value", "name": t.gettext("Facility-products")},
                  {"type": "value", "name": "tce", "splitLine": {"show": False}}],
        "series": [*shares, {"name": t.gettext("Savings to baseline"), "type": "line", "yAxisIndex": 1,
                             "data": [round(g.savings_to_baseline_tce, 1) for g in view.trend]}],
    }
    pie = {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"orient": "vertical", "right": 0, "top": "middle"},
        "series": [{"type": "pie", "radius": ["50%", "76%"], "center": ["35%", "52%"], "label": {"show": False},
                    "data": [{"name": t.gettext(CLASS_STYLE[c][2]), "value": view.totals.counts[c],
                              "itemStyle": {"color": CLASS_STYLE[c][1]}} for c in CLASSES]}],
    }
    return {"trend": trend, "classes": pie}


def _compliance_context(request: Request, principal: Principal, database: Database, year: str | None,
                        edition: str | None, industry: str | None) -> dict[str, Any]:
    with database.session() as session:
        view = service.region_compliance(session, principal, year=year, edition=edition, industry=industry or None)
    return {"c": view, "edition": edition or "", "industry": industry or "", "editions": _editions(),
            "class_style": CLASS_STYLE, "classes": CLASSES, "charts": _compliance_charts(view, translator_for(request)),
            "nav_active": "region"}


@router.get("/region/compliance")
def compliance_page(request: Request, principal: PagePrincipal, database: DatabaseDep,
                    year: Annotated[str | None, Query(max_length=8)] = None, edition: Edition = None,
                    industry: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    return render(request, "compliance/region.html",
                  _compliance_context(request, principal, database, year, edition, industry))


@router.get("/region/compliance/export.xlsx")
def compliance_export(request: Request, principal: PagePrincipal, database: DatabaseDep,
                      year: Annotated[str | None, Query(max_length=8)] = None, edition: Edition = None,
                      industry: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    view = _compliance_context(request, principal, database, year, edition, industry)["c"]
    return content_response(compliance_xlsx(view, translator_for(request)), f"compliance-{view.year or 'none'}.xlsx",
                            XLSX)


@router.get("/region/compliance/report")
def compliance_report(request: Request, principal: PagePrincipal, database: DatabaseDep,
                      year: Annotated[str | None, Query(max_length=8)] = None, edition: Edition = None,
                      industry: Annotated[str | None, Query(max_length=64)] = None,
                      format: Literal["html", "pdf"] = "html") -> Response:
    context = _compliance_context(request, principal, database, year, edition, industry)
    return _report(request, "compliance/region_report.html", context, format,
                   f"compliance-{context['c'].year or 'none'}")
