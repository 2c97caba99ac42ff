"""EU CBAM formulas: attributed emissions of a production process, specific embedded emissions (SEE)
of simple and complex goods, default values with their mark-up, the free-allocation adjustment and
the certificates and their cost.

Pure functions on numbers; the domain service :mod:`greenmfg.cbam` binds the installation's
accounted emissions, the goods, the precursors and the reference data (``cbam_*`` datasets).

Symbols follow Regulation (EU) 2023/956 Annex IV and Implementing Regulation (EU) 2025/2547
Annex III: ``AttrEm`` attributed emissions of a production process [tCO2e], ``AL`` its activity
level [t], ``M_i`` mass of precursor i used [t], ``SEE_i`` its specific embedded emissions
[tCO2e/t].

References
----------
Regulation (EU) 2023/956, Annex IV points 2 (simple goods) and 3 (complex goods).
Implementing Regulation (EU) 2025/2547, Annex I point 3.1 (indirect emissions of precursors),
Annex III A (attribution of emissions to production processes) and B (Eq. 59-62, complex goods).
Implementing Regulation (EU) 2025/2621 (default values and mark-ups); (EU) 2025/2620 (free-allocation
adjustment); Directive 2003/87/EC Art. 10a(1a) (CBAM factor).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["CycleError", "PrecursorInput", "ProcessInput", "SpecificEmbeddedEmissions", "attributed_direct_t",
           "certificates", "default_with_markup", "free_allocation_per_t", "indirect_emissions_t",
           "specific_embedded_emissions"]


class CycleError(ValueError):
    """Production processes whose precursors lead back to themselves (``cycle``: the keys in order)."""

    def __init__(self, cycle: Sequence[str]) -> None:
        self.cycle = tuple(cycle)
        super().__init__(" → ".join(self.cycle))


def attributed_direct_t(direct_t: float, *, heat_imported_t: float = 0.0, heat_exported_t: float = 0.0,
                        waste_gas_imported_t: float = 0.0, waste_gas_exported_t: float = 0.0,
                        electricity_exported_t: float = 0.0) -> float:
    """Attributed direct emissions of a production process over the reporting period [tCO2e].

    ``AttrEm_dir = max(0, DirEm + Em_H,imp − Em_H,exp + WG_corr,imp − WG_corr,exp − Em_el,exp)``

    A negative result is set to zero (a process exporting more heat or electricity than its own
    emissions cover carries no negative emissions into its goods).

    Parameters
    ----------
    direct_t
        DirEm: emissions of the process's source streams and emission sources [tCO2e].
    heat_imported_t, heat_exported_t
        Emissions of measurable heat imported into / exported from the process [tCO2e].
    waste_gas_imported_t, waste_gas_exported_t
        Waste-gas corrections [tCO2e].
    electricity_exported_t
        Emissions of the electricity produced in the process and exported from it [tCO2e].

    References
    ----------
    IR (EU) 2025/2547 Annex III point A.3, Equation 55 and the sentence after it ("Where AttrEm_Dir is
    calculated to have a negative value, it shall be set to zero"), read in the act as published in
    the Official Journal (OJ L, 2025/2547, 22.12.2025); as 2023/1773 Annex III section F.1.
    """
    return max(0.0, direct_t + heat_imported_t - heat_exported_t + waste_gas_imported_t - waste_gas_exported_t
               - electricity_exported_t)


def indirect_emissions_t(electricity_mwh: float, emission_factor_t_per_mwh: float) -> float:
    """Indirect emissions of electricity consumed: ``Em_el = E_el × EF_el`` [tCO2e].

    ``electricity_mwh`` [MWh], ``emission_factor_t_per_mwh`` [tCO2/MWh].
    """
    return electricity_mwh * emission_factor_t_per_mwh


@dataclass(frozen=True, slots=True)
class PrecursorInput:
    """A precursor used by a production process.

    ``mass_t`` M_i [t]. Either ``process`` (the key of the process of the same installation that made
    it: its SEE is computed first) or ``see_direct``/``see_indirect`` [tCO2e/t] (a supplier's
    communicated values, or default values). ``indirect_counts``: whether the precursor's own good
    counts indirect emissions (not an Annex II good of 2023/956). ``estimated``: its values are
    default values (counted in the share of embedded emissions from default values).
    """

    mass_t: float
    process: str | None = None
    see_direct: float = 0.0
    see_indirect: float = 0.0
    indirect_counts: bool = False
    estimated: bool = False
    label: str = ""


@dataclass(frozen=True, slots=True)
class ProcessInput:
    """A production process over the reporting period: ``activity_level_t`` AL [t], attributed direct
    and indirect emissions [tCO2e], whether its good counts indirect emissions, its precursors."""

    activity_level_t: float
    attributed_direct_t: float
    attributed_indirect_t: float
    indirect_counts: bool
    precursors: tuple[PrecursorInput, ...] = ()


@dataclass(frozen=True, slots=True)
class SpecificEmbeddedEmissions:
    """SEE of the goods of one production process [tCO2e/t].

    ``direct``/``indirect``: the two channels of Annex IV (own attributed emissions per tonne plus
    Σ m_i · SEE_i of the precursors). ``counted``: what counts for CBAM in the definitive period:
    the direct channel, plus the process's own indirect emissions when its good counts them, plus
    each precursor's counted SEE (so a direct-only good includes a precursor's indirect emissions
    when that precursor's good counts them, and a good that counts indirect emissions leaves out
    those of a direct-only precursor: IR 2025/2547 Annex I point 3.1). ``own_direct``/``own_indirect``:
    AttrEm/AL. ``precursor_direct``/``precursor_indirect``/``precursor_counted``: Σ m_i · SEE_i.
    ``estimated``: the part of ``counted`` that comes from default values.
    """

    direct: float
    indirect: float
    counted: float
    own_direct: float
    own_indirect: float
    precursor_direct: float
    precursor_indirect: float
    precursor_counted: float
    estimated: float
    terms: tuple[dict[str, float | str], ...] = field(default=())

    @property
    def total(self) -> float:
        """Direct plus indirect channel [tCO2e/t]."""
        return self.direct + self.indirect

    @property
    def default_share(self) -> float:
        """Share of the counted embedded emissions that comes from default values [1]."""
        return self.estimated / self.counted if self.counted else 0.0


def specific_embedded_emissions(processes: Mapping[str, ProcessInput]) -> dict[str, SpecificEmbeddedEmissions]:
    """SEE of every production process, precursors made in the installation resolved first.

    ``SEE_g = (AttrEm_g + Σ_i M_i · SEE_i) / AL_g``, on the direct and the indirect channel
    (2023/956 Annex IV point 3; 2025/2547 Annex III B, Eq. 59-62). A simple good has no precursors.

    Raises
    ------
    CycleError
        The precursors of a process lead back to it.
    ValueError
        A process has no positive activity level, or a precursor names a process that is not given.

    References
    ----------
    Regulation (EU) 2023/956 Annex IV; IR (EU) 2025/2547 Annex I point 3.1 and Annex III B.
    """
    done: dict[str, SpecificEmbeddedEmissions] = {}
    visiting: list[str] = []

    def solve(key: str) -> SpecificEmbeddedEmissions:
        if key in done:
            return done[key]
        if key in visiting:
            raise CycleError([*visiting[visiting.index(key):], key])
        if key not in processes:
            raise ValueError(f"no production process {key!r}")
        process = processes[key]
        if not process.activity_level_t > 0:
            raise ValueError(f"production process {key!r} has no positive activity level")
        visiting.append(key)
        level = process.activity_level_t
        own_direct = process.attributed_direct_t / level
        own_indirect = process.attributed_indirect_t / level
        sums = {"direct": 0.0, "indirect": 0.0, "counted": 0.0, "estimated": 0.0}
        terms: list[dict[str, float | str]] = []
        for precursor in process.precursors:
            share = precursor.mass_t / level
            if precursor.process is not None:
                inner = solve(precursor.process)
                direct, indirect, counted, estimated = inner.direct, inner.indirect, inner.counted, inner.estimated
            else:
                direct, indirect = precursor.see_direct, precursor.see_indirect
                counted = direct + (indirect if precursor.indirect_counts else 0.0)
                estimated = counted if precursor.estimated else 0.0
            sums["direct"] += share * direct
            sums["indirect"] += share * indirect
            sums["counted"] += share * counted
            sums["estimated"] += share * estimated
            terms.append({"precursor": precursor.label or (precursor.process or ""), "mass_t": precursor.mass_t,
                          "m_t_per_t": share, "see_direct": direct, "see_indirect": indirect,
                          "see_counted": counted})
        visiting.pop()
        counted_own = own_direct + (own_indirect if process.indirect_counts else 0.0)
        result = SpecificEmbeddedEmissions(
            direct=own_direct + sums["direct"], indirect=own_indirect + sums["indirect"],
            counted=counted_own + sums["counted"], own_direct=own_direct, own_indirect=own_indirect,
            precursor_direct=sums["direct"], precursor_indirect=sums["indirect"], precursor_counted=sums["counted"],
            estimated=sums["estimated"], terms=tuple(terms))
        done[key] = result
        return result

    for key in processes:
        solve(key)
    return done


def default_with_markup(total_t_per_t: float, markup: float) -> float:
    """A default value with its mark-up: ``total × (1 + mark-up)`` [tCO2e/t].

    The mark-up applies to the *total* column (IR 2025/2621 as replaced by 2026/1740; the CBAM
    Registry computes it), e.g. 3.19 × 1.10 = 3.509 for hot-rolled flat steel from China in 2026.
    """
    return total_t_per_t * (1.0 + markup)


def free_allocation_per_t(cbam_factor: float, benchmark_t_per_t: float, *, cscf: float = 1.0,
                          precursors_t_per_t: float = 0.0) -> float:
    """Specific free-allocation adjustment of a good [tCO2e/t]:
    ``SEFA = CBAM_y × CSCF_y × BM + Σ m_i · SEFA_i`` (the sum only with a process benchmark, column A).

    References
    ----------
    IR (EU) 2025/2620 (benchmarks and the adjustment); Directive 2003/87/EC Art. 10a(1a) (CBAM factor).
    """
    return cbam_factor * cscf * benchmark_t_per_t + precursors_t_per_t


def certificates(embedded_t: float, free_allocation_t: float, carbon_price_deduction_t: float) -> float:
    """Certificates to surrender [t]: embedded emissions less the free-allocation adjustment and the
    carbon price paid in the country of origin (in certificates), never below zero (the floor is an
    inference: the regulation does not state it)."""
    return max(0.0, embedded_t - free_allocation_t - carbon_price_deduction_t)
