"""Formulas of the national carbon market's accounting guidelines that the accounting plans do not
compute themselves: the anode-effect PFCs gas by gas, the steel guideline's co-firing power units
and its "other" processes, and the covered total.

Everything else (fuel combustion, carbonates, anodes, clinker, carbon materials and products) is
computed by the one engine, :mod:`greenmfg.calc.accounting`, with the guideline's default tables
bound as its methodology; these functions only split or combine its figures.

References
----------
MEE 《企业温室气体排放核算与报告指南 铝冶炼行业》 CETS—AG—04.01—V01—2024 (anode effect: PFC).
MEE 《企业温室气体排放核算与报告指南 钢铁行业》 CETS—AG—03.01—V01—2024, formulas (1) to (4).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PfcEmissions", "cofiring_emissions_t", "covered_emissions_t", "other_processes_t", "pfc_emissions",
           "pfc_overvoltage", "pfc_slope"]

#: kilograms per tonne
_KG_PER_T = 1000.0


@dataclass(frozen=True, slots=True)
class PfcEmissions:
    """Anode-effect emissions of one production figure, gas by gas.

    ``cf4_t``, ``c2f6_t`` [t of gas]; ``cf4_tco2e``, ``c2f6_tco2e`` [tCO2e] (mass × GWP).
    """

    cf4_t: float
    c2f6_t: float
    cf4_tco2e: float
    c2f6_tco2e: float

    @property
    def total_tco2e(self) -> float:
        """CF4 and C2F6 together [tCO2e]."""
        return self.cf4_tco2e + self.c2f6_tco2e


def pfc_emissions(aluminium_t: float, ef_cf4_kg_per_t: float, ef_c2f6_kg_per_t: float,
                  gwp_cf4: float, gwp_c2f6: float) -> PfcEmissions:
    """Perfluorocarbons of the anode effect: E_PFC = P × (EF_CF4 × GWP_CF4 + EF_C2F6 × GWP_C2F6) / 1000.

    Parameters
    ----------
    aluminium_t
        Primary aluminium (liquid) produced, P [t].
    ef_cf4_kg_per_t, ef_c2f6_kg_per_t
        Emission factors of CF4 and C2F6 [kg gas / t aluminium].
    gwp_cf4, gwp_c2f6
        Global warming potentials [tCO2e / t gas] of the guideline's edition.

    Returns
    -------
    PfcEmissions
        Each gas in tonnes and in tCO2e.

    References
    ----------
    CETS—AG—04.01—V01—2024, anode-effect PFC emissions; the same product form as the NDRC 2013
    electrolytic-aluminium guideline.
    """
    cf4_t = aluminium_t * ef_cf4_kg_per_t / _KG_PER_T
    c2f6_t = aluminium_t * ef_c2f6_kg_per_t / _KG_PER_T
    return PfcEmissions(cf4_t, c2f6_t, cf4_t * gwp_cf4, c2f6_t * gwp_c2f6)


def pfc_slope(aluminium_t: float, anode_effect_minutes: float, slope_cf4: float, c2f6_fraction: float,
              gwp_cf4: float, gwp_c2f6: float) -> PfcEmissions:
    """Anode-effect PFCs by the slope method: E_CF4 = S_CF4 × AEM × P / 1000, E_C2F6 = E_CF4 × F.

    Parameters
    ----------
    aluminium_t
        Primary aluminium produced, P [t].
    anode_effect_minutes
        Anode-effect minutes per cell-day, AEM [AE-min/cell-day] (frequency × average duration).
    slope_cf4
        Slope coefficient S_CF4 [(kg CF4/t Al)/(AE-min/cell-day)].
    c2f6_fraction
        Weight fraction C2F6/CF4, F [1].
    gwp_cf4, gwp_c2f6
        Global warming potentials [tCO2e / t gas].

    References
    ----------
    IPCC 2006 Guidelines Vol.3 Ch.4 eq. 4.26 and 2019 Refinement (Tier 2/3 slope method);
    Commission Implementing Regulation (EU) 2023/1773 Annex II B.7.1 equations 21–23.
    """
    cf4_t = slope_cf4 * anode_effect_minutes * aluminium_t / _KG_PER_T
    c2f6_t = cf4_t * c2f6_fraction
    return PfcEmissions(cf4_t, c2f6_t, cf4_t * gwp_cf4, c2f6_t * gwp_c2f6)


def pfc_overvoltage(aluminium_t: float, overvoltage_mv: float, current_efficiency: float, ovc_cf4: float,
                    c2f6_fraction: float, gwp_cf4: float, gwp_c2f6: float) -> PfcEmissions:
    """Anode-effect PFCs by the overvoltage method: E_CF4 = OVC × AEO / CE × P / 1000, E_C2F6 = E_CF4 × F.

    Parameters
    ----------
    aluminium_t
        Primary aluminium produced, P [t].
    overvoltage_mv
        Anode-effect overvoltage per cell, AEO [mV].
    current_efficiency
        Current efficiency CE [1] (0.93); the formula divides by it in per cent (93).
    ovc_cf4
        Overvoltage coefficient [(kg CF4/t Al)/(mV/%)].
    c2f6_fraction
        Weight fraction C2F6/CF4, F [1].
    gwp_cf4, gwp_c2f6
        Global warming potentials [tCO2e / t gas].

    References
    ----------
    IPCC 2006 Guidelines Vol.3 Ch.4 eq. 4.27; Commission Implementing Regulation (EU) 2023/1773
    Annex II B.7.2 equations 24–25 (CE in %).
    """
    cf4_t = ovc_cf4 * overvoltage_mv / (current_efficiency * 100.0) * aluminium_t / _KG_PER_T
    c2f6_t = cf4_t * c2f6_fraction
    return PfcEmissions(cf4_t, c2f6_t, cf4_t * gwp_cf4, c2f6_t * gwp_c2f6)


def cofiring_emissions_t(lines: Iterable[tuple[float, float]]) -> float:
    """A steel works' co-firing power unit, formula (3): E = Σ FC × NCV × CC × OF × 44/12 [tCO2].

    Parameters
    ----------
    lines
        For each fuel line of the unit: its CO2 without oxidation rate, FC × NCV × CC × 44/12
        [tCO2] (the enterprise formula (1)), and its oxidation rate OF [1].

    References
    ----------
    CETS—AG—03.01—V01—2024, 7.2.1 formula (3).
    """
    return sum(co2_t * oxidation_rate for co2_t, oxidation_rate in lines)


def other_processes_t(enterprise_t: float, main_processes_t: Iterable[float], cofiring_t: Iterable[float]) -> float:
    """The steel works' "other" processes, formula (4): E_other = E_enterprise − Σ E_process − Σ E_cofiring [tCO2].

    References
    ----------
    CETS—AG—03.01—V01—2024, 7.3 formula (4).
    """
    return enterprise_t - sum(main_processes_t) - sum(cofiring_t)


def covered_emissions_t(combustion_t: float, process_t: float, pfc_tco2e: float = 0.0) -> float:
    """Emissions covered by the national carbon market: direct CO2 (fuel combustion and processes)
    plus, for aluminium, the anode-effect PFCs [tCO2e]. Purchased electricity and heat are not
    emission sources of the guidelines and never enter this figure.

    References
    ----------
    CETS—AG—02.01, CETS—AG—04.01 (2024) and CETS—AG—03.01—V01—2024 (5.2: purchased electricity and
    heat only as auxiliary report items).
    """
    return combustion_t + process_t + pfc_tco2e
