"""The regulator dashboard and the admin pages in a real browser, on the seeded demo platform.

Screenshots of every test (and of the filtered table) land in var/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.live_server import page_errors, sign_in


@pytest.fixture(scope="module")
def base_url(region_url: str) -> str:
    return region_url


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_regulator_dashboard(page: Page, base_url: str, locale: str) -> None:
    sign_in(page, base_url, "demo-regulator", locale=locale)
    errors = page_errors(page)
    page.goto(f"{base_url}/region")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == locale
    expect(page.locator("h1.page-title")).to_have_text("区域监管总览" if locale == "zh-CN" else "Regional overview")
    # every chart is drawn
    for chart in ("#chart-trend", "#chart-industry", "#chart-city"):
        page.wait_for_selector(f"{chart}[data-echarts-ready] canvas")
        box = page.locator(f"{chart} canvas").first.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 150, chart
    # the map of the province, its GeoJSON fetched and registered first (issue #15 item 8)
    page.wait_for_selector("#region-map[data-echarts-ready] canvas")
    assert page.locator("#region-map[data-echarts-error]").count() == 0
    assert page.locator("[data-testid=region-kpis] .kpi").count() == 4
    assert page.locator("[data-testid=top-emitters] li").count() > 0
    rows = page.locator("#region-enterprises tbody tr")
    assert rows.count() > 1
    basis = page.locator("[data-testid=rising-basis]")
    assert basis.get_attribute("data-basis") == "latest_3_months"  # Jan–Mar compared with a year earlier
    # every enterprise links to its dashboard
    href = rows.first.locator("a").first.get_attribute("href")
    assert href is not None and re.fullmatch(r"/enterprises/\d+", href)

    # sort the shown page by energy in the browser, then filter by an industry on the server
    energy = page.locator("#region-enterprises th").nth(3)
    energy.click()
    assert energy.get_attribute("aria-sort") == "ascending"
    figures = page.eval_on_selector_all(
        "#region-enterprises tbody tr", "rows => rows.map(r => r.cells[3].dataset.sort).filter(v => v !== '')")
    assert [float(v) for v in figures] == sorted(float(v) for v in figures)

    industry = page.locator("#filter-industry")
    options = industry.locator("option")
    chosen_value = options.nth(1).get_attribute("value")
    chosen_label = options.nth(1).inner_text().rsplit(" (", 1)[0]
    industry.select_option(chosen_value)
    page.locator("[data-testid=region-filters] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert f"industry={chosen_value}" in page.url
    industries = page.eval_on_selector_all("#region-enterprises tbody tr",
                                           "rows => rows.map(r => r.cells[1].textContent.trim())")
    assert industries and set(industries) == {chosen_label}
    screenshot(page, f"region-filtered-{locale}")
    page.goto(f"{base_url}/region")
    page.wait_for_selector("#chart-trend[data-echarts-ready] canvas")
    assert errors == []


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
