"""Browser fixtures: Debian's Chromium driven by Playwright's sync API (no downloaded browser).

``browser`` (session) launches /usr/bin/chromium headless; when it is not installed the browser
tests are skipped with the reason shown, unless GREENMFG_REQUIRE_SERVICES=1 (CI), where a
missing browser fails them. ``page`` opens a 1440×900 page and, on teardown, saves a full-page
screenshot to var/screenshots/<test name>.png for a person to look at; :func:`screenshot` saves
one of a step on the way. ``live_server`` (session) runs the real application with uvicorn on
a fresh SQLite file seeded with a small demo region; ``region_url`` (session) serves the 15-month
demo region that the regional and admin journeys read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from greenmfg.audit.service import configure as configure_audit
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.demo.platform import DemoAccount, seed_demo
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from tests.browser.live_server import live_server as serve_region
from tests.browser.styleguide import serve

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
VENDOR = Path(__file__).resolve().parents[2] / "src" / "greenmfg" / "web" / "static" / "vendor"

# Flags as the machine's notes give them: the sandbox needs privileges a root test run lacks, and
# background networking would try hosts this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("GREENMFG_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (GREENMFG_REQUIRE_SERVICES=1, so this is an error)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed: run `make system-deps` to get the browser tests")
    if not (VENDOR / "echarts.min.js").exists():
        _unavailable(f"{VENDOR} has no echarts.min.js: run `make assets`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    # a click may have scrolled: from the top, the sticky top bar sits where it belongs
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot of the page as it is now to var/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


DEMO_PASSWORD = "greenmfg-demo"


@dataclass(frozen=True)
class LiveServer:
    """The running application: its base URL, database and demo accounts."""

    url: str
    database: Database
    accounts: list[DemoAccount]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app (pages and API) with uvicorn in a thread, on a demo region of 12 enterprises × 3 months."""
    path = tmp_path_factory.mktemp("live") / "greenmfg.db"
    url = f"sqlite:///{path}"
    database = Database(url)
    upgrade(database)
    # the seeding signs its audit events with this database's keyring and checkpoint file (not one an earlier
    # server of the process configured), as the app will verify them
    configure_audit(Settings(database_url=url, demo_password=DEMO_PASSWORD), database=database)
    accounts = seed_demo(database, password=DEMO_PASSWORD, enterprises=12, months=3)
    app = create_app(Settings(database_url=url, demo_password=DEMO_PASSWORD), database=database)
    try:
        with serve(app) as base_url:
            yield LiveServer(base_url, database, accounts)
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def region_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo region of 12 enterprises × 15 months served once per worker (seeding it is the
    costly part): the provincial regulator's journey (a year earlier to compare with) and the admin
    pages share it, each changing only what the other does not look at (the regulator recommends
    the one pre-reviewed application and approves the one filed plan; the admin adds an API token)."""
    with serve_region(tmp_path_factory.mktemp("region")) as url:
        yield url
