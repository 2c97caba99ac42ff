"""Relational plans for energy (GB/T 2589) and GHG (GB/T 32150/32151, NDRC/MEE guidelines) accounting.

Everything here is an Ibis expression: the same plan runs in-process on DuckDB or on a
distributed engine with an Ibis backend (Apache Spark), for one facility or ten million rows.

Formulas (per activity line; ``s`` = −1 for flow ``exported``, else +1)
-----------------------------------------------------------------------
- energy [tce] = s · Q · p, with p the standard-coal coefficient [tce/unit] (GB/T 2589-2020 §4,
  附录A); a measured net calorific value replaces p by NCV / 29.3076 [GJ/tce]. Electricity on the
  equivalent (当量值) or equal-value (等价值) basis; energy-consuming working media at their
  equal-value coefficient. Feedstock use is part of comprehensive energy consumption.
- combustion [tCO2] = s · Q · NCV · CC · OF · 44/12 (GB/T 32151 formula for fossil fuels; measured
  parameters override defaults).
- feedstock carbon (carbon balance) [tCO2] = Q · NCV · CC · 44/12, and products leaving the
  boundary remove their fixed carbon: −Q · EF_fixed.
- process [tCO2e] = Q · EF for carbonates and carbon-bearing materials (measured carbon content
  [tC/t] → CC · 44/12); product-linked emissions (PFC from anode effects, clinker
  calcination) = Q_product · EF. Clinker with its measured CaO and MgO content (mass fractions)
  has EF = (CaO − CaO₀) · 44/56 + (MgO − MgO₀) · 44/40 [tCO2/t clinker], CaO₀ and MgO₀ the parts
  from non-carbonate sources (0 when not given) (GB/T 32151.8-2015 and the NDRC 2013 cement
  guideline, as written there: 44/56 and 44/40); else the default factor.
- purchased electricity [tCO2] = Q [MWh] · EF_grid; purchased heat [tCO2] = Q [GJ] · 0.11;
  exported electricity/heat enter negative.
- steam [tCO2] = Q [t] · (h − 83.74 kJ/kg) · 10⁻³ · 0.11 (NDRC guidelines: the steam's enthalpy h
  net of the feed water's), h the measured enthalpy or the IAPWS-IF97 enthalpy of the line's
  measured pressure and temperature (``steam_enthalpy``, see :mod:`greenmfg.calc.steam`). Its
  energy [tce] is Q · the GB/T 2589 coefficient (0.1286 kgce/kg) however h is given, so one steam
  gives one energy figure.

One method per process
----------------------
A process that an industry can report two ways (cement: clinker output × EF, or the raw-meal
carbonates × stoichiometric factors) is counted once per facility-period: the *methods* table
(reference data ``process_methods``) names, per industry, the (item, flow) of each method of a
process and its rank. The lowest-ranked method whose lines give emissions counts; lines of the
other methods of that process are *set aside*: they count zero and keep what they would have given
as ``set_aside_co2e_t`` (a cross-check). The sums carry each (process, rank) apart
(``_m_<process>_<rank>``), so the choice is made on the facility-period sums, in the same pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from greenmfg.calc.steam import FEED_WATER_ENTHALPY_GJ_PER_T, FEED_WATER_ENTHALPY_KJ_PER_KG

__all__ = [
    "CARBON_TO_CO2",
    "CATEGORIES",
    "CLINKER_ITEM",
    "CLINKER_OXIDES",
    "CO2_PER_CAO",
    "PFC_INPUTS",
    "PFC_ITEM",
    "CO2_PER_MGO",
    "GJ_PER_TCE",
    "activity_lines",
    "facility_products",
    "facility_sums",
    "facility_totals",
    "method_choice",
    "parameter_sets",
    "regroup_sums",
]

#: 44/12: tonnes of CO2 per tonne of carbon (molar masses of CO2 and C).
CARBON_TO_CO2 = 44.0 / 12.0
#: The item whose measured CaO and MgO contents give its emission factor (cement clinker).
CLINKER_ITEM = "clinker"
#: Template columns of a clinker output row, mass fractions of the clinker [1]: its CaO and MgO,
#: then the parts of them that came from non-carbonate sources (steel slag, fly ash …).
CLINKER_OXIDES = ("clinker_cao", "clinker_mgo", "clinker_cao_non_carbonate", "clinker_mgo_non_carbonate")
#: The item whose measured anode-effect figures give its PFC emission factor (primary aluminium).
PFC_ITEM = "aluminium_liquid"
#: Template columns of an aluminium output row: the anode-effect minutes per cell-day (AEM)
#: [AE-min/cell-day] of the slope method, the anode-effect overvoltage (AEO) [mV] and the current
#: efficiency (CE) [1] of the overvoltage method.
PFC_INPUTS = ("anode_effect_minutes", "anode_effect_overvoltage", "current_efficiency")
#: tCO2 per t of CaO and of MgO from carbonates, as GB/T 32151.8-2015 and the NDRC 2013 cement
#: guideline write them (44/56, 44/40; with IUPAC molar masses 44.009/56.077 = 0.7848 and
#: 44.009/40.304 = 1.0919: the guideline's rounded masses are kept so results match its formula).
CO2_PER_CAO = 44.0 / 56.0
CO2_PER_MGO = 44.0 / 40.0
#: How a clinker line's measured emission factor is computed (its reference).
CLINKER_EF_REF = ("measured clinker CaO/MgO: (CaO − CaO non-carbonate) × 44/56 + (MgO − MgO non-carbonate) × 44/40 "
                  "(GB/T 32151.8-2015; NDRC 2013 cement guideline)")
#: GJ per tonne of standard coal: 1 kgce = 29 307.6 kJ (GB/T 2589-2020 §3.5).
GJ_PER_TCE = 29.3076
CATEGORIES = ("combustion", "process", "purchased_electricity", "purchased_heat", "exported")
#: Sums are exact decimals so that results do not depend on summation order (parallel engines).
_EXACT = dt.Decimal(38, 10)
_ENERGY_KINDS = ("fuel", "electricity", "heat", "steam", "working_medium")
_SPENT = ("consumed", "purchased")


def _used(measured: ir.FloatingValue, default: ir.FloatingValue, default_ref: ir.StringValue
          ) -> tuple[ir.FloatingValue, ir.StringValue]:
    """The measured value when given, else the default; with the reference of the one used."""
    return (
        measured.coalesce(default),
        ibis.ifelse(measured.notnull(), ibis.literal("measured"), default_ref),
    )


def _one_of(column: ir.StringValue, values: tuple[str, ...]) -> ir.BooleanValue:
    """``column`` equals one of ``values``, spelt as ORed equalities: DuckDB turns a long IN list
    into a join of its own, once for every place the test is used."""
    test = column == values[0]
    for value in values[1:]:
        test |= column == value
    return test


#: feed-water enthalpy as written in references [kJ/kg]
_FEED_WATER_KJ_PER_KG = f"{FEED_WATER_ENTHALPY_KJ_PER_KG:.2f}"
#: How a line's CO2e is computed (``formula`` of a parameter set); 0: it has none.
_FORMULAS = ("none", "fuel_combustion", "fuel_feedstock", "electricity", "electricity_exported", "heat",
             "heat_exported", "process_input", "produced")


def parameter_sets(keys: ir.Table, parameters: ir.Table, grid: ir.Table, electricity: ir.Table,
                   *, heat_ef_tco2_per_gj: float, heat_ef_ref: str, equal_value_basis: bool) -> ir.Table:
    """Everything about a derivation line but its quantity and measured values, once per set.

    Lines of the same item, flow, industry, region and year that give the same measured parameters
    use the same default parameters, references, formula and category: a *parameter set*.

    Parameters
    ----------
    keys
        One row per set: ``parameter_set`` (its number), ``item``, ``kind``, ``flow``, ``unit``,
        ``industry``, ``region``, ``year``, and booleans ``measured_ncv``, ``measured_carbon_content``,
        ``measured_oxidation_rate``, ``measured_clinker_oxides`` (the lines give that parameter; the
        clinker's CaO and MgO content), ``measured_pfc_slope`` (the aluminium's anode-effect minutes),
        ``measured_pfc_overvoltage`` (its anode-effect overvoltage and current efficiency); other
        columns pass through.
    parameters
        One row per item and industry (``p_item``, ``p_industry``: the defaults of the methodology
        that applies to the industry): ``coef`` [tce/unit] + ``coef_ref``, ``ncv`` [GJ/unit],
        ``cc`` [tC/GJ], ``of`` [1], ``process_ef`` [tCO2e/unit], ``output_ef`` [tCO2e/unit],
        ``fixed_ef`` [tCO2/unit], ``heat_content`` [GJ/unit], ``pfc_slope_ef`` [tCO2e/unit per
        AE-min/cell-day], ``pfc_ovc_ef`` [tCO2e/unit per mV/%], each with a ``*_ref`` column and a
        ``*_warn`` boolean (value not verified).
    grid
        One row per region and data year: ``g_region``, ``g_year``, ``grid_ef`` [tCO2/MWh] (the
        factor chosen for that data year), ``grid_ref``, ``grid_warn``.
    electricity
        ``e_year``, ``e_coef`` [tce/MWh] (equal-value basis), ``e_ref``, ``e_warn``.
    heat_ef_tco2_per_gj
        Emission factor of purchased heat [tCO2/GJ].
    equal_value_basis
        Convert electricity on the equal-value (等价值) basis instead of the equivalent (当量值).

    Returns
    -------
    ibis.Table
        The keys plus ``category``, ``formula`` (index into the formulas: fuel combustion, fuel
        feedstock, electricity, exported electricity, heat, exported heat, process input,
        produced), ``sign`` (−1 exported, else +1), the parameters with their references
        (``coef``, ``ncv``, ``cc``, ``of``, ``ef``; a value that comes from the line's measured
        input is null here and its reference starts with "measured"), what the formulas use
        (``ncv_default``, ``cc_default``, ``of_default``, ``heat_kind``, ``heat_content``,
        ``process_ef``, ``produced_ef``, ``grid_ef``, ``heat_ef``), ``warn_refs`` (';'-separated references of unverified values
        used), ``unverified`` (there is one) and ``missing`` (parameter that had no value, so
        the line contributes nothing for it).
    """
    a = keys.left_join(parameters, [keys.item == parameters.p_item, keys.industry == parameters.p_industry])
    a = a.left_join(grid, [a.region == grid.g_region, a.year == grid.g_year])
    a = a.left_join(electricity, a.year == electricity.e_year)
    kind, flow = a.kind, a.flow
    has_ncv, has_cc, has_of = a.measured_ncv, a.measured_carbon_content, a.measured_oxidation_rate
    has_oxides = a.measured_clinker_oxides
    # the anode-effect figures count when the methodology has a coefficient for them (else the
    # default factor); the slope method first when both are given
    pfc_slope = a.measured_pfc_slope & a.pfc_slope_ef.notnull()
    pfc_overvoltage = ~pfc_slope & a.measured_pfc_overvoltage & a.pfc_ovc_ef.notnull()
    has_pfc = pfc_slope | pfc_overvoltage

    def used_ref(measured: ir.BooleanValue, ref: ir.StringValue) -> ir.StringValue:
        return ibis.ifelse(measured, ibis.literal("measured"), ref)

    ncv_warn = ~has_ncv & a.ncv_warn.fill_null(False)
    cc_warn = ~has_cc & a.cc_warn.fill_null(False)
    of_warn = ~has_of & a.of_warn.fill_null(False)

    is_fuel = kind == "fuel"
    is_electricity = kind == "electricity"
    is_heat = kind.isin(["heat", "steam"])
    is_steam = kind == "steam"
    uses_energy = _one_of(kind, _ENERGY_KINDS) & flow.isin(["consumed", "purchased", "feedstock", "exported"])
    electricity_coef = a.e_coef if equal_value_basis else a.coef
    electricity_ref = a.e_ref if equal_value_basis else a.coef_ref
    electricity_warn = a.e_warn if equal_value_basis else a.coef_warn
    # steam's energy is its GB/T 2589 coefficient whatever its enthalpy (measured or of its state):
    # the enthalpy, net of the feed water's, is the heat its emissions use
    ncv_energy = has_ncv & ~is_steam
    coef_from_ncv = uses_energy & ~is_electricity & ncv_energy
    coef = ibis.cases(
        (~uses_energy, ibis.null("float64")),
        (is_electricity, electricity_coef),
        (ncv_energy, ibis.null("float64")),  # measured ncv / 29.3076, per line
        else_=a.coef,
    )
    coef_ref = ibis.cases(
        (~uses_energy, ibis.null("string")),
        (is_electricity, electricity_ref),
        (ncv_energy, ibis.literal("measured ncv / 29.3076 GJ/tce")),
        else_=a.coef_ref,
    )
    coef_warn = uses_energy & ibis.cases(
        (is_electricity, electricity_warn.fill_null(False)),
        (ncv_energy, False),
        else_=a.coef_warn.fill_null(False),
    )

    heat_ef = ibis.literal(heat_ef_tco2_per_gj, "float64")
    produced_ef = a.output_ef.fill_null(0.0) - a.fixed_ef.fill_null(0.0)
    fuel_spent = is_fuel & flow.isin([*_SPENT, "exported"])
    fuel_feedstock = is_fuel & (flow == "feedstock")
    # calcium substitutes (carbide slag …) enter with a negative factor: the cement guideline's deduction
    process_input = kind.isin(["carbonate", "carbon_material", "calcium_substitute"]) & (flow == "process")
    produced = flow == "produced"
    fuel_line = fuel_spent | fuel_feedstock

    formula = ibis.cases(
        (fuel_spent, 1),
        (fuel_feedstock, 2),
        (is_electricity & flow.isin(list(_SPENT)), 3),
        (is_electricity & (flow == "exported"), 4),
        (is_heat & flow.isin(list(_SPENT)), 5),
        (is_heat & (flow == "exported"), 6),
        (process_input, 7),
        (produced, 8),
        else_=0,
    ).cast("int8")
    category = ibis.cases(
        (fuel_spent, "combustion"),
        (fuel_feedstock | process_input | produced, "process"),
        ((is_electricity | is_heat) & (flow == "exported"), "exported"),
        (is_electricity, "purchased_electricity"),
        (is_heat, "purchased_heat"),
        else_="none",
    )
    ef = ibis.cases(
        (is_electricity, a.grid_ef),
        (is_steam | (is_heat & has_ncv), ibis.null("float64")),  # per line: the line's enthalpy
        (is_heat, a.heat_content * heat_ef),
        (process_input, ibis.ifelse(has_cc, ibis.null("float64"), a.process_ef)),
        (produced & has_oxides, ibis.null("float64")),  # per line: the clinker's measured oxides
        (produced & has_pfc, ibis.null("float64")),  # per line: the measured anode-effect figures
        (produced, ibis.ifelse(produced_ef != 0, produced_ef, ibis.null("float64"))),
        else_=ibis.null("float64"),
    )
    ef_ref = ibis.cases(
        (is_electricity, a.grid_ref),
        (is_steam, ibis.ifelse(has_ncv, "(measured enthalpy", "(IAPWS-IF97 enthalpy of the line's steam state") + f" − {_FEED_WATER_KJ_PER_KG} kJ/kg feed water) / 1000 × " + heat_ef_ref),
        (is_heat, ibis.ifelse(has_ncv, "measured heat content", a.heat_content_ref) + " × " + heat_ef_ref),
        (process_input, ibis.ifelse(has_cc, "measured carbon content × 44/12", a.process_ef_ref)),
        (produced & has_oxides, ibis.literal(CLINKER_EF_REF)),
        (produced & pfc_slope, "slope method: measured anode-effect minutes AEM × " + a.pfc_slope_ref),
        (produced & pfc_overvoltage, "overvoltage method: measured AEO [mV] / CE [%] × " + a.pfc_ovc_ref),
        (produced, ibis.ifelse(produced_ef != 0, a.output_ref.coalesce(a.fixed_ref), ibis.null("string"))),
        else_=ibis.null("string"),
    )
    ef_warn = ibis.cases(
        (is_electricity, a.grid_warn.fill_null(False)),
        (is_heat, ~has_ncv & a.heat_content_warn.fill_null(False)),
        (process_input, ~has_cc & a.process_ef_warn.fill_null(False)),
        (produced & pfc_slope, a.pfc_slope_warn.fill_null(False)),
        (produced & pfc_overvoltage, a.pfc_ovc_warn.fill_null(False)),
        (produced, ~has_oxides & (a.output_warn.fill_null(False) | a.fixed_warn.fill_null(False))),
        else_=False,
    )
    ncv_ref = ibis.ifelse(fuel_line, used_ref(has_ncv, a.ncv_ref), ibis.null("string"))
    cc_ref = ibis.ifelse(fuel_line, used_ref(has_cc, a.cc_ref), ibis.null("string"))
    of_ref = ibis.ifelse(fuel_spent, used_ref(has_of, a.of_ref), ibis.null("string"))

    def ref_if(flag: ir.BooleanValue, ref: ir.StringValue) -> ir.StringValue:
        return ibis.ifelse(flag, ref, ibis.null("string"))

    warned = [(coef_warn, coef_ref), (fuel_line & ncv_warn, ncv_ref), (fuel_line & cc_warn, cc_ref),
              (fuel_spent & of_warn, of_ref), (ef_warn, ef_ref)]
    warn_refs = ibis.literal(";").join([ref_if(flag, ref) for flag, ref in warned])
    missing = ibis.cases(
        (uses_energy & ~coef_from_ncv & coef.isnull(), a.item + ".coefficient"),
        (fuel_line & ~has_ncv & a.ncv.isnull(), a.item + ".ncv"),
        (fuel_line & ~has_cc & a.cc.isnull(), a.item + ".carbon_content"),
        (fuel_spent & ~has_of & a.of.isnull(), a.item + ".oxidation_rate"),
        (is_electricity & flow.isin([*_SPENT, "exported"]) & a.grid_ef.isnull(), "grid_factor." + a.region),
        (is_heat & ~is_steam & ~has_ncv & a.heat_content.isnull(), a.item + ".heat_content"),
        (process_input & ~has_cc & a.process_ef.isnull(), a.item + ".process_ef"),
        else_=ibis.null("string"),
    )
    return a.select(
        *keys.columns,
        category=category,
        formula=formula,
        sign=ibis.ifelse(flow == "exported", -1.0, 1.0),
        coef=coef, coef_from_ncv=coef_from_ncv, coef_ref=coef_ref,
        ncv=ibis.ifelse(fuel_line & ~has_ncv, a.ncv, ibis.null("float64")), ncv_ref=ncv_ref,
        cc=ibis.ifelse(fuel_line & ~has_cc, a.cc, ibis.null("float64")), cc_ref=cc_ref,
        of=ibis.ifelse(fuel_spent & ~has_of, a.of, ibis.null("float64")), of_ref=of_ref,
        ef=ef, ef_ref=ef_ref,
        ncv_default=a.ncv, cc_default=a.cc, of_default=a.of, heat_kind=is_heat, heat_content=a.heat_content,
        process_ef=a.process_ef, produced_ef=produced_ef, grid_ef=a.grid_ef, heat_ef=heat_ef,
        pfc_slope_ef=ibis.ifelse(produced & pfc_slope, a.pfc_slope_ef, ibis.null("float64")),
        pfc_ovc_ef=ibis.ifelse(produced & pfc_overvoltage, a.pfc_ovc_ef, ibis.null("float64")),
        warn_refs=ibis.ifelse(warn_refs == "", ibis.null("string"), warn_refs),
        unverified=ibis.or_(*((flag & ref.notnull()).fill_null(False) for flag, ref in warned)),
        missing=missing,
    )


def activity_lines(activity: ir.Table, sets: ir.Table, methods: ir.Table | None = None) -> ir.Table:
    """One derivation line per activity row: the parameters used and the energy and CO2e results.

    Parameters
    ----------
    activity
        Canonical activity (see :func:`greenmfg.accounting.validation.validate_activity`), each
        row naming its ``parameter_set``.
    sets
        :func:`parameter_sets` for every set the rows name.
    methods
        The methods of processes that can be reported two ways (``m_industry``, ``m_item``,
        ``m_flow``, ``m_process``, ``m_rank``, ``m_key``; see
        :func:`greenmfg.accounting.parameters.method_table`): a line of one gets its
        ``method_process``, ``method_rank`` and ``method`` (the method's key), else they are null.
        The line's ``co2e_t`` is what its method gives; :func:`method_choice` sets it aside when
        another method of the process counts.

    Returns
    -------
    ibis.Table
        The activity columns plus ``category``, ``energy_tce`` [tce], ``co2e_t`` [tCO2e], the
        parameters used (``coef``, ``ncv``, ``cc``, ``of``, ``ef`` with ``*_ref``), ``warn_refs``
        (';'-separated references of unverified values used), ``unverified`` (there is one) and
        ``missing`` (parameter that had no value, so the line contributes nothing for it).
    """
    s = sets.select(
        "parameter_set", "category", "formula", "sign", "coef", "coef_from_ncv", "coef_ref", "ncv_ref", "cc_ref",
        "of_ref", "ef", "ef_ref", "ncv_default", "cc_default", "of_default", "heat_kind", "heat_content",
        "process_ef", "produced_ef", "pfc_slope_ef", "pfc_ovc_ef", "grid_ef", "heat_ef", "warn_refs", "unverified",
        "missing",
    ).rename(set_number="parameter_set")
    a = activity.left_join(s, activity.parameter_set == s.set_number)
    if methods is not None:
        m = methods.select("m_industry", "m_item", "m_flow", "m_process", "m_rank", "m_key")
        a = a.left_join(m, (a.industry == m.m_industry) & (a.item == m.m_item) & (a.flow == m.m_flow))
        method_columns = {"method_process": a.m_process, "method_rank": a.m_rank.cast("int32"), "method": a.m_key}
    else:
        method_columns = {"method_process": ibis.null("string"), "method_rank": ibis.null("int32"),
                          "method": ibis.null("string")}
    q, formula, sign = a.quantity, a.formula, a.sign
    ncv = a.ncv_measured.coalesce(a.ncv_default)
    cc_fuel = a.carbon_content_measured.coalesce(a.cc_default)
    of = a.oxidation_rate_measured.coalesce(a.of_default)
    coef = ibis.ifelse(a.coef_from_ncv, a.ncv_measured / GJ_PER_TCE, a.coef)
    steam = a.kind == "steam"
    # steam: enthalpy (measured, else of its state) net of the feed water's [GJ/t]
    heat_content = ibis.ifelse(steam, a.ncv_measured.coalesce(a.steam_enthalpy) - FEED_WATER_ENTHALPY_GJ_PER_T,
                               a.ncv_measured.coalesce(a.heat_content))
    heat_gj = q * heat_content
    process_carbon_ef = ibis.ifelse(
        a.carbon_content_measured.notnull(), a.carbon_content_measured * CARBON_TO_CO2, a.process_ef
    )
    # clinker: its measured CaO and MgO from carbonates, converted back to the CO2 they released
    has_oxides = a.clinker_cao_measured.notnull()
    clinker_ef = ((a.clinker_cao_measured - a.clinker_cao_non_carbonate_measured.fill_null(0.0)) * CO2_PER_CAO
                  + (a.clinker_mgo_measured - a.clinker_mgo_non_carbonate_measured.fill_null(0.0)) * CO2_PER_MGO)
    # aluminium: the anode-effect PFCs by the slope method (AEM given) or the overvoltage method
    # (AEO and CE given; CE as a percentage in AEO/CE, as IPCC and the EU MRR write it)
    # (the set carries the coefficient of the method it uses, the other null)
    slope = a.anode_effect_minutes_measured.notnull() & a.pfc_slope_ef.notnull()
    overvoltage = a.anode_effect_overvoltage_measured.notnull() & a.pfc_ovc_ef.notnull()
    pfc_ef = ibis.cases(
        (slope, a.anode_effect_minutes_measured * a.pfc_slope_ef),
        (overvoltage, a.anode_effect_overvoltage_measured / (a.current_efficiency_measured * 100.0) * a.pfc_ovc_ef),
        else_=ibis.null("float64"),
    )
    has_pfc = pfc_ef.notnull()
    produced_ef = ibis.cases((has_oxides, clinker_ef), (has_pfc, pfc_ef), else_=a.produced_ef)
    # the same expressions, in the same order, as each formula has always been computed
    co2e = ibis.cases(
        (formula == 1, sign * q * ncv * cc_fuel * of * CARBON_TO_CO2),
        (formula == 2, q * ncv * cc_fuel * CARBON_TO_CO2),
        (formula == 3, q * a.grid_ef),
        (formula == 4, -q * a.grid_ef),
        (formula == 5, heat_gj * a.heat_ef),
        (formula == 6, -heat_gj * a.heat_ef),
        (formula == 7, q * process_carbon_ef),
        (formula == 8, q * produced_ef),
        else_=ibis.literal(0.0, "float64"),
    )
    fuel_line = (formula == 1) | (formula == 2)
    ef = ibis.cases(
        (a.heat_kind, heat_content * a.heat_ef),
        (formula == 7, process_carbon_ef),
        ((formula == 8) & has_oxides, clinker_ef),
        ((formula == 8) & has_pfc, pfc_ef),
        else_=a.ef,
    )
    bookkeeping = [c for c in activity.columns if c.startswith("_")]
    return a.select(
        *bookkeeping, "enterprise_id", "enterprise_name", "industry", "region", "facility_id",
        "period", "item", "kind", "flow", "quantity", "unit", "quantity_input", "unit_input", "ncv_measured",
        "carbon_content_measured", "oxidation_rate_measured", *(f"{c}_measured" for c in CLINKER_OXIDES),
        *(f"{c}_measured" for c in PFC_INPUTS), "steam_pressure", "steam_temperature", "steam_enthalpy", "parameter_set",
        category=a.category,
        energy_tce=(sign * q * coef).fill_null(0.0),
        co2e_t=co2e.fill_null(0.0),
        coef=coef, coef_ref=a.coef_ref,
        ncv=ibis.ifelse(fuel_line, ncv, ibis.null("float64")), ncv_ref=a.ncv_ref,
        cc=ibis.ifelse(fuel_line, cc_fuel, ibis.null("float64")), cc_ref=a.cc_ref,
        of=ibis.ifelse(formula == 1, of, ibis.null("float64")), of_ref=a.of_ref,
        ef=ef, ef_ref=a.ef_ref,
        heat_content=ibis.ifelse(a.heat_kind, heat_content, ibis.null("float64")),
        warn_refs=a.warn_refs, unverified=a.unverified,
        missing=ibis.ifelse(steam & a.heat_kind & heat_content.isnull(), a.item + ".steam_state", a.missing),
        **method_columns,
    )


_KEYS = ("enterprise_id", "enterprise_name", "industry", "region", "facility_id", "period")


def _method_column(process: str, rank: int) -> str:
    return f"_m_{process}_{rank}"


def _method_columns(table: ir.Table) -> dict[str, list[tuple[int, str]]]:
    """The ``_m_<process>_<rank>`` columns of ``table``: process → [(rank, column)] by rank."""
    found: dict[str, list[tuple[int, str]]] = {}
    for column in table.columns:
        match = _METHOD_COLUMN.match(column)
        if match:
            found.setdefault(match[1], []).append((int(match[2]), column))
    return {p: sorted(r) for p, r in sorted(found.items())}


_METHOD_COLUMN = re.compile(r"^_m_([a-z][a-z0-9_]*)_([0-9]+)$")


def facility_sums(lines: ir.Table, *, method_ranks: Sequence[tuple[str, int]] = (),
                  extra: Mapping[str, ir.Scalar] | None = None) -> ir.Table:
    """Exact sums of the lines by facility and period, in one pass over the lines.

    Energy [tce] and CO2e by category [tCO2e] are summed as exact decimals, so that results do not
    depend on summation order and sums of sums are exact (see :func:`regroup_sums`); ``lines``,
    ``unverified_lines`` and ``missing_lines`` count lines. ``method_ranks`` names the (process,
    rank) pairs of the lines' methods (see :func:`activity_lines`): each gets the CO2e of its
    lines, ``_m_<process>_<rank>``, from which :func:`facility_totals` chooses the one that
    counts. ``extra`` names further aggregates of the lines to compute in the same pass.
    """
    return lines.group_by(list(_KEYS)).aggregate(
        energy_tce=lines.energy_tce.cast(_EXACT).sum(),
        **{c: lines.co2e_t.cast(_EXACT).sum(where=lines.category == c) for c in CATEGORIES},
        lines=lines.count(),
        unverified_lines=lines.unverified.sum(),
        missing_lines=lines.missing.notnull().sum(),
        **{_method_column(p, r): lines.co2e_t.cast(_EXACT).sum(
            where=(lines.method_process == p) & (lines.method_rank == r)) for p, r in method_ranks},
        **(extra or {}),
    )


def regroup_sums(sums: ir.Table) -> ir.Table:
    """Add up the rows of :func:`facility_sums` that share their keys (after the keys were
    normalised): exact, the sums being decimals."""
    methods = [c for ranks in _method_columns(sums).values() for _, c in ranks]
    return sums.group_by(list(_KEYS)).aggregate(
        **{c: sums[c].sum() for c in ("energy_tce", *CATEGORIES, "lines", "unverified_lines", "missing_lines",
                                      *methods)}
    )


def facility_totals(sums: ir.Table) -> ir.Table:
    """Energy [tce] and emissions [tCO2e] by facility and period, by category and scope.

    ``sums`` comes from :func:`facility_sums`. ``unverified_lines`` and ``missing_lines`` count
    the lines that used an unverified value or lacked a parameter; the lines themselves name them.

    One method per process: of the ``_m_<process>_<rank>`` sums the lowest rank that is not zero
    counts (``_chosen_<process>``, null when none has emissions); the higher ranks are set aside:
    deducted from ``process`` and summed in ``set_aside`` [tCO2e] (what they would have added).

    scope 1 = combustion + process; scope 2 = purchased electricity + purchased heat;
    total = scope 1 + scope 2 + exported (exported is zero or negative).
    """
    exact = {c: sums[c].fill_null(0) for c in ("energy_tce", *CATEGORIES)}
    set_aside = ibis.literal(0, _EXACT)
    chosen: dict[str, ir.IntegerValue] = {}
    for process, ranks in _method_columns(sums).items():
        values = {rank: sums[column].fill_null(0) for rank, column in ranks}
        first = ibis.cases(*((values[rank] != 0, rank) for rank, _ in ranks), else_=ibis.null("int32"))
        chosen[f"_chosen_{process}"] = first.cast("int32")
        for rank, _ in ranks[1:]:
            set_aside = set_aside + ibis.ifelse(first.notnull() & (first < rank), values[rank], 0).cast(_EXACT)
    exact["process"] = (exact["process"] - set_aside).cast(_EXACT)
    scope1 = exact["combustion"] + exact["process"]
    scope2 = exact["purchased_electricity"] + exact["purchased_heat"]
    return sums.select(
        *_KEYS,
        energy_tce=exact["energy_tce"].cast("float64"),
        total=(scope1 + scope2 + exact["exported"]).cast("float64"),
        scope1=scope1.cast("float64"),
        scope2=scope2.cast("float64"),
        **{c: exact[c].cast("float64") for c in CATEGORIES},
        **{c: sums[c].cast("int64") for c in ("lines", "unverified_lines", "missing_lines")},
        set_aside=set_aside.cast("float64"),
        **chosen,
    )


def method_choice(lines: ir.Table, totals: ir.Table, *, period: str = "_period_code",
                  keys: Mapping[str, ir.Value] | None = None) -> ir.Table:
    """``lines`` (of :func:`activity_lines`) with the choice of :func:`facility_totals` applied:
    a line of a method that does not count has ``co2e_t`` 0 and keeps its own figure as
    ``set_aside_co2e_t`` (else null); ``method_used`` says whether its method counts (null for
    lines of no method).

    ``totals`` has ``enterprise_id``, ``facility_id``, ``period`` (as the lines' column ``period``
    names it: the number of :func:`greenmfg.accounting.screening.with_key_codes` by default) and
    the ``_chosen_<process>`` columns; ``keys`` replaces the lines' enterprise_id and facility_id
    in the join (identifiers not yet canonical).
    """
    processes = [c.removeprefix("_chosen_") for c in totals.columns if c.startswith("_chosen_")]
    if not processes:
        return lines.mutate(set_aside_co2e_t=ibis.null("float64"), method_used=ibis.null("boolean"))
    chosen = totals.select(_c_enterprise=totals.enterprise_id, _c_facility=totals.facility_id,
                           _c_period=totals.period, **{f"_c_{p}": totals[f"_chosen_{p}"] for p in processes})
    keys = keys or {}
    enterprise, facility = keys.get("enterprise_id", lines.enterprise_id), keys.get("facility_id", lines.facility_id)
    joined = lines.left_join(chosen, (enterprise == chosen._c_enterprise) & (facility == chosen._c_facility)
                             & (lines[period] == chosen._c_period))
    counted = ibis.cases(*((joined.method_process == p, joined[f"_c_{p}"]) for p in processes),
                         else_=ibis.null("int32"))
    aside = (joined.method_rank.notnull() & counted.notnull() & (joined.method_rank > counted)).fill_null(False)
    return joined.select(
        *(c for c in lines.columns if c != "co2e_t"),
        co2e_t=ibis.ifelse(aside, ibis.literal(0.0, "float64"), joined.co2e_t),
        set_aside_co2e_t=ibis.ifelse(aside, joined.co2e_t, ibis.null("float64")),
        method_used=ibis.ifelse(joined.method_rank.isnull(), ibis.null("boolean"), ~aside),
    ).select(*lines.columns, "set_aside_co2e_t", "method_used")


def facility_products(lines: ir.Table, totals: ir.Table) -> ir.Table:
    """Output of each product by facility and period with its unit energy and emission intensity.

    energy_intensity [kgce/unit] = 1000 · energy_tce / Q; emission_intensity [tCO2e/unit] =
    total / Q. Both use the whole facility's totals; ``products_in_facility`` > 1 says so.
    ``lines`` may be only those with flow ``produced``: no other line is used.
    """
    produced = lines.filter(lines.flow == "produced")
    output = produced.group_by([*_KEYS, "item", "unit"]).aggregate(
        quantity=produced.quantity.cast(_EXACT).sum().cast("float64")
    )
    counts = output.group_by(["enterprise_id", "facility_id", "period"]).aggregate(
        products_in_facility=output.count()
    )
    joined = output.join(totals.select("enterprise_id", "facility_id", "period", "energy_tce", "total"),
                         ["enterprise_id", "facility_id", "period"])
    joined = joined.join(counts, ["enterprise_id", "facility_id", "period"])
    positive = joined.quantity > 0
    return joined.select(
        "enterprise_id", "facility_id", "period",
        product=joined.item, quantity=joined.quantity, unit=joined.unit,
        energy_intensity=ibis.ifelse(positive, joined.energy_tce * 1000.0 / joined.quantity, ibis.null("float64")),
        energy_intensity_unit="kgce/" + joined.unit,
        emission_intensity=ibis.ifelse(positive, joined.total / joined.quantity, ibis.null("float64")),
        emission_intensity_unit="tCO2e/" + joined.unit,
        products_in_facility=joined.products_in_facility,
    )
