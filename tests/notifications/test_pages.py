"""The inbox as a browser uses it: the unread count in the header, the list in zh-CN and en, open,
mark read, mark all read, the settings form and the webhook form; only one's own notifications."""

from __future__ import annotations

import re

from sqlalchemy import select

from greenmfg.audit.service import record
from greenmfg.auth.models import User
from greenmfg.db.session import Database
from greenmfg.notifications.models import Notification, NotificationPreference, NotificationWebhook
from tests.factories import Pages, World, page_text


def approve(database: Database, world: World, plan: int) -> None:
    with database.session() as s:
        record(s, "capacity.plan.approve", actor="hebei", organisation_id=world.org("steel"),
               target_type="capacity_plan", target_id=plan)


def ids_of(database: Database, username: str) -> list[int]:
    with database.session() as s:
        return list(s.execute(select(Notification.id).join(User, User.id == Notification.user_id)
                              .where(User.username == username).order_by(Notification.id)).scalars())


def header_count(html: str) -> str | None:
    found = re.search(r'data-testid="unread-count"[^>]*>([^<]+)<', html)
    return found.group(1) if found else None


def test_unread_count_list_open_and_mark_read(pages: Pages, world: World) -> None:
    database = world.database
    steel = pages("steel")
    assert header_count(steel.get("/tokens").text) is None
    approve(database, world, 41)
    approve(database, world, 42)
    home = steel.get("/")
    assert header_count(home.text) == "2" and 'aria-label="消息：2 条未读"' in home.text
    inbox = steel.get("/inbox")
    assert inbox.status_code == 200
    text = page_text(inbox)
    assert "唐山示例钢铁有限公司的产能置换方案“41”已批准" in text and "“42”" in text and "流程进展" in text
    first, second = ids_of(database, "steel")[:2]
    # another user cannot read, open or mark steel's notifications, nor see them
    cement = pages("cement")
    assert "唐山示例钢铁" not in page_text(cement.get("/inbox"))
    for action in ("read", "open"):
        refused = cement.post(f"/inbox/{first}/{action}")
        assert refused.status_code == 404 and "唐山示例钢铁" not in refused.text
    assert header_count(steel.get("/tokens").text) == "2"
    # open: marked read, off to the object
    opened = steel.post(f"/inbox/{first}/open")
    assert opened.status_code == 303 and opened.headers["location"] == "/capacity/plans/41"
    assert header_count(steel.get("/tokens").text) == "1"
    unread = page_text(steel.get("/inbox?unread=true"))
    assert "“42”" in unread and "“41”" not in unread
    marked = steel.post(f"/inbox/{second}/read", data={"unread": "true"})
    assert marked.status_code == 303 and marked.headers["location"] == "/inbox?unread=true"
    assert header_count(steel.get("/tokens").text) is None and "没有未读消息" in page_text(steel.get("/inbox?unread=true"))
    # English
    steel.language("en")
    english = page_text(steel.get("/inbox"))
    assert "Capacity-replacement plan “41” of 唐山示例钢铁有限公司 approved" in english and "Workflow steps" in english


def test_mark_all_read(pages: Pages, world: World) -> None:
    database = world.database
    for plan in (1, 2, 3):
        approve(database, world, plan)
    viewer = pages("steelviewer")
    assert header_count(viewer.get("/inbox").text) == "3"
    done = viewer.post("/inbox/read-all")
    assert done.status_code == 303
    after = viewer.get("/inbox")
    assert header_count(after.text) is None and "已将 3 条消息标为已读。" in page_text(after)
    assert header_count(pages("steel").get("/tokens").text) == "3"  # the other member's are untouched


def test_settings_form(pages: Pages, world: World) -> None:
    database = world.database
    steel = pages("steel")
    page = steel.get("/inbox/preferences")
    assert page.status_code == 200
    text = page_text(page)
    assert "通知设置" in text and "能耗异常告警" in text and "本平台未配置电子邮件" in text
    assert 'value="alert:inbox" aria-label="能耗异常告警: 站内消息" checked' in page.text
    bad = steel.post("/inbox/preferences", data={"email": "not-an-address", "channels": "alert:inbox"})
    assert bad.status_code == 422 and "not-an-address 不是有效的电子邮件地址" in page_text(bad)
    saved = steel.client.post("/inbox/preferences", data={"csrf_token": steel.csrf(), "email": "e@steel.example.cn",
                                                          "channels": ["alert:inbox", "alert:email", "deadline:inbox"]},
                              follow_redirects=False)
    assert saved.status_code == 303
    with database.session() as s:
        row = s.execute(select(NotificationPreference)).scalar_one()
        assert row.email == "e@steel.example.cn"
        assert row.channels == {"workflow": [], "alert": ["inbox", "email"], "deadline": ["inbox"], "import_failed": []}
    # workflow steps are now out of steel's inbox
    approve(database, world, 9)
    assert ids_of(database, "steel") == []
    assert 'value="workflow:inbox" aria-label="流程进展: 站内消息">' in steel.get("/inbox/preferences").text


def test_webhook_form(pages: Pages, world: World) -> None:
    database = world.database
    steel = pages("steel")
    assert f'data-testid="webhook-form-{world.org("steel")}"' in steel.get("/inbox/preferences").text
    # a viewer has no form, and is refused when it posts one anyway
    viewer = pages("steelviewer")
    assert "webhook-form" not in viewer.get("/inbox/preferences").text
    assert viewer.post(f"/inbox/webhooks/{world.org('steel')}", data={"url": "https://8.8.8.8/h"}).status_code == 403
    assert pages("cement").post(f"/inbox/webhooks/{world.org('steel')}",
                                data={"url": "https://8.8.8.8/h"}).status_code == 404
    local = steel.post(f"/inbox/webhooks/{world.org('steel')}", data={"url": "http://127.0.0.1:8080/h"})
    assert local.status_code == 422 and "指向内网或本机地址" in page_text(local)
    assert steel.post(f"/inbox/webhooks/{world.org('steel')}", data={"url": "ftp://8.8.8.8/"}).status_code == 422
    saved = steel.post(f"/inbox/webhooks/{world.org('steel')}", data={"url": "https://8.8.8.8/greenmfg",
                                                                       "active": "true", "kinds": "alert"})
    assert saved.status_code == 303
    with database.session() as s:
        hook = s.execute(select(NotificationWebhook)).scalar_one()
        assert (hook.url, hook.kinds, hook.active) == ("https://8.8.8.8/greenmfg", ["alert"], True)
        secret = hook.secret
    assert secret in steel.get("/inbox/preferences").text  # shown to the organisation's managers
    assert secret not in viewer.get("/inbox/preferences").text
    assert steel.post(f"/inbox/webhooks/{world.org('steel')}", data={"url": ""}).status_code == 303
    with database.session() as s:
        assert s.execute(select(NotificationWebhook)).first() is None
