"""Product carbon footprints, cradle to gate (GB/T 24067-2024 / ISO 14067:2018): a hand-computed case per
pilot product family, allocation cross-checks, the outputs, and located errors for bad input.

Hand computations (each test spells its numbers out):

* fuel combustion with measured parameters, E = Q × NCV × CC × OF × 44/12 (GB/T 32151.5/32151.8, the
  NDRC 2013 steel and cement guidelines);
* crude steel's fixed carbon, E = −Q × 0.0154 tCO2/t (NDRC 2013 steel guideline, the accounting's default);
* clinker, EF = CaO × 44/56 + MgO × 44/40 [tCO2/t] (GB/T 32151.8-2015);
* anode consumption, E = Q × (1 − S − A) × 44/12 with S = 2 %, A = 0.4 %; PFCs per t aluminium
  0.034 kg CF4 × 6 630 + 0.0034 kg C2F6 × 11 100 (the accounting's aluminium defaults);
* purchased electricity × the 2024 national electricity footprint factor 0.5777 kgCO2e/kWh (MEE/NBS/NEA 2024
  announcement, attachment table 1; no provincial footprint factor is published, so the national one with a finding);
* natural gas upstream 6.08 tCO2e per 10^4 Nm3 for 2024 data (CPCD core record 12020X0142024C, 0.608 kgCO2e/m3 × 10^4);
* coal upstream 0.08 tCO2e/t (CPCD core 11010X0012022C, 0.08 kgCO2e/kg); carbon anodes 0.376 tCO2e/t (CPCD
  88539X0022013A, 376 kgCO2e/t); iron ore 0.07 tCO2e/t (CPCD 41116A0022014A);
* purchased coke, the coking process only 0.3 tCO2e/t coke (RMI Steel Emissions Reporting Guidance 2022,
  Exhibit 9, citing IPCC 2019; a lower bound of the coke's upstream);
* a supplier's factor × quantity; scrap by the cut-off approach (0).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from greenmfg.cli import app
from greenmfg.errors import InputError, ValidationFailed
from greenmfg.footprint import FootprintOptions, footprint
from greenmfg.footprint.output import result_document, workbook_bytes

HEADER = "enterprise_id,industry,region,facility_id,period,item,quantity,unit,flow,ncv,ncv_unit,carbon_content," \
         "carbon_content_unit,oxidation_rate,clinker_cao,clinker_mgo"
EF_ELECTRICITY_2024 = 0.5777          # tCO2e/MWh
NATURAL_GAS_UPSTREAM = 6.08    # tCO2e per 10^4 Nm3, 2024: CPCD 12020X0142024C 0.608 kgCO2e/m3 × 10^4 m3
COAL_UPSTREAM = 0.08           # tCO2e/t: CPCD 11010X0012022C 煤炭 cradle to gate 0.08 kgCO2e/kg
ANODE = 0.376                  # tCO2e/t: CPCD 88539X0022013A 碳阳极 cradle to gate 376 kgCO2e/t
IRON_ORE = 0.07                # tCO2e/t: CPCD 41116A0022014A 铁矿石 cradle to gate 0.07 tCO2e/t
COKING = 0.3                   # tCO2e/t coke: RMI 2022 Exhibit 9 'Coking' (IPCC 2019), the coking process only
FACTORS = "footprint_factors/greenmfg-2026.3"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def _combustion(q: float, ncv: float, cc: float, of: float) -> float:
    return q * ncv * cc * of * 44 / 12


@pytest.fixture
def steel(tmp_path: Path) -> dict[str, Path]:
    activity = _write(tmp_path, "steel.csv", f"""
{HEADER}
S1,steel,130000,BF-BOF,2024,coke,1000,t,consumed,28.435,GJ/t,0.0295,tC/GJ,0.93,,
S1,steel,130000,BF-BOF,2024,natural_gas,10,10^4 Nm3,consumed,389.31,GJ/10^4 Nm3,0.0153,tC/GJ,0.99,,
S1,steel,130000,BF-BOF,2024,electricity,2000,MWh,purchased,,,,,,,
S1,steel,130000,BF-BOF,2024,crude_steel,5000,t,produced,,,,,,,
""")
    products = _write(tmp_path, "products.csv", """
设施编号,期间,产品,数量,单位,单价,工艺路线
BF-BOF,2024,粗钢,5000,t,3500,高炉-转炉
BF-BOF,2024,高炉渣,1500,t,100,
""")
    upstream = _write(tmp_path, "upstream.csv", """
facility_id,period,material,quantity,unit,factor,factor_unit,factor_source
BF-BOF,2024,铁矿石,8000,t,25,kgCO2e/t,supplier EPD no. 123 (2024)
BF-BOF,2024,废钢,600,吨,,,
""")
    return {"activity": activity, "products": products, "upstream": upstream}


def _steel_expected() -> dict[str, float]:
    direct = _combustion(1000, 28.435, 0.0295, 0.93) + _combustion(10, 389.31, 0.0153, 0.99) - 5000 * 0.0154
    return {"raw_material": 8000 * 0.025, "upstream_energy": 10 * NATURAL_GAS_UPSTREAM + 1000 * COKING, "direct": direct,
            "indirect_electricity": 2000 * EF_ELECTRICITY_2024, "indirect_heat": 0.0, "credits": 0.0}


def test_steel_bf_bof_by_hand(steel: dict[str, Path]) -> None:
    run = footprint(steel["activity"], steel["products"], steel["upstream"])
    [boundary] = run.boundaries
    expected = _steel_expected()
    assert boundary.burden_t == pytest.approx(expected, rel=1e-9)
    assert boundary.allocation == "system_expansion"
    crude, slag = boundary.products
    assert crude.product == "crude_steel" and crude.rule is not None and crude.rule.key == "crude_steel.bf_bof"
    # the steel rule's system expansion: crude steel bears everything (no slag credit factor was found)
    assert crude.share == 1.0 and slag.share == 0.0 and not slag.bears_burden
    total_kg_per_t = sum(expected.values()) / 5000 * 1000
    assert crude.footprint_kg == pytest.approx(total_kg_per_t, rel=1e-9)
    assert crude.by_stage["indirect_electricity"] == pytest.approx(2000 * 577.7 / 5000)
    # by gas: the direct part is CO2, life-cycle factors are CO2e
    assert crude.by_gas["co2"] == pytest.approx(expected["direct"] / 5)
    assert crude.by_gas["co2e"] == pytest.approx((expected["raw_material"] + expected["upstream_energy"]
                                                  + expected["indirect_electricity"]) / 5)
    assert any(w.code == "footprint.input.coproduct_no_credit" for w in run.warnings)
    # the supplier's factor is primary data; scrap is cut off (0) by a definitional rule
    lines = {c.item: c for c in boundary.contributions}
    assert lines["iron_ore"].primary and lines["iron_ore"].status == "supplier"
    assert lines["scrap_steel"].co2e_t == 0.0 and lines["scrap_steel"].status == "definitional"
    assert lines["natural_gas"].ref == f"{FACTORS}:natural_gas.upstream.CN.2024"
    # Hebei has no published electricity footprint factor: the national one, said so
    assert lines["electricity"].ref == f"{FACTORS}:electricity.CN.2024"
    assert lines["electricity"].status == "verified"
    [national] = [w for w in boundary.warnings if w.code == "footprint.electricity_national"]
    assert "Hebei" in national.message and "河北省" in national.message_zh and "130000" not in national.message
    # coke: no Chinese value, the global coking-process value (1 000 t × 0.3), rated as a global literature value
    assert lines["coke"].ref == f"{FACTORS}:coke.coking.GLO.2019"
    assert lines["coke"].co2e_t == pytest.approx(1000 * COKING) and lines["coke"].status == "secondary"
    assert lines["coke"].scores["te"] == 3.0 and lines["coke"].scores["ge"] > lines["natural_gas"].scores["ge"]
    assert not any(c.item == "coke" for c in boundary.missing)
    assert not any(w.code == "footprint.no_factor" and w.row == 2 for w in boundary.warnings)
    primary = (abs(expected["direct"]) + expected["raw_material"]) / sum(abs(v) for v in expected.values())
    assert boundary.primary_share == pytest.approx(primary)


def test_steel_mass_and_economic_allocations_sum_to_the_total(steel: dict[str, Path]) -> None:
    total = sum(_steel_expected().values())
    for method, shares in (("mass", (5000 / 6500, 1500 / 6500)),
                           ("economic", (5000 * 3500 / (5000 * 3500 + 1500 * 100), 1500 * 100 / (5000 * 3500 + 1500 * 100)))):
        run = footprint(steel["activity"], steel["products"], steel["upstream"], FootprintOptions(allocation=method))
        [boundary] = run.boundaries
        assert boundary.allocation == method
        assert [p.share for p in boundary.products] == pytest.approx(list(shares))
        # cross-check: the products' footprints times their outputs give back the facility's emissions
        assert sum(p.footprint_kg * p.quantity_fu for p in boundary.products) / 1000 == pytest.approx(total, rel=1e-9)
        for stage in boundary.burden_t:
            assert sum(p.by_stage[stage] * p.quantity_fu for p in boundary.products) / 1000 == pytest.approx(
                boundary.burden_t[stage], abs=1e-9)


def test_eaf_steel_months_summed_over_the_year(tmp_path: Path) -> None:
    rows = "\n".join(f"E1,steel,320000,EAF,2024-{m:02d},electricity,{mwh},MWh,purchased,,,,,,,\n"
                     f"E1,steel,320000,EAF,2024-{m:02d},natural_gas,1,10^4 Nm3,consumed,389.31,GJ/10^4 Nm3,0.0153,tC/GJ,0.99,,\n"
                     f"E1,steel,320000,EAF,2024-{m:02d},crude_steel,{t},t,produced,,,,,,,"
                     for m, mwh, t in ((1, 450, 1000), (2, 500, 1100)))
    activity = _write(tmp_path, "eaf.csv", f"{HEADER}\n{rows}")
    products = _write(tmp_path, "p.csv", """
facility_id,period,product,quantity,unit,route
EAF,2024-01,crude steel,1000,t,eaf
EAF,2024-02,crude steel,0.11,万吨,eaf
""")
    upstream = _write(tmp_path, "u.csv", """
facility_id,period,material,quantity,unit
EAF,2024-01,scrap,1100,t
EAF,2024-02,scrap,1210,t
""")
    run = footprint(activity, products, upstream, FootprintOptions(year=2024))
    [boundary] = run.boundaries
    assert boundary.period == "2024"
    direct = 2 * _combustion(1, 389.31, 0.0153, 0.99) - 2100 * 0.0154
    expected = direct + 950 * EF_ELECTRICITY_2024 + 2 * NATURAL_GAS_UPSTREAM
    assert boundary.total_t == pytest.approx(expected, rel=1e-9)
    # the months' product rows are one product of the year (1000 t + 0.11 万吨)
    [product] = boundary.products
    assert product.quantity_fu == pytest.approx(2100)
    assert boundary.products[0].rule is not None and boundary.products[0].rule.key == "crude_steel.eaf"
    assert boundary.products[0].footprint_kg == pytest.approx(expected / 2100 * 1000, rel=1e-9)


def test_aluminium_by_hand(tmp_path: Path) -> None:
    activity = _write(tmp_path, "al.csv", f"""
{HEADER}
A1,electrolytic_aluminium,150000,POT,2024,electricity,13500,MWh,purchased,,,,,,,
A1,electrolytic_aluminium,150000,POT,2024,carbon_anode,420,t,process,,,,,,,
A1,electrolytic_aluminium,150000,POT,2024,aluminium_liquid,1000,t,produced,,,,,,,
""")
    products = _write(tmp_path, "p.csv", "facility_id,period,product,quantity,unit\nPOT,2024,铝液,1000,t")
    upstream = _write(tmp_path, "u.csv", """
facility_id,period,material,quantity,unit,factor,factor_unit,factor_source
POT,2024,氧化铝,1920,t,1.5,tCO2e/t,refinery EPD 2024
""")
    run = footprint(activity, products, upstream)
    [boundary] = run.boundaries
    anode = 420 * (1 - 0.02 - 0.004) * 44 / 12
    pfc = 1000 * (0.034 * 6630 + 0.0034 * 11100) / 1000
    assert boundary.burden_t["direct"] == pytest.approx(anode + pfc, rel=1e-9)
    assert boundary.by_gas_t["pfc"] == pytest.approx(pfc, rel=1e-9)
    [product] = boundary.products
    assert product.rule is not None and product.rule.key == "aluminium_liquid"
    expected = anode + pfc + 13500 * EF_ELECTRICITY_2024 + 1920 * 1.5 + 420 * ANODE
    assert product.footprint_kg == pytest.approx(expected, rel=1e-9)   # per t: 1000 t → kg/t = t total
    assert product.by_gas["pfc"] == pytest.approx(pfc, rel=1e-9)
    # the anodes' own production: one literature value of 2013 (TeR 3, GeR 2 China, TiR 5 eleven years, P 3 secondary)
    assert boundary.missing == []
    line = next(c for c in boundary.contributions if c.item == "carbon_anode")
    assert line.stage == "raw_material" and line.co2e_t == pytest.approx(157.92)
    assert line.scores == {"te": 3.0, "ge": 2.0, "ti": 5.0, "p": 3.0, "dqr": pytest.approx(13 / 4)}


def test_cement_by_hand_mass_rule(tmp_path: Path) -> None:
    activity = _write(tmp_path, "c.csv", f"""
{HEADER}
C1,cement,340000,KILN,2024,bituminous_coal,100,t,consumed,23,GJ/t,0.0262,tC/GJ,0.98,,
C1,cement,340000,KILN,2024,electricity,800,MWh,purchased,,,,,,,
C1,cement,340000,KILN,2024,clinker,1000,t,produced,,,,,,0.65,0.02
C1,cement,340000,KILN,2024,cement,1200,t,produced,,,,,,,
""")
    products = _write(tmp_path, "p.csv", """
facility_id,period,product,quantity,unit
KILN,2024,水泥,1200,t
KILN,2024,熟料,100,t
""")
    run = footprint(activity, products)
    [boundary] = run.boundaries
    clinker = 1000 * (0.65 * 44 / 56 + 0.02 * 44 / 40)
    total = _combustion(100, 23, 0.0262, 0.98) + clinker + 800 * EF_ELECTRICITY_2024 + 100 * COAL_UPSTREAM
    assert boundary.total_t == pytest.approx(total, rel=1e-9)
    # bituminous coal takes the database's one 'coal' value as a proxy: TeR 4
    coal = next(c for c in boundary.contributions if c.item == "bituminous_coal")
    assert coal.stage == "upstream_energy" and coal.co2e_t == pytest.approx(8.0) and coal.scores["te"] == 4.0
    assert boundary.allocation == "mass"
    cement, sold_clinker = boundary.products
    assert cement.share == pytest.approx(1200 / 1300) and sold_clinker.share == pytest.approx(100 / 1300)
    # mass allocation: the same footprint per tonne for both
    assert cement.footprint_kg == pytest.approx(total / 1300 * 1000, rel=1e-9)
    assert sold_clinker.footprint_kg == pytest.approx(cement.footprint_kg, rel=1e-12)
    assert cement.functional_unit_zh == "1 吨水泥"


def test_electricity_from_the_accounting_grid_factor(steel: dict[str, Path]) -> None:
    run = footprint(steel["activity"], steel["products"], steel["upstream"],
                    FootprintOptions(electricity="accounting"))
    line = next(c for c in run.boundaries[0].contributions if c.stage == "indirect_electricity")
    assert line.co2e_t == pytest.approx(2000 * 0.5306)   # MEE/NBS 2023 national CO2 factor used for 2024 data
    assert line.gas == "co2" and "excludes the upstream" in line.note_en


def test_document_workbook_and_pdf(steel: dict[str, Path]) -> None:
    run = footprint(steel["activity"], steel["products"], steel["upstream"])
    document = result_document(run)
    [crude, slag] = document["results"]
    assert crude["footprint_kgco2e_per_unit"] == pytest.approx(sum(_steel_expected().values()) / 5)
    assert crude["data_quality"]["level"] in {"excellent", "very good", "good", "fair", "poor"}
    assert f"{FACTORS}:natural_gas.upstream.CN.2024" in crude["data_quality"]["unverified"]
    assert f"{FACTORS}:coke.coking.GLO.2019" in crude["data_quality"]["unverified"]
    assert f"{FACTORS}:electricity.CN.2024" not in crude["data_quality"]["unverified"]
    assert {d["id"] for d in document["provenance"]["footprint_datasets"]} >= {FACTORS,
                                                                              "footprint_rules/greenmfg-2026.3"}
    book = load_workbook(io.BytesIO(workbook_bytes(run)))
    sheet = book.worksheets[0]
    assert sheet.title == "产品碳足迹"
    headers = [c.value for c in sheet[1]]
    assert "碳足迹（kgCO2e/功能单位）" in headers and "footprint_kgco2e" not in headers
    column = headers.index("碳足迹（kgCO2e/功能单位）") + 1
    assert sheet.cell(2, column).value == pytest.approx(crude["footprint_kgco2e_per_unit"])
    assert "greenmfg.footprint_kgco2e" in sheet.defined_names
    from greenmfg.footprint.report import render_html
    from greenmfg.refdata.words import status_name

    html = render_html(run)
    assert "产品碳足迹报告" in html and "高炉渣" in html
    # every factor used named with its status in words (coke: the global coking-process value, secondary)
    assert status_name("secondary", zh=True) in html and "焦炭" in html and "coke.coking.GLO.2019" in html
    assert "system_expansion" not in html.split("<body>")[1]


def test_cli_json_and_pdf(steel: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    result = CliRunner().invoke(app, ["footprint", str(steel["activity"]), "--products", str(steel["products"]),
                                      "--upstream", str(steel["upstream"]), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert '"footprint_kgco2e_per_unit"' in out.read_text(encoding="utf-8")
    pdf = tmp_path / "f.pdf"
    result = CliRunner().invoke(app, ["footprint", str(steel["activity"]), "--products", str(steel["products"]),
                                      "--format", "pdf", "-o", str(pdf), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")


# --- bad input: located, in both languages, nothing computed -------------------------------------------

def _failed(steel: dict[str, Path], tmp_path: Path, products: str | None = None, upstream: str | None = None,
            options: FootprintOptions | None = None) -> ValidationFailed:
    p = _write(tmp_path, "bad-products.csv", products) if products else steel["products"]
    u = _write(tmp_path, "bad-upstream.csv", upstream) if upstream else steel["upstream"]
    with pytest.raises(ValidationFailed) as failed:
        footprint(steel["activity"], p, u, options)
    return failed.value


def test_missing_column_and_bad_numbers_are_located(steel: dict[str, Path], tmp_path: Path) -> None:
    error = _failed(steel, tmp_path, products="facility_id,period,product,quantity\nBF-BOF,2024,粗钢,abc")
    codes = {(i.code, i.column, i.row) for i in error.issues}
    assert ("footprint.input.missing_column", "unit", 1) in codes
    assert ("footprint.input.not_a_number", "quantity", 2) in codes
    issue = next(i for i in error.issues if i.code == "footprint.input.not_a_number")
    assert issue.file == "bad-products.csv" and issue.cell == "D2" and issue.message_zh and issue.fix_zh


def test_unknown_material_gets_a_suggestion(steel: dict[str, Path], tmp_path: Path) -> None:
    error = _failed(steel, tmp_path, upstream="facility_id,period,material,quantity,unit\nBF-BOF,2024,铁矿时,10,t")
    [issue] = [i for i in error.issues if i.code == "footprint.input.unknown_material"]
    assert issue.row == 2 and "铁矿石" in issue.message_zh


def test_rows_must_meet_the_activity_data(steel: dict[str, Path], tmp_path: Path) -> None:
    error = _failed(steel, tmp_path, products="facility_id,period,product,quantity,unit\nBF-9,2024,粗钢,10,t\n"
                                              "BF-BOF,2023,粗钢,10,t")
    rows = sorted(i.row for i in error.issues if i.code == "footprint.input.no_activity")
    assert rows == [2, 3]


def test_supplier_factor_needs_unit_and_source(steel: dict[str, Path], tmp_path: Path) -> None:
    error = _failed(steel, tmp_path, upstream="facility_id,period,material,quantity,unit,factor\n"
                                              "BF-BOF,2024,铁矿石,10,t,0.02")
    assert {i.code for i in error.issues} == {"footprint.input.factor_without_unit",
                                              "footprint.input.factor_without_source"}


def test_economic_allocation_needs_prices_and_duplicates_are_refused(steel: dict[str, Path], tmp_path: Path) -> None:
    error = _failed(steel, tmp_path, products="facility_id,period,product,quantity,unit,price\n"
                                              "BF-BOF,2024,粗钢,5000,t,\nBF-BOF,2024,高炉渣,10,t,100",
                    options=FootprintOptions(allocation="economic"))
    assert [(i.code, i.row) for i in error.issues] == [("footprint.input.missing_price", 2)]
    error = _failed(steel, tmp_path, products="facility_id,period,product,quantity,unit\n"
                                              "BF-BOF,2024,粗钢,5000,t\nBF-BOF,2024,crude steel,10,t")
    assert [(i.code, i.row) for i in error.issues] == [("footprint.input.duplicate_product", 3)]


def test_electricity_in_the_upstream_file_and_a_nul_file(steel: dict[str, Path], tmp_path: Path) -> None:
    error = _failed(steel, tmp_path, upstream="facility_id,period,material,quantity,unit\nBF-BOF,2024,电力,10,MWh")
    assert [i.code for i in error.issues] == ["footprint.input.energy_in_upstream"]
    bad = tmp_path / "nul.csv"
    bad.write_bytes("facility_id,period\x00".encode("utf-16"))
    with pytest.raises(InputError):
        footprint(steel["activity"], bad)


def test_cli_reports_errors_and_writes_nothing(steel: dict[str, Path], tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.csv", "facility_id,period,product,quantity,unit\nBF-BOF,2024,粗钢,-5,t")
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(app, ["footprint", str(steel["activity"]), "--products", str(bad), "--format", "xlsx",
                                      "-o", str(out), "--lang", "zh"])
    assert result.exit_code == 2 and not out.exists()
    assert "必须大于 0" in result.output


# --- the database factors (footprint_factors/greenmfg-2026.3) -----------------------------------------

def test_database_factors_fill_purchased_materials(steel: dict[str, Path], tmp_path: Path) -> None:
    """Without a supplier's factor the CPCD values are used: iron ore 0.07 tCO2e/t (41116A0022014A) and
    pellets 244.46 kgCO2e/t (41116A0182022C); each line rated by its own technology, place, year and status."""
    upstream = _write(tmp_path, "u.csv", """
facility_id,period,material,quantity,unit
BF-BOF,2024,铁精粉,8000,t
BF-BOF,2024,球团矿,1000,t
""")
    run = footprint(steel["activity"], steel["products"], upstream)
    [boundary] = run.boundaries
    lines = {c.item: c for c in boundary.contributions}
    assert lines["iron_ore"].co2e_t == pytest.approx(8000 * IRON_ORE)
    assert lines["pellet"].co2e_t == pytest.approx(1000 * 0.24446)
    assert boundary.burden_t["raw_material"] == pytest.approx(8000 * IRON_ORE + 1000 * 0.24446)
    # literature values of China: TeR 3, GeR 2; 2014 for 2024 data: TiR 5; secondary: P 3
    assert lines["iron_ore"].scores == {"te": 3.0, "ge": 2.0, "ti": 5.0, "p": 3.0, "dqr": 3.25}
    # 2022 for 2024: TiR 3
    assert lines["pellet"].scores["ti"] == 3.0 and lines["pellet"].scores["dqr"] == pytest.approx((3 + 2 + 3 + 3) / 4)
    assert not lines["iron_ore"].primary and lines["iron_ore"].status == "secondary"


def test_factor_choice_province_then_grid_then_china_then_nearest_year() -> None:
    from greenmfg.footprint.factors import Factor, FootprintData
    from greenmfg.refdata.vocabulary import Names

    def factor(key: str, region: str, year: int | None, value: float | None = 1.0) -> Factor:
        return Factor(dataset="d", key=key, item="electricity", name_zh="电力", name_en="electricity",
                      scope="electricity_footprint", value=value, unit="kgCO2e/kWh", region=region, data_year=year,
                      source="s", status="secondary", notes="")

    rows = [factor("cn23", "CN", 2023), factor("cn24", "CN", 2024), factor("north", "north", 2022),
            factor("hebei", "130000", 2021), factor("hebei-none", "130000", 2024, None)]
    data = FootprintData(factors=rows, rules={}, bands=[], band_names={}, datasets=(), materials=Names("m", []),
                         names={})

    def chosen(region: str, grid: str | None, year: int) -> str:
        found = data.choose("electricity", ("electricity_footprint",), year=year, region=region, grid=grid)
        assert found is not None
        return found.key

    assert chosen("130000", "north", 2024) == "hebei"        # the province's own value, though older
    assert chosen("110000", "north", 2024) == "north"        # then the grid region's
    assert chosen("440000", "south", 2024) == "cn24"         # then China's, nearest year
    assert chosen("440000", "south", 2023) == "cn23"
    assert data.choose("steel", ("cradle_to_gate",), year=2024, region="130000") is None


def test_coproduct_credited_when_its_avoided_burden_has_a_value(steel: dict[str, Path],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """System expansion: the slag (1 500 t) is credited −Q × EF_avoided. No cited value exists (the
    2026.3 row bf_slag.avoided.GLO is not_found), so this test gives the row an illustrative 0.5 tCO2e/t
    to check the mechanism: credit = −1 500 × 0.5 = −750 t, borne by crude steel."""
    import dataclasses as dc

    from greenmfg.footprint import factors, service

    def with_value(catalog: object, vocabulary: object) -> factors.FootprintData:
        data = factors.load_footprint_data(catalog, vocabulary)  # type: ignore[arg-type]
        data.factors = [dc.replace(f, value=0.5) if f.key == "bf_slag.avoided.GLO" else f for f in data.factors]
        return data

    monkeypatch.setattr(service, "load_footprint_data", with_value)
    run = footprint(steel["activity"], steel["products"], steel["upstream"])
    [boundary] = run.boundaries
    expected = _steel_expected()
    assert boundary.burden_t["credits"] == pytest.approx(-750.0)
    crude, slag = boundary.products
    assert slag.share == 0.0 and slag.footprint_kg == 0.0
    assert crude.footprint_kg == pytest.approx((sum(expected.values()) - 750.0) / 5000 * 1000, rel=1e-9)
    line = next(c for c in boundary.contributions if c.stage == "credits")
    assert line.item == "bf_slag" and line.rows == (3,) and line.ref.endswith(":bf_slag.avoided.GLO")
    assert not any(w.code == "footprint.input.coproduct_no_credit" for w in run.warnings)
