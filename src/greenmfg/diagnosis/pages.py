"""Diagnosis pages.

``/diagnosis?enterprise_id=&year=``
    An enterprise's register checked against the minimum allowable values (below-minimum items
    first), its replacement measures, its consumption alerts, links to the report (HTML/PDF, zh/en)
    and the blank register templates; enterprise managers upload a register here.
POST ``/diagnosis/{enterprise_id}/import``
    Adds a register file (every row or none); refused files come back with each problem located.
POST ``/diagnosis/{enterprise_id}/alerts/{alert_id}``
    Acknowledge or close an alert (enterprise members).
Enterprises the user may not see are a 404 page, as in the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import ColumnElement, exists

from greenmfg.db.session import Database
from greenmfg.diagnosis import service
from greenmfg.diagnosis.labels import (
    KIND_PAGE_LABELS,
    REPORT_TEXT,
    SEVERITY_LABELS,
    STATUS_LABELS,
    alert_kind_key,
    alert_severity_key,
)
from greenmfg.diagnosis.models import Equipment
from greenmfg.errors import InputError, Issue, ValidationFailed
from greenmfg.orgs.access import Principal, default_enterprise, get_enterprise, visible_enterprises
from greenmfg.orgs.models import Organisation
from greenmfg.settings import Settings
from greenmfg.web.deps import PagePrincipal, get_database, get_settings
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import render
from greenmfg.web.uploads import read_upload_sync

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
DatabaseDep = Annotated[Database, Depends(get_database)]


def _has_register() -> ColumnElement[bool]:
    """An enterprise "has data" for this page when it has an equipment register."""
    return exists().where(Equipment.enterprise_id == Organisation.id)


def _page(request: Request, principal: Principal, database: Database, enterprise_id: int | None, year: int | None,
          issues: list[Issue] | None = None, total: int = 0, status_code: int = 200) -> Response:
    with database.session() as session:
        enterprises = visible_enterprises(session, principal)
        if enterprise_id is None:  # multi-enterprise users open on one with a register; the picker changes it
            enterprise_id = default_enterprise(session, principal, having=_has_register())
        if year is None:
            year = service.default_year(session, enterprise_id) if enterprise_id is not None \
                else dt.date.today().year - 1
        context: dict[str, Any] = {"enterprises": [(e.id, e.name) for e in enterprises], "enterprise": None,
                                   "year": year, "issues": issues or [],
                                   "issue_total": total, "kinds": KIND_PAGE_LABELS}
        if enterprise_id is not None:
            enterprise = get_enterprise(session, principal, enterprise_id)
            factors, findings = service.factors_for(enterprise, year)
            checks = service.check_equipment(service.equipment_for(session, enterprise.id), factors)
            checks.sort(key=lambda c: (c.below_minimum is not True, c.below_minimum is None, c.kind, c.code))
            context.update(
                enterprise=enterprise, checks=checks, findings=findings,
                below=sum(1 for c in checks if c.below_minimum),
                alerts=service.list_alerts(session, enterprise.id, year=year),
                report_text=REPORT_TEXT, severity_labels=SEVERITY_LABELS, status_labels=STATUS_LABELS,
                alert_kind_key=alert_kind_key, alert_severity_key=alert_severity_key,
                can_manage=principal.can_manage(enterprise.id),
                can_acknowledge=service.can_acknowledge(principal, enterprise.id),
            )
        return render(request, "diagnosis/home.html", context, status_code=status_code)


@router.get("/diagnosis")
def home(request: Request, principal: PagePrincipal, database: DatabaseDep,
         enterprise_id: Annotated[Id | None, Query()] = None,
         year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    return _page(request, principal, database, enterprise_id, year)


@router.post("/diagnosis/{enterprise_id}/import")
def import_register(request: Request, principal: PagePrincipal, database: DatabaseDep, enterprise_id: Id,
                    file: Annotated[UploadFile, File()],
                    settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    try:
        upload = read_upload_sync(file, settings)   # the xlsx limits' located issue shows on the page
        with database.session() as session:
            items = service.import_register(session, principal, enterprise_id, upload.content,
                                            upload.filename or "register")
            count = len(items)
    except ValidationFailed as failed:
        return _page(request, principal, database, enterprise_id, None, failed.issues, failed.total, 422)
    except InputError as error:
        issue = Issue(code="diagnosis.input.unreadable", message=str(error), message_zh="无法读取文件：请上传 .xlsx 或 UTF-8 .csv",
                      fix="use the template", fix_zh="请使用模板", file=file.filename or "")
        return _page(request, principal, database, enterprise_id, None, [issue], 1, 422)
    response = RedirectResponse(f"/diagnosis?enterprise_id={enterprise_id}", status_code=303)
    flash(response, "success", "{count} items added to the register.", count=str(count))
    return response


@router.post("/diagnosis/{enterprise_id}/alerts/{alert_id}")
def set_alert(request: Request, principal: PagePrincipal, database: DatabaseDep, enterprise_id: Id, alert_id: Id,
              status: Annotated[str, Form()]) -> Response:
    with database.session() as session:
        service.acknowledge_alert(session, principal, enterprise_id, alert_id, status)
    response = RedirectResponse(f"/diagnosis?enterprise_id={enterprise_id}", status_code=303)
    flash(response, "success", "Alert updated.")
    return response
