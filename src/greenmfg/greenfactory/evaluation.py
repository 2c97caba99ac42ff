"""Check an evaluation's input against its framework and score it (no database here).

Input document (JSON, or the rows of the xlsx template)::

    {"framework": "gbt36132-2025",            # or "subject": "factory" | "park" | "supply_chain"
     "title": "2025 自评价", "year": 2025, "product": "crude_steel",
     "items": [{"key": "gate.qms", "answer": true, "evidence": "ISO 9001 证书"},
               {"key": "能碳管理系统平台", "points": 4},
               {"key": "energy.energy_intensity", "value": 3.506, "unit": "kgce/t",
                "benchmark": 3.9, "leading": 2.2, "reference_source": "…",
                "override_reason": "…"}]}

Items are named by key, Chinese name or English name. Basic requirements need an answer;
a scored item or indicator left out scores 0 and is listed as a gap. Every problem is an
:class:`~greenmfg.errors.Issue` located at ``items[i].field``; any issue refuses the whole input.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any

from greenmfg.calc.capacity import STATUS_ZH
from greenmfg.calc.greenfactory import ItemScore, TreeScore, linear_points, score_tree
from greenmfg.errors import Issue, UnitError, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.greenfactory.frameworks import (
    DEFAULT_FRAMEWORK,
    DIMENSIONLESS,
    FRAMEWORKS,
    SUBJECTS,
    Framework,
    FrameworkItem,
    load_framework,
)
from greenmfg.refdata.catalog import WARNING_FREE_STATUSES
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.units import conversion_factor

__all__ = ["AutoValue", "ReferenceValue", "evaluate", "item_lookup", "product_name", "resolve_framework",
           "resolve_product"]

ITEM_FIELDS = frozenset({"key", "answer", "points", "value", "unit", "benchmark", "leading", "reference_source",
                         "evidence", "override_reason"})
TOP_FIELDS = frozenset({"framework", "subject", "title", "year", "product", "items"})
TRUE = {"true", "yes", "y", "1", "是", "符合", "满足", "met"}
FALSE = {"false", "no", "n", "0", "否", "不符合", "不满足", "not met"}


@dataclass(frozen=True, slots=True)
class AutoValue:
    """A performance value computed from greenmfg's stored accounting results."""

    value: float
    unit: str
    source: str
    source_zh: str


@dataclass(frozen=True, slots=True)
class ReferenceValue:
    """A benchmark (基准值) and leading value (引领值) of a performance indicator from the reference library."""

    benchmark: float
    leading: float
    unit: str
    source: str
    source_zh: str
    status: str
    reference: str

    @property
    def needs_warning(self) -> bool:
        return self.status not in WARNING_FREE_STATUSES


#: how this module words its findings
_INPUT = Locator(code_prefix="greenfactory.input.", value_limit=200)


def _unit_ok(unit: str) -> bool:
    return unit.strip() in DIMENSIONLESS


def _convert(value: float, from_unit: str, to_unit: str, what: str) -> float:
    if _unit_ok(from_unit) and _unit_ok(to_unit):
        return value
    return value * conversion_factor(from_unit or "1", to_unit or "1", what=what)


def resolve_framework(document: dict[str, Any]) -> Framework:
    """The framework a document names (``framework`` or the default of its ``subject``).

    Raises
    ------
    ValidationFailed
        Unknown framework or subject.
    """
    framework_id = document.get("framework")
    subject = document.get("subject")
    if framework_id is None:
        if subject is None:
            subject = "factory"
        if subject not in SUBJECTS:
            raise ValidationFailed([_INPUT.finding("unknown_subject", "subject", subject, f"unknown subject '{subject}'",
                                                   f"未知评价对象“{subject}”", f"use one of {', '.join(SUBJECTS)}",
                                                   f"可选：{'、'.join(SUBJECTS)}")], 1)
        framework_id = DEFAULT_FRAMEWORK[subject]
    if framework_id not in FRAMEWORKS:
        raise ValidationFailed([_INPUT.finding("unknown_framework", "framework", framework_id,
                                               f"unknown framework '{framework_id}'", f"未知评价框架“{framework_id}”",
                                               f"use one of {', '.join(FRAMEWORKS)}", f"可选：{'、'.join(FRAMEWORKS)}")], 1)
    framework = load_framework(str(framework_id))
    if subject is not None and framework.subject != subject:
        raise ValidationFailed([_INPUT.finding("subject_mismatch", "subject", subject,
                                               f"framework {framework_id} evaluates a {framework.subject}, not a {subject}",
                                               f"评价框架 {framework_id} 适用于 {framework.subject}，不适用于 {subject}",
                                               "leave out subject or pick a matching framework", "删除 subject 或选择匹配的框架")], 1)
    return framework


def product_name(key: str, lang: str) -> str:
    """A product's name in ``lang`` (zh-CN or en) from the vocabulary; the key itself when unknown."""
    item = load_vocabulary().items.get(key)
    if item is None:
        return key
    return item.name_zh if lang.startswith("zh") else item.name_en


def resolve_product(text: object) -> tuple[str | None, Issue | None]:
    """The vocabulary key of a product named by key, Chinese or English name or alias (熟料 → clinker).

    Returns ``(key, None)``, ``(None, None)`` for no product, or ``(None, issue)`` when the text names
    no product of the vocabulary (the issue suggests close names).
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return None, None
    vocabulary = load_vocabulary()
    key = vocabulary.item_names.resolve(text)
    item = vocabulary.items.get(key or "")
    if item is not None and item.kind == "product":
        return item.key, None
    products = [i for i in vocabulary.items.values() if i.kind == "product"]
    close = [s for s in vocabulary.item_names.suggest(text, 5)
             if (k := vocabulary.item_names.resolve(s)) and vocabulary.items[k].kind == "product"][:3]
    hint_en = f"did you mean {', '.join(close)}?" if close else \
        f"choose one of {', '.join(i.name_en for i in products[:8])} …"
    hint_zh = f"是否指：{'、'.join(close)}？" if close else f"请从产品列表中选择，如 {'、'.join(i.name_zh for i in products[:8])} 等"
    return None, _INPUT.finding("unknown_product", "product", text, f"'{text}' is not a product greenmfg knows",
                                f"“{text}”不是平台已知的产品", hint_en, hint_zh)


def item_lookup(framework: Framework) -> dict[str, FrameworkItem]:
    """Every spelling an input may name an item by (key, Chinese name, English name) → the item."""
    return _lookup(framework)


def _lookup(framework: Framework) -> dict[str, FrameworkItem]:
    names: dict[str, FrameworkItem] = {}
    for item in framework.items.values():
        if item.kind in ("veto", "scored", "performance"):
            for name in (item.key, item.name_zh, item.name_en, item.name_en.lower()):
                names.setdefault(name, item)
    return names


def _number(raw: object) -> float | None:
    if isinstance(raw, bool) or raw is None or raw == "":
        return None
    try:
        number = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number


def evaluate(document: dict[str, Any], *, auto: dict[str, AutoValue] | None = None,
             references: dict[str, ReferenceValue] | None = None, lang_default: str = "zh-CN") -> dict[str, Any]:
    """Check ``document`` and score it against its framework.

    Parameters
    ----------
    document
        The input document (see the module docstring).
    auto
        Performance values computed from stored results, by ``auto`` name
        (``energy_intensity`` [kgce/t], ``carbon_intensity`` [tCO2e/t]); used when the
        document gives no value, overridden (with a reason) when it does.
    references
        Benchmark and leading values from the reference library, by ``auto`` name, for
        indicators whose framework row has none; used when the document gives none (values the
        document gives, with their source, replace them).

    Returns
    -------
    dict
        JSON-ready result: ``total_score``, ``passed``, ``reasons``, ``by_level1``, ``items``,
        ``vetoes``, ``gaps`` (most recoverable first), ``warnings`` and ``provenance``.

    Raises
    ------
    ValidationFailed
        Every problem found, located at ``items[i].field``; nothing is scored.
    """
    auto = auto or {}
    references = references or {}
    issues: list[Issue] = []
    if not isinstance(document, dict):
        raise ValidationFailed([_INPUT.finding("not_an_object", "", "", "the input must be a JSON object",
                                               "输入必须是 JSON 对象", "send {\"items\": [...]}",
                                               "请提交 {\"items\": [...]}")], 1)
    framework = resolve_framework(document)
    product = _check_top_fields(document, issues)
    answers = _answers(document, framework, issues)
    veto_rows, veto_results = _vetoes(framework, answers, issues)
    warnings: list[dict[str, Any]] = []
    scores, rows = _indicators(framework, answers, auto, references, issues, warnings)
    if issues:
        raise ValidationFailed(issues[:200], len(issues))
    threshold = float(framework.pass_threshold.value or 0.0)
    tree = score_tree(scores, level1_order=[i.key for i in framework.level1], vetoes=veto_results,
                      pass_threshold=threshold)
    level1 = {i.key: i for i in framework.level1}
    by_key = {r["key"]: r for r in rows}
    gaps = [{"key": g.key, "level1": g.level1, "name_zh": by_key[g.key]["name_zh"], "name_en": by_key[g.key]["name_en"],
             "points": g.points, "max_points": g.max_points, "recoverable": g.recoverable,
             "answered": by_key[g.key]["answered"]} for g in tree.gaps]
    _result_warnings(framework, rows, warnings)
    return {
        "framework": framework.id, "subject": framework.subject, "title": str(document.get("title") or ""),
        "year": document.get("year"), "product": product,
        "product_zh": product_name(product, "zh-CN") if product else None,
        "product_en": product_name(product, "en") if product else None,
        "total_score": round(tree.total, 4), "max_score": tree.max_total, "pass_threshold": threshold,
        "passed": tree.passed, "reasons": _verdict_reasons(framework, tree, threshold),
        "by_level1": [{"key": k, "name_zh": level1[k].name_zh, "name_en": level1[k].name_en,
                       "points": tree.by_level1[k], "max_points": tree.max_by_level1[k],
                       "citation": level1[k].citation()} for k in level1],
        "vetoes": veto_rows, "items": rows, "gaps": gaps, "warnings": warnings,
        "provenance": {**framework.provenance(), "pass_threshold": framework.pass_threshold.citation(),
                       "scoring_rule": framework.items["rule.scoring"].citation()
                       if "rule.scoring" in framework.items else None},
    }


def _check_top_fields(document: dict[str, Any], issues: list[Issue]) -> str | None:
    """Unknown top-level fields, the year, the title (text) and the product (a vocabulary product:
    its key is returned; an unknown product is refused, never ignored)."""
    for name in sorted(set(document) - TOP_FIELDS):
        issues.append(_INPUT.finding("unknown_field", name, "", f"unknown field '{name}'", f"未知字段“{name}”",
                                     f"allowed fields: {', '.join(sorted(TOP_FIELDS))}",
                                     f"允许的字段：{'、'.join(sorted(TOP_FIELDS))}"))
    year = document.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100):
        issues.append(_INPUT.finding("bad_year", "year", year, f"year '{year}' is not a year between 1990 and 2100",
                                     f"年度“{year}”不是 1990 至 2100 之间的年份", "enter a year such as 2025",
                                     "请填写年份，如 2025"))
    for name in ("title", "product"):
        if document.get(name) is not None and not isinstance(document.get(name), str):
            issues.append(_INPUT.finding("not_text", name, document.get(name), f"{name} must be text",
                                         f"{name} 必须为文本", "enter text", "请填写文本"))
    if document.get("product") is not None and not isinstance(document.get("product"), str):
        return None
    product, problem = resolve_product(document.get("product"))
    if problem is not None:
        issues.append(problem)
    return product


def _answers(document: dict[str, Any], framework: Framework,
             issues: list[Issue]) -> dict[str, tuple[int, dict[str, Any]]]:
    """The answered items by framework key: (index in ``items``, the item as given).

    Raises
    ------
    ValidationFailed
        ``items`` is not a list.
    """
    raw_items = document.get("items", [])
    if not isinstance(raw_items, list):
        raise ValidationFailed([_INPUT.finding("items_not_list", "items", "", "items must be a list", "items 必须是列表",
                                               "give one object per item", "每个条目一个对象")], 1)
    names = _lookup(framework)
    answers: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, raw in enumerate(raw_items):
        where = f"items[{index}]"
        if not isinstance(raw, dict):
            issues.append(_INPUT.finding("item_not_object", where, raw, "each item must be an object",
                                         "每个条目必须是对象", "give {\"key\": …}", "格式为 {\"key\": …}"))
            continue
        for name in sorted(set(raw) - ITEM_FIELDS):
            issues.append(_INPUT.finding("unknown_field", f"{where}.{name}", "", f"unknown field '{name}'",
                                         f"未知字段“{name}”", f"allowed: {', '.join(sorted(ITEM_FIELDS))}",
                                         f"允许的字段：{'、'.join(sorted(ITEM_FIELDS))}"))
        key = str(raw.get("key") or "").strip()
        item = names.get(key) or names.get(key.lower())
        if item is None:
            close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}?" if close else f"see the items of framework {framework.id}"
            hint_zh = f"是否指：{'、'.join(close)}？" if close else f"请查看评价框架 {framework.id} 的条目"
            issues.append(_INPUT.finding("unknown_item", f"{where}.key", key, f"unknown item '{key}' in {framework.id}",
                                         f"评价框架 {framework.id} 中没有条目“{key}”", hint, hint_zh))
            continue
        if item.key in answers:
            other = answers[item.key][0]
            issues.append(_INPUT.finding("duplicate_item", f"{where}.key", key,
                                         f"item {item.key} is given twice (also items[{other}])",
                                         f"条目 {item.key} 重复（另见 items[{other}]）", "give each item once",
                                         "每个条目只填一次"))
            continue
        answers[item.key] = (index, raw)
    return answers


def _veto_answer(answer: object) -> bool | None:
    """A basic requirement's answer: met (True), not met (False) or no valid answer (None)."""
    if isinstance(answer, bool):
        return answer
    if isinstance(answer, str) and answer.strip().lower() in TRUE | FALSE:
        return answer.strip().lower() in TRUE
    return None


def _vetoes(framework: Framework, answers: dict[str, tuple[int, dict[str, Any]]],
            issues: list[Issue]) -> tuple[list[dict[str, Any]], dict[str, bool]]:
    """The rows of the basic requirements (veto items) and whether each is met."""
    veto_rows, veto_results = [], {}
    for item in framework.vetoes:
        index, raw = answers.get(item.key, (-1, {}))
        answer = raw.get("answer")
        met = _veto_answer(answer)
        if met is None:
            column = f"items[{index}].answer" if index >= 0 else f"items[key={item.key}].answer"
            issues.append(_INPUT.finding("missing_answer" if answer is None else "bad_answer", column, answer,
                                         f"basic requirement {item.key} ({item.name_en}) needs an answer: met or not met",
                                         f"基本要求 {item.key}（{item.name_zh}）必须作答：符合或不符合",
                                         "answer true (met) or false (not met)", "填写 true（符合）或 false（不符合）"))
            continue
        veto_results[item.key] = met
        veto_rows.append({"key": item.key, "name_zh": item.name_zh, "name_en": item.name_en, "met": met,
                          "evidence": str(raw.get("evidence") or ""), "citation": item.citation()})
    return veto_rows, veto_results


def _indicators(framework: Framework, answers: dict[str, tuple[int, dict[str, Any]]], auto: dict[str, AutoValue],
                references: dict[str, ReferenceValue], issues: list[Issue],
                warnings: list[dict[str, Any]]) -> tuple[list[ItemScore], list[dict[str, Any]]]:
    """The scores and rows of the indicators (scored items and performance values)."""
    scores: list[ItemScore] = []
    rows: list[dict[str, Any]] = []
    for item in framework.indicators:
        index, raw = answers.get(item.key, (-1, {}))
        row = _indicator_row(item, index, raw, auto, references, issues, warnings)
        if row is not None:
            scores.append(ItemScore(item.key, item.parent, row["max_points"], float(row["points"])))
            rows.append(row)
    return scores, rows


def _indicator_row(item: FrameworkItem, index: int, raw: dict[str, Any], auto: dict[str, AutoValue],
                   references: dict[str, ReferenceValue], issues: list[Issue],
                   warnings: list[dict[str, Any]]) -> dict[str, Any] | None:
    """One indicator's row (None: its points are out of range, an issue is recorded)."""
    where = f"items[{index}]"
    max_points = float(item.value or 0.0)
    row: dict[str, Any] = {"key": item.key, "kind": item.kind, "level1": item.parent, "name_zh": item.name_zh,
                           "name_en": item.name_en, "group_zh": item.group_zh, "group_en": item.group_en,
                           "max_points": max_points, "points": 0.0, "answered": index >= 0,
                           "evidence": str(raw.get("evidence") or ""), "citation": item.citation()}
    if item.kind != "scored":
        row.update(_performance(item, index, raw, auto.get(item.auto) if item.auto else None,
                                references.get(item.auto) if item.auto else None, issues, warnings))
        # a value greenmfg filled from the stored results counts as filled
        row["answered"] = index >= 0 or bool(row.get("auto"))
        return row
    points = _number(raw.get("points"))
    if index >= 0 and raw.get("points") is not None and (points is None or not math.isfinite(points)
                                                         or not 0 <= points <= max_points):
        issues.append(_INPUT.finding("points_out_of_range", f"{where}.points", raw.get("points"),
                                     f"{item.key}: points must be a number from 0 to {max_points:g}",
                                     f"{item.key}：得分必须是 0 至 {max_points:g} 之间的数", f"enter 0 … {max_points:g}",
                                     f"填写 0 至 {max_points:g}"))
        return None
    row["points"] = points or 0.0
    row["answered"] = points is not None
    return row


def _verdict_reasons(framework: Framework, tree: TreeScore, threshold: float) -> list[dict[str, str]]:
    """Why the evaluation passed or failed: each failed basic requirement, the pass mark, or the pass."""
    reasons = []
    for key in tree.failed_vetoes:
        item = framework.items[key]
        reasons.append({"code": "greenfactory.verdict.veto", "key": key,
                        "en": f"basic requirement not met: {item.name_en}", "zh": f"基本要求不符合：{item.name_zh}"})
    if tree.below_threshold:
        reasons.append({"code": "greenfactory.verdict.below_threshold", "key": "rule.pass_threshold",
                        "en": f"total score {tree.total:.2f} is below the pass mark {threshold:g}",
                        "zh": f"总分 {tree.total:.2f} 低于通过分数线 {threshold:g}"})
    if tree.passed:
        reasons.append({"code": "greenfactory.verdict.pass", "key": "",
                        "en": f"all basic requirements met and total score {tree.total:.2f} ≥ {threshold:g}",
                        "zh": f"基本要求全部符合，总分 {tree.total:.2f} ≥ {threshold:g}"})
    return reasons


def _result_warnings(framework: Framework, rows: list[dict[str, Any]], warnings: list[dict[str, Any]]) -> None:
    """Add the result's own warnings: unverified framework values first, unanswered indicators last."""
    used = [framework.pass_threshold, *framework.level1, *framework.vetoes, *framework.indicators]
    unverified = sorted({i.status for i in used if i.needs_warning})
    if unverified:
        warnings.insert(0, {"code": "greenfactory.reference.unverified",
                            "en": f"{sum(i.needs_warning for i in used)} of {len(used)} framework values used are not "
                                  f"verified against the standard text (statuses: {', '.join(unverified)})",
                            "zh": f"所用 {len(used)} 项框架数值中有 {sum(i.needs_warning for i in used)} 项未经标准原文核实"
                                  f"（状态：{', '.join(unverified)}）"})
    unanswered = [r["key"] for r in rows if not r["answered"]]
    if unanswered:
        warnings.append({"code": "greenfactory.input.not_answered", "keys": unanswered,
                         "en": f"{len(unanswered)} indicator(s) not answered score 0", "zh": f"{len(unanswered)} 项指标未填写，按 0 分计"})


def _performance(item: FrameworkItem, index: int, raw: dict[str, Any], auto: AutoValue | None,
                 reference: ReferenceValue | None, issues: list[Issue], warnings: list[dict[str, Any]]) -> dict[str, Any]:
    where = f"items[{index}]"
    start = len(issues)
    out: dict[str, Any] = {"unit": item.unit, "direction": item.direction, "value": None, "benchmark": None,
                           "leading": None, "value_source": "", "reference_source": ""}
    value = _number(raw.get("value"))
    unit = str(raw.get("unit") or item.unit).strip()
    if value is not None and not math.isfinite(value):
        issues.append(_INPUT.finding("not_a_number", f"{where}.value", raw.get("value"), f"{item.key}: value is not a number",
                                     f"{item.key}：数值不是数字", "enter a number", "请填写数字"))
        return out
    factor = 1.0
    try:
        if value is not None or raw.get("benchmark") is not None or raw.get("leading") is not None:
            factor = _convert(1.0, unit, item.unit, item.name_en)
    except UnitError:
        issues.append(_INPUT.finding("wrong_unit", f"{where}.unit", unit,
                                     f"{item.key}: unit '{unit}' does not convert to {item.unit}",
                                     f"{item.key}：单位“{unit}”不能换算为 {item.unit}", f"use {item.unit} or a unit of the same kind",
                                     f"请使用 {item.unit} 或同量纲单位"))
        return out
    if value is not None:
        if auto is not None:
            reason = str(raw.get("override_reason") or "").strip()
            if not reason:
                issues.append(_INPUT.finding("override_without_reason", f"{where}.override_reason", "",
                                             f"{item.key}: greenmfg computed {auto.value:.4g} {auto.unit} ({auto.source}); "
                                             "a different value needs a reason",
                                             f"{item.key}：系统已根据核算结果计算为 {auto.value:.4g} {auto.unit}（{auto.source_zh}），"
                                             "填写其他数值须说明理由", "give override_reason or leave out value",
                                             "填写 override_reason，或删除 value 使用自动值"))
                return out
            out["value_source"] = f"entered (overrides {auto.value:.6g} {auto.unit} from {auto.source}): {reason}"
            out["value_source_zh"] = f"填报（替代{auto.source_zh}的 {auto.value:.6g} {auto.unit}）：{reason}"
            out["auto_value"] = auto.value
        else:
            out["value_source"], out["value_source_zh"] = "entered", "填报"
        out["value"] = value * factor
    elif auto is not None:
        out["value"] = auto.value
        out["value_source"] = auto.source
        out["value_source_zh"] = auto.source_zh
        out["auto"] = True
    for name in ("benchmark", "leading"):
        given = _number(raw.get(name))
        if given is not None and not math.isfinite(given):
            issues.append(_INPUT.finding("not_a_number", f"{where}.{name}", raw.get(name), f"{item.key}: {name} is not a number",
                                         f"{item.key}：{name} 不是数字", "enter a number", "请填写数字"))
            continue
        out[name] = given * factor if given is not None else getattr(item, name)
    if raw.get("benchmark") is not None or raw.get("leading") is not None:
        out["reference_source"] = str(raw.get("reference_source") or "").strip()
        if not out["reference_source"]:
            issues.append(_INPUT.finding("reference_without_source", f"{where}.reference_source", "",
                                         f"{item.key}: entered benchmark/leading values need their source",
                                         f"{item.key}：填写的基准值/引领值须注明来源", "name the standard or document",
                                         "请注明标准或文件名称"))
    elif item.benchmark is None and item.leading is None and reference is not None:
        out["benchmark"], out["leading"] = reference.benchmark, reference.leading
        out["reference_source"], out["reference_source_zh"] = reference.source, reference.source_zh
        out["reference"] = reference.reference
        if reference.needs_warning:
            warnings.append({"code": "greenfactory.reference.library_unverified", "key": item.key,
                             "en": f"{item.name_en}: benchmark and leading value from the reference library are not "
                                   f"verified against the source text ({reference.reference})",
                             "zh": f"{item.name_zh}：取自参考库的基准值和引领值未经原文核实"
                                   f"（核实状态：{STATUS_ZH.get(reference.status, reference.status)}）"})
    else:
        out["reference_source"] = item.source if item.benchmark is not None else ""
    if len(issues) > start or out["value"] is None:
        return out
    if (out["benchmark"] is None or out["leading"] is None) and index < 0:
        # filled automatically, but nobody gave the references: shown, scored 0, flagged
        warnings.append({"code": "greenfactory.auto.reference_needed", "key": item.key,
                         "en": f"{item.name_en}: {out['value']:.4g} {item.unit} from stored results; enter the "
                               "benchmark and leading value to score it",
                         "zh": f"{item.name_zh}：根据核算结果为 {out['value']:.4g} {item.unit}；填写基准值和引领值后计分"})
        return out
    if out["benchmark"] is None or out["leading"] is None:
        issues.append(_INPUT.finding("missing_reference", f"{where}.benchmark", "",
                                     f"{item.key}: the framework has no benchmark/leading value for this indicator",
                                     f"{item.key}：该指标的基准值/引领值需由评价方填写",
                                     f"enter benchmark and leading [{item.unit}] with reference_source",
                                     f"请填写基准值和引领值 [{item.unit}] 及 reference_source"))
        return out
    benchmark, leading = float(out["benchmark"]), float(out["leading"])
    better = leading > benchmark if item.direction == "higher" else leading < benchmark
    if not better:
        issues.append(_INPUT.finding("reference_direction", f"{where}.leading", raw.get("leading"),
                                     f"{item.key}: the leading value must be {'above' if item.direction == 'higher' else 'below'} "
                                     "the benchmark", f"{item.key}：引领值必须{'高于' if item.direction == 'higher' else '低于'}基准值",
                                     "check the two values", "请核对两项数值"))
        return out
    out["points"] = linear_points(float(out["value"]), benchmark=benchmark, leading=leading,
                                  max_points=float(item.value or 0.0))
    return out
