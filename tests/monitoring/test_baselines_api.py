"""Energy baselines (M&V) API on SQLite and PostgreSQL: fit/store/read/savings, sufficiency, 422s, outsiders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.audit.models import AuditEvent
from greenmfg.calc import mv
from greenmfg.db.session import Database
from greenmfg.monitoring.baseline_models import EnergyBaseline
from tests.factories import Login, World, add_meter, signed_in
from tests.platform.test_isolation import BASELINES, _api_routes

from .conftest import device_bearer

START = dt.date(2025, 1, 1)


def baseline_meter(database: Database, world: World, code: str = "M-1") -> int:
    """A meter of the steel enterprise without a register setting (a baseline needs none)."""
    return add_meter(database, world, code=code, name="1号空压站电表" if code == "M-1" else f"{code} 电表", kind=None)


def year(start: dt.date = START, *, n: int = 365, scale: float = 1.0, seed: int = 1,
         production: bool = True) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    d = np.arange(n)
    t = 12 - 14 * np.cos(2 * np.pi * (d - 15) / 365) + rng.normal(0, 3, n)
    p = rng.uniform(300, 500, n)
    e = scale * (2000 + 40 * mv.hdd(t, 15.0) + 60 * mv.cdd(t, 22.0) + (3 * p if production else 0)) \
        + rng.normal(0, 40, n)
    rows = []
    for i in range(n):
        row: dict[str, Any] = {"date": (start + dt.timedelta(days=i)).isoformat(), "energy": round(float(e[i]), 3),
                               "temperature_c": round(float(t[i]), 2)}
        if production:
            row["production"] = round(float(p[i]), 2)
        rows.append(row)
    return rows


def count(database: Database) -> int:
    with database.session() as s:
        return s.execute(select(func.count()).select_from(EnergyBaseline)).scalar_one()


def details(answer: Any) -> dict[str, str]:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    for d in error["details"]:
        assert d["column"] and d["message"] and d["message_zh"] and d["fix"] and d["fix_zh"]
    return {d["column"]: d["code"] for d in error["details"]}


def test_routes_are_classified(client: TestClient) -> None:
    assert _api_routes(client) >= BASELINES


def test_fit_store_read_and_savings(client: TestClient, login: Login, world: World, database: Database) -> None:
    meter_id = baseline_meter(database, world)
    body = {"drivers": ["temperature_c", "production"], "ipmvp_option": "B", "data": year()}
    answer = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"), json=body)
    assert answer.status_code == 201, answer.text
    b = answer.json()
    assert b["method"] == "caltrack_daily_change_point" and b["method_version"] == mv.METHOD_VERSION
    assert b["window"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert b["coefficients"]["model_type"] == "hdd_cdd" and b["drivers"] == ["temperature_c", "production"]
    assert b["coefficients"]["beta_production"] == pytest.approx(3, rel=0.05)
    assert b["coefficients"]["beta_hdd"] == pytest.approx(40, rel=0.05)
    assert b["metrics"]["r2"] > 0.9 and b["metrics"]["valid"] is True
    assert b["sufficiency"]["sufficient"] is True and b["override_reason"] is None
    assert b["energy_unit"] == "kWh" and b["facility_id"] is not None
    listed = client.get(f"/api/v1/meters/{meter_id}/baselines", headers=login("steelviewer")).json()["items"]
    assert [x["id"] for x in listed] == [b["id"]]
    assert client.get(f"/api/v1/baselines/{b['id']}", headers=login("hebei")).json()["coefficients"] == b["coefficients"]
    # reporting year: same weather process, 10 % less energy
    report = year(dt.date(2026, 1, 1), scale=0.9, seed=2)
    saved = client.post(f"/api/v1/baselines/{b['id']}/savings", headers=login("steel"), json={"data": report})
    assert saved.status_code == 200, saved.text
    s = saved.json()
    model = mv.ChangePointModel.from_coefficients(b["coefficients"])
    adjusted = model.predict(np.array([r["temperature_c"] for r in report]), np.array([r["production"] for r in report]))
    actual = sum(r["energy"] for r in report)
    assert s["avoided_energy"] == pytest.approx(float(adjusted.sum()) - actual, rel=1e-9)
    assert s["savings_fraction"] == pytest.approx(0.10, abs=0.01)
    assert s["option"] == "B" and [u["confidence"] for u in s["uncertainty"]] == [0.68, 0.9, 0.95]
    assert 0 < s["uncertainty"][0]["fsu"] < s["uncertainty"][2]["fsu"] < 0.2
    # a window limits the reporting period to those days of the data; a window without data is refused
    march = client.post(f"/api/v1/baselines/{b['id']}/savings", headers=login("steel"),
                        json={"data": report, "window": {"start": "2026-03-01", "end": "2026-03-31"}}).json()
    assert march["reporting_period"] == {"start": "2026-03-01", "end": "2026-03-31", "days": 31}
    assert details(client.post(f"/api/v1/baselines/{b['id']}/savings", headers=login("steel"),
                               json={"data": report, "window": {"start": "2030-01-01", "end": "2030-01-31"}})) == {
        "window": "monitoring.input.empty_window"}
    with database.session() as db:
        actions = db.execute(select(AuditEvent.action)).scalars().all()
    assert "monitoring.baseline.create" in actions


def test_multivariate_csv_with_chinese_headers_and_normalised_savings(client: TestClient, login: Login,
                                                                       world: World, database: Database) -> None:
    meter_id = baseline_meter(database, world)
    rows = year()
    csv = "日期,能耗,温度,产量\n" + "\n".join(f"{r['date']},{r['energy']},{r['temperature_c']},{r['production']}"
                                           for r in rows)
    answer = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                         json={"method": "multivariate", "ipmvp_option": "C", "csv": csv,
                               "drivers": ["production", "hdd", "cdd"], "hdd_base_c": 15, "cdd_base_c": 22})
    assert answer.status_code == 201, answer.text
    b = answer.json()
    assert b["method"] == "iso50006_multivariate_ols"
    assert b["coefficients"]["coefficients"]["production"] == pytest.approx(3, rel=0.05)
    assert b["coefficients"]["coefficients"]["cdd"] == pytest.approx(60, rel=0.05)
    standard = [{"date": f"2000-01-{d:02d}", "temperature_c": 5.0, "production": 400.0} for d in range(1, 11)]
    saved = client.post(f"/api/v1/baselines/{b['id']}/savings", headers=login("steel"),
                        json={"data": year(dt.date(2026, 1, 1), scale=0.9, seed=3), "standard_conditions": standard})
    s = saved.json()
    assert s["option"] == "C" and s["standard_days"] == 10
    # baseline at 5 °C and 400 t: 2000 + 40·10 + 3·400 = 3600 per day; after: 0.9 of it → saves 360/day
    assert s["normalised_savings"] == pytest.approx(3600, rel=0.05)


def test_insufficient_data_refuses_to_fit_unless_overridden(client: TestClient, login: Login, world: World,
                                                            database: Database) -> None:
    meter_id = baseline_meter(database, world)
    short = year(n=200)
    answer = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"), json={"data": short})
    assert details(answer) == {"data": "monitoring.input.insufficient_data"}
    assert "CalTRACK" in answer.json()["error"]["details"][0]["message"]
    assert count(database) == 0
    no_reason = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                            json={"data": short, "override_insufficient": True})
    assert details(no_reason) == {"override_reason": "monitoring.input.override_reason"}
    forced = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                         json={"data": short, "override_insufficient": True, "override_reason": "新表仅有 200 天数据"})
    assert forced.status_code == 201
    assert forced.json()["override_reason"] == "新表仅有 200 天数据"
    assert forced.json()["sufficiency"]["sufficient"] is False


def test_bad_input_is_located_and_changes_nothing(client: TestClient, login: Login, world: World,
                                                  database: Database) -> None:
    meter_id = baseline_meter(database, world)
    rows = year()
    rows[3]["energy"] = "abc"
    rows[5]["date"] = "2025-13-01"
    answer = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                         json={"data": rows, "method": "neural"})
    assert details(answer) == {"method": "monitoring.input.bad_method"}  # options are checked first
    answer = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"), json={"data": rows})
    assert details(answer) == {"data[3].energy": "monitoring.input.not_a_number",
                               "data[5].date": "monitoring.input.bad_date"}
    assert answer.json()["error"]["message_zh"]
    csv_bad = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                          json={"csv": "date,energy,temperature_c\n2025-01-01,x,3\n"})
    assert details(csv_bad) == {"csv row 2, column energy": "monitoring.input.not_a_number"}
    no_prod = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                          json={"data": year(production=False), "drivers": ["temperature_c", "production"]})
    assert details(no_prod) == {"drivers": "monitoring.input.missing_production"}
    assert count(database) == 0


def test_outsiders_get_404_and_viewers_may_not_fit(client: TestClient, login: Login, world: World,
                                                   database: Database) -> None:
    meter_id = baseline_meter(database, world)
    b = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"), json={"data": year()}).json()
    for user in ("cement", "glass", "evaluator"):
        for answer in (client.get(f"/api/v1/meters/{meter_id}/baselines", headers=login(user)),
                       client.get(f"/api/v1/baselines/{b['id']}", headers=login(user)),
                       client.post(f"/api/v1/baselines/{b['id']}/savings", headers=login(user), json={"data": year()}),
                       client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login(user), json={"data": year()})):
            assert answer.status_code == 404, (user, answer.text)
            assert "coefficients" not in answer.text and "2025-01-01" not in answer.text
    assert client.get("/api/v1/baselines/999999", headers=login("steel")).status_code == 404
    viewer = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steelviewer"), json={"data": year()})
    assert viewer.status_code == 403
    assert count(database) == 1


def test_energy_from_the_readings_store(client: TestClient, login: Login, world: World, database: Database) -> None:
    """Energy comes from the meter's stored readings (daily rollups); drivers stay inline.

    The same year is pushed as readings (one interval value at 12:00 China time each day, so the
    local day is unambiguous) and fitted from the store; the model must equal the inline fit.
    """
    meter_id = baseline_meter(database, world)
    headers = login("steel")
    rows = year(production=False)
    readings = [{"ts": f"{r['date']}T12:00:00+08:00", "value": r["energy"], "unit": "kWh"} for r in rows]
    device = device_bearer(client, headers, world.org("steel"))   # readings are pushed by a meter device
    pushed = client.post(f"/api/v1/meters/{meter_id}/readings", headers=device, json={"readings": readings})
    assert pushed.status_code in (200, 201, 202), pushed.text
    drivers = [{k: v for k, v in r.items() if k != "energy"} for r in rows]
    stored = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=headers,
                         json={"energy_source": "readings", "data": drivers})
    assert stored.status_code == 201, stored.text
    inline = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=headers, json={"data": rows})
    assert stored.json()["data_source"] == "readings"
    assert stored.json()["window"] == {"start": "2025-01-01", "end": "2025-12-31"}
    for key, value in inline.json()["coefficients"].items():
        if isinstance(value, float):
            assert stored.json()["coefficients"][key] == pytest.approx(value, rel=1e-9), key
        else:
            assert stored.json()["coefficients"][key] == value, key
    # a year with 60 days missing from the store is refused by the sufficiency check
    other = baseline_meter(database, world, "M-2")
    gappy = [r for i, r in enumerate(readings) if not 100 <= i < 160]
    assert client.post(f"/api/v1/meters/{other}/readings", headers=device, json={"readings": gappy}).status_code == 200
    refused = client.post(f"/api/v1/meters/{other}/baselines", headers=headers,
                          json={"energy_source": "readings", "data": drivers})
    assert refused.status_code == 422, refused.text


def test_findings_are_stored_with_the_model(client: TestClient, login: Login, world: World,
                                            database: Database) -> None:
    meter_id = baseline_meter(database, world)
    rows = year()
    rows[100]["energy"] = 50_000.0  # a spike on 2025-04-11
    b = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"), json={"data": rows}).json()
    findings = b["sufficiency"]["findings"]
    assert [(f["name"], f["start"]) for f in findings] == [("monitoring.quality.spike", "2025-04-11")]
    assert findings[0]["message_zh"] and findings[0]["fix_text"]


def test_savings_report_is_kept_checked_for_anomalies_and_shown_on_the_meter_page(
        client: TestClient, login: Login, world: World, database: Database) -> None:
    """A manager's savings call stores the report and turns days far above the baseline into
    diagnosis alerts; the meter dashboard then shows baseline against actual, the avoided energy
    and the alerts. A viewer gets the same numbers but stores nothing."""
    from greenmfg.diagnosis.models import DiagnosisAlert
    from greenmfg.monitoring.baseline_models import SavingsReport

    meter_id = baseline_meter(database, world)
    headers = login("steel")
    fitted = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=headers,
                         json={"data": year(production=False)}).json()
    reporting = year(dt.date(2026, 1, 1), production=False, scale=0.9, seed=2, n=120)
    for i in range(60, 67):  # one week of a compressed-air leak: +25 % on every day
        reporting[i]["energy"] = round(reporting[i]["energy"] * 1.25, 3)
    answer = client.post(f"/api/v1/baselines/{fitted['id']}/savings", headers=headers, json={"data": reporting})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["report_id"] > 0
    assert body["alerts"], "the leak week must raise an alert"
    flagged = {a["started"] for a in body["alerts"]}
    assert any("2026-03-02" <= d <= "2026-03-08" for d in flagged), flagged
    with database.session() as s:
        report = s.get(SavingsReport, body["report_id"])
        assert report is not None and report.meter_id == meter_id
        assert report.period_start == dt.date(2026, 1, 1) and len(report.days["dates"]) == 120
        # the stored per-day series add up to the avoided energy of the answer
        assert sum(report.days["adjusted"]) - sum(report.days["actual"]) == pytest.approx(body["avoided_energy"])
        assert s.execute(select(func.count()).select_from(DiagnosisAlert)
                         .where(DiagnosisAlert.meter_id == meter_id)).scalar_one() == len(body["alerts"])
    viewer = client.post(f"/api/v1/baselines/{fitted['id']}/savings", headers=login("steelviewer"),
                         json={"data": reporting})
    assert viewer.status_code == 200 and "report_id" not in viewer.json()
    assert viewer.json()["avoided_energy"] == pytest.approx(body["avoided_energy"])
    with database.session() as s:
        assert s.execute(select(func.count()).select_from(SavingsReport)).scalar_one() == 1
    page = signed_in(client, "steel", locale="zh-CN").get(f"/meters/{meter_id}")
    assert page.status_code == 200, page.text[:500]
    assert "基准与实际对比" in page.text and "mv-chart" in page.text and "节能量" in page.text
    assert "2026-03-0" in page.text  # the alert row



def test_continuous_balance_point_search_is_chosen_stored_and_used_for_savings(
        client: TestClient, login: Login, world: World, database: Database) -> None:
    """``balance_point_search="continuous"`` (the way OpenDSM's legacy model searches, docs/mv.md):
    the true balance points lie between the 1 °F grid points; the refined fit finds them closer
    and fits at least as well, and is stored with the search that found it."""
    meter_id = baseline_meter(database, world)
    headers = login("steel")
    data = year(production=False)  # true balance points 15.0 °C (59 °F) and 22.0 °C (71.6 °F)
    grid = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=headers, json={"data": data}).json()
    refined = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=headers,
                          json={"data": data, "balance_point_search": "continuous"})
    assert refined.status_code == 201, refined.text
    c, g = refined.json()["coefficients"], grid["coefficients"]
    assert g["balance_point_search"] == "grid" and c["balance_point_search"] == "continuous"
    on_grid = {round(mv.f_to_c(f), 9) for f in mv.BALANCE_POINTS_F}
    assert round(c["cooling_balance_point_c"], 9) not in on_grid  # not a grid point
    assert abs(c["cooling_balance_point_c"] - 22.0) < abs(g["cooling_balance_point_c"] - 22.0)
    assert refined.json()["metrics"]["cv_rmse"] <= grid["metrics"]["cv_rmse"] + 1e-12
    bad = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=headers,
                      json={"data": data, "balance_point_search": "exhaustive"})
    assert details(bad) == {"balance_point_search": "monitoring.input.bad_balance_point_search"}
    assert count(database) == 2
