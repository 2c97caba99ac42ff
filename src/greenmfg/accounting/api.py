"""Imports and results API.

``POST /api/v1/enterprises/{id}/imports`` (multipart ``file``) validates an activity template and
stores a preview: ``status`` is ``previewed`` (no errors; ``summary`` shows what a commit will
store) or ``invalid`` (``issues`` lists every error with sheet/row/column). An upload that is not
a usable file (type, size, content) is refused with the error envelope and nothing is stored.
``POST /api/v1/imports/{id}/commit`` stores a previewed import in one transaction and accounts it.
``GET /api/v1/enterprises/{id}/dashboard?year=`` sums a year of current results for the dashboard.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile
from fastapi.encoders import jsonable_encoder
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from greenmfg.accounting import queries, store
from greenmfg.accounting.commits import commit_batch
from greenmfg.accounting.dashboard import enterprise_dashboard
from greenmfg.accounting.models import (
    ActivityRecord,
    CalculationRun,
    FacilityResult,
    ImportBatch,
    ImportStatus,
)
from greenmfg.cache import ResultsCache
from greenmfg.db.session import Database
from greenmfg.i18n import negotiate
from greenmfg.orgs.access import Principal, get_enterprise
from greenmfg.settings import Settings
from greenmfg.web.deps import CurrentPrincipal, get_database, get_settings
from greenmfg.web.downloads import content_response
from greenmfg.web.errors import ApiError
from greenmfg.web.ids import Id
from greenmfg.web.pagination import Page, PageParams, page_params
from greenmfg.web.uploads import read_upload

__all__ = ["import_dict", "result_dict", "router"]

router = APIRouter(prefix="/api/v1", tags=["imports and results"])

#: cached dashboards also expire, in case a version bump was lost (Redis unreachable at commit)
DASHBOARD_CACHE_SECONDS = 600

PERIOD = r"^\d{4}(-\d{2})?$"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def import_dict(batch: ImportBatch, names: dict[int, str], *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": batch.id, "enterprise_id": batch.enterprise_id, "filename": batch.filename,
        "size_bytes": batch.size_bytes, "sha256": batch.sha256, "status": batch.status,
        "row_count": batch.row_count, "issue_count": batch.issue_count,
        "created_at": batch.created_at, "created_by": names.get(batch.created_by or -1),
        "committed_at": batch.committed_at, "committed_by": names.get(batch.committed_by or -1),
        "periods": batch.summary.get("periods", []), "facilities": batch.summary.get("facilities", []),
    }
    if full:
        out["issues"] = batch.issues
        out["summary"] = batch.summary
    return out


def result_dict(result: FacilityResult, facility_code: str, enterprise_code: str, *, version: int | None = None,
                lines: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": result.id, "enterprise_id": enterprise_code, "facility_id": facility_code, "period": result.period,
        "energy_tce": result.energy_tce,
        "emissions_tco2e": {"total": result.total_tco2e, "scope1": result.scope1_tco2e,
                            "scope2": result.scope2_tco2e, "combustion": result.combustion_tco2e,
                            "process": result.process_tco2e,
                            "purchased_electricity": result.purchased_electricity_tco2e,
                            "purchased_heat": result.purchased_heat_tco2e, "exported": result.exported_tco2e},
        "products": result.products, "warnings": result.warnings, "run_id": result.run_id,
        "data_version_id": result.data_version_id, "version": version, "current": result.current,
    }
    if lines:
        out["lines"] = result.lines
    return out


@router.post("/enterprises/{enterprise_id}/imports", status_code=201,
             summary="Upload an activity template (.xlsx/.csv): validate and preview")
async def upload_import(enterprise_id: Id, request: Request, principal: CurrentPrincipal, file: UploadFile,
                        database: Annotated[Database, Depends(get_database)],
                        settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    # bounded read: one byte over the limit is refused (413) without holding the rest
    upload = await read_upload(file, settings)
    # validation and accounting take a while: keep them off the event loop
    return await run_in_threadpool(_preview, database, settings, principal, enterprise_id,
                                   upload.filename, upload.content_type, upload.content)


def _preview(database: Database, settings: Settings, principal: Principal, enterprise_id: int, filename: str,
             content_type: str, content: bytes) -> dict[str, Any]:
    batch_id = store.preview_outside_the_lock(
        database, principal, enterprise_id, filename=filename, content_type=content_type, content=content,
        max_bytes=settings.max_upload_bytes, quota_bytes=settings.upload_quota_bytes,
        preview_ttl_hours=settings.preview_ttl_hours)
    with database.session(write=False) as session:
        batch = queries.get_batch(session, principal, batch_id)
        return import_dict(batch, queries.usernames(session, {batch.created_by}), full=True)


@router.get("/enterprises/{enterprise_id}/imports", summary="Imports of an enterprise (newest first)")
def list_imports(enterprise_id: Id, principal: CurrentPrincipal,
                 database: Annotated[Database, Depends(get_database)],
                 params: Annotated[PageParams, Depends(page_params)],
                 status: ImportStatus | None = None) -> dict[str, Any]:
    with database.session() as session:
        get_enterprise(session, principal, enterprise_id)
        rows, total = queries.import_page(session, enterprise_id, offset=params.offset, limit=params.page_size,
                                          status=status)
        names = queries.usernames(session, {b.created_by for b in rows} | {b.committed_by for b in rows})
        return Page([import_dict(b, names) for b in rows], total, params)


@router.get("/imports/{import_id}", summary="One import with its issues and preview")
def get_import(import_id: Id, principal: CurrentPrincipal,
               database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        batch = queries.get_batch(session, principal, import_id)
        return import_dict(batch, queries.usernames(session, {batch.created_by, batch.committed_by}), full=True)


@router.post("/imports/{import_id}/commit", summary="Commit a previewed import (all or nothing) and account it")
def commit_import(import_id: Id, principal: CurrentPrincipal,
                  database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    def answer(session: Session, batch: ImportBatch, run_id: int, results: int) -> dict[str, Any]:
        names = queries.usernames(session, {batch.created_by, batch.committed_by})
        return {"import": import_dict(batch, names), "run_id": run_id, "results": results}

    return commit_batch(database, principal, import_id, answer)


@router.post("/imports/{import_id}/discard", summary="Discard a preview that will not be committed")
def discard_import(import_id: Id, principal: CurrentPrincipal,
                   database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        batch = queries.get_batch(session, principal, import_id, manage=True)
        store.discard_import(session, principal, batch)
        return import_dict(batch, queries.usernames(session, {batch.created_by}))


@router.get("/imports/{import_id}/rows", summary="Stored activity rows of a committed import")
def import_rows(import_id: Id, principal: CurrentPrincipal,
                database: Annotated[Database, Depends(get_database)],
                params: Annotated[PageParams, Depends(page_params)]) -> dict[str, Any]:
    with database.session() as session:
        queries.get_batch(session, principal, import_id)
        where = [ActivityRecord.import_id == import_id]
        total = session.scalar(select(func.count()).select_from(ActivityRecord).where(*where)) or 0
        rows = session.execute(select(ActivityRecord).where(*where).order_by(ActivityRecord.id)
                               .offset(params.offset).limit(params.page_size)).scalars().all()
        return Page([{"sheet": r.sheet, "row": r.row, "data_version_id": r.data_version_id, **r.values}
                     for r in rows], total, params)


@router.get("/enterprises/{enterprise_id}/results",
            summary="Accounting results in the engine's JSON shape (current versions unless asked)")
def enterprise_results(enterprise_id: Id, principal: CurrentPrincipal,
                       database: Annotated[Database, Depends(get_database)],
                       period: Annotated[str | None, Query(pattern=PERIOD)] = None,
                       period_from: Annotated[str | None, Query(alias="from", pattern=PERIOD)] = None,
                       period_to: Annotated[str | None, Query(alias="to", pattern=PERIOD)] = None,
                       facility: str | None = None,
                       lines: bool = False,
                       version_id: Annotated[Id | None, Query(description="a data version (earlier versions)")] = None,
                       ) -> dict[str, Any]:
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id)
        rows = queries.current_results(session, enterprise_id, period=period, period_from=period_from,
                                       period_to=period_to, facility=facility, lines=lines,
                                       version_id=version_id)
        run_ids = sorted({r.result.run_id for r in rows})
        runs = session.execute(select(CalculationRun).where(CalculationRun.id.in_(run_ids))).scalars().all()
        assert enterprise.code is not None
        return {
            "provenance": {"runs": [{"run_id": r.id, "trigger": r.trigger, "created_at": r.created_at,
                                     **r.provenance} for r in runs]},
            "results": [result_dict(r.result, r.facility_code, enterprise.code, version=r.version, lines=lines)
                        for r in rows],
        }


@router.get("/results/{result_id}", summary="One facility-period result with its derivation lines")
def get_result(result_id: Id, principal: CurrentPrincipal,
               database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        row, enterprise, run = queries.get_result(session, principal, result_id)
        assert enterprise.code is not None
        return {"provenance": {"run_id": run.id, "trigger": run.trigger, **run.provenance},
                **result_dict(row.result, row.facility_code, enterprise.code, version=row.version, lines=True)}


@router.get("/enterprises/{enterprise_id}/dashboard",
            summary="Dashboard of a year: key figures, monthly series, product intensities, facilities")
def dashboard(enterprise_id: Id, request: Request, principal: CurrentPrincipal,
              database: Annotated[Database, Depends(get_database)],
              year: Annotated[int | None, Query(ge=1990, le=2100,
                                                description="the latest year with results when omitted")] = None,
              ) -> Response:
    """A year of the enterprise's current results, summed for its dashboard.

    ``kpis``: ``energy_tce`` [tce], ``emissions_tco2e`` {total, scope1, scope2} [tCO2e], counts of
    results, facilities and warnings, ``change`` (fractions, year over year over the periods both
    years have; null without a previous year) and ``compared`` (those periods and both sums).
    ``monthly``: per period ``energy_tce``, ``total_tco2e``, ``scope`` {scope1, scope2} and
    ``category`` {combustion, process, purchased_electricity, purchased_heat, exported} [tCO2e].
    ``products``: per product ``series`` of ``quantity``, ``energy_intensity`` [kgce/unit] and
    ``emission_intensity`` [tCO2e/unit] (output-weighted over facilities). ``facilities``: the
    year's sums and warning count per facility. ``years``: the years with results.
    """
    cache: ResultsCache = request.app.state.results_cache
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id)  # access is checked every time
        version = cache.version(enterprise_id)
        key = f"dashboard:{enterprise_id}:{year or 'latest'}:{version}"
        cached = cache.get(key) if version >= 0 else None
        if cached is not None:
            return Response(cached, media_type="application/json")
        body = json.dumps(jsonable_encoder(enterprise_dashboard(session, enterprise, year=year)),
                          ensure_ascii=False, separators=(",", ":")).encode()
    if version >= 0:
        cache.set(key, body, DASHBOARD_CACHE_SECONDS)
    return Response(body, media_type="application/json")


@router.get("/enterprises/{enterprise_id}/versions", summary="Data versions per facility-period (who and when)")
def list_versions(enterprise_id: Id, principal: CurrentPrincipal,
                  database: Annotated[Database, Depends(get_database)],
                  params: Annotated[PageParams, Depends(page_params)],
                  facility: str | None = None,
                  period: Annotated[str | None, Query(pattern=PERIOD)] = None) -> dict[str, Any]:
    with database.session() as session:
        get_enterprise(session, principal, enterprise_id)
        rows, total = queries.version_page(session, enterprise_id, offset=params.offset, limit=params.page_size,
                                           facility=facility, period=period)
        return Page([{"id": r.version.id, "facility_id": r.facility_code, "period": r.version.period,
                      "version": r.version.version, "current": r.version.current,
                      "import_id": r.version.import_id, "created_at": r.version.created_at,
                      "created_by": r.created_by} for r in rows], total, params)


@router.get("/enterprises/{enterprise_id}/recalculations", summary="Recalculations and what they changed")
def list_recalculations(enterprise_id: Id, principal: CurrentPrincipal,
                        database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        get_enterprise(session, principal, enterprise_id)
        runs = session.execute(select(CalculationRun).where(
            CalculationRun.enterprise_id == enterprise_id, CalculationRun.trigger == "recalculation")
            .order_by(CalculationRun.id.desc())).scalars().all()
        return {"items": [{"run_id": r.id, "created_at": r.created_at, "datasets": r.provenance.get("datasets", []),
                           "changes": r.changes or []} for r in runs]}


@router.post("/recalculations", summary="Recalculate every enterprise with the installed reference data (admin)")
def run_recalculation(principal: CurrentPrincipal, database: Annotated[Database, Depends(get_database)],
                      force: bool = False) -> dict[str, Any]:
    if not principal.is_admin:
        raise ApiError(403, "only platform admins recalculate", "只有平台管理员可以发起重算")
    with database.session() as session:
        runs = store.recalculate(session, actor=principal.username, actor_user_id=principal.user_id,
                                 only_if_changed=not force)
        return {"runs": [{"run_id": r.id, "enterprise_id": r.enterprise_id, "changed": len(r.changes or [])}
                         for r in runs]}


@router.get("/enterprises/{enterprise_id}/report",
            summary="The energy and GHG report of a year (能源消费与温室气体排放报告) as PDF or xlsx")
def enterprise_report(enterprise_id: Id, request: Request, principal: CurrentPrincipal,
                      database: Annotated[Database, Depends(get_database)],
                      year: Annotated[int | None, Query(ge=1990, le=2100,
                                                        description="the latest year with results when omitted")] = None,
                      format: Annotated[Literal["pdf", "xlsx"], Query(description="pdf or xlsx")] = "pdf",
                      lang: Annotated[Literal["zh-CN", "zh", "en"] | None,
                                      Query(description="zh-CN or en; else the page language or Accept-Language")] = None,
                      ) -> Response:
    """Totals, by month, by source, by scope, by facility, product intensities, methodology and
    datasets, unverified values and the derivation appendix of the enterprise's counted results of
    ``year`` (:mod:`greenmfg.accounting.report`); 404 (``report.no_results``) for a year without results."""
    from greenmfg.accounting import (
        report,  # WeasyPrint and openpyxl load only when a report is asked for
    )

    locale = negotiate(None, lang) if lang else request.state.locale
    translator = request.app.state.templates.catalogs.translator(locale)
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id)
        document = report.build_report(session, enterprise, year=year, translator=translator)
    if format == "pdf":
        content, media = report.render_pdf(document, translator), "application/pdf"
    else:
        content, media = report.render_xlsx(document, translator), XLSX
    return content_response(content, report.report_filename(document, format), media,
                            headers={"Content-Language": locale})
