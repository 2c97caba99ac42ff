"""Log in, open and close sessions, issue and check API tokens, throttle password guessing."""

from __future__ import annotations

import datetime as dt
import math
import secrets
from typing import TypeVar

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from greenmfg.audit import service as audit
from greenmfg.auth.models import ApiToken, LoginAttempt, User, WebSession
from greenmfg.auth.passwords import WeakPassword, check_password
from greenmfg.auth.security import (
    API_TOKEN_PREFIX,
    dummy_hash,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from greenmfg.db.base import utcnow
from greenmfg.errors import GreenmfgError
from greenmfg.settings import Settings

__all__ = ["SCOPES", "AuthFailed", "Throttled", "active_demo_users", "demo_sign_ins", "authenticate", "change_password",
           "create_api_token", "open_session", "close_session", "resolve_api_token", "resolve_session",
           "revoke_api_token", "revoke_credentials", "set_password", "token_use_due", "touch_api_token"]

SCOPES = ("read", "write", "admin")


class AuthFailed(GreenmfgError):
    """Wrong username or password, or an invalid, expired or revoked credential."""

    status = 401
    code = "bad_credentials"
    message = "wrong username or password, or an invalid, expired or revoked credential"
    message_zh = "用户名或密码错误，或凭据无效、已过期或已撤销"


class Throttled(GreenmfgError):
    """Too many failed logins: wait ``retry_after`` seconds."""

    status = 429
    code = "too_many_requests"
    message = "too many failed logins; try again later"
    message_zh = "登录失败次数过多，请稍后再试"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s",
                         f"登录失败次数过多，请 {retry_after} 秒后再试", headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


def _pair_delay(settings: Settings, failures: int) -> int:
    """Seconds to wait after the last of ``failures`` consecutive failures of one (account, client) pair."""
    extra = failures - settings.login_free_failures
    if extra < 0:
        return 0
    return int(min(settings.login_max_delay_seconds, settings.login_delay_seconds * 2 ** min(extra, 30)))


def _check_throttle(session: Session, settings: Settings, username: str, client: str) -> None:
    """Refuse an attempt too soon after failures of this (account, client) pair, or from a noisy client.

    * Pair: after ``login_free_failures`` consecutive failures the pair waits 1 s, 2 s, 4 s … (capped at
      ``login_max_delay_seconds``) after its last failure; a success resets the pair. The same account
      from another address is not delayed, so guessing cannot lock the owner out.
    * Client: ``login_max_failures_per_client`` failures (any accounts) within ``login_window_minutes``
      throttle that address until enough of them leave the window; other addresses are unaffected.
    """
    now = utcnow()
    since = now - dt.timedelta(minutes=settings.login_window_minutes)
    cap = settings.login_max_failures_per_client
    by_client = session.scalar(select(func.count()).where(
        LoginAttempt.client == client, LoginAttempt.at >= since, LoginAttempt.success.is_(False))) or 0
    if by_client >= cap:
        # the address is free again when the oldest failures leave the window and fewer than cap remain
        oldest = session.scalar(
            select(LoginAttempt.at).where(LoginAttempt.client == client, LoginAttempt.at >= since,
                                          LoginAttempt.success.is_(False))
            .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).offset(cap - 1).limit(1)) or now
        wait = oldest + dt.timedelta(minutes=settings.login_window_minutes) - now
        raise Throttled(retry_after=max(1, math.ceil(wait.total_seconds())))
    pair = (LoginAttempt.username == username, LoginAttempt.client == client)
    last_success = session.scalar(select(func.max(LoginAttempt.at)).where(*pair, LoginAttempt.success.is_(True)))
    # consecutive failures since the pair's last success (older than a day: forgotten)
    floor = max(last_success or now - ATTEMPTS_KEPT, now - ATTEMPTS_KEPT)
    failures, last_failure = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            *pair, LoginAttempt.success.is_(False), LoginAttempt.at > floor)).one()
    delay = _pair_delay(settings, int(failures or 0))
    if delay and last_failure is not None:
        wait = last_failure + dt.timedelta(seconds=delay) - now
        if wait.total_seconds() > 0:
            raise Throttled(retry_after=max(1, math.ceil(wait.total_seconds())))


#: attempts older than this never count (:func:`_check_throttle` looks back a day at most): deleted
ATTEMPTS_KEPT = dt.timedelta(days=1)


def _record_attempt(session: Session, username: str, client: str, ok: bool) -> None:
    """Record a password attempt and delete those too old to count, so the table stays the size of a day."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - ATTEMPTS_KEPT))
    session.add(LoginAttempt(username=username[:64], client=client[:64], success=ok))


def authenticate(session: Session, settings: Settings, username: str, password: str, *,
                 client: str) -> User | None:
    """Check a username and password (throttled; every attempt recorded and audited).

    Returns ``None`` for an unknown user, an inactive user, a wrong password or (in production) a
    demo account (not distinguished); the caller commits so that the failure counts towards throttling.

    Raises
    ------
    Throttled
        Too soon after failures of this (username, client) pair, or too many failures from the client.
    """
    username = username.strip()
    _check_throttle(session, settings, username[:64], client[:64])
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else dummy_hash(), password) and bool(user and user.active)
    if ok and user is not None and user.demo and settings.production:
        ok = False  # demo passwords are public: never in production, whatever start-up let through
    _record_attempt(session, username, client, ok)
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


_Credential = TypeVar("_Credential", WebSession, ApiToken)


def _live_credential(session: Session, settings: Settings, model: type[_Credential],
                     token: str) -> tuple[User, _Credential] | None:
    """The stored credential whose digest matches ``token``, with its user, unless revoked, expired or inactive."""
    found = session.execute(
        select(model, User).join(User, User.id == model.user_id)
        .where(model.token_digest == token_digest(settings.secret_key, token))
    ).one_or_none()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= utcnow()) or not user.active:
        return None
    return user, row


def resolve_session(session: Session, settings: Settings, token: str) -> tuple[User, WebSession] | None:
    return _live_credential(session, settings, WebSession, token)


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
        raise AuthFailed(f"scopes must be a non-empty subset of {', '.join(SCOPES)}; got {scopes}",
                         "权限范围须为 read、write、admin 的非空子集", status=422, code="invalid")
    token = new_token(API_TOKEN_PREFIX)
    row = ApiToken(user_id=user.id, name=name[:100], prefix=token[:10],
                   token_digest=token_digest(settings.secret_key, token),
                   scopes=sorted(set(scopes), key=SCOPES.index),
                   expires_at=None if hours is None else utcnow() + dt.timedelta(hours=hours))
    session.add(row)
    session.flush()
    return token, row


def resolve_api_token(session: Session, settings: Settings, token: str) -> tuple[User, ApiToken] | None:
    # no write here: resolving a token is on every request's read path (see touch_api_token)
    return _live_credential(session, settings, ApiToken, token)


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


def revoke_credentials(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """Revoke every open web session and API token of a user; returns how many.

    ``keep`` is the digest of the credential to leave open (the one the change was made with).
    """
    now = utcnow()
    sessions = update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    tokens = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if keep is not None:
        sessions = sessions.where(WebSession.token_digest != keep)
        tokens = tokens.where(ApiToken.token_digest != keep)
    count = 0
    for statement in (sessions, tokens):
        result = session.execute(statement.values(revoked_at=now).execution_options(synchronize_session=False))
        count += int(getattr(result, "rowcount", 0) or 0)
    return count


def set_password(session: Session, settings: Settings, user: User, new_password: str, *,
                 must_change: bool = False) -> None:
    """Store a new password after the rules (:func:`greenmfg.auth.passwords.check_password`).

    Raises
    ------
    WeakPassword
        The new password breaks a rule (nothing is changed).
    """
    check_password(new_password, username=user.username, min_length=settings.password_min_length)
    user.password_hash = hash_password(new_password)
    user.must_change_password = must_change
    user.password_changed_at = utcnow()


def change_password(session: Session, settings: Settings, user: User, current_password: str, new_password: str,
                    *, client: str, keep: str | None = None) -> int | None:
    """A user changes their own password; every other session and API token of theirs is revoked.

    ``keep`` is the secret (session cookie or bearer token) the change is made with: it stays valid.

    The current password is checked through the sign-in throttle (a stolen session cannot guess it
    faster than a sign-in form). Returns the number of credentials revoked, or None when the current
    password is wrong (then nothing changed; the caller commits so that the failure counts).

    Raises
    ------
    Throttled
        Too many recent failures for this user and client.
    WeakPassword
        The new password breaks a rule.
    """
    _check_throttle(session, settings, user.username[:64], client[:64])
    ok = verify_password(user.password_hash, current_password)
    _record_attempt(session, user.username, client, ok)
    if not ok:
        audit.record(session, "auth.password_change_failed", actor=user.username, actor_user_id=user.id,
                     details={"client": client})
        return None
    if new_password == current_password:
        raise WeakPassword("the new password must differ from the current one", "新密码不能与当前密码相同",
                           "password.unchanged")
    set_password(session, settings, user, new_password)
    revoked = revoke_credentials(session, user.id,
                                 keep=token_digest(settings.secret_key, keep) if keep is not None else None)
    audit.record(session, "auth.password_changed", actor=user.username, actor_user_id=user.id,
                 target_type="user", target_id=user.id, details={"client": client, "revoked": revoked})
    return revoked


def active_demo_users(session: Session) -> list[str]:
    """Usernames of the active demo accounts (seeded with a public password)."""
    return list(session.execute(select(User.username).where(User.demo.is_(True), User.active.is_(True))
                                .order_by(User.username)).scalars())


def demo_sign_ins(session: Session) -> list[tuple[str, str]]:
    """(username, display name) of each active demo account, in the order they were made: what the
    sign-in page of a demo platform offers (their password is public)."""
    return [(username, display) for username, display in session.execute(
        select(User.username, User.display_name).where(User.demo.is_(True), User.active.is_(True)).order_by(User.id))]
