"""A facility-month's activity rows through the API: read them, replace them with a new version.

``GET /api/v1/enterprises/{id}/activity/{facility}/{YYYY-MM}`` answers the current version's number
(0 for a month without data) and its rows; ``PUT`` the same path with ``rows``, ``reason`` and the
``version`` the change was made on stores the rows as a new version, checked, accounted and audited
exactly as the month editor page does (:mod:`greenmfg.accounting.editing`). Errors: 422 with every
finding located by ``row`` (1-based position in ``rows``) and ``column``; 409 when the month got
another version meanwhile; 403 for those who may only read; 404 for an enterprise the caller cannot see.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from greenmfg.accounting import editing
from greenmfg.db.session import Database
from greenmfg.settings import Settings
from greenmfg.web.deps import CurrentPrincipal, get_database, get_settings
from greenmfg.web.ids import Id

__all__ = ["MonthChange", "router"]

router = APIRouter(prefix="/api/v1", tags=["imports and results"])

PATH = "/enterprises/{enterprise_id}/activity/{facility}/{period}"


class MonthChange(BaseModel):
    """A new version of a facility-month's rows."""

    rows: list[dict[str, str | float | int | None]] = Field(
        max_length=editing.MAX_ROWS,
        description="the month's rows: item, quantity, unit, flow and the template's optional columns "
                    "(ncv, ncv_unit, carbon_content, …); the enterprise, industry, region, facility and "
                    "period columns are the month's own")
    reason: str = Field(max_length=2000, description="why the data change (kept with the version and audited)")
    version: int = Field(ge=0, le=1_000_000, description="the version the change was made on (0: a month without data)")


def _month_dict(month: editing.Month) -> dict[str, Any]:
    return {"enterprise_id": month.enterprise.id, "facility": month.facility, "period": month.period,
            "version": month.version, "reason": month.reason, "import_id": month.import_id,
            "shared": month.fixed, "rows": month.rows}


@router.get(PATH, summary="The current activity rows of one facility-month")
def get_month(enterprise_id: Id, facility: str, period: str, principal: CurrentPrincipal,
              database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        return _month_dict(editing.read_month(session, principal, enterprise_id, facility, period))


@router.put(PATH, summary="Replace a facility-month's rows with a new version (checked, accounted, audited)")
async def put_month(enterprise_id: Id, facility: str, period: str, change: MonthChange,
                    principal: CurrentPrincipal, database: Annotated[Database, Depends(get_database)],
                    settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    rows = [{k: ("" if v is None else str(v)) for k, v in row.items()} for row in change.rows]
    saved = await run_in_threadpool(
        editing.save_month, database, principal, enterprise_id, facility, period, rows=rows, reason=change.reason,
        base_version=change.version, max_bytes=settings.max_upload_bytes)
    return {"facility": facility, "period": period, "version": saved.version, "previous_version": saved.previous,
            "import_id": saved.import_id, "run_id": saved.run_id, "result_id": saved.result_id, "rows": saved.rows,
            "energy_tce": saved.energy_tce, "total_tco2e": saved.total_tco2e}
