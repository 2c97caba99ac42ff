"""Access ends when the assignment ends; regulators reach plans by where an enterprise is registered.

Both rules live in the one access policy (``greenmfg.orgs.access``); the green-list and capacity
services build their visibility from it. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from greenmfg.auth.models import Role
from greenmfg.auth.security import hash_password
from greenmfg.db.session import Database
from greenmfg.greenfactory.models import GreenEvaluation
from greenmfg.orgs.models import EvaluatorAssignment, Organisation, OrgKind
from tests.capacity.test_api import PLANS, item, steel_plan
from tests.factories import PASSWORD, Login, World, add_user, signed_in
from tests.greenfactory.test_api import created
from tests.greenlist.test_api import APPS, STEEL_TEXTS, act, create, ok


def _assigned_application(client: TestClient, login: Login, world: World, database: Database) -> tuple[int, int]:
    """A steel application linked to a stored final evaluation, commissioned to the evaluator."""
    evaluation = created(client, login, world)
    ok(client.post(f"/api/v1/green-evaluations/{evaluation['id']}/finalise", headers=login("steel")))
    with database.session() as s:  # a passing final evaluation (scoring is tested elsewhere)
        row = s.get(GreenEvaluation, evaluation["id"])
        assert row is not None
        row.passed, row.total_score = True, 72.5
    application_id = create(client, login, world)
    ok(act(client, login, "steel", application_id, "submit",
           {"self_evaluation": {"evaluation_id": evaluation["id"]}}))
    ok(act(client, login, "steel", application_id, "assign-evaluator", {"evaluator_id": world.org("evaluator")}))
    return application_id, int(evaluation["id"])


def _evaluator_reads(client: TestClient, login: Login, world: World, application_id: int,
                     evaluation_id: int) -> dict[str, int]:
    headers = login("evaluator")
    listed = client.get(APPS, headers=headers).json()["items"]
    queue = client.get(f"{APPS}?queue=evaluator", headers=headers).json()["items"]
    evaluations = client.get(f"/api/v1/enterprises/{world.org('steel')}/green-evaluations", headers=headers)
    answers = {
        "application": client.get(f"{APPS}/{application_id}", headers=headers).status_code,
        "document": client.get(f"/api/v1/green-evaluations/{evaluation_id}", headers=headers).status_code,
        "report": client.get(f"/api/v1/green-evaluations/{evaluation_id}/report.html", headers=headers).status_code,
        "evaluations": evaluations.status_code,
        "enterprise": client.get(f"/api/v1/enterprises/{world.org('steel')}", headers=headers).status_code,
        "listed": int(any(a["id"] == application_id for a in listed)),
        "queued": int(any(a["id"] == application_id for a in queue)),
    }
    for answer in (client.get(f"{APPS}/{application_id}", headers=headers),
                   client.get(f"/api/v1/green-evaluations/{evaluation_id}", headers=headers)):
        if answer.status_code == 404:
            assert not any(text in answer.text for text in STEEL_TEXTS)
    return answers


OPEN = {"application": 200, "document": 200, "report": 200, "evaluations": 200, "enterprise": 200,
        "listed": 1, "queued": 1}
ENDED = {"application": 404, "document": 404, "report": 404, "evaluations": 404, "enterprise": 404,
         "listed": 0, "queued": 0}


def test_an_assignment_withdrawn_by_an_admin_ends_the_evaluators_access(
        client: TestClient, login: Login, world: World, database: Database) -> None:
    application_id, evaluation_id = _assigned_application(client, login, world, database)
    assert _evaluator_reads(client, login, world, application_id, evaluation_id) == OPEN
    with database.session() as s:
        assignment_id = s.scalars(select(EvaluatorAssignment.id).where(
            EvaluatorAssignment.purpose == f"green_list:{application_id}")).one()
    ended = client.delete(f"/api/v1/admin/organisations/{world.org('evaluator')}/assignments/{assignment_id}",
                          headers=login("admin"))
    assert ended.status_code == 200, ended.text
    # the application still names the evaluator, but the assignment is over: nothing is readable
    assert _evaluator_reads(client, login, world, application_id, evaluation_id) == ENDED
    page = signed_in(client, "evaluator").get(f"/green-list/applications/{application_id}")
    assert page.status_code == 404 and not any(text in page.text for text in STEEL_TEXTS)
    # nor can it still report on an application it no longer sees
    assert act(client, login, "evaluator", application_id, "evaluate", {"recommendation": "pass"}).status_code == 404


def test_a_withdrawal_and_the_report_end_the_evaluators_access(
        client: TestClient, login: Login, world: World, database: Database) -> None:
    withdrawn = create(client, login, world)
    ok(act(client, login, "steel", withdrawn, "submit", {"self_evaluation": {
        "framework": "GB/T 36132-2025", "kind": "factory", "total_score": 86.5, "passed": True,
        "veto_failures": [], "evaluated_at": "2026-03-01"}}))
    ok(act(client, login, "steel", withdrawn, "assign-evaluator", {"evaluator_id": world.org("evaluator")}))
    assert client.get(f"{APPS}/{withdrawn}", headers=login("evaluator")).status_code == 200
    ok(act(client, login, "steel", withdrawn, "withdraw"))
    assert client.get(f"{APPS}/{withdrawn}", headers=login("evaluator")).status_code == 404
    assert client.get(APPS, headers=login("evaluator")).json()["items"] == []
    reported, reported_evaluation = _assigned_application(client, login, world, database)
    ok(act(client, login, "evaluator", reported, "evaluate",
           {"recommendation": "pass", "comment": "满足要求", "score": 80, "veto_checked": True}))
    assert _evaluator_reads(client, login, world, reported, reported_evaluation) == ENDED


def test_a_general_assignment_does_not_reopen_an_ended_application(
        client: TestClient, login: Login, world: World, database: Database) -> None:
    """An admin's separate assignment to the enterprise gives its data, not the finished application."""
    application_id, _ = _assigned_application(client, login, world, database)
    ok(act(client, login, "evaluator", application_id, "evaluate",
           {"recommendation": "pass", "comment": "满足要求", "score": 80, "veto_checked": True}))
    ok(client.post(f"/api/v1/admin/organisations/{world.org('evaluator')}/assignments", headers=login("admin"),
                   json={"enterprise_id": world.org("steel"), "purpose": "能源审计"}), 201)
    assert client.get(f"/api/v1/enterprises/{world.org('steel')}", headers=login("evaluator")).status_code == 200
    assert client.get(f"{APPS}/{application_id}", headers=login("evaluator")).status_code == 404


# ------------------------------------------------------------------------------ capacity plans


def _handan(world: World, database: Database) -> None:
    """A steel enterprise registered in 邯郸 (another Hebei city) with a manager."""
    with database.session() as s:
        handan = Organisation(kind=OrgKind.enterprise, name="邯郸示例钢铁有限公司", code="E-HANDAN", industry="steel",
                              province="130000", city="邯郸")
        s.add(handan)
        s.flush()
        add_user(s, "handan", handan.id, Role.manager, hash_password(PASSWORD))
        world.ids["handan"] = handan.id


def _plan(client: TestClient, login: Login, user: str, body: dict[str, Any]) -> int:
    answer = client.post(PLANS, headers=login(user), json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_a_city_bureau_sees_plans_of_its_enterprises_whatever_location_they_typed(
        client: TestClient, login: Login, world: World, database: Database) -> None:
    _handan(world, database)
    # the 唐山 enterprise types a project in 邯郸; the 邯郸 enterprise types 唐山
    own = _plan(client, login, "steel", steel_plan(world, item("BF-1", 800_000, city="邯郸"),
                                                   item("BF-2", 700_000, city="邯郸"), city="邯郸"))
    foreign = _plan(client, login, "handan", steel_plan(world, item("H-1", 800_000, enterprise_id=world.org("handan")),
                                                        item("H-2", 700_000, enterprise_id=world.org("handan")),
                                                        enterprise_id=world.org("handan")))
    for plan_id in (own, foreign):
        owner = "steel" if plan_id == own else "handan"
        assert client.post(f"{PLANS}/{plan_id}/submit", headers=login(owner)).status_code == 200
    tangshan = login("tangshan")
    assert client.get(f"{PLANS}/{own}", headers=tangshan).status_code == 200
    listed = {p["id"] for p in client.get(PLANS, headers=tangshan).json()["items"]}
    assert listed == {own}
    hidden = client.get(f"{PLANS}/{foreign}", headers=tangshan)
    assert hidden.status_code == 404 and "邯郸示例钢铁" not in hidden.text
    assert client.post(f"{PLANS}/{foreign}/approve", headers=tangshan, json={}).status_code == 404
    page = signed_in(client, "tangshan").get(f"/capacity/plans/{foreign}")
    assert page.status_code == 404 and "邯郸示例钢铁" not in page.text
    # the city bureau decides on its own enterprise's plan; the province sees both
    assert client.post(f"{PLANS}/{own}/approve", headers=tangshan, json={}).status_code == 200
    assert {p["id"] for p in client.get(PLANS, headers=login("hebei")).json()["items"]} == {own, foreign}
