"""The allowance formulas of :mod:`greenmfg.calc.ets_allowances`, each computed here by hand.

The intensity value 0.85 tCO2/t and the factor 0.98 below are test numbers, NOT the plan's values
(those were not found; see refdata/data/ets_allocation): the formula A = Q × B × Π F is what is
checked. The Student-t quantiles are t(0.95, 2) = 2.919986 and t(0.95, 3) = 2.353363 (tables).
"""

from __future__ import annotations

import math

import pytest

from greenmfg.calc.ets_allowances import (
    AllocationRule,
    allocate,
    allocate_line,
    anode_effect,
    ccer_usable,
    clinker_factor_effect,
    cumulative_path,
    measure_effect,
    position,
    project_year,
    scrap_effect,
)

CLINKER = AllocationRule("test.cement.general", 2025, "cement", "general", "intensity", "clinker", 0.85,
                         (("f_test", 0.98),), "verified")
VERIFIED = AllocationRule("test.cement.white", 2025, "cement", "white_clinker", "verified_emissions", "clinker")
MISSING = AllocationRule("test.steel.general", 2025, "steel", "general", "intensity", "crude_steel", None, (),
                         "not_found")


def test_intensity_allocation_is_output_times_value_times_factors() -> None:
    line = allocate_line("L1", CLINKER, output_t=120_000.0)
    assert line.allowances == pytest.approx(120_000 * 0.85 * 0.98)  # 99 960 t
    assert line.allowances == pytest.approx(99_960.0)
    assert "120000.000 t × 0.85 tCO2/t × f_test 0.98" in line.derivation and not line.missing


def test_verified_emissions_allocation_and_the_sum() -> None:
    white = allocate_line("L2", VERIFIED, emissions_tco2e=30_000.0)
    assert white.allowances == 30_000.0
    total = allocate([allocate_line("L1", CLINKER, output_t=120_000.0), white])
    assert total.total == pytest.approx(99_960.0 + 30_000.0) and total.unverified == ()


def test_a_value_not_found_gives_no_allocation_and_says_why() -> None:
    line = allocate_line("S1", MISSING, output_t=1_000_000.0)
    assert line.allowances is None and any("not found" in m for m in line.missing)
    assert allocate([line, allocate_line("L1", CLINKER, output_t=1.0)]).total is None
    assert allocate([line]).unverified == ("test.steel.general",)
    assert allocate_line("S1", MISSING).missing[0] == "no output of {item} recorded"
    with pytest.raises(ValueError):
        allocate_line("L1", CLINKER, output_t=-1.0)


def test_flat_projection_and_its_band_by_hand() -> None:
    p = project_year({1: 100.0, 2: 120.0, 3: 110.0})
    assert p.method == "flat" and p.to_date == 330.0
    assert p.projected == pytest.approx(330 / 3 * 12)  # 1320
    # s = 10 (sd of 100, 120, 110); 9 months left: sd = 10 × √(9 + 81/3) = 60
    assert p.sd == pytest.approx(60.0)
    half = 2.919986 * 60.0
    assert p.low == pytest.approx(1320 - half, abs=1e-3) and p.high == pytest.approx(1320 + half, abs=1e-3)


def test_seasonal_projection_follows_last_years_profile() -> None:
    previous = {m: (200.0 if m <= 6 else 100.0) for m in range(1, 13)}  # 1 800 t
    p = project_year({1: 220.0, 2: 180.0, 3: 200.0, 4: 200.0}, profile=previous)
    # a = 800 / 800 = 1; remaining: two months of 200, six of 100 = 1 000
    assert p.method == "seasonal" and p.scale == pytest.approx(1.0)
    assert p.projected == pytest.approx(1800.0)
    # ratios 1.1, 0.9, 1.0, 1.0: s = √(0.02/3); sd = s × √(2·200² + 6·100² + 1000²/4)
    s = math.sqrt(0.02 / 3)
    sd = s * math.sqrt(2 * 200**2 + 6 * 100**2 + 1000**2 / 4)
    assert p.sd == pytest.approx(sd)
    assert p.high == pytest.approx(1800 + 2.353363 * sd, abs=1e-3)
    # an incomplete previous year: flat
    assert project_year({1: 1.0, 2: 2.0}, profile={1: 1.0}).method == "flat"


def test_projection_edges() -> None:
    assert project_year({}).projected is None and project_year({}).method == "none"
    one = project_year({5: 50.0})
    assert one.projected == pytest.approx(600.0) and one.low is None and one.high is None
    full = project_year({m: 10.0 for m in range(1, 13)})
    assert full.method == "complete" and full.low == full.high == full.projected == 120.0
    # the band never ends below what is already emitted
    wild = project_year({1: 1000.0, 2: 0.0})
    assert wild.low is not None and wild.low >= 1000.0
    # a negative month (carbon leaving in products) is projected like any other
    assert project_year({1: -10.0, 2: 30.0}).projected == pytest.approx(120.0)
    for bad in ({13: 1.0}, {1: float("inf")}, {1: float("nan")}):
        with pytest.raises(ValueError):
            project_year(bad)
    with pytest.raises(ValueError):
        project_year({1: 1.0}, level=1.0)


def test_ccer_is_usable_within_the_limit_only() -> None:
    assert ccer_usable(10_000.0, 100_000.0, 0.05) == 5_000.0      # capped at 5 % of the obligation
    assert ccer_usable(3_000.0, 100_000.0, 0.05) == 3_000.0       # all of a small holding
    assert ccer_usable(3_000.0, 100_000.0, None) == 0.0           # no limit found: none counted
    pos = position(95_000.0, 100_000.0, emissions_low=98_000.0, emissions_high=103_000.0, ccer_held=10_000.0,
                   ccer_limit_share=0.05)
    assert pos.ccer_usable == 5_000.0 and pos.balance == 0.0
    assert pos.balance_low == pytest.approx(95_000 + 5_150 - 103_000)   # high emissions → low balance
    assert pos.balance_high == pytest.approx(95_000 + 4_900 - 98_000)
    assert position(None, 1.0).balance is None
    # allocated the verified emissions (k = 1): the band of the emissions does not move the balance
    verified = position(100_000.0, 100_000.0, emissions_low=90_000.0, emissions_high=110_000.0,
                        allowances_per_emission=1.0)
    assert verified.balance == verified.balance_low == verified.balance_high == 0.0


def test_lower_clinker_factor() -> None:
    effect = clinker_factor_effect(cement_output_t=1_000_000.0, clinker_factor_before=0.75, clinker_factor_after=0.70,
                                   clinker_intensity_tco2_per_t=0.86, rules=[CLINKER])
    assert effect.delta_outputs["clinker"] == pytest.approx(-50_000.0)
    assert effect.delta_emissions == pytest.approx(-43_000.0)
    assert effect.delta_allowances == pytest.approx(-50_000 * 0.85 * 0.98)   # −41 650: less clinker, fewer allowances
    assert effect.delta_net == pytest.approx(-41_650.0 + 43_000.0)
    # allocated its verified emissions, the saving is given back in allowances: net 0
    verified = clinker_factor_effect(cement_output_t=1_000_000.0, clinker_factor_before=0.75, clinker_factor_after=0.70,
                                     clinker_intensity_tco2_per_t=0.86, rules=[VERIFIED])
    assert verified.delta_allowances == pytest.approx(-43_000.0) and verified.delta_net == pytest.approx(0.0)


def test_more_scrap_and_less_anode() -> None:
    steel = AllocationRule("test.steel", 2025, "steel", "general", "intensity", "crude_steel", 1.9)
    scrap = scrap_effect(crude_steel_t=2_000_000.0, scrap_ratio_before=0.10, scrap_ratio_after=0.15,
                         hot_metal_intensity_tco2_per_t=1.6, rules=[steel])
    assert scrap.delta_outputs["pig_iron"] == pytest.approx(-100_000.0)
    assert scrap.delta_emissions == pytest.approx(-160_000.0)
    assert scrap.delta_allowances == 0.0 and scrap.delta_net == pytest.approx(160_000.0)
    anode = anode_effect(aluminium_t=500_000.0, net_anode_before=0.42, net_anode_after=0.40,
                         anode_carbon_content=0.8, rules=[MISSING])
    assert anode.delta_emissions == pytest.approx(500_000 * -0.02 * 0.8 * 44 / 12)   # −29 333.3 t
    assert anode.delta_allowances == 0.0
    with pytest.raises(ValueError):
        anode_effect(aluminium_t=-1.0, net_anode_before=0.4, net_anode_after=0.4, anode_carbon_content=0.8, rules=[])


def test_cumulative_path_ends_at_the_projection_and_its_band() -> None:
    monthly = {1: 100.0, 2: 120.0, 3: 110.0}
    p = project_year(monthly)
    path = cumulative_path(monthly, p)
    assert [pt.recorded for pt in path[:3]] == [100.0, 220.0, 330.0] and path[3].recorded is None
    assert path[2].projected == 330.0 and path[2].low == path[2].high == 330.0   # the fan opens after month 3
    assert path[-1].projected == pytest.approx(p.projected)
    assert path[-1].low == pytest.approx(p.low) and path[-1].high == pytest.approx(p.high)


#: the balance-value rule as the 2026 draft states it (slope 0.15, band 20 %, cap 0.03), BP given by the test
BALANCE = AllocationRule("test.cement.balance", 2025, "cement", "general", "balance_value", "clinker", None,
                         (("slope", 0.15), ("cap", 0.03), ("band", 0.20)), "not_found")


def test_balance_value_allocation_by_hand() -> None:
    from greenmfg.calc.ets_allowances import balance_alpha

    # I = 0.80 against BP = 0.85: X = 0.05/0.85 = 5.88 %, α = 0.15 × X = 0.0088235
    line = allocate_line("L1", BALANCE, emissions_tco2e=800_000.0, intensity_tco2_per_t=0.80, balance_value=0.85)
    alpha = 0.15 * (0.85 - 0.80) / 0.85
    assert line.allowances == math.floor(800_000 * (1 + alpha)) == 807_058
    # beyond ±20 % the adjustment is capped at ±3 %
    assert balance_alpha(0.60, 0.85, slope=0.15, cap=0.03, band=0.20) == 0.03
    assert balance_alpha(1.10, 0.85, slope=0.15, cap=0.03, band=0.20) == -0.03
    assert balance_alpha(0.85, 0.85, slope=0.15, cap=0.03, band=0.20) == 0.0
    # without a balance value (published after verification) nothing is computed, and that is said
    unknown = allocate_line("L1", BALANCE, emissions_tco2e=800_000.0, intensity_tco2_per_t=0.80)
    assert unknown.allowances is None and any("balance value" in m for m in unknown.missing)


def test_what_if_under_the_balance_value_method() -> None:
    from greenmfg.calc.ets_allowances import Baseline

    base = Baseline(emissions=860_000.0, basis_emissions=860_000.0, output=1_000_000.0, balance_value=0.85)
    effect = clinker_factor_effect(cement_output_t=1_000_000.0, clinker_factor_before=0.75, clinker_factor_after=0.70,
                                   clinker_intensity_tco2_per_t=0.86, rules=[BALANCE], baseline=base)
    # −50 000 t clinker, −43 000 t: I stays 0.86 (817 000 / 950 000), so α stays −0.15 × 0.01/0.85
    alpha = 0.15 * (0.85 - 0.86) / 0.85
    before, after = math.floor(860_000 * (1 + alpha)), math.floor(817_000 * (1 + alpha))
    assert effect.delta_allowances == pytest.approx(after - before)
    assert effect.delta_net == pytest.approx(after - before + 43_000)
    assert clinker_factor_effect(cement_output_t=1.0, clinker_factor_before=0.75, clinker_factor_after=0.70,
                                 clinker_intensity_tco2_per_t=0.86, rules=[BALANCE]).delta_allowances is None


def test_a_line_outside_the_allocation_has_no_allowances_and_no_measure_effect() -> None:
    excluded = AllocationRule("2025.cement.new_line", 2025, "cement", "new_line", "excluded", "clinker")
    line = allocate_line("KILN-3", excluded, output_t=10000.0, emissions_tco2e=5350.0)
    assert (line.allowances, line.missing) == (0.0, ())
    effect = measure_effect("clinker_factor", -100.0, {"clinker": -200.0}, [excluded])
    assert (effect.delta_allowances, effect.delta_net) == (0.0, 100.0)
