"""Green-manufacturing list pages and the regional-targets page.

Routes
------
``/green-list`` (``?kind=&year=``)
    The published list (every signed-in user), and per role: the enterprise's applications with
    the new-application and output-value forms, the evaluator's queue, the regulator's queue, the
    admin's recommended applications with the publication form.
``/green-list/applications/{id}``, POST ``…/{action}``
    One application: status, the linked self-evaluation (picked from the applicant's final
    evaluations, never retyped) with links to the enterprise's results and benchmark, the
    evaluator's report, the attachments, the history timeline and the forms of the actions the user
    may take (the city's pre-review, then the province's recommendation).
POST ``/green-list/applications/{id}/attachments``, GET ``…/attachments/{attachment_id}``
    Attach a PDF or image (application form, evidence, evaluator report; read through
    :mod:`greenmfg.web.uploads`, content sniffed) and download it (whoever sees the application). Refused input comes back with every problem next to
    its field (422); applications the user may not see are a 404 page, as in the API.
``/region/green``, POST ``/region/green/output-values``
    The 40 %-by-2030 view of the regulator's area (share, trajectory, counts, intensities by
    industry; ECharts) and the form for the area's manufacturing output value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from greenmfg.db.base import utcnow
from greenmfg.db.session import Database
from greenmfg.errors import Issue, ValidationFailed
from greenmfg.greenlist import service, targets
from greenmfg.greenlist.labels import (
    ACTION_LABELS,
    ATTACHMENT_LABELS,
    CRITERION_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
)
from greenmfg.greenlist.models import GreenApplication, ListKind, RegionOutput
from greenmfg.greenlist.rules import load_rules
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.access import Principal, enterprise_filter
from greenmfg.orgs.models import Organisation, OrgKind, Park
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.web.deps import PagePrincipal, get_database
from greenmfg.web.downloads import file_response
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import label_of, render, translator_for, vocabulary_name
from greenmfg.web.uploads import form_file, read_upload

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DatabaseDep = Annotated[Database, Depends(get_database)]
PAGE_SIZE = 50
INDICATOR_ROWS = 3
#: URL segment → service action
URL_ACTIONS = {"submit": "submit", "assign-evaluator": "assign_evaluator", "evaluate": "evaluate",
               "apply": "apply", "pre-review": "pre_review", "recommend": "recommend", "return": "regulator_return",
               "province-return": "province_return", "reject": "reject", "withdraw": "withdraw", "recheck": "recheck"}


def _zh(t: Translator) -> bool:
    return t.locale == "zh-CN"


def _status(status: str, t: Translator) -> dict[str, str]:
    badge, text = STATUS_LABELS.get(status, ("info", status))
    return {"status": badge, "text": t.gettext(text)}


def _place(province: str | None, city: str | None, t: Translator) -> str:
    record = load_vocabulary().regions.get(province or "")
    name = (record["name_zh"] if _zh(t) else record["name_en"]) if record else (province or "—")
    return f"{name} · {city}" if city else name


def _industry(key: str | None, t: Translator) -> str:
    return vocabulary_name(load_vocabulary().industries, key, t)


def _issue_view(issue: Issue, t: Translator) -> dict[str, str]:
    view = {"field": issue.column, "message": issue.message_zh if _zh(t) else issue.message,
            "fix": issue.fix_zh if _zh(t) else issue.fix}
    if issue.code == "greenlist.application.duplicate" and str(issue.value).isdigit():
        view["href"] = f"/green-list/applications/{issue.value}"
        view["link"] = t.gettext("Open application #%(id)s") % {"id": issue.value}
    return view


def _errors(issues: list[dict[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for issue in issues:
        out.setdefault(issue["field"], []).append(issue["message"])
    return out


def _row(application: GreenApplication, orgs: Mapping[int, str], t: Translator) -> dict[str, Any]:
    return {"id": {"text": f"#{application.id}", "href": f"/green-list/applications/{application.id}",
                   "sort": application.id},
            "applicant": {"text": orgs.get(application.organisation_id, "—"),
                          "href": f"/green-list/applications/{application.id}"},
            "kind": label_of(KIND_LABELS, application.kind, t), "year": str(application.list_year),
            "evaluator": orgs.get(application.evaluator_id or -1, "—"), "status": _status(application.status, t)}


def _managed(session: Session, principal: Principal) -> list[Organisation]:
    if "write" not in principal.scopes:
        return []
    ids = [m.organisation_id for m in principal.memberships if m.kind == OrgKind.enterprise and m.role == "manager"]
    if not ids:
        return []
    return list(session.execute(select(Organisation).where(Organisation.id.in_(ids), enterprise_filter(
        session, principal)).order_by(Organisation.name)).scalars())


# ---------------------------------------------------------------------------------------- home


def _home(request: Request, principal: Principal, database: Database, *, kind: str | None, year: int | None,
          form: dict[str, Any] | None = None, issues: list[dict[str, str]] | None = None,
          status_code: int = 200) -> Response:
    t = translator_for(request)
    issues = issues or []
    with database.session() as session:
        listed, listed_total = service.published_list(session, kind=kind, year=year, limit=PAGE_SIZE)
        sections: dict[str, list[dict[str, Any]]] = {}
        for queue, wanted in (("mine", principal.is_enterprise), ("evaluator", principal.is_evaluator),
                              ("regulator", principal.is_regulator), ("admin", principal.is_admin)):
            if wanted:
                rows, _total = service.application_page(session, principal, offset=0, limit=PAGE_SIZE, queue=queue)
                orgs = service.names(session, rows)
                sections[queue] = [_row(a, orgs, t) for a in rows]
        managed = _managed(session, principal)
        parks = [{"value": str(p.id), "label": p.name} for p in session.execute(
            select(Park).where(Park.province.in_({o.province for o in managed} or {""})).order_by(Park.name)).scalars()]
    columns = [{"key": "id", "label": t.gettext("No.")}, {"key": "applicant", "label": t.gettext("Applicant")},
               {"key": "kind", "label": t.gettext("Kind")}, {"key": "year", "label": t.gettext("List year")},
               {"key": "evaluator", "label": t.gettext("Third-party evaluator")},
               {"key": "status", "label": t.gettext("Status")}]
    list_columns = [{"key": "name", "label": t.gettext("Name")}, {"key": "kind", "label": t.gettext("Kind")},
                    {"key": "industry", "label": t.gettext("Industry")}, {"key": "place", "label": t.gettext("Place")},
                    {"key": "year", "label": t.gettext("List year")}]
    list_rows = [{"name": (r["park"] or r["name"]) if r["kind"] == ListKind.park else r["name"],
                  "kind": label_of(KIND_LABELS, r["kind"], t), "industry": _industry(r["industry"], t),
                  "place": _place(r["province"], r["city"], t), "year": str(r["list_year"])} for r in listed]
    values = {"organisation_id": str(managed[0].id) if len(managed) == 1 else "", "kind": "factory",
              "list_year": str(utcnow().year), "park_id": "", "year": str(utcnow().year - 1),
              "output_value": "", "source_note": "", **(form or {})}
    return render(request, "greenlist/home.html", {
        "list_columns": list_columns, "list_rows": list_rows, "list_total": listed_total, "kind": kind or "",
        "year": year or "", "columns": columns, "sections": sections, "managed": managed, "parks": parks,
        "kinds": [{"value": k, "label": t.gettext(v)} for k, v in KIND_LABELS.items()], "values": values,
        "issues": issues, "errors": _errors(issues), "nav_active": "greenlist",
    }, status_code=status_code)


@router.get("/green-list")
def home(request: Request, principal: PagePrincipal, database: DatabaseDep,
         kind: Annotated[ListKind | None, Query()] = None,
         year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    return _home(request, principal, database, kind=kind, year=year)


def _form(form: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def _home_invalid(request: Request, principal: Principal, database: Database, data: dict[str, str],
                  failed: ValidationFailed) -> Response:
    """The home page again with the submitted form and what is wrong with it (422)."""
    t = translator_for(request)
    return _home(request, principal, database, kind=None, year=None, form=data,
                 issues=[_issue_view(i, t) for i in failed.issues], status_code=422)


@router.post("/green-list/applications")
async def create(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_create, request, principal, database, data)


def _create(request: Request, principal: Principal, database: Database, data: dict[str, str]) -> Response:
    try:
        with database.session() as session:
            application_id = service.create_application(session, principal, {
                **data, "park_id": data.get("park_id") or None}).id
    except ValidationFailed as failed:
        return _home_invalid(request, principal, database, data, failed)
    response = RedirectResponse(f"/green-list/applications/{application_id}", status_code=303)
    flash(response, "success", N_("Application #{id} was saved as a draft."), id=str(application_id))
    return response


@router.post("/green-list/output-values")
async def enterprise_output(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_enterprise_output, request, principal, database, data)


def _enterprise_output(request: Request, principal: Principal, database: Database, data: dict[str, str]) -> Response:
    try:
        with database.session() as session:
            service.set_enterprise_output(session, principal, data)
    except ValidationFailed as failed:
        return _home_invalid(request, principal, database, data, failed)
    response = RedirectResponse("/green-list", status_code=303)
    flash(response, "success", N_("The output value of {year} was saved."), year=data.get("year", ""))
    return response


@router.post("/green-list/publish")
async def publish(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    form = await request.form()
    ids = [str(v) for v in form.getlist("application_ids") if isinstance(v, str)]
    year = form.get("year")
    return await run_in_threadpool(_publish, request, principal, database, ids, year if isinstance(year, str) else None)


def _publish(request: Request, principal: Principal, database: Database, ids: list[str], year: str | None) -> Response:
    t = translator_for(request)
    response = RedirectResponse("/green-list", status_code=303)
    try:
        with database.session() as session:
            published = service.publish(session, principal, ids, year=year)
    except ValidationFailed as failed:
        flash(response, "error", N_("Nothing changed: {problem}"),
              problem="; ".join(_issue_view(i, t)["message"] for i in failed.issues))
        return response
    except service.TransitionConflict as error:
        flash(response, "error", N_("Nothing changed: {problem}"),
              problem=error.message_in(t.locale))
        return response
    flash(response, "success", N_("{count} application(s) published on the list."), count=str(len(published)))
    return response


# ----------------------------------------------------------------------------------- application


def _final_evaluations(session: Session, application: GreenApplication, t: Translator) -> list[dict[str, Any]]:
    """The applicant's final evaluations of the application's kind, newest first (the submit form's choices)."""
    from greenmfg.greenfactory.models import EvaluationStatus, GreenEvaluation

    rows = session.execute(select(GreenEvaluation).where(
        GreenEvaluation.organisation_id == application.organisation_id, GreenEvaluation.subject == application.kind,
        GreenEvaluation.status == EvaluationStatus.final).order_by(GreenEvaluation.id.desc())).scalars()
    return [{"value": str(e.id), "label": " · ".join(part for part in (
        f"#{e.id}", e.result.get("title") or "", t.gettext("%(score)s points") % {"score": t.format_decimal(e.total_score, 2)},
        t.gettext("Pass") if e.passed else t.gettext("Fail"), t.format_date(e.updated_at)) if part),
        "passed": e.passed} for e in rows]


def _framework_label(framework: str | None, t: Translator) -> str:
    from greenmfg.greenfactory.pages import FRAMEWORK_LABELS

    return label_of(FRAMEWORK_LABELS, framework, t)


def _linked_evaluation(session: Session, principal: Principal, application: GreenApplication,
                       t: Translator) -> dict[str, Any] | None:
    """The self-evaluation the application links to, if the caller may open it."""
    if application.evaluation_id is None:
        return None
    from greenmfg.greenfactory import service as evaluations
    from greenmfg.orgs.access import NotFound

    try:
        row = evaluations.get(session, principal, application.evaluation_id)
    except NotFound:
        return None
    result = row.result
    gaps = [{"name": g["name_zh"] if _zh(t) else g["name_en"], "recoverable": t.format_decimal(g["recoverable"], 2)}
            for g in result.get("gaps", [])[:5]]
    return {"href": f"/green-factory/{row.id}", "title": result.get("title") or f"#{row.id}",
            "score": t.format_decimal(row.total_score, 2), "passed": row.passed, "gaps": gaps,
            "product": (result.get("product_zh") if _zh(t) else result.get("product_en")) or ""}


def _attachment_view(a: Any, application_id: int, t: Translator) -> dict[str, Any]:
    return {"id": a.id, "kind": label_of(ATTACHMENT_LABELS, a.kind, t), "filename": a.filename,
            "size": t.format_decimal(a.size_bytes / 1024, 1) + " KB", "sha256": a.sha256, "at": a.uploaded_at,
            "href": f"/green-list/applications/{application_id}/attachments/{a.id}"}


def _application_page(request: Request, principal: Principal, database: Database, application_id: int, *,
                      form: dict[str, str] | None = None, issues: list[dict[str, str]] | None = None,
                      status_code: int = 200) -> Response:
    t = translator_for(request)
    rules = load_rules()
    with database.session() as session:
        application = service.get_application(session, principal, application_id)
        orgs = service.names(session, [application])
        data = service.application_dict(application, orgs)
        actions = service.allowed_actions(session, principal, application)
        evaluators: list[dict[str, str]] = []
        if "assign_evaluator" in actions:
            used = {int(r[0] or 0): int(r[1]) for r in session.execute(
                select(GreenApplication.evaluator_id, func.count()).where(
                    GreenApplication.list_year == application.list_year, GreenApplication.evaluator_id.is_not(None))
                .group_by(GreenApplication.evaluator_id))}
            cap = int(rules.evaluator_cap.value)
            evaluators = [{"value": str(o.id), "label": f"{o.name} ({used.get(o.id, 0)}/{cap})"}
                          for o in session.execute(select(Organisation).where(
                              Organisation.kind == OrgKind.evaluator, Organisation.active.is_(True))
                              .order_by(Organisation.name)).scalars()]
        applicant = session.get(Organisation, application.organisation_id)
        finals = _final_evaluations(session, application, t) if "submit" in actions else []
        files = [_attachment_view(a, application.id, t) for a in service.attachments(session, principal, application_id)]
        upload_kinds = [{"value": k, "label": label_of(ATTACHMENT_LABELS, k, t)}
                        for k in service.attachment_kinds(session, principal, application)]
        linked = _linked_evaluation(session, principal, application, t)
        may_see_data = session.execute(select(Organisation.id).where(
            Organisation.id == application.organisation_id, enterprise_filter(session, principal))).first() is not None
    history = [{"action": label_of(ACTION_LABELS, h["action"], t), "actor": h["actor"], "at": h["at"],
                "to": _status(h["to"], t), "comment": h["comment"],
                "href": f"/green-list/applications/{application_id}/attachments/{h['details'].get('attachment_id')}"
                if h["action"] == "attach" and (h["details"] or {}).get("attachment_id") else None}
               for h in data["history"]]
    criteria = [{"value": k, "label": label_of(CRITERION_LABELS, k, t), "source": c.source, "status": c.status}
                for k, c in rules.removal_criteria.items()]
    values = {"evaluation_id": str(finals[0]["value"]) if len(finals) == 1 else "", "evaluator_id": "",
              "kind": upload_kinds[0]["value"] if upload_kinds else "", "recommendation": "pass", "comment": "",
              "score": "", "veto_checked": "", "year": str(utcnow().year), "outcome": "retained",
              "criterion": "", **{f"indicator{i}_{f}": "" for i in range(INDICATOR_ROWS) for f in ("name", "comment")},
              **(form or {})}
    issues = issues or []
    return render(request, "greenlist/application.html", {
        "app": data, "status": _status(application.status, t), "kind_label": label_of(KIND_LABELS, application.kind, t),
        "place": _place(applicant.province if applicant else None, applicant.city if applicant else None, t),
        "history": history, "actions": actions, "evaluators": evaluators, "criteria": criteria,
        "criterion_label": label_of(CRITERION_LABELS, application.removal_criterion, t),
        "cap": rules.evaluator_cap, "values": values, "issues": issues, "errors": _errors(issues),
        "framework_label": _framework_label((data["self_evaluation"] or {}).get("framework"), t),
        "indicator_rows": INDICATOR_ROWS, "nav_active": "greenlist", "finals": finals, "attachments": files,
        "upload_kinds": upload_kinds, "linked": linked, "max_upload_mb": request.app.state.settings.max_upload_bytes
        // (1024 * 1024),
        "context_links": [] if not may_see_data else [
            {"href": f"/enterprises/{application.organisation_id}/results", "label": t.gettext("Accounting results")},
            {"href": f"/benchmark?enterprise={application.organisation_id}", "label": t.gettext("Benchmarking")}],
        "rechecks": [{**r, "criterion": label_of(CRITERION_LABELS, r["criterion"], t)} for r in data["rechecks"]],
    }, status_code=status_code)


@router.get("/green-list/applications/{application_id}")
def application_page(application_id: Id, request: Request, principal: PagePrincipal,
                     database: DatabaseDep) -> Response:
    return _application_page(request, principal, database, application_id)


@router.post("/green-list/applications/{application_id}/attachments")
async def add_attachment(application_id: Id, request: Request, principal: PagePrincipal,
                         database: DatabaseDep) -> Response:
    form = await request.form()
    file = form_file(form.get("file"))
    kind = str(form.get("kind") or "")
    upload = await read_upload(file, request.app.state.settings, field="file") if file else None
    return await run_in_threadpool(_add_attachment, request, principal, database, application_id, kind,
                                   file.filename if file and file.filename else "", upload.content if upload else b"")


def _add_attachment(request: Request, principal: Principal, database: Database, application_id: int, kind: str,
                    filename: str, content: bytes) -> Response:
    t = translator_for(request)
    try:
        with database.session() as session:
            service.add_attachment(session, principal, application_id, kind=kind, filename=filename, content=content)
    except ValidationFailed as failed:
        return _application_page(request, principal, database, application_id, form={"kind": kind},
                                 issues=[_issue_view(i, t) for i in failed.issues], status_code=422)
    response = RedirectResponse(f"/green-list/applications/{application_id}", status_code=303)
    flash(response, "success", N_("The file was attached."))
    return response


@router.get("/green-list/applications/{application_id}/attachments/{attachment_id}")
def download_attachment(application_id: Id, attachment_id: Id, principal: PagePrincipal,
                        database: DatabaseDep) -> Response:
    with database.session() as session:
        return file_response(service.attachment(session, principal, application_id, attachment_id))


@router.post("/green-list/applications/{application_id}/{action}")
async def application_action(application_id: Id, action: str, request: Request, principal: PagePrincipal,
                             database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_act, request, principal, database, application_id, action, data)


def _evaluation(data: Mapping[str, str]) -> dict[str, Any]:
    rows = [{"indicator": data.get(f"indicator{i}_name", ""), "comment": data.get(f"indicator{i}_comment", "")}
            for i in range(INDICATOR_ROWS)]
    return {"recommendation": data.get("recommendation"), "comment": data.get("comment"),
            "score": data.get("score"), "veto_checked": "true" if data.get("veto_checked") else "false",
            "indicator_comments": [r for r in rows if r["indicator"].strip() or r["comment"].strip()]}


def _filled_rows(data: Mapping[str, str]) -> list[int]:
    return [i for i in range(INDICATOR_ROWS)
            if data.get(f"indicator{i}_name", "").strip() or data.get(f"indicator{i}_comment", "").strip()]


def _field_for_page(field: str, rows: list[int]) -> str:
    """Issues of nested fields point at the form's field names (blank indicator rows are skipped)."""
    if field.startswith("self_evaluation."):
        return field.removeprefix("self_evaluation.")
    if field.startswith("indicator_comments[") and "]" in field:
        position = int(field[len("indicator_comments["):field.index("]")])
        index = rows[position] if position < len(rows) else position
        rest = field[field.index("]") + 2:] if "]." in field else "indicator"
        return f"indicator{index}_{'name' if rest == 'indicator' else rest}"
    return field


def _still_visible(principal: Principal, database: Database, application_id: int) -> bool:
    from greenmfg.orgs.access import NotFound

    with database.session() as session:
        try:
            service.get_application(session, principal, application_id)
        except NotFound:
            return False
    return True


def _act(request: Request, principal: Principal, database: Database, application_id: int, action: str,
         data: dict[str, str]) -> Response:
    t = translator_for(request)
    if action not in URL_ACTIONS:
        from greenmfg.web.errors import ApiError

        raise ApiError(404)
    response = RedirectResponse(f"/green-list/applications/{application_id}", status_code=303)
    try:
        with database.session() as session:
            if action == "submit":
                if not (data.get("evaluation_id") or "").strip():
                    raise ValidationFailed([Issue(
                        "greenlist.self_evaluation.missing", "choose the final self-evaluation to submit",
                        "choose one of the final evaluations, or finalise one on the green-evaluation page",
                        "请选择要提交的已定稿自评价", "请选择已定稿的自评价，或先在“绿色评价”页面完成并定稿",
                        column="evaluation_id")], 1)
                service.submit(session, principal, application_id, {"evaluation_id": data["evaluation_id"]})
            elif action == "assign-evaluator":
                service.assign_evaluator(session, principal, application_id, data.get("evaluator_id"))
            elif action == "evaluate":
                service.evaluate(session, principal, application_id, _evaluation(data))
            elif action == "apply":
                service.apply(session, principal, application_id)
            elif action == "pre-review":
                service.pre_review(session, principal, application_id, comment=data.get("comment"))
            elif action == "province-return":
                service.province_return(session, principal, application_id, comment=data.get("comment"))
            elif action == "recommend":
                service.recommend(session, principal, application_id, comment=data.get("comment"))
            elif action == "return":
                service.return_for_rework(session, principal, application_id, comment=data.get("comment"))
            elif action == "reject":
                service.reject(session, principal, application_id, comment=data.get("comment"))
            elif action == "withdraw":
                service.withdraw(session, principal, application_id)
            else:
                service.recheck(session, principal, application_id, data)
    except ValidationFailed as failed:
        issues = [{**_issue_view(i, t), "field": _field_for_page(i.column, _filled_rows(data))} for i in failed.issues]
        return _application_page(request, principal, database, application_id, form=data, issues=issues,
                                 status_code=422)
    except service.TransitionConflict as error:
        flash(response, "error", N_("Nothing changed: {problem}"),
              problem=error.message_in(t.locale))
        return response
    if not _still_visible(principal, database, application_id):
        # the step ended the caller's view of it (an evaluator's assignment ends with the report): back to
        # the list, not to a 404 page under a success message
        response.headers["location"] = "/green-list"
    done = URL_ACTIONS[action]
    if action == "recheck":
        done = "remove" if data.get("outcome") == "removed" else "retain"
    elif action == "evaluate" and data.get("recommendation") == "rework":
        done = "evaluator_return"
    flash(response, "success", N_("Done: {action}."), action=t.gettext(ACTION_LABELS[done]))
    return response


# ---------------------------------------------------------------------------------- regional targets


def _targets_charts(result: targets.GreenTargets, t: Translator) -> dict[str, Any]:
    shares = [s for s in result.shares if s.share is not None]
    years = sorted({s.year for s in shares} | ({y for y, _ in result.path.trajectory} if result.path else set()))
    share_by_year = {s.year: round(s.share * 100, 2) for s in shares if s.share is not None}
    path_by_year = {y: round(v * 100, 2) for y, v in result.path.trajectory} if result.path else {}
    target = round(result.rules.target_share.value * 100, 1)
    share_chart = {
        "tooltip": {"trigger": "axis", "valueFormatter": "{value} %"},
        "legend": {"top": 0, "right": 0},
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "name": "%", "max": 50},
        "series": [
            {"name": t.gettext("Green-factory output share"), "type": "bar", "barMaxWidth": 24,
             "data": [share_by_year.get(y) for y in years]},
            {"name": t.gettext("Trajectory to the 2030 target"), "type": "line", "smooth": False,
             "lineStyle": {"type": "dashed"}, "data": [path_by_year.get(y) for y in years]},
            {"name": t.gettext("Target line (2030)"), "type": "line", "symbol": "none",
             "data": [target for _ in years], "lineStyle": {"type": "dotted"}},
        ],
    }
    count_years = sorted(result.counts)
    counts_chart = {
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0, "right": 0},
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(y) for y in count_years]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"name": t.gettext(KIND_LABELS[k.value]), "type": "bar", "stack": "all",
                    "data": [result.counts[y][k.value] for y in count_years]} for k in ListKind],
    }
    industries = sorted({i.industry for i in result.intensities})
    intensity_years = sorted({i.year for i in result.intensities})
    by_key = {(i.industry, i.year): i for i in result.intensities}

    def line(metric: str) -> dict[str, Any]:
        return {
            "tooltip": {"trigger": "axis"}, "legend": {"top": 0, "right": 0, "type": "scroll"},
            "grid": {"left": 8, "right": 16, "top": 40, "bottom": 4, "containLabel": True},
            "xAxis": {"type": "category", "data": [str(y) for y in intensity_years]},
            "yAxis": {"type": "value", "name": "tce/万元" if metric == "energy" else "tCO₂e/万元"},
            "series": [{"name": _industry(ind, t), "type": "line", "data": [
                round(getattr(by_key[(ind, y)], f"{metric}_intensity") or 0, 4) if (ind, y) in by_key else None
                for y in intensity_years]} for ind in industries],
        }

    return {"share": share_chart, "counts": counts_chart, "energy": line("energy"), "carbon": line("carbon")}


def _targets_page(request: Request, principal: Principal, database: Database, *, province: str | None,
                  city: str | None, form: dict[str, str] | None = None, issues: list[dict[str, str]] | None = None,
                  status_code: int = 200) -> Response:
    t = translator_for(request)
    with database.session() as session:
        if province is None and principal.is_admin and not principal.jurisdictions:
            province = targets.busiest_province(session, principal)  # the page opens on a province
        result = targets.green_targets(session, principal, province=province, city=city)
        outputs = list(session.execute(select(RegionOutput).where(
            RegionOutput.province == result.area.province, RegionOutput.city == result.area.city)
            .order_by(RegionOutput.year)).scalars())
        outputs_view = [{"year": o.year, "value": float(o.output_value), "note": o.source_note} for o in outputs]
    issues = issues or []
    latest = next((s for s in reversed(result.shares) if s.share is not None), None)
    values = {"province": result.area.province, "city": result.area.city, "year": str(utcnow().year - 1),
              "output_value": "", "source_note": "", **(form or {})}
    return render(request, "greenlist/targets.html", {
        "result": result, "latest": latest, "path": result.path, "charts": _targets_charts(result, t),
        "area": _place(result.area.province, result.area.city or None, t),
        "warnings": [w["message_zh"] if _zh(t) else w["message"] for w in result.warnings],
        "outputs": outputs_view, "values": values, "issues": issues, "errors": _errors(issues),
        "target": result.rules.target_share, "target_year": int(result.rules.target_year.value),
        "nav_active": "region",
    }, status_code=status_code)


@router.get("/region/green")
def targets_page(request: Request, principal: PagePrincipal, database: DatabaseDep,
                 province: Annotated[str | None, Query(max_length=6)] = None,
                 city: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    return _targets_page(request, principal, database, province=province or None, city=city or None)


@router.post("/region/green/output-values")
async def region_output(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_region_output, request, principal, database, data)


def _region_output(request: Request, principal: Principal, database: Database, data: dict[str, str]) -> Response:
    t = translator_for(request)
    try:
        with database.session() as session:
            row = service.set_region_output(session, principal, data)
            province, city = row.province, row.city
    except ValidationFailed as failed:
        return _targets_page(request, principal, database, province=None, city=None, form=data,
                             issues=[_issue_view(i, t) for i in failed.issues], status_code=422)
    target = f"/region/green?province={province}" + (f"&city={city}" if city else "")
    response = RedirectResponse(target, status_code=303)
    flash(response, "success", N_("The manufacturing output value of {year} was saved."), year=data.get("year", ""))
    return response
