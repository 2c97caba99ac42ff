"""The operator's communication to its EU customers in the layout of the Commission's template, and a
supplier's filled template read back as precursor data.

The Commission (DG TAXUD) publishes an Excel "CBAM Communication template for installations" whose
sheets are ``A_InstData`` (installation, production processes, purchased precursors), ``B_EmInst``
(source streams and emission sources), ``C_Emissions&Energy`` (installation emissions, fuel and
energy balance), ``D_Processes`` (activity levels and attributed emissions per process),
``E_PurchPrec`` (purchased precursors), ``Summary_Processes``, ``Summary_Products`` and
``Summary_Communication`` (always in English: installation details and, per product, CN code,
SEE direct/indirect/total, unit, share of default values, electricity factor and its source,
carbon price due). :func:`write_communication` writes a workbook with those sheets, filled from a
:class:`~greenmfg.cbam.models.CbamResult` (values, not formulas); the labels of the Commission's
``Summary_Communication`` are kept word for word so that a customer's tools find them, and each
table's header keys are kept as defined names ``greenmfg.<key>``. It is the layout, not the
Commission's file: the Commission's own workbook (formulas, code lists, guidance) stays the
reference. Fields the activity data cannot fill (address, UN/LOCODE, coordinates) are left empty and
marked "to be filled".

:func:`read_communication` reads the product table of ``Summary_Communication`` (or
``Summary_Products``) of a supplier's filled template, the Commission's or greenmfg's: one record
per CN code with SEE direct and indirect; every problem located at sheet and cell.

References
----------
Commission, "CBAM Communication template for installations" (xlsx, version of 13 Dec 2024; sheet list
and the labels of Summary_Communication as analysed in GordanVasilic/CBAMCalc ``ExcelAnalysis``);
IR (EU) 2025/2547 Annex IV (content of the operator's communication).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenmfg.errors import InputError, Issue, ValidationFailed
from greenmfg.exports import formula_like, name_cell
from greenmfg.findings import Locator

from .models import ELECTRICITY_RULES, CbamResult
from .output import CATEGORY_WORDS
from .rules import Rules, cn_digits, load_rules

__all__ = ["MAX_TEMPLATE_BYTES", "PRODUCT_HEADERS", "SHEETS", "SupplierRecord", "communication_name",
           "read_communication", "write_communication"]

SHEETS = ("A_InstData", "B_EmInst", "C_Emissions&Energy", "D_Processes", "E_PurchPrec", "Summary_Processes",
          "Summary_Products", "Summary_Communication")
#: the product table of Summary_Communication: key → the Commission's header, word for word
PRODUCT_HEADERS: tuple[tuple[str, str], ...] = (
    ("production_process", "Production process from which the products arise"),
    ("aggregated_good", "Type of aggregated good or precursor"),
    ("cn_code", "CN Codes"), ("cn_name", "CN Name"),
    ("product_name", "Product name (used for communication with reporting declarant, e.g. on invoices)"),
    ("see_direct", "SEE (direct)"), ("see_indirect", "SEE (indirect)"), ("see_total", "SEE (total)"),
    ("unit", "Unit"), ("default_share", "Share of emissions by default value"),
    ("electricity_ef_source", "Source for electricity EF"), ("embedded_electricity", "Embedded electricity (MWh/t)"),
    ("electricity_ef", "Electricity EF (tCO2/MWh)"),
    ("carbon_price_instrument", "Type of instrument (carbon pricing)"),
    ("carbon_price_share", "Share of total embedded emissions covered by the carbon price"),
    ("carbon_price_covered", "Embedded emissions covered by the carbon price"), ("currency", "Currency"),
    ("carbon_price_due", "Carbon price (CP) due (per produced t or MWh)"),
)
#: installation details of Summary_Communication: key → the Commission's label
INSTALLATION_LABELS: tuple[tuple[str, str], ...] = (
    ("installation_name", "Name of the installation (English name):"), ("street", "Street, Number:"),
    ("economic_activity", "Economic activity:"), ("country", "Country:"), ("unlocode", "UNLOCODE:"),
    ("latitude", "Coordinates of the main emission source (latitude):"),
    ("longitude", "Coordinates of the main emission source (longitude):"),
    ("period_start", "Reporting period start:"), ("period_end", "Reporting period end:"),
)
TO_FILL = "(to be filled by the operator / 由经营者填写)"
MAX_TEMPLATE_BYTES = 10 * 1024 * 1024
_MAX_UNCOMPRESSED = 200 * 1024 * 1024
_MAX_ROWS = 500_000
_SCAN_ROWS, _SCAN_COLUMNS = 400, 80


def _period_bounds(period: str) -> tuple[str, str]:
    year = int(period[:4])
    if len(period) == 4:
        return f"{year}-01-01", f"{year}-12-31"
    month = int(period[5:7])
    end = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).isoformat()
    return f"{year}-{month:02d}-01", end


def _table(sheet: Any, row: int, columns: Iterable[tuple[str, str]], rows: Iterable[Iterable[Any]]) -> int:
    """Write a header (each key a defined name of its cell) at ``row`` and the rows below it; returns
    the next free row."""
    columns = list(columns)
    for index, (key, words) in enumerate(columns, start=1):
        sheet.cell(row=row, column=index, value=words)
        name_cell(sheet, key, row, index)
    for values in rows:
        row += 1
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=index, value=value)
            if formula_like(value):  # text that a spreadsheet would run: kept as text (exports.py)
                cell.data_type = "s"
                cell.quotePrefix = True
    return row + 2


def write_communication(result: CbamResult, path: Path) -> None:
    """Write the operator's communication for the EU customer (.xlsx) in the Commission's layout."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    first = result.processes[0]
    periods = sorted({p.period for p in result.processes})
    start, _ = _period_bounds(periods[0])
    _, end = _period_bounds(periods[-1])
    installation = {
        "installation_name": first.enterprise_name or first.enterprise_id, "street": TO_FILL,
        "economic_activity": ", ".join(sorted({CATEGORY_WORDS.get(p.category, (p.category, p.category))[1]
                                               for p in result.processes})),
        "country": "CN (China)", "unlocode": TO_FILL, "latitude": TO_FILL, "longitude": TO_FILL,
        "period_start": start, "period_end": end,
    }
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets = {name: workbook.create_sheet(name) for name in SHEETS}

    # A_InstData: installation, production processes, purchased precursors
    sheet = sheets["A_InstData"]
    sheet["A1"], sheet["A1"].font = "A. Installation data / 装置数据", bold
    row = 3
    for key, label in INSTALLATION_LABELS:
        sheet.cell(row=row, column=1, value=label)
        sheet.cell(row=row, column=2, value=installation[key])
        name_cell(sheet, key, row, 2)
        row += 1
    sheet.cell(row=row, column=1, value="Operator identifier (enterprise id) / 企业编号")
    sheet.cell(row=row, column=2, value=first.enterprise_id)
    row += 2
    sheet.cell(row=row, column=1, value="Production processes / 生产工序").font = bold
    row = _table(sheet, row + 1, [("production_process", "Production process"),
                                  ("aggregated_good", "Aggregated goods category"), ("period", "Period")],
                 [(p.facility_id, CATEGORY_WORDS.get(p.category, (p.category, p.category))[1], p.period)
                  for p in result.processes])
    sheet.cell(row=row, column=1, value="Purchased precursors / 外购前体").font = bold
    purchased = [(p, d) for p in result.processes for d in p.precursors if d["kind"] != "own"]
    _table(sheet, row + 1, [("cn_code", "CN code"), ("aggregated_good", "Aggregated goods category"),
                            ("supplier", "Supplier / installation"), ("country", "Country of production")],
           [(d["cn_code"], CATEGORY_WORDS.get(d["category"], (d["category"],) * 2)[1], d.get("supplier") or "",
             d.get("country") or "CN") for _p, d in purchased])

    # B_EmInst: emission sources as accounted
    sheet = sheets["B_EmInst"]
    sheet["A1"], sheet["A1"].font = "B. Emission sources and source streams (from greenmfg account) / 排放源", bold
    _table(sheet, 3, [("production_process", "Production process"), ("period", "Period"),
                      ("combustion_t", "Combustion emissions (tCO2e)"), ("process_t", "Process emissions (tCO2e)"),
                      ("direct_t", "Direct emissions (tCO2e)")],
           [(p.facility_id, p.period, p.combustion_t, p.process_t, p.direct_t) for p in result.processes])

    # C_Emissions&Energy: installation totals
    sheet = sheets["C_Emissions&Energy"]
    sheet["A1"], sheet["A1"].font = "C. Emissions and energy balance of the installation / 装置排放与能源平衡", bold
    totals = (
        ("total_direct", "Total direct emissions (tCO2e)", sum(p.direct_t for p in result.processes)),
        ("heat_imported", "Measurable heat imported (tCO2e)", sum(p.heat_imported_t for p in result.processes)),
        ("heat_exported", "Measurable heat exported (tCO2e)", sum(p.heat_exported_t for p in result.processes)),
        ("electricity_exported", "Electricity exported (tCO2e)", sum(p.electricity_exported_t for p in result.processes)),
        ("electricity_consumed", "Electricity consumed (MWh)", sum(p.electricity_mwh for p in result.processes)),
        ("total_indirect", "Total indirect emissions (tCO2e)", sum(p.attributed_indirect_t for p in result.processes)),
    )
    for index, (key, label, value) in enumerate(totals, start=3):
        sheet.cell(row=index, column=1, value=label)
        sheet.cell(row=index, column=2, value=value)
        name_cell(sheet, key, index, 2)

    # D_Processes: attribution per process
    sheet = sheets["D_Processes"]
    sheet["A1"], sheet["A1"].font = "D. Emissions attributed to production processes / 工序归属排放", bold
    _table(sheet, 3, [("production_process", "Production process"), ("period", "Period"),
                      ("activity_level", "Activity level (t)"), ("direct_t", "Directly attributable emissions (tCO2e)"),
                      ("heat_imported", "Heat imported (tCO2e)"), ("heat_exported", "Heat exported (tCO2e)"),
                      ("electricity_exported", "Electricity exported (tCO2e)"),
                      ("attributed_direct", "Attributed direct emissions (tCO2e)"),
                      ("electricity_consumed", "Electricity consumed (MWh)"),
                      ("electricity_ef", "Electricity EF (tCO2/MWh)"), ("electricity_ef_source", "Source for electricity EF"),
                      ("attributed_indirect", "Attributed indirect emissions (tCO2e)")],
           [(p.facility_id, p.period, p.activity_level_t, p.direct_t, p.heat_imported_t, p.heat_exported_t,
             p.electricity_exported_t, p.attributed_direct_t, p.electricity_mwh, p.electricity_ef,
             f"{ELECTRICITY_RULES[p.electricity_rule][0]}: {p.electricity_source}", p.attributed_indirect_t)
            for p in result.processes])

    # E_PurchPrec: precursors with their values
    sheet = sheets["E_PurchPrec"]
    sheet["A1"], sheet["A1"].font = "E. Precursors used / 前体", bold
    _table(sheet, 3, [("production_process", "Used in production process"), ("cn_code", "CN code"),
                      ("mass_t", "Mass used (t)"), ("origin", "Origin (own process, supplier, default)"),
                      ("see_direct", "SEE (direct)"), ("see_indirect", "SEE (indirect)"), ("source", "Source")],
           [(p.facility_id, d["cn_code"], d["mass_t"],
             {"own": f"own process {d.get('from_facility_id', '')}", "supplier": "supplier's communication",
              "default": "default value"}[d["kind"]],
             p_see(result, d)[0], p_see(result, d)[1], d.get("source") or d.get("from_facility_id") or "")
            for p in result.processes for d in p.precursors])

    # Summary_Processes
    sheet = sheets["Summary_Processes"]
    sheet["A1"], sheet["A1"].font = "Summary of production processes", bold
    _table(sheet, 3, [("production_process", "Production process"), ("aggregated_good", "Aggregated goods category"),
                      ("activity_level", "Activity level (t)"), ("attributed_direct", "Attributed direct emissions (tCO2e)"),
                      ("attributed_indirect", "Attributed indirect emissions (tCO2e)"), ("see_direct", "SEE (direct)"),
                      ("see_indirect", "SEE (indirect)")],
           [(p.facility_id, CATEGORY_WORDS.get(p.category, (p.category,) * 2)[1], p.activity_level_t,
             p.attributed_direct_t, p.attributed_indirect_t, p.see.direct if p.see else None,
             p.see.indirect if p.see else None) for p in result.processes])

    product_rows = [_product_row(result, g) for g in result.goods]
    sheet = sheets["Summary_Products"]
    sheet["A1"], sheet["A1"].font = "Summary of products", bold
    _table(sheet, 3, PRODUCT_HEADERS, product_rows)

    # Summary_Communication: section 1 installation, section 2 products (English only, as the Commission's)
    sheet = sheets["Summary_Communication"]
    sheet["A1"], sheet["A1"].font = "Communication with reporting declarants", bold
    sheet["A3"], sheet["A3"].font = "1 Installation details", bold
    row = 4
    for key, label in INSTALLATION_LABELS:
        sheet.cell(row=row, column=1, value=label)
        sheet.cell(row=row, column=2, value=installation[key])
        name_cell(sheet, f"inst_{key}", row, 2)
        row += 1
    for key, label, value in (
            ("total_direct", "Total direct emissions during reporting period:", sum(p.direct_t for p in result.processes)),
            ("total_indirect", "Total indirect emissions during reporting period:",
             sum(p.attributed_indirect_t for p in result.processes))):
        sheet.cell(row=row, column=1, value=label)
        sheet.cell(row=row, column=2, value=value)
        name_cell(sheet, key, row, 2)
        row += 1
    sheet.cell(row=row, column=1, value="Total emissions during reporting period:")
    sheet.cell(row=row, column=2, value=sum(p.direct_t + p.attributed_indirect_t for p in result.processes))
    name_cell(sheet, "total_emissions", row, 2)
    row += 2
    sheet.cell(row=row, column=1, value="2 Summary of products").font = bold
    _table(sheet, row + 1, PRODUCT_HEADERS, product_rows)
    for worksheet in sheets.values():
        worksheet.column_dimensions["A"].width = 48
        for letter in "BCDEFGHIJKL":
            worksheet.column_dimensions[letter].width = 20
    workbook.save(path)


def p_see(result: CbamResult, precursor: dict[str, Any]) -> tuple[float | None, float | None]:
    """SEE direct and indirect of a precursor as used (an own process's computed SEE)."""
    if precursor["kind"] == "own":
        source = next((p for p in result.processes if p.facility_id == precursor.get("from_facility_id")), None)
        if source is not None and source.see is not None:
            return source.see.direct, source.see.indirect
        return None, None
    return precursor.get("see_direct"), precursor.get("see_indirect")


def _product_row(result: CbamResult, good: Any) -> list[Any]:
    process = result.process(good.facility_id, good.period)
    embedded_electricity = process.electricity_mwh / process.activity_level_t if process.activity_level_t else None
    options = result.options
    priced = options.carbon_price_cny_per_t is not None
    return [good.facility_id, CATEGORY_WORDS.get(good.category, (good.category,) * 2)[1], good.cn_code, good.name_en,
            good.product_name or good.name_en, good.see_direct, good.see_indirect, good.see_total, "t",
            good.default_share,
            f"{ELECTRICITY_RULES[process.electricity_rule][0]}: {process.electricity_source}".strip(": "),
            embedded_electricity, process.electricity_ef,
            "China national ETS (全国碳排放权交易市场)" if priced else "",
            options.carbon_price_share if priced else None,
            good.see_counted * options.carbon_price_share if priced else None,
            "CNY" if priced else "",
            (options.carbon_price_cny_per_t or 0.0) * good.see_counted * options.carbon_price_share if priced else None]


# --- reading a supplier's filled template ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SupplierRecord:
    """A supplier's communicated SEE of one CN code [tCO2e/t], with where it was read."""

    cn: str
    see_direct: float
    see_indirect: float
    installation: str
    file: str
    sheet: str
    cell: str

    @property
    def source(self) -> str:
        return f"CBAM communication template {self.file}, sheet {self.sheet}, {self.cell}" + (
            f" ({self.installation})" if self.installation else "")


def _norm(value: object) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split()) if value is not None else ""


def read_communication(path: Path, rules: Rules | None = None) -> list[SupplierRecord]:
    """A supplier's filled CBAM communication template (.xlsx) as SEE per CN code.

    Reads the product table of ``Summary_Communication`` (else ``Summary_Products``): the header row
    with "CN Codes", "SEE (direct)" and "SEE (indirect)", the rows below it until the first row
    without a CN code. The installation's name is read beside "Name of the installation".

    Raises
    ------
    InputError
        No such file, larger than :data:`MAX_TEMPLATE_BYTES`, not an .xlsx, or unreadable.
    ValidationFailed
        No product table, or a bad CN code or SEE (located at sheet and cell).
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from greenmfg.workbooks import check_xlsx, is_zip

    rules = rules or load_rules()
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file", f"{path}：文件不存在")
    size = path.stat().st_size
    if size > MAX_TEMPLATE_BYTES:
        raise InputError(f"{path.name}: {size / 1e6:.1f} MB is more than the {MAX_TEMPLATE_BYTES / 1e6:.0f} MB a "
                         "communication template may have", f"{path.name}：{size / 1e6:.1f} MB，超过通报模板 "
                         f"{MAX_TEMPLATE_BYTES / 1e6:.0f} MB 上限")
    with path.open("rb") as handle:
        if not is_zip(handle.read(4)):
            raise InputError(f"{path.name}: not an .xlsx workbook", f"{path.name}：不是 .xlsx 工作簿")
    check_xlsx(path, file=path.name, max_uncompressed_bytes=_MAX_UNCOMPRESSED, max_rows=_MAX_ROWS)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(f"{path.name}: cannot read the workbook ({exc})", f"{path.name}：无法读取工作簿") from None
    try:
        names = [n for n in ("Summary_Communication", "Summary_Products") if n in workbook.sheetnames]
        at = Locator(file=path.name, code_prefix="cbam.template.")
        if not names:
            raise ValidationFailed([at.finding(
                "no_summary", "", "", "the workbook has no sheet Summary_Communication or Summary_Products",
                "工作簿中没有 Summary_Communication 或 Summary_Products 工作表",
                "send the supplier's filled CBAM communication template", "请提供供应商填写的CBAM通报模板")], 1)
        for name in names:
            grid = [list(r) for r in workbook[name].iter_rows(min_row=1, max_row=_SCAN_ROWS, max_col=_SCAN_COLUMNS,
                                                              values_only=True)]
            records = _records(grid, name, path.name, rules, at, get_column_letter)
            if records is not None:
                return records
        raise ValidationFailed([at.finding(
            "no_product_table", "CN Codes", "", "no product table (a row headed 'CN Codes', 'SEE (direct)', "
            "'SEE (indirect)') was found", "未找到产品表（含 CN Codes、SEE (direct)、SEE (indirect) 的表头行）",
            "keep the template's Summary_Communication sheet as the Commission made it",
            "请保持委员会模板 Summary_Communication 工作表的原样", sheet=names[0])], 1)
    finally:
        workbook.close()


def _records(grid: list[list[Any]], sheet: str, file: str, rules: Rules, at: Locator,
             letter: Any) -> list[SupplierRecord] | None:
    installation = ""
    for cells in grid:
        for index, value in enumerate(cells):
            if _norm(value).startswith("name of the installation"):
                installation = next((str(v).strip() for v in cells[index + 1:] if v not in (None, "")), "")
                break
        if installation:
            break
    for number, cells in enumerate(grid, start=1):
        texts = [_norm(v) for v in cells]
        if not any(t.startswith("cn code") for t in texts):
            continue
        columns = {"cn": next(i for i, t in enumerate(texts) if t.startswith("cn code"))}
        for key, label in (("direct", "see (direct)"), ("indirect", "see (indirect)")):
            if label in texts:
                columns[key] = texts.index(label)
        if len(columns) < 3:
            continue
        issues: list[Issue] = []
        records: list[SupplierRecord] = []
        for row_number in range(number + 1, len(grid) + 1):
            row = grid[row_number - 1]

            def cell(key: str, row: list[Any] = row, columns: dict[str, int] = columns) -> Any:
                index = columns[key]
                return row[index] if index < len(row) else None

            raw_cn = cell("cn")
            if raw_cn in (None, ""):
                break
            place = f"{letter(columns['cn'] + 1)}{row_number}"
            digits = cn_digits(raw_cn)
            good = rules.good(digits) if digits else None
            if digits is None or good is None or not good.in_scope:
                issues.append(at.finding("bad_cn_code", "CN Codes", raw_cn, f"'{raw_cn}' is not a CN code of a CBAM good",
                                         f"'{raw_cn}' 不是CBAM货物的CN编码", "write the 8-digit CN code of the good",
                                         "请填写货物的8位CN编码", sheet=sheet, row=row_number, cell=place))
                continue
            values: dict[str, float] = {}
            for key in ("direct", "indirect"):
                raw = cell(key)
                ref = f"{letter(columns[key] + 1)}{row_number}"
                try:
                    number_value = float(raw) if raw not in (None, "") else (0.0 if key == "indirect" else float("nan"))
                except (TypeError, ValueError):
                    number_value = float("nan")
                if not 0.0 <= number_value <= 100.0:
                    issues.append(at.finding(
                        "bad_see", f"SEE ({key})", raw, f"'{raw}' is not a specific embedded emission [tCO2e/t]",
                        f"'{raw}' 不是有效的隐含排放强度 [tCO2e/t]", "a number between 0 and 100 tCO2e per tonne",
                        "应为 0 至 100 之间的数字（每吨 tCO2e）", sheet=sheet, row=row_number, cell=ref))
                    continue
                values[key] = number_value
            if len(values) == 2:
                records.append(SupplierRecord(digits, values["direct"], values["indirect"], installation, file, sheet,
                                              place))
        if issues:
            raise ValidationFailed(issues, len(issues))
        if not records:
            raise ValidationFailed([at.finding(
                "empty_product_table", "CN Codes", "", "the product table lists no product",
                "产品表中没有产品", "the supplier fills one row per product", "供应商须逐行填写产品",
                sheet=sheet, row=number + 1)], 1)
        return records
    return None


def communication_name(record: SupplierRecord) -> str:
    """How a precursors row names a supplier's template: its installation or its file name."""
    return record.installation or record.file
