"""Targets API: ``GET`` and ``PUT /api/v1/enterprises/{id}/targets?year=YYYY``.

``GET`` answers the year's targets (the latest year with results when ``year`` is omitted), each
with its tracking against the results so far: ``to_date``, ``projected`` (year end), ``progress``
(to date / target), ``expected`` (share of the year reported), ``projected_ratio`` and ``status``
(``on_track``, ``at_risk``, ``missed``, ``no_data``). Anyone who may see the enterprise reads them.

``PUT`` replaces the year's targets (its managers and admins; audited) with the body's::

    {"targets": [{"metric": "energy_tce", "value": 52000, "note": "2025 年节能目标责任书"},
                 {"metric": "energy_intensity", "product": "crude_steel", "value": 560}]}

Metrics and units: ``energy_tce`` [tce], ``emissions_tco2e`` [tCO2e], ``energy_intensity``
[kgce/product unit] and ``emission_intensity`` [tCO2e/product unit] of a ``product`` (a key from
``products``), ``energy_per_output`` [tce/万元] and ``emissions_per_output`` [tCO2e/万元] of the
year's output value (``/api/v1/enterprises/{id}/output-values``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.encoders import jsonable_encoder

from greenmfg.db.session import Database
from greenmfg.targets import service
from greenmfg.web.deps import CurrentPrincipal, get_database
from greenmfg.web.ids import Id

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["targets"])

DatabaseDep = Annotated[Database, Depends(get_database)]
YEAR_QUERY = Query(ge=service.MIN_YEAR, le=service.MAX_YEAR, description="the latest year with results when omitted")
EXAMPLE = {"targets": [{"metric": "energy_tce", "value": 52000, "note": "2025 年节能目标责任书"},
                       {"metric": "energy_intensity", "product": "crude_steel", "value": 560}]}


@router.get("/enterprises/{enterprise_id}/targets", summary="The year's targets, tracked against the results so far")
def get_targets(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                year: Annotated[int | None, YEAR_QUERY] = None) -> Any:
    with database.session() as session:
        chosen = year if year is not None else service.default_year(session, enterprise_id)
        return jsonable_encoder(service.targets_dict(service.year_targets(session, principal, enterprise_id, chosen)))


@router.put("/enterprises/{enterprise_id}/targets", summary="Set the year's targets (the enterprise's managers)")
def put_targets(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                year: Annotated[int | None, YEAR_QUERY] = None,
                body: Annotated[Any, Body(openapi_examples={"targets": {"value": EXAMPLE}})] = None) -> Any:
    items = body.get("targets") if isinstance(body, dict) else None
    with database.session() as session:
        chosen = year if year is not None else service.default_year(session, enterprise_id)
        view = service.set_targets(session, principal, enterprise_id, chosen, items)
        return jsonable_encoder(service.targets_dict(view))
