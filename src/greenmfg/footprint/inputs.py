"""The products file and the upstream file of a footprint: read, checked, located.

Both are sheets (.csv or .xlsx, first sheet) with a header row, read by :mod:`greenmfg.sheets`; columns
are known by their English key, their Chinese header or a few synonyms. Every problem is a located finding
in English and Chinese (:mod:`greenmfg.findings`): file, sheet, row, column, the value, what is wrong and
how to fix it. Nothing is computed when any row is bad (the service raises
:class:`~greenmfg.errors.ValidationFailed`).
"""

from __future__ import annotations

from dataclasses import dataclass

from greenmfg.errors import Finding
from greenmfg.sheets import Column, RowChecker, Sheet

__all__ = ["CODE_PREFIX", "PRODUCT_COLUMNS", "UPSTREAM_COLUMNS", "ProductRow", "UpstreamRow", "check_products",
           "check_upstream"]

#: the domain of the findings' codes
CODE_PREFIX = "footprint.input."

PRODUCT_COLUMNS: tuple[Column, ...] = (
    Column("enterprise_id", "企业编号", False, "the enterprise, as in the activity data (needed only when two "
           "enterprises have a facility of the same code)", "企业编号，与活动数据一致（仅当不同企业有同名设施时需要）",
           ("统一社会信用代码", "enterprise")),
    Column("facility_id", "设施编号", True, "the facility, as in the activity data", "设施编号，与活动数据一致",
           ("设施", "生产线", "facility")),
    Column("period", "期间", True, "YYYY or YYYY-MM, as in the activity data", "YYYY 或 YYYY-MM，与活动数据一致",
           ("核算期", "月份", "年份", "month", "year")),
    Column("product", "产品", True, "the product (粗钢, 电解铝, 水泥 …) or a co-product (高炉渣 …)",
           "产品名称（粗钢、电解铝、水泥……）或副产品（高炉渣……）", ("产品名称", "品种", "item")),
    Column("quantity", "数量", True, "output, a number > 0", "产量，大于 0 的数字", ("产量", "amount", "output")),
    Column("unit", "单位", True, "unit of the quantity: t, 吨, kg, 万吨 …", "数量的单位：t、吨、kg、万吨……",
           ("计量单位", "uom")),
    Column("price", "单价", False, "price per unit of the quantity, one currency for all products (economic "
           "allocation)", "每单位数量的价格，所有产品同一币种（经济价值分配时需要）", ("价格", "售价", "unit price")),
    Column("route", "工艺路线", False, "steel only: bf_bof (高炉-转炉) or eaf (电炉)", "仅钢铁：高炉-转炉 或 电炉",
           ("路线", "工艺")),
)

UPSTREAM_COLUMNS: tuple[Column, ...] = (
    Column("enterprise_id", "企业编号", False, "the enterprise, as in the activity data (needed only when two "
           "enterprises have a facility of the same code)", "企业编号，与活动数据一致（仅当不同企业有同名设施时需要）",
           ("统一社会信用代码", "enterprise")),
    Column("facility_id", "设施编号", True, "the facility, as in the activity data", "设施编号，与活动数据一致",
           ("设施", "生产线", "facility")),
    Column("period", "期间", True, "YYYY or YYYY-MM, as in the activity data", "YYYY 或 YYYY-MM，与活动数据一致",
           ("核算期", "月份", "年份", "month", "year")),
    Column("material", "物料", True, "purchased material or fuel (铁矿石, 氧化铝, 焦炭 …)",
           "外购原材料或燃料名称（铁矿石、氧化铝、焦炭……）", ("物料名称", "原料", "原材料", "品种", "item")),
    Column("quantity", "数量", True, "quantity purchased and used, a number ≥ 0", "外购并使用的数量，≥ 0 的数字",
           ("用量", "消耗量", "amount")),
    Column("unit", "单位", True, "unit of the quantity: t, 吨, 10^4 Nm3 …", "数量的单位：t、吨、万立方米……",
           ("计量单位", "uom")),
    Column("factor", "排放因子", False, "the supplier's cradle-to-gate factor (optional; replaces the database's)",
           "供应商提供的从摇篮到大门排放因子（可选，替代数据库因子）", ("碳足迹因子", "供应商因子", "supplier factor")),
    Column("factor_unit", "因子单位", False, "unit of the factor: tCO2e/t, kgCO2e/kg …", "因子单位：tCO2e/t、kgCO2e/kg……",
           ("排放因子单位",)),
    Column("factor_source", "因子来源", False, "where the supplier's factor comes from (an EPD, a verified report …)",
           "供应商因子的来源（环境产品声明、经核查的报告……）", ("来源", "数据来源", "source")),
)


@dataclass(frozen=True, slots=True)
class ProductRow:
    file: str
    row: int
    enterprise_id: str | None
    facility_id: str
    period: str
    product_text: str
    quantity: float
    unit: str
    price: float | None
    route: str | None


@dataclass(frozen=True, slots=True)
class UpstreamRow:
    file: str
    row: int
    enterprise_id: str | None
    facility_id: str
    period: str
    material_text: str
    quantity: float
    unit: str
    factor: float | None
    factor_unit: str | None
    factor_source: str | None


def check_products(sheet: Sheet, issues: list[Finding]) -> list[ProductRow]:
    """Typed rows of a products sheet; each bad cell a located finding in ``issues``."""
    check = RowChecker(sheet, PRODUCT_COLUMNS, issues, code_prefix=CODE_PREFIX)
    out: list[ProductRow] = []
    for row, cells in check.rows():
        before = len(issues)
        facility = check.required(row, cells, "facility_id")
        period = check.period(row, cells)
        product = check.required(row, cells, "product")
        quantity = check.number(row, cells, "quantity", positive=True)
        unit = check.unit(row, cells, "unit")
        price = check.number(row, cells, "price", positive=False, required=False)
        if len(issues) > before or None in (facility, period, product, quantity, unit):
            continue
        assert facility and period and product and quantity is not None and unit
        out.append(ProductRow(sheet.name, row, cells.get("enterprise_id") or None, facility, period, product,
                              quantity, unit, price, cells.get("route") or None))
    return out


def check_upstream(sheet: Sheet, issues: list[Finding]) -> list[UpstreamRow]:
    """Typed rows of an upstream sheet; each bad cell a located finding in ``issues``."""
    check = RowChecker(sheet, UPSTREAM_COLUMNS, issues, code_prefix=CODE_PREFIX)
    out: list[UpstreamRow] = []
    for row, cells in check.rows():
        before = len(issues)
        facility = check.required(row, cells, "facility_id")
        period = check.period(row, cells)
        material = check.required(row, cells, "material")
        quantity = check.number(row, cells, "quantity", positive=False)
        unit = check.unit(row, cells, "unit")
        factor = check.number(row, cells, "factor", positive=False, required=False)
        factor_unit = check.unit(row, cells, "factor_unit", required=False)
        source = cells.get("factor_source") or None
        if factor is not None:
            if not cells.get("factor_unit"):
                check.add(row, "factor_unit", "", "factor_without_unit", "a supplier factor needs its unit",
                          "供应商因子须填写因子单位", "fill in factor_unit, e.g. tCO2e/t", "请填写因子单位，如 tCO2e/t")
            if not source:
                check.add(row, "factor_source", "", "factor_without_source", "a supplier factor needs its source",
                          "供应商因子须注明来源", "name the document the factor comes from (an EPD, a verified report)",
                          "请注明因子来源（环境产品声明、经核查的报告等）")
        elif cells.get("factor_unit") or source:
            check.add(row, "factor", "", "unit_without_factor", "a factor unit or source is given but no factor",
                      "填写了因子单位或来源，但没有因子数值", "fill in the factor or clear its unit and source",
                      "请填写因子数值，或删除因子单位和来源")
        if len(issues) > before or None in (facility, period, material, quantity, unit):
            continue
        assert facility and period and material and quantity is not None and unit
        out.append(UpstreamRow(sheet.name, row, cells.get("enterprise_id") or None, facility, period, material,
                               quantity, unit, factor, factor_unit, source))
    return out
