"""The self-evaluation form knows what the platform knows (issue #15 item 6), on SQLite and PostgreSQL:
the product picker (names in the page's language, 熟料 accepted, an unknown product refused with
nothing stored), benchmark and leading value from the reference library with their source, values
filled from stored results counted as filled, and a saved draft edited in the browser.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.audit.models import AuditEvent
from greenmfg.db.session import Database
from greenmfg.greenfactory.frameworks import load_framework
from greenmfg.greenfactory.models import GreenEvaluation
from tests.factories import Login, Pages, World, page_text, steel_csv, upload

ENERGY = "energy.energy_intensity"


def _form(world: World, **extra: str) -> dict[str, str]:
    data = {"enterprise_id": str(world.org("steel")), "framework": "gbt36132-2025", "title": "2024 自评价"}
    data.update({f"answer__{v.key}": "true" for v in load_framework("gbt36132-2025").vetoes})
    data.update(extra)
    return data


def _rows(database: Database) -> list[GreenEvaluation]:
    with database.session() as s:
        return list(s.execute(select(GreenEvaluation).order_by(GreenEvaluation.id)).scalars())


def _commit_steel(client: TestClient, login: Login, world: World) -> None:
    headers = login("steel")
    batch = upload(client, headers, world.org("steel"), steel_csv()).json()
    assert client.post(f"/api/v1/imports/{batch['id']}/commit", headers=headers).status_code == 200


def test_product_picker_and_reference_values(client: TestClient, login: Login, world: World, pages: Pages,
                                             database: Database) -> None:
    _commit_steel(client, login, world)
    steel = pages("steel")
    form = steel.get(f"/green-factory/new?enterprise_id={world.org('steel')}&framework=gbt36132-2025")
    assert form.status_code == 200
    picker = re.search(r'<select id="gf-product"[^>]*>(.*?)</select>', form.text, re.S)
    assert picker is not None
    options = re.findall(r'<option value="(\w*)"[^>]*>([^<]*)</option>', picker.group(1))
    # the product with stored results first, named in Chinese with its output (grouped digits)
    assert options[1][0] == "crude_steel" and options[1][1].startswith("粗钢 · 2024 · 10,000")
    assert ("clinker", "熟料") in options
    # a product the platform does not know is refused, located at the product, nothing stored
    bad = steel.post("/green-factory/new", data=_form(world, product="熟料x"))
    assert bad.status_code == 422
    assert "“熟料x”不是平台已知的产品" in page_text(bad) and "是否指：熟料" in page_text(bad)
    assert _rows(database) == []
    # 熟料 (the Chinese name) is the product clinker; no clinker results, so the value is entered and scored
    # against the reference library's levels: 8 × (108.5 − 117) / (100 − 117) = 4 points
    good = steel.post("/green-factory/new", data=_form(world, product="熟料", **{f"value__{ENERGY}": "108.5"}))
    assert good.status_code == 303, page_text(good)[:800]
    [row] = _rows(database)
    assert row.result["product"] == "clinker" and row.result["product_zh"] == "熟料"
    item = next(i for i in row.result["items"] if i["key"] == ENERGY)
    assert (item["benchmark"], item["leading"]) == (117.0, 100.0)
    assert abs(item["points"] - 4.0) < 1e-9
    assert "基准水平 117" in item["reference_source_zh"] and "1609号" in item["reference_source_zh"]
    page = page_text(steel.get(f"/green-factory/{row.id}"))
    assert "熟料" in page and "基准水平 117" in page and "clinker" not in page
    # the edit form shows the library values with their source, in English too
    steel.language("en")
    edit = steel.get(f"/green-factory/{row.id}/edit")
    assert f'data-testid="reference-{ENERGY}"' in edit.text
    text = page_text(edit)
    assert "Benchmark 117 · Leading value 100 kgce/t" in text and "baseline level 117" in text
    # the enterprise's own values with their source replace the library's
    own = steel.post(f"/green-factory/{row.id}/edit", data=_form(world, product="clinker", **{
        f"value__{ENERGY}": "108.5", f"benchmark__{ENERGY}": "120", f"leading__{ENERGY}": "100",
        f"reference_source__{ENERGY}": "省级地方标准（示例）"}))
    assert own.status_code == 303
    item = next(i for i in _rows(database)[0].result["items"] if i["key"] == ENERGY)
    assert item["benchmark"] == 120.0 and item["reference_source"] == "省级地方标准（示例）"


def test_draft_is_edited_and_auto_values_count_as_filled(client: TestClient, login: Login, world: World,
                                                         pages: Pages, database: Database) -> None:
    _commit_steel(client, login, world)
    steel = pages("steel")
    created = steel.post("/green-factory/new", data=_form(world, product="crude_steel", **{
        "points__energy.management_platform": "6", "evidence__clean.process_equipment": "设备清单"}))
    assert created.status_code == 303
    evaluation_id = int(created.headers["location"].rsplit("/", 1)[1])
    [row] = _rows(database)
    energy = next(i for i in row.result["items"] if i["key"] == ENERGY)
    assert energy["auto"] is True and energy["answered"] is True  # filled from the stored results
    unanswered = next(w for w in row.result["warnings"] if w["code"] == "greenfactory.input.not_answered")
    assert ENERGY not in unanswered["keys"] and "energy.carbon_intensity" not in unanswered["keys"]
    assert all(g["answered"] for g in row.result["gaps"] if g["key"] == ENERGY)
    before = row.total_score
    result = steel.get(f"/green-factory/{evaluation_id}")
    assert 'data-testid="edit-draft"' in result.text
    # the edit form holds what was saved
    edit = steel.get(f"/green-factory/{evaluation_id}/edit")
    assert edit.status_code == 200 and "编辑草稿" in page_text(edit)
    assert 'name="points__energy.management_platform" value="6"' in edit.text
    assert 'value="设备清单"' in edit.text and '<option value="crude_steel" selected>' in edit.text
    assert f'action="/green-factory/{evaluation_id}/edit"' in edit.text
    # refused input: the form again with the problem, the draft unchanged
    bad = steel.post(f"/green-factory/{evaluation_id}/edit",
                     data=_form(world, product="crude_steel", **{"points__energy.management_platform": "60"}))
    assert bad.status_code == 422 and "得分必须是 0 至 6 之间的数" in page_text(bad)
    assert _rows(database)[0].total_score == before
    # saved: scored again, audited
    saved = steel.post(f"/green-factory/{evaluation_id}/edit",
                       data=_form(world, product="crude_steel", **{"points__energy.management_platform": "3"}))
    assert saved.status_code == 303
    assert abs(_rows(database)[0].total_score - (before - 3)) < 1e-9
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "greenfactory.update")) == 1
    # others: outsiders 404, a regulator who sees it may not edit (403)
    for username in ("cement", "evaluator"):
        assert pages(username).get(f"/green-factory/{evaluation_id}/edit").status_code == 404
        assert pages(username).post(f"/green-factory/{evaluation_id}/edit", data=_form(world)).status_code == 404
    assert pages("hebei").get(f"/green-factory/{evaluation_id}/edit").status_code == 403
    # a final evaluation is not edited
    assert steel.post(f"/green-factory/{evaluation_id}/finalise").status_code == 303
    closed = steel.get(f"/green-factory/{evaluation_id}/edit")
    assert closed.url.path == f"/green-factory/{evaluation_id}" and "评价已定稿，不能修改" in page_text(closed)
    refused = steel.post(f"/green-factory/{evaluation_id}/edit",
                         data=_form(world, product="crude_steel", **{"points__energy.management_platform": "6"}))
    assert refused.status_code == 303
    assert abs(_rows(database)[0].total_score - (before - 3)) < 1e-9
    assert 'data-testid="edit-draft"' not in steel.get(f"/green-factory/{evaluation_id}").text
