"""The enterprise-year energy and GHG report (issue #15 item 4): PDF and xlsx through the API.

One seeding per test (per backend), the cases as subtests. The expected figures are summed here
from the stored result rows with the rule stated in the models (an annual result supersedes the
months of its facility-year), not taken from the code under test.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from greenmfg.accounting.models import FacilityResult
from greenmfg.db.session import Database
from greenmfg.reports import cjk_font_available, stamp
from tests.factories import ACTIVITY_HEADER, Login, Pages, World, commit, page_text, steel_csv

FIGURES = ("energy_tce", "combustion_tco2e", "process_tco2e", "scope1_tco2e", "purchased_electricity_tco2e",
           "purchased_heat_tco2e", "scope2_tco2e", "exported_tco2e", "total_tco2e")
STAMP = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) \+08:00")
F2 = "E-STEEL,唐山示例钢铁有限公司,钢铁,130000,E-STEEL-F2"


def _seed(client: TestClient, login: Login, world: World) -> None:
    """Three months of the blast-furnace facility, one more in 2023; a second facility that
    reported January 2024 and then the whole year 2024 (the annual result supersedes its month)."""
    commit(client, login("steel"), world.org("steel"),
           steel_csv(periods=("2023-12", "2024-01", "2024-02", "2024-03"),
                     extra=[f"{F2},2024-01,天然气,10,万立方米,consumed".split(",")]))
    annual = [",".join(ACTIVITY_HEADER), f"{F2},2024,天然气,50,万立方米,consumed", f"{F2},2024,电力,300,万千瓦时,purchased",
              f"{F2},2024,粗钢,20000,吨,produced"]
    commit(client, login("steel"), world.org("steel"), ("\n".join(annual) + "\n").encode())


def _expected(database: Database, enterprise_id: int, year: int) -> tuple[dict[str, float], list[FacilityResult]]:
    """The year's sums from the stored current results: annual results, and months of facilities
    without an annual result of the year."""
    with database.session() as session:
        rows = session.execute(select(FacilityResult).where(
            FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True),
            FacilityResult.period.startswith(str(year)))).scalars().all()
        for row in rows:
            row.line_count = len(row.lines)  # type: ignore[attr-defined]  # read while the session is open
        session.expunge_all()
    annual = {r.facility_id for r in rows if len(r.period) == 4}
    counted = [r for r in rows if len(r.period) == 4 or r.facility_id not in annual]
    assert len(counted) < len(rows)  # the superseded month exists and is left out
    return {f: sum(getattr(r, f) for r in counted) for f in FIGURES}, counted


def _sheet(book: Any, index: int) -> list[tuple[Any, ...]]:
    return list(book.worksheets[index].iter_rows(values_only=True))


def _pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()


def _china_now_close(text: str) -> bool:
    found = STAMP.search(text)
    assert found is not None, "no +08:00 stamp"
    stamped = dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return abs((dt.datetime.now(dt.UTC) - stamped).total_seconds()) < 300


def _access_and_bad_requests(client: TestClient, login: Login, world: World, pages: Pages,
                             subtests: pytest.Subtests) -> None:
    url = f"/api/v1/enterprises/{world.org('steel')}/report"
    for username in ("steel", "steelviewer", "hebei", "tangshan", "admin"):
        with subtests.test("may read", user=username):
            answer = client.get(url + "?year=2024&format=xlsx", headers=login(username))
            assert answer.status_code == 200, answer.text
    for username in ("cement", "glass", "evaluator"):
        with subtests.test("404 like any other enterprise's data", user=username):
            answer = client.get(url + "?year=2024&format=xlsx", headers=login(username))
            assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
            assert "E-STEEL" not in answer.text
    with subtests.test("signed out"):
        assert client.get(url + "?year=2024&format=xlsx").status_code == 401
    with subtests.test("a year without results"):
        answer = client.get(url + "?year=2022&format=pdf", headers=login("steel"))
        assert answer.status_code == 404
        error = answer.json()["error"]
        assert error["code"] == "report.no_results" and "2024" in error["message"] and "2022" in error["message_zh"]
    with subtests.test("an enterprise without any results"):
        answer = client.get(f"/api/v1/enterprises/{world.org('glass')}/report", headers=login("glass"))
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "report.no_results"
        assert "尚无核算结果" in answer.json()["error"]["message_zh"]
    for query in ("year=abc", "year=1800", "year=2024&format=docx", "year=2024&lang=fr"):
        with subtests.test("bad parameter", query=query):
            answer = client.get(f"{url}?{query}", headers=login("steel"))
            assert answer.status_code == 422, answer.text
            assert "error" in answer.json()
    with subtests.test("latest year and Accept-Language"):
        answer = client.get(url + "?format=xlsx", headers={**login("steel"), "Accept-Language": "en-GB,en;q=0.9"})
        assert answer.status_code == 200 and answer.headers["content-language"] == "en"
        assert "2024-en.xlsx" in answer.headers["content-disposition"]
        assert load_workbook(io.BytesIO(answer.content)).sheetnames[0] == "Summary"
    with subtests.test("the results page links the report of its year"):
        page = pages("steel").get(f"/enterprises/{world.org('steel')}/results?period=2024")
        assert f'href="{url}?year=2024&amp;lang=zh-CN&amp;format=pdf"' in page.text
        assert f'href="{url}?year=2024&amp;lang=zh-CN&amp;format=xlsx"' in page.text
        assert "2024 年度报告（PDF）" in page_text(page)
        browser = pages("steel")
        browser.language("en")
        page = browser.get(f"/enterprises/{world.org('steel')}/results?period=2024-02")
        assert f'href="{url}?year=2024&amp;lang=en&amp;format=pdf"' in page.text
        assert "Annual report 2024 (PDF)" in page_text(page)


def test_report(client: TestClient, login: Login, world: World, database: Database, pages: Pages,
                subtests: pytest.Subtests) -> None:
    """One seeding per backend: totals equal the stored results, sums, both formats and languages,
    access, bad requests, the results page's buttons, China time."""
    _seed(client, login, world)
    steel = world.org("steel")
    expected, counted = _expected(database, steel, 2024)
    url = f"/api/v1/enterprises/{steel}/report?year=2024"

    xlsx = client.get(url + "&format=xlsx&lang=en", headers=login("steel"))
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="energy-ghg-report-E-STEEL-2024-en.xlsx"' in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    summary = _sheet(book, 0)
    with subtests.test("totals"):
        figures = summary[-len(FIGURES):]
        assert [row[0] for row in figures][0] == "Comprehensive energy consumption"
        for field, row in zip(FIGURES, figures, strict=True):
            assert row[1] == pytest.approx(expected[field], rel=1e-9), field
        assert figures[0][2] == "tonnes of standard coal equivalent" and figures[-1][2] == "tonnes of CO2 equivalent"
        assert expected["total_tco2e"] == pytest.approx(
            expected["scope1_tco2e"] + expected["scope2_tco2e"] + expected["exported_tco2e"])
    with subtests.test("by month sums to the year"):
        months = _sheet(book, 1)
        header, body, total = months[0], months[1:-1], months[-1]
        assert [row[0] for row in body] == ["2024 Jan", "2024 Feb", "2024 Mar", "Reported for the whole year"]
        assert total[0] == "Year total"
        for index, field in enumerate(FIGURES, start=2):
            assert sum(row[index] for row in body) == pytest.approx(expected[field]), header[index]
            assert total[index] == pytest.approx(expected[field])
        by_period: dict[str, float] = defaultdict(float)
        for result in counted:
            by_period[result.period] += result.energy_tce
        assert [row[2] for row in body] == pytest.approx([by_period[p] for p in ("2024-01", "2024-02", "2024-03", "2024")])
    with subtests.test("by source and the derivation lines sum to the totals"):
        sources = _sheet(book, 2)[1:]
        assert {row[0] for row in sources} == {"Coke", "Electricity", "Natural gas", "Crude steel"}
        assert sum(row[5] for row in sources) == pytest.approx(expected["energy_tce"])
        assert sum(row[7] for row in sources) == pytest.approx(expected["total_tco2e"])
        coke = next(row for row in sources if row[0] == "Coke")
        assert coke[3] == pytest.approx(3000.0) and coke[4] == "tonnes"  # three months of 1 000 t
        lines = _sheet(book, 9)[1:]
        assert len(lines) == sum(r.line_count for r in counted)  # type: ignore[attr-defined]
        assert sum(row[12] for row in lines) == pytest.approx(expected["energy_tce"])
        assert sum(row[13] for row in lines) == pytest.approx(expected["total_tco2e"])
    with subtests.test("by scope"):
        scopes = {row[0]: row[1] for row in _sheet(book, 3)[1:]}
        assert scopes["Scope 1 (direct)"] == pytest.approx(expected["scope1_tco2e"])
        assert scopes["Scope 2 (purchased energy)"] == pytest.approx(expected["scope2_tco2e"])
        assert scopes["Net emissions"] == pytest.approx(expected["total_tco2e"])
    with subtests.test("product intensity"):
        made = [(r, p) for r in counted for p in r.products if p["product"] == "crude_steel"]
        output = sum(p["quantity"] for _, p in made)
        assert output == pytest.approx(3 * 5000 + 20000)
        product = _sheet(book, 5)[1]
        assert product[0] == "Crude steel" and product[1] == pytest.approx(output) and product[2] == "tonnes"
        assert product[3] == pytest.approx(1000 * sum(r.energy_tce for r, _ in made) / output)
        assert product[4] == "kilograms of standard coal equivalent per tonne"
        assert product[5] == pytest.approx(sum(r.total_tco2e for r, _ in made) / output)
    with subtests.test("methodology, datasets and unverified values"):
        methodology = [row[1] for row in _sheet(book, 6)[1:]]
        assert any(str(m).startswith("GB/T 2589-2020") for m in methodology)
        assert any("GB/T 32150-2015" in str(m) for m in methodology)
        assert any("iron and steel" in str(m) for m in methodology)  # the sector guideline
        unverified = _sheet(book, 7)[1:]
        assert any(row[0] == "grid_factors/mee-nbs-2023:CN.ef" and row[4] == "Secondary source" for row in unverified)
        assert all(row[6] <= expected["energy_tce"] + 1e-6 for row in unverified)
    with subtests.test("stamped in China time"):
        generated = next(row[1] for row in summary if row[0] == "Generated")
        assert _china_now_close(generated)

    zh_book = load_workbook(io.BytesIO(client.get(url + "&format=xlsx&lang=zh-CN", headers=login("steel")).content))
    with subtests.test("xlsx in Chinese"):
        assert zh_book.sheetnames[:3] == ["汇总", "分月情况", "分品种"]
        figures = _sheet(zh_book, 0)[-len(FIGURES):]
        assert figures[0][0] == "综合能耗" and figures[0][2] == "吨标准煤" and figures[-1][0] == "净排放量"
        assert {row[0] for row in _sheet(zh_book, 2)[1:]} == {"焦炭", "电力", "天然气", "粗钢"}

    _access_and_bad_requests(client, login, world, pages, subtests)

    if shutil.which("pdftotext") is None or not cjk_font_available():
        pytest.skip("pdftotext or the Noto CJK fonts (make system-deps) are missing: PDF text not checked")
    # the PDF is the same on both backends: Chinese on SQLite, English on PostgreSQL (WeasyPrint takes seconds)
    chinese = database.url.startswith("sqlite")
    for lang, words in ((("zh-CN", ("能源消费与温室气体排放报告", "综合能耗", "吨标准煤", "附录：总量的计算过程", "2024年1月")),)
                        if chinese else
                        (("en", ("Energy consumption and GHG emissions report", "Comprehensive energy consumption",
                                 "tonnes of standard coal equivalent", "Appendix: derivation of the totals")),)):
        with subtests.test("pdf", lang=lang):
            pdf = client.get(url + f"&format=pdf&lang={lang}", headers=login("hebei"))  # a regulator covering it
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
            assert pdf.headers["content-type"] == "application/pdf"
            text = _pdf_text(pdf.content)
            for word in words:
                assert word in text, word
            energy = f"{expected['energy_tce']:,.2f}"  # both locales group thousands with a comma
            assert energy in text and f"{expected['total_tco2e']:,.2f}" in text
            assert _china_now_close(text)
            pages = text.count("\f")
            compact = text.replace(" ", "")
            assert pages > 1 and f"1/{pages}" in compact and f"{pages}/{pages}" in compact  # numbered pages
            assert "energy_tce" not in text and "purchased_electricity" not in text  # words, not codes


def test_stamp_is_china_time() -> None:
    assert stamp(dt.datetime(2024, 12, 31, 16, 30)) == "2025-01-01 00:30 +08:00"  # naive: stored UTC
    assert stamp(dt.datetime(2024, 6, 1, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))) == "2024-06-01 14:00 +08:00"
