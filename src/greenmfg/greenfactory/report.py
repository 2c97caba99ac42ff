"""The evaluation report in Chinese or English: HTML, PDF (WeasyPrint, shared ``greenmfg.reports``) and xlsx.

The report shows the subject, the verdict with its reasons, the score by level-1 indicator, the
basic requirements, every indicator (performance values with benchmark, leading value and where
they came from), the gap list ordered by recoverable points and the warnings (unverified
framework values, values not answered).
"""

from __future__ import annotations

import functools
import io
from typing import Any

from jinja2 import Environment

from greenmfg.exports import append_row, column_words, export_translator, header_row
from greenmfg.i18n import N_
from greenmfg.refdata.words import dataset_name, in_words
from greenmfg.reports import html_to_pdf, report_environment, stamp, word_functions

__all__ = ["LANGS", "render_html", "render_pdf", "render_xlsx"]

LANGS = ("zh-CN", "en")

TEXT: dict[str, tuple[str, str]] = {
    "title": ("绿色制造评价报告", "Green-manufacturing evaluation report"),
    "subject.factory": ("绿色工厂", "Green factory"),
    "subject.park": ("绿色工业园区", "Green industrial park"),
    "subject.supply_chain": ("绿色供应链管理企业", "Green supply-chain management enterprise"),
    "organisation": ("评价对象", "Organisation"),
    "framework": ("评价依据", "Framework"),
    "status": ("状态", "Status"),
    "status.draft": ("草稿", "draft"),
    "status.final": ("定稿", "final"),
    "year": ("评价年度", "Year"),
    "generated": ("生成时间", "Generated"),
    "verdict": ("评价结论", "Verdict"),
    "pass": ("通过", "PASS"),
    "fail": ("未通过", "FAIL"),
    "total": ("总分", "Total score"),
    "threshold": ("通过分数线", "Pass mark"),
    "by_level1": ("一级指标得分", "Score by level-1 indicator"),
    "indicator": ("指标", "Indicator"),
    "points": ("得分", "Points"),
    "max": ("满分", "Maximum"),
    "basic": ("基本要求（否决项）", "Basic requirements (veto)"),
    "met": ("符合", "met"),
    "not_met": ("不符合", "not met"),
    "evidence": ("证据", "Evidence"),
    "scored_items": ("评价指标", "Indicators"),
    "evaluation_title": ("评价名称", "Title"),
    "performance": ("绩效指标", "Performance indicators"),
    "value": ("实际值", "Value"),
    "benchmark": ("基准值", "Benchmark"),
    "leading": ("引领值", "Leading value"),
    "unit": ("单位", "Unit"),
    "value_source": ("数据来源", "Value source"),
    "reference_source": ("基准/引领值来源", "Reference source"),
    "gaps": ("差距清单（按可提升分值排序）", "Gap list (by points recoverable)"),
    "recoverable": ("可提升分值", "Recoverable"),
    "not_answered": ("未填写", "not answered"),
    "warnings": ("提示", "Warnings"),
    "provenance": ("数据出处", "Provenance"),
    "status_col": ("核实状态", "Verification"),
    "no_gaps": ("无差距：全部指标满分。", "No gaps: every indicator has full points."),
    "auto": ("自动", "auto"),
    "entered": ("填报", "entered"),
    "verification.verified": ("已核实", "verified"),
    "verification.definitional": ("定义", "definitional"),
    "verification.crosschecked": ("已交叉核对", "cross-checked"),
    "verification.secondary": ("二手来源", "secondary source"),
    "verification.uncertain": ("未核实", "unverified"),
    "verification.recalled": ("凭记忆，未核实", "recalled, unverified"),
    "verification.not_found": ("未找到", "not found"),
}


def _t(lang: str) -> dict[str, str]:
    index = 0 if lang.startswith("zh") else 1
    return {key: pair[index] for key, pair in TEXT.items()}


def _context(evaluation: dict[str, Any], organisation: str, lang: str, generated: str) -> dict[str, Any]:
    result = evaluation["result"]
    zh = lang.startswith("zh")
    name = "name_zh" if zh else "name_en"
    names = {i["key"]: i[name] for i in result["items"]}
    level1 = {row["key"]: row[name] for row in result["by_level1"]}
    return {**word_functions(zh=zh), "lang": lang, "t": _t(lang), "e": evaluation, "r": result,
            "organisation": organisation,
            "generated": generated or stamp(), "name": name, "names": names, "level1": level1,
            "reason_key": "zh" if zh else "en",
            "performance": [i for i in result["items"] if i["kind"] == "performance"],
            "scored": [i for i in result["items"] if i["kind"] == "scored"]}


@functools.cache
def _environment() -> Environment:
    """The report environment, built once (loading templates and the print CSS costs ~80 ms)."""
    return report_environment("greenmfg.greenfactory")


def render_html(evaluation: dict[str, Any], *, organisation: str, lang: str = "zh-CN", generated: str = "") -> str:
    """The report as one self-contained HTML document.

    Parameters
    ----------
    evaluation
        :func:`greenmfg.greenfactory.service.evaluation_dict` of the evaluation (with ``result``),
        or for the CLI a dict with ``result``, ``status`` and ``id``.
    """
    template = _environment().get_template("greenfactory/report.html")
    return template.render(**_context(evaluation, organisation, lang, generated))


def render_pdf(evaluation: dict[str, Any], *, organisation: str, lang: str = "zh-CN", generated: str = "") -> bytes:
    return html_to_pdf(render_html(evaluation, organisation=organisation, lang=lang, generated=generated))


#: the columns of the report's sheets named the evaluation's way (the rest: greenmfg.exports.COLUMN_WORDS)
_WORDS = {"key": N_("Indicator code"), "name": N_("Indicator"), "message": N_("Warning")}


def render_xlsx(evaluation: dict[str, Any], *, organisation: str, lang: str = "zh-CN") -> bytes:
    """The result as a workbook: summary, indicators, gaps, warnings (column headers in ``lang``, each
    column's key kept as a defined name: :func:`greenmfg.exports.header_row`)."""
    from openpyxl import Workbook

    t = _t(lang)
    result = evaluation["result"]
    name = "name_zh" if lang.startswith("zh") else "name_en"
    words = export_translator(locale=lang if lang in LANGS else "zh-CN")
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "summary"
    for row in ([t["organisation"], organisation], [t["framework"], result["provenance"]["title_zh" if name == "name_zh" else "title"]],
                [words.gettext(N_("Dataset")), f"{dataset_name(result['provenance']['dataset_id'], zh=name == 'name_zh')} "
                                                f"sha256 {result['provenance']['sha256']}"],
                [t["total"], round(result["total_score"], 2)], [t["threshold"], result["pass_threshold"]],
                [t["verdict"], t["pass"] if result["passed"] else t["fail"]],
                *[["", r["zh" if name == "name_zh" else "en"]] for r in result["reasons"]],
                [], [t["indicator"], t["points"], t["max"]],
                *[[r[name], round(r["points"], 4), r["max_points"]] for r in result["by_level1"]]):
        append_row(summary, row)
    items = book.create_sheet("indicators")
    header_row(items, column_words(["key", "name", "points", "max_points", "value", "unit", "reference", "leading",
                                    "value_source", "reference_source", "verification_status", "evidence"],
                                   words, words=_WORDS))
    for v in result["vetoes"]:
        append_row(items, [v["key"], v[name], t["met"] if v["met"] else t["not_met"], "", "", "", "", "", "", "",
                      t["verification." + v["citation"]["verification_status"]], v["evidence"]])
    for i in result["items"]:
        source = i.get("value_source_zh") if name == "name_zh" and i.get("value_source_zh") else i.get("value_source", "")
        append_row(items, [i["key"], i[name], round(i["points"], 4), i["max_points"], i.get("value"), i.get("unit", ""),
                      i.get("benchmark"), i.get("leading"), source, i.get("reference_source", ""),
                      t["verification." + i["citation"]["verification_status"]], i["evidence"]])
    gaps = book.create_sheet("gaps")
    header_row(gaps, column_words(["key", "name", "points", "max_points", "recoverable"], words, words=_WORDS))
    for g in result["gaps"]:
        append_row(gaps, [g["key"], g[name], round(g["points"], 4), g["max_points"], round(g["recoverable"], 4)])
    warnings = book.create_sheet("warnings")
    header_row(warnings, column_words(["code", "message"], words, words=_WORDS))
    for w in result["warnings"]:
        append_row(warnings, [w["code"], in_words(w["zh" if name == "name_zh" else "en"], zh=name == "name_zh")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
