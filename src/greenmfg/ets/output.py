"""Render an ETS result: the workbook (headers in words, Chinese or English) and the rows of the
command line's table. The JSON document is :meth:`greenmfg.ets.models.EtsResult.to_document`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from greenmfg.accounting.labels import FLOW_LABELS, PARAMETER_LABELS, label
from greenmfg.accounting.template_spec import LABELS_EN, header_zh
from greenmfg.ets.models import EtsResult, EtsRow
from greenmfg.exports import append_row, export_translator
from greenmfg.refdata.words import in_words, key_name, status_name, unit_name

__all__ = ["SOURCE_WORDS", "period_rows", "write_xlsx"]

#: words of the figures (Chinese, English)
_WORDS: dict[str, tuple[str, str]] = {
    "enterprise_id": ("企业编号", "Enterprise ID"), "enterprise_name": ("企业名称", "Enterprise name"),
    "facility_id": ("设施编号", "Unit (facility)"), "process": ("工序", "Process"), "period": ("期间", "Period"),
    "level": ("层级", "Level"),
    "covered_tco2e": ("覆盖排放量 tCO2e", "Covered emissions tCO2e"),
    "combustion_tco2": ("化石燃料燃烧 tCO2", "Fuel combustion tCO2"),
    "process_tco2": ("工业生产过程 tCO2", "Industrial processes tCO2"),
    "pfc_tco2e": ("全氟化碳（阳极效应）tCO2e", "PFCs (anode effect) tCO2e"),
    "cf4_t": ("CF4 t", "CF4 t"), "cf4_tco2e": ("CF4 tCO2e", "CF4 tCO2e"),
    "c2f6_t": ("C2F6 t", "C2F6 t"), "c2f6_tco2e": ("C2F6 tCO2e", "C2F6 tCO2e"),
    "cofiring_tco2": ("自备电厂（掺烧，含碳氧化率）tCO2", "Captive power (co-firing, with oxidation) tCO2"),
    "purchased_electricity_mwh": ("外购电力 MWh（信息项）", "Purchased electricity MWh (information)"),
    "purchased_electricity_tco2": ("外购电力排放 tCO2（信息项，不计入）", "Purchased electricity tCO2 (information, not covered)"),
    "purchased_heat_tco2": ("外购热力排放 tCO2（信息项，不计入）", "Purchased heat tCO2 (information, not covered)"),
    "lines": ("明细行", "Derivation lines"),
    "line": ("明细行", "Line"), "file": ("文件", "File"), "row": ("行号", "Row"), "item": ("品种", "Item"),
    "flow": ("流向", "Flow"), "quantity": ("数量", "Quantity"), "unit": ("单位", "Unit"),
    "source": ("排放源", "Emission source"), "covered": ("计入覆盖排放", "Covered"),
    "co2e_t": ("排放量 tCO2e", "Emissions tCO2e"), "formula": ("公式", "Formula"),
    "parameters": ("参数及来源", "Parameters and sources"),
    "severity": ("级别", "Severity"), "code": ("代码", "Code"), "message": ("说明", "Message"), "fix": ("处理建议", "Fix"),
    "column": ("列", "Column"), "ref": ("参考", "Reference"),
}
#: emission sources in words (Chinese, English)
SOURCE_WORDS: dict[str, tuple[str, str]] = {
    "combustion": ("化石燃料燃烧", "fuel combustion"), "process": ("工业生产过程", "industrial processes"),
    "pfc": ("阳极效应全氟化碳", "anode-effect PFCs"), "purchased_electricity": ("外购电力", "purchased electricity"),
    "purchased_heat": ("外购热力", "purchased heat"), "exported": ("输出", "supplied outside"), "none": ("无排放", "none"),
}
_LEVELS = {"company": ("企业", "company"), "facility": ("设施", "unit"), "process": ("工序", "process")}
_PROCESSES = {"coking": ("炼焦", "coking"), "sintering": ("烧结", "sintering"), "pelletising": ("球团", "pelletising"),
              "ironmaking": ("炼铁", "ironmaking"), "steelmaking": ("炼钢", "steelmaking"),
              "rolling": ("轧钢等其他", "rolling and other"), "power": ("自备电厂", "captive power"),
              "other": ("其他", "other"), "mixed": ("多工序", "several processes")}
_SEVERITY = {"warning": ("警告", "warning"), "info": ("提示", "information"), "error": ("错误", "error")}
_FIGURES = ("covered_tco2e", "combustion_tco2", "process_tco2", "pfc_tco2e", "cf4_t", "cf4_tco2e", "c2f6_t",
            "c2f6_tco2e", "cofiring_tco2", "purchased_electricity_mwh", "purchased_electricity_tco2",
            "purchased_heat_tco2")


def _word(words: dict[str, tuple[str, str]], key: str, zh: bool) -> str:
    pair = words.get(key)
    return key if pair is None else pair[0 if zh else 1]


def _figures(row: EtsRow) -> list[Any]:
    f = row.figures
    values = {"covered_tco2e": f.covered_tco2e, "combustion_tco2": f.combustion_tco2, "process_tco2": f.process_tco2,
              "pfc_tco2e": f.pfc_tco2e, "cf4_t": f.cf4_t, "cf4_tco2e": f.cf4_tco2e, "c2f6_t": f.c2f6_t,
              "c2f6_tco2e": f.c2f6_tco2e, "cofiring_tco2": f.cofiring_tco2,
              "purchased_electricity_mwh": f.purchased_electricity_mwh,
              "purchased_electricity_tco2": f.purchased_electricity_tco2, "purchased_heat_tco2": f.purchased_heat_tco2}
    return [None if (v := values[k]) is None else round(v, 6) for k in _FIGURES]


def period_rows(result: EtsResult) -> list[tuple[str, str, str, str, EtsRow]]:
    """Every figure of ``result`` as (level, enterprise, unit, process, row): companies, their
    steel processes, then units."""
    out: list[tuple[str, str, str, str, EtsRow]] = []
    for company in result.companies:
        out += [("company", company.enterprise_id, "", "", r) for r in (*company.months, *company.years)]
        out += [("process", company.enterprise_id, r.facility_id, r.process, r) for r in company.processes]
    for facility in result.facilities:
        out += [("facility", facility.enterprise_id, facility.facility_id, facility.process, r)
                for r in (*facility.months, *facility.years)]
    return out


def write_xlsx(result: EtsResult, path: Path, *, lang: str = "zh-CN") -> None:
    """The result as a workbook: covered emissions (company, process, unit; months and years), the
    derivation lines and the findings; headers and coded values (items, flows, units, parameters, cited
    values, columns) in words in ``lang`` (``zh-CN`` or ``en``); finding codes and references kept."""
    from openpyxl import Workbook  # only this output needs it

    zh = lang != "en"
    words = export_translator(locale="zh-CN" if zh else "en")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("覆盖排放" if zh else "Covered emissions")
    append_row(sheet, [_word(_WORDS, k, zh) for k in ("level", "enterprise_id", "facility_id", "process", "period",
                                                     *_FIGURES, "lines")])
    for level, enterprise_id, facility_id, process, row in period_rows(result):
        append_row(sheet, [_word(_LEVELS, level, zh), enterprise_id, facility_id, _word(_PROCESSES, process, zh) if process else "",
                           row.period, *_figures(row), " ".join(row.figures.lines)])
    sheet = workbook.create_sheet("计算明细" if zh else "Derivation")
    append_row(sheet, [_word(_WORDS, k, zh) for k in ("line", "enterprise_id", "facility_id", "period", "file", "row",
                                                     "item", "flow", "quantity", "unit", "source", "covered", "co2e_t",
                                                     "formula", "parameters")])
    for line in result.lines.values():
        parameters = "; ".join(
            f"{label(PARAMETER_LABELS, p['name'], words)}={p['value']} {p['unit']} [{p['ref']}"
            + "".join(f"; {status_name(s['verification_status'], zh=zh)}" for s in p["sources"][:1]) + "]"
            for p in line["parameters"])
        pfc = line.get("pfc") or {}
        if pfc.get("formula"):
            parameters += (f"; CF4 {pfc['cf4_t']:.6g} t × {pfc['gwp_cf4']:g} = {pfc['cf4_tco2e']:.6g} tCO2e; "
                           f"C2F6 {pfc['c2f6_t']:.6g} t × {pfc['gwp_c2f6']:g} = {pfc['c2f6_tco2e']:.6g} tCO2e")
        formula = pfc.get("formula") or line["formula"]["emissions"]
        append_row(sheet, [line["id"], line["enterprise_id"], line["facility_id"], line["period"], line["file"],
                           line["row"], key_name(line["item"], zh=zh), label(FLOW_LABELS, line["flow"], words),
                           line["quantity"], unit_name(line["unit"], zh=zh),
                           _word(SOURCE_WORDS, line["source"], zh), ("是" if zh else "yes") if line["covered"] else ("否" if zh else "no"),
                           line["co2e_t"], formula, in_words(parameters, zh=zh)])
    sheet = workbook.create_sheet("提示" if zh else "Findings")
    append_row(sheet, [_word(_WORDS, k, zh) for k in ("severity", "code", "message", "fix", "file", "row", "column",
                                                     "facility_id", "period", "ref")])
    for f in result.findings:
        column = (header_zh(f.column) if zh else LABELS_EN.get(f.column, f.column)) if f.column else f.column
        append_row(sheet, [_word(_SEVERITY, f.severity, zh), f.code, in_words(f.message_zh if zh else f.message, zh=zh),
                           in_words(f.fix_zh if zh else f.fix, zh=zh), f.file, f.row, column, f.facility_id, f.period,
                           f.ref])
    workbook.save(path)
