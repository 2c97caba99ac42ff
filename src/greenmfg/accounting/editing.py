"""Correcting a facility-month's activity rows without a file, and adding a month without Excel.

A month edited in the browser (or through ``PUT /api/v1/enterprises/{id}/activity/{facility}/{YYYY-MM}``)
goes the way of an upload: its rows are written as an activity file of the template's columns
(the enterprise, industry, region, facility and period filled in as the month's stored rows have
them), checked and accounted by :func:`greenmfg.accounting.store.check_upload` (the same reader,
validation and platform rules as any upload), stored as an import batch and committed by
:func:`greenmfg.accounting.store.commit_import`: a new data version of the facility-month, its
results accounted and benchmarked, the earlier version kept readable.

What an edit adds to an upload:

* a reason, mandatory, kept with the batch (``summary["edit"]``) and in the audit event
  ``activity.edit``;
* the version it was made on: when the facility-month got another version meanwhile, the edit
  is refused (:class:`StaleEdit`) and nothing is stored;
* located errors by grid position: each finding's ``row`` is the 1-based position of the row in
  the submitted list, its ``column`` the template column (see :func:`save_month`); nothing is
  stored when there is any.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from greenmfg.accounting import store
from greenmfg.accounting.models import ActivityRecord, DataVersion, FacilityResult, ImportBatch
from greenmfg.accounting.template_spec import COLUMNS, header_zh
from greenmfg.audit import service as audit
from greenmfg.db.session import Database
from greenmfg.errors import GreenmfgError, Issue, UnitError, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.orgs.access import Principal, get_enterprise
from greenmfg.orgs.models import Facility, Organisation
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.units import UnitChoice, parse_unit, unit_choices, units_converting_to

__all__ = ["EDITABLE", "FIXED", "MAX_REASON", "MAX_ROWS", "EditRefused", "Month", "Saved", "StaleEdit", "clean_rows",
           "flow_key", "is_month", "item_key", "item_units", "read_month", "save_month", "unit_choice"]

#: the columns every row of a facility-month shares: taken from its stored rows, not edited row by row
FIXED = ("enterprise_id", "enterprise_name", "industry", "region", "facility_id", "period")
#: the columns edited row by row, in the template's order
EDITABLE = tuple(c.name for c in COLUMNS if c.name not in FIXED)
#: rows one edit may hold at most (a month of one facility has a few dozen)
MAX_ROWS = 300
MAX_REASON = 500
#: a value longer than this is refused before it reaches the reader (the longest column holds 64)
MAX_VALUE = 200
_COLUMN_NAMES = frozenset(c.name for c in COLUMNS)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def is_month(period: str) -> bool:
    """Whether ``period`` is a month written ``YYYY-MM`` (what an edit changes)."""
    return bool(_MONTH.match(period))


class StaleEdit(GreenmfgError):
    """The facility-month got another version after the edit began: nothing is stored."""

    status = 409
    code = "activity.stale"
    message = "this month was changed meanwhile; nothing was stored"
    message_zh = "该月数据已被他人修改，未保存任何内容"


@dataclass(frozen=True)
class Month:
    """A facility-month as the edit form and the API show it."""

    enterprise: Organisation
    facility: str
    period: str
    #: the current version's number; 0: the month has no data yet
    version: int
    #: the current version's rows, the editable columns only (text as stored, "" when empty)
    rows: list[dict[str, str]]
    #: the shared columns the saved rows get (see :data:`FIXED`)
    fixed: dict[str, str]
    facility_known: bool
    created_by: int | None = None
    created_at: Any = None
    import_id: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Saved:
    """What an edit stored."""

    version: int
    import_id: int
    run_id: int
    result_id: int
    energy_tce: float
    total_tco2e: float
    rows: int
    previous: int = 0
    issues: list[Issue] = field(default_factory=list)


def _bad_period(period: str) -> GreenmfgError:
    return GreenmfgError(f"'{period[:20]}' is not a month: write it YYYY-MM (2024-03)",
                         f"“{period[:20]}”不是月份：请写作 YYYY-MM（如 2024-03）", status=422,
                         code="activity.bad_period", field="period")


def read_month(session: Session, principal: Principal, enterprise_id: int, facility: str, period: str, *,
               manage: bool = False) -> Month:
    """The current rows of one facility-month (none for a month without data), under the access policy.

    Raises
    ------
    NotFound
        The enterprise does not exist or is not visible to the caller.
    Forbidden
        ``manage`` and the caller may not change its data.
    GreenmfgError
        ``period`` is not a month (422).
    """
    enterprise = get_enterprise(session, principal, enterprise_id, manage=manage)
    if not is_month(period):
        raise _bad_period(period)
    facility_id = session.scalar(select(Facility.id).where(Facility.enterprise_id == enterprise.id,
                                                           Facility.code == facility))
    version = None
    if facility_id is not None:
        version = session.execute(select(DataVersion).where(
            DataVersion.facility_id == facility_id, DataVersion.period == period,
            DataVersion.current.is_(True))).scalar_one_or_none()
    stored: list[dict[str, Any]] = []
    reason = None
    if version is not None:
        stored = list(session.execute(select(ActivityRecord.values).where(
            ActivityRecord.data_version_id == version.id).order_by(ActivityRecord.id)).scalars())
        reason = _reason_of(session, version.import_id)
    rows = [{name: _text(values.get(name)) for name in EDITABLE} for values in stored]
    return Month(enterprise=enterprise, facility=facility, period=period, version=version.version if version else 0,
                 rows=rows, fixed=_fixed(session, enterprise, facility_id, facility, period, stored),
                 facility_known=facility_id is not None, created_by=version.created_by if version else None,
                 created_at=version.created_at if version else None,
                 import_id=version.import_id if version else None, reason=reason)


def _reason_of(session: Session, import_id: int) -> str | None:
    summary = session.scalar(select(ImportBatch.summary).where(ImportBatch.id == import_id)) or {}
    edit = summary.get("edit") if isinstance(summary, dict) else None
    return str(edit.get("reason")) if isinstance(edit, dict) and edit.get("reason") else None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _fixed(session: Session, enterprise: Organisation, facility_id: int | None, facility: str, period: str,
           stored: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The shared columns of the month's rows: as its stored rows have them, else as the
    facility's (or the enterprise's) latest stored row, else from the enterprise's record."""
    source: Mapping[str, Any] | None = stored[0] if stored else None
    if source is None:
        query = (select(ActivityRecord.values).join(DataVersion, DataVersion.id == ActivityRecord.data_version_id)
                 .where(DataVersion.enterprise_id == enterprise.id, DataVersion.current.is_(True)))
        if facility_id is not None:
            source = session.scalar(query.where(DataVersion.facility_id == facility_id)
                                    .order_by(ActivityRecord.id.desc()).limit(1))
        if source is None:
            source = session.scalar(query.order_by(ActivityRecord.id.desc()).limit(1))
    if source is not None:
        shared = {name: _text(source.get(name)) for name in ("enterprise_name", "industry", "region")}
    else:
        shared = {"enterprise_name": enterprise.name, "industry": enterprise.industry or "",
                  "region": enterprise.province or ""}
    return {"enterprise_id": enterprise.code or "", **shared, "facility_id": facility, "period": period}


def _blank(row: Mapping[str, str]) -> bool:
    return not any(row.values())


def clean_rows(rows: Sequence[Mapping[str, object]]) -> list[tuple[int, dict[str, str]]]:
    """The submitted rows that are not blank, each with its 1-based position, editable columns only."""
    out = []
    for position, row in enumerate(rows, start=1):
        values = {name: _text(row.get(name)) for name in EDITABLE}
        if not _blank(values):
            out.append((position, values))
    return out


def _request_errors(rows: Sequence[Mapping[str, object]], reason: str) -> list[dict[str, Any]]:
    """What is wrong with the request itself (before any row is validated), as error details."""
    problems: list[dict[str, Any]] = []
    if not reason.strip():
        problems.append({"location": "body.reason", "message": "give the reason of the change (it is kept with "
                         "the new version and in the audit log)",
                         "message_zh": "请填写修改原因（随新版本和审计日志保存）"})
    elif len(reason.strip()) > MAX_REASON:
        problems.append({"location": "body.reason", "message": f"the reason is longer than {MAX_REASON} characters",
                         "message_zh": f"修改原因超过 {MAX_REASON} 个字符"})
    if len(rows) > MAX_ROWS:
        problems.append({"location": "body.rows", "message": f"{len(rows)} rows: an edit holds at most {MAX_ROWS}; "
                         "upload the template for more", "message_zh": f"共 {len(rows)} 行：网页编辑最多 "
                         f"{MAX_ROWS} 行，更多数据请上传模板"})
    elif not clean_rows(rows):
        problems.append({"location": "body.rows", "message": "the month has no rows: add at least one",
                         "message_zh": "该月没有任何数据行：请至少填写一行"})
    return problems


class EditRefused(GreenmfgError):
    """The edit request is incomplete (no reason, no rows, too many rows): nothing is stored."""

    status = 422
    code = "activity.edit_refused"
    message = "the change cannot be saved; nothing was stored"
    message_zh = "修改无法保存，未保存任何内容"


def _csv(fixed: Mapping[str, str], rows: Sequence[tuple[int, dict[str, str]]]) -> bytes:
    """The rows as the Chinese template's CSV (headed in words, 企业编号 …, as the blank template; the
    reader takes them like the keys): data row ``i`` is on line ``i + 2``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.header_zh for c in COLUMNS])
    for _position, values in rows:
        writer.writerow([fixed.get(c.name, "") if c.name in FIXED else values.get(c.name, "") for c in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def _table(name: str, fixed: Mapping[str, str], rows: Sequence[tuple[int, dict[str, str]]]) -> pa.Table:
    """The rows as the reader's in-memory table: each row located by its position in the request
    (``_row``), so that every finding, and every message naming another row, counts rows as the
    grid and the API caller do; ``name`` stands for the file."""
    columns: dict[str, list[Any]] = {"_file": [name] * len(rows), "_sheet": [""] * len(rows),
                                     "_row": [position for position, _values in rows]}
    for column in COLUMNS:
        columns[column.name] = [fixed.get(column.name, "") if column.name in FIXED else values.get(column.name, "")
                                for _position, values in rows]
    schema = pa.schema([("_file", pa.string()), ("_sheet", pa.string()), ("_row", pa.int64()),
                        *((c.name, pa.string()) for c in COLUMNS)])
    return pa.table(columns, schema=schema)


#: findings about the grid: no file or sheet, the row its position in the request, values cut as stored
_GRID = Locator(value_limit=MAX_VALUE)


def _located(issues: Sequence[Issue]) -> list[Issue]:
    """Findings located in the submitted rows, the shape of an import's (:mod:`greenmfg.findings`):
    ``row`` the row's 1-based position in the request (None for a finding about the shared columns,
    which are the month's own, or the whole month), ``column`` the template column and ``header``
    the grid's (the template's Chinese) name of it; problem and fix in both languages as found."""
    return [_GRID.finding(issue.code, issue.column, issue.value, issue.message, issue.message_zh, issue.fix,
                          issue.fix_zh, row=None if issue.column in FIXED else issue.row,
                          severity=issue.severity, header=_header(issue.column))
            for issue in issues]


def _header(column: str) -> str:
    """The grid's (the template's Chinese) name of a template column; "" for no column."""
    return header_zh(column) if column in _COLUMN_NAMES else ""


def save_month(database: Database, principal: Principal, enterprise_id: int, facility: str, period: str, *,
               rows: Sequence[Mapping[str, object]], reason: str, base_version: int, max_bytes: int) -> Saved:
    """Store ``rows`` as a new version of one facility-month (``base_version`` 0: a month without data).

    Checked and accounted like an upload in a read transaction, stored in a write transaction (the
    import path of :mod:`greenmfg.accounting.commits`). Blank rows (every column empty) are left out.

    Raises
    ------
    NotFound, Forbidden
        The caller may not see, or may not change, the enterprise's data.
    EditRefused
        No reason, no rows or too many rows (422).
    ValidationFailed
        The rows have errors: every finding located by row position and column (422).
    StaleEdit
        The month's current version is not ``base_version`` any more (409).
    """
    with database.session(write=False) as session:
        month = read_month(session, principal, enterprise_id, facility, period, manage=True)
    problems = _request_errors(rows, reason)
    if problems:
        first = problems[0]
        raise EditRefused(first["message"], first["message_zh"], details=problems)
    kept = clean_rows(rows)
    too_long = [_GRID.finding("activity.value_too_long", name, value[:40] + "…",
                              f"{len(value)} characters: too long for this column",
                              f"{len(value)} 个字符，超出该列长度", "shorten the value", "请缩短该值", row=position,
                              header=_header(name))
                for position, values in kept for name, value in values.items() if len(value) > MAX_VALUE]
    if too_long:
        raise ValidationFailed(too_long, len(too_long))
    # the batch keeps the rows as the template's CSV (what a download of the import gives back);
    # they are read, checked and accounted as the table of the same rows, located by grid position
    content = _csv(month.fixed, kept)
    filename = f"{facility}-{period}.csv".replace("/", "_").replace("\\", "_")
    checked = store.check_upload(month.enterprise, filename=filename, content_type="text/csv", content=content,
                                 max_bytes=max(max_bytes, len(content)),
                                 rows=_table(f"{facility} {period}", month.fixed, kept))
    if checked.issues or checked.accounted is None:
        raise ValidationFailed(_located(checked.issues), checked.total_issues)
    try:
        with database.session(write=True) as session:
            return _store(session, principal, month, checked, content, kept, reason.strip(), base_version)
    except IntegrityError as error:  # another edit of the same month won the race for the version number
        raise _stale(facility, period, base_version, None) from error


def _stale(facility: str, period: str, base_version: int, now: int | None) -> StaleEdit:
    which = f"version {now}" if now else "another version"
    which_zh = f"第 {now} 版" if now else "新版本"
    return StaleEdit(
        f"{facility} {period} was changed after you opened it (you edited version {base_version}, it is now "
        f"{which}); nothing was stored: open the month again and make your change on the current data",
        f"{facility} {period} 在您打开后已被修改（您编辑的是第 {base_version} 版，现为{which_zh}），未保存任何内容："
        "请重新打开该月，在最新数据上修改")


def _store(session: Session, principal: Principal, month: Month, checked: store.CheckedUpload, content: bytes,
           kept: Sequence[tuple[int, dict[str, str]]], reason: str, base_version: int) -> Saved:
    enterprise = get_enterprise(session, principal, month.enterprise.id, manage=True)
    facility_id = session.scalar(select(Facility.id).where(Facility.enterprise_id == enterprise.id,
                                                           Facility.code == month.facility).with_for_update())
    current = 0
    if facility_id is not None:
        current = session.scalar(select(DataVersion.version).where(
            DataVersion.facility_id == facility_id, DataVersion.period == month.period,
            DataVersion.current.is_(True))) or 0
    if current != base_version:
        raise _stale(month.facility, month.period, base_version, current)
    batch = store.preview_upload(session, principal, enterprise, filename=checked.name, content_type="text/csv",
                                 content=content, max_bytes=len(content), checked=checked)
    edit = {"reason": reason, "facility": month.facility, "period": month.period, "from_version": base_version}
    batch.summary = {**batch.summary, "edit": edit}
    run = store.commit_import(session, principal, batch, accounted=checked.accounted)
    result = session.execute(select(FacilityResult, DataVersion.version)
                             .join(DataVersion, DataVersion.id == FacilityResult.data_version_id)
                             .where(FacilityResult.run_id == run.id)).one()
    stored, version = result[0], int(result[1])
    audit.record(session, "activity.edit", actor=principal.username, actor_user_id=principal.user_id,
                 organisation_id=enterprise.id, target_type="data_version", target_id=stored.data_version_id,
                 details={**edit, "version": version, "rows": len(kept), "import_id": batch.id, "run_id": run.id,
                          "energy_tce": stored.energy_tce, "total_tco2e": stored.total_tco2e})
    return Saved(version=version, import_id=batch.id, run_id=run.id, result_id=stored.id,
                 energy_tce=stored.energy_tce, total_tco2e=stored.total_tco2e, rows=len(kept), previous=base_version)


# --------------------------------------------------------------------------------- choices of the grid

def item_units(item: str | None) -> tuple[UnitChoice, ...]:
    """The units a quantity of ``item`` (a vocabulary key) may be given in: those of the unit library
    that convert to the item's canonical unit, the rule the importer's validation checks a unit by
    (``accounting.input.unit_mismatch``); every unit any item accepts when ``item`` is unknown or None."""
    vocabulary = load_vocabulary()
    record = vocabulary.items.get(item) if item else None
    if record is not None:
        return units_converting_to(record.canonical_unit)
    return _all_item_units()


@functools.cache
def _all_item_units() -> tuple[UnitChoice, ...]:
    canonical = {record.canonical_unit for record in load_vocabulary().items.values()}
    return tuple(c for c in unit_choices() if any(c in units_converting_to(unit) for unit in canonical))


def item_key(value: str) -> str | None:
    """The vocabulary key an item cell names (原煤, raw coal, raw_coal → raw_coal), or None."""
    return load_vocabulary().item_names.resolve(value) if value else None


def flow_key(value: str) -> str | None:
    """The flow a flow cell names (消耗, consumed → consumed), or None."""
    return load_vocabulary().flow_names.resolve(value) if value else None


def unit_choice(value: str) -> str | None:
    """The offered unit (:func:`item_units`) a unit cell means (吨 → t, 万千瓦时 → 10^4 kWh), or None."""
    if not value:
        return None
    try:
        unit = parse_unit(value)
    except UnitError:
        return None
    return next((c.symbol for c in _all_item_units() if parse_unit(c.symbol) == unit), None)
