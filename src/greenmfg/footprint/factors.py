"""The footprint's reference data: upstream factors, product rules and data-quality bands."""

from __future__ import annotations

from dataclasses import dataclass

from greenmfg.errors import DatasetError
from greenmfg.refdata.catalog import Catalog
from greenmfg.refdata.vocabulary import Names, Vocabulary

__all__ = ["AVOIDED_SCOPE", "MATERIAL_SCOPES", "Factor", "FootprintData", "Rule", "load_footprint_data"]

FACTORS_PREFIX = "footprint_factors"
RULES_PREFIX = "footprint_rules"
QUALITY_PREFIX = "footprint_quality"


def newest_dataset(catalog: Catalog, family: str) -> str:
    """The id of the newest edition of ``family`` (editions compared as text: one per year and number)."""
    editions = catalog.family(family)
    if not editions:
        raise DatasetError(f"the catalog has no {family} dataset")
    return editions[-1].id


@dataclass(frozen=True, slots=True)
class Factor:
    """One cited factor row (``value`` None when not found)."""

    dataset: str
    key: str
    item: str
    name_zh: str
    name_en: str
    scope: str
    value: float | None
    unit: str
    region: str
    data_year: int | None
    source: str
    status: str
    notes: str
    #: how well the factor's technology represents the input (its TeR): ``average`` (a national or sector
    #: average), ``literature`` (one published study), ``proxy`` (another product or region), ``rule``
    technology: str = "average"

    @property
    def ref(self) -> str:
        return f"{self.dataset}:{self.key}"


#: scopes of the factors of purchased inputs (the others: electricity, avoided burdens of co-products)
MATERIAL_SCOPES = ("upstream_of_fuel", "cradle_to_gate")
#: scope of the avoided burden of a co-product (system expansion): what one unit of it replaces [tCO2e/unit]
AVOIDED_SCOPE = "avoided_burden"


@dataclass(frozen=True, slots=True)
class Rule:
    """A product rule: functional unit, boundary and allocation."""

    dataset: str
    key: str
    product: str
    route: str
    name_zh: str
    name_en: str
    functional_unit: str
    functional_unit_zh: str
    functional_unit_en: str
    boundary_zh: str
    boundary_en: str
    allocation: str
    allocation_zh: str
    allocation_en: str
    source: str
    status: str
    notes: str

    @property
    def ref(self) -> str:
        return f"{self.dataset}:{self.key}"


@dataclass
class FootprintData:
    factors: list[Factor]
    rules: dict[str, Rule]
    bands: list[tuple[str, float]]
    band_names: dict[str, tuple[str, str]]
    datasets: tuple[str, ...]
    #: material names (a factor's item, names and aliases, and the vocabulary's items) → item key
    materials: Names
    names: dict[str, tuple[str, str]]
    #: names of co-products with an avoided-burden row (system expansion) → item key
    coproducts: Names | None = None

    def candidates(self, item: str, scopes: tuple[str, ...]) -> list[Factor]:
        return [f for f in self.factors if f.item == item and f.scope in scopes]

    def choose(self, item: str, scopes: tuple[str, ...], *, year: int, region: str,
               grid: str | None = None) -> Factor | None:
        """The factor used for ``item``: one with a value before one without; of those the facility's
        province, then its grid region (``grid``), then China, then elsewhere; then the nearest data
        year (an earlier year before a later one at the same distance). None when the item has no row."""
        found = self.candidates(item, scopes)
        if not found:
            return None

        def rank(f: Factor) -> tuple[int, int, int, int]:
            place = (0 if f.region == region else 1 if grid is not None and f.region == grid
                     else 2 if f.region == "CN" else 3)
            gap = abs(year - f.data_year) if f.data_year is not None else 99
            return (f.value is None, place, gap, -(f.data_year or 0))

        return min(found, key=rank)


def _default_technology(status: str) -> str:
    """TeR kind of a factor row of an edition without a ``technology`` column (2026.1)."""
    return "rule" if status == "definitional" else "average"


def load_footprint_data(catalog: Catalog, vocabulary: Vocabulary) -> FootprintData:
    """The newest edition of each footprint family, with a name lookup for materials."""
    factors_id = newest_dataset(catalog, FACTORS_PREFIX)
    rules_id = newest_dataset(catalog, RULES_PREFIX)
    quality_id = newest_dataset(catalog, QUALITY_PREFIX)
    factors = [Factor(dataset=factors_id, key=r["key"], item=r["item"], name_zh=r["name_zh"], name_en=r["name_en"],
                      scope=r["scope"], value=float(r["value"]) if r["value"].strip() else None, unit=r["unit"],
                      region=r["region"], data_year=int(r["data_year"]) if r["data_year"].strip() else None,
                      source=r["source"], status=r["verification_status"], notes=r.get("notes", ""),
                      technology=(r.get("technology") or "").strip() or _default_technology(r["verification_status"]))
               for r in catalog.dataset(factors_id).records]
    rules = {r["key"]: Rule(dataset=rules_id, key=r["key"], product=r["product"], route=r["route"],
                            name_zh=r["name_zh"], name_en=r["name_en"], functional_unit=r["functional_unit"],
                            functional_unit_zh=r["functional_unit_zh"], functional_unit_en=r["functional_unit_en"],
                            boundary_zh=r["boundary_zh"], boundary_en=r["boundary_en"], allocation=r["allocation"],
                            allocation_zh=r["allocation_zh"], allocation_en=r["allocation_en"], source=r["source"],
                            status=r["verification_status"], notes=r.get("notes", ""))
             for r in catalog.dataset(rules_id).records}
    quality = catalog.dataset(quality_id).records
    bands = sorted(((r["key"], float(r["upper"])) for r in quality), key=lambda b: b[1])
    band_names = {r["key"]: (r["name_zh"], r["name_en"]) for r in quality}
    # names: the vocabulary's items first, then the factors' own materials (which may add items)
    spellings: dict[str, list[str]] = {}
    names: dict[str, tuple[str, str]] = {}
    for key, item in vocabulary.items.items():
        names[key] = (item.name_zh, item.name_en)
    for factor in factors:
        if factor.item not in vocabulary.items and factor.scope in MATERIAL_SCOPES:
            spellings.setdefault(factor.item, [])
            names.setdefault(factor.item, (factor.name_zh.split("（")[0], factor.name_en.split(" (")[0]))
    for record in catalog.dataset(factors_id).records:
        if record["item"] in spellings and record["scope"] in MATERIAL_SCOPES:
            spellings[record["item"]] += [record["name_zh"].split("（")[0], record["name_zh"], record["name_en"],
                                          *[a for a in record["aliases"].split("|") if a]]
    item_records = [(r["key"], [r["name_zh"], r["name_en"], *r["aliases"].split("|")])
                    for r in catalog.dataset(vocabulary.items_dataset).records]
    own = [(key, list(dict.fromkeys(s))) for key, s in spellings.items()]
    avoided: dict[str, list[str]] = {}
    for record in catalog.dataset(factors_id).records:
        if record["scope"] == AVOIDED_SCOPE:
            avoided.setdefault(record["item"], []).extend(
                [record["name_zh"].split("（")[0], record["name_zh"], record["name_en"].split(" (")[0],
                 record["name_en"], *[a for a in record["aliases"].split("|") if a]])
    return FootprintData(factors=factors, rules=rules, bands=bands, band_names=band_names,
                         datasets=(factors_id, rules_id, quality_id), materials=Names("material", item_records + own),
                         names=names,
                         coproducts=Names("co-product", [(k, list(dict.fromkeys(v))) for k, v in avoided.items()]))
