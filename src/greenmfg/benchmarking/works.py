"""Iron and steel works reported as process units: crude-steel energy per tonne, levels, grade, savings.

An integrated works (钢铁联合企业) reports each process as a facility of its enterprise: sintering
(product sinter), pelletising (pellets), coking (coke), blast furnace (hot metal), converter or
EAF shop (crude steel), plus rolling mills and auxiliaries (any other facility). Each process unit
is benchmarked by the service on its own indicator (GB 21256-2025 表1-表5, GB 21342-2025); this
module adds, per enterprise and period, the works' comprehensive energy per tonne of crude steel
(吨钢综合能耗) by the process expansion

    E = Σ_i e_i × r_i + E_other / P,    r_i = P_i / P (钢比系数)

(:func:`greenmfg.calc.benchmarking.works_value`), and carries the process levels and quota limits
to the crude steel the same way (:func:`greenmfg.calc.benchmarking.works_level`). The standards set
levels per process only; the weighted levels are greenmfg's derivation and every works result
says so. Works results are kept apart from the facility results (``BenchmarkRun.works``) so that
totals over facilities do not count a works' energy twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from greenmfg.benchmarking.models import Finding, LevelUsed, ProductBenchmark, QuotaGrade
from greenmfg.calc import benchmarking as calc
from greenmfg.units import conversion_factor

__all__ = ["PROCESSES", "WORKS_FACILITY", "WORKS_INDICATOR", "class_and_grade", "grade_works", "process_of",
           "works_results"]

#: facility_id of a works result: all facilities of the enterprise in the period
WORKS_FACILITY = "*"
WORKS_INDICATOR = "crude_steel_works"
_UNIT = "kgce/t"

#: process unit → (English, Chinese); the indicator keys that identify it are in :func:`process_of`
PROCESSES: Mapping[str, tuple[str, str]] = {
    "sintering": ("sintering", "烧结"),
    "pelletising": ("pelletising", "球团"),
    "coking": ("coking", "焦化"),
    "blast_furnace": ("blast furnace", "高炉"),
    "converter": ("converter", "转炉"),
    "eaf": ("electric-arc furnace", "电弧炉"),
}
_STEELMAKING = frozenset({"converter", "eaf"})
_IRONMAKING = "blast_furnace"
#: process findings that bear on the works' levels and are repeated on the works result
_CARRIED = frozenset({"benchmarking.variant.assumed", "benchmarking.attribute.inferred", "benchmarking.correction.not_applied",
                      "benchmarking.correction.not_encoded", "benchmarking.quota.no_limit", "benchmarking.level.missing"})


#: indicator key → the process unit it stands for; a key ending in "_" is a prefix (every coke_… indicator)
_PROCESS_INDICATORS: Mapping[str, str] = {
    "sintering_process": "sintering",
    "pelletizing_process": "pelletising",
    "coke_": "coking",
    "blast_furnace_process": "blast_furnace",
    "converter_process": "converter",
    "eaf_": "eaf",
}


def process_of(indicator: str | None) -> str | None:
    """The process unit a facility result's indicator stands for, or None."""
    if indicator is None:
        return None
    return next((process for key, process in _PROCESS_INDICATORS.items()
                 if indicator == key or (key.endswith("_") and indicator.startswith(key))), None)


def _names(processes: Sequence[str]) -> tuple[str, str]:
    return (", ".join(PROCESSES[p][0] for p in processes), "、".join(PROCESSES[p][1] for p in processes))


def works_results(results: Sequence[ProductBenchmark], energy: Mapping[tuple[str, str, str], Mapping[str, Any]]
                  ) -> list[ProductBenchmark]:
    """One crude-steel result per enterprise and period whose processes are facilities.

    A works is formed where the enterprise has, in the period, a blast-furnace unit and at least
    one converter or EAF shop with a computed value. Every facility of the enterprise in the
    period belongs to it: a facility with exactly one process result counts as that process
    (e_i × r_i), any other facility (rolling, power plant, auxiliaries, a unit whose value could
    not be computed) with its comprehensive energy per tonne of crude steel.

    Parameters
    ----------
    results
        The facility results of a run (values, levels and limits already computed).
    energy
        Per (enterprise, facility, period): ``total_energy_tce`` (the accounting total),
        ``energy_tce`` and ``energy_co2e_t`` (energy-carrier lines, for CO2 savings).
    """
    by_facility: dict[tuple[str, str, str], list[ProductBenchmark]] = defaultdict(list)
    for r in results:
        if process_of(r.indicator) is not None and r.value is not None and r.output:
            by_facility[(r.enterprise_id, r.facility_id, r.period)].append(r)
    facilities: dict[tuple[str, str], list[str]] = defaultdict(list)
    for enterprise, facility, period in energy:
        facilities[(enterprise, period)].append(facility)
    for enterprise, facility, period in {(r.enterprise_id, r.facility_id, r.period) for r in results}:
        if facility not in facilities[(enterprise, period)]:
            facilities[(enterprise, period)].append(facility)
    out: list[ProductBenchmark] = []
    for (enterprise, period), members in sorted(facilities.items()):
        units: list[tuple[str, ProductBenchmark]] = []
        others: list[str] = []
        for facility in sorted(members):
            found = by_facility.get((enterprise, facility, period), [])
            if len(found) == 1:
                units.append((process_of(found[0].indicator) or "", found[0]))
            else:
                others.append(facility)
        kinds = {p for p, _ in units}
        if _IRONMAKING not in kinds or not kinds & _STEELMAKING:
            continue
        out.append(_works(enterprise, period, units, others, energy))
    return out


def _works(enterprise: str, period: str, units: Sequence[tuple[str, ProductBenchmark]], others: Sequence[str],
           energy: Mapping[tuple[str, str, str], Mapping[str, Any]]) -> ProductBenchmark:
    order = list(PROCESSES)
    units = sorted(units, key=lambda u: (order.index(u[0]), u[1].facility_id))
    steel = sum(r.output or 0.0 for p, r in units if p in _STEELMAKING)
    per_tce = conversion_factor("tce/t", _UNIT)
    values = np.array([r.value for _, r in units], dtype=np.float64)
    ratios = calc.steel_ratios([r.output for _, r in units], steel)
    other_tce = sum(energy.get((enterprise, f, period), {}).get("total_energy_tce") or 0.0 for f in others)
    other = other_tce / steel * per_tce
    value = calc.works_value(values, ratios, other)

    result = ProductBenchmark(enterprise_id=enterprise, facility_id=WORKS_FACILITY, period=period,
                              product="crude_steel", output=steel, output_unit="t")
    result.indicator = WORKS_INDICATOR
    result.indicator_name = "comprehensive energy per tonne of crude steel of an iron and steel works"
    result.indicator_name_zh = "吨钢综合能耗（钢铁联合企业）"
    result.variant = "process energy weighted by the process-to-crude-steel ratios"
    result.variant_zh = "工序能耗按钢比系数加权"
    result.selection = "works"
    result.unit = _UNIT
    result.boundary = "works"
    result.boundary_rule = (
        "E = Σ e_i × P_i / P + E_other / P: each process unit's energy per tonne of its product weighted by its "
        "output per tonne of the works' crude steel (钢比系数), plus the energy of the works' other facilities "
        "(rolling, auxiliaries) per tonne of crude steel; equal to the works' comprehensive energy / crude steel")
    result.value = value

    def level(get: Any, *, quota: bool) -> float | None:
        known = [get(r) for _, r in units]
        if all(v is None for v in known):
            return None
        required = [quota and r.quota_dataset is not None for _, r in units]
        weighted = calc.works_level([np.nan if v is None else v for v in known], values, ratios, other,
                                    required=required)
        return None if np.isnan(weighted) else weighted

    result.benchmark_level = level(lambda r: r.benchmark_level, quota=False)
    result.baseline_level = level(lambda r: r.baseline_level, quota=False)
    result.quota_limits = {g: level(lambda r, g=g: r.quota_limits.get(g), quota=True) for g in (1, 2, 3)}
    editions = sorted({r.edition for _, r in units if r.edition})
    result.edition = ", ".join(editions) or None
    standards = sorted({r.quota_standard for _, r in units if r.quota_standard})
    result.quota_standard = ", ".join(standards) or None

    lines_tce = sum(energy.get((enterprise, r.facility_id, period), {}).get("energy_tce") or 0.0 for _, r in units) + \
        sum(energy.get((enterprise, f, period), {}).get("energy_tce") or 0.0 for f in others)
    co2e = sum(energy.get((enterprise, r.facility_id, period), {}).get("energy_co2e_t") or 0.0 for _, r in units) + \
        sum(energy.get((enterprise, f, period), {}).get("energy_co2e_t") or 0.0 for f in others)
    tce_per_unit = conversion_factor(_UNIT, "tce/t")
    co2_per_tce = co2e / lines_tce if lines_tce > 0 else None
    grade_works(result, tce_per_unit=tce_per_unit, co2_per_tce=co2_per_tce)

    result.derivation = {
        "formula": "value = Σ e_i × r_i + other; r_i = P_i / P; level = Σ (L_i, else e_i) × r_i + other",
        "crude_steel_t": steel,
        "processes": [{"facility_id": r.facility_id, "process": p, "indicator": r.indicator, "product": r.product,
                       "value": r.value, "output": r.output, "ratio": float(ratios[i]),
                       "contribution": float(values[i] * ratios[i]), "benchmark_level": r.benchmark_level,
                       "baseline_level": r.baseline_level, "quota_limits": dict(r.quota_limits),
                       "class": r.cls, "quota_grade": r.quota_grade}
                      for i, (p, r) in enumerate(units)],
        "other_facilities": [{"facility_id": f, "energy_tce": energy.get((enterprise, f, period), {})
                              .get("total_energy_tce")} for f in others],
        "other": other,
        "tce_per_unit": tce_per_unit,
        "tco2e_per_tce": co2_per_tce,
    }
    _warnings(result, units, others)
    return result


def class_and_grade(value: float | None, benchmark_level: float | None, baseline_level: float | None,
                    quota_limits: Mapping[int, float | None]) -> tuple[str | None, QuotaGrade]:
    """Class against the benchmark and baseline levels and quota grade of one value (None where
    the value or the levels are missing), by :func:`greenmfg.calc.benchmarking.classify` and
    :func:`greenmfg.calc.benchmarking.quota_grades`."""
    nan = float("nan")
    v = nan if value is None else value
    cls = calc.classify([v], [nan if benchmark_level is None else benchmark_level],
                        [nan if baseline_level is None else baseline_level])[0]
    limits = [nan if quota_limits.get(g) is None else quota_limits[g] for g in (1, 2, 3)]
    grade = calc.quota_grades([v], *([x] for x in limits))[0]
    return cls, grade


def grade_works(result: ProductBenchmark, *, tce_per_unit: float | None, co2_per_tce: float | None) -> None:
    """Set a works result's class, gaps, savings [tce, tCO2e] and quota grade from its value,
    crude steel (``output``), levels and quota limits: the one grading of a works, per period
    (:func:`works_results`) and pooled over a year (:func:`greenmfg.compliance.pooling.works_years`).

    Parameters
    ----------
    tce_per_unit
        tce per (indicator unit × tonne): savings = (value − level) × crude steel × this.
    co2_per_tce
        The works' energy-related tCO2e per tce; None leaves the CO2 savings unknown.
    """
    value, bench, base = result.value, result.benchmark_level, result.baseline_level
    result.cls, result.quota_grade = class_and_grade(value, bench, base, result.quota_limits)
    result.gap_to_benchmark = None if bench is None or value is None else value - bench
    result.gap_to_baseline = None if base is None or value is None else value - base
    for name, lv in (("benchmark", bench), ("baseline", base)):
        if lv is None or value is None or tce_per_unit is None or not result.output:
            continue
        saving = float(calc.savings([value], [lv], [result.output], [tce_per_unit])[0])
        setattr(result, f"savings_to_{name}_tce", saving)
        setattr(result, f"savings_to_{name}_tco2", None if co2_per_tce is None else saving * co2_per_tce)


def _warnings(result: ProductBenchmark, units: Sequence[tuple[str, ProductBenchmark]], others: Sequence[str]) -> None:
    ref = f"works:{result.enterprise_id}"
    add = result.warnings.append
    add(Finding(
        "benchmarking.works.derived_levels", ref,
        "GB 21256-2025 and the 2021/2023 benchmark lists set levels and limits per process, not per tonne of crude "
        "steel: the works' levels and limits here are greenmfg's derivation, each process's level weighted by the "
        "works' process-to-crude-steel ratio (钢比系数). A better process offsets a worse one in the works' class, "
        "grade and savings; each process must still meet its own limit (see the process results)",
        "GB 21256-2025 和 2021/2023 年版标杆基准水平均按工序设定，无吨钢指标：本企业的吨钢水平和限额为 greenmfg "
        "推算，即各工序水平按本企业钢比系数加权。吨钢分类、等级和节能量中工序之间可相互抵补；各工序仍须分别满足"
        "其限额（见各工序结果）"))
    without = [p for p, r in units if r.benchmark_level is None or r.baseline_level is None]
    if without:
        en, zh = _names(without)
        add(Finding("benchmarking.works.process_without_level", ref,
                    f"processes without a benchmark or baseline level count at their own value in the works' levels "
                    f"(no gap from them): {en}", f"无标杆或基准水平的工序在吨钢水平中按其实际值计（不产生差距）：{zh}"))
    failing = [p for p, r in units if r.cls == "below_baseline" or r.quota_grade == "fails"]
    if failing:
        en, zh = _names(failing)
        add(Finding("benchmarking.works.process_fails", ref,
                    f"processes worse than their baseline level or failing their quota limit on their own: {en}",
                    f"以下工序自身未达基准水平或超过能耗限额：{zh}"))
    kinds = {p for p, _ in units}
    if not kinds & {"sintering", "pelletising"}:
        add(Finding("benchmarking.works.bought_burden", ref,
                    "no sintering or pelletising unit in this period: sinter and pellets bought carry no energy into "
                    "the works' value (ore burden is not an energy carrier), so it is lower than for a works that makes "
                    "its own", "本期无烧结、球团工序：外购烧结矿、球团矿不计能耗（非能源），吨钢综合能耗低于自产的企业"))
    if "coking" not in kinds:
        add(Finding("benchmarking.works.bought_coke", ref,
                    "no coking unit in this period: coke bought counts at its standard-coal coefficient where the "
                    "blast furnace consumes it (an energy carrier, GB/T 2589-2020), not at the energy of coking",
                    "本期无焦化工序：外购焦炭按其折标准煤系数计入高炉能耗（GB/T 2589-2020），不含炼焦过程能耗"))
    if others:
        add(Finding("benchmarking.works.other_facilities", ref,
                    f"facilities counted with their whole energy per tonne of crude steel (rolling, auxiliaries, or no "
                    f"single process result): {', '.join(others)}",
                    f"按其全部能耗计入吨钢（轧钢、辅助或无单一工序结果）的设施：{'、'.join(others)}"))
    seen: set[tuple[str, str]] = set()
    for _, r in units:
        for w in r.warnings:
            if (w.code.endswith(".unverified") or w.code in _CARRIED) and (w.code, w.ref) not in seen:
                seen.add((w.code, w.ref))
                add(w)
        for lv in r.levels:
            result.levels.append(LevelUsed(lv.name, lv.value, lv.unit, lv.ref, lv.edition, lv.verification_status,
                                           lv.source))
