"""Who is told what: each event kind reaches exactly the right users (SQLite and PostgreSQL).

The world (tests/factories.py): steel (唐山, 河北) with a manager ``steel`` and a viewer ``steelviewer``;
glass (邢台, 河北) ``glass``; cement (苏州, 江苏) ``cement``; the 河北 department ``hebei`` (all of 河北);
the 唐山 steel bureau ``tangshan`` (唐山, steel only); the evaluator ``evaluator``; the admin ``admin``.
"""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from greenmfg.accounting.models import DataVersion, ImportBatch
from greenmfg.audit.service import record
from greenmfg.auth.models import User
from greenmfg.db.session import Database
from greenmfg.diagnosis.service import detect_for_meter
from greenmfg.i18n import load_catalogs
from greenmfg.notifications import events  # noqa: F401  (registers the listeners, as the app does)
from greenmfg.notifications.deadlines import check_deadlines, due_date, load_rules, rule_for
from greenmfg.notifications.messages import render
from greenmfg.notifications.models import Notification
from greenmfg.notifications.service import mark_all_read, mark_read, save_preferences, unread_count
from greenmfg.orgs.access import load_principal
from greenmfg.orgs.models import Facility
from tests.factories import Login, World, add_meter, steel_csv, upload
from tests.greenlist.test_api import EVALUATION, SELF, act, create, ok


def told(database: Database, after: int = 0) -> dict[str, set[str]]:
    """event → usernames told, of the notifications with an id above ``after``."""
    out: dict[str, set[str]] = {}
    with database.session() as s:
        for event, username in s.execute(select(Notification.event, User.username).join(User, User.id == Notification.user_id)
                                         .where(Notification.id > after)):
            out.setdefault(event, set()).add(username)
    return out


def last_id(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(Notification.id).order_by(Notification.id.desc()).limit(1)) or 0


def user_id(database: Database, username: str) -> int:
    with database.session() as s:
        found = s.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return found


def test_green_list_steps_reach_the_next_actors_and_nobody_elsewhere(client: TestClient, login: Login,
                                                                        world: World) -> None:
    database = world.database
    application = create(client, login, world)
    assert told(database) == {}  # a draft tells nobody
    steps = [
        ("steel", "submit", {"self_evaluation": SELF}, {"hebei", "tangshan"}),
        ("steel", "assign-evaluator", {"evaluator_id": world.org("evaluator")}, {"evaluator", "steelviewer"}),
        ("evaluator", "evaluate", EVALUATION, {"steel", "steelviewer"}),
        ("steel", "apply", {}, {"hebei", "tangshan"}),
        # the city bureau's pre-review: the province (next to act) and the applicant are told
        ("tangshan", "pre-review", {"comment": "初审通过"}, {"hebei", "steel", "steelviewer"}),
        ("hebei", "recommend", {"comment": "同意推荐"}, {"steel", "steelviewer", "admin"}),
    ]
    for actor, action, body, expected in steps:
        before = last_id(database)
        ok(act(client, login, actor, application, action, body))
        got = told(database, before)
        event = "greenlist." + action.replace("-", "_")
        assert got == {event: expected}, (action, got)
    # the texts name the enterprise and the new status, in both languages, with the reason
    with database.session() as s:
        row = s.execute(select(Notification).where(Notification.event == "greenlist.recommend")
                        .order_by(Notification.id.desc()).limit(1)).scalar_one()
        assert row.link == f"/green-list/applications/{application}"
        zh = render(row.event, row.params, load_catalogs().translator("zh-CN"))
        en = render(row.event, row.params, load_catalogs().translator("en"))
    assert zh.title == f"唐山示例钢铁有限公司的绿色制造名单申请 #{application}：已推荐"
    assert en.title == f"Green-list application #{application} of 唐山示例钢铁有限公司: Recommended"
    assert zh.detail == "理由：同意推荐" and en.detail == "Reason: 同意推荐"


def test_each_audited_step_and_its_region(world: World) -> None:
    """The rule table on events of each kind: the covering regulators of the enterprise's region only,
    the evaluator named, the enterprise's members; never the actor unless the rule says so."""
    database = world.database
    ids = {name: user_id(database, name) for name in ("steel", "hebei", "admin", "glass")}
    cases = [
        # 邢台 glass: 河北 covers it, the 唐山 steel bureau does not (city and industry)
        (dict(action="capacity.plan.submit", actor="glass", org="glass", target_type="capacity_plan", target_id=999),
         {"capacity.plan.submit": {"hebei"}}),
        (dict(action="capacity.plan.approve", actor="hebei", org="glass", target_type="capacity_plan", target_id=999),
         {"capacity.plan.approve": {"glass"}}),
        # 唐山 steel: both regulators
        (dict(action="capacity.plan.submit", actor="steel", org="steel", target_type="capacity_plan", target_id=998),
         {"capacity.plan.submit": {"hebei", "tangshan"}}),
        # 苏州 cement: no regulator of 江苏 in the world, so only the evaluator and the enterprise
        (dict(action="evaluator.assign", actor="admin", org="cement", target_type="evaluator_assignment",
              target_id=1, details={"evaluator_id": world.org("evaluator")}),
         {"evaluator.assign": {"evaluator", "cement"}}),
        # a green-list step this table does not know yet tells the applicant's members
        (dict(action="greenlist.city_pre_review", actor="tangshan", org="steel", target_type="green_list_application",
              target_id=12345, details={"to": "pre_reviewed"}),
         {"greenlist.city_pre_review": {"steel", "steelviewer"}}),
        (dict(action="greenlist.create", actor="steel", org="steel", target_type="green_list_application",
              target_id=1), {}),
        (dict(action="import.preview", actor="steel", org="steel", target_type="import", target_id=5,
              details={"status": "previewed", "issues": 0}), {}),
        (dict(action="auth.login", actor="steel", org=None), {}),
    ]
    for case, expected in cases:
        before = last_id(database)
        with database.session() as s:
            actor = str(case["actor"])
            org = case["org"]
            record(s, str(case["action"]), actor=actor, actor_user_id=ids.get(actor) or user_id(database, actor),
                   organisation_id=world.org(str(org)) if org else None, target_type=case.get("target_type"),  # type: ignore[arg-type]
                   target_id=case.get("target_id"), details=case.get("details"))  # type: ignore[arg-type]
        assert told(database, before) == expected, case


def test_a_rolled_back_step_tells_nobody(world: World) -> None:
    database = world.database
    try:
        with database.session() as s:
            record(s, "capacity.plan.submit", actor="steel", organisation_id=world.org("steel"),
                   target_type="capacity_plan", target_id=1)
            raise RuntimeError("the step fails after its audit event")
    except RuntimeError:
        pass
    assert told(database) == {}


def test_failed_import_reaches_the_uploader_and_the_enterprise(client: TestClient, login: Login, world: World) -> None:
    database = world.database
    bad = steel_csv(periods=("2024-01",), extra=[["E-STEEL", "唐山示例钢铁有限公司", "钢铁", "130000", "E-STEEL-F1",
                                                  "2024-03", "焦炭", "一千", "吨", "consumed"]])
    answer = upload(client, login("steel"), world.org("steel"), bad)
    assert answer.json()["status"] == "invalid", answer.text
    assert told(database) == {"import.failed": {"steel", "steelviewer"}}
    with database.session() as s:
        row = s.execute(select(Notification).where(Notification.event == "import.failed").limit(1)).scalar_one()
        assert row.link == f"/imports/{answer.json()['id']}" and row.kind == "import_failed"
        text = render(row.event, row.params, load_catalogs().translator("zh-CN"))
    assert text.title == "唐山示例钢铁有限公司的文件 activity.csv 导入失败"
    assert text.detail is not None and text.detail.startswith("发现 1 个问题")


def test_new_alerts_reach_the_enterprise_members_once(world: World) -> None:
    database = world.database
    meter = add_meter(database, world, enterprise="steel", code="M-ALERT", name="空压站")
    days = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(45)]
    expected = [1000.0] * 45
    actual = [1000.0 + (7, -5, 3, -9, 4, -2, 8)[i % 7] for i in range(45)]
    actual[35] = 2500.0
    with database.session() as s:
        alerts = detect_for_meter(s, meter, days, actual, expected)
    assert alerts, "the series has a spike"
    got = told(database)
    assert got == {"diagnosis.alert.new": {"steel", "steelviewer"}}
    with database.session() as s:
        rows = s.execute(select(Notification).where(Notification.event == "diagnosis.alert.new")).scalars().all()
        assert len(rows) == 2 * len(alerts) and all(r.link == f"/meters/{meter}" for r in rows)
        en = render(rows[0].event, rows[0].params, load_catalogs().translator("en"))
        assert "Alert at " in en.title and "M-ALERT 空压站" in (en.detail or "")
    # the same anomalies found again update the stored alerts: nobody is told twice
    with database.session() as s:
        detect_for_meter(s, meter, days, actual, expected)
    with database.session() as s:
        assert len(s.execute(select(Notification.id).where(Notification.event == "diagnosis.alert.new")).all()) \
            == 2 * len(alerts)


def test_preferences_unread_count_and_marking(world: World) -> None:
    database = world.database
    with database.session() as s:
        viewer = s.execute(select(User).where(User.username == "steelviewer")).scalar_one()
        principal = load_principal(s, viewer)
        # the viewer keeps workflow steps out of every channel, failed imports in the inbox
        save_preferences(s, principal, email=None, channels={"workflow": [], "import_failed": ["inbox"]})
    with database.session() as s:
        for action, details in (("capacity.plan.approve", None), ("import.preview", {"status": "invalid", "issues": 2})):
            record(s, action, actor="hebei", organisation_id=world.org("steel"), target_type="capacity_plan"
                   if action.startswith("capacity") else "import", target_id=7, details=details)
    assert told(database) == {"capacity.plan.approve": {"steel"}, "import.failed": {"steel", "steelviewer"}}
    steel = user_id(database, "steel")
    with database.session() as s:
        assert unread_count(s, steel) == 2 and unread_count(s, principal.user_id) == 1
        first = s.execute(select(Notification.id).where(Notification.user_id == steel).order_by(Notification.id)
                          ).scalars().first()
        assert first is not None
        steel_principal = load_principal(s, s.get(User, steel))  # type: ignore[arg-type]
        mark_read(s, steel_principal, first)
    with database.session() as s:
        assert unread_count(s, steel) == 1
        assert mark_all_read(s, steel_principal) == 1
        assert unread_count(s, steel) == 0 and unread_count(s, principal.user_id) == 1


def _filed(database: Database, world: World, enterprise: str, periods: tuple[str, ...]) -> None:
    """Stored data versions of ``periods`` (what a committed import leaves), without accounting a file."""
    with database.session() as s:
        org = world.org(enterprise)
        facility = s.scalar(select(Facility.id).where(Facility.enterprise_id == org).limit(1))
        assert facility is not None
        batch = ImportBatch(enterprise_id=org, filename="a.csv", content_type="text/csv", size_bytes=1,
                            sha256="0" * 64, content=b"x", status="committed")
        s.add(batch)
        s.flush()
        s.add_all([DataVersion(enterprise_id=org, facility_id=facility, period=p, version=1, import_id=batch.id)
                   for p in periods])


def test_filing_deadlines_from_the_dataset(world: World) -> None:
    rule = rule_for(load_rules(), "monthly_activity", "steel")
    assert rule is not None and rule.days == 40 and rule.source and rule.verification_status == "uncertain"
    assert due_date("2024-02", 40) == dt.date(2024, 4, 9)  # 29 February + 31 days of March + 9
    database = world.database
    _filed(database, world, "steel", ("2024-01", "2024-02", "2024-04"))
    with database.session() as s:
        # 15 June: March (due 10 May) and April (due 9 June) are due, May (due 10 July) is not; April was filed
        assert check_deadlines(s, today=dt.date(2024, 6, 15), months=3) == 2
    got = told(database)
    assert got == {"deadline.monthly_activity": {"steel", "steelviewer"}}
    with database.session() as s:
        rows = s.execute(select(Notification)).scalars().all()
        assert {r.params["month"] for r in rows} == {"2024-03"}
        text = render(rows[0].event, rows[0].params, load_catalogs().translator("zh-CN"))
        assert text.title == "唐山示例钢铁有限公司 2024-03 活动数据尚未导入"
        assert text.detail == "报送截止日为 2024-05-10（每月结束后 40 日内导入当月活动数据）。"
        # told once: the next day's check adds nothing; enterprises that never filed are not nagged
        assert check_deadlines(s, today=dt.date(2024, 6, 16), months=3) == 0


def test_a_window_row_is_only_for_its_months() -> None:
    rules = load_rules()
    # the activity data's row has no window; the carbon market's back-filling row is not a row for every month
    assert rule_for(rules, "ets_monthly_evidence", "steel").key == "ets_monthly_evidence"  # type: ignore[union-attr]
    window = rule_for(rules, "ets_monthly_evidence", "steel", "2025-04")
    assert window is not None and window.due("2025-04") == dt.date(2025, 10, 31)
    assert rule_for(rules, "ets_monthly_evidence", "steel", "2025-08").due("2025-08") == dt.date(  # type: ignore[union-attr]
        2025, 10, 10)
