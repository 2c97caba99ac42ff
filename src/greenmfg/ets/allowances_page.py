"""Allowances pages (national carbon market).

``/enterprises/{id}/ets/allowances?year=&ccer_held=&measure=&…``: the enterprise's allocation per
product line, covered emissions so far with the projection and its band (chart: cumulative
emissions against the allowances), the surplus or deficit, the CCER within the limit, the next
dates of the compliance calendar and the what-if form (a GET form: it changes nothing).

``POST /enterprises/{id}/ets/allowances/declarations``: the enterprise's manager declares a line's special
case of the year's rules with its evidence (:func:`greenmfg.ets.allowances.declare_case`), then back to the
page.

``/ets/allowances?year=``: the visible enterprises of the covered sectors with their position (a
regulator's area; an enterprise user's own enterprise).

Everything shown comes from :mod:`greenmfg.ets.allowances`; this module only words and lays it out.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from greenmfg.calc.ets_allowances import MONTHS, cumulative_path
from greenmfg.db.session import Database
from greenmfg.errors import ValidationFailed
from greenmfg.ets import allowances as service
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.access import Principal
from greenmfg.orgs.models import Facility
from greenmfg.refdata.words import in_words, key_name
from greenmfg.web.deps import PagePrincipal, get_database
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import render, translator_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DatabaseDep = Annotated[Database, Depends(get_database)]
YEAR = Query(ge=service.MIN_YEAR, le=service.MAX_YEAR)

#: words of the codes the pages show
METHOD_WORDS = {"verified_emissions": N_("Allowances = verified emissions"),
                "balance_value": N_("Verified emissions × (1 + α), α from the intensity against the balance value"),
                "intensity": N_("Output × intensity value × adjustment factors"),
                "excluded": N_("Outside the year's allocation: no allowances, no obligation")}
PROJECTION_WORDS = {
    "complete": N_("The year is complete: the figures are the year's."),
    "seasonal": N_("Projected with the monthly profile of the previous year; band: 90 % prediction interval "
                   "from the month-to-month variability of the months so far against that profile."),
    "flat": N_("Projected at the run rate of the months so far (no complete previous year); band: 90 % "
               "prediction interval from their month-to-month variability."),
    "none": N_("No month of the year is recorded yet."),
}
MEASURE_WORDS = {"clinker_factor": N_("Lower clinker factor (cement)"),
                 "scrap": N_("More scrap in the converter (steel)"),
                 "anode": N_("Lower net anode consumption (aluminium)")}
FIELD_WORDS = {
    "cement_output_t": (N_("Cement output"), "t"),
    "clinker_factor_before": (N_("Clinker factor now"), "t/t"),
    "clinker_factor_after": (N_("Clinker factor after the measure"), "t/t"),
    "clinker_intensity_tco2_per_t": (N_("Covered emissions per tonne of clinker"), "tCO2/t"),
    "crude_steel_t": (N_("Crude steel output"), "t"),
    "scrap_ratio_before": (N_("Scrap per tonne of crude steel now"), "t/t"),
    "scrap_ratio_after": (N_("Scrap per tonne of crude steel after the measure"), "t/t"),
    "hot_metal_intensity_tco2_per_t": (N_("Covered emissions per tonne of hot metal"), "tCO2/t"),
    "hot_metal_per_scrap": (N_("Hot metal replaced per tonne of scrap (1 when empty)"), "t/t"),
    "aluminium_t": (N_("Aluminium output"), "t"),
    "net_anode_before": (N_("Net anode consumption now"), "t/t"),
    "net_anode_after": (N_("Net anode consumption after the measure"), "t/t"),
    "anode_carbon_content": (N_("Carbon content of the anode"), "tC/t"),
}
MISSING_WORDS = {
    "the line's verified emissions are not known yet": N_("the line's verified emissions are not known yet"),
    "no output of {item} recorded": N_("no output of %(item)s recorded"),
    "the intensity value of {rule} was not found in the published sources":
        N_("the intensity value of %(rule)s was not found in the published sources"),
    "the line's intensity cannot be computed from the stored results":
        N_("the line's intensity cannot be computed from the stored results"),
    "the balance value of {rule} is published after verification: give one to estimate":
        N_("the balance value of %(rule)s is published after verification: give one to estimate"),
}


def _missing(t: Translator, reason: str, item: str, rule: str) -> str:
    if reason in MISSING_WORDS:
        return t.gettext(MISSING_WORDS[reason], item=item, rule=rule)
    name = reason.removeprefix("the adjustment factor ").partition(" of ")[0]
    return t.gettext(N_("the adjustment factor %(name)s of %(rule)s was not found"), name=name, rule=rule)


@router.get("/enterprises/{enterprise_id}/ets/allowances")
def allowances_page(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                    year: Annotated[int | None, YEAR] = None,
                    ccer_held: Annotated[str | None, Query(max_length=40)] = None,
                    balance_value: Annotated[str | None, Query(max_length=40)] = None,
                    measure: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    params = {k: v for k, v in request.query_params.items() if len(v) <= 40}
    return _page(request, principal, database, enterprise_id, year, ccer_held, balance_value, measure, params)


def _page(request: Request, principal: Principal, database: Database, enterprise_id: int, year: int | None,
          ccer_held: str | None, balance_value: str | None, measure: str | None, params: dict[str, str], *,
          declaration_errors: dict[str, list[str]] | None = None, typed_declaration: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    t = translator_for(request)
    errors: dict[str, list[str]] = {}
    effect = None
    status = status_code
    with database.session() as session:
        try:
            view = service.allowances_view(session, principal, enterprise_id, year, ccer_held=ccer_held,
                                           balance_value=balance_value)
        except ValidationFailed as failed:
            for issue in failed.issues:
                errors.setdefault(issue.column, []).append(issue.message_zh if t.locale == "zh-CN" else issue.message)
            view = service.allowances_view(session, principal, enterprise_id, year)
            status = 422
        if measure:
            try:
                effect = service.what_if(view, measure, params)
            except ValidationFailed as failed:
                for issue in failed.issues:
                    errors.setdefault(issue.column, []).append(
                        issue.message_zh if t.locale == "zh-CN" else issue.message)
                status = 422
        panel = _panel(view, t)
        declared = service.declarations(session, principal, enterprise_id, view.year)
        facility_codes = list(session.execute(select(Facility.code).where(
            Facility.enterprise_id == enterprise_id).order_by(Facility.code)).scalars())
        single = not (principal.is_admin or principal.is_regulator or principal.is_evaluator) \
            and principal.enterprise_ids() == [enterprise_id]
    crumbs: list[tuple[str, str | None]] = [(t.gettext("Dashboard"), "/")]
    if not single:
        crumbs.append((t.gettext("Carbon allowances"), f"/ets/allowances?year={view.year}"))
        crumbs.append((view.enterprise.name, f"/enterprises/{enterprise_id}"))
    crumbs.append((t.gettext("Carbon allowances"), None))
    base = f"/enterprises/{enterprise_id}/ets/allowances"
    chosen_measure = measure if measure in service.MEASURE_FIELDS else _default_measure(view.sector)
    return render(request, "ets/allowances.html", {
        "view": view, "panel": panel, "crumbs": crumbs, "errors": errors, "effect": effect,
        "typed": params, "measure": chosen_measure, "base": base,
        "measures": [(key, t.gettext(MEASURE_WORDS[key])) for key in service.MEASURE_FIELDS],
        "fields": {key: [(name, t.gettext(FIELD_WORDS[name][0]), FIELD_WORDS[name][1])
                         for name, _ in fields] for key, fields in service.MEASURE_FIELDS.items()},
        "year_links": [{"year": y, "href": f"{base}?year={y}", "active": y == view.year}
                       for y in sorted({view.year - 1, view.year, view.year + 1})],
        "declarations": _declarations(view, declared, t), "facility_codes": facility_codes,
        "cases": [(r.rule.case, r.name_zh if t.locale == "zh-CN" else r.name_en)
                  for r in service.special_cases(view.year, view.sector)],
        "declaration_errors": declaration_errors or {}, "typed_declaration": typed_declaration or {},
    }, status_code=status)


def _declarations(view: service.AllowancesView, declared: list[service.Declaration], t: Translator) -> list[dict[str, Any]]:
    zh = t.locale == "zh-CN"
    return [{"facility": d.facility, "case": (d.record.name_zh if zh else d.record.name_en) if d.record else d.case,
             "method": t.gettext(METHOD_WORDS.get(d.record.rule.method, d.record.rule.method)) if d.record else "",
             "evidence": d.evidence, "declared_at": d.declared_at} for d in declared]


def _declare(request: Request, principal: Principal, database: Database, enterprise_id: int,
             form: dict[str, str]) -> Response:
    year_text = form.get("year", "")
    try:
        with database.session() as session:
            service.declare_case(session, principal, enterprise_id, form.get("facility"),
                                 int(year_text) if year_text.isdigit() else year_text, form)
    except ValidationFailed as failed:
        t = translator_for(request)
        errors: dict[str, list[str]] = {}
        for issue in failed.issues:
            errors.setdefault(issue.column, []).append(issue.message_zh if t.locale == "zh-CN" else issue.message)
        year = int(year_text) if year_text.isdigit() and service.MIN_YEAR <= int(year_text) <= service.MAX_YEAR else None
        return _page(request, principal, database, enterprise_id, year, None, None, None, {},
                     declaration_errors=errors, typed_declaration=form, status_code=422)
    response = RedirectResponse(f"/enterprises/{enterprise_id}/ets/allowances?year={year_text}", status_code=303)
    flash(response, "success", N_("The line's case was saved."))
    return response


@router.post("/enterprises/{enterprise_id}/ets/allowances/declarations")
async def declare(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    form = {k: v[:600] for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}
    return await run_in_threadpool(_declare, request, principal, database, enterprise_id, form)


def _default_measure(sector: str | None) -> str:
    for key, measure_sector in service.MEASURES.items():
        if measure_sector == sector:
            return key
    return "clinker_factor"


def _panel(view: service.AllowancesView, t: Translator) -> dict[str, Any]:
    """What the page shows, in words (no formula: the numbers come from the service)."""
    zh = t.locale == "zh-CN"
    rule_names = {r.rule.key: (r.name_zh if zh else r.name_en) for r in view.rules}
    lines = []
    for line in view.lines:
        rule = line.record.rule
        reasons = [_missing(t, reason, key_name(rule.output_item, zh=zh), rule_names.get(rule.key, rule.key))
                   for reason in line.year_end.missing]
        lines.append({"facility": line.facility, "rule": rule_names.get(rule.key, rule.key),
                      "method": t.gettext(METHOD_WORDS.get(rule.method, rule.method)), "item": rule.output_item,
                      "output_to_date": line.output_to_date, "output_projected": line.output_projected,
                      "intensity": rule.intensity, "so_far": line.so_far.allowances,
                      "year_end": line.year_end.allowances, "derivation": line.year_end.derivation,
                      "reasons": reasons, "status": rule.verification_status})
    p = view.projection
    chart = _chart(view, t)
    months = [{"period": f"{view.year}-{m:02d}", "covered": value, "filed": m in view.filed,
               "state": (t.gettext("Filed (version %(version)s)", version=str(view.filed[m])) if m in view.filed
                         else t.gettext("Not yet filed"))} for m, value in view.monthly.items()]
    return {"lines": lines, "months": months, "projection_words": t.gettext(PROJECTION_WORDS[p.method]), "chart": chart,
            "rules": [{"name": rule_names[r.rule.key], "method": t.gettext(METHOD_WORDS.get(r.rule.method, r.rule.method)),
                       "rule": r.rule_zh if zh else r.rule_en, "intensity": r.rule.intensity,
                       "status": r.rule.verification_status, "source": r.rule.source}
                      for r in view.rules],
            "warnings": [in_words(w.message_zh if zh else w.message, zh=zh) for w in view.warnings]}


def _chart(view: service.AllowancesView, t: Translator) -> dict[str, Any]:
    """ECharts option: cumulative covered emissions recorded and projected with the band
    (:func:`greenmfg.calc.ets_allowances.cumulative_path`) against the year-end allowances."""
    labels = [t.gettext(N_("Month %(month)s"), month=str(m)) for m in range(1, MONTHS + 1)]
    path = cumulative_path(view.monthly, view.projection)
    recorded = [None if point.recorded is None else round(point.recorded, 3) for point in path]
    projected = [None if point.projected is None else round(point.projected, 3) for point in path]
    low = [None if point.low is None else round(point.low, 3) for point in path]
    spread = [None if point.low is None or point.high is None else round(point.high - point.low, 3)
              for point in path]
    series: list[dict[str, Any]] = [
        {"name": t.gettext("Emissions recorded"), "type": "line", "data": recorded, "symbol": "circle"},
        {"name": t.gettext("Emissions projected"), "type": "line", "data": projected, "lineStyle": {"type": "dashed"},
         "symbol": "none"},
        {"name": t.gettext("Band (lower)"), "type": "line", "data": low, "stack": "band", "symbol": "none",
         "lineStyle": {"opacity": 0}, "tooltip": {"show": False}},
        {"name": t.gettext("Band (90 %)"), "type": "line", "data": spread, "stack": "band", "symbol": "none",
         "lineStyle": {"opacity": 0}, "areaStyle": {"opacity": 0.2}},
    ]
    allowances = view.allocation_year_end.total
    if allowances is not None:
        series.append({"name": t.gettext("Allowances (year end)"), "type": "line",
                       "data": [round(allowances, 3)] * MONTHS, "symbol": "none", "lineStyle": {"type": "dotted"}})
    return {"tooltip": {"trigger": "axis"}, "legend": {"type": "scroll", "bottom": 0},
            "grid": {"left": 8, "right": 8, "top": 24, "bottom": 40, "containLabel": True},
            "xAxis": {"type": "category", "data": labels},
            "yAxis": {"type": "value", "name": "tCO2e"}, "series": series}


@router.get("/ets/allowances")
def allowances_list(request: Request, principal: PagePrincipal, database: DatabaseDep,
                    year: Annotated[int | None, YEAR] = None) -> Response:
    t = translator_for(request)
    chosen = year if year is not None else dt.date.today().year
    with database.session() as session:
        rows = service.region_rows(session, principal, chosen)
        items = [{"id": r.enterprise.id, "name": r.enterprise.name, "code": r.enterprise.code,
                  "sector": r.view.sector, "months": len(r.view.projection.months),
                  "to_date": r.view.projection.to_date, "projected": r.view.projection.projected,
                  "low": r.view.projection.low, "high": r.view.projection.high,
                  "allowances": r.view.allocation_year_end.total, "balance": r.view.position.balance,
                  "balance_low": r.view.position.balance_low, "balance_high": r.view.position.balance_high,
                  "warnings": len(r.view.warnings)} for r in rows]
    return render(request, "ets/allowances_list.html", {
        "items": items, "year": chosen, "crumbs": [(t.gettext("Dashboard"), "/"), (t.gettext("Carbon allowances"), None)],
        "year_links": [{"year": y, "href": f"/ets/allowances?year={y}", "active": y == chosen}
                       for y in sorted({chosen - 2, chosen - 1, chosen})],
    })

