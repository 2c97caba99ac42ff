"""Notifications in the inbox, the users' preferences and the organisations' webhooks.

A notification is stored once per recipient, as an event name and its parameters (never as
rendered text): the inbox, the e-mail and the webhook put it into words in the reader's language
when they show it (:mod:`greenmfg.notifications.messages`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from greenmfg.db.base import Base, JSONType, UTCDateTime
from greenmfg.db.columns import ByUser, IntPk, Timestamp, UpdatedAt, UserId, one_of

__all__ = ["KINDS", "Notification", "NotificationPreference", "NotificationWebhook"]

#: what a notification is about; each can be switched off (per channel) in the preferences
KINDS = ("workflow", "alert", "deadline", "import_failed")


class Notification(Base):
    """One notification of one user."""

    __tablename__ = "notifications"
    __table_args__ = (
        one_of("kind", KINDS),
        # a derived notification (a filing deadline) is told once per user
        UniqueConstraint("user_id", "dedupe_key"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: Mapped[IntPk]
    user_id: Mapped[UserId]
    kind: Mapped[str] = mapped_column(String(16))
    #: the event, e.g. greenlist.submit, capacity.plan.approve, diagnosis.alert.new, deadline.monthly_activity
    event: Mapped[str] = mapped_column(String(64))
    #: the enterprise the event concerns (its members, regulators and evaluators are the recipients)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                        index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    #: where the object is (a path of the platform)
    link: Mapped[str | None] = mapped_column(String(300))
    #: what the message needs: names, numbers, statuses (the text is made when it is read)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[Timestamp]
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(Base):
    """A user's choice of kinds and channels, and the address e-mails go to.

    ``channels`` maps a kind to the channels it goes to, e.g. ``{"alert": ["inbox", "email"]}``;
    a kind missing from it goes to the inbox only (:data:`greenmfg.notifications.service.DEFAULT_CHANNELS`).
    """

    __tablename__ = "notification_preferences"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    channels: Mapped[dict[str, list[str]]] = mapped_column(JSONType)
    updated_at: Mapped[UpdatedAt]


class NotificationWebhook(Base):
    """An organisation's webhook: notifications concerning it are POSTed as JSON, signed with ``secret``."""

    __tablename__ = "notification_webhooks"

    id: Mapped[IntPk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    #: the HMAC-SHA-256 key of the signature header (shown to the organisation's managers)
    secret: Mapped[str] = mapped_column(String(100))
    #: the kinds sent (None: every kind)
    kinds: Mapped[list[str] | None] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[UpdatedAt]
