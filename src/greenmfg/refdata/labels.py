"""Display names of the reference vocabulary's codes (English message ids; pages translate them)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from greenmfg.i18n import N_

__all__ = ["ITEM_KIND_LABELS"]

#: categories of items (``kind`` in the items vocabulary), in the words of GB/T 2589 and GB/T 32151
ITEM_KIND_LABELS: Mapping[str, str] = MappingProxyType({
    "fuel": N_("Fuel"),
    "electricity": N_("Electricity"),
    "heat": N_("Heat"),
    "steam": N_("Steam"),
    "working_medium": N_("Energy-carrying working medium"),
    "carbonate": N_("Carbonate (process input)"),
    "carbon_material": N_("Carbon-containing material"),
    "calcium_substitute": N_("Non-carbonate raw material (deducted from clinker process emissions)"),
    "product": N_("Product"),
})
