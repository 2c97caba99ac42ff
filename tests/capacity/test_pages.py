"""Capacity-replacement pages on SQLite and PostgreSQL, driven as a browser does (cookie + CSRF token).

The calculator and the plan pages in zh-CN and en, bad input for every form field, the plan form
and its located problems, the actions of each role, and outsiders (a 404 page, nothing changed).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.capacity.models import ReplacementPlan
from greenmfg.db.session import Database
from tests.factories import Login, Pages, PageSession, World, app_routes, page_text
from tests.platform.test_pages import CAPACITY

from .test_api import PLANS, item, steel_plan

CALC = {"sector": "steel", "process": "ironmaking", "capacity": "1000000", "unit": "t/a", "province": "130000",
        "city": "唐山", "date": "2023-05-01"}


@pytest.fixture
def plan_id(client: TestClient, login: Login, world: World) -> int:
    answer = client.post(PLANS, headers=login("steel"), json=steel_plan(world))
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _count(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(ReplacementPlan)) or 0


def _status(database: Database, plan_id: int) -> str:
    with database.session() as s:
        plan = s.get(ReplacementPlan, plan_id)
        assert plan is not None
        return plan.status


def test_every_capacity_page_is_tested_here(client: TestClient) -> None:
    """test_pages.py classifies these page routes as CAPACITY; this file tests each of them."""
    found = {(m, r.path) for r in app_routes(client.app)
             for m in r.methods if r.path.startswith("/capacity") and m != "HEAD"}
    assert found == CAPACITY


def test_the_calculator_in_both_languages(pages: Pages) -> None:
    steel = pages("steel")
    zh = steel.get("/capacity?" + urlencode(CALC))
    assert zh.status_code == 200 and zh.headers["content-language"] == "zh-CN"
    text = page_text(zh)
    assert "须实施产能置换" in text and "1.50 : 1" in text and "1,500,000" in text
    # the place in words, not its codes (issue #15 item 2)
    assert "项目所在地（河北省唐山市）属于该办法的大气污染防治重点区域" in text
    assert "《钢铁行业产能置换实施办法》" in text and 'data-testid="citations"' in zh.text
    assert 'data-testid="capacity-warnings"' in zh.text  # secondary sources are flagged
    steel.language("en")
    en = steel.get("/capacity?" + urlencode({**CALC, "merger": "1"}))
    text = page_text(en)
    assert en.headers["content-language"] == "en"
    assert "Replacement required" in text and "1.25 : 1" in text and "1,250,000" in text
    assert "the project (Tangshan, Hebei) is in the measure's key air-pollution region" in text
    # the rule in words; its key kept for experts in a title attribute (issue #15 item 2)
    assert "Ironmaking · Capacity obtained through a substantive merger · key air-pollution regions" in text
    assert "ironmaking.merger.key_region" not in text and 'title="ironmaking.merger.key_region"' in en.text
    # the form keeps what was entered
    assert 'name="city" type="text" value="唐山"' in en.text


@pytest.mark.parametrize(("field", "value", "message"), [
    ("sector", "chemicals", "不是实行产能置换的行业"),
    ("process", "clinker", "不属于行业"),
    ("capacity", "abc", "不是数字"),
    ("capacity", "0", "必须大于 0"),
    ("unit", "t/d", "产能单位"),
    ("province", "火星", "不是省级行政区"),
    ("city", "", "必须填写"),
    ("date", "2023-02-30", "不是有效日期"),
    ("date", "2020-01-01", "无已收录的"),
    ("cases", "eaf_for_eaf", "没有情形"),
    ("merger", "maybe", "不是“是/否”"),
    ("cross_province", "2", "不是“是/否”"),
    ("restricted_category", "x", "不是“是/否”"),
])
def test_bad_calculator_input_is_shown_at_its_field(pages: Pages, field: str, value: str, message: str) -> None:
    answer = pages("cement").get("/capacity?" + urlencode({**CALC, field: value}))
    assert answer.status_code == 422
    assert f'data-field-error="{field}"' in answer.text
    assert message in page_text(answer)
    assert 'data-testid="calculator-result"' not in answer.text


def test_plan_lists_show_only_visible_plans(pages: Pages, plan_id: int) -> None:
    for username, sees in [("steel", True), ("hebei", True), ("tangshan", True), ("admin", True),
                           ("cement", False), ("glass", False), ("evaluator", False)]:
        answer = pages(username).get("/capacity")
        assert answer.status_code == 200
        assert (f'href="/capacity/plans/{plan_id}"' in answer.text) is sees, username
        assert ("唐山示例钢铁" in answer.text) is sees, username


def test_the_plan_form_offers_only_the_users_own_enterprises(pages: Pages) -> None:
    form = pages("steel").get("/capacity/plans/new")
    assert form.status_code == 200 and "唐山示例钢铁" in form.text
    assert "苏州示例水泥" not in form.text and "邢台示例玻璃" not in form.text
    assert 'data-testid="new-plan"' in pages("steel").get("/capacity").text
    for username in ("hebei", "evaluator", "steelviewer"):
        refused = pages(username).get("/capacity/plans/new")
        assert refused.status_code == 403 and 'data-testid="error-page"' in refused.text
        assert 'data-testid="new-plan"' not in pages(username).get("/capacity").text


def _form(world: World, **changes: str) -> dict[str, str]:
    data = {"enterprise_id": str(world.org("steel")), "project_name": "3号高炉", "sector": "steel",
            "process": "ironmaking", "capacity": "1000000", "unit": "t/a", "province": "130000", "city": "唐山",
            "application_date": "2023-05-01", "commissioning_date": "2025-06-30"}
    for n, (code, capacity) in enumerate([("BF-5", "800000"), ("BF-6", "700000")]):
        data |= {f"item{n}_enterprise_id": str(world.org("steel")), f"item{n}_facility_code": code,
                 f"item{n}_capacity": capacity, f"item{n}_unit": "t/a", f"item{n}_province": "130000",
                 f"item{n}_city": "唐山", f"item{n}_retirement_date": "2024-12-31", f"item{n}_evidence": "拆除验收"}
    return {**data, **changes}


def test_a_plan_made_on_the_page(pages: Pages, world: World, database: Database) -> None:
    steel = pages("steel")
    answer = steel.post("/capacity/plans", data=_form(world))
    assert answer.status_code == 303, answer.text[:500]
    page = steel.get(answer.headers["location"])
    text = page_text(page)
    assert "3号高炉" in text and "草稿" in text and "已保存为草稿" in text
    assert "按当前规则核查：退出产能满足要求" in text and "BF-5" in text and "已计入" in text
    assert 'data-testid="submit-plan"' in page.text
    assert _count(database) == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"project_name": ""}, "project_name", "必须填写"),
    ({"enterprise_id": "abc"}, "enterprise_id", "不是整数"),
    ({"commissioning_date": "2023-01-01"}, "commissioning_date", "早于申报日期"),
    ({"application_date": "2024-09-01", "commissioning_date": "2026-01-01"}, "application_date", "暂停"),
    ({"item1_capacity": "699999"}, "retired_items", "不足"),
    ({"item0_capacity": "abc"}, "item0_capacity", "不是数字"),
    ({"item0_unit": "t/d"}, "item0_unit", "产能单位"),
    ({"item0_province": "火星"}, "item0_province", "不是省级行政区"),
    ({"item0_city": ""}, "item0_city", "必须填写"),
    ({"item0_retirement_date": "2026-01-01"}, "item0_retirement_date", "晚于新项目计划投产日期"),
    ({"item0_evidence": ""}, "item0_evidence", "必须填写"),
    ({"item0_facility_code": ""}, "item0_facility_code", "必须填写"),
    ({"item1_facility_code": "bf-5"}, "item1_facility_code", "重复"),
])
def test_bad_plan_input_is_shown_at_its_field(pages: Pages, world: World, database: Database,
                                              changes: dict[str, str], field: str, message: str) -> None:
    answer = pages("steel").post("/capacity/plans", data=_form(world, **changes))
    assert answer.status_code == 422, answer.text[:300]
    assert f'data-field-error="{field}"' in answer.text
    assert message in page_text(answer) and 'data-testid="capacity-issues"' in answer.text
    assert _count(database) == 0


def test_problems_point_at_the_form_row_they_came_from(pages: Pages, world: World) -> None:
    # row 1 left blank, the second item typed into row 2 (index 1 → retired_items[0] → item1)
    form = _form(world)
    blank_first = {k: v for k, v in form.items() if not k.startswith("item0_")} | {"item1_capacity": "oops"}
    answer = pages("steel").post("/capacity/plans", data=blank_first)
    assert answer.status_code == 422 and 'data-field-error="item1_capacity"' in answer.text


def test_another_enterprises_capacity_and_double_counting_on_the_page(pages: Pages, world: World,
                                                                      plan_id: int) -> None:
    other = pages("steel").post("/capacity/plans", data=_form(world, item0_enterprise_id=str(world.org("cement"))))
    assert other.status_code == 422 and 'data-field-error="item0_enterprise_id"' in other.text
    assert "不是您可用于置换其产能的企业" in page_text(other)
    again = pages("steel").post("/capacity/plans", data=_form(world, item0_facility_code="BF-1"))
    assert again.status_code == 422 and 'data-field-error="item0_facility_code"' in again.text
    assert f"已计入方案 {plan_id}" in page_text(again)


def test_outsiders_get_a_404_page_and_change_nothing(pages: Pages, plan_id: int, database: Database,
                                                     subtests: pytest.Subtests) -> None:
    for username in ("cement", "glass", "evaluator"):
        session = pages(username)
        for method, path in [("GET", ""), ("POST", "/submit"), ("POST", "/approve"), ("POST", "/reject")]:
            with subtests.test(user=username, path=path):
                url = f"/capacity/plans/{plan_id}{path}"
                answer = session.get(url) if method == "GET" else session.post(url, data={"comment": "x"})
                assert answer.status_code == 404
                assert 'data-testid="error-page"' in answer.text
                assert "唐山示例钢铁" not in answer.text and "BF-1" not in answer.text
    assert _status(database, plan_id) == "draft"


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient, plan_id: int) -> None:
    anonymous = TestClient(client.app, raise_server_exceptions=False)
    for method, path in sorted(CAPACITY):
        answer = anonymous.request(method, path.replace("{plan_id}", str(plan_id)), follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), path


def test_posts_need_the_csrf_token(pages: Pages, plan_id: int, world: World, database: Database) -> None:
    steel = pages("steel")
    steel.get("/capacity")
    bare = steel.client.post(f"/capacity/plans/{plan_id}/submit", follow_redirects=False)
    assert bare.status_code == 403
    forged = steel.client.post("/capacity/plans", data={**_form(world), "csrf_token": "forged"})
    assert forged.status_code == 403
    assert _status(database, plan_id) == "draft" and _count(database) == 1


def _flash(session: PageSession, answer: Any) -> str:
    assert answer.status_code == 303
    return page_text(session.get(answer.headers["location"]))


def test_submit_approve_and_reject_on_the_pages(pages: Pages, plan_id: int, login: Login, client: TestClient,
                                                world: World, database: Database) -> None:
    steel, hebei = pages("steel"), pages("hebei")
    # the regulator sees a draft but has nothing to decide yet
    assert 'data-testid="approve-form"' not in hebei.get(f"/capacity/plans/{plan_id}").text
    assert "方案已提交主管部门" in _flash(steel, steel.post(f"/capacity/plans/{plan_id}/submit"))
    assert "未做任何更改" in _flash(steel, steel.post(f"/capacity/plans/{plan_id}/submit"))
    assert steel.post(f"/capacity/plans/{plan_id}/approve").status_code == 403
    page = hebei.get(f"/capacity/plans/{plan_id}")
    assert 'data-testid="approve-form"' in page.text and 'data-testid="reject-form"' in page.text
    refused = _flash(hebei, hebei.post(f"/capacity/plans/{plan_id}/reject", data={"comment": ""}))
    assert "未做任何更改" in refused and "驳回须说明理由" in refused
    assert _status(database, plan_id) == "submitted"
    text = _flash(hebei, hebei.post(f"/capacity/plans/{plan_id}/reject", data={"comment": "清单外设备"}))
    assert "方案已驳回" in text and "已释放" in text and "主管部门意见：清单外设备" in text
    assert _status(database, plan_id) == "rejected"
    # a second plan, approved in English
    second = client.post(PLANS, headers=login("steel"), json=steel_plan(world, item("BF-1", 1_500_000))).json()["id"]
    assert steel.post(f"/capacity/plans/{second}/submit").status_code == 303
    hebei.language("en")
    approved = _flash(hebei, hebei.post(f"/capacity/plans/{second}/approve", data={"comment": "OK"}))
    assert "The plan was approved." in approved and "Approved" in approved
    assert re.search(r"Approved\s+hebei", approved)
