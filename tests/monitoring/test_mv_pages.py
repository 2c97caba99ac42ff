"""Web side of M&V and meters (both backends): fit/savings forms on the meter page, the accounting
button and the dead letters on /meters, the dead-letter API and its isolation."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.accounting.models import DataVersion
from greenmfg.audit.models import AuditEvent
from greenmfg.db.session import Database
from greenmfg.monitoring import devices
from greenmfg.monitoring.baseline_models import EnergyBaseline, SavingsReport
from greenmfg.monitoring.devices_cli import operator
from greenmfg.monitoring.ingest import process_messages
from greenmfg.monitoring.readings import LOCAL_TZ, load_meters, store_readings
from tests.factories import Login, World, add_meter, csrf_of, signed_in

from .conftest import device_bearer
from .test_baselines_api import year

START = dt.date(2025, 1, 1)


def _count(database: Database, model: Any) -> int:
    with database.session() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def metered(database: Database, world: World) -> tuple[int, list[dict[str, Any]]]:
    """An interval meter with 395 daily readings (a baseline year and 30 reporting days) and the
    daily rows (date, temperature_c, energy) they came from; the reporting days use 10 % less."""
    meter = add_meter(database, world)
    rows = year(START, n=395, production=False)
    readings = []
    for i, r in enumerate(rows):
        day = dt.date.fromisoformat(r["date"])
        energy = r["energy"] * (0.9 if i >= 365 else 1.0)
        readings.append((int(dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).timestamp()), energy))
    with database.session() as s:
        store_readings(s, load_meters(s, [meter]), {meter: readings})
    return meter, rows


def drivers_csv(rows: list[dict[str, Any]]) -> bytes:
    return ("date,temperature_c\n" + "".join(f"{r['date']},{r['temperature_c']}\n" for r in rows)).encode()


def test_fit_and_savings_forms_store_and_show(client: TestClient, world: World, database: Database) -> None:
    meter, rows = metered(database, world)
    steel = signed_in(client, "steel", locale="zh-CN")
    page = steel.get(f"/meters/{meter}")
    assert page.status_code == 200 and 'data-testid="fit-form"' in page.text
    assert "请先拟合基准模型" in page.text   # no savings form before a baseline exists
    answer = steel.post(f"/meters/{meter}/baselines", follow_redirects=False,
                        data={"csrf_token": csrf_of(page.text), "window_start": "2025-01-01",
                              "window_end": "2025-12-31", "model": "caltrack", "energy_source": "readings"},
                        files={"file": ("drivers.csv", drivers_csv(rows), "text/csv")})
    assert answer.status_code == 303, answer.text
    with database.session() as s:
        baseline = s.execute(select(EnergyBaseline)).scalar_one()
        assert (baseline.meter_id, baseline.data_source) == (meter, "readings")
        assert (baseline.window_start, baseline.window_end) == (START, dt.date(2025, 12, 31))
        assert s.execute(select(func.count()).select_from(AuditEvent)
                         .where(AuditEvent.action == "monitoring.baseline.create")).scalar_one() == 1
    page = steel.get(f"/meters/{meter}")
    text = html.unescape(page.text)
    assert "基准模型已拟合并保存" in text    # the flash
    assert "2025-01-01 – 2025-12-31" in text and "CV(RMSE)" in text and "NMBE" in text
    assert f"R² {baseline.metrics['r2']:.3f}" in text
    names = {"hdd_cdd": "采暖和制冷（HDD + CDD）", "hdd_only": "仅采暖（HDD）", "cdd_only": "仅制冷（CDD）",
             "intercept_only": "仅截距（无气温项）"}
    assert names[baseline.coefficients["model_type"]] in text  # the model type in words, not its code
    assert "数据充分性" in text and "充分" in text
    assert 'data-testid="savings-form"' in page.text
    answer = steel.post(f"/meters/{meter}/savings", follow_redirects=False,
                        data={"csrf_token": csrf_of(page.text), "baseline_id": str(baseline.id),
                              "report_start": "2026-01-01", "report_end": "2026-01-30",
                              "energy_source": "readings"},
                        files={"file": ("drivers.csv", drivers_csv(rows), "text/csv")})
    assert answer.status_code == 303, answer.text
    with database.session() as s:
        report = s.execute(select(SavingsReport)).scalar_one()
        assert (report.period_start, report.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 1, 30))
        assert len(report.days["dates"]) == 30
        # 10 % less than the baseline's own data: the savings fraction is about 10 %
        assert 0.05 < report.result["savings_fraction"] < 0.15
    english = signed_in(client, "steel", locale="en")
    text = html.unescape(english.get(f"/meters/{meter}").text)
    assert "Savings and uncertainty" in text and "90% confidence" in text and "Baseline against actual" in text
    # a reader sees the model but no forms
    hebei = signed_in(client, "hebei").get(f"/meters/{meter}").text
    assert "CV(RMSE)" in hebei and 'data-testid="fit-form"' not in hebei


def test_bad_window_shows_located_error_and_stores_nothing(client: TestClient, world: World,
                                                          database: Database) -> None:
    meter, rows = metered(database, world)
    steel = signed_in(client, "steel", locale="zh-CN")
    token = csrf_of(steel.get(f"/meters/{meter}").text)
    form = {"csrf_token": token, "model": "caltrack", "energy_source": "readings"}
    upside = steel.post(f"/meters/{meter}/baselines", data={**form, "window_start": "2025-12-31",
                                                            "window_end": "2025-01-01"},
                        files={"file": ("d.csv", drivers_csv(rows), "text/csv")})
    assert upside.status_code == 422
    assert "window.end" in upside.text and "结束早于开始" in upside.text and "未保存任何内容" in upside.text
    assert 'value="2025-12-31"' in upside.text   # the form keeps what was typed
    # 60 days: the CalTRACK sufficiency verdict fails; its reasons are shown
    short = steel.post(f"/meters/{meter}/baselines", data={**form, "window_start": "2025-01-01",
                                                           "window_end": "2025-03-01"},
                       files={"file": ("d.csv", drivers_csv(rows), "text/csv")})
    assert short.status_code == 422 and "CalTRACK 要求 365 天" in html.unescape(short.text)
    # an override needs its reason
    no_reason = steel.post(f"/meters/{meter}/baselines", data={**form, "window_start": "2025-01-01",
                                                               "window_end": "2025-03-01", "override": "1"},
                           files={"file": ("d.csv", drivers_csv(rows), "text/csv")})
    assert no_reason.status_code == 422 and "强制拟合须说明理由" in no_reason.text
    empty = steel.post(f"/meters/{meter}/baselines", data={**form, "window_start": "2025-01-01",
                                                           "window_end": "2025-12-31"},
                       files={"file": ("d.csv", b"", "text/csv")})
    assert empty.status_code == 422 and "请选择逐日数据 CSV 文件" in empty.text
    english = signed_in(client, "steel", locale="en")
    answer = english.post(f"/meters/{meter}/baselines", data={**form, "csrf_token": csrf_of(
        english.get(f"/meters/{meter}").text), "window_start": "2025-12-31", "window_end": "2025-01-01"},
        files={"file": ("d.csv", drivers_csv(rows), "text/csv")})
    assert answer.status_code == 422 and "ends before it starts" in answer.text and "Nothing was stored" in answer.text
    assert _count(database, EnergyBaseline) == 0 and _count(database, SavingsReport) == 0
    # with the reason it is fitted, and the page says it was an override
    forced = steel.post(f"/meters/{meter}/baselines", follow_redirects=False,
                        data={**form, "window_start": "2025-01-01", "window_end": "2025-03-01", "override": "1",
                              "override_reason": "新产线仅运行两个月"},
                        files={"file": ("d.csv", drivers_csv(rows), "text/csv")})
    assert forced.status_code == 303
    page = html.unescape(steel.get(f"/meters/{meter}").text)
    assert "强制拟合理由" in page and "新产线仅运行两个月" in page and "不充分" in page


def test_readers_and_outsiders_cannot_post(client: TestClient, world: World, database: Database,
                                           login: Login) -> None:
    meter, rows = metered(database, world)
    body = {"energy_source": "readings", "window": {"start": "2025-01-01", "end": "2025-12-31"},
            "csv": drivers_csv(rows).decode()}
    baseline = client.post(f"/api/v1/meters/{meter}/baselines", json=body, headers=login("steel")).json()["id"]
    before = (_count(database, EnergyBaseline), _count(database, SavingsReport), _count(database, DataVersion))
    for username, status in (("hebei", 403), ("steelviewer", 403), ("cement", 404), ("evaluator", 404)):
        browser = signed_in(client, username)
        token = csrf_of(browser.get("/meters").text)
        files = {"file": ("d.csv", drivers_csv(rows), "text/csv")}
        fit = browser.post(f"/meters/{meter}/baselines", files=files,
                           data={"csrf_token": token, "window_start": "2025-01-01", "window_end": "2025-12-31"})
        savings = browser.post(f"/meters/{meter}/savings", files=files,
                               data={"csrf_token": token, "baseline_id": str(baseline), "report_start": "2026-01-01",
                                     "report_end": "2026-01-30"})
        account = browser.post(f"/enterprises/{world.org('steel')}/meters/account",
                               data={"csrf_token": token, "period_from": "2026-01"})
        assert (fit.status_code, savings.status_code, account.status_code) == (status,) * 3, username
        assert "总表" not in fit.text + savings.text + account.text
    assert (_count(database, EnergyBaseline), _count(database, SavingsReport), _count(database, DataVersion)) == before
    # without the CSRF token nothing is fitted either
    steel = signed_in(client, "steel")
    # a baseline of another meter cannot be reported on through this meter's form
    other = add_meter(database, world, code="M2")
    answer = steel.post(f"/meters/{other}/savings", files={"file": ("d.csv", drivers_csv(rows), "text/csv")},
                        data={"csrf_token": csrf_of(steel.get("/meters").text), "baseline_id": str(baseline),
                              "report_start": "2026-01-01", "report_end": "2026-01-30"})
    assert answer.status_code == 404 and _count(database, SavingsReport) == 0
    answer = steel.post(f"/meters/{meter}/baselines", data={"window_start": "2025-01-01", "window_end": "2025-12-31"},
                        files={"file": ("d.csv", drivers_csv(rows), "text/csv")})
    assert answer.status_code == 403 and _count(database, EnergyBaseline) == 1


def test_accounting_button_creates_a_version(client: TestClient, world: World, database: Database) -> None:
    power = add_meter(database, world, code="EM", unit="kWh", item="electricity")
    march = dt.datetime(2026, 3, 1, tzinfo=LOCAL_TZ)
    with database.session() as s:
        store_readings(s, load_meters(s, [power]),
                       {power: [(int((march + dt.timedelta(hours=h)).timestamp()), 100.0) for h in range(48)]})
    steel = signed_in(client, "steel", locale="zh-CN")
    listing = steel.get("/meters")
    assert 'data-testid="account-form"' in listing.text and "以导入数据为准" in listing.text
    answer = steel.post(f"/enterprises/{world.org('steel')}/meters/account",
                        data={"csrf_token": csrf_of(listing.text), "period_from": "2026-02", "period_to": "2026-03"})
    assert answer.status_code == 200, answer.text
    text = html.unescape(answer.text)
    assert "2026-03：新数据版本" in text and f"/enterprises/{world.org('steel')}/results" in text
    assert "2026-02：2026-02 没有计量表读数" in text   # the month without readings says why
    assert "由计量表补充" in text
    with database.session() as s:
        version = s.execute(select(DataVersion).where(DataVersion.enterprise_id == world.org("steel"),
                                                      DataVersion.period == "2026-03")).scalar_one()
        assert version.current
        assert s.execute(select(func.count()).select_from(DataVersion)
                         .where(DataVersion.period == "2026-02")).scalar_one() == 0
    # the hebei regulator sees the meter list but no accounting button
    assert 'data-testid="account-form"' not in signed_in(client, "hebei").get("/meters").text


def _letters(database: Database, world: World, meter: int) -> None:
    steel, cement = world.org("steel"), world.org("cement")
    with database.session() as s:
        devices.create_device(s, operator(), steel, "gateway")   # steel's topics are granted
    with database.session() as s:
        process_messages(s, [(f"greenmfg/v1/{steel}/{meter}/readings", b'{"readings": [{"ts": "yesterday"}]}'),
                             (f"greenmfg/v1/{steel}/{meter}/readings", b"not json"),
                             (f"greenmfg/v1/{cement}/{meter}/readings", b'{"readings": []}'),
                             ("greenmfg/v1/oops", b"{}")])


def test_dead_letters_listed_per_enterprise(client: TestClient, world: World, database: Database,
                                            login: Login) -> None:
    meter = add_meter(database, world)
    _letters(database, world, meter)
    url = f"/api/v1/enterprises/{world.org('steel')}/meters/dead-letters"
    answer = client.get(url, headers=login("steel"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == 2 and len(body["items"]) == 2
    assert {i["topic"] for i in body["items"]} == {f"greenmfg/v1/{world.org('steel')}/{meter}/readings"}
    assert all(i["reason"] and i["reason_zh"] and i["meter_id"] == meter for i in body["items"])
    paged = client.get(url, params={"page": 2, "page_size": 1}, headers=login("steel")).json()
    assert (paged["total"], len(paged["items"]), paged["page"]) == (2, 1, 2)
    assert paged["items"][0]["id"] == body["items"][1]["id"]
    # the regulator over steel reads them
    assert client.get(url, headers=login("hebei")).json()["total"] == 2
    # the cement letter (cement's topic naming steel's meter) is cement's, not steel's
    own = client.get(f"/api/v1/enterprises/{world.org('cement')}/meters/dead-letters", headers=login("cement")).json()
    assert own["total"] == 1 and world.org("cement") == int(own["items"][0]["topic"].split("/")[2])
    # the page lists them in the page language
    zh = html.unescape(signed_in(client, "steel", locale="zh-CN").get("/meters").text)
    assert "被拒收的消息" in zh and f"greenmfg/v1/{world.org('steel')}/{meter}/readings" in zh
    assert f"greenmfg/v1/{world.org('cement')}/" not in zh and "greenmfg/v1/oops" not in zh
    en = html.unescape(signed_in(client, "steel", locale="en").get("/meters").text)
    assert "Rejected messages" in en and "not JSON" in en
    # a refused HTTP push is a dead letter of the meter's enterprise; an outsider's push is not kept
    bad = {"readings": [{"ts": "2026-03-01 00:15", "value": 1}]}
    steel_device = device_bearer(client, login("steel"), world.org("steel"))
    cement_device = device_bearer(client, login("cement"), world.org("cement"))
    assert client.post(f"/api/v1/meters/{meter}/readings", json=bad, headers=steel_device).status_code == 422
    assert client.post(f"/api/v1/meters/{meter}/readings", json=bad, headers=cement_device).status_code == 403
    listed = client.get(url, headers=login("steel")).json()
    assert listed["total"] == 3 and listed["items"][0]["source"] == "http" and listed["items"][0]["topic"] is None
    assert "2026-03-01 00:15" in listed["items"][0]["payload_preview"]
    assert client.get(f"/api/v1/enterprises/{world.org('cement')}/meters/dead-letters",
                      headers=login("cement")).json()["total"] == 1
    assert "不是有效的 JSON" in zh and "不是有效的 JSON" not in en


def test_dead_letters_isolation(client: TestClient, world: World, database: Database, login: Login) -> None:
    meter = add_meter(database, world)
    _letters(database, world, meter)
    url = f"/api/v1/enterprises/{world.org('steel')}/meters/dead-letters"
    for username in ("cement", "glass", "evaluator"):
        answer = client.get(url, headers=login(username))
        assert answer.status_code == 404, (username, answer.text)
        assert answer.json()["error"]["code"] == "not_found" and "readings" not in answer.text
        page = signed_in(client, username).get("/meters").text
        assert f"greenmfg/v1/{world.org('steel')}/" not in page


def test_meter_pages_name_the_energy_item_in_the_page_language(client: TestClient, world: World,
                                                               database: Database) -> None:
    meter = add_meter(database, world, code="GM", unit="m3", item="natural_gas")
    zh = signed_in(client, "steel", locale="zh-CN")
    listed = html.unescape(zh.get("/meters").text)
    assert "天然气" in listed and ">natural_gas<" not in listed
    assert "天然气 [立方米]" in html.unescape(zh.get(f"/meters/{meter}").text)
    en = signed_in(client, "steel", locale="en")
    assert "Natural gas [m3]" in html.unescape(en.get(f"/meters/{meter}").text)


def test_fit_form_chooses_the_balance_point_search(client: TestClient, world: World, database: Database) -> None:
    meter, rows = metered(database, world)
    steel = signed_in(client, "steel", locale="zh-CN")
    page = steel.get(f"/meters/{meter}")
    assert 'name="balance_point_search"' in page.text and "在网格点之间细化" in page.text
    answer = steel.post(f"/meters/{meter}/baselines", follow_redirects=False,
                        data={"csrf_token": csrf_of(page.text), "window_start": "2025-01-01",
                              "window_end": "2025-12-31", "model": "caltrack", "energy_source": "readings",
                              "balance_point_search": "continuous"},
                        files={"file": ("drivers.csv", drivers_csv(rows), "text/csv")})
    assert answer.status_code == 303, answer.text
    with database.session() as s:
        baseline = s.execute(select(EnergyBaseline)).scalar_one()
        assert baseline.coefficients["balance_point_search"] == "continuous"
    bad = steel.post(f"/meters/{meter}/baselines", data={
        "csrf_token": csrf_of(page.text), "window_start": "2025-01-01", "window_end": "2025-12-31",
        "model": "caltrack", "energy_source": "readings", "balance_point_search": "exhaustive"},
        files={"file": ("drivers.csv", drivers_csv(rows), "text/csv")})
    assert bad.status_code == 422 and "未知平衡点搜索方式" in html.unescape(bad.text)
    with database.session() as s:
        assert s.execute(select(func.count()).select_from(EnergyBaseline)).scalar_one() == 1
