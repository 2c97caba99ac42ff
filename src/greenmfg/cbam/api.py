"""The exporter's CBAM API, under ``/api/v1/cbam`` (mirrors the pages, JSON).

Enterprise routes (``/api/v1/cbam/enterprises/{id}/…``): its members read, its managers (write
scope) change; admins likewise. A calculation, communication or footprint is also readable, with its
files, by a regulator or evaluator it is shared with, and by nobody else: 404 with no data, also for
the enterprise's lists (a regulator covering the enterprise sees none of its CBAM data unless
shared). ``/api/v1/cbam/shared``: what is shared with the caller's organisations. Uploads are read
through :mod:`greenmfg.web.uploads` (413 past the limit); bad input answers 422 with located issues.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from greenmfg.accounting.reader import InputFile
from greenmfg.cbam import platform
from greenmfg.db.session import Database
from greenmfg.orgs.access import Principal
from greenmfg.settings import Settings
from greenmfg.web.deps import CurrentPrincipal, get_database, get_settings
from greenmfg.web.downloads import file_response
from greenmfg.web.ids import Id
from greenmfg.web.uploads import read_upload

__all__ = ["router"]

router = APIRouter(tags=["CBAM exporters"])

DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
BodyDep = Annotated[dict[str, Any] | None, Body()]
BASE = "/api/v1/cbam/enterprises/{enterprise_id}"


def _files(session: Any, enterprise_id: int, kind: str, subject_id: int) -> list[dict[str, Any]]:
    """The files of a calculation, communication or footprint (``kind``), each with its download address."""
    base = f"{BASE.format(enterprise_id=enterprise_id)}/{kind}s/{subject_id}/files"
    return [{"id": a.id, "kind": a.kind, "filename": a.filename, "media_type": a.media_type,
             "size_bytes": a.size_bytes, "sha256": a.sha256, "href": f"{base}/{a.id}"}
            for a in platform.files_of(session, kind, subject_id)]


def _record_file(database: Database, principal: Principal, enterprise_id: int, kind: str, subject_id: int,
                 attachment_id: int) -> Response:
    """One file of a record the caller may see, as a download (404 otherwise)."""
    with database.session() as session:
        return file_response(platform.record_file(session, principal, enterprise_id, kind, subject_id, attachment_id))


def product_json(p: Any, code: str = "", name: str = "") -> dict[str, Any]:
    from greenmfg.cbam.rules import cn_display

    return {"id": p.id, "cn_code": cn_display(p.cn_code), "name": p.name, "facility": code, "facility_name": name}


def customer_json(c: Any) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "country": c.country, "eori": c.eori, "contact": c.contact}


def calculation_json(c: Any, *, document: bool = False, fingerprint: str = "") -> dict[str, Any]:
    out = {"id": c.id, "enterprise_id": c.enterprise_id, "period": c.period, "embedded_tco2e": c.embedded_tco2e,
           "certificates": c.certificates, "cost_eur": c.cost_eur, "reference_fingerprint": c.reference_fingerprint,
           "current": c.reference_fingerprint == fingerprint if fingerprint else None, "created_at": c.created_at}
    if document:
        out.update(document=c.document, inputs=c.inputs, data_versions=c.data_versions)
    return out


def communication_json(c: Any) -> dict[str, Any]:
    return {"id": c.id, "enterprise_id": c.enterprise_id, "direction": c.direction, "period": c.period,
            "status": c.status, "calculation_id": c.calculation_id, "customer_id": c.customer_id,
            "supplier": c.supplier, "records": c.records, "sha256": c.sha256, "verification": c.verification,
            "verified_by": c.verified_by, "verified_at": c.verified_at, "sent_at": c.sent_at,
            "created_at": c.created_at}


def footprint_json(f: Any, *, document: bool = False) -> dict[str, Any]:
    out = {"id": f.id, "enterprise_id": f.enterprise_id, "period": f.period, "options": f.options,
           "products": f.products, "created_at": f.created_at}
    if document:
        out.update(document=f.document, inputs=f.inputs)
    return out


def share_json(s: Any, grantee: str) -> dict[str, Any]:
    return {"id": s.id, "subject_type": s.subject_type, "subject_id": s.subject_id, "grantee_id": s.grantee_id,
            "grantee": grantee, "note": s.note, "granted_at": s.granted_at, "revoked_at": s.revoked_at,
            "active": s.revoked_at is None}


@router.get(BASE, summary="The enterprise's goods, customers, calculations, communications, footprints and shares")
def overview(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        view = platform.overview(session, principal, enterprise_id)
        return {
            "enterprise_id": view.enterprise.id, "name": view.enterprise.name,
            "goods": [product_json(p, code, name) for p, code, name in view.products],
            "customers": [customer_json(c) for c in view.customers],
            "calculations": [calculation_json(c, fingerprint=view.fingerprint) for c in view.calculations],
            "communications_sent": [communication_json(c) for c in view.sent],
            "communications_received": [communication_json(c) for c in view.received],
            "footprints": [footprint_json(f) for f in view.footprints],
            "shares": [share_json(s, g) for s, g in view.shares],
            "may_share_with": [{"id": g.id, "name": g.name, "kind": g.kind} for g in view.grantees],
        }


@router.post(BASE + "/goods", status_code=201, summary="Add a good: CN code, name, production process (facility code)")
def add_good(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
             body: Annotated[dict[str, Any] | None, Body(openapi_examples={"good": {"value": {
                 "cn_code": "7208 51", "name": "热轧中厚板", "facility": "F1"}}})] = None) -> dict[str, Any]:
    with database.session() as session:
        row = platform.add_product(session, principal, enterprise_id, body or {})
        return product_json(row)


@router.post(BASE + "/customers", status_code=201, summary="Add an EU customer: name, country, EORI, contact")
def add_customer(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                 body: BodyDep = None) -> dict[str, Any]:
    with database.session() as session:
        return customer_json(platform.add_customer(session, principal, enterprise_id, body or {}))


async def _optional(file: UploadFile | None, settings: Settings, field: str) -> InputFile | None:
    if file is None:
        return None
    upload = await read_upload(file, settings, field=field)
    return InputFile(upload.filename or field, upload.content)


@router.post(BASE + "/calculations", status_code=201,
             summary="Calculate a period on the stored activity with a goods file (and a precursors file)")
async def calculate(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep, settings: SettingsDep,
                    period: Annotated[str, Form(max_length=7)], goods: Annotated[UploadFile, File()],
                    precursors: Annotated[UploadFile | None, File()] = None) -> dict[str, Any]:
    """The files have the columns of ``greenmfg cbam --goods/--precursors`` (.csv or .xlsx)."""
    goods_file = await _optional(goods, settings, "goods")
    precursors_file = await _optional(precursors, settings, "precursors")

    def work() -> dict[str, Any]:
        with database.session() as session:
            row = platform.calculate(session, principal, enterprise_id, period, goods_file, precursors_file)
            return calculation_json(row, document=True)

    return await run_in_threadpool(work)


@router.post(BASE + "/calculations/rows", status_code=201,
             summary="Calculate a period on the stored activity with goods and precursor rows sent as JSON")
def calculate_rows(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                   body: Annotated[dict[str, Any] | None, Body(openapi_examples={"rows": {"value": {
                       "period": "2025", "goods": [{"facility_id": "BOF", "period": "2025", "cn_code": "7207 11",
                                                    "quantity": 100000, "unit": "t"}],
                       "precursors": [{"facility_id": "BOF", "period": "2025", "precursor_cn_code": "7201 10",
                                       "quantity": 95000, "unit": "t", "from_facility_id": "BF"}]}}})] = None,
                   ) -> dict[str, Any]:
    """The rows have the columns of ``greenmfg cbam --goods/--precursors``; they are read and checked as those
    files are (problems located at ``goods (entered).csv`` / ``precursors (entered).csv``, row = list index + 2)."""
    data = body or {}
    with database.session() as session:
        platform.enterprise(session, principal, enterprise_id, manage=True)  # who may, before what was sent
        goods = platform.entered_rows(data.get("goods"), "goods")
        precursors = platform.entered_rows(data.get("precursors"), "precursors")
        row = platform.calculate(session, principal, enterprise_id, data.get("period"),
                                 platform.goods_csv(goods) if goods else None,
                                 platform.precursors_csv(precursors) if precursors else None)
        return calculation_json(row, document=True)


@router.get(BASE + "/calculations/{calculation_id}", summary="A calculation: result document, inputs, files, shares")
def calculation(enterprise_id: Id, calculation_id: Id, principal: CurrentPrincipal,
                database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        row = platform.calculation(session, principal, enterprise_id, calculation_id)
        out = calculation_json(row, document=True, fingerprint=platform.installed_fingerprint())
        out["files"] = _files(session, enterprise_id, "calculation", row.id)
        return out


@router.get(BASE + "/calculations/{calculation_id}/files/{attachment_id}",
            summary="Download the result workbook or the communication template of a calculation")
def calculation_file(enterprise_id: Id, calculation_id: Id, attachment_id: Id, principal: CurrentPrincipal,
                     database: DatabaseDep) -> Response:
    return _record_file(database, principal, enterprise_id, "calculation", calculation_id, attachment_id)


@router.post(BASE + "/communications", status_code=201,
             summary="Generate a communication for a customer from a calculation (draft)")
def create_communication(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                         body: BodyDep = None) -> dict[str, Any]:
    """``{"calculation_id": 3, "customer_id": 1}``."""
    with database.session() as session:
        return communication_json(platform.create_communication(session, principal, enterprise_id, body or {}))


@router.post(BASE + "/communications/received", status_code=201,
             summary="Upload a supplier's filled communication template (read into precursor records)")
async def receive(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep, settings: SettingsDep,
                  file: Annotated[UploadFile, File()], supplier: Annotated[str, Form(max_length=200)] = "",
                  period: Annotated[str, Form(max_length=7)] = "") -> dict[str, Any]:
    upload = await _optional(file, settings, "file")

    def work() -> dict[str, Any]:
        with database.session() as session:
            return communication_json(platform.receive_communication(
                session, principal, enterprise_id, supplier=supplier, period=period, upload=upload))

    return await run_in_threadpool(work)


@router.get(BASE + "/communications/{communication_id}", summary="A communication sent or received, with its files")
def communication(enterprise_id: Id, communication_id: Id, principal: CurrentPrincipal,
                  database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        row = platform.communication(session, principal, enterprise_id, communication_id)
        out = communication_json(row)
        out["files"] = _files(session, enterprise_id, "communication", row.id)
        return out


@router.post(BASE + "/communications/{communication_id}/sent", summary="Mark a draft communication as sent")
def mark_sent(enterprise_id: Id, communication_id: Id, principal: CurrentPrincipal,
              database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        return communication_json(platform.mark_sent(session, principal, enterprise_id, communication_id))


@router.post(BASE + "/communications/{communication_id}/verification",
             summary="Record that a verifier verified the communication, with its report (PDF)")
async def verification(enterprise_id: Id, communication_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                       settings: SettingsDep, report: Annotated[UploadFile, File()],
                       verifier: Annotated[str, Form(max_length=200)] = "") -> dict[str, Any]:
    upload = await read_upload(report, settings, field="report")

    def work() -> dict[str, Any]:
        with database.session() as session:
            return communication_json(platform.record_verification(
                session, principal, enterprise_id, communication_id, verifier=verifier, filename=upload.filename,
                content=upload.content))

    return await run_in_threadpool(work)


@router.get(BASE + "/communications/{communication_id}/files/{attachment_id}",
            summary="Download a communication's template or the verifier's report")
def communication_file(enterprise_id: Id, communication_id: Id, attachment_id: Id, principal: CurrentPrincipal,
                       database: DatabaseDep) -> Response:
    return _record_file(database, principal, enterprise_id, "communication", communication_id, attachment_id)


@router.post(BASE + "/footprints", status_code=201,
             summary="Product footprints on the stored activity with a products file (and an upstream file)")
async def compute_footprint(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                            settings: SettingsDep, period: Annotated[str, Form(max_length=7)],
                            products: Annotated[UploadFile, File()],
                            upstream: Annotated[UploadFile | None, File()] = None,
                            allocation: Annotated[str, Form(max_length=16)] = "rule",
                            lang: Annotated[str, Form(max_length=8)] = "zh-CN") -> dict[str, Any]:
    """The files have the columns of ``greenmfg footprint --products/--upstream``; ``lang`` the reports' language."""
    products_file = await _optional(products, settings, "products")
    upstream_file = await _optional(upstream, settings, "upstream")

    def work() -> dict[str, Any]:
        with database.session() as session:
            row = platform.compute_footprint(session, principal, enterprise_id, period=period,
                                             products=products_file, upstream=upstream_file, allocation=allocation,
                                             locale="en" if lang == "en" else "zh-CN")
            return footprint_json(row, document=True)

    return await run_in_threadpool(work)


@router.get(BASE + "/footprints/{footprint_id}", summary="A footprint: result document, inputs, report files")
def footprint(enterprise_id: Id, footprint_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        row = platform.footprint(session, principal, enterprise_id, footprint_id)
        out = footprint_json(row, document=True)
        out["files"] = _files(session, enterprise_id, "footprint", row.id)
        return out


@router.get(BASE + "/footprints/{footprint_id}/files/{attachment_id}",
            summary="Download a footprint's workbook or PDF report")
def footprint_file(enterprise_id: Id, footprint_id: Id, attachment_id: Id, principal: CurrentPrincipal,
                   database: DatabaseDep) -> Response:
    return _record_file(database, principal, enterprise_id, "footprint", footprint_id, attachment_id)


@router.post(BASE + "/shares", status_code=201,
             summary="Share a calculation, communication or footprint with a regulator or evaluator")
def share(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
          body: Annotated[dict[str, Any] | None, Body(openapi_examples={"share": {"value": {
              "subject_type": "calculation", "subject_id": 3, "grantee_id": 7}}})] = None) -> dict[str, Any]:
    with database.session() as session:
        row = platform.share(session, principal, enterprise_id, body or {})
        return share_json(row, "")


@router.post(BASE + "/shares/{share_id}/revoke", summary="Revoke a share")
def revoke(enterprise_id: Id, share_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        return share_json(platform.revoke(session, principal, enterprise_id, share_id), "")


@router.get("/api/v1/cbam/shared", summary="Calculations, communications and footprints shared with your organisation")
def shared(principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        return {"items": [item.as_dict() for item in platform.shared_with(session, principal)]}
