"""Read the goods and precursors files of ``greenmfg cbam`` (.csv or .xlsx, first sheet).

Goods: ``facility_id, period, cn_code, quantity, unit`` (the goods each production process made);
optional ``product_name``. Precursors: ``facility_id, period, precursor_cn_code, quantity, unit``
plus either ``from_facility_id`` (made in the same installation), or ``see_direct, see_indirect``
and ``source`` (a supplier's communicated values), or neither (the default value); optional
``country`` (ISO code of the country of production of a precursor on default values, default CN)
and ``supplier``. Headers in English or Chinese. Every problem is a located finding (file, row,
column, value, fix; English and Chinese); one bad row refuses the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from greenmfg.errors import InputError, Issue, UnitError, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.refdata.vocabulary import normalize_name
from greenmfg.units import conversion_factor

from .rules import Rules, cn_digits, cn_display

__all__ = ["GOODS_COLUMNS", "MAX_FILE_BYTES", "PRECURSOR_COLUMNS", "GoodRow", "PrecursorRow", "read_goods",
           "read_precursors", "rows_of"]

#: the largest goods/precursors file read [bytes]
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ISSUES = 200
_MAX_ROWS = 20_000

#: column → (Chinese name, accepted header spellings)
GOODS_COLUMNS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "facility_id": ("设施编号", ("facility_id", "设施编号", "设施", "生产工序", "工序编号", "production process")),
    "period": ("期间", ("period", "期间", "核算期", "报告期", "reporting period")),
    "cn_code": ("CN编码", ("cn_code", "CN编码", "CN代码", "商品编码", "海关编码", "cn code", "cn")),
    "quantity": ("数量", ("quantity", "数量", "产量", "activity level", "amount")),
    "unit": ("单位", ("unit", "单位", "计量单位")),
    "product_name": ("产品名称", ("product_name", "产品名称", "品名", "product name")),
}
PRECURSOR_COLUMNS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "facility_id": ("设施编号", ("facility_id", "设施编号", "设施", "生产工序", "工序编号", "production process")),
    "period": ("期间", ("period", "期间", "核算期", "报告期", "reporting period")),
    "precursor_cn_code": ("前体CN编码", ("precursor_cn_code", "前体CN编码", "前体编码", "前体CN代码",
                                       "precursor cn code", "precursor")),
    "quantity": ("数量", ("quantity", "数量", "用量", "消耗量", "amount")),
    "unit": ("单位", ("unit", "单位", "计量单位")),
    "from_facility_id": ("来源设施编号", ("from_facility_id", "来源设施编号", "来源设施", "本厂来源工序",
                                        "from facility", "own process")),
    "see_direct": ("直接排放强度", ("see_direct", "直接排放强度", "直接隐含排放强度", "SEE直接", "see (direct)")),
    "see_indirect": ("间接排放强度", ("see_indirect", "间接排放强度", "间接隐含排放强度", "SEE间接", "see (indirect)")),
    "source": ("数据来源", ("source", "数据来源", "来源", "data source")),
    "country": ("生产国", ("country", "生产国", "原产国", "country of production")),
    "supplier": ("供应商", ("supplier", "供应商", "供应商名称", "supplier name")),
}
_PERIOD = re.compile(r"(\d{4})(?:-(0[1-9]|1[0-2]))?")
_SEE_LIMIT = 100.0  # tCO2e/t: no CBAM good comes near it (hydrogen defaults are ≈ 27)


@dataclass(frozen=True, slots=True)
class GoodRow:
    """One row of the goods file: ``quantity_t`` in tonnes; ``row`` its spreadsheet row."""

    facility_id: str
    period: str
    cn: str
    quantity_t: float
    product_name: str
    file: str
    row: int


@dataclass(frozen=True, slots=True)
class PrecursorRow:
    """One row of the precursors file (``kind``: ``own``, ``supplier`` or ``default``)."""

    facility_id: str
    period: str
    cn: str
    quantity_t: float
    kind: str
    from_facility_id: str
    see_direct: float | None
    see_indirect: float | None
    source: str
    country: str
    supplier: str
    file: str
    row: int


def rows_of(path: Path, *, what: str, what_zh: str) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row, cells as text) of a .csv (UTF-8 or GB18030) or the first sheet of an .xlsx.

    Raises
    ------
    InputError
        No such file, too large, not .csv/.xlsx, or unreadable.
    ValidationFailed
        An .xlsx over the workbook limits (:func:`greenmfg.workbooks.check_xlsx`).
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file", f"{path}：文件不存在")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path.name}: the {what} file is {size / 1e6:.1f} MB, more than {MAX_FILE_BYTES / 1e6:.0f} MB",
                         f"{path.name}：{what_zh}文件 {size / 1e6:.1f} MB，超过 {MAX_FILE_BYTES / 1e6:.0f} MB 上限")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InputError(f"{path.name}: not UTF-8 or GB18030 text", f"{path.name}：文件编码无法识别（应为 UTF-8 或 GB18030）")
        if "\x00" in text:
            raise InputError(f"{path.name}: the file contains NUL characters (save it as CSV UTF-8)",
                             f"{path.name}：文件含有空字符（请另存为 CSV UTF-8）")
        yield from enumerate(csv.reader(io.StringIO(text)), start=1)
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        from greenmfg.workbooks import check_xlsx

        check_xlsx(path, file=path.name, max_uncompressed_bytes=8 * MAX_FILE_BYTES, max_rows=_MAX_ROWS)
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InputError(f"{path.name}: cannot read the workbook ({exc})", f"{path.name}：无法读取工作簿") from None
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, ["" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)) for v in values]
        finally:
            workbook.close()
    else:
        raise InputError(f"{path.name}: the {what} file must be .csv or .xlsx", f"{path.name}：{what_zh}文件须为 .csv 或 .xlsx")


def _header(cells: list[str], columns: Mapping[str, tuple[str, tuple[str, ...]]]) -> dict[str, int]:
    lookup = {normalize_name(s): column for column, (_zh, spellings) in columns.items() for s in spellings}
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = lookup.get(normalize_name(cell))
        if column and column not in found:
            found[column] = index
    return found


class _Collector:
    def __init__(self, locator: Locator) -> None:
        self.at = locator
        self.issues: list[Issue] = []
        self.total = 0

    def add(self, code: str, column: str, value: object, message: str, message_zh: str, fix: str, fix_zh: str,
            row: int) -> None:
        self.total += 1
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(self.at.finding(code, column, value, message, message_zh, fix, fix_zh, row=row))

    def raise_if_any(self) -> None:
        if self.total:
            raise ValidationFailed(self.issues, self.total)


def _name_zh(columns: Mapping[str, tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    return {c: zh for c, (zh, _s) in columns.items()}


def _quantity(issues: _Collector, cell: dict[str, str], row: int) -> float | None:
    text = cell.get("quantity", "").replace(",", "").strip()
    try:
        number = float(text)
    except ValueError:
        issues.add("bad_quantity", "quantity", text, f"'{text}' is not a number", f"'{text}' 不是数字",
                   "write the quantity as a number, e.g. 1200", "请填写数字，例如 1200", row)
        return None
    if not number > 0 or number != number or number == float("inf"):
        issues.add("bad_quantity", "quantity", text, "must be a number greater than 0", "必须为大于 0 的数字",
                   "write the tonnes produced or used", "请填写产量或用量（吨）", row)
        return None
    unit = cell.get("unit", "").strip() or "t"
    try:
        factor = conversion_factor(unit, "t")
    except (UnitError, ValueError):
        issues.add("bad_unit", "unit", unit, f"'{unit}' is not a unit of mass", f"'{unit}' 不是质量单位",
                   "write t (吨) or kg", "请填写 t（吨）或 kg", row)
        return None
    return number * factor


def _period(issues: _Collector, cell: dict[str, str], row: int) -> str | None:
    text = cell.get("period", "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not _PERIOD.fullmatch(text):
        issues.add("bad_period", "period", text, f"'{text}' is not a period (YYYY or YYYY-MM)",
                   f"'{text}' 不是有效期间（YYYY 或 YYYY-MM）", "write the year (2026) or the month (2026-03)",
                   "请填写年份（2026）或月份（2026-03）", row)
        return None
    return text


def _cn(issues: _Collector, rules: Rules, column: str, text: str, row: int) -> str | None:
    digits = cn_digits(text)
    if digits is None:
        issues.add("bad_cn_code", column, text, f"'{text}' is not a CN code (4, 6 or 8 digits, or a 10-digit TARIC code)",
                   f"'{text}' 不是有效的CN编码（4、6 或 8 位数字，或10位TARIC编码）", "write the CN code, e.g. 7208 51 20 or 2523 29 00",
                   "请填写CN编码，例如 7208 51 20 或 2523 29 00", row)
        return None
    good = rules.good(digits)
    if good is None or not good.in_scope:
        issues.add("not_cbam_good", column, text, f"{cn_display(digits)} is not a CBAM good (Reg. (EU) 2023/956 Annex I)",
                   f"{cn_display(digits)} 不属于CBAM货物（(EU) 2023/956 附件一）",
                   "leave out goods outside CBAM, or check the CN code", "请删去CBAM范围外的货物，或核对CN编码", row)
        return None
    if good.category == "electricity":
        issues.add("electricity_not_supported", column, text, "electricity as a CBAM good is not computed here",
                   "本工具不计算作为CBAM货物的电力", "report electricity exports separately", "请另行申报出口电力", row)
        return None
    return digits


def _open(path: Path, columns: Mapping[str, tuple[str, tuple[str, ...]]], required: tuple[str, ...], *, what: str,
          what_zh: str, prefix: str) -> tuple[_Collector, Iterator[tuple[int, list[str]]], dict[str, int]]:
    names = _name_zh(columns)
    locator = Locator(file=path.name, code_prefix=prefix, named=True, name_zh=lambda c: names.get(c, c))
    issues = _Collector(locator)
    rows = rows_of(path, what=what, what_zh=what_zh)
    first = next(rows, None)
    header = _header(first[1], columns) if first else {}
    missing = [c for c in required if c not in header]
    if missing:
        wanted = ", ".join(f"{c} ({names[c]})" for c in missing)
        raise ValidationFailed([locator.finding(
            "missing_column", ", ".join(missing), "", f"the header row lacks the column(s) {wanted}",
            f"表头缺少列：{wanted}", f"first row: {', '.join(required)}",
            f"第一行应为：{'、'.join(names[c] for c in required)}", row=1)], 1)
    return issues, rows, header


def read_goods(path: Path, rules: Rules) -> tuple[list[GoodRow], str]:
    """The goods file's rows and its SHA-256. All or nothing: any bad row raises ValidationFailed."""
    path = Path(path)
    required = ("facility_id", "period", "cn_code", "quantity", "unit")
    issues, rows, header = _open(path, GOODS_COLUMNS, required, what="goods", what_zh="产品",
                                 prefix="cbam.input.")
    out: list[GoodRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, cells in rows:
        cell = {c: (cells[i].strip() if i < len(cells) else "") for c, i in header.items()}
        if not any(cell.values()):
            continue
        facility = cell["facility_id"]
        if not facility:
            issues.add("missing", "facility_id", "", "is required", "必须填写", "write the production process's facility_id",
                       "请填写生产工序的设施编号", number)
        period = _period(issues, cell, number)
        cn = _cn(issues, rules, "cn_code", cell["cn_code"], number)
        quantity = _quantity(issues, cell, number)
        if not facility or period is None or cn is None or quantity is None:
            continue
        key = (facility, period, cn)
        if key in seen:
            issues.add("duplicate", "cn_code", cell["cn_code"], f"repeats row {seen[key]} (same facility, period and CN code)",
                       f"与第 {seen[key]} 行重复（设施、期间、CN编码相同）", "add the quantities up in one row",
                       "请合并为一行", number)
            continue
        seen[key] = number
        out.append(GoodRow(facility, period, cn, quantity, cell.get("product_name", ""), path.name, number))
    if not out and not issues.total:
        issues.add("empty", "cn_code", "", "the file lists no goods", "文件中没有产品", "add one row per good made",
                   "请按产品逐行填写", 2)
    issues.raise_if_any()
    return out, hashlib.sha256(path.read_bytes()).hexdigest()


def _see(issues: _Collector, cell: dict[str, str], column: str, row: int) -> float | None:
    text = cell.get(column, "").replace(",", "").strip()
    try:
        number = float(text)
    except ValueError:
        issues.add("bad_see", column, text, f"'{text}' is not a number [tCO2e/t]", f"'{text}' 不是数字 [tCO2e/t]",
                   "write the supplier's specific embedded emissions, e.g. 1.85", "请填写供应商提供的隐含排放强度，例如 1.85", row)
        return None
    if not 0 <= number <= _SEE_LIMIT:
        issues.add("bad_see", column, text, f"must lie between 0 and {_SEE_LIMIT:g} tCO2e/t",
                   f"须在 0 至 {_SEE_LIMIT:g} tCO2e/t 之间", "check the value and its unit (tCO2e per tonne)",
                   "请核对数值及单位（每吨 tCO2e）", row)
        return None
    return number


def read_precursors(path: Path, rules: Rules) -> tuple[list[PrecursorRow], str]:
    """The precursors file's rows and its SHA-256. All or nothing: any bad row raises ValidationFailed."""
    path = Path(path)
    required = ("facility_id", "period", "precursor_cn_code", "quantity", "unit")
    issues, rows, header = _open(path, PRECURSOR_COLUMNS, required, what="precursors", what_zh="前体",
                                 prefix="cbam.input.")
    out: list[PrecursorRow] = []
    for number, cells in rows:
        cell = {c: (cells[i].strip() if i < len(cells) else "") for c, i in header.items()}
        if not any(cell.values()):
            continue
        facility = cell["facility_id"]
        if not facility:
            issues.add("missing", "facility_id", "", "is required", "必须填写", "write the facility_id of the process using it",
                       "请填写使用该前体的工序设施编号", number)
        period = _period(issues, cell, number)
        cn = _cn(issues, rules, "precursor_cn_code", cell["precursor_cn_code"], number)
        quantity = _quantity(issues, cell, number)
        own = cell.get("from_facility_id", "")
        has_see = bool(cell.get("see_direct", "") or cell.get("see_indirect", ""))
        see_direct = see_indirect = None
        kind = "default"
        if own and has_see:
            issues.add("two_sources", "from_facility_id", own,
                       "gives both an own process (from_facility_id) and a supplier's values (see_direct, see_indirect)",
                       "同时填写了本厂来源工序和供应商排放强度", "keep one: from_facility_id for a precursor made here, "
                       "see_direct/see_indirect for a purchased one", "二者只能填一项：本厂生产的前体填来源设施编号，外购前体填排放强度", number)
        elif own:
            kind = "own"
            if own == facility:
                issues.add("self_precursor", "from_facility_id", own, "a process cannot be its own precursor's source",
                           "工序不能以自身作为前体来源", "name the process that made the precursor", "请填写生产该前体的工序", number)
        elif has_see:
            kind = "supplier"
            see_direct = _see(issues, cell, "see_direct", number)
            see_indirect = _see(issues, cell, "see_indirect", number) if cell.get("see_indirect", "") else 0.0
            if not cell.get("source", ""):
                issues.add("missing_source", "source", "", "a supplier's values need their source",
                           "供应商数据须注明来源", "name the supplier's communication (template, date, verifier)",
                           "请注明供应商数据来源（模板、日期、核查机构）", number)
        country = (cell.get("country", "") or "CN").upper()
        if facility and period is not None and cn is not None and quantity is not None:
            out.append(PrecursorRow(facility, period, cn, quantity, kind, own, see_direct, see_indirect,
                                    cell.get("source", ""), country, cell.get("supplier", ""), path.name, number))
    issues.raise_if_any()
    return out, hashlib.sha256(path.read_bytes()).hexdigest()
