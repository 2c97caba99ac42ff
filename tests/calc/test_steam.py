"""IAPWS-IF97 steam states (calc.steam): enthalpies against printed steam tables, impossible states refused.

Expected enthalpies: saturated vapour at 0.6 MPa h'' = 2756 kJ/kg, t_s = 158.8 °C; superheated
steam at 1.0 MPa, 250 °C h = 2943 kJ/kg (e.g. Çengel & Boles, Thermodynamics, Tables A-5 and A-6).
The accounting of steam (heat net of the 83.74 kJ/kg feed water) is in tests/accounting/test_steam.py.
"""

from __future__ import annotations

import pytest

from greenmfg.calc.steam import steam_state


def test_if97_enthalpies_match_the_steam_tables() -> None:
    saturated = steam_state(0.6, None)
    assert saturated.state == "saturated"
    assert saturated.enthalpy_kj_per_kg == pytest.approx(2756.1, abs=0.1)  # table: 2756 kJ/kg
    # a thermometer on saturated steam reads t_s = 158.8 °C: the same state
    assert steam_state(0.6, 158.8).enthalpy_kj_per_kg == saturated.enthalpy_kj_per_kg
    superheated = steam_state(1.0, 250.0)
    assert superheated.state == "superheated"
    assert superheated.enthalpy_kj_per_kg == pytest.approx(2943.2, abs=0.2)  # table: 2943.1 kJ/kg


@pytest.mark.parametrize(
    ("pressure", "temperature", "column", "words"),
    [
        (0.6, 120.0, "steam_temperature", "below the saturation temperature 158.8"),  # water, not steam
        (None, 200.0, "steam_pressure", "without the pressure"),
        (0.0, None, "steam_pressure", "outside"),
        (25.0, None, "steam_temperature", "critical pressure"),
        (1.0, 900.0, "steam_temperature", "outside 0-800"),
    ],
)
def test_impossible_states_are_refused(pressure: float | None, temperature: float | None, column: str,
                                       words: str) -> None:
    state = steam_state(pressure, temperature)
    assert state.enthalpy_kj_per_kg is None
    assert state.column == column
    assert state.problem is not None and words in state.problem
    assert state.problem_zh
