"""Diagnosis API.

``/api/v1/enterprises/{id}/equipment`` — the equipment register (list, create, get, patch,
delete; ``…/import`` adds a whole .xlsx/.csv register or nothing; ``…/check`` each item against
the minimum allowable value of its standard with the replacement measure).
``/api/v1/diagnosis/equipment-template.{xlsx,csv}?lang=zh|en`` — the blank register.
``/api/v1/enterprises/{id}/diagnosis/alerts`` — consumption alerts; ``…/alerts/{alert_id}`` POST
``{"status": "acknowledged"|"closed"}`` (enterprise members).
``/api/v1/enterprises/{id}/diagnosis/notes`` PUT — the enterprise's energy-management notes.
``/api/v1/enterprises/{id}/diagnosis/report.html|.pdf?lang=&year=`` — the diagnosis report.

Visibility: an enterprise's members, the regulators covering it, assigned evaluators and admins
read; others get 404. Changing the register and notes needs an enterprise manager (403 otherwise).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Query, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from greenmfg.db.session import Database
from greenmfg.diagnosis import report, service
from greenmfg.diagnosis.register import template_bytes
from greenmfg.orgs.access import get_enterprise
from greenmfg.settings import Settings
from greenmfg.web.deps import CurrentPrincipal, get_database, get_settings
from greenmfg.web.downloads import content_response
from greenmfg.web.errors import ApiError
from greenmfg.web.ids import Id
from greenmfg.web.uploads import read_upload_sync

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["diagnosis"])

DatabaseDep = Annotated[Database, Depends(get_database)]
MOTOR_EXAMPLE = {"kind": "电动机", "code": "M-101", "name": "1号循环水泵电机", "rated_power_kw": 75, "poles": 4,
                 "efficiency_pct": 92.0, "hours_per_year": 6000, "load_factor": 0.75, "year_installed": 2012}
Year = Annotated[int | None, Query(ge=2000, le=2100, description="report year (default: the latest year with stored results, else last year)")]
Price = Annotated[float | None, Query(gt=0, description="CNY/kWh; default: greenmfg's rough assumption")]
FuelPrice = Annotated[float | None, Query(gt=0, description="CNY/tce; default: greenmfg's rough assumption")]


def _year(session: Session, enterprise_id: int, year: int | None) -> int:
    return year if year is not None else service.default_year(session, enterprise_id)


@router.get("/diagnosis/equipment-template.{fmt}", summary="Blank equipment register (.xlsx or .csv, zh or en headers)")
def template(principal: CurrentPrincipal, fmt: Literal["xlsx", "csv"],
             lang: Literal["zh", "en"] = "zh") -> Response:
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
             else "text/csv; charset=utf-8")
    return content_response(template_bytes(lang, fmt), f"equipment-register-{lang}.{fmt}", media)


@router.get("/enterprises/{enterprise_id}/equipment", summary="The enterprise's equipment register")
def list_equipment(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id) -> dict[str, Any]:
    with database.session() as session:
        get_enterprise(session, principal, enterprise_id)
        return {"items": [service.equipment_dict(i) for i in service.equipment_for(session, enterprise_id)]}


@router.post("/enterprises/{enterprise_id}/equipment", status_code=201, summary="Add one item to the register")
def create_equipment(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id,
                     body: Annotated[dict[str, Any], Body(openapi_examples={"motor": {"value": MOTOR_EXAMPLE}})],
                     ) -> dict[str, Any]:
    """Fields: see the template. Kind names in Chinese (电动机、变压器、空压机、水泵、风机、工业锅炉) or English.
    A wrong field answers 422 with one located issue per field; nothing is stored."""
    with database.session() as session:
        return service.equipment_dict(service.create_equipment(session, principal, enterprise_id, body))


@router.post("/enterprises/{enterprise_id}/equipment/import", status_code=201,
             summary="Add a whole register (.xlsx or .csv): every row or none")
def import_equipment(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id,
                     file: Annotated[UploadFile, File()],
                     settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    upload = read_upload_sync(file, settings)
    with database.session() as session:
        items = service.import_register(session, principal, enterprise_id, upload.content,
                                        upload.filename or "register")
        return {"imported": len(items), "items": [service.equipment_dict(i) for i in items]}


@router.get("/enterprises/{enterprise_id}/equipment/check",
            summary="Each item against the minimum allowable value of its standard, with replacement measures")
def check(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id, year: Year = None,
          electricity_price: Price = None, fuel_price: FuelPrice = None) -> dict[str, Any]:
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id)
        year = _year(session, enterprise_id, year)
        factors, findings = service.factors_for(enterprise, year, electricity_price=electricity_price,
                                                fuel_price=fuel_price)
        checks = service.check_equipment(service.equipment_for(session, enterprise_id), factors)
        return {"year": year, "factors": asdict(factors),
            "warnings": [w.as_dict() for w in findings],
            "items": [c.as_dict() for c in checks]}


@router.get("/enterprises/{enterprise_id}/equipment/{equipment_id}", summary="One item of the register")
def get_equipment(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id,
                  equipment_id: Id) -> dict[str, Any]:
    with database.session() as session:
        return service.equipment_dict(service.get_equipment(session, principal, enterprise_id, equipment_id))


@router.patch("/enterprises/{enterprise_id}/equipment/{equipment_id}", summary="Change fields of one item")
def update_equipment(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id, equipment_id: Id,
                     body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    with database.session() as session:
        return service.equipment_dict(service.update_equipment(session, principal, enterprise_id, equipment_id, body))


@router.delete("/enterprises/{enterprise_id}/equipment/{equipment_id}", status_code=204,
               summary="Remove one item from the register")
def delete_equipment(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id,
                     equipment_id: Id) -> Response:
    with database.session() as session:
        service.delete_equipment(session, principal, enterprise_id, equipment_id)
    return Response(status_code=204)


@router.get("/enterprises/{enterprise_id}/diagnosis/alerts", summary="Consumption alerts of the enterprise's facilities")
def alerts(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id,
           status: Literal["open", "acknowledged", "closed"] | None = None,
           year: Annotated[int | None, Query(ge=2000, le=2100, description="only alerts overlapping this year")] = None,
           ) -> dict[str, Any]:
    with database.session() as session:
        get_enterprise(session, principal, enterprise_id)
        return {"alerts": [service.alert_dict(a)
                           for a in service.list_alerts(session, enterprise_id, status=status, year=year)]}


@router.post("/enterprises/{enterprise_id}/diagnosis/alerts/{alert_id}", summary="Acknowledge or close an alert")
def set_alert_status(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id, alert_id: Id,
                     body: Annotated[dict[str, Any], Body(openapi_examples={"ack": {"value": {"status": "acknowledged"}}})],
                     ) -> dict[str, Any]:
    with database.session() as session:
        alert = service.acknowledge_alert(session, principal, enterprise_id, alert_id, str(body.get("status", "")))
        return service.alert_dict(alert)


@router.put("/enterprises/{enterprise_id}/diagnosis/notes", summary="The enterprise's energy-management notes")
def put_notes(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id,
              body: Annotated[dict[str, Any], Body(openapi_examples={"notes": {"value": {
                  "energy_management": "已建立能源管理体系（GB/T 23331），设能源管理岗位 2 人。"}}})]) -> dict[str, Any]:
    text = body.get("energy_management")
    if not isinstance(text, str):
        raise ApiError(422, "energy_management must be text", "energy_management 须为文本", code="invalid",
                       details=[{"column": "energy_management", "message": "required text",
                                 "message_zh": "必填文本"}])
    with database.session() as session:
        notes = service.save_notes(session, principal, enterprise_id, text)
        return {"enterprise_id": enterprise_id, "energy_management": notes.energy_management}


def _context(principal: Any, database: Database, enterprise_id: int, lang: str, year: int | None,
             electricity_price: float | None, fuel_price: float | None) -> dict[str, Any]:
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id)
        context = report.report_context(session, enterprise, year=_year(session, enterprise_id, year), lang="en" if lang == "en" else "zh",
                                        electricity_price=electricity_price, fuel_price=fuel_price,
                                        principal=principal)
        context["html"] = report.render_html(context)
        return context


@router.get("/enterprises/{enterprise_id}/diagnosis/report.html", response_class=HTMLResponse,
            summary="The diagnosis report as HTML")
def report_html(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id,
                lang: Literal["zh", "en"] = "zh", year: Year = None, electricity_price: Price = None,
                fuel_price: FuelPrice = None) -> HTMLResponse:
    context = _context(principal, database, enterprise_id, lang, year, electricity_price, fuel_price)
    return HTMLResponse(context["html"])


@router.get("/enterprises/{enterprise_id}/diagnosis/report.pdf", summary="The diagnosis report as PDF (A4)")
def report_pdf(principal: CurrentPrincipal, database: DatabaseDep, enterprise_id: Id,
               lang: Literal["zh", "en"] = "zh", year: Year = None, electricity_price: Price = None,
               fuel_price: FuelPrice = None) -> Response:
    from greenmfg.reports import html_to_pdf

    context = _context(principal, database, enterprise_id, lang, year, electricity_price, fuel_price)
    return content_response(html_to_pdf(context["html"]), f"diagnosis-{enterprise_id}-{lang}.pdf", "application/pdf",
                            inline=True)
