"""Benchmarking definitions read from the reference library: indicators and facility attributes.

An *indicator* row (dataset ``indicators/…``) says, for one product and one variant (EAF band,
oven type, feedstock …), what is measured (name, unit, basis), over which boundary, when the
variant applies, and which benchmark levels, quota limits and corrections belong to it. A
*facility attribute* (dataset ``facility_attributes/…``) is a property a user may state per
facility to select a variant or correct a quota limit.

Variant conditions (column ``when``): alternatives separated by ``|``, each a conjunction of
conditions separated by ``&``:

- ``attribute=value``, ``attribute>n``, ``attribute>=n``, ``attribute<n``, ``attribute<=n``: a
  facility attribute;
- ``item:flow``: the facility reports the item with that flow in the period (e.g.
  ``electrode:process``, ``natural_gas:feedstock``);
- ``products=item``: the item is the only product of the facility in the period.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from greenmfg.errors import DatasetError, UnitError
from greenmfg.refdata.catalog import Catalog, load_catalog
from greenmfg.refdata.vocabulary import FLOWS, Names, Vocabulary, load_vocabulary
from greenmfg.refdata.words import key_name
from greenmfg.units import parse_unit

__all__ = [
    "ATTRIBUTES_DATASET",
    "default_definitions",
    "INDICATORS_DATASET",
    "AttributeDefinition",
    "Condition",
    "Definitions",
    "FacilityContext",
    "IndicatorDefinition",
    "load_definitions",
    "when_words",
]

INDICATORS_DATASET = "indicators/greenmfg-2026.1"
ATTRIBUTES_DATASET = "facility_attributes/greenmfg-2026.1"
BASES = frozenset({"energy", "electricity"})
BOUNDARIES = frozenset({"facility", "facility_approximate", "not_computable"})
COPRODUCTS = frozenset({"upper_bound", "not_computable"})
_OPERATORS: Mapping[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "=": operator.eq,
}
_ATTRIBUTE_CONDITION = re.compile(r"^([a-z][a-z0-9_]*)\s*(<=|>=|<|>|=)\s*(\S+)$")

AttributeValue = float | str


@dataclass(frozen=True, slots=True)
class AttributeDefinition:
    """A facility attribute: number (with unit and range) or choice (with Chinese names)."""

    key: str
    name_zh: str
    name_en: str
    type: Literal["number", "choice"]
    unit: str
    choices: tuple[str, ...]
    choice_names_zh: tuple[str, ...]
    minimum: float | None
    maximum: float | None
    source: str


@dataclass(frozen=True, slots=True)
class FacilityContext:
    """What variant conditions look at for one facility and period."""

    attributes: Mapping[str, AttributeValue]
    inputs: frozenset[tuple[str, str]]
    products: frozenset[str]


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition of a variant (see the module docstring)."""

    kind: Literal["attribute", "input", "products"]
    name: str
    op: str = "="
    value: str = ""

    def text(self) -> str:
        if self.kind == "input":
            return f"{self.name}:{self.value}"
        if self.kind == "products":
            return f"products={self.name}"
        return f"{self.name}{self.op}{self.value}"

    def holds(self, context: FacilityContext) -> bool:
        if self.kind == "input":
            return (self.name, self.value) in context.inputs
        if self.kind == "products":
            return context.products == frozenset({self.name})
        given = context.attributes.get(self.name)
        if given is None:
            return False
        if isinstance(given, str):
            return self.op == "=" and given == self.value
        return _OPERATORS[self.op](given, float(self.value))


@dataclass(frozen=True, slots=True)
class IndicatorDefinition:
    """One indicator variant (one row of the indicators dataset)."""

    key: str
    product: str
    name_zh: str
    name_en: str
    variant_zh: str
    variant_en: str
    unit: str
    basis: Literal["energy", "electricity"]
    boundary: Literal["facility", "facility_approximate", "not_computable"]
    boundary_en: str
    boundary_zh: str
    coproducts: Literal["upper_bound", "not_computable"]
    includes_products: frozenset[str]
    when: tuple[tuple[Condition, ...], ...]
    default: bool
    assumption_en: str
    assumption_zh: str
    benchmark_key: str
    quota_dataset: str
    quota_key: str
    corrections: tuple[str, ...]
    uncorrected_en: str
    uncorrected_zh: str
    source: str
    verification_status: str
    dataset_id: str

    @property
    def ref(self) -> str:
        """Citation of the definition: ``indicators/<edition>:<key>``."""
        return f"{self.dataset_id}:{self.key}"

    def when_text(self) -> str:
        return " | ".join(" & ".join(c.text() for c in alternative) for alternative in self.when)


@dataclass(frozen=True)
class Definitions:
    """Indicators by product (in file order) and facility attributes by key."""

    indicators: tuple[IndicatorDefinition, ...]
    attributes: Mapping[str, AttributeDefinition]
    attribute_names: Names
    indicators_dataset: str
    attributes_dataset: str

    def for_product(self, product: str) -> list[IndicatorDefinition]:
        return [d for d in self.indicators if d.product == product]

    def indicator(self, key: str) -> IndicatorDefinition:
        return next(d for d in self.indicators if d.key == key)

    def input_items(self) -> list[str]:
        """Items named by ``item:flow`` conditions (the only inputs variant selection looks at)."""
        return sorted({c.name for d in self.indicators for a in d.when for c in a if c.kind == "input"})


def _number(text: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise DatasetError(f"{where}: '{text}' is not a number") from None


def _attributes(catalog: Catalog, dataset_id: str) -> dict[str, AttributeDefinition]:
    out: dict[str, AttributeDefinition] = {}
    for line, r in enumerate(catalog.dataset(dataset_id).records, start=2):
        where = f"{dataset_id} line {line}"
        kind = r.get("type", "")
        if kind not in ("number", "choice"):
            raise DatasetError(f"{where}: type must be number or choice, not '{kind}'")
        choices = tuple(c for c in (r.get("choices") or "").split("|") if c)
        names_zh = tuple(c for c in (r.get("choice_names_zh") or "").split("|") if c)
        if kind == "choice" and (not choices or len(names_zh) != len(choices)):
            raise DatasetError(f"{where}: a choice attribute needs choices and as many choice_names_zh")
        if kind == "number":
            try:
                parse_unit(r.get("unit") or "1")
            except UnitError as exc:
                raise DatasetError(f"{where}: {exc}") from None
        out[r["key"]] = AttributeDefinition(
            key=r["key"], name_zh=r["name_zh"], name_en=r["name_en"], type=kind,  # type: ignore[arg-type]
            unit=r.get("unit", ""), choices=choices, choice_names_zh=names_zh,
            minimum=_number(r.get("minimum", ""), where), maximum=_number(r.get("maximum", ""), where),
            source=r["source"],
        )
    return out


def _condition(text: str, where: str, attributes: Mapping[str, AttributeDefinition],
               vocabulary: Vocabulary) -> Condition:
    text = text.strip()
    if text.startswith("products="):
        item = text.removeprefix("products=").strip()
        if item not in vocabulary.items:
            raise DatasetError(f"{where}: condition '{text}' names an unknown item")
        return Condition("products", item)
    if ":" in text:
        item, flow = (p.strip() for p in text.split(":", 1))
        if item not in vocabulary.items or flow not in FLOWS:
            raise DatasetError(f"{where}: condition '{text}' needs a known item and flow")
        return Condition("input", item, "=", flow)
    match = _ATTRIBUTE_CONDITION.match(text)
    if not match:
        raise DatasetError(f"{where}: cannot read the condition '{text}'")
    name, op, value = match.groups()
    attribute = attributes.get(name)
    if attribute is None:
        raise DatasetError(f"{where}: condition '{text}' names an unknown attribute")
    if attribute.type == "choice" and (op != "=" or value not in attribute.choices):
        raise DatasetError(f"{where}: condition '{text}': {name} is one of {', '.join(attribute.choices)}")
    if attribute.type == "number":
        _number(value, where)
    return Condition("attribute", name, op, value)


def _when(text: str, where: str, attributes: Mapping[str, AttributeDefinition],
          vocabulary: Vocabulary) -> tuple[tuple[Condition, ...], ...]:
    if not text.strip():
        return ()
    return tuple(
        tuple(_condition(c, where, attributes, vocabulary) for c in alternative.split("&"))
        for alternative in text.split("|")
    )


def _check_links(definition: IndicatorDefinition, catalog: Catalog, where: str) -> None:
    from greenmfg.benchmarking.corrections import CORRECTIONS  # registry of the formulas

    if definition.benchmark_key and not any(
        dataset.get(definition.benchmark_key, "benchmark_level") is not None
        for dataset in catalog.family("benchmarks")
    ):
        raise DatasetError(f"{where}: benchmark key '{definition.benchmark_key}' is in no benchmarks dataset")
    if bool(definition.quota_dataset) != bool(definition.quota_key):
        raise DatasetError(f"{where}: quota_dataset and quota_key go together")
    if definition.quota_dataset:
        quota = catalog.dataset(definition.quota_dataset)
        if quota.info.family != "quota" or quota.get(definition.quota_key, "grade_3") is None:
            raise DatasetError(f"{where}: {definition.quota_dataset} has no grades for '{definition.quota_key}'")
    for ref in definition.corrections:
        if ref not in CORRECTIONS:
            raise DatasetError(f"{where}: correction '{ref}' has no formula in greenmfg.benchmarking.corrections")
        CORRECTIONS[ref].check(catalog, ref)


@functools.cache
def _load(indicators_dataset: str, attributes_dataset: str) -> Definitions:
    return load_definitions(load_catalog(), load_vocabulary(), indicators_dataset=indicators_dataset,
                            attributes_dataset=attributes_dataset)


def default_definitions() -> Definitions:
    """The definitions of the installed reference library (loaded once)."""
    return _load(INDICATORS_DATASET, ATTRIBUTES_DATASET)


def load_definitions(catalog: Catalog, vocabulary: Vocabulary, *, indicators_dataset: str = INDICATORS_DATASET,
                     attributes_dataset: str = ATTRIBUTES_DATASET) -> Definitions:
    """Read and check the indicator and attribute definitions.

    Raises
    ------
    DatasetError
        A row names an unknown product, attribute, item, unit, benchmark key, quota dataset or
        correction, or has a bad basis, boundary or condition.
    """
    attributes = _attributes(catalog, attributes_dataset)
    indicators: list[IndicatorDefinition] = []
    for line, r in enumerate(catalog.dataset(indicators_dataset).records, start=2):
        where = f"{indicators_dataset} line {line} ({r.get('key')})"
        if r.get("product") not in vocabulary.items:
            raise DatasetError(f"{where}: unknown product '{r.get('product')}'")
        if r.get("basis") not in BASES or r.get("boundary") not in BOUNDARIES or r.get("coproducts") not in COPRODUCTS:
            raise DatasetError(f"{where}: basis, boundary or coproducts has an unknown value")
        if r.get("default") not in ("yes", "no"):
            raise DatasetError(f"{where}: default is yes or no")
        try:
            parse_unit(r["unit"])
        except UnitError as exc:
            raise DatasetError(f"{where}: {exc}") from None
        includes = frozenset(p for p in (r.get("includes_products") or "").split() if p)
        if not includes <= set(vocabulary.items):
            raise DatasetError(f"{where}: includes_products names an unknown item")
        definition = IndicatorDefinition(
            key=r["key"], product=r["product"], name_zh=r["name_zh"], name_en=r["name_en"],
            variant_zh=r.get("variant_zh", ""), variant_en=r.get("variant_en", ""), unit=r["unit"],
            basis=r["basis"], boundary=r["boundary"],  # type: ignore[arg-type]
            boundary_en=r.get("boundary_en", ""), boundary_zh=r.get("boundary_zh", ""),
            coproducts=r["coproducts"], includes_products=includes,  # type: ignore[arg-type]
            when=_when(r.get("when", ""), where, attributes, vocabulary), default=r["default"] == "yes",
            assumption_en=r.get("assumption_en", ""), assumption_zh=r.get("assumption_zh", ""),
            benchmark_key=r.get("benchmark_key", ""), quota_dataset=r.get("quota_dataset", ""),
            quota_key=r.get("quota_key", ""), corrections=tuple((r.get("corrections") or "").split()),
            uncorrected_en=r.get("uncorrected_en", ""), uncorrected_zh=r.get("uncorrected_zh", ""),
            source=r["source"], verification_status=r["verification_status"], dataset_id=indicators_dataset,
        )
        _check_links(definition, catalog, where)
        indicators.append(definition)
    for product in {d.product for d in indicators}:
        if sum(d.default for d in indicators if d.product == product) > 1:
            raise DatasetError(f"{indicators_dataset}: product {product} has more than one default variant")
    names = Names("attribute", [(a.key, [a.name_zh, a.name_en]) for a in attributes.values()])
    return Definitions(indicators=tuple(indicators), attributes=attributes, attribute_names=names,
                       indicators_dataset=indicators_dataset, attributes_dataset=attributes_dataset)


def when_words(definition: IndicatorDefinition, definitions: Definitions, *, zh: bool) -> str:
    """When an indicator variant applies, in words: 钢铁生产流程（设施所属工序） = 高炉工序 / steel route
    (process of the facility) = bf; a choice without an English name is its key with spaces."""
    def condition(kind: str, name: str, op: str, value: str) -> str:
        if kind == "products":
            return (f"唯一产品为{key_name(name, zh=True)}" if zh else f"the only product is {key_name(name, zh=False)}")
        if kind == "input":
            return f"{key_name(name, zh=zh)}: {key_name(value, zh=zh)}"
        attribute = definitions.attributes.get(name)
        if attribute is None:
            return f"{name} {op} {value}"
        shown = value
        if attribute.type == "choice" and value in attribute.choices:
            shown = attribute.choice_names_zh[attribute.choices.index(value)] if zh else value.replace("_", " ")
        elif attribute.unit:
            shown = f"{value} {attribute.unit}"
        return f"{attribute.name_zh if zh else attribute.name_en} {op} {shown}"

    return (" 或 " if zh else " or ").join(
        (" 且 " if zh else " and ").join(condition(c.kind, c.name, c.op, c.value) for c in alternative)
        for alternative in definition.when)
