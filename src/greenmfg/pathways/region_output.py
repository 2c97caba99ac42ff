"""The region's workbook beside the whole area's decomposition: each industry's effects side by side.

The industries' pathways (peak, 2030/2035 emissions, intensity change, peak deadline) are written by
:func:`greenmfg.pathways.scenario_output.write_industries` from the scenario of the area's stored data.
"""

from __future__ import annotations

from typing import Any

from greenmfg.errors import ValidationFailed
from greenmfg.exports import append_row, column_words, export_translator, header_row, sheet_title
from greenmfg.i18n import N_
from greenmfg.pathways.decomposition import EFFECT_WORDS
from greenmfg.pathways.service import RegionPathways

__all__ = ["write_industry_effects"]

_WORDS = {
    "industry": N_("Industry"), "base_year": N_("Base year"), "target_year": N_("Target year"),
    "base_value": N_("Base-year value"), "target_value": N_("Target-year value"), "change": N_("Total change"),
    "effect": N_("Effect"), "additive": N_("Additive effect"), "share_of_change": N_("Share of the total change"),
    "problem": N_("Why there is no decomposition"),
}


def write_industry_effects(book: Any, region: RegionPathways, *, locale: str = "zh-CN") -> None:
    """One sheet: each industry's effects on emissions between the two years (long form: an industry's
    rows are its totals and its effects), and why an industry has none."""
    from greenmfg.refdata.words import in_words, key_name

    t = export_translator(locale=locale)
    zh = locale.startswith("zh")
    ws = book.create_sheet(sheet_title(N_("Industries: effects on emissions"), t))
    header_row(ws, column_words(["industry", "base_year", "base_value", "target_year", "target_value", "change",
                                 "effect", "key", "additive", "share_of_change", "problem"], t, words=_WORDS))
    for item in region.industries:
        name = key_name(item.industry, zh=zh)
        if item.result is None:
            error = item.problem
            if isinstance(error, ValidationFailed):
                text = "；".join(i.message_zh for i in error.issues) if zh else "; ".join(i.message for i in error.issues)
            else:
                text = "" if error is None else error.message_in(locale)
            append_row(ws, [name, region.base, None, region.target, None, None, "", "", None, None,
                            in_words(text, zh=zh)])
            continue
        emissions = item.result.aggregate("emissions")
        for effect in emissions.effects:
            append_row(ws, [name, region.base, emissions.base_value, region.target, emissions.target_value,
                            emissions.change, t.gettext(EFFECT_WORDS.get(effect.key, effect.key)), effect.key,
                            effect.additive, effect.additive / emissions.change if emissions.change else None, ""])
