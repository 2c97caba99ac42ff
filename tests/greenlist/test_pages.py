"""Green-list pages on SQLite and PostgreSQL: the workflow through the forms in zh-CN and English, bad input
at every form, outsiders 404, the regional-targets page."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.db.session import Database
from greenmfg.greenlist.models import EnterpriseOutput, GreenApplication, RegionOutput
from tests.factories import Login, Pages, World, page_text, steel_csv, upload
from tests.platform.test_pages import GREENLIST, _page_routes

STEEL_TEXTS = ("E-STEEL", "唐山示例钢铁")


def field_errors(answer: Any) -> set[str]:
    return set(re.findall(r'data-field-error="([^"]+)"', answer.text))


def status_of(database: Database, application_id: int) -> str:
    with database.session() as s:
        application = s.get(GreenApplication, application_id)
        assert application is not None
        return application.status


def count(database: Database, model: Any) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_every_greenlist_page_is_tested_here(client: Any) -> None:
    routes = {r for r in _page_routes(client) if r[1].startswith(("/green-list", "/region/green"))}
    assert routes == GREENLIST


def final_evaluation(client: TestClient, login: Login, world: World, org: str = "steel") -> int:
    """A final green-factory self-evaluation of ``org`` that passes: every basic requirement met, every scored
    item at full points (28) and every performance indicator at its (entered) leading value (72): 100 points."""
    from greenmfg.greenfactory.frameworks import load_framework

    framework = load_framework("gbt36132-2025")
    items: list[dict[str, Any]] = [{"key": v.key, "answer": True} for v in framework.vetoes]
    for item in framework.indicators:
        if item.kind == "scored":
            items.append({"key": item.key, "points": item.value})
        else:
            higher = item.direction == "higher"
            items.append({"key": item.key, "value": 100 if higher else 50, "benchmark": 50 if higher else 100,
                          "leading": 100 if higher else 50, "reference_source": "测试用参考值"})
    headers = login(org)
    created = client.post(f"/api/v1/enterprises/{world.org(org)}/green-evaluations", headers=headers,
                          json={"framework": framework.id, "title": "2025 年绿色工厂自评价", "items": items})
    assert created.status_code == 201, created.text
    evaluation_id = int(created.json()["id"])
    assert client.post(f"/api/v1/green-evaluations/{evaluation_id}/finalise", headers=headers).status_code == 200
    return evaluation_id


def _create(pages: Pages, world: World) -> int:
    steel = pages("steel")
    steel.get("/green-list")
    answer = steel.post("/green-list/applications", data={"organisation_id": str(world.org("steel")),
                                                          "kind": "factory", "list_year": "2026"})
    assert answer.status_code == 303, answer.text[:500]
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_workflow_through_the_pages_in_chinese_and_english(pages: Pages, world: World, database: Database,
                                                          client: TestClient, login: Login) -> None:
    steel, evaluator, hebei, admin = pages("steel"), pages("evaluator"), pages("hebei"), pages("admin")
    application_id = _create(pages, world)
    url = f"/green-list/applications/{application_id}"
    page = steel.get(url)
    # no final self-evaluation yet: the form says so and links the evaluation page instead of asking to type one
    assert page.status_code == 200 and 'data-testid="no-final-evaluation"' in page.text
    assert 'name="total_score"' not in page.text
    evaluation_id = final_evaluation(client, login, world)
    page = steel.get(url)
    assert f'<option value="{evaluation_id}" selected>' in page.text and "100.00 分" in page_text(page)
    assert steel.post(f"{url}/submit", data={"evaluation_id": str(evaluation_id)}).status_code == 303
    with database.session() as s:
        stored = s.get(GreenApplication, application_id)
        assert stored is not None and stored.evaluation_id == evaluation_id
        assert stored.self_evaluation is not None and stored.self_evaluation["total_score"] == 100
    steel.get(url)
    assert steel.post(f"{url}/assign-evaluator", data={"evaluator_id": str(world.org("evaluator"))}).status_code == 303
    queue = evaluator.get("/green-list")
    assert f"#{application_id}" in queue.text and 'data-testid="queue-evaluator"' in queue.text
    # the commissioned evaluator sees the linked self-evaluation, the enterprise's results and benchmark
    review = evaluator.get(url)
    assert f'href="/green-factory/{evaluation_id}"' in review.text
    assert f'href="/enterprises/{world.org("steel")}/results"' in review.text
    assert f'href="/benchmark?enterprise={world.org("steel")}"' in review.text
    assert evaluator.get(f"/green-factory/{evaluation_id}").status_code == 200
    answer = evaluator.post(f"{url}/evaluate", data={
        "recommendation": "pass", "score": "84", "veto_checked": "1", "comment": "基本要求全部满足",
        "indicator0_name": "单位产品综合能耗", "indicator0_comment": "优于行业基准值"})
    assert answer.status_code == 303, answer.text[:500]
    # the report ends the evaluator's view of the application: back to the list, not to a 404 page
    assert answer.headers["location"] == "/green-list"
    assert "评价报告：建议通过" in page_text(evaluator.get("/green-list"))
    assert steel.post(f"{url}/apply").status_code == 303
    # the province waits for the city bureau's pre-review
    waiting = hebei.get(url)
    assert 'data-testid="form-recommend"' not in waiting.text and "待市级初审" in page_text(waiting)
    tangshan = pages("tangshan")
    assert 'data-testid="form-pre-review"' in tangshan.get(url).text
    assert tangshan.post(f"{url}/pre-review", data={"comment": "初审通过"}).status_code == 303
    assert 'data-testid="form-recommend"' in hebei.get(url).text
    assert hebei.post(f"{url}/recommend", data={"comment": "同意推荐"}).status_code == 303
    admin_home = admin.get("/green-list")
    assert 'data-testid="publish-form"' in admin_home.text
    assert admin.post("/green-list/publish", data={"application_ids": str(application_id), "year": "2026"}
                      ).status_code == 303
    assert status_of(database, application_id) == "published"
    detail = steel.get(url)
    body = page_text(detail)
    for zh in ("提交自评价", "委托第三方评价机构", "评价报告：建议通过", "向主管部门申报", "市级初审通过", "推荐列入名单", "发布名单",
               "已列入名单",
               "单位产品综合能耗", "优于行业基准值"):
        assert zh in body, zh
    listed = pages("glass").get("/green-list")
    assert "唐山示例钢铁有限公司" in page_text(listed) and "86.5" not in listed.text
    hebei.get(url)
    assert hebei.post(f"{url}/recheck", data={"year": "2027", "outcome": "removed", "criterion": "falsified_data",
                                              "comment": "动态管理表数据造假"}).status_code == 303
    assert status_of(database, application_id) == "removed"
    steel.language("en")
    english = page_text(steel.get(url))
    assert "Removed from the list in 2027" in english and "Falsified materials or data" in english
    assert "Annual re-check: removed" in english and "Green-manufacturing list" in english


def test_bad_input_at_every_form_is_located_and_changes_nothing(pages: Pages, world: World, database: Database,
                                                                client: TestClient, login: Login) -> None:
    steel = pages("steel")
    steel.get("/green-list")
    before = count(database, GreenApplication)
    refused = steel.post("/green-list/applications", data={"organisation_id": str(world.org("steel")),
                                                           "kind": "factory", "list_year": "二〇二六"})
    assert refused.status_code == 422 and field_errors(refused) == {"list_year"}
    assert count(database, GreenApplication) == before
    refused = steel.post("/green-list/output-values", data={"organisation_id": str(world.org("steel")),
                                                            "year": "2025", "output_value": "-3"})
    assert refused.status_code == 422 and field_errors(refused) == {"output_value"}
    assert count(database, EnterpriseOutput) == 0
    application_id = _create(pages, world)
    url = f"/green-list/applications/{application_id}"
    steel.get(url)
    refused = steel.post(f"{url}/submit", data={"evaluation_id": ""})
    assert refused.status_code == 422 and field_errors(refused) == {"evaluation_id"}
    assert "请选择要提交的已定稿自评价" in page_text(refused)
    evaluation_id = final_evaluation(client, login, world)
    other = final_evaluation(client, login, world, org="cement")  # another enterprise's evaluation
    refused = steel.post(f"{url}/submit", data={"evaluation_id": str(other)})
    assert refused.status_code == 422 and field_errors(refused) == {"evaluation_id"}
    assert status_of(database, application_id) == "draft"
    steel.post(f"{url}/submit", data={"evaluation_id": str(evaluation_id)})
    refused = steel.post(f"{url}/assign-evaluator", data={"evaluator_id": ""})
    assert refused.status_code == 422 and field_errors(refused) == {"evaluator_id"}
    steel.post(f"{url}/assign-evaluator", data={"evaluator_id": str(world.org("evaluator"))})
    evaluator = pages("evaluator")
    evaluator.get(url)
    refused = evaluator.post(f"{url}/evaluate", data={"recommendation": "pass", "score": "abc", "comment": "",
                                                      "indicator1_comment": "缺少指标名"})
    assert refused.status_code == 422
    assert field_errors(refused) == {"score", "comment", "veto_checked", "indicator1_name"}
    assert status_of(database, application_id) == "evaluator_assigned"
    evaluator.post(f"{url}/evaluate", data={"recommendation": "pass", "score": "84", "veto_checked": "1",
                                            "comment": "符合"})
    steel.post(f"{url}/apply")
    tangshan = pages("tangshan")
    tangshan.get(url)
    for action in ("return", "reject"):
        refused = tangshan.post(f"{url}/{action}", data={"comment": " "})
        assert refused.status_code == 422 and field_errors(refused) == {"comment"}
    assert status_of(database, application_id) == "regulator_review"
    assert tangshan.post(f"{url}/no-such-action").status_code == 404
    tangshan.post(f"{url}/pre-review")
    hebei = pages("hebei")
    hebei.get(url)
    refused = hebei.post(f"{url}/province-return", data={"comment": " "})
    assert refused.status_code == 422 and field_errors(refused) == {"comment"}
    assert status_of(database, application_id) == "pre_reviewed"
    hebei.post(f"{url}/recommend")
    admin = pages("admin")
    admin.get("/green-list")
    bad_publish = admin.post("/green-list/publish", data={"year": "2026"}, follow_redirects=True)
    assert "未做任何更改" in page_text(bad_publish) or "Nothing changed" in page_text(bad_publish)
    assert status_of(database, application_id) == "recommended"
    admin.post("/green-list/publish", data={"application_ids": str(application_id), "year": "2026"})
    hebei.get(url)
    refused = hebei.post(f"{url}/recheck", data={"year": "2027", "outcome": "removed", "criterion": ""})
    assert refused.status_code == 422 and field_errors(refused) == {"criterion", "comment"}
    assert status_of(database, application_id) == "published"
    hebei.get("/region/green")
    refused = hebei.post("/region/green/output-values", data={"province": "130000", "city": "", "year": "2025",
                                                              "output_value": "很多", "source_note": ""})
    assert refused.status_code == 422 and field_errors(refused) == {"output_value", "source_note"}
    assert count(database, RegionOutput) == 0


def test_outsiders_get_a_404_page_and_no_data(pages: Pages, world: World, database: Database) -> None:
    application_id = _create(pages, world)
    url = f"/green-list/applications/{application_id}"
    for username in ("cement", "glass", "evaluator", "hebei"):  # hebei: regulators do not see drafts
        session = pages(username)
        for answer in (session.get(url), session.post(f"{url}/submit", data={"total_score": "90"})):
            assert answer.status_code == 404 and 'data-testid="error-page"' in answer.text
            assert not any(t in answer.text for t in STEEL_TEXTS)
        home = session.get("/green-list")
        assert home.status_code == 200 and not any(t in home.text for t in STEEL_TEXTS)
        refused = session.post("/green-list/output-values", data={"organisation_id": str(world.org("steel")),
                                                                  "year": "2025", "output_value": "1"})
        assert refused.status_code == (403 if username == "hebei" else 404)  # hebei sees steel, may not enter for it
    assert status_of(database, application_id) == "draft"
    assert count(database, EnterpriseOutput) == 0


def test_regional_targets_page_for_regulators_only(pages: Pages, world: World, database: Database,
                                                   client: TestClient, login: Login) -> None:
    # results and an output value, so the intensity charts have a point (tce/万元 of the steel enterprise)
    headers = login("steel")
    imported = upload(client, headers, world.org("steel"), steel_csv(periods=("2025-01",))).json()
    assert client.post(f"/api/v1/imports/{imported['id']}/commit", headers=headers).status_code == 200
    assert client.post(f"/api/v1/enterprises/{world.org('steel')}/output-values", headers=headers,
                       json={"year": 2025, "output_value": 50000}).status_code == 200
    hebei = pages("hebei")
    hebei.get("/region/green")
    answer = hebei.post("/region/green/output-values", data={
        "province": "130000", "city": "唐山", "year": "2025", "output_value": "1000000", "source_note": "统计年鉴"})
    assert answer.status_code == 303 and "city=" in answer.headers["location"]
    page = hebei.get(answer.headers["location"])
    assert page.status_code == 200
    for chart in ("gl-share", "gl-counts", "gl-energy", "gl-carbon"):
        assert f'id="{chart}"' in page.text
    assert "绿色工厂产值占比" in page_text(page) and "统计年鉴" in page_text(page)
    found = re.search(r'id="gl-energy" data-echarts="([^"]*)"', page.text)
    assert found is not None
    energy_chart = json.loads(html.unescape(found.group(1)))
    assert energy_chart["yAxis"]["name"] == "tce/万元" and energy_chart["xAxis"]["data"] == ["2025"]
    assert [s["name"] for s in energy_chart["series"]] == ["钢铁"] and energy_chart["series"][0]["data"][0] > 0
    dashboard = hebei.get("/region")
    assert 'href="/region/green"' in dashboard.text
    hebei.language("en")
    english = page_text(hebei.get("/region/green?province=130000&city=唐山"))
    assert "Green-factory output share" in english and "Required annual growth of the share" in english
    for username in ("steel", "evaluator"):
        assert pages(username).get("/region/green").status_code == 403
    assert hebei.get("/region/green?province=320000").status_code == 403
    steel = pages("steel")
    steel.get("/green-list")
    refused = steel.post("/region/green/output-values", data={"province": "130000", "year": "2025",
                                                              "output_value": "5", "source_note": "x"})
    assert refused.status_code == 403
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(RegionOutput)) == 1
