"""Pooling benchmark results of a facility's periods into plant-years (pure, no database).

A facility-product's value for a year is its output-weighted mean over the periods
(Σ value × output / Σ output, equal to the energy of the year over the output of the year);
class, gaps and savings are computed from that value with :mod:`greenmfg.calc.benchmarking` at
the year's output, and CO2 savings at the periods' energy-weighted tCO2e per tce. Used when
benchmark results are stored (:mod:`greenmfg.compliance.stored`) and by the views.

An iron and steel works' crude-steel results (:mod:`greenmfg.benchmarking.works`) pool the same
way (:func:`works_years`): Σ value × crude steel / Σ crude steel of the periods with a value. Its
levels and quota limits are the process levels weighted by the period's own process ratios, so
they are pooled by the same weights: Σ level × P / Σ P is exactly the level weighted by the year's
ratios (Σ_m Σ_i L_i × P_i,m / Σ_m P_m), the only level consistent with the pooled value.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from greenmfg.benchmarking import Finding, LevelUsed, ProductBenchmark
from greenmfg.benchmarking.models import CAVEAT_CODES, REASON_CODES
from greenmfg.benchmarking.works import class_and_grade, grade_works
from greenmfg.calc import benchmarking as calc

__all__ = ["CAVEAT_CODES", "REASON_CODES", "PlantYear", "benchmark_key", "plant_years", "works_years"]


def benchmark_key(result: ProductBenchmark) -> str | None:
    """The benchmarks-dataset key a result's levels came from (``clinker``), or None."""
    for level in result.levels:
        if level.name in ("benchmark_level", "baseline_level") and ":" in level.ref:
            return level.ref.split(":", 1)[1].rsplit(".", 1)[0]
    return None


@dataclass
class PlantYear:
    """One product of one facility over a year (or any span): pooled value, class, gaps, savings."""

    enterprise: str
    facility: str
    product: str
    year: str
    indicator: str | None
    indicator_name: str
    indicator_name_zh: str
    unit: str
    edition: str | None
    benchmark_level: float | None
    baseline_level: float | None
    benchmark_key: str | None
    output: float
    output_unit: str
    value: float | None = None
    cls: str = "no_indicator"
    gap_to_benchmark: float | None = None
    gap_to_baseline: float | None = None
    savings_to_benchmark_tce: float = 0.0
    savings_to_baseline_tce: float = 0.0
    savings_to_benchmark_tco2: float = 0.0
    savings_to_baseline_tco2: float = 0.0
    quota_standard: str | None = None
    quota_grade: int | str | None = None
    periods: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    #: why there is no value or class (boundary, missing indicator or level): (code, English, Chinese)
    reasons: list[tuple[str, str, str]] = field(default_factory=list)
    #: what qualifies the value or class that is shown (:data:`CAVEAT_CODES`): (code, English, Chinese)
    caveats: list[tuple[str, str, str]] = field(default_factory=list)
    #: the unverified levels and limits used, in words: (reference, English, Chinese)
    unverified_notes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def savings_to_benchmark_known(self) -> bool:
        """Whether the savings to the benchmark level were computed (a value and the level): a
        plant without them shows no number, never 0."""
        return self.value is not None and self.benchmark_level is not None

    @property
    def savings_to_baseline_known(self) -> bool:
        """Whether the savings to the baseline level were computed (a value and the level)."""
        return self.value is not None and self.baseline_level is not None


def plant_years(results: Iterable[ProductBenchmark], *, by_period: bool = False) -> list[PlantYear]:
    """Pool each facility's product results over the periods of each year (see the module docstring).

    With ``by_period`` each period stands alone (``year`` is then the period).
    """
    groups: dict[tuple[str, str, str, str, str | None], list[ProductBenchmark]] = defaultdict(list)
    for r in results:
        span = r.period if by_period else r.period[:4]
        groups[(r.enterprise_id, r.facility_id, r.product, span, r.indicator)].append(r)
    out: list[PlantYear] = []
    pooled: list[tuple[PlantYear, float | None, float | None, dict[int, float | None]]] = []
    for (enterprise, facility, product, year, indicator), members in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[0][3], kv[0][4] or "")):
        first = members[0]
        item = PlantYear(enterprise=enterprise, facility=facility, product=product, year=year, indicator=indicator,
                         indicator_name=first.indicator_name, indicator_name_zh=first.indicator_name_zh,
                         unit=first.unit, edition=first.edition, benchmark_level=first.benchmark_level,
                         baseline_level=first.baseline_level, benchmark_key=benchmark_key(first),
                         output=sum(m.output or 0.0 for m in members), output_unit=first.output_unit,
                         quota_standard=first.quota_standard, periods=sorted(m.period for m in members),
                         unverified=sorted({w.ref for m in members for w in m.warnings
                                            if w.code.endswith(".unverified")}),
                         reasons=sorted({(w.code, w.message, w.message_zh) for m in members for w in m.warnings
                                         if w.code in REASON_CODES}),
                         caveats=sorted({(w.code, w.message, w.message_zh) for m in members for w in m.warnings
                                         if w.code in CAVEAT_CODES}),
                         unverified_notes=sorted({w.ref: (w.ref, w.message, w.message_zh) for m in members
                                                  for w in m.warnings if w.code.endswith(".unverified")}.values()))
        out.append(item)
        if indicator is None:
            continue
        valued = [m for m in members if m.value is not None and m.output]
        weight = sum(m.output or 0.0 for m in valued)
        if not valued or weight <= 0:
            item.cls = "not_classified"
            continue
        value = sum((m.value or 0.0) * (m.output or 0.0) for m in valued) / weight
        # energy-weighted emissions per tce of the periods (value × output ∝ energy)
        ratios = [(m.derivation.get("tco2e_per_tce"), (m.value or 0.0) * (m.output or 0.0)) for m in valued]
        known = [(r, w) for r, w in ratios if r is not None]
        co2_per_tce = (sum(r * w for r, w in known) / sum(w for _, w in known)
                       if known and sum(w for _, w in known) > 0 else None)
        item.value, item.output = value, weight
        tce_per_unit = first.derivation.get("tce_per_unit")
        pooled.append((item, tce_per_unit, co2_per_tce, first.quota_limits))
    if pooled:
        values = np.array([p[0].value for p in pooled], dtype=np.float64)
        bench = np.array([np.nan if p[0].benchmark_level is None else p[0].benchmark_level for p in pooled])
        base = np.array([np.nan if p[0].baseline_level is None else p[0].baseline_level for p in pooled])
        output = np.array([p[0].output for p in pooled])
        per_unit = np.array([np.nan if p[1] is None else p[1] for p in pooled])
        co2 = np.array([np.nan if p[2] is None else p[2] for p in pooled])
        classes = calc.classify(values, bench, base)
        gap_bench, gap_base = calc.gaps(values, bench), calc.gaps(values, base)
        save_bench, save_base = calc.savings(values, bench, output, per_unit), calc.savings(values, base, output,
                                                                                             per_unit)
        grades = calc.quota_grades(values, *(np.array([np.nan if p[3].get(g) is None else p[3][g] for p in pooled])
                                             for g in (1, 2, 3)))
        for i, (item, *_rest) in enumerate(pooled):
            item.cls = classes[i] or "not_classified"
            item.gap_to_benchmark = None if np.isnan(gap_bench[i]) else float(gap_bench[i])
            item.gap_to_baseline = None if np.isnan(gap_base[i]) else float(gap_base[i])
            item.savings_to_benchmark_tce = 0.0 if np.isnan(save_bench[i]) else float(save_bench[i])
            item.savings_to_baseline_tce = 0.0 if np.isnan(save_base[i]) else float(save_base[i])
            factor = 0.0 if np.isnan(co2[i]) else float(co2[i])
            item.savings_to_benchmark_tco2 = item.savings_to_benchmark_tce * factor
            item.savings_to_baseline_tco2 = item.savings_to_baseline_tce * factor
            item.quota_grade = grades[i]
    return out


def _limit(result: ProductBenchmark, *, grade: int) -> float | None:
    return result.quota_limits.get(grade)


def _weighted(members: list[ProductBenchmark], get: Callable[[ProductBenchmark], float | None]) -> float | None:
    """Σ get(m) × output / Σ output, or None when a member lacks the number."""
    known = [(get(m), m.output or 0.0) for m in members]
    numbers = [(v, w) for v, w in known if v is not None]
    if len(numbers) < len(known):
        return None
    weight = sum(w for _, w in numbers)
    return sum(v * w for v, w in numbers) / weight


def _pooled(values: list[float | None], weights: list[float]) -> float | None:
    """Σ value × weight / Σ weight over a process unit's periods, or None when one lacks the number."""
    weight = sum(weights)
    if any(v is None for v in values) or weight <= 0:
        return None
    return sum((v or 0.0) * w for v, w in zip(values, weights, strict=True)) / weight


def works_years(results: Iterable[ProductBenchmark]) -> list[ProductBenchmark]:
    """Pool each enterprise's works results (one edition option) over the periods of each year.

    The year's result has ``period`` the year, the pooled value, levels, quota limits, class,
    gaps, savings and grade, the process ratios of the year in ``derivation`` (each process's
    output over the year per tonne of the year's crude steel) and the periods' findings.
    """
    groups: dict[tuple[str, str], list[ProductBenchmark]] = defaultdict(list)
    for r in results:
        groups[(r.enterprise_id, r.period[:4])].append(r)
    out: list[ProductBenchmark] = []
    for (enterprise, year), members in sorted(groups.items()):
        members = sorted(members, key=lambda m: m.period)
        first = members[0]
        item = ProductBenchmark(
            enterprise_id=enterprise, facility_id=first.facility_id, period=year, product=first.product,
            indicator=first.indicator, indicator_name=first.indicator_name, indicator_name_zh=first.indicator_name_zh,
            variant=first.variant, variant_zh=first.variant_zh, selection=first.selection, unit=first.unit,
            output_unit=first.output_unit, boundary=first.boundary, boundary_rule=first.boundary_rule,
            edition=", ".join(sorted({e for m in members if m.edition for e in m.edition.split(", ")})) or None,
            quota_standard=first.quota_standard, quota_dataset=first.quota_dataset)
        seen: set[tuple[str, str, str]] = set()
        for m in members:
            for w in m.warnings:
                if (w.code, w.ref, w.message) not in seen:
                    seen.add((w.code, w.ref, w.message))
                    item.warnings.append(Finding(w.code, w.ref, w.message, w.message_zh))
        used: dict[tuple[str, str], LevelUsed] = {}
        for m in members:
            for level in m.levels:
                used.setdefault((level.name, level.ref), level)
        item.levels = list(used.values())
        out.append(item)
        valued = [m for m in members if m.value is not None and m.output]
        steel = sum(m.output or 0.0 for m in valued)
        item.output = steel
        if not valued or steel <= 0:
            continue
        item.value = _weighted(valued, lambda m: m.value)
        item.benchmark_level = _weighted(valued, lambda m: m.benchmark_level)
        item.baseline_level = _weighted(valued, lambda m: m.baseline_level)
        item.quota_limits = {g: _weighted(valued, functools.partial(_limit, grade=g)) for g in (1, 2, 3)}
        tce_per_unit = first.derivation.get("tce_per_unit")
        # energy-weighted emissions per tce of the periods (value × output ∝ energy), as for plants
        ratios = [(m.derivation.get("tco2e_per_tce"), (m.value or 0.0) * (m.output or 0.0)) for m in valued]
        known = [(r, w) for r, w in ratios if r is not None]
        energy = sum(w for _, w in known)
        co2_per_tce = sum(r * w for r, w in known) / energy if known and energy > 0 else None
        grade_works(item, tce_per_unit=tce_per_unit, co2_per_tce=co2_per_tce)
        item.derivation = _works_derivation(valued, steel, tce_per_unit, co2_per_tce)
    return out


def _works_derivation(valued: list[ProductBenchmark], steel: float, tce_per_unit: float | None,
                      co2_per_tce: float | None) -> dict[str, Any]:
    """The year's process ratios: per process unit, its output, energy per tonne, levels and
    limits over the year, and its class and quota grade from these (not a period's)."""
    units: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in valued:
        for p in m.derivation.get("processes", []):
            units[p["facility_id"]].append(p)
    processes = []
    for rows in units.values():
        output = sum(p["output"] or 0.0 for p in rows)
        energy = sum((p["value"] or 0.0) * (p["output"] or 0.0) for p in rows)
        unit = {**rows[0], "output": output, "value": energy / output if output else None,
                "ratio": output / steel, "contribution": energy / steel}
        # a level or limit pools like the value: Σ L_m × P_m / Σ P_m (None when a period lacks it)
        weights = [p["output"] or 0.0 for p in rows]
        unit["benchmark_level"] = _pooled([p["benchmark_level"] for p in rows], weights)
        unit["baseline_level"] = _pooled([p["baseline_level"] for p in rows], weights)
        unit["quota_limits"] = {g: _pooled([(p.get("quota_limits") or {}).get(g) for p in rows], weights)
                                for g in (1, 2, 3)}
        unit["class"], unit["quota_grade"] = class_and_grade(unit["value"], unit["benchmark_level"],
                                                             unit["baseline_level"], unit["quota_limits"])
        processes.append(unit)
    others: dict[str, float | None] = {}
    for m in valued:
        for f in m.derivation.get("other_facilities", []):
            known = others.get(f["facility_id"], 0.0)
            others[f["facility_id"]] = None if known is None or f["energy_tce"] is None else known + f["energy_tce"]
    return {
        "formula": "value = Σ value_m × P_m / Σ P_m over the periods; r_i = Σ P_i / Σ P; "
                   "levels and limits pooled by the same weights",
        "periods": [m.period for m in valued],
        "crude_steel_t": steel,
        "processes": processes,
        "other_facilities": [{"facility_id": f, "energy_tce": e} for f, e in sorted(others.items())],
        "other": sum((m.derivation.get("other") or 0.0) * (m.output or 0.0) for m in valued) / steel,
        "tce_per_unit": tce_per_unit,
        "tco2e_per_tce": co2_per_tce,
    }
