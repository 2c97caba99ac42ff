"""zh/en messages for data-quality findings, sufficiency reasons and their suggested fixes.

Keys are the dotted finding names of :mod:`greenmfg.calc.data_quality`; templates use
``str.format`` fields from the finding (``start``, ``end``, ``value``, ``threshold`` and params).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["CHECKS", "COEFFICIENTS", "FINDINGS", "FIXES", "VARIABLES", "check_name", "message"]

#: dotted name → (English, Chinese)
FINDINGS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "monitoring.quality.gap": ("no data for {value:g} day(s) from {start} to {end}",
                               "{start} 至 {end} 缺失 {value:g} 天数据"),
    "monitoring.quality.spike": ("{start}: {value:g} is above the outlier limit {threshold:g} (median + 3×IQR)",
                                 "{start}：{value:g} 超过异常值上限 {threshold:g}（中位数 + 3×四分位距）"),
    "monitoring.quality.flat_line": ("the same value for {value:g} days from {start} to {end}",
                                     "{start} 至 {end} 连续 {value:g} 天数值不变"),
    "monitoring.quality.negative_delta": ("negative consumption or register decrease ({value:g}) from {start} to {end}",
                                          "{start} 至 {end} 出现负用量或表底数回退（{value:g}）"),
    "monitoring.quality.clock_drift": ("{start}: timestamp {value:g} s off midnight (limit {threshold:g} s)",
                                       "{start}：时间戳偏离零点 {value:g} 秒（上限 {threshold:g} 秒）"),
    "monitoring.quality.unit_mismatch": ("unit mismatch from {start} to {end}", "{start} 至 {end} 计量单位不一致"),
    "monitoring.sufficiency.too_short": ("the baseline has {value} days; CalTRACK needs {threshold}",
                                         "基准期仅 {value} 天；CalTRACK 要求 {threshold} 天"),
    "monitoring.sufficiency.too_many_missing": ("only {value:.1%} of days have energy and temperature; at least "
                                                "{threshold:.0%} needed", "仅 {value:.1%} 的天数同时有能耗和温度数据；至少需要 {threshold:.0%}"),
    "monitoring.sufficiency.month_temperature_coverage": ("{month}: temperature on {value:.1%} of days; at least "
                                                          "{threshold:.0%} needed", "{month}：仅 {value:.1%} 的天数有温度数据；至少需要 {threshold:.0%}"),
    "monitoring.sufficiency.no_data": ("no data in the baseline window", "基准期内无数据"),
    "monitoring.sufficiency.iso50006.months_missing": (
        "{value} of 12 calendar months have complete days (energy and every relevant variable) on at least "
        "{min_share:.0%} of the month; missing or too sparse: {months_en}. An ISO 50006 baseline needs monthly "
        "points over a full operating cycle (a year)",
        "仅 {value} 个日历月的完整数据天数（能耗及全部相关变量）达到该月天数的 {min_share:.0%}；缺失或过少的月份："
        "{months_zh}。ISO 50006 基准期须覆盖完整运行周期（一年），逐月均有数据"),
    # verdicts stored before the monthly rule (counted days as points): kept so they still read
    "monitoring.sufficiency.iso50006.too_few_points": (
        "{value} complete points (energy and every relevant variable); an ISO 50006 statistical model needs at least "
        "{threshold}", "仅 {value} 个完整数据点（能耗及全部相关变量）；ISO 50006 统计模型至少需要 {threshold} 个"),
    "monitoring.sufficiency.iso50006.no_variation": (
        "{variable_name} does not vary over the baseline period (always {value:g}): its effect on energy cannot be "
        "determined (ISO 50006)", "{variable_name}在基准期内无变化（均为 {value:g}）：无法确定其对能耗的影响（ISO 50006）"),
    "monitoring.savings.outside_baseline_range": (
        "{value} reporting day(s) have {variable_name} outside the baseline's range {low:g}–{high:g}: the model "
        "extrapolates there", "报告期有 {value} 天的{variable_name}超出基准期范围 {low:g}–{high:g}：模型在此外推"),
    # significance of a savings figure (calc.mv.savings_significance; ASHRAE Guideline 14-2014 §4.1.1 as quoted)
    "monitoring.savings.significant_savings": (
        "significant savings: the uncertainty at 68 % confidence is {fsu_text} of the savings, under the 50 % of "
        "ASHRAE Guideline 14-2014",
        "节能量显著：68% 置信度下的不确定度为节能量的 {fsu_text}，低于 ASHRAE Guideline 14-2014 要求的 50%"),
    "monitoring.savings.not_significant_savings": (
        "not significant: the uncertainty at 68 % confidence is {fsu_text} of the savings; ASHRAE Guideline "
        "14-2014 requires under 50 % (IPMVP: savings larger than twice their standard error)",
        "不显著：68% 置信度下的不确定度为节能量的 {fsu_text}；ASHRAE Guideline 14-2014 要求低于 50%"
        "（IPMVP：节能量须大于其标准误差的两倍）"),
    "monitoring.savings.significant_increase": (
        "consumption rose beyond the model's uncertainty: energy use is above the adjusted baseline and the "
        "uncertainty at 68 % confidence is {fsu_text} of the increase (under 50 %); these are no savings",
        "能耗增加（超出模型不确定度）：实际能耗高于调整后基准，68% 置信度下的不确定度为增加量的 {fsu_text}"
        "（低于 50%），不属于节能"),
    "monitoring.savings.not_significant_increase": (
        "not significant: energy use is above the adjusted baseline, but the uncertainty at 68 % confidence is "
        "{fsu_text} of the increase (50 % or more): the rise is within the model's uncertainty",
        "不显著：实际能耗高于调整后基准，但 68% 置信度下的不确定度为增加量的 {fsu_text}（不低于 50%）："
        "增加量在模型不确定度之内"),
})

#: suggested-fix key → (English, Chinese)
FIXES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "fill_or_exclude_gap": ("re-read the meter or leave the days out of the baseline", "补抄表计数据或将这些天排除在基准期外"),
    "verify_or_exclude_spike": ("check the reading; exclude it if it is a fault", "核实该读数，如属故障请剔除"),
    "check_meter_communication": ("check the meter and its communication (a stuck value)", "检查表计及通信（数值卡死）"),
    "check_register_rollover": ("check for a register rollover or meter replacement", "检查表底数是否翻转或换表"),
    "check_sign_or_register": ("check the sign and the register read", "检查数值符号及抄表读数"),
    "synchronise_clock": ("synchronise the meter or gateway clock (NTP)", "校准表计或网关时钟（NTP）"),
    "declare_expected_unit": ("declare the meter in one of the expected units", "请使用该计量项目允许的单位"),
    "convert_units": ("convert the later values to the meter's unit", "将后续数值换算为表计单位"),
})


#: relevant variables of the baseline models → (English, Chinese)
VARIABLES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "production": ("production", "产量"), "hdd": ("heating degree days", "采暖度日数"),
    "cdd": ("cooling degree days", "制冷度日数"), "temperature_c": ("outdoor temperature", "室外温度"),
})


#: validity checks of :data:`greenmfg.calc.mv.VALIDITY_THRESHOLDS` → (English, Chinese)
CHECKS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "r2": ("R²", "决定系数 R²"), "cv_rmse": ("CV(RMSE)", "均方根误差变异系数 CV(RMSE)"),
    "nmbe": ("NMBE", "归一化平均偏差 NMBE"), "p_value": ("p-value", "显著性 p 值"),
})

#: coefficients of the baseline models whose p-value is checked → (English, Chinese)
COEFFICIENTS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "beta_hdd": ("heating-degree-day slope", "采暖度日数系数"), "beta_cdd": ("cooling-degree-day slope", "制冷度日数系数"),
    "beta_production": ("production slope", "产量系数"), "beta_temperature_c": ("temperature slope", "室外温度系数"),
})


def check_name(check: str, *, zh: bool) -> str:
    """A validity check in words: ``cv_rmse`` → 均方根误差变异系数 CV(RMSE), ``p_value.beta_hdd`` →
    显著性 p 值（采暖度日数系数）; a coefficient of another driver ``beta_<variable>`` is named after the variable."""
    name, _, coefficient = check.partition(".")
    pair = CHECKS.get(name, (name, name))
    text = pair[1 if zh else 0]
    if coefficient:
        words = COEFFICIENTS.get(coefficient)
        if words is None:
            variable = VARIABLES.get(coefficient.removeprefix("beta_"))
            words = (f"{variable[0]} slope", f"{variable[1]}系数") if variable else (coefficient, coefficient)
        text += f"（{words[1]}）" if zh else f" ({words[0]})"
    return text


def message(name: str, data: Mapping[str, Any], *, zh: bool = False) -> str:
    """The finding's message in English or Chinese; falls back to the dotted name."""
    pair = FINDINGS.get(name)
    if pair is None:
        return name
    variable = data.get("variable")
    names = VARIABLES.get(str(variable), (str(variable), str(variable)))
    try:
        return pair[1 if zh else 0].format(**{**data, "variable_name": names[1 if zh else 0]})
    except (KeyError, ValueError, TypeError):
        return name
