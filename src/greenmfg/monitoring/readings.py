"""Meter readings: parse, derive consumption, store idempotently, roll up, query.

Conventions (also in ``README.md``):

* A reading is ``(meter, ts, value)``; ``ts`` is stored as Unix seconds (UTC). Payload timestamps
  must carry a UTC offset (``2026-03-01T08:15:00+08:00``).
* ``value`` is converted to the meter's unit with the project's unit registry.
* Interval meters: ``value`` is the consumption of the interval that *starts* at ``ts``;
  ``delta = value × multiplier`` and it counts in the bucket holding ``ts``.
* Cumulative registers: ``delta = (value − previous value) × multiplier``, counted in the bucket
  holding ``ts − 1 s`` (the interval that *ends* at ``ts``). A decrease is a rollover when the
  meter has a ``register_max`` (``delta = value + register_max − previous``), otherwise it is not
  counted. The first reading after a replacement counts ``value − initial_value`` of the new
  register (nothing when unknown); the first reading ever counts nothing.
* Idempotent on (meter, ts): a reading whose instant is already stored is ignored (first write
  wins). Late and out-of-order readings re-derive the deltas of their neighbours and the rollups.
* Rollups (15min, hour, day, month) are maintained incrementally: each batch adds the change of
  every delta it creates or alters. Days and months are local calendar days of Asia/Shanghai.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from greenmfg.errors import Finding, GreenmfgError, UnitError
from greenmfg.monitoring.models import (
    DeadLetter,
    MeterReading,
    MeterReplacement,
    MeterRollup,
    MeterSetting,
    RegisterKind,
)
from greenmfg.orgs.models import Facility, Meter
from greenmfg.units import conversion_factor

__all__ = ["INTERVALS", "LOCAL_TZ", "MAX_READINGS_PER_MESSAGE", "MeterInfo", "PayloadError", "StoreResult",
           "bucket_start", "daily_series", "dead_letter", "fifteen_minute_series", "hourly_series",
           "load_meters", "monthly_series", "parse_payload", "prune_raw", "raw_readings", "rederive", "series",
           "store_readings"]

#: the enterprises' local time for days and months (China has one time zone, no daylight saving)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
INTERVALS = ("15min", "hour", "day", "month")
MAX_READINGS_PER_MESSAGE = 10_000
_LOCAL_OFFSET = 8 * 3600  # Asia/Shanghai has been UTC+8 without daylight saving since 1991


@dataclass(frozen=True, slots=True, init=False)
class Problem(Finding):
    """One located problem in a payload (``where``: ``readings[3].ts`` or ``row 4, column ts``): a
    :class:`~greenmfg.errors.Finding` (code ``monitoring.payload.invalid``) whose column is ``where``."""

    def __init__(self, where: str, message: str, message_zh: str) -> None:
        Finding.__init__(self, "monitoring.payload.invalid", message, "", message_zh, "", column=where)

    @property
    def where(self) -> str:
        return self.column

    def as_dict(self) -> dict[str, Any]:
        return {"column": self.where, "message": self.message, "message_zh": self.message_zh}


class PayloadError(GreenmfgError):
    """A message or upload that cannot be stored; ``problems`` say where and why."""

    code = "invalid_readings"
    message = "the readings cannot be stored"
    message_zh = "读数无法保存"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("the readings cannot be stored: " + self.reason, "读数无法保存：" + self.reason_zh,
                         details=[p.as_dict() for p in self.problems])

    @property
    def reason(self) -> str:
        return "; ".join(f"{p.where}: {p.message}" for p in self.problems[:20])

    @property
    def reason_zh(self) -> str:
        return "；".join(f"{p.where}：{p.message_zh}" for p in self.problems[:20])


@dataclass(slots=True)
class MeterInfo:
    """What ingest needs to know about a meter."""

    id: int
    enterprise_id: int
    unit: str
    register_kind: str = RegisterKind.interval
    register_max: float | None = None
    multiplier: float = 1.0
    #: (Unix seconds, initial value of the new register) sorted by time
    replacements: list[tuple[int, float | None]] = field(default_factory=list)

    @property
    def cumulative(self) -> bool:
        return self.register_kind == RegisterKind.cumulative


def load_meters(session: Session, meter_ids: Iterable[int] | None = None) -> dict[int, MeterInfo]:
    """Meters with their enterprise, unit, register settings and replacements (all when ``None``)."""
    query = (select(Meter.id, Facility.enterprise_id, Meter.unit, MeterSetting.register_kind,
                    MeterSetting.register_max, MeterSetting.multiplier)
             .join(Facility, Facility.id == Meter.facility_id)
             .outerjoin(MeterSetting, MeterSetting.meter_id == Meter.id))
    ids = None if meter_ids is None else sorted(set(meter_ids))
    if ids is not None:
        query = query.where(Meter.id.in_(ids))
    out = {row[0]: MeterInfo(id=row[0], enterprise_id=row[1], unit=row[2],
                             register_kind=row[3] or RegisterKind.interval, register_max=row[4],
                             multiplier=row[5] if row[5] is not None else 1.0)
           for row in session.execute(query)}
    if out:
        replacements = select(MeterReplacement.meter_id, MeterReplacement.replaced_at, MeterReplacement.initial_value
                              ).order_by(MeterReplacement.replaced_at)
        if ids is not None:
            replacements = replacements.where(MeterReplacement.meter_id.in_(ids))
        for meter_id, at, initial in session.execute(replacements):
            if meter_id in out:
                out[meter_id].replacements.append((at, initial))
    return out


# --- parsing -------------------------------------------------------------------------------

def _parse_ts(raw: object, where: str, problems: list[Problem]) -> int | None:
    if not isinstance(raw, str):
        problems.append(Problem(where, "must be an ISO 8601 text with a UTC offset, e.g. 2026-03-01T08:15:00+08:00",
                                "必须是带时区偏移的 ISO 8601 文本，例如 2026-03-01T08:15:00+08:00"))
        return None
    try:
        when = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        problems.append(Problem(where, f"'{raw[:40]}' is not an ISO 8601 time (e.g. 2026-03-01T08:15:00+08:00)",
                                f"“{raw[:40]}”不是 ISO 8601 时间（例如 2026-03-01T08:15:00+08:00）"))
        return None
    if when.tzinfo is None or when.utcoffset() is None:
        problems.append(Problem(where, f"'{raw[:40]}' has no UTC offset: add one (+08:00 for China time or Z)",
                                f"“{raw[:40]}”缺少时区偏移：请加上 +08:00（北京时间）或 Z"))
        return None
    if when.microsecond:
        when = when.replace(microsecond=0)
    return int(when.timestamp())


def _parse_value(raw: object, where: str, problems: list[Problem]) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        if isinstance(raw, str):
            try:
                raw = float(raw.strip())
            except ValueError:
                raw = None
        if not isinstance(raw, float):
            problems.append(Problem(where, "must be a number", "必须是数值"))
            return None
    value = float(raw)
    if not math.isfinite(value):
        problems.append(Problem(where, "must be a finite number", "必须是有限数值"))
        return None
    return value


class _Factors:
    """Unit conversion factors to a meter's unit, looked up once per unit text."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], float | str] = {}

    def get(self, unit: str, meter_unit: str) -> float | str:
        key = (unit, meter_unit)
        if key not in self._known:
            try:
                self._known[key] = 1.0 if unit == meter_unit else conversion_factor(unit, meter_unit)
            except UnitError as error:
                self._known[key] = str(error)
        return self._known[key]


_FACTORS = _Factors()


def _parse_fast(rows: Sequence[Any], meter_unit: str) -> list[tuple[int, float]] | None:
    """The common case (well-formed rows) without per-field bookkeeping; None: take the careful path."""
    out: list[tuple[int, float]] = []
    append = out.append
    fromisoformat = dt.datetime.fromisoformat
    factors: dict[Any, float] = {meter_unit: 1.0}
    try:
        for row in rows:
            unit = row.get("unit", meter_unit)
            factor = factors.get(unit)
            if factor is None:
                known = _FACTORS.get(unit, meter_unit) if isinstance(unit, str) else "?"
                if isinstance(known, str):
                    return None
                factor = factors[unit] = known
            when = fromisoformat(row["ts"])
            value = row["value"]
            if when.tzinfo is None or value.__class__ not in (int, float):
                return None
            converted = value * factor
            if not math.isfinite(converted):
                return None
            append((int(when.timestamp()), converted))
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    return out


def parse_rows(rows: Sequence[Mapping[str, Any]], meter_unit: str, *, where: Sequence[str]
               ) -> list[tuple[int, float]]:
    """Checked readings ``(Unix seconds, value in the meter's unit)`` of ``rows`` (``ts``, ``value``, ``unit``).

    ``where[i]`` names row ``i`` in messages. Raises :class:`PayloadError` listing every problem.
    """
    fast = _parse_fast(rows, meter_unit)
    if fast is not None:
        return fast
    problems: list[Problem] = []
    out: list[tuple[int, float]] = []
    for i, row in enumerate(rows):
        place = where[i]
        if not isinstance(row, Mapping):
            problems.append(Problem(place, 'must be an object {"ts", "value", "unit"}',
                                    '必须是对象 {"ts", "value", "unit"}'))
            continue
        ts = _parse_ts(row.get("ts"), f"{place}.ts", problems)
        value = _parse_value(row.get("value"), f"{place}.value", problems)
        unit = row.get("unit", meter_unit)
        factor: float | str
        if not isinstance(unit, str) or not unit.strip():
            factor = "the unit must be a text such as kWh"
        else:
            factor = _FACTORS.get(unit.strip(), meter_unit)
        if isinstance(factor, str):
            problems.append(Problem(f"{place}.unit", f"unit '{unit}' cannot be converted to the meter's unit "
                                    f"'{meter_unit}' ({factor.split(' / ')[0]})",
                                    f"单位“{unit}”无法换算为计量表单位“{meter_unit}”"))
            continue
        if ts is not None and value is not None:
            if not math.isfinite(value * factor):
                problems.append(Problem(f"{place}.value", "too large once converted to the meter's unit",
                                        "换算为计量表单位后数值过大"))
                continue
            out.append((ts, value * factor))
        if len(problems) >= 100:
            break
    if problems:
        raise PayloadError(problems)
    return out


def parse_payload(payload: bytes | str | Mapping[str, Any], meter_unit: str) -> list[tuple[int, float]]:
    """Readings of a message ``{"readings": [{"ts", "value", "unit"}, …]}`` in the meter's unit.

    Parameters
    ----------
    payload
        JSON bytes/text or the decoded object.
    meter_unit
        Unit of the meter; each reading's ``unit`` (default: the meter's) must convert to it.

    Returns
    -------
    list of (int, float)
        ``(Unix seconds UTC, value [meter unit])`` in message order.

    Raises
    ------
    PayloadError
        Not JSON, wrong shape, a bad timestamp, value or unit: every problem with its place.
    """
    document: Any = payload
    if isinstance(payload, (bytes, str)):
        try:
            document = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as error:
            raise PayloadError([Problem("payload", f"not JSON: {error}", f"不是有效的 JSON：{error}")]) from None
    if not isinstance(document, Mapping) or not isinstance(document.get("readings"), list):
        raise PayloadError([Problem("readings", 'the payload must be an object {"readings": [ … ]}',
                                    '消息必须是对象 {"readings": [ … ]}')])
    rows = document["readings"]
    if not rows:
        raise PayloadError([Problem("readings", "the list is empty", "列表为空")])
    if len(rows) > MAX_READINGS_PER_MESSAGE:
        raise PayloadError([Problem("readings", f"{len(rows)} readings in one message; send at most "
                                    f"{MAX_READINGS_PER_MESSAGE}", f"单条消息 {len(rows)} 条读数，"
                                    f"最多 {MAX_READINGS_PER_MESSAGE} 条")])
    return parse_rows(rows, meter_unit, where=[f"readings[{i}]" for i in range(len(rows))])


# --- buckets -------------------------------------------------------------------------------

def bucket_start(ts: int, interval: str) -> int:
    """Start [Unix seconds] of the bucket holding instant ``ts``; days and months in Asia/Shanghai."""
    if interval == "15min":
        return ts - ts % 900
    if interval == "hour":
        return ts - ts % 3600
    local_day = (ts + _LOCAL_OFFSET) // 86400
    if interval == "day":
        return local_day * 86400 - _LOCAL_OFFSET
    if interval == "month":
        day = dt.date(1970, 1, 1) + dt.timedelta(days=local_day)
        first = dt.datetime(day.year, day.month, 1, tzinfo=LOCAL_TZ)
        return int(first.timestamp())
    raise ValueError(f"unknown interval {interval!r}")


def _buckets(ts: int, cache: dict[int, int]) -> tuple[int, int, int, int]:
    day = bucket_start(ts, "day")
    month = cache.get(day)
    if month is None:
        month = cache[day] = bucket_start(ts, "month")
    return ts - ts % 900, ts - ts % 3600, day, month


# --- storing -------------------------------------------------------------------------------

@dataclass
class StoreResult:
    """What a batch did: readings stored, duplicates ignored, neighbours whose delta changed."""

    stored: int = 0
    duplicates: int = 0
    rederived: int = 0


def _delta(meter: MeterInfo, ts: int, value: float, previous: tuple[int, float] | None) -> float | None:
    if not meter.cumulative:
        return value * meter.multiplier
    if meter.replacements:
        low = previous[0] if previous is not None else -(2**62)
        # the latest replacement in (previous ts, ts]
        index = bisect.bisect_right(meter.replacements, (ts, math.inf)) - 1
        if index >= 0 and meter.replacements[index][0] > low:
            initial = meter.replacements[index][1]
            if initial is None or value < initial:
                return None
            return (value - initial) * meter.multiplier
    if previous is None:
        return None
    difference = value - previous[1]
    if difference < 0:
        if meter.register_max is None:
            return None
        difference += meter.register_max
    return difference * meter.multiplier


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def store_readings(session: Session, meters: Mapping[int, MeterInfo],
                   readings: Mapping[int, Sequence[tuple[int, float]]]) -> StoreResult:
    """Store readings ``{meter id: [(Unix seconds, value [meter unit]), …]}`` in the caller's transaction.

    Derives each new reading's delta, re-derives the deltas of stored neighbours that late or
    out-of-order readings change, and adds every change to the rollups. Readings whose (meter,
    ts) is already stored, or repeated in the batch, are ignored.
    """
    result = StoreResult()
    new_rows: list[tuple[int, int, float, float | None]] = []
    changed: list[tuple[int, int, float | None]] = []  # (meter, ts, new delta) of stored rows
    # changes per (meter, 15-minute bucket); hours, local days and months are unions of these
    quarter: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0])
    table = MeterReading.__table__

    def account(meter: MeterInfo, ts: int, change: float, count: int) -> None:
        at = ts - 1 if meter.cumulative else ts
        cell = quarter[(meter.id, at - at % 900)]
        cell[0] += change
        cell[1] += count

    for meter_id, batch in readings.items():
        if not batch:
            continue
        meter = meters[meter_id]
        incoming: dict[int, float] = {}
        for ts, value in batch:
            if ts in incoming:
                result.duplicates += 1
            else:
                incoming[ts] = value
        low, high = min(incoming), max(incoming)
        stored = {r[0]: (r[1], r[2]) for r in session.execute(
            select(table.c.ts, table.c.value, table.c.delta)
            .where(table.c.meter_id == meter_id, table.c.ts >= low, table.c.ts <= high))}
        for ts in stored.keys() & incoming.keys():
            del incoming[ts]
            result.duplicates += 1
        if not incoming:
            continue
        if not meter.cumulative:
            multiplier = meter.multiplier
            for ts, value in incoming.items():
                amount = value * multiplier
                new_rows.append((meter_id, ts, value, amount))
                cell = quarter[(meter_id, ts - ts % 900)]
                cell[0] += amount
                cell[1] += 1
            result.stored += len(incoming)
            continue
        before = session.execute(
            select(table.c.ts, table.c.value).where(table.c.meter_id == meter_id, table.c.ts < low)
            .order_by(table.c.ts.desc()).limit(1)).first()
        after = session.execute(
            select(table.c.ts, table.c.value, table.c.delta).where(table.c.meter_id == meter_id, table.c.ts > high)
            .order_by(table.c.ts).limit(1)).first()
        if after is not None:
            stored[after[0]] = (after[1], after[2])
        previous: tuple[int, float] | None = (before[0], before[1]) if before is not None else None
        for ts in sorted(incoming.keys() | stored.keys()):
            if ts in incoming:
                value = incoming[ts]
                delta = _delta(meter, ts, value, previous)
                new_rows.append((meter_id, ts, value, delta))
                account(meter, ts, delta or 0.0, 1)
                result.stored += 1
            else:
                value, old = stored[ts]
                delta = _delta(meter, ts, value, previous)
                if delta != old:
                    changed.append((meter_id, ts, delta))
                    account(meter, ts, (delta or 0.0) - (old or 0.0), 0)
                    result.rederived += 1
            previous = (ts, value)
    if new_rows:
        connection = session.connection()
        marker = "%s" if connection.dialect.name == "postgresql" else "?"
        # the driver's executemany: the ORM's per-row bookkeeping costs more than the insert itself
        sql = (f"INSERT INTO meter_readings (meter_id, ts, value, delta) VALUES ({', '.join([marker] * 4)}) "
               "ON CONFLICT (meter_id, ts) DO NOTHING")
        for start in range(0, len(new_rows), 20000):
            connection.exec_driver_sql(sql, new_rows[start:start + 20000])
    for meter_id, ts, new_delta in changed:
        session.execute(update(MeterReading).where(MeterReading.meter_id == meter_id, MeterReading.ts == ts)
                        .values(delta=new_delta))
    _apply_rollups(session, quarter)
    return result


def _apply_rollups(session: Session, quarter: Mapping[tuple[int, int], Sequence[float]]) -> None:
    """Add changes per (meter, 15-minute bucket) to the 15min, hour, day and month rollups."""
    if not quarter:
        return
    rollup: dict[tuple[int, str, int], list[float]] = defaultdict(lambda: [0.0, 0])
    months: dict[int, int] = {}
    for (meter_id, bucket), (change, count) in quarter.items():
        for interval, start in zip(INTERVALS, _buckets(bucket, months), strict=True):
            cell = rollup[(meter_id, interval, start)]
            cell[0] += change
            cell[1] += count
    insert = _insert(session)(MeterRollup.__table__)
    statement = insert.on_conflict_do_update(
        index_elements=["meter_id", "interval", "bucket"],
        set_={"total": MeterRollup.__table__.c.total + insert.excluded.total,
              "readings": MeterRollup.__table__.c.readings + insert.excluded.readings})
    session.connection().execute(statement, [
        {"meter_id": k[0], "interval": k[1], "bucket": k[2], "total": v[0], "readings": int(v[1])}
        for k, v in sorted(rollup.items())])


def rederive(session: Session, meter_id: int, *, since: int) -> int:
    """Re-derive the deltas of a meter's readings from ``since`` [Unix seconds] with its current
    settings and replacements (after a replacement is recorded or the register maximum or
    multiplier changes); corrects the rollups by the differences. Returns how many changed."""
    meter = load_meters(session, [meter_id])[meter_id]
    table = MeterReading.__table__
    before = session.execute(
        select(table.c.ts, table.c.value).where(table.c.meter_id == meter_id, table.c.ts < since)
        .order_by(table.c.ts.desc()).limit(1)).first()
    previous: tuple[int, float] | None = (before[0], before[1]) if before is not None else None
    quarter: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0])
    changed = 0
    for ts, value, old in session.execute(select(table.c.ts, table.c.value, table.c.delta).where(
            table.c.meter_id == meter_id, table.c.ts >= since).order_by(table.c.ts)).all():
        delta = _delta(meter, ts, value, previous)
        if delta != old:
            session.execute(update(MeterReading).where(MeterReading.meter_id == meter_id, MeterReading.ts == ts)
                            .values(delta=delta))
            at = ts - 1 if meter.cumulative else ts
            quarter[(meter_id, at - at % 900)][0] += (delta or 0.0) - (old or 0.0)
            changed += 1
        previous = (ts, value)
    _apply_rollups(session, quarter)
    return changed


def dead_letter(session: Session, *, source: str, topic: str | None, payload: bytes | str, reason: str,
                reason_zh: str, meter_id: int | None = None) -> DeadLetter:
    """Keep a rejected message with why (payload cut to 64 KiB)."""
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    letter = DeadLetter(source=source, topic=topic, meter_id=meter_id, payload=text[:65536], reason=reason[:4000],
                        reason_zh=reason_zh[:4000])
    session.add(letter)
    return letter


def prune_raw(session: Session, *, older_than: dt.datetime) -> int:
    """Delete raw readings before ``older_than`` (rollups are kept); the number deleted.

    The newest reading of each cumulative meter before the cut is kept so that the next
    reading's delta can still be derived.
    """
    cut = int(older_than.timestamp())
    newest = (select(MeterReading.meter_id, func.max(MeterReading.ts)).where(MeterReading.ts < cut)
              .group_by(MeterReading.meter_id))
    result: CursorResult[Any] = session.execute(delete(MeterReading).where(  # type: ignore[assignment]
        MeterReading.ts < cut, tuple_(MeterReading.meter_id, MeterReading.ts).not_in(newest)))
    return int(result.rowcount or 0)


# --- queries -------------------------------------------------------------------------------

def raw_readings(session: Session, meter_id: int, start: int, end: int) -> list[tuple[int, float]]:
    """Stored readings ``(Unix seconds, value [meter unit])`` with ``start <= ts < end``, in time order."""
    return _pairs(session, "SELECT ts, value FROM meter_readings WHERE meter_id = {p} AND ts >= {p} AND ts < {p} "
                  "ORDER BY ts", (meter_id, start, end))


def _pairs(session: Session, sql: str, params: tuple[Any, ...]) -> list[tuple[int, float]]:
    # straight to the driver: for a year of 15-minute data the row processing of the ORM/Core
    # result costs more than the index scan
    connection = session.connection()
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql.format(p=marker), params)
        rows = list(cursor.fetchall())   # BIGINT → int, FLOAT → float on both drivers
    finally:
        cursor.close()
    return rows


def series(session: Session, meter_id: int, interval: str, start: int, end: int) -> list[tuple[int, float]]:
    """Consumption per bucket ``(bucket start [Unix seconds], total [meter unit])`` for buckets
    starting in ``[start, end)``; buckets without readings are absent (not zero)."""
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
    return _pairs(session, "SELECT bucket, total FROM meter_rollups WHERE meter_id = {p} AND interval = {p} "
                  "AND bucket >= {p} AND bucket < {p} ORDER BY bucket", (meter_id, interval, start, end))


def _local_ts(day: dt.date | dt.datetime) -> int:
    if isinstance(day, dt.datetime):
        return int((day if day.tzinfo else day.replace(tzinfo=LOCAL_TZ)).timestamp())
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).timestamp())


def daily_series(session: Session, meter_id: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, float]]:
    """Daily consumption of a meter: ``(local date, total [meter unit])`` for ``start <= date < end``.

    Days are Asia/Shanghai calendar days; a day without any reading is absent (missing data is
    not zero consumption). Reads the rollups, so it stays fast after raw readings are pruned.
    """
    return [(dt.datetime.fromtimestamp(b, LOCAL_TZ).date(), v)
            for b, v in series(session, meter_id, "day", _local_ts(start), _local_ts(end))]


def monthly_series(session: Session, meter_id: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, float]]:
    """Monthly consumption: ``(first day of the local month, total [meter unit])`` for months
    starting in ``[start, end)``; months without readings are absent."""
    return [(dt.datetime.fromtimestamp(b, LOCAL_TZ).date(), v)
            for b, v in series(session, meter_id, "month", _local_ts(start), _local_ts(end))]


def hourly_series(session: Session, meter_id: int, start: dt.datetime, end: dt.datetime
                  ) -> list[tuple[dt.datetime, float]]:
    """Hourly consumption: ``(hour start, aware in Asia/Shanghai, total [meter unit])`` in ``[start, end)``
    (naive datetimes are read as Asia/Shanghai)."""
    return [(dt.datetime.fromtimestamp(b, LOCAL_TZ), v)
            for b, v in series(session, meter_id, "hour", _local_ts(start), _local_ts(end))]


def fifteen_minute_series(session: Session, meter_id: int, start: dt.datetime, end: dt.datetime
                          ) -> list[tuple[dt.datetime, float]]:
    """15-minute consumption, as :func:`hourly_series`."""
    return [(dt.datetime.fromtimestamp(b, LOCAL_TZ), v)
            for b, v in series(session, meter_id, "15min", _local_ts(start), _local_ts(end))]
