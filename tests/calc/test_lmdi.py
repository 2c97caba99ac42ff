"""LMDI-I (calc.lmdi): Ang's example, the additive ↔ multiplicative link, zero and negative values.

Reference: the example data of Ang's LMDI guide as distributed with PyLMDI (shared/reference/methods.md
§C.3, ``lmdi_ang_example.csv``): energy 50 → 64, activity 50 → 80 over four sub-sectors; additive
activity +26.4269, structure +12.0987, intensity −24.5256; multiplicative 1.5936, 1.2378, 0.6489.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmfg.calc.lmdi import (
    Record,
    Term,
    decompose,
    industry_terms,
    logarithmic_mean,
    zero_convergence,
)

# year, sector, sub-sector, energy, activity (methods.md §C.3)
ANG = [(0, "1", "1", 20, 5), (0, "1", "2", 10, 5), (0, "2", "1", 8, 10), (0, "2", "2", 12, 30),
       (1, "1", "1", 30, 12), (1, "1", "2", 10, 8), (1, "2", "1", 15, 30), (1, "2", "2", 9, 30)]


def ang_records(*, nested: bool) -> list[Record]:
    return [Record((s, u) if nested else (f"{s}.{u}",), 2000 + y, float(q), float(e), 0.0) for y, s, u, e, q in ANG]


def test_angs_example_flat_reproduces_the_published_figures() -> None:
    d = decompose(industry_terms(ang_records(nested=False), base=2000, target=2001, aggregate="energy", levels=1))
    assert d.additive["activity"] == pytest.approx(26.4269, abs=5e-5)
    assert d.additive["structure.1"] == pytest.approx(12.0987, abs=5e-5)
    assert d.additive["energy_intensity"] == pytest.approx(-24.5256, abs=5e-5)
    assert d.multiplicative is not None
    assert d.multiplicative["activity"] == pytest.approx(1.5936, abs=5e-5)
    assert d.multiplicative["structure.1"] == pytest.approx(1.2378, abs=5e-5)
    assert d.multiplicative["energy_intensity"] == pytest.approx(0.6489, abs=5e-5)
    assert (d.v0, d.vt) == (50.0, 64.0)
    assert sum(d.additive.values()) == pytest.approx(14.0, abs=1e-12)
    assert math.prod(d.multiplicative.values()) == pytest.approx(1.28, rel=1e-12)


def test_nested_structure_effects_add_up_to_the_flat_one() -> None:
    flat = decompose(industry_terms(ang_records(nested=False), base=2000, target=2001, aggregate="energy", levels=1))
    nested = decompose(industry_terms(ang_records(nested=True), base=2000, target=2001, aggregate="energy", levels=2))
    assert nested.additive["structure.1"] + nested.additive["structure.2"] == pytest.approx(flat.additive["structure.1"])
    assert nested.additive["structure.1"] == pytest.approx(6.3431, abs=5e-5)   # Q_s/Q: 10/50 → 20/80, 40/50 → 60/80
    assert nested.multiplicative is not None and flat.multiplicative is not None
    assert (nested.multiplicative["structure.1"] * nested.multiplicative["structure.2"]
            == pytest.approx(flat.multiplicative["structure.1"]))


def test_an_unchanged_term_is_weighted_by_its_value_not_by_zero() -> None:
    """Sub-sector 1.2 uses 10 in both years: L(10, 10) = 10. Weighting it by 0 (as PyLMDI's Lfun does)
    still sums to 14 but moves 4.70 from activity to intensity: activity 21.7268 instead of 26.4269."""
    d = decompose(industry_terms(ang_records(nested=False), base=2000, target=2001, aggregate="energy", levels=1))
    weight_12 = 10.0
    by_hand = sum(logarithmic_mean(e1, e0) if e1 != e0 else weight_12 for e0, e1 in ((20, 30), (10, 10), (8, 15), (12, 9)))
    assert d.additive["activity"] == pytest.approx(by_hand * math.log(80 / 50))
    assert d.additive["activity"] - 10.0 * math.log(80 / 50) == pytest.approx(21.7268, abs=5e-5)


def test_logarithmic_mean() -> None:
    assert logarithmic_mean(3.0, 3.0) == 3.0
    assert logarithmic_mean(math.e, 1.0) == pytest.approx(math.e - 1)
    assert logarithmic_mean(-math.e, -1.0) == pytest.approx(-(math.e - 1))   # both negative: negative
    with pytest.raises(ValueError, match="one sign"):
        logarithmic_mean(-1.0, 2.0)
    with pytest.raises(ValueError, match="one sign"):
        logarithmic_mean(0.0, 2.0)


_value = st.floats(min_value=0.01, max_value=1e4, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_value, _value, _value, _value, _value, _value), min_size=1, max_size=6))
def test_additive_and_multiplicative_are_exact_and_linked(rows: list[tuple[float, ...]]) -> None:
    terms = [Term((str(i),), {"a": (r[0], r[1]), "b": (r[2], r[3]), "c": (r[4], r[5])}) for i, r in enumerate(rows)]
    d = decompose(terms)
    assert sum(d.additive.values()) == pytest.approx(d.vt - d.v0, rel=1e-9, abs=1e-9 * max(d.v0, d.vt))
    assert d.multiplicative is not None
    assert math.prod(d.multiplicative.values()) == pytest.approx(d.vt / d.v0, rel=1e-9)
    weight = logarithmic_mean(d.vt, d.v0)
    for k, effect in d.additive.items():   # ΔV_k / ln D_k = L(V^T, V^0)
        assert effect == pytest.approx(weight * math.log(d.multiplicative[k]), rel=1e-7, abs=1e-7 * weight)
    # time reversal: T → 0 gives the opposite effects
    back = decompose([Term(t.key, {k: (b, a) for k, (a, b) in t.factors.items()}) for t in terms])
    for k in d.additive:
        assert back.additive[k] == pytest.approx(-d.additive[k], rel=1e-9, abs=1e-9 * max(d.v0, d.vt))


def new_sector_records() -> list[Record]:
    return [*ang_records(nested=False), Record(("new",), 2001, 5.0, 4.0, 0.0)]


def test_zero_values_converge_to_the_analytical_limit() -> None:
    """A sector that appears (0 → 5 output, 0 → 4 energy): with δ = 1e-10, 1e-15, 1e-20 every effect
    moves towards the limit, the gap shrinking like 1/|ln δ| (Wood & Lenzen 2006); the sum stays exact."""
    terms = industry_terms(new_sector_records(), base=2000, target=2001, aggregate="energy", levels=1)
    series = zero_convergence(terms)
    assert [d for d, _ in series] == [1e-10, 1e-15, 1e-20, None]
    limit = series[-1][1]
    for k in limit:
        gaps = [abs(effects[k] - limit[k]) for _d, effects in series[:-1]]
        assert gaps[0] > gaps[1] > gaps[2] > 0
        # the gap × |ln δ| is nearly constant: logarithmic convergence
        scaled = [g * abs(math.log(d)) for g, (d, _e) in zip(gaps, series[:-1], strict=True) if d is not None]
        assert max(scaled) / min(scaled) < 1.5
    for _d, effects in series:
        assert sum(effects.values()) == pytest.approx(18.0, abs=1e-6)


def test_the_limit_gives_a_new_sector_to_the_structure_effect() -> None:
    with_new = decompose(industry_terms(new_sector_records(), base=2000, target=2001, aggregate="energy", levels=1))
    assert with_new.zero_terms == (("new",),)
    assert with_new.contributions[(("new",), "structure.1")] == pytest.approx(4.0)
    assert with_new.contributions[(("new",), "activity")] == 0.0
    assert with_new.contributions[(("new",), "energy_intensity")] == 0.0


def test_a_term_zero_in_both_years_contributes_nothing() -> None:
    terms = [Term(("a",), {"x": (2.0, 3.0), "y": (5.0, 5.0)}), Term(("b",), {"x": (2.0, 3.0), "y": (0.0, 0.0)})]
    d = decompose(terms)
    assert d.additive["x"] == pytest.approx(logarithmic_mean(15.0, 10.0) * math.log(1.5))
    assert d.additive["y"] == 0.0


def test_negative_in_both_years_uses_the_logarithmic_mean_of_negatives() -> None:
    """Exported electricity counted negative: −20 → −30 tCO2e, with activity ×1.2 and factor ×1.25."""
    terms = [Term(("coal",), {"q": (10.0, 12.0), "f": (10.0, 9.0)}), Term(("export",), {"q": (10.0, 12.0), "f": (-2.0, -2.5)})]
    d = decompose(terms)
    export_weight = (-30 - -20) / math.log(30 / 20)
    assert d.contributions[(("export",), "f")] == pytest.approx(export_weight * math.log(1.25))
    assert d.contributions[(("export",), "q")] == pytest.approx(export_weight * math.log(1.2))
    assert sum(d.additive.values()) == pytest.approx((108 - 30) - (100 - 20))
    assert d.sign_change_terms == ()


def test_a_term_changing_sign_gives_its_change_to_the_factor_changing_sign() -> None:
    """Net emissions after capture: +40 → −12 tCO2e (factor 4 → −1, activity 10 → 12)."""
    terms = [Term(("ccs",), {"q": (10.0, 12.0), "f": (4.0, -1.0)}), Term(("gas",), {"q": (10.0, 12.0), "f": (3.0, 3.0)})]
    d = decompose(terms)
    assert d.sign_change_terms == (("ccs",),)
    assert d.contributions[(("ccs",), "f")] == pytest.approx(-52.0)
    assert d.contributions[(("ccs",), "q")] == 0.0
    assert sum(d.additive.values()) == pytest.approx((-12 + 36) - (40 + 30))
    assert d.multiplicative is not None   # the aggregate stays positive: 70 → 24
    assert math.prod(d.multiplicative.values()) == pytest.approx(24 / 70)


def test_the_multiplicative_form_is_undefined_when_the_total_changes_sign() -> None:
    d = decompose([Term(("ccs",), {"q": (10.0, 12.0), "f": (4.0, -1.0)})])
    assert d.multiplicative is None and d.ratio is None
    assert "multiplicative_undefined" in d.notes
    assert sum(d.additive.values()) == pytest.approx(-52.0)


def test_fuel_mix_grid_and_process_effects_add_up() -> None:
    """One sector: coal and electricity, plus process emissions; the grid factor alone changes."""
    rows = [Record(("s",), 2020, 100.0, 80.0, 200.0, "coal", "fuel"), Record(("s",), 2020, None, 20.0, 60.0, "电力", "electricity"),
            Record(("s",), 2020, None, 0.0, 40.0, "process", "process"),
            Record(("s",), 2021, 100.0, 80.0, 200.0, "coal", "fuel"), Record(("s",), 2021, None, 20.0, 45.0, "电力", "electricity"),
            Record(("s",), 2021, None, 0.0, 40.0, "process", "process")]
    terms = industry_terms(rows, base=2020, target=2021, aggregate="emissions", levels=1)
    d = decompose(terms)
    assert {t.group for t in terms} == {"fuel", "grid", "process"}
    assert d.additive["emission_factor"] == pytest.approx(logarithmic_mean(45.0, 60.0) * math.log(45 / 60))
    assert d.additive["emission_factor"] == pytest.approx(-15.0, rel=0.01)
    for k in ("activity", "energy_intensity", "fuel_mix", "process_intensity"):
        assert d.additive[k] == pytest.approx(0.0, abs=1e-12)
    assert sum(d.additive.values()) == pytest.approx(-15.0)


def test_emissions_without_energy_need_a_process_row() -> None:
    rows = [Record(("s",), 2020, 10.0, 0.0, 5.0), Record(("s",), 2021, 10.0, 1.0, 5.0)]
    with pytest.raises(ValueError, match="process row"):
        industry_terms(rows, base=2020, target=2021, aggregate="emissions", levels=1)


def test_small_value_outside_angs_range_is_refused() -> None:
    with pytest.raises(ValueError, match="tiny"):
        decompose([Term(("a",), {"x": (1.0, 2.0)})], zero_value=0.01)
