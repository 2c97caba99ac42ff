"""Carbon-peak scenarios: bind a scenario file to the reference library, run the LEAP-style model
(:mod:`greenmfg.calc.scenarios`) for the baseline and each policy, and the Monte Carlo
(:mod:`greenmfg.calc.montecarlo`) when the file declares uncertainties.

Defaults taken from the reference library (each used value is listed in the result with its source
and verification status; a value that is not ``verified``/``definitional`` is a warning):

* fuel emission factors ``[tCO2/tce]`` = carbon content ``[tC/GJ]`` × oxidation rate × 44/12 ×
  29.3076 ``[GJ/tce]`` from ``fuel_parameters`` (GB/T 32151.22-2024 table C.1 by default);
* the grid factor path from the newest ``pathway_grid_factors`` edition: the published national averages,
  then a projection (default :data:`GRID_SCENARIO`, IEA WEO 2023 Stated Policies as derived there; the file
  may name another, or ``published`` to hold the last published value), its last value held after its last
  year: stated assumptions, warned;
* electricity 0.1229 kgce/kWh from ``energy_coefficients/gbt2589-2020``;
* benchmark levels from the newest ``benchmarks`` edition that has a value;
* targets named by ``ref`` from the newest ``pathway_targets`` edition (``DATASET:KEY`` names another).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from greenmfg import __version__
from greenmfg.calc import montecarlo as mc
from greenmfg.calc import scenarios as model
from greenmfg.errors import Finding, UnitError, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.pathways.scenario_file import (
    RouteSpec,
    ScenarioFile,
    ScenarioSpec,
    SectorSpec,
    TargetSpec,
    UncertainSpec,
    read_scenario_file,
)
from greenmfg.refdata.catalog import WARNING_FREE_STATUSES, Catalog, load_catalog
from greenmfg.units import conversion_factor

__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "FUEL_DATASET",
    "GRID_FAMILY",
    "GRID_PUBLISHED",
    "GRID_SCENARIO",
    "INDEX_UNIT",
    "PEAK_REFERENCE",
    "TARGETS_FAMILY",
    "Banded",
    "IndustryResult",
    "PathwayRun",
    "ReferenceUse",
    "ScenarioResult",
    "SectorResult",
    "TargetCheck",
    "UncertaintyResult",
    "apply_base_year",
    "electricity_coefficient",
    "library_grid_path",
    "run_scenarios",
    "scenario_pathways",
]

FUEL_DATASET = "fuel_parameters/gbt32151.22-2024"
#: the families of the grid-factor paths and of the targets (their newest edition is used)
GRID_FAMILY = "pathway_grid_factors"
TARGETS_FAMILY = "pathway_targets"
#: the projection a scenario follows after the published grid factors unless its file names another: the IEA
#: World Energy Outlook 2023 Stated Policies Scenario (as derived in the newest pathway_grid_factors edition)
GRID_SCENARIO = "iea_weo2023_steps"
#: ``grid_factor.scenario`` that follows no projection: the last published value is held
GRID_PUBLISHED = "published"
PEAK_REFERENCE = "pathway_peak_reference/cn-industry-2025"
ELECTRICITY_DATASET = "energy_coefficients/gbt2589-2020"
DEFAULT_DRAWS = 1000
DEFAULT_SEED = 20260101
GJ_PER_TCE = 29.3076   # GB/T 2589-2020 §3: 1 kgce = 29 307.6 kJ
#: the unit of a sector whose output is an activity index (energy use without a product): not added to
#: an industry's output
INDEX_UNIT = "index"
CO2_PER_C = 44.0 / 12.0
ELECTRICITY = "electricity"


@dataclass(frozen=True)
class ReferenceUse:
    """A reference value a result depends on."""

    ref: str
    value: float | None
    unit: str
    status: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TargetCheck:
    """A target checked on the deterministic pathway (and its probability over the draws)."""

    kind: str
    name_zh: str
    name_en: str
    scope: str                       # "total" or a sector key
    year: int
    required: float | None           # the bound: max ratio (intensity), max tCO2 (budget, cap), latest year (peak)
    achieved: float | None
    met: bool | None                 # None: cannot be checked (years outside the horizon)
    note_en: str = ""
    note_zh: str = ""
    ref: str | None = None
    status: str = "user"
    probability: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class SectorResult:
    key: str
    name_zh: str
    name_en: str
    unit: str
    output: list[float]
    energy_tce: list[float]
    emissions_tco2: dict[str, list[float]]
    total_tco2: list[float]
    routes: list[dict[str, Any]]
    industry: str | None = None

    @property
    def intensity(self) -> list[float | None]:
        """tCO2 per unit of output."""
        return [t / o if o else None for t, o in zip(self.total_tco2, self.output, strict=True)]


@dataclass(frozen=True)
class Banded:
    """Percentile bands per year of one quantity over the draws."""

    p5: list[float]
    p50: list[float]
    p95: list[float]


@dataclass(frozen=True)
class UncertaintyResult:
    draws: int
    seed: int
    total_tco2: Banded
    energy_tce: Banded
    peak_probability: list[float]     # by each year: share of draws peaked at or before it
    peak_year_p5: int | None
    peak_year_p50: int | None
    peak_year_p95: int | None
    not_peaked_share: float           # draws whose emissions still rise at the horizon's end
    cumulative_tco2: Banded           # one value each (lists of length 1)
    target_probability: dict[int, float] = field(default_factory=dict)   # index of the target → share met


@dataclass(frozen=True)
class IndustryResult:
    """The sectors of one industry summed (a scenario whose sectors name their ``industry``).

    ``output`` is the sectors' output summed when they share one unit (else None: tonnes of one
    product and boxes of another do not add up); a sector counted in an activity index
    (:data:`INDEX_UNIT`) adds its emissions, not its output."""

    key: str
    sectors: list[str]
    unit: str | None
    output: list[float] | None
    energy_tce: list[float]
    total_tco2: list[float]
    peak_year: int
    peak_tco2: float
    peaked: bool
    plateau: tuple[int, int]
    cumulative_tco2: float

    @property
    def intensity(self) -> list[float | None] | None:
        """tCO2 per unit of output (None without one unit)."""
        if self.output is None:
            return None
        return [t / o if o else None for t, o in zip(self.total_tco2, self.output, strict=True)]

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "sectors": self.sectors, "unit": self.unit, "output": self.output,
                "energy_tce": self.energy_tce, "total_tco2": self.total_tco2,
                "intensity_tco2_per_unit": self.intensity,
                "peak": {"year": self.peak_year, "tco2": self.peak_tco2, "peaked": self.peaked,
                         "plateau_start": self.plateau[0], "plateau_end": self.plateau[1]},
                "cumulative_tco2": self.cumulative_tco2}


@dataclass(frozen=True)
class ScenarioResult:
    key: str
    name_zh: str
    name_en: str
    years: list[int]
    sectors: list[SectorResult]
    energy_by_fuel_tce: dict[str, list[float]]
    emissions_tco2: dict[str, list[float]]
    total_tco2: list[float]
    energy_tce: list[float]
    grid_factor: list[float]
    value_added: list[float] | None
    value_added_unit: str
    peak_year: int
    peak_tco2: float
    peaked: bool
    plateau: tuple[int, int]
    cumulative_tco2: float
    targets: list[TargetCheck]
    uncertainty: UncertaintyResult | None = None
    industries: list[IndustryResult] = field(default_factory=list)

    @property
    def carbon_intensity(self) -> list[float] | None:
        """tCO2 per unit of value added."""
        if self.value_added is None:
            return None
        return [t / v for t, v in zip(self.total_tco2, self.value_added, strict=True)]


@dataclass(frozen=True)
class PathwayRun:
    """The result of one scenario file: each scenario's pathway, checks, uncertainty and provenance."""

    file: str
    title_zh: str
    title_en: str
    scope: str
    region: str | None
    base_year: int
    end_year: int
    plateau_tolerance: float
    scenarios: list[ScenarioResult]
    references: list[ReferenceUse]
    warnings: list[Finding]
    datasets: list[dict[str, str]]
    peak_reference: list[dict[str, str]]
    options: dict[str, Any]
    #: where the values of a scenario built from stored data came from (one entry per value or group
    #: of values: what, value, unit, source, in English and Chinese); empty for a file's run
    derivation: list[dict[str, Any]] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return list(range(self.base_year, self.end_year + 1))

    def to_document(self) -> dict[str, Any]:
        """The run as JSON-ready data (a page or report draws from this)."""
        def scenario(s: ScenarioResult) -> dict[str, Any]:
            doc: dict[str, Any] = {
                "key": s.key, "name_zh": s.name_zh, "name_en": s.name_en, "years": s.years,
                "total_tco2": s.total_tco2, "energy_tce": s.energy_tce, "emissions_tco2": s.emissions_tco2,
                "energy_by_fuel_tce": s.energy_by_fuel_tce, "grid_factor_tco2_per_mwh": s.grid_factor,
                "value_added": s.value_added, "value_added_unit": s.value_added_unit,
                "carbon_intensity": s.carbon_intensity,
                "peak": {"year": s.peak_year, "tco2": s.peak_tco2, "peaked": s.peaked,
                         "plateau_start": s.plateau[0], "plateau_end": s.plateau[1]},
                "cumulative_tco2": s.cumulative_tco2,
                "sectors": [{"key": x.key, "name_zh": x.name_zh, "name_en": x.name_en, "unit": x.unit,
                             "industry": x.industry,
                             "output": x.output, "energy_tce": x.energy_tce, "emissions_tco2": x.emissions_tco2,
                             "total_tco2": x.total_tco2, "intensity_tco2_per_unit": x.intensity, "routes": x.routes}
                            for x in s.sectors],
                "targets": [t.as_dict() for t in s.targets],
                "industries": [i.as_dict() for i in s.industries],
            }
            if s.uncertainty is not None:
                doc["uncertainty"] = dataclasses.asdict(s.uncertainty)
            return doc

        return {
            "kind": "greenmfg.pathways.scenarios", "file": self.file, "title_zh": self.title_zh,
            "title_en": self.title_en, "scope": self.scope, "region": self.region, "base_year": self.base_year,
            "end_year": self.end_year, "plateau_tolerance": self.plateau_tolerance,
            "scenarios": [scenario(s) for s in self.scenarios],
            "references": [r.as_dict() for r in self.references],
            "warnings": [{"code": w.code, "message": w.message, "message_zh": w.message_zh, "severity": w.severity,
                          "file": w.file, "row": w.row, "column": w.column} for w in self.warnings],
            "peak_reference": self.peak_reference,
            "provenance": {"greenmfg": __version__, "datasets": self.datasets, "options": self.options,
                           "derivation": self.derivation},
        }


# --- binding the reference library ----------------------------------------------------------------

def library_grid_path(catalog: Catalog | None = None, region: str = "CN") -> dict[int, float]:
    """The published grid factors of the reference library (newest ``pathway_grid_factors`` edition)
    [tCO2/MWh] by year (projections left out)."""
    dataset = (catalog or load_catalog()).newest(GRID_FAMILY)
    return {int(r["year"]): float(r["value"]) * conversion_factor(r["unit"], "tCO2/MWh") for r in dataset.records
            if r["region"] == region and r["value"].strip() and r["kind"] == "published"}


def electricity_coefficient(catalog: Catalog | None = None) -> float:
    """Electricity in standard coal [kgce/kWh] the model counts with (``energy_coefficients/gbt2589-2020``,
    equivalent basis): electricity [MWh] = energy [tce] / this."""
    row = (catalog or load_catalog()).dataset(ELECTRICITY_DATASET).get(ELECTRICITY, "coefficient")
    assert row is not None and row.value is not None
    return row.value * conversion_factor(row.unit, "kgce/kWh")


class _Binder:
    """Looks values up in the reference library, remembering what was used and what failed."""

    def __init__(self, catalog: Catalog, file: str) -> None:
        self.catalog = catalog
        self.used: dict[str, ReferenceUse] = {}
        self.issues: list[Finding] = []
        self.warnings: list[Finding] = []
        self.datasets: set[str] = set()
        self.at = Locator(file=file, code_prefix="pathways.scenario.")
        self.grid_dataset = catalog.newest(GRID_FAMILY).id
        self.targets_dataset = catalog.newest(TARGETS_FAMILY).id
        self._grid_paths: dict[str, dict[int, float]] = {}

    def use(self, ref: str, value: float | None, unit: str, status: str, source: str, dataset: str) -> None:
        self.used.setdefault(ref, ReferenceUse(ref, value, unit, status, source))
        self.datasets.add(dataset)

    def fuel_ef(self, fuel: str, route: RouteSpec) -> float | None:
        dataset = self.catalog.dataset(FUEL_DATASET)
        carbon = dataset.get(fuel, "carbon_content")
        oxidation = dataset.get(fuel, "oxidation_rate")
        if carbon is None or oxidation is None or carbon.value is None or oxidation.value is None:
            self.issues.append(self.at.finding(
                "unknown_fuel", f"{route.path}.fuel_mix.{fuel}", fuel,
                f"{FUEL_DATASET} has no carbon content and oxidation rate for '{fuel}'",
                f"{FUEL_DATASET} 中没有“{fuel}”的单位热值含碳量和碳氧化率",
                f"use a fuel key of {FUEL_DATASET} (coke, natural_gas, bituminous_coal …), '{ELECTRICITY}', or give "
                f"fuel_ef.{fuel} [tCO2/tce]",
                f"请使用 {FUEL_DATASET} 中的燃料编号（coke、natural_gas、bituminous_coal……）、{ELECTRICITY}，"
                f"或在 fuel_ef.{fuel} 中填写排放因子（tCO2/tce）", row=route.line))
            return None
        try:
            per_gj = carbon.value * conversion_factor(carbon.unit, "tC/GJ")
            ox = oxidation.value * conversion_factor(oxidation.unit, "1")
        except UnitError:
            return None
        for row in (carbon, oxidation):
            self.use(row.reference(), row.value, row.unit, row.verification_status, row.source, dataset.id)
        return per_gj * ox * CO2_PER_C * GJ_PER_TCE

    def electricity_coefficient(self) -> float:
        row = self.catalog.dataset(ELECTRICITY_DATASET).get(ELECTRICITY, "coefficient")
        assert row is not None and row.value is not None
        self.use(row.reference(), row.value, row.unit, row.verification_status, row.source, ELECTRICITY_DATASET)
        return electricity_coefficient(self.catalog)

    def grid_path(self, scenario: str | None = None, region: str = "CN") -> dict[int, float]:
        """The grid factor path [tCO2/MWh] of ``region``: the published years of the newest grid edition, then
        the projection ``scenario`` (:data:`GRID_SCENARIO` when None; :data:`GRID_PUBLISHED`: none). Each path
        is bound once (its values listed as used, its warning given once); an unknown scenario is an issue."""
        name = scenario or GRID_SCENARIO
        if name in self._grid_paths:
            return self._grid_paths[name]
        dataset_id = self.grid_dataset
        records = [r for r in self.catalog.dataset(dataset_id).records
                   if r["region"] == region and r["value"].strip()]
        known = sorted({r.get("scenario", "") for r in records if r["kind"] == "projection"} - {""})
        if name != GRID_PUBLISHED and name not in known:
            self.issues.append(self.at.finding(
                "grid_scenario_unknown", "grid_factor.scenario", name,
                f"no grid-factor projection '{name}' in {dataset_id}",
                f"{dataset_id} 中没有电网排放因子预测情景“{name}”",
                f"use one of {', '.join([*known, GRID_PUBLISHED])} or give grid_factor.path",
                f"请使用 {'、'.join([*known, GRID_PUBLISHED])} 之一，或填写 grid_factor.path", row=None))
            self._grid_paths[name] = {}
            return {}
        published = [r for r in records if r["kind"] == "published"]
        published_last = max(int(r["year"]) for r in published)
        projected = [r for r in records if r["kind"] == "projection" and r.get("scenario", "") == name
                     and int(r["year"]) > published_last]        # a projection never overwrites a published year
        path: dict[int, float] = {}
        for record in [*published, *projected]:
            path[int(record["year"])] = float(record["value"]) * conversion_factor(record["unit"], "tCO2/MWh")
            self.use(f"{dataset_id}:{record['key']}", float(record["value"]), record["unit"],
                     record["verification_status"], record["source"], dataset_id)
        last = max(path)
        choices = ", ".join([*known, GRID_PUBLISHED])
        if name == GRID_PUBLISHED:
            self.warnings.append(self.at.finding(
                "grid_factor_held", "grid_factor.scenario", name,
                f"the pathway follows no grid-factor projection: it holds the {last} national average "
                f"({path[last]:.4f} tCO2/MWh) in every later year",
                f"路径不采用电网排放因子预测：{last} 年之后沿用 {last} 年全国平均值（{path[last]:.4f} tCO2/MWh）",
                f"for a falling factor choose a projection (grid_factor.scenario: {choices}) or give your own "
                "(grid_factor: {path: {2030: …, 2060: …}, source: …})",
                f"如需下降的因子，请选择预测情景（grid_factor.scenario：{choices}）或自行填写 "
                "grid_factor: {path: {2030: …, 2060: …}, source: …}", severity="warning", row=None))
        else:
            title = next(r for r in records if r.get("scenario", "") == name)   # the projection's name, in both languages
            self.warnings.append(self.at.finding(
                "grid_factor_projection", "grid_factor.scenario", name,
                f"after {published_last} the grid factor follows a projection, not a published factor: "
                f"{title['scenario_name_en']} ({dataset_id}); linear between its years, its {last} value "
                f"({path[last]:.4f} tCO2/MWh) held after {last}",
                f"{published_last} 年之后电网排放因子采用预测值而非发布值：{title['scenario_name_zh']}（{dataset_id}）；"
                f"年份之间线性插值，{last} 年之后沿用 {last} 年的值（{path[last]:.4f} tCO2/MWh）",
                f"choose another projection (grid_factor.scenario: {choices}) or give your own "
                "(grid_factor: {path: …, source: …})",
                f"可选择其他预测情景（grid_factor.scenario：{choices}）或自行填写 grid_factor: {{path: …, source: …}}",
                severity="warning", row=None))
        self._grid_paths[name] = path
        return path

    def benchmark_level(self, indicator: str, level_kind: str, line: int, path: str) -> float | None:
        editions = sorted(self.catalog.family("benchmarks"), key=lambda d: d.id, reverse=True)
        for dataset in editions:
            row = dataset.get(indicator, level_kind)
            if row is not None and row.value is not None:
                try:
                    value = row.value * conversion_factor(row.unit, "kgce/t")
                except UnitError:
                    continue
                self.use(row.reference(), row.value, row.unit, row.verification_status, row.source, dataset.id)
                return value
        self.issues.append(self.at.finding(
            "benchmark_not_found", f"{path}.indicator", indicator,
            f"no benchmarks edition has a {level_kind.replace('_', ' ')} in kgce/t for '{indicator}'",
            f"参考库各版能效标杆/基准水平中没有“{indicator}”的数值（kgce/t）",
            "give the level yourself (benchmark.level [kgce/t]) or use another indicator key "
            "(greenmfg refdata show benchmarks/ndrc-2021-r2)",
            "请直接填写 benchmark.level（kgce/t），或使用其他指标编号（greenmfg refdata show benchmarks/ndrc-2021-r2）",
            row=line))
        return None

    def target(self, spec: TargetSpec, index: int) -> TargetSpec | None:
        ref = spec.ref or ""
        dataset_id, _, key = ref.rpartition(":")
        dataset_id = dataset_id or self.targets_dataset
        record = None
        if dataset_id in self.catalog:
            record = next((r for r in self.catalog.dataset(dataset_id).records if r["key"] == key), None)
        row = int(spec.source) if spec.source.isdigit() else None
        if record is None:
            self.issues.append(self.at.finding(
                "unknown_target", f"targets[{index}].ref", ref, f"no target '{ref}' in the reference library",
                f"参考库中没有目标“{ref}”",
                f"use a key of {self.targets_dataset} (greenmfg refdata show {self.targets_dataset})",
                f"请使用 {self.targets_dataset} 中的编号（greenmfg refdata show {self.targets_dataset}）", row=row))
            return None
        if not record["value"].strip():
            self.issues.append(self.at.finding(
                "target_not_found", f"targets[{index}].ref", ref,
                f"the value of target '{key}' was not found ({record['name_en']})",
                f"目标“{key}”的数值未找到（{record['name_zh']}）",
                "give the target's figures yourself (kind, year, reduction_pct or tco2)",
                "请自行填写目标数值（kind、year、reduction_pct 或 tco2）", row=row))
            return None
        self.use(f"{dataset_id}:{key}", float(record["value"]), record["unit"], record["verification_status"],
                 record["source"], dataset_id)
        scope = record["scope"]
        sector = None if scope == "CN" or scope.isdigit() else scope
        kind = record["kind"]
        if kind not in ("peak_by", "intensity_reduction", "energy_intensity_reduction", "budget", "cap"):
            self.issues.append(self.at.finding(
                "target_kind", f"targets[{index}].ref", ref, f"target '{key}' ({kind}) is not a pathway check",
                f"目标“{key}”（{kind}）不是路径可核验的目标", "remove it or give a target of another kind",
                "请删除，或改用其他类型的目标", row=row))
            return None
        year = int(record["year"])
        return TargetSpec(kind=kind, name_zh=record["name_zh"], name_en=record["name_en"], year=year,
                          base_year=int(record["base_year"]) if record["base_year"].strip() else None,
                          value=float(record["value"]), basis="value_added", sector=sector, ref=f"{dataset_id}:{key}",
                          status=record["verification_status"], source=record["source"])


# --- the model ------------------------------------------------------------------------------------

@dataclass
class _Arrays:
    """Per-scenario outputs on ``(D, T)``."""

    sectors: dict[str, dict[str, Any]]
    energy_by_fuel: dict[str, np.ndarray]
    emissions: dict[str, np.ndarray]
    grid: np.ndarray
    value_added: np.ndarray | None

    @property
    def total(self) -> np.ndarray:
        return sum((self.emissions[s] for s in model.SOURCES), start=np.zeros_like(self.grid))

    @property
    def energy(self) -> np.ndarray:
        return sum(self.energy_by_fuel.values(), start=np.zeros_like(self.grid))


def _factor(uncertain: Sequence[UncertainSpec], samples: Mapping[str, np.ndarray], quantity: str, draws: int,
            sector: str | None = None, route: str | None = None) -> np.ndarray:
    """The product (growth: the sum) of the draws of the uncertainties that apply, shape ``(D, 1)``."""
    growth = quantity in ("growth", "value_added_growth")
    out = np.zeros(draws) if growth else np.ones(draws)
    for u in uncertain:
        if u.quantity != quantity or (u.sector is not None and u.sector != sector) \
                or (u.route is not None and u.route != route):
            continue
        out = out + samples[u.name] / 100.0 if growth else out * samples[u.name]  # growth: percentage points
    return out[:, None]


def _compute(spec: ScenarioSpec, years: list[int], binder: _Binder, electricity_kgce: float,
             uncertain: Sequence[UncertainSpec] = (),
             samples: Mapping[str, np.ndarray] | None = None, draws: int = 1) -> _Arrays:
    samples = samples or {}
    base_year = years[0]
    grid_points = spec.grid_factor or binder.grid_path(spec.grid_scenario) or {years[0]: 0.0}  # {}: an issue, raised
    grid = model.interpolate_path(grid_points, years)[None, :] \
        * _factor(uncertain, samples, "grid_factor", draws)
    energy_by_fuel: dict[str, np.ndarray] = {}
    emissions = {s: np.zeros((draws, len(years))) for s in model.SOURCES}
    sectors: dict[str, dict[str, Any]] = {}
    offsets = np.arange(len(years))[None, :]
    for sector in spec.sectors:
        shift = _factor(uncertain, samples, "growth", draws, sector.key)[:, 0]
        if sector.output_path is not None:
            path = dict(sector.output_path)
            path.setdefault(base_year, sector.base_output)
            output = model.interpolate_path(path, years)[None, :] * (1.0 + shift[:, None]) ** offsets
        else:
            output = model.compound_growth(sector.base_output, sector.growth or {base_year: 0.0}, years, shift)
        output = output * _factor(uncertain, samples, "output", draws, sector.key)
        s_emis = {s: np.zeros((draws, len(years))) for s in model.SOURCES}
        s_energy = np.zeros((draws, len(years)))
        routes = []
        for route in sector.routes:
            intensity = model.interpolate_path(route.energy_intensity, years)
            for measure in route.measures:
                intensity = intensity * model.measure_factor(years, measure.savings_fraction, measure.start_year,
                                                             measure.ramp_years)
            if route.benchmark is not None:
                level = route.benchmark.level
                if level is None and route.benchmark.indicator:
                    level = binder.benchmark_level(route.benchmark.indicator, route.benchmark.level_kind,
                                                   route.benchmark.line, route.benchmark.path)
                if level is not None:
                    base_value = float(model.interpolate_path(route.energy_intensity, [base_year])[0])
                    intensity = np.minimum(intensity, model.attainment_path(base_value, base_year, level,
                                                                            route.benchmark.year, years))
            fuel_ef: dict[str, float] = {}
            for fuel in route.fuel_mix:
                if fuel == ELECTRICITY:
                    continue
                if fuel in spec.fuel_ef:
                    fuel_ef[fuel] = spec.fuel_ef[fuel]
                else:
                    value = binder.fuel_ef(fuel, route)
                    fuel_ef[fuel] = 0.0 if value is None else value
            ef_factor = _factor(uncertain, samples, "fuel_ef", draws, sector.key, route.key)
            capture = np.zeros(len(years))
            if route.ccus is not None:
                capture = model.interpolate_path(route.ccus.capture_rate, years) * (
                    1.0 - model.measure_factor(years, 1.0, route.ccus.start_year, route.ccus.ramp_years))
            result = model.route_pathway(model.RouteArrays(
                output_t=output * model.interpolate_path(route.share, years)[None, :],
                energy_intensity_kgce_per_t=intensity[None, :]
                * _factor(uncertain, samples, "energy_intensity", draws, sector.key, route.key),
                fuel_mix={f: model.interpolate_path(p, years)[None, :] for f, p in route.fuel_mix.items()},
                fuel_ef_tco2_per_tce={f: v * ef_factor for f, v in fuel_ef.items()},
                grid_factor_tco2_per_mwh=grid,
                process_activity_ratio=model.interpolate_path(route.process_ratio, years)[None, :],
                process_ef_tco2_per_t=model.interpolate_path(route.process_ef, years)[None, :]
                * _factor(uncertain, samples, "process_ef", draws, sector.key, route.key),
                capture_rate=np.clip(capture[None, :] * _factor(uncertain, samples, "capture_rate", draws,
                                                                 sector.key, route.key), 0.0, 1.0),
                capture_combustion=route.ccus.combustion if route.ccus else True,
                capture_process=route.ccus.process if route.ccus else True,
                electricity_key=ELECTRICITY, electricity_kgce_per_kwh=electricity_kgce))
            for fuel, values in result.energy_by_fuel_tce.items():
                energy_by_fuel[fuel] = energy_by_fuel.get(fuel, 0.0) + values
            for source in model.SOURCES:
                s_emis[source] = s_emis[source] + result.emissions_tco2[source]
            s_energy = s_energy + result.energy_tce
            routes.append({"key": route.key, "name_zh": route.name_zh, "name_en": route.name_en,
                           "output": result.output_t, "energy_tce": result.energy_tce, "total": result.total_tco2,
                           "intensity": intensity})
        for source in model.SOURCES:
            emissions[source] = emissions[source] + s_emis[source]
        sectors[sector.key] = {"spec": sector, "output": output, "energy": s_energy, "emissions": s_emis,
                               "routes": routes}
    value_added = None
    if spec.value_added_base is not None:
        value_added = model.compound_growth(spec.value_added_base, spec.value_added_growth or {base_year: 0.0}, years,
                                            _factor(uncertain, samples, "value_added_growth", draws)[:, 0])
    return _Arrays(sectors=sectors, energy_by_fuel=energy_by_fuel, emissions=emissions,
                   grid=np.broadcast_to(grid, (draws, len(years))), value_added=value_added)


def _check_targets(spec: ScenarioSpec, targets: Sequence[TargetSpec], arrays: _Arrays, years: list[int],
                   tolerance: float) -> list[tuple[TargetSpec, np.ndarray | None, np.ndarray | None, float | None,
                                               str, str]]:
    """(target, achieved per draw, met per draw, bound, note_en, note_zh) of each target."""
    out: list[tuple[TargetSpec, np.ndarray | None, np.ndarray | None, float | None, str, str]] = []
    index = {y: i for i, y in enumerate(years)}
    for t in targets:
        if t.sector is not None and t.sector not in arrays.sectors:
            out.append((t, None, None, None, f"no sector {t.sector} in this scenario",
                        f"本情景没有行业 {t.sector}"))
            continue
        emissions = arrays.total if t.sector is None else sum(
            (arrays.sectors[t.sector]["emissions"][s] for s in model.SOURCES), start=np.zeros_like(arrays.grid))
        if t.kind == "peak_by":
            peak = model.peak_analysis(emissions, tolerance=tolerance)
            peak_years = np.asarray(years)[peak.index]
            met = peak.peaked & (peak_years <= t.year)
            out.append((t, peak_years.astype(float), met, float(t.year), "", ""))
            continue
        if t.year not in index or (t.kind in ("intensity_reduction", "energy_intensity_reduction")
                                   and t.base_year not in index) or (t.kind == "budget" and t.first_year not in index):
            out.append((t, None, None, None, "the target's years lie outside the scenario's years",
                        "目标年份超出情景年份范围"))
            continue
        i = index[t.year]
        if t.kind in ("intensity_reduction", "energy_intensity_reduction"):
            assert t.base_year is not None and t.value is not None
            numerator = emissions if t.kind == "intensity_reduction" else (
                arrays.energy if t.sector is None else arrays.sectors[t.sector]["energy"])
            denominator: np.ndarray | None
            if t.basis == "value_added":
                if arrays.value_added is None:
                    out.append((t, None, None, None, "no value added in this scenario", "本情景未填写增加值"))
                    continue
                denominator = arrays.value_added
            else:
                denominator = arrays.sectors[t.sector or ""]["output"] if t.sector else None
                if denominator is None:
                    out.append((t, None, None, None, "an intensity per output names its sector", "按产量的强度须指定行业"))
                    continue
            intensity = numerator / denominator
            ratio = intensity[:, i] / intensity[:, index[t.base_year]]
            bound = 1.0 - t.value / 100.0
            out.append((t, ratio, ratio <= bound + 1e-12, bound, "", ""))
        elif t.kind == "budget":
            assert t.first_year is not None and t.value is not None
            total = model.cumulative(emissions, years, t.first_year, t.year)
            out.append((t, total, total <= t.value, t.value, "", ""))
        elif t.kind == "cap":
            assert t.value is not None
            out.append((t, emissions[:, i], emissions[:, i] <= t.value, t.value, "", ""))
    return out


def _list(values: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(values).reshape(-1)]


def _scenario_result(spec: ScenarioSpec, arrays: _Arrays, years: list[int], tolerance: float,
                     targets: Sequence[TargetSpec]) -> ScenarioResult:
    total = arrays.total
    peak = model.peak_analysis(total, tolerance=tolerance)
    checks = []
    for t, achieved, met, bound, note_en, note_zh in _check_targets(spec, targets, arrays, years, tolerance):
        checks.append(TargetCheck(
            kind=t.kind, name_zh=t.name_zh or _TARGET_WORDS[t.kind][0], name_en=t.name_en or _TARGET_WORDS[t.kind][1],
            scope=t.sector or "total", year=t.year, required=bound,
            achieved=None if achieved is None else float(achieved[0]), met=None if met is None else bool(met[0]),
            note_en=note_en, note_zh=note_zh, ref=t.ref, status=t.status))
    sectors = []
    for key, s in arrays.sectors.items():
        sector: SectorSpec = s["spec"]
        sectors.append(SectorResult(
            key=key, name_zh=sector.name_zh, name_en=sector.name_en, unit=sector.unit, output=_list(s["output"][0]),
            energy_tce=_list(s["energy"][0]), emissions_tco2={k: _list(v[0]) for k, v in s["emissions"].items()},
            total_tco2=_list(sum((s["emissions"][k][0] for k in model.SOURCES), start=np.zeros(len(years)))),
            routes=[{"key": r["key"], "name_zh": r["name_zh"], "name_en": r["name_en"], "output": _list(r["output"][0]),
                     "energy_tce": _list(r["energy_tce"][0]), "total_tco2": _list(r["total"][0]),
                     "energy_intensity_kgce_per_unit": _list(r["intensity"])} for r in s["routes"]],
            industry=sector.industry))
    return ScenarioResult(
        key=spec.key, name_zh=spec.name_zh, name_en=spec.name_en, years=years, sectors=sectors,
        energy_by_fuel_tce={k: _list(v[0]) for k, v in arrays.energy_by_fuel.items()},
        emissions_tco2={k: _list(v[0]) for k, v in arrays.emissions.items()}, total_tco2=_list(total[0]),
        energy_tce=_list(arrays.energy[0]), grid_factor=_list(arrays.grid[0]),
        value_added=None if arrays.value_added is None else _list(arrays.value_added[0]),
        value_added_unit=spec.value_added_unit, peak_year=years[int(peak.index[0])], peak_tco2=float(peak.value[0]),
        peaked=bool(peak.peaked[0]), plateau=(years[int(peak.plateau_start[0])], years[int(peak.plateau_end[0])]),
        cumulative_tco2=float(model.cumulative(total, years, years[0], years[-1])[0]), targets=checks,
        industries=_industries(sectors, years, tolerance))


def _industries(sectors: Sequence[SectorResult], years: list[int], tolerance: float) -> list[IndustryResult]:
    """The sectors that name an industry summed per industry, in the order of first appearance."""
    groups: dict[str, list[SectorResult]] = {}
    for x in sectors:
        if x.industry:
            groups.setdefault(x.industry, []).append(x)
    out = []
    for key, members in groups.items():
        total = np.sum([x.total_tco2 for x in members], axis=0)
        made = [x for x in members if x.unit != INDEX_UNIT]
        units = {x.unit for x in made}
        peak = model.peak_analysis(total[None, :], tolerance=tolerance)
        out.append(IndustryResult(
            key=key, sectors=[x.key for x in members], unit=next(iter(units)) if len(units) == 1 else None,
            output=_list(np.sum([x.output for x in made], axis=0)) if len(units) == 1 else None,
            energy_tce=_list(np.sum([x.energy_tce for x in members], axis=0)), total_tco2=_list(total),
            peak_year=years[int(peak.index[0])], peak_tco2=float(peak.value[0]), peaked=bool(peak.peaked[0]),
            plateau=(years[int(peak.plateau_start[0])], years[int(peak.plateau_end[0])]),
            cumulative_tco2=float(model.cumulative(total[None, :], years, years[0], years[-1])[0])))
    return out


def _banded(values: np.ndarray) -> Banded:
    b = mc.bands(values)
    return Banded(p5=_list(b[5.0]), p50=_list(b[50.0]), p95=_list(b[95.0]))


def _uncertainty(spec: ScenarioSpec, arrays: _Arrays, years: list[int], tolerance: float,
                 targets: Sequence[TargetSpec], draws: int, seed: int) -> UncertaintyResult:
    total = arrays.total
    peak = model.peak_analysis(total, tolerance=tolerance)
    peaked_years = np.asarray(years)[peak.index[peak.peaked]]
    pct = (np.percentile(peaked_years, [5, 50, 95], method="nearest").astype(int).tolist()
           if peaked_years.size else [None, None, None])
    probabilities = {i: mc.share_true(met) for i, (_t, _a, met, _b, _e, _z)
                     in enumerate(_check_targets(spec, targets, arrays, years, tolerance)) if met is not None}
    cumulative = model.cumulative(total, years, years[0], years[-1])
    return UncertaintyResult(
        draws=draws, seed=seed, total_tco2=_banded(total), energy_tce=_banded(arrays.energy),
        peak_probability=_list(mc.peak_probability(peak.index, peak.peaked, len(years))),
        peak_year_p5=pct[0], peak_year_p50=pct[1], peak_year_p95=pct[2],
        not_peaked_share=float(1.0 - peak.peaked.mean()), cumulative_tco2=_banded(cumulative[:, None]),
        target_probability=probabilities)


_TARGET_WORDS = {
    "peak_by": ("碳排放达峰时限", "Emissions peak by"),
    "intensity_reduction": ("碳排放强度下降目标", "Carbon-intensity reduction"),
    "energy_intensity_reduction": ("能耗强度下降目标", "Energy-intensity reduction"),
    "budget": ("碳排放预算", "Carbon budget"),
    "cap": ("碳排放总量上限", "Emissions cap"),
}


def apply_base_year(scenario_file: ScenarioFile, base: Mapping[tuple[str, str | None], tuple[float, float]]
                    ) -> ScenarioFile:
    """The file with base-year output and energy intensity replaced by recorded values.

    ``base``: (sector, route or None) → (output, energy [tce]) of the base year. A sector's row sets its
    base output; a route's row (or the sector's row when it has one route) sets the route's intensity
    in the base year (``energy / output × 1000`` [kgce per unit]). Paths keep their later points.
    """
    year = scenario_file.base_year

    def sector_of(sector: SectorSpec) -> SectorSpec:
        totals = [v for (s, _r), v in base.items() if s == sector.key]
        if not totals:
            return sector
        output = sum(o for o, _e in totals)
        routes = []
        for route in sector.routes:
            row = base.get((sector.key, route.key)) or (base.get((sector.key, None)) if len(sector.routes) == 1 else None)
            if row is not None and row[0] > 0:
                intensity = dict(route.energy_intensity)
                if len(intensity) == 1 and next(iter(intensity)) <= year:
                    intensity = {}
                intensity[year] = row[1] / row[0] * 1000.0
                route = dataclasses.replace(route, energy_intensity=intensity)
            routes.append(route)
        return dataclasses.replace(sector, base_output=output, routes=tuple(routes))

    return dataclasses.replace(scenario_file, scenarios=tuple(
        dataclasses.replace(s, sectors=tuple(sector_of(x) for x in s.sectors)) for s in scenario_file.scenarios))


def run_scenarios(scenario_file: ScenarioFile, *, draws: int | None = None, seed: int | None = None,
                  catalog: Catalog | None = None,
                  recorded: Mapping[tuple[str, str | None], tuple[float, float, float]] | None = None) -> PathwayRun:
    """Run every scenario of a checked file; Monte Carlo when it declares uncertainties and ``draws`` ≠ 0.

    Parameters
    ----------
    draws
        number of Monte Carlo draws (default: the file's, else :data:`DEFAULT_DRAWS`; 0: none).
    seed
        seed of the draws (default: the file's, else :data:`DEFAULT_SEED`).
    recorded
        (sector, route) → (output, energy [tce], emissions [tCO2]) of the base year, to compare the
        model's base-year emissions with (a warning when they differ by more than 2 %).

    Raises
    ------
    ValidationFailed
        A fuel, benchmark indicator or target reference is not in the reference library.
    """
    catalog = catalog or load_catalog()
    binder = _Binder(catalog, scenario_file.file)
    years = scenario_file.years
    electricity = binder.electricity_coefficient()
    tolerance = scenario_file.plateau_tolerance
    targets_of: dict[str, list[TargetSpec]] = {}
    for spec in scenario_file.scenarios:
        resolved = []
        for i, t in enumerate(spec.targets):
            if t.kind == "ref":
                bound = binder.target(t, i)
                if bound is not None:
                    resolved.append(bound)
            else:
                resolved.append(t)
        targets_of[spec.key] = resolved
    deterministic = {spec.key: _compute(spec, years, binder, electricity)
                     for spec in scenario_file.scenarios}
    if binder.issues:
        unique = list({(i.code, i.column, i.value): i for i in binder.issues}.values())
        raise ValidationFailed(unique[:100], len(unique))
    results = [_scenario_result(spec, deterministic[spec.key], years, tolerance, targets_of[spec.key])
               for spec in scenario_file.scenarios]
    n_draws = DEFAULT_DRAWS if draws is None and scenario_file.draws is None else (
        draws if draws is not None else scenario_file.draws)
    used_seed = seed if seed is not None else (scenario_file.seed if scenario_file.seed is not None else DEFAULT_SEED)
    if scenario_file.uncertainties and n_draws:
        samples = mc.draw({u.name: u.distribution for u in scenario_file.uncertainties}, draws=n_draws,
                          seed=used_seed, correlations=scenario_file.correlations)
        for k, spec in enumerate(scenario_file.scenarios):
            arrays = _compute(spec, years, binder, electricity, scenario_file.uncertainties, samples,
                              n_draws)
            spread = _uncertainty(spec, arrays, years, tolerance, targets_of[spec.key], n_draws, used_seed)
            results[k] = dataclasses.replace(results[k], uncertainty=spread, targets=[
                dataclasses.replace(c, probability=spread.target_probability.get(i))
                for i, c in enumerate(results[k].targets)])
    warnings = list(binder.warnings)
    if recorded:
        baseline = deterministic[scenario_file.scenarios[0].key]
        for (sector, route), (_output, _energy, emitted) in recorded.items():
            if sector not in baseline.sectors or route is not None:
                continue
            modelled = float(sum(baseline.sectors[sector]["emissions"][s][0, 0] for s in model.SOURCES))
            if emitted > 0 and abs(modelled - emitted) / emitted > 0.02:
                warnings.append(binder.at.finding(
                    "base_year_mismatch", f"sectors[{sector}]", round(modelled, 1),
                    f"the model's {years[0]} emissions of {sector} ({modelled:,.0f} tCO2) differ from the recorded "
                    f"{emitted:,.0f} tCO2 by {(modelled - emitted) / emitted:+.1%}: check the fuel mix and process factors",
                    f"{sector} 行业 {years[0]} 年模型排放（{modelled:,.0f} tCO2）与记录值 {emitted:,.0f} tCO2 相差 "
                    f"{(modelled - emitted) / emitted:+.1%}：请检查能源结构与过程排放因子",
                    "adjust fuel_mix, fuel_ef or process.ef of the sector's routes",
                    "请调整该行业工艺路线的 fuel_mix、fuel_ef 或 process.ef", severity="warning", row=None))
    references = sorted(binder.used.values(), key=lambda r: r.ref)
    for r in references:
        if r.status not in WARNING_FREE_STATUSES:
            warnings.append(binder.at.finding(
                "unverified_reference", "reference", r.ref,
                f"the result depends on {r.ref} = {r.value:g} {r.unit}, whose status is {r.status} (not verified)"
                if r.value is not None else f"the result depends on {r.ref} ({r.status})",
                f"结果依赖参考值 {r.ref} = {r.value:g} {r.unit}，其核实状态为 {r.status}（未经核实）"
                if r.value is not None else f"结果依赖参考值 {r.ref}（{r.status}）",
                "check the value against its primary source", "请对照原始文件核实该值", severity="warning", row=None))
    datasets = [{"id": d, "title": catalog.dataset(d).info.title, "title_zh": catalog.dataset(d).info.title_zh,
                 "sha256": catalog.dataset(d).info.sha256} for d in sorted(binder.datasets)]
    peak_reference = [dict(r) for r in catalog.dataset(PEAK_REFERENCE).records]
    return PathwayRun(
        file=scenario_file.file, title_zh=scenario_file.title_zh, title_en=scenario_file.title_en,
        scope=scenario_file.scope, region=scenario_file.region, base_year=scenario_file.base_year,
        end_year=scenario_file.end_year, plateau_tolerance=tolerance, scenarios=results, references=references,
        warnings=warnings, datasets=datasets, peak_reference=peak_reference,
        options={"draws": n_draws if scenario_file.uncertainties else 0, "seed": used_seed,
                 "plateau_tolerance": tolerance, "fuel_parameters": FUEL_DATASET,
                 "grid": "scenario file" if all(s.grid_factor for s in scenario_file.scenarios) else binder.grid_dataset,
                 "grid_scenarios": {s.key: "path" if s.grid_factor else (s.grid_scenario or GRID_SCENARIO)
                                    for s in scenario_file.scenarios}})


def scenario_pathways(scenario_path: Path, *, base_from: Path | None = None, draws: int | None = None,
                      seed: int | None = None) -> PathwayRun:
    """Read a scenario file (and the base year from ``base_from``), run it.

    ``base_from``: a .csv/.xlsx with columns ``sector, year, output, energy_tce, emissions_tco2e``
    (optional ``route``): the rows of the file's base year replace base output and intensity.
    """
    scenario_file = read_scenario_file(scenario_path)
    recorded = None
    if base_from is not None:
        from greenmfg.pathways.base_year import read_base_year

        recorded = read_base_year(base_from, scenario_file)
        scenario_file = apply_base_year(scenario_file, {k: (v[0], v[1]) for k, v in recorded.items()})
    return run_scenarios(scenario_file, draws=draws, seed=seed, recorded=recorded)

