"""Diagnosis pages on SQLite and PostgreSQL: zh-CN and English, the register table with the
below-minimum item first, the upload form (managers) with located problems, alert acknowledgement
(members), outsiders get the 404 page; alerts follow the page's year and a measure without a saving
has no payback (issue #12 item 7)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select

from greenmfg.db.session import Database
from greenmfg.diagnosis import service as diagnosis
from greenmfg.diagnosis.models import DiagnosisAlert, Equipment
from tests.factories import Login, PageSession, World

from .test_api import MOTOR, MOTOR_OK, TRANSFORMER, _meter, _stored_alert, add


def _page(client: TestClient, username: str, world: World, lang: str = "zh", year: int = 2023
          ) -> tuple[PageSession, Any]:
    browser = PageSession(client, username)
    browser.language("zh-CN" if lang == "zh" else "en")
    return browser, browser.get(f"/diagnosis?enterprise_id={world.org('steel')}&year={year}")


def test_page_in_chinese_and_english(client: TestClient, login: Login, world: World) -> None:
    add(client, login, world, MOTOR_OK, MOTOR, TRANSFORMER)
    browser, zh = _page(client, "steel", world, "zh")
    assert zh.status_code == 200
    link = f"/api/v1/enterprises/{world.org('steel')}/diagnosis/report.html?lang=zh&amp;year=2023"
    assert link in zh.text  # the signed-in browser opens the report through its session
    report = browser.get(link.replace("&amp;", "&"))
    assert report.status_code == 200 and "工业企业节能诊断报告" in report.text and "1号循环水泵电机" in report.text
    for text in ("节能诊断", "设备台账", "低于限定值", "3级能效", "电动机", "变压器", "上传设备台账", "诊断报告（PDF）"):
        assert text in zh.text, text
    table = zh.text[zh.text.index('data-testid="equipment-table"'):]
    assert table.index("M-1") < table.index("M-2")  # below-minimum items first
    _, en = _page(client, "steel", world, "en")
    for text in ("Energy diagnosis", "Equipment register", "Below minimum", "Efficiency grade 3", "Motor", "Upload a register",
                 "2 of 3 items are below the minimum allowable value."):
        assert text in en.text, text
    assert "节能诊断" not in en.text


def test_regulator_reads_without_upload_form(client: TestClient, login: Login, world: World) -> None:
    add(client, login, world, MOTOR)
    _, page = _page(client, "hebei", world, "en")
    assert page.status_code == 200 and "M-1" in page.text
    assert "Upload a register" not in page.text


def test_outsiders_get_the_404_page(client: TestClient, login: Login, world: World, database: Database) -> None:
    add(client, login, world, MOTOR)
    alert_id = _stored_alert(database, world)
    for username in ("cement", "glass", "evaluator"):
        browser, page = _page(client, username, world)
        assert page.status_code == 404 and "M-1" not in page.text and "循环水泵" not in page.text
        answer = browser.post(f"/diagnosis/{world.org('steel')}/alerts/{alert_id}", data={"status": "acknowledged"})
        assert answer.status_code == 404
        upload = browser.post(f"/diagnosis/{world.org('steel')}/import",
                              files={"file": ("r.csv", "设备类型\n".encode(), "text/csv")})
        assert upload.status_code == 404
    with database.session() as s:
        assert s.get(DiagnosisAlert, alert_id).status == "open"  # type: ignore[union-attr]
        assert s.execute(select(func.count()).select_from(Equipment)).scalar_one() == 1


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "设备台账"
    sheet.append(["设备类型", "设备编号", "设备名称", "额定功率(kW)", "效率(%)", "极数", "年运行小时(h)", "负载率"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_upload_shows_located_problems_and_stores_nothing(client: TestClient, world: World,
                                                          database: Database) -> None:
    browser, _ = _page(client, "steel", world, "zh")
    bad = _xlsx([["电动机", "M-1", "电机", 7.5, 88, 4, 6000, 0.75], ["电冰箱", "X-1", "冰箱", 1, 50, None, 100, 0.5]])
    answer = browser.post(f"/diagnosis/{world.org('steel')}/import",
                          files={"file": ("台账.xlsx", bad, "application/octet-stream")})
    assert answer.status_code == 422
    assert "电冰箱" in answer.text and "设备类型" in answer.text and "请填写：电动机、变压器" in answer.text
    with database.session() as s:
        assert s.execute(select(func.count()).select_from(Equipment)).scalar_one() == 0
    good = _xlsx([["电动机", "M-1", "电机", 7.5, 88, 4, 6000, 0.75]])
    answer = browser.post(f"/diagnosis/{world.org('steel')}/import",
                          files={"file": ("台账.xlsx", good, "application/octet-stream")})
    assert answer.status_code == 303
    page = browser.get(answer.headers["location"])
    assert "已向设备台账添加 1 台设备" in page.text and "M-1" in page.text


def test_members_acknowledge_alerts_on_the_page(client: TestClient, world: World, database: Database) -> None:
    alert_id = _stored_alert(database, world)
    regulator, page = _page(client, "hebei", world, "en", 2025)  # the alert's year (alerts follow the year)
    assert "Acknowledge" not in page.text
    assert regulator.post(f"/diagnosis/{world.org('steel')}/alerts/{alert_id}",
                          data={"status": "acknowledged"}).status_code == 403
    viewer, page = _page(client, "steelviewer", world, "zh", 2025)
    assert "确认" in page.text
    answer = viewer.post(f"/diagnosis/{world.org('steel')}/alerts/{alert_id}", data={"status": "acknowledged"})
    assert answer.status_code == 303
    with database.session() as s:
        assert s.get(DiagnosisAlert, alert_id).status == "acknowledged"  # type: ignore[union-attr]


def test_alerts_are_named_by_direction_in_the_page_language(client: TestClient, login: Login, world: World,
                                                            database: Database) -> None:
    """A spike is flagged by |z|: one above the baseline is a surge (突增), one below a dip (突降);
    kind, severity and status are shown in the page's language on the diagnosis page, the meter
    page and in the report, never as the stored codes."""
    import datetime as dt

    from greenmfg.diagnosis import service

    meter_id = _meter(database, world)
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(60)]
    actual = [1000.0 + (7 * i % 11 - 5) for i in range(60)]
    actual[30] += 500.0
    actual[45] -= 500.0
    with database.session() as s:
        kinds = sorted((a.excess_kwh > 0, a.kind) for a in service.detect_for_meter(s, meter_id, days, actual,
                                                                                    [1000.0] * 60))
    assert kinds == [(False, "spike"), (True, "spike")]
    _, zh = _page(client, "steel", world, "zh", 2025)  # the alerts' year (alerts follow the year)
    rows = zh.text.split('data-testid="alerts-table"')[1].split("</table>")[0]
    assert "突增" in rows and "突降" in rows and "未处理" in rows and ">spike<" not in rows and ">open<" not in rows
    _, en = _page(client, "steel", world, "en", 2025)
    rows = en.text.split('data-testid="alerts-table"')[1].split("</table>")[0]
    assert ">spike<" in rows and ">dip<" in rows
    meter = PageSession(client, "steel")
    meter.language("zh-CN")
    assert "突降" in meter.get(f"/meters/{meter_id}").text
    report = client.get(f"/api/v1/enterprises/{world.org('steel')}/diagnosis/report.html?year=2025&lang=zh",
                        headers=login("steel"))
    assert report.status_code == 200 and "突降" in report.text and "突增" in report.text


# Diagnosis results say what they mean (issue #12 item 7): alerts follow the page's year, a drop
# below the baseline is never a "high" excess, a measure without a saving has no payback.


def test_alerts_follow_the_year_and_a_drop_is_not_a_high_excess(client: TestClient, login: Login, world: World,
                                                                database: Database) -> None:
    meter_id = _meter(database, world)
    with database.session() as s:
        for start in (dt.date(2024, 11, 1), dt.date(2025, 3, 1)):
            days = [start + dt.timedelta(days=i) for i in range(60)]
            actual = [1000.0 + (7 * i % 11 - 5) for i in range(60)]
            actual[30] -= 600.0  # a 60 % drop on one day: |z| far above 6
            alerts = diagnosis.detect_for_meter(s, meter_id, days, actual, [1000.0] * 60)
            assert alerts and all(a.excess_kwh < 0 for a in alerts)
            assert {a.severity for a in alerts} == {"high"}  # the size of the departure, as stored
    _, page_2025 = _page(client, "steel", world, "zh", 2025)
    rows = page_2025.text.split('data-testid="alerts-table"')[1].split("</table>")[0]
    assert "2025-03-31" in rows and "2024-12-01" not in rows  # before: every year's alerts on every page
    assert ">高<" not in rows and "提示（低于基准，非超耗）" in rows
    _, page_2024 = _page(client, "steel", world, "en", 2024)
    rows = page_2024.text.split('data-testid="alerts-table"')[1].split("</table>")[0]
    assert "2024-12-01" in rows and "2025-03-31" not in rows
    assert ">high<" not in rows and "information (below the baseline, not an excess)" in rows
    api = client.get(f"/api/v1/enterprises/{world.org('steel')}/diagnosis/alerts?year=2025",
                     headers=login("steel")).json()["alerts"]
    assert [a["started"] for a in api] == ["2025-03-31"]
    assert api[0]["severity"] == "info" and api[0]["departure_severity"] == "high"
    report = client.get(f"/api/v1/enterprises/{world.org('steel')}/diagnosis/report.html?year=2024&lang=zh",
                        headers=login("steel")).text
    assert "2024-12-01" in report and "2025-03-31" not in report


def test_a_measure_without_a_saving_has_no_payback(client: TestClient, login: Login, world: World) -> None:
    """A motor below the GB 18613-2020 minimum that never runs (0 h/a) saves nothing: its
    replacement has no payback period ("—" with the reason), not a number."""
    add(client, login, world, {**MOTOR, "code": "M-9", "hours_per_year": 0})
    _, page = _page(client, "steel", world, "zh")
    table = page.text[page.text.index('data-testid="equipment-table"'):]
    row = table[table.index("M-9"):].split("</tr>")[0]
    assert 'data-testid="no-payback"' in row and "无节约，不计回收期" in row
    report = client.get(f"/api/v1/enterprises/{world.org('steel')}/diagnosis/report.html?year=2023&lang=en",
                        headers=login("steel")).text
    assert "no saving, no payback" in report
