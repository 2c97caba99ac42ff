"""Steam: heat for emissions = mass × (enthalpy − 83.74 kJ/kg), the enthalpy measured or computed by
IAPWS-IF97 from the steam's pressure and temperature.

Sources of the expected numbers:

- formula: NDRC/MEE industry GHG accounting guidelines (2013-2015), 热力 paragraph:
  AD_steam = Ma × (En_st − 83.74) × 10⁻³ [GJ]; 83.74 kJ/kg = 20 °C × 4.1868 kJ/(kg·K) feed water;
  emission factor of purchased heat 0.11 tCO2/GJ (same guidelines; heat_factors/ndrc-guidelines);
- enthalpies: IAPWS-IF97 as computed by the ``iapws`` library, checked against printed steam
  tables: saturated vapour at 0.6 MPa h'' = 2756 kJ/kg, t_s = 158.8 °C; superheated steam at
  1.0 MPa, 250 °C h = 2943 kJ/kg (e.g. Çengel & Boles, Thermodynamics, Tables A-5 and A-6);
- energy: GB/T 2589-2020 附录A low-pressure steam 0.1286 kgce/kg; a measured enthalpy replaces it by
  enthalpy / 29.3076 GJ/tce (greenmfg's existing GB/T 2589 rule for measured heat values).

By hand, 1000 t of dry saturated steam at 0.6 MPa (absolute):
(2756.14 − 83.74) kJ/kg = 2672.40 kJ/kg = 2.67240 GJ/t → 2672.40 GJ → × 0.11 = 293.96 tCO2.
Before this rule the same tonnes counted 0.1286 × 29.3076 = 3.769 GJ/t → 414.59 tCO2 (+41 %),
and a measured 2756 kJ/kg counted in full → 303.16 tCO2 (+3.1 %).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from greenmfg.accounting.output import result_document
from greenmfg.accounting.service import account
from greenmfg.accounting.template import write_template
from greenmfg.calc.steam import steam_state
from greenmfg.errors import ValidationFailed

from ..conftest import WriteRows

STEAM = {"item": "蒸汽", "quantity": 1000, "unit": "t", "flow": "外购"}


def _result(path: Path) -> dict[str, Any]:
    document = result_document(account(path))
    assert len(document["results"]) == 1
    result: dict[str, Any] = document["results"][0]
    return result


def test_saturated_steam_by_pressure(write_rows: WriteRows) -> None:
    result = _result(write_rows([{**STEAM, "steam_pressure": "0.6"}]))
    h = 2756.138889536332  # IF97 h''(0.6 MPa) [kJ/kg]
    expected = 1000 * (h - 83.74) / 1000 * 0.11  # = 293.96 tCO2 (today's code: 414.59)
    assert result["emissions_tco2e"]["purchased_heat"] == pytest.approx(expected, rel=1e-9)
    assert result["emissions_tco2e"]["purchased_heat"] == pytest.approx(293.96, abs=0.01)
    # GB/T 2589 coefficient stays on the energy side
    assert result["energy_tce"] == pytest.approx(128.6, rel=1e-12)
    parameters = {p["name"]: p for p in result["lines"][0]["parameters"]}
    assert parameters["standard_coal_coefficient"]["value"] == pytest.approx(0.1286)
    assert parameters["steam_enthalpy"]["value"] == pytest.approx(h / 1000, rel=1e-9)
    assert "IAPWS-IF97" in parameters["steam_enthalpy"]["ref"]
    assert "0.6 MPa (absolute)" in parameters["steam_enthalpy"]["ref"]
    assert parameters["heat_content"]["value"] == pytest.approx((h - 83.74) / 1000, rel=1e-9)
    assert parameters["emission_factor"]["value"] == pytest.approx((h - 83.74) / 1000 * 0.11, rel=1e-9)
    assert "83.74" in parameters["emission_factor"]["ref"]


def test_superheated_steam_by_pressure_and_temperature(write_rows: WriteRows) -> None:
    result = _result(write_rows([{**STEAM, "steam_pressure": 1.0, "steam_temperature": 250}]))
    h = steam_state(1.0, 250.0).enthalpy_kj_per_kg
    assert h is not None
    assert result["emissions_tco2e"]["purchased_heat"] == pytest.approx(1000 * (h - 83.74) / 1000 * 0.11, rel=1e-9)
    assert result["emissions_tco2e"]["purchased_heat"] == pytest.approx(314.54, abs=0.01)  # (2943.22 − 83.74) × 0.11


def test_measured_enthalpy_is_net_of_feed_water(write_rows: WriteRows) -> None:
    row = {**STEAM, "flow": "消耗", "ncv": 2756, "ncv_unit": "kJ/kg"}
    result = _result(write_rows([row]))
    # (2756 − 83.74) kJ/kg × 1000 t × 0.11 = 293.9486 tCO2 (today's code: 2756 × 0.11 = 303.16)
    assert result["emissions_tco2e"]["purchased_heat"] == pytest.approx(293.9486, rel=1e-9)
    # energy: GB/T 2589-2020 附录A's 0.1286 kgce/kg for steam however its enthalpy is given, so the
    # same steam described by its pressure (see test_energy_by_the_gb2589_coefficient_either_way)
    # gives the same energy (a measured enthalpy gave 2756 / 29.3076 = 94.04 tce before)
    assert result["energy_tce"] == pytest.approx(128.6, rel=1e-9)


def test_energy_by_the_gb2589_coefficient_either_way(write_rows: WriteRows) -> None:
    """One steam, one energy figure: 1000 t of 0.6 MPa saturated steam given by its measured
    enthalpy or by its pressure is 1000 t × 0.1286 kgce/kg = 128.6 tce (GB/T 2589-2020 附录A);
    the enthalpy only sets the heat its emissions use."""
    h = steam_state(0.6, None).enthalpy_kj_per_kg
    assert h is not None
    by_state = _result(write_rows([{**STEAM, "steam_pressure": 0.6}]))
    by_enthalpy = _result(write_rows([{**STEAM, "ncv": round(h, 6), "ncv_unit": "kJ/kg"}], name="h.csv"))
    assert by_state["energy_tce"] == pytest.approx(128.6, rel=1e-12)
    assert by_enthalpy["energy_tce"] == pytest.approx(by_state["energy_tce"], rel=1e-12)
    assert by_enthalpy["emissions_tco2e"]["purchased_heat"] == pytest.approx(
        by_state["emissions_tco2e"]["purchased_heat"], rel=1e-6)


def test_exported_steam_is_deducted_at_the_same_heat(write_rows: WriteRows) -> None:
    rows = [{**STEAM, "steam_pressure": 0.6}, {**STEAM, "quantity": 400, "flow": "输出", "steam_pressure": 0.6}]
    result = _result(write_rows(rows))
    per_tonne = (2756.138889536332 - 83.74) / 1000 * 0.11
    assert result["emissions_tco2e"]["exported"] == pytest.approx(-400 * per_tonne, rel=1e-9)
    assert result["emissions_tco2e"]["total"] == pytest.approx(600 * per_tonne, rel=1e-9)


def test_steam_without_a_state_is_a_located_error(write_rows: WriteRows) -> None:
    """No guideline gives a default enthalpy: the row is refused, not counted at 3.769 GJ/t."""
    path = write_rows([{"item": "电力", "quantity": 10, "unit": "MWh", "flow": "外购"}, STEAM])
    with pytest.raises(ValidationFailed) as caught:
        account(path)
    (issue,) = caught.value.issues
    assert (issue.code, issue.file, issue.row, issue.column) == (
        "accounting.input.steam_state_missing", "activity.csv", 3, "ncv")
    assert "83.74" in issue.message and "83.74" in issue.message_zh
    assert '"steam_pressure"' in issue.fix and "“steam_pressure”" in issue.fix_zh  # as the file headed it


@pytest.mark.parametrize(
    ("row", "code", "column"),
    [
        ({"steam_pressure": 0.6, "steam_temperature": 120}, "accounting.input.steam_state", "steam_temperature"),
        ({"steam_temperature": 200}, "accounting.input.steam_state", "steam_pressure"),
        ({"steam_pressure": "0,6 MPa"}, "accounting.input.not_a_number", "steam_pressure"),
        ({"steam_pressure": 0.6, "ncv": 2756, "ncv_unit": "kJ/kg"}, "accounting.input.steam_two_states",
         "steam_pressure"),
        # 2.756 written with kJ/kg: below the feed water's enthalpy, a unit slip
        ({"ncv": 2.756, "ncv_unit": "kJ/kg"}, "accounting.input.parameter_range", "ncv"),
        ({"item": "电力", "unit": "MWh", "steam_pressure": 0.6}, "accounting.input.parameter_not_applicable",
         "steam_pressure"),
    ],
)
def test_bad_steam_states_are_located(write_rows: WriteRows, row: dict[str, object], code: str,
                                      column: str) -> None:
    path = write_rows([{**STEAM, "steam_pressure": 0.8}, {**STEAM, "period": "2024-02", **row}])
    with pytest.raises(ValidationFailed) as caught:
        account(path)
    (issue,) = caught.value.issues
    assert (issue.code, issue.row, issue.column) == (code, 3, column)
    assert issue.message_zh and issue.fix_zh


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_documents_the_steam_state_columns(tmp_path: Path, lang: str) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "template.xlsx"
    write_template(path, lang=lang)
    workbook = load_workbook(path)
    headers = [c.value for c in workbook.worksheets[0][1]]
    assert ("蒸汽压力" if lang == "zh" else "Steam pressure") in headers
    assert ("蒸汽温度" if lang == "zh" else "Steam temperature") in headers
    # the instructions name each column in both languages (column B: the English header in the Chinese one)
    help_rows = {row[1] if lang == "zh" else row[0]: row[3]
                 for row in workbook.worksheets[1].iter_rows(min_row=4, values_only=True)}
    meaning = help_rows["Steam pressure"]
    if lang == "zh":
        assert "绝对压力" in meaning and "MPa" in meaning and "IAPWS-IF97" in meaning
    else:
        assert "absolute pressure in MPa" in meaning and "IAPWS-IF97" in meaning
    assert "83.74" in help_rows["Net calorific value"]


def _fresh_steam_states(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """No steam state kept, in memory or on disk (plans and states on disk in ``folder``)."""
    from greenmfg.accounting import validation
    from greenmfg.accounting.plans import StoredValues, plans

    monkeypatch.setattr(plans, "folder", folder)
    monkeypatch.setattr(validation, "_STEAM_STATES", StoredValues("steam-states", ("iapws", "scipy", "numpy")))


def test_enthalpy_is_computed_once_per_distinct_state(write_rows: WriteRows, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    """The plan stays set-based: IAPWS-IF97 runs in Python once per distinct (pressure, temperature)
    of the input and is joined to the rows as a small table, never per row."""
    from greenmfg.accounting import validation

    calls: list[tuple[float | None, float | None]] = []

    def counted(pressure: float | None, temperature: float | None) -> Any:
        calls.append((pressure, temperature))
        return steam_state(pressure, temperature)

    monkeypatch.setattr(validation, "steam_state", counted)
    _fresh_steam_states(monkeypatch, tmp_path / "plans")  # states met by earlier tests are kept
    rows = [{**STEAM, "period": f"2024-{m:02d}", "facility_id": f"F{f}", "steam_pressure": 0.6 if f % 2 else 1.0,
             "steam_temperature": None if f % 2 else 250} for m in range(1, 13) for f in range(1, 6)]
    result = result_document(account(write_rows(rows)))
    assert sorted(calls, key=repr) == [(0.6, None), (1.0, 250.0)]
    heat = sum(r["emissions_tco2e"]["purchased_heat"] for r in result["results"])
    per_tonne = {0.6: (2756.138889536332 - 83.74) / 1000 * 0.11, 1.0: (2943.2221652336634 - 83.74) / 1000 * 0.11}
    assert heat == pytest.approx(12 * 1000 * (3 * per_tonne[0.6] + 2 * per_tonne[1.0]), rel=1e-9)


def test_steam_states_on_disk_serve_a_new_process(write_rows: WriteRows, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    """A process that meets a state computed before (by itself or an earlier process, the file
    beside the plans) does not run IAPWS-IF97 (nor import iapws and SciPy, ≈ 0.4 s) again, and
    gets the same numbers; a damaged file is ignored."""
    from greenmfg.accounting import validation
    from greenmfg.accounting.plans import StoredValues

    calls: list[tuple[float | None, float | None]] = []

    def counted(pressure: float | None, temperature: float | None) -> Any:
        calls.append((pressure, temperature))
        return steam_state(pressure, temperature)

    monkeypatch.setattr(validation, "steam_state", counted)
    _fresh_steam_states(monkeypatch, tmp_path / "plans")
    rows = [{**STEAM, "facility_id": "F1", "steam_pressure": 0.6},
            {**STEAM, "facility_id": "F2", "steam_pressure": 1.0, "steam_temperature": 250},
            {**STEAM, "facility_id": "F3", "steam_pressure": 0.6, "steam_temperature": 120}]  # water, not steam
    with pytest.raises(ValidationFailed) as first_failure:
        account(write_rows(rows))
    first = result_document(account(write_rows(rows[:2])))
    assert sorted(calls, key=repr) == sorted([(0.6, None), (0.6, 120.0), (1.0, 250.0)], key=repr)
    (stored,) = (tmp_path / "plans" / "values").glob("steam-states-*.json")
    # a new process: nothing in memory, the file on disk
    monkeypatch.setattr(validation, "_STEAM_STATES", StoredValues("steam-states", ("iapws", "scipy", "numpy")))
    with pytest.raises(ValidationFailed) as again_failure:
        account(write_rows(rows))
    assert result_document(account(write_rows(rows[:2])))["results"] == first["results"]
    assert [i.as_dict() for i in again_failure.value.issues] == [i.as_dict() for i in first_failure.value.issues]
    assert len(calls) == 3  # nothing computed again
    stored.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(validation, "_STEAM_STATES", StoredValues("steam-states", ("iapws", "scipy", "numpy")))
    assert result_document(account(write_rows(rows[:2])))["results"] == first["results"]
    assert len(calls) == 5  # the damaged file is not read: both states computed again
