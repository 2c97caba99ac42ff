"""Issue #15 item 6 in a real browser, on the seeded demo platform: the enterprise left free in the demo creates
a draft application, submits its final self-evaluation by picking it and attaches its application form (PDF);
the city bureau pre-reviews the application waiting for it, then the province recommends it.

Screenshots land in var/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, screenshot
from tests.browser.live_server import page_errors, sign_in

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_apply_with_final_evaluation_attach_and_city_then_province(page: Page, browser: Browser,
                                                                   live_server: LiveServer, tmp_path: Path) -> None:
    base = live_server.url
    sign_in(page, base, "demo-chemicals")
    errors = page_errors(page)
    page.goto(f"{base}/green-list")
    page.click("[data-testid=new-application] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/green-list/applications/" in page.url, page.url
    application_url = page.url
    picker = page.locator("[data-testid=form-submit] select[name=evaluation_id]")
    expect(picker).to_have_count(1)
    assert picker.locator("option").count() >= 2  # "choose…" and the demo's final self-evaluation
    screenshot(page, "green-forms-submit-pick")
    page.click("[data-testid=form-submit] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=self-evaluation]")).to_contain_text("绿色工厂")
    pdf = tmp_path / "申报书.pdf"
    pdf.write_bytes(PDF)
    page.locator("[data-testid=form-attach] input[type=file]").set_input_files(str(pdf))
    page.click("[data-testid=form-attach] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=attachments]")).to_contain_text("申报书.pdf")
    expect(page.locator("[data-testid=history]")).to_contain_text("上传附件")
    screenshot(page, "green-forms-attached")
    assert application_url.endswith(page.url.rsplit("/", 1)[-1])
    assert errors == []
    # the city bureau pre-reviews the application that waits for it (its queue on the list page)
    city = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    sign_in(city, base, "demo-city")
    city.goto(f"{base}/green-list")
    city.locator("[data-testid=queue-regulator] tbody tr", has_text="待市级初审").first.locator("a").first.click()
    city.wait_for_load_state("networkidle")
    waiting_url = city.url
    expect(city.locator("[data-testid=form-pre-review]")).to_have_count(1)
    expect(city.locator("[data-testid=form-recommend]")).to_have_count(0)
    screenshot(city, "green-forms-city-390")
    city.click("[data-testid=form-pre-review] button[type=submit]")
    city.wait_for_load_state("networkidle")
    expect(city.locator("h1.page-title")).to_contain_text("市级初审通过")
    city.context.close()
    province = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    sign_in(province, base, "demo-regulator", locale="en")
    province.goto(waiting_url)
    expect(province.locator("[data-testid=form-recommend]")).to_have_count(1)
    province.click("[data-testid=form-recommend] button[type=submit]")
    province.wait_for_load_state("networkidle")
    expect(province.locator("h1.page-title")).to_contain_text("Recommended")
    screenshot(province, "green-forms-province-en")
    province.context.close()
