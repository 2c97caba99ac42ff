"""Passwords in a real browser under the security headers: an admin resets a user's password (the
temporary one shown once), the user signs in with it, is led to the change form and chooses a new one.
Screenshots: var/screenshots/password-*.png."""

from __future__ import annotations

from playwright.sync_api import Dialog, Page, expect

from greenmfg.auth.models import Membership, User
from greenmfg.auth.security import hash_password
from greenmfg.orgs.models import Organisation

from .conftest import LiveServer, screenshot
from .live_server import page_errors, sign_in


def test_reset_then_change_password(page: Page, live_server: LiveServer) -> None:
    errors = page_errors(page)
    with live_server.database.session() as session:   # a user of its own: the demo accounts stay as they are
        org = session.query(Organisation).filter(Organisation.kind == "enterprise").first()
        assert org is not None
        user = User(username="pw-browser", display_name="密码测试", password_hash=hash_password("first password 1"),
                    locale="zh-CN")
        session.add(user)
        session.flush()
        session.add(Membership(user_id=user.id, organisation_id=org.id, role="viewer"))
        user_id = user.id
    sign_in(page, live_server.url, "demo-admin")
    page.goto(f"{live_server.url}/lang/en?next=/admin/users/{user_id}")

    def accept(dialog: Dialog) -> None:
        dialog.accept()

    page.on("dialog", accept)
    page.click(f"form[action='/admin/users/{user_id}/password'] button")
    temporary = page.locator("[data-testid=temporary-password]")
    expect(temporary).to_be_visible()
    password = temporary.inner_text().strip()
    screenshot(page, "password-1-reset-en")
    page.context.clear_cookies()

    page.goto(f"{live_server.url}/login")
    page.fill("#username", "pw-browser")
    page.fill("#password", password)
    page.click("button[type=submit]")
    expect(page.locator("[data-testid=must-change]")).to_be_visible()    # every page leads here
    page.fill("#current_password", password)
    page.fill("#new_password", "q1w2e3r4t5y6")                           # a common password
    page.fill("#confirm_password", "q1w2e3r4t5y6")
    page.click("[data-testid=password-form] button[type=submit]")
    expect(page.locator(".flashes")).to_contain_text("常见或已泄露密码")
    screenshot(page, "password-2-refused-zh")
    page.fill("#current_password", password)
    page.fill("#new_password", "violet kiln rooftop 42")
    page.fill("#confirm_password", "violet kiln rooftop 42")
    page.click("[data-testid=password-form] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("密码已修改", exact=False)).to_be_visible()
    screenshot(page, "password-3-changed-zh")
    # the refused form answers 422 on purpose; nothing else may fail (a CSP violation included)
    assert [e for e in errors if "status of 422" not in e] == [], errors
