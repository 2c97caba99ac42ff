"""calc/scenarios.py: the LEAP-style route accounting, paths, attainment, measures, peak and plateau.

Expected values are computed by hand from the formulas of the module docstring (LEAP: demand =
activity × intensity, emissions = demand × factor; GB/T 2589-2020: 0.1229 kgce/kWh)."""

from __future__ import annotations

import numpy as np
import pytest

from greenmfg.calc import scenarios as model

YEARS = list(range(2020, 2031))


def test_a_path_is_linear_between_its_years_and_held_outside() -> None:
    values = model.interpolate_path({2022: 10.0, 2026: 2.0}, YEARS)
    assert values[0] == 10.0 and values[2] == 10.0          # held before the first year
    assert values[4] == pytest.approx(6.0)                   # half-way 2022 → 2026
    assert values[-1] == 2.0                                 # held after the last year


def test_compound_growth_applies_each_years_rate_from_its_year() -> None:
    level = model.compound_growth(100.0, {2021: 0.10, 2025: -0.05}, YEARS)
    assert level.shape == (1, len(YEARS))
    assert level[0, 0] == 100.0
    assert level[0, 4] == pytest.approx(100.0 * 1.1 ** 4)                  # 2024
    assert level[0, 6] == pytest.approx(100.0 * 1.1 ** 4 * 0.95 ** 2)      # 2026
    shifted = model.compound_growth(100.0, {2021: 0.10}, YEARS, shift=np.array([0.0, 0.01]))
    assert shifted[1, 2] == pytest.approx(100.0 * 1.11 ** 2)


def test_benchmark_attainment_is_a_cap_that_never_raises_a_route() -> None:
    cap = model.attainment_path(600.0, 2020, 500.0, 2030, YEARS)
    assert cap[0] == 600.0 and cap[5] == pytest.approx(550.0) and cap[-1] == 500.0
    below = model.attainment_path(450.0, 2020, 500.0, 2030, YEARS)
    assert np.all(below == 450.0)


def test_a_measure_ramps_in_and_measures_multiply() -> None:
    one = model.measure_factor(YEARS, 0.10, 2023, ramp_years=2)
    assert list(one[:3]) == [1.0, 1.0, 1.0]
    assert one[3] == pytest.approx(0.95) and one[4] == pytest.approx(0.90) and one[-1] == pytest.approx(0.90)
    both = one * model.measure_factor(YEARS, 0.20, 2020)
    assert both[-1] == pytest.approx(0.9 * 0.8)   # 28 % saved, not 30 %: the second saves on what is left


def test_route_emissions_by_hand() -> None:
    # 100 t at 500 kgce/t = 50 tce; coal 80 % (40 tce × 2.66 = 106.4 tCO2); electricity 20 % (10 tce =
    # 10 / 0.1229 MWh × 0.58 tCO2/MWh); process 100 t × 0.6 × 0.5 = 30 tCO2; CCUS 50 % of combustion + process
    result = model.route_pathway(model.RouteArrays(
        output_t=np.array([[100.0]]), energy_intensity_kgce_per_t=np.array([[500.0]]),
        fuel_mix={"coal": np.array([[0.8]]), "electricity": np.array([[0.2]])},
        fuel_ef_tco2_per_tce={"coal": 2.66}, grid_factor_tco2_per_mwh=np.array([[0.58]]),
        process_activity_ratio=0.6, process_ef_tco2_per_t=0.5, capture_rate=0.5))
    assert result.energy_tce[0, 0] == pytest.approx(50.0)
    assert result.emissions_tco2["combustion"][0, 0] == pytest.approx(106.4)
    assert result.electricity_mwh[0, 0] == pytest.approx(10.0 / 0.1229)
    assert result.emissions_tco2["electricity"][0, 0] == pytest.approx(10.0 / 0.1229 * 0.58)
    assert result.emissions_tco2["process"][0, 0] == pytest.approx(30.0)
    assert result.emissions_tco2["captured"][0, 0] == pytest.approx(-0.5 * (106.4 + 30.0))
    assert result.total_tco2[0, 0] == pytest.approx(106.4 + 10.0 / 0.1229 * 0.58 + 30.0 - 68.2)
    # cross-check: the energy of the fuels adds up to the route's
    assert sum(v[0, 0] for v in result.energy_by_fuel_tce.values()) == pytest.approx(50.0)


def test_peak_plateau_and_a_pathway_that_has_not_peaked() -> None:
    series = np.array([[90.0, 99.0, 100.0, 98.5, 97.0, 90.0, 80.0],
                       [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]])
    peak = model.peak_analysis(series, tolerance=0.02)
    assert list(peak.index) == [2, 6]
    assert list(peak.peaked) == [True, False]               # rising in the last year: no peak
    assert (peak.plateau_start[0], peak.plateau_end[0]) == (1, 3)   # 99, 100, 98.5 within 2 % of 100
    wide = model.peak_analysis(series[:1], tolerance=0.05)
    assert (wide.plateau_start[0], wide.plateau_end[0]) == (1, 4)


def test_cumulative_sums_the_years_inclusive() -> None:
    series = np.arange(len(YEARS), dtype=float)[None, :]
    assert model.cumulative(series, YEARS, 2021, 2023)[0] == 1.0 + 2.0 + 3.0
