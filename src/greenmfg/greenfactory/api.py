"""Green-evaluation API (green factory GB/T 36132, green park, green supply chain).

``POST /api/v1/enterprises/{id}/green-evaluations`` scores an input document and stores a draft
(the input format is in :mod:`greenmfg.greenfactory.evaluation`); ``GET`` lists them.
``/api/v1/green-evaluations/{evaluation_id}``: get, ``PUT`` (replace a draft's input and
re-score), ``POST …/finalise``, and ``GET …/report.html|.pdf|.xlsx?lang=zh-CN|en``. Refused
input answers 422 with one located issue per problem (``details[].column`` such as
``items[3].unit``) and stores nothing; changing a final evaluation answers 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from greenmfg.db.session import Database
from greenmfg.greenfactory import report, service
from greenmfg.greenfactory.models import GreenEvaluation
from greenmfg.orgs.models import Organisation
from greenmfg.reports import stamp
from greenmfg.web.deps import CurrentPrincipal, get_database
from greenmfg.web.downloads import content_response
from greenmfg.web.errors import ApiError
from greenmfg.web.ids import Id

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["green-manufacturing evaluation"])
DatabaseDep = Annotated[Database, Depends(get_database)]
EXAMPLE = {"framework": "gbt36132-2025", "title": "2025 年绿色工厂自评价", "year": 2025,
           "items": [{"key": "gate.qms", "answer": True, "evidence": "GB/T 19001 证书"},
                     {"key": "能碳管理系统平台", "points": 4},
                     {"key": "energy.renewable_share", "value": 12, "unit": "%", "benchmark": 5, "leading": 30,
                      "reference_source": "行业评价要求"}]}
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.post("/enterprises/{enterprise_id}/green-evaluations", status_code=201,
             summary="Score a green-manufacturing self-evaluation and store it as a draft")
def create_evaluation(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                      body: Annotated[Any, Body(openapi_examples={"factory": {"value": EXAMPLE}})]) -> dict[str, Any]:
    with database.session() as session:
        return service.evaluation_dict(service.create(session, principal, enterprise_id, body))


@router.get("/enterprises/{enterprise_id}/green-evaluations", summary="An enterprise's evaluations, newest first")
def list_evaluations(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        rows = service.list_for(session, principal, enterprise_id)
        return {"items": [service.evaluation_dict(r, full=False) for r in rows], "total": len(rows)}


@router.get("/green-evaluations/{evaluation_id}", summary="One evaluation: input, score, verdict, gaps, provenance")
def get_evaluation(evaluation_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        return service.evaluation_dict(service.get(session, principal, evaluation_id))


@router.put("/green-evaluations/{evaluation_id}", summary="Replace a draft's input and score it again")
def update_evaluation(evaluation_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                      body: Annotated[Any, Body()]) -> dict[str, Any]:
    with database.session() as session:
        return service.evaluation_dict(service.update(session, principal, evaluation_id, body))


@router.post("/green-evaluations/{evaluation_id}/finalise", summary="Make a draft final")
def finalise_evaluation(evaluation_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        return service.evaluation_dict(service.finalise(session, principal, evaluation_id))


def organisation_name(session: Session, row: GreenEvaluation) -> str:
    organisation = session.get(Organisation, row.organisation_id)
    return organisation.name if organisation else str(row.organisation_id)


def render_report(session: Session, row: GreenEvaluation, fmt: str, lang: str) -> Response:
    """The report of a visible evaluation as a download."""
    if fmt not in MEDIA:
        raise ApiError(404)
    if lang not in report.LANGS:
        raise ApiError(422, f"lang must be one of {', '.join(report.LANGS)}", f"lang 必须为 {'、'.join(report.LANGS)}",
                       code="invalid_input", details=[{"column": "lang", "message": "zh-CN or en", "message_zh": "zh-CN 或 en"}])
    evaluation = service.evaluation_dict(row)
    name = organisation_name(session, row)
    generated = stamp()
    filename = f"green-evaluation-{row.id}-{lang}.{fmt}"
    if fmt == "html":
        return HTMLResponse(report.render_html(evaluation, organisation=name, lang=lang, generated=generated))
    content = (report.render_pdf(evaluation, organisation=name, lang=lang, generated=generated) if fmt == "pdf"
               else report.render_xlsx(evaluation, organisation=name, lang=lang))
    return content_response(content, filename, MEDIA[fmt])


@router.get("/green-evaluations/{evaluation_id}/report.{fmt}", summary="The evaluation report: html, pdf or xlsx")
def evaluation_report(evaluation_id: Id, fmt: str, principal: CurrentPrincipal, database: DatabaseDep,
                      lang: Annotated[str, Query(description="zh-CN or en")] = "zh-CN") -> Response:
    with database.session() as session:
        row = service.get(session, principal, evaluation_id)
        return render_report(session, row, fmt, lang)
