"""Audit events form a keyed hash chain; ``audit_head`` holds the last link and serialises appends."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from greenmfg.db.base import Base, JSONType, UTCDateTime
from greenmfg.db.columns import ByUser, IntPk

__all__ = ["AuditEvent", "AuditHead"]


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[IntPk]
    #: position in the chain, 1, 2, 3 … without gaps
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[ByUser]
    #: username at the time (kept when the user is deleted)
    actor: Mapped[str] = mapped_column(String(64))
    #: dotted name, e.g. auth.login, import.commit, results.recalculate, membership.role_change
    action: Mapped[str] = mapped_column(String(64), index=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: HMAC-SHA-256 under the key ``key_id`` (SHA-256 for events from before keys: ``key_id`` NULL)
    hash: Mapped[str] = mapped_column(String(64))
    #: id of the key that signed the event (:func:`greenmfg.audit.keys.key_id`); NULL: legacy SHA-256 event
    key_id: Mapped[str | None] = mapped_column(String(32))


class AuditHead(Base):
    """One row (id 1): the last sequence number and hash. Locked by every append."""

    __tablename__ = "audit_head"

    id: Mapped[IntPk]
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
