"""The green-manufacturing list on SQLite and PostgreSQL: workflow, permissions, evaluator cap, audit, targets.

Worked figures (targets): the steel enterprise (唐山) is a green factory listed in 2024; 唐山's
manufacturing output in 2025 is 1 000 000 万元 and the steel enterprise's 180 000 万元, so the share
is 0.18 and the required compound growth to 0.40 in 2030 is (0.40/0.18)^(1/5) − 1 = 0.173161.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.audit.models import AuditEvent
from greenmfg.auth.models import Role, User
from greenmfg.db.session import Database
from greenmfg.greenlist.models import GreenApplication, GreenApplicationEvent
from greenmfg.orgs.models import Organisation, OrgKind
from tests.factories import Login, World, add_user, steel_csv, upload
from tests.platform.test_isolation import GREENLIST, _api_routes

APPS = "/api/v1/green-list/applications"
SELF = {"framework": "GB/T 36132-2025", "kind": "factory", "total_score": 86.5, "passed": True,
        "veto_failures": [], "evaluated_at": "2026-03-01"}
STEEL_TEXTS = ("E-STEEL", "唐山示例钢铁")


def ok(answer: Any, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    return body


def issues(answer: Any) -> dict[str, str]:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    for d in error["details"]:
        assert d["column"] and d["message"] and d["message_zh"] and d["fix"] and d["fix_zh"]
    return {d["column"]: d["code"] for d in error["details"]}


def create(client: TestClient, login: Login, world: World, *, user: str = "steel", org: str = "steel",
           year: int = 2026, kind: str = "factory") -> int:
    answer = client.post(APPS, headers=login(user), json={"organisation_id": world.org(org), "kind": kind,
                                                          "list_year": year})
    return int(ok(answer, 201)["id"])


def act(client: TestClient, login: Login, user: str, application_id: int, action: str,
        body: dict[str, Any] | None = None) -> Any:
    return client.post(f"{APPS}/{application_id}/{action}", headers=login(user), json=body or {})


EVALUATION = {"recommendation": "pass", "comment": "基本要求全部满足，能源与资源投入得分较高", "score": 84,
              "veto_checked": True, "indicator_comments": [{"indicator": "单位产品综合能耗", "comment": "优于行业基准值"}]}


def advance(client: TestClient, login: Login, world: World, to: str, *, org: str = "steel",
            user: str = "steel") -> int:
    """An application of ``org`` brought to state ``to`` by the right people."""
    steps = ["draft", "submitted", "evaluator_assigned", "evaluated", "regulator_review", "pre_reviewed", "recommended",
             "published"]
    application_id = create(client, login, world, user=user, org=org)
    for state in steps[1:steps.index(to) + 1]:
        if state == "submitted":
            ok(act(client, login, user, application_id, "submit", {"self_evaluation": SELF}))
        elif state == "evaluator_assigned":
            ok(act(client, login, user, application_id, "assign-evaluator", {"evaluator_id": world.org("evaluator")}))
        elif state == "evaluated":
            ok(act(client, login, "evaluator", application_id, "evaluate", EVALUATION))
        elif state == "regulator_review":
            ok(act(client, login, user, application_id, "apply"))
        elif state == "pre_reviewed":
            ok(act(client, login, "tangshan", application_id, "pre-review", {"comment": "初审通过"}))
        elif state == "recommended":
            ok(act(client, login, "hebei", application_id, "recommend", {"comment": "同意推荐"}))
        elif state == "published":
            ok(client.post("/api/v1/green-list/publish", headers=login("admin"),
                           json={"application_ids": [application_id], "year": 2024}))
    return application_id


def status_of(database: Database, application_id: int) -> str:
    with database.session() as s:
        application = s.get(GreenApplication, application_id)
        assert application is not None
        return application.status


def test_every_greenlist_route_is_tested_here(client: TestClient) -> None:
    """test_isolation.py classifies these routes as GREENLIST; this file tests each of them."""
    routes = {r for r in _api_routes(client) if r[1].startswith("/api/v1/green-list") or "output-values" in r[1]
              or r[1].endswith("green-targets")}
    assert routes == GREENLIST


# ---------------------------------------------------------------------------------- end to end


def test_workflow_end_to_end_with_evaluator_regulator_admin_and_removal(client: TestClient, login: Login,
                                                                      world: World, database: Database) -> None:
    steel = world.org("steel")
    application_id = create(client, login, world)
    draft = ok(client.get(f"{APPS}/{application_id}", headers=login("steel")))
    assert draft["status"] == "draft" and draft["allowed_actions"] == ["submit", "withdraw"]
    ok(act(client, login, "steel", application_id, "submit", {"self_evaluation": SELF}))
    # the evaluator cannot see the enterprise before it is commissioned
    assert client.get(f"/api/v1/enterprises/{steel}", headers=login("evaluator")).status_code == 404
    assigned = ok(act(client, login, "steel", application_id, "assign-evaluator",
                      {"evaluator_id": world.org("evaluator")}))
    assert assigned["status"] == "evaluator_assigned" and assigned["evaluator_name"] == "评价机构"
    assert client.get(f"/api/v1/enterprises/{steel}", headers=login("evaluator")).status_code == 200
    queue = ok(client.get(f"{APPS}?queue=evaluator", headers=login("evaluator")))
    assert [a["id"] for a in queue["items"]] == [application_id]
    evaluated = ok(act(client, login, "evaluator", application_id, "evaluate", EVALUATION))
    assert evaluated["review"]["indicator_comments"][0]["indicator"] == "单位产品综合能耗"
    assert evaluated["review"]["score"] == 84
    # the evaluator's access ends with its report: the enterprise's data and the application alike
    assert client.get(f"/api/v1/enterprises/{steel}", headers=login("evaluator")).status_code == 404
    assert client.get(f"{APPS}/{application_id}", headers=login("evaluator")).status_code == 404
    ok(act(client, login, "steel", application_id, "apply"))
    assert [a["id"] for a in ok(client.get(f"{APPS}?queue=regulator", headers=login("tangshan")))["items"]] == [
        application_id]
    # the province cannot recommend what the city bureau has not pre-reviewed; the city does not recommend
    early = act(client, login, "hebei", application_id, "recommend", {"comment": "同意推荐"})
    assert early.status_code == 409 and "市级主管部门尚未初审" in early.json()["error"]["message_zh"]
    assert act(client, login, "tangshan", application_id, "recommend").status_code == 403
    assert act(client, login, "hebei", application_id, "pre-review").status_code == 403
    ok(act(client, login, "tangshan", application_id, "pre-review", {"comment": "初审通过"}))
    assert [a["id"] for a in ok(client.get(f"{APPS}?queue=regulator", headers=login("hebei")))["items"]] == [
        application_id]
    # the province's return goes back one step, to the city's pre-review
    assert issues(act(client, login, "hebei", application_id, "province-return", {"comment": ""})) == {
        "comment": "greenlist.input.required"}
    back = ok(act(client, login, "hebei", application_id, "province-return", {"comment": "请核实能耗数据"}))
    assert back["status"] == "regulator_review" and back["decision_comment"] == "请核实能耗数据"
    ok(act(client, login, "tangshan", application_id, "pre-review", {"comment": "已核实"}))
    ok(act(client, login, "hebei", application_id, "recommend", {"comment": "同意推荐"}))
    published = ok(client.post("/api/v1/green-list/publish", headers=login("admin"),
                               json={"application_ids": [application_id], "year": 2026}))
    assert published["items"][0]["status"] == "published" and published["items"][0]["published_year"] == 2026
    # the published list is public information: even another enterprise sees the name, not the scores
    listed = ok(client.get("/api/v1/green-list?kind=factory", headers=login("cement")))
    assert [i["name"] for i in listed["items"]] == ["唐山示例钢铁有限公司"]
    assert "86.5" not in str(listed) and "score" not in str(listed)
    retained = ok(act(client, login, "hebei", application_id, "recheck", {"year": 2027, "outcome": "retained"}))
    assert retained["status"] == "published" and retained["rechecks"][0]["outcome"] == "retained"
    removed = ok(act(client, login, "admin", application_id, "recheck", {
        "year": 2028, "outcome": "removed", "criterion": "major_accident", "comment": "2028年发生较大安全生产事故"}))
    assert (removed["status"], removed["removed_year"], removed["removal_criterion"]) == ("removed", 2028,
                                                                                          "major_accident")
    assert ok(client.get("/api/v1/green-list?year=2027", headers=login("glass")))["total"] == 1
    assert ok(client.get("/api/v1/green-list?year=2028", headers=login("glass")))["total"] == 0
    assert ok(client.get("/api/v1/green-list", headers=login("glass")))["total"] == 0
    history = [(h["action"], h["from"], h["to"], h["actor"]) for h in removed["history"]]
    assert history == [
        ("create", None, "draft", "steel"), ("submit", "draft", "submitted", "steel"),
        ("assign_evaluator", "submitted", "evaluator_assigned", "steel"),
        ("evaluate", "evaluator_assigned", "evaluated", "evaluator"),
        ("apply", "evaluated", "regulator_review", "steel"),
        ("pre_review", "regulator_review", "pre_reviewed", "tangshan"),
        ("province_return", "pre_reviewed", "regulator_review", "hebei"),
        ("pre_review", "regulator_review", "pre_reviewed", "tangshan"),
        ("recommend", "pre_reviewed", "recommended", "hebei"),
        ("publish", "recommended", "published", "admin"), ("retain", "published", "published", "hebei"),
        ("remove", "published", "removed", "admin")]
    assert removed["history"][-1]["comment"] == "2028年发生较大安全生产事故"
    with database.session() as s:
        actions = s.execute(select(AuditEvent.action).where(AuditEvent.target_type == "green_list_application",
                                                            AuditEvent.target_id == str(application_id))
                            .order_by(AuditEvent.seq)).scalars().all()
    assert actions == ["greenlist.create", "greenlist.submit", "greenlist.assign_evaluator", "greenlist.evaluate",
                       "greenlist.apply", "greenlist.pre_review", "greenlist.province_return", "greenlist.pre_review",
                       "greenlist.recommend", "greenlist.publish", "greenlist.retain",
                       "greenlist.remove"]


def test_park_and_supply_chain_follow_the_same_workflow(client: TestClient, login: Login, world: World,
                                                        database: Database) -> None:
    from greenmfg.orgs.models import Park

    with database.session() as s:
        park = Park(name="唐山示例高新区", province="130000", city="唐山")
        s.add(park)
        s.flush()
        park_id = park.id
        s.get(Organisation, world.org("steel")).park_id = park_id  # type: ignore[union-attr]
    missing = client.post(APPS, headers=login("steel"), json={"organisation_id": world.org("steel"),
                                                               "kind": "绿色工业园区", "list_year": 2026})
    assert issues(missing) == {"park_id": "greenlist.input.required"}
    answer = ok(client.post(APPS, headers=login("steel"), json={
        "organisation_id": world.org("steel"), "kind": "绿色工业园区", "list_year": 2026, "park_id": park_id}), 201)
    assert answer["kind"] == "park" and answer["park_id"] == park_id
    factory_self = act(client, login, "steel", answer["id"], "submit", {"self_evaluation": SELF})
    assert issues(factory_self) == {"self_evaluation.kind": "greenlist.self_evaluation.kind_mismatch"}
    ok(act(client, login, "steel", answer["id"], "submit", {"self_evaluation": {**SELF, "kind": "park"}}))
    chain = create(client, login, world, kind="supply_chain")
    ok(act(client, login, "steel", chain, "submit", {"self_evaluation": {**SELF, "kind": "supply_chain"}}))
    assert {status_of(database, answer["id"]), status_of(database, chain)} == {"submitted"}
    # one open application per kind
    assert issues(client.post(APPS, headers=login("steel"), json={
        "organisation_id": world.org("steel"), "kind": "supply_chain", "list_year": 2027})) == {
        "kind": "greenlist.application.duplicate"}


def test_returned_paths_and_resubmission(client: TestClient, login: Login, world: World) -> None:
    application_id = advance(client, login, world, "evaluator_assigned")
    rework = ok(act(client, login, "evaluator", application_id, "evaluate",
                    {"recommendation": "rework", "comment": "能源计量器具配备不足，请整改"}))
    assert rework["status"] == "returned"
    ok(act(client, login, "steel", application_id, "submit", {"self_evaluation": {**SELF, "total_score": 88}}))
    # the same evaluator again: a second commission in the year
    ok(act(client, login, "steel", application_id, "assign-evaluator", {"evaluator_id": world.org("evaluator")}))
    ok(act(client, login, "evaluator", application_id, "evaluate", EVALUATION))
    ok(act(client, login, "steel", application_id, "apply"))
    # before its pre-review only the city bureau returns or rejects (the province waits for it)
    assert act(client, login, "hebei", application_id, "return", {"comment": "x"}).status_code == 403
    returned = ok(act(client, login, "tangshan", application_id, "return", {"comment": "补充能源审计报告"}))
    assert returned["status"] == "returned" and returned["decision_comment"] == "补充能源审计报告"
    withdrawn = ok(act(client, login, "steel", application_id, "withdraw"))
    assert withdrawn["status"] == "withdrawn"
    rejected_id = advance(client, login, world, "regulator_review")
    assert act(client, login, "hebei", rejected_id, "reject", {"comment": "x"}).status_code == 403
    rejected = ok(act(client, login, "tangshan", rejected_id, "reject", {"comment": "近三年发生环境污染事故"}))
    assert rejected["status"] == "rejected"
    assert act(client, login, "steel", rejected_id, "submit", {"self_evaluation": SELF}).status_code == 409
    # after the city's pre-review the province rejects, the city no longer does
    pre_reviewed = advance(client, login, world, "pre_reviewed")
    assert act(client, login, "tangshan", pre_reviewed, "reject", {"comment": "x"}).status_code == 403
    assert ok(act(client, login, "hebei", pre_reviewed, "reject", {"comment": "产能置换手续不全"}))["status"] == "rejected"


def test_admin_rejects_after_recommendation_regulator_may_not(client: TestClient, login: Login, world: World) -> None:
    application_id = advance(client, login, world, "recommended")
    assert act(client, login, "hebei", application_id, "reject", {"comment": "x"}).status_code == 403
    ok(act(client, login, "admin", application_id, "reject", {"comment": "专家评审未通过"}))


# ---------------------------------------------------------------------------------- permissions


@pytest.mark.parametrize(("state", "action", "body", "refused"), [
    ("draft", "submit", {"self_evaluation": SELF}, {"steelviewer": 403, "admin": 403, "hebei": 404, "cement": 404,
                                                    "evaluator": 404}),
    ("submitted", "assign-evaluator", {"evaluator_id": None}, {"steelviewer": 403, "hebei": 403, "tangshan": 403,
                                                              "cement": 404, "glass": 404, "evaluator": 404}),
    ("evaluator_assigned", "evaluate", EVALUATION, {"steel": 403, "hebei": 403, "admin": 403, "cement": 404,
                                                    "evaluator2": 404}),
    # the evaluator's assignment ended with its report: from then on it no longer sees the application
    ("evaluated", "apply", {}, {"evaluator": 404, "hebei": 403, "admin": 403, "steelviewer": 403, "glass": 404}),
    ("regulator_review", "pre-review", {}, {"steel": 403, "evaluator": 404, "admin": 403, "hebei": 403,
                                            "hebeiviewer": 403, "cement": 404, "glass": 404, "evaluator2": 404}),
    ("pre_reviewed", "recommend", {}, {"steel": 403, "evaluator": 404, "admin": 403, "hebeiviewer": 403,
                                       "tangshan": 403, "cement": 404, "glass": 404, "evaluator2": 404}),
    ("pre_reviewed", "province-return", {"comment": "r"}, {"steel": 403, "tangshan": 403, "admin": 403}),
    ("regulator_review", "return", {"comment": "r"}, {"steel": 403, "evaluator": 404, "admin": 403, "hebei": 403}),
    ("recommended", "publish", {}, {"hebei": 403, "tangshan": 403, "steel": 403, "evaluator": 404, "cement": 404}),
    ("published", "recheck", {"year": 2025, "outcome": "retained"}, {"steel": 403, "evaluator": 404,
                                                                     "steelviewer": 403, "cement": 404}),
    ("submitted", "withdraw", {}, {"hebei": 403, "admin": 403, "steelviewer": 403, "cement": 404}),
])
def test_every_transition_is_refused_for_the_wrong_role(client: TestClient, login: Login, world: World,
                                                        database: Database, state: str, action: str,
                                                        body: dict[str, Any], refused: dict[str, int]) -> None:
    _extra_users(database, world)
    application_id = advance(client, login, world, state)
    if action == "assign-evaluator":
        body = {"evaluator_id": world.org("evaluator")}
    with database.session() as s:
        events = s.scalar(select(func.count()).select_from(GreenApplicationEvent)) or 0
    for username, expected in refused.items():
        if action == "publish":
            answer = client.post("/api/v1/green-list/publish", headers=login(username),
                                 json={"application_ids": [application_id], "year": 2024})
        else:
            answer = act(client, login, username, application_id, action, body)
        assert answer.status_code == expected, (username, answer.text)
        assert answer.json()["error"]["code"] == ("forbidden" if expected == 403 else "not_found")
        if expected == 404:
            assert not any(t in answer.text for t in STEEL_TEXTS)
    assert status_of(database, application_id) == state
    with database.session() as s:
        assert (s.scalar(select(func.count()).select_from(GreenApplicationEvent)) or 0) == events


def _extra_users(database: Database, world: World) -> None:
    """A second evaluator organisation and a read-only regulator user."""
    with database.session() as s:
        other = Organisation(kind=OrgKind.evaluator, name="另一评价机构")
        s.add(other)
        s.flush()
        world.ids["evaluator2"] = other.id
        password_hash = s.execute(select(User.password_hash).where(User.username == "steel")).scalar_one()
        for username, org_id, role in (("evaluator2", other.id, Role.manager),
                                       ("hebeiviewer", world.org("hebei"), Role.viewer)):
            add_user(s, username, org_id, role, password_hash, display_name=username)


def test_wrong_state_is_a_conflict(client: TestClient, login: Login, world: World) -> None:
    application_id = advance(client, login, world, "submitted")
    answer = act(client, login, "steel", application_id, "apply")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "transition_conflict"
    assert "submitted" in answer.json()["error"]["message"] and answer.json()["error"]["message_zh"]


def test_outsiders_get_404_and_no_data(client: TestClient, login: Login, world: World) -> None:
    application_id = advance(client, login, world, "published")
    steel = world.org("steel")
    ok(client.post(f"/api/v1/enterprises/{steel}/output-values", headers=login("steel"),
                   json={"year": 2025, "output_value": 180000}))
    for username in ("cement", "glass"):
        for path in (f"{APPS}/{application_id}", f"/api/v1/enterprises/{steel}/output-values"):
            answer = client.get(path, headers=login(username))
            assert answer.status_code == 404 and not any(t in answer.text for t in STEEL_TEXTS)
        answer = client.post(f"/api/v1/enterprises/{steel}/output-values", headers=login(username),
                             json={"year": 2025, "output_value": 1})
        assert answer.status_code == 404
        mine = ok(client.get(APPS, headers=login(username)))
        assert all(a["organisation_id"] != steel for a in mine["items"])
        create_for_steel = client.post(APPS, headers=login(username), json={
            "organisation_id": steel, "kind": "factory", "list_year": 2027})
        assert create_for_steel.status_code == 404
    # regulators do not see drafts; the covering regulator sees submitted ones
    draft = create(client, login, world, org="glass", user="glass")
    assert client.get(f"{APPS}/{draft}", headers=login("hebei")).status_code == 404
    assert client.get(f"{APPS}/{draft}", headers=login("steel")).status_code == 404


# ---------------------------------------------------------------------------------- evaluator cap


def test_evaluator_cap_per_list_year(client: TestClient, login: Login, world: World, database: Database) -> None:
    evaluator = world.org("evaluator")
    with database.session() as s:
        for _ in range(15):
            s.add(GreenApplication(organisation_id=world.org("cement"), kind="factory", list_year=2026,
                                   status="withdrawn", evaluator_id=evaluator))
    listing = ok(client.get("/api/v1/green-list/evaluators?year=2026", headers=login("steel")))
    row = next(i for i in listing["items"] if i["id"] == evaluator)
    assert (row["evaluations"], row["cap"], row["available"]) == (15, 15, False)
    application_id = advance(client, login, world, "submitted")
    refused = act(client, login, "steel", application_id, "assign-evaluator", {"evaluator_id": evaluator})
    assert issues(refused) == {"evaluator_id": "greenlist.evaluator.cap_reached"}
    detail = refused.json()["error"]["details"][0]
    assert "15" in detail["message"] and "green_manufacturing/rules-2024:evaluator.max_evaluations_per_year" in (
        detail["message"]) and "不得超过 15 项" in detail["message_zh"]
    assert status_of(database, application_id) == "submitted"
    # another list year has its own cap
    next_year = create(client, login, world, org="glass", user="glass", year=2027)
    ok(act(client, login, "glass", next_year, "submit", {"self_evaluation": SELF}))
    ok(act(client, login, "glass", next_year, "assign-evaluator", {"evaluator_id": evaluator}))


# ---------------------------------------------------------------------------------- bad input


def test_bad_input_is_located_and_changes_nothing(client: TestClient, login: Login, world: World,
                                                  database: Database) -> None:
    assert issues(client.post(APPS, headers=login("steel"), json={
        "organisation_id": "x", "kind": "绿色工程", "list_year": 1800})) == {
        "organisation_id": "greenlist.input.not_integer", "kind": "greenlist.input.unknown_kind",
        "list_year": "greenlist.input.out_of_range"}
    application_id = create(client, login, world)
    assert issues(act(client, login, "steel", application_id, "submit", {})) == {
        "self_evaluation": "greenlist.self_evaluation.missing"}
    assert issues(act(client, login, "steel", application_id, "submit", {"self_evaluation": {
        "framework": "", "kind": "factory", "total_score": 120, "passed": "maybe", "veto_failures": "none",
        "evaluated_at": "yesterday"}})) == {
        "self_evaluation.framework": "greenlist.input.required",
        "self_evaluation.total_score": "greenlist.input.out_of_range",
        "self_evaluation.passed": "greenlist.input.not_boolean",
        "self_evaluation.veto_failures": "greenlist.input.not_list",
        "self_evaluation.evaluated_at": "greenlist.input.bad_date"}
    failed = act(client, login, "steel", application_id, "submit", {"self_evaluation": {
        **SELF, "passed": False, "veto_failures": ["近三年发生较大环境污染事故"]}})
    assert issues(failed) == {"self_evaluation.passed": "greenlist.self_evaluation.not_passed"}
    assert "近三年发生较大环境污染事故" in failed.json()["error"]["details"][0]["message_zh"]
    assert status_of(database, application_id) == "draft"
    ok(act(client, login, "steel", application_id, "submit", {"self_evaluation": SELF}))
    assert issues(act(client, login, "steel", application_id, "assign-evaluator", {"evaluator_id": world.org("hebei")})
                  ) == {"evaluator_id": "greenlist.evaluator.unknown"}
    ok(act(client, login, "steel", application_id, "assign-evaluator", {"evaluator_id": world.org("evaluator")}))
    assert issues(act(client, login, "evaluator", application_id, "evaluate", {
        "recommendation": "pass", "comment": " ", "score": "high", "veto_checked": False,
        "indicator_comments": [{"indicator": "", "comment": "x"}, "text"]})) == {
        "comment": "greenlist.input.required", "score": "greenlist.input.not_number",
        "veto_checked": "greenlist.evaluation.veto_not_checked",
        "indicator_comments[0].indicator": "greenlist.input.required",
        "indicator_comments[1]": "greenlist.input.not_object"}
    assert issues(act(client, login, "evaluator", application_id, "evaluate", {"recommendation": "maybe",
                                                                                "comment": "x"})) == {
        "recommendation": "greenlist.input.bad_recommendation"}
    assert status_of(database, application_id) == "evaluator_assigned"
    ok(act(client, login, "evaluator", application_id, "evaluate", EVALUATION))
    ok(act(client, login, "steel", application_id, "apply"))
    assert issues(act(client, login, "tangshan", application_id, "reject", {"comment": ""})) == {
        "comment": "greenlist.input.required"}
    assert issues(act(client, login, "tangshan", application_id, "return", {"comment": 5})) == {
        "comment": "greenlist.input.not_text"}
    ok(act(client, login, "tangshan", application_id, "pre-review"))
    ok(act(client, login, "hebei", application_id, "recommend"))
    assert issues(client.post("/api/v1/green-list/publish", headers=login("admin"), json={
        "application_ids": [], "year": 1999})) == {"application_ids": "greenlist.input.not_list",
                                                   "year": "greenlist.input.out_of_range"}
    assert issues(client.post("/api/v1/green-list/publish", headers=login("admin"), json={
        "application_ids": ["a"], "year": "2026"})) == {"application_ids[0]": "greenlist.input.not_integer"}
    ok(client.post("/api/v1/green-list/publish", headers=login("admin"),
                   json={"application_ids": [application_id], "year": 2026}))
    assert issues(act(client, login, "hebei", application_id, "recheck", {
        "year": 2025, "outcome": "removed", "criterion": "bad_weather"})) == {
        "year": "greenlist.input.out_of_range", "criterion": "greenlist.recheck.unknown_criterion",
        "comment": "greenlist.input.required"}
    assert issues(act(client, login, "hebei", application_id, "recheck", {"year": 2027, "outcome": "gone"})) == {
        "outcome": "greenlist.input.bad_outcome"}
    ok(act(client, login, "hebei", application_id, "recheck", {"year": 2027, "outcome": "retained"}))
    assert issues(act(client, login, "hebei", application_id, "recheck", {"year": 2027, "outcome": "retained"})) == {
        "year": "greenlist.recheck.duplicate"}
    assert status_of(database, application_id) == "published"


def test_publish_rejects_a_bad_batch_entirely(client: TestClient, login: Login, world: World,
                                              database: Database) -> None:
    first = advance(client, login, world, "recommended")
    second = advance(client, login, world, "submitted", org="glass", user="glass")
    answer = client.post("/api/v1/green-list/publish", headers=login("admin"),
                         json={"application_ids": [first, second], "year": 2026})
    assert answer.status_code == 409
    assert status_of(database, first) == "recommended"


# ---------------------------------------------------------------------------------- output values, targets


def test_output_values_bad_input_and_permissions(client: TestClient, login: Login, world: World) -> None:
    steel = world.org("steel")
    url = f"/api/v1/enterprises/{steel}/output-values"
    assert issues(client.post(url, headers=login("steel"), json={"year": "2025年", "output_value": "-5"})) == {
        "year": "greenlist.input.not_integer", "output_value": "greenlist.input.out_of_range"}
    assert issues(client.post(url, headers=login("steel"), json={"year": 2025, "output_value": "一亿"})) == {
        "output_value": "greenlist.input.not_number"}
    assert client.post(url, headers=login("steelviewer"), json={"year": 2025, "output_value": 1}).status_code == 403
    assert client.post(url, headers=login("hebei"), json={"year": 2025, "output_value": 1}).status_code == 403
    ok(client.post(url, headers=login("steel"), json={"year": 2025, "output_value": "180,000.5",
                                                      "source_note": "2025 年财务报表"}))
    ok(client.post(url, headers=login("steel"), json={"year": 2025, "output_value": 180000}))  # replaced
    assert ok(client.get(url, headers=login("hebei")))["items"] == [
        {"organisation_id": steel, "year": 2025, "output_value": 180000.0, "unit": "万元", "source_note": None,
         "entered_at": ok(client.get(url, headers=login("steel")))["items"][0]["entered_at"]}]
    region = "/api/v1/region/output-values"
    assert issues(client.post(region, headers=login("hebei"), json={
        "province": "火星", "year": 2025, "output_value": 0})) == {
        "province": "greenlist.input.unknown_province", "output_value": "greenlist.input.out_of_range",
        "source_note": "greenlist.input.required"}
    body = {"province": "130000", "city": "唐山", "year": 2025, "output_value": 1_000_000,
            "source_note": "唐山市统计年鉴 2026（规模以上制造业总产值）"}
    assert client.post(region, headers=login("steel"), json=body).status_code == 403
    assert client.post(region, headers=login("tangshan"), json=body).status_code == 403  # industry-limited
    assert client.post(region, headers=login("hebei"), json={**body, "province": "320000"}).status_code == 403
    ok(client.post(region, headers=login("hebei"), json=body))
    assert [r["year"] for r in ok(client.get(region, headers=login("tangshan")))["items"]] == [2025]
    assert client.get(region, headers=login("steel")).status_code == 403


def test_green_targets_share_trajectory_counts_and_intensity(client: TestClient, login: Login, world: World,
                                                             database: Database) -> None:
    steel = world.org("steel")
    advance(client, login, world, "published")  # listed in 2024
    headers = login("steel")
    imported = upload(client, headers, steel, steel_csv(periods=("2024-01", "2024-02"))).json()
    ok(client.post(f"/api/v1/imports/{imported['id']}/commit", headers=headers))
    for year, value in ((2024, 50_000), (2025, 180_000)):
        ok(client.post(f"/api/v1/enterprises/{steel}/output-values", headers=headers,
                       json={"year": year, "output_value": value}))
    ok(client.post("/api/v1/region/output-values", headers=login("hebei"), json={
        "province": "130000", "city": "唐山", "year": 2025, "output_value": 1_000_000, "source_note": "统计年鉴"}))
    answer = ok(client.get("/api/v1/region/green-targets?province=130000&city=唐山", headers=login("hebei")))
    assert answer["area"] == {"province": "130000", "city": "唐山", "industries": []}
    share_2025 = next(s for s in answer["shares"] if s["year"] == 2025)
    assert share_2025["share"] == pytest.approx(0.18) and share_2025["green_factories"] == 1
    share_2024 = next(s for s in answer["shares"] if s["year"] == 2024)
    assert share_2024["share"] is None and share_2024["green_factory_output"] == 50_000
    path = answer["path"]
    assert path["base_year"] == 2025 and path["gap"] == pytest.approx(0.22)
    assert path["required_annual_growth"] == pytest.approx(0.173161, abs=1e-6)
    assert path["trajectory"][-1] == {"year": 2030, "share": pytest.approx(0.40)}
    assert answer["target"]["share"]["value"] == 0.4 and answer["target"]["share"]["verification_status"] == "secondary"
    assert any(w["code"] == "greenlist.targets.unverified_target" for w in answer["warnings"])
    counts = {c["year"]: c for c in answer["counts"]}
    assert counts[2024] == {"year": 2024, "factory": 1, "park": 0, "supply_chain": 0}
    # intensity cross-checked with the results API: energy and emissions of 2024 ÷ 50 000 万元
    results = ok(client.get(f"/api/v1/enterprises/{steel}/results?period=2024", headers=headers))["results"]
    energy = sum(r["energy_tce"] for r in results)
    emissions = sum(r["emissions_tco2e"]["total"] for r in results)
    steel_2024 = next(i for i in answer["intensities"] if i["industry"] == "steel" and i["year"] == 2024)
    assert steel_2024["energy_intensity_tce_per_10k_yuan"] == pytest.approx(energy / 50_000)
    assert steel_2024["carbon_intensity_tco2e_per_10k_yuan"] == pytest.approx(emissions / 50_000)
    # the steel-only city regulator: its own area by default, with the industry-limited note
    city_view = ok(client.get("/api/v1/region/green-targets", headers=login("tangshan")))
    assert city_view["area"]["city"] == "唐山" and city_view["path"]["base_share"] == pytest.approx(0.18)
    assert any(w["code"] == "greenlist.targets.industry_limited" for w in city_view["warnings"])
    # the province without a province-wide output value: no share, said so
    province_view = ok(client.get("/api/v1/region/green-targets", headers=login("hebei")))
    assert province_view["path"] is None
    assert any(w["code"] == "greenlist.targets.no_region_output" for w in province_view["warnings"])
    for username in ("steel", "cement", "evaluator"):
        assert client.get("/api/v1/region/green-targets", headers=login(username)).status_code == 403
    assert client.get("/api/v1/region/green-targets?province=320000", headers=login("hebei")).status_code == 403
    assert client.get("/api/v1/region/green-targets", headers=login("admin")).status_code == 403
    admin_view = ok(client.get("/api/v1/region/green-targets?province=130000&city=唐山", headers=login("admin")))
    assert admin_view["path"]["base_share"] == pytest.approx(0.18)


def test_rules_endpoint_lists_transitions_and_sources(client: TestClient, login: Login) -> None:
    rules = ok(client.get("/api/v1/green-list/rules", headers=login("cement")))
    assert rules["evaluator_cap"]["value"] == 15
    assert {t["action"] for t in rules["transitions"]} >= {"submit", "assign_evaluator", "evaluate", "apply",
                                                           "pre_review", "recommend", "province_return", "publish",
                                                           "retain", "remove"}
    assert {d["id"] for d in rules["datasets"]} == {"green_manufacturing/rules-2024", "green_manufacturing/targets-2024",
                                                     "green_manufacturing/list-counts-2026.1"}


def test_submission_links_the_stored_final_evaluation(client: TestClient, login: Login, world: World,
                                                      database: Database) -> None:
    """``evaluation_id`` attaches the applicant's own final green-factory evaluation: score and verdict
    come from the stored evaluation, not from the request; drafts, failed evaluations and other
    enterprises' evaluations are refused with the place named."""
    from greenmfg.greenfactory.models import GreenEvaluation
    from tests.greenfactory.test_api import created

    evaluation = created(client, login, world)
    application_id = create(client, login, world)
    link = {"self_evaluation": {"evaluation_id": evaluation["id"], "total_score": 99, "passed": True}}
    assert issues(act(client, login, "steel", application_id, "submit", link)) == {
        "self_evaluation.evaluation_id": "greenlist.self_evaluation.draft"}
    cement_eval = created(client, login, world, user="cement", org="cement")
    other = act(client, login, "steel", application_id, "submit",
                {"self_evaluation": {"evaluation_id": cement_eval["id"]}})
    assert issues(other) == {"self_evaluation.evaluation_id": "greenlist.self_evaluation.unknown"}
    final = client.post(f"/api/v1/green-evaluations/{evaluation['id']}/finalise", headers=login("steel")).json()
    assert final["status"] == "final" and final["passed"] is False  # one scored item only: below the pass mark
    assert act(client, login, "steel", application_id, "submit", link).status_code == 422  # the stored verdict counts
    with database.session() as s:  # a passing final evaluation (scoring itself is tested in tests/greenfactory)
        row = s.get(GreenEvaluation, evaluation["id"])
        assert row is not None
        row.passed, row.total_score = True, 72.5
    answer = ok(act(client, login, "steel", application_id, "submit", link))
    assert answer["status"] == "submitted"
    with database.session() as s:
        stored = s.get(GreenApplication, application_id)
        assert stored is not None and stored.evaluation_id == evaluation["id"]
        assert stored.self_evaluation is not None and stored.self_evaluation["source"] == "evaluation"
        assert stored.self_evaluation["total_score"] == pytest.approx(72.5)  # not the 99 the request sent
