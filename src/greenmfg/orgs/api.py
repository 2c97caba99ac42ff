"""Organisations, enterprises and facilities API (tenant-scoped)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import or_, select

from greenmfg.db.paging import fetch_page
from greenmfg.db.session import Database
from greenmfg.orgs.access import enterprise_filter, get_enterprise, member_organisations
from greenmfg.orgs.models import Facility, Organisation, OrgKind
from greenmfg.web.deps import CurrentPrincipal, get_database
from greenmfg.web.errors import ApiError
from greenmfg.web.ids import Id
from greenmfg.web.pagination import Page, PageParams, page_params

__all__ = ["enterprise_dict", "router"]

router = APIRouter(prefix="/api/v1", tags=["organisations"])

SORTS = {"name": Organisation.name, "code": Organisation.code, "industry": Organisation.industry,
         "province": Organisation.province, "city": Organisation.city, "id": Organisation.id}


def enterprise_dict(org: Organisation) -> dict[str, Any]:
    return {"id": org.id, "code": org.code, "name": org.name, "name_en": org.name_en, "industry": org.industry,
            "province": org.province, "city": org.city, "park_id": org.park_id, "active": org.active}


def organisation_dict(org: Organisation) -> dict[str, Any]:
    out = {"id": org.id, "kind": org.kind, "name": org.name, "name_en": org.name_en, "active": org.active}
    if org.kind == OrgKind.enterprise:
        out.update(enterprise_dict(org))
    if org.kind == OrgKind.regulator:
        out["jurisdictions"] = [{"province": j.province, "city": j.city, "park_id": j.park_id,
                                 "industries": j.industries or []} for j in org.jurisdictions]
    return out


@router.get("/organisations", summary="Organisations: all for admins, one's own otherwise")
def list_organisations(principal: CurrentPrincipal, database: Annotated[Database, Depends(get_database)],
                       params: Annotated[PageParams, Depends(page_params)],
                       kind: Annotated[OrgKind | None, Query()] = None) -> dict[str, Any]:
    with database.session() as session:
        where = [member_organisations(principal)]
        if kind is not None:
            where.append(Organisation.kind == kind)
        rows, total = fetch_page(session, Organisation, where, [Organisation.id],
                                 offset=params.offset, limit=params.page_size)
        return Page([organisation_dict(o) for o in rows], total, params)


@router.get("/organisations/{organisation_id}", summary="One organisation")
def get_organisation(organisation_id: Id, principal: CurrentPrincipal,
                     database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        org = session.execute(select(Organisation).where(
            Organisation.id == organisation_id,
            or_(member_organisations(principal), enterprise_filter(session, principal)))).scalar_one_or_none()
        if org is None:
            raise ApiError(404, f"organisation {organisation_id} not found", f"未找到组织 {organisation_id}")
        return organisation_dict(org)


@router.get("/enterprises", summary="Enterprises the caller may see (paginated, filterable, sortable)")
def list_enterprises(principal: CurrentPrincipal, database: Annotated[Database, Depends(get_database)],
                     params: Annotated[PageParams, Depends(page_params)],
                     industry: str | None = None, province: str | None = None, city: str | None = None,
                     q: Annotated[str | None, Query(max_length=100, description="name or code contains")] = None,
                     sort: Annotated[str, Query(pattern="^-?(name|code|industry|province|city|id)$")] = "id",
                     ) -> dict[str, Any]:
    with database.session() as session:
        where = [enterprise_filter(session, principal)]
        if industry:
            where.append(Organisation.industry == industry)
        if province:
            where.append(Organisation.province == province)
        if city:
            where.append(Organisation.city == city)
        if q:
            like = f"%{q}%"
            where.append(or_(Organisation.name.like(like), Organisation.code.like(like)))
        column = SORTS[sort.lstrip("-")]
        order = column.desc() if sort.startswith("-") else column.asc()
        rows, total = fetch_page(session, Organisation, where, [order, Organisation.id],
                                 offset=params.offset, limit=params.page_size)
        return Page([enterprise_dict(o) for o in rows], total, params)


@router.get("/enterprises/{enterprise_id}", summary="One enterprise")
def get_enterprise_detail(enterprise_id: Id, principal: CurrentPrincipal,
                          database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        return enterprise_dict(get_enterprise(session, principal, enterprise_id))


@router.get("/enterprises/{enterprise_id}/facilities", summary="Facilities of an enterprise")
def list_facilities(enterprise_id: Id, principal: CurrentPrincipal,
                    database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        get_enterprise(session, principal, enterprise_id)
        rows = session.execute(select(Facility).where(Facility.enterprise_id == enterprise_id)
                               .order_by(Facility.code)).scalars().all()
        return {"items": [{"id": f.id, "code": f.code, "name": f.name} for f in rows]}


