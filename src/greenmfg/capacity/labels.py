"""Display names of capacity-replacement terms (English message ids; pages translate them).

The Chinese names follow the measures' own wording (炼铁、炼钢、水泥熟料、平板玻璃、光伏压延玻璃、
电解铝; 兼并重组、等量置换 …). The parser accepts the Chinese names, the English names and the keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from greenmfg.i18n import N_

__all__ = ["CASE_LABELS", "OUTCOME_LABELS", "PLAN_STATUS", "PROCESS_LABELS", "PROCESS_NAMES_ZH", "SECTOR_LABELS",
           "UNIT_LABELS"]

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
