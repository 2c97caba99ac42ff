"""Authentication API: exchange a password for a bearer token; manage personal API tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from greenmfg.audit import service as audit
from greenmfg.auth import service as auth
from greenmfg.auth.models import ApiToken, User
from greenmfg.db.session import Database
from greenmfg.settings import Settings
from greenmfg.web.deps import (
    SESSION_COOKIE,
    CurrentPrincipal,
    client_address,
    get_database,
    get_settings,
    principal_cache,
)
from greenmfg.web.errors import ApiError
from greenmfg.web.ids import Id

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["auth"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int | None = None
    scopes: list[str]


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(default_factory=lambda: ["read"])
    #: lifetime in hours; none: until revoked
    hours: int | None = Field(default=None, ge=1, le=24 * 366)


def token_dict(row: ApiToken) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "prefix": row.prefix, "scopes": row.scopes,
            "created_at": row.created_at, "expires_at": row.expires_at, "last_used_at": row.last_used_at,
            "revoked_at": row.revoked_at}


@router.post("/auth/token", response_model=TokenOut, summary="Exchange username and password for a bearer token")
def issue_token(credentials: Credentials, request: Request,
                database: Annotated[Database, Depends(get_database)],
                settings: Annotated[Settings, Depends(get_settings)]) -> TokenOut:
    """A bearer token with the read and write scopes, valid for ``api_token_hours``.

    Failed attempts are counted per username and client; too many answer 429 with Retry-After.
    """
    with database.session() as session:
        user = auth.authenticate(session, settings, credentials.username, credentials.password,
                                 client=client_address(request))
        if user is not None and user.must_change_password:
            raise ApiError(403, "an administrator reset your password: sign in on the web page and choose a new "
                           "one first", "管理员已重置您的密码：请先在网页登录并设置新密码",
                           code="password_change_required")
        if user is not None:
            scopes = ["read", "write", "admin"]
            token, _row = auth.create_api_token(session, settings, user, name="password login", scopes=scopes,
                                                hours=settings.api_token_hours)
            audit.record(session, "auth.token_issued", actor=user.username, actor_user_id=user.id,
                         target_type="api_token", target_id=_row.id, details={"via": "password"})
    if user is None:
        raise ApiError(401, "wrong username or password", "用户名或密码错误", code="bad_credentials")
    return TokenOut(access_token=token, expires_in=settings.api_token_hours * 3600, scopes=scopes)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


def presented_secret(request: Request) -> str | None:
    """The bearer token or session cookie this request is authenticated with."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header.partition(" ")[2].strip()
    return request.cookies.get(SESSION_COOKIE)


@router.post("/auth/password", summary="Change my password (current one required); revokes my other sessions "
                                       "and API tokens")
def change_password(body: PasswordChange, request: Request, principal: CurrentPrincipal,
                    database: Annotated[Database, Depends(get_database)],
                    settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    """The new password must follow the rules (length, not common, not the username): 422 otherwise.

    Every other web session and API token of the user is revoked; the credential of this request
    stays valid. A wrong current password counts as a failed sign-in (429 after too many).
    """
    with database.session() as session:
        user = session.get(User, principal.user_id)
        assert user is not None
        revoked = auth.change_password(session, settings, user, body.current_password, body.new_password,
                                       client=client_address(request), keep=presented_secret(request))
    if revoked is None:
        raise ApiError(403, "the current password is wrong", "当前密码错误", code="bad_credentials",
                       details=[{"location": "body.current_password", "message": "wrong password"}])
    principal_cache(request).clear()
    return {"changed": True, "revoked": revoked}


@router.get("/me", summary="The authenticated user and its memberships")
def me(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"id": principal.user_id, "username": principal.username, "display_name": principal.display_name,
            "role": principal.primary_role, "scopes": sorted(principal.scopes), "via": principal.via,
            "memberships": [{"organisation_id": m.organisation_id, "kind": m.kind, "role": m.role,
                             "name": m.name} for m in principal.memberships]}


@router.get("/auth/tokens", summary="My personal API tokens (secrets are never shown again)")
def list_tokens(principal: CurrentPrincipal, database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        rows = session.execute(select(ApiToken).where(ApiToken.user_id == principal.user_id)
                               .order_by(ApiToken.id.desc())).scalars().all()
        return {"items": [token_dict(r) for r in rows]}


@router.post("/auth/tokens", status_code=201, summary="Create a personal API token")
def create_token(body: TokenRequest, principal: CurrentPrincipal,
                 database: Annotated[Database, Depends(get_database)],
                 settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    wanted = set(body.scopes)
    unknown = sorted(wanted - set(auth.SCOPES))
    if unknown or not wanted:
        raise ApiError(422, f"scopes must be a non-empty subset of read, write, admin; unknown: {', '.join(unknown)}",
                       "权限范围须为 read、write、admin 的非空子集", details=[{"location": "body.scopes",
                                                                 "message": f"unknown scopes {unknown}"}])
    if not wanted <= principal.scopes:
        raise ApiError(403, "a token cannot have scopes its creator lacks", "令牌的权限不能超过创建者的权限")
    with database.session() as session:
        user = session.get(User, principal.user_id)
        assert user is not None
        token, row = auth.create_api_token(session, settings, user, name=body.name, scopes=body.scopes,
                                           hours=body.hours)
        audit.record(session, "auth.token_created", actor=principal.username, actor_user_id=principal.user_id,
                     target_type="api_token", target_id=row.id, details={"name": row.name, "scopes": row.scopes})
        return {"token": token, **token_dict(row)}


@router.delete("/auth/tokens/{token_id}", summary="Revoke one of my API tokens")
def revoke_token(token_id: Id, request: Request, principal: CurrentPrincipal,
                 database: Annotated[Database, Depends(get_database)]) -> dict[str, Any]:
    with database.session() as session:
        row = session.get(ApiToken, token_id)
        if row is None or (row.user_id != principal.user_id and not principal.is_admin):
            raise ApiError(404, f"token {token_id} not found", f"未找到令牌 {token_id}")
        auth.revoke_api_token(session, row)
        principal_cache(request).clear()
        audit.record(session, "auth.token_revoked", actor=principal.username, actor_user_id=principal.user_id,
                     target_type="api_token", target_id=row.id)
        return token_dict(row)
