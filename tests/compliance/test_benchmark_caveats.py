"""Caveats travel with the number (issue #12 item 6): the benchmark page, its report (HTML/PDF)
and its workbook say what the API's ``warnings`` say, beside the row they are about.

Data: a cement works (E-CEMENT-F1) producing clinker and cement from 1 400 t bituminous coal and
50 万kWh, and a lime kiln (E-CEMENT-F2). Clinker's indicator excludes cement grinding
(GB 16780-2021 §3; 发改产业〔2021〕1609号 lists clinker per tonne of clinker) but the facility's
energy cannot be split, so its value is an upper bound (``benchmarking.boundary.upper_bound``);
lime has no indicator (``benchmarking.product.no_indicator``): no value, hence no savings, which
must read "—", not "0.0 tce" (before this change the page and the report printed 0.0 tce).
"""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from greenmfg.refdata.words import in_words, key_name
from tests.factories import Login, World, column_keys, commit, sheet_records, signed_in

from .plants import activity_csv as _csv


def shown(warning: dict[str, Any], locale: str) -> str:
    """A warning of the API as a page shows it: its message with the codes in it named in words
    (greenmfg.refdata.words, issue #15 item 2)."""
    zh = locale == "zh-CN"
    return in_words(warning["message_zh" if zh else "message"], zh=zh)

ROWS = [("E-CEMENT", "苏州示例水泥有限公司", "水泥", "320000", f, "2024-01", item, q, u, flow)
        for f, item, q, u, flow in [
            ("E-CEMENT-F1", "烟煤", 1400, "吨", "consumed"), ("E-CEMENT-F1", "电力", 50, "万千瓦时", "purchased"),
            ("E-CEMENT-F1", "熟料", 10000, "吨", "produced"), ("E-CEMENT-F1", "水泥", 12500, "吨", "produced"),
            ("E-CEMENT-F2", "原煤", 100, "吨", "consumed"), ("E-CEMENT-F2", "石灰", 500, "吨", "produced")]]


@pytest.fixture
def cement(client: TestClient, login: Login, world: World) -> World:
    commit(client, login("cement"), world.org("cement"), _csv(ROWS))
    return world


def _api_warnings(client: TestClient, login: Login, world: World) -> dict[str, dict[str, Any]]:
    body = client.get(f"/api/v1/enterprises/{world.org('cement')}/benchmark", headers=login("cement")).json()
    return {i["product"]: i["benchmark"] for i in body["items"]}


def _row(html: str, product: str) -> str:
    found = re.search(rf'<tr data-facility="[^"]*" data-product="{product}">(.*?)</tr>', html, re.S)
    assert found is not None, f"no row for {product}"
    return unescape(found.group(1))


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_page_shows_the_upper_bound_the_reason_and_no_zero_savings(client: TestClient, login: Login, cement: World,
                                                                  locale: str) -> None:
    api = _api_warnings(client, login, cement)
    upper = next(w for w in api["clinker"]["warnings"] if w["code"] == "benchmarking.boundary.upper_bound")
    no_indicator = next(w for w in api["lime"]["warnings"] if w["code"] == "benchmarking.product.no_indicator")
    assert api["lime"]["value"] is None and api["lime"]["savings_to_baseline_tce"] is None
    page = signed_in(client, "cement", locale=locale).get(f"/benchmark?enterprise={cement.org('cement')}")
    assert page.status_code == 200
    clinker = _row(page.text, "clinker")
    assert 'data-testid="class-caveat"' in clinker and shown(upper, locale) in clinker
    assert "benchmarking.boundary" not in page.text  # words, not codes
    lime = _row(page.text, "lime")
    assert shown(no_indicator, locale) in lime
    assert ("<td>石灰</td>" if locale == "zh-CN" else "<td>Lime</td>") in lime  # the product's name, not its key
    assert "tce" not in lime  # no "0.0 tce" for a product without a value
    savings = re.findall(r'data-testid="savings-to-(?:benchmark|baseline)">(.*?)</td>', lime, re.S)
    assert savings == ["—", "—"]
    # cement: a value (GB 16780 grades) but no benchmark/baseline level: no savings either
    assert re.findall(r'data-testid="savings-to-(?:benchmark|baseline)">(.*?)</td>', _row(page.text, "cement"),
                      re.S) == ["—", "—"]
    # the unverified levels are listed in words, each with its value and status
    unverified = [w for w in api["clinker"]["warnings"] if w["code"] == "benchmarking.level.unverified"]
    assert unverified and all(shown(w, locale) in unescape(page.text) for w in unverified)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_report_carries_the_same_caveats(client: TestClient, login: Login, cement: World, locale: str) -> None:
    api = _api_warnings(client, login, cement)
    browser = signed_in(client, "cement", locale=locale)
    report = browser.get(f"/benchmark/report?enterprise={cement.org('cement')}")
    assert report.status_code == 200
    html = unescape(report.text)
    for product, code in (("clinker", "benchmarking.boundary.upper_bound"),
                          ("lime", "benchmarking.product.no_indicator"), ("cement", "benchmarking.level.none")):
        warning = next(w for w in api[product]["warnings"] if w["code"] == code)
        assert shown(warning, locale) in html, (product, code)
    for warning in api["clinker"]["warnings"]:
        if warning["code"] == "benchmarking.level.unverified":
            assert shown(warning, locale) in html
    # lime (no value) and cement (no level): "—", not "0.0 tce"; clinker is at the benchmark level
    # (its value ≤ the 2021 benchmark 100 kgce/t), so its savings are a computed 0.0
    for product in ("lime", "cement"):
        assert "tce" not in _row(report.text, product)
    assert "0.0 tce" in _row(report.text, "clinker")
    pdf = browser.get(f"/benchmark/report?enterprise={cement.org('cement')}&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_workbook_rows_carry_their_caveats(client: TestClient, login: Login, cement: World) -> None:
    api = _api_warnings(client, login, cement)
    answer = signed_in(client, "cement").get(f"/benchmark/export.xlsx?enterprise={cement.org('cement')}")
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)["benchmark 对标"]
    # the products named in the workbook's language, and the codes inside the messages in words
    header, body = column_keys(sheet), {r["product"]: list(r.values()) for r in sheet_records(sheet)}
    clinker, lime = body[key_name("clinker", zh=True)], body[key_name("lime", zh=True)]
    notes_zh, notes, unverified_zh = (header.index(c) for c in ("notes_zh", "notes", "unverified_zh"))
    upper = next(w for w in api["clinker"]["warnings"] if w["code"] == "benchmarking.boundary.upper_bound")
    assert in_words(upper["message_zh"], zh=True) in clinker[notes_zh]
    assert in_words(upper["message"], zh=False) in clinker[notes]
    assert "未经原文核实" in clinker[unverified_zh]
    no_indicator = next(w for w in api["lime"]["warnings"] if w["code"] == "benchmarking.product.no_indicator")
    assert in_words(no_indicator["message_zh"], zh=True) in lime[notes_zh]
    # no value: the savings cells are empty, not 0
    assert lime[header.index("savings_to_baseline_tce")] is None


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_an_inferred_attribute_is_shown_beside_its_number(client: TestClient, login: Login, cement: World,
                                                         locale: str) -> None:
    """Cement's quota limits are corrected by the clinker ratio (GB 16780-2021 表1 注, 熟料配比;
    quota_corrections/gb16780-2021.csv);
    with no attribute given it is inferred as clinker ÷ cement of the facility = 10 000 / 12 500
    = 80 % (``benchmarking.attribute.inferred``). That inference decides the grade, so the page,
    the report and the workbook show it in words beside the cement row, as the API does (before
    this change it was in the API only)."""
    api = _api_warnings(client, login, cement)
    inferred = next(w for w in api["cement"]["warnings"] if w["code"] == "benchmarking.attribute.inferred")
    assert "80 %" in inferred["message"] and "80%" in inferred["message_zh"]
    browser = signed_in(client, "cement", locale=locale)
    page = browser.get(f"/benchmark?enterprise={cement.org('cement')}")
    row = _row(page.text, "cement")
    assert 'data-testid="class-caveat"' in row and shown(inferred, locale) in row
    assert "benchmarking.attribute" not in page.text
    report = browser.get(f"/benchmark/report?enterprise={cement.org('cement')}")
    assert shown(inferred, locale) in _row(report.text, "cement")
    if locale == "zh-CN":
        answer = browser.get(f"/benchmark/export.xlsx?enterprise={cement.org('cement')}")
        body = {r["product"]: r for r in sheet_records(
            openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)["benchmark 对标"])}
        assert in_words(inferred["message_zh"], zh=True) in body[key_name("cement", zh=True)]["notes_zh"]
        assert in_words(inferred["message"], zh=False) in body[key_name("cement", zh=True)]["notes"]
