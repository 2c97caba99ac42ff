"""The demo region seeds meters with a history of readings for the enterprises with demo logins."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from greenmfg.db.session import Database
from greenmfg.demo.platform import seed_demo
from greenmfg.monitoring.baseline_models import EnergyBaseline, SavingsReport
from greenmfg.monitoring.demo import synthetic_temperature
from greenmfg.monitoring.models import MeterReading
from greenmfg.monitoring.readings import LOCAL_TZ, daily_series
from greenmfg.orgs.models import Facility, Meter, Organisation


def test_demo_meters_have_history_and_rollups(database: Database) -> None:
    seed_demo(database, password="demo-password-123", enterprises=6, months=1, meter_days=3)
    with database.session() as s:
        meters = s.execute(select(Meter, Organisation.name).join(Facility, Facility.id == Meter.facility_id)
                           .join(Organisation, Organisation.id == Facility.enterprise_id)).all()
        assert meters and {m.code for m, _ in meters} == {"EM-01", "GM-01"}
        power = next(m for m, _ in meters if m.code == "EM-01")
        readings = s.execute(select(func.count()).select_from(MeterReading)
                             .where(MeterReading.meter_id == power.id)).scalar_one()
        assert readings == 3 * 96 + 1   # every quarter hour of three days, both ends included
        raw_total = s.execute(select(func.sum(MeterReading.delta)).where(MeterReading.meter_id == power.id)).scalar_one()
        today = dt.datetime.now(LOCAL_TZ).date()
        days = daily_series(s, power.id, today - dt.timedelta(days=5), today + dt.timedelta(days=1))
        assert len(days) in (3, 4) and sum(v for _, v in days) == raw_total
        # the register only grows, so its consumption is the last read minus the first
        first, last = s.execute(select(func.min(MeterReading.value), func.max(MeterReading.value))
                                .where(MeterReading.meter_id == power.id)).one()
        assert abs(raw_total - (last - first)) < 1e-6 * last


def test_demo_stores_a_synthetic_baseline_and_savings_report(database: Database) -> None:
    seed_demo(database, password="demo-password-123", enterprises=6, months=1, meter_days=10)
    with database.session() as s:
        power = s.execute(select(Meter).where(Meter.code == "EM-01")).scalars().all()
        enterprises = {s.get(Facility, m.facility_id).enterprise_id for m in power}
        baselines = s.execute(select(EnergyBaseline)).scalars().all()
        # every demo enterprise: one baseline, on its electricity meter, labelled synthetic, valid
        assert sorted(b.meter_id for b in baselines) == sorted(m.id for m in power) and len(enterprises) == len(power)
        for b in baselines:
            assert b.data_source == "synthetic" and b.sufficiency["sufficient"] is True
            assert b.metrics["r2"] > 0.75 and b.metrics["valid"]
            assert (b.window_end - b.window_start).days == 364
            report = s.execute(select(SavingsReport).where(SavingsReport.baseline_id == b.id)).scalar_one()
            assert report.data_source == "synthetic" and report.period_start > b.window_end
            assert len(report.days["dates"]) == 9   # the full local days of ten days of readings
            # the synthetic plant used 8 % more before: about 7 % of the adjusted baseline is saved
            assert 0.0 < report.result["savings_fraction"] < 0.15
        # deterministic: the weather of a day is the same every time
        assert synthetic_temperature(dt.date(2026, 1, 15)) == synthetic_temperature(dt.date(2026, 1, 15))
        assert synthetic_temperature(dt.date(2026, 1, 15)) < 5 < synthetic_temperature(dt.date(2026, 7, 15))
