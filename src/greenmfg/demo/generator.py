"""Synthetic demo region in greenmfg's input-template format (one row per activity).

The region is built from per-industry *routes* (a steel BF-BOF plant, a clinker line, a float-glass
line, a small textile mill ...). Each route is a list of activity lines (an item with a flow) and a
rule for sizing each line:

- ``main``: the route's main output [canonical unit of the item per facility-month].
- ``ratio``: a fixed amount per unit of main output (flux per tonne of steel, water per kgce).
- ``share``: a share of the energy that is left once every ``main`` and ``ratio`` energy line has
  been counted; these lines close the energy balance so that the facility's unit energy
  consumption equals its drawn intensity [kgce per unit of main output].

The balance counts energy the way greenmfg's accounting does (GB/T 2589): consumed, purchased and
feedstock energy in, energy supplied outside ('exported') out. 'produced' is the production
statistic only (the denominator of unit consumption; products leaving the boundary also remove
their fixed carbon), so energy products that leave a plant (coke, refinery fuels) are reported
twice: 'produced' for the output and 'exported' for the energy.
- ``intensity``: the amount per unit of output *is* the drawn intensity (aluminium AC electricity).

Every row is generated with numpy over whole route blocks (facilities x months x lines); there is
no Python loop per row. Light-industry routes have no product in the vocabulary: their "output" is
the facility's monthly energy use [kgce] and their intensity is 1.

A *facility* is a metered site, production line or workshop of the enterprise: heavy plants have
1-3, light-industry firms 1-7. The BF-BOF steel works is reported as process units, one facility
each (``-SJ1`` sintering, ``-JH1`` coking, ``-GL1`` blast furnace, ``-ZL1`` converter, ``-ZG1``
rolling), sized on the works' crude steel by typical process-to-steel ratios (``_WORKS_UNITS``), so
benchmarking gives each process its indicator and the works its crude-steel value.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from greenmfg.errors import DatasetError, UnitError
from greenmfg.refdata import Vocabulary, load_catalog, load_vocabulary
from greenmfg.units import conversion_factor

__all__ = ["ERROR_KINDS", "TEMPLATE_COLUMNS", "generate_region", "write_region"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CodeArray = npt.NDArray[np.int32]  # per-row codes into a text table (-1: null)
BoolArray = npt.NDArray[np.bool_]

#: Columns of the input template, in order.
TEMPLATE_COLUMNS: Final = (
    "enterprise_id", "enterprise_name", "industry", "region", "facility_id", "period", "item",
    "quantity", "unit", "flow", "ncv", "ncv_unit", "carbon_content", "carbon_content_unit",
    "oxidation_rate", "steam_pressure", "steam_temperature",
)

#: Kinds of data error injected by ``generate_region(with_errors=True)``.
ERROR_KINDS: Final = (
    "unknown_item",          # a typo in the item name (天燃气, 交炭, electricty ...)
    "unit_mismatch",         # an energy unit (kWh, 千瓦时) for an item measured in tonnes
    "negative_quantity",     # the quantity with a minus sign
    "non_numeric_quantity",  # text in the quantity cell (约1200, N/A, 待补, 1200O)
    "bad_period",            # month 13 ('2024-13') or a short date ('24/03')
    "duplicate_row",         # a row pasted twice
    "disallowed_flow",       # electricity 'produced' (allowed: consumed, purchased, exported)
)

#: Share of rows turned into errors when ``with_errors`` is True (at least one of each kind).
ERROR_RATE: Final = 0.005

_ENERGY_COEFFICIENTS_DATASET: Final = "energy_coefficients/gbt2589-2020"
_GJ_PER_KGCE: Final = 0.0293076  # 1 kgce = 29 307.6 kJ (GB/T 2589-2020 §3)
_DAYS_PER_MONTH: Final = 365.25 / 12.0
_PARQUET_ROW_GROUP: Final = 1_000_000
_ARROW_CHUNK: Final = 1_000_000
_METADATA_KEY: Final = b"greenmfg.demo"

# ------------------------------------------------------------------------------------------------
# Generator assumptions. Every number the generator takes from outside the reference library is
# here, in one place.
# ------------------------------------------------------------------------------------------------

#: GENERATOR ASSUMPTIONS: standard-coal coefficients (equivalent basis; equal-value for working
#: media) after GB/T 2589-2020, [kgce per canonical unit of the item: t, 10^4 Nm3, MWh, Nm3, GJ].
#: They size the synthetic quantities only. When the reference dataset
#: ``energy_coefficients/gbt2589-2020`` exists its values replace these (see
#: ``_standard_coal_coefficients``). Bituminous coal is assumed equal to raw coal, petroleum coke
#: is 32.5 GJ/t; natural gas and coke-oven gas take the values of the reference dataset at the
#: time of writing (1.3300 and 0.5714 kgce/m3).
_ASSUMED_STANDARD_COAL_COEFFICIENTS: Final[Mapping[str, float]] = MappingProxyType({
    "raw_coal": 714.3,            # [kgce/t]
    "bituminous_coal": 714.3,     # [kgce/t]
    "washed_coal": 900.0,         # [kgce/t]
    "coke": 971.4,                # [kgce/t]
    "petroleum_coke": 1108.9,     # [kgce/t]
    "crude_oil": 1428.6,          # [kgce/t]
    "fuel_oil": 1428.6,           # [kgce/t]
    "gasoline": 1471.4,           # [kgce/t]
    "kerosene": 1471.4,           # [kgce/t]
    "diesel": 1457.1,             # [kgce/t]
    "lpg": 1714.3,                # [kgce/t]
    "refinery_dry_gas": 1571.4,   # [kgce/t]
    "coal_tar": 1142.9,           # [kgce/t]
    "crude_benzene": 1428.6,      # [kgce/t]
    "natural_gas": 13300.0,       # [kgce/(10^4 Nm3)] (1.3300 kgce/m3)
    "coke_oven_gas": 5714.0,      # [kgce/(10^4 Nm3)] (0.5714 kgce/m3)
    "blast_furnace_gas": 1286.0,  # [kgce/(10^4 Nm3)]
    "converter_gas": 2714.0,      # [kgce/(10^4 Nm3)]
    "electricity": 122.9,         # [kgce/MWh] (0.1229 kgce/kWh)
    "steam": 128.6,               # [kgce/t] (low-pressure steam)
    "heat": 34.12,                # [kgce/GJ]
    "fresh_water": 0.2571,        # [kgce/t]
    "softened_water": 0.4857,     # [kgce/t]
    "oxygen": 0.4,                # [kgce/Nm3]
    "nitrogen": 0.4,              # [kgce/Nm3] (by-product nitrogen)
    "compressed_air": 0.04,       # [kgce/Nm3]
})

#: GENERATOR ASSUMPTIONS: centre of the synthetic *measured* fuel parameters: carbon content per
#: unit heat [tC/GJ] and oxidation rate [1]. The measured net calorific value is centred on the
#: value implied by the standard-coal coefficient, so measured and default energy agree.
_ASSUMED_CARBON_CONTENT: Final[Mapping[str, tuple[float, float]]] = MappingProxyType({
    "raw_coal": (0.02620, 0.94),
    "bituminous_coal": (0.02618, 0.93),
    "washed_coal": (0.02541, 0.90),
    "coke": (0.02950, 0.93),
    "petroleum_coke": (0.02750, 0.98),
    "crude_oil": (0.02008, 0.98),
    "fuel_oil": (0.02110, 0.98),
    "gasoline": (0.01890, 0.98),
    "diesel": (0.02020, 0.98),
    "lpg": (0.01720, 0.98),
    "refinery_dry_gas": (0.01820, 0.99),
    "natural_gas": (0.01530, 0.99),
    "coke_oven_gas": (0.01358, 0.99),
    "blast_furnace_gas": (0.07080, 0.99),
    "converter_gas": (0.04960, 0.99),
})

_SEASON_FLAT: Final = (1.0,) * 12
#: Continuous heavy industry: a small Spring-Festival dip [1, per calendar month].
_SEASON_HEAVY: Final = (1.0, 0.97, 1.0, 1.0, 1.01, 1.0, 0.98, 0.98, 1.0, 1.01, 1.0, 1.0)
#: Cement: winter staggered production (错峰生产) and the autumn construction peak.
_SEASON_CEMENT: Final = (0.78, 0.55, 0.95, 1.08, 1.10, 1.04, 0.94, 0.95, 1.05, 1.15, 1.18, 1.08)
#: Light industry: Spring Festival in February, year-end rush.
_SEASON_LIGHT: Final = (0.96, 0.72, 1.0, 1.02, 1.03, 1.02, 0.99, 0.98, 1.03, 1.0, 1.05, 1.10)

_HEAVY_FACILITIES: Final = (0.6, 0.3, 0.1)            # probability of 1, 2, 3 facilities
_LIGHT_FACILITIES: Final = (0.12, 0.18, 0.2, 0.16, 0.13, 0.11, 0.1)  # 1 ... 7 facilities


@dataclass(frozen=True, slots=True)
class _Line:
    """One activity line of a route (an item with a flow) and how it is sized."""

    item: str
    flow: str
    basis: Literal["main", "ratio", "share", "intensity"]
    amount: float = 1.0       # ratio: [canonical unit / unit of output]; share: relative share
    spread: float = 0.0       # lognormal sigma of ``amount`` between facilities [1]
    probability: float = 1.0  # chance that a facility has the line; weight inside a group
    group: str = ""           # exactly one line of a group is chosen per facility
    extra: float = 0.0        # share lines: amount outside the intensity [canonical unit / output]


def _main(item: str) -> _Line:
    return _Line(item, "produced", "main")


def _ratio(item: str, flow: str, amount: float, spread: float = 0.1, probability: float = 1.0,
           group: str = "") -> _Line:
    return _Line(item, flow, "ratio", amount, spread, probability, group)


def _share(item: str, flow: str, share: float, probability: float = 1.0, group: str = "",
           extra: float = 0.0) -> _Line:
    return _Line(item, flow, "share", share, 0.15, probability, group, extra)


def _electricity_share(share: float, extra: float = 0.0) -> tuple[_Line, _Line]:
    """Electricity reported as 'purchased' by half the facilities and 'consumed' by the others."""
    return (
        _share("electricity", "purchased", share, 0.5, "electricity", extra),
        _share("electricity", "consumed", share, 0.5, "electricity", extra),
    )


@dataclass(frozen=True, slots=True)
class _Route:
    """A kind of facility: its industry, size, intensity and activity lines."""

    name: str
    industry: str
    median_output: float      # [canonical unit of the main item, or kgce, per facility-month]
    output_spread: float      # lognormal sigma of the size between facilities [1]
    intensity: tuple[float, float] | None  # (benchmark-like, baseline-like) levels, or None
    lines: tuple[_Line, ...]
    seasonality: tuple[float, ...] = _SEASON_HEAVY
    continuous: bool = True   # output follows the number of days in the month
    facilities: tuple[float, ...] = _HEAVY_FACILITIES
    measured_share: float = 0.4  # chance that a facility measures a fuel's parameters
    flagship: bool = False       # forced into every region (the five heavy industries)
    #: process units of a works (id suffix, unit route, output per unit of the works' output);
    #: when given, each enterprise has one facility per unit and ``lines`` is empty
    units: tuple[tuple[str, _Route, float], ...] = ()
    #: occasional maintenance outages (off for a works' units: one unit's outage alone would
    #: break the works' process-to-steel ratios for the month)
    outages: bool = True


#: GENERATOR ASSUMPTIONS: the process units of an integrated BF-BOF works, each a facility of the
#: works' enterprise (id suffix, unit, output per tonne of the works' crude steel: the 钢比系数 of
#: a typical works). Intensities [kgce per tonne of the unit's product] sit around the process
#: levels: sintering GB 21256-2025 表1 grades 1 and 3 (43, 52; the lists have no sinter level),
#: coking 110/135 and blast furnace 361/435 (发改产业〔2021〕1609号 / 〔2023〕723号). The converter
#: has no intensity: its energy is the sum of its lines (oxygen and power in, recovered converter
#: gas and steam out), about −15 kgce/t, around the 2023 levels (−30/−10). Rolling (rolled steel)
#: has no level; about 50 kgce/t of rolled steel.
_WORKS_UNITS: Final[tuple[tuple[str, _Route, float], ...]] = (
    ("SJ", _Route(
        "works_sintering", "steel", 1.0, 0.0, (43.0, 52.0), facilities=(1.0,), measured_share=0.45, outages=False,
        lines=(
            _main("sinter"),
            _share("coke", "consumed", 0.75),
            *_electricity_share(0.17),
            _share("natural_gas", "consumed", 0.08),
            _ratio("fresh_water", "consumed", 0.3, 0.3),
        ),
    ), 1.25),
    ("JH", _Route(
        # no measured fuel parameters: the unit's energy is a small difference of large flows,
        # which a measured calorific value of a few per cent would swamp
        "works_coking", "steel", 1.0, 0.0, (110.0, 135.0), facilities=(1.0,), measured_share=0.0, outages=False,
        lines=(
            _main("coke"),
            _share("washed_coal", "feedstock", 1.0),
            _ratio("coke", "exported", 0.99, 0.01),
            _ratio("coal_tar", "exported", 0.040, 0.08),
            _ratio("crude_benzene", "exported", 0.011, 0.08),
            _ratio("coke_oven_gas", "exported", 0.018, 0.2),
            _ratio("electricity", "purchased", 0.035, 0.2),
            _ratio("fresh_water", "consumed", 1.2, 0.3),
        ),
    ), 0.38),
    ("GL", _Route(
        "works_blast_furnace", "steel", 1.0, 0.0, (361.0, 435.0), facilities=(1.0,), measured_share=0.45, outages=False,
        lines=(
            _main("pig_iron"),
            _share("coke", "consumed", 0.70),
            _share("bituminous_coal", "consumed", 0.25),
            *_electricity_share(0.05),
            _ratio("blast_furnace_gas", "exported", 0.030, 0.3),
            _ratio("steel_flux_limestone", "process", 0.05, 0.25),
        ),
    ), 0.92),
    ("ZL", _Route(
        "works_converter", "steel", 1.0, 0.0, None, facilities=(1.0,), measured_share=0.3, outages=False,
        lines=(
            _main("crude_steel"),
            _ratio("pig_iron", "process", 0.92, 0.03),
            _ratio("scrap_steel", "process", 0.15, 0.3),
            _ratio("oxygen", "purchased", 50.0, 0.1),
            _ratio("electricity", "purchased", 0.025, 0.15),
            _ratio("steam", "exported", 0.08, 0.3),
            _ratio("converter_gas", "exported", 0.0110, 0.15),
            _ratio("steel_flux_dolomite", "process", 0.03, 0.3),
        ),
    ), 1.0),
    ("ZG", _Route(
        "works_rolling", "steel", 1.0, 0.0, (45.0, 60.0), facilities=(1.0,), measured_share=0.3, outages=False,
        lines=(
            _main("steel_products"),
            _share("natural_gas", "consumed", 0.6),
            *_electricity_share(0.4),
            _ratio("fresh_water", "consumed", 1.0, 0.3),
        ),
    ), 0.96),
)

# Units: steel, cement, chemicals [kgce/t]; flat glass [kgce/weight box]; aluminium [kWh/t AC].
_ROUTES: Final[tuple[_Route, ...]] = (
    _Route(
        # an integrated works reported as process units (see _WORKS_UNITS): its lines are the
        # units'; the size and intensity are those of the works' crude steel
        "steel_bf_bof", "steel", 250_000.0, 0.5, None, flagship=True, measured_share=0.45, lines=(),
        units=_WORKS_UNITS,
    ),
    _Route(
        # EAF shop energy per tonne of crude steel around the 2021 levels of the ≥ 50 t furnaces
        # (发改产业〔2021〕1609号: 标杆 61, 基准 72 kgce/t), the variant the electrode input selects
        "steel_eaf", "steel", 50_000.0, 0.6, (61.0, 72.0), measured_share=0.3,
        lines=(
            _main("crude_steel"),
            _ratio("steel_products", "produced", 0.94, 0.03, 0.7),
            *_electricity_share(0.60),
            _share("natural_gas", "consumed", 0.30, 0.85),
            _share("coke", "consumed", 0.07, 0.5),
            _share("diesel", "consumed", 0.03, 0.8),
            _ratio("electrode", "process", 0.0018, 0.2),
            _ratio("scrap_steel", "process", 1.0, 0.05),
            _ratio("pig_iron", "process", 0.15, 0.4, 0.4),
            _ratio("oxygen", "purchased", 35.0, 0.2, 0.7),
            _ratio("steel_flux_dolomite", "process", 0.012, 0.3, 0.4),
            _ratio("fresh_water", "consumed", 2.0, 0.3),
        ),
    ),
    _Route(
        "cement", "cement", 110_000.0, 0.4, (100.0, 117.0), seasonality=_SEASON_CEMENT,
        flagship=True, facilities=(0.55, 0.3, 0.15), measured_share=0.5,
        lines=(
            _main("clinker"),
            _ratio("cement", "produced", 1.35, 0.1),
            _share("bituminous_coal", "consumed", 0.925, 0.85, "kiln_coal"),
            _share("raw_coal", "consumed", 0.925, 0.15, "kiln_coal"),
            # cement grinding electricity (~33 kWh/t cement) lies outside the clinker intensity
            *_electricity_share(0.07, extra=0.045),
            _share("diesel", "consumed", 0.005, 0.8),
            _ratio("fresh_water", "consumed", 0.35, 0.3, 0.6),
        ),
    ),
    _Route(
        "flat_glass", "flat_glass", 400_000.0, 0.3, (8.0, 12.0), flagship=True,
        facilities=(0.5, 0.35, 0.15), measured_share=0.5,
        lines=(
            _main("flat_glass"),
            _share("natural_gas", "consumed", 0.88, 0.7, "melting_fuel"),
            _share("petroleum_coke", "consumed", 0.88, 0.3, "melting_fuel"),
            *_electricity_share(0.11),
            _share("diesel", "consumed", 0.01, 0.5),
            _ratio("soda_ash", "process", 0.0100, 0.05),    # 0.20 t per t of glass
            _ratio("limestone", "process", 0.0030, 0.15),   # 0.06 t per t of glass
            _ratio("dolomite", "process", 0.0085, 0.10),    # 0.17 t per t of glass
            _ratio("fresh_water", "consumed", 0.02, 0.3, 0.7),
        ),
    ),
    _Route(
        "electrolytic_aluminium", "electrolytic_aluminium", 30_000.0, 0.45, (13_000.0, 13_350.0),
        flagship=True, measured_share=0.3,
        lines=(
            _main("aluminium_liquid"),
            _Line("electricity", "purchased", "intensity", 0.001, probability=0.5, group="elec"),
            _Line("electricity", "consumed", "intensity", 0.001, probability=0.5, group="elec"),
            _ratio("carbon_anode", "process", 0.41, 0.02),
            _ratio("natural_gas", "consumed", 0.0015, 0.3, 0.6),
            _ratio("diesel", "consumed", 0.0006, 0.3, 0.5),
            _ratio("fresh_water", "consumed", 1.5, 0.3, 0.6),
        ),
    ),
    _Route(
        "ammonia_coal", "chemicals", 25_000.0, 0.4, (1350.0, 1550.0), flagship=True,
        facilities=(0.7, 0.25, 0.05), measured_share=0.5,
        lines=(
            _main("ammonia"),
            _ratio("urea", "produced", 1.6, 0.05, 0.6),
            _share("bituminous_coal", "feedstock", 0.64, 0.6, "gasifier_coal"),
            _share("raw_coal", "feedstock", 0.64, 0.4, "gasifier_coal"),
            _share("bituminous_coal", "consumed", 0.22),
            *_electricity_share(0.10),
            _share("steam", "purchased", 0.04, 0.3),
            _share("diesel", "consumed", 0.003, 0.5),
            _ratio("fresh_water", "consumed", 10.0, 0.3),
        ),
    ),
    _Route(
        "ammonia_gas", "chemicals", 20_000.0, 0.4, (1000.0, 1200.0),
        facilities=(0.7, 0.25, 0.05), measured_share=0.5,
        lines=(
            _main("ammonia"),
            _ratio("urea", "produced", 1.65, 0.05, 0.7),
            _share("natural_gas", "feedstock", 0.76),
            _share("natural_gas", "consumed", 0.16),
            *_electricity_share(0.07),
            _share("steam", "purchased", 0.03, 0.3),
            _ratio("fresh_water", "consumed", 8.0, 0.3),
        ),
    ),
    _Route(
        "methanol_coal", "chemicals", 50_000.0, 0.6, (1400.0, 1800.0),
        facilities=(0.7, 0.25, 0.05), measured_share=0.5,
        lines=(
            _main("methanol"),
            _share("bituminous_coal", "feedstock", 0.70),
            _share("bituminous_coal", "consumed", 0.20, 0.7, "boiler_coal"),
            _share("raw_coal", "consumed", 0.20, 0.3, "boiler_coal"),
            *_electricity_share(0.08),
            _share("steam", "purchased", 0.03, 0.3),
            _share("diesel", "consumed", 0.003, 0.5),
            _ratio("fresh_water", "consumed", 12.0, 0.3),
        ),
    ),
    _Route(
        "calcium_carbide", "chemicals", 20_000.0, 0.5, (805.0, 940.0),
        facilities=(0.7, 0.25, 0.05), measured_share=0.4,
        lines=(
            _main("calcium_carbide"),
            *_electricity_share(0.45),
            _share("coke", "feedstock", 0.53),
            _share("bituminous_coal", "consumed", 0.02, 0.5),
            _share("diesel", "consumed", 0.005, 0.5),
            _ratio("limestone", "process", 1.6, 0.08, 0.6),
            _ratio("fresh_water", "consumed", 3.0, 0.3),
        ),
    ),
    _Route(
        "fine_chemicals", "chemicals", 60_000.0, 1.2, None, seasonality=_SEASON_LIGHT,
        continuous=False, facilities=_LIGHT_FACILITIES, measured_share=0.05,
        lines=(
            *_electricity_share(0.45),
            _share("steam", "purchased", 0.35, 0.7),
            _share("natural_gas", "consumed", 0.15, 0.6),
            _share("diesel", "consumed", 0.02, 0.6),
            _share("raw_coal", "consumed", 0.20, 0.08),
            _ratio("nitrogen", "purchased", 0.05, 0.4, 0.3),
            _ratio("fresh_water", "consumed", 0.02, 0.5, 0.95),
        ),
    ),
    _Route(
        "coal_methanol", "coal_chemicals", 60_000.0, 0.6, (1400.0, 1800.0),
        facilities=(0.7, 0.25, 0.05), measured_share=0.5,
        lines=(
            _main("methanol"),
            _share("bituminous_coal", "feedstock", 0.72),
            _share("bituminous_coal", "consumed", 0.20),
            *_electricity_share(0.08),
            _share("diesel", "consumed", 0.003, 0.5),
            _ratio("fresh_water", "consumed", 12.0, 0.3),
            _ratio("nitrogen", "purchased", 30.0, 0.3, 0.2),
        ),
    ),
    _Route(
        "refinery", "petrochemicals", 500_000.0, 0.6, (60.0, 85.0),
        facilities=(0.7, 0.25, 0.05), measured_share=0.5,
        lines=(
            # crude in, fuels out: the crude throughput closes the balance, so the net energy
            # (crude + purchased - products exported) is the intensity [kgce/t of products]
            _main("refined_oil_products"),
            _share("crude_oil", "feedstock", 1.0),
            _ratio("gasoline", "exported", 0.32, 0.1),
            _ratio("diesel", "exported", 0.38, 0.1),
            _ratio("kerosene", "exported", 0.10, 0.3, 0.7),
            _ratio("lpg", "exported", 0.06, 0.2),
            _ratio("fuel_oil", "exported", 0.08, 0.3, 0.6),
            _ratio("petroleum_coke", "exported", 0.06, 0.3, 0.5),
            _ratio("natural_gas", "purchased", 0.0015, 0.4, 0.6),
            _ratio("electricity", "purchased", 0.09, 0.2),
            _ratio("steam", "purchased", 0.10, 0.4, 0.4),
            _ratio("nitrogen", "purchased", 5.0, 0.3, 0.3),
            _ratio("fresh_water", "consumed", 0.6, 0.3),
        ),
    ),
    _Route(
        "coking", "coking", 80_000.0, 0.5, (110.0, 135.0),
        facilities=(0.7, 0.25, 0.05), measured_share=0.5,
        lines=(
            # coke, its by-products and the surplus gas leave the boundary as energy
            # ('exported'), so the net energy is the process energy of coking [kgce/t coke]
            _main("coke"),
            _share("washed_coal", "feedstock", 1.0),
            _ratio("coke", "exported", 0.99, 0.01),
            _ratio("coal_tar", "exported", 0.040, 0.08),
            _ratio("crude_benzene", "exported", 0.011, 0.08),
            _ratio("coke_oven_gas", "exported", 0.018, 0.2),
            _ratio("electricity", "consumed", 0.035, 0.2, 0.5, "electricity"),
            _ratio("electricity", "purchased", 0.035, 0.2, 0.5, "electricity"),
            _ratio("steam", "purchased", 0.10, 0.4, 0.3),
            _ratio("nitrogen", "purchased", 10.0, 0.3, 0.3),
            _ratio("fresh_water", "consumed", 1.2, 0.3),
        ),
    ),
    _Route(
        "lime", "lime", 12_000.0, 0.6, (125.0, 155.0), facilities=(0.75, 0.2, 0.05),
        measured_share=0.3,
        lines=(
            _main("lime"),
            _ratio("limestone", "process", 1.75, 0.04),
            _ratio("dolomite", "process", 0.10, 0.3, 0.15),
            _share("bituminous_coal", "consumed", 0.90, 0.45, "kiln_fuel"),
            _share("coke", "consumed", 0.90, 0.30, "kiln_fuel"),
            _share("natural_gas", "consumed", 0.90, 0.15, "kiln_fuel"),
            _share("coke_oven_gas", "purchased", 0.90, 0.10, "kiln_fuel"),
            *_electricity_share(0.09),
            _share("diesel", "consumed", 0.01, 0.7),
            _ratio("fresh_water", "consumed", 0.2, 0.3, 0.5),
        ),
    ),
    _Route(
        "ceramics", "ceramics", 400_000.0, 0.8, None, seasonality=_SEASON_LIGHT,
        facilities=(0.4, 0.3, 0.2, 0.1), measured_share=0.15,
        lines=(
            _share("natural_gas", "consumed", 0.65, 0.6, "kiln_fuel"),
            _share("bituminous_coal", "consumed", 0.65, 0.25, "kiln_fuel"),
            _share("lpg", "consumed", 0.65, 0.15, "kiln_fuel"),
            *_electricity_share(0.30),
            _share("diesel", "consumed", 0.03, 0.7),
            _ratio("fresh_water", "consumed", 0.005, 0.4, 0.9),
        ),
    ),
    _Route(
        "nonferrous_other", "nonferrous_other", 250_000.0, 1.0, None, seasonality=_SEASON_LIGHT,
        facilities=(0.4, 0.3, 0.2, 0.1), measured_share=0.2,
        lines=(
            *_electricity_share(0.55),
            _share("natural_gas", "consumed", 0.20, 0.6),
            _share("coke", "consumed", 0.15, 0.4),
            _share("fuel_oil", "consumed", 0.08, 0.2),
            _share("bituminous_coal", "consumed", 0.15, 0.2),
            _share("diesel", "consumed", 0.02, 0.7),
            _ratio("oxygen", "purchased", 0.2, 0.4, 0.3),
            _ratio("limestone", "process", 0.0005, 0.4, 0.2),
            _ratio("fresh_water", "consumed", 0.01, 0.4, 0.9),
        ),
    ),
    _Route(
        "ferroalloys", "ferroalloys", 1_500_000.0, 0.8, None, facilities=(0.5, 0.3, 0.2),
        measured_share=0.3,
        lines=(
            *_electricity_share(0.62),
            _share("coke", "feedstock", 0.35),
            _share("bituminous_coal", "consumed", 0.03, 0.3),
            _share("diesel", "consumed", 0.01, 0.8),
            _ratio("electrode", "process", 0.00001, 0.3, 0.8),
            _ratio("fresh_water", "consumed", 0.003, 0.4, 0.9),
        ),
    ),
    _Route(
        "paper", "paper", 300_000.0, 1.0, None, seasonality=_SEASON_LIGHT, continuous=False,
        facilities=_LIGHT_FACILITIES, measured_share=0.1,
        lines=(
            *_electricity_share(0.30),
            _share("steam", "purchased", 0.60, 0.6, "process_heat"),
            _share("bituminous_coal", "consumed", 0.60, 0.4, "process_heat"),
            _share("natural_gas", "consumed", 0.08, 0.4),
            _share("diesel", "consumed", 0.01, 0.7),
            _ratio("fresh_water", "consumed", 0.08, 0.4),
            _ratio("compressed_air", "purchased", 0.3, 0.4, 0.1),
        ),
    ),
    _Route(
        "textiles", "textiles", 40_000.0, 1.1, None, seasonality=_SEASON_LIGHT, continuous=False,
        facilities=_LIGHT_FACILITIES, measured_share=0.03,
        lines=(
            *_electricity_share(0.50),
            _share("steam", "purchased", 0.40, 0.65),
            _share("natural_gas", "consumed", 0.15, 0.55),
            _share("diesel", "consumed", 0.01, 0.6),
            _share("gasoline", "consumed", 0.005, 0.4),
            _share("heat", "purchased", 0.20, 0.08),
            _share("raw_coal", "consumed", 0.20, 0.05),
            _ratio("softened_water", "purchased", 0.005, 0.4, 0.1),
            _ratio("compressed_air", "purchased", 0.3, 0.4, 0.1),
            _ratio("fresh_water", "consumed", 0.05, 0.4, 0.95),
        ),
    ),
    _Route(
        "other_manufacturing", "other_manufacturing", 15_000.0, 1.3, None,
        seasonality=_SEASON_LIGHT, continuous=False, facilities=_LIGHT_FACILITIES,
        measured_share=0.02,
        lines=(
            *_electricity_share(0.75),
            _share("natural_gas", "consumed", 0.15, 0.6),
            _share("diesel", "consumed", 0.03, 0.8),
            _share("gasoline", "consumed", 0.01, 0.6),
            _share("lpg", "consumed", 0.02, 0.3),
            _share("steam", "purchased", 0.15, 0.25),
            _share("heat", "purchased", 0.10, 0.05),
            _ratio("compressed_air", "purchased", 0.5, 0.4, 0.15),
            _ratio("oxygen", "purchased", 0.05, 0.5, 0.25),
            _ratio("nitrogen", "purchased", 0.05, 0.5, 0.15),
            _ratio("fresh_water", "consumed", 0.01, 0.5, 0.9),
        ),
    ),
)

#: Shares of enterprises by route in a Chinese industrial province (counts, not output): many
#: small manufacturing, textile and paper firms, few but large heavy plants.
_ROUTE_SHARES: Final[Mapping[str, float]] = MappingProxyType({
    "other_manufacturing": 0.56,
    "textiles": 0.16,
    "paper": 0.05,
    "fine_chemicals": 0.075,
    "ceramics": 0.03,
    "nonferrous_other": 0.03,
    "ferroalloys": 0.01,
    "lime": 0.015,
    "cement": 0.02,
    "steel_bf_bof": 0.007,
    "steel_eaf": 0.008,
    "flat_glass": 0.004,
    "electrolytic_aluminium": 0.002,
    "ammonia_coal": 0.004,
    "ammonia_gas": 0.002,
    "methanol_coal": 0.003,
    "calcium_carbide": 0.004,
    "coal_methanol": 0.004,
    "refinery": 0.003,
    "coking": 0.005,
})

#: Home provinces and their neighbours; a seed picks one group. Cities name the enterprises.
_PROVINCE_GROUPS: Final = (
    ("320000", ("340000", "330000", "370000", "310000")),
    ("130000", ("140000", "150000", "120000", "370000")),
    ("370000", ("320000", "130000", "410000", "340000")),
    ("410000", ("420000", "340000", "370000", "140000")),
)
_HOME_PROVINCE_SHARE: Final = 0.8
_CITIES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType({
    "320000": ("南京", "苏州", "无锡", "常州", "南通", "徐州", "盐城", "扬州", "镇江", "泰州"),
    "340000": ("合肥", "芜湖", "马鞍山", "安庆", "铜陵", "淮北"),
    "330000": ("杭州", "宁波", "嘉兴", "湖州", "绍兴", "台州"),
    "370000": ("济南", "青岛", "淄博", "潍坊", "临沂", "日照", "聊城"),
    "310000": ("上海",),
    "130000": ("石家庄", "唐山", "邯郸", "保定", "沧州", "邢台", "廊坊"),
    "140000": ("太原", "大同", "长治", "临汾", "晋城"),
    "150000": ("包头", "呼和浩特", "鄂尔多斯", "乌海"),
    "120000": ("天津",),
    "410000": ("郑州", "洛阳", "安阳", "焦作", "新乡", "平顶山"),
    "420000": ("武汉", "宜昌", "襄阳", "黄石", "荆门"),
})
_BRANDS: Final = (
    "恒达", "华强", "永兴", "鑫源", "宏远", "金泰", "瑞丰", "天成", "海润", "东方", "新华", "中兴",
    "盛达", "利华", "广源", "隆基", "富强", "德润", "嘉禾", "明辉", "联合", "光大", "荣盛", "振华",
    "信达", "安泰", "博远", "正大", "长城", "宝丰", "汇通", "三友", "鼎盛", "昌盛", "兴业", "万通",
)
_INDUSTRY_WORDS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType({
    "steel": ("钢铁", "特钢", "钢业", "冶金"),
    "cement": ("水泥", "建材"),
    "flat_glass": ("玻璃", "浮法玻璃", "玻璃科技"),
    "electrolytic_aluminium": ("铝业", "电解铝", "有色金属"),
    "chemicals": ("化工", "化学", "精细化工", "化肥"),
    "petrochemicals": ("石化", "炼化"),
    "coal_chemicals": ("煤化工", "能源化工"),
    "coking": ("焦化", "煤焦化"),
    "lime": ("石灰", "钙业", "矿业"),
    "ceramics": ("陶瓷", "建陶", "瓷业"),
    "nonferrous_other": ("铜业", "有色金属", "锌业", "冶炼"),
    "ferroalloys": ("铁合金", "硅业", "冶金"),
    "paper": ("纸业", "造纸", "包装材料"),
    "textiles": ("纺织", "印染", "织造", "化纤", "服饰"),
    "other_manufacturing": (
        "机械", "电子", "科技", "五金", "塑业", "新材料", "汽车零部件", "食品", "家具", "电器",
        "精密制造", "包装",
    ),
})
_LEGAL_FORMS: Final = (("有限公司", 0.7), ("股份有限公司", 0.15), ("集团有限公司", 0.1),
                       ("有限责任公司", 0.05))

#: Naming styles of an enterprise's data: Chinese names, English names, or aliases.
_STYLE_WEIGHTS: Final = (0.6, 0.25, 0.15)
#: Alias spellings (all in the item vocabulary) used by the third naming style.
_ITEM_ALIASES: Final[Mapping[str, str]] = MappingProxyType({
    "electricity": "外购电力", "natural_gas": "管道天然气", "diesel": "轻柴油",
    "bituminous_coal": "动力煤", "washed_coal": "炼焦精煤", "coke": "冶金焦", "steam": "低压蒸汽",
    "fresh_water": "工业用水", "carbon_anode": "预焙阳极", "aluminium_liquid": "铝液",
    "flat_glass": "浮法玻璃", "crude_steel": "钢水", "pig_iron": "铁水", "electrode": "石墨电极",
    "scrap_steel": "废钢铁", "clinker": "水泥熟料", "petroleum_coke": "petcoke", "lpg": "LPG",
    "blast_furnace_gas": "BFG", "converter_gas": "LDG", "coke_oven_gas": "COG",
    "steel_flux_limestone": "flux limestone", "steel_flux_dolomite": "flux dolomite",
    "soda_ash": "Na2CO3", "oxygen": "O2", "nitrogen": "N2", "heat": "外购热力",
    "calcium_carbide": "标准电石", "ammonia": "NH3", "raw_coal": "原煤(混煤)",
})
#: Unit spellings by canonical unit and naming style: (spelling, weight, decimals kept).
_UNIT_SPELLINGS: Final[Mapping[str, tuple[tuple[tuple[str, float, int], ...], ...]]] = (
    MappingProxyType({
        "t": (
            (("吨", 0.9, 2), ("t", 0.1, 2)),
            (("t", 0.8, 2), ("tonnes", 0.2, 2)),
            (("吨", 0.5, 2), ("t", 0.5, 2)),
        ),
        "MWh": (
            (("万千瓦时", 0.6, 4), ("千瓦时", 0.3, 0), ("MWh", 0.1, 3)),
            (("MWh", 0.5, 3), ("kWh", 0.5, 0)),
            (("度", 0.3, 0), ("kWh", 0.4, 0), ("万kWh", 0.3, 4)),
        ),
        "10^4 Nm3": (
            (("万立方米", 0.6, 4), ("立方米", 0.25, 0), ("万标准立方米", 0.15, 4)),
            (("10^4 Nm3", 0.5, 4), ("Nm3", 0.3, 0), ("10^4 m3", 0.2, 4)),
            (("万方", 0.4, 4), ("m3", 0.3, 0), ("万Nm3", 0.3, 4)),
        ),
        "Nm3": (
            (("立方米", 0.7, 0), ("标准立方米", 0.3, 0)),
            (("Nm3", 0.7, 0), ("m3", 0.3, 0)),
            (("Nm3", 0.5, 0), ("m3", 0.5, 0)),
        ),
        "weight box": (
            (("重量箱", 1.0, 0),),
            (("weight box", 0.6, 0), ("weight boxes", 0.4, 0)),
            (("重量箱", 0.5, 0), ("weight box", 0.5, 0)),
        ),
        "GJ": (
            (("吉焦", 0.7, 1), ("GJ", 0.3, 1)),
            (("GJ", 1.0, 1),),
            (("百万千焦", 0.3, 1), ("GJ", 0.7, 1)),
        ),
    })
)
#: Spellings of measured net calorific values by the fuel's canonical unit: (spelling, weight).
_NCV_SPELLINGS: Final[Mapping[str, tuple[tuple[str, float], ...]]] = MappingProxyType({
    "t": (("GJ/t", 0.5), ("吉焦/吨", 0.25), ("MJ/kg", 0.15), ("kJ/kg", 0.1)),
    "10^4 Nm3": (("GJ/(10^4 Nm3)", 0.5), ("吉焦/万立方米", 0.2), ("MJ/Nm3", 0.2), ("kJ/Nm3", 0.1)),
})
_CARBON_CONTENT_SPELLINGS: Final = (("tC/GJ", 0.7), ("tC/TJ", 0.3))
_MEASURED_FLOWS: Final = frozenset({"consumed", "feedstock", "purchased"})

#: Typos injected as unknown item names (none of them is a known spelling).
_ITEM_TYPOS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType({
    "natural_gas": ("天燃气", "natual gas", "天然汽"),
    "coke": ("交炭", "cokes"),
    "electricity": ("电力力", "electricty"),
    "diesel": ("柴由", "diesl"),
    "bituminous_coal": ("烟媒", "bitumnous coal"),
    "fresh_water": ("新水水", "fresh watr"),
    "steam": ("蒸气汽", "staem"),
})
_NON_NUMERIC_TEXTS: Final = ("约{q:.0f}", "N/A", "待补", "{q:.0f}O")


# ------------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------------


def city_of(enterprise_name: str, province: str) -> str | None:
    """The city a demo enterprise's name starts with (names are built as city + brand + trade)."""
    return next((c for c in _CITIES.get(province, ()) if enterprise_name.startswith(c)), None)


def generate_region(*, enterprises: int, months: int, seed: int, start_year: int = 2024,
                    with_errors: bool = False) -> pa.Table:
    """Generate a synthetic industrial region in the input-template format.

    Parameters
    ----------
    enterprises
        Number of enterprises [1]. With five or more, the first five are a BF-BOF steel plant, a
        cement plant, a float-glass plant, an aluminium smelter and a coal-based ammonia plant, so
        even a small region has every heavy industry.
    months
        Number of monthly periods [1], starting in January of ``start_year``.
    seed
        Seed of the random generator; the same seed gives the same table (for a given reference
        library: the energy coefficients are read from it when present).
    start_year
        Calendar year of the first period.
    with_errors
        Inject about ``ERROR_RATE`` (0.5 %) of rows with realistic data errors, at least one of
        each kind in ``ERROR_KINDS``; the ``quantity`` column is then text. The injected rows are
        listed, by kind and 0-based row number, in the schema metadata ``greenmfg.demo``.

    Returns
    -------
    pyarrow.Table
        Columns ``TEMPLATE_COLUMNS``: text as ``string``, ``quantity`` as ``float64`` (``string``
        with errors), ``ncv``, ``carbon_content`` and ``oxidation_rate`` as ``float64`` with nulls
        where nothing was measured. About 17 rows per enterprise-month.

    Raises
    ------
    ValueError
        If ``enterprises`` or ``months`` is below 1.

    Notes
    -----
    Enterprises are drawn by route with the shares of ``_ROUTE_SHARES`` (mostly small
    manufacturing, textile and paper firms); 80 % sit in one home province chosen by the seed, the
    rest in its neighbours. Each facility draws a size, a unit energy consumption around the
    national benchmark and baseline levels (about 15 % better than the benchmark, 15 % worse than
    the baseline), which of the route's lines it reports, its unit spellings and, for a minority
    of fuels, measured parameters. Names are Chinese, English or aliases by enterprise.

    With ``with_errors``, ``round(ERROR_RATE * rows / 7)`` rows (at least one) get each of the
    seven ``ERROR_KINDS``, on distinct rows; each duplicate is an extra row right after its
    original.
    """
    if enterprises < 1 or months < 1:
        raise ValueError(f"enterprises and months must be at least 1 (got {enterprises}, {months})")
    rng = np.random.default_rng(seed)
    vocabulary = load_vocabulary()
    coefficients = _standard_coal_coefficients(vocabulary)
    calendar_months = _Calendar.build(start_year, months)
    texts = _TextTables()
    region = _draw_enterprises(enterprises, rng, vocabulary, texts)
    rows = _draw_rows(region, calendar_months, rng, vocabulary, coefficients, texts)
    injected: dict[str, list[int]] = {}
    non_numeric: dict[int, str] = {}
    if with_errors:
        rows, injected, non_numeric = _inject_errors(rows, rng, vocabulary, texts, calendar_months)
    table = _to_arrow(rows, region, texts, non_numeric, with_errors)
    metadata = {
        "enterprises": enterprises, "months": months, "seed": seed, "start_year": start_year,
        "with_errors": with_errors, "errors": injected,
    }
    return table.replace_schema_metadata({_METADATA_KEY: json.dumps(metadata).encode()})


def write_region(table: pa.Table, out_dir: Path, fmt: Literal["csv", "parquet"] = "csv") -> list[Path]:
    """Write a generated region into ``out_dir``.

    Parameters
    ----------
    table
        A table from :func:`generate_region`.
    out_dir
        Directory to write into; created if missing.
    fmt
        ``"parquet"``: one file ``activity.parquet`` (zstd, row groups of about 1 million rows);
        ``"csv"``: one file ``activity.csv``, UTF-8, English header row, blanks for nulls.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ValueError
        If ``fmt`` is neither ``"csv"`` nor ``"parquet"``.
    """
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        path = out_dir / "activity.parquet"
        pq.write_table(table, path, row_group_size=_PARQUET_ROW_GROUP, compression="zstd")
    else:
        path = out_dir / "activity.csv"
        header = (",".join(table.column_names) + "\n").encode("utf-8")
        try:  # no quotes unless a value needs them (pyarrow refuses 'none' when one does)
            with path.open("wb") as stream:
                stream.write(header)
                pa_csv.write_csv(table, stream, pa_csv.WriteOptions(include_header=False,
                                                                     quoting_style="none"))
        except pa.ArrowInvalid:
            with path.open("wb") as stream:
                stream.write(header)
                pa_csv.write_csv(table, stream, pa_csv.WriteOptions(include_header=False))
    return [path]


# ------------------------------------------------------------------------------------------------
# Reference values
# ------------------------------------------------------------------------------------------------


def _standard_coal_coefficients(vocabulary: Vocabulary) -> dict[str, float]:
    """Standard-coal coefficient of each energy item [kgce per canonical unit of the item].

    Values of the reference dataset ``energy_coefficients/gbt2589-2020`` (``coefficient``, else
    ``coefficient_equal_value``) replace the generator assumptions when the dataset exists, its
    unit converts and the value is within a factor of two of the assumption.
    """
    coefficients = dict(_ASSUMED_STANDARD_COAL_COEFFICIENTS)
    try:
        catalog = load_catalog()
        if _ENERGY_COEFFICIENTS_DATASET not in catalog:
            return coefficients
        dataset = catalog.dataset(_ENERGY_COEFFICIENTS_DATASET)
    except (DatasetError, OSError):
        return coefficients
    for key, assumed in _ASSUMED_STANDARD_COAL_COEFFICIENTS.items():
        row = dataset.get(key, "coefficient") or dataset.get(key, "coefficient_equal_value")
        if row is None or row.value is None:
            continue
        try:
            factor = conversion_factor(row.unit, f"kgce/({vocabulary.items[key].canonical_unit})")
        except UnitError:
            continue
        value = row.value * factor
        if 0.5 * assumed <= value <= 2.0 * assumed:
            coefficients[key] = value
    return coefficients


# ------------------------------------------------------------------------------------------------
# Building blocks
# ------------------------------------------------------------------------------------------------


class _TextTables:
    """Distinct texts of each text column; rows hold integer codes into these lists."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, int]] = {}

    def code(self, column: str, text: str) -> int:
        table = self.tables.setdefault(column, {})
        return table.setdefault(text, len(table))

    def texts(self, column: str) -> list[str]:
        return list(self.tables.get(column, {}))


@dataclass(frozen=True, slots=True)
class _Calendar:
    """The generated months: period text, calendar month and days."""

    periods: tuple[str, ...]
    years: tuple[int, ...]
    month_numbers: tuple[int, ...]
    days: FloatArray

    @classmethod
    def build(cls, start_year: int, months: int) -> _Calendar:
        years = tuple(start_year + i // 12 for i in range(months))
        numbers = tuple(i % 12 + 1 for i in range(months))
        days = np.array([calendar.monthrange(y, m)[1] for y, m in zip(years, numbers, strict=True)],
                        dtype=np.float64)
        periods = tuple(f"{y}-{m:02d}" for y, m in zip(years, numbers, strict=True))
        return cls(periods, years, numbers, days)


@dataclass(frozen=True, slots=True)
class _Region:
    """Enterprises of the region, one entry per enterprise, grouped by route."""

    route_index: IntArray       # index into _ROUTES
    style: IntArray             # naming style 0 Chinese, 1 English, 2 aliases
    enterprise_ids: list[str]
    names: list[str]
    industry_texts: list[str]
    regions: list[str]


_CODE_COLUMNS: Final = ("enterprise", "facility", "period", "item", "unit", "flow", "ncv_unit",
                        "carbon_content_unit")
_VALUE_COLUMNS: Final = ("quantity", "ncv", "carbon_content", "oxidation_rate", "steam_pressure",
                         "steam_temperature")
#: States of the steam facilities buy, taken in turn by facility number (no random draw, so the
#: rest of the data does not move): absolute pressure [MPa], temperature [°C] (NaN: saturated).
_STEAM_STATES: Final = ((0.5, np.nan), (0.6, np.nan), (0.8, np.nan), (1.0, np.nan), (1.3, np.nan),
                        (1.0, 250.0), (3.9, 450.0))


@dataclass(slots=True)
class _Rows:
    """The generated rows as parallel arrays of codes and values.

    ``codes`` holds one int32 array per ``_CODE_COLUMNS`` name (enterprise and facility index,
    codes into the text tables; -1 for null) and ``values`` one float64 array per
    ``_VALUE_COLUMNS`` name (NaN for null).
    """

    codes: dict[str, CodeArray]
    values: dict[str, FloatArray]
    facility_ids: list[str]

    def __len__(self) -> int:
        return len(self.values["quantity"])

    def take(self, order: IntArray) -> _Rows:
        return _Rows({k: v[order] for k, v in self.codes.items()},
                     {k: v[order] for k, v in self.values.items()}, self.facility_ids)


def _route_probabilities() -> FloatArray:
    shares = np.array([_ROUTE_SHARES[route.name] for route in _ROUTES], dtype=np.float64)
    return np.asarray(shares / shares.sum(), dtype=np.float64)


def _draw_enterprises(count: int, rng: np.random.Generator, vocabulary: Vocabulary,
                      texts: _TextTables) -> _Region:
    """Draw each enterprise's route, province, naming style, id and name."""
    flagships = np.array([i for i, route in enumerate(_ROUTES) if route.flagship], dtype=np.int64)
    forced = flagships[: min(count, len(flagships))]
    drawn = rng.choice(len(_ROUTES), size=count - len(forced), p=_route_probabilities())
    route_index = np.sort(np.concatenate([forced, drawn]), kind="stable")

    home, neighbours = _PROVINCE_GROUPS[int(rng.integers(len(_PROVINCE_GROUPS)))]
    at_home = rng.random(count) < _HOME_PROVINCE_SHARE
    neighbour = rng.integers(len(neighbours), size=count)
    regions = [home if h else neighbours[n] for h, n in zip(at_home.tolist(), neighbour.tolist(),
                                                            strict=True)]
    style = rng.choice(3, size=count, p=np.array(_STYLE_WEIGHTS)).astype(np.int64)
    numbers = rng.permutation(count) + 1
    width = max(6, len(str(count)))
    enterprise_ids = [f"DEMO-{r[:2]}-{n:0{width}d}" for r, n in zip(regions, numbers.tolist(),
                                                                  strict=True)]

    city_pick = rng.random(count)
    brand_pick = rng.integers(len(_BRANDS), size=count)
    word_pick = rng.random(count)
    legal_pick = rng.choice(len(_LEGAL_FORMS), size=count,
                            p=np.array([w for _, w in _LEGAL_FORMS]))
    use_key = rng.random(count) < 0.5
    names: list[str] = []
    industry_texts: list[str] = []
    for i, r in enumerate(route_index.tolist()):
        industry = _ROUTES[r].industry
        cities = _CITIES[regions[i]]
        words = _INDUSTRY_WORDS[industry]
        names.append(
            cities[int(city_pick[i] * len(cities))] + _BRANDS[brand_pick[i]]
            + words[int(word_pick[i] * len(words))] + _LEGAL_FORMS[legal_pick[i]][0]
        )
        industry_texts.append(industry if use_key[i] else vocabulary.industries[industry]["name_zh"])
    return _Region(route_index, style, enterprise_ids, names, industry_texts, regions)


def _choose_lines(route: _Route, count: int, rng: np.random.Generator) -> BoolArray:
    """Which lines each facility reports [facility x line]; one line of each group."""
    lines = route.lines
    active = np.empty((count, len(lines)), dtype=np.bool_)
    groups: dict[str, list[int]] = {}
    for j, line in enumerate(lines):
        if line.group:
            groups.setdefault(line.group, []).append(j)
        else:
            active[:, j] = rng.random(count) < line.probability
    for members in groups.values():
        weights = np.array([lines[j].probability for j in members])
        chosen = rng.choice(len(members), size=count, p=weights / weights.sum())
        for position, j in enumerate(members):
            active[:, j] = chosen == position
    return active


def _unit_choices(route: _Route, facility_style: IntArray, rng: np.random.Generator,
                  vocabulary: Vocabulary, texts: _TextTables
                  ) -> tuple[IntArray, FloatArray, FloatArray]:
    """Unit spelling of each facility's lines [facility x line].

    Returns the unit text code, the factor to the canonical unit and ``10 ** decimals``, the
    rounding scale of the spelling.
    """
    shape = (len(facility_style), len(route.lines))
    codes = np.zeros(shape, dtype=np.int64)
    to_canonical = np.ones(shape, dtype=np.float64)
    scale = np.ones(shape, dtype=np.float64)
    for j, line in enumerate(route.lines):
        canonical = vocabulary.items[line.item].canonical_unit
        for style, options in enumerate(_UNIT_SPELLINGS[canonical]):
            members = np.flatnonzero(facility_style == style)
            weights = np.array([w for _, w, _ in options])
            pick = rng.choice(len(options), size=len(members), p=weights / weights.sum())
            for k, (spelling, _, decimals) in enumerate(options):
                chosen = members[pick == k]
                codes[chosen, j] = texts.code("unit", spelling)
                to_canonical[chosen, j] = conversion_factor(spelling, canonical, what=line.item)
                scale[chosen, j] = 10.0 ** decimals
    return codes, to_canonical, scale


def _item_codes(route: _Route, vocabulary: Vocabulary, texts: _TextTables) -> IntArray:
    """Item text code of each line for each naming style [line x style]."""
    codes = np.zeros((len(route.lines), 3), dtype=np.int64)
    for j, line in enumerate(route.lines):
        item = vocabulary.items[line.item]
        spellings = (item.name_zh, item.name_en, _ITEM_ALIASES.get(line.item, item.key))
        for style, spelling in enumerate(spellings):
            codes[j, style] = texts.code("item", spelling)
    return codes


def _intensities(route: _Route, count: int, rng: np.random.Generator) -> FloatArray:
    """Unit energy consumption of each facility [kgce per unit output, or route's unit].

    A normal distribution with about 15 % of facilities better than the benchmark-like level,
    15 % worse than the baseline-like level and the rest in between.
    """
    if route.intensity is None:
        return np.ones(count, dtype=np.float64)
    better, worse = route.intensity
    draws = rng.normal((better + worse) / 2.0, (worse - better) / 2.0 / 1.0364, size=count)
    return np.clip(draws, 0.7 * better, 1.5 * worse)


def _flow_sign(flow: str) -> float:
    """Sign of a line's energy as GB/T 2589 accounting counts it.

    +1 for energy brought in or used (consumed, purchased, feedstock), -1 for energy supplied
    outside (exported), 0 for process materials and for 'produced', the production statistic.
    """
    if flow == "exported":
        return -1.0
    if flow in ("process", "produced"):
        return 0.0
    return 1.0


def _add_facilities(route: _Route, enterprises: IntArray, region: _Region,
                    rng: np.random.Generator, facility_ids: list[str], code: str = "F") -> IntArray:
    """Draw each enterprise's facilities, append their ids; return each facility's enterprise."""
    weights = np.array(route.facilities)
    per_enterprise = 1 + rng.choice(len(weights), size=len(enterprises), p=weights / weights.sum())
    facility_enterprise = np.repeat(enterprises, per_enterprise)
    starts = np.repeat(np.cumsum(per_enterprise) - per_enterprise, per_enterprise)
    facility_number = np.arange(len(facility_enterprise)) - starts + 1
    facility_ids.extend(
        f"{region.enterprise_ids[e]}-{code}{k}"
        for e, k in zip(facility_enterprise.tolist(), facility_number.tolist(), strict=True)
    )
    return facility_enterprise


def _monthly_output(route: _Route, n_facilities: int, months: _Calendar,
                    rng: np.random.Generator, size: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    """Output and unit energy consumption of each facility and month [facility x month].

    Returns
    -------
    output
        [canonical unit of the main item, or kgce for routes without a product]: a lognormal
        plant size times seasonality (and days in the month for continuous processes), noise and
        occasional maintenance outages.
    intensity
        [kgce per unit of output; kWh/t for aluminium]: the facility's level with a 2 % monthly
        variation.
    """
    n_months = len(months.periods)
    if size is None:
        size = route.median_output * rng.lognormal(0.0, route.output_spread, n_facilities)
    season = np.array([route.seasonality[m - 1] for m in months.month_numbers])
    if route.continuous:
        season = season * months.days / _DAYS_PER_MONTH
    noise_sigma = 0.03 if route.continuous else 0.06
    output = size[:, None] * season[None, :] * rng.lognormal(0.0, noise_sigma,
                                                             (n_facilities, n_months))
    if route.continuous and route.outages:
        outage = rng.random((n_facilities, n_months)) < 0.04
        output = np.where(outage, output * rng.uniform(0.4, 0.85, output.shape), output)
    intensity = _intensities(route, n_facilities, rng)[:, None] * rng.lognormal(
        0.0, 0.02, (n_facilities, n_months))
    return output, intensity


def _line_quantities(route: _Route, output: FloatArray, intensity: FloatArray, active: BoolArray,
                     rng: np.random.Generator, coefficients: Mapping[str, float]) -> FloatArray:
    """Quantity of every line [facility x month x line], in the item's canonical unit.

    ``main``, ``ratio`` and ``intensity`` lines follow the output; the ``share`` lines then take
    the energy still missing to reach ``output * intensity`` [kgce], net of the energy of the
    other lines (energy leaving the facility counts negative).
    """
    lines = route.lines
    n_facilities, n_months = output.shape
    n_lines = len(lines)
    amount = np.array([line.amount for line in lines])[None, :] * rng.lognormal(
        0.0, np.array([line.spread for line in lines])[None, :], (n_facilities, n_lines))
    coefficient = np.array([coefficients.get(line.item, 0.0) for line in lines])  # [kgce/unit]
    sign = np.array([_flow_sign(line.flow) for line in lines])
    basis = np.array([line.basis for line in lines])
    quantity = np.zeros((n_facilities, n_months, n_lines), dtype=np.float64)
    line_noise = rng.lognormal(0.0, 0.03, quantity.shape)

    for j in np.flatnonzero(basis == "main"):
        quantity[:, :, j] = output
    for j in np.flatnonzero(basis == "ratio"):
        quantity[:, :, j] = output * amount[:, j:j + 1] * line_noise[:, :, j] * active[:, j:j + 1]
    for j in np.flatnonzero(basis == "intensity"):
        quantity[:, :, j] = output * intensity * lines[j].amount * active[:, j:j + 1]

    shares_mask = basis == "share"
    if not shares_mask.any():
        return quantity
    if (coefficient[shares_mask] <= 0).any():
        raise RuntimeError(f"route {route.name}: every share line needs an energy coefficient")
    fixed_energy = np.einsum("fml,l->fm", quantity, coefficient * sign)  # [kgce]
    target = output * intensity  # [kgce]
    remaining = np.maximum(target - fixed_energy, 0.25 * target)
    shares = np.where(active & shares_mask[None, :], amount, 0.0)
    total = shares.sum(axis=1, keepdims=True)
    if (total <= 0).any():
        raise RuntimeError(f"route {route.name}: a facility has no energy line")
    shares = shares / total
    # month-to-month noise moves energy between the share lines but keeps their sum, so the
    # facility's intensity holds even where it is a small difference of large flows (coking)
    noisy_total = np.zeros_like(remaining)
    for j in np.flatnonzero(shares_mask):
        noisy_total += shares[:, j:j + 1] * line_noise[:, :, j]
    for j in np.flatnonzero(shares_mask):
        energy = remaining * shares[:, j:j + 1] * line_noise[:, :, j] / noisy_total
        quantity[:, :, j] = energy / coefficient[j] + (
            output * lines[j].extra * line_noise[:, :, j] * active[:, j:j + 1])
    return quantity


def _route_rows(route: _Route, enterprises: IntArray, region: _Region, months: _Calendar,
                rng: np.random.Generator, vocabulary: Vocabulary, coefficients: Mapping[str, float],
                texts: _TextTables, facility_ids: list[str], code: str = "F",
                size: FloatArray | None = None) -> _Rows:
    """All rows of one route's enterprises, built over facilities x months x lines at once.

    Rows come facility by facility, month by month, in the order of the route's lines; only the
    lines a facility reports (``active``) become rows.
    """
    n_lines = len(route.lines)
    n_months = len(months.periods)
    first_facility = len(facility_ids)
    facility_enterprise = _add_facilities(route, enterprises, region, rng, facility_ids, code)
    n_facilities = len(facility_enterprise)
    facility_style = region.style[facility_enterprise]
    output, intensity = _monthly_output(route, n_facilities, months, rng, size)
    active = _choose_lines(route, n_facilities, rng)
    quantity = _line_quantities(route, output, intensity, active, rng, coefficients)
    del output, intensity

    unit_code, to_canonical, scale = _unit_choices(route, facility_style, rng, vocabulary, texts)
    item_code = _item_codes(route, vocabulary, texts)
    flow_code = np.array([texts.code("flow", line.flow) for line in route.lines])
    measured = _measured_parameters(route, active, rng, vocabulary, coefficients, texts)

    flat = np.flatnonzero(np.broadcast_to(active[:, None, :], quantity.shape))
    row_facility = flat // (n_months * n_lines)
    row_month = (flat // n_lines) % n_months
    row_line = flat % n_lines
    del flat
    displayed = quantity[row_facility, row_month, row_line] / to_canonical[row_facility, row_line]
    del quantity
    row_scale = scale[row_facility, row_line]  # 10 ** decimals of the unit spelling
    displayed = np.maximum(np.round(displayed * row_scale), 1.0) / row_scale
    ncv, carbon, oxidation = measured.monthly(row_facility, row_line, rng)
    codes = {
        "enterprise": facility_enterprise[row_facility],
        "facility": first_facility + row_facility,
        "period": row_month,
        "item": item_code[row_line, facility_style[row_facility]],
        "unit": unit_code[row_facility, row_line],
        "flow": flow_code[row_line],
        "ncv_unit": measured.ncv_unit[row_facility, row_line],
        "carbon_content_unit": measured.carbon_content_unit[row_facility, row_line],
    }
    steam_line = np.array([line.item == "steam" for line in route.lines])[row_line]
    state = (first_facility + row_facility) % len(_STEAM_STATES)
    pressure, temperature = (np.where(steam_line, np.array([s[i] for s in _STEAM_STATES])[state], np.nan)
                             for i in (0, 1))
    return _Rows(
        {name: np.asarray(column, dtype=np.int32) for name, column in codes.items()},
        {"quantity": displayed, "ncv": ncv, "carbon_content": carbon, "oxidation_rate": oxidation,
         "steam_pressure": pressure, "steam_temperature": temperature},
        facility_ids,
    )


def _round_significant(values: FloatArray, digits: int) -> FloatArray:
    """Round positive values to ``digits`` significant digits (NaN stays NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 10.0 ** (digits - np.ceil(np.log10(values)))
        return np.asarray(np.round(values * scale) / scale, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class _Measured:
    """Measured fuel parameters per facility and line; NaN / -1 where nothing is measured."""

    ncv: FloatArray                 # [facility x line], in the facility's ncv unit
    ncv_unit: IntArray
    carbon_content: FloatArray      # [facility x line], in the facility's carbon-content unit
    carbon_content_unit: IntArray
    oxidation_rate: FloatArray      # [facility x line] [1]

    def monthly(self, facility: IntArray, line: IntArray, rng: np.random.Generator
                ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Values of each row: the facility's level with a small month-to-month variation."""
        ncv = self.ncv[facility, line]
        carbon = self.carbon_content[facility, line]
        oxidation = self.oxidation_rate[facility, line]
        for values, sigma in ((ncv, 0.015), (carbon, 0.01)):
            measured = np.flatnonzero(~np.isnan(values))
            values[measured] = _round_significant(
                values[measured] * rng.lognormal(0.0, sigma, len(measured)), 4)
        measured = np.flatnonzero(~np.isnan(oxidation))
        oxidation[measured] = np.round(np.minimum(
            oxidation[measured] + rng.normal(0.0, 0.005, len(measured)), 0.999), 3)
        return ncv, carbon, oxidation


def _measured_parameters(route: _Route, active: BoolArray, rng: np.random.Generator,
                         vocabulary: Vocabulary, coefficients: Mapping[str, float],
                         texts: _TextTables) -> _Measured:
    """Which facilities measure ncv, carbon content and oxidation rate of a fuel, and the levels.

    About ``route.measured_share`` of the facilities measure a fuel's ncv; of those 60 % also
    measure its carbon content, and of these 30 % its oxidation rate.
    """
    n_facilities, n_lines = active.shape
    ncv = np.full((n_facilities, n_lines), np.nan)
    carbon = np.full((n_facilities, n_lines), np.nan)
    oxidation = np.full((n_facilities, n_lines), np.nan)
    ncv_unit = np.full((n_facilities, n_lines), -1, dtype=np.int64)
    carbon_unit = np.full((n_facilities, n_lines), -1, dtype=np.int64)
    carbon_options = _CARBON_CONTENT_SPELLINGS
    carbon_factors = np.array([conversion_factor(s, "tC/GJ") for s, _ in carbon_options])
    for j, line in enumerate(route.lines):
        if line.item not in _ASSUMED_CARBON_CONTENT or line.flow not in _MEASURED_FLOWS:
            continue
        canonical = vocabulary.items[line.item].canonical_unit
        measures_ncv = np.flatnonzero(active[:, j] & (rng.random(n_facilities) < route.measured_share))
        measures_carbon = measures_ncv[rng.random(len(measures_ncv)) < 0.6]
        measures_oxidation = measures_carbon[rng.random(len(measures_carbon)) < 0.3]
        ncv_centre = coefficients[line.item] * _GJ_PER_KGCE  # [GJ per canonical unit]
        carbon_centre, oxidation_centre = _ASSUMED_CARBON_CONTENT[line.item]

        options = _NCV_SPELLINGS[canonical]
        weights = np.array([w for _, w in options])
        pick = rng.choice(len(options), size=len(measures_ncv), p=weights / weights.sum())
        factors = np.array([conversion_factor(s, f"GJ/({canonical})") for s, _ in options])
        codes = np.array([texts.code("ncv_unit", s) for s, _ in options])
        ncv[measures_ncv, j] = (ncv_centre * rng.lognormal(0.0, 0.03, len(measures_ncv))
                                / factors[pick])
        ncv_unit[measures_ncv, j] = codes[pick]

        weights = np.array([w for _, w in carbon_options])
        pick = rng.choice(len(carbon_options), size=len(measures_carbon), p=weights / weights.sum())
        codes = np.array([texts.code("carbon_content_unit", s) for s, _ in carbon_options])
        carbon[measures_carbon, j] = (carbon_centre * rng.lognormal(0.0, 0.02, len(measures_carbon))
                                      / carbon_factors[pick])
        carbon_unit[measures_carbon, j] = codes[pick]

        oxidation[measures_oxidation, j] = np.minimum(
            oxidation_centre + rng.normal(0.0, 0.01, len(measures_oxidation)), 0.999)
    return _Measured(ncv, ncv_unit, carbon, carbon_unit, oxidation)


def _draw_rows(region: _Region, months: _Calendar, rng: np.random.Generator,
               vocabulary: Vocabulary, coefficients: Mapping[str, float],
               texts: _TextTables) -> _Rows:
    """Rows of every route, concatenated in route order (each enterprise's rows together; a
    works' rows process unit by process unit)."""
    for period in months.periods:
        texts.code("period", period)
    facility_ids: list[str] = []
    blocks: list[_Rows] = []
    for r, route in enumerate(_ROUTES):
        enterprises = np.flatnonzero(region.route_index == r)
        if len(enterprises) and route.units:
            # an integrated works: one facility per process unit, sized on the works' crude steel
            # [t/month] times the unit's ratio (one unit's size jitters 3 % around it)
            size = route.median_output * rng.lognormal(0.0, route.output_spread, len(enterprises))
            for code, unit, ratio in route.units:
                blocks.append(_route_rows(unit, enterprises, region, months, rng, vocabulary, coefficients,
                                          texts, facility_ids, code,
                                          size * ratio * rng.lognormal(0.0, 0.03, len(enterprises))))
        elif len(enterprises):
            blocks.append(_route_rows(route, enterprises, region, months, rng, vocabulary,
                                      coefficients, texts, facility_ids))
    codes: dict[str, CodeArray] = {}
    for name in _CODE_COLUMNS:  # concatenate column by column, releasing the blocks' copies
        codes[name] = np.concatenate([block.codes.pop(name) for block in blocks])
    values: dict[str, FloatArray] = {}
    for name in _VALUE_COLUMNS:
        values[name] = np.concatenate([block.values.pop(name) for block in blocks])
    return _Rows(codes, values, facility_ids)


# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------


def _inject_errors(rows: _Rows, rng: np.random.Generator, vocabulary: Vocabulary,
                   texts: _TextTables, months: _Calendar
                   ) -> tuple[_Rows, dict[str, list[int]], dict[int, str]]:
    """Corrupt about ``ERROR_RATE`` of the rows, at least one of each of ``ERROR_KINDS``.

    Returns the new rows, the injected row numbers by kind (after duplicates were inserted) and
    the text of each non-numeric quantity by row number.
    """
    n_rows = len(rows)
    item, unit, period = rows.codes["item"], rows.codes["unit"], rows.codes["period"]
    quantity = rows.values["quantity"]
    per_kind = max(1, round(ERROR_RATE * n_rows / len(ERROR_KINDS)))
    item_texts = texts.texts("item")
    key_of_code = [vocabulary.item_names.resolve(text) or "" for text in item_texts]
    used = np.zeros(n_rows, dtype=np.bool_)

    def rows_of_items(keys: Sequence[str]) -> BoolArray:
        return np.isin(item, [c for c, key in enumerate(key_of_code) if key in keys])

    def pick(eligible: BoolArray) -> IntArray:
        candidates = np.flatnonzero(eligible & ~used)
        found = np.sort(rng.choice(candidates, size=min(per_kind, len(candidates)), replace=False))
        used[found] = True
        return found

    # the kinds that need particular rows pick first, so that a small region still has each kind
    chosen: dict[str, IntArray] = {}
    flow_rows = pick(rows_of_items(["electricity"]))
    rows.codes["flow"][flow_rows] = texts.code("flow", "produced")
    chosen["disallowed_flow"] = flow_rows

    mismatch_rows = pick(rows_of_items([key for key, known in vocabulary.items.items()
                                        if known.kind == "fuel" and known.canonical_unit == "t"]))
    energy_units = np.array([texts.code("unit", "kWh"), texts.code("unit", "千瓦时")])
    unit[mismatch_rows] = energy_units[rng.integers(2, size=len(mismatch_rows))]
    chosen["unit_mismatch"] = mismatch_rows

    typo_rows = pick(rows_of_items(list(_ITEM_TYPOS)))
    for i in typo_rows.tolist():
        typos = _ITEM_TYPOS[key_of_code[item[i]]]
        item[i] = texts.code("item", typos[int(rng.integers(len(typos)))])
    chosen["unknown_item"] = typo_rows

    negative_rows = pick(np.ones(n_rows, dtype=np.bool_))
    quantity[negative_rows] = -quantity[negative_rows]
    chosen["negative_quantity"] = negative_rows

    text_rows = pick(np.ones(n_rows, dtype=np.bool_))
    non_numeric = {
        i: _NON_NUMERIC_TEXTS[k % len(_NON_NUMERIC_TEXTS)].format(q=quantity[i])
        for k, i in enumerate(text_rows.tolist())
    }
    chosen["non_numeric_quantity"] = text_rows

    period_rows = pick(np.ones(n_rows, dtype=np.bool_))
    for k, i in enumerate(period_rows.tolist()):
        m = int(period[i])
        year, month = months.years[m], months.month_numbers[m]
        bad = f"{year}-13" if k % 2 == 0 else f"{year % 100:02d}/{month:02d}"
        period[i] = texts.code("period", bad)
    chosen["bad_period"] = period_rows

    sources = pick(np.ones(n_rows, dtype=np.bool_))
    order = np.insert(np.arange(n_rows), sources + 1, sources)
    shift = np.searchsorted(sources, np.arange(n_rows), side="left")  # duplicates before row i
    new_position = np.arange(n_rows) + shift
    injected = {kind: new_position[rows_of_kind].tolist() for kind, rows_of_kind in chosen.items()}
    injected["duplicate_row"] = (new_position[sources] + 1).tolist()
    non_numeric = {int(new_position[i]): text for i, text in non_numeric.items()}
    return rows.take(order), {k: injected[k] for k in ERROR_KINDS}, non_numeric


# ------------------------------------------------------------------------------------------------
# Arrow
# ------------------------------------------------------------------------------------------------


def _decode(table: Sequence[str], codes: CodeArray) -> pa.ChunkedArray:
    """Text column from codes into ``table`` (negative code: null), in chunks of 1M rows."""
    dictionary = pa.array(table, type=pa.string())
    chunks = []
    for start in range(0, max(len(codes), 1), _ARROW_CHUNK):
        part = codes[start:start + _ARROW_CHUNK]
        indices = pa.array(part, type=pa.int32(), mask=part < 0)
        chunks.append(dictionary.take(indices))
    return pa.chunked_array(chunks, type=pa.string())


def _floats(values: FloatArray) -> pa.ChunkedArray:
    chunks = [
        pa.array(values[start:start + _ARROW_CHUNK], type=pa.float64(),
                 mask=np.isnan(values[start:start + _ARROW_CHUNK]))
        for start in range(0, max(len(values), 1), _ARROW_CHUNK)
    ]
    return pa.chunked_array(chunks, type=pa.float64())


def _quantity_text(values: FloatArray, non_numeric: Mapping[int, str]) -> pa.ChunkedArray:
    chunks = []
    for start in range(0, max(len(values), 1), _ARROW_CHUNK):
        part = pc.cast(pa.array(values[start:start + _ARROW_CHUNK]), pa.string())
        here = {i - start: t for i, t in non_numeric.items() if start <= i < start + len(part)}
        if here:
            mask = np.zeros(len(part), dtype=np.bool_)
            mask[list(here)] = True
            part = pc.replace_with_mask(part, pa.array(mask),
                                        pa.array([here[i] for i in sorted(here)], pa.string()))
        chunks.append(part)
    return pa.chunked_array(chunks, type=pa.string())


def _to_arrow(rows: _Rows, region: _Region, texts: _TextTables, non_numeric: Mapping[int, str],
              quantity_as_text: bool) -> pa.Table:
    """The rows as an Arrow table; each numpy column is released once it is converted."""
    columns: dict[str, pa.ChunkedArray] = {}
    for name in ("ncv", "carbon_content", "oxidation_rate", "steam_pressure", "steam_temperature"):
        columns[name] = _floats(rows.values.pop(name))
    quantity = rows.values.pop("quantity")
    columns["quantity"] = (_quantity_text(quantity, non_numeric) if quantity_as_text
                           else _floats(quantity))
    del quantity
    for name in ("period", "item", "unit", "flow", "ncv_unit", "carbon_content_unit"):
        columns[name] = _decode(texts.texts(name), rows.codes.pop(name))
    columns["facility_id"] = _decode(rows.facility_ids, rows.codes.pop("facility"))
    enterprise = rows.codes.pop("enterprise")
    columns["enterprise_id"] = _decode(region.enterprise_ids, enterprise)
    columns["enterprise_name"] = _decode(region.names, enterprise)
    columns["industry"] = _decode(region.industry_texts, enterprise)
    columns["region"] = _decode(region.regions, enterprise)
    return pa.table({name: columns[name] for name in TEMPLATE_COLUMNS})
