"""Pooling product results into plant-years keeps the reason a plant has no value or class."""

from __future__ import annotations

from greenmfg.benchmarking.models import Finding, ProductBenchmark
from greenmfg.compliance.service import plant_years


def test_the_reason_for_no_class_travels_with_the_plant_year() -> None:
    boundary = Finding("benchmarking.boundary.not_computable", "indicators:crude_steel_integrated",
                       "levels are set per process, not per tonne of crude steel of a site",
                       "标准按工序设定水平，不按全厂吨粗钢")
    assumed = Finding("benchmarking.variant.assumed", "indicators:crude_steel_integrated", "assumed", "假定")
    months = [ProductBenchmark(enterprise_id="E-STEEL", facility_id="F1", period=f"2024-{m:02d}", product="crude_steel",
                               indicator="crude_steel_integrated", unit="kgce/t", output=1000.0,
                               warnings=[boundary, assumed]) for m in (1, 2)]
    (plant,) = plant_years(months)
    assert plant.cls == "not_classified" and plant.value is None and plant.output == 2000.0
    # the explanation is kept once (not once per month); other warnings are not reasons
    assert plant.reasons == [(boundary.code, boundary.message, boundary.message_zh)]
