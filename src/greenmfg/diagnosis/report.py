"""The energy-saving diagnosis report (节能诊断报告), HTML and PDF, in Chinese or English.

Structure after the MIIT 《工业企业节能诊断服务指南》 (2020) content areas: 1 enterprise overview;
2 energy use and management (energy structure from stored accounting results, metering coverage per
energy category against GB 17167-2006, the enterprise's notes on its management system); 3 process
energy efficiency (unit-product energy of the stored results, and the benchmark classes 标杆/基准 of
:func:`greenmfg.compliance.service.enterprise_benchmark`, the same computation as ``/benchmark``); 4 equipment efficiency (register against the minimum allowable values);
5 consumption alerts; 6 measures with savings and payback, ordered by payback; 7 data warnings.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from greenmfg import __version__
from greenmfg.accounting.lines import preload_lines
from greenmfg.accounting.models import FacilityResult
from greenmfg.diagnosis import service
from greenmfg.diagnosis.labels import (
    BENCHMARK_CLASS_LABELS,
    CATEGORY_LABELS,
    KIND_LABELS,
    REPORT_TEXT,
    SEVERITY_LABELS,
    STATUS_LABELS,
    VERIFICATION_LABELS,
    alert_kind_key,
    alert_severity_key,
)
from greenmfg.errors import GreenmfgError
from greenmfg.orgs.access import Principal
from greenmfg.orgs.models import Facility, Organisation
from greenmfg.refdata.catalog import load_catalog
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.refdata.words import dataset_name, in_words, rating_name
from greenmfg.reports import html_to_pdf, report_environment, stamp

__all__ = ["Lang", "report_context", "render_html", "render_pdf"]

Lang = Literal["zh", "en"]


def _energy_structure(session: Session, enterprise_id: int, year: int, lang: Lang) -> tuple[list[dict[str, Any]], float,
                                                                                             list[dict[str, Any]]]:
    rows = session.execute(select(FacilityResult).where(
        FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True),
        FacilityResult.year == year)
        .options(undefer(FacilityResult.lines_packed), undefer(FacilityResult.lines_json))).scalars().all()
    preload_lines(session, rows)
    vocabulary = load_vocabulary()
    by_item: dict[str, float] = defaultdict(float)
    products: dict[tuple[int, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    total = 0.0
    for row in rows:
        total += row.energy_tce
        for line in row.lines or []:
            value = line.get("energy_tce") or 0.0
            if value:
                by_item[line["item"]] += value
        for product in row.products or []:
            entry = products[(row.facility_id, product["product"], product["unit"])]
            entry[0] += product.get("quantity") or 0.0
            entry[1] += row.energy_tce
    structure = []
    for key, tce in sorted(by_item.items(), key=lambda kv: -kv[1]):
        item = vocabulary.items.get(key)
        name = (item.name_zh if lang == "zh" else item.name_en) if item else key
        structure.append({"item": name, "tce": tce, "share": tce / total if total else None})
    facility_codes = dict(session.execute(select(Facility.id, Facility.code).where(
        Facility.enterprise_id == enterprise_id)).all())
    product_rows = []
    for (facility_id, key, unit), (quantity, energy) in sorted(products.items()):
        item = vocabulary.items.get(key)
        name = (item.name_zh if lang == "zh" else item.name_en) if item else key
        product_rows.append({"facility": facility_codes.get(facility_id, facility_id), "product": name,
                             "quantity": quantity, "unit": unit, "energy_tce": energy,
                             "intensity_kgce": energy * 1000 / quantity if quantity else None})
    return structure, total, product_rows


def _benchmarks(session: Session, principal: Principal | None, enterprise: Organisation, year: int, lang: Lang
                ) -> tuple[list[dict[str, Any]], list[service.Finding]]:
    """Benchmark classes per facility, period and product: the compliance service's computation
    (``GET /api/v1/enterprises/{id}/benchmark``) for the report year, not a second implementation."""
    from greenmfg.compliance import service as compliance

    if principal is None:
        return [], [service.Finding("diagnosis.report.no_benchmark", "benchmark classes not computed (no user)",
                                    "未计算能效标杆/基准分级（无用户）")]
    try:
        _, view = compliance.enterprise_benchmark(session, principal, enterprise.id, period=str(year))
    except GreenmfgError as error:
        return [], [service.Finding("diagnosis.report.no_benchmark", f"benchmark classes not computed: {error}",
                                    f"未能计算能效标杆/基准分级：{getattr(error, 'message_zh', error)}")]
    vocabulary = load_vocabulary()
    rows: list[dict[str, Any]] = []
    findings: list[service.Finding] = []
    statuses: set[str] = set()
    for r in view.results:
        facility = view.facilities.get((r.enterprise_id, r.facility_id))
        item = vocabulary.items.get(r.product)
        for level in r.levels:
            if level.name in ("benchmark_level", "baseline_level") and level.verification_status not in (
                    "verified", "definitional"):
                statuses.add(f"{level.ref} ({level.verification_status})")
        rows.append({
            "facility": r.facility_id + (f" {facility[1]}" if facility and facility[1] else ""), "period": r.period,
            "product": (item.name_zh if lang == "zh" else item.name_en) if item else r.product,
            "indicator": (r.indicator_name_zh if lang == "zh" else r.indicator_name) or "—",
            "value": r.value, "unit": r.unit, "benchmark_level": r.benchmark_level,
            "baseline_level": r.baseline_level, "cls": r.cls or "no_indicator",
            "class_label": BENCHMARK_CLASS_LABELS.get(r.cls or "no_indicator", {}).get(lang, r.cls or ""),
            "gap_to_benchmark": r.gap_to_benchmark, "savings_to_benchmark_tce": r.savings_to_benchmark_tce,
            "edition": r.edition, "warnings": len(r.warnings)})
    if statuses:
        findings.append(service.Finding(
            "diagnosis.reference.unverified",
            f"benchmark/baseline levels used that are not verified: {', '.join(sorted(statuses))}",
            f"所用标杆/基准水平未经核实：{'、'.join(sorted(statuses))}"))
    if view.results and not view.stored_results_current:
        findings.append(service.Finding(
            "diagnosis.report.benchmark_reaccounted",
            "the benchmark classes re-account the stored data with the installed reference data, which differs from "
            "the data the stored results were computed with",
            "能效分级按当前参考数据重新核算已入库数据，与已入库核算结果所用参考数据不同"))
    return rows, findings


def _metering(session: Session, enterprise_id: int, year: int, lang: Lang
              ) -> tuple[list[dict[str, Any]], list[service.Finding]]:
    rows, findings = service.metering_coverage(session, enterprise_id, year)
    vocabulary = load_vocabulary()
    out = []
    for row in rows:
        names = [(i.name_zh if lang == "zh" else i.name_en) if (i := vocabulary.items.get(k)) else k for k in row.items]
        out.append({**row.__dict__, "label": CATEGORY_LABELS.get(row.category, {}).get(lang, row.category),
                    "item_names": "、".join(names) if lang == "zh" else ", ".join(names)})
    return out, findings


def report_context(session: Session, enterprise: Organisation, *, year: int, lang: Lang,
                   electricity_price: float | None = None, fuel_price: float | None = None,
                   principal: Principal | None = None) -> dict[str, Any]:
    """Everything the report template shows (also the JSON of the check).

    ``principal`` (the requesting user) is needed for the benchmark classes, which the compliance
    service computes under the caller's access; without it they are left out, with a warning.
    """
    items = service.equipment_for(session, enterprise.id)
    factors, findings = service.factors_for(enterprise, year, electricity_price=electricity_price,
                                            fuel_price=fuel_price)
    checks = service.check_equipment(items, factors)
    structure, total_tce, product_rows = _energy_structure(session, enterprise.id, year, lang)
    facilities = session.execute(select(Facility).where(Facility.enterprise_id == enterprise.id)
                                 .order_by(Facility.code)).scalars().all()
    meters = service.meter_counts(session, enterprise.id)
    alerts = service.list_alerts(session, enterprise.id, year=year)
    facility_codes = {f.id: f.code for f in facilities}
    measures = sorted((c for c in checks if c.measure is not None),
                      key=lambda c: (c.measure.payback_years is None if c.measure else True,
                                     c.measure.payback_years or 0.0 if c.measure else 0.0))
    totals = {k: sum((getattr(c.measure, k) or 0.0) for c in measures if c.measure) for k in
              ("kwh", "tce", "tco2", "cost_saving_cny", "replacement_cost_cny")}
    metering, metering_findings = _metering(session, enterprise.id, year, lang)
    benchmarks, benchmark_findings = _benchmarks(session, principal, enterprise, year, lang)
    warnings: list[service.Finding] = list(findings)
    seen = {w.message for w in warnings}
    for warning in (*metering_findings, *benchmark_findings):
        if warning.message not in seen:
            seen.add(warning.message)
            warnings.append(warning)
    for check in checks:
        for warning in check.warnings:
            if warning.message not in seen:
                seen.add(warning.message)
                warnings.append(warning)
    if not structure:
        warnings.append(service.Finding("diagnosis.report.no_results", f"no stored accounting results for {year}",
                                        f"{year} 年无已入库的核算结果"))
    vocabulary = load_vocabulary()
    region = vocabulary.regions.get(enterprise.province or "")
    catalog = load_catalog()
    editions = [{"id": d.id, "title": d.info.title_zh if lang == "zh" else d.info.title, "sha256": d.info.sha256[:12]}
                for d in (catalog.dataset(service.MOTOR_DATASET), catalog.dataset(service.TRANSFORMER_DATASET),
                          catalog.dataset(service.COMPRESSOR_DATASET), catalog.dataset(service.PUMP_DATASET),
                          catalog.dataset(service.FAN_DATASET), catalog.dataset(service.BOILER_DATASET),
                          catalog.dataset(service.METERING_DATASET))]
    return {
        "lang": "zh-CN" if lang == "zh" else "en", "t": REPORT_TEXT[lang], "zh": lang == "zh",
        "kinds": {k: v[lang] for k, v in KIND_LABELS.items()},
        "severities": {k: v[lang] for k, v in SEVERITY_LABELS.items()},
        "statuses": {k: v[lang] for k, v in STATUS_LABELS.items()},
        "enterprise": enterprise, "year": year, "generated": stamp(), "version": __version__,
        "province": (region["name_zh"] if lang == "zh" else region["name_en"]) if region else (enterprise.province or "—"),
        "facilities": facilities, "facility_codes": facility_codes, "meters": meters,
        "metered_facilities": sum(1 for f in facilities if meters.get(f.id)),
        "metering": metering, "benchmarks": benchmarks, "metering_dataset": service.METERING_DATASET,
        "benchmark_editions": ", ".join(sorted({b["edition"] for b in benchmarks if b["edition"]})),
        "notes": service.notes_text(session, enterprise.id),
        "structure": structure, "total_tce": total_tce, "products": product_rows,
        "checks": checks, "below": [c for c in checks if c.below_minimum],
        "compliant": [c for c in checks if c.below_minimum is False],
        "unchecked": [c for c in checks if c.below_minimum is None],
        "alerts": alerts, "open_alerts": [a for a in alerts if a.status == "open"], "alert_kind_key": alert_kind_key,
        "alert_severity_key": alert_severity_key,
        "verification": {k: v[lang] for k, v in VERIFICATION_LABELS.items()},
        "measures": measures, "totals": totals, "factors": factors, "warnings": warnings, "editions": editions,
        "assumptions": service.ASSUMPTIONS,
        # codes of the reference library in words, in the report's language (greenmfg.refdata.words)
        "words": functools.partial(in_words, zh=lang == "zh"), "rating": functools.partial(rating_name, zh=lang == "zh"),
        "dataset": functools.partial(dataset_name, zh=lang == "zh"),
    }


def render_html(context: dict[str, Any]) -> str:
    environment = report_environment("greenmfg.diagnosis")
    return environment.get_template("diagnosis/report.html").render(context)


def render_pdf(context: dict[str, Any]) -> bytes:
    return html_to_pdf(render_html(context))
