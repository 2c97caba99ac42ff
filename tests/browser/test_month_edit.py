"""Correcting a month in a real browser: open it from the data versions, make a mistake, see it at the
cell, fix it, add a row with the button, save; the grid at 1440 px and at 390 px, in Chinese and English.
Screenshots land in var/screenshots/month-edit-*.png."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import LiveServer, screenshot
from .live_server import page_errors, sign_in


def test_correct_a_month_in_the_grid(page: Page, live_server: LiveServer) -> None:
    errors = page_errors(page)
    account = next(a for a in live_server.accounts if a.username == "demo-cement")
    sign_in(page, live_server.url, "demo-cement")
    page.goto(f"{live_server.url}/enterprises/{account.organisation_id}/imports?view=versions")
    page.locator("[data-testid=edit-month]").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("修改月度数据")
    grid = page.locator("[data-testid=month-grid]")
    rows = grid.locator("tbody tr")
    stored = rows.count()
    assert stored >= 4   # the stored rows and blank rows for new ones
    screenshot(page, "month-edit-grid-1440")

    # a negative quantity: refused, shown at its cell and in the list, nothing saved
    quantity = page.locator("#cell-0-quantity")
    original = quantity.input_value()
    quantity.fill("-1")
    page.fill("#reason", "月度核对后更正")
    page.click("[data-testid=month-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#cell-0-quantity")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#err-0-quantity")).to_contain_text("为负数")
    expect(page.locator("[data-testid=month-issues]")).to_contain_text("第 1 行")
    screenshot(page, "month-edit-error-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "month-edit-error-390")
    # the page itself does not scroll sideways at 390 px: only the grid does
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # fixed, one row added with the button (JavaScript), saved
    page.set_viewport_size({"width": 1440, "height": 900})
    page.fill("#cell-0-quantity", str(float(original) + 10))
    before = rows.count()
    page.click("[data-add-row]")
    expect(rows).to_have_count(before + 1)
    page.click("[data-testid=month-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".flashes")).to_contain_text("已保存为第 2 版")
    expect(page.locator("[data-testid=month-version]")).to_contain_text("月度核对后更正")

    # English, on a phone
    page.context.add_cookies([{"name": "greenmfg_lang", "value": "en", "url": live_server.url}])
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("Correct a month")
    expect(grid.locator("thead")).to_contain_text("Energy or material item")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "month-edit-grid-390-en")
    # the refused save answers 422 on purpose (the browser logs it); nothing else went wrong
    assert not [e for e in errors if "status of 422" not in e], errors
