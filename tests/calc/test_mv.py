"""M&V models: change-point recovery and selection, ISO 50006 OLS, metrics, FSU and savings by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from greenmfg.calc import mv

N = 365


def weather(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    d = np.arange(N)
    return 12 - 14 * np.cos(2 * np.pi * (d - 15) / 365) + rng.normal(0, 3, N)


def test_hdd_cdd_model_recovers_known_coefficients() -> None:
    # truth on the grid: heating 59 °F = 15 °C, cooling 72 °F = 22.22 °C; noise σ = 5 (≈ 4 % of the mean)
    t = weather()
    rng = np.random.default_rng(2)
    y = 100 + 5 * mv.hdd(t, 15.0) + 8 * mv.cdd(t, mv.f_to_c(72)) + rng.normal(0, 5, N)
    model = mv.fit_change_point(y, t)
    assert model.model_type == "hdd_cdd"
    # tolerance: 2 % on the intercept, 5 % on the betas, balance points within one 1 °F grid step
    assert model.intercept == pytest.approx(100, rel=0.02)
    assert model.beta_hdd == pytest.approx(5, rel=0.05)
    assert model.beta_cdd == pytest.approx(8, rel=0.05)
    assert abs(model.heating_balance_point_c - 15.0) <= 1 / 1.8 + 1e-9
    assert abs(model.cooling_balance_point_c - mv.f_to_c(72)) <= 1 / 1.8 + 1e-9


@pytest.mark.parametrize(("truth", "expected"), [("hdd", "hdd_only"), ("cdd", "cdd_only"), ("none", "intercept_only")])
def test_selection_picks_the_right_form(truth: str, expected: str) -> None:
    t = weather(3)
    rng = np.random.default_rng(4)
    y = 50 + rng.normal(0, 2, N)
    if truth == "hdd":
        y = y + 3 * mv.hdd(t, 12.0)
    elif truth == "cdd":
        y = y + 4 * mv.cdd(t, 20.0)
    model = mv.fit_change_point(y, t)
    if expected != "intercept_only":
        assert model.model_type == expected
        return
    # pure noise: searching 61 balance points at p < 0.1 (CalTRACK) can qualify a chance slope
    # (here CDD at 42 °F, adj R² 0.008); a strict p-value leaves the intercept-only model
    assert model.metrics is not None and model.metrics.adj_r2 < 0.02
    strict = mv.fit_change_point(y, t, max_p_value=0.001)
    assert strict.model_type == "intercept_only"
    assert strict.metrics is not None and strict.metrics.adj_r2 == 0.0
    assert strict.intercept == pytest.approx(float(np.mean(y)))


def test_grid_search_equals_a_statsmodels_fit_at_the_chosen_balance_points() -> None:
    t = weather(5)
    rng = np.random.default_rng(6)
    prod = rng.uniform(50, 150, N)
    y = 80 + 4 * mv.hdd(t, 14.0) + 6 * mv.cdd(t, 23.0) + 1.5 * prod + rng.normal(0, 4, N)
    model = mv.fit_change_point(y, t, production=prod)
    assert model.uses_production and model.model_type == "hdd_cdd"
    x = sm.add_constant(np.column_stack([mv.hdd(t, model.heating_balance_point_c),
                                         mv.cdd(t, model.cooling_balance_point_c), prod]))
    ref = sm.OLS(y, x).fit()
    ours = [model.intercept, model.beta_hdd, model.beta_cdd, model.beta_production]
    np.testing.assert_allclose(ours, ref.params, rtol=1e-8)
    np.testing.assert_allclose([model.p_values[k] for k in ("intercept", "beta_hdd", "beta_cdd", "beta_production")],
                               ref.pvalues, rtol=1e-6, atol=1e-300)
    assert model.metrics is not None
    assert model.metrics.adj_r2 == pytest.approx(ref.rsquared_adj, rel=1e-9)
    assert model.beta_production == pytest.approx(1.5, rel=0.03)
    # no other balance-point pair has a higher adjusted R²: brute force over a coarse neighbourhood
    best = ref.rsquared_adj
    for hf in range(52, 66, 2):
        for cf in range(hf, 82, 2):
            xx = sm.add_constant(np.column_stack([mv.hdd(t, mv.f_to_c(hf)), mv.cdd(t, mv.f_to_c(cf)), prod]))
            assert sm.OLS(y, xx).fit().rsquared_adj <= best + 1e-12


def test_many_meters_equal_one_at_a_time_and_missing_days_are_left_out() -> None:
    t = weather(7)
    rng = np.random.default_rng(8)
    ys = np.stack([60 + k * mv.hdd(t, 13.0) + rng.normal(0, 3, N) for k in (1, 2, 3)])
    valid = np.ones_like(ys, dtype=bool)
    valid[1, 100:130] = False
    ys[1, 100:130] = 1e9  # garbage on masked days must not matter
    many = mv.fit_change_point_many(ys, t, valid=valid)
    single = mv.fit_change_point(ys[1][valid[1]], t[valid[1]])
    assert many[1].intercept == pytest.approx(single.intercept, rel=1e-9)
    assert many[1].beta_hdd == pytest.approx(single.beta_hdd, rel=1e-9)
    assert [m.beta_hdd for m in many] == pytest.approx([1, 2, 3], rel=0.1)


def test_metrics_equal_a_hand_computation() -> None:
    y = np.array([10.0, 12.0, 9.0, 11.0, 13.0])
    yhat = np.array([10.5, 11.5, 9.5, 11.0, 12.0])
    fm = mv.metrics(y, yhat, n_parameters=2)
    # residuals -0.5, 0.5, -0.5, 0, 1 → SSE 1.75, Σe = 0.5; ȳ = 11, SST = 1+1+4+0+4 = 10
    assert fm.r2 == pytest.approx(1 - 1.75 / 10)
    assert fm.adj_r2 == pytest.approx(1 - (1.75 / 3) / (10 / 4))
    assert fm.rmse == pytest.approx(math.sqrt(1.75 / 3))
    assert fm.cv_rmse == pytest.approx(math.sqrt(1.75 / 3) / 11)
    assert fm.nmbe == pytest.approx(0.5 / (3 * 11))


def test_iso50006_regression_matches_statsmodels_and_checks_validity() -> None:
    rng = np.random.default_rng(9)
    prod = rng.uniform(800, 1200, 36)
    h = np.maximum(18 - rng.uniform(-5, 30, 36), 0) * 30
    y = 5000 + 3.2 * prod + 2.0 * h + rng.normal(0, 60, 36)
    reg = mv.fit_regression(y, {"production": prod, "hdd": h})
    ref = sm.OLS(y, sm.add_constant(np.column_stack([prod, h]))).fit()
    np.testing.assert_allclose([reg.intercept, reg.coefficients["production"], reg.coefficients["hdd"]], ref.params)
    np.testing.assert_allclose(list(reg.p_values.values()), ref.pvalues, rtol=1e-6)
    assert reg.metrics.r2 == pytest.approx(ref.rsquared)
    checks = {c["check"]: c for c in mv.validity_checks(reg.metrics, reg.p_values, interval="monthly")}
    assert checks["r2"]["passed"] and checks["cv_rmse"]["passed"] and checks["p_value.production"]["passed"]
    assert "p_value.intercept" not in checks
    # an irrelevant driver fails the p-value check
    noise = rng.normal(0, 1, 36)
    bad = mv.fit_regression(y, {"production": prod, "hdd": h, "noise": noise})
    assert bad.p_values["noise"] > 0.1
    failed = {c["check"] for c in mv.validity_checks(bad.metrics, bad.p_values, interval="monthly") if not c["passed"]}
    assert failed == {"p_value.noise"}


def test_fsu_worked_by_hand() -> None:
    # n = 365, p = 3, m = 365 reporting days (M = 12 months), CV(RMSE) 0.10, F = 0.20, ρ = 0.5, 90 %
    # n′ = 365·0.5/1.5 = 121.667; t(0.95, 362) = 1.6491; poly = −0.00024·144 + 0.03535·12 + 1.00286 = 1.39250
    # FSU = 1.6491 · 1.3925 · 0.10 · sqrt(3 · (1 + 2/121.667) / 365) / 0.20
    n_eff = 365 * 0.5 / 1.5
    t = stats.t.ppf(0.95, 362)
    poly = -0.00024 * 144 + 0.03535 * 12 + 1.00286
    assert poly == pytest.approx(1.3925, abs=1e-4)
    expected = t * poly * 0.10 * math.sqrt((365 / n_eff) * (1 + 2 / n_eff) / 365) / 0.20
    assert expected == pytest.approx(0.1051, abs=5e-4)
    got = mv.fractional_savings_uncertainty(cv_rmse=0.10, n_baseline=365, n_reporting=365, n_parameters=3,
                                            savings_fraction=0.20, autocorrelation=0.5, confidence=0.90)
    assert got == pytest.approx(expected, rel=1e-9)
    # no autocorrelation → narrower; higher confidence → wider
    assert mv.fractional_savings_uncertainty(cv_rmse=0.10, n_baseline=365, n_reporting=365, n_parameters=3,
                                             savings_fraction=0.20, autocorrelation=0.0) < got
    assert mv.fractional_savings_uncertainty(cv_rmse=0.10, n_baseline=365, n_reporting=365, n_parameters=3,
                                             savings_fraction=0.20, autocorrelation=0.5, confidence=0.95) > got


def test_option_b_and_c_savings_by_hand() -> None:
    # baseline model E = 100 + 2·HDD(15 °C); reporting days at 5, 10, 20 °C with actual 110, 100, 95
    model = mv.ChangePointModel(model_type="hdd_only", intercept=100, beta_hdd=2, heating_balance_point_c=15)
    adjusted = model.predict(np.array([5.0, 10.0, 20.0]))
    assert list(adjusted) == [120, 110, 100]
    fit = mv.FitMetrics(n=365, n_parameters=2, r2=0.9, adj_r2=0.9, rmse=5, cv_rmse=0.05, nmbe=0, mean=100,
                        autocorrelation=0.0)
    for option in ("B", "C"):
        result = mv.avoided_energy_use(adjusted, np.array([110.0, 100.0, 95.0]), fit=fit, option=option)
        assert result.option == option
        assert result.avoided_energy == 330 - 305 == 25
        assert result.savings_fraction == pytest.approx(25 / 330)
        fsu90, band90 = result.uncertainty[0.90]
        assert band90 == pytest.approx(fsu90 * 25)
        assert result.uncertainty[0.68][0] < fsu90 < result.uncertainty[0.95][0]
    with pytest.raises(ValueError, match="option"):
        mv.avoided_energy_use(adjusted, adjusted, fit=fit, option="A")
    # normalised savings: both models on standard conditions (two days at 0 °C)
    after = mv.ChangePointModel(model_type="hdd_only", intercept=90, beta_hdd=1.5, heating_balance_point_c=15)
    std = np.array([0.0, 0.0])
    assert mv.normalised_savings(model.predict(std), after.predict(std)) == (130 - 112.5) * 2


@settings(max_examples=15, deadline=None)
@given(k=st.floats(min_value=0.01, max_value=1000))
def test_scaling_energy_scales_coefficients(k: float) -> None:
    t = weather(11)
    rng = np.random.default_rng(12)
    y = 70 + 2 * mv.hdd(t, 14.0) + 3 * mv.cdd(t, 22.0) + rng.normal(0, 2, N)
    a = mv.fit_change_point(y, t)
    b = mv.fit_change_point(k * y, t)
    assert b.model_type == a.model_type
    assert b.heating_balance_point_c == a.heating_balance_point_c
    assert b.cooling_balance_point_c == a.cooling_balance_point_c
    assert b.intercept == pytest.approx(k * a.intercept, rel=1e-7)
    assert b.beta_hdd == pytest.approx(k * a.beta_hdd, rel=1e-7)
    assert b.beta_cdd == pytest.approx(k * a.beta_cdd, rel=1e-7)
    assert b.metrics is not None and a.metrics is not None
    assert b.metrics.cv_rmse == pytest.approx(a.metrics.cv_rmse, rel=1e-7)


# --------------------------------------------------------------- continuous balance-point search


def _sse(model: mv.ChangePointModel, t: np.ndarray, y: np.ndarray, prod: np.ndarray | None = None) -> float:
    r = y - model.predict(t, prod)
    return float(r @ r)


def test_continuous_search_recovers_off_grid_balance_points() -> None:
    # truth between grid points: heating 58.55 °F, cooling 71.45 °F; small noise (σ = 1 on ≈ 100)
    t = weather(21)
    rng = np.random.default_rng(22)
    h_true, c_true = mv.f_to_c(58.55), mv.f_to_c(71.45)
    y = 100 + 5 * mv.hdd(t, h_true) + 8 * mv.cdd(t, c_true) + rng.normal(0, 1, N)
    grid = mv.fit_change_point(y, t)
    cont = mv.fit_change_point(y, t, balance_point_search="continuous")
    assert grid.balance_point_search == "grid" and cont.balance_point_search == "continuous"
    assert grid.model_type == cont.model_type == "hdd_cdd"
    # the grid can only land on whole °F; the refinement gets within 0.2 °F of the truth
    assert grid.heating_balance_point_c is not None and cont.heating_balance_point_c is not None
    assert grid.cooling_balance_point_c is not None and cont.cooling_balance_point_c is not None
    assert (grid.heating_balance_point_c * 1.8 + 32) % 1 == pytest.approx(0, abs=1e-9)
    assert abs(cont.heating_balance_point_c - h_true) * 1.8 < 0.2
    assert abs(cont.cooling_balance_point_c - c_true) * 1.8 < 0.2
    # ... never further than one grid step from the grid optimum, and never a worse fit
    assert abs(cont.heating_balance_point_c - grid.heating_balance_point_c) <= 1 / 1.8 + 1e-12
    assert abs(cont.cooling_balance_point_c - grid.cooling_balance_point_c) <= 1 / 1.8 + 1e-12
    assert _sse(cont, t, y) < _sse(grid, t, y)
    assert cont.beta_hdd == pytest.approx(5, rel=0.02) and cont.beta_cdd == pytest.approx(8, rel=0.02)
    # coefficients are the exact least-squares fit at the refined balance points
    x = sm.add_constant(np.column_stack([mv.hdd(t, cont.heating_balance_point_c),
                                         mv.cdd(t, cont.cooling_balance_point_c)]))
    np.testing.assert_allclose([cont.intercept, cont.beta_hdd, cont.beta_cdd], sm.OLS(y, x).fit().params, rtol=1e-8)


@pytest.mark.parametrize("form", ["hdd_only", "cdd_only"])
def test_continuous_search_single_degree_day_models(form: str) -> None:
    t = weather(23)
    rng = np.random.default_rng(24)
    bp = mv.f_to_c(55.3 if form == "hdd_only" else 69.7)
    dd = mv.hdd(t, bp) if form == "hdd_only" else mv.cdd(t, bp)
    y = 40 + 3 * dd + rng.normal(0, 0.5, N)
    cont = mv.fit_change_point(y, t, balance_point_search="continuous")
    assert cont.model_type == form
    got = cont.heating_balance_point_c if form == "hdd_only" else cont.cooling_balance_point_c
    other = cont.cooling_balance_point_c if form == "hdd_only" else cont.heating_balance_point_c
    assert got is not None and other is None
    assert abs(got - bp) * 1.8 < 0.2


def test_continuous_search_leaves_intercept_only_and_keeps_order() -> None:
    t = weather(25)
    rng = np.random.default_rng(26)
    flat = 50 + rng.normal(0, 2, N)
    model = mv.fit_change_point(flat, t, max_p_value=0.001, balance_point_search="continuous")
    assert model.model_type == "intercept_only" and model.balance_point_search == "grid"
    # heating and cooling balance points one grid step apart: the refinement keeps T_H ≤ T_C
    y = 80 + 6 * mv.hdd(t, mv.f_to_c(62.2)) + 6 * mv.cdd(t, mv.f_to_c(62.8)) + rng.normal(0, 1, N)
    cont = mv.fit_change_point(y, t, balance_point_search="continuous")
    assert cont.model_type == "hdd_cdd"
    assert cont.heating_balance_point_c is not None and cont.cooling_balance_point_c is not None
    assert cont.heating_balance_point_c <= cont.cooling_balance_point_c
    with pytest.raises(ValueError, match="balance_point_search"):
        mv.fit_change_point(y, t, balance_point_search="smooth")


def test_continuous_search_batched_equals_single_and_with_production() -> None:
    t = weather(27)
    rng = np.random.default_rng(28)
    prod = rng.uniform(50, 150, N)
    ys = np.stack([60 + k * mv.hdd(t, mv.f_to_c(57.4)) + 2 * mv.cdd(t, mv.f_to_c(70.6)) + 1.5 * prod
                   + rng.normal(0, 2, N) for k in (1, 2)])
    many = mv.fit_change_point_many(ys, t, production=np.stack([prod, prod]), balance_point_search="continuous")
    for k, model in enumerate(many):
        single = mv.fit_change_point(ys[k], t, production=prod, balance_point_search="continuous")
        assert model.heating_balance_point_c == pytest.approx(single.heating_balance_point_c, abs=1e-12)
        assert model.intercept == pytest.approx(single.intercept, rel=1e-9)
        assert model.uses_production and model.beta_production == pytest.approx(1.5, rel=0.05)
        grid = mv.fit_change_point(ys[k], t, production=prod)
        assert _sse(model, t, ys[k], prod) <= _sse(grid, t, ys[k], prod) + 1e-9


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_refinement_never_raises_the_sse(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = weather(seed % 7)
    y = 50 + rng.uniform(0, 5) * mv.hdd(t, rng.uniform(10, 17)) + rng.uniform(0, 5) * mv.cdd(t, rng.uniform(19, 25)) \
        + rng.normal(0, rng.uniform(0.5, 10), N)
    h0, c0 = mv.f_to_c(float(rng.integers(50, 62))), mv.f_to_c(float(rng.integers(64, 76)))
    h, c = mv.refine_balance_points(t, y, h0, c0)
    assert h is not None and c is not None and h <= c
    assert abs(h - h0) <= 1 / 1.8 + 1e-12 and abs(c - c0) <= 1 / 1.8 + 1e-12

    def sse(hb: float, cb: float) -> float:
        x = np.column_stack([np.ones(N), mv.hdd(t, hb), mv.cdd(t, cb)])
        r = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
        return float(r @ r)

    assert sse(h, c) <= sse(h0, c0) + 1e-9


def test_a_significant_increase_in_consumption_is_not_significant_savings() -> None:
    """ASHRAE Guideline 14-2014 §4.1.1 (as quoted): savings are significant when their uncertainty
    at 68 % confidence is under 50 % of them. Savings are avoided energy > 0: −5000 with a 20 %
    FSU is energy use 5000 above the adjusted baseline, beyond the model's uncertainty — a rise,
    never "significant savings" (before: significant True, from |savings|). The verdicts' texts are
    tested in tests/monitoring/test_quality.py."""
    bands = {0.68: (0.2, 1000.0), 0.90: (0.33, 1650.0)}
    rise = mv.savings_significance(-5000, bands)
    assert rise["significant"] is False and rise["verdict"] == "significant_increase" and rise["increase"] is True
    assert rise["within_uncertainty"] is False
    saved = mv.savings_significance(5000, bands)
    assert saved["significant"] is True and saved["verdict"] == "significant_savings" and saved["increase"] is False
    # −500 with an FSU of 200 % at 68 %: the rise is within the model's uncertainty
    small = mv.savings_significance(-500, {0.68: (2.0, 1000.0)})
    assert small["verdict"] == "not_significant" and small["significant"] is False and small["increase"] is False
    assert small["within_uncertainty"] is True
    # nothing saved: an infinite FSU, not significant; no 68 % band computed: no verdict
    assert mv.savings_significance(0.0, {0.68: (math.inf, math.inf)})["verdict"] == "not_significant"
    assert mv.savings_significance(-5000, {0.90: (0.33, 1650.0)})["verdict"] is None


def test_lag1_autocorrelation_by_hand() -> None:
    # alternating residuals: each is the negative of the one before, ρ = −1; a trend: ρ = +1
    assert mv.lag1_autocorrelation(np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])) == pytest.approx(-1.0)
    assert mv.lag1_autocorrelation(np.array([1.0, 2.0, 3.0, 4.0, 5.0])) == pytest.approx(1.0)
    # r = (1, 0, 0, 1): pairs (0,1), (0,0), (1,0); Pearson of (0, 0, 1) and (1, 0, 0) = −0.5
    assert mv.lag1_autocorrelation(np.array([1.0, 0.0, 0.0, 1.0])) == pytest.approx(-0.5)
    # constant or fewer than 3 residuals: no correlation to speak of
    assert mv.lag1_autocorrelation(np.full(10, 2.5)) == 0.0
    assert mv.lag1_autocorrelation(np.array([1.0, -1.0])) == 0.0
