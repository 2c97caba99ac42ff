"""The inbox in a real browser: the unread count in the header, the list at 1440 and 390 px in zh-CN and en,
opening a notification, the settings page. Screenshots: var/screenshots/inbox-*.png."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from greenmfg.audit.service import record
from greenmfg.orgs.models import Organisation, OrgKind

from .conftest import LiveServer, screenshot
from .live_server import page_errors, sign_in


def test_inbox_at_desk_and_phone_width(page: Page, live_server: LiveServer) -> None:
    errors = page_errors(page)
    account = next(a for a in live_server.accounts if a.role == "enterprise")
    with live_server.database.session() as session:
        evaluator = session.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.evaluator).limit(1))
        for action, details, target in (
                ("evaluator.assign", {"evaluator_id": evaluator}, ("evaluator_assignment", 1)),
                ("capacity.plan.approve", {"comment": "置换比例符合要求，同意实施"}, ("capacity_plan", 1)),
                ("import.preview", {"status": "invalid", "issues": 3, "file": "2025年3月能源消费.xlsx"}, ("import", 1))):
            record(session, action, actor="demo-admin", organisation_id=account.organisation_id,
                   target_type=target[0], target_id=target[1], details=details)
    sign_in(page, live_server.url, account.username)
    page.goto(f"{live_server.url}/inbox")
    count = page.locator("[data-testid=unread-count]")
    expect(count).to_be_visible()
    unread = int(count.inner_text())
    assert unread >= 3
    expect(page.locator("[data-testid=inbox] li").first).to_contain_text("导入失败")
    expect(page.locator("[data-testid=inbox]")).to_contain_text("理由：置换比例符合要求，同意实施")
    screenshot(page, "inbox-1-list-zh-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    # nothing wider than the phone: the page does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(count).to_be_visible()
    screenshot(page, "inbox-2-list-zh-390")
    # open the evaluator notification: read, and on the enterprise's page
    item = page.locator("[data-testid=inbox] li", has_text="第三方评价机构")
    item.get_by_role("button", name="查看").click()
    page.wait_for_url(f"{live_server.url}/enterprises/{account.organisation_id}")
    expect(page.locator("[data-testid=unread-count]")).to_have_text(str(unread - 1))
    page.goto(f"{live_server.url}/lang/en?next=/inbox/preferences")
    expect(page.locator("h1")).to_have_text("Notification settings")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "inbox-3-settings-en-390")
    page.set_viewport_size({"width": 1440, "height": 900})
    screenshot(page, "inbox-4-settings-en-1440")
    page.goto(f"{live_server.url}/inbox")
    page.get_by_test_id("read-all").click()
    page.wait_for_url(f"{live_server.url}/inbox")
    expect(page.locator("[data-testid=unread-count]")).to_have_count(0)
    screenshot(page, "inbox-5-all-read-en-1440")
    assert errors == []
