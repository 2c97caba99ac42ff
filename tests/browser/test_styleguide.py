"""The layout and components in a real browser: charts draw, tables sort and filter, CJK renders.

Screenshots of every test land in var/screenshots/ (see conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.browser.live_server import NAV_CLIPPED
from tests.browser.styleguide import ROWS, serve, styleguide_app, styleguide_templates


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(styleguide_app(styleguide_templates())) as url:
        yield url


def _open(page: Page, url: str) -> list[str]:
    """Load ``url``; returns the list that collects the page's script errors."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return errors


def _column(page: Page, index: int) -> list[str]:
    return page.eval_on_selector_all(
        "#enterprises tbody tr", f"rows => rows.map(r => r.cells[{index}].dataset.sort ?? r.cells[{index}].textContent.trim())"
    )


def _energy_sorted(descending: bool) -> list[str]:
    return [repr(v) for v in sorted((r[0] for r in ROWS), reverse=descending)]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_styleguide_charts_draw(page: Page, base_url: str, locale: str) -> None:
    errors = _open(page, f"{base_url}/styleguide/{locale}")
    page.wait_for_selector("#chart-intensity[data-echarts-ready] canvas")
    for chart in ("#chart-energy", "#chart-intensity"):
        box = page.locator(f"{chart} canvas").first.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] >= 300, chart
    # the canvas is not blank: some pixels differ from the first one
    painted = page.evaluate(
        """() => {
          const c = document.querySelector('#chart-energy canvas');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0; for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0] || d[i+1] !== d[1] || d[i+2] !== d[2]) n++;
          return n;
        }"""
    )
    assert painted > 5000
    assert page.locator("html").get_attribute("lang") == locale
    # every section of the navigation (an admin who is also a regulator: all twelve) is in view at 1440 px,
    # its name shown, none cut off by the bar's edge or hidden in a sideways scroll (issue #15 item 9)
    assert page.evaluate(NAV_CLIPPED) == [], locale
    assert errors == []


def test_styleguide_table_sorts_and_filters(page: Page, base_url: str) -> None:
    errors = _open(page, f"{base_url}/styleguide/zh-CN")
    header = page.locator("#enterprises th", has_text="综合能耗")
    before = _column(page, 3)
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert [repr(float(v)) for v in _column(page, 3)] == _energy_sorted(descending=False)
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert [repr(float(v)) for v in _column(page, 3)] == _energy_sorted(descending=True)
    assert sorted(before) == sorted(_column(page, 3))  # rows moved, none lost

    # a row with no value sorts last
    page.locator("#enterprises th", has_text="单位产品能耗").click()
    assert _column(page, 5)[-1] == ""

    page.fill("[data-table-filter]", "化学")
    visible = page.locator("#enterprises tbody tr:visible")
    assert visible.count() == 2
    assert page.locator("[data-table-count]").inner_text() == "显示 2 行，共 8 行"
    page.fill("[data-table-filter]", "不存在的企业")
    assert page.locator("#enterprises tbody tr:visible").count() == 0
    assert page.locator("[data-table-nomatch]").is_visible()
    page.fill("[data-table-filter]", "")
    assert page.locator("#enterprises tbody tr:visible").count() == len(ROWS)
    assert errors == []


def test_styleguide_chinese_glyphs(page: Page, base_url: str) -> None:
    _open(page, f"{base_url}/styleguide/zh-CN")
    # the CJK face of the font stack is really there, so no tofu boxes
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '绿色制造')")
    assert page.locator(".brand-cn").inner_text() == "绿色制造"
    assert page.locator(".mainnav a.active").inner_text() == "核算结果"
    # an admin who is also a regulator sees every section
    assert page.locator(".mainnav a").all_inner_texts() == ["工作台", "数据导入", "核算结果", "产能置换", "能效对标", "绿色评价",
                                                          "绿色制造名单", "碳市场存证监管", "共享的CBAM数据", "计量表",
                                                          "节能诊断", "碳达峰路径", "区域监管", "系统管理"]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_login_layout(page: Page, base_url: str, locale: str) -> None:
    errors = _open(page, f"{base_url}/login-preview/{locale}")
    card = page.locator(".auth-card").bounding_box()
    assert card is not None
    # centred: equal margins left and right within a pixel
    assert abs(card["x"] - (1440 - card["x"] - card["width"])) <= 1
    assert page.locator("input[name=csrf_token]").get_attribute("value") == "test-csrf-token"
    assert errors == []


def test_htmx_requests_carry_the_csrf_token(page: Page, base_url: str) -> None:
    errors = _open(page, f"{base_url}/styleguide/zh-CN")
    page.get_by_role("button", name="重新核算").click()
    page.wait_for_function("document.querySelector('#csrf-echo').textContent !== ''")
    assert page.locator("#csrf-echo").text_content() == "test-csrf-token"
    assert errors == []
