"""The activity-data template: its columns, headers in Chinese and English, and their meaning.

One place defines the template; the reader, the validator, the blank-template writer and the
demo generator all use it. Each column has a key (``enterprise_id``: the defined name
``greenmfg.<key>`` of its header cell in the .xlsx template) and its words in Chinese
(``header_zh``: 企业编号) and English (``header_en``: Enterprise ID), the headers of the Chinese and
the English template. Besides those three a column is recognised under the headers energy managers
write (``aliases``: 统一社会信用代码, 单位名称, 设施代码, 用量 …), each spelling naming one column only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from greenmfg.refdata.vocabulary import normalize_name

__all__ = ["COLUMNS", "LABELS_EN", "REQUIRED_COLUMNS", "TemplateColumn", "canonical_column", "column_letter",
           "header_zh", "is_own_header"]


@dataclass(frozen=True, slots=True)
class TemplateColumn:
    name: str
    header_zh: str
    header_en: str
    required: bool
    help_en: str
    help_zh: str
    example: str
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn("enterprise_id", "企业编号", "Enterprise ID", True,
                   "Your identifier of the enterprise (legal person), e.g. the unified social credit code.",
                   "企业（法人）编号，如统一社会信用代码。", "91320500MA1XXXXX0A",
                   ("企业代码", "统一社会信用代码", "社会信用代码", "信用代码", "组织机构代码", "单位代码",
                    "单位编号", "企业ID", "enterprise code", "company id", "company code", "credit code")),
    TemplateColumn("enterprise_name", "企业名称", "Enterprise name", False, "Enterprise name.", "企业名称。", "苏州示例钢铁有限公司",
                   ("单位名称", "企业全称", "公司名称", "用能单位名称", "重点用能单位名称", "enterprise name",
                    "company name")),
    TemplateColumn("industry", "行业", "Industry", True,
                   "Industry by name, English or Chinese: iron and steel, cement, flat glass, electrolytic aluminium, chemicals …",
                   "所属行业：钢铁、水泥、平板玻璃、电解铝、化工……", "钢铁",
                   ("所属行业", "行业类别", "行业名称", "行业分类", "所属行业类别", "sector", "industry sector")),
    TemplateColumn("region", "地区", "Region", True,
                   "Province: GB/T 2260 code (320000) or name (江苏). Selects regional/provincial grid factors.",
                   "所在省份：GB/T 2260 行政区划代码（如 320000）或名称（如 江苏）。", "320000",
                   ("省份", "行政区划代码", "地区代码", "省级行政区划代码", "省", "所在省份", "所在地区", "所属地区",
                    "省份代码", "所在省", "province", "province code", "region code")),
    TemplateColumn("facility_id", "设施编号", "Facility ID", True,
                   "Facility (plant, production line or process unit) within the enterprise.",
                   "企业内的设施（厂区、生产线或工序）编号。", "BF-BOF-1",
                   ("设施", "生产线编号", "设施代码", "设施ID", "生产线", "生产线代码", "产线编号", "装置编号",
                    "装置代码", "facility", "facility code", "plant id", "line id")),
    TemplateColumn("period", "期间", "Period", True, "Reporting period: YYYY or YYYY-MM.",
                   "核算期间：YYYY 或 YYYY-MM。", "2024-01",
                   ("核算期", "月份", "年份", "核算期间", "统计期", "统计期间", "报告期", "统计月份", "年月",
                    "所属期", "reporting period", "month", "year")),
    TemplateColumn("item", "品种", "Item", True,
                   "Energy carrier, material or product, Chinese or English name (原煤, natural gas, 电力, 熟料…).",
                   "能源品种、物料或产品的中文或英文名称（原煤、天然气、电力、熟料……）。", "原煤",
                   ("项目", "能源品种", "物料", "名称", "品种名称", "能源名称", "能源种类", "能源类型", "能源品种名称",
                    "物料名称", "燃料品种", "燃料名称", "介质名称", "energy carrier", "energy type", "fuel",
                    "material", "item name")),
    TemplateColumn("quantity", "数量", "Quantity", True, "Physical quantity, a number ≥ 0 in the unit of the next column.",
                   "实物量，≥ 0 的数字，单位见下一列。", "1200",
                   ("实物量", "用量", "消耗量", "消费量", "使用量", "实物消耗量", "数值", "amount", "qty")),
    TemplateColumn("unit", "单位", "Unit", True, "Unit: t, 吨, kWh, 万千瓦时, 10^4 Nm3, 万立方米, GJ, 吉焦, 重量箱 …",
                   "计量单位：t、吨、kWh、万千瓦时、10^4 Nm3、万立方米、GJ、吉焦、重量箱……", "吨",
                   ("计量单位", "实物量单位", "数量单位", "实物单位", "uom", "unit of measure")),
    TemplateColumn("flow", "流向", "Flow", True,
                   "consumed (used as energy), feedstock (used as raw material), process (process input such as "
                   "limestone or anodes), produced (product output), purchased (bought from outside: electricity, "
                   "heat), exported (supplied outside the boundary).",
                   "消耗（作为能源使用）、原料（作为原料使用）、工艺（工业过程投入，如石灰石、阳极）、产出（产品产量）、"
                   "外购（外购电力、热力等）、输出（向边界外供出）。", "消耗",
                   ("用途", "类别", "流向类别", "能源流向", "用途类别", "direction")),
    TemplateColumn("ncv", "实测低位发热量", "Net calorific value", False,
                   "Measured net calorific value (optional). For steam: its measured specific enthalpy "
                   "(e.g. 2756 kJ/kg), from which the feed water's 83.74 kJ/kg is deducted for emissions.",
                   "实测低位发热量（可选）。蒸汽填写实测焓值（如 2756 kJ/kg），计算排放时扣除给水焓 83.74 kJ/kg。", "",
                   ("低位发热量", "实测低位热值", "低位热值", "热值", "发热量", "net calorific value", "蒸汽焓值",
                    "焓值")),
    TemplateColumn("ncv_unit", "发热量单位", "NCV unit", False, "Unit of the net calorific value: GJ/t, GJ/10^4 Nm3, kJ/kg, MJ/kg …",
                   "发热量单位：GJ/t、GJ/万立方米、kJ/kg……", "",
                   ("低位发热量单位", "低位热值单位", "热值单位", "ncv unit")),
    TemplateColumn("carbon_content", "实测含碳量", "Carbon content", False,
                   "Measured carbon content (optional): per unit heat for fuels (tC/GJ, tC/TJ), per tonne for "
                   "carbon materials (tC/t).",
                   "实测含碳量（可选）：燃料为单位热值含碳量（tC/GJ、tC/TJ），含碳物料为每吨含碳量（tC/t）。", "",
                   ("单位热值含碳量", "含碳量", "实测单位热值含碳量", "carbon content")),
    TemplateColumn("carbon_content_unit", "含碳量单位", "Carbon content unit", False, "Unit of the carbon content.", "含碳量单位。", "",
                   ("单位热值含碳量单位", "carbon content unit")),
    TemplateColumn("oxidation_rate", "实测碳氧化率", "Oxidation rate", False,
                   "Measured carbon oxidation rate (optional): a fraction (0.98) or a percentage with % (98%).",
                   "实测碳氧化率（可选）：小数（0.98）或带 % 的百分数（98%）。", "",
                   ("碳氧化率", "实测氧化率", "氧化率", "oxidation factor")),
    TemplateColumn("steam_pressure", "蒸汽压力", "Steam pressure", False,
                   "Steam only, when its enthalpy is not measured: absolute pressure in MPa (gauge reading + 0.1). "
                   "Alone it means dry saturated steam; with the steam temperature, superheated steam. The enthalpy "
                   "is computed by IAPWS-IF97. Wet steam: give the measured enthalpy as the net calorific value instead.",
                   "仅蒸汽，未实测焓值时填写：绝对压力，单位 MPa（表压读数 + 0.1）。只填压力视为干饱和蒸汽；"
                   "同时填蒸汽温度视为过热蒸汽。焓值按 IAPWS-IF97 计算。湿蒸汽请在实测低位发热量列填实测焓值。",
                   "", ("蒸汽绝对压力", "steam pressure")),
    TemplateColumn("steam_temperature", "蒸汽温度", "Steam temperature", False,
                   "Steam only: temperature in °C of superheated steam (with the steam pressure); leave empty for "
                   "saturated steam.",
                   "仅蒸汽：过热蒸汽温度，单位 °C（与蒸汽压力一同填写）；饱和蒸汽留空。", "",
                   ("过热蒸汽温度", "steam temperature")),
    TemplateColumn("clinker_cao", "熟料CaO含量", "Clinker CaO content", False,
                   "Clinker output rows only (item clinker, flow produced): the clinker's measured CaO mass "
                   "fraction, a fraction (0.652) or a percentage with % (65.2%). With the clinker MgO content it replaces the "
                   "default clinker emission factor: EF = (CaO − CaO non-carbonate) × 44/56 + (MgO − MgO "
                   "non-carbonate) × 44/40 [tCO2/t clinker] (GB/T 32151.8-2015, NDRC 2013 cement guideline).",
                   "仅熟料产出行（品种 熟料，流向 产出）：熟料中氧化钙（CaO）的实测质量分数，小数（0.652）或带 % 的百分数"
                   "（65.2%）。与熟料MgO含量一同填写时替代熟料排放因子缺省值：EF =（CaO − 非碳酸盐CaO）× 44/56 +"
                   "（MgO − 非碳酸盐MgO）× 44/40 [tCO2/t 熟料]（GB/T 32151.8-2015、发改委水泥指南 2013）。", "",
                   ("熟料中氧化钙含量", "熟料氧化钙含量", "熟料中CaO含量", "熟料中CaO的含量", "熟料中氧化钙的含量",
                    "clinker CaO", "clinker CaO content", "CaO content of clinker")),
    TemplateColumn("clinker_mgo", "熟料MgO含量", "Clinker MgO content", False,
                   "Clinker output rows only: the clinker's measured MgO mass fraction (0.02 or 2%). Give it with "
                   "the clinker CaO content (0 when the clinker has no MgO).",
                   "仅熟料产出行：熟料中氧化镁（MgO）的实测质量分数（0.02 或 2%）。须与熟料CaO含量一同填写（不含 MgO 时填 0）。",
                   "", ("熟料中氧化镁含量", "熟料氧化镁含量", "熟料中MgO含量", "熟料中MgO的含量", "熟料中氧化镁的含量",
                        "clinker MgO", "clinker MgO content", "MgO content of clinker")),
    TemplateColumn("clinker_cao_non_carbonate", "非碳酸盐CaO含量", "Non-carbonate CaO", False,
                   "Clinker output rows only, optional: the part of the clinker's CaO that came from non-carbonate "
                   "sources (steel slag, fly ash, carbide slag … in the raw meal), as a fraction of the clinker "
                   "(0.01 or 1%); deducted from the clinker CaO content. Empty: 0.",
                   "仅熟料产出行，可选：熟料中来自非碳酸盐原料（钢渣、粉煤灰、电石渣等）的氧化钙质量分数（0.01 或 1%），"
                   "从熟料CaO含量中扣除。留空视为 0。", "",
                   ("熟料中非碳酸盐CaO含量", "非碳酸盐来源CaO含量", "熟料中非碳酸盐来源的氧化钙含量", "非碳酸盐氧化钙含量",
                    "非碳酸盐来源氧化钙含量", "non-carbonate CaO", "CaO from non-carbonate sources")),
    TemplateColumn("clinker_mgo_non_carbonate", "非碳酸盐MgO含量", "Non-carbonate MgO", False,
                   "Clinker output rows only, optional: the part of the clinker's MgO from non-carbonate sources "
                   "(0.002 or 0.2%); deducted from the clinker MgO content. Empty: 0.",
                   "仅熟料产出行，可选：熟料中来自非碳酸盐原料的氧化镁质量分数（0.002 或 0.2%），从熟料MgO含量中扣除。"
                   "留空视为 0。", "",
                   ("熟料中非碳酸盐MgO含量", "非碳酸盐来源MgO含量", "熟料中非碳酸盐来源的氧化镁含量", "非碳酸盐氧化镁含量",
                    "非碳酸盐来源氧化镁含量", "non-carbonate MgO", "MgO from non-carbonate sources")),
    TemplateColumn("anode_effect_minutes", "阳极效应持续时间", "Anode-effect minutes", False,
                   "Primary aluminium output rows only (item aluminium liquid, flow produced), optional: the measured "
                   "anode-effect minutes per cell-day (AEM = anode effects per cell-day × their average minutes). "
                   "Replaces the default PFC factors by the slope method: E_CF4 = S_CF4 × AEM × P, C2F6 = CF4 × "
                   "its weight fraction (IPCC 2006/2019, coefficients of the methodology).",
                   "仅原铝（铝液）产出行，可选：实测的每槽日阳极效应分钟数（AEM = 每槽日阳极效应次数 × 平均持续分钟数）。"
                   "填写后按斜率法替代 PFC 缺省排放因子：E_CF4 = S_CF4 × AEM × P，C2F6 = CF4 × 质量比（IPCC 2006/2019，"
                   "系数见所用核算方法）。", "",
                   ("阳极效应分钟数", "每槽日阳极效应分钟数", "阳极效应时间", "AEM", "anode effect minutes",
                    "anode-effect minutes per cell-day")),
    TemplateColumn("anode_effect_overvoltage", "阳极效应过电压", "Anode-effect overvoltage", False,
                   "Primary aluminium output rows only, optional: the measured anode-effect overvoltage per cell "
                   "(AEO) in mV. With current_efficiency it gives the overvoltage method: E_CF4 = OVC × AEO / CE × P "
                   "(used when the anode-effect minutes are not given).",
                   "仅原铝（铝液）产出行，可选：实测的每槽阳极效应过电压（AEO），单位 mV。与电流效率一同填写时按过电压法计算："
                   "E_CF4 = OVC × AEO / CE × P（未填写阳极效应持续时间时采用）。", "",
                   ("阳极效应过电压(mV)", "AEO", "anode effect overvoltage")),
    TemplateColumn("current_efficiency", "电流效率", "Current efficiency", False,
                   "Primary aluminium output rows only, with anode_effect_overvoltage: the cells' current efficiency, "
                   "a fraction (0.93) or a percentage with % (93%).",
                   "仅原铝（铝液）产出行，与阳极效应过电压一同填写：电解槽电流效率，小数（0.93）或带 % 的百分数（93%）。", "",
                   ("电解槽电流效率", "CE", "current efficiency")),
)
REQUIRED_COLUMNS = tuple(c.name for c in COLUMNS if c.required)

#: each column in plain English words: the English template's header, also named in messages about a
#: column the file did not head itself (a missing column, rows stored by the platform)
LABELS_EN: dict[str, str] = {c.name: c.header_en for c in COLUMNS}
_HEADERS_ZH = {c.name: c.header_zh for c in COLUMNS}


def header_zh(column: str) -> str:
    """The template's Chinese header of ``column`` (the name itself when it is no template column)."""
    return _HEADERS_ZH.get(column, column)


def column_letter(index: int) -> str:
    """The spreadsheet letters of the ``index``-th column (1 → A, 27 → AA)."""
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


@functools.cache
def _header_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column in COLUMNS:
        for spelling in (column.name, column.header_zh, column.header_en, *column.aliases):
            other = lookup.setdefault(normalize_name(spelling), column.name)
            if other != column.name:
                raise ValueError(f"template header '{spelling}' would name both {other} and {column.name}")
    return lookup


def _parts(header: object) -> list[str]:
    text = normalize_name(header)
    # headers written as "企业编号 enterprise_id" or "数量(quantity)" name the column twice
    return [text, *text.replace("(", " ").replace(")", " ").replace("（", " ").replace("）", " ").split()]


def canonical_column(header: object) -> str | None:
    """The template column a header names (English or Chinese, case/width-insensitive), or None."""
    for part in _parts(header):
        found = _header_lookup().get(part)
        if found:
            return found
    return None


@functools.cache
def _own_headers() -> frozenset[str]:
    return frozenset(normalize_name(s) for c in COLUMNS for s in (c.name, c.header_zh, c.header_en))


def is_own_header(header: object) -> bool:
    """Whether ``header`` is one of the template's own headers (its key, Chinese or English
    header), not a synonym: a file with both the template's header and a synonym of it (设施编号
    and 生产线) takes the template's and ignores the other, like any extra column."""
    return any(part in _own_headers() for part in _parts(header))
