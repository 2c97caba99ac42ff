"""Stored activity data and results: preview an upload, commit it all or nothing, recalculate.

The engine (:func:`greenmfg.accounting.service.account`) does the computing; this module keeps
what it reads and returns in the database:

* :func:`preview_upload` checks the file (type, size, content) and validates every row exactly
  as the CLI does, plus the platform's own rule that every row belongs to the enterprise it is
  uploaded for. It stores the batch (previewed or invalid, with every located issue).
* :func:`commit_import` re-runs the accounting on the stored bytes and, in the caller's single
  transaction, stores the rows, a new data version per facility-period, the run and its results.
* :func:`recalculate` re-accounts the current data versions with the installed reference data and
  records, per facility-period, what changed.

Benchmark classes are stored with the results they belong to (commit, demo seeding,
recalculation), by the helpers at the end of this module.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, cast

import pyarrow as pa
from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from greenmfg.accounting import retention
from greenmfg.accounting.limits import over_long_cells
from greenmfg.accounting.lines import LinePacker
from greenmfg.accounting.models import (
    ActivityRecord,
    CalculationRun,
    DataVersion,
    FacilityResult,
    ImportBatch,
    ImportStatus,
    ResultProduct,
)
from greenmfg.accounting.output import result_document
from greenmfg.accounting.parameters import AccountingOptions
from greenmfg.accounting.reader import ActivitySource, InputFile
from greenmfg.accounting.service import AccountingRun, account, account_table
from greenmfg.accounting.template_spec import COLUMNS
from greenmfg.accounting.validation import normalize_period
from greenmfg.audit import service as audit
from greenmfg.cache import mark_changed
from greenmfg.compliance.stored import (
    BenchmarkSet,
    benchmark_set,
    needs_refresh,
    reference_key,
    store_benchmarks,
)
from greenmfg.db.base import utcnow
from greenmfg.db.session import Database
from greenmfg.db.statistics import note_changed_rows
from greenmfg.errors import GreenmfgError, InputError, Issue, ValidationFailed
from greenmfg.orgs.access import Principal, get_enterprise
from greenmfg.orgs.models import Facility, Organisation

if TYPE_CHECKING:
    from greenmfg.ets.models import EtsResult

__all__ = ["ALLOWED_TYPES", "Accounted", "CheckedUpload", "ImportConflict", "UploadRejected", "account_batch",
           "account_records", "check_upload", "commit_import", "discard_import", "installed_fingerprint",
           "options_fingerprint", "preview_upload", "raw_rows", "recalculate", "records_table", "reference_fingerprint",
           "refresh_counted", "refresh_counted_of_run", "store_accounted", "stored_records"]

MAX_STORED_ISSUES = 1000

#: what a commit stores: the result document, the rows as read, the benchmark results
Accounted = tuple[dict[str, Any], list[dict[str, Any]], BenchmarkSet | None]

#: accepted file types and the content types browsers and clients send for them
ALLOWED_TYPES: dict[str, frozenset[str]] = {
    ".xlsx": frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "application/octet-stream", "application/zip"}),
    ".csv": frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel",
                       "application/octet-stream"}),
}


class UploadRejected(GreenmfgError):
    """The upload itself is unusable (type, size, encoding); nothing is stored. ``status`` is HTTP."""

    code = "upload_rejected"
    message = "the upload cannot be used; nothing was stored"
    message_zh = "上传文件无法使用，未保存任何内容"

    def __init__(self, status: int, message: str, message_zh: str) -> None:
        super().__init__(message, message_zh, status=status)


class ImportConflict(GreenmfgError):
    """The batch is not in a state that allows the action (already committed, invalid …)."""

    status = 409
    code = "import_conflict"
    message = "the import is not in a state that allows this"
    message_zh = "导入批次的当前状态不允许此操作"


def _check_upload(filename: str, content_type: str, content: bytes, max_bytes: int) -> str:
    name = PurePath(filename.replace("\\", "/")).name
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED_TYPES:
        raise UploadRejected(415, f"{name or 'the file'}: unsupported file type '{suffix}'; upload the "
                             "activity template as .xlsx or .csv",
                             f"{name or '文件'}：不支持的文件类型“{suffix}”，请上传 .xlsx 或 .csv 格式的活动数据模板")
    base_type = content_type.split(";")[0].strip().lower()
    if base_type and base_type not in ALLOWED_TYPES[suffix]:
        raise UploadRejected(415, f"{name}: content type '{base_type}' does not fit a {suffix} file",
                             f"{name}：内容类型“{base_type}”与 {suffix} 文件不符")
    if len(content) > max_bytes:
        raise UploadRejected(413, f"{name}: {len(content):,} bytes is over the limit of {max_bytes:,} bytes; "
                             "split the file by period or facility",
                             f"{name}：{len(content):,} 字节，超过 {max_bytes:,} 字节上限；请按期间或设施拆分文件")
    if not content:
        raise UploadRejected(422, f"{name}: the file is empty", f"{name}：文件为空")
    if suffix == ".xlsx" and not content.startswith(b"PK\x03\x04"):
        raise UploadRejected(415, f"{name}: not an Excel .xlsx workbook (save it as .xlsx, not .xls or "
                             "a renamed file)", f"{name}：不是 Excel .xlsx 工作簿（请另存为 .xlsx 格式）")
    if suffix == ".csv" and b"\x00" in content[:65536]:
        raise UploadRejected(415, f"{name}: binary content in a .csv file; save as CSV UTF-8",
                             f"{name}：.csv 文件含二进制内容；请另存为 CSV UTF-8")
    return name


def _check_quota(session: Session, enterprise_id: int, name: str, size: int, quota: int) -> None:
    held = retention.held_bytes(session, enterprise_id)
    if held + size > quota:
        raise UploadRejected(
            413, f"{name}: the enterprise already holds {held:,} bytes of previewed or invalid imports; with "
                 f"this file ({size:,} bytes) that is over its quota of {quota:,} bytes "
                 "(GREENMFG_UPLOAD_QUOTA_BYTES); commit or discard earlier previews first",
            f"{name}：本企业尚有 {held:,} 字节预览或无效的导入，加上本文件（{size:,} 字节）超过 {quota:,} 字节的配额"
            "（GREENMFG_UPLOAD_QUOTA_BYTES）；请先提交或丢弃之前的预览")


def _base_type(content_type: str) -> str:
    """The media type as stored: without parameters (already checked against the allowed types),
    so a long ``; charset=…`` tail never reaches the column."""
    return content_type.split(";")[0].strip().lower() or "application/octet-stream"


def _file_issue(error: InputError, name: str) -> Issue:
    return Issue(code="platform.import.unreadable", file=name, message=str(error),
                 message_zh=f"无法读取文件：{error}",
                 fix="upload the activity template (Imports page, blank template) filled in, as .xlsx or .csv",
                 fix_zh="请上传按活动数据模板填写的 .xlsx 或 .csv 文件")


def _of_enterprise(enterprise: Organisation) -> Callable[[ActivitySource], None]:
    """The platform's check of the rows as read: every enterprise ID names ``enterprise``. A file
    of another enterprise is one error (per other enterprise ID), not one per row; an empty ID is
    left to the validation (a missing value of its row)."""
    code, name = str(enterprise.code), enterprise.name

    def check(source: ActivitySource) -> None:
        t = source.table
        ids = t.enterprise_id.strip().nullif("")
        foreign = t.filter(ids.notnull() & (ids != code)).mutate(other=ids)
        if not int(foreign.count().execute()):
            return
        order = foreign._file_id * (1 << 40) + foreign._row
        groups = foreign.group_by("other").aggregate(
            rows=foreign.count(), first=foreign._row.argmin(order), file=foreign._file.argmin(order),
            sheet=foreign._sheet.argmin(order), other_name=foreign.enterprise_name.argmin(order), at=order.min())
        found = groups.order_by("at").limit(MAX_STORED_ISSUES).to_pyarrow().to_pylist()
        all_rows = len(found) == 1 and found[0]["rows"] == int(t.count().execute())
        issues = []
        for group in found:
            col, col_zh = source.column_names(group["file"], "enterprise_id")
            heading = source.heading(group["file"], "enterprise_id")
            other, rows, first = group["other"], int(group["rows"]), int(group["first"])
            named = f' ({group["other_name"].strip()})' if (group["other_name"] or "").strip() else ""
            named_zh = f"（{group['other_name'].strip()}）" if named else ""
            if all_rows:
                message = (f'this file holds the data of another enterprise: its {rows:,} rows have "{col}" '
                           f'"{other}"{named}, but you are importing into {name} ("{col}" "{code}"); nothing was imported')
                message_zh = (f"本文件是其他企业的数据：全部 {rows:,} 行的“{col_zh}”为“{other}”{named_zh}，"
                              f"而当前导入的企业是{name}（“{col_zh}”为“{code}”）；未导入任何数据")
            else:
                message = (f'{rows:,} rows, the first in row {first}, have "{col}" "{other}"{named}, but you are '
                           f'importing into {name} ("{col}" "{code}"); nothing was imported')
                message_zh = (f"有 {rows:,} 行（第一行为第 {first} 行）的“{col_zh}”为“{other}”{named_zh}，"
                              f"而当前导入的企业是{name}（“{col_zh}”为“{code}”）；未导入任何数据")
            issues.append(Issue(
                code="platform.import.other_enterprise", file=group["file"], sheet=group["sheet"] or "", row=first,
                column="enterprise_id", value=str(other), message=message, message_zh=message_zh,
                fix=(f"upload the file on the Imports page of the enterprise it belongs to; if these are {name}'s "
                     f'rows, write "{code}" under "{col}"'),
                fix_zh=f"请到该文件所属企业的导入页面上传；如确为{name}的数据，请将“{col_zh}”改为“{code}”",
                header=col if heading is not None else "", cell=heading.cell(first) if heading is not None else ""))
        raise ValidationFailed(issues=issues, total=len(issues))

    return check


def raw_rows(run: AccountingRun) -> list[dict[str, Any]]:
    """The run's input rows as read: sheet, row and the template columns as text (typed numbers of
    an in-memory table, such as the demo region's ``quantity``, come with their text from the
    reader: see :func:`greenmfg.accounting.reader.read_table`)."""
    names = [c.name for c in COLUMNS]
    out = []
    for record in run.source.order_by(["_file_id", "_row"]).select("_sheet", "_row", *names).to_pyarrow().to_pylist():
        values = {n: (None if record[n] is None else str(record[n])) for n in names}
        out.append({"sheet": record["_sheet"] or "", "row": int(record["_row"]), "values": values})
    return out


def records_table(records: Iterable[tuple[int, str, int, dict[str, Any]]]) -> pa.Table:
    """Stored activity rows ``(import id, sheet, row, values)`` as an Arrow table for
    :func:`~greenmfg.accounting.service.account_table`: each row keeps the sheet and row it was
    uploaded from; the file is named by its import (``import 7``)."""
    names = [c.name for c in COLUMNS]
    columns: dict[str, list[Any]] = {"_file": [], "_sheet": [], "_row": [], **{n: [] for n in names}}
    for import_id, sheet, row, values in records:
        columns["_file"].append(f"import {import_id}")
        columns["_sheet"].append(sheet)
        columns["_row"].append(row)
        for n in names:
            value = values.get(n)
            columns[n].append(None if value is None else str(value))
    schema = pa.schema([("_file", pa.string()), ("_sheet", pa.string()), ("_row", pa.int64()),
                        *((n, pa.string()) for n in names)])
    return pa.table(columns, schema=schema)


def stored_records(session: Session, version_ids: Sequence[int]) -> pa.Table:
    """The stored rows of these data versions (in the order they were stored) as an Arrow table
    (:func:`records_table`): what :func:`account_records` and the ETS figures account."""
    rows: list[tuple[int, int, str, int, dict[str, Any]]] = []
    for chunk in range(0, len(version_ids), _CHUNK):
        rows.extend(session.execute(
            select(ActivityRecord.id, ActivityRecord.import_id, ActivityRecord.sheet, ActivityRecord.row,
                   ActivityRecord.values)
            .where(ActivityRecord.data_version_id.in_(version_ids[chunk:chunk + _CHUNK]))).all())
    rows.sort(key=lambda r: r[0])
    return records_table((i, sheet, row, values) for _, i, sheet, row, values in rows)


def account_records(session: Session, version_ids: Sequence[int],
                    options: AccountingOptions | None = None) -> AccountingRun:
    """Account the stored rows of these data versions (in the order they were stored)."""
    return account_table(stored_records(session, version_ids), options, name="stored rows")


#: ids bound in one statement at most (PostgreSQL's driver refuses more than 65 535 parameters)
_CHUNK = 10_000


class _PreviewCache:
    """The accounting of recent previews, reused by their commit: one accounting per upload; the
    same file uploaded again for the same enterprise (a second preview, another browser tab) is not
    accounted again either.

    Keyed on the bytes' SHA-256, the file name and the reference-data fingerprint the result was
    computed with; a commit whose batch matches (same bytes, same reference data installed) stores
    the preview's result, else it accounts again. The benchmark results of the same run are kept
    with it (stored on commit unless the installed reference data changed meanwhile). Per process
    and small: a commit served by another worker, or long after, simply accounts again. Bounded by
    entries and by rows (``max_rows`` input rows in all: large uploads are not kept), so that
    previews cannot fill the server's memory.
    """

    def __init__(self, size: int = 8, max_rows: int = 200_000) -> None:
        self._size = size
        self._max_rows = max_rows
        self._items: OrderedDict[tuple[str, str], tuple[str, dict[str, Any], list[dict[str, Any]],
                                                        BenchmarkSet | None, str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, sha256: str, name: str, document: dict[str, Any], raw: list[dict[str, Any]],
            benchmarks: BenchmarkSet | None = None, *, enterprise_code: str | None = None) -> None:
        """``enterprise_code``: the enterprise the upload was checked for (its rows are its own)."""
        if len(raw) > self._max_rows // 2:
            return
        with self._lock:
            self._items[(sha256, name)] = (reference_fingerprint(document["provenance"]), document, raw, benchmarks,
                                           enterprise_code)
            self._items.move_to_end((sha256, name))
            while len(self._items) > self._size or sum(len(i[2]) for i in self._items.values()) > self._max_rows:
                self._items.popitem(last=False)

    def take(self, sha256: str, name: str, *, enterprise_code: str | None = None
             ) -> tuple[dict[str, Any], list[dict[str, Any]], BenchmarkSet | None] | None:
        """The accounting kept for these bytes, if computed with the installed reference data (and,
        ``enterprise_code`` given, checked for that enterprise)."""
        with self._lock:
            found = self._items.get((sha256, name))
        if found is None or found[0] != installed_fingerprint():
            return None
        if enterprise_code is not None and found[4] != enterprise_code:
            return None
        return found[1], found[2], found[3]


def installed_fingerprint() -> str:
    """The reference fingerprint a run with the default options would have now (a stored run with
    another one was accounted against other reference data: its preview is stale, its results due
    for recalculation)."""
    return options_fingerprint(AccountingOptions())


def options_fingerprint(options: AccountingOptions) -> str:
    """The reference fingerprint a run with ``options`` would have with the installed reference data."""
    from greenmfg.refdata.catalog import load_catalog

    catalog = load_catalog()
    datasets = [{"id": i, "sha256": catalog.dataset(i).info.sha256} for i in options.reference_dataset_ids(catalog)]
    return reference_fingerprint({"datasets": datasets, "options": options.as_dict()})


_previews = _PreviewCache()


def reference_fingerprint(provenance: dict[str, Any]) -> str:
    """SHA-256 over the datasets (id + sha256) and options a run used."""
    material = {"datasets": sorted((d["id"], d["sha256"]) for d in provenance["datasets"]),
                "options": provenance["options"]}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class CheckedUpload:
    """An upload checked and accounted (:func:`check_upload`), not stored yet."""

    name: str
    sha256: str
    issues: list[Issue]
    total_issues: int
    accounted: Accounted | None  # without issues: the result document, the rows as read, benchmarks
    enterprise_code: str


def check_upload(enterprise: Organisation, *, filename: str, content_type: str, content: bytes, max_bytes: int,
                 rows: pa.Table | None = None) -> CheckedUpload:
    """Check, validate and account an upload for ``enterprise`` without touching the database.

    An edge calls it before it opens the preview's write transaction (see
    :func:`preview_upload`), so that SQLite's write lock is not held while a large file is
    accounted.

    Raises
    ------
    UploadRejected
        Wrong type, too large, empty or not what its name says.
    """
    name = _check_upload(filename, content_type, content, max_bytes)
    assert enterprise.code is not None
    sha256 = hashlib.sha256(content).hexdigest()
    if rows is None:
        kept = _previews.take(sha256, name, enterprise_code=enterprise.code)
        if kept is not None:  # these bytes were checked and accounted for this enterprise a moment ago
            return CheckedUpload(name, sha256, [], 0, kept, enterprise.code)
    try:
        belongs = _of_enterprise(enterprise)
        run = (account(InputFile(name, content), check=belongs) if rows is None
               else account_table(rows, name=name, check=belongs))
    except ValidationFailed as failed:
        return CheckedUpload(name, sha256, failed.issues, failed.total, None, enterprise.code)
    except InputError as error:
        return CheckedUpload(name, sha256, [_file_issue(error, name)], 1, None, enterprise.code)
    too_long = over_long_cells(run.source, name, limit=MAX_STORED_ISSUES)
    if too_long:
        return CheckedUpload(name, sha256, too_long, len(too_long), None, enterprise.code)
    return CheckedUpload(name, sha256, [], 0, (result_document(run), raw_rows(run), _benchmark_runs([run])),
                         enterprise.code)


def preview_upload(session: Session, principal: Principal, enterprise: Organisation, *, filename: str,
                   content_type: str, content: bytes, max_bytes: int, rows: pa.Table | None = None,
                   quota_bytes: int | None = None, preview_ttl_hours: int | None = None,
                   checked: CheckedUpload | None = None) -> ImportBatch:
    """Check and validate an upload; store it as a previewed (or invalid) batch.

    ``rows``: the upload's rows already held as a table (an upload the platform made itself, such
    as a month of meter totals), accounted as they are instead of reading ``content`` again.
    ``preview_ttl_hours``: first expire the enterprise's older previews; ``quota_bytes``: refuse
    the upload when the enterprise's uncommitted files would exceed it
    (:mod:`greenmfg.accounting.retention`).
    ``checked``: the same upload already checked by :func:`check_upload` (outside the transaction).

    Raises
    ------
    UploadRejected
        Wrong type, too large, empty, not what its name says or over the quota: nothing is stored.
    """
    if checked is None or checked.enterprise_code != enterprise.code:
        checked = check_upload(enterprise, filename=filename, content_type=content_type, content=content,
                               max_bytes=max_bytes, rows=rows)
    name, sha256 = checked.name, checked.sha256
    if preview_ttl_hours is not None:
        retention.purge_expired(session, ttl_hours=preview_ttl_hours, enterprise_id=enterprise.id)
    if quota_bytes is not None:
        _check_quota(session, enterprise.id, name, len(content), quota_bytes)
    issues, total_issues = checked.issues, checked.total_issues
    summary: dict[str, Any] = {}
    row_count = 0
    if checked.accounted is not None:
        document, raw, benchmarks = checked.accounted
        row_count = len(raw)
        summary = _preview_summary(session, enterprise, document)
        _previews.put(sha256, name, document, raw, benchmarks, enterprise_code=enterprise.code)
    batch = ImportBatch(
        enterprise_id=enterprise.id, created_by=principal.user_id, filename=name,
        content_type=_base_type(content_type), size_bytes=len(content),
        sha256=sha256, content=content,
        status=ImportStatus.invalid if total_issues else ImportStatus.previewed,
        row_count=row_count, issue_count=total_issues,
        issues=[i.as_dict() for i in issues[:MAX_STORED_ISSUES]], summary=summary,
    )
    session.add(batch)
    session.flush()
    audit.record(session, "import.preview", actor=principal.username, actor_user_id=principal.user_id,
                 organisation_id=enterprise.id, target_type="import", target_id=batch.id,
                 details={"file": name, "sha256": batch.sha256, "status": batch.status,
                          "issues": total_issues, "rows": row_count})
    return batch


def preview_outside_the_lock(database: Database, principal: Principal, enterprise_id: int, *, filename: str,
                             content_type: str, content: bytes, max_bytes: int, quota_bytes: int,
                             preview_ttl_hours: int) -> int:
    """:func:`check_upload` in a read transaction, then :func:`preview_upload` in a write one: the id
    of the stored batch. SQLite's write lock is held for the writes only, not while a large file is
    read and accounted; access is checked in both transactions.

    Raises
    ------
    UploadRejected, ImportConflict
        Nothing is stored.
    """
    with database.session(write=False) as session:
        enterprise = get_enterprise(session, principal, enterprise_id, manage=True)
        checked = check_upload(enterprise, filename=filename, content_type=content_type, content=content,
                               max_bytes=max_bytes)
    with database.session(write=True) as session:
        enterprise = get_enterprise(session, principal, enterprise_id, manage=True)
        batch = preview_upload(session, principal, enterprise, filename=filename, content_type=content_type,
                               content=content, max_bytes=max_bytes, checked=checked, quota_bytes=quota_bytes,
                               preview_ttl_hours=preview_ttl_hours)
        return batch.id


def _preview_summary(session: Session, enterprise: Organisation, document: dict[str, Any]) -> dict[str, Any]:
    known = set(session.execute(select(Facility.code).where(Facility.enterprise_id == enterprise.id)).scalars())
    results = document["results"]
    facilities = sorted({r["facility_id"] for r in results})
    periods = sorted({r["period"] for r in results})
    existing = _current_versions(session, enterprise.id, {(r["facility_id"], r["period"]) for r in results})
    return {
        "facilities": facilities, "new_facilities": [f for f in facilities if f not in known],
        "periods": periods,
        "replaces": sorted(f"{f} {p} v{v}" for (f, p), v in existing.items()),
        "energy_tce": sum(r["energy_tce"] for r in results),
        "emissions_tco2e": sum(r["emissions_tco2e"]["total"] for r in results),
        "results": [{"facility_id": r["facility_id"], "period": r["period"], "energy_tce": r["energy_tce"],
                     "emissions_tco2e": r["emissions_tco2e"]["total"], "warnings": len(r["warnings"])}
                    for r in results],
        "provenance": document["provenance"],
    }


def _current_versions(session: Session, enterprise_id: int, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(Facility.code, DataVersion.period, DataVersion.version)
        .join(Facility, Facility.id == DataVersion.facility_id)
        .where(DataVersion.enterprise_id == enterprise_id, DataVersion.current.is_(True))
    ).all()
    return {(code, period): version for code, period, version in rows if (code, period) in keys}


def _result_row(result: dict[str, Any], *, run_id: int, version_id: int, enterprise_id: int,
                facility_id: int, packer: LinePacker) -> dict[str, Any]:
    emissions = result["emissions_tco2e"]
    return {
        "run_id": run_id, "data_version_id": version_id, "enterprise_id": enterprise_id,
        "facility_id": facility_id, "period": result["period"], "year": int(result["period"][:4]),
        "current": True, "energy_tce": result["energy_tce"], "total_tco2e": emissions["total"],
        "scope1_tco2e": emissions["scope1"], "scope2_tco2e": emissions["scope2"],
        "combustion_tco2e": emissions["combustion"], "process_tco2e": emissions["process"],
        "purchased_electricity_tco2e": emissions["purchased_electricity"],
        "purchased_heat_tco2e": emissions["purchased_heat"], "exported_tco2e": emissions["exported"],
        "products": result["products"], "warnings_packed": packer.pack_warnings(result["warnings"]),
        "warning_count": len(result["warnings"]), "lines_packed": packer.pack(result["lines"]),
    }


_PRODUCT_FIELDS = ("product", "quantity", "unit", "energy_intensity", "energy_intensity_unit", "emission_intensity",
                   "emission_intensity_unit")


def _insert_results(session: Session, run_id: int, rows: list[dict[str, Any]]) -> None:
    """Insert the result rows of run ``run_id`` and, per result, its products as rows of their own
    (for SQL pooling).

    Set-based: one multi-row INSERT of the results (no per-row ``RETURNING``, which SQLite runs as
    one statement per row), one SELECT of the run's new ids by facility-period, one INSERT of the
    products: a bounded number of statements, whatever the number of results.
    """
    if not rows:
        return
    results = cast(Table, FacilityResult.__table__)
    connection = session.connection()
    connection.execute(insert(results), rows)
    ids = {(facility_id, period): result_id for result_id, facility_id, period in connection.execute(
        select(results.c.id, results.c.facility_id, results.c.period).where(results.c.run_id == run_id))}
    products = [{"result_id": ids[(row["facility_id"], row["period"])], **{k: p.get(k) for k in _PRODUCT_FIELDS}}
                for row in rows for p in row["products"] or []]
    if products:
        connection.execute(insert(cast(Table, ResultProduct.__table__)), products)


def account_batch(batch: ImportBatch) -> Accounted:
    """The accounting a commit of ``batch`` stores: the preview's when it is of these very bytes
    with the installed reference data, else the stored bytes accounted again.

    Needs no transaction: an edge calls it before it opens the commit's write transaction, so
    that SQLite's write lock is held for the writes only (see :func:`commit_import`)."""
    reused = _previews.take(hashlib.sha256(batch.content).hexdigest(), batch.filename)
    if reused is None:
        run = account(InputFile(batch.filename, batch.content))
        reused = result_document(run), raw_rows(run), _benchmark_runs([run])
    return reused


def commit_import(session: Session, principal: Principal, batch: ImportBatch, *,
                  accounted: Accounted | None = None) -> CalculationRun:
    """Store a previewed batch: rows, new data versions, the run and its results, in one transaction.

    The caller's transaction is the unit: any error leaves nothing behind. ``accounted``: the
    batch's accounting from :func:`account_batch` (of the same bytes: computed before the
    transaction began), else it is accounted here.

    Raises
    ------
    ImportConflict
        The batch is invalid, already committed or discarded.
    """
    if batch.status != ImportStatus.previewed:
        raise ImportConflict(f"import {batch.id} is {batch.status}; only a previewed import without errors "
                             "can be committed", f"导入批次 {batch.id} 状态为 {batch.status}，只有无错误的预览批次可以提交")
    # lock the batch so two concurrent commits cannot both pass the status check
    session.execute(select(ImportBatch.id).where(ImportBatch.id == batch.id).with_for_update())
    session.refresh(batch)
    if batch.status != ImportStatus.previewed:
        raise ImportConflict(f"import {batch.id} was committed meanwhile", f"导入批次 {batch.id} 已被提交")
    document, raw, benchmarks = accounted if accounted is not None else account_batch(batch)
    return store_accounted(session, principal, batch, document, raw, benchmarks=benchmarks)


@dataclass(frozen=True, slots=True)
class _NewVersion:
    id: int
    version: int
    period: str


def _new_versions(session: Session, enterprise_id: int, import_id: int, user_id: int | None,
                  keys: Sequence[tuple[str, int, str]]) -> dict[tuple[str, str], _NewVersion]:
    """A new current data version of each (facility code, facility id, period); the earlier
    versions of those facility-periods and their results stop being current.

    Set-based: a bounded number of statements whatever the number of facility-periods (one
    multi-row INSERT of the new versions, one SELECT of their ids, one UPDATE per table that
    finds the replaced rows through the new versions of this import: no per-facility-period
    statement and no list of keys bound as parameters).
    """
    if not keys:
        return {}
    versions = cast(Table, DataVersion.__table__)
    results = cast(Table, FacilityResult.__table__)
    connection = session.connection()
    latest = {(f, p): int(v or 0) for f, p, v in connection.execute(
        select(versions.c.facility_id, versions.c.period, func.max(versions.c.version))
        .where(versions.c.enterprise_id == enterprise_id).group_by(versions.c.facility_id, versions.c.period))}
    now = utcnow()
    connection.execute(insert(versions), [
        {"enterprise_id": enterprise_id, "facility_id": facility_id, "period": period,
         "version": latest.get((facility_id, period), 0) + 1, "import_id": import_id, "created_at": now,
         "created_by": user_id, "current": True} for _code, facility_id, period in keys])
    # the facility-periods this import stores anew, as a subquery (no bound list of keys)
    new = versions.alias("new_versions")
    replaced = select(new.c.facility_id, new.c.period).where(new.c.import_id == import_id)
    connection.execute(update(versions).where(
        versions.c.enterprise_id == enterprise_id, versions.c.current.is_(True), versions.c.import_id != import_id,
        tuple_(versions.c.facility_id, versions.c.period).in_(replaced)).values(current=False))
    connection.execute(update(results).where(
        results.c.enterprise_id == enterprise_id, results.c.current.is_(True),
        tuple_(results.c.facility_id, results.c.period).in_(replaced)).values(current=False))
    stored = {(facility_id, period): (version_id, number) for version_id, facility_id, period, number
              in connection.execute(select(versions.c.id, versions.c.facility_id, versions.c.period,
                                           versions.c.version).where(versions.c.import_id == import_id))}
    out: dict[tuple[str, str], _NewVersion] = {}
    for code, facility_id, period in keys:
        version_id, number = stored[(facility_id, period)]
        out[(code, period)] = _NewVersion(version_id, number, period)
    return out


def _facility_ids(session: Session, enterprise_id: int, codes: set[str]) -> dict[str, int]:
    """The enterprise's facilities, code → id, after adding those of ``codes`` it does not have yet
    (one multi-row INSERT, not one ``RETURNING`` statement per new facility)."""
    facilities = cast(Table, Facility.__table__)
    connection = session.connection()
    query = select(facilities.c.code, facilities.c.id).where(facilities.c.enterprise_id == enterprise_id)
    known: dict[str, int] = {code: facility_id for code, facility_id in connection.execute(query)}
    missing = sorted(codes - known.keys())
    if missing:
        now = utcnow()
        connection.execute(insert(facilities), [{"enterprise_id": enterprise_id, "code": code, "name": None,
                                                 "created_at": now} for code in missing])
        known = {code: facility_id for code, facility_id in connection.execute(query)}
    return known


def store_accounted(session: Session, principal: Principal, batch: ImportBatch, document: dict[str, Any],
                    raw: list[dict[str, Any]], *, benchmarks: BenchmarkSet | None = None,
                    ets: EtsResult | None = None) -> CalculationRun:
    """Store a batch's accounted rows and results (the second half of :func:`commit_import`).

    ``document`` is the engine's result document of exactly the batch's rows, ``raw`` those rows
    as read (see :func:`raw_rows`). ``benchmarks``: the benchmark results of the same accounting
    (:func:`greenmfg.compliance.stored.benchmark_set`); without them (or when computed with other
    reference data than installed) the stored rows are accounted and benchmarked again. The
    carbon market's covered figures of a covered-sector enterprise are stored too
    (:func:`greenmfg.ets.figures.store_figures`): from ``ets``, the ETS engine's result of (at
    least) the batch's rows, else from the stored rows accounted once.

    Raises
    ------
    greenmfg.ets.filings.MonthLocked
        A month of the batch is filed with the carbon market and no amendment of it is open.
    """
    enterprise_id = batch.enterprise_id
    # a month filed with the carbon market changes only through an amendment (greenmfg.ets.filings)
    from greenmfg.ets.filings import require_unlocked

    require_unlocked(session, enterprise_id, {r["period"] for r in document["results"]})
    facilities = _facility_ids(session, enterprise_id, {r["facility_id"] for r in document["results"]})
    versions = _new_versions(session, enterprise_id, batch.id, principal.user_id,
                             [(r["facility_id"], facilities[r["facility_id"]], r["period"])
                              for r in document["results"]])
    records = []
    for row in raw:
        key = ((row["values"]["facility_id"] or "").strip(), normalize_period(row["values"]["period"]) or "")
        row_version = versions.get(key)
        if row_version is None:
            raise GreenmfgError(f"row {row['row']}: {key} has no result; nothing was stored")
        records.append({"import_id": batch.id, "data_version_id": row_version.id, "sheet": row["sheet"],
                        "row": row["row"], "values": row["values"]})
    if records:
        session.connection().execute(insert(cast(Table, ActivityRecord.__table__)), records)
    calc_run = CalculationRun(enterprise_id=enterprise_id, trigger="import", import_id=batch.id,
                              created_by=principal.user_id, provenance=document["provenance"],
                              reference_fingerprint=reference_fingerprint(document["provenance"]))
    session.add(calc_run)
    session.flush()
    packer = LinePacker()
    _insert_results(session, calc_run.id, [
        _result_row(r, run_id=calc_run.id, version_id=versions[(r["facility_id"], r["period"])].id,
                    enterprise_id=enterprise_id, facility_id=facilities[r["facility_id"]], packer=packer)
        for r in document["results"]])
    packer.store(session)
    refresh_counted_of_run(session, calc_run.id)
    _store_benchmarks(session, enterprise_id, calc_run.id, benchmarks, versions, facilities)
    from greenmfg.ets.figures import store_figures

    enterprise = session.get(Organisation, enterprise_id)
    assert enterprise is not None
    store_figures(session, enterprise, versions.values(), result=ets, accounted=ets is not None)
    note_changed_rows(session, len(records) + 2 * len(document["results"]))
    batch.status = ImportStatus.committed
    mark_changed(session, enterprise_id)
    batch.committed_by = principal.user_id
    batch.committed_at = calc_run.created_at
    audit.record(session, "import.commit", actor=principal.username, actor_user_id=principal.user_id,
                 organisation_id=enterprise_id, target_type="import", target_id=batch.id,
                 details={"file": batch.filename, "sha256": batch.sha256, "rows": len(records),
                          "versions": sorted(f"{f} {p} v{v.version}" for (f, p), v in versions.items()),
                          "run_id": calc_run.id})
    return calc_run


def discard_import(session: Session, principal: Principal, batch: ImportBatch) -> None:
    """Mark a previewed or invalid batch as discarded (it stays listed, never committable).

    Raises
    ------
    ImportConflict
        The batch is already committed or discarded.
    """
    if batch.status not in (ImportStatus.previewed, ImportStatus.invalid):
        raise ImportConflict(f"import {batch.id} is {batch.status}; only a previewed or invalid import can be "
                             "discarded", f"导入批次 {batch.id} 状态为 {batch.status}，只有预览或无效的批次可以丢弃")
    batch.status = ImportStatus.discarded
    batch.content = b""  # a discarded upload keeps no copy of the file
    audit.record(session, "import.discard", actor=principal.username, actor_user_id=principal.user_id,
                 organisation_id=batch.enterprise_id, target_type="import", target_id=batch.id)


_CHANGE_FIELDS = ("energy_tce", "total_tco2e", "scope1_tco2e", "scope2_tco2e")


def recalculate(session: Session, *, actor: str, actor_user_id: int | None = None,
                enterprise_ids: list[int] | None = None, options: AccountingOptions | None = None,
                only_if_changed: bool = True) -> list[CalculationRun]:
    """Re-account each enterprise's current data with the installed reference data.

    For every enterprise whose current results were computed with other reference data (or with
    ``only_if_changed=False``, all of them) a new run with trigger ``recalculation`` stores new
    current results and lists, per facility-period, the old and new figures that differ. Other
    reference data means another accounting fingerprint, or stored benchmark results computed with
    another reference key (benchmark levels, quota limits, indicator definitions) or none at all;
    the run stores the enterprise's benchmark results anew (:mod:`greenmfg.compliance.stored`).
    The carbon market's covered figures of a covered-sector enterprise are accounted again, once
    for all its current data, when they were computed with other reference data or are missing
    (or with ``only_if_changed=False``): :mod:`greenmfg.ets.figures`.
    """
    from greenmfg.ets import figures as ets_figures

    query = select(Organisation.id).where(Organisation.kind == "enterprise").order_by(Organisation.id)
    if enterprise_ids is not None:
        query = query.where(Organisation.id.in_(enterprise_ids))
    runs: list[CalculationRun] = []
    for enterprise_id in session.execute(query).scalars().all():
        versions = session.execute(select(DataVersion).where(
            DataVersion.enterprise_id == enterprise_id, DataVersion.current.is_(True))).scalars().all()
        if not versions:
            continue
        enterprise = session.get(Organisation, enterprise_id)
        assert enterprise is not None
        if not only_if_changed or ets_figures.needs_refresh(session, enterprise):
            ets_figures.store_figures(session, enterprise)
            mark_changed(session, enterprise_id)
        accounted = _account_versions(session, versions, options)
        document = _merged_document(accounted)
        fingerprint = reference_fingerprint(document["provenance"])
        old = {(r.facility_id, r.period): r for r in session.execute(select(FacilityResult).where(
            FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True))).scalars()}
        old_fingerprints = set(session.execute(
            select(CalculationRun.reference_fingerprint).join(FacilityResult, FacilityResult.run_id == CalculationRun.id)
            .where(FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True))).scalars())
        if only_if_changed and old_fingerprints == {fingerprint} and not needs_refresh(session, enterprise_id):
            continue
        facilities = {f.code: f.id for f in session.execute(
            select(Facility).where(Facility.enterprise_id == enterprise_id)).scalars()}
        version_of = {(v.facility_id, v.period): v for v in versions}
        changes: list[dict[str, Any]] = []
        new_rows = []
        calc_run = CalculationRun(enterprise_id=enterprise_id, trigger="recalculation", created_by=actor_user_id,
                                  provenance=document["provenance"], reference_fingerprint=fingerprint)
        session.add(calc_run)
        session.flush()
        packer = LinePacker()
        for result in document["results"]:
            facility_id = facilities[result["facility_id"]]
            key = (facility_id, result["period"])
            row = _result_row(result, run_id=calc_run.id, version_id=version_of[key].id,
                              enterprise_id=enterprise_id, facility_id=facility_id, packer=packer)
            before = old.get(key)
            diff = {f: {"old": getattr(before, f) if before else None, "new": row[f]} for f in _CHANGE_FIELDS
                    if before is None or abs((getattr(before, f) or 0.0) - row[f]) > 1e-9 * max(1.0, abs(row[f]))}
            if diff:
                changes.append({"facility_id": result["facility_id"], "period": result["period"], "changes": diff})
            new_rows.append(row)
        session.execute(update(FacilityResult).where(FacilityResult.enterprise_id == enterprise_id,
                                                     FacilityResult.current.is_(True)).values(current=False))
        _insert_results(session, calc_run.id, new_rows)
        packer.store(session)
        refresh_counted(session, {(f, int(p[:4])) for f, p in old} | {(r["facility_id"], r["year"]) for r in new_rows})
        code_of = {fid: code for code, fid in facilities.items()}
        _store_benchmarks(session, enterprise_id, calc_run.id, _benchmark_runs(accounted),
                          {(code_of[v.facility_id], v.period): v for v in versions}, facilities, replace_all=True)
        note_changed_rows(session, len(old) + len(new_rows))
        calc_run.changes = changes
        mark_changed(session, enterprise_id)
        audit.record(session, "results.recalculate", actor=actor, actor_user_id=actor_user_id,
                     organisation_id=enterprise_id, target_type="calculation_run", target_id=calc_run.id,
                     details={"changed": len(changes), "results": len(new_rows), "fingerprint": fingerprint})
        runs.append(calc_run)
    return runs


# ------------------------------------------------------------------------------ stored benchmark results


def _benchmark_runs(runs: Sequence[AccountingRun]) -> BenchmarkSet:
    """Benchmark results of these accounting runs for every edition option the views accept."""
    return benchmark_set(runs)


def _account_versions(session: Session, versions: Sequence[DataVersion | _NewVersion],
                      options: AccountingOptions | None = None) -> list[AccountingRun]:
    """Account the stored rows of these data versions: as one file, or, when a facility reported
    annually one year and monthly another (not one valid file), each year on its own."""
    try:
        return [account_records(session, [v.id for v in versions], options)]
    except ValidationFailed:
        by_year: dict[str, list[int]] = {}
        for version in versions:
            by_year.setdefault(version.period[:4], []).append(version.id)
        return [account_records(session, by_year[year], options) for year in sorted(by_year)]


def _merged_document(runs: Sequence[AccountingRun]) -> dict[str, Any]:
    """The result document of one or more runs of the same reference data (results concatenated)."""
    documents = [result_document(run) for run in runs]
    if len(documents) == 1:
        return documents[0]
    return {**documents[-1], "results": [r for d in documents for r in d["results"]]}


def _store_benchmarks(session: Session, enterprise_id: int, run_id: int, benchmarks: BenchmarkSet | None,
                      versions: Mapping[tuple[str, str], DataVersion | _NewVersion], facilities: dict[str, int], *,
                      replace_all: bool = False) -> None:
    """Store the benchmark results of the data versions just stored (see :mod:`greenmfg.compliance.stored`):
    ``versions`` (facility code, period) → version, ``facilities`` code → id."""
    if not versions:
        return
    if benchmarks is None or benchmarks.reference_key != reference_key():
        benchmarks = _benchmark_runs(_account_versions(session, list(versions.values())))
    store_benchmarks(session, enterprise_id=enterprise_id, run_id=run_id, benchmarks=benchmarks,
                     versions={key: v.id for key, v in versions.items()}, facilities=facilities,
                     replace_all=replace_all)



def refresh_counted(session: Session, facility_years: Iterable[tuple[int, int]]) -> None:
    """Set ``FacilityResult.counted`` anew for every result of these (facility id, year) pairs.

    Counted: current, and annual or in a facility-year without a current annual result (an annual
    result supersedes the months of its year). One statement, executed once per facility-year a
    write touched (after it marked the replaced results not current); each execution reads and
    writes only that facility-year's rows through ``ix_facility_results_facility_year``.
    """
    keys = sorted(set(facility_years))
    if not keys:
        return
    results = cast(Table, FacilityResult.__table__)
    annual = results.alias("annual")
    superseded = exists().where(annual.c.facility_id == results.c.facility_id, annual.c.year == results.c.year,
                                annual.c.current.is_(True), func.length(annual.c.period) == 4)
    counted = and_(results.c.current.is_(True), or_(func.length(results.c.period) == 4, ~superseded))
    statement = (update(results)
                 .where(results.c.facility_id == bindparam("f_id"), results.c.year == bindparam("f_year"),
                        or_(results.c.current.is_(True), results.c.counted.is_(True)))
                 .values(counted=case((counted, true()), else_=false())))
    session.connection().execute(statement, [{"f_id": f, "f_year": y} for f, y in keys])


def refresh_counted_of_run(session: Session, run_id: int) -> None:
    """:func:`refresh_counted` for every facility-year of run ``run_id``'s results, in one
    statement: the facility-years are a subquery of the run's results (the results it replaced
    are of the same facility-periods), so neither the statement count nor its parameters grow
    with the facility-years an import touches."""
    results = cast(Table, FacilityResult.__table__)
    annual = results.alias("annual")
    touched = results.alias("touched")
    superseded = exists().where(annual.c.facility_id == results.c.facility_id, annual.c.year == results.c.year,
                                annual.c.current.is_(True), func.length(annual.c.period) == 4)
    counted = and_(results.c.current.is_(True), or_(func.length(results.c.period) == 4, ~superseded))
    years = select(touched.c.facility_id, touched.c.year).where(touched.c.run_id == run_id).distinct()
    session.connection().execute(
        update(results)
        .where(tuple_(results.c.facility_id, results.c.year).in_(years),
               or_(results.c.current.is_(True), results.c.counted.is_(True)))
        .values(counted=case((counted, true()), else_=false())))
