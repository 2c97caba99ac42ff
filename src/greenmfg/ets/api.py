"""The carbon market's monthly filing API (月度信息化存证), under ``/api/v1/ets``.

Enterprise routes (``/api/v1/ets/enterprises/{id}/…``) follow the access policy: an enterprise the
caller may not see answers 404 with no data; its viewers, regulators and evaluators read, only its
managers attach evidence, file and amend (403 for the others); a step from the wrong state answers
409 (:class:`~greenmfg.ets.filings.FilingConflict`), bad input 422 with located issues. Evidence is
read through :mod:`greenmfg.web.uploads` (413 past the upload limit). The regional overview is for
regulators and admins (403 for everybody else), each seeing the companies of its jurisdiction.

The annual emission report and the verification pack (:mod:`greenmfg.ets.report`) are made on demand from the
stored figures and filings for whoever sees the enterprise (its members, covering regulators, assigned
verifiers, admins); anybody else gets 404.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from greenmfg.db.session import Database
from greenmfg.ets import filings
from greenmfg.i18n import negotiate
from greenmfg.orgs.access import get_enterprise
from greenmfg.settings import Settings
from greenmfg.web.deps import CurrentPrincipal, get_database, get_settings
from greenmfg.web.downloads import content_response, file_response
from greenmfg.web.ids import Id
from greenmfg.web.uploads import read_upload

__all__ = ["router"]

router = APIRouter(tags=["carbon market filings"])

DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
BodyDep = Annotated[dict[str, Any] | None, Body()]
YEAR = Query(ge=filings.MIN_YEAR, le=filings.MAX_YEAR)
PERIOD_PATH = "/api/v1/ets/enterprises/{enterprise_id}/months/{period}"


def _evidence_json(a: Any) -> dict[str, Any]:
    return {"id": a.id, "kind": a.kind, "filename": a.filename, "media_type": a.media_type,
            "size_bytes": a.size_bytes, "sha256": a.sha256, "uploaded_at": a.uploaded_at}


def _month_json(detail: filings.MonthDetail) -> dict[str, Any]:
    return {"enterprise_id": detail.enterprise.id, "period": detail.period, "status": detail.status.value,
            "due_date": detail.due_date.isoformat(), "deadline_rule": detail.rule.ref, "locked": detail.locked,
            "amending": detail.amending, "amendment_reason": detail.amendment_reason,
            "coverage": None if detail.coverage is None else detail.coverage.as_dict(),
            "covered_now": detail.covered.as_dict(), "evidence": [_evidence_json(a) for a in detail.evidence],
            "filings": [filings.filing_dict(f, detail.users) for f in detail.filings],
            "allowed": {"attach": detail.may_attach, "file": detail.may_file, "amend": detail.may_amend}}


@router.get("/api/v1/ets/enterprises/{enterprise_id}/months",
            summary="Each month of a year: not due, due by, filed on time or late, overdue")
def company_year(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                 year: Annotated[int, YEAR]) -> dict[str, Any]:
    with database.session() as session:
        return filings.company_year(session, principal, enterprise_id, year).as_dict()


@router.get(PERIOD_PATH, summary="One month: covered emissions now, evidence, the filed versions")
def month(enterprise_id: Id, period: str, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        return _month_json(filings.month_detail(session, principal, enterprise_id, period))


@router.post(PERIOD_PATH + "/evidence", status_code=201,
             summary="Attach evidence to a month (PDF, image or .xlsx; the enterprise's managers, before filing)")
async def add_evidence(enterprise_id: Id, period: str, principal: CurrentPrincipal, database: DatabaseDep,
                       settings: SettingsDep, file: Annotated[UploadFile, File()],
                       kind: Annotated[str, Form(max_length=32)]) -> dict[str, Any]:
    """``kind``: lab_report, invoice, meter_totals or other. The content decides the type (not the name)."""
    upload = await read_upload(file, settings, field="file")

    def work() -> dict[str, Any]:
        with database.session() as session:
            attachment_id = filings.add_evidence(session, principal, enterprise_id, period, kind=kind,
                                                 filename=upload.filename, content=upload.content)
            return _evidence_json(filings.evidence_file(session, principal, enterprise_id, period, attachment_id))

    return await run_in_threadpool(work)


@router.get(PERIOD_PATH + "/evidence/{attachment_id}", summary="Download one evidence file of a month")
def evidence_file(enterprise_id: Id, period: str, attachment_id: Id, principal: CurrentPrincipal,
                  database: DatabaseDep) -> Response:
    with database.session() as session:
        return file_response(filings.evidence_file(session, principal, enterprise_id, period, attachment_id))


@router.post(PERIOD_PATH + "/file", status_code=201,
             summary="File the month (or an open amendment): data versions, covered emissions and evidence locked")
def file_month(enterprise_id: Id, period: str, principal: CurrentPrincipal, database: DatabaseDep,
               body: Annotated[dict[str, Any] | None, Body(openapi_examples={"file": {"value": {
                   "evidence_ids": [12, 13], "confirm": True}}})] = None) -> dict[str, Any]:
    with database.session() as session:
        filing = filings.file_month(session, principal, enterprise_id, period, body or {})
        return filings.filing_dict(filing)


@router.post(PERIOD_PATH + "/amend",
             summary="Open an amendment of a filed month with its reason (its data may then change)")
def amend(enterprise_id: Id, period: str, principal: CurrentPrincipal, database: DatabaseDep,
          body: BodyDep = None) -> dict[str, Any]:
    with database.session() as session:
        month = filings.open_amendment(session, principal, enterprise_id, period, body or {})
        return {"period": month.period, "amending": month.amending, "reason": month.amendment_reason}


@router.put("/api/v1/ets/enterprises/{enterprise_id}/coverage/{year}",
            summary="Set whether the enterprise is a covered company in a year, with a reason (covering regulator)")
def set_coverage(enterprise_id: Id, year: int, principal: CurrentPrincipal, database: DatabaseDep,
                 body: BodyDep = None) -> dict[str, Any]:
    """``{"covered": true, "reason": "列入 2026 年重点排放单位名录"}``."""
    with database.session() as session:
        filings.set_coverage(session, principal, enterprise_id, year, body or {})
        view = filings.coverage_of(session, enterprise_id, year)
        assert view is not None
        return view.as_dict()


@router.get("/api/v1/ets/region", summary="Covered companies of your area: each month filed on time, late or missing")
def region(principal: CurrentPrincipal, database: DatabaseDep, year: Annotated[int, YEAR]) -> dict[str, Any]:
    with database.session() as session:
        return filings.region_overview(session, principal, year).as_dict()


@router.post("/api/v1/ets/region/assess",
             summary="Assess the covered companies of a year from their stored emissions (regulators, admins)")
def assess(principal: CurrentPrincipal, database: DatabaseDep, body: BodyDep = None) -> dict[str, Any]:
    """``{"year": 2025}``: every enterprise of the covered sectors you decide on that has data in the
    year gets its status from its direct emissions against the threshold (a regulator's own status
    is kept)."""
    with database.session() as session:
        rows = filings.assess_visible(session, principal, (body or {}).get("year"))
        return {"items": [{"enterprise_id": r.enterprise_id, "year": r.year, "covered": r.covered,
                           "direct_tco2e": r.direct_tco2e, "threshold_tco2e": r.threshold_tco2e} for r in rows]}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"pdf": "application/pdf", "xlsx": XLSX, "zip": "application/zip"}
LANG = Query(description="zh-CN or en; else the page language or Accept-Language")


def _translator(request: Request, lang: str | None) -> Any:
    locale = negotiate(None, lang) if lang else request.state.locale
    return request.app.state.templates.catalogs.translator(locale)


@router.get("/api/v1/ets/enterprises/{enterprise_id}/report",
            summary="The annual emission report of a year (年度温室气体排放报告) in the guideline's structure, PDF or xlsx")
def annual_report(enterprise_id: Id, request: Request, principal: CurrentPrincipal, database: DatabaseDep,
                  year: Annotated[int, YEAR], format: Annotated[Literal["pdf", "xlsx"], Query()] = "pdf",
                  lang: Annotated[Literal["zh-CN", "zh", "en"] | None, LANG] = None) -> Response:
    """Covered emissions per unit, source and month from the stored figures, activity data with their
    parameters and sources, products and intensity, each month's filing status, findings and unverified
    values; 404 (``ets.report.no_figures``) for a year without stored figures."""
    from greenmfg.ets import report  # WeasyPrint and openpyxl load only when a report is asked for

    translator = _translator(request, lang)
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id)
        document = report.build_report(session, enterprise, year=year, translator=translator)
    content = (report.render_report_pdf(document, translator) if format == "pdf"
               else report.render_report_xlsx(document, translator))
    return content_response(content, report.report_filename(document, format), MEDIA[format],
                            headers={"Content-Language": translator.locale})


@router.get("/api/v1/ets/enterprises/{enterprise_id}/verification-pack",
            summary="The verifier's pack of a year (核查资料包): xlsx, PDF summary, or a zip with the report and evidence")
def verification_pack(enterprise_id: Id, request: Request, principal: CurrentPrincipal, database: DatabaseDep,
                      year: Annotated[int, YEAR], format: Annotated[Literal["xlsx", "pdf", "zip"], Query()] = "xlsx",
                      lang: Annotated[Literal["zh-CN", "zh", "en"] | None, LANG] = None) -> Response:
    """Every annual figure traced to the monthly filings (version, filed at, by whom, SHA-256 of the
    snapshot), the evidence (SHA-256), the parameter sources and the derivation lines, and the
    verification guide's check items with what the stored data show. The enterprise, its regulators
    and its assigned verifiers (and admins); 404 for anybody else."""
    from greenmfg.ets import report

    translator = _translator(request, lang)
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id)
        document = report.build_pack(session, enterprise, year=year, translator=translator)
        if format == "zip":
            content = report.render_pack_zip(session, document, translator)
    if format == "pdf":
        content = report.render_pack_pdf(document, translator)
    elif format == "xlsx":
        content = report.render_pack_xlsx(document, translator)
    return content_response(content, report.pack_filename(document, format), MEDIA[format],
                            headers={"Content-Language": translator.locale})
