"""Green-manufacturing list and regional-target API.

``GET /api/v1/green-list`` is the published list (public information: every signed-in user may
read it; no scores, no reports). ``/api/v1/green-list/applications`` is the workflow (see
:mod:`greenmfg.greenlist.service` for the states and who may do what): an action from the wrong
state answers 409, an action the caller may not take on an application it sees 403, an
application it may not see 404. Input problems answer 422 with one located issue per field
(``details[].column``, e.g. ``self_evaluation.total_score``). Output values [万元]:
``/api/v1/enterprises/{id}/output-values`` (the enterprise's) and ``/api/v1/region/output-values``
(a jurisdiction's manufacturing output); ``/api/v1/region/green-targets`` is the 40 %-by-2030 view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greenmfg.db.session import Database
from greenmfg.greenlist import service, targets
from greenmfg.greenlist.models import (
    ApplicationStatus,
    EnterpriseOutput,
    GreenApplication,
    ListKind,
    RegionOutput,
)
from greenmfg.greenlist.rules import load_rules
from greenmfg.orgs.access import Principal, get_enterprise
from greenmfg.orgs.models import Organisation, OrgKind
from greenmfg.web.deps import CurrentPrincipal, get_database
from greenmfg.web.ids import Id
from greenmfg.web.pagination import Page, PageParams, page_params

__all__ = ["router", "targets_json"]

router = APIRouter(tags=["green manufacturing list"])

DatabaseDep = Annotated[Database, Depends(get_database)]
BodyDep = Annotated[dict[str, Any] | None, Body()]
SELF_EVALUATION_EXAMPLE = {"self_evaluation": {"framework": "GB/T 36132-2025", "kind": "factory", "total_score": 86.5,
                                               "passed": True, "veto_failures": [], "evaluated_at": "2026-03-01"}}


def _answer(session: Session, application: GreenApplication) -> dict[str, Any]:
    session.refresh(application)
    return service.application_dict(application, service.names(session, [application]))


def _run(database: Database, work: Any) -> dict[str, Any]:
    with database.session() as session:
        result: dict[str, Any] = work(session)
        return result


@router.get("/api/v1/green-list", summary="The published green-manufacturing list (public information)")
def green_list(principal: CurrentPrincipal, database: DatabaseDep,
               params: Annotated[PageParams, Depends(page_params)],
               kind: ListKind | None = None,
               year: Annotated[int | None, Query(ge=2000, le=2100, description="listed at the end of this year")] = None,
               province: Annotated[str | None, Query(max_length=6, description="GB/T 2260 code")] = None,
               ) -> dict[str, Any]:
    """Units on the list now (or at the end of ``year``, removed ones excluded): kind, name, park,
    industry, province, city, list year. No scores, reports or output values."""
    with database.session() as session:
        rows, total = service.published_list(session, kind=kind, year=year, province=province,
                                             offset=params.offset, limit=params.page_size)
        return Page(rows, total, params)


@router.get("/api/v1/green-list/rules", summary="The list rules and the 2030 target, with sources and statuses")
def list_rules(principal: CurrentPrincipal) -> dict[str, Any]:
    rules = load_rules()
    return {
        "evaluator_cap": rules.evaluator_cap.as_dict(),
        "removal_criteria": {k: v.as_dict() for k, v in rules.removal_criteria.items()},
        "exclusion_conditions": {k: v.as_dict() for k, v in rules.exclusion_conditions.items()},
        "target": {"share": rules.target_share.as_dict(), "year": rules.target_year.as_dict()},
        "transitions": [{"action": t.action, "from": sorted(t.sources), "to": t.target, "who": t.who}
                        for t in service.TRANSITIONS.values()],
        "datasets": [{"id": d, "sha256": rules.sha256[d]} for d in rules.dataset_ids],
    }


@router.get("/api/v1/green-list/evaluators", summary="Third-party evaluators and their evaluations in a list year")
def evaluators(principal: CurrentPrincipal, database: DatabaseDep,
               year: Annotated[int, Query(ge=2000, le=2100)]) -> dict[str, Any]:
    cap = int(load_rules().evaluator_cap.value)
    with database.session() as session:
        used: dict[int, int] = {int(row[0] or 0): int(row[1]) for row in session.execute(
            select(GreenApplication.evaluator_id, func.count()).where(
                GreenApplication.list_year == year, GreenApplication.evaluator_id.is_not(None))
            .group_by(GreenApplication.evaluator_id))}
        items = [{"id": o.id, "name": o.name, "name_en": o.name_en, "evaluations": used.get(o.id, 0), "cap": cap,
                  "available": used.get(o.id, 0) < cap}
                 for o in session.execute(select(Organisation).where(
                     Organisation.kind == OrgKind.evaluator, Organisation.active.is_(True))
                     .order_by(Organisation.name)).scalars()]
    return {"year": year, "cap": cap, "items": items}


@router.get("/api/v1/green-list/applications", summary="Applications you may see (newest first)")
def list_applications(principal: CurrentPrincipal, database: DatabaseDep,
                      params: Annotated[PageParams, Depends(page_params)],
                      status: ApplicationStatus | None = None, kind: ListKind | None = None,
                      queue: Annotated[str | None, Query(pattern="^(mine|evaluator|regulator|admin)$")] = None,
                      ) -> dict[str, Any]:
    with database.session() as session:
        rows, total = service.application_page(session, principal, offset=params.offset, limit=params.page_size,
                                               status=status, kind=kind, queue=queue)
        orgs = service.names(session, rows)
        return Page([service.application_dict(a, orgs, full=False) for a in rows], total, params)


@router.post("/api/v1/green-list/applications", status_code=201, summary="Create a draft application")
def create_application(principal: CurrentPrincipal, database: DatabaseDep,
                       body: Annotated[dict[str, Any], Body(openapi_examples={"factory": {"value": {
                           "organisation_id": 1, "kind": "factory", "list_year": 2026}}})]) -> dict[str, Any]:
    """``organisation_id`` (an enterprise you manage), ``kind`` (factory, park, supply_chain or
    the Chinese names), ``list_year``, ``park_id`` (for a park: the park the applicant manages)."""
    return _run(database, lambda s: _answer(s, service.create_application(s, principal, body)))


@router.get("/api/v1/green-list/applications/{application_id}", summary="One application with its history")
def get_application(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        application = service.get_application(session, principal, application_id)
        answer = service.application_dict(application, service.names(session, [application]))
        answer["allowed_actions"] = service.allowed_actions(session, principal, application)
        return answer


def _body(body: dict[str, Any] | None) -> dict[str, Any]:
    return body or {}


def _decide(database: Database, decision: Callable[..., GreenApplication], principal: Principal,
            application_id: int, body: dict[str, Any] | None) -> dict[str, Any]:
    """A decision with an optional ``comment`` in the body (recommend, return, reject)."""
    return _run(database, lambda s: _answer(s, decision(s, principal, application_id,
                                                        comment=_body(body).get("comment"))))


@router.post("/api/v1/green-list/applications/{application_id}/submit",
             summary="Submit with the self-evaluation (applicant's manager)")
def submit(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
           body: Annotated[dict[str, Any] | None, Body(openapi_examples={"self": {"value": SELF_EVALUATION_EXAMPLE}})]
           = None) -> dict[str, Any]:
    return _run(database, lambda s: _answer(s, service.submit(s, principal, application_id,
                                                              _body(body).get("self_evaluation"))))


@router.post("/api/v1/green-list/applications/{application_id}/assign-evaluator",
             summary="Commission a third-party evaluator (applicant's manager or admin; cap per list year)")
def assign_evaluator(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                     body: BodyDep = None) -> dict[str, Any]:
    return _run(database, lambda s: _answer(s, service.assign_evaluator(s, principal, application_id,
                                                                        _body(body).get("evaluator_id"))))


@router.post("/api/v1/green-list/applications/{application_id}/evaluate",
             summary="The evaluator's report: recommendation pass or rework, comments")
def evaluate(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
             body: BodyDep = None) -> dict[str, Any]:
    return _run(database, lambda s: _answer(s, service.evaluate(s, principal, application_id, _body(body))))


@router.post("/api/v1/green-list/applications/{application_id}/apply",
             summary="File the evaluated application with the regulator (applicant's manager)")
def apply(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    return _run(database, lambda s: _answer(s, service.apply(s, principal, application_id)))


@router.post("/api/v1/green-list/applications/{application_id}/pre-review",
             summary="City pre-review passed (市级初审; the city bureau covering the applicant)")
def pre_review(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
               body: BodyDep = None) -> dict[str, Any]:
    return _decide(database, service.pre_review, principal, application_id, body)


@router.post("/api/v1/green-list/applications/{application_id}/province-return",
             summary="Return to the city bureau's pre-review with a reason (province covering the applicant)")
def province_return(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                    body: BodyDep = None) -> dict[str, Any]:
    return _decide(database, service.province_return, principal, application_id, body)


@router.post("/api/v1/green-list/applications/{application_id}/recommend",
             summary="Recommend for the list (省级推荐; province covering the applicant, after the city's pre-review)")
def recommend(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
              body: BodyDep = None) -> dict[str, Any]:
    return _decide(database, service.recommend, principal, application_id, body)


@router.post("/api/v1/green-list/applications/{application_id}/return",
             summary="Return to the enterprise for rework with a reason (the city bureau, before its pre-review)")
def return_for_rework(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                      body: BodyDep = None) -> dict[str, Any]:
    return _decide(database, service.return_for_rework, principal, application_id, body)


@router.post("/api/v1/green-list/applications/{application_id}/reject",
             summary="Reject with a reason (regulator; admin after recommendation)")
def reject(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
           body: BodyDep = None) -> dict[str, Any]:
    return _decide(database, service.reject, principal, application_id, body)


@router.post("/api/v1/green-list/applications/{application_id}/withdraw", summary="Withdraw (applicant's manager)")
def withdraw(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    return _run(database, lambda s: _answer(s, service.withdraw(s, principal, application_id)))


@router.post("/api/v1/green-list/applications/{application_id}/recheck",
             summary="Annual dynamic-management re-check: retained or removed with a criterion")
def recheck(application_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
            body: BodyDep = None) -> dict[str, Any]:
    return _run(database, lambda s: _answer(s, service.recheck(s, principal, application_id, _body(body))))


@router.post("/api/v1/green-list/publish", summary="Publish recommended applications in a list year (admins)")
def publish(principal: CurrentPrincipal, database: DatabaseDep, body: BodyDep = None) -> dict[str, Any]:
    """``{"application_ids": [..], "year": 2026}``; all or nothing."""
    data = _body(body)

    def work(session: Session) -> dict[str, Any]:
        published = service.publish(session, principal, data.get("application_ids"), year=data.get("year"))
        orgs = service.names(session, published)
        return {"items": [service.application_dict(a, orgs, full=False) for a in published]}

    return _run(database, work)


# ------------------------------------------------------------------------------------ output values


def _output_json(row: EnterpriseOutput | RegionOutput) -> dict[str, Any]:
    out: dict[str, Any] = {"year": row.year, "output_value": float(row.output_value), "unit": "万元",
                           "source_note": row.source_note, "entered_at": row.entered_at}
    if isinstance(row, EnterpriseOutput):
        out["organisation_id"] = row.organisation_id
    else:
        out.update(province=row.province, city=row.city or None)
    return out


@router.get("/api/v1/enterprises/{enterprise_id}/output-values", summary="The enterprise's annual output values [万元]")
def enterprise_outputs(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        get_enterprise(session, principal, enterprise_id)
        rows = session.execute(select(EnterpriseOutput).where(EnterpriseOutput.organisation_id == enterprise_id)
                               .order_by(EnterpriseOutput.year)).scalars().all()
        return {"items": [_output_json(r) for r in rows]}


@router.post("/api/v1/enterprises/{enterprise_id}/output-values",
             summary="Enter or replace the enterprise's output value of a year [万元] (its manager)")
def set_enterprise_output(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                          body: BodyDep = None) -> dict[str, Any]:
    """``{"year": 2025, "output_value": 125000.5, "source_note": "2025 年财务报表"}``."""
    data = {**_body(body), "organisation_id": enterprise_id}
    with database.session() as session:
        return _output_json(service.set_enterprise_output(session, principal, data))


@router.get("/api/v1/region/output-values", summary="Manufacturing output values of your areas [万元]")
def region_outputs(principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        return {"items": [_output_json(r) for r in service.region_outputs(session, principal)]}


@router.post("/api/v1/region/output-values", summary="Enter the manufacturing output of an area you cover [万元]")
def set_region_output(principal: CurrentPrincipal, database: DatabaseDep, body: BodyDep = None) -> dict[str, Any]:
    """``{"province": "130000", "city": "唐山", "year": 2025, "output_value": 3.2e7, "source_note": "统计年鉴"}``
    (``city`` empty for the whole province; ``source_note`` required)."""
    with database.session() as session:
        return _output_json(service.set_region_output(session, principal, _body(body)))


def targets_json(result: targets.GreenTargets) -> dict[str, Any]:
    """The regional-targets answer."""
    path = result.path
    return {
        "area": {"province": result.area.province, "city": result.area.city or None,
                 "industries": list(result.area.industries)},
        "target": {"share": result.rules.target_share.as_dict(), "year": result.rules.target_year.as_dict()},
        "shares": [{"year": s.year, "green_factory_output": float(s.green_output),
                    "manufacturing_output": float(s.manufacturing_output) if s.manufacturing_output is not None
                    else None, "share": s.share, "green_factories": s.factories,
                    "green_factories_without_output": s.factories_without_output, "source_note": s.source_note}
                   for s in result.shares],
        "path": None if path is None else {
            "base_year": path.base_year, "base_share": path.base_share, "gap": path.gap, "met": path.met,
            "required_annual_growth": path.required_growth, "linear_pace": path.linear_pace,
            "trajectory": [{"year": y, "share": v} for y, v in path.trajectory]},
        "counts": [{"year": y, **c} for y, c in sorted(result.counts.items())],
        "intensities": [{"industry": i.industry, "year": i.year, "enterprises": i.enterprises,
                         "output_value": float(i.output_value), "energy_tce": i.energy_tce,
                         "emissions_tco2e": i.emissions_tco2e, "energy_intensity_tce_per_10k_yuan": i.energy_intensity,
                         "carbon_intensity_tco2e_per_10k_yuan": i.carbon_intensity} for i in result.intensities],
        "national_counts": [{"as_of": k[0], "parameter": k[1], **v.as_dict()}
                            for k, v in sorted(result.rules.national_counts.items())],
        "warnings": result.warnings,
        "units": {"output": "万元 (10^4 CNY)", "share": "1", "energy_intensity": "tce/万元",
                  "carbon_intensity": "tCO2e/万元"},
    }


@router.get("/api/v1/region/green-targets",
            summary="Green-factory output share, the 40%-by-2030 trajectory, counts and intensities by industry")
def green_targets(principal: CurrentPrincipal, database: DatabaseDep,
                  province: Annotated[str | None, Query(max_length=6)] = None,
                  city: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:
    with database.session() as session:
        return targets_json(targets.green_targets(session, principal, province=province, city=city))
