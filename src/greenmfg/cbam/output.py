"""Render a CBAM result: the workbook (headers in words in Chinese or English, each column's key kept
as the defined name ``greenmfg.<key>``) and the words of the command line's table. The JSON document
is :meth:`greenmfg.cbam.models.CbamResult.to_document`; the EU communication template is
:mod:`greenmfg.cbam.communication`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from greenmfg.exports import append_row, header_row

from .models import ELECTRICITY_RULES, CbamResult

__all__ = ["GOOD_COLUMNS", "WORDS", "word", "write_xlsx"]

#: column key → (Chinese, English)
WORDS: dict[str, tuple[str, str]] = {
    "facility_id": ("生产工序（设施编号）", "Production process (facility)"), "period": ("期间", "Period"),
    "cn_code": ("CN编码", "CN code"), "product_name": ("产品名称", "Product name"),
    "good_name": ("货物", "Good"), "category": ("汇总货物类别", "Aggregated goods category"),
    "quantity_t": ("产量（吨）", "Quantity made (t)"),
    "see_direct": ("直接隐含排放强度 SEE（tCO2e/t）", "SEE direct (tCO2e/t)"),
    "see_indirect": ("间接隐含排放强度 SEE（tCO2e/t）", "SEE indirect (tCO2e/t)"),
    "see_counted": ("计入CBAM的隐含排放强度（tCO2e/t）", "SEE counted for CBAM (tCO2e/t)"),
    "indirect_counts": ("间接排放是否计入", "Indirect emissions count"),
    "embedded_t": ("隐含排放量（tCO2e）", "Embedded emissions (tCO2e)"),
    "default_total": ("中国缺省值（tCO2e/t）", "China default value (tCO2e/t)"),
    "markup": ("缺省值加成", "Mark-up"), "default_with_markup": ("加成后缺省值（tCO2e/t）", "Default with mark-up (tCO2e/t)"),
    "difference_t_per_t": ("与缺省值之差（tCO2e/t）", "Difference to the default (tCO2e/t)"),
    "difference_t": ("与缺省值之差（tCO2e）", "Difference to the default (tCO2e)"),
    "default_share": ("来自缺省值的排放比例", "Share of emissions from default values"),
    "free_allocation_t": ("免费配额调整（tCO2e）", "Free-allocation adjustment (tCO2e)"),
    "carbon_price_deduction_eur": ("已支付碳价扣减（欧元）", "Carbon price paid, deducted (EUR)"),
    "certificates_t": ("应缴CBAM证书（吨）", "CBAM certificates (t)"),
    "certificate_price_eur": ("证书价格（欧元/吨）", "Certificate price (EUR/t)"),
    "cost_eur": ("估算费用（欧元）", "Estimated cost (EUR)"),
    "default_cost_eur": ("按缺省值的估算费用（欧元）", "Estimated cost on default values (EUR)"),
    "derivation": ("计算过程", "Derivation"),
    "activity_level_t": ("活动水平（吨）", "Activity level (t)"),
    "direct_t": ("直接排放（tCO2e）", "Direct emissions (tCO2e)"),
    "heat_imported_t": ("外购热力排放（tCO2e）", "Heat imported (tCO2e)"),
    "heat_exported_t": ("输出热力排放（tCO2e）", "Heat exported (tCO2e)"),
    "electricity_exported_t": ("输出电力排放（tCO2e）", "Electricity exported (tCO2e)"),
    "attributed_direct_t": ("归属直接排放（tCO2e）", "Attributed direct emissions (tCO2e)"),
    "electricity_mwh": ("消耗电力（MWh）", "Electricity consumed (MWh)"),
    "electricity_ef": ("电力排放因子（tCO2/MWh）", "Electricity emission factor (tCO2/MWh)"),
    "electricity_rule": ("电力因子来源", "Electricity factor from"),
    "attributed_indirect_t": ("归属间接排放（tCO2e）", "Attributed indirect emissions (tCO2e)"),
    "precursors": ("前体", "Precursors"),
    "severity": ("级别", "Severity"), "code": ("代码", "Code"), "message": ("说明", "Message"), "fix": ("处理建议", "Fix"),
    "file": ("文件", "File"), "row": ("行号", "Row"), "column": ("列", "Column"), "value": ("值", "Value"),
}
GOOD_COLUMNS = ("facility_id", "period", "cn_code", "good_name", "product_name", "quantity_t", "see_direct",
                "see_indirect", "indirect_counts", "see_counted", "embedded_t", "default_total", "markup",
                "default_with_markup", "difference_t_per_t", "difference_t", "default_share", "free_allocation_t",
                "carbon_price_deduction_eur", "certificates_t", "certificate_price_eur", "cost_eur", "default_cost_eur",
                "derivation")
_PROCESS_COLUMNS = ("facility_id", "period", "category", "activity_level_t", "direct_t", "heat_imported_t",
                    "heat_exported_t", "electricity_exported_t", "attributed_direct_t", "electricity_mwh",
                    "electricity_ef", "electricity_rule", "attributed_indirect_t", "see_direct", "see_indirect",
                    "precursors", "derivation")
_SEVERITY = {"warning": ("警告", "warning"), "info": ("提示", "information"), "error": ("错误", "error")}
#: aggregated goods categories in words (Chinese, English)
CATEGORY_WORDS: dict[str, tuple[str, str]] = {
    "calcined_clay": ("煅烧黏土", "calcined clay"), "cement_clinker": ("水泥熟料", "cement clinker"),
    "cement": ("水泥", "cement"), "aluminous_cement": ("高铝水泥", "aluminous cement"),
    "nitric_acid": ("硝酸", "nitric acid"), "ammonia": ("氨", "ammonia"), "urea": ("尿素", "urea"),
    "mixed_fertilisers": ("混合肥料", "mixed fertilisers"), "sintered_ore": ("烧结矿", "sintered ore"),
    "pig_iron": ("生铁", "pig iron"), "femn": ("锰铁", "ferro-manganese"), "fecr": ("铬铁", "ferro-chromium"),
    "feni": ("镍铁", "ferro-nickel"), "dri": ("直接还原铁", "direct reduced iron"), "crude_steel": ("粗钢", "crude steel"),
    "iron_steel_products": ("钢铁产品", "iron or steel products"),
    "unwrought_aluminium": ("未锻轧铝", "unwrought aluminium"), "aluminium_products": ("铝产品", "aluminium products"),
    "hydrogen": ("氢", "hydrogen"), "electricity": ("电力", "electricity"),
}


def word(key: str, zh: bool, words: dict[str, tuple[str, str]] = WORDS) -> str:
    pair = words.get(key)
    return key if pair is None else pair[0 if zh else 1]


def _yes(value: bool, zh: bool) -> str:
    return ("是" if zh else "yes") if value else ("否" if zh else "no")


def write_xlsx(result: CbamResult, path: Path, *, lang: str = "zh-CN") -> None:
    """The result as a workbook: goods, production processes, findings; headers in words in ``lang``."""
    from openpyxl import Workbook

    zh = lang != "en"
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet = workbook.create_sheet("货物" if zh else "Goods")
    header_row(sheet, [(k, word(k, zh)) for k in GOOD_COLUMNS])
    for g in result.goods:
        values: dict[str, Any] = {**g.to_document(), "good_name": g.name_zh if zh else g.name_en,
                                  "indirect_counts": _yes(g.indirect_counts, zh), "derivation": "\n".join(g.derivation)}
        append_row(sheet, [values.get(k) for k in GOOD_COLUMNS])
    sheet = workbook.create_sheet("生产工序" if zh else "Production processes")
    header_row(sheet, [(k, word(k, zh)) for k in _PROCESS_COLUMNS])
    for p in result.processes:
        assert p.see is not None
        precursors = "; ".join(
            f"{d['cn_code']} {d['mass_t']:.6g} t "
            + (f"← {d['from_facility_id']}" if d["kind"] == "own" else
               f"SEE {d.get('see_direct')}/{d.get('see_indirect')} ({d.get('source', '')})") for d in p.precursors)
        values = {**p.to_document(), "category": word(p.category, zh, CATEGORY_WORDS),
                  "electricity_rule": ELECTRICITY_RULES[p.electricity_rule][0 if not zh else 1],
                  "see_direct": p.see.direct, "see_indirect": p.see.indirect, "precursors": precursors,
                  "derivation": "\n".join(p.derivation)}
        append_row(sheet, [values.get(k) for k in _PROCESS_COLUMNS])
    sheet = workbook.create_sheet("提示" if zh else "Findings")
    columns = ("severity", "code", "message", "fix", "file", "row", "column", "value")
    header_row(sheet, [(k, word(k, zh)) for k in columns])
    for f in result.findings:
        append_row(sheet, [word(f.severity, zh, _SEVERITY), f.code, f.message_zh if zh else f.message,
                           f.fix_zh if zh else f.fix, f.file, f.row, f.column, f.value])
    workbook.save(path)
