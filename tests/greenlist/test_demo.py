"""The demo's green list (issue #15 item 6): factory applications link real final self-evaluations, one waits
for the city bureau's pre-review and one for the province's recommendation, and one demo enterprise has no
application yet, so its manager can create a draft and submit its final self-evaluation in the demo."""

from __future__ import annotations

from sqlalchemy import select

from greenmfg.auth.models import User
from greenmfg.db.session import Database
from greenmfg.demo.platform import seed_demo
from greenmfg.greenfactory.models import GreenEvaluation
from greenmfg.greenlist import service
from greenmfg.greenlist.models import GreenApplication
from greenmfg.orgs.access import load_principal
from greenmfg.orgs.models import OrgKind


def test_demo_leaves_one_enterprise_free_to_apply(database: Database) -> None:
    seed_demo(database, password="demo-password-123", enterprises=6, months=1, meter_days=0)
    with database.session() as s:
        factories = list(s.execute(select(GreenApplication).where(GreenApplication.kind == "factory")).scalars())
        statuses = {a.status for a in factories}
        # (a demo enterprise outside the regulator's province stops at "evaluated")
        assert {"published", "regulator_review"} <= statuses <= {"published", "regulator_review", "pre_reviewed",
                                                                 "evaluator_assigned", "evaluated"}
        for application in factories:
            evaluation = s.get(GreenEvaluation, application.evaluation_id)
            assert evaluation is not None and evaluation.status == "final" and evaluation.passed
            assert evaluation.organisation_id == application.organisation_id
            assert application.self_evaluation is not None
            assert application.self_evaluation["total_score"] == evaluation.total_score
        users = {u.username: u for u in s.execute(select(User).where(User.username.like("demo-%"))).scalars()}
        free = []
        for username in ("demo-steel", "demo-cement", "demo-glass", "demo-aluminium", "demo-chemicals"):
            if username not in users:
                continue
            principal = load_principal(s, users[username])
            org_id = next(m.organisation_id for m in principal.memberships if m.kind == OrgKind.enterprise)
            if not any(a.organisation_id == org_id for a in factories):
                free.append((principal, org_id))
        assert free, "every demo enterprise already has a factory application"
        principal, org_id = free[0]
        draft = service.create_application(s, principal, {"organisation_id": org_id, "kind": "factory",
                                                          "list_year": 2026})
        final = s.execute(select(GreenEvaluation.id).where(GreenEvaluation.organisation_id == org_id,
                                                           GreenEvaluation.status == "final")).scalars().first()
        assert final is not None  # its final self-evaluation is ready to be picked
        submitted = service.submit(s, principal, draft.id, {"evaluation_id": final})
        assert submitted.status == "submitted" and submitted.evaluation_id == final
        # the application awaiting pre-review is pre-reviewed by the demo city bureau when it lies in its city
        waiting = next(a for a in factories if a.status == "regulator_review")
        city_user = users.get("demo-city")
        if city_user is not None:
            city = load_principal(s, city_user)
            if "pre_review" in service.allowed_actions(s, city, waiting):
                assert service.pre_review(s, city, waiting.id).status == "pre_reviewed"
