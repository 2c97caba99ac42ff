"""The "My API tokens" page ``/tokens``: every signed-in user lists, creates and revokes their own
personal API tokens. A new token's secret is shown once, on the answer to the form, and never
again (only its digest is stored)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from greenmfg.audit import service as audit
from greenmfg.auth import service as auth
from greenmfg.auth.models import ApiToken, User
from greenmfg.db.base import utcnow
from greenmfg.db.session import Database
from greenmfg.i18n import N_
from greenmfg.orgs.access import NotFound, Principal
from greenmfg.settings import Settings
from greenmfg.web.deps import PagePrincipal, get_database, get_settings
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import Flash, render, translator_for

__all__ = ["LIFETIMES", "router"]

router = APIRouter(include_in_schema=False)

#: lifetimes offered by the form [h]; 0 means until revoked
LIFETIMES = (24 * 30, 24 * 90, 24 * 365, 0)


def _page(request: Request, database: Database, principal: Principal, *, secret: str | None = None,
          error: str | None = None, status_code: int = 200) -> Response:
    with database.session() as session:
        rows = list(session.execute(select(ApiToken).where(ApiToken.user_id == principal.user_id)
                                    .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).scalars())
    if error:
        translator = translator_for(request)
        request.state.flashes = [*request.state.flashes, Flash("error", translator.gettext(error))]
    now = utcnow()
    states = {r.id: ("revoked" if r.revoked_at else "expired" if r.expires_at and r.expires_at <= now else "active")
              for r in rows}
    return render(request, "auth/tokens.html", {
        "rows": rows, "states": states, "secret": secret, "lifetimes": LIFETIMES,
        "scopes": [s for s in auth.SCOPES if s in principal.scopes and (s != "admin" or principal.is_admin)]}, status_code=status_code)


@router.get("/tokens")
def my_tokens(request: Request, principal: PagePrincipal,
              database: Annotated[Database, Depends(get_database)]) -> Response:
    return _page(request, database, principal)


@router.post("/tokens")
def create_token(request: Request, principal: PagePrincipal, database: Annotated[Database, Depends(get_database)],
                 settings: Annotated[Settings, Depends(get_settings)],
                 name: Annotated[str, Form(max_length=100)] = "",
                 scopes: Annotated[list[str] | None, Form()] = None,
                 hours: Annotated[int, Form(ge=0, le=24 * 366)] = 0) -> Response:
    wanted = sorted(set(scopes or ()), key=lambda s: auth.SCOPES.index(s) if s in auth.SCOPES else 99)
    if not name.strip():
        return _page(request, database, principal, error=N_("Give the token a name."), status_code=422)
    if not wanted or not set(wanted) <= set(auth.SCOPES):
        return _page(request, database, principal, error=N_("Choose at least one scope."), status_code=422)
    if not set(wanted) <= principal.scopes or ("admin" in wanted and not principal.is_admin):
        return _page(request, database, principal, error=N_("A token cannot have scopes you do not have."),
                     status_code=403)
    with database.session() as session:
        user = session.get(User, principal.user_id)
        assert user is not None  # the session resolved it a moment ago
        secret, row = auth.create_api_token(session, settings, user, name=name.strip(), scopes=wanted,
                                            hours=hours or None)
        audit.record(session, "auth.token_created", actor=principal.username, actor_user_id=principal.user_id,
                     target_type="api_token", target_id=row.id, details={"name": row.name, "scopes": row.scopes})
    request.state.flashes = [*request.state.flashes, Flash("success", translator_for(request).gettext(
        N_("Token created. Copy it now: it is shown only once.")))]
    return _page(request, database, principal, secret=secret)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: Id, principal: PagePrincipal,
                 database: Annotated[Database, Depends(get_database)]) -> Response:
    with database.session() as session:
        row = session.get(ApiToken, token_id)
        if row is None or row.user_id != principal.user_id:
            raise NotFound("token", token_id)
        if row.revoked_at is None:
            auth.revoke_api_token(session, row)
            audit.record(session, "auth.token_revoked", actor=principal.username, actor_user_id=principal.user_id,
                         target_type="api_token", target_id=row.id)
        prefix = row.prefix
    response = RedirectResponse("/tokens", status_code=303)
    flash(response, "success", N_("Token {prefix}… revoked."), prefix=prefix)
    return response
