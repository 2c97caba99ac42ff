"""Render a benchmark run: the accounting JSON document with a ``benchmark`` block per product,
an Excel workbook with a sheet per view, and the summary by indicator.

JSON (documented in the README): the accounting document where each product gains::

    "benchmark": {"indicator", "indicator_name", "indicator_name_zh", "variant", "variant_zh",
                  "value", "unit", "edition", "benchmark_level", "baseline_level", "class",
                  "gap": {"to_benchmark", "to_baseline"},
                  "savings_to_benchmark_tce", "savings_to_baseline_tce",
                  "savings_to_benchmark_tco2", "savings_to_baseline_tco2",
                  "quota_standard", "quota_grade", "quota_limits", "warnings", "derivation"}

``works`` lists iron and steel works reported as process units (one object per enterprise and
period: ``enterprise_id``, ``period`` and the same block for their crude steel, see
:mod:`greenmfg.benchmarking.works`), and ``provenance.benchmarking`` names the edition option, the
datasets (with sha256) and the facility-attributes file.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from greenmfg.accounting.output import result_document
from greenmfg.benchmarking.definitions import when_words
from greenmfg.benchmarking.models import CAVEAT_CODES, REASON_CODES, ProductBenchmark
from greenmfg.benchmarking.service import BenchmarkRun
from greenmfg.benchmarking.works import PROCESSES
from greenmfg.compliance.labels import CLASS_LABELS
from greenmfg.exports import append_row, column_words, export_translator, header_row, worded
from greenmfg.i18n import N_, Translator

__all__ = ["benchmark_document", "summary_by_indicator", "write_xlsx"]

_GRADES = (1, 2, 3, "fails")
#: the findings written beside each result in the workbook's result sheet, in words and both
#: languages: why there is no value or class, and what qualifies the value
_NOTED = (*REASON_CODES, *CAVEAT_CODES)


def benchmark_document(bench: BenchmarkRun) -> dict[str, Any]:
    """The accounting JSON document of the run, each product with its ``benchmark`` block."""
    document = result_document(bench.accounting)
    found = bench.by_product()
    for result in document["results"]:
        for product in result["products"]:
            item = found.get((result["enterprise_id"], result["facility_id"], result["period"], product["product"]))
            product["benchmark"] = item.as_dict() if item is not None else None
    document["works"] = [{"enterprise_id": w.enterprise_id, "period": w.period, "product": w.product,
                          "output": w.output, "output_unit": w.output_unit, **w.as_dict()} for w in bench.works]
    document["provenance"]["benchmarking"] = bench.provenance()
    return document


def summary_by_indicator(bench: BenchmarkRun) -> list[dict[str, Any]]:
    """Per product and indicator: counts by class and grade, and savings [tce, tCO2e].

    Rows with an indicator come first (by product, indicator); products without one are
    summarised with ``indicator`` None.
    """
    groups: dict[tuple[str, str | None], list[ProductBenchmark]] = defaultdict(list)
    for r in bench.results:
        groups[(r.product, r.indicator)].append(r)
    rows = []
    for (product, indicator), members in sorted(groups.items(), key=lambda kv: (kv[0][1] is None, kv[0][0], kv[0][1] or "")):
        first = members[0]
        counts = {c: sum(1 for m in members if m.cls == c) for c in ("benchmark", "between", "below_baseline")}
        grades = {str(g): sum(1 for m in members if m.quota_grade == g) for g in _GRADES}
        editions = sorted({m.edition for m in members if m.edition})
        rows.append({
            "product": product, "indicator": indicator, "indicator_name_zh": first.indicator_name_zh,
            "indicator_name": first.indicator_name, "variant_zh": first.variant_zh, "unit": first.unit,
            "edition": ", ".join(editions), "benchmark_level": first.benchmark_level,
            "baseline_level": first.baseline_level, "results": len(members),
            "classified": sum(counts.values()), **counts,
            "not_classified": len(members) - sum(counts.values()),
            **{f"grade_{g}": n for g, n in grades.items()},
            "savings_to_benchmark_tce": sum(m.savings_to_benchmark_tce or 0.0 for m in members),
            "savings_to_baseline_tce": sum(m.savings_to_baseline_tce or 0.0 for m in members),
            "savings_to_benchmark_tco2": sum(m.savings_to_benchmark_tco2 or 0.0 for m in members),
            "savings_to_baseline_tco2": sum(m.savings_to_baseline_tco2 or 0.0 for m in members),
            "warnings": sum(len(m.warnings) for m in members),
        })
    return rows


def _notes(result: ProductBenchmark) -> list[str | None]:
    """The caveats of one result in words: (reasons and qualifications in Chinese, in English,
    unverified levels and limits in Chinese, in English); None where there are none."""
    noted = [w for w in result.warnings if w.code in _NOTED]
    unverified = [w for w in result.warnings if w.code.endswith(".unverified")]
    return ["；".join(w.message_zh for w in noted) or None, "; ".join(w.message for w in noted) or None,
            "；".join(w.message_zh for w in unverified) or None, "; ".join(w.message for w in unverified) or None]


#: the words of the columns this workbook names its own way (the rest: :data:`greenmfg.exports.COLUMN_WORDS`)
_INDICATOR_WORDS = {"key": N_("Indicator code")}
_PROVENANCE_WORDS = {"key": N_("Provenance item")}

#: the codes of the workbook's cells in words (:func:`greenmfg.exports.worded`), by column
LABELS = {
    "class": CLASS_LABELS, "quota_grade": {"fails": N_("Fails the quota")},
    "boundary": {"facility": N_("The facility"), "facility_approximate": N_("The facility (approximately)"),
                 "not_computable": N_("Not computable from facility data")},
    "basis": {"energy": N_("Comprehensive energy consumption"), "electricity": N_("Electricity consumption")},
    "default": {"yes": N_("yes"), "no": N_("no")},
}


def write_xlsx(bench: BenchmarkRun, path: Path | BinaryIO, *, works_years: Sequence[ProductBenchmark] = (),
               translator: Translator | None = None) -> None:
    """Sheets: summary by indicator, one row per product result, the iron and steel works (if
    any: per period, then ``works_years``, the works pooled over each year, with the periods
    pooled), levels and limits used, warnings, indicator definitions, provenance.

    Column headers are words in the language of ``translator`` (Chinese by default), each column's
    key kept as a defined name (:func:`greenmfg.exports.header_row`)."""
    from openpyxl import Workbook  # only this output needs it

    words = export_translator(translator)
    zh = words.locale.startswith("zh")

    def header(sheet: Any, keys: Sequence[str], own: dict[str, str] | None = None) -> None:
        header_row(sheet, column_words(keys, words, words=own))

    def put(sheet: Any, keys: Sequence[str], values: Sequence[Any]) -> None:
        append_row(sheet, worded(keys, values, words, labels=LABELS))

    workbook = Workbook(write_only=True)
    summary = summary_by_indicator(bench)
    sheet = workbook.create_sheet("summary 汇总")
    if summary:
        header(sheet, list(summary[0]))
        for row in summary:
            put(sheet, list(row), list(row.values()))
    sheet = workbook.create_sheet("benchmark 对标")
    columns = ["enterprise_id", "facility_id", "period", "product", "output", "output_unit", "indicator",
              "indicator_name_zh", "variant_zh", "selection", "value", "unit", "edition", "benchmark_level",
              "baseline_level", "class", "gap_to_benchmark", "gap_to_baseline", "savings_to_benchmark_tce",
              "savings_to_baseline_tce", "savings_to_benchmark_tco2", "savings_to_baseline_tco2",
              "quota_standard", "quota_grade", "quota_grade_1", "quota_grade_2", "quota_grade_3", "boundary",
              "warnings", "notes_zh", "notes", "unverified_zh", "unverified"]
    header(sheet, columns)
    for r in bench.results:
        put(sheet, columns, [r.enterprise_id, r.facility_id, r.period, r.product, r.output, r.output_unit, r.indicator,
                      r.indicator_name_zh, r.variant_zh, r.selection, r.value, r.unit or None, r.edition,
                      r.benchmark_level, r.baseline_level, r.cls, r.gap_to_benchmark, r.gap_to_baseline,
                      r.savings_to_benchmark_tce, r.savings_to_baseline_tce, r.savings_to_benchmark_tco2,
                      r.savings_to_baseline_tco2, r.quota_standard,
                      None if r.quota_grade is None else str(r.quota_grade),
                      *(r.quota_limits.get(g) for g in (1, 2, 3)), r.boundary, len(r.warnings),
                      *_notes(r)])
    if bench.works or works_years:
        sheet = workbook.create_sheet("works 联合企业")
        columns = ["enterprise_id", "period", "crude_steel_t", "value", "unit", "process_ratios", "other",
                   "benchmark_level", "baseline_level", "class", "gap_to_benchmark", "gap_to_baseline",
                   "savings_to_benchmark_tce", "savings_to_baseline_tce", "quota_standard", "quota_grade",
                   "quota_grade_1", "quota_grade_2", "quota_grade_3", "warnings", "pooled_periods",
                   "savings_to_benchmark_tco2", "savings_to_baseline_tco2", "notes_zh", "notes",
                   "unverified_zh", "unverified"]
        header(sheet, columns)
        for works, pooled in [*((w, False) for w in bench.works), *((w, True) for w in works_years)]:
            ratios = "; ".join(
                f"{p['facility_id']} {PROCESSES[p['process']][1 if zh else 0] if p['process'] in PROCESSES else p['process']}"
                f" {p['value']:.6g} × {p['ratio']:.6g}" for p in works.derivation.get("processes", []))
            caveats = [w for w in works.warnings if not w.code.endswith(".unverified")]
            unverified = [w for w in works.warnings if w.code.endswith(".unverified")]
            put(sheet, columns, [works.enterprise_id, works.period, works.output, works.value, works.unit, ratios,
                          works.derivation.get("other"), works.benchmark_level, works.baseline_level, works.cls,
                          works.gap_to_benchmark, works.gap_to_baseline, works.savings_to_benchmark_tce,
                          works.savings_to_baseline_tce, works.quota_standard,
                          None if works.quota_grade is None else str(works.quota_grade),
                          *(works.quota_limits.get(g) for g in (1, 2, 3)), len(works.warnings),
                          " ".join(works.derivation.get("periods", [])) if pooled else None,
                          works.savings_to_benchmark_tco2, works.savings_to_baseline_tco2,
                          "；".join(w.message_zh for w in caveats) or None,
                          "; ".join(w.message for w in caveats) or None,
                          "；".join(w.message_zh for w in unverified) or None,
                          "; ".join(w.message for w in unverified) or None])
    sheet = workbook.create_sheet("levels 水平与限额")
    columns = ["ref", "name", "value", "unit", "edition", "verification_status", "source", "results"]
    header(sheet, columns)
    used: dict[str, tuple[Any, ...]] = {}
    uses: dict[str, int] = defaultdict(int)
    for r in bench.results:
        for level in r.levels:
            used[level.ref] = (level.ref, level.name, level.value, level.unit, level.edition,
                               level.verification_status, level.source)
            uses[level.ref] += 1
    for ref in sorted(used):
        put(sheet, columns, [*used[ref], uses[ref]])
    sheet = workbook.create_sheet("warnings 提示")
    columns = ["enterprise_id", "facility_id", "period", "product", "code", "ref", "message", "message_zh"]
    header(sheet, columns)
    for r in [*bench.results, *bench.works]:
        for w in r.warnings:
            put(sheet, columns, [r.enterprise_id, r.facility_id, r.period, r.product, w.code, w.ref, w.message, w.message_zh])
    sheet = workbook.create_sheet("indicators 指标")
    columns = ["key", "product", "name_zh", "name_en", "variant_zh", "variant_en", "unit", "basis", "boundary",
               "boundary_en", "when", "default", "benchmark_key", "quota_dataset", "quota_key", "corrections",
               "source", "verification_status"]
    header(sheet, columns, _INDICATOR_WORDS)
    for d in bench.definitions.indicators:
        put(sheet, columns, [d.key, d.product, d.name_zh, d.name_en, d.variant_zh, d.variant_en, d.unit, d.basis, d.boundary,
                      d.boundary_en, when_words(d, bench.definitions, zh=zh), "yes" if d.default else "no", d.benchmark_key, d.quota_dataset,
                      d.quota_key, " ".join(d.corrections), d.source, d.verification_status])
    sheet = workbook.create_sheet("provenance 来源")
    header(sheet, ["key", "value"], _PROVENANCE_WORDS)
    provenance = {**bench.accounting.provenance(), "benchmarking": bench.provenance()}
    for key, value in provenance.items():
        append_row(sheet, [key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)])
    workbook.save(path)
