"""Render an accounting run: the JSON document, Excel and Parquet files, and summaries.

The JSON shape (documented in the README)::

    {"provenance": {...},
     "results": [{"enterprise_id", "facility_id", "period", "energy_tce",
                  "emissions_tco2e": {"total", "scope1", "scope2", "combustion", "process",
                                      "purchased_electricity", "purchased_heat", "exported"},
                  "products": [{"product", "quantity", "unit", "energy_intensity",
                                "energy_intensity_unit", "emission_intensity",
                                "emission_intensity_unit"}],
                  "lines": [...], "warnings": [...]}]}
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from greenmfg.accounting import engines
from greenmfg.accounting.labels import CATEGORY_LABELS, FLOW_LABELS, PARAMETER_LABELS, label
from greenmfg.accounting.service import AccountingRun
from greenmfg.calc.accounting import CATEGORIES, CLINKER_OXIDES, GJ_PER_TCE, PFC_INPUTS
from greenmfg.calc.steam import FEED_WATER_ENTHALPY_GJ_PER_T
from greenmfg.errors import InputError
from greenmfg.exports import (
    append_row,
    column_words,
    export_translator,
    header_row,
    sheet_title,
    worded,
)
from greenmfg.i18n import N_, Translator
from greenmfg.refdata.catalog import ParameterRow

__all__ = [
    "EXCEL_MAX_ROWS",
    "LINE_COLUMNS",
    "result_document",
    "summary_by_industry",
    "write_json",
    "write_parquet",
    "write_xlsx",
]

EXCEL_MAX_ROWS = 1_048_575
_REF = re.compile(r"[a-z_]+/[A-Za-z0-9_.\-]+:[A-Za-z0-9_]+\.[a-z_0-9]+")
_KEYS = ["enterprise_id", "facility_id", "period"]
_PARAMETERS = (
    # column, name, unit pattern
    ("coef", "standard_coal_coefficient", "tce/{unit}"),
    ("ncv", "net_calorific_value", "GJ/{unit}"),
    ("cc", "carbon_content", "tC/GJ"),
    ("of", "oxidation_rate", "1"),
    ("ef", "emission_factor", "tCO2e/{unit}"),
)
_FORMULAS = {
    "combustion": "Q × NCV × CC × OF × 44/12",
    "process": "Q × EF",
    "purchased_electricity": "Q × EF_grid",
    "purchased_heat": "Q × EF_heat",
    "exported": "−Q × EF",
    "none": "",
}


def _round(value: Any, digits: int = 9) -> Any:
    return round(value, digits) if isinstance(value, float) else value


def _sources(ref: str | None, rows: dict[str, ParameterRow], catalog_editions: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for token in _REF.findall(ref or ""):
        row = rows.get(token)
        if row is None:
            continue
        out.append({
            "ref": token, "dataset": row.dataset_id, "edition": catalog_editions.get(row.dataset_id, ""),
            "value": row.value, "unit": row.unit, "source": row.source,
            "verification_status": row.verification_status,
        })
    return out


#: GJ per tce (GB/T 2589-2020: 1 kgce = 29 307.6 kJ)
#: relative difference beyond which the heating values of energy and emissions are shown side by side
_HEATING_VALUE_TOLERANCE = 0.005


def _data_year(period: str) -> int:
    return int(period[:4])


def _methodology(run: AccountingRun, industry: str) -> dict[str, Any]:
    m = run.bound.methodologies.get(industry)
    return {"id": m.id, "name_zh": m.name_zh, "name_en": m.name_en} if m else {"id": "", "name_zh": "", "name_en": ""}


def _general_fuel_defaults(line: dict[str, Any], run: AccountingRun, industry: str) -> list[str]:
    """References of the fuel defaults a line took from a general table instead of its
    methodology's own table (all of them when the methodology has no table encoded)."""
    if line["category"] not in ("combustion", "process") or line.get("kind") != "fuel":
        return []
    m = run.bound.methodologies.get(industry)
    # the methodology's own tables, and what its formula fixes (no oxidation rate: "<id>: …")
    own = tuple(f"{t}:" for t in ((*m.tables, m.id) if m else ()))
    return [p["ref"] for p in line["parameters"]
            if p["name"] in ("net_calorific_value", "carbon_content", "oxidation_rate")
            and p["ref"] and not p["ref"].startswith("measured") and not p["ref"].startswith(own)]


def _heating_values(record: dict[str, Any]) -> dict[str, Any] | None:
    """A fuel line's two heating values when they differ: energy (tce) uses the standard-coal
    coefficient of GB/T 2589 (its NCV = coefficient × 29.3076 GJ/tce), emissions use the
    methodology's default NCV; the two tables were set independently."""
    coef, ncv = record.get("coef"), record.get("ncv")
    if (record.get("kind") != "fuel" or coef is None or ncv is None or not ncv
            or (record.get("ncv_ref") or "").startswith("measured")):
        return None
    energy = coef * GJ_PER_TCE
    if abs(energy - ncv) <= _HEATING_VALUE_TOLERANCE * abs(ncv):
        return None
    return {
        "energy_gj_per_unit": _round(energy), "energy_ref": f"{record.get('coef_ref')} × 29.3076 GJ/tce",
        "emissions_gj_per_unit": _round(ncv), "emissions_ref": record.get("ncv_ref"),
        "why": "energy (tce) uses the GB/T 2589-2020 standard-coal coefficient; emissions use the default net "
               "calorific value of the methodology's table; the two standards set their values independently "
               "and neither refers to the other: each number follows its own standard",
        "why_zh": "能耗（tce）按 GB/T 2589-2020 折标准煤系数计算，排放按所适用核算方法的低位发热量缺省值计算；"
                  "两者由不同标准各自规定，互不引用，各按其标准取值",
    }


def _line(record: dict[str, Any], run: AccountingRun, editions: dict[str, str]) -> dict[str, Any]:
    item = run.vocabulary.items.get(record["item"])
    parameters = []
    for column, name, unit in _PARAMETERS:
        value = record.get(column)
        if value is None:
            continue
        ref = record.get(f"{column}_ref")
        parameters.append({
            "name": name, "value": _round(value), "unit": unit.format(unit=record["unit"]),
            "ref": ref, "sources": _sources(ref, run.bound.rows, editions),
        })
    if record.get("kind") == "steam":
        parameters.extend(_steam_parameters(record))
    parameters.extend(_clinker_parameters(record))
    parameters.extend(_pfc_parameters(record))
    energy_formula = "s × Q × coefficient" if record.get("coef") is not None else ""
    line: dict[str, Any] = {
        "file": record["_file"], "row": record["_row"], "item": record["item"],
        "item_name_zh": item.name_zh if item else "", "flow": record["flow"], "kind": record.get("kind"),
        "quantity_input": record["quantity_input"], "unit_input": record["unit_input"],
        "quantity": _round(record["quantity"]), "unit": record["unit"], "category": record["category"],
        "energy_tce": _round(record["energy_tce"]), "co2e_t": _round(record["co2e_t"]),
        "formula": {"energy": energy_formula, "emissions": _FORMULAS.get(record["category"], "")},
        "parameters": parameters,
        "unverified": sorted(set(_REF.findall(record.get("warn_refs") or ""))),
        "missing": record.get("missing"),
        "methodology": _methodology(run, record["industry"]),
        **({"method": {"key": record["method"], "process": record["method_process"], "rank": record["method_rank"],
                       "used": bool(record.get("method_used")),
                       "set_aside_co2e_t": _round(record.get("set_aside_co2e_t"))}}
           if record.get("method") else {}),
    }
    if record.get("kind") == "electricity":
        line["grid_factor_year"] = run.bound.grid_years.get(_data_year(record["period"]))
    heating = _heating_values(record)
    if heating is not None:
        line["heating_values"] = heating
    return line


#: the clinker's measured oxide contents as a derivation line names them
_CLINKER_PARAMETERS = dict(zip(CLINKER_OXIDES, ("clinker_cao_content", "clinker_mgo_content",
                                                "clinker_cao_non_carbonate", "clinker_mgo_non_carbonate"), strict=True))


def _clinker_parameters(record: dict[str, Any]) -> list[dict[str, Any]]:
    """A clinker line's measured CaO and MgO contents (mass fractions), from which its emission
    factor (shown before them) was computed."""
    if record.get("clinker_cao_measured") is None:
        return []
    return [{"name": name, "value": _round(record.get(f"{column}_measured") or 0.0), "unit": "1",
             "ref": "measured" if record.get(f"{column}_measured") is not None else "not given: 0",
             "sources": []}
            for column, name in _CLINKER_PARAMETERS.items()]


#: an aluminium line's measured anode-effect figures as a derivation line names them, with their units
_PFC_UNITS = {"anode_effect_minutes": "AE-min/cell-day", "anode_effect_overvoltage": "mV", "current_efficiency": "1"}


def _pfc_parameters(record: dict[str, Any]) -> list[dict[str, Any]]:
    """An aluminium line's measured anode-effect figures (those its PFC factor, shown before them, used)."""
    ref = record.get("ef_ref") or ""
    if ref.startswith("slope method"):
        used: tuple[str, ...] = PFC_INPUTS[:1]
    elif ref.startswith("overvoltage method"):
        used = PFC_INPUTS[1:]
    else:
        return []
    return [{"name": column, "value": _round(record.get(f"{column}_measured")), "unit": _PFC_UNITS[column],
             "ref": "measured", "sources": []} for column in used if record.get(f"{column}_measured") is not None]


def _steam_parameters(record: dict[str, Any]) -> list[dict[str, Any]]:
    """A steam line's enthalpy and the heat content its emissions use (its energy uses the
    coefficient shown beside them)."""
    enthalpy = record.get("ncv_measured")
    if enthalpy is not None:
        source = "measured"
    else:
        enthalpy = record.get("steam_enthalpy")
        pressure, temperature = record.get("steam_pressure"), record.get("steam_temperature")
        state = (f"superheated steam at {pressure} MPa (absolute), {temperature} °C" if temperature is not None
                 else f"dry saturated steam at {pressure} MPa (absolute)")
        source = f"IAPWS-IF97 (iapws), {state}"
    if enthalpy is None:
        return []
    return [
        {"name": "steam_enthalpy", "value": _round(enthalpy), "unit": "GJ/t", "ref": source, "sources": []},
        {"name": "heat_content", "value": _round(record.get("heat_content")), "unit": "GJ/t",
         "ref": f"steam enthalpy − {FEED_WATER_ENTHALPY_GJ_PER_T} GJ/t feed water (NDRC GHG accounting guidelines: "
                "Ma × (En − 83.74) × 10⁻³)", "sources": []},
    ]


def _number(value: float) -> str:
    """A tonnage as people read it: thin groups of thousands, at most three decimals."""
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return text.replace(",", " ")


def _method_warnings(lines: list[dict[str, Any]], run: AccountingRun) -> list[dict[str, Any]]:
    """One method per process: for each method whose lines were set aside, a warning naming the rows
    and why, and the cross-check (the difference between the two methods) as a data-quality finding."""
    records = run.bound.method_records
    dataset = run.options.process_methods
    by_process: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        method = line.get("method")
        if method:
            by_process[method["process"]].append(line)
    out: list[dict[str, Any]] = []
    for _process, process_lines in sorted(by_process.items()):
        aside: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line in process_lines:
            if not line["method"]["used"] and line["method"]["set_aside_co2e_t"]:
                aside[line["method"]["key"]].append(line)
        if not aside:
            continue
        used = [line for line in process_lines if line["method"]["used"]]
        used_keys = sorted({line["method"]["key"] for line in used if line["co2e_t"]})
        if not used_keys:
            continue
        chosen = records[used_keys[0]]
        counted = sum(line["co2e_t"] for line in used)
        for key, set_aside in sorted(aside.items()):
            record = records[key]
            figure = sum(line["method"]["set_aside_co2e_t"] for line in set_aside)
            rows = [{"file": line["file"], "row": line["row"], "item": line["item"]} for line in set_aside]
            where_en = ", ".join(f"{line['file']} row {line['row']} ({_item_name(run, line['item'], 'en')})"
                                 for line in set_aside)
            where_zh = "、".join(f"{line['file']} 第 {line['row']} 行（{_item_name(run, line['item'], 'zh')}）"
                                for line in set_aside)
            rule = f"{dataset}:{chosen['key']}"
            status = chosen["verification_status"]
            out.append({
                "code": "accounting.result.method_set_aside", "ref": f"{dataset}:{key}", "rows": rows,
                "set_aside_tco2e": _round(figure),
                "message": (
                    f"{chosen['process_name_en']} counted once: the {chosen['method_name_en']} method counts "
                    f"({_number(counted)} tCO2e); the rows of the {record['method_name_en']} method ({where_en}) "
                    f"report the same process another way and were set aside as a cross-check, not counted "
                    f"({_number(figure)} tCO2e). Rule {rule}: {chosen['source']} (status '{status}')"),
                "message_zh": (
                    f"{chosen['process_name_zh']}只计一次：采用{chosen['method_name_zh']}（{_number(counted)} tCO2e）；"
                    f"{record['method_name_zh']}的行（{where_zh}）以另一种方式报告同一过程，已作为交叉核对保留，"
                    f"不计入排放（{_number(figure)} tCO2e）。规则 {rule}（核实状态：{status}）"),
            })
            difference = figure - counted
            sign = "+" if difference >= 0 else "−"
            relative = f" ({sign}{abs(difference) / abs(counted):.1%})" if counted else ""
            signed = sign + _number(abs(difference))
            out.append({
                "code": "accounting.quality.method_difference", "ref": f"{dataset}:{key}",
                "counted_tco2e": _round(counted), "cross_check_tco2e": _round(figure),
                "difference_tco2e": _round(difference),
                "message": (
                    f"data quality: the cross-check by the {record['method_name_en']} method gives {_number(figure)} "
                    f"tCO2e against {_number(counted)} tCO2e counted by the {chosen['method_name_en']} method: "
                    f"difference {signed} tCO2e{relative}; check the quantities and factors of both"),
                "message_zh": (
                    f"数据质量：按{record['method_name_zh']}交叉核对为 {_number(figure)} tCO2e，按{chosen['method_name_zh']}"
                    f"计入 {_number(counted)} tCO2e，相差 {signed} tCO2e{relative}；请核对两种方法的数量和参数"),
            })
    return out


def _item_name(run: AccountingRun, key: str, lang: str) -> str:
    item = run.vocabulary.items.get(key)
    if item is None:
        return key
    return item.name_zh if lang == "zh" else item.name_en


def _warnings(total: dict[str, Any], lines: list[dict[str, Any]], run: AccountingRun,
              products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    warnings: list[dict[str, Any]] = []
    refs = sorted({ref for line in lines for ref in line["unverified"]})
    for ref in refs:
        row = run.bound.rows[ref]
        warnings.append({
            "code": "accounting.result.unverified_value", "ref": ref,
            "message": f"uses {ref} = {row.value} {row.unit}, status '{row.verification_status}' "
                       f"(not verified against the primary text); source: {row.source}",
            "message_zh": f"使用了未经原文核实的参数 {ref} = {row.value} {row.unit}（状态：{row.verification_status}）",
        })
    methodology = run.bound.methodologies.get(total["industry"])
    general = sorted({ref for line in lines for ref in _general_fuel_defaults(line, run, total["industry"])})
    if general and methodology is not None:
        own = methodology.tables
        selected = run.options.methodologies is None
        why = ("the general tables were selected (--fuel-defaults general)" if selected
               else f"the {methodology.id} default table has no value for them" if own
               else f"the default table of {methodology.id} is not encoded" if methodology.id != "general"
               else f"no industry guideline is mapped for industry '{total['industry']}'")
        why_zh = ("选择了通用缺省值表（--fuel-defaults general）" if selected
                  else "该方法的缺省值表中没有相应取值" if own
                  else f"{methodology.name_zh}的缺省值表尚未录入" if methodology.id != "general"
                  else "该行业尚未对应行业核算指南")
        warnings.append({
            "code": "accounting.result.general_fuel_defaults", "ref": ";".join(general),
            "message": f"fuel defaults from a general table, not from the methodology that applies "
                       f"({methodology.name_en}): {why}; used: {', '.join(general)}",
            "message_zh": f"燃料缺省值取自通用表而非所适用的核算方法（{methodology.name_zh}）：{why_zh}；"
                          f"所用取值：{'、'.join(general)}",
        })
    data_year = _data_year(total["period"])
    factor_year = run.bound.grid_years.get(data_year)
    if factor_year is not None and factor_year != data_year and any(
            line.get("kind") == "electricity" for line in lines):
        dataset = run.bound.grid_datasets[data_year]
        warnings.append({
            "code": "accounting.result.grid_factor_year", "ref": dataset,
            "message": f"electricity uses the grid factor of {factor_year} ({dataset}) for data of {data_year}: "
                       + ("rule 'latest' (--grid-factor-year latest)" if run.options.grid_factor_year == "latest"
                          else f"no factor of {data_year} is published in this series; the nearest year is used"),
            "message_zh": f"{data_year}年数据的电力排放按{factor_year}年电网排放因子（{dataset}）计算："
                          + ("按“最新发布”规则" if run.options.grid_factor_year == "latest"
                             else f"该系列未发布{data_year}年因子，采用最近年份"),
        })
    for missing in sorted({line["missing"] for line in lines if line["missing"]}):
        warnings.append({
            "code": "accounting.result.missing_parameter", "ref": missing,
            "message": f"no value for {missing} in the selected datasets: those lines count zero for it; "
                       "give a measured value in the template or choose a dataset that has it",
            "message_zh": f"所选数据集中没有 {missing} 的取值，相关行按零计；请在模板中填写实测值或选择含该参数的数据集",
        })
    if total["process"] < 0:
        warnings.append({
            "code": "accounting.result.negative_process", "ref": "",
            "message": "process emissions are negative: more carbon leaves in products than enters in "
                       "feedstock and process inputs; check the quantities",
            "message_zh": "工业过程排放为负：产品固碳量大于原料和过程投入含碳量，请核对数量",
        })
    warnings.extend(_method_warnings(lines, run))
    if len(products) > 1:
        warnings.append({
            "code": "accounting.result.shared_intensity", "ref": "",
            "message": f"{len(products)} products share this facility: each intensity uses the whole "
                       "facility's energy and emissions (no allocation)",
            "message_zh": f"该设施有 {len(products)} 种产品：各产品单耗均按设施总量计算（未分摊）",
        })
    return warnings


def result_document(run: AccountingRun) -> dict[str, Any]:
    """The whole run as the documented JSON document (for small and medium inputs).

    Warnings are derived from each result's derivation lines, so the lines are always included.
    """
    editions = {d.id: d.info.edition for d in run.catalog}
    # each query's plan is compiled once per process (see greenmfg.accounting.plans)
    totals = run.planner.arrow("document_totals", lambda: run.totals.order_by(_KEYS)).to_pylist()
    products: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for p in run.planner.arrow("document_products",
                               lambda: run.products.order_by([*_KEYS, "product"])).to_pylist():
        products[(p["enterprise_id"], p["facility_id"], p["period"])].append({
            k: _round(p[k]) for k in ("product", "quantity", "unit", "energy_intensity", "energy_intensity_unit",
                                      "emission_intensity", "emission_intensity_unit")
        })
    lines: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    # from cached SQL the engine's own types come back; other engines read the lines' view (whose
    # schema is the engine's), not the bare plan (whose literals Ibis may type otherwise)
    # (a run that keeps its lines has them in a table: read from there; made first, as a plan from
    # the cache reads it by name)
    made = run.lines if run.lines_kept or not run.planner.cached else None
    ordered_lines = run.planner.arrow(("document_lines", run.ids_canonical, run.lines_kept), lambda: (
        made if made is not None else run.lines_plan()).order_by(["_file", "_row"]))
    for record in ordered_lines.to_pylist():
        lines[(record["enterprise_id"], record["facility_id"], record["period"])].append(
            _line(record, run, editions))
    results = []
    for total in totals:
        key = (total["enterprise_id"], total["facility_id"], total["period"])
        result_lines = lines.get(key, [])
        results.append({
            "enterprise_id": total["enterprise_id"], "enterprise_name": total["enterprise_name"],
            "industry": total["industry"], "region": total["region"],
            "facility_id": total["facility_id"], "period": total["period"],
            "methodology": _methodology(run, total["industry"]),
            "grid_factor_year": run.bound.grid_years.get(_data_year(total["period"])),
            "energy_tce": _round(total["energy_tce"]),
            "emissions_tco2e": {k: _round(total[k]) for k in ("total", "scope1", "scope2", *CATEGORIES)},
            "products": products.get(key, []),
            "lines": result_lines,
            "warnings": _warnings(total, result_lines, run, products.get(key, [])),
        })
    return {"provenance": run.provenance(), "results": results}


def write_json(run: AccountingRun, path: Path) -> None:
    document = result_document(run)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False), encoding="utf-8")



#: Columns of ``<stem>.lines.parquet``: where the line comes from (``file_id``: its place in the
#: provenance's inputs), its parameter set, what it measured, its results.
LINE_COLUMNS = ("file_id", "row", "parameter_set", "quantity_input", "quantity", "ncv_measured",
                "carbon_content_measured", "oxidation_rate_measured", *(f"{c}_measured" for c in CLINKER_OXIDES),
                *(f"{c}_measured" for c in PFC_INPUTS), "steam_pressure", "steam_temperature", "steam_enthalpy", "energy_tce", "co2e_t", "set_aside_co2e_t")
#: Dictionary size at which the Parquet writer gives up dictionary encoding of a lines column [bytes].
_LINES_DICTIONARY_BYTES = 1
_SOURCE = pa.struct([("ref", pa.string()), ("dataset", pa.string()), ("edition", pa.string()),
                     ("value", pa.float64()), ("unit", pa.string()), ("source", pa.string()),
                     ("verification_status", pa.string())])
_SET_SCHEMA = pa.schema([
    ("parameter_set", pa.int64()), ("item", pa.string()), ("item_name_zh", pa.string()), ("kind", pa.string()),
    ("flow", pa.string()), ("unit_input", pa.string()), ("unit", pa.string()), ("industry", pa.string()),
    ("methodology", pa.string()), ("region", pa.string()), ("year", pa.int32()), ("grid_factor_year", pa.int32()),
    ("measured_ncv", pa.bool_()), ("measured_carbon_content", pa.bool_()),
    ("measured_oxidation_rate", pa.bool_()), ("measured_clinker_oxides", pa.bool_()),
    ("measured_pfc_slope", pa.bool_()), ("measured_pfc_overvoltage", pa.bool_()), ("category", pa.string()),
    ("formula", pa.struct([("energy", pa.string()), ("emissions", pa.string())])),
    ("parameters", pa.list_(pa.struct([("name", pa.string()), ("value", pa.float64()), ("unit", pa.string()),
                                       ("ref", pa.string()), ("sources", pa.list_(_SOURCE))]))),
    ("unverified", pa.list_(pa.string())), ("missing", pa.string()),
])


def _beside(path: str | Path, suffix: str) -> str | Path:
    """The file named like ``path`` (``results.parquet``) but ending in ``suffix`` (``.products.parquet``)."""
    if isinstance(path, Path):
        return Path(f"{path.with_suffix('')}{suffix}")
    return f"{path.removesuffix('.parquet')}{suffix}"


def write_parquet(run: AccountingRun, path: str | Path, *, with_lines: bool = True) -> list[str | Path]:
    """Results to ``path``; products, provenance and, ``with_lines``, the derivation lines and their
    parameter sets beside it (``<stem>.products.parquet`` …; columns in the README).

    On DuckDB each is one file. On Spark results, products and lines are folders of part files
    written by the executors (any path Spark writes: ``hdfs://``, ``s3a://`` …; nothing is
    collected); parameter sets and provenance, small, are single files.
    """
    written: list[str | Path] = [path, _beside(path, ".products.parquet"), _beside(path, ".provenance.json")]
    spark = engines.is_spark(run.con)
    if spark:
        engines.write_parquet(run.con, run.totals.order_by(_KEYS), path)
        engines.write_parquet(run.con, run.products.order_by([*_KEYS, "product"]), written[1])
    else:
        run.con.to_parquet(run.totals.order_by(_KEYS), path)
        run.con.to_parquet(run.products.order_by([*_KEYS, "product"]), written[1])
    if with_lines:
        lines_path, sets_path = _beside(path, ".lines.parquet"), _beside(path, ".parameter_sets.parquet")
        written += [lines_path, sets_path]
        t = run.source_lines
        # each line once, small: what it shares with other lines is in its parameter set
        lines = t.select(file_id=t._file_id, row=t._row, **{c: t[c] for c in LINE_COLUMNS[2:]})
        if spark:
            engines.write_parquet(run.con, lines, lines_path)
        else:
            # no dictionary tried per column chunk: most line columns are measured numbers, all
            # different, for which the writer would build a dictionary and then drop it (a third of
            # the time of the write); the file is as small (snappy) and reads the same
            run.con.to_parquet(lines, lines_path, dictionary_size_limit=_LINES_DICTIONARY_BYTES)
        used = run.con.read_parquet(lines_path).select("parameter_set").distinct()
        sets = run.parameter_sets
        sets = sets.join(used, "parameter_set").order_by("parameter_set").to_pyarrow().to_pylist()
        table = pa.Table.from_pylist([_parameter_set(s, run) for s in sets], schema=_SET_SCHEMA)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        engines.put_bytes(run.con, sets_path, sink.getvalue().to_pybytes())
    engines.put_bytes(run.con, written[2], json.dumps(run.provenance(), ensure_ascii=False, indent=1).encode())
    return written


def _parameter_set(record: dict[str, Any], run: AccountingRun) -> dict[str, Any]:
    """One row of ``<stem>.parameter_sets.parquet``: a parameter set as the JSON lines show it.

    A parameter whose reference starts with "measured" takes its value from the line
    (``ncv_measured`` …): its value here is null.
    """
    editions = {d.id: d.info.edition for d in run.catalog}
    item = run.vocabulary.items.get(record["item"])
    parameters = []
    for column, name, unit in _PARAMETERS:
        value, ref = record.get(column), record.get(f"{column}_ref")
        if value is None and ref is None:
            continue
        parameters.append({"name": name, "value": value, "unit": unit.format(unit=record["unit"]), "ref": ref,
                           "sources": _sources(ref, run.bound.rows, editions)})
    has_coef = record["coef"] is not None or record["coef_from_ncv"]
    return {
        **{k: record[k] for k in ("parameter_set", "item", "kind", "flow", "unit_input", "unit", "industry", "region",
                                  "year", "measured_ncv", "measured_carbon_content", "measured_oxidation_rate",
                                  "measured_clinker_oxides", "measured_pfc_slope", "measured_pfc_overvoltage",
                                  "category")},
        "methodology": _methodology(run, record["industry"])["id"],
        "grid_factor_year": run.bound.grid_years.get(record["year"]) if record["kind"] == "electricity" else None,
        "item_name_zh": item.name_zh if item else "",
        "formula": {"energy": "s × Q × coefficient" if has_coef else "",
                    "emissions": _FORMULAS.get(record["category"], "")},
        "parameters": parameters,
        "unverified": sorted(set(_REF.findall(record.get("warn_refs") or ""))),
        "missing": record.get("missing"),
    }


def write_xlsx(run: AccountingRun, path: Path, *, translator: Translator | None = None) -> None:
    """Results, products, derivation lines, warnings and provenance as sheets of one workbook, the
    columns headed in the language of ``translator`` (Chinese by default), each column's key kept as
    a defined name (:func:`greenmfg.exports.header_row`), and the coded values (industries, provinces,
    items, flows, emission categories, parameters, cited values) named in words of that language
    (:func:`greenmfg.exports.worded`); the provenance sheet is the run's record as the JSON gives it."""
    from openpyxl import Workbook  # only this output needs it

    words = export_translator(translator)
    zh = words.locale.startswith("zh")
    name = "name_zh" if zh else "name_en"
    labels = {"flow": FLOW_LABELS, "category": CATEGORY_LABELS}

    def header(sheet: Any, keys: list[str], own: dict[str, str] | None = None) -> None:
        header_row(sheet, column_words(keys, words, words=own))

    def put(sheet: Any, keys: list[str], values: list[Any]) -> None:
        append_row(sheet, worded(keys, values, words, labels=labels))

    line_count = int(run.lines.count().execute())
    if line_count > EXCEL_MAX_ROWS:
        raise InputError(
            f"{line_count} derivation lines do not fit an Excel sheet ({EXCEL_MAX_ROWS} rows); "
            "use --format parquet / 行数超过 Excel 上限，请使用 --format parquet"
        )
    document = result_document(run)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(N_("Results"), words))
    columns = ["enterprise_id", "enterprise_name", "industry", "region", "facility_id", "period", "energy_tce",
               *(f"{k}_tco2e" for k in ("total", "scope1", "scope2", *CATEGORIES)), "warnings", "grid_factor_year",
               "methodology"]
    header(sheet, columns)
    for r in document["results"]:
        put(sheet, columns, [r["enterprise_id"], r["enterprise_name"], r["industry"], r["region"], r["facility_id"],
                             r["period"], r["energy_tce"], *r["emissions_tco2e"].values(), len(r["warnings"]),
                             r["grid_factor_year"], r["methodology"][name]])
    sheet = workbook.create_sheet(sheet_title(N_("Products"), words))
    columns = ["enterprise_id", "facility_id", "period", "product", "quantity", "unit", "energy_intensity",
               "energy_intensity_unit", "emission_intensity", "emission_intensity_unit"]
    header(sheet, columns)
    for r in document["results"]:
        for p in r["products"]:
            put(sheet, columns, [r["enterprise_id"], r["facility_id"], r["period"], *p.values()])
    sheet = workbook.create_sheet(sheet_title(N_("Derivation lines"), words))
    columns = ["enterprise_id", "facility_id", "period", "file", "row", "item", "item_name_zh", "flow",
               "quantity_input", "unit_input", "quantity", "unit", "category", "energy_tce", "co2e_t",
               "parameters", "missing", "grid_factor_year", "methodology", "heating_values"]
    header(sheet, columns)
    energy, emissions = words.gettext(N_("Energy")), words.gettext(N_("Emissions"))
    for r in document["results"]:
        for line in r["lines"]:
            parameters = "; ".join(f"{label(PARAMETER_LABELS, p['name'], words)}={p['value']} {p['unit']} [{p['ref']}]"
                                   for p in line["parameters"])
            heating = line.get("heating_values")
            put(sheet, columns, [
                r["enterprise_id"], r["facility_id"], r["period"], line["file"], line["row"], line["item"],
                line["item_name_zh"], line["flow"], line["quantity_input"], line["unit_input"], line["quantity"],
                line["unit"], line["category"], line["energy_tce"], line["co2e_t"], parameters, line["missing"],
                line.get("grid_factor_year"), (line.get("methodology") or {}).get(name),
                None if heating is None else (
                    f"{energy} {heating['energy_gj_per_unit']} GJ/{line['unit']} [{heating['energy_ref']}]; "
                    f"{emissions} {heating['emissions_gj_per_unit']} GJ/{line['unit']} "
                    f"[{heating['emissions_ref']}]: {heating['why_zh' if zh else 'why']}")])
    sheet = workbook.create_sheet(sheet_title(N_("Warnings"), words))
    columns = ["enterprise_id", "facility_id", "period", "code", "message", "message_zh"]
    header(sheet, columns)
    for r in document["results"]:
        for w in r["warnings"]:
            put(sheet, columns, [r["enterprise_id"], r["facility_id"], r["period"], w["code"], w["message"],
                                 w["message_zh"]])
    sheet = workbook.create_sheet(sheet_title(N_("Provenance"), words))
    header(sheet, ["key", "value"], {"key": N_("Provenance item")})
    for key, value in document["provenance"].items():
        append_row(sheet, [key, json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value])
    workbook.save(path)


def summary_by_industry(run: AccountingRun) -> list[dict[str, Any]]:
    """Enterprises, facilities, energy [tce] and emissions [tCO2e] by industry, largest first."""
    t = run.totals
    grouped = t.group_by("industry").aggregate(
        enterprises=t.enterprise_id.nunique(), facilities=(t.enterprise_id + "/" + t.facility_id).nunique(),
        energy_tce=t.energy_tce.sum(), total=t.total.sum(), scope1=t.scope1.sum(), scope2=t.scope2.sum(),
    )
    rows: list[dict[str, Any]] = grouped.order_by(grouped.total.desc()).to_pyarrow().to_pylist()
    return rows
