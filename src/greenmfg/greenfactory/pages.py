"""Green-evaluation pages: the list, the self-evaluation form, the result page.

Routes
------
``/green-factory``
    Evaluations of the enterprises the user may see, and (for enterprise managers) the choice of
    enterprise and framework for a new self-evaluation; the xlsx templates.
``/green-factory/template.xlsx?framework=``
    The offline input template (no tenant data).
``/green-factory/new?enterprise_id=&framework=``, POST ``/green-factory/new``
    The form, grouped by level-1 indicator, with the values greenmfg fills from stored results
    marked; refused input comes back with each problem next to its field and nothing stored.
    POST ``/green-factory/new/upload`` reads a filled template into the form (all-or-nothing,
    problems located by sheet, row and column).
``/green-factory/{evaluation_id}/edit``, POST ``…/edit``
    A draft's form filled with what was saved (managers of the enterprise); saving scores it again.
``/green-factory/{evaluation_id}``, POST ``…/finalise``
    Score, verdict with its reasons, radar chart by level-1 indicator, gap list, downloads.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from greenmfg.db.session import Database
from greenmfg.errors import InputError, Issue, ValidationFailed
from greenmfg.greenfactory import service
from greenmfg.greenfactory.evaluation import ReferenceValue, item_lookup, resolve_product
from greenmfg.greenfactory.frameworks import FRAMEWORKS, Framework, load_framework
from greenmfg.greenfactory.models import EvaluationStatus, GreenEvaluation
from greenmfg.greenfactory.workbook import locate, read_workbook, template
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.access import (
    Principal,
    enterprise_filter,
    get_enterprise,
    manageable_enterprises,
)
from greenmfg.orgs.models import Organisation
from greenmfg.web.deps import PagePrincipal, get_database
from greenmfg.web.downloads import content_response
from greenmfg.web.errors import ApiError
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import render, translator_for
from greenmfg.web.uploads import form_file, read_upload

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
DatabaseDep = Annotated[Database, Depends(get_database)]
FIELDS = ("answer", "points", "value", "unit", "benchmark", "leading", "reference_source", "evidence",
          "override_reason")
_ITEM = re.compile(r"^items\[(\d+)\]\.?(\w*)$")
_KEYED = re.compile(r"^items\[key=([\w.]+)\]\.(\w+)$")
FRAMEWORK_LABELS = {"gbt36132-2025": N_("Green factory — GB/T 36132-2025"),
                    "gbt36132-2018": N_("Green factory — GB/T 36132-2018"),
                    "park-2024": N_("Green industrial park"),
                    "supply-chain-2024": N_("Green supply-chain management enterprise")}


def _framework_label(framework_id: str, translator: Translator) -> str:
    label = FRAMEWORK_LABELS[framework_id]
    return translator.gettext(label)


def _zh(translator: Translator) -> bool:
    return translator.locale == "zh-CN"


@router.get("/green-factory")
def home(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    translator = translator_for(request)
    with database.session() as session:
        rows = session.execute(
            select(GreenEvaluation, Organisation.name).join(Organisation, Organisation.id == GreenEvaluation.organisation_id)
            .where(enterprise_filter(session, principal)).order_by(GreenEvaluation.id.desc()).limit(200)).all()
        manageable = manageable_enterprises(session, principal)
    evaluations = [{
        "id": {"text": f"#{e.id}", "href": f"/green-factory/{e.id}", "sort": e.id},
        "organisation": name, "framework": _framework_label(e.framework, translator),
        "title": e.result.get("title") or "—", "score": translator.format_decimal(e.total_score, 2),
        "verdict": {"status": "verified" if e.passed else "error",
                    "text": translator.gettext("Pass") if e.passed else translator.gettext("Fail")},
        "status": {"status": "info" if e.status == EvaluationStatus.draft else "verified",
                   "text": translator.gettext("Draft") if e.status == EvaluationStatus.draft
                   else translator.gettext("Final")},
    } for e, name in rows]
    return render(request, "greenfactory/home.html", {
        "evaluations": evaluations, "nav_active": "greenfactory",
        "enterprises": [{"value": o.id, "label": o.name} for o in manageable],
        "frameworks": [{"value": k, "label": translator.gettext(v)} for k, v in FRAMEWORK_LABELS.items()],
    })


@router.get("/green-factory/template.xlsx")
def template_download(request: Request, principal: PagePrincipal,
                      framework: Annotated[str, Query()] = "gbt36132-2025") -> Response:
    if framework not in FRAMEWORKS:
        raise ApiError(404)
    return content_response(template(framework, translator=translator_for(request)),
                            f"green-evaluation-{framework}.xlsx",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _number(value: float | None, translator: Translator) -> str | None:
    """A reference number as the page's locale writes it (grouping, up to 3 decimals)."""
    return None if value is None else translator.format_decimal(value, None)


def _groups(framework: Framework, translator: Translator, auto: dict[str, Any],
            references: dict[str, ReferenceValue]) -> list[dict[str, Any]]:
    zh = _zh(translator)
    groups = []
    for level1 in framework.level1:
        items = []
        for item in framework.indicators:
            if item.parent != level1.key:
                continue
            filled = auto.get(item.auto) if item.auto else None
            reference = references.get(item.auto) if item.auto and item.benchmark is None else None
            items.append({"key": item.key, "kind": item.kind, "name": item.name(translator.locale),
                          "max_points": item.value, "unit": item.unit, "status": item.status,
                          "benchmark": _number(item.benchmark, translator), "leading": _number(item.leading, translator),
                          "reference": None if reference is None else {
                              "benchmark": _number(reference.benchmark, translator),
                              "leading": _number(reference.leading, translator), "unit": reference.unit,
                              "source": reference.source_zh if zh else reference.source},
                          "auto": None if filled is None else {"value": translator.format_decimal(filled.value, 4),
                                                               "unit": filled.unit,
                                                               "source": filled.source_zh if zh else filled.source}})
        groups.append({"key": level1.key, "name": level1.name(translator.locale), "weight": level1.value,
                       "entries": items})
    return groups


def _render_form(request: Request, principal: Principal, database: Database, enterprise_id: int, framework_id: str,
                 values: dict[str, str], issues: list[Issue], status_code: int = 200,
                 meta: dict[str, str] | None = None, evaluation_id: int | None = None) -> Response:
    translator = translator_for(request)
    if framework_id not in FRAMEWORKS:
        raise ApiError(404)
    framework = load_framework(framework_id)
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id, manage=True)
        year = meta.get("year") if meta else None
        product, _problem = resolve_product((meta or {}).get("product"))
        if product:
            values = {**values, "product": product}
        has_auto = any(i.auto for i in framework.indicators)
        auto, notes = ({}, []) if not has_auto else service.auto_values(
            session, enterprise_id, year=int(year) if year and str(year).isdigit() else None, product=product)
        choices = service.product_choices(session, enterprise_id) if has_auto else []
    references = service.reference_values(product) if product and has_auto else {}
    zh = _zh(translator)
    errors: dict[str, list[str]] = {}
    general: list[dict[str, str]] = []
    for issue in issues:
        message = issue.message_zh if zh else issue.message
        fix = issue.fix_zh if zh else issue.fix
        if issue.sheet:  # from an uploaded workbook
            general.append({"where": issue.location(), "message": message, "fix": fix})
        elif issue.column in FIELDS or issue.column in ("title", "year"):
            errors.setdefault(issue.column, []).append(message)
        else:
            errors.setdefault(issue.column, []).append(f"{message} — {fix}")
    return render(request, "greenfactory/form.html", {
        "enterprise": enterprise, "framework": framework, "framework_label": _framework_label(framework_id, translator),
        "vetoes": [{"key": v.key, "name": v.name(translator.locale)} for v in framework.vetoes],
        "groups": _groups(framework, translator, auto, references), "values": values, "errors": errors,
        "general": general, "notes": [n["zh" if zh else "en"] for n in notes], "meta": meta or {},
        "nav_active": "greenfactory", "issue_count": len(issues), "evaluation_id": evaluation_id,
        "heading": translator.gettext("Edit draft #%(id)s") % {"id": evaluation_id} if evaluation_id
        else translator.gettext("New self-evaluation"),
        "products": [{"value": c.key, "label": (c.name_zh if zh else c.name_en) + (
            f" · {c.year} · {translator.format_decimal(c.quantity, None)} {c.unit}" if c.quantity is not None else "")}
            for c in choices],
    }, status_code=status_code)


@router.get("/green-factory/new")
def new_form(request: Request, principal: PagePrincipal, database: DatabaseDep,
             enterprise_id: Annotated[Id, Query()], framework: Annotated[str, Query()] = "gbt36132-2025") -> Response:
    return _render_form(request, principal, database, enterprise_id, framework, {}, [])


def _document(form: dict[str, str], framework: Framework) -> tuple[dict[str, Any], list[str]]:
    """The service's input from the posted form, and the item key of each entry (for errors)."""
    items: list[dict[str, Any]] = []
    keys: list[str] = []
    for item in [*framework.vetoes, *framework.indicators]:
        entry: dict[str, Any] = {}
        for name in FIELDS:
            raw = (form.get(f"{name}__{item.key}") or "").strip()
            if raw:
                entry[name] = raw
        if item.kind == "performance" and set(entry) == {"unit"}:
            entry = {}
        if entry or item.kind == "veto":
            items.append({"key": item.key, **entry})
            keys.append(item.key)
    document: dict[str, Any] = {"framework": framework.id, "items": items}
    for name in ("title", "product"):
        if form.get(name, "").strip():
            document[name] = form[name].strip()
    year = form.get("year", "").strip()
    if year:
        document["year"] = int(year) if year.isdigit() else year
    return document, keys


def _form_issues(failed: ValidationFailed, keys: list[str]) -> list[Issue]:
    """Re-address ``items[i].field`` issues to the form's ``field__key`` inputs."""
    out = []
    for issue in failed.issues:
        match = _ITEM.match(issue.column)
        keyed = _KEYED.match(issue.column)
        column = issue.column
        if match and int(match.group(1)) < len(keys):
            column = f"{match.group(2) or 'key'}__{keys[int(match.group(1))]}"
        elif keyed:
            column = f"{keyed.group(2)}__{keyed.group(1)}"
        out.append(Issue(code=issue.code, message=issue.message, fix=issue.fix, message_zh=issue.message_zh,
                         fix_zh=issue.fix_zh, column=column, value=issue.value))
    return out


@router.post("/green-factory/new")
async def create(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_create, request, principal, database, form)


def _create(request: Request, principal: Principal, database: Database, form: dict[str, str]) -> Response:
    framework_id = form.get("framework", "")
    if framework_id not in FRAMEWORKS or not form.get("enterprise_id", "").isdigit():
        raise ApiError(404)
    enterprise_id = int(form["enterprise_id"])
    document, keys = _document(form, load_framework(framework_id))
    try:
        with database.session() as session:
            row = service.create(session, principal, enterprise_id, document)
            evaluation_id = row.id
    except ValidationFailed as failed:
        return _render_form(request, principal, database, enterprise_id, framework_id, form,
                            _form_issues(failed, keys), 422, meta=form)
    response = RedirectResponse(f"/green-factory/{evaluation_id}", status_code=303)
    flash(response, "success", N_("The self-evaluation was scored and saved as a draft."))
    return response


@router.post("/green-factory/new/upload")
async def upload(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    form = await request.form()
    upload_file = form.get("workbook")
    enterprise = str(form.get("enterprise_id") or "")
    if not enterprise.isdigit():
        raise ApiError(404)
    file = form_file(upload_file)
    content = (await read_upload(file, request.app.state.settings, field="workbook")).content if file else b""
    name = (file.filename if file else "") or "upload.xlsx"
    return await run_in_threadpool(_upload, request, principal, database, int(enterprise), content, name)


def _upload(request: Request, principal: Principal, database: Database, enterprise_id: int, content: bytes,
            name: str) -> Response:
    from greenmfg.greenfactory.evaluation import evaluate

    framework_id = "gbt36132-2025"
    try:
        document, rows = read_workbook(content, file=name)
        framework_id = str(document.get("framework"))
        try:
            evaluate(document)  # checks everything; the form is filled only from a clean workbook
        except ValidationFailed as failed:
            raise locate(failed, rows, file=name) from None
    except InputError as error:
        issue = Issue("greenfactory.workbook.unreadable", error.message, "download the template and fill it",
                      error.message_zh, "请下载模板填写后上传", file=name, sheet="-")
        return _render_form(request, principal, database, enterprise_id, framework_id if framework_id in FRAMEWORKS
                            else "gbt36132-2025", {}, [issue], 422)
    except ValidationFailed as failed:
        return _render_form(request, principal, database, enterprise_id, framework_id if framework_id in FRAMEWORKS
                            else "gbt36132-2025", {}, list(failed.issues), 422)
    values = {f"{field}__{entry['key']}": str(entry[field]) for entry in document["items"] for field in FIELDS
              if field in entry}
    meta: dict[str, str] = {k: str(document[k]) for k in ("title", "year", "product") if k in document}
    values.update(meta)
    return _render_form(request, principal, database, enterprise_id, framework_id, values, [], meta=meta)


def _saved_values(document: dict[str, Any], framework: Framework) -> tuple[dict[str, str], dict[str, str]]:
    """The form's fields and meta (title, year, product) of a saved input document."""
    lookup = item_lookup(framework)
    values: dict[str, str] = {}
    for entry in document.get("items") or []:
        if not isinstance(entry, dict):
            continue
        item = lookup.get(str(entry.get("key") or "").strip())
        if item is None:
            continue
        for name in FIELDS:
            if entry.get(name) is None:
                continue
            raw = entry[name]
            values[f"{name}__{item.key}"] = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
    meta = {k: str(document[k]) for k in ("title", "year", "product") if document.get(k) is not None}
    product, _problem = resolve_product(meta.get("product"))
    if product:
        meta["product"] = product
    values.update(meta)
    return values, meta


@router.get("/green-factory/{evaluation_id}/edit")
def edit_form(evaluation_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    with database.session() as session:
        row = service.get(session, principal, evaluation_id)
        get_enterprise(session, principal, row.organisation_id, manage=True)
        if row.status != EvaluationStatus.draft:
            response = RedirectResponse(f"/green-factory/{evaluation_id}", status_code=303)
            flash(response, "error", N_("Nothing changed: {problem}"),
                  problem=service.EvaluationConflict().message_in(translator_for(request).locale))
            return response
        document, enterprise_id, framework_id = dict(row.inputs), row.organisation_id, row.framework
    values, meta = _saved_values(document, load_framework(framework_id))
    return _render_form(request, principal, database, enterprise_id, framework_id, values, [], meta=meta,
                        evaluation_id=evaluation_id)


@router.post("/green-factory/{evaluation_id}/edit")
async def save_edit(evaluation_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_save_edit, request, principal, database, evaluation_id, form)


def _save_edit(request: Request, principal: Principal, database: Database, evaluation_id: int,
               form: dict[str, str]) -> Response:
    with database.session() as session:
        row = service.get(session, principal, evaluation_id)
        get_enterprise(session, principal, row.organisation_id, manage=True)
        enterprise_id, framework_id = row.organisation_id, row.framework
    document, keys = _document(form, load_framework(framework_id))
    response = RedirectResponse(f"/green-factory/{evaluation_id}", status_code=303)
    try:
        with database.session() as session:
            service.update(session, principal, evaluation_id, document)
    except ValidationFailed as failed:
        return _render_form(request, principal, database, enterprise_id, framework_id, form,
                            _form_issues(failed, keys), 422, meta=form, evaluation_id=evaluation_id)
    except service.EvaluationConflict as error:
        flash(response, "error", N_("Nothing changed: {problem}"),
              problem=error.message_in(translator_for(request).locale))
        return response
    flash(response, "success", N_("The draft was scored again and saved."))
    return response


@router.get("/green-factory/{evaluation_id}")
def result_page(evaluation_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    translator = translator_for(request)
    zh = _zh(translator)
    with database.session() as session:
        row = service.get(session, principal, evaluation_id)
        organisation = session.get(Organisation, row.organisation_id)
        may_finalise = row.status == EvaluationStatus.draft and principal.can_manage(row.organisation_id)
        product = row.result.get("product")
        evaluation = service.evaluation_dict(row)
    result = evaluation["result"]
    name = "name_zh" if zh else "name_en"
    radar = {
        "tooltip": {},
        "radar": {"indicator": [{"name": r[name], "max": 100} for r in result["by_level1"]], "radius": "65%"},
        "series": [{"type": "radar", "name": translator.gettext("Score (% of maximum)"),
                    "data": [{"value": [round(100 * r["points"] / r["max_points"], 1) if r["max_points"] else 0
                                        for r in result["by_level1"]],
                              "name": translator.gettext("Score (% of maximum)")}]}],
    }
    gauge = {"series": [{"type": "gauge", "min": 0, "max": result["max_score"], "progress": {"show": True, "width": 12},
                         "axisLine": {"lineStyle": {"width": 12}}, "splitNumber": 5, "pointer": {"show": False},
                         "axisLabel": {"distance": 18}, "title": {"show": False},
                         "detail": {"valueAnimation": False, "formatter": "{value}", "offsetCenter": [0, "10%"],
                                    "fontSize": 28},
                         "data": [{"value": round(result["total_score"], 2), "name": translator.gettext("Total score")}]}]}
    return render(request, "greenfactory/result.html", {
        "e": evaluation, "r": result, "name": name, "lang": "zh-CN" if zh else "en",
        "organisation": organisation.name if organisation else "", "may_finalise": may_finalise,
        "framework_label": _framework_label(evaluation["framework"], translator),
        "level1": {r["key"]: r[name] for r in result["by_level1"]},
        "radar": radar, "gauge": gauge, "text_key": "zh" if zh else "en", "nav_active": "greenfactory",
        "performance": [i for i in result["items"] if i["kind"] == "performance"],
        "product": (result.get("product_zh") if zh else result.get("product_en")) or product,
    })


@router.post("/green-factory/{evaluation_id}/finalise")
def finalise(evaluation_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    translator = translator_for(request)
    response = RedirectResponse(f"/green-factory/{evaluation_id}", status_code=303)
    try:
        with database.session() as session:
            service.finalise(session, principal, evaluation_id)
    except service.EvaluationConflict as error:
        flash(response, "error", N_("Nothing changed: {problem}"),
              problem=error.message_in(translator.locale))
        return response
    flash(response, "success", N_("The evaluation is final."))
    return response
