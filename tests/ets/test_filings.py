"""The filing service (:mod:`greenmfg.ets.filings`) on SQLite and PostgreSQL: covered emissions of a month
(the stored figures) cross-checked against the ETS engine on the committed file, the coverage threshold as cited data, and a month's status by
dates in China time (not due, due, on time up to 23:59 of the due day in Beijing, late one minute after,
overdue). One seeded enterprise per backend; each check a subtest."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from greenmfg.accounting.models import DataVersion
from greenmfg.auth.models import User
from greenmfg.db.session import Database
from greenmfg.ets import filings
from greenmfg.ets.figures import installed_fingerprint
from greenmfg.ets.filing_models import EtsFigure, EtsFiling
from greenmfg.notifications.models import Notification
from greenmfg.orgs.access import Principal, load_principal
from tests.ets.test_api import PDF, _by_the_guidelines, seed
from tests.factories import Login, World

UTC = dt.UTC


def _principal(database: Database, username: str) -> Principal:
    with database.session() as s:
        return load_principal(s, s.execute(select(User).where(User.username == username)).scalar_one())


def test_covered_months_deadlines_and_china_time(client: TestClient, login: Login, world: World, database: Database,
                                                 subtests: pytest.Subtests) -> None:
    steel, _month = seed(client, login, world)

    with subtests.test("covered emissions: the stored figures by the guidelines, electricity apart"), \
            database.session() as s:
        month = filings.covered_month(s, steel, "2024-01")
        figures = _by_the_guidelines("2024-01")
        (stored,) = s.execute(select(EtsFigure).where(EtsFigure.enterprise_id == steel,
                                                      EtsFigure.period == "2024-01")).scalars().all()
        version = s.execute(select(DataVersion).where(DataVersion.enterprise_id == steel, DataVersion.period == "2024-01",
                                                      DataVersion.current.is_(True))).scalar_one()
        assert len(month.facilities) == 1 and month.facilities[0].data_version_id == stored.data_version_id == version.id
        assert month.covered_tco2e == pytest.approx(figures.covered_tco2e, rel=1e-9) == stored.covered_tco2e
        assert month.purchased_electricity_tco2e == pytest.approx(figures.purchased_electricity_tco2, rel=1e-9)
        assert month.purchased_electricity_tco2e > 0 and month.pfc_tco2e == 0.0
        assert month.current and stored.reference_fingerprint == installed_fingerprint()
        assert not filings.covered_month(s, steel, "2023-12").has_data
        # 2024: allowances = verified emissions (the allowances module's one function)
        assert filings.allocated_allowances(s, steel, 2024) == pytest.approx(
            filings._covered_year(s, steel, 2024)[0], rel=1e-9)

    with subtests.test("the threshold and the sectors come from the cited dataset"):
        rules = filings.load_coverage_rules()
        assert rules.threshold_tco2e == 26_000 and rules.threshold.unit == "tCO2e/a"
        assert rules.threshold.verification_status == "secondary" and "MEE" in rules.threshold.source
        assert set(rules.sectors) == {"steel", "cement", "electrolytic_aluminium"}
        due, rule = filings.deadline_of("2024-01", "steel")
        assert due == dt.date(2024, 3, 11) and rule.key == "ets_monthly_evidence" and rule.days == 40
        assert filings.deadline_of("2024-02", "cement")[0] == dt.date(2024, 4, 9)  # 29 February + 40 days
        assert filings.deadline_of("2024-01", "flat_glass")[1].key == "ets_monthly_evidence"  # covered by a regulator

    with subtests.test("a month's status by the day, in China time"):
        manager = _principal(database, "steel")
        with database.session() as s:
            view = filings.company_year(s, manager, steel, 2024, today=dt.date(2024, 3, 11))
            statuses = {m.period: m.status for m in view.months}
            assert statuses["2024-01"] == filings.MonthStatus.due  # due day itself: still due
            assert statuses["2024-03"] == filings.MonthStatus.not_due  # not ended
            later = filings.company_year(s, manager, steel, 2024, today=dt.date(2024, 3, 12))
            assert later.months[0].status == filings.MonthStatus.overdue
        with database.session() as s:
            month_id = filings.add_evidence(s, manager, steel, "2024-01", kind="invoice", filename="发票.pdf",
                                            content=PDF)
            filing = filings.file_month(s, manager, steel, "2024-01", {"evidence_ids": [month_id], "confirm": True})
            filing_id = filing.id
        for filed_at, expected in ((dt.datetime(2024, 3, 11, 15, 59, tzinfo=UTC), filings.MonthStatus.filed_on_time),
                                   (dt.datetime(2024, 3, 11, 16, 1, tzinfo=UTC), filings.MonthStatus.filed_late)):
            with database.session() as s:
                s.execute(update(EtsFiling).where(EtsFiling.id == filing_id).values(filed_at=filed_at))
            with database.session() as s:
                view = filings.company_year(s, manager, steel, 2024, today=dt.date(2024, 6, 1))
                assert view.months[0].status == expected, filed_at
                assert view.filed_tco2e == pytest.approx(filings.covered_month(s, steel, "2024-01").covered_tco2e)

    with subtests.test("deadline notifications: due soon and overdue, each once, to the enterprise"):
        with database.session() as s:
            # 2024-02 (due 9 April) is due within a week of 4 April; 2024-01 is filed; 2023-12 has no coverage
            assert filings.notify_deadlines(s, today=dt.date(2024, 4, 4)) == 2  # steel + steelviewer
            assert filings.notify_deadlines(s, today=dt.date(2024, 4, 4)) == 0
            assert filings.notify_deadlines(s, today=dt.date(2024, 4, 11)) == 2
            events = sorted(set(s.execute(select(Notification.event, Notification.link).where(
                Notification.event.in_(["ets.due_soon", "ets.overdue"]))).all()))
        assert events == [("ets.due_soon", f"/ets/enterprises/{steel}/months/2024-02"),
                          ("ets.overdue", f"/ets/enterprises/{steel}/months/2024-02")]


def test_2025_back_filling_window() -> None:
    """Monthly evidence since July 2025, January–June 2025 back-filled by 31 October 2025
    (filing_deadlines/platform-2026.3, secondary): those months are due on that day, the others
    40 days after their month."""
    for month in ("2025-01", "2025-03", "2025-06"):
        due, rule = filings.deadline_of(month, "cement")
        assert (due, rule.key) == (dt.date(2025, 10, 31), "ets_monthly_evidence_backfill_2025")
        assert rule.verification_status == "secondary" and "补录" in rule.rule_zh
    due, rule = filings.deadline_of("2025-07", "steel")
    assert (due, rule.key) == (dt.date(2025, 9, 9), "ets_monthly_evidence")  # 31 July + 40 days
    assert filings.deadline_of("2024-12", "steel")[0] == dt.date(2025, 2, 9)
    # an enterprise of another industry that a regulator covers: the sectors' rows, the window too
    assert filings.deadline_of("2025-02", "flat_glass")[0] == dt.date(2025, 10, 31)


def test_2025_months_filed_within_the_window_are_on_time(database: Database, world: World) -> None:
    steel = world.org("steel")
    manager = _principal(database, "steel")
    with database.session() as s:
        view = filings.company_year(s, manager, steel, 2025, today=dt.date(2025, 9, 1))
    statuses = {m.period: (m.status, m.due_date, m.deadline_rule) for m in view.months}
    # on 1 September 2025 January is not overdue (back-filling until 31 October); July is due on 9 September
    assert statuses["2025-01"][:2] == (filings.MonthStatus.due, dt.date(2025, 10, 31))
    assert statuses["2025-01"][2].endswith(":ets_monthly_evidence_backfill_2025")
    assert statuses["2025-07"][:2] == (filings.MonthStatus.due, dt.date(2025, 9, 9))
    assert view.rule.key == "ets_monthly_evidence"
    with database.session() as s:
        late = filings.company_year(s, manager, steel, 2025, today=dt.date(2025, 11, 1))
    assert {m.period: m.status for m in late.months}["2025-06"] == filings.MonthStatus.overdue
