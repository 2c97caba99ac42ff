"""Capacity-replacement pages: the calculator, the plan list, the plan form and a plan's page.

Routes
------
``/capacity`` (``?sector=&process=&capacity=&unit=&province=&city=&date=&merger=&cases=``)
    The calculator (a GET form: computing changes nothing) and the plans the user may see.
``/capacity/plans/new``, POST ``/capacity/plans``
    The plan form (enterprise managers): the new project and up to :data:`FORM_ROWS` retired
    units; refused input comes back with every problem next to its field.
``/capacity/plans/{id}``, POST ``…/submit``, ``…/approve``, ``…/reject``
    A plan: requirement with sources and verification badges, the check against the rules,
    retired capacity, history, and the actions the user may take. Plans the user may not see
    are a 404 page, as in the API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from greenmfg.accounting.labels import VERIFICATION
from greenmfg.calc.capacity import CAPACITY_UNITS, PROCESSES, Requirement
from greenmfg.capacity import service
from greenmfg.capacity.inputs import MUNICIPALITIES
from greenmfg.capacity.labels import (
    CASE_LABELS,
    OUTCOME_LABELS,
    PLAN_STATUS,
    PROCESS_LABELS,
    SECTOR_LABELS,
    UNIT_LABELS,
    rule_name,
)
from greenmfg.capacity.labels import (
    in_words as capacity_words,
)
from greenmfg.capacity.models import PlanStatus, ReplacementPlan
from greenmfg.capacity.rules import load_rulebook
from greenmfg.db.session import Database
from greenmfg.errors import Issue, ValidationFailed
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.access import Principal, manageable_enterprises
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.refdata.words import in_words as reference_words
from greenmfg.web.deps import PagePrincipal, get_database
from greenmfg.web.errors import ApiError
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import label_of, render, translator_for, vocabulary_name

__all__ = ["FORM_ROWS", "router"]

router = APIRouter(include_in_schema=False)

DatabaseDep = Annotated[Database, Depends(get_database)]
PAGE_SIZE = 25
#: retired-capacity rows of the plan form (blank rows are ignored)
FORM_ROWS = 4
PROJECT_FIELDS = ("sector", "process", "capacity", "unit", "province", "city")
ITEM_FIELDS = ("facility_code", "facility_name", "capacity", "unit", "province", "city", "retirement_date", "evidence",
               "enterprise_id")


def _zh(translator: Translator) -> bool:
    return translator.locale == "zh-CN"


def _province(code: str | None, translator: Translator) -> str:
    return vocabulary_name(load_vocabulary().regions, code, translator)


def _place(province: str | None, city: str | None, translator: Translator) -> str:
    name = _province(province, translator)
    return f"{name} · {city}" if city else name


def _options(translator: Translator) -> dict[str, Any]:
    vocabulary = load_vocabulary()
    zh = _zh(translator)
    return {
        "sectors": [{"value": k, "label": label_of(SECTOR_LABELS, k, translator)} for k in CAPACITY_UNITS],
        "processes": [{"value": k, "label": f"{label_of(PROCESS_LABELS, k, translator)}",
                       "sector": label_of(SECTOR_LABELS, s, translator)} for k, s in PROCESSES.items()],
        "units": [{"value": u, "label": label_of(UNIT_LABELS, u, translator)} for u in ("t/a", "t/d")],
        "provinces": [{"value": k, "label": f"{r['name_zh'] if zh else r['name_en']} ({k})"}
                      for k, r in sorted(vocabulary.regions.items())],
        "cases": [{"value": k, "label": label_of(CASE_LABELS, k, translator)} for k in CASE_LABELS
                  if k not in {"standard", "merger", "cross_province", "restricted_category", "qinghai_tibet"}],
        "municipalities": sorted(MUNICIPALITIES),
    }


def _issue_view(issue: Issue, translator: Translator) -> dict[str, str]:
    zh = _zh(translator)
    return {"field": issue.column, "value": issue.value, "code": issue.code,
            "message": issue.message_zh if zh else issue.message, "fix": issue.fix_zh if zh else issue.fix}


def _errors_by_field(issues: list[dict[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for issue in issues:
        out.setdefault(issue["field"], []).append(issue["message"])
    return out


def _status_badge(status: str, translator: Translator) -> dict[str, str]:
    badge, text = VERIFICATION.get(status, ("info", status))
    return {"status": badge, "text": translator.gettext(text) if text else status}


def _requirement_view(req: Mapping[str, Any], translator: Translator) -> dict[str, Any]:
    """A stored or fresh requirement (the API's dict shape) for the page."""
    zh = _zh(translator)
    measure = req["measure"]
    rule = req.get("rule")
    def named(text: str) -> str:  # rule keys, region sets and cited values in words
        return reference_words(capacity_words(text, translator), zh=zh)

    citations = []
    for c in req.get("citations", []):
        citations.append({"reference": c["reference"], "reference_name": named(c["reference"]), "value": c["value"],
                          "source": c["source"], "notes": c["notes"],
                          "badge": _status_badge(c["verification_status"], translator)})
    return {
        "outcome": req["outcome"], "outcome_label": label_of(OUTCOME_LABELS, req["outcome"], translator),
        "ratio": req.get("ratio"), "required": req.get("required_capacity"), "unit": req.get("unit"),
        "strictly_greater": req.get("strictly_greater"),
        "measure_title": measure["title_zh"] if zh else measure["title"], "measure_id": measure["dataset_id"],
        "valid_from": measure.get("valid_from"), "valid_to": measure.get("valid_to"),
        "rule_key": rule["key"] if rule else None,
        "case_label": label_of(CASE_LABELS, rule["case"], translator) if rule else None,
        "key_region": req["region"]["key_region"] if req.get("region") else None,
        "region_set": req["region"]["region_set"] if req.get("region") else None,
        "region_set_name": named(req["region"]["region_set"] or "") if req.get("region") else None,
        "rule_name": rule_name(rule["key"], translator) if rule else None,
        "reasons": [named(r["message_zh"] if zh else r["message"]) for r in req.get("reasons", [])],
        "warnings": [{"message": named(w["message_zh"] if zh else w["message"]), "code": w["code"],
                      "badge": _status_badge(w.get("verification_status") or "", translator)
                      if w.get("verification_status") else None} for w in req.get("warnings", [])],
        "citations": citations,
    }


def _plan_row(plan: ReplacementPlan, orgs: Mapping[int, str], translator: Translator) -> dict[str, Any]:
    badge, text = PLAN_STATUS.get(plan.status, ("info", plan.status))
    return {
        "id": {"text": f"#{plan.id}", "href": f"/capacity/plans/{plan.id}", "sort": plan.id},
        "project": {"text": plan.project_name, "href": f"/capacity/plans/{plan.id}"},
        "enterprise": orgs.get(plan.enterprise_id, "—"),
        "process": label_of(PROCESS_LABELS, plan.process, translator),
        "place": _place(plan.province, plan.city, translator),
        "capacity": f"{_amount(plan.capacity, translator)} {plan.unit}",
        "ratio": f"{_amount(plan.ratio, translator)}:1",
        "status": {"status": badge, "text": translator.gettext(text)},
        "warnings": {"status": "warning", "text": translator.format_number(len(plan.warnings))} if plan.warnings
        else {"status": "verified", "text": translator.gettext("None")},
    }


def _amount(value: Decimal | float | int | None, translator: Translator) -> str:
    if value is None:
        return "—"
    number = Decimal(str(value))
    digits = 0 if number == number.to_integral_value() else min(3, -number.normalize().as_tuple().exponent)  # type: ignore[operator]
    return translator.format_decimal(number, digits)


# ------------------------------------------------------------------------------------- calculator


@router.get("/capacity")
def capacity_home(request: Request, principal: PagePrincipal, database: DatabaseDep,
                  status: Annotated[PlanStatus | None, Query()] = None,
                  page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    translator = translator_for(request)
    params = {k: v for k, v in request.query_params.items() if k not in {"page", "status"}}
    values = {"sector": "", "process": "", "capacity": "", "unit": "t/a", "province": "", "city": "",
              "date": service.today().isoformat(), "merger": "", "cases": "", "cross_province": "",
              "restricted_category": "", **params}
    if "cases" in params:
        values["cases"] = ",".join(request.query_params.getlist("cases"))
    result: dict[str, Any] | None = None
    issues: list[dict[str, str]] = []
    status_code = 200
    if params.get("sector") is not None:
        data: dict[str, Any] = dict(params)
        data["cases"] = [c for c in request.query_params.getlist("cases") if c]
        try:
            requirement: Requirement = service.calculate(data)
        except ValidationFailed as failed:
            issues = [_issue_view(i, translator) for i in failed.issues]
            status_code = 422
        else:
            result = _requirement_view(service.requirement_dict(requirement), translator)
    with database.session() as session:
        rows, total = service.plan_page(session, principal, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
                                        status=status)
        orgs, _users = service.names(session, rows)
        manageable = manageable_enterprises(session, principal)
    return render(request, "capacity/home.html", {
        "values": values, "result": result, "issues": issues, "errors": _errors_by_field(issues),
        "options": _options(translator), "plans": [_plan_row(p, orgs, translator) for p in rows], "total": total,
        "page": page, "page_size": PAGE_SIZE, "status": status or "", "can_create": bool(manageable),
        "statuses": [{"value": k, "label": translator.gettext(v[1])} for k, v in PLAN_STATUS.items()],
        "nav_active": "capacity",
        "amount": lambda v: _amount(v, translator),
    }, status_code=status_code)


# --------------------------------------------------------------------------------------- plan form


def _blank_form(enterprise_id: int | None) -> dict[str, Any]:
    today = service.today().isoformat()
    return {"enterprise_id": str(enterprise_id or ""), "project_name": "", "sector": "", "process": "", "capacity": "",
            "unit": "t/a", "province": "", "city": "", "application_date": today, "commissioning_date": "",
            "merger": "", "restricted_category": "", "cases": [],
            "items": [{f: "" for f in ITEM_FIELDS} | {"unit": "t/a"} for _ in range(FORM_ROWS)]}


def _render_form(request: Request, principal: Principal, database: Database, form: dict[str, Any],
                 issues: list[dict[str, str]], status_code: int = 200) -> Response:
    translator = translator_for(request)
    with database.session() as session:
        manageable = manageable_enterprises(session, principal)
    if not manageable:
        raise ApiError(403, "only managers of an enterprise can create replacement plans",
                       "只有企业管理员可以创建产能置换方案")
    return render(request, "capacity/plan_form.html", {
        "form": form, "issues": issues, "errors": _errors_by_field(issues), "options": _options(translator),
        "enterprises": [{"value": str(o.id), "label": o.name} for o in manageable], "nav_active": "capacity",
        "rows": FORM_ROWS,
    }, status_code=status_code)


@router.get("/capacity/plans/new")
def plan_form(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    own = principal.enterprise_ids()
    return _render_form(request, principal, database, _blank_form(own[0] if len(own) == 1 else None), [])


def _form_data(form: Mapping[str, Any], cases: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The service's input from the posted form, and the form's values to show again."""
    text = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    data: dict[str, Any] = {k: text.get(k) for k in ("enterprise_id", "project_name", *PROJECT_FIELDS,
                                                       "application_date", "commissioning_date", "merger",
                                                       "restricted_category")}
    data["cases"] = cases
    items: list[dict[str, Any]] = []
    shown_items = []
    for index in range(FORM_ROWS):
        row = {f: text.get(f"item{index}_{f}", "") for f in ITEM_FIELDS}
        shown_items.append(row)
        # a row counts once any field other than the defaults (unit, place, owner) is filled in
        if any(row[f].strip() for f in ("facility_code", "facility_name", "capacity", "retirement_date", "evidence")):
            items.append({f: (v if v.strip() else None) for f, v in row.items()})
    data["retired_items"] = items
    shown = {**{k: (v or "") for k, v in data.items() if k != "retired_items"}, "cases": cases, "items": shown_items}
    return data, shown


def _renumber(issues: list[dict[str, str]], data: Mapping[str, Any], form: Mapping[str, Any]) -> list[dict[str, str]]:
    """Issues of retired_items[i] point at the form row the item came from."""
    rows = [i for i in range(FORM_ROWS) if any(str(form.get(f"item{i}_{f}") or "").strip()
                                              for f in ("facility_code", "facility_name", "capacity",
                                                        "retirement_date", "evidence"))]
    out = []
    for issue in issues:
        field = issue["field"]
        if field.startswith("retired_items[") and "]" in field:
            index = int(field[len("retired_items["):field.index("]")])
            if index < len(rows):
                rest = field[field.index("]") + 2:] if "]." in field else ""
                issue = {**issue, "field": f"item{rows[index]}_{rest}" if rest else f"item{rows[index]}",
                         "row": str(rows[index] + 1)}
        out.append(issue)
    return out


@router.post("/capacity/plans")
async def create_plan(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    form = await request.form()
    cases = [str(c) for c in form.getlist("cases") if isinstance(c, str) and c]
    data, shown = _form_data(form, cases)
    # parsing, the rules and the database work run off the event loop
    return await run_in_threadpool(_create, request, principal, database, data, shown, dict(form))


def _create(request: Request, principal: Principal, database: Database, data: dict[str, Any], shown: dict[str, Any],
            form: dict[str, Any]) -> Response:
    translator = translator_for(request)
    try:
        with database.session() as session:
            plan = service.create_plan(session, principal, data)
            plan_id = plan.id
    except ValidationFailed as failed:
        issues = _renumber([_issue_view(i, translator) for i in failed.issues], data, form)
        return _render_form(request, principal, database, shown, issues, status_code=422)
    response = RedirectResponse(f"/capacity/plans/{plan_id}", status_code=303)
    flash(response, "success", N_("Plan #{id} was saved as a draft. Check it, then submit it to the regulator."),
          id=str(plan_id))
    return response


# -------------------------------------------------------------------------------------- plan page


@router.get("/capacity/plans/{plan_id}")
def plan_page(plan_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    translator = translator_for(request)
    with database.session() as session:
        plan = service.get_plan(session, principal, plan_id)
        orgs, users = service.names(session, [plan])
        fresh, issues, findings = service.check_plan(plan, book=load_rulebook())
        may_submit = plan.status == PlanStatus.draft and service.can_submit(principal, plan)
        may_decide = plan.status == PlanStatus.submitted and service.can_decide(session, principal, plan)
    data = service.plan_dict(plan, orgs, users)
    badge, text = PLAN_STATUS.get(plan.status, ("info", plan.status))
    requirement = _requirement_view(plan.requirement, translator)
    requirement["warnings"] += [{"message": reference_words(capacity_words(f["message_zh"] if _zh(translator) else f["message"],
                                                                        translator), zh=_zh(translator)), "code": f["code"],
                                 "badge": None} for f in plan.warnings
                                if f["code"] not in {w["code"] for w in plan.requirement.get("warnings", [])}]
    changed = fresh is not None and (fresh.ratio != Decimal(str(plan.requirement.get("ratio") or 0))
                                     or fresh.measure.dataset_id != plan.requirement["measure"]["dataset_id"])
    items = [{
        "n": r["position"] + 1, "enterprise": r["enterprise_name"] or "—", "code": r["facility_code"],
        "name": r["facility_name"] or "—", "process": label_of(PROCESS_LABELS, r["process"], translator),
        "capacity": f"{_amount(r['capacity'], translator)} {r['unit']}",
        "place": _place(r["province"], r["city"], translator), "retired": translator.format_date(r["retirement_date"]),
        "evidence": r["evidence"],
        "counted": {"status": "committed", "text": translator.gettext("Counted")} if r["counted"]
        else {"status": "draft", "text": translator.gettext("Released")},
    } for r in data["retired_items"]]
    history = [(translator.gettext("Created"), data["created_by"], plan.created_at)]
    if plan.submitted_at:
        history.append((translator.gettext("Submitted"), data["submitted_by"], plan.submitted_at))
    if plan.decided_at:
        history.append((translator.gettext(text), data["decided_by"], plan.decided_at))
    return render(request, "capacity/plan.html", {
        "plan": data, "badge": badge, "status_label": translator.gettext(text), "requirement": requirement,
        "issues": [_issue_view(i, translator) for i in issues], "changed": changed, "items": items,
        "history": history, "may_submit": may_submit, "may_decide": may_decide, "nav_active": "capacity",
        "place": _place(plan.province, plan.city, translator),
        "sector_label": label_of(SECTOR_LABELS, plan.sector, translator),
        "process_label": label_of(PROCESS_LABELS, plan.process, translator),
        "cases": [label_of(CASE_LABELS, c, translator) for c in plan.cases],
        "amount": lambda v: _amount(v, translator), "findings": len(findings),
    })


def _after(request: Request, plan_id: int, action: str, run: Any) -> Response:
    """Run a transition; come back to the plan with what happened."""
    translator = translator_for(request)
    response = RedirectResponse(f"/capacity/plans/{plan_id}", status_code=303)
    try:
        run()
    except service.PlanConflict as error:
        flash(response, "error", N_("Nothing changed: {problem}"),
              problem=error.message_in(translator.locale))
        return response
    except ValidationFailed as failed:
        first = failed.issues[0] if failed.issues else None
        problem = (first.message_zh if _zh(translator) else first.message) if first else str(failed)
        flash(response, "error", N_("Nothing changed: {problem}"), problem=problem)
        return response
    messages = {"submit": N_("The plan was submitted to the regulator."), "approve": N_("The plan was approved."),
                "reject": N_("The plan was rejected; its retired capacity is released.")}
    flash(response, "success", messages[action])
    return response


def _decide(request: Request, principal: Principal, database: Database, plan_id: int, action: str,
            decision: Callable[..., object], comment: str | None) -> Response:
    """A regulator's decision with the form's comment (approve, reject)."""
    def run() -> None:
        with database.session() as session:
            decision(session, principal, plan_id, comment=comment)

    return _after(request, plan_id, action, run)


@router.post("/capacity/plans/{plan_id}/submit")
def submit(plan_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    def run() -> None:
        with database.session() as session:
            service.submit_plan(session, principal, plan_id)

    return _after(request, plan_id, "submit", run)


@router.post("/capacity/plans/{plan_id}/approve")
def approve(plan_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
            comment: Annotated[str | None, Form(max_length=2000)] = None) -> Response:
    return _decide(request, principal, database, plan_id, "approve", service.approve_plan, comment)


@router.post("/capacity/plans/{plan_id}/reject")
def reject(plan_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
           comment: Annotated[str | None, Form(max_length=2000)] = None) -> Response:
    return _decide(request, principal, database, plan_id, "reject", service.reject_plan, comment)
