"""The carbon-peak pathway pages in a real browser (issue #18 part 5): the steel company's page with the
example scenario and the province's industries, in zh-CN and English, at 1440 and 390 px. Every chart is
drawn (the cost curve through its custom renderer), no script error, nothing wider than a phone's screen
(tables scroll inside their box). A server of its own: the demo region over 14 months (two years, so the
decomposition has a base and a target year). Screenshots: var/screenshots/pathways-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from greenmfg.audit.service import configure as configure_audit
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.demo.platform import seed_demo
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from tests.browser.conftest import screenshot
from tests.browser.live_server import DEMO_PASSWORD, page_errors, sign_in
from tests.browser.styleguide import serve


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("pathways") / "greenmfg.db"
    url = f"sqlite:///{path}"
    database = Database(url)
    try:
        upgrade(database)
        # the seeding signs its audit events with this database's keyring and checkpoint file (not one an earlier
        # server of the process configured), as the app will verify them
        configure_audit(Settings(database_url=url, demo_password=DEMO_PASSWORD), database=database)
        seed_demo(database, password=DEMO_PASSWORD, enterprises=8, months=14, meter_days=0)
        app = create_app(Settings(database_url=url, demo_password=DEMO_PASSWORD), database=database)
        with serve(app) as base_url:
            yield base_url
    finally:
        database.dispose()


def _charts_drawn(page: Page, count: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('[data-echarts-ready]').length >= {count}", timeout=20_000)
    assert page.locator("[data-echarts-error]").count() == 0


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("width", [1440, 390])
def test_the_enterprise_page(page: Page, server: str, locale: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    errors = page_errors(page)
    sign_in(page, server, "demo-steel", locale=locale)
    page.goto(f"{server}/pathways")
    page.goto(page.url + "?scenario=example")
    assert page.locator("h1").inner_text() == ("碳达峰路径" if locale == "zh-CN" else "Carbon-peak pathways")
    _charts_drawn(page, 4)   # waterfall, cost curve, bands, peak probability
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert not errors, errors
    screenshot(page, f"pathways-enterprise-{locale}-{width}")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("width", [1440, 390])
def test_the_region_page(page: Page, server: str, locale: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    errors = page_errors(page)
    sign_in(page, server, "demo-regulator", locale=locale)
    page.goto(f"{server}/pathways/region")
    _charts_drawn(page, 2)   # the industries side by side, the whole area's waterfall
    assert page.locator("[data-testid=side-by-side] thead th").count() >= 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert not errors, errors
    screenshot(page, f"pathways-region-{locale}-{width}")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("width", [1440, 390])
def test_the_scenario_from_my_data(page: Page, server: str, locale: str, width: int) -> None:
    """The steel company's scenario written from its stored data: the bands, the table of where every value came
    from (scrolling inside its box on a phone), the downloads."""
    page.set_viewport_size({"width": width, "height": 900})
    errors = page_errors(page)
    sign_in(page, server, "demo-steel", locale=locale)
    page.goto(f"{server}/pathways")
    page.locator("[data-testid=stored-run]").click()
    page.wait_for_load_state("load")
    assert "scenario=data" in page.url
    _charts_drawn(page, 3)   # waterfall, cost curve, bands
    assert page.locator("[data-testid=derivation] tbody tr").count() >= 6
    assert page.locator("[data-testid=stored-yaml]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert not errors, errors
    page.locator("[data-testid=derivation]").scroll_into_view_if_needed()
    screenshot(page, f"pathways-stored-enterprise-{locale}-{width}")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("width", [1440, 390])
def test_the_regions_scenario_from_its_data(page: Page, server: str, locale: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    errors = page_errors(page)
    sign_in(page, server, "demo-regulator", locale=locale)
    page.goto(f"{server}/pathways/region")
    page.locator("[data-testid=stored-run]").click()
    page.wait_for_load_state("load")
    _charts_drawn(page, 3)   # the industries' effects, the bands, the whole area's waterfall
    rows = page.locator("[data-testid=industry-pathways] tbody tr")
    assert rows.count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert not errors, errors
    page.locator("[data-testid=industry-pathways]").scroll_into_view_if_needed()
    screenshot(page, f"pathways-stored-region-{locale}-{width}")
