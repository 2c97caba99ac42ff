"""Display names of capacity-replacement terms (English message ids; pages translate them).

The Chinese names follow the measures' own wording (炼铁、炼钢、水泥熟料、平板玻璃、光伏压延玻璃、
电解铝; 兼并重组、等量置换 …). The parser accepts the Chinese names, the English names and the keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from greenmfg.i18n import N_, Translator
from greenmfg.refdata.words import place_name

__all__ = ["CASE_LABELS", "OUTCOME_LABELS", "PLAN_STATUS", "PROCESS_LABELS", "PROCESS_NAMES_ZH", "REGION_SET_LABELS",
           "SECTOR_LABELS", "UNIT_LABELS", "WHERE_LABELS", "in_words", "rule_name"]

SECTOR_LABELS: Mapping[str, str] = MappingProxyType({
    "steel": N_("Iron and steel"),
    "cement": N_("Cement"),
    "flat_glass": N_("Flat glass"),
    "electrolytic_aluminium": N_("Electrolytic aluminium"),
})

PROCESS_LABELS: Mapping[str, str] = MappingProxyType({
    "ironmaking": N_("Ironmaking"),
    "steelmaking": N_("Steelmaking"),
    "clinker": N_("Cement clinker"),
    "flat_glass": N_("Flat glass"),
    "pv_rolled_glass": N_("Photovoltaic rolled glass"),
    "aluminium": N_("Electrolytic aluminium"),
})

#: Chinese names of the processes, accepted as input wherever a process key is
PROCESS_NAMES_ZH: Mapping[str, str] = MappingProxyType({
    "ironmaking": "炼铁", "steelmaking": "炼钢", "clinker": "水泥熟料", "flat_glass": "平板玻璃",
    "pv_rolled_glass": "光伏压延玻璃", "aluminium": "电解铝",
})

CASE_LABELS: Mapping[str, str] = MappingProxyType({
    "standard": N_("Standard ratio"),
    "merger": N_("Capacity obtained through a substantive merger"),
    "bof_to_eaf": N_("Converter replaced by an electric furnace, with sinter, coke and blast furnaces retired"),
    "eaf_for_eaf": N_("Electric furnace retired for an electric furnace"),
    "in_site_upgrade": N_("In-site upgrade without changing furnace type, size or number"),
    "non_bf_ironmaking": N_("Hydrogen or non-blast-furnace ironmaking (Corex, Finex, HIsmelt)"),
    "rkef_aod_stainless": N_("Stainless steel by rotary kiln, submerged arc furnace and AOD"),
    "qinghai_tibet": N_("Project in Qinghai or Tibet"),
    "restricted_category": N_("Restricted-category capacity used for replacement"),
    "cross_province": N_("Capacity transferred from another province"),
    "phosphogypsum": N_("Cement from phosphogypsum (titanogypsum, fluorogypsum)"),
})

OUTCOME_LABELS: Mapping[str, str] = MappingProxyType({
    "required": N_("Replacement required"),
    "exempt": N_("No replacement required"),
    "suspended": N_("Suspended: no new plans"),
    "not_permitted": N_("No new capacity permitted"),
})

#: plan status → (badge status of ``ui.badge``, label)
PLAN_STATUS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "draft": ("draft", N_("Draft")),
    "submitted": ("pending", N_("Submitted")),
    "approved": ("verified", N_("Approved")),
    "rejected": ("error", N_("Rejected")),
})

UNIT_LABELS: Mapping[str, str] = MappingProxyType({"t/a": N_("t/a (tonnes a year)"), "t/d": N_("t/d (tonnes a day)")})

#: the region sets of ``capacity_replacement/regions-*`` (named as the measures and notices name them)
REGION_SET_LABELS: Mapping[str, str] = MappingProxyType({
    "jingjinji": N_("Beijing-Tianjin-Hebei"),
    "jjj_2p26": N_("the \u201c2+26\u201d air-pollution transport cities of Beijing-Tianjin-Hebei"),
    "jjj_surrounding_2023": N_("Beijing-Tianjin-Hebei and surrounding areas (2023)"),
    "fenwei_2018": N_("Fenwei Plain (2018)"), "fenwei_2023": N_("Fenwei Plain (2023)"),
    "yangtze_delta_2018": N_("Yangtze River Delta (2018)"), "yangtze_delta_2023": N_("Yangtze River Delta (2023)"),
    "prd": N_("Pearl River Delta"), "qinghai_tibet": N_("Qinghai and Tibet"),
    "phosphogypsum_five": N_("the five provinces of phosphogypsum cement (Hubei, Guizhou …)"),
})

#: where a rule applies (the third part of a rule key ``<process>.<case>.<where>``)
WHERE_LABELS: Mapping[str, str] = MappingProxyType({
    "key_region": N_("key air-pollution regions"), "other_region": N_("other regions"), "any": N_("all regions"),
})

_PARAMETERS: Mapping[str, str] = MappingProxyType({
    "ratio_min": N_("minimum replacement ratio"), "ratio_floor": N_("replacement ratio floor"),
})

_RULE = "(?:" + "|".join(PROCESS_LABELS) + r")\.[a-z_]+\.(?:" + "|".join(WHERE_LABELS) + ")"
_CAPACITY_REF = re.compile(r"\bcapacity_replacement/[A-Za-z0-9.\-]+:(?P<key>[^\s:=,;，；（）()]+?)(?:\.(?P<parameter>"
                           + "|".join(_PARAMETERS) + r"))?(?=[\s,;，；（）()]|$)")
_RULE_KEY = re.compile(rf"\b{_RULE}\b")
_SET_KEY = re.compile(r"\b(?:" + "|".join(REGION_SET_LABELS) + r")\b")


def rule_name(key: str, translator: Translator) -> str:
    """A rule key ``ironmaking.standard.key_region`` in words: 炼铁 · 标准比例 · 重点区域."""
    process, _, rest = key.partition(".")
    case, _, where = rest.partition(".")
    parts = [PROCESS_LABELS.get(process), CASE_LABELS.get(case), WHERE_LABELS.get(where)]
    if None in parts:
        return key
    return " · ".join(translator.gettext(part) for part in parts if part)


def _set_name(key: str, translator: Translator) -> str:
    text = REGION_SET_LABELS.get(key)
    return translator.gettext(text) if text else key


def _reference(match: re.Match[str], translator: Translator) -> str:
    key, parameter = match["key"], match["parameter"]
    if key.startswith("key_region.set."):
        words = translator.gettext("key regions: %(set)s", set=_set_name(key.removeprefix("key_region.set."), translator))
    elif "." in key and key.split(".", 1)[0] in REGION_SET_LABELS:
        region_set, _, member = key.partition(".")  # a member: a province code, or ``130000/唐山`` a city in it
        province, _, city = member.partition("/")
        place = place_name(province, city or None, zh=translator.locale.startswith("zh"))
        words = f"{_set_name(region_set, translator)}: {place}"
    else:
        words = rule_name(key, translator)
    if parameter:
        words += " " + translator.gettext(_PARAMETERS[parameter])
    return words


def in_words(text: str, translator: Translator) -> str:
    """A capacity message with its rule keys, region sets and cited rules named in words."""
    out = _CAPACITY_REF.sub(lambda m: _reference(m, translator), text)
    out = _RULE_KEY.sub(lambda m: rule_name(m.group(0), translator), out)
    return _SET_KEY.sub(lambda m: _set_name(m.group(0), translator), out)
