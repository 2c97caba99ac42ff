"""Green-evaluation service: automatic indicators from stored results, create / update / finalise.

Access goes through :mod:`greenmfg.orgs.access`: whoever may see the enterprise (its members,
admins, regulators over its jurisdiction, evaluators assigned to it) may read its evaluations;
only its managers (and admins) may create, change or finalise them. Any other caller gets
:class:`~greenmfg.orgs.access.NotFound`, as if the evaluation did not exist.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greenmfg.accounting.models import FacilityResult
from greenmfg.audit.service import record
from greenmfg.calc.capacity import STATUS_ZH
from greenmfg.db.base import utcnow
from greenmfg.errors import GreenmfgError, Issue, UnitError, ValidationFailed
from greenmfg.greenfactory.evaluation import (
    AutoValue,
    ReferenceValue,
    evaluate,
    product_name,
    resolve_framework,
    resolve_product,
)
from greenmfg.greenfactory.models import EvaluationStatus, GreenEvaluation
from greenmfg.orgs.access import NotFound, Principal, enterprise_filter, get_enterprise
from greenmfg.orgs.models import Organisation
from greenmfg.refdata.catalog import load_catalog
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.refdata.words import unit_name
from greenmfg.units import conversion_factor

__all__ = ["EvaluationConflict", "ProductChoice", "auto_values", "create", "evaluation_dict", "finalise", "get",
           "list_for", "product_choices", "reference_values", "score", "update"]


class EvaluationConflict(GreenmfgError):
    """The evaluation is final and can no longer change."""

    status = 409
    code = "evaluation_final"
    message = "a final evaluation cannot be changed; create a new one"
    message_zh = "评价已定稿，不能修改；请新建评价"


def auto_values(session: Session, enterprise_id: int, *, year: int | None = None,
                product: str | None = None) -> tuple[dict[str, AutoValue], list[dict[str, Any]]]:
    """Energy and carbon intensity per unit of product from the current accounting results.

    The enterprise's intensity of a product over a year is output-weighted over its facilities
    and periods: Σ(intensity × quantity) / Σ quantity [kgce/unit, tCO2e/unit], converted to the
    framework's per-tonne units. Only products measured in a mass unit convert.

    Returns
    -------
    tuple
        ``{"energy_intensity": AutoValue [kgce/t], "carbon_intensity": AutoValue [tCO2e/t]}``
        (empty when there are no results or the product is ambiguous) and notes explaining why.
    """
    notes: list[dict[str, Any]] = []
    if year is None:
        year = session.execute(select(func.max(FacilityResult.year)).where(
            FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True))).scalar_one_or_none()
        if year is None:
            return {}, [{"code": "greenfactory.auto.no_results", "en": "no stored accounting results: enter the "
                         "energy and carbon intensity", "zh": "暂无核算结果：请手工填写能耗强度和碳排放强度"}]
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for products in session.execute(select(FacilityResult.products).where(
            FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True),
            FacilityResult.year == year)).scalars():
        for p in products or ():
            quantity = float(p.get("quantity") or 0.0)
            if p.get("energy_intensity") is None or quantity <= 0:
                continue
            cell = sums[(p["product"], p["unit"])]
            cell[0] += quantity
            cell[1] += float(p["energy_intensity"]) * quantity
            cell[2] += float(p.get("emission_intensity") or 0.0) * quantity
    if not sums:
        return {}, [{"code": "greenfactory.auto.no_results", "en": f"no accounting results with products for {year}",
                     "zh": f"{year} 年无含产品产量的核算结果"}]
    chosen = [k for k in sums if product is None or k[0] == product]
    if len(chosen) != 1:
        names_en = ", ".join(sorted(product_name(k[0], "en") for k in sums))
        names_zh = "、".join(sorted(product_name(k[0], "zh-CN") for k in sums))
        if product is not None:
            return {}, [{"code": "greenfactory.auto.no_product_results",
                         "en": f"no accounting results for {product_name(product, 'en')} in {year} (results exist for "
                               f"{names_en}): enter the intensities", "zh": f"{year} 年没有{product_name(product, 'zh-CN')}"
                               f"的核算结果（有结果的产品：{names_zh}）：请手工填写强度指标"}]
        return {}, [{"code": "greenfactory.auto.choose_product", "en": f"choose the product (one of {names_en}) to fill "
                     "the intensities automatically", "zh": f"请选择产品（{names_zh}）以自动填写强度指标"}]
    key = chosen[0]
    quantity, energy, carbon = sums[key]
    try:
        energy_factor = conversion_factor(f"kgce/{key[1]}", "kgce/t")
        carbon_factor = conversion_factor(f"tCO2e/{key[1]}", "tCO2e/t")
    except UnitError:
        return {}, [{"code": "greenfactory.auto.unit", "en": f"{product_name(key[0], 'en')} is counted in {key[1]}, "
                     "not a mass: enter the intensities",
                     "zh": f"{product_name(key[0], 'zh-CN')}以 {key[1]} 计量，非质量单位：请手工填写强度指标"}]
    source = f"greenmfg accounting results {year}, {product_name(key[0], 'en')} ({quantity:,.6g} {key[1]})"
    source_zh = f"greenmfg 核算结果 {year} 年，{product_name(key[0], 'zh-CN')}（{quantity:,.6g} {key[1]}）"
    return {"energy_intensity": AutoValue(energy / quantity * energy_factor, "kgce/t", source, source_zh),
            "carbon_intensity": AutoValue(carbon / quantity * carbon_factor, "tCO2e/t", source, source_zh)}, notes


@dataclass(frozen=True, slots=True)
class ProductChoice:
    """A product the self-evaluation form offers, with the enterprise's accounted output of the year."""

    key: str
    name_zh: str
    name_en: str
    quantity: float | None
    unit: str
    year: int | None


def product_choices(session: Session, enterprise_id: int) -> list[ProductChoice]:
    """The products of the vocabulary, those with the enterprise's current results first (latest year)."""
    year = session.execute(select(func.max(FacilityResult.year)).where(
        FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True))).scalar_one_or_none()
    produced: dict[str, list[Any]] = {}
    if year is not None:
        for products in session.execute(select(FacilityResult.products).where(
                FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True),
                FacilityResult.year == year)).scalars():
            for p in products or ():
                cell = produced.setdefault(str(p.get("product")), [0.0, str(p.get("unit") or "")])
                cell[0] += float(p.get("quantity") or 0.0)
    items = [i for i in load_vocabulary().items.values() if i.kind == "product"]
    items.sort(key=lambda i: (i.key not in produced, 0))
    return [ProductChoice(i.key, i.name_zh, i.name_en, produced[i.key][0] if i.key in produced else None,
                          produced[i.key][1] if i.key in produced else i.canonical_unit,
                          year if i.key in produced else None) for i in items]


@functools.cache
def reference_values(product: str) -> dict[str, ReferenceValue]:
    """Benchmark (基准值) and leading value (引领值) of the energy intensity of ``product`` from the reference library.

    The national energy-efficiency levels (发改产业 能效标杆水平和基准水平, ``benchmarks/ndrc-*``,
    newest edition that gives both levels for the product's default indicator variant) are read
    as 基准值 = 基准水平 and 引领值 = 标杆水平 — greenmfg's reading while MIIT's sector values for
    GB/T 36132-2025 are not published. Empty when the library has no such pair in a per-tonne unit.
    """
    from greenmfg.benchmarking.definitions import default_definitions
    from greenmfg.benchmarking.service import benchmark_editions

    definitions = [d for d in default_definitions().for_product(product) if d.basis == "energy"]
    definition = next((d for d in definitions if d.default), definitions[0] if definitions else None)
    if definition is None or not definition.benchmark_key:
        return {}
    catalog = load_catalog()
    for dataset_id in reversed(list(benchmark_editions(catalog).values())):
        dataset = catalog.dataset(dataset_id)
        leading = dataset.get(definition.benchmark_key, "benchmark_level")
        baseline = dataset.get(definition.benchmark_key, "baseline_level")
        if leading is None or baseline is None or leading.value is None or baseline.value is None:
            continue
        try:
            factor = conversion_factor(baseline.unit, "kgce/t")
        except UnitError:
            return {}
        status = baseline.verification_status if baseline.needs_warning else leading.verification_status
        variant_en = f" ({definition.variant_en})" if len(definitions) > 1 and definition.variant_en else ""
        variant_zh = f"（{definition.variant_zh}）" if len(definitions) > 1 and definition.variant_zh else ""
        source = (f"{baseline.source.split(';')[0]}: baseline level {baseline.value:g} and benchmark level "
                  f"{leading.value:g} {unit_name(baseline.unit, zh=False)} of {definition.name_en}{variant_en}, read as "
                  "benchmark and "
                  f"leading value ({dataset_id}; {status.replace('_', ' ')})")
        source_zh = (f"{baseline.source.split(';')[0]}：{definition.name_zh}{variant_zh}基准水平 {baseline.value:g}、"
                     f"标杆水平 {leading.value:g} {unit_name(baseline.unit, zh=True)}，作为基准值和引领值（核实状态：{STATUS_ZH.get(status, status)}）")
        return {"energy_intensity": ReferenceValue(baseline.value * factor, leading.value * factor, "kgce/t", source,
                                                   source_zh, status, baseline.reference())}
    return {}


def score(session: Session, enterprise_id: int, document: dict[str, Any]) -> dict[str, Any]:
    """Score a document for an enterprise, with automatic indicators where the framework has them."""
    if not isinstance(document, dict):
        raise ValidationFailed([Issue("greenfactory.input.not_an_object", "the input must be a JSON object",
                                      "send {\"items\": [...]}", "输入必须是 JSON 对象", "请提交 {\"items\": [...]}")], 1)
    framework = resolve_framework(document)
    auto: dict[str, AutoValue] = {}
    notes: list[dict[str, Any]] = []
    references: dict[str, ReferenceValue] = {}
    product, problem = resolve_product(document.get("product")) if isinstance(document.get("product"), str) \
        else (None, None)
    if any(i.auto for i in framework.indicators) and problem is None:
        year = document.get("year")
        auto, notes = auto_values(session, enterprise_id, year=year if isinstance(year, int) else None,
                                  product=product)
        references = reference_values(product) if product else {}
    result = evaluate(document, auto=auto, references=references)
    result["warnings"].extend(notes)
    return result


def _visible(session: Session, principal: Principal, evaluation_id: int) -> GreenEvaluation:
    row = session.execute(
        select(GreenEvaluation).join(Organisation, Organisation.id == GreenEvaluation.organisation_id)
        .where(GreenEvaluation.id == evaluation_id, enterprise_filter(session, principal))).scalar_one_or_none()
    if row is None:
        raise NotFound("evaluation", evaluation_id)
    return row


def get(session: Session, principal: Principal, evaluation_id: int) -> GreenEvaluation:
    """An evaluation the caller may see (NotFound otherwise)."""
    return _visible(session, principal, evaluation_id)


def list_for(session: Session, principal: Principal, enterprise_id: int) -> list[GreenEvaluation]:
    get_enterprise(session, principal, enterprise_id)
    return list(session.execute(select(GreenEvaluation).where(GreenEvaluation.organisation_id == enterprise_id)
                                .order_by(GreenEvaluation.id.desc())).scalars())


def create(session: Session, principal: Principal, enterprise_id: int, document: dict[str, Any]) -> GreenEvaluation:
    """Score and store a draft (nothing is stored when the input is refused)."""
    get_enterprise(session, principal, enterprise_id, manage=True)
    result = score(session, enterprise_id, document)
    row = GreenEvaluation(organisation_id=enterprise_id, subject=result["subject"], framework=result["framework"],
                          edition=result["provenance"]["edition"], status=EvaluationStatus.draft, inputs=document,
                          result=result, total_score=result["total_score"], passed=result["passed"],
                          created_by=principal.user_id)
    session.add(row)
    session.flush()
    record(session, "greenfactory.create", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="green_evaluation", target_id=row.id,
           details={"framework": row.framework, "total_score": row.total_score, "passed": row.passed})
    return row


def update(session: Session, principal: Principal, evaluation_id: int, document: dict[str, Any]) -> GreenEvaluation:
    """Replace a draft's input and re-score it."""
    row = _visible(session, principal, evaluation_id)
    get_enterprise(session, principal, row.organisation_id, manage=True)
    if row.status != EvaluationStatus.draft:
        raise EvaluationConflict()
    result = score(session, row.organisation_id, document)
    row.inputs, row.result = document, result
    row.subject, row.framework, row.edition = result["subject"], result["framework"], result["provenance"]["edition"]
    row.total_score, row.passed, row.updated_at = result["total_score"], result["passed"], utcnow()
    record(session, "greenfactory.update", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=row.organisation_id, target_type="green_evaluation", target_id=row.id,
           details={"total_score": row.total_score, "passed": row.passed})
    session.flush()
    return row


def finalise(session: Session, principal: Principal, evaluation_id: int) -> GreenEvaluation:
    """Make a draft final (it can no longer change)."""
    row = _visible(session, principal, evaluation_id)
    get_enterprise(session, principal, row.organisation_id, manage=True)
    if row.status != EvaluationStatus.draft:
        raise EvaluationConflict()
    row.status, row.updated_at = EvaluationStatus.final, utcnow()
    record(session, "greenfactory.finalise", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=row.organisation_id, target_type="green_evaluation", target_id=row.id,
           details={"total_score": row.total_score, "passed": row.passed})
    session.flush()
    return row


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def evaluation_dict(row: GreenEvaluation, *, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row.id, "organisation_id": row.organisation_id, "subject": row.subject,
                           "framework": row.framework, "edition": row.edition, "status": row.status,
                           "total_score": row.total_score, "passed": row.passed, "title": row.result.get("title", ""),
                           "created_by": row.created_by, "created_at": _iso(row.created_at),
                           "updated_at": _iso(row.updated_at)}
    if full:
        out["inputs"] = row.inputs
        out["result"] = row.result
    return out
