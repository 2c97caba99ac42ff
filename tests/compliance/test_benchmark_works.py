"""An integrated iron and steel works on the platform (issue #12 item 9): its crude-steel
comprehensive energy per tonne (吨钢综合能耗, GB 21256) per month and pooled over the year, with
class, quota grade, savings, process ratios and caveats, in the enterprise API, on ``/benchmark``
(both languages), in its report and workbook; stored apart from the facility rows (the regional
view does not count it) and recomputed like them.

Data: the small works of ``tests/benchmarking/test_works.py`` (its docstring works the numbers by
hand from GB 21256-2025 表1-表4, GB 21342-2025 表1, the 2021/2023 benchmark lists and the
standard-coal coefficients of GB/T 2589-2020 附录A): sintering SJ, coking JH, blast furnace GL,
converter ZL, rolling mill ZG in 2024-01: E = 597.92 t / 1.1 = 543.5636 kgce/t, benchmark level
496.2709, baseline 606.2709 → between, savings to the benchmark 52.022 tce, quota grade 3.

February here is January with the rolling mill's natural gas doubled (60 000 m3, 79.8 tce):
E = (597.92 − 39.9 + 79.8) / 1.1 = 637.82 / 1.1 = 579.8364 kgce/t. The mill (no process level)
counts at its own energy in the value and in the levels alike, so the levels rise by the same
36.2727: benchmark (538.998 + 79.8) / 1.1 − 30 = 532.5436, baseline (637.998 + 79.8) / 1.1 − 10
= 642.5436, still between, savings (579.8364 − 532.5436) × 1100 t = 52.022 tce again; quota limit
3 = 631.4545 → grade 3. The year pooled by crude steel (Σ value × P / Σ P, as plant-years pool):
(597.92 + 637.82) / 2.2 = 561.7 kgce/t; levels pooled by the same weights (each is the process
levels weighted by its month's ratios): (496.2709 + 532.5436) / 2 = 514.4073 and
(606.2709 + 642.5436) / 2 = 624.4073 → between; savings (561.7 − 514.4073) × 2200 t = 104.044 tce
(= 52.022 + 52.022); limits 2/3 (507.3636 + 543.6364) / 2 = 525.5 and (595.1818 + 631.4545) / 2 =
613.3182 → grade 3.
"""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.accounting.store import recalculate
from greenmfg.compliance.stored import StoredWorks
from greenmfg.refdata.words import in_words
from tests.factories import (
    Login,
    World,
    column_keys,
    commit,
    installed_refdata,
    refdata_with,
    sheet_records,
    signed_in,
)

from .plants import activity_csv as _csv

E = ("E-STEEL", "唐山示例钢铁有限公司", "钢铁", "130000")


def _month(period: str, gas_m3: int = 30000) -> list[tuple[Any, ...]]:
    return [(*E, f"E-STEEL-{f}", period, item, q, u, flow) for f, item, q, u, flow in [
        ("SJ", "焦炭", 70, "t", "消耗"), ("SJ", "烧结矿", 1500, "t", "产出"),
        ("JH", "洗精煤", 1200, "t", "消耗"), ("JH", "焦炭", 1000, "t", "产出"), ("JH", "焦炭", 1000, "t", "输出"),
        ("GL", "焦炭", 380, "t", "消耗"), ("GL", "生铁", 1000, "t", "产出"),
        ("ZL", "电力", 100, "MWh", "消耗"), ("ZL", "生铁", 1000, "t", "工艺"), ("ZL", "粗钢", 1100, "t", "产出"),
        ("ZG", "天然气", gas_m3, "m3", "消耗"), ("ZG", "钢材", 1050, "t", "产出")]]


JANUARY = 597.92 / 1.1
FEBRUARY = 637.82 / 1.1
BENCHMARK = (67.998 + 110 + 361) / 1.1 - 30 + 39.9 / 1.1  # January's levels
BASELINE = (67.998 + 135 + 435) / 1.1 - 10 + 39.9 / 1.1


@pytest.fixture
def works(client: TestClient, login: Login, world: World) -> World:
    commit(client, login("steel"), world.org("steel"), _csv(_month("2024-01") + _month("2024-02", 60000)))
    return world


def _api(client: TestClient, login: Login, world: World, **params: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/enterprises/{world.org('steel')}/benchmark", params=params, headers=login("steel"))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_api_gives_each_month_and_the_year(client: TestClient, login: Login, works: World) -> None:
    body = _api(client, login, works)
    months = {w["period"]: w for w in body["works"]["periods"]}
    assert list(months) == ["2024-01", "2024-02"]
    january = months["2024-01"]
    assert (january["product"], january["output"], january["output_unit"]) == ("crude_steel", 1100.0, "t")
    b = january["benchmark"]
    assert b["indicator"] == "crude_steel_works" and b["indicator_name_zh"] == "吨钢综合能耗（钢铁联合企业）"
    assert b["value"] == pytest.approx(JANUARY, rel=1e-9)  # 543.5636 kgce/t
    assert b["benchmark_level"] == pytest.approx(BENCHMARK, rel=1e-9)
    assert b["baseline_level"] == pytest.approx(BASELINE, rel=1e-9)
    assert b["class"] == "between" and b["quota_grade"] == 3
    assert b["savings_to_benchmark_tce"] == pytest.approx(52.022, rel=1e-9)
    assert b["savings_to_baseline_tce"] == 0.0
    ratios = {p["facility_id"]: p["ratio"] for p in b["derivation"]["processes"]}
    assert ratios == pytest.approx({"E-STEEL-SJ": 1500 / 1100, "E-STEEL-JH": 1000 / 1100, "E-STEEL-GL": 1000 / 1100,
                                    "E-STEEL-ZL": 1.0})
    codes = {w["code"] for w in b["warnings"]}
    assert {"benchmarking.works.derived_levels", "benchmarking.works.process_without_level",
            "benchmarking.works.process_fails", "benchmarking.works.other_facilities",
            "benchmarking.attribute.inferred"} <= codes  # ZL taken as a converter: it decides the works exists
    february = months["2024-02"]["benchmark"]
    assert february["value"] == pytest.approx(FEBRUARY, rel=1e-9)
    assert february["benchmark_level"] == pytest.approx(BENCHMARK + 39.9 / 1.1, rel=1e-9)  # 532.5436
    assert february["savings_to_benchmark_tce"] == pytest.approx(52.022, rel=1e-9)

    (year,) = body["works"]["years"]
    assert year["period"] == "2024" and year["periods"] == ["2024-01", "2024-02"] and year["output"] == 2200.0
    y = year["benchmark"]
    assert y["value"] == pytest.approx(561.7, rel=1e-9)
    assert y["benchmark_level"] == pytest.approx(514.4072727, rel=1e-9)
    assert y["baseline_level"] == pytest.approx(624.4072727, rel=1e-9)
    assert y["quota_limits"]["grade_3"] == pytest.approx(613.3181818, rel=1e-9)
    assert y["class"] == "between" and y["quota_grade"] == 3
    assert y["savings_to_benchmark_tce"] == pytest.approx(104.044, rel=1e-9)
    # the year's process ratios: Σ P_i / Σ P (the same as each month's here)
    assert {p["facility_id"]: p["ratio"] for p in y["derivation"]["processes"]} == pytest.approx(ratios)
    # each process graded on the year (read back from the stored months): coke 108.6 kgce/t ≤ 110
    # (2021 list benchmark, GB 21342-2025 表1 grade 1); converter 11.17 > −12 (GB 21256-2025 表4)
    year_processes = {p["facility_id"]: p for p in y["derivation"]["processes"]}
    assert (year_processes["E-STEEL-JH"]["class"], year_processes["E-STEEL-JH"]["quota_grade"]) == ("benchmark", 1)
    assert year_processes["E-STEEL-ZL"]["quota_grade"] == "fails"
    assert codes <= {w["code"] for w in y["warnings"]}
    # the works is not a facility: the facility items are the process units and the mill
    assert "*" not in {i["facility_code"] for i in body["items"]}
    # one month asked for: that month, no pooled year
    one = _api(client, login, works, period="2024-02")
    assert [w["period"] for w in one["works"]["periods"]] == ["2024-02"] and one["works"]["years"] == []


def _works_section(html: str) -> str:
    found = re.search(r'<section[^>]*data-testid="works"[^>]*>(.*?)</section>', html, re.S)
    assert found is not None, "no works section"
    return unescape(found.group(1))


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_page_and_report_show_the_works(client: TestClient, login: Login, works: World, locale: str) -> None:
    api = _api(client, login, works)
    january = api["works"]["periods"][0]["benchmark"]
    message = "message_zh" if locale == "zh-CN" else "message"
    browser = signed_in(client, "steel", locale=locale)
    for url in (f"/benchmark?enterprise={works.org('steel')}", f"/benchmark/report?enterprise={works.org('steel')}"):
        page = browser.get(url)
        assert page.status_code == 200
        section = _works_section(page.text)
        assert ("钢铁联合企业（吨钢综合能耗）" if locale == "zh-CN" else "Iron and steel works") in section
        assert "543.56" in section and "561.70" in section and "579.84" in section  # Jan, year, Feb
        assert "52.0 tce" in section and "104.0 tce" in section
        assert ("标杆与基准之间" if locale == "zh-CN" else "Between levels") in section
        for warning in january["warnings"]:
            if not warning["code"].endswith(".unverified"):
                # the page names the codes in a message (refdata.words), in the page's language
                assert in_words(warning[message], zh=locale == "zh-CN") in unescape(section), warning["code"]
        # the derivation: each process unit with its ratio
        assert "E-STEEL-SJ" in section and "1.3636" in section  # 1500 / 1100
        assert "benchmarking.works" not in section  # words, not codes
    pdf = browser.get(f"/benchmark/report?enterprise={works.org('steel')}&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_workbook_has_the_months_and_the_year(client: TestClient, login: Login, works: World) -> None:
    for url, headers in ((f"/benchmark/export.xlsx?enterprise={works.org('steel')}", None),
                         (f"/api/v1/enterprises/{works.org('steel')}/benchmark?format=xlsx", login("steel"))):
        answer = (signed_in(client, "steel").get(url) if headers is None else client.get(url, headers=headers))
        assert answer.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)["钢铁联合企业"]
        header, body = column_keys(sheet), {r["period"]: r for r in sheet_records(sheet)}
        assert list(body) == ["2024-01", "2024-02", "2024"]
        assert body["2024-01"]["value"] == pytest.approx(JANUARY, rel=1e-9)
        assert body["2024-01"]["class"] == "标杆与基准之间" and body["2024-01"]["quota_grade"] == "3"  # the class in words
        assert body["2024-01"]["savings_to_benchmark_tce"] == pytest.approx(52.022, rel=1e-9)
        year = body["2024"]
        assert year["pooled_periods"] == "2024-01 2024-02"
        assert year["value"] == pytest.approx(561.7, rel=1e-9) and year["crude_steel_t"] == 2200.0
        assert year["savings_to_benchmark_tce"] == pytest.approx(104.044, rel=1e-9)
        assert "钢比系数" in year["notes_zh"] and "process-to-crude-steel ratio" in year["notes"]
        # the converter inferred beside the blast furnace is a caveat of the works, in words
        assert "钢铁生产流程（设施所属工序） = bof" in year["notes_zh"] and "单独报送的高炉" in year["notes_zh"]
        assert "Steel route (process of the facility) = bof taken" in body["2024-01"]["notes"]
        assert "steel_route" not in year["notes_zh"] + body["2024-01"]["notes"]  # the attribute by its name
        assert "notes" in header


def test_region_view_does_not_count_the_works(client: TestClient, login: Login, works: World) -> None:
    region = client.get("/api/v1/region/compliance", params={"year": "2024"}, headers=login("hebei")).json()
    # five facilities (four process units and the mill), no works row: its energy is theirs
    assert {p["facility_code"] for p in region["plants"] if p["enterprise_code"] == "E-STEEL"} == {
        "E-STEEL-SJ", "E-STEEL-JH", "E-STEEL-GL", "E-STEEL-ZL", "E-STEEL-ZG"}
    assert "crude_steel_works" not in {p["indicator"] for p in region["plants"]}


def test_a_new_version_of_one_facility_recomputes_the_works(client: TestClient, login: Login, works: World) -> None:
    # the mill alone, January again with 60 000 m3: the works of January is recomputed from all
    # of January's counted data (the other units' stored versions): E = February's 579.8364
    mill = [r for r in _month("2024-01", 60000) if r[4] == "E-STEEL-ZG"]
    commit(client, login("steel"), works.org("steel"), _csv(mill))
    body = _api(client, login, works)
    months = {w["period"]: w["benchmark"] for w in body["works"]["periods"]}
    assert months["2024-01"]["value"] == pytest.approx(FEBRUARY, rel=1e-9)
    assert months["2024-02"]["value"] == pytest.approx(FEBRUARY, rel=1e-9)
    assert body["works"]["years"][0]["benchmark"]["value"] == pytest.approx(FEBRUARY, rel=1e-9)
    # the blast furnace alone: no steelmaking in this file, the works of January still stands
    furnace = [r for r in _month("2024-01") if r[4] == "E-STEEL-GL"]
    commit(client, login("steel"), works.org("steel"), _csv(furnace))
    months = {w["period"]: w["benchmark"] for w in _api(client, login, works)["works"]["periods"]}
    assert months["2024-01"]["value"] == pytest.approx(FEBRUARY, rel=1e-9)


def test_recalc_recomputes_the_works(client: TestClient, login: Login, works: World) -> None:
    with works.database.session() as session:
        runs = recalculate(session, actor="test", only_if_changed=False, enterprise_ids=[works.org("steel")])
    assert len(runs) == 1
    with works.database.session() as session:
        after = session.execute(select(StoredWorks.run_id, StoredWorks.period)).all()
        assert session.scalar(select(func.count()).select_from(StoredWorks)) == 2 * 3  # 2 months × 3 options
    assert {run for run, _ in after} == {runs[0].id}  # every works row recomputed by the recalculation
    body = _api(client, login, works)
    assert [w["benchmark"]["value"] for w in body["works"]["periods"]] == [pytest.approx(JANUARY, rel=1e-9),
                                                                           pytest.approx(FEBRUARY, rel=1e-9)]


def test_reference_data_change_is_flagged_until_recalc(client: TestClient, login: Login, works: World,
                                                       tmp_path: Path) -> None:
    # the 2021 top-charged coke baseline becomes 140 kgce/t (from 135): January's works baseline
    # (67.998 + 140 + 435) / 1.1 − 10 + 39.9 / 1.1 = 610.8164 kgce/t after the recalculation
    before = _api(client, login, works)
    assert before["works"]["periods"][0]["benchmark"]["baseline_level"] == pytest.approx(BASELINE, rel=1e-9)
    with installed_refdata(refdata_with(tmp_path, "benchmarks/ndrc-2021-r2.csv", "coke_top_charged", "baseline_level",
                                        "140")):
        stale = _api(client, login, works)
        assert stale["stored_results_current"] is False and stale["works"] == before["works"]  # stored, flagged
        with works.database.session() as session:
            assert works.org("steel") in {r.enterprise_id for r in recalculate(session, actor="test")}
        after = _api(client, login, works)
        assert after["stored_results_current"] is True
        january = after["works"]["periods"][0]["benchmark"]
        assert january["baseline_level"] == pytest.approx((67.998 + 140 + 435) / 1.1 - 10 + 39.9 / 1.1, rel=1e-9)
        assert january["value"] == pytest.approx(JANUARY, rel=1e-9)
