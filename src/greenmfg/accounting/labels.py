"""Display names of accounting terms (English message ids; pages translate them).

Marked with :func:`~greenmfg.i18n.N_` so the catalog test finds them; a page shows
``translator.gettext(CATEGORY_LABELS[key])``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from greenmfg.i18n import N_, Translator

__all__ = ["CATEGORY_LABELS", "FLOW_LABELS", "IMPORT_STATUS", "OPTION_LABELS", "OPTION_VALUE_LABELS",
           "PARAMETER_LABELS", "VERIFICATION", "label", "labels"]

#: emission source categories (GB/T 32151 and the accounting guidelines' terms)
CATEGORY_LABELS: Mapping[str, str] = MappingProxyType({
    "combustion": N_("Fuel combustion"),
    "process": N_("Industrial processes"),
    "purchased_electricity": N_("Purchased electricity"),
    "purchased_heat": N_("Purchased heat"),
    "exported": N_("Exported energy"),
    "none": N_("No emissions"),
})

#: activity flows of the template
FLOW_LABELS: Mapping[str, str] = MappingProxyType({
    "consumed": N_("Consumed"),
    "feedstock": N_("Feedstock"),
    "process": N_("Process input"),
    "produced": N_("Produced"),
    "purchased": N_("Purchased"),
    "exported": N_("Exported"),
})

#: parameters a derivation line multiplies by
PARAMETER_LABELS: Mapping[str, str] = MappingProxyType({
    "standard_coal_coefficient": N_("Standard coal coefficient"),
    "net_calorific_value": N_("Net calorific value"),
    "carbon_content": N_("Carbon content per unit heat"),
    "oxidation_rate": N_("Oxidation rate"),
    "emission_factor": N_("Emission factor"),
    "steam_enthalpy": N_("Steam enthalpy"),
    "heat_content": N_("Heat content net of feed water"),
    "clinker_cao_content": N_("CaO content of the clinker"),
    "clinker_mgo_content": N_("MgO content of the clinker"),
    "clinker_cao_non_carbonate": N_("CaO from non-carbonate sources"),
    "clinker_mgo_non_carbonate": N_("MgO from non-carbonate sources"),
    "anode_effect_minutes": N_("Anode-effect minutes per cell-day (AEM)"),
    "anode_effect_overvoltage": N_("Anode-effect overvoltage (AEO, mV)"),
    "current_efficiency": N_("Current efficiency of the cells"),
})

#: the options of a calculation run (``accounting.service.Options``), as its provenance lists them
OPTION_LABELS: Mapping[str, str] = MappingProxyType({
    "grid_factor": N_("Grid emission factors"),
    "grid_level": N_("Grid factor level"),
    "grid_factor_year": N_("Grid factor year"),
    "electricity_basis": N_("Electricity conversion basis"),
    "energy_coefficients": N_("Standard coal coefficients"),
    "electricity_equal_value": N_("Electricity equal value"),
    "fuel_parameters": N_("Fuel parameters"),
    "process_factors": N_("Process emission factors"),
    "heat_factor": N_("Heat emission factor"),
    "methodologies": N_("Accounting methods by industry"),
    "process_methods": N_("Process methods"),
})

#: option values that are words, not datasets
OPTION_VALUE_LABELS: Mapping[str, str] = MappingProxyType({
    "national": N_("National grid"),
    "regional": N_("Regional grid"),
    "provincial": N_("Provincial grid"),
    "equivalent": N_("Equivalent value (calorific)"),
    "equal_value": N_("Equal value (coal used to generate it)"),
    "data": N_("Year of the data"),
    "latest": N_("Latest published year"),
})

#: reference-data verification status → (badge status of ``ui.badge``, label)
VERIFICATION: Mapping[str, tuple[str, str]] = MappingProxyType({
    "verified": ("verified", N_("Verified")),
    "definitional": ("verified", N_("Definitional")),
    "crosschecked": ("info", N_("Cross-checked")),
    "secondary": ("warning", N_("Secondary source")),
    "uncertain": ("warning", N_("Uncertain")),
    "recalled": ("warning", N_("Recalled")),
    "not_found": ("error", N_("Not found")),
})

#: import batch status → (badge status, label)
IMPORT_STATUS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "previewed": ("previewed", N_("Awaiting commit")),
    "invalid": ("error", N_("Has errors")),
    "committed": ("committed", N_("Committed")),
    "discarded": ("draft", N_("Discarded")),
})


def label(table: Mapping[str, str], key: str | None, translator: Translator) -> str:
    """The translated label of ``key`` in ``table``; the key itself when unknown."""
    if key is None:
        return "—"
    text = table.get(key)
    return translator.gettext(text) if text else key


def labels(table: Mapping[str, str], translator: Translator) -> dict[str, str]:
    """Every label of ``table`` translated."""
    return {key: translator.gettext(text) for key, text in table.items()}
