"""The compliance view as an Excel workbook (sheets named in both languages; columns headed in the
reader's language, each column's key kept as a defined name: :func:`greenmfg.exports.header_row`)."""

from __future__ import annotations

import io
import json
from typing import Any

from greenmfg.compliance.labels import CLASS_LABELS
from greenmfg.compliance.service import CLASSES, ComplianceView, GroupCounts, PlantYear
from greenmfg.exports import append_row, column_words, export_translator, header_row, worded
from greenmfg.i18n import N_, Translator

__all__ = ["compliance_xlsx", "rows_for_export"]


def _group(group: GroupCounts, key: str) -> dict[str, Any]:
    row: dict[str, Any] = {key: group.key, "product": group.product, "indicator": group.indicator,
                           "output_unit": group.output_unit}
    for cls in CLASSES:
        row[f"count_{cls}"] = group.counts[cls]
    for cls in CLASSES:
        row[f"output_{cls}"] = group.output[cls]
    for cls, share in group.shares.items():
        row[f"share_{cls}"] = share
    row.update({"savings_to_benchmark_tce": group.savings_to_benchmark_tce,
                "savings_to_baseline_tce": group.savings_to_baseline_tce,
                "savings_to_benchmark_tco2": group.savings_to_benchmark_tco2,
                "savings_to_baseline_tco2": group.savings_to_baseline_tco2})
    return row


def _plant(p: PlantYear, view: ComplianceView) -> dict[str, Any]:
    enterprise = view.view.enterprises.get(p.enterprise)
    return {"enterprise_code": p.enterprise, "enterprise_name": enterprise.name if enterprise else None,
            "industry": enterprise.industry if enterprise else None, "city": enterprise.city if enterprise else None,
            "facility_code": p.facility, "year": p.year, "product": p.product, "indicator": p.indicator,
            "value": p.value, "unit": p.unit, "edition": p.edition, "benchmark_level": p.benchmark_level,
            "baseline_level": p.baseline_level, "class": p.cls, "gap_to_benchmark": p.gap_to_benchmark,
            "gap_to_baseline": p.gap_to_baseline, "output": p.output, "output_unit": p.output_unit,
            # a plant without a value or a level has no savings: an empty cell, never 0
            "savings_to_benchmark_tce": p.savings_to_benchmark_tce if p.savings_to_benchmark_known else None,
            "savings_to_baseline_tce": p.savings_to_baseline_tce if p.savings_to_baseline_known else None,
            "savings_to_benchmark_tco2": p.savings_to_benchmark_tco2 if p.savings_to_benchmark_known else None,
            "savings_to_baseline_tco2": p.savings_to_baseline_tco2 if p.savings_to_baseline_known else None,
            "quota_standard": p.quota_standard,
            "quota_grade": None if p.quota_grade is None else str(p.quota_grade),
            "unverified_refs": " ".join(p.unverified)}


def rows_for_export(view: ComplianceView) -> list[tuple[str, list[dict[str, Any]]]]:
    """(sheet title, rows) of the workbook."""
    below = []
    for p, d in view.below_baseline:
        below.append({**_plant(p, view), "deadline": d.deadline if d else None,
                      "deadline_rule_zh": d.rule_zh if d else None,
                      "deadline_source": d.source if d else None,
                      "deadline_verification_status": d.verification_status if d else None})
    deadlines = [d.as_dict() for d in view.deadlines.values()]
    return [
        ("industry 行业", [_group(g, "industry") for g in view.by_industry]),
        (f"{view.area_level} 地区", [_group(g, view.area_level) for g in view.by_area]),
        ("below_baseline 基准以下", below),
        ("plants 设施", [_plant(p, view) for p in view.plants]),
        ("trend 趋势", [_group(g, "period") for g in view.trend]),
        ("totals 合计", [_group(view.totals, "key")]),
        ("deadlines 期限", deadlines),
        ("provenance 来源", [{"key": k, "value": v} for k, v in view.view.provenance.items()]),
    ]


#: the group column of the totals sheet and the columns of the deadlines and provenance sheets
_WORDS = {"key": N_("Group")}
_SHEET_WORDS = {"deadlines 期限": {"key": N_("Benchmark level code")}, "provenance 来源": {"key": N_("Provenance item")}}
#: the codes of the view's cells in words (:func:`greenmfg.exports.worded`); the provenance sheet is the run's
#: record as the JSON API gives it
LABELS = {"class": CLASS_LABELS, "quota_grade": {"fails": N_("Fails the quota")}, "key": {"total": N_("All plants")}}


def compliance_xlsx(view: ComplianceView, translator: Translator | None = None) -> bytes:
    """Sheets: by industry, by area, below baseline (with deadlines), plants, trend, deadlines, provenance;
    column headers and coded values (industries, products, indicators, classes, statuses) in words of the
    language of ``translator`` (Chinese by default)."""
    from openpyxl import Workbook  # only this output needs it

    words = export_translator(translator)
    workbook = Workbook(write_only=True)
    for title, rows in rows_for_export(view):
        sheet = workbook.create_sheet(title)
        if rows:
            header_row(sheet, column_words(list(rows[0]), words, words=_SHEET_WORDS.get(title, _WORDS)))
            for row in rows:
                cells = [_cell(v) for v in row.values()]
                append_row(sheet, cells if title.startswith("provenance") else worded(list(row), cells, words, labels=LABELS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
