"""M&V results say what they mean (issue #12 item 7; the diagnosis half is in tests/diagnosis/test_pages.py).

* An ISO 50006 statistical-model baseline is judged by ISO 50006's own rules (enough complete
  points, each relevant variable varying; ISO 50006:2023, paraphrased in methods.md B.6), not by
  CalTRACK 2.0's 365-day baseline, and is labelled ISO 50006, not CalTRACK.
* Savings whose uncertainty is 50 % of them or more at 68 % confidence are "not significant"
  (ASHRAE Guideline 14-2014 §4.1.1 as quoted; ≈ IPMVP's savings > 2 × their standard error).
* The meter's savings card shows a report of the current baseline, not one of a replaced one.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from fastapi.testclient import TestClient

from greenmfg.calc import mv
from greenmfg.db.session import Database
from tests.factories import Login, World, signed_in

from .test_baselines_api import baseline_meter, details, year


def _fit(client: TestClient, login: Login, meter_id: int, rows: list[dict[str, Any]], **body: Any) -> Any:
    return client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                       json={"method": "multivariate", "ipmvp_option": "C", "drivers": ["production", "hdd", "cdd"],
                             "hdd_base_c": 15, "cdd_base_c": 22, "data": rows, **body})


def test_iso50006_model_is_judged_by_its_own_rules_and_labelled_so(client: TestClient, login: Login, world: World,
                                                                   database: Database) -> None:
    """ISO 50006's own rules: every calendar month of a full operating cycle represented (the "10–12
    baseline points" of the guidance as quoted in methods.md B.6 are monthly points of a year; a
    month counts with complete days on ≥ 90 % of it), each relevant variable varying."""
    meter_id = baseline_meter(database, world)
    rows = year()  # 2025: a full year of daily data with production and temperature
    answer = _fit(client, login, meter_id, rows, drivers=["production", "hdd"])
    assert answer.status_code == 201, answer.text
    b = answer.json()
    assert b["sufficiency"]["rules"] == "iso50006" and b["sufficiency"]["sufficient"] is True
    assert b["method_version"] == mv.MULTIVARIATE_METHOD_VERSION and "CalTRACK" not in b["method_version"]
    # the relevant variables' range is kept with the model
    assert b["sufficiency"]["ranges"]["production"][0] == pytest.approx(min(r["production"] for r in rows))
    # 120 winter days (January–April) with production and HDD: weather is a relevant variable and
    # four months are not its cycle; the model would know nothing of May–December. Refused, and
    # not by CalTRACK's 365 days (before: fitted as "plenty for a regression").
    winter = _fit(client, login, meter_id, year(n=120), drivers=["production", "hdd"])
    assert details(winter) == {"data": "monitoring.input.insufficient_data"}
    messages = winter.json()["error"]["details"]
    assert any("4 of 12 calendar months" in m["message"] and "May, Jun" in m["message"]
               and "5月、6月" in m["message_zh"] for m in messages)
    assert not any("CalTRACK" in m["message"] for m in messages)
    # a model with CDD on those winter days: cooling degree days are all 0 (no day above 22 °C),
    # their effect cannot be estimated, and the reason says so
    with_cdd = _fit(client, login, meter_id, year(n=120))
    assert details(with_cdd) == {"data": "monitoring.input.insufficient_data"}
    assert any("制冷度日数在基准期内无变化" in m["message_zh"] for m in with_cdd.json()["error"]["details"])
    # a CalTRACK model on the same 120 days is refused by CalTRACK's 365-day rule
    caltrack = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"), json={"data": rows[:120]})
    assert details(caltrack) == {"data": "monitoring.input.insufficient_data"}
    # a relevant variable that never varies cannot be estimated
    flat = [{**r, "production": 400.0} for r in rows]
    refused = _fit(client, login, meter_id, flat, drivers=["production", "hdd"])
    assert details(refused) == {"data": "monitoring.input.insufficient_data"}
    messages = refused.json()["error"]["details"]
    assert any("产量在基准期内无变化" in m["message_zh"] and "production does not vary" in m["message"]
               for m in messages)
    assert not any("CalTRACK" in m["message"] for m in messages)
    # the meter page names the model and its rules in words
    page = html.unescape(signed_in(client, "steel", locale="zh-CN").get(f"/meters/{meter_id}").text)
    assert "ISO 50006 统计模型（多元回归）" in page and "按 ISO 50006 规则：12 个日历月均有数据" in page
    assert "iso50006_multivariate_ols" not in page


def test_iso50006_days_are_not_baseline_points(client: TestClient, login: Login, world: World,
                                               database: Database) -> None:
    """Before: 12 complete days counted as ISO 50006's 12 points and a 366-day window with 13
    complete days (3.6 % coverage) was sufficient; both were fitted with no override."""
    meter_id = baseline_meter(database, world)
    for rows in (year(n=12), year(n=11)):  # 12 (or 11) January days: not a year of monthly points
        answer = _fit(client, login, meter_id, rows, drivers=["production", "hdd"])
        assert details(answer) == {"data": "monitoring.input.insufficient_data"}
        assert "0 of 12 calendar months" in answer.json()["error"]["details"][0]["message"]
    # 2024 (366 days): 1 January and the 15th of every month, nothing else
    full = {r["date"]: r for r in year(dt.date(2024, 1, 1), n=366)}
    sparse = [full["2024-01-01"]] + [full[f"2024-{m:02d}-15"] for m in range(1, 13)]
    answer = _fit(client, login, meter_id, sparse, drivers=["production", "hdd"],
                  window={"start": "2024-01-01", "end": "2024-12-31"})
    assert details(answer) == {"data": "monitoring.input.insufficient_data"}
    reason = answer.json()["error"]["details"][0]
    assert "0 of 12 calendar months" in reason["message"] and "ISO 50006" in reason["message_zh"]
    # fitted anyway only with a recorded reason; the verdict stays "insufficient", 13 of 366 days
    forced = _fit(client, login, meter_id, sparse, drivers=["production", "hdd"],
                  window={"start": "2024-01-01", "end": "2024-12-31"}, override_insufficient=True,
                  override_reason="试点：每月抽测一天")
    assert forced.status_code == 201, forced.text
    verdict = forced.json()["sufficiency"]
    assert verdict["sufficient"] is False and verdict["days"] == 366 and verdict["days_with_data"] == 13


def test_savings_within_their_uncertainty_are_not_significant(client: TestClient, login: Login, world: World,
                                                              database: Database) -> None:
    meter_id = baseline_meter(database, world)
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
    # this noise year used a little more energy than the baseline (avoided < 0): a rise within the
    # model's uncertainty, worded as a rise, not as "savings" (before: "… of the savings")
    assert noise["avoided_energy"] < 0 and noise["significance"]["verdict"] == "not_significant"
    assert noise["significance"]["message_zh"].startswith("不显著：实际能耗高于调整后基准")
    page = html.unescape(signed_in(client, "steel", locale="zh-CN").get(f"/meters/{meter_id}").text)
    assert 'data-testid="mv-significance" data-significant="false" data-verdict="not_significant"' in page
    assert "不显著" in page and "增加量在模型不确定度之内" in page
    en = html.unescape(signed_in(client, "steel", locale="en").get(f"/meters/{meter_id}").text)
    assert "not significant" in en and "the rise is within the model's uncertainty" in en
    assert "of the savings" not in en
    # 0.1 % less energy: a small saving (avoided > 0) inside its band — "not significant" savings,
    # ASHRAE Guideline 14-2014's 50 % named, the savings cannot be told from zero
    small = client.post(url, headers=login("steel"), json={"data": year(dt.date(2026, 1, 1), production=False,
                                                                          scale=0.999, seed=2)}).json()
    assert small["avoided_energy"] > 0 and small["significance"]["verdict"] == "not_significant"
    assert small["significance"]["fsu"] >= 0.5 and small["significance"]["within_uncertainty"] is True
    en = html.unescape(signed_in(client, "steel", locale="en").get(f"/meters/{meter_id}").text)
    assert 'data-verdict="not_significant"' in en and "ASHRAE Guideline 14-2014 requires under 50 %" in en
    assert "they cannot be told from zero" in en and "the rise is within" not in en
    # 10 % less energy again: the page's wording for savings that are not significant is the other
    # branch; here the savings are significant and said so with ASHRAE Guideline 14-2014's 50 %
    client.post(url, headers=login("steel"), json={"data": year(dt.date(2026, 1, 1), production=False,
                                                                scale=0.9, seed=2)})
    en = html.unescape(signed_in(client, "steel", locale="en").get(f"/meters/{meter_id}").text)
    assert 'data-verdict="significant_savings"' in en and "under the 50 % of ASHRAE Guideline 14-2014" in en


def test_a_significant_rise_in_consumption_is_not_significant_savings(client: TestClient, login: Login,
                                                                      world: World, database: Database) -> None:
    """10 % more energy over a reporting year: the avoided energy is negative and its 68 % FSU a few
    per cent. ASHRAE Guideline 14-2014 §4.1.1 (as quoted) judges savings; a negative figure beyond
    its uncertainty is a rise in consumption, never "significant savings" (before: significant
    True from |savings|, the page showed the "significant" badge and "…% of the savings")."""
    meter_id = baseline_meter(database, world)
    fitted = client.post(f"/api/v1/meters/{meter_id}/baselines", headers=login("steel"),
                         json={"data": year(production=False)}).json()
    rose = client.post(f"/api/v1/baselines/{fitted['id']}/savings", headers=login("steel"),
                       json={"data": year(dt.date(2026, 1, 1), production=False, scale=1.1, seed=2)}).json()
    sig = rose["significance"]
    assert rose["avoided_energy"] < 0 and sig["fsu"] < 0.5
    assert sig["significant"] is False and sig["verdict"] == "significant_increase" and sig["increase"] is True
    assert sig["message"].startswith("consumption rose beyond the model's uncertainty")
    assert sig["message_zh"].startswith("能耗增加（超出模型不确定度）")
    zh = html.unescape(signed_in(client, "steel", locale="zh-CN").get(f"/meters/{meter_id}").text)
    card = zh[zh.index('data-testid="mv-significance"'):].split("</dd>")[0]
    assert 'data-significant="false" data-verdict="significant_increase"' in card
    assert "能耗增加（超出模型不确定度）" in card and "不属于节能" in card
    assert ">显著<" not in card and "节能量的" not in card
    kpis = zh[zh.index('data-testid="mv-kpis"'):].split('class="grid grid-2"')[0]
    assert "能耗增加（超出模型不确定度）" in kpis and "· 显著" not in kpis
    en = html.unescape(signed_in(client, "steel", locale="en").get(f"/meters/{meter_id}").text)
    card = en[en.index('data-testid="mv-significance"'):].split("</dd>")[0]
    assert "consumption rose beyond the model's uncertainty" in card
    assert "these are no savings" in card and "of the savings" not in card and ">significant<" not in card


def test_savings_card_follows_the_current_baseline(client: TestClient, login: Login, world: World,
                                                   database: Database) -> None:
    meter_id = baseline_meter(database, world)
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
