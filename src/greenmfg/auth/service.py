"""Log in, open and close sessions, issue and check API tokens, throttle password guessing."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from greenmfg.audit import service as audit
from greenmfg.auth.models import ApiToken, LoginAttempt, User, WebSession
from greenmfg.auth.security import (
    API_TOKEN_PREFIX,
    dummy_hash,
    new_token,
    token_digest,
    verify_password,
)
from greenmfg.db.base import utcnow
from greenmfg.errors import GreenmfgError
from greenmfg.settings import Settings

__all__ = ["SCOPES", "AuthFailed", "Throttled", "authenticate", "create_api_token", "open_session",
           "close_session", "resolve_api_token", "resolve_session", "revoke_api_token", "token_use_due", "touch_api_token"]

SCOPES = ("read", "write", "admin")


class AuthFailed(GreenmfgError):
    """Wrong username or password, or an invalid, expired or revoked credential."""


@dataclass
class Throttled(GreenmfgError):
    """Too many failed logins: wait ``retry_after`` seconds."""

    retry_after: int

    def __post_init__(self) -> None:
        super().__init__(f"too many failed logins; try again in {self.retry_after} s")


def _check_throttle(session: Session, settings: Settings, username: str, client: str) -> None:
    since = utcnow() - dt.timedelta(minutes=settings.login_window_minutes)
    failures = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.at >= since, LoginAttempt.success.is_(False), LoginAttempt.username == username)
    ).one()
    by_client = session.scalar(select(func.count()).where(
        LoginAttempt.at >= since, LoginAttempt.success.is_(False), LoginAttempt.client == client)) or 0
    # per client a wider allowance: several people may share one NAT address
    if failures[0] >= settings.login_max_failures or by_client >= settings.login_max_failures * 4:
        last = failures[1] or utcnow()
        wait = last + dt.timedelta(minutes=settings.login_window_minutes) - utcnow()
        raise Throttled(retry_after=max(1, int(wait.total_seconds())))


def authenticate(session: Session, settings: Settings, username: str, password: str, *,
                 client: str) -> User | None:
    """Check a username and password (throttled; every attempt recorded and audited).

    Returns ``None`` for an unknown user, an inactive user or a wrong password (not
    distinguished); the caller commits so that the failure counts towards throttling.

    Raises
    ------
    Throttled
        Too many recent failures for this username or client address.
    """
    username = username.strip()
    _check_throttle(session, settings, username, client)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else dummy_hash(), password) and bool(user and user.active)
    session.add(LoginAttempt(username=username[:64], client=client[:64], success=ok))
    audit.record(session, "auth.login" if ok else "auth.login_failed", actor=username[:64],
                 actor_user_id=user.id if (user and ok) else None, details={"client": client})
    return user if ok else None


def open_session(session: Session, settings: Settings, user: User) -> tuple[str, WebSession]:
    """A new browser session; returns the cookie value (shown once) and the stored row."""
    token = new_token()
    row = WebSession(token_digest=token_digest(settings.secret_key, token), user_id=user.id,
                     csrf_token=secrets.token_urlsafe(32),
                     expires_at=utcnow() + dt.timedelta(hours=settings.session_hours))
    session.add(row)
    session.flush()
    return token, row


def resolve_session(session: Session, settings: Settings, token: str) -> tuple[User, WebSession] | None:
    found = session.execute(
        select(WebSession, User).join(User, User.id == WebSession.user_id)
        .where(WebSession.token_digest == token_digest(settings.secret_key, token))
    ).one_or_none()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or row.expires_at <= utcnow() or not user.active:
        return None
    return user, row


def close_session(session: Session, row: WebSession) -> None:
    row.revoked_at = utcnow()


def create_api_token(session: Session, settings: Settings, user: User, *, name: str,
                     scopes: list[str], hours: int | None = None) -> tuple[str, ApiToken]:
    """A personal API token; the secret is returned once and only its digest is stored.

    Raises
    ------
    AuthFailed
        An unknown scope is asked for.
    """
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise AuthFailed(f"scopes must be a non-empty subset of {', '.join(SCOPES)}; got {scopes}")
    token = new_token(API_TOKEN_PREFIX)
    row = ApiToken(user_id=user.id, name=name[:100], prefix=token[:10],
                   token_digest=token_digest(settings.secret_key, token),
                   scopes=sorted(set(scopes), key=SCOPES.index),
                   expires_at=None if hours is None else utcnow() + dt.timedelta(hours=hours))
    session.add(row)
    session.flush()
    return token, row


def resolve_api_token(session: Session, settings: Settings, token: str) -> tuple[User, ApiToken] | None:
    found = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_digest == token_digest(settings.secret_key, token))
    ).one_or_none()
    now = utcnow()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now) or not user.active:
        return None
    # no write here: resolving a token is on every request's read path (see touch_api_token)
    return user, row


def token_use_due(row: ApiToken, every: dt.timedelta) -> bool:
    """Whether the token's ``last_used_at`` is older than ``every`` (then :func:`touch_api_token`)."""
    return row.last_used_at is None or utcnow() - row.last_used_at > every


def touch_api_token(session: Session, token_id: int, every: dt.timedelta) -> None:
    """Record that the token was used now, unless that was recorded less than ``every`` ago.

    Run in a short write transaction of its own, apart from the request's reads (the caller may
    skip it when the database is busy: the next request records it)."""
    now = utcnow()
    session.execute(update(ApiToken).where(
        ApiToken.id == token_id, or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - every))
        .values(last_used_at=now))


def revoke_api_token(session: Session, row: ApiToken) -> None:
    row.revoked_at = utcnow()
