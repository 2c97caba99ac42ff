"""Admin pages under ``/admin`` (organisations, users, tokens, audit log) for platform admins.

Forms post back with the session's CSRF token (checked by :data:`~greenmfg.web.deps.
PagePrincipal`); a successful change redirects with a flash message, a refused one shows the
form again with the reason. The work is done by :mod:`greenmfg.admin.service`, which audits it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.admin import service
from greenmfg.admin.service import AdminError, JurisdictionInput, OrganisationInput
from greenmfg.auth.models import ApiToken, Membership, User
from greenmfg.db.session import Database
from greenmfg.i18n import N_
from greenmfg.orgs.access import Principal
from greenmfg.orgs.models import Organisation, OrgKind
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.settings import Settings
from greenmfg.web.deps import PagePrincipal, get_database, get_settings
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import render

__all__ = ["choices", "router"]

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
KINDS = ("enterprise", "regulator", "evaluator", "platform")
Db = Annotated[Database, Depends(get_database)]


def _admin(principal: Principal) -> Principal:
    service.require_admin(principal)
    return principal


def _done(url: str, message: str, **params: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    flash(response, "success", message, **params)
    return response


def _refused(url: str, error: AdminError, locale: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    # the reason is already in both languages: pass it through untranslated
    flash(response, "error", "{reason}", reason=error.message_in(locale))
    return response


def _apply(request: Request, database: Database, here: str, message: str,
           action: Callable[[Session], object]) -> Response:
    """Run ``action`` in one transaction; redirect to ``here`` with ``message`` (formatted with
    the action's answer when it is a dict of flash parameters) or, when refused, with the reason."""
    try:
        with database.session() as session:
            answer = action(session)
            params: dict[str, str] = answer if isinstance(answer, dict) else {}
    except AdminError as error:
        return _refused(here, error, request.state.locale)
    return _done(here, message, **params)


def choices(locale: str) -> dict[str, Any]:
    """Industries, provinces and cities of the vocabulary as (value, label) in the page's language."""
    vocabulary = load_vocabulary()
    zh = locale == "zh-CN"

    def label(record: dict[str, str]) -> str:
        return record["name_zh"] if zh else record["name_en"][:1].upper() + record["name_en"][1:]

    return {
        "industries": [(k, label(r)) for k, r in vocabulary.industries.items()],
        "provinces": [(k, label(r)) for k, r in sorted(vocabulary.regions.items()) if k.isdigit()],
        "cities": [(r["aliases"].split("|")[0], label(r), r["province"]) for r in vocabulary.cities.values()],
        "industry_names": {k: label(r) for k, r in vocabulary.industries.items()},
        "province_names": {k: label(r) for k, r in vocabulary.regions.items()},
        "city_names": {r["aliases"].split("|")[0]: label(r) for r in vocabulary.cities.values()},
    }


# ----------------------------------------------------------------------------- overview


@router.get("/admin")
def overview(request: Request, principal: PagePrincipal, database: Db) -> Response:
    _admin(principal)
    with database.session() as session:
        figures = service.counts(session, principal)
        recent, _total = service.audit_events(session, principal, page=1, page_size=8)
    return render(request, "admin/overview.html", {"figures": figures, "recent": recent})


# ------------------------------------------------------------------------ organisations


@router.get("/admin/organisations")
def organisations(request: Request, principal: PagePrincipal, database: Db,
                  kind: Annotated[str | None, Query(pattern="^(enterprise|regulator|evaluator|platform)$")] = None,
                  q: Annotated[str | None, Query(max_length=100)] = None,
                  page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    _admin(principal)
    with database.session() as session:
        rows, total, members = service.list_organisations(session, principal, kind=kind, q=q, page=page,
                                                          page_size=PAGE_SIZE)
        figures = service.counts(session, principal)
    return render(request, "admin/organisations.html", {
        "rows": rows, "total": total, "members": members, "kind": kind, "q": q or "", "page": page,
        "page_size": PAGE_SIZE, "figures": figures, "kinds": KINDS, **choices(request.state.locale)})


def _org_form_page(request: Request, *, kind: str, values: dict[str, Any], error: AdminError | None = None,
                   status_code: int = 200) -> Response:
    return render(request, "admin/organisation_new.html", {
        "kind": kind, "kinds": KINDS, "values": values, "error": error, **choices(request.state.locale)},
        status_code=status_code)


@router.get("/admin/organisations/new")
def new_organisation(request: Request, principal: PagePrincipal,
                     kind: Annotated[str, Query(pattern="^(enterprise|regulator|evaluator|platform)$")]
                     = "enterprise") -> Response:
    _admin(principal)
    return _org_form_page(request, kind=kind, values={})


@router.post("/admin/organisations/new")
def create_organisation(
        request: Request, principal: PagePrincipal, database: Db,
        kind: Annotated[str, Form(pattern="^(enterprise|regulator|evaluator|platform)$")],
        name: Annotated[str, Form(max_length=200)] = "", name_en: Annotated[str, Form(max_length=200)] = "",
        code: Annotated[str, Form(max_length=64)] = "", industry: Annotated[str, Form(max_length=64)] = "",
        province: Annotated[str, Form(max_length=64)] = "", city: Annotated[str, Form(max_length=64)] = "",
        industries: Annotated[list[str] | None, Form()] = None) -> Response:
    _admin(principal)
    values = {"name": name, "name_en": name_en, "code": code, "industry": industry, "province": province,
              "city": city, "industries": industries or []}
    jurisdictions = ((JurisdictionInput(province, city or None, tuple(industries or ())),)
                     if kind == OrgKind.regulator and province else ())
    data = OrganisationInput(kind=kind, name=name, name_en=name_en, code=code or None, industry=industry or None,
                             province=province or None, city=city or None, jurisdictions=jurisdictions)
    try:
        with database.session() as session:
            org = service.create_organisation(session, principal, data)
            org_id, org_name = org.id, org.name
    except AdminError as error:
        return _org_form_page(request, kind=kind, values=values, error=error, status_code=error.status)
    return _done(f"/admin/organisations/{org_id}", N_("Organisation {name} created."), name=org_name)


@router.get("/admin/organisations/{organisation_id}")
def organisation(request: Request, organisation_id: Id, principal: PagePrincipal, database: Db) -> Response:
    _admin(principal)
    with database.session() as session:
        org = service.get_organisation(session, principal, organisation_id)
        jurisdictions = list(org.jurisdictions)
        assigned = service.assignments(session, org.id) if org.kind == OrgKind.evaluator else []
        enterprises: list[tuple[int, str]] = []
        if org.kind == OrgKind.evaluator:
            taken = {e.id for a, e in assigned if a.ended_at is None}
            enterprises = [(o.id, f"{o.name} ({o.code})") for o in session.execute(
                select(Organisation).where(Organisation.kind == OrgKind.enterprise).order_by(Organisation.name)
            ).scalars() if o.id not in taken]
        people = service.members(session, org.id)
        events, _total = service.audit_events(session, principal, organisation_id=org.id, page=1, page_size=10)
    return render(request, "admin/organisation.html", {
        "org": org, "jurisdictions": jurisdictions, "assigned": assigned, "enterprises": enterprises,
        "people": people, "events": events, **choices(request.state.locale)})


@router.post("/admin/organisations/{organisation_id}")
def update_organisation(
        request: Request, organisation_id: Id, principal: PagePrincipal, database: Db,
        name: Annotated[str, Form(max_length=200)] = "", name_en: Annotated[str, Form(max_length=200)] = "",
        code: Annotated[str | None, Form(max_length=64)] = None,
        industry: Annotated[str | None, Form(max_length=64)] = None,
        province: Annotated[str | None, Form(max_length=64)] = None,
        city: Annotated[str | None, Form(max_length=64)] = None,
        active: Annotated[str | None, Form()] = None) -> Response:
    _admin(principal)
    data = OrganisationInput(name=name, name_en=name_en, code=code, industry=industry, province=province,
                             city=city, active=active == "on")

    def save(session: Session) -> dict[str, str]:
        return {"name": service.update_organisation(session, principal, organisation_id, data).name}

    return _apply(request, database, f"/admin/organisations/{organisation_id}", N_("Organisation {name} saved."), save)


def _current_jurisdictions(org: Organisation) -> list[JurisdictionInput]:
    return [JurisdictionInput(j.province, j.city, tuple(j.industries or ())) for j in org.jurisdictions]


@router.post("/admin/organisations/{organisation_id}/jurisdictions")
def add_jurisdiction(request: Request, organisation_id: Id, principal: PagePrincipal, database: Db,
                     province: Annotated[str, Form(max_length=64)],
                     city: Annotated[str, Form(max_length=64)] = "",
                     industries: Annotated[list[str] | None, Form()] = None) -> Response:
    _admin(principal)

    def add(session: Session) -> None:
        org = service.get_organisation(session, principal, organisation_id)
        items = [*_current_jurisdictions(org), JurisdictionInput(province, city or None, tuple(industries or ()))]
        service.update_organisation(session, principal, organisation_id, OrganisationInput(jurisdictions=tuple(items)))

    return _apply(request, database, f"/admin/organisations/{organisation_id}", N_("Jurisdiction added."), add)


@router.post("/admin/organisations/{organisation_id}/jurisdictions/{jurisdiction_id}/delete")
def remove_jurisdiction(request: Request, organisation_id: Id, jurisdiction_id: Id, principal: PagePrincipal,
                        database: Db) -> Response:
    _admin(principal)

    def remove(session: Session) -> None:
        org = service.get_organisation(session, principal, organisation_id)
        items = [i for j, i in zip(org.jurisdictions, _current_jurisdictions(org), strict=True)
                 if j.id != jurisdiction_id]
        service.update_organisation(session, principal, organisation_id, OrganisationInput(jurisdictions=tuple(items)))

    return _apply(request, database, f"/admin/organisations/{organisation_id}", N_("Jurisdiction removed."), remove)


@router.post("/admin/organisations/{organisation_id}/assignments")
def add_assignment(request: Request, organisation_id: Id, principal: PagePrincipal, database: Db,
                   enterprise_id: Annotated[Id, Form()],
                   purpose: Annotated[str, Form(max_length=200)] = "") -> Response:
    _admin(principal)

    def assign(session: Session) -> None:
        service.assign_evaluator(session, principal, organisation_id, enterprise_id, purpose=purpose)

    return _apply(request, database, f"/admin/organisations/{organisation_id}", N_("Evaluator assigned."), assign)


@router.post("/admin/organisations/{organisation_id}/assignments/{assignment_id}/end")
def end_assignment(organisation_id: Id, assignment_id: Id, principal: PagePrincipal, database: Db) -> Response:
    _admin(principal)
    with database.session() as session:
        service.end_assignment(session, principal, organisation_id, assignment_id)
    return _done(f"/admin/organisations/{organisation_id}", N_("Assignment ended."))


# -------------------------------------------------------------------------------- users


@router.get("/admin/users")
def users(request: Request, principal: PagePrincipal, database: Db,
          q: Annotated[str | None, Query(max_length=100)] = None,
          status: Annotated[str | None, Query(pattern="^(active|inactive)$")] = None,
          page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    _admin(principal)
    active = None if status is None else status == "active"
    with database.session() as session:
        rows, total = service.list_users(session, principal, q=q, active=active, page=page, page_size=PAGE_SIZE)
        orgs = _organisations_of(session, rows)
    return render(request, "admin/users.html", {"rows": rows, "total": total, "q": q or "", "status": status,
                                                "page": page, "page_size": PAGE_SIZE, "orgs": orgs})


def _organisations_of(session: Any, rows: list[User]) -> dict[int, Organisation]:
    ids = {m.organisation_id for u in rows for m in u.memberships}
    return {o.id: o for o in session.execute(select(Organisation).where(Organisation.id.in_(ids))).scalars()}


def _all_organisations(session: Any) -> list[Organisation]:
    return list(session.execute(select(Organisation).order_by(Organisation.kind, Organisation.name)).scalars())


def _user_form_page(request: Request, database: Database, *, values: dict[str, Any],
                    error: AdminError | None = None, status_code: int = 200) -> Response:
    with database.session() as session:
        organisations_list = _all_organisations(session)
    return render(request, "admin/user_new.html", {"values": values, "error": error,
                                                   "organisations": organisations_list,
                                                   "min_password": service.MIN_PASSWORD_LENGTH},
                  status_code=status_code)


@router.get("/admin/users/new")
def new_user(request: Request, principal: PagePrincipal, database: Db,
             organisation_id: Id | None = None) -> Response:
    _admin(principal)
    return _user_form_page(request, database, values={"organisation_id": organisation_id, "role": "manager",
                                                      "locale": "zh-CN"})


@router.post("/admin/users/new")
def create_user(request: Request, principal: PagePrincipal, database: Db,
                settings: Annotated[Settings, Depends(get_settings)],
                username: Annotated[str, Form(max_length=64)] = "",
                display_name: Annotated[str, Form(max_length=200)] = "",
                password: Annotated[str, Form(max_length=256)] = "",
                locale: Annotated[str, Form(max_length=8)] = "",
                organisation_id: Annotated[str, Form()] = "",
                role: Annotated[str, Form(max_length=16)] = "") -> Response:
    _admin(principal)
    org_id = int(organisation_id) if organisation_id.isdigit() else None
    values = {"username": username, "display_name": display_name, "locale": locale, "organisation_id": org_id,
              "role": role}
    try:
        with database.session() as session:
            user = service.create_user(session, principal, username=username, display_name=display_name,
                                       password=password, locale=locale or None, organisation_id=org_id,
                                       role=role or None, min_length=settings.password_min_length)
            user_id, name = user.id, user.username
    except AdminError as error:
        return _user_form_page(request, database, values=values, error=error, status_code=error.status)
    return _done(f"/admin/users/{user_id}", N_("User {name} created."), name=name)


@router.get("/admin/users/{user_id}")
def user(request: Request, user_id: Id, principal: PagePrincipal, database: Db) -> Response:
    _admin(principal)
    with database.session() as session:
        person = service.get_user(session, principal, user_id)
        memberships = [(m, o) for m, o in session.execute(
            select(Membership, Organisation).join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user_id).order_by(Organisation.kind, Organisation.name))]
        tokens, _total = service.list_tokens(session, principal, user_id=user_id, page=1, page_size=50)
        organisations_list = _all_organisations(session)
        events, _total = service.audit_events(session, principal, actor=person.username, page=1, page_size=10)
    return render(request, "admin/user.html", {
        "person": person, "memberships": memberships, "tokens": tokens, "organisations": organisations_list,
        "events": events, "is_self": person.id == principal.user_id, "token_state": service.token_state})


@router.post("/admin/users/{user_id}/memberships")
def set_membership(request: Request, user_id: Id, principal: PagePrincipal, database: Db,
                   organisation_id: Annotated[Id, Form()],
                   role: Annotated[str, Form(max_length=16)]) -> Response:
    _admin(principal)
    return _apply(request, database, f"/admin/users/{user_id}", N_("Membership saved."),
                  lambda session: service.set_membership(session, principal, user_id, organisation_id, role))


@router.post("/admin/users/{user_id}/memberships/{organisation_id}/delete")
def remove_membership(request: Request, user_id: Id, organisation_id: Id, principal: PagePrincipal,
                      database: Db) -> Response:
    _admin(principal)
    return _apply(request, database, f"/admin/users/{user_id}", N_("Membership removed."),
                  lambda session: service.remove_membership(session, principal, user_id, organisation_id))


@router.post("/admin/users/{user_id}/deactivate")
def deactivate(request: Request, user_id: Id, principal: PagePrincipal, database: Db) -> Response:
    _admin(principal)
    return _apply(request, database, f"/admin/users/{user_id}", N_("User deactivated; their sessions and API tokens are revoked."),
                  lambda session: service.set_active(session, principal, user_id, False))


@router.post("/admin/users/{user_id}/password")
def reset_password(request: Request, user_id: Id, principal: PagePrincipal, database: Db,
                   settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    """A random temporary password, shown once on the answer page (never in a cookie or a URL)."""
    _admin(principal)
    try:
        with database.session() as session:
            person, generated = service.reset_password(session, principal, user_id,
                                                       min_length=settings.password_min_length)
            values = {"id": person.id, "username": person.username}
    except AdminError as error:
        return _refused(f"/admin/users/{user_id}", error, request.state.locale)
    response = render(request, "admin/password_reset.html", {"person": values, "temporary_password": generated})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/users/{user_id}/activate")
def activate(user_id: Id, principal: PagePrincipal, database: Db) -> Response:
    _admin(principal)
    with database.session() as session:
        service.set_active(session, principal, user_id, True)
    return _done(f"/admin/users/{user_id}", N_("User reactivated."))


# ------------------------------------------------------------------------------- tokens


@router.get("/admin/tokens")
def tokens(request: Request, principal: PagePrincipal, database: Db,
           state: Annotated[str, Query(pattern="^(active|inactive|all)$")] = "active",
           page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    _admin(principal)
    active = {"active": True, "inactive": False, "all": None}[state]
    with database.session() as session:
        rows, total = service.list_tokens(session, principal, active=active, page=page, page_size=PAGE_SIZE)
    return render(request, "admin/tokens.html", {"rows": rows, "total": total, "state": state, "page": page,
                                                 "page_size": PAGE_SIZE, "token_state": service.token_state})


@router.post("/admin/tokens/{token_id}/revoke")
def revoke(token_id: Id, principal: PagePrincipal, database: Db,
           next: Annotated[str, Form(max_length=200)] = "/admin/tokens") -> Response:
    _admin(principal)
    with database.session() as session:
        row: ApiToken = service.revoke_token(session, principal, token_id)
        prefix = row.prefix
    target = next if next.startswith("/admin/") else "/admin/tokens"
    return _done(target, N_("Token {prefix}… revoked."), prefix=prefix)


# -------------------------------------------------------------------------------- audit


@router.get("/admin/audit")
def audit_log(request: Request, principal: PagePrincipal, database: Db,
              action: Annotated[str | None, Query(max_length=64)] = None,
              actor: Annotated[str | None, Query(max_length=64)] = None,
              page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    _admin(principal)
    with database.session() as session:
        rows, total = service.audit_events(session, principal, action=action, actor=actor, page=page,
                                           page_size=PAGE_SIZE * 2)
    return render(request, "admin/audit.html", {"rows": rows, "total": total, "action": action or "",
                                                "actor": actor or "", "page": page, "page_size": PAGE_SIZE * 2})


@router.post("/admin/audit/verify")
def verify(request: Request, principal: PagePrincipal, database: Db) -> Response:
    _admin(principal)
    with database.session() as session:
        report = service.verify_audit(session, principal)
    response = RedirectResponse("/admin/audit", status_code=303)
    if report.ok:
        flash(response, "success", N_("The audit chain is intact: {events} events verified."),
              events=f"{report.events:,}")
    else:
        flash(response, "error", N_("The audit chain is broken: {problem}"), problem=report.problems[0])
    return response
