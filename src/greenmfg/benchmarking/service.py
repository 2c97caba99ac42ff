"""The benchmarking service: an accounting run + definitions + levels + limits → classified products.

For every product of every facility and period of an :class:`~greenmfg.accounting.service.AccountingRun`:

1. select the indicator variant (facility attributes, else what the activity data show, else
   the product's default variant, each said in a warning);
2. compute the indicator value over the facility boundary (energy [tce] or net electricity
   [MWh] per unit of output, converted to the indicator unit), or say why it cannot be;
3. read the benchmark and baseline levels of the selected edition (default: the newest edition
   that has a value for the indicator) and the grade limits of the linked quota standard,
   corrected with the facility's attributes;
4. classify, grade, and compute gaps and savings with :mod:`greenmfg.calc.benchmarking`;
5. for an iron and steel works whose processes are facilities of one enterprise, the works'
   energy per tonne of crude steel, its process-weighted levels, grade and savings
   (:mod:`greenmfg.benchmarking.works`, kept in ``BenchmarkRun.works``).

Every level, limit and correction parameter used that is not ``verified``/``definitional``, and
every missing value, is named in a warning on the result.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from greenmfg.accounting.service import AccountingRun
from greenmfg.benchmarking.attributes import FacilityAttributes, read_attributes
from greenmfg.benchmarking.corrections import apply_corrections
from greenmfg.benchmarking.definitions import (
    AttributeValue,
    Condition,
    Definitions,
    FacilityContext,
    IndicatorDefinition,
    load_definitions,
    when_words,
)
from greenmfg.benchmarking.models import Finding, LevelUsed, ProductBenchmark
from greenmfg.benchmarking.works import works_results
from greenmfg.calc import benchmarking as calc
from greenmfg.errors import GreenmfgError
from greenmfg.refdata.catalog import Catalog, Dataset, ParameterRow
from greenmfg.refdata.words import key_name
from greenmfg.units import conversion_factor

__all__ = ["BenchmarkOptions", "BenchmarkRun", "benchmark", "benchmark_editions", "resolve_edition", "select_variant"]

_KEY = tuple[str, str, str]  # enterprise_id, facility_id, period


@dataclass(frozen=True)
class BenchmarkOptions:
    """Which edition of the benchmark levels to use, and the facility attributes file."""

    #: "2021", "2023" (or a dataset id such as "benchmarks/ndrc-2021"); None: for each
    #: indicator the newest edition that has a value for it
    edition: str | None = None
    attributes: Path | None = None


@dataclass
class BenchmarkRun:
    """Benchmark results of an accounting run, with what produced them."""

    accounting: AccountingRun
    options: BenchmarkOptions
    definitions: Definitions
    editions: dict[str, str]
    results: list[ProductBenchmark]
    attributes: FacilityAttributes | None = None
    datasets: list[str] = field(default_factory=list)
    #: crude steel of iron and steel works reported as process units (facility_id ``*``), apart
    #: from ``results`` so that sums over facilities count no energy twice
    works: list[ProductBenchmark] = field(default_factory=list)

    def by_product(self) -> dict[tuple[str, str, str, str], ProductBenchmark]:
        return {(r.enterprise_id, r.facility_id, r.period, r.product): r for r in self.results}

    def provenance(self) -> dict[str, Any]:
        catalog = self.accounting.catalog
        return {
            "edition_option": self.options.edition or "newest edition covering each indicator",
            "editions": dict(self.editions),
            "datasets": [{"id": i, "edition": catalog.dataset(i).info.edition, "title": catalog.dataset(i).info.title,
                          "sha256": catalog.dataset(i).info.sha256} for i in self.datasets],
            "attributes_input": None if self.attributes is None else {
                "file": self.attributes.file, "sha256": self.attributes.sha256},
        }


def _edition_label(edition: str) -> tuple[str, int]:
    """("2021", revision) of a benchmarks edition name: ``ndrc-2021`` is revision 1, ``ndrc-2021-r2`` revision 2."""
    match = re.search(r"(\d{4})(?:-r(\d+))?$", edition)
    if not match:
        return edition, 1
    return match.group(1), int(match.group(2) or 1)


def benchmark_editions(catalog: Catalog) -> dict[str, str]:
    """Edition label ("2021") → benchmarks dataset id, oldest first.

    A corrected transcription of the same document is a new dataset edition (``ndrc-2021-r2``);
    for each label the highest revision is used. Superseded revisions stay in the catalog and can
    still be chosen by dataset id (see :func:`resolve_edition`).
    """
    best: dict[str, tuple[int, str]] = {}
    for dataset in catalog.family("benchmarks"):
        label, revision = _edition_label(dataset.info.edition)
        if label not in best or revision > best[label][0]:
            best[label] = (revision, dataset.id)
    return {label: dataset_id for label, (_, dataset_id) in sorted(best.items())}


def resolve_edition(option: str | None, editions: Mapping[str, str]) -> str | None:
    """The edition label an ``--edition`` option names (label or dataset id); None for the default.

    Raises
    ------
    GreenmfgError
        The edition is unknown (the message lists the known ones).
    """
    if option is None:
        return None
    for label, dataset_id in editions.items():
        if option in (label, dataset_id):
            return label
    allowed = ", ".join(editions)
    raise GreenmfgError(f"unknown benchmark edition '{option}' / 未知的标杆基准版本: choose one of {allowed}")


def select_variant(candidates: Sequence[IndicatorDefinition], context: FacilityContext
                   ) -> tuple[IndicatorDefinition | None, str, tuple[Condition, ...]]:
    """The indicator variant for one facility-period product, and how it was chosen.

    Returns
    -------
    (definition, selection, conditions)
        ``selection`` is ``single`` (the product has one unconditional indicator),
        ``attributes`` (the first condition set of a variant holds on the facility's attributes
        alone), ``inferred`` (a condition set holds using the activity data or a partial set of
        attributes), ``assumed`` (the product's default variant), ``undetermined`` (no variant
        holds and there is no default) or ``none`` (no indicator for the product).
    """
    if not candidates:
        return None, "none", ()
    if len(candidates) == 1 and not candidates[0].when:
        return candidates[0], "single", ()
    for definition in candidates:
        first = definition.when[0] if definition.when else ()
        if first and all(c.kind == "attribute" for c in first) and all(c.holds(context) for c in first):
            return definition, "attributes", first
    for definition in candidates:
        for alternative in definition.when:
            if all(c.holds(context) for c in alternative):
                return definition, "inferred", alternative
    for definition in candidates:
        if definition.default:
            return definition, "assumed", ()
    return None, "undetermined", ()


def _status_warning(code: str, row: ParameterRow, what: str, what_zh: str) -> Finding:
    return Finding(code=code, ref=row.reference(),
                   message=f"{what} {row.reference()} = {row.value} {row.unit} has status "
                           f"'{row.verification_status}' (not verified against the primary text); source: {row.source}",
                   message_zh=f"{what_zh} {row.reference()} = {row.value} {row.unit} 未经原文核实"
                              f"（状态：{row.verification_status}）")


def _quota_label(dataset: Dataset) -> str:
    match = re.fullmatch(r"gb(\d+)-(\d{4})", dataset.info.edition)
    return f"GB {match.group(1)}-{match.group(2)}" if match else dataset.info.edition


class _Levels:
    """Benchmark and baseline levels of one indicator in the selected edition."""

    def __init__(self, catalog: Catalog, editions: Mapping[str, str], edition: str | None) -> None:
        self.catalog = catalog
        self.editions = editions
        self.edition = edition

    def find(self, key: str) -> tuple[str | None, ParameterRow | None, ParameterRow | None]:
        """(edition label, benchmark row, baseline row); rows None when the edition lacks them."""
        labels = [self.edition] if self.edition else sorted(self.editions, reverse=True)
        fallback: tuple[str | None, ParameterRow | None, ParameterRow | None] = (
            labels[0] if self.edition else None, None, None)
        for label in labels:
            assert label is not None
            dataset = self.catalog.dataset(self.editions[label])
            bench, base = dataset.get(key, "benchmark_level"), dataset.get(key, "baseline_level")
            if bench is None and base is None:
                continue
            if (bench is not None and bench.value is not None) or (base is not None and base.value is not None):
                return label, bench, base
            if fallback[1] is None and fallback[2] is None:
                # with no edition chosen, none is named: the warning lists the editions searched
                fallback = (label if self.edition else None, bench, base)
        return fallback


def _context_tables(run: AccountingRun, definitions: Definitions) -> tuple[
        dict[_KEY, dict[str, Any]], dict[_KEY, set[tuple[str, str]]]]:
    # each query's SQL is compiled once per process (the run's planner)
    # the lines' view is made first: a plan from the cache reads it by name
    planner, lines = run.planner, run.lines
    energy = {
        (e["enterprise_id"], e["facility_id"], e["period"]): e
        for e in planner.arrow("benchmark_energy", lambda: calc.facility_energy(lines)).to_pylist()
    }
    # the numerator is the accounting's own total (exact decimal sum), not a second sum
    for t in planner.arrow("benchmark_totals", lambda: run.totals.select(
            "enterprise_id", "facility_id", "period", "energy_tce")).to_pylist():
        energy.setdefault((t["enterprise_id"], t["facility_id"], t["period"]), {})["total_energy_tce"] = t["energy_tce"]
    inputs: dict[_KEY, set[tuple[str, str]]] = defaultdict(set)
    items = definitions.input_items()
    if items:
        # (the items are written into the SQL: part of its key)
        for i in planner.arrow(("benchmark_inputs", tuple(items)),
                               lambda: calc.facility_inputs(lines, items)).to_pylist():
            inputs[(i["enterprise_id"], i["facility_id"], i["period"])].add((i["item"], i["flow"]))
    return energy, inputs


@dataclass
class _Row:
    """Working state of one product while it is being benchmarked."""

    result: ProductBenchmark
    definition: IndicatorDefinition | None = None
    numerator: float | None = None
    factor: float | None = None
    tce_per_unit: float | None = None
    energy_tce: float | None = None  # the facility's comprehensive energy [tce] (accounting total)
    energy_lines_tce: float | None = None  # energy of its energy-carrier lines [tce]
    emissions_tco2e: float | None = None  # energy-related emissions [tCO2e]
    computable: bool = True


def benchmark(run: AccountingRun, options: BenchmarkOptions | None = None, *,
              definitions: Definitions | None = None) -> BenchmarkRun:
    """Benchmark every product of an accounting run.

    Raises
    ------
    GreenmfgError
        The edition is unknown.
    InputError, ValidationFailed
        The facility-attributes file cannot be read or has bad rows (located issues).
    DatasetError
        The definitions or a linked dataset are malformed.
    """
    options = options or BenchmarkOptions()
    catalog, vocabulary = run.catalog, run.vocabulary
    definitions = definitions or load_definitions(catalog, vocabulary)
    editions = benchmark_editions(catalog)
    if (options.edition and options.edition in catalog and options.edition not in editions.values()
            and catalog.dataset(options.edition).info.family == "benchmarks"):
        # a superseded revision named by its dataset id is used for its edition year
        label, _ = _edition_label(catalog.dataset(options.edition).info.edition)
        editions = {**editions, label: options.edition}
    edition = resolve_edition(options.edition, editions)
    facilities = {(t["enterprise_id"], t["facility_id"]) for t in run.planner.arrow(
        "benchmark_facilities", lambda: run.totals.select("enterprise_id", "facility_id").distinct()).to_pylist()}
    attributes = (read_attributes(options.attributes, definitions, facilities)
                  if options.attributes is not None else None)
    energy, inputs = _context_tables(run, definitions)
    products = run.planner.arrow("benchmark_products", lambda: run.products.select(
        "enterprise_id", "facility_id", "period", "product", "quantity", "unit").order_by(
        ["enterprise_id", "facility_id", "period", "product"])).to_pylist()
    outputs: dict[_KEY, dict[str, float]] = defaultdict(dict)
    for p in products:
        outputs[(p["enterprise_id"], p["facility_id"], p["period"])][p["product"]] = p["quantity"]
    levels = _Levels(catalog, editions, edition)
    used_datasets: set[str] = {definitions.indicators_dataset, definitions.attributes_dataset}
    converters = _converters_of_works(outputs, inputs, attributes)

    rows: list[_Row] = []
    for p in products:
        key: _KEY = (p["enterprise_id"], p["facility_id"], p["period"])
        given = dict(attributes.of(key[0], key[1])) if attributes else {}
        inferred_route = key in converters and "steel_route" not in given and p["product"] == "crude_steel"
        if inferred_route:
            given["steel_route"] = "bof"
        context = FacilityContext(given, frozenset(inputs.get(key, set())), frozenset(outputs[key]))
        result = ProductBenchmark(enterprise_id=key[0], facility_id=key[1], period=key[2], product=p["product"],
                                  output=p["quantity"], output_unit=p["unit"])
        if inferred_route:
            result.warnings.append(Finding(
                "benchmarking.attribute.inferred", "steel_route",
                "steel_route = bof taken: the facility makes crude steel without EAF electrodes and the enterprise has "
                "a blast furnace reported as a facility of its own in this period; give the attribute to override",
                "按转炉工序（steel_route = bof）处理：该设施产粗钢、无电极投入，且本企业本期有单独报送的高炉；"
                "可通过设施属性给定"))
        row = _Row(result)
        rows.append(row)
        candidates = definitions.for_product(p["product"])
        definition, selection, conditions = select_variant(candidates, context)
        result.selection = selection
        if definition is None:
            _no_indicator(result, candidates, selection, vocabulary.items[p["product"]].name_zh, definitions)
            row.computable = False
            continue
        row.definition = definition
        _describe(result, definition, selection, conditions)
        facility = energy.get(key, {})
        row.energy_tce = facility.get("total_energy_tce")
        row.energy_lines_tce, row.emissions_tco2e = facility.get("energy_tce"), facility.get("energy_co2e_t")
        _value_inputs(row, definition, context, facility, p)
        _levels(result, definition, levels, catalog, used_datasets)
        _quota(result, definition, catalog, given, outputs[key], used_datasets)

    _compute(rows)
    used_datasets |= {ref.split(":", 1)[0] for r in rows if r.definition for ref in r.definition.corrections}
    results = [r.result for r in rows]
    return BenchmarkRun(accounting=run, options=options, definitions=definitions, editions=editions,
                        results=results, attributes=attributes, datasets=sorted(used_datasets),
                        works=works_results(results, energy))


_WORKS_PRODUCTS = frozenset({"pig_iron", "sinter", "pellet", "coke"})


def _converters_of_works(outputs: Mapping[_KEY, Mapping[str, float]], inputs: Mapping[_KEY, set[tuple[str, str]]],
                         attributes: FacilityAttributes | None) -> set[_KEY]:
    """Facilities taken as converter shops: crude steel without electrodes beside a blast furnace.

    In an enterprise and period with a blast-furnace facility (pig iron its only product, or
    ``steel_route=bf``), a facility whose products include crude steel but none of pig iron,
    sinter, pellets or coke, with no electrode input and no ``steel_route`` given, is the
    converter shop (BF-BOF route): only an EAF consumes electrodes.
    """
    def route(key: _KEY) -> AttributeValue | None:
        return dict(attributes.of(key[0], key[1])).get("steel_route") if attributes else None

    with_bf = {(k[0], k[2]) for k, made in outputs.items() if set(made) == {"pig_iron"} or route(k) == "bf"}
    return {k for k, made in outputs.items()
            if (k[0], k[2]) in with_bf and "crude_steel" in made and not set(made) & _WORKS_PRODUCTS
            and ("electrode", "process") not in inputs.get(k, set()) and route(k) is None}


def _no_indicator(result: ProductBenchmark, candidates: Sequence[IndicatorDefinition], selection: str,
                  name_zh: str, definitions: Definitions) -> None:
    if selection == "none":
        result.warnings.append(Finding(
            "benchmarking.product.no_indicator", result.product,
            f"no benchmark/baseline level or quota indicator is defined for {result.product} "
            f"(see {definitions.indicators_dataset})",
            f"未定义 {name_zh}（{result.product}）的能效标杆/基准水平或能耗限额指标"))
        return
    needed = sorted({c.name for d in candidates for a in d.when for c in a if c.kind == "attribute"})
    variants = "; ".join(f"{d.key} ({when_words(d, definitions, zh=False)})" for d in candidates)
    result.warnings.append(Finding(
        "benchmarking.variant.undetermined", result.product,
        f"the indicator of {result.product} depends on its variant and none can be selected: give the "
        f"facility attribute(s) {', '.join(needed)} (variants: {variants})",
        f"{name_zh} 的指标取决于类别，无法判定：请提供设施属性 {'、'.join(needed)}"))


def _describe(result: ProductBenchmark, definition: IndicatorDefinition, selection: str,
              conditions: tuple[Condition, ...]) -> None:
    result.indicator = definition.key
    result.indicator_name, result.indicator_name_zh = definition.name_en, definition.name_zh
    result.variant, result.variant_zh = definition.variant_en, definition.variant_zh
    result.unit = definition.unit
    result.boundary, result.boundary_rule = definition.boundary, definition.boundary_en
    result.derivation.update({
        "definition": definition.ref, "definition_source": definition.source,
        "definition_status": definition.verification_status, "basis": definition.basis,
        "conditions": " & ".join(c.text() for c in conditions),
    })
    if selection == "inferred":
        result.warnings.append(Finding(
            "benchmarking.variant.inferred", definition.ref,
            f"variant '{definition.variant_en or definition.key}' selected from the activity data "
            f"({' & '.join(c.text() for c in conditions)}): {definition.assumption_en or 'no facility attribute given'}",
            f"类别“{definition.variant_zh or definition.key}”系根据活动数据判定："
            f"{definition.assumption_zh or '未给出设施属性'}"))
    elif selection == "assumed":
        result.warnings.append(Finding(
            "benchmarking.variant.assumed", definition.ref,
            f"variant '{definition.variant_en or definition.key}' assumed: "
            f"{definition.assumption_en or 'no condition of another variant holds'}",
            f"类别“{definition.variant_zh or definition.key}”系假定：{definition.assumption_zh or '其他类别的条件均不满足'}"))


def _value_inputs(row: _Row, definition: IndicatorDefinition, context: FacilityContext,
                  facility: Mapping[str, Any], product: Mapping[str, Any]) -> None:
    """Numerator, unit factors and the boundary warnings of one product."""
    result = row.result
    unit = f"({product['unit']})"
    others = sorted(context.products - {definition.product} - definition.includes_products)
    # the other products by name, as a reader of the warning knows them (a key such as ``urea`` is no word)
    others_en = ", ".join(key_name(p, zh=False) for p in others)
    others_zh = "、".join(key_name(p, zh=True) for p in others)
    if definition.boundary == "not_computable":
        row.computable = False
        result.warnings.append(Finding("benchmarking.boundary.not_computable", definition.ref,
                                       definition.boundary_en, definition.boundary_zh))
    elif others and definition.coproducts == "not_computable":
        row.computable = False
        result.warnings.append(Finding(
            "benchmarking.boundary.not_computable", definition.ref,
            f"the facility also produces {others_en}: the energy of {key_name(definition.product, zh=False)} alone cannot be "
            "separated from these activity data, so the indicator is not computed; report its plant as a facility "
            "of its own", f"该设施还生产 {others_zh}：无法从活动数据中拆分该产品的能耗，不计算该指标；"
                          "请将该装置作为单独设施报送"))
    elif others:
        result.warnings.append(Finding(
            "benchmarking.boundary.upper_bound", definition.ref,
            f"the facility also produces {others_en}, whose energy lies outside the indicator but cannot be "
            "separated from these activity data: the value uses the whole facility and overstates the indicator "
            "(a 'benchmark' class holds; a worse class may be due to the other products)",
            f"该设施还生产 {others_zh}，其能耗不属于指标边界但无法拆分：按全设施计算，数值偏高"
            "（判为标杆仍成立；较差的分类可能源于其他产品）"))
    if definition.boundary == "facility_approximate":
        result.warnings.append(Finding("benchmarking.boundary.approximate", definition.ref,
                                       definition.boundary_en, definition.boundary_zh))
    if definition.basis == "energy":
        row.numerator = row.energy_tce
        row.factor = conversion_factor(f"tce/{unit}", definition.unit)
        row.tce_per_unit = conversion_factor(definition.unit, f"tce/{unit}")
        result.derivation.update({"numerator": {"energy_tce": row.energy_tce},
                                  "formula": f"value = energy_tce / output × {row.factor:g} [{definition.unit}]"})
    else:
        mwh, tce = facility.get("electricity_mwh"), facility.get("electricity_tce")
        row.numerator = mwh
        row.factor = conversion_factor(f"MWh/{unit}", definition.unit)
        coefficient = tce / mwh if (mwh and tce is not None and mwh > 0) else None
        row.tce_per_unit = (conversion_factor(definition.unit, f"MWh/{unit}") * coefficient
                            if coefficient is not None else None)
        result.derivation.update({
            "numerator": {"electricity_mwh": mwh, "electricity_tce": tce},
            "formula": f"value = net electricity [MWh] / output × {row.factor:g} [{definition.unit}]",
            "electricity_tce_per_mwh": coefficient,
        })
        if row.computable and not mwh:
            result.warnings.append(Finding(
                "benchmarking.value.missing", f"{result.facility_id}.electricity",
                "the facility reports no net electricity in this period: the indicator cannot be computed",
                "该设施本期无净用电量，无法计算该指标"))
    result.derivation["output"] = {"quantity": product["quantity"], "unit": product["unit"]}
    if row.computable and not (product["quantity"] and product["quantity"] > 0):
        result.warnings.append(Finding(
            "benchmarking.value.missing", f"{result.facility_id}.{result.product}",
            "the output is zero: no unit consumption", "产量为零，无法计算单位产品能耗"))


def _levels(result: ProductBenchmark, definition: IndicatorDefinition, levels: _Levels, catalog: Catalog,
            used: set[str]) -> None:
    if not definition.benchmark_key:
        if definition.boundary == "not_computable":
            return  # the boundary warning already says why there is no class
        result.warnings.append(Finding(
            "benchmarking.level.none", definition.ref,
            f"no benchmark/baseline level is encoded for {definition.key} in any edition "
            f"({', '.join(levels.editions)}): no class", f"各版本均未收录 {definition.key} 的标杆/基准水平：不分类"))
        return
    label, bench, base = levels.find(definition.benchmark_key)
    result.edition = label
    for name, name_zh, row in (("benchmark_level", "标杆水平", bench), ("baseline_level", "基准水平", base)):
        if row is None or row.value is None:
            where = f"edition {label}" if label else f"editions {', '.join(levels.editions)}"
            status = f" (status {row.verification_status})" if row is not None else " (not listed)"
            result.warnings.append(Finding(
                "benchmarking.level.missing", row.reference() if row else f"{definition.benchmark_key}.{name}",
                f"{name} of {definition.benchmark_key} has no value in {where}{status}: no class",
                f"{where} 中无 {definition.benchmark_key} 的{name_zh}{status}：不分类"))
            if row is not None:
                used.add(row.dataset_id)
            continue
        used.add(row.dataset_id)
        value = row.value * conversion_factor(row.unit, definition.unit)
        setattr(result, name, value)
        result.levels.append(LevelUsed(name, value, definition.unit, row.reference(),
                                       catalog.dataset(row.dataset_id).info.edition, row.verification_status,
                                       row.source))
        if row.needs_warning:
            result.warnings.append(_status_warning("benchmarking.level.unverified", row, name, name_zh))


def _quota(result: ProductBenchmark, definition: IndicatorDefinition, catalog: Catalog,
           given: Mapping[str, AttributeValue], outputs: Mapping[str, float], used: set[str]) -> None:
    if not definition.quota_dataset:
        if definition.uncorrected_en:
            result.warnings.append(Finding("benchmarking.quota.none", definition.ref,
                                           definition.uncorrected_en, definition.uncorrected_zh))
        return
    dataset = catalog.dataset(definition.quota_dataset)
    used.add(dataset.id)
    result.quota_standard, result.quota_dataset = _quota_label(dataset), dataset.id
    base: dict[int, float | None] = {}
    for grade in (1, 2, 3):
        row = dataset.get(definition.quota_key, f"grade_{grade}")
        if row is None:
            base[grade] = None
            continue
        value = None if row.value is None else row.value * conversion_factor(row.unit, definition.unit)
        base[grade] = value
        result.levels.append(LevelUsed(f"grade_{grade}", value, definition.unit, row.reference(),
                                       dataset.info.edition, row.verification_status, row.source))
        if row.value is None:
            dash = "'—' in the standard as transcribed" if "—" in row.notes else "value not found"
            result.warnings.append(Finding(
                "benchmarking.quota.no_limit", row.reference(),
                f"grade {grade} of {result.quota_standard} has no limit for {definition.quota_key} ({dash}; "
                f"status {row.verification_status}): the grade is skipped",
                f"{result.quota_standard} 中 {definition.quota_key} 无 {grade} 级限额（状态 {row.verification_status}），"
                "该等级不评"))
        elif row.needs_warning:
            result.warnings.append(_status_warning("benchmarking.quota.unverified", row, f"grade-{grade} limit",
                                                   f"{grade} 级限额"))
    attributes = dict(given)
    if ("quota_corrections/gb16780-2021:clinker_ratio" in definition.corrections
            and "clinker_ratio_pct" not in attributes and outputs.get("cement", 0) > 0 and "clinker" in outputs):
        ratio = 100.0 * outputs["clinker"] / outputs["cement"]
        if 0 < ratio <= 100:
            attributes["clinker_ratio_pct"] = ratio
            result.warnings.append(Finding(
                "benchmarking.attribute.inferred", "clinker_ratio_pct",
                f"clinker_ratio_pct = {ratio:.4g} % taken as clinker ÷ cement output of the facility (assumes all its "
                "clinker is ground on site and none is bought); give the attribute to override",
                f"熟料配比按设施熟料产量 ÷ 水泥产量取 {ratio:.4g}%（假定熟料全部自用、无外购）；可通过设施属性给定"))
    corrected = apply_corrections(base, definition.corrections, catalog, attributes)
    result.quota_limits_base, result.quota_limits = base, corrected.limits
    result.corrections = [c.as_dict() for c in corrected.applied]
    for row in {r.reference(): r for r in corrected.rows}.values():
        if row.needs_warning:
            result.warnings.append(_status_warning("benchmarking.correction.unverified", row,
                                                   "correction parameter", "限额修正参数"))
    if corrected.not_applied:
        listed = "; ".join(f"{title}: {reason}" for _ref, title, _z, reason, _rz in corrected.not_applied)
        listed_zh = "；".join(f"{title_zh}：{reason_zh}" for _ref, _t, title_zh, _r, reason_zh in corrected.not_applied)
        result.warnings.append(Finding("benchmarking.correction.not_applied", definition.ref,
                                       f"quota limits not corrected for {listed}", f"限额未修正：{listed_zh}"))
    if definition.uncorrected_en:
        result.warnings.append(Finding("benchmarking.correction.not_encoded", definition.ref,
                                       definition.uncorrected_en, definition.uncorrected_zh))


def _compute(rows: Sequence[_Row]) -> None:
    """Values, classes, gaps, savings and grades of all rows at once (array arithmetic)."""
    def column(get: Any) -> np.ndarray:
        return np.array([np.nan if (v := get(r)) is None else float(v) for r in rows], dtype=np.float64)

    computable = np.array([r.computable for r in rows], dtype=bool)
    values = calc.indicator_values(column(lambda r: r.numerator), column(lambda r: r.result.output),
                                   column(lambda r: r.factor))
    values = np.where(computable, values, np.nan)
    bench = column(lambda r: r.result.benchmark_level)
    base = column(lambda r: r.result.baseline_level)
    output = column(lambda r: r.result.output)
    tce_per_unit = column(lambda r: r.tce_per_unit)
    energy, emissions = column(lambda r: r.energy_lines_tce), column(lambda r: r.emissions_tco2e)
    classes = calc.classify(values, bench, base)
    gap_bench, gap_base = calc.gaps(values, bench), calc.gaps(values, base)
    save_bench = calc.savings(values, bench, output, tce_per_unit)
    save_base = calc.savings(values, base, output, tce_per_unit)
    co2_bench = calc.co2_savings(save_bench, emissions, energy)
    co2_base = calc.co2_savings(save_base, emissions, energy)
    grades = calc.quota_grades(values, column(lambda r: r.result.quota_limits.get(1)),
                               column(lambda r: r.result.quota_limits.get(2)),
                               column(lambda r: r.result.quota_limits.get(3)))

    def number(array: np.ndarray, i: int) -> float | None:
        return None if np.isnan(array[i]) else float(array[i])

    for i, row in enumerate(rows):
        result = row.result
        result.value = number(values, i)
        result.cls = classes[i]
        result.gap_to_benchmark, result.gap_to_baseline = number(gap_bench, i), number(gap_base, i)
        result.savings_to_benchmark_tce, result.savings_to_baseline_tce = number(save_bench, i), number(save_base, i)
        result.savings_to_benchmark_tco2, result.savings_to_baseline_tco2 = number(co2_bench, i), number(co2_base, i)
        result.quota_grade = grades[i]
        if row.definition is not None:
            result.derivation["tce_per_unit"] = row.tce_per_unit
            # energy-related emissions per tce (calc.benchmarking.facility_energy)
            lines_tce = row.energy_lines_tce
            result.derivation["tco2e_per_tce"] = (row.emissions_tco2e / lines_tce
                                                  if lines_tce and row.emissions_tco2e is not None
                                                  and lines_tce > 0 else None)
