"""Energy-baseline (M&V) API.

``POST /api/v1/meters/{meter_id}/baselines`` fits and stores a baseline from daily data (inline
``data``/``csv``, or ``energy_source: "readings"``); ``GET`` lists a meter's baselines;
``GET /api/v1/baselines/{baseline_id}`` reads one; ``POST /api/v1/baselines/{baseline_id}/savings``
gives avoided energy use (and normalised savings with ``standard_conditions``) with FSU bands at
68/90/95 %. A meter or baseline of an enterprise the caller may not see answers 404. Input problems
answer 422 with located issues (``details[].column`` such as ``data[3].energy``), zh and en.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from greenmfg.db.session import Database
from greenmfg.monitoring import baselines as service
from greenmfg.web.deps import CurrentPrincipal, get_database
from greenmfg.web.ids import Id

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["energy baselines (M&V)"])

DatabaseDep = Annotated[Database, Depends(get_database)]
FIT_EXAMPLE = {"method": "change_point", "ipmvp_option": "B", "drivers": ["temperature_c", "production"],
               "window": {"start": "2025-01-01", "end": "2025-12-31"},
               "data": [{"date": "2025-01-01", "energy": 1520.5, "temperature_c": -3.2, "production": 410.0}]}


@router.post("/meters/{meter_id}/baselines", status_code=201,
             summary="Fit and store an energy baseline for a meter (CalTRACK change-point or ISO 50006 OLS)")
def create_baseline(meter_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                    body: Annotated[dict[str, Any], Body(openapi_examples={"daily": {"value": FIT_EXAMPLE}})],
                    ) -> dict[str, Any]:
    with database.session() as session:
        return service.baseline_dict(service.fit_baseline(session, principal, meter_id, body))


@router.get("/meters/{meter_id}/baselines", summary="A meter's baselines (newest first)")
def list_baselines(meter_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        return {"items": [service.baseline_dict(b) for b in service.list_baselines(session, principal, meter_id)]}


@router.get("/baselines/{baseline_id}", summary="One baseline: method, version, window, coefficients, metrics")
def get_baseline(baseline_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        return service.baseline_dict(service.get_baseline(session, principal, baseline_id))


@router.post("/baselines/{baseline_id}/savings",
             summary="Avoided energy use over a reporting period with uncertainty (IPMVP B/C)")
def baseline_savings(baseline_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                     body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    with database.session() as session:
        return service.savings(session, principal, baseline_id, body)
