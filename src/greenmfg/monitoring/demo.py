"""Demo meters with a history of 15-minute readings (synthetic, seeded: the same every time)."""

from __future__ import annotations

import datetime as dt
import math
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.monitoring.models import MeterSetting, RegisterKind
from greenmfg.monitoring.readings import LOCAL_TZ, load_meters, store_readings
from greenmfg.orgs.models import Facility, Meter, Organisation

__all__ = ["seed_meters"]

QUARTER = 900


def _load_kw(rng: random.Random, when: dt.datetime, base_kw: float) -> float:
    """A plausible plant load: two-shift daytime peak, lower on Sundays, noise."""
    hour = when.hour + when.minute / 60
    shift = 0.35 * math.exp(-((hour - 10.5) ** 2) / 18) + 0.25 * math.exp(-((hour - 16) ** 2) / 12)
    weekly = 0.8 if when.weekday() == 6 else 1.0
    return base_kw * (0.6 + shift) * weekly * rng.uniform(0.95, 1.05)


def seed_meters(session: Session, enterprises: list[Organisation], *, days: int, seed: int = 1,
                now: dt.datetime | None = None) -> list[int]:
    """Add an electricity register [kWh] and a natural-gas meter [m3] to each enterprise's first facility.

    Readings every 15 minutes for ``days`` days up to ``now`` (default: the current quarter hour).
    Returns the new meter ids.
    """
    rng = random.Random(seed)
    end = now or dt.datetime.now(dt.UTC)
    end_ts = int(end.timestamp()) // QUARTER * QUARTER
    start_ts = end_ts - days * 86400
    created: list[int] = []
    for enterprise in enterprises:
        facility = session.execute(select(Facility).where(Facility.enterprise_id == enterprise.id)
                                   .order_by(Facility.code).limit(1)).scalar_one_or_none()
        if facility is None:
            continue
        power = Meter(facility_id=facility.id, code="EM-01", name="总进线电能表", item="electricity", unit="kWh")
        gas = Meter(facility_id=facility.id, code="GM-01", name="天然气总表", item="natural_gas", unit="m3")
        session.add_all([power, gas])
        session.flush()
        session.add_all([MeterSetting(meter_id=power.id, register_kind=RegisterKind.cumulative,
                                      register_max=99_999_999.0, multiplier=1.0),
                         MeterSetting(meter_id=gas.id, register_kind=RegisterKind.interval, multiplier=1.0)])
        session.flush()
        base_kw = rng.uniform(2_000, 8_000)
        register = rng.uniform(1e6, 5e6)
        power_rows: list[tuple[int, float]] = []
        gas_rows: list[tuple[int, float]] = []
        for ts in range(start_ts, end_ts + 1, QUARTER):
            when = dt.datetime.fromtimestamp(ts, LOCAL_TZ)
            load = _load_kw(rng, when, base_kw)
            register += load / 4   # kW over a quarter hour → kWh
            power_rows.append((ts, round(register, 1)))
            gas_rows.append((ts, round(load * 0.02 * rng.uniform(0.9, 1.1), 2)))
        meters = load_meters(session, [power.id, gas.id])
        store_readings(session, meters, {power.id: power_rows, gas.id: gas_rows})
        created += [power.id, gas.id]
    return created
