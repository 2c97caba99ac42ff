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
from greenmfg.accounting.service import AccountingRun
from greenmfg.calc.accounting import CATEGORIES
from greenmfg.errors import InputError
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
    energy_formula = "s × Q × coefficient" if record.get("coef") is not None else ""
    return {
        "file": record["_file"], "row": record["_row"], "item": record["item"],
        "item_name_zh": item.name_zh if item else "", "flow": record["flow"],
        "quantity_input": record["quantity_input"], "unit_input": record["unit_input"],
        "quantity": _round(record["quantity"]), "unit": record["unit"], "category": record["category"],
        "energy_tce": _round(record["energy_tce"]), "co2e_t": _round(record["co2e_t"]),
        "formula": {"energy": energy_formula, "emissions": _FORMULAS.get(record["category"], "")},
        "parameters": parameters,
        "unverified": sorted(set(_REF.findall(record.get("warn_refs") or ""))),
        "missing": record.get("missing"),
        **({"method": {"key": record["method"], "process": record["method_process"], "rank": record["method_rank"],
                       "used": bool(record.get("method_used")),
                       "set_aside_co2e_t": _round(record.get("set_aside_co2e_t"))}}
           if record.get("method") else {}),
    }


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
    ordered_lines = run.planner.arrow(("document_lines", run.ids_canonical), lambda: (
        run.lines_plan() if run.planner.cached else run.lines).order_by(["_file", "_row"]))
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
                "carbon_content_measured", "oxidation_rate_measured", "energy_tce", "co2e_t", "set_aside_co2e_t")
#: Dictionary size at which the Parquet writer gives up dictionary encoding of a lines column [bytes].
_LINES_DICTIONARY_BYTES = 1
_SOURCE = pa.struct([("ref", pa.string()), ("dataset", pa.string()), ("edition", pa.string()),
                     ("value", pa.float64()), ("unit", pa.string()), ("source", pa.string()),
                     ("verification_status", pa.string())])
_SET_SCHEMA = pa.schema([
    ("parameter_set", pa.int64()), ("item", pa.string()), ("item_name_zh", pa.string()), ("kind", pa.string()),
    ("flow", pa.string()), ("unit_input", pa.string()), ("unit", pa.string()), ("region", pa.string()),
    ("year", pa.int32()), ("measured_ncv", pa.bool_()), ("measured_carbon_content", pa.bool_()),
    ("measured_oxidation_rate", pa.bool_()), ("category", pa.string()),
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
        **{k: record[k] for k in ("parameter_set", "item", "kind", "flow", "unit_input", "unit", "region", "year",
                                  "measured_ncv", "measured_carbon_content", "measured_oxidation_rate", "category")},
        "item_name_zh": item.name_zh if item else "",
        "formula": {"energy": "s × Q × coefficient" if has_coef else "",
                    "emissions": _FORMULAS.get(record["category"], "")},
        "parameters": parameters,
        "unverified": sorted(set(_REF.findall(record.get("warn_refs") or ""))),
        "missing": record.get("missing"),
    }


def write_xlsx(run: AccountingRun, path: Path) -> None:
    """Results, products, derivation lines, warnings and provenance as sheets of one workbook."""
    from openpyxl import Workbook  # only this output needs it

    line_count = int(run.lines.count().execute())
    if line_count > EXCEL_MAX_ROWS:
        raise InputError(
            f"{line_count} derivation lines do not fit an Excel sheet ({EXCEL_MAX_ROWS} rows); "
            "use --format parquet / 行数超过 Excel 上限，请使用 --format parquet"
        )
    document = result_document(run)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("results 结果")
    header = ["enterprise_id", "enterprise_name", "industry", "region", "facility_id", "period", "energy_tce",
              *(f"{k}_tco2e" for k in ("total", "scope1", "scope2", *CATEGORIES)), "warnings"]
    sheet.append(header)
    for r in document["results"]:
        sheet.append([r["enterprise_id"], r["enterprise_name"], r["industry"], r["region"], r["facility_id"],
                      r["period"], r["energy_tce"], *r["emissions_tco2e"].values(), len(r["warnings"])])
    sheet = workbook.create_sheet("products 产品")
    sheet.append(["enterprise_id", "facility_id", "period", "product", "quantity", "unit", "energy_intensity",
                  "energy_intensity_unit", "emission_intensity", "emission_intensity_unit"])
    for r in document["results"]:
        for p in r["products"]:
            sheet.append([r["enterprise_id"], r["facility_id"], r["period"], *p.values()])
    sheet = workbook.create_sheet("lines 明细")
    sheet.append(["enterprise_id", "facility_id", "period", "file", "row", "item", "item_name_zh", "flow",
                  "quantity_input", "unit_input", "quantity", "unit", "category", "energy_tce", "co2e_t",
                  "parameters", "missing"])
    for r in document["results"]:
        for line in r["lines"]:
            parameters = "; ".join(f"{p['name']}={p['value']} {p['unit']} [{p['ref']}]" for p in line["parameters"])
            sheet.append([r["enterprise_id"], r["facility_id"], r["period"], line["file"], line["row"], line["item"],
                          line["item_name_zh"], line["flow"], line["quantity_input"], line["unit_input"],
                          line["quantity"], line["unit"], line["category"], line["energy_tce"], line["co2e_t"],
                          parameters, line["missing"]])
    sheet = workbook.create_sheet("warnings 提示")
    sheet.append(["enterprise_id", "facility_id", "period", "code", "message", "message_zh"])
    for r in document["results"]:
        for w in r["warnings"]:
            sheet.append([r["enterprise_id"], r["facility_id"], r["period"], w["code"], w["message"], w["message_zh"]])
    sheet = workbook.create_sheet("provenance 来源")
    sheet.append(["key", "value"])
    for key, value in document["provenance"].items():
        sheet.append([key, json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value])
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
