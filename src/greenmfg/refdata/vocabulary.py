"""The names greenmfg understands: items, regions and industries, in Chinese and English.

Each vocabulary maps every accepted spelling (key, Chinese name, English name, aliases; case,
width and spacing ignored) to one key, and suggests close names for a typo: names that sound the
same in pinyin first (an input-method slip such as 烟媒 for 烟煤), then names that are spelled alike.

The items and industries are read from the newest edition of their vocabulary file
(``items-2026.2`` supersedes ``items-2026.1``); older editions stay in the catalog.
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
    "ITEM_KINDS",
    "Item",
    "Names",
    "Vocabulary",
    "load_vocabulary",
    "newest_edition",
    "normalize_name",
    "pinyin_keys",
]

#: the items and industries vocabularies are read from the newest edition named ``<prefix><YYYY>.<N>``
ITEMS_PREFIX = "items-"
INDUSTRIES_PREFIX = "industries-"
REGIONS_DATASET = "vocabulary/regions-gbt2260"
CITIES_DATASET = "vocabulary/cities-gbt2260"
_EDITION = re.compile(r"^(\d{4})\.(\d+)(?:-r(\d+))?$")

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
    {"fuel", "electricity", "heat", "steam", "working_medium", "carbonate", "carbon_material", "calcium_substitute",
     "product"}
)


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_HAS_CJK = re.compile(f"[{_CJK}]")


def normalize_name(text: object) -> str:
    """Case-, width- and spacing-insensitive form of a name (``Natural_Gas`` → ``natural gas``,
    ``天然 气`` → ``天然气``; zero-width characters are dropped)."""
    s = unicodedata.normalize("NFKC", str(text)).translate(_INVISIBLE).casefold().strip()
    s = re.sub(r"[_\-\s]+", " ", s)
    return _SPACE_BETWEEN_CJK.sub("", s)


def pinyin_keys(text: str) -> tuple[str, str] | None:
    """How a (normalized) name sounds: its pinyin without and with tones, syllables run together
    (``烟煤`` → ``("yanmei", "yan1mei2")``); None for a name without Chinese characters.

    Characters that are not Chinese are kept as they are, spaces dropped. Each character gets the
    reading pypinyin takes for it in context (its phrase dictionary), one reading per character.
    """
    if not _HAS_CJK.search(text):
        return None
    from pypinyin import Style, lazy_pinyin  # imported here: only did-you-mean needs it (~0.2 s)

    plain = "".join(lazy_pinyin(text, style=Style.NORMAL)).replace(" ", "")
    toned = "".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)).replace(" ", "")
    return plain, toned


def newest_edition(catalog: Catalog, prefix: str) -> str:
    """The id of the newest ``vocabulary/<prefix><YYYY>.<N>[-r<M>]`` edition in the catalog.

    Raises
    ------
    DatasetError
        If the catalog has no such edition.
    """
    found: list[tuple[tuple[int, int, int], str]] = []
    for dataset in catalog.family("vocabulary"):
        edition = dataset.info.edition
        match = _EDITION.match(edition[len(prefix):]) if edition.startswith(prefix) else None
        if match:
            found.append(((int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)), dataset.id))
    if not found:
        raise DatasetError(f"the catalog has no vocabulary/{prefix}YYYY.N edition")
    return max(found)[1]


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

    #: distinct spellings whose suggestions are kept (a run asks once per distinct unknown spelling)
    _CACHE_SIZE = 4096

    def __init__(self, what: str, records: list[tuple[str, list[str]]]) -> None:
        self.what = what
        self._lookup: dict[str, str] = {}
        #: place of each spelling in the records: a key's own names come before its aliases
        self._order: dict[str, int] = {}
        #: the name a suggestion shows for a key: its first Chinese and its first other spelling
        self._shown: dict[tuple[str, bool], str] = {}
        for key, spellings in records:
            for index, spelling in enumerate([key, *spellings]):
                if not spelling:
                    continue
                name = normalize_name(spelling)
                other = self._lookup.get(name)
                if other is not None and other != key:
                    raise DatasetError(f"{what} vocabulary: '{spelling}' names both {other} and {key}")
                self._lookup[name] = key
                self._order.setdefault(name, len(self._order))
                if index:
                    self._shown.setdefault((key, bool(_HAS_CJK.search(name))), spelling.strip())
        self._choices = sorted(self._lookup)
        self._sounds: dict[str, list[tuple[str, str]]] | None = None
        self._suggested: dict[tuple[str, int], list[str]] = {}

    def resolve(self, text: object) -> str | None:
        """The key a spelling names, or None."""
        return self._lookup.get(normalize_name(text))

    def _sound_index(self) -> dict[str, list[tuple[str, str]]]:
        """Tone-less pinyin → [(toned pinyin, spelling)] of every Chinese spelling, in record order
        (worked out once, on the first did-you-mean that needs it)."""
        if self._sounds is None:
            sounds: dict[str, list[tuple[str, str]]] = {}
            for name in sorted(self._lookup, key=self._order.__getitem__):
                keys = pinyin_keys(name)
                if keys is not None:
                    sounds.setdefault(keys[0], []).append((keys[1], name))
            self._sounds = sounds
        return self._sounds

    def _candidates(self, name: str, limit: int) -> list[str]:
        """Known spellings close to a normalized name, best first (several may name one key)."""
        candidates: list[str] = []
        keys = pinyin_keys(name)
        letters = name.replace(" ", "")
        sound = keys or ((letters, "") if letters.isascii() and letters.isalpha() else None)
        if sound is not None:
            alike = self._sound_index().get(sound[0], [])
            candidates += [spelling for toned, spelling in alike if toned == sound[1]]
            candidates += [spelling for toned, spelling in alike if toned != sound[1]]
            if candidates:  # sounds exactly like a known name: an input-method slip, nothing else to offer
                return candidates
        found = process.extract(name, self._choices, limit=limit * 4, score_cutoff=55)
        found.sort(key=lambda hit: (-hit[1], self._order[hit[0]]))
        return candidates + [spelling for spelling, _score, _index in found]

    def suggest(self, text: object, limit: int = 3) -> list[str]:
        """Names of the known keys closest to ``text`` (for did-you-mean messages), one per key.

        The names that sound like ``text`` (same pinyin: same tones first, then any tones; 烟媒 →
        烟煤, 天燃气 → 天然气, and pinyin typed in Latin letters, tianranqi → 天然气) when there are
        any, else those spelled alike (rapidfuzz similarity ≥ 55). A key is shown by the spelling that
        matched when that is the key itself, else by its first name in the same script (an alias
        such as 蒸气 is shown as 蒸汽). Worked out once per distinct spelling.
        """
        name = normalize_name(text)
        cached = self._suggested.get((name, limit))
        if cached is None:
            cached = []
            seen: set[str] = set()
            for spelling in self._candidates(name, limit):
                key = self._lookup[spelling]
                if key in seen:
                    continue
                seen.add(key)
                same_script = self._shown.get((key, bool(_HAS_CJK.search(spelling))))
                cached.append(spelling if spelling == normalize_name(key) or same_script is None else same_script)
            if len(self._suggested) < self._CACHE_SIZE:
                self._suggested[name, limit] = cached
        return cached[:limit]


class Vocabulary:
    """Items, regions and industries of the reference library."""

    def __init__(self, catalog: Catalog) -> None:
        #: the dataset ids the items and industries were read from (the newest editions)
        self.items_dataset = newest_edition(catalog, ITEMS_PREFIX)
        self.industries_dataset = newest_edition(catalog, INDUSTRIES_PREFIX)
        item_rows = catalog.dataset(self.items_dataset).records
        self.items: dict[str, Item] = {}
        for record in item_rows:
            flows = tuple(f for f in record["allowed_flows"].split("|") if f)
            if record["kind"] not in ITEM_KINDS or not set(flows) <= set(FLOWS):
                raise DatasetError(f"{self.items_dataset}: item {record['key']} has a bad kind or flow")
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
        industry_rows = catalog.dataset(self.industries_dataset).records
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
