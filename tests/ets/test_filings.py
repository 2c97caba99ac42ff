"""The filing service (:mod:`greenmfg.ets.filings`) on SQLite and PostgreSQL: covered emissions of a month
cross-checked against the stored results, the coverage threshold as cited data, and a month's status by
dates in China time (not due, due, on time up to 23:59 of the due day in Beijing, late one minute after,
overdue). One seeded enterprise per backend; each check a subtest."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from greenmfg.accounting.models import FacilityResult
from greenmfg.auth.models import User
from greenmfg.db.session import Database
from greenmfg.ets import filings
from greenmfg.ets.filing_models import EtsFiling
from greenmfg.notifications.models import Notification
from greenmfg.orgs.access import Principal, load_principal
from tests.ets.test_api import PDF, seed
from tests.factories import Login, World

UTC = dt.UTC


def _principal(database: Database, username: str) -> Principal:
    with database.session() as s:
        return load_principal(s, s.execute(select(User).where(User.username == username)).scalar_one())


def test_covered_months_deadlines_and_china_time(client: TestClient, login: Login, world: World, database: Database,
                                                 subtests: pytest.Subtests) -> None:
    steel, _month = seed(client, login, world)

    with subtests.test("covered emissions: combustion + process of the current results, electricity apart"), \
            database.session() as s:
        month = filings.covered_month(s, steel, "2024-01")
        rows = s.execute(select(FacilityResult).where(FacilityResult.enterprise_id == steel,
                                                      FacilityResult.period == "2024-01",
                                                      FacilityResult.current.is_(True))).scalars().all()
        assert len(month.facilities) == len(rows) == 1
        assert month.covered_tco2e == pytest.approx(sum(r.combustion_tco2e + r.process_tco2e for r in rows))
        assert month.covered_tco2e == pytest.approx(rows[0].scope1_tco2e)  # no exported energy here
        assert month.purchased_electricity_tco2e == pytest.approx(rows[0].purchased_electricity_tco2e)
        assert month.purchased_electricity_tco2e > 0
        assert month.covered_tco2e < rows[0].total_tco2e  # the total includes the purchased electricity
        assert not filings.covered_month(s, steel, "2023-12").has_data
        assert filings.allocated_allowances(s, steel, 2024) is None

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
