"""The demo region seeds meters with a history of readings for the enterprises with demo logins."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from greenmfg.db.session import Database
from greenmfg.demo.platform import seed_demo
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
