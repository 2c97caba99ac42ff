"""Meters into accounting: a month's meter totals become activity data of the accounting engine.

:func:`account_meters` builds, per facility with meters, the activity rows of one month (local
Asia/Shanghai month, from the monthly rollups) and commits them through the ordinary import
path (validated, accounted, a new data version per facility-period), so meter data and imported
data are accounted by the same engine with the same derivation lines.

Precedence (documented in ``README.md``): **imported data wins; meters fill only the items the
current imported data of that facility-period lacks.** The new version carries the current
rows unchanged plus one ``consumed`` row per missing item (the sum of the facility's meters of
that item, converted by the engine from the meter unit). Meter rows are marked: their activity
record's ``sheet`` is ``meters`` and its values carry ``source`` = ``meter:<id>[,<id>…]``; the
batch summary lists each meter with its total. Running it again for the same month adds nothing
new when nothing changed (the meter rows of the current version are replaced, not added twice).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.accounting import store
from greenmfg.accounting.models import ActivityRecord, CalculationRun, DataVersion, ImportStatus
from greenmfg.accounting.template_spec import COLUMNS
from greenmfg.errors import GreenmfgError
from greenmfg.monitoring.readings import LOCAL_TZ, series
from greenmfg.orgs.access import Principal, get_enterprise
from greenmfg.orgs.models import Facility, Meter
from greenmfg.refdata.vocabulary import load_vocabulary

__all__ = ["MeterAccountingError", "MeterTotal", "account_meters", "meter_totals"]

METER_SHEET = "meters"


class MeterAccountingError(GreenmfgError):
    """Nothing to account (no meter data for the month) or the rows were refused by validation."""

    code = "nothing_to_account"
    message = "the meter readings of the month cannot be accounted"
    message_zh = "该月的计量表读数无法核算"

    def __init__(self, message: str, message_zh: str, issues: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, message_zh, details=issues or [])
        self.issues = self.details


@dataclass(frozen=True, slots=True)
class MeterTotal:
    meter_id: int
    meter_code: str
    facility_code: str
    item: str
    unit: str
    total: float


def _month_bounds(period: str) -> tuple[int, int]:
    try:
        year, month = (int(p) for p in period.split("-"))
        start = dt.datetime(year, month, 1, tzinfo=LOCAL_TZ)
    except ValueError:
        raise MeterAccountingError(f"period '{period}' must be YYYY-MM", f"期间“{period}”必须为 YYYY-MM 格式") from None
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return int(start.timestamp()), int(end.timestamp())


def meter_totals(session: Session, enterprise_id: int, period: str) -> list[MeterTotal]:
    """Each meter's consumption in local month ``period`` (YYYY-MM) [meter unit]; meters without data omitted."""
    start, end = _month_bounds(period)
    out = []
    for meter, facility_code in session.execute(
            select(Meter, Facility.code).join(Facility, Facility.id == Meter.facility_id)
            .where(Facility.enterprise_id == enterprise_id).order_by(Facility.code, Meter.code)):
        buckets = series(session, meter.id, "month", start, end)
        if buckets:
            out.append(MeterTotal(meter.id, meter.code, facility_code, meter.item, meter.unit, buckets[0][1]))
    return out


def _current_rows(session: Session, enterprise_id: int, period: str) -> dict[str, list[ActivityRecord]]:
    rows: dict[str, list[ActivityRecord]] = defaultdict(list)
    for record, facility_code in session.execute(
            select(ActivityRecord, Facility.code)
            .join(DataVersion, DataVersion.id == ActivityRecord.data_version_id)
            .join(Facility, Facility.id == DataVersion.facility_id)
            .where(DataVersion.enterprise_id == enterprise_id, DataVersion.period == period,
                   DataVersion.current.is_(True)).order_by(ActivityRecord.id)):
        rows[facility_code].append(record)
    return rows


def account_meters(session: Session, principal: Principal, enterprise_id: int, period: str, *,
                   max_bytes: int = 20 * 1024 * 1024) -> CalculationRun:
    """Account month ``period`` (YYYY-MM) with the enterprise's meter totals filling missing items.

    Raises
    ------
    NotFound, Forbidden
        The enterprise is not visible / not manageable by the caller.
    MeterAccountingError
        No meter has data for the month, every metered item is already imported, or the
        engine refused the rows (``issues`` located as in an import).
    """
    enterprise = get_enterprise(session, principal, enterprise_id, manage=True)
    totals = meter_totals(session, enterprise.id, period)
    if not totals:
        raise MeterAccountingError(f"no meter readings in {period}", f"{period} 没有计量表读数")
    vocabulary = load_vocabulary()
    current = _current_rows(session, enterprise.id, period)
    grouped: dict[tuple[str, str, str], list[MeterTotal]] = defaultdict(list)
    for total in totals:
        grouped[(total.facility_code, total.item, total.unit)].append(total)
    names = [c.name for c in COLUMNS]
    out_rows: list[dict[str, Any]] = []
    meter_rows: list[dict[str, Any]] = []
    summary: list[dict[str, Any]] = []
    for facility_code in sorted({key[0] for key in grouped}):
        imported = [r for r in current.get(facility_code, []) if r.sheet != METER_SHEET]
        have = {vocabulary.item_names.resolve(r.values.get("item")) or r.values.get("item") for r in imported}
        template = dict(imported[0].values) if imported else {
            "enterprise_id": enterprise.code, "enterprise_name": enterprise.name, "industry": enterprise.industry,
            "region": enterprise.province, "facility_id": facility_code, "period": period}
        out_rows.extend(dict(r.values) for r in imported)
        for (code, item, unit), group in sorted(grouped.items()):
            if code != facility_code:
                continue
            used = item not in have
            summary += [{"meter_id": t.meter_id, "meter": t.meter_code, "facility_id": code, "item": item,
                         "quantity": t.total, "unit": unit, "used": used,
                         "reason": "filled" if used else "imported data present"} for t in group]
            if not used:
                continue
            row = {n: "" for n in names}
            row.update({k: str(template.get(k) or "") for k in ("enterprise_id", "enterprise_name", "industry", "region")})
            row.update({"facility_id": code, "period": period, "item": item, "quantity": repr(sum(t.total for t in group)),
                        "unit": unit, "flow": "consumed"})
            meter_rows.append({**row, "source": "meter:" + ",".join(str(t.meter_id) for t in group)})
    if not meter_rows:
        raise MeterAccountingError(f"every metered item of {period} is already in the imported data (imports win)",
                                   f"{period} 所有计量品种均已有导入数据（以导入数据为准）")
    # the batch keeps the rows as the CSV a user could have uploaded (headed in words, as the Chinese
    # template); the engine reads the table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.header_zh for c in COLUMNS])
    sources: dict[int, str] = {}
    texts: list[list[str]] = []
    for index, row in enumerate(out_rows + meter_rows):
        texts.append(["" if row.get(n) is None else str(row.get(n)) for n in names])
        writer.writerow(texts[-1])
        if "source" in row:
            sources[index + 2] = row["source"]
    content = buffer.getvalue().encode("utf-8")
    table = pa.table({"_row": pa.array(range(2, len(texts) + 2), pa.int64()),
                      **{n: pa.array([t[i] or None for t in texts], pa.string()) for i, n in enumerate(names)}})
    batch = store.preview_upload(session, principal, enterprise, filename=f"meters-{period}.csv",
                                 content_type="text/csv", content=content, max_bytes=max_bytes, rows=table)
    if batch.status != ImportStatus.previewed:
        raise MeterAccountingError(f"the meter rows of {period} were refused: {batch.issues[:1]}",
                                   f"{period} 的计量数据未通过校验", batch.issues)
    batch.summary = {**batch.summary, "meters": summary, "source": "meters"}
    run = store.commit_import(session, principal, batch)
    for record in session.execute(select(ActivityRecord).where(ActivityRecord.import_id == batch.id)).scalars():
        if record.row in sources:
            record.sheet = METER_SHEET
            record.values = {**record.values, "source": sources[record.row]}
    return run
