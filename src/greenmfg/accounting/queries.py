"""Reading stored imports, versions and results under the access policy.

The REST API (:mod:`greenmfg.accounting.api`) and the web pages (:mod:`greenmfg.accounting.pages`)
show the same things; both read them here, so both apply the same rules. Every lookup of one
object by id raises :class:`~greenmfg.orgs.access.NotFound` when the object does not exist *or*
belongs to an enterprise the caller may not see, so an outsider cannot tell the two apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from greenmfg.accounting.lines import preload_lines, preload_warnings
from greenmfg.accounting.models import (
    CalculationRun,
    DataVersion,
    FacilityResult,
    ImportBatch,
)
from greenmfg.auth.models import User
from greenmfg.orgs.access import NotFound, Principal, get_enterprise
from greenmfg.orgs.models import Facility, Organisation

__all__ = ["ResultRow", "VersionRow", "current_results", "get_batch", "get_result", "import_page",
           "result_history", "usernames", "version_page"]


def usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    """User id → username for the given ids (``None`` ignored)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row[0]: row[1] for row in session.execute(select(User.id, User.username).where(User.id.in_(wanted)))}


def get_batch(session: Session, principal: Principal, import_id: int, *, manage: bool = False,
              content: bool = False) -> ImportBatch:
    """An import batch the caller may see (and manage when ``manage``).

    Raises
    ------
    NotFound
        No such import, or its enterprise is invisible to the caller.
    Forbidden
        Visible, but ``manage`` was asked and the caller may not change the enterprise's data.
    """
    query = select(ImportBatch).where(ImportBatch.id == import_id)
    if content:
        query = query.options(undefer(ImportBatch.content))
    batch = session.execute(query).scalar_one_or_none()
    if batch is None:
        raise NotFound("import", import_id)
    try:
        get_enterprise(session, principal, batch.enterprise_id, manage=manage)
    except NotFound as error:
        # name the import, not its enterprise: the outsider learns nothing about the owner
        raise NotFound("import", import_id) from error
    return batch


def import_page(session: Session, enterprise_id: int, *, offset: int, limit: int,
                status: str | None = None) -> tuple[list[ImportBatch], int]:
    """One page of an enterprise's imports, newest first, and how many there are in all."""
    where = [ImportBatch.enterprise_id == enterprise_id]
    if status is not None:
        where.append(ImportBatch.status == status)
    total = session.scalar(select(func.count()).select_from(ImportBatch).where(*where)) or 0
    rows = session.execute(select(ImportBatch).where(*where).order_by(ImportBatch.id.desc())
                           .offset(offset).limit(limit)).scalars().all()
    return list(rows), total


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A stored facility-period result with its facility code and data version number."""

    result: FacilityResult
    facility_code: str
    facility_name: str | None
    version: int


def _result_query() -> Any:
    return (select(FacilityResult, Facility.code, Facility.name, DataVersion.version)
            .join(Facility, Facility.id == FacilityResult.facility_id)
            .join(DataVersion, DataVersion.id == FacilityResult.data_version_id))


def current_results(session: Session, enterprise_id: int, *, period: str | None = None,
                    period_from: str | None = None, period_to: str | None = None,
                    facility: str | None = None, lines: bool = False,
                    version_id: int | None = None, import_id: int | None = None) -> list[ResultRow]:
    """Results of an enterprise, ordered by facility and period.

    Parameters
    ----------
    period
        ``YYYY`` (a whole year) or ``YYYY-MM``.
    period_from, period_to
        Inclusive bounds, ``YYYY`` or ``YYYY-MM``.
    facility
        A facility code.
    lines
        Load the derivation lines too (large).
    version_id
        Instead of the current results: the latest result computed for that data version.
    import_id
        Only the facility-periods whose data came from that import (current results of its
        versions, or the latest result of each when they have been replaced since).
    """
    query = _result_query().where(FacilityResult.enterprise_id == enterprise_id)
    if version_id is not None:
        latest = select(func.max(FacilityResult.id)).where(FacilityResult.data_version_id == version_id)
        query = query.where(FacilityResult.id == latest.scalar_subquery())
    elif import_id is not None:
        latest_of_version = (select(func.max(FacilityResult.id)).join(
            DataVersion, DataVersion.id == FacilityResult.data_version_id)
            .where(DataVersion.import_id == import_id).group_by(FacilityResult.data_version_id))
        query = query.where(FacilityResult.id.in_(latest_of_version))
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
        query = query.options(undefer(FacilityResult.lines_packed), undefer(FacilityResult.lines_json))
    rows = session.execute(query.order_by(Facility.code, FacilityResult.period)).all()
    if lines:
        preload_lines(session, (row[0] for row in rows))
    else:
        preload_warnings(session, (row[0] for row in rows))
    return [ResultRow(result, code, name, version) for result, code, name, version in rows]


def get_result(session: Session, principal: Principal, result_id: int) -> tuple[ResultRow, Organisation,
                                                                                 CalculationRun]:
    """One result with its derivation lines, its enterprise and its calculation run.

    Raises
    ------
    NotFound
        No such result, or its enterprise is invisible to the caller.
    """
    row = session.execute(_result_query().where(FacilityResult.id == result_id)
                          .options(undefer(FacilityResult.lines_packed), undefer(FacilityResult.lines_json))
                          ).one_or_none()
    if row is None:
        raise NotFound("result", result_id)
    result, code, name, version = row
    try:
        enterprise = get_enterprise(session, principal, result.enterprise_id)
    except NotFound as error:
        raise NotFound("result", result_id) from error
    preload_lines(session, [result])
    run = session.get(CalculationRun, result.run_id)
    assert run is not None
    return ResultRow(result, code, name, version), enterprise, run


@dataclass(frozen=True, slots=True)
class VersionRow:
    """A data version of a facility-period, who made it and the result computed for it last."""

    version: DataVersion
    facility_code: str
    created_by: str | None
    result_id: int | None
    energy_tce: float | None
    total_tco2e: float | None


def version_page(session: Session, enterprise_id: int, *, offset: int, limit: int,
                 facility: str | None = None, period: str | None = None) -> tuple[list[VersionRow], int]:
    """Data versions of an enterprise (by facility, period, newest version first) and their count."""
    where = [DataVersion.enterprise_id == enterprise_id]
    if facility:
        where.append(Facility.code == facility)
    if period:
        where.append(DataVersion.period == period)
    base = select(DataVersion, Facility.code).join(Facility, Facility.id == DataVersion.facility_id).where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(Facility.code, DataVersion.period, DataVersion.version.desc())
                           .offset(offset).limit(limit)).all()
    return _version_rows(session, rows), total


def result_history(session: Session, facility_id: int, period: str) -> list[VersionRow]:
    """Every data version of one facility-period, newest first, with its latest result."""
    rows = session.execute(
        select(DataVersion, Facility.code).join(Facility, Facility.id == DataVersion.facility_id)
        .where(DataVersion.facility_id == facility_id, DataVersion.period == period)
        .order_by(DataVersion.version.desc())).all()
    return _version_rows(session, rows)


def _version_rows(session: Session, rows: Any) -> list[VersionRow]:
    versions: list[tuple[DataVersion, str]] = [(v, code) for v, code in rows]
    ids = [v.id for v, _ in versions]
    latest: dict[int, tuple[int, float, float]] = {}
    if ids:
        newest = (select(func.max(FacilityResult.id)).where(FacilityResult.data_version_id.in_(ids))
                  .group_by(FacilityResult.data_version_id))
        for result_id, version_id, energy, total in session.execute(
                select(FacilityResult.id, FacilityResult.data_version_id, FacilityResult.energy_tce,
                       FacilityResult.total_tco2e).where(FacilityResult.id.in_(newest))):
            latest[version_id] = (result_id, energy, total)
    names = usernames(session, {v.created_by for v, _ in versions})
    out = []
    for version, code in versions:
        found = latest.get(version.id)
        out.append(VersionRow(version, code, names.get(version.created_by or -1),
                              found[0] if found else None, found[1] if found else None,
                              found[2] if found else None))
    return out
