"""The names greenmfg understands: items, regions and industries, in Chinese and English.

Each vocabulary maps every accepted spelling (key, Chinese name, English name, aliases; case,
width and spacing ignored) to one key, and suggests close names for a typo.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import process

from greenmfg.errors import DatasetError
from greenmfg.refdata.catalog import Catalog, load_catalog

__all__ = [
    "FLOWS",
    "FLOW_NAMES",
    "Item",
    "Names",
    "Vocabulary",
    "load_vocabulary",
    "normalize_name",
]

ITEMS_DATASET = "vocabulary/items-2026.1"
REGIONS_DATASET = "vocabulary/regions-gbt2260"
INDUSTRIES_DATASET = "vocabulary/industries-2026.1"
CITIES_DATASET = "vocabulary/cities-gbt2260"

#: The activity flows of the input template.
FLOWS = ("consumed", "feedstock", "process", "produced", "purchased", "exported")
#: Spellings accepted for each flow.
FLOW_NAMES: Mapping[str, tuple[str, ...]] = {
    "consumed": ("consumed", "消耗", "consumption", "consume", "消费", "使用"),
    "feedstock": ("feedstock", "原料", "raw material", "原料用能", "原料用"),
    "process": ("process", "工艺", "process input", "过程", "工业过程"),
    "produced": ("produced", "产出", "production", "output", "product", "产量", "生产"),
    "purchased": ("purchased", "外购", "purchase", "bought", "购入", "购买"),
    "exported": ("exported", "输出", "export", "supplied outside", "sold", "外供", "外送", "外销"),
}
ITEM_KINDS = frozenset(
    {"fuel", "electricity", "heat", "steam", "working_medium", "carbonate", "carbon_material", "product"}
)


def normalize_name(text: object) -> str:
    """Case-, width- and spacing-insensitive form of a name (``Natural_Gas`` → ``natural gas``)."""
    s = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    s = re.sub(r"[_\-\s]+", " ", s)
    return s


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    name_zh: str
    name_en: str
    kind: str
    canonical_unit: str
    allowed_flows: tuple[str, ...]
    notes: str


class Names:
    """A name → key lookup with did-you-mean suggestions."""

    def __init__(self, what: str, records: list[tuple[str, list[str]]]) -> None:
        self.what = what
        self._lookup: dict[str, str] = {}
        for key, spellings in records:
            for spelling in [key, *spellings]:
                if not spelling:
                    continue
                name = normalize_name(spelling)
                other = self._lookup.get(name)
                if other is not None and other != key:
                    raise DatasetError(f"{what} vocabulary: '{spelling}' names both {other} and {key}")
                self._lookup[name] = key
        self._choices = sorted(self._lookup)

    def resolve(self, text: object) -> str | None:
        """The key a spelling names, or None."""
        return self._lookup.get(normalize_name(text))

    def suggest(self, text: object, limit: int = 3) -> list[str]:
        """Known spellings closest to ``text`` (for did-you-mean messages)."""
        found = process.extract(normalize_name(text), self._choices, limit=limit, score_cutoff=55)
        return [name for name, _score, _index in found]


class Vocabulary:
    """Items, regions and industries of the reference library."""

    def __init__(self, catalog: Catalog) -> None:
        item_rows = catalog.dataset(ITEMS_DATASET).records
        self.items: dict[str, Item] = {}
        for record in item_rows:
            flows = tuple(f for f in record["allowed_flows"].split("|") if f)
            if record["kind"] not in ITEM_KINDS or not set(flows) <= set(FLOWS):
                raise DatasetError(f"{ITEMS_DATASET}: item {record['key']} has a bad kind or flow")
            self.items[record["key"]] = Item(
                key=record["key"], name_zh=record["name_zh"], name_en=record["name_en"],
                kind=record["kind"], canonical_unit=record["canonical_unit"],
                allowed_flows=flows, notes=record.get("notes", ""),
            )
        self.item_names = Names("item", [
            (r["key"], [r["name_zh"], r["name_en"], *r["aliases"].split("|")]) for r in item_rows
        ])
        region_rows = catalog.dataset(REGIONS_DATASET).records
        self.regions: dict[str, dict[str, str]] = {r["key"]: r for r in region_rows}
        self.region_names = Names("region", [
            (r["key"], [r["name_zh"], r["name_en"], *r["aliases"].split("|")]) for r in region_rows
        ])
        industry_rows = catalog.dataset(INDUSTRIES_DATASET).records
        self.industries: dict[str, dict[str, str]] = {r["key"]: r for r in industry_rows}
        self.industry_names = Names("industry", [
            (r["key"], [r["name_zh"], r["name_en"], *r["aliases"].split("|")]) for r in industry_rows
        ])
        self.flow_names = Names("flow", [(k, list(v)) for k, v in FLOW_NAMES.items()])
        city_rows = catalog.dataset(CITIES_DATASET).records
        #: prefecture-level cities by GB/T 2260 code (name_zh, name_en, province)
        self.cities: dict[str, dict[str, str]] = {r["key"]: r for r in city_rows}
        self.city_names = Names("city", [
            (r["key"], [r["name_zh"], r["name_en"], *r["aliases"].split("|")]) for r in city_rows
        ])

    def item(self, key: str) -> Item:
        return self.items[key]

    def city(self, name: str | None) -> dict[str, str] | None:
        """The city record for a name as enterprises store it (``唐山``, ``唐山市``, ``Tangshan``)."""
        if not name:
            return None
        key = self.city_names.resolve(name)
        return self.cities.get(key) if key is not None else None


@functools.cache
def load_vocabulary() -> Vocabulary:
    """The vocabulary of the installed reference library."""
    return Vocabulary(load_catalog())
