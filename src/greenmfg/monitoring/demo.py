"""Demo meters with a history of 15-minute readings (synthetic, seeded: the same every time).

The plant load follows a synthetic daily weather (:func:`synthetic_temperature`: a seasonal curve
of North China with seeded noise, **not measured weather**) through electric heating below 15 °C
and cooling above 24 °C. With a principal, :func:`seed_meters` also stores for each enterprise's
electricity meter an energy baseline fitted on a synthetic pre-retrofit year (the same plant
using 8 % more, on the synthetic weather of the year before the readings; ``data_source =
"synthetic"``) and a savings report over the full days of the readings, so the demo meter
dashboard shows baseline against actual, cumulative savings and any alerts without user action.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.monitoring.models import MeterSetting, RegisterKind
from greenmfg.monitoring.readings import LOCAL_TZ, load_meters, store_readings
from greenmfg.orgs.access import Principal
from greenmfg.orgs.models import Facility, Meter, Organisation

__all__ = ["seed_meters", "synthetic_temperature"]

QUARTER = 900
#: the synthetic plant before its (fictitious) retrofit used this much more [-]
PRE_RETROFIT_FACTOR = 1.08
SYNTHETIC_NOTE = "synthetic"


def synthetic_temperature(day: dt.date, seed: int = 1) -> float:
    """Daily mean temperature [°C] of a made-up North-China site: seasonal curve plus seeded noise."""
    doy = day.timetuple().tm_yday
    noise = random.Random(seed * 1_000_003 + day.toordinal()).gauss(0.0, 2.5)
    return round(12.5 - 15.0 * math.cos(2 * math.pi * (doy - 15) / 365.25) + noise, 1)


def _weather_factor(temperature_c: float) -> float:
    """Load multiplier of electric heating below 15 °C and cooling above 24 °C [-]."""
    return 1.0 + 0.02 * max(0.0, 15.0 - temperature_c) + 0.03 * max(0.0, temperature_c - 24.0)


def _shape(hour: float) -> float:
    return 0.6 + 0.35 * math.exp(-((hour - 10.5) ** 2) / 18) + 0.25 * math.exp(-((hour - 16) ** 2) / 12)


#: mean daily energy of the load shape per kW of base load [kWh/kW/d]
_DAILY_SHAPE_KWH = sum(_shape(q / 4) for q in range(96)) / 4


def _load_kw(rng: random.Random, when: dt.datetime, base_kw: float, weather: float = 1.0) -> float:
    """A plausible plant load: two-shift daytime peak, lower on Sundays, weather, noise."""
    weekly = 0.9 if when.weekday() == 6 else 1.0
    return base_kw * _shape(when.hour + when.minute / 60) * weekly * weather * rng.uniform(0.95, 1.05)


def seed_meters(session: Session, enterprises: list[Organisation], *, days: int, seed: int = 1,
                now: dt.datetime | None = None, principal: Principal | None = None) -> list[int]:
    """Add an electricity register [kWh] and a natural-gas meter [m3] to each enterprise's first facility.

    Readings every 15 minutes for ``days`` days up to ``now`` (default: the current quarter hour).
    With ``principal`` (who may manage the enterprises) also a baseline and a savings report per
    electricity meter (:func:`seed_baseline`). Returns the new meter ids.
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
        weather: dict[dt.date, float] = {}
        for ts in range(start_ts, end_ts + 1, QUARTER):
            when = dt.datetime.fromtimestamp(ts, LOCAL_TZ)
            day = when.date()
            if day not in weather:
                weather[day] = _weather_factor(synthetic_temperature(day, seed))
            load = _load_kw(rng, when, base_kw, weather[day])
            register += load / 4   # kW over a quarter hour → kWh
            power_rows.append((ts, round(register, 1)))
            gas_rows.append((ts, round(load * 0.02 * rng.uniform(0.9, 1.1), 2)))
        meters = load_meters(session, [power.id, gas.id])
        store_readings(session, meters, {power.id: power_rows, gas.id: gas_rows})
        created += [power.id, gas.id]
        if principal is not None:
            first = dt.datetime.fromtimestamp(start_ts, LOCAL_TZ).date() + dt.timedelta(days=1)
            last = dt.datetime.fromtimestamp(end_ts, LOCAL_TZ).date() - dt.timedelta(days=1)
            seed_baseline(session, principal, power.id, base_kw, first, last, seed=seed)
    return created


def seed_baseline(session: Session, principal: Principal, meter_id: int, base_kw: float, first: dt.date,
                  last: dt.date, *, seed: int = 1) -> None:
    """Fit a baseline on a synthetic pre-retrofit year before ``first`` and report savings over the
    meter's readings from ``first`` to ``last`` (full local days); both marked ``synthetic``.

    Goes through the services of the API (:mod:`monitoring.baselines`), so the stored model,
    report, alerts and audit entries are those a user would get. Nothing when ``last < first``.
    """
    from greenmfg.monitoring import baselines
    from greenmfg.monitoring.baseline_models import SavingsReport

    if last < first:
        return
    rng = random.Random(seed * 7919 + meter_id)
    year = [first - dt.timedelta(days=365 - i) for i in range(365)]
    rows = []
    for day in year:
        temperature = synthetic_temperature(day, seed)
        weekly = 0.9 if day.weekday() == 6 else 1.0
        energy = (PRE_RETROFIT_FACTOR * base_kw * _DAILY_SHAPE_KWH * weekly * _weather_factor(temperature)
                  * rng.uniform(0.97, 1.03))
        rows.append({"date": day.isoformat(), "energy": round(energy, 1), "temperature_c": temperature})
    baseline = baselines.fit_baseline(session, principal, meter_id, {
        "method": "change_point", "ipmvp_option": "B", "drivers": ["temperature_c"], "energy_source": "inline",
        "data": rows})
    baseline.data_source = SYNTHETIC_NOTE
    days = (last - first).days + 1
    weather = [{"date": (first + dt.timedelta(days=i)).isoformat(),
                "temperature_c": synthetic_temperature(first + dt.timedelta(days=i), seed)} for i in range(days)]
    answer = baselines.savings(session, principal, baseline.id, {"energy_source": "readings", "data": weather})
    report = session.get(SavingsReport, answer["report_id"])
    if report is not None:
        report.data_source = SYNTHETIC_NOTE
