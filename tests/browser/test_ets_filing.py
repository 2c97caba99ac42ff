"""The carbon market's monthly filing in a real browser (issue #16 item 3): the cement company of the demo
files last month with a PDF of evidence (zh-CN, then the page at 390 px), the city bureau and the province
see it filed on time, and the province sees the steel company's months missing. A server of its own (the
demo region, 12 enterprises, one month of 2024, its steel, cement and aluminium plants covered), so the
month it adds and locks changes nothing the other browser tests read. Screenshots: var/screenshots/ets-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from greenmfg.accounting import editing
from greenmfg.accounting.models import DataVersion
from greenmfg.audit.service import configure as configure_audit
from greenmfg.auth.models import User
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.demo.platform import DemoAccount, seed_demo
from greenmfg.ets.filings import china_today
from greenmfg.orgs.access import load_principal
from greenmfg.orgs.models import Facility
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from tests.browser.conftest import screenshot
from tests.browser.live_server import DEMO_PASSWORD, page_errors, sign_in
from tests.browser.styleguide import serve

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _month_before(months: int) -> str:
    today = china_today()
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class Server:
    def __init__(self, url: str, database: Database, accounts: list[DemoAccount]) -> None:
        self.url, self.database, self.accounts = url, database, accounts

    def account(self, username: str) -> DemoAccount:
        return next(a for a in self.accounts if a.username == username)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("ets") / "greenmfg.db"
    url = f"sqlite:///{path}"
    database = Database(url)
    try:
        upgrade(database)
        # the seeding signs its audit events with this database's keyring and checkpoint file (not one an earlier
        # server of the process configured), as the app will verify them
        configure_audit(Settings(database_url=url, demo_password=DEMO_PASSWORD), database=database)
        accounts = seed_demo(database, password=DEMO_PASSWORD, enterprises=12, months=1, meter_days=0)
        app = create_app(Settings(database_url=url, demo_password=DEMO_PASSWORD), database=database)
        with serve(app) as base_url:
            yield Server(base_url, database, accounts)
    finally:
        database.dispose()


def _add_last_month(server: Server, month: str) -> None:
    """The cement company's data of ``month``: its January 2024 rows saved through the month editor."""
    cement = server.account("demo-cement").organisation_id
    with server.database.session() as s:
        principal = load_principal(s, s.execute(select(User).where(User.username == "demo-cement")).scalar_one())
        facility = s.execute(select(Facility.code).join(DataVersion, DataVersion.facility_id == Facility.id)
                             .where(DataVersion.enterprise_id == cement).order_by(Facility.code)).scalars().first()
        assert facility is not None
        rows = editing.read_month(s, principal, cement, facility, "2024-01").rows
    saved = editing.save_month(server.database, principal, cement, facility, month, rows=rows, reason="本月数据",
                               base_version=0, max_bytes=1_000_000)
    assert saved.version == 1


def test_file_a_month_and_the_regulators_see_it(page: Page, server: Server, tmp_path: Path) -> None:
    errors = page_errors(page)
    month, missing = _month_before(1), _month_before(3)
    _add_last_month(server, month)
    cement = server.account("demo-cement").organisation_id
    steel = server.account("demo-steel").organisation_id
    evidence = tmp_path / "熟料化验报告.pdf"
    evidence.write_bytes(PDF)

    # the enterprise: the navigation entry, its year, the month
    sign_in(page, server.url, "demo-cement")
    page.get_by_role("link", name="碳市场月度存证").first.click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{server.url}/ets/enterprises/{cement}?year={month[:4]}")
    expect(page.locator(f"[data-testid=ets-months] tr[data-period='{month}']")).to_contain_text("应于")
    page.locator(f"[data-testid=ets-months] tr[data-period='{month}'] a").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text(f"{month} 月度存证")

    # evidence, then the filing without the confirmation (refused at its field), then filed
    page.select_option("#evidence-kind", "lab_report")
    page.set_input_files("#evidence-file", str(evidence))
    page.click("[data-testid=evidence-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=evidence]")).to_contain_text("熟料化验报告.pdf")
    page.click("[data-testid=file-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-field-error=confirm]")).to_contain_text("请确认")
    page.check("[data-testid=confirm]")
    page.click("[data-testid=file-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".flashes")).to_contain_text("已按时存证")
    expect(page.locator("[data-testid=month-status]")).to_contain_text("按时存证")
    expect(page.locator("[data-testid=versions]")).to_contain_text("第 1 版")
    expect(page.locator("[data-testid=amend-form]")).to_be_visible()
    screenshot(page, "ets-month-filed-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "ets-month-filed-390")
    page.set_viewport_size({"width": 1440, "height": 900})

    # the city bureau (邢台, where the cement plant is) sees it filed on time
    page.context.clear_cookies()
    sign_in(page, server.url, "demo-city")
    page.goto(f"{server.url}/ets/region?year={month[:4]}")
    cell = page.locator(f"tr[data-company='{cement}'] [data-period='{month}']")
    expect(cell).to_have_attribute("data-status", "filed_on_time")
    expect(page.locator(f"tr[data-company='{steel}']")).to_have_count(0)  # another city's plant

    # the province: the cement plant on time, the steel plant's months missing; allowances not yet allocated
    page.context.clear_cookies()
    sign_in(page, server.url, "demo-regulator")
    page.get_by_role("link", name="碳市场存证监管").first.click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{server.url}/ets/region?year={month[:4]}")
    expect(page.locator(f"tr[data-company='{cement}'] [data-period='{month}']")).to_have_attribute(
        "data-status", "filed_on_time")
    expect(page.locator(f"tr[data-company='{steel}'] [data-testid=allowances]")).to_have_text("尚未分配配额")
    page.goto(f"{server.url}/ets/region?year={missing[:4]}")
    steel_cell = page.locator(f"tr[data-company='{steel}'] [data-period='{missing}']")
    expect(steel_cell).to_have_attribute("data-status", "overdue")
    # a mark in the grid (twelve months fit a phone), its status in words as the cell's label
    expect(steel_cell).to_have_text("✕")
    expect(steel_cell).to_have_attribute("aria-label", f"{missing}: 逾期未存证")
    screenshot(page, "ets-region-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "ets-region-390")
    # the refused filing answers 422 on purpose (the browser logs it); nothing else went wrong
    assert not [e for e in errors if "status of 422" not in e], errors
