"""The demo meter dashboard in a real browser: the seeded (synthetic) baseline, its validity, the
savings with uncertainty and the baseline-against-actual chart without any user action, in Chinese
and English; a bad fit window shows the located error. Screenshots: var/screenshots/meter-*.png."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from greenmfg.orgs.models import Facility, Meter

from .conftest import LiveServer, screenshot
from .test_enterprise_flow import _sign_in, _watch


def _power_meter(server: LiveServer, username: str) -> int:
    account = next(a for a in server.accounts if a.username == username)
    with server.database.session() as session:
        return session.execute(select(Meter.id).join(Facility, Facility.id == Meter.facility_id)
                               .where(Facility.enterprise_id == account.organisation_id,
                                      Meter.code == "EM-01")).scalar_one()


def test_demo_meter_dashboard_shows_baseline_and_savings(page: Page, live_server: LiveServer,
                                                         tmp_path: Path) -> None:
    errors = _watch(page)
    _sign_in(page, live_server, "demo-steel")
    meter = _power_meter(live_server, "demo-steel")
    page.goto(f"{live_server.url}/meters")
    expect(page.locator("[data-testid=account-form]")).to_have_count(1)
    expect(page.get_by_text("以导入数据为准", exact=False)).to_be_visible()
    page.goto(f"{live_server.url}/meters/{meter}")
    expect(page.locator("[data-testid=mv-validity]")).to_contain_text("合成演示数据")
    expect(page.locator("[data-testid=mv-savings]")).to_contain_text("置信度 90%")
    page.locator("#mv-chart canvas").first.wait_for(state="attached")  # no eval under the CSP
    screenshot(page, "meter-1-dashboard-zh")

    # a window that ends before it starts: the error is shown where the form is, nothing stored
    daily = tmp_path / "drivers.csv"
    daily.write_text("date,temperature_c\n2025-01-01,1.5\n", encoding="utf-8")
    page.fill("#fit-start", "2025-12-31")
    page.fill("#fit-end", "2025-01-01")
    page.set_input_files("#fit-file", str(daily))
    page.click("[data-testid=fit-form] button[type=submit]")
    expect(page.locator("[data-testid=mv-errors]")).to_contain_text("结束早于开始")
    expect(page.locator("#fit-start")).to_have_value("2025-12-31")
    screenshot(page, "meter-2-fit-error-zh")

    page.goto(f"{live_server.url}/lang/en?next=/meters/{meter}")
    expect(page.locator("[data-testid=mv-savings]")).to_contain_text("90% confidence")
    expect(page.locator("[data-testid=mv-validity]")).to_contain_text("synthetic demo data")
    page.locator("#mv-chart canvas").first.wait_for(state="attached")  # no eval under the CSP
    screenshot(page, "meter-3-dashboard-en")
    page.goto(f"{live_server.url}/lang/zh-CN?next=/meters/{meter}")
    # the refused form answers 422 on purpose; nothing else may fail
    assert [e for e in errors if "status of 422" not in e] == [], errors
    assert sum("status of 422" in e for e in errors) == 1


def test_meter_page_is_live_but_never_throws_away_what_is_being_typed(page: Page, live_server: LiveServer) -> None:
    """The page reloads itself every 30 s (new readings show up without a click), also for a
    manager who has the forms; once the manager starts filling in a form it stays put."""
    _sign_in(page, live_server, "demo-steel")
    meter = _power_meter(live_server, "demo-steel")
    page.clock.install()
    page.goto(f"{live_server.url}/meters/{meter}")
    expect(page.locator('meta[name="greenmfg-live"]')).to_have_attribute("content", "30")
    page.evaluate("window.__notReloaded = true")
    with page.expect_navigation():
        page.clock.run_for(31_000)
    assert page.evaluate("window.__notReloaded === undefined")  # a fresh page: it reloaded

    page.evaluate("window.__notReloaded = true")
    page.fill("#fit-start", "2025-02-01")
    page.locator("body").click(position={"x": 5, "y": 5})  # focus leaves the form; the edit stays
    page.clock.run_for(95_000)
    assert page.evaluate("window.__notReloaded === true")
    expect(page.locator("#fit-start")).to_have_value("2025-02-01")
