"""Green-manufacturing evaluations through the API on SQLite and PostgreSQL: scoring with the
intensities computed from stored accounting results, located refusals (nothing stored), drafts
and finalisation, reports (HTML, PDF with Chinese text, xlsx), access and audit.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from greenmfg.audit.models import AuditEvent
from greenmfg.db.session import Database
from greenmfg.greenfactory.frameworks import load_framework
from greenmfg.greenfactory.models import GreenEvaluation
from greenmfg.reports import cjk_font_available
from tests.factories import Login, World, steel_csv, upload
from tests.platform.test_isolation import GREENFACTORY, _api_routes

REFS = {"benchmark": 1000, "leading": 500, "reference_source": "行业能效基准/标杆水平（示例）"}


def yes() -> list[dict[str, Any]]:
    return [{"key": v.key, "answer": True, "evidence": "证书"} for v in load_framework("gbt36132-2025").vetoes]


def document(*extra: dict[str, Any]) -> dict[str, Any]:
    return {"framework": "gbt36132-2025", "title": "2024 年绿色工厂自评价", "year": 2024,
            "items": yes() + [{"key": "能碳管理系统平台", "points": 6}, *extra]}


def count(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(GreenEvaluation)) or 0


def created(client: TestClient, login: Login, world: World, body: dict[str, Any] | None = None,
            user: str = "steel", org: str = "steel") -> dict[str, Any]:
    answer = client.post(f"/api/v1/enterprises/{world.org(org)}/green-evaluations", headers=login(user),
                         json=body or document())
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_every_greenfactory_route_is_tested_here(client: TestClient) -> None:
    assert {r for r in _api_routes(client) if "green-evaluations" in r[1]} == GREENFACTORY


def test_auto_intensities_from_stored_results(client: TestClient, login: Login, world: World) -> None:
    headers = login("steel")
    batch = upload(client, headers, world.org("steel"), steel_csv()).json()
    assert client.post(f"/api/v1/imports/{batch['id']}/commit", headers=headers).status_code == 200
    results = client.get(f"/api/v1/enterprises/{world.org('steel')}/results", headers=headers).json()["results"]
    # independent cross-check: output-weighted intensity of crude steel over the stored periods
    pairs = [(p["quantity"], p["energy_intensity"], p["emission_intensity"]) for r in results for p in r["products"]
             if p["product"] == "crude_steel"]
    quantity = sum(q for q, _, _ in pairs)
    energy = sum(q * e for q, e, _ in pairs) / quantity
    carbon = sum(q * c for q, _, c in pairs) / quantity
    body = created(client, login, world, document({"key": "energy.energy_intensity", **REFS},
                                                  {"key": "碳排放强度", "benchmark": 3, "leading": 1,
                                                   "reference_source": "示例"}))
    rows = {i["key"]: i for i in body["result"]["items"]}
    assert rows["energy.energy_intensity"]["auto"] is True
    assert rows["energy.energy_intensity"]["value"] == pytest.approx(energy, rel=1e-9)
    assert rows["energy.carbon_intensity"]["value"] == pytest.approx(carbon, rel=1e-9)
    assert "crude steel" in rows["energy.energy_intensity"]["value_source"]
    assert "粗钢" in rows["energy.energy_intensity"]["value_source_zh"]
    expected = 8 * min(1, max(0, (1000 - energy) / 500))
    assert rows["energy.energy_intensity"]["points"] == pytest.approx(expected)
    expected_carbon = 8 * min(1, max(0, (3 - carbon) / 2))
    # total: 6 (platform) + the two intensities
    assert body["total_score"] == pytest.approx(6 + expected + expected_carbon, abs=1e-3)
    # a different value without a reason is refused, with a reason accepted and shown
    refused = client.put(f"/api/v1/green-evaluations/{body['id']}", headers=headers,
                         json=document({"key": "energy.energy_intensity", "value": 600, **REFS}))
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["column"].endswith(".override_reason")
    ok = client.put(f"/api/v1/green-evaluations/{body['id']}", headers=headers, json=document(
        {"key": "energy.energy_intensity", "value": 0.6, "unit": "tce/t", "override_reason": "2025 新线",
         "benchmark": 1.0, "leading": 0.5, "reference_source": "示例"}))
    assert ok.status_code == 200, ok.text
    row = next(i for i in ok.json()["result"]["items"] if i["key"] == "energy.energy_intensity")
    # the row's unit applies to its references too: 0.6, 1.0 and 0.5 tce/t = 600, 1000, 500 kgce/t
    # → 8 × (1000 − 600)/(1000 − 500) = 6.4
    assert row["value"] == pytest.approx(600) and row["points"] == pytest.approx(6.4)
    assert row["benchmark"] == pytest.approx(1000) and row["leading"] == pytest.approx(500)
    warned = {w["code"] for w in ok.json()["result"]["warnings"]}
    assert "greenfactory.auto.reference_needed" in warned  # carbon intensity: auto value, no references


@pytest.mark.parametrize(("item", "column"), [
    ({"key": "no.such.item", "points": 1}, "items[9].key"),
    ({"key": "clean.process_equipment", "points": 99}, "items[9].points"),
    ({"key": "resources.water_intensity", "value": 2, "unit": "kgce", "benchmark": 3, "leading": 1,
      "reference_source": "x"}, "items[9].unit"),
])
def test_bad_input_is_refused_located_and_nothing_stored(client: TestClient, login: Login, world: World,
                                                         database: Database, item: dict[str, Any],
                                                         column: str) -> None:
    before = count(database)
    answer = client.post(f"/api/v1/enterprises/{world.org('steel')}/green-evaluations", headers=login("steel"),
                         json=document(item))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and "未做任何更改" in error["message_zh"]
    detail = error["details"][0]
    assert detail["column"] == column and detail["message"] and detail["message_zh"] and detail["fix_zh"]
    assert count(database) == before


def test_missing_veto_answer_refused(client: TestClient, login: Login, world: World, database: Database) -> None:
    body = document()
    body["items"] = body["items"][1:]
    answer = client.post(f"/api/v1/enterprises/{world.org('steel')}/green-evaluations", headers=login("steel"),
                         json=body)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["code"] == "greenfactory.input.missing_answer"
    assert count(database) == 0


def test_draft_final_and_audit(client: TestClient, login: Login, world: World, database: Database) -> None:
    body = created(client, login, world)
    assert body["status"] == "draft" and body["total_score"] == pytest.approx(6) and body["passed"] is False
    url = f"/api/v1/green-evaluations/{body['id']}"
    assert client.post(f"{url}/finalise", headers=login("steel")).json()["status"] == "final"
    again = client.put(url, headers=login("steel"), json=document())
    assert again.status_code == 409 and again.json()["error"]["code"] == "evaluation_final"
    with database.session() as s:
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "green_evaluation")))
    assert actions == ["greenfactory.create", "greenfactory.finalise"]


def test_reports_in_both_languages(client: TestClient, login: Login, world: World) -> None:
    body = created(client, login, world)
    url = f"/api/v1/green-evaluations/{body['id']}/report"
    html_zh = client.get(f"{url}.html?lang=zh-CN", headers=login("steel"))
    assert html_zh.status_code == 200 and "差距清单" in html_zh.text and "唐山示例钢铁有限公司" in html_zh.text
    # stamped in China time (issue #15 item 4), not UTC
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} \+08:00", html_zh.text) and "UTC" not in html_zh.text
    html_en = client.get(f"{url}.html?lang=en", headers=login("steel")).text
    assert "Gap list" in html_en and "FAIL" in html_en and "below the pass mark 60" in html_en
    xlsx = client.get(f"{url}.xlsx?lang=en", headers=login("steel"))
    book = load_workbook(io.BytesIO(xlsx.content))
    gaps = [row for row in book["Gaps"].iter_rows(min_row=2, values_only=True)]
    # every indicator but the platform (6/6) is a gap: 94 points recoverable
    assert sum(float(g[4]) for g in gaps) == pytest.approx(94)
    assert client.get(f"{url}.html?lang=fr", headers=login("steel")).status_code == 422
    pdf = client.get(f"{url}.pdf?lang=zh-CN", headers=login("steel"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None or not cjk_font_available():
        pytest.skip("pdftotext or the Noto CJK fonts (make system-deps) are missing: Chinese text not checked")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "绿色制造评价报告" in text and "差距清单" in text and "未通过" in text


def test_access(client: TestClient, login: Login, world: World) -> None:
    steel = created(client, login, world)
    cement = created(client, login, world, user="cement", org="cement")
    url = f"/api/v1/green-evaluations/{steel['id']}"
    # outsiders: other enterprises, an evaluator not assigned to steel → 404 and none of the data
    for username in ("cement", "glass", "evaluator"):
        headers = login(username)
        for method, path in (("GET", url), ("PUT", url), ("POST", f"{url}/finalise"), ("GET", f"{url}/report.html"),
                             ("GET", f"{url}/report.pdf"), ("GET", f"{url}/report.xlsx"),
                             ("GET", f"/api/v1/enterprises/{world.org('steel')}/green-evaluations"),
                             ("POST", f"/api/v1/enterprises/{world.org('steel')}/green-evaluations")):
            answer = client.request(method, path, headers=headers, json=document() if method != "GET" else None)
            assert answer.status_code == 404, (username, method, path, answer.text)
            assert "唐山示例钢铁" not in answer.text and "能碳管理" not in answer.text
    # regulators over the jurisdiction and the assigned evaluator read; viewers read but do not write
    assert client.get(url, headers=login("hebei")).status_code == 200
    assert client.get(url, headers=login("steelviewer")).status_code == 200
    assert client.get(f"/api/v1/green-evaluations/{cement['id']}", headers=login("evaluator")).status_code == 200
    listed = client.get(f"/api/v1/enterprises/{world.org('steel')}/green-evaluations", headers=login("tangshan"))
    assert [e["id"] for e in listed.json()["items"]] == [steel["id"]]
    for method, path in (("PUT", url), ("POST", f"{url}/finalise")):
        assert client.request(method, path, headers=login("hebei"), json=document()).status_code == 403
    assert client.put(url, headers=login("steelviewer"), json=document()).status_code == 403
