"""The green-manufacturing list and the regional-targets page in a real browser, on the seeded demo platform.

Screenshots land in var/screenshots/.
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
def test_regulator_sees_the_2030_trajectory(page: Page, base_url: str, locale: str) -> None:
    sign_in(page, base_url, "demo-regulator", locale=locale)
    errors = page_errors(page)
    page.goto(f"{base_url}/region")
    page.locator("[data-testid=green-targets-link]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1.page-title")).to_have_text("绿色制造目标" if locale == "zh-CN" else "Green-manufacturing targets")
    for chart in ("#gl-share", "#gl-counts", "#gl-energy", "#gl-carbon"):
        page.wait_for_selector(f"{chart}[data-echarts-ready] canvas")
        box = page.locator(f"{chart} canvas").first.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 150, chart
    # the demo region has a share for its latest year, hence a required growth to 2030
    assert page.locator("[data-testid=shares] tbody tr").count() >= 1
    screenshot(page, f"green-targets-{locale}")
    page.goto(f"{base_url}/green-list")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=published-list] tbody tr").count() >= 5
    assert page.locator("[data-testid=queue-regulator] tbody tr").count() >= 1
    screenshot(page, f"green-list-regulator-{locale}")
    assert errors == []
