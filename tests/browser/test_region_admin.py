"""The admin pages in a real browser, on the seeded demo platform (the regulator's dashboard is a step of
the provincial regulator's journey, ``test_journeys.py``).

Screenshots of every test land in var/screenshots/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.live_server import page_errors, sign_in


@pytest.fixture(scope="module")
def base_url(region_url: str) -> str:
    return region_url


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_admin_pages(page: Page, base_url: str, locale: str) -> None:
    sign_in(page, base_url, "demo-admin", locale=locale)
    errors = page_errors(page)
    zh = locale == "zh-CN"
    for path, heading in (("/admin", "平台管理" if zh else "Administration"),
                          ("/admin/organisations", "组织" if zh else "Organisations"),
                          ("/admin/users", "用户" if zh else "Users"),
                          ("/admin/tokens", "API 令牌" if zh else "API tokens")):
        page.goto(f"{base_url}{path}")
        expect(page.locator("h1.page-title")).to_have_text(heading)
        screenshot(page, f"{path.strip('/').replace('/', '-')}-{locale}")
    # an organisation: the provincial regulator and its jurisdiction
    page.goto(f"{base_url}/admin/organisations?kind=regulator")
    page.locator("[data-testid=admin-organisations] tbody a").first.click()
    expect(page.locator("[data-testid=jurisdictions] tbody tr")).to_have_count(1)
    screenshot(page, f"admin-regulator-{locale}")
    # a user's memberships
    page.goto(f"{base_url}/admin/users?q=demo-city")
    page.locator("[data-testid=admin-users] tbody a").first.click()
    expect(page.locator("[data-testid=memberships] tbody tr")).to_have_count(1)
    screenshot(page, f"admin-user-{locale}")
    # the audit log and its chain check
    page.goto(f"{base_url}/admin/audit")
    page.locator("[data-testid=verify-chain] button").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-success")).to_contain_text("审计链完整" if zh else "The audit chain is intact")
    screenshot(page, f"admin-audit-{locale}")
    # my API tokens: create one, shown once
    page.goto(f"{base_url}/tokens")
    page.fill("#token-name", "browser test")
    page.locator("[data-testid=token-form] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    secret = page.locator("[data-testid=new-token] code").inner_text()
    assert secret.startswith("gm_")
    expect(page.locator("[data-testid=my-tokens]")).to_contain_text("browser test")
    assert errors == []
