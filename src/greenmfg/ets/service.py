"""National-carbon-market accounting: the activity template in, covered emissions out.

The rows are accounted by the one engine (:func:`greenmfg.accounting.account_table` /
:func:`~greenmfg.accounting.account`) with the ETS guidelines as methodology (their default
tables, ``methodologies/ets-2026.1``); this service then sorts each derivation line into the
guideline's sources (combustion, process, PFC; purchased electricity and heat as information),
splits the anode-effect PFCs into CF4 and C2F6, adds up months, years, units, steel processes and
companies, and checks the guideline's monitoring rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from greenmfg.accounting.output import result_document
from greenmfg.accounting.parameters import AccountingOptions
from greenmfg.accounting.reader import InputFile
from greenmfg.accounting.service import AccountingRun, account, account_table
from greenmfg.calc.ets import (
    cofiring_emissions_t,
    other_processes_t,
    pfc_emissions,
    pfc_overvoltage,
    pfc_slope,
)
from greenmfg.errors import GreenmfgError
from greenmfg.ets.methodology import (
    ETS_GRID_FACTOR,
    ETS_METHODOLOGIES,
    SECTORS,
    EtsMethodology,
    ets_methodologies,
)
from greenmfg.ets.models import EtsCompany, EtsFacility, EtsFigures, EtsFinding, EtsResult, EtsRow
from greenmfg.units import conversion_factor

__all__ = ["account_ets", "ets_options"]

#: the template column of a derivation parameter (for findings located at a cell)
_COLUMN = {"net_calorific_value": "ncv", "carbon_content": "carbon_content", "oxidation_rate": "oxidation_rate"}
_PARAMETER = {"ncv": "net_calorific_value", "carbon_content": "carbon_content"}
#: steel main processes from the most downstream: a unit's process is that of its product
_EMISSION_PARAMETERS = ("net_calorific_value", "carbon_content", "oxidation_rate", "emission_factor")
_STEEL_ORDER = ("steelmaking", "ironmaking", "pelletising", "sintering", "coking")


def ets_options() -> AccountingOptions:
    """The accounting options of ETS accounting: the ETS guidelines' default tables, the ETS grid
    factor series (for the information on purchased electricity)."""
    return AccountingOptions(methodologies=ETS_METHODOLOGIES, grid_factor=ETS_GRID_FACTOR)


def account_ets(table_or_path: pa.Table | ir.Table | str | Path | InputFile, sector: str = "auto",
                year: int | None = None, *, options: AccountingOptions | None = None) -> EtsResult:
    """Covered emissions by the national carbon market's guidelines, per month and year, unit and company.

    Parameters
    ----------
    table_or_path
        Activity rows of the accounting template: a file or folder (.xlsx, .csv, .parquet), an
        uploaded file (:class:`~greenmfg.accounting.InputFile`) or a table in memory (pyarrow or
        Ibis, e.g. a month's stored rows).
    sector
        ``auto`` (each unit's industry decides), ``cement``, ``aluminium`` or ``steel`` (units of
        other industries are left out, with a finding).
    year
        Only this data year (default: every year of the input).
    options
        Accounting options (default :func:`ets_options`).

    Returns
    -------
    EtsResult
        ``months``, ``years`` (per company), ``facilities``, ``companies`` (``company`` for one),
        derivation ``lines``, ``findings``, ``to_document()``.

    Raises
    ------
    ValidationFailed
        A row of the input is bad (located: file, sheet, row, column), as in ``greenmfg account``.
    GreenmfgError
        Unknown sector, or no unit of a covered sector (for the year) in the input.

    References
    ----------
    MEE CETS—AG—02.01—V01—2024 (cement), CETS—AG—04.01—V01—2024 (aluminium smelting),
    CETS—AG—03.01—V01—2024 (iron and steel).
    """
    if sector != "auto" and sector not in SECTORS:
        raise GreenmfgError(f"unknown sector '{sector}': use auto, {', '.join(SECTORS)}",
                            f"未知行业“{sector}”：请使用 auto、{'、'.join(SECTORS)}")
    options = options or ets_options()
    if isinstance(table_or_path, pa.Table | ir.Table):
        run = account_table(table_or_path, options)
    else:
        run = account(table_or_path if isinstance(table_or_path, InputFile) else Path(table_or_path), options)
    return _ets_result(run, sector, year)


def _ets_result(run: AccountingRun, sector: str, year: int | None) -> EtsResult:
    guidelines = ets_methodologies(run.catalog, run.options.methodologies or ETS_METHODOLOGIES)
    document = result_document(run)
    findings: list[EtsFinding] = []
    wanted = {SECTORS[sector]} if sector != "auto" else set(guidelines)
    results = [r for r in document["results"] if year is None or r["period"][:4] == str(year)]
    if not results:
        raise GreenmfgError(f"the input has no data for {year}", f"输入中没有 {year} 年的数据")
    kept, left_out = [], set()
    for result in results:
        if result["industry"] in wanted and result["industry"] in guidelines:
            kept.append(result)
        else:
            left_out.add((result["enterprise_id"], result["facility_id"], result["industry"]))
    for enterprise_id, facility_id, industry in sorted(left_out):
        findings.append(_finding(
            "ets.scope.not_covered", "info", facility=facility_id,
            en=f"unit {facility_id} of {enterprise_id} (industry {industry}) is not accounted: "
               + ("not an industry of the national carbon market's guidelines (steel, cement, aluminium)"
                  if industry not in guidelines else f"the sector chosen is {sector}"),
            zh=f"{enterprise_id} 的设施 {facility_id}（行业 {industry}）未核算："
               + ("不属于全国碳市场核算指南覆盖的行业（钢铁、水泥、铝冶炼）" if industry not in guidelines
                  else f"所选行业为 {sector}"),
            fix="account it with greenmfg account, or choose its sector", fix_zh="请用 greenmfg account 核算，或选择其所属行业"))
    if not kept:
        raise GreenmfgError(
            "no unit of the sector chosen in the input" if sector != "auto"
            else "no unit of a sector of the national carbon market (steel, cement, electrolytic aluminium) in the input",
            "输入中没有所选行业的设施" if sector != "auto" else "输入中没有全国碳市场覆盖行业（钢铁、水泥、电解铝）的设施")
    lines: dict[str, dict[str, Any]] = {}
    cells: dict[tuple[str, str, str], EtsFigures] = {}
    facility_lines: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    names: dict[str, tuple[str, str]] = {}
    for result in kept:
        industry = result["industry"]
        guideline = guidelines[industry]
        figures = EtsFigures()
        for line in result["lines"]:
            derivation = _derivation(line, result, guideline, run)
            lines[derivation["id"]] = derivation
            _add_line(figures, derivation)
            facility_lines[(result["enterprise_id"], result["facility_id"])].append(derivation)
            findings.extend(_monitoring(derivation, guideline, run))
        cells[(result["enterprise_id"], result["facility_id"], result["period"])] = figures
        names[result["enterprise_id"]] = (result["enterprise_name"] or "", industry)
        if len(result["period"]) == 4:
            findings.append(_finding(
                "ets.input.annual_period", "warning", facility=result["facility_id"], period=result["period"],
                en=f"unit {result['facility_id']} reports {result['period']} as a whole year: the guidelines ask for "
                   "monthly data (monthly evidence within 40 days of month end); it counts in the year only",
                zh=f"设施 {result['facility_id']} 按整年（{result['period']}）填报：指南要求按月填报（月后 40 日内存证），"
                   "该数据只计入年度",
                fix="give the data month by month (period YYYY-MM)", fix_zh="请按月填报（期间 YYYY-MM）"))
    findings.extend(_result_findings(lines, guidelines, kept, run))
    facilities = _facilities(cells, facility_lines, kept, guidelines, run, findings)
    companies = _companies(facilities, names, guidelines)
    sectors = sorted({guidelines[i].sector for _, i in names.values()})
    return EtsResult(
        sector=sector if sector != "auto" else ",".join(sectors), year=year,
        months=[m for c in companies for m in c.months], years=[y for c in companies for y in c.years],
        facilities=facilities, companies=companies, lines=lines, findings=findings,
        methodologies={i: guidelines[i].as_dict() for i in sorted({i for _, i in names.values()})},
        provenance=document["provenance"])


def _derivation(line: dict[str, Any], result: dict[str, Any], guideline: EtsMethodology,
                run: AccountingRun) -> dict[str, Any]:
    """The engine's derivation line, with its place, its ETS source and whether it is covered."""
    category = line["category"]
    source = category
    if category == "process" and line["item"] == "aluminium_liquid" and line["flow"] == "produced":
        source = "pfc"
    covered = source in ("combustion", "process", "pfc")
    out = {
        "id": f"{line['file']}:{line['row']}", "enterprise_id": result["enterprise_id"],
        "facility_id": result["facility_id"], "period": result["period"], "source": source, "covered": covered,
        **line,
    }
    if source == "pfc":
        out["pfc"] = _pfc(line, run)
    return out


#: the factors of each PFC method (the derivation's source names) and their units in the formulas
_PFC_FACTORS = {
    "default_factor": {"ef_cf4": "kg/t", "ef_c2f6": "kg/t", "gwp_cf4": "1", "gwp_c2f6": "1"},
    "slope": {"pfc_slope_cf4": "kg/t", "pfc_slope_c2f6_fraction": "1", "gwp_cf4": "1", "gwp_c2f6": "1"},
    "overvoltage": {"pfc_ovc_cf4": "kg/t", "pfc_ovc_c2f6_fraction": "1", "gwp_cf4": "1", "gwp_c2f6": "1"},
}


def _pfc_method(line: dict[str, Any]) -> str:
    """How the engine computed an aluminium output line's PFCs: ``slope``, ``overvoltage`` or ``default_factor``."""
    ef = _parameter(line, "emission_factor")
    ref = (ef or {}).get("ref") or ""
    return "slope" if ref.startswith("slope method") else "overvoltage" if ref.startswith("overvoltage method") \
        else "default_factor"


def _pfc(line: dict[str, Any], run: AccountingRun) -> dict[str, Any]:
    """CF4 and C2F6 of an aluminium output line, by the method and factors its derivation used."""
    method = _pfc_method(line)
    targets = _PFC_FACTORS[method]
    values: dict[str, float] = {}
    sources: list[dict[str, Any]] = []
    for parameter in line["parameters"]:
        for source in parameter["sources"]:
            name = source["ref"].rsplit(".", 1)[1]
            if name in targets:
                unit = source["unit"].replace("kgCF4", "kg").replace("kgC2F6", "kg").replace(
                    "tCO2e/tCF4", "1").replace("tCO2e/tC2F6", "1")
                values[name] = float(source["value"]) * conversion_factor(unit, targets[name])
                sources.append(source)
    if set(values) != set(targets):
        return {"method": method, "formula": "", "sources": sources}
    out: dict[str, Any] = {"method": method, "aluminium_t": line["quantity"], "gwp_cf4": values["gwp_cf4"],
                           "gwp_c2f6": values["gwp_c2f6"]}
    if method == "slope":
        minutes = float((_parameter(line, "anode_effect_minutes") or {})["value"])
        pfc = pfc_slope(line["quantity"], minutes, values["pfc_slope_cf4"], values["pfc_slope_c2f6_fraction"],
                        values["gwp_cf4"], values["gwp_c2f6"])
        out |= {"formula": "E_CF4 = S_CF4 × AEM × P / 1000; E_C2F6 = E_CF4 × F", "anode_effect_minutes": minutes,
                "slope_cf4": values["pfc_slope_cf4"], "c2f6_fraction": values["pfc_slope_c2f6_fraction"]}
    elif method == "overvoltage":
        overvoltage = float((_parameter(line, "anode_effect_overvoltage") or {})["value"])
        efficiency = float((_parameter(line, "current_efficiency") or {})["value"])
        pfc = pfc_overvoltage(line["quantity"], overvoltage, efficiency, values["pfc_ovc_cf4"],
                              values["pfc_ovc_c2f6_fraction"], values["gwp_cf4"], values["gwp_c2f6"])
        out |= {"formula": "E_CF4 = OVC × AEO / CE[%] × P / 1000; E_C2F6 = E_CF4 × F",
                "anode_effect_overvoltage_mv": overvoltage, "current_efficiency": efficiency,
                "ovc_cf4": values["pfc_ovc_cf4"], "c2f6_fraction": values["pfc_ovc_c2f6_fraction"]}
    else:
        pfc = pfc_emissions(line["quantity"], values["ef_cf4"], values["ef_c2f6"], values["gwp_cf4"],
                            values["gwp_c2f6"])
        out |= {"formula": "P × (EF_CF4 × GWP_CF4 + EF_C2F6 × GWP_C2F6) / 1000",
                "ef_cf4_kg_per_t": values["ef_cf4"], "ef_c2f6_kg_per_t": values["ef_c2f6"]}
    return out | {"cf4_t": pfc.cf4_t, "c2f6_t": pfc.c2f6_t, "cf4_tco2e": pfc.cf4_tco2e, "c2f6_tco2e": pfc.c2f6_tco2e,
                  "sources": sources}


def _add_line(figures: EtsFigures, line: dict[str, Any]) -> None:
    source, co2e = line["source"], line["co2e_t"] or 0.0
    if source == "none" or (co2e == 0.0 and source not in ("purchased_electricity", "pfc")):
        return
    figures.lines.append(line["id"])
    if source == "combustion":
        figures.combustion_tco2 += co2e
    elif source == "process":
        figures.process_tco2 += co2e
    elif source == "pfc":
        pfc = line["pfc"]
        if "cf4_tco2e" in pfc:
            figures.cf4_t += pfc["cf4_t"]
            figures.c2f6_t += pfc["c2f6_t"]
            figures.cf4_tco2e += pfc["cf4_tco2e"]
            figures.c2f6_tco2e += pfc["c2f6_tco2e"]
        else:  # factors not split: counted as CF4 (a finding says so)
            figures.cf4_tco2e += co2e
    elif source == "purchased_electricity":
        figures.purchased_electricity_mwh += line["quantity"]
        figures.purchased_electricity_tco2 += co2e
    elif source == "purchased_heat":
        figures.purchased_heat_tco2 += co2e
    elif source == "exported":
        figures.exported_tco2 += co2e


def _finding(code: str, severity: str, *, en: str, zh: str, fix: str = "", fix_zh: str = "",
             line: dict[str, Any] | None = None, column: str = "", value: object = "", ref: str = "",
             facility: str = "", period: str = "") -> EtsFinding:
    return EtsFinding(code=code, message=en, fix=fix, message_zh=zh, fix_zh=fix_zh, severity=severity,
                      file=line["file"] if line else "", row=line["row"] if line else None, column=column,
                      value="" if value is None else str(value), ref=ref,
                      facility_id=line["facility_id"] if line else facility, period=line["period"] if line else period)


def _parameter(line: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((p for p in line["parameters"] if p["name"] == name), None)


def _monitoring(line: dict[str, Any], guideline: EtsMethodology, run: AccountingRun) -> Iterable[EtsFinding]:
    """The guideline's monitoring rules on one covered line."""
    if not line["covered"]:
        return
    item = run.vocabulary.items.get(line["item"])
    name = f"{line['item_name_zh']} ({item.name_en})" if item else line["item"]
    for rule in guideline.monitoring:
        if rule.parameter not in _PARAMETER or not rule.applies_to(line["item"], line.get("kind") or ""):
            continue
        parameter = _parameter(line, _PARAMETER[rule.parameter])
        if parameter is None:
            continue
        measured = (parameter["ref"] or "").startswith("measured")
        if rule.requirement == "measured" and not measured:
            default = f"{parameter['value']:g} {parameter['unit']} ({parameter['ref']})"
            yield _finding(
                "ets.monitoring.default_used", "warning", line=line, column=_COLUMN[parameter["name"]], ref=rule.key,
                en=f"{name}: {guideline.code} requires its {rule.name_en} to be measured ({rule.frequency_en}); none "
                   f"was given, so the guideline's default {default} was used",
                zh=f"{name}：{guideline.code} 要求实测{rule.name_zh}（{rule.frequency_zh}）；未填写实测值，已采用指南缺省值 {default}",
                fix=f"give the measured value in column {_COLUMN[parameter['name']]} of this row",
                fix_zh=f"请在该行“{_COLUMN[parameter['name']]}”列填写实测值")
        elif rule.requirement == "default" and measured:
            yield _finding(
                "ets.monitoring.measured_not_allowed", "warning", line=line, column=_COLUMN[parameter["name"]],
                ref=rule.key, value=parameter["value"],
                en=f"{name}: {guideline.code} prescribes the default {rule.name_en} ({rule.frequency_en}); the measured "
                   "value given was used, so this figure departs from the guideline",
                zh=f"{name}：{guideline.code} 规定{rule.name_zh}采用缺省值（{rule.frequency_zh}）；已使用填写的实测值，该数据与指南不一致",
                fix="leave the measured value empty for the national carbon market report",
                fix_zh="全国碳市场报告请删去该实测值")
    if line["source"] == "pfc" and line["pfc"].get("method") == "default_factor" and line["co2e_t"]:
        yield _finding(
            "ets.aluminium.pfc_default_factor", "info", line=line, column="anode_effect_minutes",
            en=f"{name}: anode-effect PFCs from the default factors per tonne of aluminium; the slope method "
               "(anode-effect minutes per cell-day) or the overvoltage method (overvoltage and current efficiency) "
               "applies when the plant's measurements are given",
            zh=f"{name}：阳极效应全氟化碳按吨铝缺省排放因子计算；填写实测的每槽日阳极效应分钟数（斜率法）或阳极效应过电压"
               "与电流效率（过电压法）后按相应方法计算",
            fix="give the month's anode-effect minutes per cell-day in column anode_effect_minutes of this row",
            fix_zh="请在该行“阳极效应持续时间”列填写当月每槽日阳极效应分钟数")
    if guideline.sector == "cement" and line["item"] == "clinker" and _parameter(line, "clinker_cao_content"):
        yield _finding(
            "ets.cement.clinker_oxides_used", "warning", line=line, column="clinker_cao",
            en=f"clinker: the measured CaO/MgO contents were used (the NDRC 2013 method); {guideline.code} computes "
               "clinker process emissions as clinker output × the clinker process factor",
            zh=f"熟料：已按实测 CaO/MgO 含量计算（发改委 2013 方法）；{guideline.code} 按熟料产量 × 熟料过程排放因子计算",
            fix="leave the clinker CaO/MgO columns empty for the national carbon market report",
            fix_zh="全国碳市场报告请删去熟料 CaO/MgO 含量")


def _result_findings(lines: dict[str, dict[str, Any]], guidelines: dict[str, EtsMethodology],
                     kept: list[dict[str, Any]], run: AccountingRun) -> list[EtsFinding]:
    """Findings on the whole result: unverified values in covered figures, defaults not of the
    guideline, the guideline's rules not found, what is not computed."""
    findings: list[EtsFinding] = []
    by_ref: dict[str, list[str]] = defaultdict(list)
    for line in lines.values():
        if line["covered"] and line["co2e_t"]:
            # the values its emissions used (not the standard-coal coefficient of its energy)
            used = {s["ref"] for p in line["parameters"] if p["name"] in _EMISSION_PARAMETERS for s in p["sources"]}
            for ref in sorted(used & set(line["unverified"])):
                by_ref[ref].append(line["id"])
    for ref, ids in sorted(by_ref.items()):
        row = run.bound.rows.get(ref)
        if row is None or not row.needs_warning:
            continue
        findings.append(_finding(
            "ets.value.unverified", "warning", ref=ref, value=row.value,
            en=f"covered emissions use {ref} = {row.value:g} {row.unit}, status '{row.verification_status}' (not "
               f"verified against the guideline's text) on {len(ids)} line(s); sources in the derivation lines",
            zh=f"覆盖排放使用了未经指南原文核实的取值 {ref} = {row.value:g} {row.unit}（状态：{row.verification_status}），"
               f"涉及 {len(ids)} 行",
            fix="check the value against the guideline and give measured values where the guideline allows",
            fix_zh="请对照指南原文核实，或在指南允许时填写实测值"))
    industries = {r["industry"] for r in kept}
    for industry in sorted(industries):
        guideline = guidelines[industry]
        methodology = run.bound.methodologies.get(industry)
        own = tuple(f"{t}:" for t in (methodology.tables if methodology else ()))
        general = sorted({p["ref"] for line in lines.values() if line["covered"] and line.get("kind") == "fuel"
                          for p in line["parameters"] if p["name"] in ("net_calorific_value", "carbon_content")
                          and p["ref"] and not p["ref"].startswith("measured") and not p["ref"].startswith(own)
                          and line["facility_id"] in {r["facility_id"] for r in kept if r["industry"] == industry}})
        if general:
            findings.append(_finding(
                "ets.methodology.table_not_encoded", "warning", ref=";".join(general),
                en=f"fuel defaults of {guideline.code} are not encoded (its default table was not found): combustion "
                   f"uses the general tables ({', '.join(general)})",
                zh=f"{guideline.code} 的燃料缺省值尚未录入（未找到其缺省值表）：化石燃料燃烧采用通用缺省值（{'、'.join(general)}）",
                fix="give measured NCV and carbon content, or check the figures against the guideline's App. A",
                fix_zh="请填写实测低位发热量和含碳量，或对照指南附录A核对"))
        for rule in guideline.monitoring:
            if rule.requirement == "not_found":
                findings.append(_finding(
                    "ets.monitoring.requirement_not_found", "info", ref=rule.key,
                    en=f"{guideline.code}: {rule.name_en}: {rule.frequency_en}",
                    zh=f"{guideline.code}：{rule.name_zh}：{rule.frequency_zh}"))
        for note in guideline.notes:
            findings.append(_finding(
                f"ets.{guideline.sector}.{note['key'].rsplit('.', 1)[1]}",
                "warning" if note["section"] == "caveat" else "info", ref=note["key"],
                en=f"{guideline.code}: {note['name_en']}: {note['notes']}", zh=f"{guideline.code}：{note['name_zh']}"))
    return findings


def _months_and_years(rows: list[tuple[str, EtsFigures]]) -> tuple[list[EtsRow], list[EtsRow]]:
    """Months and years of (period, figures) pairs (an annual period counts in its year only)."""
    return (_summed((p, f) for p, f in rows if len(p) == 7), _summed((p[:4], f) for p, f in rows))


def _steel_process(lines: list[dict[str, Any]], guideline: EtsMethodology) -> tuple[str, bool]:
    """A steel unit's process (from the product it reports) and whether it is a co-firing power unit."""
    # a process's product: produced, or (coke) passed on to the next process as a fuel "exported"
    products = {line["item"] for line in lines if line["flow"] == "produced"
                or (line["flow"] == "exported" and line.get("kind") != "electricity" and line.get("kind") != "heat")}
    found = [p for p in _STEEL_ORDER if guideline.processes.get(p, {}).get("item") in products]
    if len(found) == 1:
        return found[0], False
    if len(found) > 1:
        return "mixed", False
    if guideline.processes.get("rolling", {}).get("item") in products:
        return "rolling", False
    if not products and any(line["item"] == "electricity" and line["flow"] == "exported" for line in lines):
        return "power", True
    return "other", False


def _facilities(cells: dict[tuple[str, str, str], EtsFigures], facility_lines: dict[tuple[str, str], list[dict[str, Any]]],
                kept: list[dict[str, Any]], guidelines: dict[str, EtsMethodology], run: AccountingRun,
                findings: list[EtsFinding]) -> list[EtsFacility]:
    industry_of = {(r["enterprise_id"], r["facility_id"]): r["industry"] for r in kept}
    out = []
    for (enterprise_id, facility_id), industry in sorted(industry_of.items()):
        guideline = guidelines[industry]
        facility = EtsFacility(enterprise_id, facility_id, industry, guideline.sector)
        lines = facility_lines[(enterprise_id, facility_id)]
        if guideline.sector == "steel":
            facility.process, facility.captive_power = _steel_process(lines, guideline)
            if facility.process == "mixed":
                findings.append(_finding(
                    "ets.steel.several_processes", "warning", facility=facility_id,
                    en=f"unit {facility_id} reports products of several main processes: the process-level figures "
                       "(CETS—AG—03.01 formula (2)) need one unit (facility) per process; it counts under 'other'",
                    zh=f"设施 {facility_id} 填报了多个主要工序的产品：工序层级排放（公式 2）需按工序分设施填报；该设施计入“其他”",
                    fix="report each process (coking, sintering, pelletising, ironmaking, steelmaking) as its own facility",
                    fix_zh="请将各工序（炼焦、烧结、球团、炼铁、炼钢）分别作为设施填报"))
        cofiring = _cofiring_by_period(lines, guideline, run) if facility.captive_power else {}
        rows = []
        for (e, f, period), figures in cells.items():
            if (e, f) == (enterprise_id, facility_id):
                if facility.captive_power:
                    figures.cofiring_tco2 = cofiring.get(period, 0.0)
                rows.append((period, figures))
        months, years = _months_and_years(rows)
        for row in (*months, *years):
            row.enterprise_id, row.facility_id = enterprise_id, facility_id
        facility.months, facility.years = months, years
        out.append(facility)
    return out


def _cofiring_by_period(lines: list[dict[str, Any]], guideline: EtsMethodology, run: AccountingRun) -> dict[str, float]:
    """Formula (3) of a co-firing power unit per period: its fuel lines with the table's oxidation rate."""
    methodology = run.bound.methodologies.get(guideline.industry)
    tables = [run.catalog.dataset(t) for t in (methodology.tables if methodology else ())]
    by_period: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for line in lines:
        if line["source"] != "combustion":
            continue
        row = next((r for t in tables if (r := t.get(line["item"], "oxidation_rate")) is not None), None)
        rate = (row.value or 0.0) * conversion_factor(row.unit, "1") if row is not None else 1.0
        line["cofiring"] = {"oxidation_rate": rate, "ref": row.reference() if row else "not found: 1",
                            "co2_t": line["co2e_t"] * rate, "formula": "FC × NCV × CC × OF × 44/12 (formula (3))"}
        by_period[line["period"]].append((line["co2e_t"], rate))
    return {period: cofiring_emissions_t(pairs) for period, pairs in by_period.items()}


def _companies(facilities: list[EtsFacility], names: dict[str, tuple[str, str]],
               guidelines: dict[str, EtsMethodology]) -> list[EtsCompany]:
    out = []
    for enterprise_id, (name, industry) in sorted(names.items()):
        guideline = guidelines[industry]
        company = EtsCompany(enterprise_id, name, industry, guideline.sector)
        own = [f for f in facilities if f.enterprise_id == enterprise_id]
        # the company's months sum its units' months; its years their years (which count annual rows too)
        company.months = _summed((row.period, row.figures) for f in own for row in f.months)
        company.years = _summed((row.period, row.figures) for f in own for row in f.years)
        for row in (*company.months, *company.years):
            row.enterprise_id = enterprise_id
        if guideline.sector == "steel":
            company.processes = _steel_processes(own, company)
        out.append(company)
    return out


def _summed(pairs: Iterable[tuple[str, EtsFigures]]) -> list[EtsRow]:
    """One row per period, the figures of ``pairs`` added up."""
    sums: dict[str, EtsFigures] = {}
    for period, figures in pairs:
        sums.setdefault(period, EtsFigures()).add(figures)
    return [EtsRow("", period, figures) for period, figures in sorted(sums.items())]


def _steel_processes(facilities: list[EtsFacility], company: EtsCompany) -> list[EtsRow]:
    """Steel process level per period: formula (2) per main process (net fuel of its units),
    (3) per co-firing power unit, (4) the other processes (the enterprise minus those)."""
    out: list[EtsRow] = []
    for total in (*company.months, *company.years):
        period = total.period
        main: dict[str, float] = defaultdict(float)
        cofiring: dict[str, float] = {}
        for facility in facilities:
            row = next((r for r in (*facility.months, *facility.years) if r.period == period), None)
            if row is None:
                continue
            if facility.captive_power:
                cofiring[facility.facility_id] = row.figures.cofiring_tco2 or 0.0
            elif facility.process in _STEEL_ORDER:
                main[facility.process] += row.figures.combustion_tco2
        for process in _STEEL_ORDER:
            if process in main:
                out.append(EtsRow(company.enterprise_id, period, EtsFigures(combustion_tco2=main[process]), process=process))
        for facility_id, value in sorted(cofiring.items()):
            out.append(EtsRow(company.enterprise_id, period, EtsFigures(combustion_tco2=0.0, cofiring_tco2=value),
                              facility_id=facility_id, process="power"))
        other = other_processes_t(total.covered_tco2e, main.values(), cofiring.values())
        out.append(EtsRow(company.enterprise_id, period, EtsFigures(process_tco2=other), process="other"))
    return out
