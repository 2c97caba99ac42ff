"""Enterprise pages: the dashboard, imports (upload, preview, commit) and results with derivations.

Every page applies the access policy of the API (:mod:`greenmfg.orgs.access` through
:mod:`greenmfg.accounting.queries`): an enterprise the user may not see, or an import or result
of one, is a 404 page exactly like an id that does not exist. Changing data (upload, commit,
discard) needs the manager role (:meth:`~greenmfg.orgs.access.Principal.can_manage`) and the
session's CSRF token, which :data:`~greenmfg.web.deps.PagePrincipal` checks on every POST.

Routes
------
``/``, ``/imports``, ``/results``
    An enterprise user's own enterprise; anybody else picks one of the enterprises they may see.
``/enterprises/{id}`` (``?year=``)
    The dashboard: key figures, monthly charts, product intensities, facilities.
``/enterprises/{id}/imports`` (``?view=history|versions``), POST to upload
    The upload form, the import history and the data versions per facility-period.
``/imports/template`` (``?format=xlsx|csv``)
    The blank activity template in the page's language.
``/imports/{id}``, POST ``/imports/{id}/commit`` and ``/imports/{id}/discard``
    The preview of an upload: every located error, or what a commit will store.
``/enterprises/{id}/results`` (``?period=&facility=``), ``/results/{id}``
    Current results, and one result's derivation, warnings, provenance and version history.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from greenmfg.accounting import queries, store
from greenmfg.accounting.charts import (
    category_chart,
    intensity_chart,
    period_label,
    product_name,
    scope_chart,
    sentence_case,
)
from greenmfg.accounting.commits import commit_batch
from greenmfg.accounting.dashboard import available_years, enterprise_dashboard
from greenmfg.accounting.energyflow import energy_flow, energy_flow_chart
from greenmfg.accounting.labels import (
    CATEGORY_LABELS,
    FLOW_LABELS,
    IMPORT_STATUS,
    OPTION_LABELS,
    OPTION_VALUE_LABELS,
    PARAMETER_LABELS,
    VERIFICATION,
    label,
    labels,
)
from greenmfg.accounting.models import FacilityResult, ImportBatch, ImportStatus
from greenmfg.accounting.template import write_template
from greenmfg.accounting.template_spec import LABELS_EN, header_zh
from greenmfg.calc.accounting import CATEGORIES
from greenmfg.db.session import Database
from greenmfg.ets.filings import MonthLocked
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.access import Principal, enterprise_filter, get_enterprise
from greenmfg.orgs.models import Organisation
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.settings import Settings
from greenmfg.targets.panel import panel as targets_panel
from greenmfg.targets.service import year_targets
from greenmfg.web.deps import PagePrincipal, get_database, get_settings
from greenmfg.web.downloads import content_response
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import item_name, render, translator_for, vocabulary_name
from greenmfg.web.uploads import read_upload

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
YEAR = Query(ge=1990, le=2100)
PERIOD = r"^\d{4}(-\d{2})?$"
PAGE_SIZE = 25
PICKER_PAGE_SIZE = 50

#: where each section lives under /enterprises/{id}, and its nav key
SECTIONS = {"dashboard": "", "imports": "/imports", "results": "/results"}


# --------------------------------------------------------------------------------- helpers


def _own_enterprise(principal: Principal) -> int | None:
    """The one enterprise an enterprise-only user works for; None when the user picks."""
    if principal.is_admin or principal.is_regulator or principal.is_evaluator:
        return None
    ids = principal.enterprise_ids()
    return ids[0] if len(ids) == 1 else None


def _industry(key: str | None, translator: Translator) -> str:
    return vocabulary_name(load_vocabulary().industries, key, translator, english=sentence_case)


def _item_name(key: str, translator: Translator) -> str:
    return item_name(key, zh=translator.locale == "zh-CN")


def _enterprise_view(enterprise: Organisation, principal: Principal, translator: Translator) -> dict[str, Any]:
    return {"id": enterprise.id, "name": enterprise.name, "name_en": enterprise.name_en, "code": enterprise.code,
            "industry": _industry(enterprise.industry, translator), "city": enterprise.city,
            "can_manage": principal.can_manage(enterprise.id),
            "single": _own_enterprise(principal) == enterprise.id}


def _warning_cell(count: int, translator: Translator) -> dict[str, Any]:
    """A table cell: the number of warnings as a badge (a green "none" when there are none)."""
    if count:
        return {"status": "warning", "text": translator.format_number(count), "sort": count}
    return {"status": "verified", "text": translator.gettext("None"), "sort": 0}


def _crumbs(translator: Translator, enterprise: dict[str, Any] | None, *rest: tuple[str, str | None]
            ) -> list[tuple[str, str | None]]:
    """Breadcrumb: Dashboard › (enterprise, for users who pick one) › rest."""
    items: list[tuple[str, str | None]] = [(translator.gettext("Dashboard"), "/")]
    if enterprise is not None and not enterprise["single"]:
        items.append((enterprise["name"], f"/enterprises/{enterprise['id']}"))
    return [*items, *rest]


# ---------------------------------------------------------------------------- enterprise picker


def _picker(request: Request, principal: Principal, database: Database, section: str, q: str | None,
            page: int) -> Response:
    translator = translator_for(request)
    with database.session() as session:
        where = [enterprise_filter(session, principal)]
        if q:
            like = f"%{q.strip()}%"
            where.append(or_(Organisation.name.like(like), Organisation.code.like(like)))
        total = session.scalar(select(func.count()).select_from(Organisation).where(*where)) or 0
        orgs = session.execute(select(Organisation).where(*where).order_by(Organisation.code)
                               .offset((page - 1) * PICKER_PAGE_SIZE).limit(PICKER_PAGE_SIZE)).scalars().all()
        stats = {row.enterprise_id: row for row in session.execute(
            select(FacilityResult.enterprise_id, func.count(func.distinct(FacilityResult.facility_id)).label("facilities"),
                   func.count().label("results"), func.max(FacilityResult.period).label("latest"))
            .where(FacilityResult.enterprise_id.in_([o.id for o in orgs]), FacilityResult.current.is_(True))
            .group_by(FacilityResult.enterprise_id))}
    suffix = SECTIONS[section]
    rows = []
    for org in orgs:
        found = stats.get(org.id)
        rows.append({
            "name": {"text": org.name, "href": f"/enterprises/{org.id}{suffix}"},
            "code": org.code, "industry": _industry(org.industry, translator), "city": org.city or "—",
            "facilities": found.facilities if found else 0, "results": found.results if found else 0,
            "latest": found.latest if found else None,
        })
    titles = {"dashboard": N_("Enterprises"), "imports": N_("Imports"), "results": N_("Results")}
    return render(request, "accounting/picker.html", {
        "rows": rows, "total": total, "page": page, "page_size": PICKER_PAGE_SIZE, "q": q or "",
        "section_title": translator.gettext(titles[section]), "nav_active": section,
    })


# ------------------------------------------------------------------------------------ dashboard


@router.get("/")
def home(request: Request, principal: PagePrincipal, database: DatabaseDep,
         year: Annotated[int | None, YEAR] = None, q: Annotated[str | None, Query(max_length=100)] = None,
         page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    own = _own_enterprise(principal)
    if own is not None:
        return _dashboard(request, principal, database, own, year)
    return _picker(request, principal, database, "dashboard", q, page)


@router.get("/enterprises/{enterprise_id}")
def enterprise_page(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                    year: Annotated[int | None, YEAR] = None) -> Response:
    return _dashboard(request, principal, database, enterprise_id, year)


def _dashboard(request: Request, principal: Principal, database: Database, enterprise_id: int,
               year: int | None) -> Response:
    translator = translator_for(request)
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id)
        data = enterprise_dashboard(session, enterprise, year=year)
        view = _enterprise_view(enterprise, principal, translator)
        # the year's targets tracked, and its energy flow (issue #15 item 8)
        targets = targets_panel(year_targets(session, principal, enterprise.id, data["year"], dashboard=data),
                                translator) if data["year"] else None
        flow = energy_flow(session, enterprise.id, data["year"]) if data["year"] else None
    categories = labels(CATEGORY_LABELS, translator)
    products = data["products"]
    base = "/" if view["single"] else f"/enterprises/{enterprise_id}"
    facilities = [{
        "code": {"text": f["code"], "href": f"/enterprises/{enterprise_id}/results?period={data['year']}&facility={f['code']}"},
        "name": f["name"] or "—", "results": f["results"],
        "latest": period_label(f["latest_period"], translator, with_year=True) if f["latest_period"] else None,
        "energy": f["energy_tce"], "total": f["emissions_tco2e"]["total"],
        "scope1": f["emissions_tco2e"]["scope1"], "scope2": f["emissions_tco2e"]["scope2"],
        "warnings": _warning_cell(f["warnings"], translator),
    } for f in data["facilities"]]
    compared = data["kpis"]["compared"]
    return render(request, "accounting/dashboard.html", {
        "enterprise": view, "data": data, "nav_active": "dashboard",
        "year_links": [{"year": y, "href": f"{base}?year={y}", "active": y == data["year"]} for y in data["years"]],
        "compared_label": (translator.gettext("vs %(year)s, same %(months)s periods", year=compared["year"],
                                              months=len(compared["periods"])) if compared else None),
        "scope_option": scope_chart(data["monthly"], translator),
        "category_option": category_chart(data["monthly"], translator, categories),
        "energy_intensity_option": intensity_chart(products, translator, field="energy_intensity", digits=1)
        if products else None,
        "emission_intensity_option": intensity_chart(products, translator, field="emission_intensity", digits=4)
        if products else None,
        "product_names": ", ".join(product_name(p, translator) for p in products),
        "facilities": facilities,
        "crumbs": _crumbs(translator, view) if not view["single"] else None,
        "targets": targets, "flow": flow,
        "flow_option": energy_flow_chart(flow, translator) if flow is not None and flow.links else None,
    })


# -------------------------------------------------------------------------------------- imports


@router.get("/imports")
def imports_home(request: Request, principal: PagePrincipal, database: DatabaseDep, settings: SettingsDep,
                 q: Annotated[str | None, Query(max_length=100)] = None,
                 page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    own = _own_enterprise(principal)
    if own is not None:
        return _imports(request, principal, database, settings, own, page=page, view="history")
    return _picker(request, principal, database, "imports", q, page)


@router.get("/imports/template")
def template_download(request: Request, principal: PagePrincipal,
                      format: Literal["xlsx", "csv"] = "xlsx") -> Response:
    """The blank activity template (what ``greenmfg template`` writes) in the page's language."""
    lang: Literal["zh", "en"] = "zh" if request.state.locale == "zh-CN" else "en"
    with tempfile.TemporaryDirectory(prefix="greenmfg-template-") as folder:
        path = Path(folder) / f"greenmfg-template-{lang}.{format}"
        write_template(path, lang=lang)
        content = path.read_bytes()
    media = ("text/csv; charset=utf-8" if format == "csv"
             else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return content_response(content, path.name, media)


@router.get("/enterprises/{enterprise_id}/imports")
def imports_page(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                 settings: SettingsDep, page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                 view: Literal["history", "versions"] = "history") -> Response:
    return _imports(request, principal, database, settings, enterprise_id, page=page, view=view)


def _user_time(name: str | None, when: Any) -> dict[str, Any]:
    return {"name": name or "—", "when": when}


def _imports(request: Request, principal: Principal, database: Database, settings: Settings, enterprise_id: int,
             *, page: int, view: str, upload_error: str | None = None, status_code: int = 200) -> Response:
    translator = translator_for(request)
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id)
        enterprise_view = _enterprise_view(enterprise, principal, translator)
        batches: list[dict[str, Any]] = []
        versions: list[dict[str, Any]] = []
        if view == "versions":
            rows, total = queries.version_page(session, enterprise_id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
            versions = [{
                "facility": r.facility_code, "period": r.version.period, "version": r.version.version,
                "current": r.version.current, "import_id": r.version.import_id, "created_by": r.created_by or "—",
                "created_at": r.version.created_at, "result_id": r.result_id, "energy": r.energy_tce,
                "total": r.total_tco2e,
            } for r in rows]
        else:
            found, total = queries.import_page(session, enterprise_id, offset=(page - 1) * PAGE_SIZE,
                                               limit=PAGE_SIZE)
            names = queries.usernames(session, {b.created_by for b in found} | {b.committed_by for b in found})
            batches = [_batch_view(b, names, translator) for b in found]
    return render(request, "accounting/imports.html", {
        "enterprise": enterprise_view, "view": view, "batches": batches, "versions": versions,
        "total": total, "page": page, "page_size": PAGE_SIZE, "upload_error": upload_error,
        "max_upload_mb": settings.max_upload_bytes / 1024 / 1024, "nav_active": "imports",
        "crumbs": _crumbs(translator, enterprise_view, (translator.gettext("Imports"), None)),
        "base_url": f"/enterprises/{enterprise_id}/imports",
    }, status_code=status_code)


def _batch_view(batch: ImportBatch, names: dict[int, str], translator: Translator) -> dict[str, Any]:
    badge, text = IMPORT_STATUS.get(batch.status, ("info", batch.status))
    periods = batch.summary.get("periods", [])
    return {
        "id": batch.id, "filename": batch.filename, "status": batch.status, "badge": badge,
        "status_label": translator.gettext(text), "rows": batch.row_count, "issues": batch.issue_count,
        "periods": (periods[0] if len(periods) == 1 else f"{periods[0]} – {periods[-1]}") if periods else "—",
        "facilities": batch.summary.get("facilities", []),
        "created": _user_time(names.get(batch.created_by or -1), batch.created_at),
        "committed": _user_time(names.get(batch.committed_by or -1), batch.committed_at),
        "size_kb": batch.size_bytes / 1024, "sha256": batch.sha256,
        "edit": batch.summary.get("edit"),  # a month corrected in the browser: its reason (accounting/editing.py)
    }


@router.post("/enterprises/{enterprise_id}/imports")
async def upload(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                 settings: SettingsDep, file: UploadFile | None = None) -> Response:
    translator = translator_for(request)
    if file is None or not file.filename:
        return _imports(request, principal, database, settings, enterprise_id, page=1, view="history",
                        upload_error=translator.gettext("Choose a file to upload."), status_code=422)
    # bounded read: one byte over the limit is refused (413) without holding the rest
    uploaded = await read_upload(file, settings)
    # validation and accounting take a while: keep them (and the database) off the event loop
    return await run_in_threadpool(_upload, request, principal, database, settings, enterprise_id,
                                   uploaded.filename, uploaded.content_type, uploaded.content)


def _upload(request: Request, principal: Principal, database: Database, settings: Settings, enterprise_id: int,
            filename: str, content_type: str, content: bytes) -> Response:
    translator = translator_for(request)
    try:
        batch_id = store.preview_outside_the_lock(
            database, principal, enterprise_id, filename=filename, content_type=content_type, content=content,
            max_bytes=settings.max_upload_bytes, quota_bytes=settings.upload_quota_bytes,
            preview_ttl_hours=settings.preview_ttl_hours)
    except store.UploadRejected as rejected:   # nothing stored
        return _imports(request, principal, database, settings, enterprise_id, page=1, view="history",
                        upload_error=rejected.message_in(translator.locale), status_code=rejected.status)
    return RedirectResponse(f"/imports/{batch_id}", status_code=303)


@router.get("/imports/{import_id}")
def import_page(import_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    translator = translator_for(request)
    with database.session() as session:
        batch = queries.get_batch(session, principal, import_id)
        enterprise = get_enterprise(session, principal, batch.enterprise_id)
        enterprise_view = _enterprise_view(enterprise, principal, translator)
        names = queries.usernames(session, {batch.created_by, batch.committed_by})
        results = ([_result_view(r, translator) for r in queries.current_results(
            session, batch.enterprise_id, import_id=batch.id)] if batch.status == ImportStatus.committed else [])
    summary = batch.summary
    return render(request, "accounting/import.html", {
        "enterprise": enterprise_view, "batch": _batch_view(batch, names, translator),
        "issues": [_issue_view(issue, translator) for issue in batch.issues or []],
        "summary": summary, "results": results, "nav_active": "imports",
        "preview_rows": [{
            "facility": r["facility_id"],
            "period": {"text": period_label(r["period"], translator, with_year=True), "sort": r["period"]},
            "energy": r["energy_tce"], "emissions": r["emissions_tco2e"], "warnings": _warning_cell(r["warnings"], translator),
        } for r in summary.get("results", [])],
        "crumbs": _crumbs(translator, enterprise_view,
                          (translator.gettext("Imports"), f"/enterprises/{enterprise.id}/imports"),
                          (batch.filename, None)),
    })


#: findings whose fix is looked up in the item list (the value searched for)
_ITEM_LOOKUPS = frozenset({"accounting.input.unknown_item"})


def _issue_view(issue: dict[str, Any], translator: Translator) -> dict[str, Any]:
    """A stored finding as the issues table shows it: a template column the file did not head
    (a missing column, rows stored earlier) named in the page's language; an unknown item linked
    to the item list, searched for what the file says."""
    view = dict(issue)
    column = view.get("column") or ""
    if not view.get("header") and column in LABELS_EN:
        view["header"] = header_zh(column) if translator.locale == "zh-CN" else LABELS_EN[column]
    if view.get("code") in _ITEM_LOOKUPS:
        view["href"] = f"/reference/items?{urlencode({'q': view.get('value') or ''})}"
        view["link_label"] = translator.gettext("Look it up in the item list")
    return view


@router.post("/imports/{import_id}/commit")
def commit(import_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    response = RedirectResponse(f"/imports/{import_id}", status_code=303)
    try:
        count = commit_batch(database, principal, import_id, lambda _session, _batch, _run_id, results: results)
    except store.ImportConflict:
        flash(response, "error", N_("This import cannot be committed: only a preview without errors can."))
        return response
    except MonthLocked as locked:  # a month filed with the carbon market: amend it first
        flash(response, "error", N_("Nothing was committed: {problem}"),
              problem=locked.message_in(translator_for(request).locale))
        return response
    flash(response, "success", N_("Committed: {count} facility-period results were stored and accounted."),
          count=str(count))
    return response


@router.post("/imports/{import_id}/discard")
def discard(import_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    try:
        with database.session() as session:
            batch = queries.get_batch(session, principal, import_id, manage=True)
            enterprise_id = batch.enterprise_id
            store.discard_import(session, principal, batch)
    except store.ImportConflict:
        response = RedirectResponse(f"/imports/{import_id}", status_code=303)
        flash(response, "error", N_("This import can no longer be discarded."))
        return response
    response = RedirectResponse(f"/enterprises/{enterprise_id}/imports", status_code=303)
    flash(response, "info", N_("The import was discarded; nothing was stored."))
    return response


# -------------------------------------------------------------------------------------- results


@router.get("/results")
def results_home(request: Request, principal: PagePrincipal, database: DatabaseDep,
                 period: Annotated[str | None, Query(pattern=PERIOD)] = None, facility: str | None = None,
                 q: Annotated[str | None, Query(max_length=100)] = None,
                 page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    own = _own_enterprise(principal)
    if own is not None:
        return _results(request, principal, database, own, period, facility)
    return _picker(request, principal, database, "results", q, page)


@router.get("/enterprises/{enterprise_id}/results")
def results_page(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                 period: Annotated[str | None, Query(pattern=PERIOD)] = None,
                 facility: str | None = None) -> Response:
    return _results(request, principal, database, enterprise_id, period, facility)


def _result_view(row: queries.ResultRow, translator: Translator) -> dict[str, Any]:
    r = row.result
    return {
        "facility": row.facility_code,
        "period": {"text": period_label(r.period, translator, with_year=True), "sort": r.period},
        "version": f"v{row.version}", "energy": r.energy_tce, "total": r.total_tco2e, "scope1": r.scope1_tco2e,
        "scope2": r.scope2_tco2e,
        "products": [{**p, "name": _item_name(p["product"], translator)} for p in r.products],
        "warnings": _warning_cell(r.warning_count, translator),
        "detail": f"/results/{r.id}",
    }


def _period_options(session: Session, enterprise_id: int, translator: Translator) -> list[dict[str, str]]:
    periods = session.execute(select(FacilityResult.period).where(
        FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True))
        .group_by(FacilityResult.period).order_by(FacilityResult.period.desc())).scalars().all()
    options: list[dict[str, str]] = []
    for year in sorted({p[:4] for p in periods}, reverse=True):
        options.append({"value": year, "label": translator.gettext("Year %(year)s", year=year)})
        options += [{"value": p, "label": "\u2003" + period_label(p, translator, with_year=True)}
                    for p in periods if p.startswith(year) and len(p) == 7]
    return options


def _results(request: Request, principal: Principal, database: Database, enterprise_id: int,
             period: str | None, facility: str | None) -> Response:
    translator = translator_for(request)
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id)
        enterprise_view = _enterprise_view(enterprise, principal, translator)
        if period is None:
            years = available_years(session, enterprise_id)
            period = str(years[-1]) if years else None
        rows = queries.current_results(session, enterprise_id, period=period, facility=facility or None)
        options = _period_options(session, enterprise_id, translator)
    results = [_result_view(r, translator) for r in rows]
    totals = {"energy": sum(r.result.energy_tce for r in rows), "total": sum(r.result.total_tco2e for r in rows),
              "scope1": sum(r.result.scope1_tco2e for r in rows), "scope2": sum(r.result.scope2_tco2e for r in rows),
              "warnings": sum(r.result.warning_count for r in rows)}
    return render(request, "accounting/results.html", {
        "enterprise": enterprise_view, "results": results, "totals": totals, "period": period or "",
        "facility": facility or "", "period_options": options, "nav_active": "results",
        "base_url": f"/enterprises/{enterprise_id}/results",
        "crumbs": _crumbs(translator, enterprise_view, (translator.gettext("Results"), None)),
    })


@router.get("/results/{result_id}")
def result_page(result_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    translator = translator_for(request)
    with database.session() as session:
        row, enterprise, run = queries.get_result(session, principal, result_id)
        enterprise_view = _enterprise_view(enterprise, principal, translator)
        history = queries.result_history(session, row.result.facility_id, row.result.period)
        names = queries.usernames(session, {run.created_by})
    result = row.result
    zh = translator.locale == "zh-CN"
    lines = [_line_view(line, translator) for line in result.lines]
    # the engine writes each warning as {code, ref, message, message_zh}
    stored = result.warnings
    warnings = [{"code": w.get("code", ""), "ref": w.get("ref", ""),
                 "message": w.get("message_zh") if zh else w.get("message")} for w in stored]
    provenance = run.provenance
    title = f"{row.facility_code} · {period_label(result.period, translator, with_year=True)}"
    return render(request, "accounting/result.html", {
        "enterprise": enterprise_view, "result": result, "row": row, "title": title, "lines": lines,
        "warnings": warnings, "nav_active": "results",
        "categories": [{"key": c, "label": label(CATEGORY_LABELS, c, translator),
                        "value": getattr(result, f"{c}_tco2e")} for c in CATEGORIES],
        "products": [{**p, "name": _item_name(p["product"], translator)} for p in result.products],
        "run": {"id": run.id, "trigger": run.trigger, "created_at": run.created_at,
                "created_by": names.get(run.created_by or -1, "—"),
                "version": provenance.get("greenmfg_version", "—"), "run_at": provenance.get("run_at_utc", "—"),
                "options": [{"key": key, "label": label(OPTION_LABELS, key, translator),
                             "shown": [label(OPTION_VALUE_LABELS, str(v), translator) if str(v) in OPTION_VALUE_LABELS
                                        else str(v) for v in (value if isinstance(value, list) else [value])]}
                            for key, value in sorted(provenance.get("options", {}).items())],
                "inputs": provenance.get("inputs", []),
                "datasets": [{**d, "title_shown": (d.get("title_zh") if zh else None) or d.get("title", "")}
                             for d in provenance.get("datasets", [])]},
        "history": [{"version": h.version.version, "current": h.version.current, "import_id": h.version.import_id,
                     "created_by": h.created_by or "—", "created_at": h.version.created_at,
                     "energy": h.energy_tce, "total": h.total_tco2e, "result_id": h.result_id,
                     "this": h.result_id == result.id} for h in history],
        "crumbs": _crumbs(translator, enterprise_view,
                          (translator.gettext("Results"), f"/enterprises/{enterprise.id}/results?period={result.period[:4]}"),
                          (title, None)),
    })


def _significant(value: Any, translator: Translator, figures: int = 5) -> str:
    """A parameter value with ``figures`` significant digits, trailing zeros dropped (0.0295, 28.435)."""
    if not isinstance(value, int | float):
        return "—" if value is None else str(value)
    if value == 0:
        return "0"
    digits = min(9, max(0, figures - 1 - math.floor(math.log10(abs(value)))))
    text = translator.format_decimal(value, digits)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _line_view(line: dict[str, Any], translator: Translator) -> dict[str, Any]:
    parameters = []
    for parameter in line.get("parameters", []):
        sources = []
        for source in parameter.get("sources", []):
            badge, text = VERIFICATION.get(source.get("verification_status", ""),
                                           ("info", source.get("verification_status", "")))
            sources.append({**source, "badge": badge, "status_label": translator.gettext(text) if text else "—",
                            "value_text": _significant(source.get("value"), translator)})
        ref = str(parameter.get("ref") or "")
        parameters.append({**parameter, "label": label(PARAMETER_LABELS, parameter["name"], translator),
                           "value_text": _significant(parameter.get("value"), translator), "sources": sources,
                           # "measured" (a value from the file) or computed from one: say so, and how
                           "measured": ref.startswith("measured"),
                           "derived": bool(ref) and ref not in {s.get("ref") for s in sources} and ref != "measured"})
    return {**line, "item_label": _item_name(line["item"], translator),
            "flow_label": label(FLOW_LABELS, line.get("flow"), translator),
            "category_label": label(CATEGORY_LABELS, line.get("category"), translator),
            "parameters": parameters, "flagged": bool(line.get("unverified")) or bool(line.get("missing"))}
