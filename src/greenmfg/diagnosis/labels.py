"""Names of diagnosis terms. Pages use the English message ids with the Babel catalogues
(``locale/*/LC_MESSAGES/diagnosis.po``); the printable report, rendered outside a request, takes its
texts from :data:`REPORT_TEXT` in the report's language. Chinese wording follows 《工业企业节能诊断
服务指南》 and the standards' titles (能效限定值、能效等级)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from greenmfg.i18n import N_

__all__ = ["BENCHMARK_CLASS_LABELS", "CATEGORY_LABELS", "KIND_LABELS", "KIND_PAGE_LABELS", "REPORT_TEXT", "SEVERITY_LABELS",
           "STATUS_LABELS", "VERIFICATION_LABELS", "alert_kind_key", "alert_severity_key"]

KIND_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "motor": {"zh": "电动机", "en": "Motor"},
    "transformer": {"zh": "变压器", "en": "Transformer"},
    "air_compressor": {"zh": "空压机", "en": "Air compressor"},
    "pump": {"zh": "水泵", "en": "Pump"},
    "fan": {"zh": "风机", "en": "Fan"},
    "industrial_boiler": {"zh": "工业锅炉", "en": "Industrial boiler"},
})
#: message ids for the pages
KIND_PAGE_LABELS: Mapping[str, str] = MappingProxyType({
    "motor": N_("Motor"), "transformer": N_("Transformer"), "air_compressor": N_("Air compressor"),
    "pump": N_("Pump"), "fan": N_("Fan"), "industrial_boiler": N_("Industrial boiler"),
})
SEVERITY_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "low": {"zh": "低", "en": "low"}, "medium": {"zh": "中", "en": "medium"}, "high": {"zh": "高", "en": "high"},
    # below the baseline: not an excess (a saving, a stop or a metering fault), shown for information
    "info": {"zh": "提示（低于基准，非超耗）", "en": "information (below the baseline, not an excess)"},
})
#: verification status of a reference value (refdata/README.md), as the report's badges name it
VERIFICATION_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "verified": {"zh": "已核验", "en": "verified"}, "definitional": {"zh": "定义值", "en": "definitional"},
    "crosschecked": {"zh": "已交叉核对", "en": "cross-checked"}, "secondary": {"zh": "二手来源", "en": "secondary source"},
    "uncertain": {"zh": "存疑", "en": "uncertain"}, "recalled": {"zh": "凭经验取值，未核验", "en": "recalled, not verified"},
    "not_found": {"zh": "未找到原文", "en": "not found"},
})
STATUS_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "open": {"zh": "未处理", "en": "open"}, "acknowledged": {"zh": "已确认", "en": "acknowledged"},
    "closed": {"zh": "已关闭", "en": "closed"},
})

#: GB 17167-2006 energy categories (keys of ``metering_requirements/gb17167-2006``)
CATEGORY_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "electricity": {"zh": "电力", "en": "Electricity"}, "coal": {"zh": "煤炭", "en": "Coal"},
    "coke": {"zh": "焦炭", "en": "Coke"}, "crude_oil": {"zh": "原油", "en": "Crude oil"},
    "oil_products": {"zh": "成品油", "en": "Oil products"}, "heavy_oil": {"zh": "重油", "en": "Heavy oil"},
    "residual_oil": {"zh": "渣油", "en": "Residual oil"}, "natural_gas": {"zh": "天然气", "en": "Natural gas"},
    "lpg": {"zh": "液化气", "en": "LPG"}, "coal_gas": {"zh": "煤气", "en": "Coal gas"},
    "steam": {"zh": "蒸汽", "en": "Steam"}, "water": {"zh": "水", "en": "Water"},
    "recoverable_residual_energy": {"zh": "可回收利用的余能", "en": "Recoverable residual energy"},
})
#: benchmark classes of :mod:`greenmfg.compliance` (the same words as its pages)
BENCHMARK_CLASS_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "benchmark": {"zh": "标杆水平", "en": "Benchmark level"},
    "between": {"zh": "标杆与基准之间", "en": "Between levels"},
    "below_baseline": {"zh": "低于基准水平", "en": "Below baseline"},
    "not_classified": {"zh": "未分级", "en": "Not classified"},
    "no_indicator": {"zh": "无指标", "en": "No indicator"},
})

REPORT_TEXT: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "zh": MappingProxyType({
        "title": "工业企业节能诊断报告", "year": "诊断年度", "generated": "生成时间", "province": "所在地区",
        "industry": "行业", "code": "统一社会信用代码/编号",
        "s1": "一、企业概况", "s2": "二、能源利用状况与能源管理", "s3": "三、工艺（产品）能效水平",
        "s4": "四、重点用能设备能效", "s5": "五、能耗异常告警", "s6": "六、节能措施及投资回收",
        "s7": "七、数据说明与警示",
        "facilities": "设施", "facility": "设施", "meters": "计量器具数", "metered": "已配备计量器具的设施",
        "structure": "能源消费结构（当量值）", "item": "能源品种", "tce": "折标准煤(tce)", "share": "占比",
        "total": "合计", "no_results": "本年度无已入库的核算结果。",
        "management": "能源管理情况（企业填报）", "no_notes": "企业尚未填报能源管理体系、机构制度、计量统计等情况。",
        "product": "产品", "quantity": "产量", "unit": "单位", "energy": "综合能耗(tce)",
        "intensity": "单位产品综合能耗(kgce/单位)",
        "process_note": "单位产品能耗按设施全部综合能耗计算。",
        "metering_title": "能源计量器具配备情况（对照 GB 17167-2006）", "category": "能源种类",
        "meter_count": "计量器具数", "level_unit": "进出用能单位", "level_secondary": "主要次级用能单位（设施）",
        "level_equipment": "主要用能设备", "required": "要求配备率", "actual_rate": "实际", "meets": "达标",
        "yes": "是", "no": "否", "not_computed": "未计算",
        "metering_none": "本年度无已入库的核算结果，未能判断应配备计量器具的能源种类。",
        "metering_note": "企业层级：已登记该能源计量器具即计为配备；设施层级：配备该能源计量器具的设施数 ÷ 使用该能源的设施数；"
                         "主要用能设备层级因计量器具未与设备关联而未计算。要求配备率来自 {d}（核实状态：{s}）。",
        "benchmark_title": "能效标杆水平与基准水平对标（单位产品能耗）", "indicator": "指标", "value": "实际值",
        "benchmark_level": "标杆水平", "baseline_level": "基准水平", "cls": "分级", "bench_period": "期间",
        "gap_benchmark": "距标杆", "savings_benchmark": "达标杆节能量(tce)",
        "benchmark_none": "无可对标的产品（无已入库数据或产品无能效标杆/基准指标）。",
        "benchmark_note": "分级与“对标”页面同一计算（按当前参考数据核算已入库数据；对标版本 {e}）。",
        "register": "设备台账共 {n} 台，其中低于能效限定值 {b} 台、达标 {c} 台、未判定 {u} 台。",
        "below_title": "低于能效限定值的设备", "none_below": "未发现低于能效限定值的设备。",
        "kind": "类型", "equipment": "设备", "rating": "对应规格", "standard": "标准", "minimum": "能效限定值",
        "actual": "实际值", "gap": "差距", "grade": "能效等级", "status": "核实状态",
        "below": "低于限定值", "unchecked_title": "未判定的设备", "reason": "原因",
        "alerts_none": "无能耗异常告警。", "alerts_intro": "共 {n} 条告警，其中未处理 {o} 条。",
        "kind_alert": "类型", "period": "时段", "excess": "偏离基线能耗(kWh，正值为超出)", "severity": "严重程度",
        "alert_status": "状态", "spike": "突增", "spike_down": "突降", "drift_up": "持续偏高", "drift_down": "持续偏低",
        "measures_none": "暂无可计算的节能措施。", "measure": "措施", "target": "目标",
        "kwh": "节电量(kWh/a)", "tce_a": "节能量(tce/a)", "tco2": "减排量(tCO2/a)", "cost_saving": "节约费用(元/a)",
        "investment": "投资(元)", "payback": "回收期(年)", "no_payback": "无节约，不计回收期", "replace": "更换为",
        "assumed": "估", "factors": "折算系数",
        "factor_text": "电力折标准煤系数 {k} kgce/kWh（{kr}，{ks}）；电网排放因子 {g}（{gr}，{gs}）；电价 {p} 元/kWh；燃料价格 {f} 元/tce。",
        "formulas": "计算方法", "formula_text": "电动机/水泵/风机：ΔE = P×h×β×(1/η旧 − 1/η新)；变压器：ΔE = ΔP0×8760 + β²×ΔPk×h；"
                    "空压机：ΔE = (比功率旧 − 比功率新)×Q×h×β；锅炉：ΔB = P×h×β×3.6×(1/η旧 − 1/η新)/29.3076；回收期 = 投资/年节约费用。",
        "datasets": "所用标准数据", "warnings_none": "无。", "software": "由 greenmfg {v} 生成",
    }),
    "en": MappingProxyType({
        "title": "Industrial energy-saving diagnosis report", "year": "Year diagnosed", "generated": "Generated",
        "province": "Location", "industry": "Industry", "code": "Code",
        "s1": "1. Enterprise overview", "s2": "2. Energy use and energy management",
        "s3": "3. Process (product) energy efficiency", "s4": "4. Efficiency of key energy-using equipment",
        "s5": "5. Consumption alerts", "s6": "6. Energy-saving measures and payback", "s7": "7. Data notes and warnings",
        "facilities": "Facilities", "facility": "Facility", "meters": "Meters", "metered": "Facilities with meters",
        "structure": "Energy structure (equivalent basis)", "item": "Energy carrier", "tce": "tce", "share": "Share",
        "total": "Total", "no_results": "No stored accounting results for this year.",
        "management": "Energy management (as stated by the enterprise)",
        "no_notes": "The enterprise has not described its energy management system, organisation and metering yet.",
        "product": "Product", "quantity": "Output", "unit": "Unit", "energy": "Energy (tce)",
        "intensity": "Energy per unit (kgce/unit)",
        "process_note": "Unit energy uses the facility's whole comprehensive energy.",
        "metering_title": "Energy metering (against GB 17167-2006)", "category": "Energy category",
        "meter_count": "Meters", "level_unit": "Enterprise boundary", "level_secondary": "Main secondary units (facilities)",
        "level_equipment": "Main equipment", "required": "Required", "actual_rate": "Actual", "meets": "Met",
        "yes": "yes", "no": "no", "not_computed": "not computed",
        "metering_none": "No stored accounting results this year: the energy categories to meter are unknown.",
        "metering_note": "Enterprise boundary: a registered meter of the category counts as equipped; facilities: "
                         "facilities with a meter of the category ÷ facilities using it; the main-equipment level is "
                         "not computed (meters are not linked to equipment). Required rates from {d} (status: {s}).",
        "benchmark_title": "Energy-efficiency benchmark and baseline levels (unit-product energy)",
        "indicator": "Indicator", "value": "Value", "benchmark_level": "Benchmark", "baseline_level": "Baseline",
        "cls": "Class", "bench_period": "Period", "gap_benchmark": "Gap to benchmark",
        "savings_benchmark": "Saving to benchmark (tce)",
        "benchmark_none": "No product to benchmark (no stored data, or no benchmark/baseline indicator for the products).",
        "benchmark_note": "Same computation as the Benchmark page (stored data accounted with the installed reference "
                          "data; benchmark edition {e}).",
        "register": "The register holds {n} items: {b} below the minimum allowable value, {c} compliant, {u} not checked.",
        "below_title": "Equipment below the minimum allowable value", "none_below": "No equipment below the minimum.",
        "kind": "Kind", "equipment": "Equipment", "rating": "Table row", "standard": "Standard", "minimum": "Minimum",
        "actual": "Actual", "gap": "Gap", "grade": "Grade", "status": "Status",
        "below": "below minimum", "unchecked_title": "Equipment not checked", "reason": "Reason",
        "alerts_none": "No consumption alerts.", "alerts_intro": "{n} alerts, {o} open.",
        "kind_alert": "Kind", "period": "Period", "excess": "Deviation from baseline (kWh, + above)", "severity": "Severity",
        "alert_status": "Status", "spike": "spike", "spike_down": "dip", "drift_up": "sustained increase", "drift_down": "sustained decrease",
        "measures_none": "No measure could be computed.", "measure": "Measure", "target": "Target",
        "kwh": "kWh/a", "tce_a": "tce/a", "tco2": "tCO2/a", "cost_saving": "CNY/a", "investment": "Cost (CNY)",
        "payback": "Payback (a)", "no_payback": "no saving, no payback", "replace": "Replace with", "assumed": "est.", "factors": "Factors",
        "factor_text": "Electricity {k} kgce/kWh ({kr}, {ks}); grid factor {g} ({gr}, {gs}); electricity price {p} "
                       "CNY/kWh; fuel price {f} CNY/tce.",
        "formulas": "Formulas", "formula_text": "Motors/pumps/fans: ΔE = P×h×β×(1/η_old − 1/η_new); transformers: "
                    "ΔE = ΔP0×8760 + β²×ΔPk×h; compressors: ΔE = (SP_old − SP_new)×Q×h×β; boilers: "
                    "ΔB = P×h×β×3.6×(1/η_old − 1/η_new)/29.3076; payback = cost / annual saving.",
        "datasets": "Standard data used", "warnings_none": "None.", "software": "Generated by greenmfg {v}",
    }),
})


def alert_severity_key(severity: str, excess_kwh: float) -> str:
    """The :data:`SEVERITY_LABELS` key of an alert as shown and answered: the stored severity ranks
    the size of the departure from the baseline either way (:func:`greenmfg.calc.diagnosis.detect_anomalies`);
    a departure below the baseline is no excess consumption (a saving, a stop or a metering fault),
    so it is ``info``, never a "high" excess."""
    return "info" if excess_kwh < 0 else severity


def alert_kind_key(kind: str, excess_kwh: float) -> str:
    """The :data:`REPORT_TEXT` key naming an alert: a spike is flagged by the size of its departure
    from the baseline either way (|z| above the threshold), so one below the baseline is a dip
    (突降), not a surge (突增)."""
    return "spike_down" if kind == "spike" and excess_kwh < 0 else kind
