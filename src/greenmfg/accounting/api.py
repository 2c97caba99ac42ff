"""Imports and results API.

``POST /api/v1/enterprises/{id}/imports`` (multipart ``file``) validates an activity template and
stores a preview: ``status`` is ``previewed`` (no errors; ``summary`` shows what a commit will
store) or ``invalid`` (``issues`` lists every error with sheet/row/column). An upload that is not
a usable file (type, size, content) is refused with the error envelope and nothing is stored.
``POST /api/v1/imports/{id}/commit`` stores a previewed import in one transaction and accounts it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer
from starlette.concurrency import run_in_threadpool

from greenmfg.accounting import store
from greenmfg.accounting.models import (
    ActivityRecord,
    CalculationRun,
    DataVersion,
    FacilityResult,
    ImportBatch,
    ImportStatus,
)
from greenmfg.audit import service as audit
from greenmfg.auth.models import User
from greenmfg.db.session import Database
from greenmfg.orgs.access import Principal, get_enterprise
from greenmfg.orgs.models import Facility
from greenmfg.settings import Settings
from greenmfg.web.deps import CurrentPrincipal, get_database, get_settings
from greenmfg.web.errors import ApiError
from greenmfg.web.pagination import Page, PageParams, page_params

__all__ = ["import_dict", "result_dict", "router"]

router = APIRouter(prefix="/api/v1", tags=["imports and results"])

PERIOD = r"^\d{4}(-\d{2})?$"


def _usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row[0]: row[1] for row in session.execute(select(User.id, User.username).where(User.id.in_(wanted)))}


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


def _batch(session: Session, principal: Principal, import_id: int, *, manage: bool = False,
           content: bool = False) -> ImportBatch:
    query = select(ImportBatch).where(ImportBatch.id == import_id)
    if content:
        query = query.options(undefer(ImportBatch.content))
    batch = session.execute(query).scalar_one_or_none()
    if batch is None:
        raise ApiError(404, f"import {import_id} not found", f"未找到导入批次 {import_id}")
    # raises the same 404 when the enterprise is not visible
    try:
        get_enterprise(session, principal, batch.enterprise_id, manage=manage)
    except Exception as error:
        from greenmfg.orgs.access import NotFound

        if isinstance(error, NotFound):
            raise ApiError(404, f"import {import_id} not found", f"未找到导入批次 {import_id}") from error
        raise
    return batch


def _store_error(error: Exception) -> ApiError:
    if isinstance(error, store.UploadRejected):
        return ApiError(error.status, error.message, error.message_zh, code="upload_rejected")
    if isinstance(error, store.ImportConflict):
        return ApiError(409, error.message, error.message_zh, code="import_conflict")
    raise error


@router.post("/enterprises/{enterprise_id}/imports", status_code=201,
             summary="Upload an activity template (.xlsx/.csv): validate and preview")
async def upload_import(enterprise_id: int, request: Request, principal: CurrentPrincipal, file: UploadFile,
                        database: Annotated[Database, Depends(get_database)],
                        settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    # read at most one byte over the limit: enough to refuse an oversized file without holding it
    content = await file.read(settings.max_upload_bytes + 1)
    # validation and accounting take a while: keep them off the event loop
    return await run_in_threadpool(_preview, database, settings, principal, enterprise_id,
                                   file.filename or "", file.content_type or "", content)


def _preview(database: Database, settings: Settings, principal: Principal, enterprise_id: int, filename: str,
             content_type: str, content: bytes) -> dict[str, Any]:
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id, manage=True)
        try:
            batch = store.preview_upload(session, principal, enterprise, filename=filename,
                                         content_type=content_type, content=content,
                                         max_bytes=settings.max_upload_bytes)
        except (store.UploadRejected, store.ImportConflict) as error:
            raise _store_error(error) from error
        return import_dict(batch, _usernames(session, {batch.created_by}), full=True)


@router.get("/enterprises/{enterprise_id}/imports", summary="Imports of an enterprise (newest first)")
def list_imports(enterprise_id: int, principal: CurrentPrincipal,
                 database: Annotated[Database, Depends(get_database)],
                 params: Annotated[PageParams, Depends(page_params)],
                 status: ImportStatus | None = None) -> dict[str, Any]:
    with database.session() as session:
        get_enterprise(session, principal, enterprise_id)
        where = [ImportBatch.enterprise_id == enterprise_id]
        if status is not None:
            where.append(ImportBatch.status == status)
        total = session.scalar(select(func.count()).select_from(ImportBatch).where(*where)) or 0
        rows = session.execute(select(ImportBatch).where(*where).order_by(ImportBatch.id.desc())
                               .offset(params.offset).limit(params.page_size)).scalars().all()
        names = _usernames(session, {b.created_by for b in rows} | {b.committed_by for b in rows})
        return Page([import_dict(b, names) for b in rows], total, params)


@router.get("/imports/{import_id}", summary="One import with its issues and preview")
def get_import(import_id: int, principal: CurrentPrincipal,
               database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        batch = _batch(session, principal, import_id)
        return import_dict(batch, _usernames(session, {batch.created_by, batch.committed_by}), full=True)


@router.post("/imports/{import_id}/commit", summary="Commit a previewed import (all or nothing) and account it")
def commit_import(import_id: int, principal: CurrentPrincipal,
                  database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        batch = _batch(session, principal, import_id, manage=True, content=True)
        try:
            run = store.commit_import(session, principal, batch)
        except store.ImportConflict as error:
            raise _store_error(error) from error
        results = session.scalar(select(func.count()).where(FacilityResult.run_id == run.id)) or 0
        names = _usernames(session, {batch.created_by, batch.committed_by})
        return {"import": import_dict(batch, names), "run_id": run.id, "results": results}


@router.post("/imports/{import_id}/discard", summary="Discard a preview that will not be committed")
def discard_import(import_id: int, principal: CurrentPrincipal,
                   database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        batch = _batch(session, principal, import_id, manage=True)
        if batch.status not in (ImportStatus.previewed, ImportStatus.invalid):
            raise ApiError(409, f"import {import_id} is {batch.status}", f"导入批次 {import_id} 状态为 {batch.status}")
        batch.status = ImportStatus.discarded
        audit.record(session, "import.discard", actor=principal.username, actor_user_id=principal.user_id,
                     organisation_id=batch.enterprise_id, target_type="import", target_id=batch.id)
        return import_dict(batch, _usernames(session, {batch.created_by}))


@router.get("/imports/{import_id}/rows", summary="Stored activity rows of a committed import")
def import_rows(import_id: int, principal: CurrentPrincipal,
                database: Annotated[Database, Depends(get_database)],
                params: Annotated[PageParams, Depends(page_params)]) -> dict[str, Any]:
    with database.session() as session:
        _batch(session, principal, import_id)
        where = [ActivityRecord.import_id == import_id]
        total = session.scalar(select(func.count()).select_from(ActivityRecord).where(*where)) or 0
        rows = session.execute(select(ActivityRecord).where(*where).order_by(ActivityRecord.id)
                               .offset(params.offset).limit(params.page_size)).scalars().all()
        return Page([{"sheet": r.sheet, "row": r.row, "data_version_id": r.data_version_id, **r.values}
                     for r in rows], total, params)


@router.get("/enterprises/{enterprise_id}/results",
            summary="Accounting results in the engine's JSON shape (current versions unless asked)")
def enterprise_results(enterprise_id: int, principal: CurrentPrincipal,
                       database: Annotated[Database, Depends(get_database)],
                       period: Annotated[str | None, Query(pattern=PERIOD)] = None,
                       period_from: Annotated[str | None, Query(alias="from", pattern=PERIOD)] = None,
                       period_to: Annotated[str | None, Query(alias="to", pattern=PERIOD)] = None,
                       facility: str | None = None,
                       lines: bool = False,
                       version_id: Annotated[int | None, Query(description="a data version (earlier versions)")] = None,
                       ) -> dict[str, Any]:
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id)
        query = (select(FacilityResult, Facility.code, DataVersion.version)
                 .join(Facility, Facility.id == FacilityResult.facility_id)
                 .join(DataVersion, DataVersion.id == FacilityResult.data_version_id)
                 .where(FacilityResult.enterprise_id == enterprise_id))
        if version_id is not None:
            # the latest result computed for that version, current or not
            latest = select(func.max(FacilityResult.id)).where(FacilityResult.data_version_id == version_id)
            query = query.where(FacilityResult.id == latest.scalar_subquery())
        else:
            query = query.where(FacilityResult.current.is_(True))
        if period:
            query = query.where(FacilityResult.period.startswith(period) if len(period) == 4
                                else FacilityResult.period == period)
        if period_from:
            query = query.where(FacilityResult.period >= period_from)
        if period_to:
            query = query.where(FacilityResult.period <= period_to + ("-99" if len(period_to) == 4 else ""))
        if facility:
            query = query.where(Facility.code == facility)
        if lines:
            query = query.options(undefer(FacilityResult.lines))
        rows = session.execute(query.order_by(Facility.code, FacilityResult.period)).all()
        run_ids = sorted({r[0].run_id for r in rows})
        runs = session.execute(select(CalculationRun).where(CalculationRun.id.in_(run_ids))).scalars().all()
        assert enterprise.code is not None
        return {
            "provenance": {"runs": [{"run_id": r.id, "trigger": r.trigger, "created_at": r.created_at,
                                     **r.provenance} for r in runs]},
            "results": [result_dict(r, code, enterprise.code, version=v, lines=lines) for r, code, v in rows],
        }


@router.get("/results/{result_id}", summary="One facility-period result with its derivation lines")
def get_result(result_id: int, principal: CurrentPrincipal,
               database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        row = session.execute(
            select(FacilityResult, Facility.code, DataVersion.version)
            .join(Facility, Facility.id == FacilityResult.facility_id)
            .join(DataVersion, DataVersion.id == FacilityResult.data_version_id)
            .where(FacilityResult.id == result_id).options(undefer(FacilityResult.lines))).one_or_none()
        if row is None:
            raise ApiError(404, f"result {result_id} not found", f"未找到结果 {result_id}")
        result, code, version = row
        try:
            enterprise = get_enterprise(session, principal, result.enterprise_id)
        except Exception as error:
            raise ApiError(404, f"result {result_id} not found", f"未找到结果 {result_id}") from error
        run = session.get(CalculationRun, result.run_id)
        assert enterprise.code is not None and run is not None
        return {"provenance": {"run_id": run.id, "trigger": run.trigger, **run.provenance},
                **result_dict(result, code, enterprise.code, version=version, lines=True)}


@router.get("/enterprises/{enterprise_id}/versions", summary="Data versions per facility-period (who and when)")
def list_versions(enterprise_id: int, principal: CurrentPrincipal,
                  database: Annotated[Database, Depends(get_database)],
                  params: Annotated[PageParams, Depends(page_params)],
                  facility: str | None = None,
                  period: Annotated[str | None, Query(pattern=PERIOD)] = None) -> dict[str, Any]:
    with database.session() as session:
        get_enterprise(session, principal, enterprise_id)
        where = [DataVersion.enterprise_id == enterprise_id]
        if facility:
            where.append(Facility.code == facility)
        if period:
            where.append(DataVersion.period == period)
        base = select(DataVersion, Facility.code).join(Facility, Facility.id == DataVersion.facility_id).where(*where)
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = session.execute(base.order_by(Facility.code, DataVersion.period, DataVersion.version.desc())
                               .offset(params.offset).limit(params.page_size)).all()
        names = _usernames(session, {v.created_by for v, _ in rows})
        return Page([{"id": v.id, "facility_id": code, "period": v.period, "version": v.version,
                      "current": v.current, "import_id": v.import_id, "created_at": v.created_at,
                      "created_by": names.get(v.created_by or -1)} for v, code in rows], total, params)


@router.get("/enterprises/{enterprise_id}/recalculations", summary="Recalculations and what they changed")
def list_recalculations(enterprise_id: int, principal: CurrentPrincipal,
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
