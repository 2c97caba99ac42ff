"""The inbox pages: ``/inbox`` (the user's notifications: open, mark read, mark all read) and
``/inbox/preferences`` (kinds and channels per user; the organisation's webhook for its managers).
Each user reaches only their own notifications: another user's id is not found."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from greenmfg.db.session import Database
from greenmfg.errors import GreenmfgError
from greenmfg.i18n import N_

# importing the events module registers the listeners that turn audit events into notifications
from greenmfg.notifications import events as _events  # noqa: F401
from greenmfg.notifications import service
from greenmfg.notifications.messages import KIND_LABELS, render
from greenmfg.notifications.models import KINDS
from greenmfg.orgs.access import Principal
from greenmfg.settings import Settings
from greenmfg.web.deps import PagePrincipal, get_database, get_settings
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import Flash, local_redirect_target, translator_for
from greenmfg.web.templating import render as render_page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

#: the channel names shown in the preferences
CHANNEL_LABELS = {"inbox": N_("In the inbox"), "email": N_("By e-mail")}


@router.get("/inbox")
def inbox_page(request: Request, principal: PagePrincipal, database: DatabaseDep,
               unread: Annotated[bool, Query()] = False,
               page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    translator = translator_for(request)
    with database.session() as session:
        rows, total = service.inbox(session, principal, unread_only=unread, page=page)
        unread_total = service.unread_count(session, principal.user_id)
        items = [{"id": row.id, "kind": row.kind, "kind_label": translator.gettext(KIND_LABELS[row.kind]),
                  "text": render(row.event, row.params or {}, translator), "created_at": row.created_at,
                  "read": row.read_at is not None, "link": row.link} for row in rows]
    request.state.unread = unread_total
    return render_page(request, "notifications/inbox.html", {
        "items": items, "total": total, "unread_total": unread_total, "unread_only": unread, "page": page,
        "page_size": service.PAGE_SIZE})


def _back(unread: bool) -> str:
    return "/inbox?unread=true" if unread else "/inbox"


@router.post("/inbox/{notification_id}/read")
def mark_read(notification_id: Id, principal: PagePrincipal, database: DatabaseDep,
              unread: Annotated[bool, Form()] = False) -> Response:
    with database.session() as session:
        service.mark_read(session, principal, notification_id)
    return RedirectResponse(_back(unread), status_code=303)


@router.post("/inbox/{notification_id}/open")
def open_notification(notification_id: Id, principal: PagePrincipal, database: DatabaseDep) -> Response:
    """Mark it read and go to the object it is about."""
    with database.session() as session:
        row = service.mark_read(session, principal, notification_id)
        link = row.link
    return RedirectResponse(local_redirect_target(link, "/inbox"), status_code=303)


@router.post("/inbox/read-all")
def mark_all_read(principal: PagePrincipal, database: DatabaseDep) -> Response:
    with database.session() as session:
        count = service.mark_all_read(session, principal)
    response = RedirectResponse("/inbox", status_code=303)
    flash(response, "success", N_("{count} notifications marked as read."), count=str(count))
    return response


def _preferences_page(request: Request, principal: Principal, database: Database, settings: Settings, *,
                      error: GreenmfgError | None = None, form: dict[str, Any] | None = None,
                      status_code: int = 200) -> Response:
    with database.session() as session:
        preference = service.preferences(session, principal.user_id)
        chosen = {kind: service.channels_for(preference, kind) for kind in KINDS}
        hooks = [{"organisation": org, "hook": hook} for org, hook in service.webhook_organisations(session, principal)]
        email = preference.email if preference is not None else None
        unread_total = service.unread_count(session, principal.user_id)
    if error is not None:
        request.state.flashes = [*request.state.flashes, Flash("error", error.message_in(request.state.locale))]
    request.state.unread = unread_total
    return render_page(request, "notifications/preferences.html", {
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS], "channels": list(CHANNEL_LABELS.items()), "chosen": chosen,
        "email": email, "email_on": bool(settings.smtp_host), "webhooks_on": settings.webhooks, "hooks": hooks,
        "form": form or {"organisation_id": None, "url": ""}}, status_code=status_code)


@router.get("/inbox/preferences")
def preferences_page(request: Request, principal: PagePrincipal, database: DatabaseDep,
                     settings: SettingsDep) -> Response:
    return _preferences_page(request, principal, database, settings)


@router.post("/inbox/preferences")
def save_preferences(request: Request, principal: PagePrincipal, database: DatabaseDep, settings: SettingsDep,
                     email: Annotated[str, Form(max_length=254)] = "",
                     channels: Annotated[list[str] | None, Form()] = None) -> Response:
    chosen: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for value in channels or ():
        kind, _, channel = value.partition(":")
        chosen.setdefault(kind, []).append(channel)
    try:
        with database.session() as session:
            service.save_preferences(session, principal, email=email, channels=chosen)
    except GreenmfgError as error:
        return _preferences_page(request, principal, database, settings, error=error, status_code=error.status)
    response = RedirectResponse("/inbox/preferences", status_code=303)
    flash(response, "success", N_("Notification settings saved."))
    return response


@router.post("/inbox/webhooks/{organisation_id}")
def save_webhook(request: Request, organisation_id: Id, principal: PagePrincipal, database: DatabaseDep,
                 settings: SettingsDep, url: Annotated[str, Form(max_length=600)] = "",
                 kinds: Annotated[list[str] | None, Form()] = None,
                 active: Annotated[bool, Form()] = False,
                 new_secret: Annotated[bool, Form()] = False) -> Response:
    try:
        with database.session() as session:
            hook = service.save_webhook(session, principal, organisation_id, url=url, kinds=kinds or (),
                                        active=active, allow_private=settings.webhook_allow_private,
                                        new_secret=new_secret)
    except GreenmfgError as error:
        if error.status == 404:
            raise
        return _preferences_page(request, principal, database, settings, error=error, status_code=error.status,
                                 form={"organisation_id": organisation_id, "url": url})
    response = RedirectResponse("/inbox/preferences", status_code=303)
    flash(response, "success", N_("Webhook saved.") if hook is not None else N_("Webhook removed."))
    return response
