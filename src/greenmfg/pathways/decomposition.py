"""LMDI decomposition of the change in CO2 and energy: from a file, or from stored results.

Binds input rows to the pure formulas of :mod:`greenmfg.calc.lmdi` and returns a
:class:`DecompositionResult` (``to_document()`` for JSON and pages, :func:`workbook_bytes` for xlsx).

Input (.csv or .xlsx, first sheet; headers by key or in Chinese)
    ``sector, year, output, energy_tce, emissions_tco2e`` and optionally ``region`` and ``subsector``
    (more structure levels: region → sector → sub-sector, one nested structure effect each), ``fuel``
    (energy and emissions split by fuel or carrier: fuel-mix and emission-factor effects, the latter
    split into the grid (electricity) and fuels; a ``process`` row carries process emissions with no
    energy) and ``output_unit``. ``emissions_tco2e`` may be left out (energy only) and may be negative
    (capture, exports). Output must be one measure summed over all rows (value added, or tonnes of one
    product): the activity and structure effects add them up.

Stored results (:func:`decompose_stored`)
    The counted accounting results (:func:`greenmfg.region.service.counted_results`) of an enterprise
    (terms by product), an industry (by enterprise) or a region (industry → enterprise), with emissions
    split into combustion, process, purchased electricity, purchased heat and exports.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from greenmfg import __version__
from greenmfg.calc.lmdi import (
    CONVERGENCE_DELTAS,
    Decomposition,
    Record,
    Term,
    decompose,
    industry_terms,
    zero_convergence,
)
from greenmfg.errors import Finding, GreenmfgError, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.i18n import N_
from greenmfg.refdata.vocabulary import normalize_name
from greenmfg.sheets import Column, RowChecker, read_sheet

__all__ = ["COLUMNS", "EFFECT_WORDS", "DecompositionResult", "Effect", "ProductShare", "Scope", "decompose_file",
           "decompose_records", "decompose_stored", "product_shares", "read_records", "workbook_bytes", "write_sheets"]

Method = Literal["additive", "multiplicative"]
_PREFIX = "pathways.input."

COLUMNS: tuple[Column, ...] = (
    Column("region", "地区", False, "region (optional; the top level of the structure)", "地区（可选，结构的最上层）",
           ("省份", "地区名称", "province")),
    Column("sector", "行业", True, "sector or product", "行业或产品", ("行业名称", "部门", "产品", "industry")),
    Column("subsector", "子行业", False, "sub-sector (optional; a level below the sector)", "子行业（可选，行业下一层）",
           ("细分行业", "工序", "sub-sector", "sub_sector")),
    Column("fuel", "能源品种", False, "fuel or carrier (optional): 电力/electricity, 过程/process, a fuel",
           "能源品种（可选）：电力、过程排放或燃料名称", ("燃料", "能源", "carrier", "energy carrier")),
    Column("year", "年份", True, "the year, e.g. 2020", "年份，如 2020", ("年度",)),
    Column("output", "产出", True, "activity: output or value added, one measure for all rows",
           "活动水平：产量或增加值，各行同一口径", ("产量", "增加值", "activity")),
    Column("output_unit", "产出单位", False, "unit of the output (optional)", "产出的单位（可选）", ("单位", "unit")),
    Column("energy_tce", "综合能耗", True, "energy consumption [tce]", "综合能源消费量（吨标准煤）",
           ("能耗", "能源消费量", "energy", "energy (tce)")),
    Column("emissions_tco2e", "碳排放", False, "emissions [tCO2e], may be negative", "温室气体排放量（吨二氧化碳当量），可为负",
           ("排放量", "二氧化碳排放", "emissions", "co2")),
)
_ELECTRICITY = frozenset(normalize_name(n) for n in ("electricity", "电力", "电", "外购电力", "购入电力", "grid electricity"))
_PROCESS = frozenset(normalize_name(n) for n in ("process", "过程", "过程排放", "工业生产过程", "process emissions"))

#: effect key → words (message ids; Chinese in ``pathways.po``)
EFFECT_WORDS: Mapping[str, str] = {
    "activity": N_("Activity effect"), "structure": N_("Structure effect"),
    "structure.region": N_("Structure effect between regions"),
    "structure.sector": N_("Structure effect between sectors"),
    "structure.subsector": N_("Structure effect within sectors"),
    "structure.product": N_("Structure effect between products"),
    "structure.industry": N_("Structure effect between industries"),
    "structure.enterprise": N_("Structure effect between enterprises"),
    "energy_intensity": N_("Energy intensity effect"), "fuel_mix": N_("Fuel mix effect"),
    "grid_factor": N_("Grid emission factor effect"), "fuel_factor": N_("Fuel emission factor effect"),
    "process_intensity": N_("Process emission intensity effect"),
    "carbon_intensity": N_("Carbon intensity effect (emissions per energy)"),
    "carbon_intensity.combustion": N_("Carbon intensity effect: fuel combustion"),
    "carbon_intensity.process": N_("Carbon intensity effect: process emissions"),
    "carbon_intensity.electricity": N_("Carbon intensity effect: purchased electricity (grid factor and share)"),
    "carbon_intensity.heat": N_("Carbon intensity effect: purchased heat"),
    "carbon_intensity.exported": N_("Carbon intensity effect: exported electricity and heat"),
    "total": N_("Total change"),
}
#: the row of the total change
_TOTAL = N_("Total change")


@dataclass(frozen=True, slots=True)
class Effect:
    """One effect: ``additive`` [the aggregate's unit], ``multiplicative`` [-], ``share`` of the total change."""

    key: str
    additive: float
    multiplicative: float | None


@dataclass(frozen=True, slots=True)
class Aggregate:
    """The decomposition of one aggregate (``emissions`` [tCO2e] or ``energy`` [tce])."""

    name: str
    unit: str
    base_value: float
    target_value: float
    effects: tuple[Effect, ...]
    ratio: float | None
    zero_terms: tuple[str, ...]
    sign_change_terms: tuple[str, ...]
    convergence: tuple[tuple[float | None, dict[str, float]], ...] = ()

    @property
    def change(self) -> float:
        return self.target_value - self.base_value

    def checks(self) -> dict[str, Any]:
        """The cross-checks: Σ ΔV_k = ΔV_tot, Π D_k = D_tot, ΔV_k / ln D_k = L(V^T, V^0) for each k."""
        from greenmfg.calc.lmdi import logarithmic_mean

        out: dict[str, Any] = {"additive_residual": sum(e.additive for e in self.effects) - self.change}
        if self.ratio is not None:
            product = math.prod(e.multiplicative or 0.0 for e in self.effects)
            out["multiplicative_residual"] = product / self.ratio - 1
            weight = logarithmic_mean(self.target_value, self.base_value)
            out["logarithmic_mean"] = weight
            out["link"] = {e.key: (e.additive / math.log(e.multiplicative) if e.multiplicative not in (None, 1.0)
                                   and abs(math.log(e.multiplicative or 1.0)) > 1e-12 else None) for e in self.effects}
        return out


@dataclass(frozen=True)
class DecompositionResult:
    """Decompositions of emissions and energy between two years, with what the data needed."""

    base: int
    target: int
    method: str
    levels: tuple[str, ...]
    aggregates: tuple[Aggregate, ...]
    zero_value: float | None
    source: str
    findings: tuple[Finding, ...] = ()
    scope: dict[str, Any] = field(default_factory=dict)

    def aggregate(self, name: str) -> Aggregate:
        return next(a for a in self.aggregates if a.name == name)

    def to_document(self) -> dict[str, Any]:
        """The result as JSON: each aggregate's effects in both forms, words in English and Chinese,
        the cross-checks and how zero and negative values were handled."""
        from greenmfg.i18n import load_catalogs

        zh = load_catalogs().translator("zh-CN")

        def effect(e: Effect, a: Aggregate) -> dict[str, Any]:
            words = EFFECT_WORDS.get(e.key, e.key)
            return {"key": e.key, "name_en": words, "name_zh": zh.gettext(words), "additive": e.additive,
                    "multiplicative": e.multiplicative,
                    "share_of_change": e.additive / a.change if a.change else None}

        return {
            "method": "LMDI-I (Ang 2005, 2015)", "shown": self.method, "base_year": self.base,
            "target_year": self.target, "structure_levels": list(self.levels), "source": self.source,
            "scope": self.scope,
            "zero_values": ({"strategy": "small value", "delta": self.zero_value} if self.zero_value is not None
                            else {"strategy": "analytical limit (δ → 0)", "delta": None}),
            "aggregates": [{
                "name": a.name, "unit": a.unit, "base_value": a.base_value, "target_value": a.target_value,
                "change": a.change, "ratio": a.ratio, "effects": [effect(e, a) for e in a.effects],
                "checks": a.checks(), "zero_value_terms": list(a.zero_terms),
                "sign_change_terms": list(a.sign_change_terms),
                "convergence": [{"delta": d, "effects": values} for d, values in a.convergence],
            } for a in self.aggregates],
            "findings": [f.as_dict() | {"severity": f.severity} for f in self.findings],
            "provenance": {"package": "greenmfg", "version": __version__,
                           "references": ["Ang, B.W. (2005) Energy Policy 33, 867-871",
                                          "Ang, B.W. (2015) Energy Policy 86, 233-238",
                                          "Ang, B.W., Liu, N. (2007) Energy Policy 35, 238-246 (zero values)",
                                          "Ang, B.W., Liu, N. (2007) Energy Policy 35, 739-742 (negative values)"]},
        }


# ------------------------------------------------------------------------------------------------ file input


def _kind(carrier: str) -> str:
    name = normalize_name(carrier)
    if name in _ELECTRICITY:
        return "electricity"
    return "process" if name in _PROCESS else "fuel"


def read_records(source: Path, *, issues: list[Finding] | None = None) -> tuple[list[Record], tuple[str, ...], bool,
                                                                                list[Finding]]:
    """Records of a decomposition file, its structure levels, whether it has emissions, and warnings.

    Raises
    ------
    ValidationFailed
        Any bad header or cell, each located (file, sheet, row, column, cell) in English and Chinese.
    """
    issues = issues if issues is not None else []
    sheet = read_sheet(source, COLUMNS, ("decomposition file", "分解数据文件"), issues, code_prefix=_PREFIX)
    check = RowChecker(sheet, COLUMNS, issues, code_prefix=_PREFIX)
    levels = tuple(k for k in ("region", "sector", "subsector") if k in sheet.letters)
    has_emissions = "emissions_tco2e" in sheet.letters
    records: list[Record] = []
    units: set[str] = set()
    seen: dict[tuple[tuple[str, ...], str, int], int] = {}
    for row, cells in check.rows():
        before = len(issues)
        path = tuple(cells.get(level, "") for level in levels)
        if not cells.get("sector"):
            check.required(row, cells, "sector")
        year_text = check.required(row, cells, "year")
        year = None
        if year_text is not None:
            try:
                year = int(float(year_text))
            except ValueError:
                year = None
            if year is None or not 1900 <= year <= 2100 or float(year_text) != year:
                check.add(row, "year", year_text, "bad_year", f"'{year_text}' is not a year",
                          f"“{year_text}”不是年份", "write the year as four digits, e.g. 2020", "请填写四位年份，如 2020")
                year = None
        carrier = cells.get("fuel", "")
        kind = _kind(carrier) if carrier else "fuel"
        output = check.number(row, cells, "output", positive=False, required=not carrier)
        energy = check.number(row, cells, "energy_tce", positive=False, required=kind != "process")
        emissions = _signed(check, row, cells) if has_emissions else 0.0
        if kind == "process" and energy:
            check.add(row, "energy_tce", cells.get("energy_tce"), "process_energy",
                      "a process-emission row has no energy", "过程排放行不应填写能耗",
                      "put the energy on fuel rows and leave it empty here", "请将能耗填在燃料行，本行留空")
        if cells.get("output_unit"):
            units.add(cells["output_unit"])
        if len(issues) > before or year is None or (emissions is None):
            continue
        key = (path, normalize_name(carrier), year)
        if key in seen:
            check.add(row, "year", year_text, "duplicate_row", f"the same {'/'.join(path)} {carrier} {year} as row "
                      f"{seen[key]}", f"与第 {seen[key]} 行重复（{'/'.join(path)} {carrier} {year}）",
                      "keep one row per level, fuel and year", "每个结构、能源品种和年份只保留一行")
            continue
        seen[key] = row
        records.append(Record(path, year, output, energy or 0.0, emissions, carrier, kind))
    warnings: list[Finding] = []
    if len(units) > 1:
        warnings.append(Locator(file=sheet.name, sheet=sheet.sheet, code_prefix=_PREFIX).finding(
            "mixed_output_units", "output_unit", ", ".join(sorted(units)),
            "the outputs are in different units: the activity and structure effects add them up",
            "产出单位不一致：活动效应和结构效应会把它们直接相加",
            "use one measure for all rows (value added, or one product)", "请统一口径（增加值或同一产品）",
            row=None, severity="warning"))
    if issues:
        raise ValidationFailed(issues[:200], len(issues))
    return records, levels, has_emissions, warnings


def _signed(check: RowChecker, row: int, cells: dict[str, str]) -> float | None:
    value = cells.get("emissions_tco2e", "")
    if not value:
        return 0.0
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        check.add(row, "emissions_tco2e", value, "not_a_number", f"'{value}' is not a number", f"“{value}”不是数字",
                  "write the emissions as a number, e.g. 1200.5 (negative for capture)",
                  "请将排放量填写为数字，如 1200.5（碳捕集可为负）")
        return None
    return number


def _check_years(records: Sequence[Record], base: int, target: int, file: str) -> None:
    years = {r.year for r in records}
    missing = [y for y in (base, target) if y not in years]
    if base == target or missing:
        at = Locator(file=file, code_prefix=_PREFIX)
        message = ("the base and target years are the same" if base == target else
                   f"no rows of {', '.join(map(str, missing))}; the data has {', '.join(map(str, sorted(years)))}")
        message_zh = ("基年与目标年相同" if base == target else
                      f"没有 {'、'.join(map(str, missing))} 年的数据；数据中的年份为 {'、'.join(map(str, sorted(years)))}")
        raise ValidationFailed([at.finding("year_not_found", "year", ", ".join(map(str, missing)), message, message_zh,
                                           "choose --base and --target among the years of the data",
                                           "请在数据包含的年份中选择 --base 和 --target", row=None)], 1)


# ------------------------------------------------------------------------------------------------ decomposition


def _effects(d: Decomposition, terms_groups: Mapping[tuple[str, ...], str], level_names: Sequence[str],
             *, carrier_split: bool) -> tuple[Effect, ...]:
    """Effects by factor, the emission factor split by group (grid / fuel), structure named by level."""
    total_weight = None
    if d.ratio is not None:
        from greenmfg.calc.lmdi import logarithmic_mean

        total_weight = logarithmic_mean(d.vt, d.v0)
    additive: dict[str, float] = defaultdict(float)
    order: list[str] = []
    for (key, factor), value in d.contributions.items():
        name = _effect_name(factor, level_names)
        if factor == "emission_factor":
            name = "grid_factor" if terms_groups.get(key) == "grid" else "fuel_factor"
        elif factor == "carbon_intensity" and carrier_split:
            name = f"carbon_intensity.{key[-1]}"
        if name not in order:
            order.append(name)
        additive[name] += value
    out = []
    for name in order:
        # the multiplicative form of a split effect: exp(ΣV / L(V^T, V^0)); the unsplit factors keep
        # the independently computed D_k of calc.lmdi (their link is checked in the tests)
        multiplicative = None
        if d.multiplicative is not None and total_weight is not None:
            factor = name.split(".")[0]
            if name in d.multiplicative:
                multiplicative = d.multiplicative[name]
            elif factor == "structure":
                index = next(i for i, n in enumerate(level_names, 1) if f"structure.{n}" == name)
                multiplicative = d.multiplicative[f"structure.{index}"]
            else:
                multiplicative = math.exp(additive[name] / total_weight)
        out.append(Effect(name, additive[name], multiplicative))
    return tuple(out)


def _effect_name(factor: str, level_names: Sequence[str]) -> str:
    if factor.startswith("structure."):
        return f"structure.{level_names[int(factor.split('.')[1]) - 1]}"
    return factor


def _convergence(terms: Sequence[Term], d: Decomposition, level_names: Sequence[str]
                 ) -> tuple[tuple[float | None, dict[str, float]], ...]:
    """The additive effects with δ = 1e-10, 1e-15, 1e-20 and at the limit, when the data has zero values."""
    if not d.zero_terms:
        return ()
    return tuple((delta, {_effect_name(k, level_names): v for k, v in values.items()})
                 for delta, values in zero_convergence(terms, CONVERGENCE_DELTAS))


def _aggregate(name: str, unit: str, records: Sequence[Record], base: int, target: int, level_names: Sequence[str],
               zero_value: float | None, *, carrier_split: bool = False) -> Aggregate:
    try:
        terms = industry_terms(records, base=base, target=target, aggregate=name, levels=len(level_names))
    except ValueError as error:
        raise GreenmfgError(f"cannot decompose the {name}: {error}", f"无法分解{'排放' if name == 'emissions' else '能耗'}："
                            f"{error}") from None
    d = decompose(terms, zero_value=zero_value)
    groups = {t.key: t.group for t in terms}
    convergence = _convergence(terms, d, level_names)
    return Aggregate(name, unit, d.v0, d.vt, _effects(d, groups, level_names, carrier_split=carrier_split), d.ratio,
                     tuple("/".join(k) for k in d.zero_terms), tuple("/".join(k) for k in d.sign_change_terms),
                     convergence)


def decompose_records(records: Sequence[Record], *, base: int, target: int, level_names: Sequence[str],
                      has_emissions: bool = True, method: Method = "additive", zero_value: float | None = None,
                      source: str = "", findings: Sequence[Finding] = (), scope: Mapping[str, Any] | None = None,
                      carrier_split: bool = False) -> DecompositionResult:
    """Decompose emissions (when given) and energy between ``base`` and ``target`` (LMDI-I, both forms).

    ``method`` says which form a table shows first; both are always computed (they cross-check).
    """
    _check_years(records, base, target, source)
    aggregates = []
    if has_emissions:
        aggregates.append(_aggregate("emissions", "tCO2e", records, base, target, level_names, zero_value,
                                     carrier_split=carrier_split))
    aggregates.append(_aggregate("energy", "tce", records, base, target, level_names, zero_value))
    return DecompositionResult(base, target, method, tuple(level_names), tuple(aggregates), zero_value, source,
                               tuple(findings), dict(scope or {}))


def decompose_file(path: Path, *, base: int, target: int, method: Method = "additive",
                   zero_value: float | None = None) -> DecompositionResult:
    """Read a decomposition file and decompose it (see the module docstring for its columns)."""
    records, levels, has_emissions, warnings = read_records(path)
    if not records:
        raise ValidationFailed([Locator(file=path.name, code_prefix=_PREFIX).finding(
            "empty_file", "", "", "the file has no data rows", "文件没有数据行", "add one row per sector and year",
            "请按行业和年份逐行填写", row=None)], 1)
    return decompose_records(records, base=base, target=target, level_names=levels, has_emissions=has_emissions,
                             method=method, zero_value=zero_value, source=path.name, findings=warnings)


# ------------------------------------------------------------------------------------------------ stored results


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose stored results: ``kind`` ``enterprise`` (an organisation id, terms by product), ``industry``
    (an industry key, terms by enterprise; of one region when ``province`` (and ``city``) is given) or
    ``region`` (a province code, optionally a city: industry → enterprise)."""

    kind: Literal["enterprise", "industry", "region"]
    enterprise_id: int | None = None
    industry: str | None = None
    province: str | None = None
    city: str | None = None


_CARRIERS = ("combustion", "process", "electricity", "heat", "exported")


@dataclass(frozen=True, slots=True)
class ProductShare:
    """A product of a stored result: its output [its unit] and the share of the result's energy and
    emissions it is given."""

    product: str
    quantity: float
    unit: str
    share: float


def product_shares(products: Sequence[Mapping[str, Any]] | None) -> list[ProductShare]:
    """The products of a stored result with output, each with its share of the result: weighted by
    output × unit energy (the results give every product of a facility the facility's whole energy
    per unit, so the shares are equal then), by output when no unit energy is stored. The one
    allocation of the stored readers (:func:`decompose_stored`, the scenarios from stored data)."""
    made = [(str(p.get("product") or ""), float(p.get("quantity") or 0.0), p.get("energy_intensity"),
             str(p.get("unit") or "")) for p in (products or []) if p.get("product") and (p.get("quantity") or 0) > 0]
    if not made:
        return []
    weights = [q * (e or 0.0) for _p, q, e, _u in made]
    if sum(weights) <= 0:
        weights = [q for _p, q, _e, _u in made]
    total = sum(weights)
    return [ProductShare(p, q, u, w / total) for (p, q, _e, u), w in zip(made, weights, strict=True)]


def _stored_records(session: Any, scope: Scope, years: Iterable[int]) -> tuple[list[Record], list[str], list[Finding]]:
    from sqlalchemy import true

    from greenmfg.accounting.models import FacilityResult
    from greenmfg.orgs.models import Organisation
    from greenmfg.region.service import counted_results

    if scope.kind == "enterprise":
        visible = Organisation.id == scope.enterprise_id
        levels = ["product"]
    elif scope.kind == "industry":
        visible = Organisation.industry == scope.industry
        if scope.province:  # an industry of a region
            visible = visible & (Organisation.province == scope.province)
            if scope.city:
                visible = visible & (Organisation.city == scope.city)
        levels = ["enterprise"]
    else:
        visible = Organisation.province == scope.province
        if scope.city:
            visible = visible & (Organisation.city == scope.city)
        levels = ["industry", "enterprise"]
    query = counted_results(visible if visible is not None else true()).add_columns(
        Organisation.code, Organisation.industry, FacilityResult.year, FacilityResult.energy_tce,
        FacilityResult.combustion_tco2e, FacilityResult.process_tco2e, FacilityResult.purchased_electricity_tco2e,
        FacilityResult.purchased_heat_tco2e, FacilityResult.exported_tco2e, FacilityResult.products,
        FacilityResult.facility_id, FacilityResult.period).where(FacilityResult.year.in_(list(years)))
    records: list[Record] = []
    warnings: list[Finding] = []
    at = Locator(code_prefix="pathways.stored.")
    for (code, industry, year, energy, combustion, process, electricity, heat, exported, products,
         facility_id, period) in session.execute(query):
        emitted = {"combustion": combustion, "process": process, "electricity": electricity, "heat": heat,
                   "exported": -abs(exported or 0.0)}
        made = product_shares(products)
        if scope.kind == "enterprise":
            if not made:
                warnings.append(at.finding("no_product", "products", period, f"facility {facility_id} {period}: no "
                                           "product output; left out", f"设施 {facility_id} {period} 没有产品产量，未计入",
                                           "record the output with the activity data", "请在活动数据中填写产品产量",
                                           row=None, severity="warning"))
                continue
            parts: list[tuple[tuple[str, ...], float, float]] = [((m.product,), m.quantity, m.share) for m in made]
        else:
            output = sum(m.quantity for m in made)
            path: tuple[str, ...] = ((str(code),) if scope.kind == "industry"
                                     else (str(industry or ""), str(code)))
            parts = [(path, output, 1.0)]
        for path, quantity, share in parts:
            records.append(Record(path, int(year), quantity, float(energy or 0.0) * share, 0.0, "", "fuel"))
            for carrier in _CARRIERS:
                value = float(emitted[carrier] or 0.0) * share
                if value:
                    records.append(Record(path, int(year), None, 0.0, value, carrier, "fuel"))
    return records, levels, warnings


def decompose_stored(database: Any, scope: Scope, *, base: int, target: int, method: Method = "additive",
                     zero_value: float | None = None) -> DecompositionResult:
    """Decompose the stored, counted accounting results of an enterprise, an industry or a region.

    Emissions per term are split by carrier (combustion, process, purchased electricity, purchased
    heat, exports as negative): the carbon-intensity effect ``C_c / E`` is shown per carrier (the
    stored results keep no energy per carrier, so fuel mix and grid factor are not separated here).
    """
    with database.session() as session:
        records, levels, warnings = _stored_records(session, scope, (base, target))
    energy_records: list[Record] = []
    carbon: dict[tuple[tuple[str, ...], int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in records:
        if r.carrier:
            carbon[(r.path, r.year)][r.carrier] += r.emissions
        else:
            energy_records.append(r)
    merged: dict[tuple[tuple[str, ...], int], list[float]] = {}
    for r in energy_records:
        pair = merged.setdefault((r.path, r.year), [0.0, 0.0])
        pair[0] += r.output or 0.0
        pair[1] += r.energy
    area = f"{scope.province}{'/' + scope.city if scope.city else ''}" if scope.province else ""
    where = f"{scope.kind}:{scope.enterprise_id or scope.industry or area}"
    if scope.kind == "industry" and area:
        where = f"{where}@{area}"
    if not merged:
        raise ValidationFailed([Locator(code_prefix="pathways.stored.").finding(
            "no_results", "scope", where, "no counted results in this scope", "该范围内没有计入的核算结果",
            "commit accounting data of both years first", "请先提交两个年份的核算数据", row=None)], 1)
    _check_years([Record(p, y, 0.0, 0.0, 0.0) for p, y in merged], base, target, where)
    result = decompose_records(
        [Record(p, y, q, e, sum(carbon[(p, y)].values())) for (p, y), (q, e) in merged.items()],
        base=base, target=target, level_names=levels, method=method, zero_value=zero_value,
        source="stored results", findings=warnings, scope={"kind": scope.kind, "id": where})
    split = _carrier_split(merged, carbon, base, target, levels, zero_value)
    aggregates = tuple(split if a.name == "emissions" else a for a in result.aggregates)
    return DecompositionResult(result.base, result.target, result.method, result.levels, aggregates,
                               result.zero_value, result.source, result.findings, result.scope)


def _carrier_split(merged: Mapping[tuple[tuple[str, ...], int], list[float]],
                   carbon: Mapping[tuple[tuple[str, ...], int], Mapping[str, float]], base: int, target: int,
                   levels: Sequence[str], zero_value: float | None) -> Aggregate:
    """Emissions as Σ_i Σ_c Q·S·I_i·(C_ic/E_i): the carbon intensity per carrier."""
    years = (base, target)
    leaves = sorted({p for p, _y in merged})

    def q(path: tuple[str, ...], year: int) -> float:
        return sum(merged.get((leaf, year), [0.0, 0.0])[0] for leaf in leaves if leaf[:len(path)] == path)

    def ratio(a: float, b: float) -> float:
        return (math.nan if a == 0 else math.inf) if b == 0 else a / b

    terms = []
    for leaf in leaves:
        common = {"activity": (q((), base), q((), target))}
        for level in range(1, len(levels) + 1):
            common[f"structure.{level}"] = (ratio(q(leaf[:level], base), q(leaf[:level - 1], base)),
                                            ratio(q(leaf[:level], target), q(leaf[:level - 1], target)))
        e = [merged.get((leaf, y), [0.0, 0.0])[1] for y in years]
        intensity = (ratio(e[0], merged.get((leaf, base), [0.0])[0]), ratio(e[1], merged.get((leaf, target), [0.0])[0]))
        for carrier in _CARRIERS:
            c = [carbon.get((leaf, y), {}).get(carrier, 0.0) for y in years]
            if c == [0.0, 0.0]:
                continue
            terms.append(Term((*leaf, carrier), {**common, "energy_intensity": intensity,
                                                 "carbon_intensity": (ratio(c[0], e[0]), ratio(c[1], e[1]))}))
    d = decompose(terms, zero_value=zero_value)
    convergence = _convergence(terms, d, levels)
    return Aggregate("emissions", "tCO2e", d.v0, d.vt, _effects(d, {}, levels, carrier_split=True), d.ratio,
                     tuple("/".join(k) for k in d.zero_terms), tuple("/".join(k) for k in d.sign_change_terms),
                     convergence)


# ------------------------------------------------------------------------------------------------ workbook

_WORDS = {
    "aggregate": N_("Aggregate"), "effect": N_("Effect"), "additive": N_("Additive effect"),
    "multiplicative": N_("Multiplicative effect (index)"), "share_of_change": N_("Share of the total change"),
    "base_value": N_("Base-year value"), "target_value": N_("Target-year value"), "base_year": N_("Base year"),
    "target_year": N_("Target year"), "delta": N_("Small value δ"),
}
_AGGREGATE_WORDS = {"emissions": N_("Emissions (tCO2e)"), "energy": N_("Energy consumption (tce)")}


def workbook_bytes(result: DecompositionResult, *, locale: str = "zh-CN") -> bytes:
    """The decomposition workbook: effects (both forms), totals and the zero-value convergence."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    write_sheets(book, result, locale=locale)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_sheets(book: Any, result: DecompositionResult, *, locale: str = "zh-CN") -> None:
    """The decomposition's sheets, added to a write-only workbook (the region's workbook adds more)."""
    from greenmfg.exports import (
        append_row,
        column_words,
        export_translator,
        header_row,
        sheet_title,
    )

    t = export_translator(locale=locale)

    def sheet(title: str, keys: list[str], rows: list[list[Any]]) -> None:
        ws = book.create_sheet(sheet_title(title, t))
        header_row(ws, column_words(keys, t, words=_WORDS))
        for row in rows:
            append_row(ws, row)

    rows: list[list[Any]] = []
    for a in result.aggregates:
        for e in a.effects:
            rows.append([t.gettext(_AGGREGATE_WORDS[a.name]), t.gettext(EFFECT_WORDS.get(e.key, e.key)), e.key,
                         e.additive, e.multiplicative, e.additive / a.change if a.change else None])
        rows.append([t.gettext(_AGGREGATE_WORDS[a.name]), t.gettext(_TOTAL), "total", a.change, a.ratio,
                     1.0 if a.change else None])
    sheet(N_("LMDI effects"), ["aggregate", "effect", "key", "additive", "multiplicative",
                                          "share_of_change"], rows)
    sheet(N_("Totals"), ["aggregate", "base_year", "base_value", "target_year", "target_value"],
          [[t.gettext(_AGGREGATE_WORDS[a.name]), result.base, a.base_value, result.target, a.target_value]
           for a in result.aggregates])
    convergence = [[t.gettext(_AGGREGATE_WORDS[a.name]), "limit" if d is None else d,
                    t.gettext(EFFECT_WORDS.get(k, k)), v]
                   for a in result.aggregates for d, values in a.convergence for k, v in values.items()]
    if convergence:
        sheet(N_("Zero values, convergence"), ["aggregate", "delta", "effect", "value"], convergence)
    sheet(N_("Warnings"), ["code", "message"],
          [[f.code, f.message_zh if locale.startswith("zh") else f.message] for f in result.findings])
