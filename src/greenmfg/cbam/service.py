"""EU CBAM embedded emissions of an installation's goods, from the activity template.

The installation's emissions come from the one accounting engine
(:func:`greenmfg.accounting.account` / :func:`~greenmfg.accounting.account_table`) per facility
(= production process) and period; this service attributes them to the process by the CBAM rules,
adds the precursors (made in the installation, a supplier's communicated values, or the default
value), computes the specific embedded emissions (SEE) of each good by CN code, compares them with
the default value and its mark-up, and estimates the free-allocation adjustment, the carbon price
paid in China, the certificates and their cost. The formulas are in :mod:`greenmfg.calc.cbam`.

What the activity template cannot express, and how it is treated (each reported as a finding
where it matters): waste gases exchanged between processes (no correction); measurable heat
imported or exported (valued with the heat factor of ``greenmfg account``, not the CBAM one);
electricity produced and exported (valued with the grid factor of ``greenmfg account``, not the
installation's own generation factor); electricity generated and consumed in the same process
(its fuels count as direct emissions, not as indirect).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from greenmfg import __version__
from greenmfg.calc.cbam import (
    CycleError,
    PrecursorInput,
    ProcessInput,
    attributed_direct_t,
    certificates,
    default_with_markup,
    free_allocation_per_t,
    indirect_emissions_t,
    specific_embedded_emissions,
)
from greenmfg.errors import Finding, GreenmfgError, ValidationFailed
from greenmfg.refdata.words import in_words
from greenmfg.units import conversion_factor

from .communication import SupplierRecord
from .inputs import GoodRow, PrecursorRow, read_goods, read_precursors
from .models import ELECTRICITY_RULES, CbamGood, CbamOptions, CbamProcess, CbamResult
from .rules import Cited, Rules, cn_display, load_rules

__all__ = ["account_cbam", "cbam_from_rows"]

_MAX_ISSUES = 200


def _finding(code: str, severity: str, en: str, zh: str, fix: str = "", fix_zh: str = "", *, file: str = "",
             row: int | None = None, column: str = "", value: object = "") -> Finding:
    return Finding(code=code, message=en, fix=fix, message_zh=zh, fix_zh=fix_zh, severity=severity, file=file, row=row,
                   column=column, value="" if value is None else str(value))


def account_cbam(activity: str | Path | pa.Table | ir.Table, goods: str | Path, precursors: str | Path | None = None,
                 *, options: CbamOptions | None = None, rules: Rules | None = None,
                 suppliers: Iterable[str | Path] = ()) -> CbamResult:
    """Specific embedded emissions of the goods of an installation, by the EU CBAM rules in force.

    Parameters
    ----------
    activity
        The activity template (file or folder, or rows in memory) of ``greenmfg account``: one
        facility per production process.
    goods
        .csv/.xlsx: ``facility_id, period, cn_code, quantity, unit``.
    precursors
        .csv/.xlsx: ``facility_id, period, precursor_cn_code, quantity, unit`` and
        ``from_facility_id`` or ``see_direct, see_indirect, source`` or neither (default value).
    options
        :class:`~greenmfg.cbam.models.CbamOptions`.
    suppliers
        Suppliers' filled CBAM communication templates (.xlsx): a precursors row without values
        whose ``supplier`` names one (its installation or file name) takes its SEE of the CN code.

    Returns
    -------
    CbamResult

    Raises
    ------
    ValidationFailed
        A row of any input is bad (located: file, row, column; English and Chinese).
    GreenmfgError
        An option is inconsistent (a carbon price without its exchange rate).

    References
    ----------
    Regulation (EU) 2023/956 (Annexes I, II, IV) as amended by (EU) 2025/2083; Implementing
    Regulations (EU) 2025/2547 (calculation), 2025/2621 (default values), 2025/2620
    (free-allocation adjustment), 2025/2548 (certificate price).
    """
    rules = rules or load_rules()
    goods_rows, goods_sha = read_goods(Path(goods), rules)
    precursor_rows, precursors_sha = read_precursors(Path(precursors), rules) if precursors else ([], "")
    from .communication import read_communication

    records = [r for supplier in suppliers for r in read_communication(Path(supplier), rules)]
    from greenmfg.accounting.output import result_document
    from greenmfg.accounting.service import account, account_table

    run = account_table(activity) if isinstance(activity, pa.Table | ir.Table) else account(Path(activity))
    document = result_document(run)
    inputs = [{"file": Path(goods).name, "sha256": goods_sha}]
    if precursors:
        inputs.append({"file": Path(precursors).name, "sha256": precursors_sha})
    inputs += [{"file": Path(s).name, "sha256": hashlib.sha256(Path(s).read_bytes()).hexdigest()} for s in suppliers]
    return cbam_from_rows(document, goods_rows, precursor_rows, options=options or CbamOptions(), rules=rules,
                          inputs=inputs, supplier_records=records)


@dataclass
class _Place:
    file: str
    row: int


def _located(issues: list[Finding], code: str, place: _Place, column: str, value: object, en: str, zh: str,
             fix: str, fix_zh: str) -> None:
    if len(issues) < _MAX_ISSUES:
        issues.append(_finding(f"cbam.input.{code}", "error", f"{column}: {en}", f"{column}：{zh}", fix, fix_zh,
                               file=place.file, row=place.row, column=column, value=value))


def _results_of(results: list[dict[str, Any]], period: str) -> list[dict[str, Any]]:
    exact = [r for r in results if r["period"] == period]
    if exact or len(period) != 4:
        return exact
    return [r for r in results if r["period"].startswith(period + "-")]


def _supplier_values(p: PrecursorRow, records: list[SupplierRecord]) -> SupplierRecord | None:
    """The record of a supplier's template that a precursors row names (supplier column) for its CN code."""
    named = [r for r in records if p.supplier and p.supplier in (r.installation, r.file, Path(r.file).stem)]
    exact = [r for r in named if r.cn == p.cn]
    near = [r for r in named if r.cn.startswith(p.cn) or p.cn.startswith(r.cn)]
    chosen = exact or near
    return chosen[0] if len(chosen) >= 1 and len({(r.see_direct, r.see_indirect) for r in chosen}) == 1 else None


def cbam_from_rows(document: dict[str, Any], goods_rows: list[GoodRow], precursor_rows: list[PrecursorRow], *,
                   options: CbamOptions, rules: Rules, inputs: list[dict[str, str]] | None = None,
                   supplier_records: list[SupplierRecord] | None = None) -> CbamResult:
    """The CBAM result from an accounting result document (:func:`greenmfg.accounting.result_document`)
    and the goods and precursors read. See :func:`account_cbam`."""
    if options.carbon_price_cny_per_t is not None and not options.eur_per_cny:
        raise GreenmfgError("a carbon price paid needs the exchange rate (EUR per CNY)",
                            "填写已支付碳价时须同时填写汇率（欧元/人民币）", code="cbam_missing_exchange_rate")
    if not 0.0 <= options.carbon_price_share <= 1.0:
        raise GreenmfgError("the share of emissions priced must lie between 0 and 1",
                            "碳价覆盖的排放比例须在 0 至 1 之间", code="cbam_bad_share")
    issues: list[Finding] = []
    findings: list[Finding] = []
    used: dict[str, Cited | Any] = {}
    by_facility: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in document["results"]:
        by_facility[result["facility_id"]].append(result)
    year = options.year or max(int(g.period[:4]) for g in goods_rows)

    # the production processes: (facility, period) of the goods, with one aggregated goods category
    goods_of: dict[tuple[str, str], list[GoodRow]] = defaultdict(list)
    for good in goods_rows:
        goods_of[(good.facility_id, good.period)].append(good)
    processes: dict[tuple[str, str], CbamProcess] = {}
    for (facility, period), rows in goods_of.items():
        first = rows[0]
        place = _Place(first.file, first.row)
        categories = {rules.good(g.cn).category for g in rows}  # type: ignore[union-attr]
        if len(categories) > 1:
            _located(issues, "mixed_categories", _Place(rows[-1].file, rows[-1].row), "cn_code", cn_display(rows[-1].cn),
                     f"facility {facility} makes goods of several aggregated goods categories ({', '.join(sorted(categories))}) "
                     "in one period", f"设施 {facility} 同一期间生产多个汇总货物类别的产品（{'、'.join(sorted(categories))}）",
                     "report each production process (one category) as its own facility in the activity data",
                     "请在活动数据中把每个生产工序（一个类别）作为单独设施填报")
            continue
        results = by_facility.get(facility, [])
        enterprises = {r["enterprise_id"] for r in results}
        if len(enterprises) > 1:
            _located(issues, "ambiguous_facility", place, "facility_id", facility,
                     f"facility {facility} belongs to several enterprises of the activity data ({', '.join(sorted(enterprises))})",
                     f"活动数据中多个企业都有设施 {facility}（{'、'.join(sorted(enterprises))}）",
                     "account one installation at a time", "请每次只核算一个装置（企业）")
            continue
        matched = _results_of(results, period)
        if not matched:
            known = sorted({r["period"] for r in results})
            _located(issues, "no_activity", place, "facility_id", facility,
                     f"the activity data have no rows of facility {facility} for {period}"
                     + (f" (it has {', '.join(known[:6])})" if known else " (no such facility)"),
                     f"活动数据中没有设施 {facility} 在 {period} 的数据" + (f"（已有期间：{'、'.join(known[:6])}）" if known else "（无此设施）"),
                     "use the facility_id and period of the activity template", "请使用活动数据中的设施编号和期间")
            continue
        processes[(facility, period)] = _attributed(facility, period, matched, rules.good(first.cn).category,  # type: ignore[union-attr]
                                                    sum(g.quantity_t for g in rows), options, rules, findings, used)

    # precursors by process
    precursor_inputs: dict[tuple[str, str], list[PrecursorInput]] = defaultdict(list)
    precursor_docs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for p in precursor_rows:
        place = _Place(p.file, p.row)
        key = (p.facility_id, p.period)
        if key not in goods_of:
            _located(issues, "unknown_process", place, "facility_id", p.facility_id,
                     f"no good of facility {p.facility_id} in {p.period} in the goods file",
                     f"产品文件中没有设施 {p.facility_id} 在 {p.period} 的产品",
                     "list the process's goods in the goods file, or correct facility_id/period",
                     "请在产品文件中填写该工序的产品，或更正设施编号/期间")
            continue
        precursor_good = rules.good(p.cn)
        assert precursor_good is not None
        user_good = rules.good(goods_of[key][0].cn)
        assert user_good is not None
        if user_good.relevant_precursors and precursor_good.category not in user_good.relevant_precursors:
            findings.append(_finding(
                "cbam.precursor.not_relevant", "warning",
                f"{cn_display(p.cn)} ({precursor_good.name_en}) is not among the relevant precursors of "
                f"{user_good.name_en}; it is counted as given", f"{cn_display(p.cn)}（{precursor_good.name_zh}）不在"
                f"{user_good.name_zh}的相关前体之列；仍按所填计入", "check the precursor's CN code", "请核对前体的CN编码",
                file=p.file, row=p.row, column="precursor_cn_code", value=cn_display(p.cn)))
        label = f"{cn_display(p.cn)} {precursor_good.name_en}"
        doc: dict[str, Any] = {"cn_code": cn_display(p.cn), "category": precursor_good.category, "mass_t": p.quantity_t,
                               "kind": p.kind, "file": p.file, "row": p.row}
        if p.kind == "own":
            source_key = (p.from_facility_id, p.period)
            if source_key not in goods_of:
                _located(issues, "unknown_source_process", place, "from_facility_id", p.from_facility_id,
                         f"facility {p.from_facility_id} makes no good in {p.period} in the goods file",
                         f"产品文件中设施 {p.from_facility_id} 在 {p.period} 没有产品",
                         "list what that process made in the goods file (same period)",
                         "请在产品文件中填写该工序同期的产品")
                continue
            made = rules.good(goods_of[source_key][0].cn)
            assert made is not None
            if made.category != precursor_good.category:
                _located(issues, "source_makes_other", place, "from_facility_id", p.from_facility_id,
                         f"facility {p.from_facility_id} makes {made.name_en}, not {precursor_good.name_en}",
                         f"设施 {p.from_facility_id} 生产的是{made.name_zh}，不是{precursor_good.name_zh}",
                         "name the process that made this precursor", "请填写生产该前体的工序")
                continue
            precursor_inputs[key].append(PrecursorInput(p.quantity_t, process=f"{p.from_facility_id}|{p.period}",
                                                        label=label))
            doc.update(from_facility_id=p.from_facility_id)
        elif p.kind == "supplier":
            precursor_inputs[key].append(PrecursorInput(
                p.quantity_t, see_direct=p.see_direct or 0.0, see_indirect=p.see_indirect or 0.0,
                indirect_counts=precursor_good.indirect_counts, label=label))
            doc.update(see_direct=p.see_direct, see_indirect=p.see_indirect, source=p.source, supplier=p.supplier)
        elif p.supplier and supplier_records and any(
                p.supplier in (r.installation, r.file, Path(r.file).stem) for r in supplier_records):
            record = _supplier_values(p, supplier_records)
            if record is None:
                _located(issues, "not_in_supplier_template", place, "precursor_cn_code", cn_display(p.cn),
                         f"the communication template of {p.supplier} gives no single SEE for {cn_display(p.cn)}",
                         f"{p.supplier} 的通报模板中没有 {cn_display(p.cn)} 的唯一排放强度",
                         "check the CN code against the supplier's template", "请对照供应商模板核对CN编码")
                continue
            precursor_inputs[key].append(PrecursorInput(
                p.quantity_t, see_direct=record.see_direct, see_indirect=record.see_indirect,
                indirect_counts=precursor_good.indirect_counts, label=label))
            doc.update(kind="supplier", see_direct=record.see_direct, see_indirect=record.see_indirect,
                       source=record.source, supplier=p.supplier)
        else:
            value, fallback = _precursor_default(p, rules)
            if value is None:
                _located(issues, "no_default", place, "precursor_cn_code", cn_display(p.cn),
                         f"no default value of {cn_display(p.cn)} from {p.country} is known to greenmfg "
                         "(IR 2025/2621 row not found)", f"greenmfg 没有 {cn_display(p.cn)}（{p.country}）的缺省值"
                         "（未找到 2025/2621 的相应行）", "give the supplier's values (see_direct, see_indirect, source) "
                         "or from_facility_id", "请填写供应商数据（直接、间接排放强度及来源）或本厂来源设施编号")
                continue
            used[value.ref] = value
            if fallback:
                findings.append(_finding(
                    "cbam.precursor.default_fallback", "warning",
                    f"no default value of {cn_display(p.cn)} for {p.country}: the value for {value.country} is used",
                    f"没有 {cn_display(p.cn)} 的 {p.country} 缺省值：采用 {value.country} 的值",
                    "give the supplier's values where you can", "如有可能请填写供应商数据",
                    file=p.file, row=p.row, column="country", value=p.country))
            precursor_inputs[key].append(PrecursorInput(
                p.quantity_t, see_direct=value.direct or 0.0, see_indirect=value.indirect or 0.0,
                indirect_counts=precursor_good.indirect_counts, estimated=True, label=label))
            doc.update(see_direct=value.direct, see_indirect=value.indirect, source=value.source,
                       default_ref=value.ref, verification_status=value.verification_status, country=value.country)
        precursor_docs[key].append(doc)
    if issues:
        raise ValidationFailed(issues, len(issues))

    nodes = {f"{f}|{p}": ProcessInput(proc.activity_level_t, proc.attributed_direct_t, proc.attributed_indirect_t,
                                      rules.good(goods_of[(f, p)][0].cn).indirect_counts,  # type: ignore[union-attr]
                                      tuple(precursor_inputs.get((f, p), ())))
             for (f, p), proc in processes.items()}
    try:
        see = specific_embedded_emissions(nodes)
    except CycleError as error:
        cycle_row = precursor_rows[0]
        raise ValidationFailed([_finding(
            "cbam.input.precursor_cycle", "error",
            f"from_facility_id: the precursors lead back in a circle: {' → '.join(k.split('|')[0] for k in error.cycle)}",
            f"来源设施编号：前体来源形成循环：{' → '.join(k.split('|')[0] for k in error.cycle)}",
            "a process's precursor must come from another process", "工序的前体须来自其他工序",
            file=cycle_row.file, column="from_facility_id")], 1) from None
    for key, process in processes.items():
        process.see = see[f"{key[0]}|{key[1]}"]
        process.precursors = precursor_docs.get(key, [])
        process.derivation += _see_derivation(process)

    price, price_ref = _price(year, options, rules, findings, used)
    goods = [_good(g, processes[(g.facility_id, g.period)], year, price, options, rules, findings, used)
             for g in goods_rows]
    de_minimis = _de_minimis(goods, rules, findings, used)
    findings += _notes(processes, goods, options)
    findings += _unverified(used)
    return CbamResult(
        year=year, processes=list(processes.values()), goods=goods, findings=findings, options=options,
        certificate_price_eur=price, certificate_price_ref=price_ref, de_minimis=de_minimis,
        provenance={"greenmfg_version": __version__, "accounting": document["provenance"],
                    "datasets": [_dataset(rules, d) for d in rules.dataset_ids()], "inputs": inputs or []})


def _dataset(rules: Rules, dataset_id: str) -> dict[str, str]:
    info = rules.catalog.dataset(dataset_id).info
    return {"id": info.id, "title": info.title, "title_zh": info.title_zh, "edition": info.edition,
            "publisher": info.publisher, "sha256": info.sha256}


def _precursor_default(p: PrecursorRow, rules: Rules) -> tuple[Any, bool]:
    """The default value of a precursor on defaults, and whether another country's value stands in."""
    own = rules.default(p.cn, p.country)
    if own is not None:
        return (own if own.found else None), False
    if p.country == "CN":  # China is listed in the annex: a missing row is a gap of greenmfg's data
        return None, False
    for country in ("OTHER", "UNKNOWN"):
        value = rules.default(p.cn, country)
        if value is not None and value.found:
            return value, True
    return None, False


def _to(quantity: float, unit: str, target: str) -> float:
    return quantity * conversion_factor(unit, target) if unit and unit != target else quantity


def _is_mass(unit: str) -> bool:
    try:
        conversion_factor(unit, "t")
    except ValueError:
        return False
    return True


def _attributed(facility: str, period: str, results: list[dict[str, Any]], category: str, level: float,
                options: CbamOptions, rules: Rules, findings: list[Finding], used: dict[str, Any]) -> CbamProcess:
    """Attribute a facility's accounted emissions of the period to its production process."""
    direct = heat_in = heat_out = electricity_out = combustion = 0.0
    electricity_mwh = grid_t = 0.0
    lines: list[str] = []
    for result in results:
        for line in result["lines"]:
            co2e = line["co2e_t"] or 0.0
            category_of_line = line["category"]
            if category_of_line in ("combustion", "process"):
                direct += co2e
                combustion += co2e if category_of_line == "combustion" else 0.0
            elif category_of_line == "purchased_heat":
                heat_in += co2e
            elif category_of_line == "purchased_electricity":
                electricity_mwh += _to(line["quantity"], line["unit"], "MWh")
                grid_t += co2e
            elif category_of_line == "exported":
                if line["item"] == "electricity":
                    electricity_out += -co2e
                else:
                    heat_out += -co2e
            else:
                continue
            if co2e:
                lines.append(f"{line['file']}:{line['row']}")
    produced = sum(_to(p["quantity"], p["unit"], "t") for r in results for p in r["products"]
                   if p.get("unit") and _is_mass(p["unit"]))
    if produced and abs(produced - level) > 0.01 * produced:
        findings.append(_finding(
            "cbam.activity_level.differs", "warning",
            f"{facility} {period}: the goods file gives {level:.6g} t made, the activity data {produced:.6g} t of output; "
            "the SEE divides by the goods file's quantity (all the process made, sold or used further)",
            f"{facility} {period}：产品文件中产量 {level:.6g} 吨，活动数据中产出 {produced:.6g} 吨；"
            "隐含排放强度按产品文件的数量（该工序全部产量，含外售和厂内继续使用部分）计算",
            "give the whole production of the process in the goods file", "请在产品文件中填写该工序的全部产量"))
    attributed = attributed_direct_t(direct, heat_imported_t=heat_in, heat_exported_t=heat_out,
                                     electricity_exported_t=electricity_out)
    if options.electricity_ef is not None:
        ef: float | None = options.electricity_ef
        rule, source = "actual", options.electricity_ef_source
    else:
        cbam_default = rules.electricity_factor("CN")
        if cbam_default is not None:
            used[cbam_default.ref] = cbam_default
            ef, rule, source = cbam_default.value, "cbam_default", cbam_default.ref
        else:
            ef = grid_t / electricity_mwh if electricity_mwh else None
            rule = "grid"
            source = ", ".join(sorted({s["dataset"] for r in results for line in r["lines"]
                                       if line["category"] == "purchased_electricity"
                                       for parameter in line["parameters"] for s in parameter["sources"]
                                       if s["dataset"].startswith("grid_factors/")}))
    indirect = indirect_emissions_t(electricity_mwh, ef or 0.0)
    first = results[0]
    process = CbamProcess(
        facility_id=facility, period=period, enterprise_id=first["enterprise_id"],
        enterprise_name=first.get("enterprise_name") or "", category=category, activity_level_t=level, direct_t=direct,
        heat_imported_t=heat_in, heat_exported_t=heat_out, electricity_exported_t=electricity_out,
        attributed_direct_t=attributed, electricity_mwh=electricity_mwh, electricity_ef=ef, electricity_rule=rule,
        electricity_source=source, attributed_indirect_t=indirect, combustion_t=combustion,
        process_t=direct - combustion,
        accounting_periods=sorted(r["period"] for r in results))
    process.derivation = [
        f"AttrEm_dir = DirEm {direct:.6g} + Em_H,imp {heat_in:.6g} − Em_H,exp {heat_out:.6g} − Em_el,exp "
        f"{electricity_out:.6g} = {attributed:.6g} tCO2e"
        f"{' (negative: set to zero, IR 2025/2547 Annex III A.3)' if direct + heat_in - heat_out - electricity_out < 0 else ''}"
        f" (lines {', '.join(lines[:20])}{' …' if len(lines) > 20 else ''})",
        f"AttrEm_indir = E_el {electricity_mwh:.6g} MWh × EF_el {0.0 if ef is None else ef:.6g} tCO2/MWh "
        f"({ELECTRICITY_RULES[rule][0]}) = {indirect:.6g} tCO2e",
    ]
    return process


def _see_derivation(process: CbamProcess) -> list[str]:
    see = process.see
    assert see is not None
    level = process.activity_level_t
    terms = " + ".join(f"{t['mass_t']:.6g} t × {t['see_direct']:.6g}" for t in see.terms)
    terms_ind = " + ".join(f"{t['mass_t']:.6g} t × {t['see_indirect']:.6g}" for t in see.terms)
    out = [f"SEE_dir = (AttrEm_dir {process.attributed_direct_t:.6g}" + (f" + {terms}" if terms else "")
           + f") / AL {level:.6g} t = {see.direct:.6g} tCO2e/t",
           f"SEE_indir = (AttrEm_indir {process.attributed_indirect_t:.6g}" + (f" + {terms_ind}" if terms_ind else "")
           + f") / AL {level:.6g} t = {see.indirect:.6g} tCO2e/t"]
    return out


def _price(year: int, options: CbamOptions, rules: Rules, findings: list[Finding],
           used: dict[str, Any]) -> tuple[float | None, str]:
    if options.certificate_price_eur is not None:
        return options.certificate_price_eur, "option: certificate price given"
    published = rules.certificate_price(year)
    if published is not None:
        quarter, cited = published
        used[cited.ref] = cited
        findings.append(_finding(
            "cbam.price.published_quarter", "info",
            f"certificate price {cited.value:g} EUR/t: the published price for {year} {quarter} (the latest known); "
            "the price of the import quarter applies", f"证书价格 {cited.value:g} 欧元/吨：{year}年{quarter}已公布价格（已知最新）；"
            "实际按进口所在季度的价格", "give --price for another quarter", "如需其他季度价格，请用 --price 指定"))
        return cited.value, cited.ref
    findings.append(_finding(
        "cbam.price.unknown", "warning", f"no certificate price of {year} is known: costs are left empty",
        f"未知 {year} 年证书价格：费用留空", "give the price with --price", "请用 --price 指定证书价格"))
    return None, ""


def _good(g: GoodRow, process: CbamProcess, year: int, price: float | None, options: CbamOptions, rules: Rules,
          findings: list[Finding], used: dict[str, Any]) -> CbamGood:
    good = rules.good(g.cn)
    assert good is not None and process.see is not None
    see = process.see
    embedded = see.counted * g.quantity_t
    markup = rules.markup(good.markup_group, year)
    default = rules.default(g.cn, "CN")
    default_total = default.total if default is not None and default.found else None
    with_markup = default_with_markup(default_total, markup.value) if default_total is not None else None
    derivation = list(process.derivation)
    counted_words = ("SEE_dir + SEE_indir" if good.indirect_counts else "SEE_dir (indirect emissions do not count for "
                     "this good: Reg. 2023/956 Annex II)")
    derivation.append(f"SEE counted = {counted_words} (precursors with their own rule) = {see.counted:.6g} tCO2e/t; "
                      f"embedded = {see.counted:.6g} × {g.quantity_t:.6g} t = {embedded:.6g} tCO2e")
    if default is not None and default.found:
        used[default.ref] = default
    if with_markup is not None:
        used[markup.ref] = markup
        derivation.append(f"default {cn_display(default.cn_prefix) if default else ''} China total {default_total:.6g} × "
                          f"(1 + mark-up {markup.value:g}) = {with_markup:.6g} tCO2e/t; difference "
                          f"{see.counted - with_markup:+.6g} tCO2e/t")
    else:
        findings.append(_finding(
            "cbam.default.not_found", "warning",
            f"{cn_display(g.cn)}: the China default value (IR 2025/2621) is not in greenmfg's data; no comparison",
            f"{cn_display(g.cn)}：greenmfg 数据中没有中国缺省值（2025/2621），未作比较",
            "compare with the official annex", "请对照官方附件比较", file=g.file, row=g.row, column="cn_code",
            value=cn_display(g.cn)))
    # free-allocation adjustment: the whole-good benchmark (column B)
    factor = rules.cbam_factor(year)
    benchmark = rules.benchmark(g.cn, "B")
    free_t: float | None = None
    if factor is not None and benchmark is not None:
        used[factor.ref], used[benchmark.ref] = factor, benchmark
        per_t = free_allocation_per_t(factor.value, benchmark.value, cscf=options.cscf)
        free_t = per_t * g.quantity_t
        derivation.append(f"FAA = CBAM factor {factor.value:g} × CSCF {options.cscf:g} × BM {benchmark.value:g} × "
                          f"{g.quantity_t:.6g} t = {free_t:.6g} tCO2e")
    elif factor is not None:
        findings.append(_finding(
            "cbam.faa.no_benchmark", "warning",
            f"{cn_display(g.cn)}: no CBAM benchmark (IR 2025/2620) in greenmfg's data: the free-allocation adjustment is "
            "not deducted", f"{cn_display(g.cn)}：greenmfg 数据中没有 CBAM 基准值（2025/2620）：未扣除免费配额调整",
            "deduct it from the official benchmark", "请按官方基准值扣除", file=g.file, row=g.row, column="cn_code",
            value=cn_display(g.cn)))
    deduction_eur: float | None = None
    deduction_t = 0.0
    if options.carbon_price_cny_per_t is not None:
        rate = options.eur_per_cny
        assert rate is not None
        deduction_eur = embedded * options.carbon_price_share * options.carbon_price_cny_per_t * rate
        if price:
            deduction_t = deduction_eur / price
        derivation.append(f"carbon price paid = {embedded:.6g} tCO2e × share {options.carbon_price_share:g} × "
                          f"{options.carbon_price_cny_per_t:g} CNY/t × {rate:g} EUR/CNY = {deduction_eur:.6g} EUR"
                          + (f" = {deduction_t:.6g} certificates at {price:g} EUR" if price else ""))
    owed = certificates(embedded, free_t or 0.0, deduction_t)
    cost = owed * price if price is not None else None
    default_cost = None
    if with_markup is not None and price is not None:
        default_cost = certificates(with_markup * g.quantity_t, free_t or 0.0, 0.0) * price
    derivation.append(f"certificates = max(0, {embedded:.6g} − {free_t or 0.0:.6g} − {deduction_t:.6g}) = {owed:.6g}"
                      + (f"; cost = {owed:.6g} × {price:g} EUR = {cost:.6g} EUR" if cost is not None else ""))
    return CbamGood(
        facility_id=g.facility_id, period=g.period, cn_code=cn_display(g.cn), product_name=g.product_name,
        category=good.category, name_en=good.name_en, name_zh=good.name_zh, quantity_t=g.quantity_t,
        indirect_counts=good.indirect_counts, see_direct=see.direct, see_indirect=see.indirect, see_total=see.total,
        see_counted=see.counted, default_share=see.default_share, embedded_t=embedded,
        default_direct=default.direct if default_total is not None else None,  # type: ignore[union-attr]
        default_indirect=default.indirect if default_total is not None else None,  # type: ignore[union-attr]
        default_total=default_total, markup=markup.value, default_with_markup=with_markup,
        default_ref=default.ref if default else "", default_status=default.verification_status if default else "",
        difference_t_per_t=None if with_markup is None else see.counted - with_markup,
        difference_t=None if with_markup is None else (see.counted - with_markup) * g.quantity_t,
        benchmark=benchmark.value if benchmark else None, benchmark_ref=benchmark.ref if benchmark else "",
        cbam_factor=factor.value if factor else None, free_allocation_t=free_t,
        carbon_price_deduction_eur=deduction_eur, carbon_price_deduction_t=deduction_t, certificates_t=owed,
        certificate_price_eur=price, cost_eur=cost, default_cost_eur=default_cost, file=g.file, row=g.row,
        derivation=derivation)


def _de_minimis(goods: list[CbamGood], rules: Rules, findings: list[Finding], used: dict[str, Any]) -> dict[str, Any]:
    threshold = rules.de_minimis_t()
    used[threshold.ref] = threshold
    mass = sum(g.quantity_t for g in goods if g.category not in ("hydrogen", "electricity"))
    below = mass <= threshold.value
    if below:
        findings.append(_finding(
            "cbam.de_minimis.below", "info",
            f"the goods weigh {mass:.6g} t (hydrogen and electricity left out), not more than {threshold.value:g} t: "
            "an importer whose CBAM imports of the year are only these stays under the de minimis threshold",
            f"产品合计 {mass:.6g} 吨（不含氢和电力），不超过 {threshold.value:g} 吨：仅进口这些货物的进口商当年低于豁免门槛",
            "the importer checks its own total of the year", "进口商须按其全年进口总量判断"))
    return {"mass_t": mass, "threshold_t": threshold.value, "below_threshold": below, "ref": threshold.ref,
            "rule": "net mass of CBAM goods per importer and year, electricity and hydrogen excluded (Reg. 2023/956 Art. 2a)"}


def _notes(processes: dict[tuple[str, str], CbamProcess], goods: list[CbamGood], options: CbamOptions) -> list[Finding]:
    out: list[Finding] = []
    for process in processes.values():
        where = f"{process.facility_id} {process.period}"
        if process.heat_imported_t or process.heat_exported_t:
            out.append(_finding(
                "cbam.attribution.heat_factor", "warning",
                f"{where}: measurable heat imported/exported is valued with the heat factor of greenmfg account, not the "
                "CBAM rules' factor (IR 2025/2547 Annex III)", f"{where}：外购/输出热力按 greenmfg account 的热力因子计，"
                "而非 CBAM 规则的因子（2025/2547 附件三）", "check with the heat supplier's actual factor",
                "请与热力供应方的实际因子核对"))
        if process.electricity_exported_t:
            out.append(_finding(
                "cbam.attribution.exported_electricity", "warning",
                f"{where}: electricity exported is deducted at the grid factor of greenmfg account, not the emission factor "
                "of its generation in the installation", f"{where}：输出电力按 greenmfg account 的电网因子扣减，"
                "而非本装置发电的排放因子", "the template cannot tell which fuels made the electricity",
                "活动数据模板无法区分发电所用燃料"))
        if process.electricity_rule == "grid" and process.electricity_mwh:
            out.append(_finding(
                "cbam.electricity.grid_factor", "warning",
                f"{where}: the CBAM default electricity factor for China (IR 2025/2621 Annex II) is not in greenmfg's data; "
                f"the national grid factor {process.electricity_ef:.6g} tCO2/MWh ({in_words(process.electricity_source, zh=False)}) "
                "stands in",
                f"{where}：greenmfg 数据中没有中国的 CBAM 电力缺省因子（2025/2621 附件二）；暂以全国电网排放因子 "
                f"{process.electricity_ef:.6g} tCO2/MWh（{in_words(process.electricity_source, zh=True)}）代替",
                "give an actual factor (--electricity-ef) where a direct link or PPA exists",
                "如有直连线路或购电协议，请用 --electricity-ef 指定实际因子"))
    if options.carbon_price_cny_per_t is not None and not options.carbon_price_source:
        out.append(_finding("cbam.carbon_price.no_source", "warning", "the carbon price paid has no source",
                            "已支付碳价未注明来源", "give --carbon-price-source", "请用 --carbon-price-source 注明来源"))
    out.append(_finding(
        "cbam.attribution.not_expressed", "info",
        "waste gases exchanged between processes and electricity generated and used in the same process cannot be "
        "expressed in the activity template: no waste-gas correction is made, self-generated electricity counts by "
        "its fuels (direct emissions)", "活动数据模板无法表达工序间交换的废气及工序内自发自用电力：未作废气修正，"
        "自发电按其燃料计入直接排放", "", ""))
    if options.cscf == 1.0 and any(g.free_allocation_t for g in goods):
        out.append(_finding(
            "cbam.faa.assumptions", "info",
            "the free-allocation adjustment uses the whole-good benchmark (column B of IR 2025/2620) with a cross-sectoral "
            "correction factor of 1; the column-A route (process benchmark plus precursors) is not modelled",
            "免费配额调整采用整体基准值（2025/2620 B列），跨行业修正系数取 1；未建模 A 列（工序基准值加前体）方法", "", ""))
    return out


def _unverified(used: dict[str, Any]) -> list[Finding]:
    out = []
    for ref, value in sorted(used.items()):
        status = value.verification_status
        if status in ("verified", "definitional"):
            continue
        out.append(_finding(
            "cbam.result.unverified_value", "warning",
            f"uses {ref}, status '{status}' (not verified against the primary text); source: {value.source}",
            f"使用了未经原文核实的数据 {ref}（状态：{status}）", "check it against the official text",
            "请对照官方原文核实", value=ref))
    return out
