"""M&V and diagnosis results say what they mean (issue #12 item 7).

* An ISO 50006 statistical-model baseline is judged by ISO 50006's own rules (enough complete
  points, each relevant variable varying; ISO 50006:2023, paraphrased in methods.md B.6), not by
  CalTRACK 2.0's 365-day baseline, and is labelled ISO 50006, not CalTRACK.
* Savings whose uncertainty is 50 % of them or more at 68 % confidence are "not significant"
  (ASHRAE Guideline 14-2014 §4.1.1 as quoted; ≈ IPMVP's savings > 2 × their standard error).
* The meter's savings card shows a report of the current baseline, not one of a replaced one.
* Diagnosis alerts follow the page's year; a drop below the baseline is never a "high" excess;
  a measure without a saving has no payback.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from fastapi.testclient import TestClient

from greenmfg.calc import mv
from greenmfg.db.session import Database
from greenmfg.diagnosis import service as diagnosis

from .conftest import Login, World
from .test_baselines import add_meter, details, year
from .test_diagnosis import _meter
from .test_diagnosis_pages import _page
from .web_helpers import signed_in


def _fit(client: TestClient, login: Login, meter_id: int, rows: list[dict[str, Any]], **body: Any) -> Any:
    return client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                       json={"method": "multivariate", "ipmvp_option": "C", "drivers": ["production", "hdd", "cdd"],
                             "hdd_base_c": 15, "cdd_base_c": 22, "data": rows, **body})


def test_iso50006_model_is_judged_by_its_own_rules_and_labelled_so(client: TestClient, login: Login, world: World,
                                                                   database: Database) -> None:
    meter_id = add_meter(database, world)
    rows = year(n=120)  # January–April: short of CalTRACK's 365 days, plenty for a regression
    # no day above 22 °C in these months: cooling degree days are all 0 and their effect cannot be
    # estimated, so a model with CDD is refused by ISO 50006's rule, and says why
    with_cdd = _fit(client, login, meter_id, rows)
    assert details(with_cdd) == {"data": "monitoring.input.insufficient_data"}
    assert "制冷度日数在基准期内无变化" in with_cdd.json()["error"]["details"][0]["message_zh"]
    answer = _fit(client, login, meter_id, rows, drivers=["production", "hdd"])
    assert answer.status_code == 201, answer.text  # before: refused with "CalTRACK needs 365"
    b = answer.json()
    assert b["sufficiency"]["rules"] == "iso50006" and b["sufficiency"]["sufficient"] is True
    assert b["method_version"] == mv.MULTIVARIATE_METHOD_VERSION and "CalTRACK" not in b["method_version"]
    # the relevant variables' range is kept with the model
    assert b["sufficiency"]["ranges"]["production"][0] == pytest.approx(min(r["production"] for r in rows))
    # a CalTRACK model on the same 120 days is still refused by CalTRACK's 365-day rule
    caltrack = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"), json={"data": rows})
    assert details(caltrack) == {"data": "monitoring.input.insufficient_data"}
    # ISO 50006's rules: a relevant variable that never varies cannot be estimated
    flat = [{**r, "production": 400.0} for r in rows]
    refused = _fit(client, login, meter_id, flat, drivers=["production", "hdd"])
    assert details(refused) == {"data": "monitoring.input.insufficient_data"}
    messages = refused.json()["error"]["details"]
    assert any("产量在基准期内无变化" in m["message_zh"] and "production does not vary" in m["message"]
               for m in messages)
    assert not any("CalTRACK" in m["message"] for m in messages)
    # fewer than 12 complete points
    few = _fit(client, login, meter_id, year(n=11), drivers=["production", "hdd"])
    assert details(few) == {"data": "monitoring.input.insufficient_data"}
    # the meter page names the model and its rules in words
    page = html.unescape(signed_in(client, "steel", locale="zh-CN").get(f"/meters/{meter_id}").text)
    assert "ISO 50006 统计模型（多元回归）" in page and "按 ISO 50006 规则" in page
    assert "iso50006_multivariate_ols" not in page


def test_savings_within_their_uncertainty_are_not_significant(client: TestClient, login: Login, world: World,
                                                              database: Database) -> None:
    meter_id = add_meter(database, world)
    fitted = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                         json={"data": year(production=False)}).json()
    url = f"/api/v1/baselines/{fitted['id']}/savings"
    # 10 % less energy over a year: FSU(68 %) is a few per cent → significant
    clear = client.post(url, headers=login("steel"), json={"data": year(dt.date(2026, 1, 1), production=False,
                                                                          scale=0.9, seed=2)}).json()
    assert clear["significance"]["significant"] is True
    assert clear["significance"]["fsu"] == pytest.approx(clear["uncertainty"][0]["fsu"])
    assert clear["significance"]["fsu"] < 0.5
    # the same process, nothing saved: the savings are noise, the FSU is far above 50 %
    noise = client.post(url, headers=login("steel"), json={"data": year(dt.date(2026, 1, 1), production=False,
                                                                          scale=1.0, seed=2)}).json()
    fsu_68 = next(u["fsu"] for u in noise["uncertainty"] if u["confidence"] == 0.68)
    assert fsu_68 >= 0.5  # ASHRAE G14: not under 50 % at 68 % → not significant
    assert noise["significance"]["significant"] is False
    page = html.unescape(signed_in(client, "steel", locale="zh-CN").get(f"/meters/{meter_id}").text)
    assert 'data-testid="mv-significance" data-significant="false"' in page and "不显著" in page
    en = html.unescape(signed_in(client, "steel", locale="en").get(f"/meters/{meter_id}").text)
    assert "not significant" in en and "ASHRAE Guideline 14-2014 requires under 50 %" in en


def test_savings_card_follows_the_current_baseline(client: TestClient, login: Login, world: World,
                                                   database: Database) -> None:
    meter_id = add_meter(database, world)
    first = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                        json={"data": year(production=False)}).json()
    saved = client.post(f"/api/v1/baselines/{first['id']}/savings", headers=login("steel"),
                        json={"data": year(dt.date(2026, 1, 1), production=False, scale=0.9, seed=2)})
    assert saved.status_code == 200
    browser = signed_in(client, "steel", locale="en")
    assert 'data-testid="mv-savings"' in browser.get(f"/meters/{meter_id}").text
    # refit: the old report belongs to the replaced baseline and is no longer the meter's savings
    refit = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                        json={"data": year(production=False, seed=5)})
    assert refit.status_code == 201
    page = browser.get(f"/meters/{meter_id}").text
    assert 'data-testid="mv-savings"' not in page
    assert "No savings report with the current baseline yet" in page


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
    from .test_diagnosis import MOTOR, add

    add(client, login, world, {**MOTOR, "code": "M-9", "hours_per_year": 0})
    _, page = _page(client, "steel", world, "zh")
    table = page.text[page.text.index('data-testid="equipment-table"'):]
    row = table[table.index("M-9"):].split("</tr>")[0]
    assert 'data-testid="no-payback"' in row and "无节约，不计回收期" in row
    report = client.get(f"/api/v1/enterprises/{world.org('steel')}/diagnosis/report.html?year=2023&lang=en",
                        headers=login("steel")).text
    assert "no saving, no payback" in report
