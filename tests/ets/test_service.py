"""greenmfg.ets.account_ets: worked cases computed by hand from the guidelines' formulas and default tables.

Aluminium: CETS—AG—04.01—V01—2024 formulas as implemented publicly (anode E = NC × P × (1 − S − A) × 44/12,
anode effect E = P × (EF_CF4 × GWP_CF4 + EF_C2F6 × GWP_C2F6) / 1000), defaults of process_factors/aluminium
(S 2 %, A 0.4 %, EF_CF4 0.034, EF_C2F6 0.0034 kg/t, GWP 6630 / 11100; secondary). Cement: CETS—AG—02.01—V01—2024
clinker process factor 0.535 tCO2/t (secondary). Steel: CETS—AG—03.01—V01—2024 formulas (1)-(4), tables A.1
and A.2 (verified).
"""

from __future__ import annotations

import pytest

from greenmfg.errors import GreenmfgError, ValidationFailed
from greenmfg.ets import EtsResult, account_ets
from greenmfg.refdata import load_catalog
from tests.ets.cases import ALUMINIUM_MONTHS, aluminium_rows, cement_rows, steel_rows, table

C = 44 / 12


@pytest.fixture(scope="module")
def aluminium() -> EtsResult:
    return account_ets(table(aluminium_rows()))


@pytest.fixture(scope="module")
def cement() -> EtsResult:
    return account_ets(table(cement_rows()), sector="cement")


@pytest.fixture(scope="module")
def steel() -> EtsResult:
    return account_ets(table(steel_rows()), year=2025)


def _value(dataset: str, key: str, parameter: str) -> float:
    row = load_catalog().dataset(dataset).get(key, parameter)
    assert row is not None and row.value is not None
    return row.value


def test_aluminium_covered_is_direct_co2_plus_pfcs_month_by_month_without_electricity(aluminium: EtsResult) -> None:
    ng_ncv = _value("fuel_parameters/gbt32151.22-2024", "natural_gas", "ncv")  # GJ/10^4 Nm3
    ng_cc = _value("fuel_parameters/gbt32151.22-2024", "natural_gas", "carbon_content") / 1000  # tC/TJ → tC/GJ
    ng_of = _value("fuel_parameters/gbt32151.22-2024", "natural_gas", "oxidation_rate") / 100
    months = {m.period: m.figures for m in aluminium.company.months}
    assert sorted(months) == sorted(ALUMINIUM_MONTHS)
    total = 0.0
    for month, (aluminium_t, anode_t, gas, electricity_mwh) in ALUMINIUM_MONTHS.items():
        figures = months[month]
        anode = anode_t * (1 - 0.02 - 0.004) * C
        cf4 = aluminium_t * 0.034 / 1000 * 6630
        c2f6 = aluminium_t * 0.0034 / 1000 * 11100
        combustion = gas * ng_ncv * ng_cc * ng_of * C
        assert figures.process_tco2 == pytest.approx(anode, rel=1e-9)
        assert figures.cf4_t == pytest.approx(aluminium_t * 0.034 / 1000, rel=1e-9)
        assert figures.cf4_tco2e == pytest.approx(cf4, rel=1e-9)
        assert figures.c2f6_tco2e == pytest.approx(c2f6, rel=1e-9)
        assert figures.combustion_tco2 == pytest.approx(combustion, rel=1e-9)
        assert figures.covered_tco2e == pytest.approx(anode + cf4 + c2f6 + combustion, rel=1e-9)
        # purchased electricity is information: at the ETS factor 0.5703, never in the covered figure
        assert figures.purchased_electricity_mwh == pytest.approx(electricity_mwh)
        assert figures.purchased_electricity_tco2 == pytest.approx(electricity_mwh * 0.5703, rel=1e-9)
        total += anode + cf4 + c2f6 + combustion
    (year,) = aluminium.company.years
    assert year.period == "2025" and year.covered_tco2e == pytest.approx(total, rel=1e-9)
    assert aluminium.years == aluminium.company.years and len(aluminium.months) == 2
    (unit,) = aluminium.facilities
    assert unit.facility_id == "POT-1" and [m.covered_tco2e for m in unit.months] == pytest.approx(
        [m.covered_tco2e for m in aluminium.company.months])


def test_every_figure_has_its_derivation(aluminium: EtsResult) -> None:
    january = aluminium.company.months[0].figures
    lines = [aluminium.lines[i] for i in january.lines]
    assert sum(line["co2e_t"] for line in lines if line["covered"]) == pytest.approx(january.covered_tco2e, rel=1e-9)
    (pfc,) = [line for line in lines if line["source"] == "pfc"]
    assert pfc["pfc"]["formula"].startswith("P × (EF_CF4") and pfc["pfc"]["gwp_cf4"] == 6630
    assert {s["verification_status"] for s in pfc["pfc"]["sources"]} >= {"secondary"}
    (electricity,) = [line for line in lines if line["source"] == "purchased_electricity"]
    assert electricity["covered"] is False and electricity["file"] == "table"


def test_aluminium_results_name_unverified_defaults(aluminium: EtsResult) -> None:
    codes = {f.code for f in aluminium.findings}
    refs = {f.ref for f in aluminium.findings if f.code == "ets.value.unverified"}
    assert "process_factors/aluminium:carbon_anode.anode_sulfur" in refs
    assert "process_factors/aluminium:aluminium_liquid.ef_cf4" in refs
    assert not any("gwp" in r or "coefficient" in r for r in refs)  # definitional, and energy only
    assert "ets.methodology.table_not_encoded" in codes  # the guideline's fuel table was not found
    assert "ets.aluminium.consistency" in codes


def test_cement_clinker_line(cement: EtsResult) -> None:
    coal = [_value("fuel_parameters/gbt32151.22-2024", "bituminous_coal", p) for p in ("ncv", "carbon_content",
                                                                                     "oxidation_rate")]
    kiln = next(f for f in cement.facilities if f.facility_id == "KILN-1").months[0].figures
    assert kiln.process_tco2 == pytest.approx(50000 * 0.535, rel=1e-12)
    assert kiln.combustion_tco2 == pytest.approx(6000 * coal[0] * coal[1] / 1000 * coal[2] / 100 * C, rel=1e-9)
    assert kiln.covered_tco2e == pytest.approx(kiln.process_tco2 + kiln.combustion_tco2)
    assert kiln.purchased_electricity_tco2 == pytest.approx(3000 * 0.5703)
    # the measured oxides of the other kiln follow the NDRC 2013 method, which the 2024 guideline replaced
    oxides = [f for f in cement.findings if f.code == "ets.cement.clinker_oxides_used"]
    assert len(oxides) == 1 and oxides[0].row == 4 and oxides[0].column == "clinker_cao"
    codes = {f.code for f in cement.findings}
    assert "ets.monitoring.requirement_not_found" in codes and "ets.cement.deduction" not in codes
    assert "process_factors/cets-ag-02.01-v01-2024:clinker.ef" in {f.ref for f in cement.findings}


def test_steel_enterprise_processes_and_captive_power(steel: EtsResult) -> None:
    """Formulas (1) to (4) of CETS—AG—03.01—V01—2024 with tables A.1 and A.2."""
    coking_coal, coke, bfg, cog = (26.344 * 0.02541, 28.435 * 0.02942, 33.000 * 0.07080, 173.854 * 0.01210)
    # (1) the enterprise: purchased fuel (coking coal) without oxidation rate, + limestone, − crude steel;
    # coke and gases passed between units cancel, pig iron produced and used cancels
    enterprise = 1000 * coking_coal * C + 100 * 0.440 - 2100 * 0.037
    (year,) = steel.company.years
    assert year.covered_tco2e == pytest.approx(enterprise, rel=1e-9)
    assert year.figures.process_tco2 == pytest.approx(100 * 0.440 - 2100 * 0.037, rel=1e-9)
    processes = {(p.process, p.period): p.figures for p in steel.company.processes}
    # (2) main processes: fuel in − fuel out
    ironmaking = 750 * coke * C - 200 * bfg * C
    coking = 1000 * coking_coal * C - 750 * coke * C - 30 * cog * C
    assert processes[("ironmaking", "2025")].combustion_tco2 == pytest.approx(ironmaking, rel=1e-9)
    assert processes[("coking", "2025")].combustion_tco2 == pytest.approx(coking, rel=1e-9)
    assert processes[("steelmaking", "2025")].combustion_tco2 == 0
    # (3) the co-firing power unit, with the A.1 oxidation rate (gases 99 %), reported apart
    cofiring = (200 * bfg + 30 * cog) * C * 0.99
    assert processes[("power", "2025")].cofiring_tco2 == pytest.approx(cofiring, rel=1e-9)
    cpp = next(f for f in steel.facilities if f.facility_id == "CPP")
    assert cpp.captive_power and cpp.process == "power"
    # (4) the others: the enterprise minus the main processes and the power units
    assert processes[("other", "2025")].process_tco2 == pytest.approx(enterprise - ironmaking - coking - cofiring,
                                                                        rel=1e-9)
    assert year.figures.purchased_electricity_mwh == 500  # information only


def test_missing_mandatory_measurement_takes_the_default_with_a_located_warning(steel: EtsResult) -> None:
    """Gas fuels' NCV must be measured monthly (6.2.2.4): without it, the A.1 default and a warning."""
    used = [f for f in steel.findings if f.code == "ets.monitoring.default_used"]
    assert {(f.facility_id, f.column) for f in used} == {("CPP", "ncv"), ("BF", "ncv"), ("COKE", "ncv")}
    cpp_bfg = next(f for f in used if f.facility_id == "CPP")
    assert cpp_bfg.row == 11 and "default 33 GJ/10^4 Nm3" in cpp_bfg.message and cpp_bfg.severity == "warning"
    assert "实测" in cpp_bfg.message_zh
    # the coke-oven gas burnt at the power unit has its measured NCV: no finding on row 12
    assert not any(f.row == 12 for f in used)
    line = steel.lines["table:11"]
    ncv = next(p for p in line["parameters"] if p["name"] == "net_calorific_value")
    assert ncv["ref"] == "fuel_parameters/cets-ag-03.01-v01-2024:blast_furnace_gas.ncv"
    assert ncv["sources"][0]["verification_status"] == "verified"


def test_measured_value_the_guideline_does_not_allow_is_flagged() -> None:
    rows = steel_rows()[3:4]
    rows[0] = {**rows[0], "carbon_content": "0.03", "carbon_content_unit": "tC/GJ"}
    result = account_ets(table(rows))
    (finding,) = [f for f in result.findings if f.code == "ets.monitoring.measured_not_allowed"]
    assert finding.row == 1 and finding.column == "carbon_content"


def test_steel_guideline_is_selectable_for_ordinary_accounting() -> None:
    from greenmfg.accounting import AccountingOptions, account_table, result_document

    run = account_table(table(steel_rows()[3:4]), AccountingOptions(methodologies="methodologies/ets-2026.1"))
    (result,) = result_document(run)["results"]
    (line,) = result["lines"]
    parameters = {p["name"]: p for p in line["parameters"]}
    assert parameters["net_calorific_value"]["value"] == pytest.approx(28.435)
    assert parameters["oxidation_rate"]["value"] == 1  # formula (1): no oxidation rate
    assert result["methodology"]["id"] == "cets-ag-03.01-v01-2024"
    assert not any(w["code"] == "accounting.result.general_fuel_defaults" for w in result["warnings"])
    assert line["co2e_t"] == pytest.approx(750 * 28.435 * 0.02942 * C, rel=1e-9)


def test_sector_and_year_select() -> None:
    mixed = table(aluminium_rows()[:4] + cement_rows()[:1])
    result = account_ets(mixed, sector="aluminium")
    assert [c.enterprise_id for c in result.companies] == ["AL1"]
    assert any(f.code == "ets.scope.not_covered" and f.facility_id == "KILN-1" for f in result.findings)
    assert {c.sector for c in account_ets(mixed).companies} == {"aluminium", "cement"}
    with pytest.raises(GreenmfgError, match="no unit of the sector"):
        account_ets(table(cement_rows()[:1]), sector="steel")
    with pytest.raises(GreenmfgError, match="no data for 2024"):
        account_ets(mixed, year=2024)
    with pytest.raises(GreenmfgError, match="unknown sector"):
        account_ets(mixed, sector="glass")


def test_bad_input_is_a_located_error_and_nothing_is_computed() -> None:
    rows = aluminium_rows()[:2]
    rows[1] = {**rows[1], "item": "炭阳级"}
    with pytest.raises(ValidationFailed) as caught:
        account_ets(table(rows))
    (issue,) = caught.value.issues
    assert issue.row == 2 and issue.column == "item" and "炭阳极" in issue.message


def test_document_shape(aluminium: EtsResult) -> None:
    document = aluminium.to_document()
    assert set(document) == {"sector", "year", "units", "methodologies", "companies", "facilities", "lines",
                             "findings", "provenance"}
    month = document["companies"][0]["months"][0]
    assert set(month) >= {"period", "covered_tco2e", "combustion_tco2", "process_tco2", "pfc", "information", "lines"}
    assert month["pfc"]["cf4_tco2e"] == pytest.approx(2254.2)
    assert document["methodologies"]["electrolytic_aluminium"]["code"] == "CETS-AG-04.01-V01-2024"
    assert all({"code", "severity", "message", "message_zh"} <= set(f) for f in document["findings"])


# --------------------------------------------------------- aluminium PFCs by the slope and overvoltage methods
# CWPB coefficients of process_factors/ipcc-2019-aluminium-pfc (EU 2023/1773 Annex II B.7 Tables 2 and 3, from
# IPCC; secondary): S_CF4 0.143 (kg CF4/t)/(AE-min/cell-day), OVC 1.16 (kg CF4/t)/(mV/%), F_C2F6/CF4 0.121.


@pytest.fixture(scope="module")
def measured_anode_effects() -> EtsResult:
    rows = aluminium_rows()
    rows[0] = {**rows[0], "anode_effect_minutes": "0.05"}                                # January: slope
    rows[4] = {**rows[4], "anode_effect_overvoltage": "0.4", "current_efficiency": "93%"}  # February: overvoltage
    return account_ets(table(rows))


def test_aluminium_pfc_by_the_slope_method_month_by_month(measured_anode_effects: EtsResult,
                                                          aluminium: EtsResult) -> None:
    january, february = (m.figures for m in measured_anode_effects.company.months)
    aluminium_t = ALUMINIUM_MONTHS["2025-01"][0]
    cf4_t = 0.143 * 0.05 * aluminium_t / 1000          # 0.0715 t CF4
    c2f6_t = cf4_t * 0.121                              # 0.0086515 t C2F6
    assert january.cf4_t == pytest.approx(cf4_t, rel=1e-9) and january.c2f6_t == pytest.approx(c2f6_t, rel=1e-9)
    assert january.cf4_tco2e == pytest.approx(cf4_t * 6630, rel=1e-9) == pytest.approx(474.045)
    assert january.pfc_tco2e == pytest.approx(474.045 + 96.031650, rel=1e-9)
    # only the PFCs change: the covered total is the default-factor month's minus its PFCs plus these
    default_january = aluminium.company.months[0].figures
    assert january.combustion_tco2 == pytest.approx(default_january.combustion_tco2, rel=1e-12)
    assert january.process_tco2 == pytest.approx(default_january.process_tco2, rel=1e-12)
    assert january.covered_tco2e == pytest.approx(
        default_january.covered_tco2e - default_january.pfc_tco2e + 570.07665, rel=1e-9)
    line = next(measured_anode_effects.lines[i] for i in january.lines
                if measured_anode_effects.lines[i]["source"] == "pfc")
    assert line["pfc"]["method"] == "slope" and line["pfc"]["anode_effect_minutes"] == 0.05
    assert line["co2e_t"] == pytest.approx(line["pfc"]["cf4_tco2e"] + line["pfc"]["c2f6_tco2e"], rel=1e-9)
    refs = {s["ref"] for s in line["pfc"]["sources"]}
    assert "process_factors/ipcc-2019-aluminium-pfc:aluminium_liquid.pfc_slope_cf4" in refs


def test_aluminium_pfc_by_the_overvoltage_method(measured_anode_effects: EtsResult) -> None:
    february = measured_anode_effects.company.months[1].figures
    aluminium_t = ALUMINIUM_MONTHS["2025-02"][0]
    cf4_t = 1.16 * 0.4 / 93 * aluminium_t / 1000       # 0.04490323 t CF4 (CE in per cent)
    assert february.cf4_t == pytest.approx(cf4_t, rel=1e-9) == pytest.approx(0.0449032, rel=1e-6)
    assert february.c2f6_t == pytest.approx(cf4_t * 0.121, rel=1e-9)
    assert february.pfc_tco2e == pytest.approx(cf4_t * (6630 + 0.121 * 11100), rel=1e-9)


def test_default_pfc_factors_say_the_methods_apply_when_measured(aluminium: EtsResult,
                                                                 measured_anode_effects: EtsResult) -> None:
    default = [f for f in aluminium.findings if f.code == "ets.aluminium.pfc_default_factor"]
    assert len(default) == 2 and {f.period for f in default} == {"2025-01", "2025-02"}
    assert "斜率法" in default[0].message_zh and default[0].column == "anode_effect_minutes"
    assert not [f for f in measured_anode_effects.findings if f.code == "ets.aluminium.pfc_default_factor"]
    codes = {f.code for f in aluminium.findings}
    assert "ets.aluminium.soderberg_paste" in codes  # the paste case: not found in the guideline, said so


@pytest.mark.parametrize(("change", "column", "code"), [
    ({"anode_effect_overvoltage": "0.4"}, "current_efficiency", "accounting.input.pfc_input_missing"),
    ({"anode_effect_overvoltage": "0.4", "current_efficiency": "1.3"}, "current_efficiency",
     "accounting.input.parameter_range"),
    ({"anode_effect_minutes": "abc"}, "anode_effect_minutes", "accounting.input.not_a_number"),
])
def test_bad_anode_effect_figures_are_located(change: dict[str, str], column: str, code: str) -> None:
    rows = aluminium_rows()[:1]
    rows[0] = {**rows[0], **change}
    with pytest.raises(ValidationFailed) as caught:
        account_ets(table(rows))
    (issue,) = caught.value.issues
    assert (issue.code, issue.column, issue.row) == (code, column, 1) and issue.message_zh


def test_anode_effect_figures_on_another_row_are_refused() -> None:
    rows = aluminium_rows()[:2]
    rows[1] = {**rows[1], "anode_effect_minutes": "0.05"}  # the carbon-anode row
    with pytest.raises(ValidationFailed) as caught:
        account_ets(table(rows))
    (issue,) = caught.value.issues
    assert (issue.code, issue.column) == ("accounting.input.parameter_not_applicable", "anode_effect_minutes")


# ------------------------------------------------- cement: deduction for non-carbonate raw materials
# CETS—AG—02.01—V01—2024 (as reported, secondary): E_process = Q_clinker × EF_clinker − Σ M_alt × D,
# D of carbide slag 0.480, of steel slag 0.215 tCO2/t.


def test_cement_deducts_non_carbonate_raw_materials_from_the_clinker_process_emissions() -> None:
    rows = [*cement_rows()[:3],
            {**cement_rows()[0], "item": "电石渣", "quantity": "8000", "flow": "工艺"},
            {**cement_rows()[0], "item": "钢渣", "quantity": "2000", "flow": "工艺"}]
    result = account_ets(table(rows), sector="cement")
    (kiln,) = result.facilities
    figures = kiln.months[0].figures
    assert figures.process_tco2 == pytest.approx(50000 * 0.535 - 8000 * 0.480 - 2000 * 0.215, rel=1e-12)
    assert figures.process_tco2 == pytest.approx(26750 - 3840 - 430)
    deductions = [line for line in result.lines.values() if line["item"] in ("carbide_slag", "steel_slag")]
    assert sorted(line["co2e_t"] for line in deductions) == pytest.approx([-3840.0, -430.0])
    assert all(line["covered"] and line["source"] == "process" for line in deductions)
    refs = {f.ref for f in result.findings if f.code == "ets.value.unverified"}
    assert "process_factors/cets-ag-02.01-v01-2024:carbide_slag.deduction" in refs


def test_general_accounting_has_no_deduction_factor_and_says_so() -> None:
    from greenmfg.accounting import account_table

    rows = [cement_rows()[0], {**cement_rows()[0], "item": "电石渣", "quantity": "8000", "flow": "工艺"}]
    run = account_table(table(rows))
    lines = [line for line in run.lines.to_pyarrow().to_pylist() if line["item"] == "carbide_slag"]
    assert [(line["co2e_t"], line["missing"]) for line in lines] == [(0.0, "carbide_slag.process_ef")]
