"""The carbon-peak pathway pages (碳达峰路径), computed on request (nothing stored).

``/pathways``
    Opens the caller's page: an enterprise user's own enterprise, a regulator's (or admin's) region.
``/enterprises/{id}/pathways?base=&target=&year=&abate=&scenario=example``
    The enterprise's decomposition of its stored results between two years (waterfall of the LMDI
    effects), the cost curve of its measures and the least-cost portfolio for an abatement target, and
    a scenario run (the example with ``scenario=example``, or a file posted to ``…/pathways/scenario``)
    with its 5–95 % bands and the probability of peaking. Downloads: ``…/pathways/report.pdf`` and
    ``…/pathways/decomposition.xlsx``, ``…/pathways/macc.xlsx`` (the command line's workbooks); a
    scenario's ``.xlsx``/``.pdf`` by the ``format`` of the posted form or ``/pathways/example.{fmt}``.
``/enterprises/{id}/pathways?scenario=data&scenario_year=``
    The scenario written from the enterprise's stored data (:mod:`greenmfg.pathways.stored_scenario`)
    run on the page, with where every value came from; ``…/pathways/scenario.{yaml,xlsx,pdf}?year=``
    downloads the file (to edit and upload again) or the run.
``/pathways/region?province=&city=&base=&target=&scenario=data&scenario_year=``
    A region's industries side by side (regulators of the whole area, admins): the decomposition, and
    with ``scenario=data`` the scenario written from the area's stored data with each industry's
    peak, 2030 and 2035 emissions, intensity change and peak deadline; ``…/region.pdf``,
    ``…/region.xlsx`` (both), ``/pathways/region/scenario.{yaml,xlsx,pdf}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from greenmfg.db.session import Database
from greenmfg.errors import GreenmfgError, ValidationFailed
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.access import Principal, default_enterprise
from greenmfg.pathways import figures, service
from greenmfg.pathways.decomposition import DecompositionResult
from greenmfg.pathways.macc import MaccResult
from greenmfg.pathways.scenarios import PathwayRun
from greenmfg.pathways.stored_scenario import StoredScenario, industry_table, run_stored_scenario
from greenmfg.web.deps import PagePrincipal, get_database
from greenmfg.web.downloads import content_response
from greenmfg.web.ids import Id
from greenmfg.web.templating import render, translator_for
from greenmfg.web.uploads import form_file, read_upload

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DatabaseDep = Annotated[Database, Depends(get_database)]
YEAR = Query(ge=1990, le=2100)
ABATE = Query(ge=0, le=1e12, description="abatement target [tCO2e/yr]")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _zh(t: Translator) -> bool:
    return t.locale == "zh-CN"


def _problem(error: GreenmfgError, t: Translator) -> list[str]:
    """An error as the lines a page shows (each finding located: file, line or row, field)."""
    if isinstance(error, ValidationFailed):
        lines = []
        for issue in error.issues:
            where = " · ".join(str(p) for p in (issue.file, (t.gettext(N_("line or row %(row)s"), row=str(issue.row))
                                                             if issue.row else None), issue.column) if p)
            message = issue.message_zh if _zh(t) else issue.message
            fix = getattr(issue, "fix_zh" if _zh(t) else "fix", "") or ""
            lines.append(f"{where}: {message}" + (f" — {fix}" if fix else "") if where else message)
        return lines
    return [error.message_in(t.locale)]


# ------------------------------------------------------------------------------------------ entry


@router.get("/pathways")
def pathways_entry(principal: PagePrincipal, database: DatabaseDep) -> Response:
    with database.session() as session:
        if principal.is_regulator or principal.is_admin:
            return RedirectResponse("/pathways/region", status_code=303)
        enterprise_id = default_enterprise(session, principal)
    if enterprise_id is None:
        return RedirectResponse("/", status_code=303)
    return RedirectResponse(f"/enterprises/{enterprise_id}/pathways", status_code=303)


# ------------------------------------------------------------------------------------------ views


def _decomposition_view(result: DecompositionResult, t: Translator) -> dict[str, Any]:
    document = result.to_document()
    zh = _zh(t)
    tables = []
    for a in document["aggregates"]:
        tables.append({"name": a["name"], "unit": a["unit"], "base": a["base_value"], "target": a["target_value"],
                       "change": a["change"], "ratio": a["ratio"],
                       "effects": [{"name": e["name_zh"] if zh else e["name_en"], "additive": e["additive"],
                                    "multiplicative": e["multiplicative"], "share": e["share_of_change"]}
                                   for e in a["effects"]]})
    return {"document": document, "tables": tables,
            "chart": figures.waterfall_option(document, "emissions", t),
            "energy_chart": figures.waterfall_option(document, "energy", t),
            "svg": figures.waterfall_svg(document, "emissions", t),
            "warnings": [f["message_zh"] if zh else f["message"] for f in document["findings"]]}


def _macc_view(result: MaccResult, t: Translator) -> dict[str, Any]:
    from greenmfg.refdata.words import in_words

    document = result.to_document()
    zh = _zh(t)
    measures = {m["key"]: m for m in document["measures"]}
    rows = [{"name": m["name_zh"] if zh else m["name_en"], "abatement": m["abatement_tco2e"],
             "mac": m["mac_cny_per_tco2e"], "cost": m["annualised_cost_cny"], "capex": m["capex_cny"],
             "origin": t.gettext(N_("Equipment register")) if m["origin"] == "diagnosis" else
             (t.gettext(N_("Measures library")) if m["origin"] == "library" else t.gettext(N_("Own measure"))),
             "unverified": m["verification_status"] not in ("verified", "user-assumed", None, ""),
             "status": m["verification_status"], "chosen": m["in_portfolio"]}
            for m in [*(measures[step["key"]] for step in document["curve"]),
                      *(measures[k] for k in document["off_curve"] if k in measures)]]
    return {"document": document, "rows": rows, "portfolio": document["portfolio"],
            "chart": figures.macc_option(document, t), "svg": figures.macc_svg(document, t),
            "warnings": [in_words(f["message_zh"] if zh else f["message"], zh=zh) for f in document["findings"]
                         if f["severity"] != "info"]}


def _scenario_view(run: PathwayRun, t: Translator) -> dict[str, Any]:
    from greenmfg.refdata.words import in_words

    document = run.to_document()
    zh = _zh(t)
    rows = []
    for s in document["scenarios"]:
        spread = s.get("uncertainty")
        years = s["years"]
        probability = {}
        if spread:
            for year in (2025, 2030, 2035):
                if year in years:
                    probability[year] = spread["peak_probability"][years.index(year)]
        rows.append({"name": s["name_zh"] if zh else s["name_en"], "peak": s["peak"], "cumulative": s["cumulative_tco2"],
                     "spread": spread, "probability": probability,
                     "targets": [{"label": tc["name_zh"] if zh else tc["name_en"],
                                  "met": tc.get("met"), "probability": tc.get("probability"),
                                  "year": tc.get("year")} for tc in s["targets"]]})
    return {"document": document, "title": document["title_zh"] if zh else document["title_en"], "rows": rows,
            "chart": figures.bands_option(document, t), "probability_chart": figures.peak_probability_option(document, t),
            "svg": figures.bands_svg(document, t), "draws": document["provenance"]["options"].get("draws"),
            "warnings": [in_words(w["message_zh"] if zh else w["message"], zh=zh) for w in document["warnings"]],
            "derivation": _derivation_rows(run, t), "industries": _industry_rows(run, t)}


def _derivation_rows(run: PathwayRun, t: Translator) -> list[dict[str, Any]]:
    """Where each value of a scenario from stored data came from, in the page's language."""
    from greenmfg.refdata.words import in_words, unit_name

    zh = _zh(t)
    names = {x.key: (x.name_zh if zh else x.name_en) for s in run.scenarios[:1] for x in s.sectors}

    def shown(value: Any) -> str:
        if isinstance(value, bool) or value is None:
            return ""
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            if abs(value) >= 100:
                return t.format_decimal(value, 1)
            return t.format_decimal(0.0 if abs(value) < 1e-9 else value, 4)
        return str(value)

    return [{"sector": names.get(d["sector"], d["sector"]) if d["sector"] else t.gettext(N_("All sectors")),
             "what": in_words(d["what_zh"] if zh else d["what"], zh=zh), "value": shown(d["value"]),
             "unit": unit_name(d["unit"], zh=zh), "source": in_words(d["source_zh"] if zh else d["source"], zh=zh),
             "key": d["key"]} for d in run.derivation]


def _industry_rows(run: PathwayRun, t: Translator) -> list[dict[str, Any]]:
    """Each scenario's industries side by side (a run whose sectors name their industry)."""
    from greenmfg.refdata.words import key_name, unit_name

    zh = _zh(t)
    if run.scope == "enterprise" or not any(s.industries for s in run.scenarios):
        return []   # one enterprise: no industries to set side by side (an industry's deadline is not its own)
    return [{**row, "name": key_name(row["industry"], zh=zh), "scenario_name": row["scenario_zh" if zh else "scenario_en"],
             "unit_name": unit_name(row["unit"], zh=zh) if row["unit"] else "",
             "deadline_name": (row["deadline"]["name_zh"] if zh else row["deadline"]["name_en"]) if row["deadline"]
             else ""} for row in industry_table(run)]


# ------------------------------------------------------------------------------------------ enterprise


def _enterprise_context(request: Request, principal: Principal, database: Database, enterprise_id: int,
                        base: int | None, target: int | None, year: int | None, abate: float | None,
                        run: PathwayRun | None = None, scenario_errors: list[str] | None = None,
                        stored: StoredScenario | None = None) -> dict[str, Any]:
    t = translator_for(request)
    with database.session() as session:
        enterprise, years = service.enterprise_years(session, principal, enterprise_id)
        name, code, single = enterprise.name, enterprise.code, principal.enterprise_ids() == [enterprise.id] \
            and not (principal.is_admin or principal.is_regulator or principal.is_evaluator)
    pair = service.pick_years(years, base, target)
    decomposition: dict[str, Any] | None = None
    decomposition_errors: list[str] = []
    if pair is not None:
        try:
            decomposition = _decomposition_view(service.enterprise_decomposition(
                database, principal, enterprise_id, base=pair[0], target=pair[1]), t)
        except GreenmfgError as error:
            decomposition_errors = _problem(error, t)
    macc_year = year if year is not None else (years[-1] if years else dt.date.today().year)
    macc: dict[str, Any] | None = None
    macc_errors: list[str] = []
    try:
        macc = _macc_view(service.enterprise_macc(database, principal, enterprise_id, year=macc_year, target=abate), t)
    except GreenmfgError as error:
        macc_errors = _problem(error, t)
    crumbs: list[tuple[str, str | None]] = [(t.gettext("Dashboard"), "/")]
    if not single:
        crumbs.append((name, f"/enterprises/{enterprise_id}"))
    crumbs.append((t.gettext(N_("Carbon-peak pathways")), None))
    return {"enterprise": {"id": enterprise_id, "name": name, "code": code}, "years": years, "pair": pair,
            "decomposition": decomposition, "decomposition_errors": decomposition_errors, "macc_year": macc_year,
            "abate": abate, "macc": macc, "macc_errors": macc_errors,
            "scenario": None if run is None else _scenario_view(run, t), "scenario_errors": scenario_errors or [],
            "stored": None if stored is None else {"year": stored.base_year, "file": stored.file},
            "crumbs": crumbs, "nav_active": "pathways", "page_draws": service.PAGE_DRAWS,
            "query": request.url.query}


@router.get("/enterprises/{enterprise_id}/pathways")
def enterprise_page(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                    base: Annotated[int | None, YEAR] = None, target: Annotated[int | None, YEAR] = None,
                    year: Annotated[int | None, YEAR] = None, abate: Annotated[float | None, ABATE] = None,
                    scenario: Annotated[Literal["example", "data"] | None, Query()] = None,
                    scenario_year: Annotated[int | None, YEAR] = None) -> Response:
    if scenario == "data":
        with database.session() as session:   # the enterprise first: an outsider learns nothing
            service.enterprise_years(session, principal, enterprise_id)
        try:
            stored = service.enterprise_stored_scenario(database, principal, enterprise_id, year=scenario_year)
            generated = run_stored_scenario(stored)
        except ValidationFailed as error:
            return render(request, "pathways/enterprise.html", _enterprise_context(
                request, principal, database, enterprise_id, base, target, year, abate,
                scenario_errors=_problem(error, translator_for(request))), status_code=422)
        return render(request, "pathways/enterprise.html", _enterprise_context(
            request, principal, database, enterprise_id, base, target, year, abate, generated, stored=stored))
    run = service.example_scenario() if scenario == "example" else None
    return render(request, "pathways/enterprise.html", _enterprise_context(
        request, principal, database, enterprise_id, base, target, year, abate, run))


@router.get("/enterprises/{enterprise_id}/pathways/scenario.{fmt}")
def enterprise_stored_download(enterprise_id: Id, fmt: Literal["yaml", "xlsx", "pdf"], request: Request,
                               principal: PagePrincipal, database: DatabaseDep,
                               year: Annotated[int | None, YEAR] = None) -> Response:
    stored = service.enterprise_stored_scenario(database, principal, enterprise_id, year=year)
    return _stored_download(request, stored, fmt)


def _stored_download(request: Request, stored: StoredScenario, fmt: str) -> Response:
    if fmt == "yaml":
        return content_response(stored.content, stored.file, "application/yaml")
    run = run_stored_scenario(stored)
    if fmt == "xlsx":
        from greenmfg.pathways.scenario_output import workbook_bytes

        t = translator_for(request)
        return content_response(workbook_bytes(run, locale=t.locale), stored.file.replace(".yaml", ".xlsx"), XLSX)
    t = translator_for(request)
    return _pdf(request, "pathways/report.html", {"scenario": _scenario_view(run, t),
                                                  "subject": run.title_zh if _zh(t) else run.title_en},
                stored.file.replace(".yaml", ".pdf"))


@router.post("/enterprises/{enterprise_id}/pathways/scenario")
async def enterprise_scenario(enterprise_id: Id, request: Request, principal: PagePrincipal,
                              database: DatabaseDep) -> Response:
    form = await request.form()
    file = form_file(form.get("file"))
    fmt = str(form.get("format") or "page")
    upload = await read_upload(file, request.app.state.settings, field="file") if file else None
    return await run_in_threadpool(_scenario_answer, request, principal, database, enterprise_id,
                                   upload.filename if upload else "", upload.content if upload else b"", fmt)


def _scenario_answer(request: Request, principal: Principal, database: Database, enterprise_id: int, filename: str,
                     content: bytes, fmt: str) -> Response:
    t = translator_for(request)
    with database.session() as session:   # the enterprise first: an outsider learns nothing from the file's check
        service.enterprise_years(session, principal, enterprise_id)
    if not content:
        errors = [t.gettext(N_("Choose a scenario file (.yaml) to upload."))]
        return render(request, "pathways/enterprise.html", _enterprise_context(
            request, principal, database, enterprise_id, None, None, None, None, scenario_errors=errors),
            status_code=422)
    try:
        run = service.uploaded_scenario(filename or "scenario.yaml", content)
    except GreenmfgError as error:
        return render(request, "pathways/enterprise.html", _enterprise_context(
            request, principal, database, enterprise_id, None, None, None, None,
            scenario_errors=_problem(error, t)), status_code=422)
    if fmt in ("xlsx", "pdf"):
        return _scenario_download(request, run, fmt)
    return render(request, "pathways/enterprise.html", _enterprise_context(
        request, principal, database, enterprise_id, None, None, None, None, run))


def _scenario_download(request: Request, run: PathwayRun, fmt: str) -> Response:
    t = translator_for(request)
    if fmt == "xlsx":
        from greenmfg.pathways.scenario_output import workbook_bytes

        return content_response(workbook_bytes(run, locale=t.locale), "pathway-scenarios.xlsx", XLSX)
    return _pdf(request, "pathways/report.html", {"scenario": _scenario_view(run, t),
                                                  "subject": run.title_zh if _zh(t) else run.title_en},
                "pathway-scenarios.pdf")


@router.get("/pathways/example.{fmt}")
def example_download(fmt: Literal["xlsx", "pdf", "yaml"], request: Request, principal: PagePrincipal) -> Response:
    if fmt == "yaml":
        return content_response(service.example_text(), service.EXAMPLE_NAME, "application/yaml")
    return _scenario_download(request, service.example_scenario(), fmt)


def _pdf(request: Request, template: str, context: dict[str, Any], filename: str) -> Response:
    from greenmfg.reports import html_to_pdf, report_environment, stamp, word_functions

    t = translator_for(request)
    environment = report_environment("greenmfg.pathways")
    environment.globals.update({"_": t.gettext, "t": t, "locale": t.locale})
    environment.filters.update(word_functions(zh=_zh(t)))
    environment.filters["number"] = t.format_number
    html = environment.get_template(template).render(**context, lang=t.locale, stamp=stamp())
    return content_response(html_to_pdf(html), filename, "application/pdf")


@router.get("/enterprises/{enterprise_id}/pathways/report.pdf")
def enterprise_report(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                      base: Annotated[int | None, YEAR] = None, target: Annotated[int | None, YEAR] = None,
                      year: Annotated[int | None, YEAR] = None, abate: Annotated[float | None, ABATE] = None) -> Response:
    context = _enterprise_context(request, principal, database, enterprise_id, base, target, year, abate)
    context["subject"] = context["enterprise"]["name"]
    return _pdf(request, "pathways/report.html", context, f"pathways-{context['enterprise']['code'] or enterprise_id}.pdf")


@router.get("/enterprises/{enterprise_id}/pathways/decomposition.xlsx")
def enterprise_decomposition_xlsx(enterprise_id: Id, request: Request, principal: PagePrincipal,
                                  database: DatabaseDep, base: Annotated[int | None, YEAR] = None,
                                  target: Annotated[int | None, YEAR] = None) -> Response:
    from greenmfg.pathways.decomposition import workbook_bytes

    t = translator_for(request)
    with database.session() as session:
        _enterprise, years = service.enterprise_years(session, principal, enterprise_id)
    pair = service.pick_years(years, base, target)
    if pair is None:
        return RedirectResponse(f"/enterprises/{enterprise_id}/pathways", status_code=303)
    result = service.enterprise_decomposition(database, principal, enterprise_id, base=pair[0], target=pair[1])
    return content_response(workbook_bytes(result, locale=t.locale), f"decomposition-{pair[0]}-{pair[1]}.xlsx", XLSX)


@router.get("/enterprises/{enterprise_id}/pathways/macc.xlsx")
def enterprise_macc_xlsx(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                         year: Annotated[int | None, YEAR] = None,
                         abate: Annotated[float | None, ABATE] = None) -> Response:
    from greenmfg.pathways.macc_output import workbook_bytes

    t = translator_for(request)
    with database.session() as session:
        _enterprise, years = service.enterprise_years(session, principal, enterprise_id)
    chosen = year if year is not None else (years[-1] if years else dt.date.today().year)
    result = service.enterprise_macc(database, principal, enterprise_id, year=chosen, target=abate)
    return content_response(workbook_bytes(result, lang=t.locale), f"macc-{chosen}.xlsx", XLSX)


# ------------------------------------------------------------------------------------------ region


def _area_name(area: service.Area, t: Translator) -> str:
    from greenmfg.refdata.words import place_name

    return place_name(area.province, area.city, zh=_zh(t))


def _region_area(session: Any, principal: Principal, province: str | None, city: str | None
                 ) -> tuple[list[service.Area], str, str | None]:
    """The areas the caller may open and the one asked for (the first when none is; Forbidden when none)."""
    choices = service.area_choices(session, principal)
    if province is None:
        if not choices:
            service.require_area(session, principal, "", None)   # Forbidden: no area to open
        province, city = choices[0].province, choices[0].city
    return choices, province, city


def _region_context(request: Request, principal: Principal, database: Database, province: str | None,
                    city: str | None, base: int | None, target: int | None, *, scenario: bool = False,
                    scenario_year: int | None = None) -> dict[str, Any]:
    from greenmfg.refdata.words import key_name

    t = translator_for(request)
    zh = _zh(t)
    with database.session() as session:
        choices, province, city = _region_area(session, principal, province, city)
        years = service.region_years(session, principal, province, city)
    area = service.Area(province, city or None)
    stored: dict[str, Any] | None = None
    stored_errors: list[str] = []
    if scenario:
        try:
            generated = service.region_stored_scenario(database, principal, province, city, year=scenario_year)
            stored = {"year": generated.base_year, "view": _scenario_view(run_stored_scenario(generated), t)}
        except ValidationFailed as error:
            stored_errors = _problem(error, t)
    pair = service.pick_years(years, base, target)
    view: dict[str, Any] = {"total": None, "industries": [], "problem": []}
    rows: list[dict[str, Any]] = []
    document: dict[str, Any] | None = None
    if pair is not None:
        result = service.region_pathways(database, principal, province, city, base=pair[0], target=pair[1])
        document = result.to_document()
        for item in result.industries:
            name = key_name(item.industry, zh=zh)
            rows.append({"key": item.industry, "name": name,
                         "view": None if item.result is None else _decomposition_view(item.result, t),
                         "problem": [] if item.problem is None else _problem(item.problem, t)})
        view = {"total": None if result.total is None else _decomposition_view(result.total, t), "industries": rows,
                "problem": [] if result.problem is None else _problem(result.problem, t)}
        shown: list[tuple[str, dict[str, Any]]] = [(str(r["name"]), r["view"]["document"]) for r in rows
                                                   if r["view"] is not None]
        view["chart"] = figures.industries_option(shown, t) if shown else None
        view["effects"] = _side_by_side(shown, t)
    return {"area": area, "area_name": _area_name(area, t),
            "choices": [{"value": f"{c.province}/{c.city or ''}", "name": _area_name(c, t),
                         "selected": c == area} for c in choices],
            "years": years, "pair": pair, "view": view, "document": document, "nav_active": "pathways",
            "crumbs": [(t.gettext("Dashboard"), "/"), (t.gettext(N_("Carbon-peak pathways")), None)],
            "subject": _area_name(area, t), "stored": stored, "stored_errors": stored_errors,
            "scenario_year": scenario_year}


def _side_by_side(shown: list[tuple[str, dict[str, Any]]], t: Translator) -> dict[str, Any]:
    """Effects on emissions as rows, industries as columns (and each industry's totals)."""
    names: dict[str, str] = {}
    values: dict[str, dict[str, float]] = {}
    totals = []
    for industry, document in shown:
        emissions = next(a for a in document["aggregates"] if a["name"] == "emissions")
        totals.append({"base": emissions["base_value"], "target": emissions["target_value"],
                       "change": emissions["change"]})
        for e in emissions["effects"]:
            names.setdefault(e["key"], e["name_zh"] if _zh(t) else e["name_en"])
            values.setdefault(e["key"], {})[industry] = e["additive"]
    return {"industries": [n for n, _d in shown], "totals": totals,
            "rows": [{"name": name, "values": [values[k].get(n) for n, _d in shown]} for k, name in names.items()]}


def _area_query(area: str | None) -> tuple[str | None, str | None]:
    if not area:
        return None, None
    province, _, city = area.partition("/")
    return province, city or None


AREA = Query(max_length=80, pattern=r"^\d{6}(/[^/]{0,64})?$")


@router.get("/pathways/region")
def region_page(request: Request, principal: PagePrincipal, database: DatabaseDep,
                area: Annotated[str | None, AREA] = None, base: Annotated[int | None, YEAR] = None,
                target: Annotated[int | None, YEAR] = None,
                scenario: Annotated[Literal["data"] | None, Query()] = None,
                scenario_year: Annotated[int | None, YEAR] = None) -> Response:
    province, city = _area_query(area)
    context = _region_context(request, principal, database, province, city, base, target,
                              scenario=scenario == "data", scenario_year=scenario_year)
    return render(request, "pathways/region.html", context, status_code=422 if context["stored_errors"] else 200)


@router.get("/pathways/region.pdf")
def region_pdf(request: Request, principal: PagePrincipal, database: DatabaseDep,
               area: Annotated[str | None, AREA] = None, base: Annotated[int | None, YEAR] = None,
               target: Annotated[int | None, YEAR] = None) -> Response:
    province, city = _area_query(area)
    context = _region_context(request, principal, database, province, city, base, target)
    return _pdf(request, "pathways/region_report.html", context, f"pathways-{context['area'].province}.pdf")


@router.get("/pathways/region/scenario.{fmt}")
def region_stored_download(fmt: Literal["yaml", "xlsx", "pdf"], request: Request, principal: PagePrincipal,
                           database: DatabaseDep, area: Annotated[str | None, AREA] = None,
                           year: Annotated[int | None, YEAR] = None) -> Response:
    province, city = _area_query(area)
    with database.session() as session:
        _choices, province, city = _region_area(session, principal, province, city)
    return _stored_download(request, service.region_stored_scenario(database, principal, province, city, year=year),
                            fmt)


@router.get("/pathways/region.xlsx")
def region_xlsx(request: Request, principal: PagePrincipal, database: DatabaseDep,
                area: Annotated[str | None, AREA] = None, base: Annotated[int | None, YEAR] = None,
                target: Annotated[int | None, YEAR] = None) -> Response:
    """The area's decomposition (the whole area, each industry's effects) and the scenario written from
    its stored data of the latest year (each industry side by side)."""
    from openpyxl import Workbook

    from greenmfg.pathways.decomposition import write_sheets
    from greenmfg.pathways.region_output import write_industry_effects
    from greenmfg.pathways.scenario_output import write_industries

    t = translator_for(request)
    province, city = _area_query(area)
    with database.session() as session:
        _choices, province, city = _region_area(session, principal, province, city)
        years = service.region_years(session, principal, province, city)
    if not years:
        return RedirectResponse("/pathways/region", status_code=303)
    book = Workbook(write_only=True)
    pair = service.pick_years(years, base, target)
    if pair is not None:
        result = service.region_pathways(database, principal, province, city, base=pair[0], target=pair[1])
        if result.total is not None:
            write_sheets(book, result.total, locale=t.locale)
        write_industry_effects(book, result, locale=t.locale)
    try:
        run = run_stored_scenario(service.region_stored_scenario(database, principal, province, city))
        write_industries(book, run, locale=t.locale)
    except ValidationFailed:
        pass   # no output in the latest year: the decomposition alone
    if not book.worksheets:
        raise GreenmfgError("no results", "没有结果")
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    name = f"pathways-{province}-{pair[0]}-{pair[1]}.xlsx" if pair else f"pathways-{province}-{years[-1]}.xlsx"
    return content_response(buffer.getvalue(), name, XLSX)
