"""Monitoring services for the edges: meters a caller may see, pushed readings, CSV uploads."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from greenmfg.audit import service as audit
from greenmfg.findings import NUL_FIX, nul_line
from greenmfg.monitoring.devices import covers
from greenmfg.monitoring.models import (
    DeadLetter,
    MeterDevice,
    MeterReading,
    MeterSetting,
    RegisterKind,
)
from greenmfg.monitoring.readings import (
    MeterInfo,
    PayloadError,
    Problem,
    StoreResult,
    load_meters,
    parse_payload,
    parse_rows,
    store_readings,
)
from greenmfg.orgs.access import Forbidden, NotFound, Principal, get_enterprise
from greenmfg.orgs.models import Facility, Meter, Organisation

__all__ = ["MeterView", "dead_letters", "get_meter", "latest_readings", "list_meters", "meter_dict", "parse_csv", "push_readings"]

#: accepted CSV headers (English and Chinese) → field
CSV_HEADERS = {"ts": "ts", "time": "ts", "timestamp": "ts", "时间": "ts", "时间戳": "ts",
               "value": "value", "读数": "value", "数值": "value", "unit": "unit", "单位": "unit"}
MAX_CSV_ROWS = 500_000


@dataclass(frozen=True, slots=True)
class MeterView:
    meter: Meter
    facility: Facility
    enterprise: Organisation
    setting: MeterSetting | None

    @property
    def register_kind(self) -> str:
        return self.setting.register_kind if self.setting else RegisterKind.interval


def get_meter(session: Session, principal: Principal, meter_id: int, *, manage: bool = False) -> MeterView:
    """The meter if the caller may see its enterprise (and manage it when ``manage``).

    Raises
    ------
    NotFound
        No such meter or not visible (indistinguishable).
    Forbidden
        Visible but not changeable by the caller.
    """
    row = session.execute(select(Meter, Facility).join(Facility, Facility.id == Meter.facility_id)
                          .where(Meter.id == meter_id)).first()
    if row is None:
        raise NotFound("meter", meter_id)
    meter, facility = row
    try:
        enterprise = get_enterprise(session, principal, facility.enterprise_id, manage=manage)
    except NotFound:
        raise NotFound("meter", meter_id) from None
    return MeterView(meter, facility, enterprise, session.get(MeterSetting, meter_id))


def latest_readings(session: Session, meter_ids: list[int]) -> dict[int, tuple[int, float]]:
    """Newest stored reading ``(Unix seconds, value)`` per meter."""
    if not meter_ids:
        return {}
    newest = (select(MeterReading.meter_id, func.max(MeterReading.ts).label("ts"))
              .where(MeterReading.meter_id.in_(meter_ids)).group_by(MeterReading.meter_id).subquery())
    rows = session.execute(select(MeterReading.meter_id, MeterReading.ts, MeterReading.value).join(
        newest, (newest.c.meter_id == MeterReading.meter_id) & (newest.c.ts == MeterReading.ts)))
    return {r[0]: (r[1], r[2]) for r in rows}


_LOCAL_OFFSET = 8 * 3600  # Asia/Shanghai: UTC+8 all year


@functools.lru_cache(maxsize=4096)
def _local_date(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()


def iso_local(ts: int) -> str:
    """``ts`` [Unix seconds] as ISO 8601 China time (``2026-03-01T08:15:00+08:00``); fast for long series."""
    day, second = divmod(ts + _LOCAL_OFFSET, 86400)
    return f"{_local_date(day)}T{second // 3600:02d}:{second % 3600 // 60:02d}:{second % 60:02d}+08:00"


def meter_dict(view: MeterView, latest: tuple[int, float] | None = None) -> dict[str, Any]:
    m, s = view.meter, view.setting
    return {"id": m.id, "code": m.code, "name": m.name, "item": m.item, "unit": m.unit,
            "facility_id": view.facility.id, "facility_code": view.facility.code,
            "enterprise_id": view.enterprise.id, "register_kind": view.register_kind,
            "register_max": s.register_max if s else None, "multiplier": s.multiplier if s else 1.0,
            "topic": f"greenmfg/v1/{view.enterprise.id}/{m.id}/readings",
            "latest": None if latest is None else {"ts": iso_local(latest[0]), "value": latest[1], "unit": m.unit}}


def list_meters(session: Session, principal: Principal, enterprise_id: int) -> list[MeterView]:
    enterprise = get_enterprise(session, principal, enterprise_id)
    rows = session.execute(
        select(Meter, Facility, MeterSetting).join(Facility, Facility.id == Meter.facility_id)
        .outerjoin(MeterSetting, MeterSetting.meter_id == Meter.id)
        .where(Facility.enterprise_id == enterprise.id).order_by(Facility.code, Meter.code)).all()
    return [MeterView(m, f, enterprise, s) for m, f, s in rows]


def _store(session: Session, principal: Principal | MeterDevice, view: MeterView, readings: list[tuple[int, float]],
           source: str) -> StoreResult:
    meters: dict[int, MeterInfo] = load_meters(session, [view.meter.id])
    result = store_readings(session, meters, {view.meter.id: readings})
    if isinstance(principal, MeterDevice):
        actor, user_id = f"device:{principal.username}", None
    else:
        actor, user_id = principal.username, principal.user_id
    audit.record(session, "monitoring.readings.push", actor=actor, actor_user_id=user_id,
                 organisation_id=view.enterprise.id, target_type="meter", target_id=view.meter.id,
                 details={"source": source, "stored": result.stored, "duplicates": result.duplicates})
    return result


def device_meter(session: Session, device: MeterDevice, meter_id: int) -> MeterView:
    """The meter if the device credential grants it; otherwise :class:`Forbidden` (also for unknown ids)."""
    row = session.execute(select(Meter, Facility, Organisation).join(Facility, Facility.id == Meter.facility_id)
                          .join(Organisation, Organisation.id == Facility.enterprise_id)
                          .where(Meter.id == meter_id)).first()
    if row is None or not covers(device, row[1].enterprise_id, meter_id):
        raise Forbidden(f"this device credential does not grant meter {meter_id}",
                        f"该设备凭据未授权计量表 {meter_id}")
    return MeterView(row[0], row[1], row[2], session.get(MeterSetting, meter_id))


def push_readings(session: Session, device: MeterDevice, meter_id: int, payload: Any) -> StoreResult:
    """Store an HTTP-pushed payload (same schema as MQTT) of a device whose grant covers the meter;
    :class:`PayloadError` stores nothing. People load readings with :func:`upload_csv`."""
    view = device_meter(session, device, meter_id)
    return _store(session, device, view, parse_payload(payload, view.meter.unit), "http")


def parse_csv(content: bytes, meter_unit: str, *, filename: str = "readings.csv") -> list[tuple[int, float]]:
    """Readings of a CSV file with columns ``ts,value[,unit]`` (Chinese headers 时间,读数,单位 accepted).

    Raises :class:`PayloadError` naming file, row and column of every problem.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PayloadError([Problem(filename, "not UTF-8 text: save the file as CSV UTF-8",
                                    "不是 UTF-8 文本：请另存为 CSV UTF-8")]) from None
    line = nul_line(text)
    if line is not None:
        raise PayloadError([Problem(f"{filename}, row {line}", f"a NUL character: not a text CSV; {NUL_FIX[0]}",
                                    f"含 NUL 字符，不是文本 CSV；{NUL_FIX[1]}")])
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise PayloadError([Problem(filename, "the file is empty", "文件为空")])
    fields = [CSV_HEADERS.get(h.strip().lower()) for h in header]
    missing = [name for name in ("ts", "value") if name not in fields]
    if missing:
        raise PayloadError([Problem(f"{filename}, row 1", f"missing column(s) {', '.join(missing)}: the header must "
                                    "be ts,value,unit (or 时间,读数,单位)",
                                    f"缺少列 {', '.join(missing)}：表头应为 ts,value,unit（或 时间,读数,单位）")])
    rows: list[dict[str, Any]] = []
    where: list[str] = []
    for number, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        row = {f: record[i].strip() for i, f in enumerate(fields) if f and i < len(record)}
        if row.get("unit") == "":
            row.pop("unit")
        rows.append(row)
        where.append(f"{filename}, row {number}, column")
        if len(rows) > MAX_CSV_ROWS:
            raise PayloadError([Problem(filename, f"more than {MAX_CSV_ROWS} rows: split the file",
                                        f"超过 {MAX_CSV_ROWS} 行：请拆分文件")])
    if not rows:
        raise PayloadError([Problem(filename, "no readings below the header", "表头下没有读数")])
    try:
        return parse_rows(rows, meter_unit, where=where)
    except PayloadError as error:
        # "…, column.ts" → "…, column ts"
        raise PayloadError([Problem(p.where.replace("column.", "column "), p.message, p.message_zh)
                            for p in error.problems]) from None


def upload_csv(session: Session, principal: Principal, meter_id: int, content: bytes, filename: str
               ) -> StoreResult:
    """Store a CSV upload all or nothing."""
    view = get_meter(session, principal, meter_id, manage=True)
    return _store(session, principal, view, parse_csv(content, view.meter.unit, filename=filename), "csv")


#: the enterprise id a dead letter's topic names (an optional prefix before ``greenmfg/v1``)
_TOPIC_ENTERPRISE = re.compile(r"^(?:.+/)?greenmfg/v1/(\d{1,12})/[^/]*/readings$")


def _letter_enterprise(letter: DeadLetter, meter_enterprise: dict[int, int]) -> int | None:
    """Whose dead letter this is: the enterprise its topic names; without a topic, its meter's."""
    if letter.topic:
        match = _TOPIC_ENTERPRISE.match(letter.topic)
        return int(match.group(1)) if match else None
    return meter_enterprise.get(letter.meter_id) if letter.meter_id is not None else None


def dead_letters(session: Session, principal: Principal, enterprise_id: int, *, limit: int = 50,
                 offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Rejected messages of an enterprise, newest first, and their total.

    A letter belongs to the enterprise its MQTT topic names (``greenmfg/v1/{enterprise_id}/…``:
    the sender said it speaks for that enterprise, even when the meter id is wrong or another
    enterprise's); a letter without a topic (HTTP) belongs to its meter's enterprise. A topic
    that names no enterprise is nobody's (operators see it in the database). The payload is not
    listed (it may be large); ``payload_preview`` holds its first 200 characters.
    """
    enterprise = get_enterprise(session, principal, enterprise_id)
    own_meters = select(Meter.id).join(Facility, Facility.id == Meter.facility_id).where(
        Facility.enterprise_id == enterprise.id)
    named = or_(DeadLetter.topic.like(f"greenmfg/v1/{enterprise.id}/%"),
                DeadLetter.topic.like(f"%/greenmfg/v1/{enterprise.id}/%"),
                and_(DeadLetter.topic.is_(None), DeadLetter.meter_id.in_(own_meters)))
    meter_enterprise = {m: enterprise.id for m in session.execute(own_meters).scalars()}
    total = int(session.execute(select(func.count()).select_from(DeadLetter).where(named)).scalar_one())
    page = session.execute(select(DeadLetter).where(named).order_by(DeadLetter.received_at.desc(),
                                                                    DeadLetter.id.desc())
                           .limit(limit).offset(offset)).scalars()
    # the LIKE narrows, the topic parser decides (guards against a prefix holding "greenmfg/v1/<id>/")
    items = [{"id": r.id, "received_at": r.received_at.isoformat() if r.received_at else None, "source": r.source,
              "topic": r.topic, "meter_id": r.meter_id, "reason": r.reason, "reason_zh": r.reason_zh,
              "payload_preview": r.payload[:200]}
             for r in page if _letter_enterprise(r, meter_enterprise) == enterprise.id]
    return items, total
