"""The item list: every energy carrier, material and product of the reference vocabulary, searchable.

What an energy manager looks up when an import names an item the platform does not know: an
item's Chinese and English names and the other spellings accepted for it, its code, its category,
the unit it is accounted in (and the units that convert to it) and the flows it may have. A search
matches any of those names, the code, and the name's pinyin (full, ``yanmei``, or initials, ``ym``).
Matches come best first (a whole name, its start, part of it, its pinyin).
When nothing matches, the closest names (:meth:`~greenmfg.refdata.vocabulary.Names.suggest`) are offered.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from greenmfg.refdata.catalog import load_catalog
from greenmfg.refdata.vocabulary import ITEM_KINDS, Item, load_vocabulary, normalize_name
from greenmfg.units import Measure, measure_of

__all__ = ["ItemEntry", "item_entries", "search_items"]


@dataclass(frozen=True)
class ItemEntry:
    """An item of the vocabulary with what the item list shows and searches."""

    item: Item
    #: other accepted spellings (the vocabulary's aliases)
    aliases: tuple[str, ...]
    #: the Chinese name's pinyin without tones, syllables run together, and its initials
    pinyin: str
    initials: str
    #: what its canonical unit measures (mass, energy, volume …), with units that convert to it
    measure: Measure | None

    def rank(self, query: str) -> int | None:
        """How well the normalized ``query`` names this item: 0 a whole name or the code, 1 the start
        of one, 2 part of one, 3 its pinyin (full or initials); None when it does not."""
        names = [normalize_name(n) for n in (self.item.key, self.item.name_zh, self.item.name_en, *self.aliases)]
        if query in names:
            return 0
        if any(name.startswith(query) for name in names):
            return 1
        if any(query in name for name in names):
            return 2
        letters = query.replace(" ", "")
        if letters and letters.isascii() and (letters in self.pinyin or self.initials.startswith(letters)):
            return 3
        return None


def _pinyin(text: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin  # imported here: only the item list needs it

    syllables = [s for s in lazy_pinyin(text, style=Style.NORMAL) if s.strip()]
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s[0].isalpha()).lower()


@functools.cache
def item_entries() -> tuple[ItemEntry, ...]:
    """Every item of the installed vocabulary, in the vocabulary's order (worked out once)."""
    vocabulary = load_vocabulary()
    records = {r["key"]: r for r in load_catalog().dataset(vocabulary.items_dataset).records}
    entries = []
    for item in vocabulary.items.values():
        aliases = tuple(a for a in records[item.key].get("aliases", "").split("|") if a)
        pinyin, initials = _pinyin(item.name_zh)
        entries.append(ItemEntry(item, aliases, pinyin, initials, measure_of(item.canonical_unit)))
    return tuple(entries)


def search_items(query: str | None, kind: str | None = None) -> tuple[list[ItemEntry], list[ItemEntry]]:
    """The items matching ``query`` (all without one) of category ``kind`` (all when None or
    unknown), and, when none matches, the items whose names are closest to the query."""
    entries = [e for e in item_entries() if kind not in ITEM_KINDS or e.item.kind == kind]
    text = normalize_name(query or "")
    if not text:
        return entries, []
    ranked = sorted((rank, index) for index, e in enumerate(entries) if (rank := e.rank(text)) is not None)
    if ranked:
        return [entries[index] for _rank, index in ranked], []
    by_key = {e.item.key: e for e in entries}
    names = load_vocabulary().item_names
    close = [names.resolve(name) for name in names.suggest(query, limit=5)]
    return [], [by_key[key] for key in close if key in by_key]
