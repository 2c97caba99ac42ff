"""Benchmark and compliance API.

* ``GET /api/v1/enterprises/{id}/benchmark?period=&edition=&format=json|xlsx``: per facility,
  period and product the ``benchmark`` block of ``greenmfg benchmark --format json`` plus the
  facility and product identifiers, and ``works`` (an iron and steel works' crude-steel result
  per period and pooled per year); anyone who may see the enterprise (others: 404).
* ``GET /api/v1/region/compliance?year=&edition=&industry=&format=json|xlsx``: the compliance
  view of the caller's region; regulators and admins only (others: 403).

Bad ``period``, ``year`` or ``edition``: 422 with the error envelope naming the parameter.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.encoders import jsonable_encoder

from greenmfg.benchmarking import ProductBenchmark
from greenmfg.cache import ResultsCache
from greenmfg.compliance import service
from greenmfg.compliance.service import (
    ComplianceView,
    Deadline,
    GroupCounts,
    PlantYear,
)
from greenmfg.db.session import Database
from greenmfg.orgs.access import get_enterprise
from greenmfg.refdata.catalog import load_catalog
from greenmfg.web.deps import CurrentPrincipal, get_database
from greenmfg.web.downloads import content_response
from greenmfg.web.ids import Id
from greenmfg.web.templating import translator_for

__all__ = ["XLSX", "compliance_json", "router", "works_json"]

router = APIRouter(tags=["benchmark"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: cached answers also expire, in case a version bump was lost (Redis unreachable at commit)
BENCHMARK_CACHE_SECONDS = 3600

Period = Annotated[str | None, Query(max_length=16, description="YYYY or YYYY-MM; default: all current data")]
Edition = Annotated[str | None, Query(max_length=40, description="2021 or 2023; default: per indicator the "
                                                                 "newest edition with a value")]


def _json(document: dict[str, Any]) -> bytes:
    """The answer as compact JSON: the documents are plain JSON values already, so the standard
    encoder writes them (FastAPI's encoder only for anything else, e.g. a datetime)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=jsonable_encoder).encode()


@router.get("/api/v1/enterprises/{enterprise_id}/benchmark", summary="Benchmark classes of an enterprise's products")
def enterprise_benchmark(enterprise_id: Id, request: Request, principal: CurrentPrincipal,
                         database: Annotated[Database, Depends(get_database)], period: Period = None,
                         edition: Edition = None, format: Literal["json", "xlsx"] = "json") -> Any:
    """``{"enterprise", "edition", "periods", "stored_results_current", "provenance", "items"}``;
    each item: ``enterprise_id``, ``enterprise_code``, ``facility_id`` (platform id), ``facility_code``,
    ``facility_name``, ``period``, ``product``, ``output``, ``output_unit`` and ``benchmark`` (the CLI's
    block: indicator, value, unit, edition, levels, class, gap, savings, quota grade, warnings,
    derivation). ``works``: an iron and steel works reported as process units, its comprehensive
    energy per tonne of crude steel (GB 21256; facility ``*``, all the enterprise's facilities):
    ``periods`` one object per period, ``years`` each year pooled (not when one month is asked
    for); each with ``period``, ``output`` (crude steel, t), ``output_unit`` and the ``benchmark``
    block (value, levels, class, savings, quota grade, ``warnings``, ``derivation.processes``
    with each process unit's ratio); ``years`` also ``periods`` (the periods pooled)."""
    cache: ResultsCache = request.app.state.results_cache
    with database.session() as session:
        period, edition = service.check_period(period), service.check_edition(edition)
        get_enterprise(session, principal, enterprise_id)  # access is checked every time
        version = cache.version(enterprise_id)
        key = f"benchmark:{enterprise_id}:{period or 'all'}:{edition or 'newest'}:{version}:{service.reference_key()}"
        cached = cache.get(key) if version >= 0 and format == "json" else None
        if cached is not None:
            return Response(cached, media_type="application/json")
        enterprise, view = service.enterprise_benchmark(session, principal, enterprise_id, period=period,
                                                        edition=edition, xlsx=format == "xlsx",
                                                        translator=translator_for(request))
    if format == "xlsx":
        assert view.xlsx is not None or not view.results
        return content_response(view.xlsx or b"", f"benchmark-{enterprise.code or enterprise.id}.xlsx", XLSX)
    items = []
    for r in view.results:
        facility = view.facilities.get((r.enterprise_id, r.facility_id))
        items.append({"enterprise_id": enterprise.id, "enterprise_code": r.enterprise_id,
                      "facility_id": facility[0] if facility else None, "facility_code": r.facility_id,
                      "facility_name": facility[1] if facility else None, "period": r.period,
                      "product": r.product, "output": r.output, "output_unit": r.output_unit,
                      "benchmark": r.as_dict()})
    body = _json({
        "enterprise": {"id": enterprise.id, "code": enterprise.code, "name": enterprise.name},
        "edition": view.edition, "periods": view.periods, "stored_results_current": view.stored_results_current,
        "provenance": view.provenance, "items": items,
        "works": {"periods": [works_json(w) for w in view.works],
                  "years": [{**works_json(w), "periods": w.derivation.get("periods", [])}
                            for w in view.works_years]}})
    if version >= 0:
        cache.set(key, body, BENCHMARK_CACHE_SECONDS)
    return Response(body, media_type="application/json")


def works_json(works: ProductBenchmark) -> dict[str, Any]:
    """One works result (a period or a pooled year) of the enterprise answer."""
    return {"period": works.period, "product": works.product, "output": works.output,
            "output_unit": works.output_unit, "benchmark": works.as_dict()}


def _group(group: GroupCounts, key_name: str) -> dict[str, Any]:
    return {key_name: group.key, "product": group.product or None, "indicator": group.indicator,
            "output_unit": group.output_unit or None, "counts": group.counts, "output": group.output,
            "shares": group.shares,
            "savings": {"to_benchmark_tce": group.savings_to_benchmark_tce,
                        "to_baseline_tce": group.savings_to_baseline_tce,
                        "to_benchmark_tco2": group.savings_to_benchmark_tco2,
                        "to_baseline_tco2": group.savings_to_baseline_tco2}}


def plant_json(item: PlantYear, view: ComplianceView) -> dict[str, Any]:
    enterprise = view.view.enterprises.get(item.enterprise)
    facility = view.view.facilities.get((item.enterprise, item.facility))
    return {"enterprise_id": enterprise.id if enterprise else None, "enterprise_code": item.enterprise,
            "enterprise_name": enterprise.name if enterprise else None,
            "industry": enterprise.industry if enterprise else None,
            "province": enterprise.province if enterprise else None, "city": enterprise.city if enterprise else None,
            "facility_id": facility[0] if facility else None, "facility_code": item.facility,
            "facility_name": facility[1] if facility else None, "year": item.year, "periods": item.periods,
            "product": item.product, "indicator": item.indicator, "indicator_name": item.indicator_name,
            "indicator_name_zh": item.indicator_name_zh, "value": item.value, "unit": item.unit or None,
            "edition": item.edition, "benchmark_level": item.benchmark_level, "baseline_level": item.baseline_level,
            "class": item.cls, "gap": {"to_benchmark": item.gap_to_benchmark, "to_baseline": item.gap_to_baseline},
            "output": item.output, "output_unit": item.output_unit,
            "savings_to_benchmark_tce": item.savings_to_benchmark_tce,
            "savings_to_baseline_tce": item.savings_to_baseline_tce,
            "savings_to_benchmark_tco2": item.savings_to_benchmark_tco2,
            "savings_to_baseline_tco2": item.savings_to_baseline_tco2,
            "quota_standard": item.quota_standard, "quota_grade": item.quota_grade,
            "unverified_refs": item.unverified}


def _deadline(deadline: Deadline | None) -> dict[str, Any] | None:
    return deadline.as_dict() if deadline is not None else None


def compliance_json(view: ComplianceView) -> dict[str, Any]:
    """The compliance view as JSON (the API's answer)."""
    return {
        "year": view.year, "years": view.years, "edition": view.edition, "area_level": view.area_level,
        "classes": list(service.CLASSES),
        "totals": _group(view.totals, "key"),
        "by_industry": [_group(g, "industry") for g in view.by_industry],
        "by_area": [_group(g, view.area_level) for g in view.by_area],
        "below_baseline": [{**plant_json(p, view), "deadline": _deadline(d)} for p, d in view.below_baseline],
        "plants": [plant_json(p, view) for p in view.plants],
        "trend": [_group(g, "period") for g in view.trend],
        "stored_results_current": view.view.stored_results_current,
        "provenance": {**view.view.provenance, "deadlines": {
            "dataset": service.DEADLINES_DATASET,
            "sha256": load_catalog().dataset(service.DEADLINES_DATASET).info.sha256}},
    }


@router.get("/api/v1/region/compliance", summary="Benchmark compliance of the caller's region")
def region_compliance(request: Request, principal: CurrentPrincipal, database: Annotated[Database, Depends(get_database)],
                      year: Annotated[str | None, Query(max_length=8, description="YYYY; default: latest")] = None,
                      edition: Edition = None,
                      industry: Annotated[str | None, Query(max_length=64, description="industry key")] = None,
                      format: Literal["json", "xlsx"] = "json") -> Any:
    """Per industry and per area (city within one province, else province): facility counts and
    output shares by class; below-baseline facilities with gap and policy deadline; savings
    potential to baseline and benchmark (tce, tCO2e); the trend by period."""
    with database.session() as session:
        view = service.region_compliance(session, principal, year=year, edition=edition, industry=industry or None)
    if format == "xlsx":
        from greenmfg.compliance.export import compliance_xlsx

        return content_response(compliance_xlsx(view, translator_for(request)),
                                f"compliance-{view.year or 'none'}.xlsx", XLSX)
    return Response(_json(compliance_json(view)), media_type="application/json")
