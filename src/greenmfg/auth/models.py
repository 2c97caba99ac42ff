"""Users and their credentials. Secrets are never stored: passwords as argon2 hashes, session and
API tokens as HMAC-SHA256 digests keyed with the settings' secret key."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Index,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greenmfg.db.base import Base, JSONType, UTCDateTime, utcnow
from greenmfg.db.columns import IntPk, OrgId, Timestamp, UserId, one_of

__all__ = ["ApiToken", "LoginAttempt", "Membership", "Role", "User", "WebSession"]


class Role(StrEnum):
    """A user's role in one organisation."""

    #: enterprise: manage data (import, commit); regulator/evaluator: act for the organisation
    manager = "manager"
    #: read only
    viewer = "viewer"
    #: platform organisation: everything
    admin = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[IntPk]
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: preferred UI language, zh-CN or en; null follows the browser
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[Timestamp]
    #: seeded by the demo region (its password is public): production refuses to start while one is active
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: set by an administrator's reset: the user must choose a new password before anything else
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id"),
        one_of("role", Role),
    )

    id: Mapped[IntPk]
    user_id: Mapped[UserId]
    organisation_id: Mapped[OrgId]
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="memberships")


class WebSession(Base):
    """A browser session: the cookie carries the token, the table its digest and CSRF token."""

    __tablename__ = "web_sessions"

    id: Mapped[IntPk]
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[UserId]
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp]
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A personal API token for machine clients: hashed at rest, scoped, revocable, expiring."""

    __tablename__ = "api_tokens"

    id: Mapped[IntPk]
    user_id: Mapped[UserId]
    name: Mapped[str] = mapped_column(String(100))
    #: first characters of the token, shown to recognise it
    prefix: Mapped[str] = mapped_column(String(16))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: subset of read, write, admin
    scopes: Mapped[list[str]] = mapped_column(JSONType)
    created_at: Mapped[Timestamp]
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """Every password attempt, for throttling (failures per (username, client address) pair and per client)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_pair", "username", "client", "at"),)

    id: Mapped[IntPk]
    username: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    success: Mapped[bool] = mapped_column(Boolean)
