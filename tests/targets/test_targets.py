"""Enterprise targets through the API and the pages: tracking computed here from the stored results,
who reads and who sets them, located errors, the audit trail. One seeded enterprise-year per backend;
each check a subtest."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from greenmfg.audit.models import AuditEvent
from tests.factories import Login, Pages, World, commit, page_text, steel_csv

YEAR = 2024
#: coke per month [t]: three months reported, so the year is a quarter through
COKE = {"2024-01": 1000.0, "2024-02": 1300.0, "2024-03": 900.0}
OUTPUT_VALUE = 250_000.0  # 万元


def _seed(client: TestClient, login: Login, world: World) -> int:
    steel = world.org("steel")
    content = b"".join(steel_csv(periods=(period,), coke=coke).split(b"\n", 1)[1] if index else
                       steel_csv(periods=(period,), coke=coke)
                       for index, (period, coke) in enumerate(COKE.items()))
    commit(client, login("steel"), steel, content)
    answer = client.post(f"/api/v1/enterprises/{steel}/output-values", headers=login("steel"),
                         json={"year": YEAR, "output_value": OUTPUT_VALUE, "source_note": "测试"})
    assert answer.status_code == 200, answer.text
    return steel


def _expected(client: TestClient, headers: dict[str, str], steel: int) -> dict[str, float]:
    """The figures a target is tracked against, summed here from the results endpoint."""
    answer = client.get(f"/api/v1/enterprises/{steel}/results?period={YEAR}", headers=headers)
    assert answer.status_code == 200
    rows: list[dict[str, Any]] = answer.json()["results"]
    assert sorted(r["period"] for r in rows) == sorted(COKE)
    energy = sum(r["energy_tce"] for r in rows)
    emissions = sum(r["emissions_tco2e"]["total"] for r in rows)
    steel_rows = [p for r in rows for p in r["products"] if p["product"] == "crude_steel"]
    intensity = (sum(p["energy_intensity"] * p["quantity"] for p in steel_rows)
                 / sum(p["quantity"] for p in steel_rows))
    return {"energy": energy, "emissions": emissions, "months": len(rows), "intensity": intensity}


def test_targets_tracked_read_and_set(client: TestClient, login: Login, world: World, pages: Pages,
                                      subtests: pytest.Subtests) -> None:
    steel = _seed(client, login, world)
    manager = login("steel")
    figures = _expected(client, manager, steel)
    projected_energy = figures["energy"] / figures["months"] * 12
    projected_emissions = figures["emissions"] / figures["months"] * 12
    # energy: more than used so far, less than the projection → at risk; emissions: above the projection
    energy_target = round((figures["energy"] + projected_energy) / 2)
    emissions_target = round(projected_emissions * 1.1)
    intensity_target = round(figures["intensity"] * 0.95, 1)  # 5 % below the value so far → at risk
    per_output_target = projected_energy / OUTPUT_VALUE * 1.2
    body = {"targets": [
        {"metric": "energy_tce", "value": energy_target, "note": "节能目标责任书"},
        {"metric": "emissions_tco2e", "value": str(emissions_target)},
        {"metric": "energy_intensity", "product": "crude_steel", "value": intensity_target},
        {"metric": "energy_per_output", "value": per_output_target},
    ]}
    saved = client.put(f"/api/v1/enterprises/{steel}/targets?year={YEAR}", headers=manager, json=body)
    assert saved.status_code == 200, saved.text

    with subtests.test("tracking is computed from the stored results"):
        data = client.get(f"/api/v1/enterprises/{steel}/targets?year={YEAR}", headers=manager).json()
        assert data == saved.json()
        assert data["months"] == 3 and data["complete"] is False and data["output_value_10k_cny"] == OUTPUT_VALUE
        by_metric = {t["metric"]: t for t in data["targets"]}
        energy = by_metric["energy_tce"]
        assert energy["to_date"] == pytest.approx(figures["energy"], rel=1e-9)
        assert energy["projected"] == pytest.approx(projected_energy, rel=1e-9)
        assert energy["progress"] == pytest.approx(figures["energy"] / energy_target, rel=1e-9)
        assert energy["expected"] == pytest.approx(0.25)
        assert energy["status"] == "at_risk" and energy["unit"] == "tce" and energy["note"] == "节能目标责任书"
        emissions = by_metric["emissions_tco2e"]
        assert emissions["projected"] == pytest.approx(projected_emissions, rel=1e-9)
        assert emissions["status"] == "on_track"
        intensity = by_metric["energy_intensity"]
        assert intensity["product"] == "crude_steel" and intensity["unit"] == "kgce/t"
        assert intensity["to_date"] == pytest.approx(figures["intensity"], rel=1e-9)
        assert intensity["status"] == "at_risk"
        per_output = by_metric["energy_per_output"]
        assert per_output["to_date"] == pytest.approx(projected_energy / OUTPUT_VALUE, rel=1e-9)
        assert per_output["status"] == "on_track" and per_output["unit"] == "tce/万元"

    with subtests.test("regulators covering it read, and only read"):
        for username in ("hebei", "tangshan", "admin"):
            assert client.get(f"/api/v1/enterprises/{steel}/targets?year={YEAR}",
                              headers=login(username)).json()["targets"] == data["targets"]
        for username in ("hebei", "tangshan", "steelviewer"):
            refused = client.put(f"/api/v1/enterprises/{steel}/targets?year={YEAR}", headers=login(username),
                                 json={"targets": []})
            assert refused.status_code == 403, (username, refused.text)

    with subtests.test("others do not learn it exists"):
        for username in ("glass", "cement", "evaluator"):
            for method in ("get", "put"):
                answer = client.request(method.upper(), f"/api/v1/enterprises/{steel}/targets?year={YEAR}",
                                        headers=login(username), json={"targets": []})
                assert answer.status_code == 404, (username, method, answer.text)

    with subtests.test("bad input is located, in both languages, and changes nothing"):
        bad = client.put(f"/api/v1/enterprises/{steel}/targets?year={YEAR}", headers=manager, json={"targets": [
            {"metric": "energy_tce", "value": "-5"},
            {"metric": "energy_intensity", "product": "cement", "value": 100},
            {"metric": "energy_tce", "product": "crude_steel", "value": 1},
            {"metric": "water", "value": 1},
        ]})
        assert bad.status_code == 422, bad.text
        details = bad.json()["error"]["details"]
        assert [d["column"] for d in details] == ["targets[0].value", "targets[1].product", "targets[2].product",
                                                  "targets[3].metric"]
        assert all(d["message_zh"] and d["fix_zh"] for d in details)
        assert "大于 0" in details[0]["message_zh"]
        after = client.get(f"/api/v1/enterprises/{steel}/targets?year={YEAR}", headers=manager).json()
        assert after["targets"] == data["targets"]
        assert client.put(f"/api/v1/enterprises/{steel}/targets?year={YEAR}", headers=manager,
                          json={"nothing": 1}).status_code == 422
        assert client.put(f"/api/v1/enterprises/{steel}/targets?year=1800", headers=manager,
                          json={"targets": []}).status_code == 422

    with subtests.test("setting is audited with before and after"):
        with world.database.session() as session:
            events = session.execute(select(AuditEvent).where(AuditEvent.action == "targets.set")).scalars().all()
        assert len(events) == 1 and events[0].organisation_id == steel and events[0].actor == "steel"
        assert events[0].details["before"] == {}
        assert events[0].details["after"]["energy_intensity:crude_steel"] == intensity_target

    with subtests.test("the dashboard tracks them, in Chinese and English"):
        browser = pages("steel")
        zh = browser.get(f"/enterprises/{steel}?year={YEAR}")
        assert zh.status_code == 200
        text = page_text(zh)
        assert "2024 年目标" in text or "2024年目标" in text, text[:2000]
        assert 'data-status="at_risk"' in zh.text and 'data-status="on_track"' in zh.text
        assert "单位产品能耗：粗钢" in text and "有风险" in text
        browser.language("en")
        en = page_text(browser.get(f"/enterprises/{steel}?year={YEAR}"))
        assert "Targets of 2024" in en and "Unit product energy: Crude steel" in en and "At risk" in en

    with subtests.test("the form: managers save, errors come back beside their field"):
        browser = pages("steel")
        form = browser.get(f"/enterprises/{steel}/targets?year={YEAR}")
        assert form.status_code == 200 and 'data-testid="targets-form"' in form.text
        wrong = browser.post(f"/enterprises/{steel}/targets?year={YEAR}",
                             data={"energy_tce": "abc", "emissions_tco2e": "5000"})
        assert wrong.status_code == 422 and "is not a number" in page_text(wrong) and 'value="abc"' in wrong.text
        done = browser.post(f"/enterprises/{steel}/targets?year={YEAR}",
                            data={"energy_tce": "12345", "note:energy_tce": "计划", "energy_intensity:crude_steel": ""})
        assert done.status_code == 303
        data = client.get(f"/api/v1/enterprises/{steel}/targets?year={YEAR}", headers=manager).json()
        assert [(t["metric"], t["value"], t["note"]) for t in data["targets"]] == [("energy_tce", 12345.0, "计划")]

    with subtests.test("regulators see the page without the form"):
        regulator = pages("hebei")
        page = regulator.get(f"/enterprises/{steel}/targets?year={YEAR}")
        assert page.status_code == 200 and 'data-testid="targets-form"' not in page.text
        assert "12,345" in page.text or "12345" in page.text
        assert regulator.post(f"/enterprises/{steel}/targets?year={YEAR}", data={"energy_tce": "1"}).status_code == 403
        assert pages("glass").get(f"/enterprises/{steel}/targets?year={YEAR}").status_code == 404
