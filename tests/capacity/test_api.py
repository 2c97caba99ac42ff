"""The capacity-replacement ledger on SQLite and PostgreSQL: API, permissions, double counting, audit.

Worked figures: the steel plan builds 1,000,000 t/a of ironmaking in 唐山 (a key region, 1.5:1)
and retires 800,000 + 700,000 = 1,500,000 t/a, exactly the requirement.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from greenmfg.audit.models import AuditEvent
from greenmfg.auth.models import Role, User
from greenmfg.auth.security import hash_password
from greenmfg.capacity import service
from greenmfg.capacity.models import ReplacementPlan, RetiredCapacity
from greenmfg.db.session import Database
from greenmfg.errors import ValidationFailed
from greenmfg.orgs.access import load_principal
from tests.factories import PASSWORD, Login, World, add_user
from tests.platform.test_isolation import CAPACITY, _api_routes

PLANS = "/api/v1/capacity/plans"


def item(code: str, capacity: int, **extra: Any) -> dict[str, Any]:
    return {"facility_code": code, "facility_name": f"{code} 高炉", "capacity": capacity, "unit": "t/a",
            "province": "130000", "city": "唐山", "retirement_date": "2024-12-31",
            "evidence": f"{code} 拆除验收意见", **extra}


def steel_plan(world: World, *items: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {"enterprise_id": world.org("steel"), "project_name": "2号高炉置换升级", "sector": "steel",
            "process": "ironmaking", "capacity": 1_000_000, "unit": "t/a", "province": "130000", "city": "唐山",
            "application_date": "2023-05-01", "commissioning_date": "2025-06-30",
            "retired_items": list(items) or [item("BF-1", 800_000), item("BF-2", 700_000)], **overrides}


def create(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post(PLANS, headers=headers, json=body)


def issues(answer: Any) -> dict[str, str]:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    for d in error["details"]:
        assert d["column"] and d["message"] and d["message_zh"] and d["fix_zh"]
    return {d["column"]: d["code"] for d in error["details"]}


def plans_count(database: Database) -> tuple[int, int]:
    with database.session() as s:
        return (s.scalar(select(func.count()).select_from(ReplacementPlan)) or 0,
                s.scalar(select(func.count()).select_from(RetiredCapacity)) or 0)


@pytest.fixture
def steel_plan_id(client: TestClient, login: Login, world: World) -> int:
    answer = create(client, login("steel"), steel_plan(world))
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def submitted(client: TestClient, login: Login, plan_id: int) -> None:
    answer = client.post(f"{PLANS}/{plan_id}/submit", headers=login("steel"))
    assert answer.status_code == 200, answer.text


# ------------------------------------------------------------------------------- calculator, ratios


def test_every_capacity_route_is_tested_here(client: TestClient) -> None:
    """test_isolation.py classifies these routes as CAPACITY; this file tests each of them."""
    assert {r for r in _api_routes(client) if r[1].startswith("/api/v1/capacity")} == CAPACITY


def test_calculate_endpoint(client: TestClient, login: Login) -> None:
    answer = client.post("/api/v1/capacity/calculate", headers=login("cement"), json={
        "sector": "steel", "process": "ironmaking", "capacity": 1_000_000, "unit": "t/a", "province": "130000",
        "city": "唐山", "date": "2023-05-01"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["outcome"], body["ratio"], body["required_capacity"]) == ("required", 1.5, 1_500_000)
    assert body["rule"]["key"] == "ironmaking.standard.key_region"
    assert body["rule"]["citation"]["verification_status"] == "secondary"
    assert body["measure"]["dataset_id"] == "capacity_replacement/steel-2021"
    assert body["region"]["key_region"] is True
    assert body["warnings"] and all(w["message_zh"] for w in body["warnings"])
    assert {d["id"] for d in body["provenance"]["datasets"]} == {"capacity_replacement/steel-2021",
                                                                  "capacity_replacement/regions-2026.1"}
    refused = client.post("/api/v1/capacity/calculate", headers=login("cement"), json={
        "sector": "steel", "process": "ironmaking", "capacity": -1, "unit": "t/d", "province": "x", "date": "2023"})
    assert issues(refused) == {"capacity": "capacity.input.not_positive", "unit": "capacity.input.bad_unit",
                               "province": "capacity.input.unknown_province", "date": "capacity.input.bad_date"}
    too_early = client.post("/api/v1/capacity/calculate", headers=login("cement"), json={
        "sector": "steel", "process": "ironmaking", "capacity": 1, "unit": "t/a", "province": "130000",
        "city": "唐山", "date": "2020-01-01"})
    assert issues(too_early) == {"date": "capacity.rule.none_in_force"}
    assert client.post("/api/v1/capacity/calculate", json={}).status_code == 401


def test_ratios_endpoint(client: TestClient, login: Login) -> None:
    answer = client.get("/api/v1/capacity/ratios?sector=cement&date=2022-01-01", headers=login("steel")).json()
    by_id = {m["dataset_id"]: m for m in answer["measures"]}
    assert set(by_id) == {"capacity_replacement/cement-glass-2021", "capacity_replacement/cement-glass-2024-draft"}
    assert by_id["capacity_replacement/cement-glass-2021"]["in_force"] is True
    draft = by_id["capacity_replacement/cement-glass-2024-draft"]
    assert draft["draft"] is True and draft["in_force"] is False
    rules = {r["key"]: r for r in by_id["capacity_replacement/cement-glass-2021"]["rules"]}
    assert set(rules) == {"clinker.standard.key_region", "clinker.standard.other_region",
                          "clinker.restricted_category.any", "clinker.cross_province.any", "clinker.phosphogypsum.any"}
    assert rules["clinker.standard.key_region"]["ratio_min"]["value"] == 2
    assert rules["clinker.cross_province.any"]["ratio_floor"]["value"] == 2
    assert len(answer["regions"]["jjj_2p26"]) == 29
    steel = client.get("/api/v1/capacity/ratios?sector=steel&date=2025-01-01", headers=login("steel")).json()
    assert {m["dataset_id"]: m["in_force"] for m in steel["measures"]} == {
        "capacity_replacement/steel-2021": True, "capacity_replacement/steel-suspension-2024": True}


# ----------------------------------------------------------------------------------------- ledger


def test_a_plan_is_created_as_a_draft_with_its_requirement(client: TestClient, login: Login, world: World,
                                                           database: Database) -> None:
    answer = create(client, login("steel"), steel_plan(world))
    assert answer.status_code == 201, answer.text
    plan = answer.json()
    assert plan["status"] == "draft" and plan["ratio"] == 1.5
    assert plan["required_capacity"] == 1_500_000 and plan["retired_total"] == 1_500_000
    assert [i["facility_code"] for i in plan["retired_items"]] == ["BF-1", "BF-2"]
    assert all(i["counted"] for i in plan["retired_items"])
    assert plan["requirement"]["rule"]["key"] == "ironmaking.standard.key_region"
    assert plan["warning_count"] == len(plan["warnings"]) > 0
    got = client.get(f"{PLANS}/{plan['id']}", headers=login("steel")).json()
    assert got["check"] == {"ok": True, "issues": []}
    with database.session() as s:
        stored = s.get(ReplacementPlan, plan["id"])
        assert stored is not None and stored.capacity == Decimal(1_000_000) and stored.ratio == Decimal("1.5")
        events = s.execute(select(AuditEvent.action, AuditEvent.target_id)).all()
    assert ("capacity.plan.create", str(plan["id"])) in events


def test_insufficient_retired_capacity_is_refused(client: TestClient, login: Login, world: World,
                                                  database: Database) -> None:
    answer = create(client, login("steel"), steel_plan(world, item("BF-1", 800_000), item("BF-2", 699_999)))
    assert issues(answer) == {"retired_items": "capacity.plan.insufficient"}
    detail = answer.json()["error"]["details"][0]
    assert "1,499,999" in detail["message"] and "1,500,000" in detail["message"]
    assert "不足" in detail["message_zh"] and "1" in detail["fix"]
    assert plans_count(database) == (0, 0)
    # merger capacity in a key region: 1.25:1, so 1,250,000 t/a is enough
    merger = create(client, login("steel"), steel_plan(world, item("BF-1", 1_250_000), merger=True))
    assert merger.status_code == 201 and merger.json()["ratio"] == 1.25


def test_mismatched_processes_units_and_dates_are_refused(client: TestClient, login: Login, world: World) -> None:
    wrong_process = create(client, login("steel"), steel_plan(world, item("BF-1", 1_500_000, process="steelmaking")))
    assert issues(wrong_process) == {"retired_items[0].process": "capacity.retired.process_mismatch"}
    cement = {"enterprise_id": world.org("cement"), "project_name": "熟料线", "sector": "cement", "process": "clinker",
              "capacity": 5000, "unit": "t/d", "province": "320000", "city": "苏州",
              "application_date": "2023-01-01", "commissioning_date": "2024-01-01",
              "retired_items": [{**item("K-1", 12000), "unit": "t/a", "province": "320000", "city": "苏州",
                                 "retirement_date": "2023-06-30"}]}
    assert issues(create(client, login("cement"), cement)) == {"retired_items[0].unit": "capacity.retired.unit_mismatch"}
    late = create(client, login("steel"), steel_plan(world, item("BF-1", 1_500_000, retirement_date="2025-07-01")))
    assert issues(late) == {"retired_items[0].retirement_date": "capacity.retired.retired_after_commissioning"}
    backwards = create(client, login("steel"), steel_plan(world, item("BF-1", 1_500_000, retirement_date="2022-01-01"),
                                                          commissioning_date="2023-04-01"))
    assert issues(backwards) == {"commissioning_date": "capacity.plan.dates_out_of_order"}


def test_rules_that_refuse_a_plan(client: TestClient, login: Login, world: World) -> None:
    suspended = create(client, login("steel"), steel_plan(world, application_date="2024-09-01",
                                                          commissioning_date="2026-01-01"))
    assert issues(suspended) == {"application_date": "capacity.plan.suspended"}
    before = create(client, login("steel"), steel_plan(world, application_date="2021-05-01"))
    assert issues(before) == {"application_date": "capacity.rule.none_in_force"}
    pv = {"enterprise_id": world.org("glass"), "project_name": "光伏玻璃", "sector": "flat_glass",
          "process": "pv_rolled_glass", "capacity": 1200, "unit": "t/d", "province": "130000", "city": "邢台",
          "application_date": "2023-01-01", "commissioning_date": "2024-01-01",
          "retired_items": [{**item("G-1", 100), "unit": "t/d", "city": "邢台", "retirement_date": "2023-06-30"}]}
    assert issues(create(client, login("glass"), pv)) == {"process": "capacity.plan.not_required"}


def test_retired_capacity_must_belong_to_an_enterprise_the_submitter_manages(
        client: TestClient, login: Login, world: World, database: Database) -> None:
    for owner in (world.org("cement"), world.org("glass"), world.org("hebei"), 999_999):
        answer = create(client, login("steel"), steel_plan(world, item("BF-1", 1_500_000, enterprise_id=owner)))
        found = answer.json()["error"]["details"]
        assert issues(answer) == {"retired_items[0].enterprise_id": "capacity.retired.not_owned"}
        # the same words whether the enterprise exists or not
        assert found[0]["message"] == f"retired_items[0].enterprise_id: enterprise {owner} is not one whose capacity you may pledge"
    assert plans_count(database) == (0, 0)


def test_double_counting_is_refused_by_the_service(client: TestClient, login: Login, world: World,
                                                   steel_plan_id: int, database: Database) -> None:
    # the same furnace, spelt differently, in a second plan
    again = create(client, login("steel"), steel_plan(world, item("ｂｆ－１", 800_000), item("BF-3", 700_000)))
    assert issues(again) == {"retired_items[0].facility_code": "capacity.retired.double_counted"}
    detail = again.json()["error"]["details"][0]
    assert f"plan {steel_plan_id}" in detail["message"] and "只能用于一个" in detail["message_zh"]
    assert plans_count(database) == (1, 2)
    # another process may use the same code: ironmaking and steelmaking capacity are different things
    steelmaking = create(client, login("steel"), steel_plan(world, item("BF-1", 1_500_000), process="steelmaking"))
    assert steelmaking.status_code == 201, steelmaking.text


def test_double_counting_is_refused_by_the_database(client: TestClient, login: Login, world: World,
                                                    steel_plan_id: int, database: Database) -> None:
    with database.session() as s:
        claimed = s.execute(select(RetiredCapacity).where(RetiredCapacity.plan_id == steel_plan_id)
                            .order_by(RetiredCapacity.position)).scalars().first()
        assert claimed is not None and claimed.claim_key
        other = ReplacementPlan(**{c: getattr(s.get(ReplacementPlan, steel_plan_id), c) for c in (
            "enterprise_id", "project_name", "sector", "process", "capacity", "unit", "province", "city",
            "application_date", "commissioning_date", "merger", "restricted_category", "cases", "status",
            "requirement", "ratio", "required_capacity", "strictly_greater", "warnings")})
        s.add(other)
        s.flush()
        duplicate = RetiredCapacity(plan_id=other.id, position=0, enterprise_id=claimed.enterprise_id,
                                    facility_code="BF-1", process="ironmaking", capacity=Decimal(1), unit="t/a",
                                    province="130000", city="唐山", retirement_date=dt.date(2024, 1, 1), evidence="x",
                                    claim_key=claimed.claim_key)
        with pytest.raises(IntegrityError, match="claim_key"), s.begin_nested():
            s.add(duplicate)
            s.flush()


def test_a_race_past_the_service_check_hits_the_constraint(client: TestClient, login: Login, world: World,
                                                           steel_plan_id: int, database: Database,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # as if another transaction had claimed BF-1 after this one looked: the check sees nothing
    monkeypatch.setattr(service, "_claims", lambda *args, **kwargs: [])
    answer = create(client, login("steel"), steel_plan(world, item("BF-1", 1_500_000)))
    assert issues(answer) == {"retired_items": "capacity.retired.double_counted"}
    assert "同一产能只能用于一个" in answer.json()["error"]["details"][0]["message_zh"]
    assert plans_count(database) == (1, 2)
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "capacity.plan.create")) == 1


def test_the_service_maps_the_constraint_for_direct_callers(world: World, database: Database,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with database.session() as s:
        user = s.execute(select(User).where(User.username == "steel")).scalar_one()
        principal = load_principal(s, user)
        service.create_plan(s, principal, steel_plan(world))
    monkeypatch.setattr(service, "_claims", lambda *args, **kwargs: [])
    with pytest.raises(ValidationFailed) as caught, database.session() as s:
        service.create_plan(s, principal, steel_plan(world, item("BF-2", 1_500_000)))
    assert caught.value.issues[0].code == "capacity.retired.double_counted"
    assert plans_count(database) == (1, 2)


# ------------------------------------------------------------------------------------ transitions


def _actions(database: Database) -> list[str]:
    with database.session() as s:
        return list(s.execute(select(AuditEvent.action).where(AuditEvent.action.like("capacity.%"))
                              .order_by(AuditEvent.seq)).scalars())


def test_draft_submitted_approved_each_step_audited(client: TestClient, login: Login, steel_plan_id: int,
                                                    database: Database) -> None:
    submitted(client, login, steel_plan_id)
    plan = client.get(f"{PLANS}/{steel_plan_id}", headers=login("steel")).json()
    assert plan["status"] == "submitted" and plan["submitted_by"] == "steel"
    approved = client.post(f"{PLANS}/{steel_plan_id}/approve", headers=login("hebei"), json={"comment": "同意"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "hebei"
    assert approved.json()["decision_comment"] == "同意"
    assert _actions(database) == ["capacity.plan.create", "capacity.plan.submit", "capacity.plan.approve"]
    # an approved plan keeps counting its capacity
    assert all(i["counted"] for i in approved.json()["retired_items"])


def test_rejection_needs_a_reason_and_releases_the_capacity(client: TestClient, login: Login, world: World,
                                                            steel_plan_id: int, database: Database) -> None:
    submitted(client, login, steel_plan_id)
    no_reason = client.post(f"{PLANS}/{steel_plan_id}/reject", headers=login("tangshan"))
    assert issues(no_reason) == {"comment": "capacity.plan.reason_required"}
    not_text = client.post(f"{PLANS}/{steel_plan_id}/reject", headers=login("tangshan"), json={"comment": 5})
    assert not_text.status_code == 422
    rejected = client.post(f"{PLANS}/{steel_plan_id}/reject", headers=login("tangshan"),
                           json={"comment": "退出设备不在合规产能清单内"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert not any(i["counted"] for i in rejected.json()["retired_items"])
    assert _actions(database)[-1] == "capacity.plan.reject"
    # the released furnaces back a new plan
    assert create(client, login("steel"), steel_plan(world)).status_code == 201


def test_transitions_from_the_wrong_state_are_409(client: TestClient, login: Login, steel_plan_id: int) -> None:
    approve_draft = client.post(f"{PLANS}/{steel_plan_id}/approve", headers=login("hebei"))
    assert approve_draft.status_code == 409 and approve_draft.json()["error"]["code"] == "plan_conflict"
    assert approve_draft.json()["error"]["message_zh"]
    submitted(client, login, steel_plan_id)
    assert client.post(f"{PLANS}/{steel_plan_id}/submit", headers=login("steel")).status_code == 409
    assert client.post(f"{PLANS}/{steel_plan_id}/approve", headers=login("hebei")).status_code == 200
    assert client.post(f"{PLANS}/{steel_plan_id}/reject", headers=login("hebei"),
                       json={"comment": "x"}).status_code == 409


@pytest.fixture
def hebei_viewer(world: World, database: Database) -> str:
    """A read-only member of the Hebei regulator."""
    with database.session() as s:
        add_user(s, "hebeiviewer", world.org("hebei"), Role.viewer, hash_password(PASSWORD), display_name="Hebei viewer")
    return "hebeiviewer"


def test_who_may_submit(client: TestClient, login: Login, steel_plan_id: int, database: Database) -> None:
    url = f"{PLANS}/{steel_plan_id}/submit"
    for username, status in [("cement", 404), ("glass", 404), ("evaluator", 404),
                             ("steelviewer", 403), ("hebei", 403), ("tangshan", 403), ("admin", 200)]:
        answer = client.post(url, headers=login(username))
        assert answer.status_code == status, (username, answer.text)
        if status == 404:
            assert "2号高炉" not in answer.text
    assert _actions(database).count("capacity.plan.submit") == 1


def test_who_may_approve_or_reject(client: TestClient, login: Login, steel_plan_id: int, database: Database,
                                   hebei_viewer: str) -> None:
    submitted(client, login, steel_plan_id)
    read_only = client.post("/api/v1/auth/tokens", headers=login("hebei"), json={"name": "r", "scopes": ["read"]})
    token = {"Authorization": f"Bearer {read_only.json()['token']}"}
    for action, body in (("approve", None), ("reject", {"comment": "no"})):
        url = f"{PLANS}/{steel_plan_id}/{action}"
        for headers, status in [(login("cement"), 404), (login("glass"), 404), (login("evaluator"), 404),
                                (login("steel"), 403), (login("steelviewer"), 403), (login("admin"), 403),
                                (login(hebei_viewer), 403), (token, 403)]:
            answer = client.post(url, headers=headers, json=body)
            assert answer.status_code == status, (action, answer.text)
            if status == 403:
                assert answer.json()["error"]["message_zh"]
    assert client.get(f"{PLANS}/{steel_plan_id}", headers=login("steel")).json()["status"] == "submitted"
    assert "capacity.plan.approve" not in _actions(database)


def test_the_regulator_must_cover_where_the_enterprise_is_registered(client: TestClient, login: Login,
                                                                     world: World) -> None:
    # the steel enterprise (registered in 唐山) types a project in 邢台: access follows the registration,
    # not the typed location, so 唐山's bureau sees and decides it (Hebei's too); 邢台's glass enterprise not
    body = steel_plan(world, item("BF-1", 1_500_000, city="邢台"), city="邢台")
    plan_id = create(client, login("steel"), body).json()["id"]
    submitted(client, login, plan_id)
    assert client.get(f"{PLANS}/{plan_id}", headers=login("hebei")).status_code == 200
    assert client.get(f"{PLANS}/{plan_id}", headers=login("glass")).status_code == 404
    assert client.get(f"{PLANS}/{plan_id}", headers=login("tangshan")).status_code == 200
    assert client.post(f"{PLANS}/{plan_id}/approve", headers=login("tangshan")).status_code == 200


# --------------------------------------------------------------------------------------- isolation


def test_outsiders_get_404_and_no_data(client: TestClient, login: Login, world: World, steel_plan_id: int,
                                       database: Database) -> None:
    before = plans_count(database)
    for username in ("cement", "glass", "evaluator"):
        headers = login(username)
        for method, path in [("GET", f"{PLANS}/{steel_plan_id}"), ("POST", f"{PLANS}/{steel_plan_id}/submit"),
                             ("POST", f"{PLANS}/{steel_plan_id}/approve"), ("POST", f"{PLANS}/{steel_plan_id}/reject")]:
            answer = client.request(method, path, headers=headers, json={"comment": "x"} if method == "POST" else None)
            assert answer.status_code == 404, (username, path)
            assert answer.json()["error"]["code"] == "not_found"
            assert "唐山示例钢铁" not in answer.text and "BF-1" not in answer.text
        # creating a plan for another enterprise is a 404 as well
        assert create(client, headers, steel_plan(world)).status_code == 404
        listed = client.get(PLANS, headers=headers).json()
        assert listed["total"] == 0 and "BF-1" not in str(listed)
    assert client.get(f"{PLANS}/999999", headers=login("admin")).status_code == 404
    assert plans_count(database) == before
    # an enterprise viewer sees its plans but may not create one
    assert create(client, login("steelviewer"), steel_plan(world)).status_code == 403


@pytest.mark.parametrize(("username", "visible"), [
    ("admin", {"steel-唐山", "steel-邢台", "cement"}), ("hebei", {"steel-唐山", "steel-邢台"}),
    ("tangshan", {"steel-唐山", "steel-邢台"}), ("steel", {"steel-唐山", "steel-邢台"}), ("steelviewer", {"steel-唐山", "steel-邢台"}),
    ("cement", {"cement"}), ("glass", set()), ("evaluator", set()),
])
def test_plan_lists_by_role(client: TestClient, login: Login, world: World, username: str, visible: set[str]) -> None:
    create(client, login("steel"), steel_plan(world, project_name="steel-唐山"))
    create(client, login("steel"), steel_plan(world, item("BF-9", 1_500_000, city="邢台"), city="邢台",
                                              project_name="steel-邢台"))
    cement = {"enterprise_id": world.org("cement"), "project_name": "cement", "sector": "cement", "process": "clinker",
              "capacity": 1000, "unit": "t/a", "province": "320000", "city": "苏州", "application_date": "2023-01-01",
              "commissioning_date": "2024-01-01", "retired_items": [{**item("K-1", 2000), "province": "320000",
                                                                      "city": "苏州", "retirement_date": "2023-12-01"}]}
    assert create(client, login("cement"), cement).status_code == 201
    listed = client.get(f"{PLANS}?page_size=10", headers=login(username)).json()
    assert {p["project_name"] for p in listed["items"]} == visible
    assert listed["total"] == len(visible)
    if visible:
        drafts = client.get(f"{PLANS}?status=approved", headers=login(username)).json()
        assert drafts["total"] == 0
    assert client.get(f"{PLANS}?status=nonsense", headers=login(username)).status_code == 422


def test_key_region_projects_retiring_capacity_from_elsewhere_are_flagged(client: TestClient, login: Login,
                                                                          world: World) -> None:
    # 重点区域严禁增加钢铁产能总量: capacity retired in 柳州 cannot keep 唐山's total from growing
    answer = create(client, login("steel"), steel_plan(world, item("BF-1", 800_000),
                                                       item("LZ-1", 700_000, province="450000", city="柳州")))
    assert answer.status_code == 201, answer.text
    flagged = [w for w in answer.json()["warnings"] if w["code"] == "capacity.plan.retired_outside_key_region"]
    assert len(flagged) == 1 and flagged[0]["message"].startswith("retired_items[1]")
    assert "重点区域严禁增加钢铁产能总量" in flagged[0]["message_zh"]
    # steel has no cross-province rule of its own: the reasons say so, the ratio stays 1.5:1
    reasons = answer.json()["requirement"]["reasons"]
    assert answer.json()["ratio"] == 1.5
    assert any(r["code"] == "capacity.case.cross_province.not_applicable" for r in reasons)
