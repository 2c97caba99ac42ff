"""Scenarios built from the platform's stored data (issue #18 part 2): a scenario file, written from
the counted accounting results of a base year, the stored benchmark classes and the equipment
register's measures, that the user runs, downloads as YAML, edits and uploads again.

What the generated file holds (every value is listed in the run's ``provenance.derivation`` with
where it came from, and summed up in the file's header comments):

Sectors
    One per product with output in the base year's counted results
    (:func:`greenmfg.region.service.counted_results`, the base of every regional figure and of
    :func:`greenmfg.pathways.decomposition.decompose_stored`): an enterprise's products, an
    industry's products, a region's products of each industry (``key: <industry>.<product>``, with
    ``industry:`` so that the run is also summed per industry). A result's energy and emissions are
    shared among its products the way the decomposition shares them
    (:func:`~greenmfg.pathways.decomposition.product_shares`). Results without product output
    (auxiliary facilities, enterprises that report energy only) make the sector ``other`` (an area's
    ``<industry>.other``) whose output is an activity index (unit ``index``, 1 in the base year), so
    that the scope's whole stored energy and emissions are in the scenario.
One route per sector (``stored``: the plants as accounted)
    ``energy_intensity`` = energy / output × 1000 [kgce per unit]; ``fuel_mix`` = each carrier's
    share of the energy the derivation lines bring in (fuels and heat by their item key, purchased
    electricity as ``electricity``), for a sector that supplies more energy than it uses (negative
    intensity, a converter recovering its gas) each carrier's share of the energy it supplies; ``fuel_ef`` [tCO2/tce] of each fuel = its lines' combustion
    (and purchased-heat) CO2 / their energy over the whole scope; ``grid_factor`` in the base year =
    the purchased electricity's CO2 / MWh, held after (no projection: a stated assumption);
    ``process`` (ratio 1) = the rest of the sector's stored emissions per unit of output: process
    emissions, carbon fixed in products and exported electricity or heat (negative), and the
    difference of a fuel's or the grid's factor in this sector from the scope's (zero for one
    enterprise). So the model's base year equals the stored output, energy and emissions of every
    sector (to rounding).
Baseline
    Output, intensity and fuel mix held at the base year (``growth_pct: 0``): greenmfg's stated
    default, a frozen-technology reference to be edited.
Policy ``stored_measures`` (benchmark attainment and equipment upgrades)
    ``benchmark``: each plant's stored benchmark class of the base year (``benchmark_plant_years``,
    edition option ``newest``) closes its gap to the benchmark level: the plant's intensity × level /
    value (relative, since the indicator's boundary may differ from the accounting's); the sector's
    level is the output-weighted intensity with every plant at the level (plants at or below it, or
    without a class, unchanged), reached linearly by :func:`attainment_year` (greenmfg's default).
    ``measures``: the equipment register's replacements with an energy saving
    (:func:`greenmfg.diagnosis.service.check_equipment`), each saving [tce/yr] shared among the
    sectors of its facility by energy (the enterprise's when it names none): savings_pct = saving /
    the sector's energy, from the year after the base year. A region's measures are summed per sector.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from greenmfg.accounting.lines import preload_lines
from greenmfg.accounting.models import FacilityResult
from greenmfg.calc.scenarios import interpolate_path
from greenmfg.errors import Finding, UnitError, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.orgs.models import Facility, Organisation
from greenmfg.pathways.decomposition import ProductShare, Scope, product_shares
from greenmfg.pathways.scenario_file import read_scenario_file
from greenmfg.pathways.scenarios import (
    ELECTRICITY,
    INDEX_UNIT,
    PathwayRun,
    electricity_coefficient,
    library_grid_path,
    run_scenarios,
)
from greenmfg.refdata.catalog import Catalog, load_catalog
from greenmfg.units import conversion_factor

__all__ = ["END_YEAR", "OTHER", "POLICY_KEY", "ROUTE_KEY", "StoredScenario", "attainment_year", "build_stored_scenario",
           "industry_table", "run_stored_scenario"]

#: the route of every generated sector (the plants as accounted)
ROUTE_KEY = "stored"
#: the sector of the results without product output (auxiliary facilities, enterprises reporting energy only):
#: its output is an activity index, 1 in the base year
OTHER = "other"
#: the policy scenario of the stored benchmark gaps and the equipment register's measures
POLICY_KEY = "stored_measures"
#: the last year of a generated scenario
END_YEAR = 2060
#: the stored results' emission categories (columns of :class:`FacilityResult`)
_CATEGORIES = {"combustion": "combustion_tco2e", "process": "process_tco2e",
               "electricity": "purchased_electricity_tco2e", "heat": "purchased_heat_tco2e",
               "exported": "exported_tco2e"}
#: derivation entries listed one by one at most (a region's plants and measures beyond are counted)
_DETAIL_LIMIT = 60
_PREFIX = "pathways.stored."


def attainment_year(base_year: int) -> int:
    """The year the benchmark levels are reached in a generated policy scenario: 2030, and at least
    five years after the base year. greenmfg's stated default (no cited deadline for every
    industry): edit ``benchmark.year``."""
    return max(2030, base_year + 5)


@dataclass
class _Plant:
    """One facility's part of a sector in the base year."""

    enterprise_id: int
    facility_id: int
    output: float = 0.0
    energy: float = 0.0


@dataclass
class _Sector:
    """One product (of one industry) summed over the scope's counted results of the base year."""

    key: str
    industry: str
    product: str
    unit: str
    output: float = 0.0
    energy: float = 0.0
    total: float = 0.0
    stored: dict[str, float] = field(default_factory=lambda: dict.fromkeys(_CATEGORIES, 0.0))
    carriers: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    carrier_co2: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    mwh: float = 0.0
    electricity_co2: float = 0.0
    electricity_tce: float = 0.0
    exported_energy: float = 0.0
    #: energy [tce, negative] and CO2 [tCO2, negative] of the carriers supplied outside, by carrier
    exported_carriers: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    exported_co2: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    #: electricity supplied outside [MWh, positive] and its CO2 as accounted [tCO2, negative]
    exported_mwh: float = 0.0
    exported_electricity_co2: float = 0.0
    plants: dict[tuple[int, int], _Plant] = field(default_factory=dict)
    results: set[int] = field(default_factory=set)
    runs: set[int] = field(default_factory=set)
    enterprises: set[str] = field(default_factory=set)

    @property
    def intensity(self) -> float:
        """kgce per unit of output: negative for a net supplier of energy (a converter recovering more gas
        than it uses: 负能炼钢)."""
        return self.energy / self.output * 1000.0


@dataclass(frozen=True)
class StoredScenario:
    """A scenario file written from stored data: its YAML text and where each value came from."""

    file: str
    text: str
    base_year: int
    scope: str
    derivation: list[dict[str, Any]]
    #: (sector, None) → (output, energy [tce], emissions [tCO2e]) of the base year, as stored
    recorded: dict[tuple[str, str | None], tuple[float, float, float]]
    warnings: list[Finding] = field(default_factory=list)

    @property
    def content(self) -> bytes:
        return self.text.encode("utf-8")


def _entry(key: str, sector: str, what: str, what_zh: str, value: Any, unit: str, source: str, source_zh: str,
           ref: str = "") -> dict[str, Any]:
    return {"key": key, "sector": sector, "what": what, "what_zh": what_zh, "value": value, "unit": unit,
            "source": source, "source_zh": source_zh, "ref": ref}


def _ids(values: Iterable[int], limit: int = 20) -> str:
    ordered = sorted(set(values))
    shown = ", ".join(str(v) for v in ordered[:limit])
    return shown + (f" … (+{len(ordered) - limit})" if len(ordered) > limit else "")


def _visible(scope: Scope) -> Any:
    if scope.kind == "enterprise":
        return Organisation.id == scope.enterprise_id
    where = Organisation.province == scope.province
    if scope.city:
        where = where & (Organisation.city == scope.city)
    if scope.kind == "industry":
        where = where & (Organisation.industry == scope.industry)
    return where


def _names(product: str) -> tuple[str, str]:
    from greenmfg.refdata.vocabulary import load_vocabulary

    if product == OTHER:
        return "其他用能（无产品产量）", "Energy use without product output"

    item = load_vocabulary().items.get(product)
    return (item.name_zh, item.name_en) if item is not None else (product, product)


def _key_names(key: str | None) -> tuple[str, str]:
    from greenmfg.refdata.words import key_name

    return key_name(key, zh=True), key_name(key, zh=False)


def _unit_names(unit: str | None) -> tuple[str, str]:
    from greenmfg.refdata.words import unit_name

    return unit_name(unit, zh=True), unit_name(unit, zh=False)


def _class_names(cls: str | None) -> tuple[str, str]:
    from greenmfg.compliance.labels import class_label
    from greenmfg.i18n import load_catalogs

    catalogs = load_catalogs()
    return (class_label(cls, catalogs.translator("zh-CN").gettext),
            class_label(cls, catalogs.translator("en").gettext))


def _mwh(quantity: Any, unit: str) -> float:
    if quantity is None:
        return 0.0
    try:
        return float(quantity) * conversion_factor(unit or "MWh", "MWh")
    except UnitError:
        return 0.0


# ------------------------------------------------------------------------------------------ reading


def _read_results(session: Session, scope: Scope, year: int, warnings: list[Finding]
                  ) -> tuple[dict[str, _Sector], set[str]]:
    """The sectors of the scope's counted results of ``year``, from their figures and derivation lines."""
    from greenmfg.region.service import counted_results

    query = (counted_results(_visible(scope))
             .add_columns(FacilityResult, Organisation.code, Organisation.industry, Organisation.name)
             .options(undefer(FacilityResult.lines_packed), undefer(FacilityResult.lines_json))
             .where(FacilityResult.year == year)
             .order_by(Organisation.code, FacilityResult.facility_id, FacilityResult.period))
    rows = session.execute(query).all()
    preload_lines(session, [r[0] for r in rows])
    at = Locator(code_prefix=_PREFIX)
    sectors: dict[str, _Sector] = {}
    grid_refs: set[str] = set()
    for result, code, industry, enterprise_name in rows:
        made = product_shares(result.products)
        if not made:   # energy use without product output: an activity index of the base year
            made = [ProductShare(OTHER, 0.0, INDEX_UNIT, 1.0)]
        lines = result.lines
        for part in made:
            key = part.product if scope.kind != "region" else f"{industry}.{part.product}"
            sector = sectors.get(key)
            if sector is None:
                sector = sectors[key] = _Sector(key, str(industry or ""), part.product, part.unit)
            elif part.unit and sector.unit != part.unit:
                warnings.append(at.finding(
                    "mixed_units", "products", key, f"{key} is stored in {sector.unit} and in {part.unit}: "
                    f"{part.unit} output added as {sector.unit}", f"{key} 的产量单位既有 {sector.unit} 又有 {part.unit}："
                    f"按 {sector.unit} 相加", "check the units of the activity data", "请检查活动数据的单位",
                    row=None, severity="warning"))
            share = part.share
            sector.output = 1.0 if part.product == OTHER else sector.output + part.quantity
            sector.energy += float(result.energy_tce or 0.0) * share
            sector.total += float(result.total_tco2e or 0.0) * share
            for category, column in _CATEGORIES.items():
                value = float(getattr(result, column) or 0.0)
                sector.stored[category] += (-abs(value) if category == "exported" else value) * share
            plant = sector.plants.setdefault((result.enterprise_id, result.facility_id),
                                             _Plant(result.enterprise_id, result.facility_id))
            plant.output += part.quantity
            plant.energy += float(result.energy_tce or 0.0) * share
            sector.results.add(result.id)
            sector.runs.add(result.run_id)
            sector.enterprises.add(str(enterprise_name or code))
            for line in lines:
                energy = float(line.get("energy_tce") or 0.0)
                co2 = float(line.get("co2e_t") or 0.0)
                category = line.get("category")
                electric = line.get("kind") == "electricity"
                carrier = ELECTRICITY if electric else str(line.get("item") or "")
                exported = line.get("flow") == "exported"
                if exported or energy < 0:
                    sector.exported_energy += energy * share
                    sector.exported_carriers[carrier] += energy * share
                    sector.exported_co2[carrier] += co2 * share
                    if electric and exported:
                        sector.exported_mwh += _mwh(line.get("quantity"), str(line.get("unit") or "")) * share
                        sector.exported_electricity_co2 += co2 * share
                        grid_refs.update(str(p.get("ref")) for p in line.get("parameters") or ()
                                         if p.get("name") == "emission_factor" and p.get("ref"))
                elif energy > 0:
                    sector.carriers[carrier] += energy * share
                if exported:
                    continue
                if category in ("combustion", "purchased_heat") and not electric:
                    sector.carrier_co2[carrier] += co2 * share
                elif category == "purchased_electricity":
                    sector.electricity_co2 += co2 * share
                    sector.mwh += _mwh(line.get("quantity"), str(line.get("unit") or "")) * share
                    sector.electricity_tce += energy * share
                    grid_refs.update(str(p.get("ref")) for p in line.get("parameters") or ()
                                     if p.get("name") == "emission_factor" and p.get("ref"))
    return sectors, grid_refs


@dataclass
class _Benchmarked:
    """The benchmark attainment of one sector: its level and the plants' classes it came from."""

    level: float
    plants: list[dict[str, Any]]
    classified: int
    unclassified: int


def _benchmarks(session: Session, scope: Scope, year: int, sectors: Mapping[str, _Sector]) -> dict[str, _Benchmarked]:
    """Each sector's attainment level from the stored benchmark classes of its plants in ``year``."""
    from greenmfg.compliance.stored import NEWEST, StoredPlantYear

    by_plant: dict[tuple[str, int, int], list[Any]] = defaultdict(list)
    facility = func.coalesce(Facility.name, Facility.code)
    query = (select(StoredPlantYear, Organisation.name, Organisation.industry, facility)
             .join(Organisation, Organisation.id == StoredPlantYear.enterprise_id)
             .join(Facility, Facility.id == StoredPlantYear.facility_id)
             .where(StoredPlantYear.year == year, StoredPlantYear.option == NEWEST,
                    StoredPlantYear.by_period.is_(False), _visible(scope))
             .order_by(Organisation.code, Facility.code, StoredPlantYear.product))
    for row, code, industry, facility_code in session.execute(query):
        key = row.product if scope.kind != "region" else f"{industry}.{row.product}"
        by_plant[(key, row.enterprise_id, row.facility_id)].append((row, code, facility_code))
    out: dict[str, _Benchmarked] = {}
    for key, sector in sectors.items():
        weighted = 0.0
        plants: list[dict[str, Any]] = []
        classified = unclassified = 0
        for (enterprise_id, facility_id), plant in sector.plants.items():
            intensity = plant.energy / plant.output * 1000.0 if plant.output else 0.0
            target = intensity
            for row, code, facility_code in by_plant.get((key, enterprise_id, facility_id), []):
                if row.value is None or row.benchmark_level is None or row.value <= 0:
                    unclassified += 1
                    plants.append({"row": row, "code": code, "facility": facility_code, "used": False,
                                   "intensity": intensity, "target": intensity})
                    continue
                classified += 1
                target = intensity * min(1.0, row.benchmark_level / row.value)
                plants.append({"row": row, "code": code, "facility": facility_code, "used": True,
                               "intensity": intensity, "target": target})
            weighted += plant.output * target
        level = weighted / sector.output if sector.output else sector.intensity
        if plants:
            out[key] = _Benchmarked(level, plants, classified, unclassified)
    return out


@dataclass
class _Saving:
    """An equipment replacement's saving in one sector."""

    name: str
    tce: float
    source: str
    derivation: dict[str, Any]


def _measures(session: Session, scope: Scope, year: int, sectors: Mapping[str, _Sector]
              ) -> dict[str, list[_Saving]]:
    """The equipment register's replacement measures with an energy saving, shared among the sectors."""
    from greenmfg.diagnosis import service as diagnosis
    from greenmfg.diagnosis.models import Equipment

    items: dict[int, list[Equipment]] = defaultdict(list)
    for item in session.execute(select(Equipment).join(Organisation, Organisation.id == Equipment.enterprise_id)
                                .where(_visible(scope))
                                .order_by(Equipment.enterprise_id, Equipment.kind, Equipment.code)).scalars():
        items[item.enterprise_id].append(item)
    # energy of each (enterprise, facility) in each sector: where a facility's saving goes
    energy: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
    by_enterprise: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for key, sector in sectors.items():
        for (enterprise_id, facility_id), plant in sector.plants.items():
            if plant.energy > 0:
                energy[(enterprise_id, facility_id)][key] = plant.energy
                by_enterprise[enterprise_id][key] += plant.energy
    out: dict[str, list[_Saving]] = defaultdict(list)
    for enterprise_id, equipment in items.items():
        enterprise = session.get(Organisation, enterprise_id)
        if enterprise is None or not by_enterprise.get(enterprise_id):
            continue
        factors, _findings = diagnosis.factors_for(enterprise, year)
        for check in diagnosis.check_equipment(equipment, factors):
            measure = check.measure
            if measure is None or not measure.tce or measure.tce <= 0:
                continue
            where = energy.get((enterprise_id, check.facility_id or 0)) or by_enterprise[enterprise_id]
            total = sum(where.values())
            for key, part in where.items():
                tce = measure.tce * part / total
                out[key].append(_Saving(
                    name=f"{check.code} {check.name}"[:200], tce=tce,
                    source=f"节能诊断 {enterprise.name} {check.code}：{measure.target_zh}，节能 {measure.tce:.4g} tce/a"[:200],
                    derivation={"code": check.code, "name": check.name, "kind": check.kind,
                                "enterprise": enterprise.name, "equipment_id": check.equipment_id,
                                "target": measure.target, "target_zh": measure.target_zh,
                                "tce": measure.tce, "tce_in_sector": tce, "kwh": measure.kwh,
                                "basis": measure.basis, "basis_zh": measure.basis_zh}))
    return out


# ------------------------------------------------------------------------------------------ writing


def _yaml(data: Mapping[str, Any]) -> str:
    import yaml

    return str(yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False, default_flow_style=None, width=120))


def _comment(text: str) -> str:
    return "# " + " ".join(str(text).split())


def build_stored_scenario(session: Session, scope: Scope, year: int, *, title_zh: str, title_en: str,
                          region: str | None = None, file: str = "scenario.yaml",
                          catalog: Catalog | None = None) -> StoredScenario:
    """The scenario file of ``scope``'s stored data with base year ``year`` (the caller checked access).

    Raises
    ------
    ValidationFailed
        No counted result in the scope and year.
    """
    catalog = catalog or load_catalog()
    derivation: list[dict[str, Any]] = []
    warnings: list[Finding] = []
    sectors, grid_refs = _read_results(session, scope, year, warnings)
    sectors = {k: s for k, s in sectors.items() if s.output > 0}
    if not sectors:
        where = scope.enterprise_id if scope.kind == "enterprise" else \
            "/".join(p for p in (scope.province, scope.city, scope.industry) if p)
        raise ValidationFailed([Locator(code_prefix=_PREFIX).finding(
            "no_results", "year", year, f"no counted results in {year} ({scope.kind} {where})",
            f"{year} 年没有计入的核算结果（{where}）", "commit the accounting data of the year, or choose another year",
            "请先提交该年份的核算数据，或选择其他年份",
            row=None)], 1)
    benchmarks = _benchmarks(session, scope, year, sectors)
    savings = _measures(session, scope, year, sectors)
    coefficient = electricity_coefficient(catalog)

    # the scope's factors: each fuel's combustion CO2 per tce, the grid's CO2 per MWh
    fuel_energy: dict[str, float] = defaultdict(float)
    fuel_co2: dict[str, float] = defaultdict(float)
    for s in sectors.values():
        for carrier, value in s.carriers.items():
            if carrier != ELECTRICITY:
                fuel_energy[carrier] += value
                fuel_co2[carrier] += s.carrier_co2.get(carrier, 0.0)
    fuel_ef = {c: max(fuel_co2[c], 0.0) / e for c, e in sorted(fuel_energy.items()) if e > 0}
    # a carrier only supplied outside (the mix of a net supplier): its factor from the lines that supply it
    supplied: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for s in sectors.values():
        if s.energy < 0:
            for carrier, value in s.exported_carriers.items():
                if carrier != ELECTRICITY and carrier not in fuel_ef:
                    supplied[carrier][0] += value
                    supplied[carrier][1] += s.exported_co2.get(carrier, 0.0)
    for carrier, (energy_out, co2_out) in sorted(supplied.items()):
        if energy_out < 0:
            fuel_ef[carrier] = max(co2_out / energy_out, 0.0)
    # the accounting's grid factor: purchased electricity's CO2 per MWh, and exported electricity's credit per MWh
    mwh = sum(s.mwh + s.exported_mwh for s in sectors.values())
    grid = sum(s.electricity_co2 - s.exported_electricity_co2 for s in sectors.values()) / mwh if mwh > 0 else None
    library = library_grid_path(catalog)   # what the run uses without a grid factor of the file
    base_grid = grid if grid is not None else float(interpolate_path(library, [year])[0])

    results = set().union(*(s.results for s in sectors.values()))
    runs = set().union(*(s.runs for s in sectors.values()))
    enterprises = sorted(set().union(*(s.enterprises for s in sectors.values())))
    stored_from = (f"counted accounting results of {year}: {len(results)} facility-period result(s) of "
                   f"{len(enterprises)} enterprise(s) ({', '.join(enterprises[:10])}{' …' if len(enterprises) > 10 else ''}); "
                   f"result ids {_ids(results)}; calculation runs {_ids(runs)}")
    stored_from_zh = (f"{year} 年计入的核算结果：{len(enterprises)} 家企业（{'、'.join(enterprises[:10])}"
                      f"{'……' if len(enterprises) > 10 else ''}）的 {len(results)} 条设施结果；结果编号 {_ids(results)}；"
                      f"核算运行 {_ids(runs)}")
    ref = f"facility_results:{_ids(results, 200)}"
    derivation.append(_entry("results", "", "The counted accounting results read", "读取的计入核算结果", len(results),
                             "", stored_from, stored_from_zh, ref))

    file_sectors: list[dict[str, Any]] = []
    policy_sectors: list[dict[str, Any]] = []
    recorded: dict[tuple[str, str | None], tuple[float, float, float]] = {}
    detail = 0
    for key, s in sorted(sectors.items()):
        name_zh, name_en = _names(s.product)
        sector_from = f"counted accounting results of {year}: {len(s.results)} facility-period result(s) (first row)"
        sector_from_zh = f"{year} 年计入的核算结果：{len(s.results)} 条设施结果（见第一行）"
        sector_ref = f"facility_results:{_ids(s.results, 200)}"
        intensity = s.intensity
        inputs = sum(s.carriers.values())
        out = sum(v for v in s.exported_carriers.values() if v < 0)
        if s.energy < 0 and out < 0:   # a net supplier: its energy is what it supplies, by carrier
            mix = {c: v / out for c, v in sorted(s.exported_carriers.items(), key=lambda kv: kv[1]) if v < 0}
        elif inputs > 0:
            mix = {c: v / inputs for c, v in sorted(s.carriers.items(), key=lambda kv: -kv[1]) if v > 0}
        else:
            mix = {ELECTRICITY: 1.0}
        # the model's base year: energy = Q · EI / 1000, fuel energy = energy · mix
        energy_model = s.output * intensity / 1000.0
        modelled = 0.0
        for carrier, share in mix.items():
            fuel = energy_model * share
            if carrier == ELECTRICITY:
                modelled += fuel / coefficient * base_grid
            else:
                modelled += fuel * fuel_ef.get(carrier, 0.0)
        rest = s.total - modelled
        process_ef = rest / s.output
        route: dict[str, Any] = {"key": ROUTE_KEY, "name": "现有生产（核算结果）", "name_en": "As accounted",
                                 "energy_intensity": intensity, "fuel_mix": mix,
                                 "process": {"ratio": 1, "ef": process_ef}}
        sector: dict[str, Any] = {"key": key, "name": name_zh, "name_en": name_en, "unit": s.unit or "t",
                                  "industry": s.industry or None, "output": {"base": s.output, "growth_pct": 0},
                                  "routes": [route]}
        if not s.industry:
            del sector["industry"]
        file_sectors.append(sector)
        recorded[(key, None)] = (s.output, s.energy, s.total)
        unit = s.unit or "t"
        output_words = (f"Output of {name_en} in {year}", f"{year} 年{name_zh}产量") if s.product != OTHER else (
            f"{name_en}: activity index (1 in {year}; edit its growth)", f"{name_zh}：活动指数（{year} 年 = 1，可编辑其增长率）")
        derivation += [
            _entry("output", key, output_words[0], output_words[1], s.output, unit, sector_from, sector_from_zh, sector_ref),
            _entry("energy", key, f"Energy consumption of {name_en} (shared among a facility's products as in "
                   "the decomposition)", f"{name_zh}综合能耗（按分解的规则在设施的产品间分摊）", s.energy, "tce",
                   sector_from, sector_from_zh, sector_ref),
            _entry("energy_intensity", key, f"Energy intensity of {name_en} = energy / output × 1000",
                   f"{name_zh}单位产品能耗 = 能耗 / 产量 × 1000", intensity, f"kgce/{unit}", sector_from,
                   sector_from_zh, sector_ref),
            _entry("emissions", key, f"Emissions of {name_en} as stored (combustion {s.stored['combustion']:,.1f}, "
                   f"process {s.stored['process']:,.1f}, purchased electricity {s.stored['electricity']:,.1f}, "
                   f"purchased heat {s.stored['heat']:,.1f}, exported {s.stored['exported']:,.1f})",
                   f"{name_zh}排放量（燃料燃烧 {s.stored['combustion']:,.1f}，工业过程 {s.stored['process']:,.1f}，"
                   f"外购电力 {s.stored['electricity']:,.1f}，外购热力 {s.stored['heat']:,.1f}，"
                   f"输出电力热力 {s.stored['exported']:,.1f}）", s.total, "tCO2e", sector_from, sector_from_zh, sector_ref),
            _entry("fuel_mix", key, (f"Fuel mix of {name_en}: each carrier's share of the energy brought in " if s.energy >= 0
                   else f"{name_en} supplies more energy than it uses (negative energy intensity): each carrier's "
                   "share of the energy supplied ") + f"({', '.join(f'{_names(c)[1]} {v:.1%}' for c, v in mix.items())})",
                   (f"{name_zh}能源结构：各能源品种占输入能源的比例" if s.energy >= 0 else
                    f"{name_zh}对外供出的能源多于消耗（单位产品能耗为负）：各能源品种占供出能源的比例")
                   + f"（{'，'.join(f'{_names(c)[0]} {v:.1%}' for c, v in mix.items())}）",
                   None, "", "derivation lines of the same results (each carrier's energy)",
                   "同一批核算结果的计算过程行（各能源品种的能耗）", sector_ref),
            _entry("process", key, f"Process and other emissions of {name_en} per unit of output: stored process "
                   f"{s.stored['process']:,.1f} + exported {s.stored['exported']:,.1f} + the rest "
                   f"{rest - s.stored['process'] - s.stored['exported']:,.3f} tCO2e (factors of this sector against "
                   "the scope's), over the output",
                   f"{name_zh}单位产品过程及其他排放：工业过程 {s.stored['process']:,.1f} + 输出电力热力 "
                   f"{s.stored['exported']:,.1f} + 其余 {rest - s.stored['process'] - s.stored['exported']:,.3f} tCO2e"
                   "（本部门因子与全范围因子之差），除以产量", process_ef, f"tCO2e/{unit}", sector_from, sector_from_zh, sector_ref),
        ]
        if s.exported_energy:
            derivation.append(_entry(
                "exported_energy", key, f"Energy {name_en}'s facilities supplied outside (in the net energy)",
                f"{name_zh}所在设施对外输出的能源（已从综合能耗中扣除）", s.exported_energy, "tce", sector_from,
                sector_from_zh, sector_ref))
        if mwh > 0 and s.mwh > 0 and abs(s.electricity_tce / s.mwh - coefficient) > 0.01 * coefficient:
            warnings.append(Locator(code_prefix=_PREFIX).finding(
                "electricity_basis", "electricity", key,
                f"{key}: the stored results count electricity at {s.electricity_tce / s.mwh:.4f} kgce/kWh, the "
                f"model at {coefficient:.4f} (equivalent basis): the difference is in the process and other term",
                f"{key}：核算结果按 {s.electricity_tce / s.mwh:.4f} kgce/kWh 折算电力，模型按 {coefficient:.4f}"
                "（当量值）：差额计入过程及其他排放", "check the electricity basis of the accounting",
                "请核对核算的电力折标方法", row=None, severity="warning"))

        changes: dict[str, Any] = {"key": ROUTE_KEY}
        bench = benchmarks.get(key)
        if bench is not None:
            for plant in bench.plants:
                row = plant["row"]
                detail += 1
                if detail > _DETAIL_LIMIT:
                    continue
                indicator_zh, indicator_en = _key_names(row.indicator)
                unit_zh, unit_en = _unit_names(row.unit)
                cls_zh, cls_en = _class_names(row.cls)

                def number(value: float | None) -> str:
                    return "—" if value is None else f"{value:.6g}"

                derivation.append(_entry(
                    "benchmark_class", key,
                    f"Benchmark class of {plant['code']}, {plant['facility']} ({indicator_en}, edition "
                    f"{row.edition or '—'}): value {number(row.value)}, benchmark level {number(row.benchmark_level)}, "
                    f"baseline level {number(row.baseline_level)} {unit_en}, {cls_en}, gap to the benchmark "
                    f"{number(row.gap_to_benchmark)}" + ("" if plant["used"] else ": no value or level, the plant is "
                                                         "kept as it is"),
                    f"{plant['code']} {plant['facility']} 能效对标（{indicator_zh}，{row.edition or '—'} 版）："
                    f"数值 {number(row.value)}，标杆水平 {number(row.benchmark_level)}，基准水平 "
                    f"{number(row.baseline_level)} {unit_zh}，{cls_zh}，与标杆水平差距 {number(row.gap_to_benchmark)}"
                    + ("" if plant["used"] else "：无数值或水平，该设施保持不变"),
                    row.gap_to_benchmark, row.unit, f"stored benchmark results (plant-year record {row.id}, the "
                    "newest edition with a value per indicator)",
                    f"已存储的能效对标结果（年度对标记录 {row.id}，各指标有数值的最新版本）",
                    f"benchmark_plant_years:{row.id}"))
            if bench.classified and bench.level < intensity * (1 - 1e-12):
                target_year = attainment_year(year)
                changes["benchmark"] = {"level": bench.level, "year": target_year}
                derivation.append(_entry(
                    "benchmark", key, f"Attainment level of {name_en} by {target_year}: the output-weighted intensity "
                    f"with each of {bench.classified} classified plant(s) at the benchmark level (plant intensity × "
                    f"level / value); {bench.unclassified} plant(s) without a value or level kept",
                    f"{name_zh} {target_year} 年达标水平：{bench.classified} 个已分级设施均达到标杆水平（设施单耗 × 标杆水平 / "
                    f"数值）时按产量加权的单位产品能耗；{bench.unclassified} 个无数值或水平的设施保持不变", bench.level,
                    f"kgce/{unit}", "stored benchmark results (above); the year is greenmfg's default",
                    "已存储的能效对标结果（见上）；年份为 greenmfg 默认值"))
        measures: list[dict[str, Any]] = []
        for saving in savings.get(key, []):
            pct = saving.tce / s.energy * 100.0 if s.energy > 0 else 0.0
            if pct <= 0:
                continue
            measures.append({"name": saving.name, "savings_pct": min(pct, 100.0), "start_year": year + 1,
                             "ramp_years": 0, "source": saving.source})
            detail += 1
            if detail <= _DETAIL_LIMIT:
                d = saving.derivation
                derivation.append(_entry(
                    "measure", key, f"Equipment measure {d['code']} {d['name']} ({d['enterprise']}): replacement to "
                    f"{d['target']}, {d['tce']:.4g} tce/yr ({d['tce_in_sector']:.4g} in {name_en}) = {pct:.4g} % of "
                    f"its energy; {d['basis']}",
                    f"设备节能措施 {d['code']} {d['name']}（{d['enterprise']}）：更换为{d['target_zh']}，节能 {d['tce']:.4g} "
                    f"tce/a（其中 {name_zh} {d['tce_in_sector']:.4g}），占其能耗 {pct:.4g}%；{d['basis_zh']}",
                    pct, "%", f"energy-saving diagnosis of the equipment register (equipment {d['equipment_id']})",
                    f"节能诊断（设备台账，设备编号 {d['equipment_id']}）", f"diagnosis_equipment:{d['equipment_id']}"))
        if scope.kind == "region" and len(measures) > 1:   # a region's measures: one per sector
            remaining = 1.0
            for m in measures:   # measures multiply: one measure saving the same
                remaining *= 1.0 - float(m["savings_pct"]) / 100.0
            total_pct = 100.0 * (1.0 - remaining)
            measures = [{"name": f"设备能效提升（节能诊断 {len(measures)} 项）", "savings_pct": total_pct,
                         "start_year": year + 1, "ramp_years": 0,
                         "source": f"节能诊断：{len(measures)} 项设备更新，合计 {sum(x.tce for x in savings[key]):.4g} tce/a"}]
        if measures:
            changes["measures"] = measures
        if len(changes) > 1:
            policy_sectors.append({"key": key, "routes": [changes]})
    if detail > _DETAIL_LIMIT:
        derivation.append(_entry("more", "", f"{detail - _DETAIL_LIMIT} more benchmark classes and measures (not "
                                 "listed one by one)", f"另有 {detail - _DETAIL_LIMIT} 条能效等级和措施（未逐条列出）",
                                 detail - _DETAIL_LIMIT, "", "", ""))

    for carrier, value in fuel_ef.items():
        derivation.append(_entry(
            "fuel_ef", "", f"Emission factor of {_names(carrier)[1]}: its lines' combustion CO2 / their energy over "
            "the scope", f"{_names(carrier)[0]}排放因子：其计算过程行的燃烧二氧化碳 / 能耗（全范围）", value, "tCO2/tce",
            "derivation lines of the same results (each carrier's CO2 and energy)",
            "同一批核算结果的计算过程行（各能源品种的二氧化碳排放和能耗）", ref))
    document: dict[str, Any] = {
        "title": title_zh[:200], "title_en": title_en[:200], "scope": scope.kind, "region": region,
        "base_year": year, "end_year": END_YEAR, "plateau_tolerance_pct": 2}
    if region is None:
        del document["region"]
    if grid is not None:
        refs = ", ".join(sorted(grid_refs)) or "—"
        document["grid_factor"] = {"path": {year: grid}, "source": f"{year} 年核算结果外购（及输出）电力排放 / 电量（{refs}）；此后保持不变"}
        derivation.append(_entry(
            "grid_factor", "", f"Grid emission factor of {year}: purchased (and exported) electricity's CO2 / MWh ({refs}); held in "
            "every later year (no projection: edit grid_factor.path)",
            f"{year} 年电网排放因子：外购（及输出）电力排放 / 电量（{refs}）；此后各年保持不变（无预测值：请在情景文件中编辑电网排放因子路径）",
            grid, "tCO2/MWh", f"counted accounting results of {year} (first row)", f"{year} 年计入的核算结果（见第一行）",
            ref))
    else:
        derivation.append(_entry(
            "grid_factor", "", "No purchased electricity in the base year: the grid factor path is the library's "
            "(pathway_grid_factors)", "基准年没有外购电力：电网排放因子采用参考库路径（pathway_grid_factors）", None, "",
            "reference library", "参考库"))
    if fuel_ef:
        document["fuel_ef"] = fuel_ef
    document["sectors"] = file_sectors
    if scope.kind != "enterprise":
        document["targets"] = [{"ref": "CN.peak"}]
    if policy_sectors:
        document["policies"] = [{"key": POLICY_KEY, "name": "标杆达标与设备更新", "name_en":
                                 "Benchmark attainment and equipment upgrades", "changes": {"sectors": policy_sectors}}]
    derivation += [
        _entry("assumption", "", "Baseline: output, energy intensity and fuel mix held at the base year "
               "(growth_pct: 0)", "基准情景：产量、单位产品能耗和能源结构保持基准年水平（年增长率为 0）", 0, "%/yr",
               "greenmfg's default, not a forecast: edit output.growth_pct",
               "greenmfg 默认值，并非预测：请在情景文件中编辑产量增长率"),
        _entry("assumption", "", f"Equipment measures in place from {year + 1} (ramp_years: 0)",
               f"设备节能措施自 {year + 1} 年起一次实施到位", year + 1, "", "greenmfg's default",
               "greenmfg 默认值"),
    ]
    if mwh:
        derivation.append(_entry(
            "electricity", "", "Purchased and exported electricity of the base year", "基准年外购及输出电力", mwh, "MWh",
            f"counted accounting results of {year} (first row)", f"{year} 年计入的核算结果（见第一行）", ref))
    header = [
        _comment("greenmfg: a scenario file written from the stored data (format: greenmfg/pathways/README.md)."),
        _comment(f"Scope: {scope.kind}; base year {year}; {stored_from}."),
        _comment("Where each value came from (the page and the API list it in full as provenance.derivation):"),
    ]
    for d in derivation[:200]:
        value = d["value"]
        shown = f"{value:.6g}" if isinstance(value, float) else ("" if value is None else str(value))
        equals = f" = {shown} {d['unit']}".rstrip() if shown else ""
        source = f"（{d['source_zh']}）" if d["source_zh"] else ""
        header.append(_comment(f"- {d['sector'] or 'all'}: {d['what_zh']}{equals}{source}"))
    header.append(_comment("Edit any value (growth_pct, grid_factor.path, measures, benchmark, ccus …) and upload the "
                           "file again to run it."))
    text = "\n".join(header) + "\n" + _yaml(document)
    return StoredScenario(file=file, text=text, base_year=year, scope=scope.kind, derivation=derivation,
                          recorded=recorded, warnings=warnings)


def run_stored_scenario(scenario: StoredScenario, *, catalog: Catalog | None = None) -> PathwayRun:
    """The generated file read and run as an upload is (so the downloaded YAML gives the same run),
    with the derivation and the reading's warnings attached."""
    import dataclasses

    scenario_file = read_scenario_file((scenario.file, scenario.content))
    run = run_scenarios(scenario_file, draws=0, catalog=catalog, recorded=scenario.recorded)
    return dataclasses.replace(run, derivation=scenario.derivation, warnings=[*scenario.warnings, *run.warnings])


# ------------------------------------------------------------------------------------------ industries side by side


def _deadline(catalog: Catalog, industry: str) -> dict[str, Any] | None:
    """The peak deadline of the industry in ``pathway_targets`` (the national one when it has none)."""
    from greenmfg.pathways.scenarios import TARGETS_FAMILY

    dataset = catalog.newest(TARGETS_FAMILY)
    records = {r["key"]: r for r in dataset.records}
    record = records.get(f"{industry}.peak") or records.get("CN.peak")
    if record is None or not record["value"].strip():
        return None
    return {"ref": f"{dataset.id}:{record['key']}", "year": int(float(record["value"])),
            "status": record["verification_status"], "name_zh": record["name_zh"], "name_en": record["name_en"]}


def industry_table(run: PathwayRun, catalog: Catalog | None = None,
                   years: Sequence[int] = (2030, 2035)) -> list[dict[str, Any]]:
    """Each scenario's industries side by side: base-year emissions, peak, the emissions of ``years``,
    the change of the emissions per unit of output from the base year to the first of ``years`` and
    whether the industry peaks by its deadline (``pathway_targets``: ``<industry>.peak``, else the
    national ``CN.peak``)."""
    catalog = catalog or load_catalog()
    rows = []
    for s in run.scenarios:
        for i in s.industries:
            at = {y: (i.total_tco2[s.years.index(y)] if y in s.years else None) for y in years}
            intensity = i.intensity
            first = years[0]
            change = None
            if intensity is not None and first in s.years:
                start, then = intensity[0], intensity[s.years.index(first)]
                if start and then is not None:
                    change = then / start - 1.0
            deadline = _deadline(catalog, i.key)
            met = None if deadline is None else bool(i.peaked and i.peak_year <= deadline["year"])
            rows.append({"scenario": s.key, "scenario_zh": s.name_zh, "scenario_en": s.name_en, "industry": i.key,
                         "unit": i.unit, "base_tco2": i.total_tco2[0], "peak_year": i.peak_year, "peaked": i.peaked,
                         "peak_tco2": i.peak_tco2, "emissions": at, "intensity_change": change,
                         "intensity_year": first, "deadline": deadline, "deadline_met": met,
                         "cumulative_tco2": i.cumulative_tco2})
    return rows
