"""Green-evaluation pages on SQLite and PostgreSQL, driven as a browser does (cookie + CSRF token):
the form with the automatic intensities marked, located refusals (nothing stored), the result page
in both languages, the template download and upload, finalising, and outsiders (404 page).
"""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from greenmfg.db.session import Database
from greenmfg.greenfactory.frameworks import load_framework
from greenmfg.greenfactory.models import GreenEvaluation
from tests.factories import (
    Login,
    Pages,
    World,
    app_routes,
    page_text,
    steel_csv,
    upload,
)
from tests.platform.test_pages import GREENFACTORY


def _count(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(GreenEvaluation)) or 0


def _form(world: World, **extra: str) -> dict[str, str]:
    data = {"enterprise_id": str(world.org("steel")), "framework": "gbt36132-2025", "title": "2024 自评价"}
    data.update({f"answer__{v.key}": "true" for v in load_framework("gbt36132-2025").vetoes})
    data.update(extra)
    return data


def test_every_greenfactory_page_is_tested_here(client: TestClient) -> None:
    routes = {(m, r.path) for r in app_routes(client.app) if r.path.startswith("/green-factory")
              for m in r.methods if m != "HEAD"}
    assert routes == GREENFACTORY


def test_form_create_result_and_finalise(client: TestClient, login: Login, world: World, pages: Pages,
                                         database: Database) -> None:
    headers = login("steel")
    batch = upload(client, headers, world.org("steel"), steel_csv()).json()
    client.post(f"/api/v1/imports/{batch['id']}/commit", headers=headers)
    steel = pages("steel")
    home = steel.get("/green-factory")
    assert home.status_code == 200 and "绿色制造评价" in page_text(home)
    form = steel.get(f"/green-factory/new?enterprise_id={world.org('steel')}&framework=gbt36132-2025")
    assert form.status_code == 200
    assert 'data-testid="auto-energy.energy_intensity"' in form.text  # filled from the stored results
    assert "能碳管理系统平台" in page_text(form) and "基准值" in page_text(form)
    # bad input: points out of range, a unit that does not convert → the form again, nothing stored
    bad = steel.post("/green-factory/new", data=_form(world, **{
        "points__energy.management_platform": "9", "value__energy.renewable_share": "12",
        "unit__energy.renewable_share": "kg", "benchmark__energy.renewable_share": "5",
        "leading__energy.renewable_share": "30", "reference_source__energy.renewable_share": "行业"}))
    assert bad.status_code == 422
    text = page_text(bad)
    assert "得分必须是 0 至 6 之间的数" in text and "不能换算为 %" in text and "未保存" in text
    assert 'value="9"' in bad.text  # the user's input is kept
    assert _count(database) == 0
    good = steel.post("/green-factory/new", data=_form(world, **{
        "points__energy.management_platform": "6", "value__energy.renewable_share": "17.5",
        "unit__energy.renewable_share": "%", "benchmark__energy.renewable_share": "5",
        "leading__energy.renewable_share": "30", "reference_source__energy.renewable_share": "行业"}))
    assert good.status_code == 303, good.text
    evaluation_id = int(good.headers["location"].rsplit("/", 1)[1])
    page = steel.get(f"/green-factory/{evaluation_id}")
    text = page_text(page)
    # 6 + 8 × (17.5 − 5)/(30 − 5) = 6 + 4 = 10 points; below the pass mark 60
    assert "10.00" in text and "未通过" in text and "差距清单" in text and 'id="gf-radar"' in page.text
    steel.language("en")
    english = page_text(steel.get(f"/green-factory/{evaluation_id}"))
    assert "Gap list" in english and "below the pass mark 60" in english
    assert steel.post(f"/green-factory/{evaluation_id}/finalise").status_code == 303
    with database.session() as s:
        row = s.get(GreenEvaluation, evaluation_id)
        assert row is not None and row.status == "final"


def test_template_upload_fills_form_or_locates_errors(world: World, pages: Pages, database: Database) -> None:
    steel = pages("steel")
    content = steel.get("/green-factory/template.xlsx?framework=gbt36132-2025").content
    book = load_workbook(io.BytesIO(content))
    sheet = book["基本要求与指标"]
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 2).value == "veto":
            sheet.cell(row, 6).value = "符合"
        if sheet.cell(row, 1).value == "clean.process_equipment":
            sheet.cell(row, 7).value = 5
    out = io.BytesIO()
    book.save(out)
    files = {"workbook": ("gf.xlsx", out.getvalue(), "application/octet-stream")}
    filled = steel.post("/green-factory/new/upload", data={"enterprise_id": str(world.org("steel"))}, files=files)
    assert filled.status_code == 200, filled.text
    assert 'name="points__clean.process_equipment" value="5"' in filled.text
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value == "clean.process_equipment":
            sheet.cell(row, 7).value = 50
            bad_row = row
    out = io.BytesIO()
    book.save(out)
    files = {"workbook": ("gf.xlsx", out.getvalue(), "application/octet-stream")}
    refused = steel.post("/green-factory/new/upload", data={"enterprise_id": str(world.org("steel"))}, files=files)
    assert refused.status_code == 422
    assert f"sheet 基本要求与指标, row {bad_row}, column points" in page_text(refused)
    junk = {"workbook": ("gf.xlsx", b"not a workbook", "application/octet-stream")}
    assert steel.post("/green-factory/new/upload", data={"enterprise_id": str(world.org("steel"))},
                      files=junk).status_code == 422
    assert _count(database) == 0


def test_outsiders_get_404_page(client: TestClient, login: Login, world: World, pages: Pages,
                                database: Database) -> None:
    answer = client.post(f"/api/v1/enterprises/{world.org('steel')}/green-evaluations", headers=login("steel"),
                         json={"items": [{"key": v.key, "answer": True} for v in load_framework("gbt36132-2025").vetoes]})
    evaluation_id = answer.json()["id"]
    for username in ("cement", "glass", "evaluator"):
        browser = pages(username)
        calls: list[Any] = [browser.get(f"/green-factory/{evaluation_id}"),
                            browser.post(f"/green-factory/{evaluation_id}/finalise"),
                            browser.get(f"/green-factory/new?enterprise_id={world.org('steel')}"),
                            browser.post("/green-factory/new", data=_form(world))]
        for call in calls:
            assert call.status_code == 404, (username, call.text[:300])
            assert "唐山示例钢铁" not in call.text
        listing = browser.get("/green-factory")
        assert listing.status_code == 200 and "唐山示例钢铁" not in listing.text
    with database.session() as s:
        row = s.get(GreenEvaluation, evaluation_id)
        assert row is not None and row.status == "draft"
    assert _count(database) == 1
    # the regulator over Hebei sees it in the list and can read it, but not finalise it
    hebei = pages("hebei")
    assert "唐山示例钢铁" in hebei.get("/green-factory").text
    assert hebei.get(f"/green-factory/{evaluation_id}").status_code == 200
    assert hebei.post(f"/green-factory/{evaluation_id}/finalise").status_code == 403
