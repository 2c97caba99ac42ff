"""Storing readings: idempotence, late data, cumulative registers, rollover, replacement, rollups.

Values are worked by hand in each test; every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import func, select

from greenmfg.db.session import Database
from greenmfg.monitoring.models import MeterReading, MeterReplacement, MeterRollup
from greenmfg.monitoring.readings import (
    LOCAL_TZ,
    PayloadError,
    bucket_start,
    daily_series,
    fifteen_minute_series,
    hourly_series,
    load_meters,
    monthly_series,
    parse_payload,
    prune_raw,
    raw_readings,
    rederive,
    store_readings,
)
from tests.factories import World, add_meter

DAY = dt.datetime(2026, 3, 1, tzinfo=LOCAL_TZ)


def at(minutes: int) -> int:
    """Unix seconds of 2026-03-01 00:00 (China time) + ``minutes``."""
    return int((DAY + dt.timedelta(minutes=minutes)).timestamp())


def store(database: Database, meter_id: int, readings: list[tuple[int, float]]):  # type: ignore[no-untyped-def]
    with database.session() as s:
        return store_readings(s, load_meters(s, [meter_id]), {meter_id: readings})


def deltas(database: Database, meter_id: int) -> dict[int, float | None]:
    with database.session() as s:
        return {r.ts: r.delta for r in s.execute(select(MeterReading).where(MeterReading.meter_id == meter_id)
                                                  .order_by(MeterReading.ts)).scalars()}


def fifteen(database: Database, meter_id: int) -> list[tuple[str, float]]:
    with database.session() as s:
        return [(t.strftime("%H:%M"), v) for t, v in
                fifteen_minute_series(s, meter_id, DAY.replace(tzinfo=None), DAY.replace(tzinfo=None) + dt.timedelta(days=1))]


def test_payload_parsing_converts_units_and_locates_problems() -> None:
    readings = parse_payload(b'{"readings": [{"ts": "2026-03-01T00:15:00+08:00", "value": 1.5, "unit": "MWh"},'
                             b' {"ts": "2026-02-28T16:30:00Z", "value": 2}]}', "kWh")
    # 1.5 MWh = 1500 kWh; 16:30Z is 00:30 China time; the unit defaults to the meter's
    assert readings == [(at(15), 1500.0), (at(30), 2.0)]
    with pytest.raises(PayloadError) as raised:
        parse_payload('{"readings": [{"ts": "2026-03-01T00:15:00", "value": 1, "unit": "kWh"},'
                      ' {"ts": "2026-03-01T00:30:00+08:00", "value": "x"},'
                      ' {"ts": "2026-03-01T00:45:00+08:00", "value": 1, "unit": "m3"}]}', "kWh")
    where = [p.where for p in raised.value.problems]
    assert where == ["readings[0].ts", "readings[1].value", "readings[2].unit"]
    assert "UTC offset" in raised.value.reason and "时区偏移" in raised.value.reason_zh
    with pytest.raises(PayloadError, match=r"readings\[0\]\.value: too large"):
        parse_payload(b'{"readings": [{"ts": "2026-03-01T00:00:00Z", "value": 1e308, "unit": "MWh"}]}', "kWh")
    for bad in (b"not json", b'{"values": []}', b'{"readings": []}', b'[1]'):
        with pytest.raises(PayloadError):
            parse_payload(bad, "kWh")


def test_bucket_boundaries_are_china_local_days_and_months() -> None:
    # 2026-03-31 23:59:59 +08:00 is in March; one second later is April
    end_of_march = int(dt.datetime(2026, 3, 31, 23, 59, 59, tzinfo=LOCAL_TZ).timestamp())
    assert bucket_start(end_of_march, "month") == int(dt.datetime(2026, 3, 1, tzinfo=LOCAL_TZ).timestamp())
    assert bucket_start(end_of_march + 1, "month") == end_of_march + 1
    assert bucket_start(end_of_march, "day") == int(dt.datetime(2026, 3, 31, tzinfo=LOCAL_TZ).timestamp())
    assert bucket_start(at(29), "15min") == at(15) and bucket_start(at(59), "hour") == at(0)


def test_interval_readings_are_idempotent_and_rolled_up(database: Database, world: World) -> None:
    meter = add_meter(database, world, multiplier=2.0)
    first = store(database, meter, [(at(0), 1.0), (at(15), 2.0), (at(15), 9.0), (at(30), 3.0)])
    assert (first.stored, first.duplicates) == (3, 1)   # the repeat of 00:15 in the batch is ignored
    again = store(database, meter, [(at(30), 7.0), (at(45), 4.0)])
    assert (again.stored, again.duplicates) == (1, 1)   # 00:30 already stored: first write wins
    # multiplier 2: deltas 2, 4, 6, 8
    assert fifteen(database, meter) == [("00:00", 2.0), ("00:15", 4.0), ("00:30", 6.0), ("00:45", 8.0)]
    with database.session() as s:
        assert daily_series(s, meter, DAY.date(), DAY.date() + dt.timedelta(days=1)) == [(DAY.date(), 20.0)]
        assert [v for _t, v in hourly_series(s, meter, DAY.replace(tzinfo=None),
                                              DAY.replace(tzinfo=None) + dt.timedelta(hours=2))] == [20.0]
        assert monthly_series(s, meter, dt.date(2026, 1, 1), dt.date(2026, 12, 1)) == [(dt.date(2026, 3, 1), 20.0)]
        assert raw_readings(s, meter, at(0), at(60)) == [(at(0), 1.0), (at(15), 2.0), (at(30), 3.0), (at(45), 4.0)]


def test_cumulative_register_late_reading_rederives_its_neighbour(database: Database, world: World) -> None:
    meter = add_meter(database, world, kind="cumulative")
    store(database, meter, [(at(0), 100.0), (at(30), 125.0)])
    assert deltas(database, meter) == {at(0): None, at(30): 25.0}
    late = store(database, meter, [(at(15), 110.0)])
    assert (late.stored, late.rederived) == (1, 1)
    assert deltas(database, meter) == {at(0): None, at(15): 10.0, at(30): 15.0}
    # a register delta belongs to the interval that ends at its reading: (00:00, 00:15] → 00:00
    assert fifteen(database, meter) == [("00:00", 10.0), ("00:15", 15.0)]


def test_rollover_and_a_register_that_goes_back(database: Database, world: World) -> None:
    wraps = add_meter(database, world, code="WRAP", kind="cumulative", register_max=100000.0)
    store(database, wraps, [(at(0), 99990.0), (at(15), 5.0)])
    assert deltas(database, wraps)[at(15)] == pytest.approx(15.0)   # 99990 → 100000 → 5
    plain = add_meter(database, world, code="BACK", kind="cumulative")
    store(database, plain, [(at(0), 500.0), (at(15), 20.0), (at(30), 30.0)])
    assert deltas(database, plain) == {at(0): None, at(15): None, at(30): 10.0}


def test_meter_replacement_does_not_count_the_jump(database: Database, world: World) -> None:
    meter = add_meter(database, world, kind="cumulative")
    with database.session() as s:
        s.add(MeterReplacement(meter_id=meter, replaced_at=at(20), initial_value=0.0, note="换表"))
    store(database, meter, [(at(0), 480.0), (at(15), 500.0), (at(30), 3.0), (at(45), 8.0)])
    # old register 480 → 500 (20); new register starts at 0: 3, then 5; the 500 → 3 jump is not consumption
    assert deltas(database, meter) == {at(0): None, at(15): 20.0, at(30): 3.0, at(45): 5.0}
    with database.session() as s:
        assert daily_series(s, meter, DAY.date(), DAY.date() + dt.timedelta(days=1)) == [(DAY.date(), 28.0)]


def test_rollups_equal_raw_sums_after_shuffled_batches(database: Database, world: World) -> None:
    meter = add_meter(database, world, kind="cumulative", register_max=1000.0)
    rng = random.Random(7)
    value, readings = 0.0, []
    for i in range(3 * 96):   # three days of 15-minute reads, wrapping at 1000 several times
        value = (value + rng.uniform(0, 30)) % 1000.0
        readings.append((at(15 * i), round(value, 3)))
    shuffled = readings[:]
    rng.shuffle(shuffled)
    for start in range(0, len(shuffled), 37):
        store(database, meter, shuffled[start:start + 37] + shuffled[:3])   # with duplicates
    expected_deltas = [None] + [round((b[1] - a[1]) % 1000.0, 6) for a, b in zip(readings, readings[1:], strict=False)]
    stored = deltas(database, meter)
    assert [None if d is None else round(d, 6) for d in stored.values()] == expected_deltas
    with database.session() as s:
        raw_total = s.execute(select(func.sum(MeterReading.delta)).where(MeterReading.meter_id == meter)).scalar_one()
        for interval in ("15min", "hour", "day", "month"):
            rolled = s.execute(select(func.sum(MeterRollup.total)).where(
                MeterRollup.meter_id == meter, MeterRollup.interval == interval)).scalar_one()
            assert rolled == pytest.approx(raw_total, rel=1e-9), interval
        days = daily_series(s, meter, DAY.date(), DAY.date() + dt.timedelta(days=3))
    # by hand from the list: the delta of the read at 00:00 of a day belongs to the day before
    by_day: dict[dt.date, float] = {}
    for (ts, _v), delta in zip(readings, expected_deltas, strict=True):
        day = dt.datetime.fromtimestamp(ts - 1, LOCAL_TZ).date()
        by_day[day] = by_day.get(day, 0.0) + (delta or 0.0)
    assert [d for d, _ in days] == sorted(d for d in by_day if d >= DAY.date())
    for day, total in days:
        assert total == pytest.approx(by_day[day])


def test_prune_keeps_rollups_and_the_last_register_read(database: Database, world: World) -> None:
    meter = add_meter(database, world, kind="cumulative")
    store(database, meter, [(at(0), 10.0), (at(15), 20.0), (at(30), 35.0)])
    with database.session() as s:
        removed = prune_raw(s, older_than=DAY + dt.timedelta(minutes=20))
    assert removed == 1   # 00:00 goes, 00:15 stays as the newest read before the cut
    store(database, meter, [(at(45), 50.0)])
    assert deltas(database, meter) == {at(15): 10.0, at(30): 15.0, at(45): 15.0}
    with database.session() as s:
        assert daily_series(s, meter, DAY.date(), DAY.date() + dt.timedelta(days=1)) == [(DAY.date(), 40.0)]


def test_a_replacement_recorded_after_the_readings_rederives_them(database: Database, world: World) -> None:
    meter = add_meter(database, world, kind="cumulative")
    store(database, meter, [(at(0), 480.0), (at(15), 500.0), (at(30), 3.0), (at(45), 8.0)])
    # without the replacement the register "went back": 500 → 3 not counted, then 5
    assert deltas(database, meter) == {at(0): None, at(15): 20.0, at(30): None, at(45): 5.0}
    with database.session() as s:
        s.add(MeterReplacement(meter_id=meter, replaced_at=at(20), initial_value=0.0))
        s.flush()
        assert rederive(s, meter, since=at(20)) == 1
    assert deltas(database, meter) == {at(0): None, at(15): 20.0, at(30): 3.0, at(45): 5.0}
    assert fifteen(database, meter) == [("00:00", 20.0), ("00:15", 3.0), ("00:30", 5.0)]
