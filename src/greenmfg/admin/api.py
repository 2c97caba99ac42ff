"""Admin API under ``/api/v1/admin`` (platform admins only; everybody else gets 403).

Organisations (enterprise fields, regulator jurisdictions, evaluator assignments), users (create
with an argon2-hashed password, deactivate, memberships and roles), every user's API tokens
(list, revoke) and the audit log (list, verify the chain). Every change is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.admin import service
from greenmfg.admin.service import JurisdictionInput, OrganisationInput
from greenmfg.audit.models import AuditEvent
from greenmfg.auth.api import token_dict
from greenmfg.auth.models import ApiToken, User
from greenmfg.db.session import Database
from greenmfg.orgs.access import Principal
from greenmfg.orgs.models import Organisation, OrgKind
from greenmfg.settings import Settings
from greenmfg.web.deps import CurrentPrincipal, get_database, get_settings
from greenmfg.web.ids import Id
from greenmfg.web.pagination import Page, PageParams, page_params

__all__ = ["event_dict", "organisation_dict", "router", "user_dict"]

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


def _admin(principal: Principal) -> Principal:
    service.require_admin(principal)
    return principal


async def _require_admin(principal: CurrentPrincipal) -> Principal:
    return _admin(principal)


AdminPrincipal = Annotated[Principal, Depends(_require_admin)]


# ------------------------------------------------------------------------------ shapes


class JurisdictionIn(BaseModel):
    province: str = Field(min_length=1, max_length=64, description="GB/T 2260 code or name, e.g. 130000")
    city: str | None = Field(default=None, max_length=64, description="e.g. 唐山; empty: the whole province")
    industries: list[str] = Field(default_factory=list, description="industry keys; empty: every industry")


class OrganisationCreate(BaseModel):
    kind: OrgKind
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    code: str | None = Field(default=None, max_length=64)
    industry: str | None = Field(default=None, max_length=64)
    province: str | None = Field(default=None, max_length=64)
    city: str | None = Field(default=None, max_length=64)
    jurisdictions: list[JurisdictionIn] = Field(default_factory=list)


class OrganisationUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    code: str | None = Field(default=None, max_length=64)
    industry: str | None = Field(default=None, max_length=64)
    province: str | None = Field(default=None, max_length=64)
    city: str | None = Field(default=None, max_length=64)
    active: bool | None = None
    #: regulators: replaces every jurisdiction
    jurisdictions: list[JurisdictionIn] | None = None


class AssignmentIn(BaseModel):
    enterprise_id: Id
    purpose: str | None = Field(default=None, max_length=200)


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=64)
    display_name: str = Field(default="", max_length=200)
    password: str = Field(min_length=service.MIN_PASSWORD_LENGTH, max_length=256)
    locale: str | None = Field(default=None, pattern="^(zh-CN|en)$")
    organisation_id: Id | None = None
    role: str | None = Field(default=None, pattern="^(manager|viewer|admin)$")


class RoleIn(BaseModel):
    role: str = Field(pattern="^(manager|viewer|admin)$")


def _jurisdictions(items: list[JurisdictionIn] | None) -> tuple[JurisdictionInput, ...] | None:
    if items is None:
        return None
    return tuple(JurisdictionInput(j.province, j.city, tuple(j.industries)) for j in items)


def organisation_dict(session: Session, org: Organisation, *, members: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": org.id, "kind": org.kind, "name": org.name, "name_en": org.name_en,
                           "active": org.active, "created_at": org.created_at}
    if org.kind == OrgKind.enterprise:
        out.update(code=org.code, industry=org.industry, province=org.province, city=org.city, park_id=org.park_id)
    if org.kind == OrgKind.regulator:
        out["jurisdictions"] = [{"id": j.id, "province": j.province, "city": j.city, "park_id": j.park_id,
                                 "industries": j.industries or []} for j in org.jurisdictions]
    if org.kind == OrgKind.evaluator:
        out["assignments"] = [{"id": a.id, "enterprise_id": e.id, "enterprise": e.name, "purpose": a.purpose,
                               "assigned_at": a.assigned_at, "ended_at": a.ended_at}
                              for a, e in service.assignments(session, org.id)]
    if members is not None:
        out["members"] = members
    return out


def user_dict(session: Session, user: User) -> dict[str, Any]:
    ids = [m.organisation_id for m in user.memberships]
    orgs = {o.id: o for o in session.execute(select(Organisation).where(Organisation.id.in_(ids))).scalars()}
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "locale": user.locale,
            "active": user.active, "created_at": user.created_at, "demo": user.demo,
            "must_change_password": user.must_change_password, "password_changed_at": user.password_changed_at,
            "memberships": [{"organisation_id": m.organisation_id, "organisation": orgs[m.organisation_id].name,
                             "kind": orgs[m.organisation_id].kind, "role": m.role}
                            for m in sorted(user.memberships, key=lambda m: m.organisation_id)
                            if m.organisation_id in orgs]}


def _token(row: ApiToken, username: str) -> dict[str, Any]:
    return {**token_dict(row), "user_id": row.user_id, "username": username, "state": service.token_state(row)}


def event_dict(event: AuditEvent) -> dict[str, Any]:
    return {"seq": event.seq, "at": event.at, "actor": event.actor, "actor_user_id": event.actor_user_id,
            "action": event.action, "organisation_id": event.organisation_id, "target_type": event.target_type,
            "target_id": event.target_id, "details": event.details, "hash": event.hash}


# ------------------------------------------------------------------------ organisations


@router.get("/organisations", summary="Every organisation (filter by kind or name/code)")
def list_organisations(principal: AdminPrincipal, database: Annotated[Database, Depends(get_database)],
                       params: Annotated[PageParams, Depends(page_params)], kind: OrgKind | None = None,
                       q: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    with database.session() as session:
        rows, total, members = service.list_organisations(session, principal, kind=kind, q=q, page=params.page,
                                                          page_size=params.page_size)
        return Page([organisation_dict(session, o, members=members.get(o.id, 0)) for o in rows], total, params)


@router.post("/organisations", status_code=201, summary="Create an organisation (audited)")
def create_organisation(body: OrganisationCreate, principal: AdminPrincipal,
                        database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    data = OrganisationInput(kind=body.kind.value, name=body.name, name_en=body.name_en, code=body.code,
                             industry=body.industry, province=body.province, city=body.city,
                             jurisdictions=_jurisdictions(body.jurisdictions))
    with database.session() as session:
        org = service.create_organisation(session, principal, data)
        return organisation_dict(session, org, members=0)


@router.get("/organisations/{organisation_id}", summary="One organisation with jurisdictions or assignments")
def get_organisation(organisation_id: Id, principal: AdminPrincipal,
                     database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        org = service.get_organisation(session, principal, organisation_id)
        return {**organisation_dict(session, org, members=len(service.members(session, org.id))),
                "users": [{"id": u.id, "username": u.username, "role": role}
                          for u, role in service.members(session, org.id)]}


@router.patch("/organisations/{organisation_id}", summary="Change an organisation (audited)")
def update_organisation(organisation_id: Id, body: OrganisationUpdate, principal: AdminPrincipal,
                        database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    data = OrganisationInput(name=body.name, name_en=body.name_en, code=body.code, industry=body.industry,
                             province=body.province, city=body.city, active=body.active,
                             jurisdictions=_jurisdictions(body.jurisdictions))
    with database.session() as session:
        org = service.update_organisation(session, principal, organisation_id, data)
        return organisation_dict(session, org)


@router.post("/organisations/{organisation_id}/assignments", status_code=201,
             summary="Assign an evaluator to an enterprise (audited)")
def assign(organisation_id: Id, body: AssignmentIn, principal: AdminPrincipal,
           database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        row = service.assign_evaluator(session, principal, organisation_id, body.enterprise_id,
                                       purpose=body.purpose)
        return {"id": row.id, "evaluator_id": row.evaluator_id, "enterprise_id": row.enterprise_id,
                "purpose": row.purpose, "assigned_at": row.assigned_at, "ended_at": row.ended_at}


@router.delete("/organisations/{organisation_id}/assignments/{assignment_id}",
               summary="End an evaluator's assignment (audited)")
def unassign(organisation_id: Id, assignment_id: Id, principal: AdminPrincipal,
             database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        row = service.end_assignment(session, principal, organisation_id, assignment_id)
        return {"id": row.id, "evaluator_id": row.evaluator_id, "enterprise_id": row.enterprise_id,
                "purpose": row.purpose, "assigned_at": row.assigned_at, "ended_at": row.ended_at}


# -------------------------------------------------------------------------------- users


@router.get("/users", summary="Every user with memberships (filter by name, organisation, status)")
def list_users(principal: AdminPrincipal, database: Annotated[Database, Depends(get_database)],
               params: Annotated[PageParams, Depends(page_params)],
               q: Annotated[str | None, Query(max_length=100)] = None, organisation_id: Id | None = None,
               active: bool | None = None) -> dict[str, Any]:
    with database.session() as session:
        rows, total = service.list_users(session, principal, q=q, organisation_id=organisation_id, active=active,
                                         page=params.page, page_size=params.page_size)
        return Page([user_dict(session, u) for u in rows], total, params)


@router.post("/users", status_code=201, summary="Create a user (argon2 password hash; audited)")
def create_user(body: UserCreate, principal: AdminPrincipal,
                database: Annotated[Database, Depends(get_database)],
                settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    with database.session() as session:
        user = service.create_user(session, principal, username=body.username, display_name=body.display_name,
                                   password=body.password, locale=body.locale,
                                   organisation_id=body.organisation_id, role=body.role,
                                   min_length=settings.password_min_length)
        return user_dict(session, user)


@router.get("/users/{user_id}", summary="One user with memberships")
def get_user(user_id: Id, principal: AdminPrincipal,
             database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        return user_dict(session, service.get_user(session, principal, user_id))


def _set_active(user_id: int, principal: Principal, database: Database, active: bool) -> dict[str, Any]:
    with database.session() as session:
        return user_dict(session, service.set_active(session, principal, user_id, active))


@router.post("/users/{user_id}/deactivate", summary="Deactivate a user; revokes its sessions and tokens (audited)")
def deactivate_user(user_id: Id, principal: AdminPrincipal,
                    database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    return _set_active(user_id, principal, database, False)


@router.post("/users/{user_id}/activate", summary="Reactivate a user (audited)")
def activate_user(user_id: Id, principal: AdminPrincipal,
                  database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    return _set_active(user_id, principal, database, True)


class PasswordResetIn(BaseModel):
    #: none: a random temporary password is generated and returned once
    password: str | None = Field(default=None, max_length=256)


@router.post("/users/{user_id}/password",
             summary="Reset a user's password (given or generated, shown once); the user must change it at the "
                     "next sign-in; revokes its sessions and tokens (audited)")
def reset_password(user_id: Id, body: PasswordResetIn, principal: AdminPrincipal,
                   database: Annotated[Database, Depends(get_database)],
                   settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    with database.session() as session:
        user, generated = service.reset_password(session, principal, user_id, body.password,
                                                 min_length=settings.password_min_length)
        return {**user_dict(session, user), "temporary_password": generated}


@router.put("/users/{user_id}/memberships/{organisation_id}",
            summary="Add a membership or change its role (audited: membership.add / membership.role_change)")
def set_membership(user_id: Id, organisation_id: Id, body: RoleIn, principal: AdminPrincipal,
                   database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        service.set_membership(session, principal, user_id, organisation_id, body.role)
        return user_dict(session, service.get_user(session, principal, user_id))


@router.delete("/users/{user_id}/memberships/{organisation_id}", summary="Remove a membership (audited)")
def remove_membership(user_id: Id, organisation_id: Id, principal: AdminPrincipal,
                      database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        service.remove_membership(session, principal, user_id, organisation_id)
        return user_dict(session, service.get_user(session, principal, user_id))


# ------------------------------------------------------------------------------- tokens


@router.get("/tokens", summary="Every user's API tokens (secrets are never shown)")
def list_tokens(principal: AdminPrincipal, database: Annotated[Database, Depends(get_database)],
                params: Annotated[PageParams, Depends(page_params)], user_id: Id | None = None,
                active: bool | None = None) -> dict[str, Any]:
    with database.session() as session:
        rows, total = service.list_tokens(session, principal, user_id=user_id, active=active, page=params.page,
                                          page_size=params.page_size)
        return Page([_token(t, u) for t, u in rows], total, params)


@router.delete("/tokens/{token_id}", summary="Revoke any user's API token (audited)")
def revoke_token(token_id: Id, principal: AdminPrincipal,
                 database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        row = service.revoke_token(session, principal, token_id)
        owner = session.get(User, row.user_id)
        return _token(row, owner.username if owner else "")


# -------------------------------------------------------------------------------- audit


@router.get("/audit", summary="Audit events, newest first (filter by action prefix, actor, organisation)")
def list_audit(principal: AdminPrincipal, database: Annotated[Database, Depends(get_database)],
               params: Annotated[PageParams, Depends(page_params)],
               action: Annotated[str | None, Query(max_length=64)] = None,
               actor: Annotated[str | None, Query(max_length=64)] = None,
               organisation_id: Id | None = None) -> dict[str, Any]:
    with database.session() as session:
        rows, total = service.audit_events(session, principal, action=action, actor=actor,
                                           organisation_id=organisation_id, page=params.page,
                                           page_size=params.page_size)
        return Page([event_dict(e) for e in rows], total, params)


@router.get("/audit/verify", summary="Recompute the audit hash chain")
def verify_audit(principal: AdminPrincipal, database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        report = service.verify_audit(session, principal)
        return {"ok": report.ok, "events": report.events, "problems": report.problems}
