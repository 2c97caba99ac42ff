"""Allowances API (national carbon market), read only.

``GET /api/v1/ets/allowances/enterprises/{id}?year=&ccer_held=&balance_value=`` — the enterprise's allocation per
product line (so far and at year end), covered emissions so far and projected with the band, the
surplus/deficit with its band, the usable CCER within the limit, the compliance calendar and the
warnings (values not found or not verified). 2025 allocates the verified emissions × (1 + α), α from
the line's intensity against the sector's balance value, which is published only after verification:
``balance_value`` [tCO2/t] estimates with an assumed one. Anyone who may see the enterprise reads it.

``GET /api/v1/ets/allowances/enterprises/{id}/what-if?year=&measure=&…`` — the same with the
allowance effect of a measure: ``measure=clinker_factor`` (``cement_output_t``,
``clinker_factor_before``, ``clinker_factor_after``, ``clinker_intensity_tco2_per_t``),
``measure=scrap`` (``crude_steel_t``, ``scrap_ratio_before``, ``scrap_ratio_after``,
``hot_metal_intensity_tco2_per_t``, optional ``hot_metal_per_scrap``) or ``measure=anode``
(``aluminium_t``, ``net_anode_before``, ``net_anode_after``, ``anode_carbon_content``).

``GET /api/v1/ets/allowances/enterprises/{id}/declarations?year=`` — the lines' declared special cases of the
year's rules (white clinker, carbide slag > 15 %, a line new in the year …) with their evidence; ``PUT`` the
same path with ``{"year": 2025, "facility": "KILN-2", "case": "white_clinker", "evidence": "…"}`` declares one
(the enterprise's managers; ``case`` ``general`` withdraws it; audited ``ets.declaration.set``). The
allowances of a declared line follow its case's rule.

``GET /api/v1/ets/allowances?year=`` — the visible enterprises of the covered sectors with their
position (a regulator: its area; an enterprise user: its own).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.encoders import jsonable_encoder

from greenmfg.db.session import Database
from greenmfg.ets import allowances as service
from greenmfg.web.deps import CurrentPrincipal, get_database
from greenmfg.web.ids import Id

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/ets/allowances", tags=["ets"])

DatabaseDep = Annotated[Database, Depends(get_database)]
BodyDep = Annotated[dict[str, Any] | None, Body()]
YEAR_QUERY = Query(ge=service.MIN_YEAR, le=service.MAX_YEAR, description="the latest year with results when omitted")
CCER_QUERY = Query(max_length=40, description="CCER held [tCO2e] (0 when omitted)")
BP_QUERY = Query(max_length=40, description="the sector's balance value [tCO2/t] to assume (published only after "
                                            "verification)")


@router.get("/enterprises/{enterprise_id}", summary="Allowances, projected emissions and the position of the year")
def enterprise_allowances(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                          year: Annotated[int | None, YEAR_QUERY] = None,
                          ccer_held: Annotated[str | None, CCER_QUERY] = None,
                          balance_value: Annotated[str | None, BP_QUERY] = None) -> Any:
    with database.session() as session:
        view = service.allowances_view(session, principal, enterprise_id, year, ccer_held=ccer_held,
                                       balance_value=balance_value)
        return jsonable_encoder(service.as_dict(view))


@router.get("/enterprises/{enterprise_id}/what-if", summary="The allowance effect of a measure")
def enterprise_what_if(enterprise_id: Id, request: Request, principal: CurrentPrincipal, database: DatabaseDep,
                       year: Annotated[int | None, YEAR_QUERY] = None,
                       ccer_held: Annotated[str | None, CCER_QUERY] = None,
                       balance_value: Annotated[str | None, BP_QUERY] = None,
                       measure: Annotated[str | None, Query(max_length=40)] = None) -> Any:
    params = {k: v for k, v in request.query_params.items() if len(v) <= 40}
    with database.session() as session:
        view = service.allowances_view(session, principal, enterprise_id, year, ccer_held=ccer_held,
                                       balance_value=balance_value)
        effect = service.what_if(view, measure, params)
        return jsonable_encoder(service.as_dict(view, effect))


def _declaration(d: service.Declaration) -> dict[str, Any]:
    record = d.record
    return {"facility": d.facility, "year": d.year, "case": d.case, "evidence": d.evidence,
            "declared_by": d.declared_by, "declared_at": d.declared_at.isoformat(),
            "rule": None if record is None else {"key": record.rule.key, "name_zh": record.name_zh,
                                                 "name_en": record.name_en, "method": record.rule.method,
                                                 "verification_status": record.rule.verification_status}}


@router.get("/enterprises/{enterprise_id}/declarations", summary="The lines' declared special cases of a year")
def list_declarations(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                      year: Annotated[int | None, YEAR_QUERY] = None) -> Any:
    year = year if year is not None else dt.date.today().year
    with database.session() as session:
        enterprise = service.get_enterprise(session, principal, enterprise_id)
        items = [_declaration(d) for d in service.declarations(session, principal, enterprise_id, year)]
        cases = [{"case": r.rule.case, "name_zh": r.name_zh, "name_en": r.name_en, "method": r.rule.method,
                  "rule_zh": r.rule_zh, "rule_en": r.rule_en, "verification_status": r.rule.verification_status}
                 for r in service.special_cases(year, service.sector_of(enterprise))]
        return {"year": year, "items": items, "cases": cases}


@router.put("/enterprises/{enterprise_id}/declarations",
            summary="Declare a line's special case of a year's rules, with its evidence (the enterprise's managers)")
def put_declaration(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                    body: BodyDep = None) -> Any:
    """``{"year": 2025, "facility": "KILN-2", "case": "white_clinker", "evidence": "产品检验报告 2025-031"}``."""
    data = body or {}
    with database.session() as session:
        declared = service.declare_case(session, principal, enterprise_id, data.get("facility"), data.get("year"),
                                        data)
        return {"declared": None if declared is None else _declaration(declared)}


@router.get("", summary="The covered enterprises the caller sees, with their position")
def list_allowances(principal: CurrentPrincipal, database: DatabaseDep,
                    year: Annotated[int | None, Query(ge=service.MIN_YEAR, le=service.MAX_YEAR,
                                                      description="this year when omitted")] = None) -> Any:
    year = year if year is not None else dt.date.today().year
    with database.session() as session:
        rows = service.region_rows(session, principal, year)
        items = []
        for row in rows:
            view, pos = row.view, row.view.position
            items.append({"enterprise": {"id": row.enterprise.id, "code": row.enterprise.code,
                                         "name": row.enterprise.name},
                          "sector": view.sector, "months": list(view.projection.months),
                          "emissions_to_date_tco2e": view.projection.to_date,
                          "emissions_projected_tco2e": view.projection.projected,
                          "emissions_low_tco2e": view.projection.low, "emissions_high_tco2e": view.projection.high,
                          "allowances_so_far_tco2e": view.allocation_so_far.total,
                          "allowances_year_end_tco2e": view.allocation_year_end.total,
                          "balance_tco2e": pos.balance, "balance_low_tco2e": pos.balance_low,
                          "balance_high_tco2e": pos.balance_high,
                          "warnings": [w.code for w in view.warnings]})
        return jsonable_encoder({"year": year, "items": items})
