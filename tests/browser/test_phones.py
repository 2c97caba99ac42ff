"""Phones and print: every navigation page at 390 px for an enterprise user (zh-CN) and a regulator (en),
and one detail page of each kind their pages link (an enterprise's results, a derivation, a
green-factory evaluation, a list application, a capacity project, a meter).

On each page the document is no wider than the window (wide tables scroll inside their own
wrapper), the charts are drawn within it with the shared layout that keeps axis names and
legends inside the canvas; the sections collapse behind a menu button that opens and
navigates. Printed, a page shows no navigation or buttons and its tables are not cut off by a
scrolling wrapper. Screenshots of each page land in var/screenshots/phone-<user>-<page>.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import LiveServer, screenshot
from tests.browser.live_server import NAV_CLIPPED, page_errors, sign_in

PHONE = {"width": 390, "height": 844}
CHARTS_SETTLED = ("() => [...document.querySelectorAll('[data-echarts]')]"
                  ".every(e => e.hasAttribute('data-echarts-ready') || e.hasAttribute('data-echarts-error'))")
#: the elements sticking out of the window (not inside a scrolling wrapper), for the failure message
WIDE = """() => {
  const w = window.innerWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right <= w + 1 || r.width === 0) continue;
    let p = el.parentElement, inside = false;
    for (; p; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) { inside = true; break; }
    }
    if (!inside) out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().replace(/\\s+/g, '.') : ''));
  }
  return out.slice(0, 8);
}"""
#: per chart: drawn width, and whether the shared code keeps labels and names inside the grid
CHART_LAYOUT = """() => [...document.querySelectorAll('[data-echarts-ready]')].map(el => {
  const option = window.echarts.getInstanceByDom(el).getOption();
  return {id: el.id, right: el.getBoundingClientRect().right, axes: (option.xAxis || []).length,
          grids: (option.grid || []).map(g => [g.outerBoundsMode, g.outerBoundsContain]),
          legends: (option.legend || []).map(l => l.type)};
})"""


#: the detail pages checked, one of each kind: the first link of the kind on the navigation pages
DETAILS = {
    "enterprise": re.compile(r"^/enterprises/\d+(?:/results)?$"),
    "derivation": re.compile(r"^/results/\d+$"),
    "evaluation": re.compile(r"^/green-factory/\d+$"),
    "application": re.compile(r"^/green-list/applications/\d+$"),
    "project": re.compile(r"^/capacity/plans/\d+$"),
    "meter": re.compile(r"^/meters/\d+$"),
}
LINKS = "els => els.map(a => a.getAttribute('href'))"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    yield context.new_page()
    context.close()


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function(CHARTS_SETTLED, timeout=10_000)


def _fits(page: Page, toggle: Locator, nav: Locator, username: str, href: str, *, name: str = "") -> None:
    """The page is no wider than the phone, its menu collapsed, its charts inside with the shared layout;
    a screenshot in var/screenshots/phone-<user>-<page>.png."""
    expect(nav).to_be_hidden()   # collapsed behind the menu button, in the bar's one row
    button = toggle.bounding_box()
    assert button is not None and button["y"] < 56 and button["x"] + button["width"] <= PHONE["width"], button
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner + 1, f"{username} {href}: page {width} px wide in a {inner} px window: {page.evaluate(WIDE)}"
    for chart in page.evaluate(CHART_LAYOUT):
        assert chart["right"] <= inner + 1, f"{username} {href}: chart {chart['id']} wider than the window"
        assert bool(chart["grids"]) == bool(chart["axes"]), (href, chart)
        assert all(grid == ["same", "all"] for grid in chart["grids"]), (href, chart)
        assert all(legend == "scroll" for legend in chart["legends"]), (href, chart)
    screenshot(page, f"phone-{username}-{name or re.sub(r'[^a-z0-9]+', '-', href).strip('-') or 'home'}")


@pytest.mark.parametrize(("username", "locale"), [("demo-steel", "zh-CN"), ("demo-regulator", "en")])
def test_every_navigation_page_fits_a_phone(phone: Page, live_server: LiveServer, username: str, locale: str) -> None:
    page = phone
    sign_in(page, live_server.url, username, locale=locale)
    diagnosis = "节能诊断" if locale == "zh-CN" else "Energy diagnosis"
    errors = page_errors(page)
    nav = page.locator("nav.mainnav")
    toggle = page.locator("[data-nav-toggle]")
    hrefs = nav.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert {"/", "/results", "/benchmark", "/diagnosis"} <= set(hrefs)
    assert ("/region" in hrefs) == (username == "demo-regulator")
    details: dict[str, str] = {}
    for href in hrefs:
        page.goto(f"{live_server.url}{href}")
        _settle(page)
        for link in page.eval_on_selector_all("main a[href]", LINKS):
            kind = next((k for k, pattern in DETAILS.items() if pattern.match(link.split("#")[0])), None)
            if kind is not None:
                details.setdefault(kind, link.split("#")[0])
        _fits(page, toggle, nav, username, href)
    # one detail page of each kind, the same checks (a detail's tables scroll inside their box)
    expected = {"steel": {"enterprise", "derivation", "meter", "application"}, "regulator": {"enterprise"}}
    assert expected[username.removeprefix("demo-")] <= set(details), details
    for kind, href in sorted(details.items()):
        page.goto(f"{live_server.url}{href}")
        _settle(page)
        _fits(page, toggle, nav, username, href, name=f"detail-{kind}")

    # the menu opens, shows every section by name and navigates; the next page opens with it closed
    page.goto(f"{live_server.url}/")
    _settle(page)
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    link = nav.locator("a[href='/diagnosis']")
    expect(link).to_be_visible()
    expect(link).to_have_text(diagnosis)
    box = nav.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
    link.click()
    page.wait_for_url(f"{live_server.url}/diagnosis")
    expect(page.locator("h1.page-title")).to_have_text(diagnosis)
    expect(nav).to_be_hidden()
    toggle.click()
    expect(nav).to_be_visible()
    page.keyboard.press("Escape")   # Escape closes it again
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # on a wide screen the sections are in the bar and the button is gone
    page.set_viewport_size({"width": 1440, "height": 900})
    expect(nav).to_be_visible()
    expect(toggle).to_be_hidden()
    assert page.evaluate(NAV_CLIPPED) == [], (username, locale)  # every section in view, none cut off
    assert errors == []


def test_pages_print_without_navigation_and_with_whole_tables(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server.url, "demo-regulator")
    page.goto(f"{live_server.url}/benchmark")
    _settle(page)
    assert page.locator(".table-scroll table").count() > 0
    page.emulate_media(media="print")
    for hidden in ("header.topbar", ".page-actions", "footer.footer", "[data-testid=benchmark-filters] button"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("h1.page-title")).to_be_visible()
    expect(page.locator("#chart-plants canvas").first).to_be_visible()
    overflow = page.eval_on_selector_all(".table-scroll", "els => els.map(e => getComputedStyle(e).overflowX)")
    assert overflow and set(overflow) == {"visible"}
    repeated = page.eval_on_selector_all(".table thead", "els => els.map(e => getComputedStyle(e).display)")
    assert set(repeated) == {"table-header-group"}
    assert page.pdf(format="A4")[:5] == b"%PDF-"
