"""The real greenmfg app for browser tests: a fresh SQLite file, migrated, seeded with the demo
region, served by uvicorn in a thread (``tests.browser.styleguide.serve``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page

from greenmfg.audit.service import configure as configure_audit
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.demo.platform import seed_demo
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from tests.browser.styleguide import serve

__all__ = ["DEMO_PASSWORD", "NAV_CLIPPED", "live_server", "page_errors", "sign_in"]

DEMO_PASSWORD = "greenmfg-demo"


@contextmanager
def live_server(folder: Path, *, enterprises: int = 12, months: int = 15,
                password: str = DEMO_PASSWORD) -> Iterator[str]:
    """Serve a seeded platform from ``folder``; yields its base URL (``http://127.0.0.1:<port>``).

    Fifteen months (January of one year to March of the next) give the regional view a
    previous year to compare with, as a real region has.
    """
    url = f"sqlite:///{folder / 'greenmfg.db'}"
    database = Database(url)
    try:
        upgrade(database)
        # the seeding signs its audit events with this database's keyring and checkpoint file (not one an earlier
        # server of the process configured), as the app will verify them
        configure_audit(Settings(database_url=url, demo_password=password), database=database)
        seed_demo(database, password=password, enterprises=enterprises, months=months)
        app = create_app(Settings(database_url=url, demo_password=password), database=database)
        with serve(app) as base_url:
            yield base_url
    finally:
        database.dispose()


def sign_in(page: Page, base_url: str, username: str, *, locale: str = "zh-CN",
            password: str = DEMO_PASSWORD) -> None:
    """Choose the language (cookie, as the language switch sets it), sign in through the form, then
    choose it again with the switch: a user's language is kept with the user, and the tests sharing
    the demo server switch it, so none may rely on what an earlier test left."""
    page.context.add_cookies([{"name": "greenmfg_lang", "value": locale, "url": base_url}])
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{base_url}/lang/{locale}?next=/")
    page.wait_for_load_state("networkidle")


def page_errors(page: Page) -> list[str]:
    """The page's uncaught errors and console errors from now on (a list that fills as they come)."""
    errors: list[str] = []
    # an uncaught error names the page and where in the script it was thrown
    page.on("pageerror", lambda error: errors.append(f"{error} (on {page.url}: {error.stack})"))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


#: the navigation's sections whose name is not wholly in view (script for ``page.evaluate``): outside the
#: navigation's or the window's box, or the navigation scrolls sideways
NAV_CLIPPED = """() => {
  const nav = document.querySelector('nav.mainnav'), box = nav.getBoundingClientRect();
  const scrolls = nav.scrollWidth > nav.clientWidth + 1;
  return [...nav.querySelectorAll('a')].filter(a => {
    const r = a.getBoundingClientRect(), name = a.querySelector('span').getBoundingClientRect();
    return scrolls || r.width === 0 || name.width === 0 || r.left < box.left - 1 || r.right > box.right + 1
           || r.right > window.innerWidth || r.bottom > box.bottom + 1;
  }).map(a => a.textContent.trim());
}"""
