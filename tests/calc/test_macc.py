"""calc/macc: CRF and MAC by hand, the multiplicative interaction, the curve, and the HiGHS MILP
portfolio checked against a brute-force enumeration of every subset (≤ 12 measures)."""

from __future__ import annotations

import math
import random

import pytest

from greenmfg.calc.macc import (
    MaccMeasure,
    annualised_cost,
    capital_recovery_factor,
    enumerate_portfolio,
    macc_curve,
    marginal_cost,
    portfolio_abatement,
    solve_portfolio,
)


def test_capital_recovery_factor_matches_the_annuity_table() -> None:
    # annuity tables: 8 %, 10 years → 0.149029; 5 %, 20 years → 0.080243; 0 % → straight line
    assert capital_recovery_factor(0.08, 10) == pytest.approx(0.1490295, abs=1e-7)
    assert capital_recovery_factor(0.05, 20) == pytest.approx(0.0802426, abs=1e-7)
    assert capital_recovery_factor(0.0, 8) == pytest.approx(0.125)
    # a second way: the present value of n payments of CRF equals 1
    crf = capital_recovery_factor(0.12, 7)
    assert sum(crf / 1.12 ** t for t in range(1, 8)) == pytest.approx(1.0)
    for rate, years in ((-0.01, 10), (0.08, 0), (math.nan, 5)):
        with pytest.raises(ValueError):
            capital_recovery_factor(rate, years)


def test_annualised_cost_and_mac_by_hand() -> None:
    m = MaccMeasure("trt", abatement=1000.0, capex=1_000_000.0, opex_change=20_000.0, energy_saving_value=250_000.0,
                    lifetime_years=10)
    crf = 0.08 * 1.08 ** 10 / (1.08 ** 10 - 1)
    assert annualised_cost(m, 0.08) == pytest.approx(crf * 1e6 + 20_000 - 250_000)   # ≈ −81 970.5
    assert marginal_cost(m, 0.08) == pytest.approx((crf * 1e6 - 230_000) / 1000)
    assert marginal_cost(MaccMeasure("none", 0.0, 1.0, 0.0, 0.0, 5), 0.08) is None


def _shared(abatement: float, key: str, use_emissions: float = 100.0, **kw: object) -> MaccMeasure:
    return MaccMeasure(key, abatement, 0.0, 0.0, 0.0, 10, energy_use="kiln", use_emissions=use_emissions, **kw)  # type: ignore[arg-type]


def test_measures_on_one_use_combine_by_remaining_share() -> None:
    measures = [_shared(20.0, "a", covered=20.0), _shared(10.0, "b", covered=0.0),
                MaccMeasure("free", 5.0, 0.0, 0.0, 0.0, 10, covered=5.0)]
    # 20 % and 10 % of 100 t abate 100 × (1 − 0.8 × 0.9) = 28, not 30
    total, covered = portfolio_abatement(measures, ["a", "b"])
    assert total == pytest.approx(28.0)
    # the covered part of the use scales with the same ratio: 20 × 28/30
    assert covered == pytest.approx(20.0 * 28.0 / 30.0)
    assert portfolio_abatement(measures, ["a", "b", "free"])[0] == pytest.approx(33.0)
    assert portfolio_abatement(measures, ["b"])[0] == pytest.approx(10.0)


def test_a_measure_cannot_abate_more_than_its_use_emits() -> None:
    with pytest.raises(ValueError, match="between 0 and the emissions"):
        solve_portfolio([_shared(120.0, "a"), _shared(10.0, "b")], 0.08, target=10.0)
    with pytest.raises(ValueError, match="same use_emissions"):
        solve_portfolio([_shared(10.0, "a", 100.0), _shared(10.0, "b", 90.0)], 0.08)


def test_curve_is_greedy_with_interactions_and_alternatives() -> None:
    measures = [
        MaccMeasure("cheap", 10.0, 0.0, 0.0, 500.0, 10),                                            # MAC −50
        MaccMeasure("kiln_a", 50.0, 0.0, 1000.0, 0.0, 10, energy_use="kiln", use_emissions=100.0),   # MAC 20
        MaccMeasure("kiln_b", 50.0, 0.0, 1500.0, 0.0, 10, energy_use="kiln", use_emissions=100.0),   # MAC 30 alone
        MaccMeasure("route_x", 40.0, 0.0, 1200.0, 0.0, 10, group="route"),                          # MAC 30
        MaccMeasure("route_y", 60.0, 0.0, 3000.0, 0.0, 10, group="route"),                          # MAC 50
    ]
    steps, off = macc_curve(measures, 0.0)
    assert [s.key for s in steps] == ["cheap", "kiln_a", "route_x", "kiln_b"]
    # kiln_b after kiln_a abates 50 % of the remaining 50: 25 t at 1500/25 = 60 CNY/t
    kiln_b = steps[-1]
    assert kiln_b.abatement == pytest.approx(25.0)
    assert kiln_b.marginal_cost == pytest.approx(60.0)
    assert steps[-1].cumulative_abatement == pytest.approx(10 + 50 + 40 + 25)
    assert steps[-1].cumulative_cost == pytest.approx(-500 + 1000 + 1200 + 1500)
    assert off == ["route_y"]
    assert all(a.marginal_cost <= b.marginal_cost for a, b in zip(steps, steps[1:], strict=False))


def _small_case() -> list[MaccMeasure]:
    """Twelve measures: two shared uses, two exclusive groups, negative and positive costs."""
    kiln, motors = 400.0, 120.0
    return [
        MaccMeasure("whr", 45.0, 600_000, 5_000, 160_000, 20),
        MaccMeasure("cooler", 60.0, 250_000, 0, 30_000, 20, energy_use="kiln", use_emissions=kiln, covered=60.0),
        MaccMeasure("preheater", 40.0, 300_000, 0, 20_000, 25, energy_use="kiln", use_emissions=kiln, covered=40.0),
        MaccMeasure("alt_fuel", 90.0, 400_000, 60_000, 25_000, 15, energy_use="kiln", use_emissions=kiln, covered=90.0),
        MaccMeasure("ccus", 280.0, 7_000_000, 400_000, 0, 25, group="capture", energy_use="kiln",
                    use_emissions=kiln, covered=280.0),
        MaccMeasure("oxyfuel_ccus", 300.0, 8_500_000, 300_000, 0, 25, group="capture", energy_use="kiln",
                    use_emissions=kiln, covered=300.0),
        MaccMeasure("vsd", 30.0, 80_000, 0, 40_000, 10, energy_use="motors", use_emissions=motors),
        MaccMeasure("ie4", 6.0, 60_000, 0, 8_000, 15, energy_use="motors", use_emissions=motors),
        MaccMeasure("leaks", 12.0, 5_000, 2_000, 15_000, 3),
        MaccMeasure("led", 8.0, 50_000, -500, 9_000, 10),
        MaccMeasure("heat_pump", 25.0, 900_000, 10_000, 20_000, 20, group="boiler", covered=35.0),
        MaccMeasure("gas_boiler", 18.0, 200_000, 40_000, 0, 20, group="boiler", covered=18.0),
    ]


@pytest.mark.parametrize("target", [None, 0.0, 50.0, 150.0, 250.0, 350.0, 420.0, 470.0, 10_000.0])
@pytest.mark.parametrize("capex_limit", [None, 2_000_000.0, 9_000_000.0])
def test_milp_matches_brute_force_on_twelve_measures(target: float | None, capex_limit: float | None) -> None:
    measures = _small_case()
    milp = solve_portfolio(measures, 0.08, target=target, capex_limit=capex_limit)
    brute = enumerate_portfolio(measures, 0.08, target=target, capex_limit=capex_limit)
    assert milp.feasible == brute.feasible
    assert milp.max_abatement == pytest.approx(brute.max_abatement)
    if not brute.feasible:
        assert milp.chosen == ()
        return
    assert milp.annualised_cost == pytest.approx(brute.annualised_cost, rel=1e-9, abs=1e-6)
    assert set(milp.chosen) == set(brute.chosen)
    if target is not None:
        assert milp.abatement >= target - 1e-6
    if capex_limit is not None:
        assert milp.capex <= capex_limit + 1e-6
    for group in ("capture", "boiler"):
        assert sum(1 for k in milp.chosen for m in measures if m.key == k and m.group == group) <= 1


def test_milp_matches_brute_force_on_random_cases() -> None:
    rng = random.Random(20261220)
    for _ in range(60):
        uses = {"u1": rng.uniform(50, 300), "u2": rng.uniform(20, 100)}
        measures = []
        for j in range(rng.randint(1, 12)):
            use = rng.choice([None, "u1", "u2", "u1"])
            abatement = rng.uniform(1, 60) if use is None else uses[use] * rng.uniform(0.02, 0.6)
            measures.append(MaccMeasure(f"m{j}", abatement, rng.uniform(0, 2e5), rng.uniform(-5e3, 2e4),
                                        rng.uniform(0, 4e4), rng.choice([3, 10, 20]),
                                        group=rng.choice([None, None, "g1", "g2"]), energy_use=use,
                                        use_emissions=uses[use] if use else None))
        target = rng.choice([None, rng.uniform(0, 250)])
        limit = rng.choice([None, rng.uniform(1e4, 6e5)])
        milp = solve_portfolio(measures, 0.06, target=target, capex_limit=limit)
        brute = enumerate_portfolio(measures, 0.06, target=target, capex_limit=limit)
        assert milp.feasible == brute.feasible
        assert milp.annualised_cost == pytest.approx(brute.annualised_cost, rel=1e-9, abs=1e-6)
        assert milp.max_abatement == pytest.approx(brute.max_abatement, rel=1e-9, abs=1e-9)


def test_the_optimum_is_not_the_curve_order() -> None:
    # the curve takes the cheapest per tonne first; the target needs the big one alone
    measures = [MaccMeasure("small", 60.0, 0, 600, 0, 10), MaccMeasure("large", 100.0, 0, 1500, 0, 10)]
    steps, _ = macc_curve(measures, 0.0)
    assert [s.key for s in steps] == ["small", "large"]
    p = solve_portfolio(measures, 0.0, target=100.0)
    assert p.chosen == ("large",) and p.annualised_cost == pytest.approx(1500.0)


def test_without_a_target_the_portfolio_keeps_what_pays_for_itself() -> None:
    measures = _small_case()
    p = solve_portfolio(measures, 0.08)
    expected = {m.key for m in measures if annualised_cost(m, 0.08) < 0}
    assert set(p.chosen) == expected and p.feasible


def test_a_target_out_of_reach_says_how_far_the_measures_go() -> None:
    measures = _small_case()
    p = solve_portfolio(measures, 0.08, target=1e6)
    assert not p.feasible and p.chosen == ()
    assert p.max_abatement == pytest.approx(enumerate_portfolio(measures, 0.08).max_abatement)
    with pytest.raises(ValueError):
        solve_portfolio(measures, 0.08, target=-1.0)
    with pytest.raises(ValueError, match="small cases"):
        enumerate_portfolio(measures, 0.08, max_measures=5)
