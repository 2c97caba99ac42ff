"""The demo meter dashboard in a real browser keeps itself live without losing what is being typed.

(The dashboard's baseline, validity, savings, chart and a refused fit window are steps of the energy
manager's journey, ``test_journeys.py``.)"""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from greenmfg.orgs.models import Facility, Meter

from .conftest import LiveServer
from .live_server import sign_in


def _power_meter(server: LiveServer, username: str) -> int:
    account = next(a for a in server.accounts if a.username == username)
    with server.database.session() as session:
        return session.execute(select(Meter.id).join(Facility, Facility.id == Meter.facility_id)
                               .where(Facility.enterprise_id == account.organisation_id,
                                      Meter.code == "EM-01")).scalar_one()


def test_meter_page_is_live_but_never_throws_away_what_is_being_typed(page: Page, live_server: LiveServer) -> None:
    """The page reloads itself every 30 s (new readings show up without a click), also for a
    manager who has the forms; once the manager starts filling in a form it stays put."""
    sign_in(page, live_server.url, "demo-steel")
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
