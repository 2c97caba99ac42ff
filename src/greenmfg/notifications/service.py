"""Notify the right people: recipients by role and access policy, preferences, the inbox.

:func:`notify` is the one way a notification is made. It resolves the *audiences* of an event
to users with the access policy's own rules (:mod:`greenmfg.orgs.access`):

``enterprise``
    the members (any role) of the enterprise the event concerns;
``regulators``
    the members of every regulator whose jurisdiction covers where the enterprise is registered
    (:meth:`greenmfg.orgs.access.Scope.covers`: province, city, park, industries), e.g. the city
    bureau and the provincial department over it; no other region's;
``evaluator``
    the members of the evaluator organisation named by the event;
``admins``
    the platform administrators.

Inactive users and organisations are left out, and so is the user who caused the event (unless
the event says otherwise: a failed import is also told to whoever uploaded it). Each recipient's
preferences choose the channels (:data:`DEFAULT_CHANNELS` unless they chose): a row in the inbox,
an e-mail to the address they gave; each organisation concerned with an active webhook gets one
signed POST. E-mails and webhooks leave after the commit (:mod:`greenmfg.notifications.delivery`).
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from greenmfg.audit.service import record
from greenmfg.auth.models import Membership, Role, User
from greenmfg.db.base import utcnow
from greenmfg.errors import InputError
from greenmfg.i18n import Catalogs, Translator, load_catalogs, negotiate
from greenmfg.notifications.delivery import Email, WebhookPost, channels_of, check_url, queue
from greenmfg.notifications.messages import render
from greenmfg.notifications.models import (
    KINDS,
    Notification,
    NotificationPreference,
    NotificationWebhook,
)
from greenmfg.orgs.access import Forbidden, NotFound, Principal, Scope
from greenmfg.orgs.models import Jurisdiction, Organisation, OrgKind

__all__ = ["AUDIENCES", "CHANNELS", "DEFAULT_CHANNELS", "Recipient", "channels_for", "inbox", "mark_all_read",
           "mark_read", "notify", "preferences", "recipients", "save_preferences", "save_webhook",
           "unread_count", "webhook_organisations"]

AUDIENCES = ("enterprise", "regulators", "evaluator", "admins")
#: the channels a user chooses per kind; webhooks are the organisation's, not the user's
CHANNELS = ("inbox", "email")
#: a kind the user has not chosen for goes to the inbox only
DEFAULT_CHANNELS: tuple[str, ...] = ("inbox",)
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    #: the organisation through which the user is told (its webhook gets the event too)
    organisation_id: int


def _members(session: Session, organisation_ids: Iterable[int], *, role: str | None = None) -> list[Recipient]:
    ids = sorted(set(organisation_ids))
    if not ids:
        return []
    query = (select(Membership.user_id, Membership.organisation_id)
             .join(User, User.id == Membership.user_id)
             .join(Organisation, Organisation.id == Membership.organisation_id)
             .where(Membership.organisation_id.in_(ids), User.active.is_(True), Organisation.active.is_(True)))
    if role is not None:
        query = query.where(Membership.role == role)
    return [Recipient(user_id, org_id) for user_id, org_id in session.execute(query.order_by(Membership.user_id))]


def _covering_regulators(session: Session, enterprise: Organisation) -> list[int]:
    rows = session.execute(
        select(Jurisdiction).join(Organisation, Organisation.id == Jurisdiction.regulator_id)
        .where(Jurisdiction.province == enterprise.province, Organisation.kind == OrgKind.regulator,
               Organisation.active.is_(True))).scalars()
    return sorted({j.regulator_id for j in rows if Scope.of(j).covers(enterprise)})


def recipients(session: Session, audiences: Sequence[str], enterprise: Organisation | None, *,
               evaluator_id: int | None = None) -> list[Recipient]:
    """The users the ``audiences`` name for an event of ``enterprise`` (see the module docstring),
    each once (through the first audience that names them)."""
    found: dict[int, Recipient] = {}
    for audience in audiences:
        if audience == "enterprise" and enterprise is not None:
            group = _members(session, [enterprise.id])
        elif audience == "regulators" and enterprise is not None:
            group = _members(session, _covering_regulators(session, enterprise))
        elif audience == "evaluator" and evaluator_id is not None:
            evaluator = session.get(Organisation, evaluator_id)
            group = _members(session, [evaluator_id]) if evaluator and evaluator.kind == OrgKind.evaluator else []
        elif audience == "admins":
            platform = session.execute(select(Organisation.id).where(Organisation.kind == OrgKind.platform)).scalars()
            group = _members(session, platform, role=Role.admin)
        elif audience in AUDIENCES:
            group = []
        else:
            raise ValueError(f"unknown audience {audience!r}")
        for recipient in group:
            found.setdefault(recipient.user_id, recipient)
    return list(found.values())


def channels_for(preference: NotificationPreference | None, kind: str) -> tuple[str, ...]:
    """The channels a user's ``kind`` of notification goes to."""
    if preference is None or kind not in (preference.channels or {}):
        return DEFAULT_CHANNELS
    return tuple(c for c in preference.channels[kind] if c in CHANNELS)


@functools.cache
def _catalogs() -> Catalogs:
    """The platform's catalogs, read once when the first e-mail or webhook is written."""
    return load_catalogs()


def _translator_for(locale: str | None) -> Translator:
    return _catalogs().translator(negotiate(None, locale))


def notify(session: Session, *, event: str, kind: str, audiences: Sequence[str], enterprise: Organisation | None,
           params: Mapping[str, Any], link: str | None = None, target_type: str | None = None,
           target_id: object = None, actor_user_id: int | None = None, include_actor: bool = False,
           evaluator_id: int | None = None, dedupe_key: str | None = None) -> list[Notification]:
    """Tell the users ``audiences`` name about ``event`` (in the caller's transaction); the inbox rows made.

    ``params`` are what the message needs (:func:`greenmfg.notifications.messages.render`); the
    enterprise's names are added. With ``dedupe_key`` a user already told under that key is not
    told again. E-mails and webhook posts are queued for after the commit.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    values: dict[str, Any] = dict(params)
    if enterprise is not None:
        values.setdefault("enterprise", enterprise.name)
        values.setdefault("enterprise_en", enterprise.name_en)
    people = [r for r in recipients(session, audiences, enterprise, evaluator_id=evaluator_id)
              if include_actor or r.user_id != actor_user_id]
    if dedupe_key is not None and people:
        told = set(session.execute(select(Notification.user_id).where(
            Notification.dedupe_key == dedupe_key, Notification.user_id.in_([r.user_id for r in people]))).scalars())
        people = [r for r in people if r.user_id not in told]
    if not people:
        return []
    ids = [r.user_id for r in people]
    chosen = {p.user_id: p for p in session.execute(
        select(NotificationPreference).where(NotificationPreference.user_id.in_(ids))).scalars()}
    channels = channels_of(session)
    made: list[Notification] = []
    for recipient in people:
        preference = chosen.get(recipient.user_id)
        wanted = channels_for(preference, kind)
        if "inbox" in wanted or dedupe_key is not None:
            row = Notification(user_id=recipient.user_id, kind=kind, event=event,
                               organisation_id=enterprise.id if enterprise is not None else None,
                               target_type=target_type, target_id=None if target_id is None else str(target_id),
                               link=link, params=values, dedupe_key=dedupe_key,
                               # a kind kept out of the inbox is stored read (for the dedupe key only)
                               read_at=None if "inbox" in wanted else utcnow())
            session.add(row)
            made.append(row)
        if "email" in wanted and preference is not None and preference.email and channels and channels.email:
            user = session.get(User, recipient.user_id)
            translator = _translator_for(user.locale if user else None)
            text = render(event, values, translator)
            base = (channels.settings.public_url or "").rstrip("/")
            lines = [text.title, *([text.detail] if text.detail else []), *([base + link] if link and base else [])]
            queue(session, Email(preference.email, text.title, "\n\n".join(lines) + "\n"))
    if channels and channels.webhooks:
        organisations = sorted({r.organisation_id for r in people})
        for hook in session.execute(select(NotificationWebhook).where(
                NotificationWebhook.organisation_id.in_(organisations),
                NotificationWebhook.active.is_(True))).scalars():
            if hook.kinds is not None and kind not in hook.kinds:
                continue
            zh, en = _translator_for("zh-CN"), _translator_for("en")
            payload = {"event": event, "kind": kind, "organisation_id": hook.organisation_id,
                       "enterprise_id": enterprise.id if enterprise is not None else None,
                       "target_type": target_type, "target_id": None if target_id is None else str(target_id),
                       "link": link, "title": render(event, values, en).title,
                       "title_zh": render(event, values, zh).title, "params": values,
                       "at": utcnow().isoformat()}
            queue(session, WebhookPost(hook.url, hook.secret, event, payload))
    return made


# ------------------------------------------------------------------------------------- the inbox


def unread_count(session: Session, user_id: int) -> int:
    """How many of the user's notifications are unread (the number in the header)."""
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def inbox(session: Session, principal: Principal, *, unread_only: bool = False, page: int = 1
          ) -> tuple[list[Notification], int]:
    """The caller's notifications, newest first (one page), and how many there are."""
    query = select(Notification).where(Notification.user_id == principal.user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                           .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars()
    return list(rows), total


def mark_read(session: Session, principal: Principal, notification_id: int) -> Notification:
    """Mark one of the caller's notifications read.

    Raises
    ------
    NotFound
        No such notification of the caller (another user's is not found either).
    """
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != principal.user_id:
        raise NotFound("notification", notification_id)
    if row.read_at is None:
        row.read_at = utcnow()
    return row


def mark_all_read(session: Session, principal: Principal) -> int:
    """Mark all the caller's notifications read; how many were unread."""
    result = session.execute(update(Notification).where(
        Notification.user_id == principal.user_id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


# ------------------------------------------------------------------------------------ preferences


class BadPreference(InputError):
    code = "bad_preference"
    message = "the notification settings are not valid"
    message_zh = "通知设置无效"


def preferences(session: Session, user_id: int) -> NotificationPreference | None:
    return session.execute(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id)).scalar_one_or_none()


def save_preferences(session: Session, principal: Principal, *, email: str | None,
                     channels: Mapping[str, Iterable[str]]) -> NotificationPreference:
    """Store the caller's channels per kind and e-mail address.

    Raises
    ------
    BadPreference
        An unknown kind or channel, or an e-mail address that is not one.
    """
    address = (email or "").strip() or None
    if address is not None and (len(address) > 254 or not _EMAIL.match(address)):
        raise BadPreference(f"{address} is not an e-mail address", f"{address} 不是有效的电子邮件地址")
    clean: dict[str, list[str]] = {}
    for kind in KINDS:
        chosen = list(dict.fromkeys(channels.get(kind, ())))
        unknown = [c for c in chosen if c not in CHANNELS]
        if unknown:
            raise BadPreference(f"unknown channel {unknown[0]}", f"未知的通知方式 {unknown[0]}")
        clean[kind] = [c for c in CHANNELS if c in chosen]
    extra = sorted(set(channels) - set(KINDS))
    if extra:
        raise BadPreference(f"unknown kind of notification {extra[0]}", f"未知的通知类型 {extra[0]}")
    row = preferences(session, principal.user_id)
    if row is None:
        row = NotificationPreference(user_id=principal.user_id, email=address, channels=clean)
        session.add(row)
    else:
        row.email, row.channels = address, clean
    session.flush()
    return row


# --------------------------------------------------------------------------------------- webhooks


def webhook_organisations(session: Session, principal: Principal) -> list[tuple[Organisation, NotificationWebhook | None]]:
    """The organisations whose webhook the caller may set (those it manages; the platform's for
    admins) with their webhook, by name."""
    if "write" not in principal.scopes:
        return []
    ids = [m.organisation_id for m in principal.memberships if m.role in (Role.manager, Role.admin)]
    if not ids:
        return []
    orgs = session.execute(select(Organisation).where(Organisation.id.in_(ids), Organisation.active.is_(True))
                           .order_by(Organisation.name)).scalars().all()
    hooks = {h.organisation_id: h for h in session.execute(
        select(NotificationWebhook).where(NotificationWebhook.organisation_id.in_(ids))).scalars()}
    return [(o, hooks.get(o.id)) for o in orgs]


def save_webhook(session: Session, principal: Principal, organisation_id: int, *, url: str | None,
                 kinds: Iterable[str] | None, active: bool, allow_private: bool,
                 new_secret: bool = False) -> NotificationWebhook | None:
    """Set (or with an empty ``url`` remove) the organisation's webhook; None when removed.

    ``kinds``: the kinds sent (None: every kind).

    Raises
    ------
    NotFound
        Not an organisation the caller manages.
    UnsafeWebhookUrl
        The URL is not http(s) or points at a non-public address (unless ``allow_private``).
    BadPreference
        An unknown kind.
    """
    if not any(o.id == organisation_id for o, _ in webhook_organisations(session, principal)):
        if any(m.organisation_id == organisation_id for m in principal.memberships):
            raise Forbidden("only the organisation's managers set its webhook", "仅本单位管理员可设置 Webhook")
        raise NotFound("organisation", organisation_id)
    hook = session.execute(select(NotificationWebhook).where(
        NotificationWebhook.organisation_id == organisation_id)).scalar_one_or_none()
    address = (url or "").strip()
    if not address:
        if hook is not None:
            session.delete(hook)
            record(session, "notifications.webhook.remove", actor=principal.username,
                         actor_user_id=principal.user_id, organisation_id=organisation_id,
                         target_type="webhook", target_id=hook.id)
        return None
    if len(address) > 500:
        raise BadPreference("the webhook address is longer than 500 characters", "Webhook 地址超过 500 个字符")
    check_url(address, allow_private=allow_private)
    chosen = None if kinds is None else list(dict.fromkeys(kinds))
    unknown = [k for k in chosen or () if k not in KINDS]
    if unknown:
        raise BadPreference(f"unknown kind of notification {unknown[0]}", f"未知的通知类型 {unknown[0]}")
    if hook is None:
        hook = NotificationWebhook(organisation_id=organisation_id, url=address, secret=secrets.token_urlsafe(32),
                                   created_by=principal.user_id)
        session.add(hook)
    elif new_secret:
        hook.secret = secrets.token_urlsafe(32)
    hook.url, hook.active = address, active
    hook.kinds = None if chosen is None else [k for k in KINDS if k in chosen]
    session.flush()
    record(session, "notifications.webhook.save", actor=principal.username, actor_user_id=principal.user_id,
                 organisation_id=organisation_id, target_type="webhook", target_id=hook.id,
                 details={"host": address.split("/")[2] if "//" in address else address, "active": active,
                          "kinds": hook.kinds, "new_secret": new_secret})
    return hook
