"""Capacity-replacement API.

``GET /api/v1/capacity/ratios`` lists the encoded measures (ratios with source, status and
validity; drafts flagged) and the region sets. ``POST /api/v1/capacity/calculate`` applies them
to a new project. ``/api/v1/capacity/plans`` is the ledger: list, create (a draft, with its
retired capacity), get, and the transitions ``submit`` (the enterprise), ``approve`` and
``reject`` (a regulator covering where the enterprise is registered). Input problems answer 422 with one
located issue per field (``details[].column`` is the field path, e.g.
``retired_items[1].capacity``); a transition from the wrong state answers 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy.orm import Session

from greenmfg.calc.capacity import PROCESSES, Cited
from greenmfg.capacity import service
from greenmfg.capacity.models import PlanStatus, ReplacementPlan
from greenmfg.capacity.rules import load_rulebook
from greenmfg.db.session import Database
from greenmfg.orgs.access import Principal
from greenmfg.web.deps import CurrentPrincipal, get_database
from greenmfg.web.errors import ApiError
from greenmfg.web.ids import Id
from greenmfg.web.pagination import Page, PageParams, page_params

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/capacity", tags=["capacity replacement"])

DatabaseDep = Annotated[Database, Depends(get_database)]
CALCULATE_EXAMPLE = {"sector": "steel", "process": "ironmaking", "capacity": 1000000, "unit": "t/a",
                     "province": "130000", "city": "唐山", "date": "2023-05-01", "merger": False, "cases": []}
PLAN_EXAMPLE = {
    "enterprise_id": 1, "project_name": "2号高炉置换升级", **{k: v for k, v in CALCULATE_EXAMPLE.items() if k != "date"},
    "application_date": "2023-05-01", "commissioning_date": "2025-06-30",
    "retired_items": [{"facility_code": "BF-1", "facility_name": "1号450m³高炉", "capacity": 1500000, "unit": "t/a",
                       "province": "130000", "city": "唐山", "retirement_date": "2024-12-31",
                       "evidence": "拆除验收意见（唐工信〔2024〕12号）"}],
}


def _cited(c: Cited) -> dict[str, Any]:
    return {"reference": c.reference, "value": c.value, "source": c.source, "verification_status": c.status,
            "notes": c.notes, "needs_warning": c.needs_warning}


@router.get("/ratios", summary="Replacement ratios per measure, with sources, statuses and validity; region sets")
def ratios(principal: CurrentPrincipal,
           sector: Annotated[str | None, Query(description="steel, cement, flat_glass, electrolytic_aluminium")] = None,
           date: Annotated[dt.date | None, Query(description="marks the measures in force on this date (default today)")] = None,
           ) -> dict[str, Any]:
    book = load_rulebook()
    on = date or service.today()
    measures = []
    for measure in book.measures:
        rules = [r for r in measure.rules if sector is None or PROCESSES[r.process] == sector]
        suspended = {p: c for p, c in measure.suspended.items() if sector is None or PROCESSES[p] == sector}
        if not rules and not suspended:
            continue
        measures.append({
            "dataset_id": measure.dataset_id, "title": measure.title, "title_zh": measure.title_zh,
            "valid_from": measure.valid_from, "valid_to": measure.valid_to, "draft": measure.draft,
            "in_force": measure.in_force(on), "sha256": measure.sha256,
            "key_region": [{"region_set": name, "citation": _cited(c)} for name, c in measure.key_region],
            "suspended": [{"process": p, "citation": _cited(c)} for p, c in suspended.items()],
            "rules": [{"key": r.key, "process": r.process, "sector": PROCESSES[r.process], "case": r.case,
                       "where": r.where,
                       **{name: _cited(c) for name in ("ratio_min", "ratio_floor", "not_permitted", "strictly_greater",
                                                        "automatic") if (c := getattr(r, name)) is not None},
                       "only_in": [{"region_set": n, "citation": _cited(c)} for n, c in r.only_in]} for r in rules],
        })
    return {"date": on, "measures": measures,
            "regions": {name: [{"member": m, **_cited(c)} for m, c in region.members.items()]
                        for name, region in sorted(book.regions.items())}}


@router.post("/calculate", summary="Required retired capacity for a new project: ratio, rule, sources and reasons")
def calculate(principal: CurrentPrincipal,
              body: Annotated[dict[str, Any], Body(openapi_examples={"steel": {"value": CALCULATE_EXAMPLE}})],
              ) -> dict[str, Any]:
    """Fields: ``sector``, ``process``, ``capacity`` [``unit``: t/a or t/d], ``province`` (GB/T 2260
    code or name), ``city`` (prefecture-level; not for municipalities), ``date`` (the rules of
    this date apply), ``merger``, ``cases`` (special cases claimed), ``cross_province``,
    ``restricted_category``. ``required_capacity`` = ``capacity`` × ``ratio`` [same unit]."""
    return service.requirement_dict(service.calculate(body))


def _plan_answer(session: Session, plan: ReplacementPlan) -> dict[str, Any]:
    orgs, users = service.names(session, [plan])
    return service.plan_dict(plan, orgs, users)


@router.get("/plans", summary="Replacement plans you may see (newest first)")
def list_plans(principal: CurrentPrincipal, database: DatabaseDep,
               params: Annotated[PageParams, Depends(page_params)], status: PlanStatus | None = None,
               enterprise_id: Id | None = None) -> dict[str, Any]:
    with database.session() as session:
        rows, total = service.plan_page(session, principal, offset=params.offset, limit=params.page_size,
                                        status=status, enterprise_id=enterprise_id)
        orgs, users = service.names(session, rows)
        return Page([service.plan_dict(p, orgs, users, full=False) for p in rows], total, params)


@router.post("/plans", status_code=201, summary="Create a replacement plan (a draft) with its retired capacity")
def create_plan(principal: CurrentPrincipal, database: DatabaseDep,
                body: Annotated[dict[str, Any], Body(openapi_examples={"steel": {"value": PLAN_EXAMPLE}})],
                ) -> dict[str, Any]:
    """Refused (422, nothing stored) when a field is wrong, the retired capacity is counted in
    another plan, is not enough for the ratio, is of another process or unit, belongs to an
    enterprise you do not manage, or is retired after the new project starts."""
    with database.session() as session:
        plan = service.create_plan(session, principal, body)
        return _plan_answer(session, plan)


@router.get("/plans/{plan_id}", summary="One plan: project, retired capacity, requirement with sources, warnings")
def get_plan(plan_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        plan = service.get_plan(session, principal, plan_id)
        answer = _plan_answer(session, plan)
        _requirement, issues, _findings = service.check_plan(plan)
        answer["check"] = {"ok": not issues, "issues": [i.as_dict() for i in issues]}
        return answer


@router.post("/plans/{plan_id}/submit", summary="Submit a draft to the regulator (enterprise manager)")
def submit_plan(plan_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        plan = service.submit_plan(session, principal, plan_id)
        return _plan_answer(session, plan)


def _comment(body: dict[str, Any] | None) -> str | None:
    value = (body or {}).get("comment")
    if value is not None and not isinstance(value, str):
        raise ApiError(422, "comment must be text", "意见必须为文本", code="invalid_input",
                       details=[{"column": "comment", "message": "must be text", "message_zh": "必须为文本"}])
    return value


def _decide(database: Database, decision: Callable[..., ReplacementPlan], principal: Principal, plan_id: int,
            body: dict[str, Any] | None) -> dict[str, Any]:
    """A regulator's decision with an optional ``comment`` in the body (approve, reject)."""
    with database.session() as session:
        plan = decision(session, principal, plan_id, comment=_comment(body))
        return _plan_answer(session, plan)


@router.post("/plans/{plan_id}/approve", summary="Approve a submitted plan (regulator covering the project)")
def approve_plan(plan_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                 body: Annotated[dict[str, Any] | None, Body()] = None) -> dict[str, Any]:
    return _decide(database, service.approve_plan, principal, plan_id, body)


@router.post("/plans/{plan_id}/reject", summary="Reject a submitted plan with a reason; its capacity is released")
def reject_plan(plan_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                body: Annotated[dict[str, Any] | None, Body()] = None) -> dict[str, Any]:
    return _decide(database, service.reject_plan, principal, plan_id, body)
