"""greenmfg.cbam.account_cbam: attribution from the one accounting engine, precursors made in the
installation, a supplier's values or the default, defaults with mark-ups, the free-allocation
adjustment, the carbon price paid, certificates; located errors for bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from greenmfg.accounting import account, result_document
from greenmfg.cbam.models import CbamOptions
from greenmfg.cbam.rules import load_rules
from greenmfg.cbam.service import account_cbam
from greenmfg.errors import GreenmfgError, ValidationFailed
from tests.cbam.cases import KILN_ROWS, MILL_ROWS, ROLLING_ROWS, cement_files, write
from tests.ets.cases import write_csv


def _facility(document: dict[str, Any], facility: str) -> dict[str, Any]:
    return next(r for r in document["results"] if r["facility_id"] == facility)


def test_kiln_and_grinding_plant_cement_carries_the_clinker(tmp_path: Path) -> None:
    activity, goods, precursors = cement_files(tmp_path)
    result = account_cbam(activity, goods, precursors)
    accounted = result_document(account(activity))
    kiln, mill = _facility(accounted, "KILN"), _facility(accounted, "MILL")
    kiln_direct = kiln["emissions_tco2e"]["combustion"] + kiln["emissions_tco2e"]["process"]
    # electricity: the CBAM default factor of China (IR 2025/2621 Annex II, 0.605 tCO2/MWh), not the grid
    # factor of the accounting (which differs from it)
    grid = 0.605
    assert kiln["emissions_tco2e"]["purchased_electricity"] / 6000.0 != pytest.approx(grid)
    assert mill["emissions_tco2e"]["scope1"] == 0.0
    clinker, cement = result.goods
    # clinker: a simple good, AttrEm / AL on both channels; cement counts direct and indirect emissions
    assert clinker.see_direct == pytest.approx(kiln_direct / 100000.0)
    assert clinker.see_indirect == pytest.approx(6000.0 * grid / 100000.0)
    # cement: (own + 90 000 t clinker × clinker SEE) / 120 000 t
    assert cement.see_direct == pytest.approx(90000.0 * clinker.see_direct / 120000.0)
    assert cement.see_indirect == pytest.approx((4000.0 * grid + 90000.0 * clinker.see_indirect) / 120000.0)
    assert cement.see_counted == pytest.approx(cement.see_direct + cement.see_indirect)
    assert cement.embedded_t == pytest.approx(cement.see_counted * 120000.0)
    assert cement.default_share == 0.0
    mill_process = result.process("MILL", "2026")
    assert mill_process.precursors[0]["from_facility_id"] == "KILN"
    assert any("90000 t ×" in line for line in cement.derivation)
    # the clinker has a 2025/2620 benchmark (grey clinker 0.666): FAA = 0.975 × 0.666 × 100 000
    assert clinker.free_allocation_t == pytest.approx(0.975 * 0.666 * 100000.0)
    assert clinker.certificates_t == pytest.approx(clinker.embedded_t - clinker.free_allocation_t)
    # the China defaults of IR 2025/2621 Annex I as replaced by 2026/1740: the 8-digit clinker code takes the
    # grey (other) clinker row 2523 10 00 90 (1.35 + 0.04 = 1.39), grey Portland cement 1.42
    assert clinker.default_total == pytest.approx(1.39)
    assert cement.default_total == pytest.approx(1.42)
    codes = {f.code for f in result.findings}
    assert "cbam.default.not_found" not in codes
    # the CBAM default electricity factor for China is used, named as a value not checked against the act
    assert "cbam.electricity.grid_factor" not in codes
    kiln_process = result.process("KILN", "2026")
    assert kiln_process.electricity_rule == "cbam_default"
    assert kiln_process.electricity_source == "cbam_rules/eu-2026.2:electricity_ef.CN"
    assert kiln_process.attributed_indirect_t == pytest.approx(6000.0 * 0.605)
    assert any(f.code == "cbam.result.unverified_value" and f.value == "cbam_rules/eu-2026.2:electricity_ef.CN"
               for f in result.findings)


def test_without_a_cbam_electricity_factor_the_grid_factor_stands_in(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # a reference library whose rules lack China's Annex II factor: the accounting's grid factor, said so
    activity, goods, precursors = cement_files(tmp_path)
    rules = load_rules()
    monkeypatch.setattr(rules, "electricity_factor", lambda country="CN": None)
    result = account_cbam(activity, goods, precursors, rules=rules)
    kiln = _facility(result_document(account(activity)), "KILN")
    process = result.process("KILN", "2026")
    assert process.electricity_rule == "grid"
    assert process.attributed_indirect_t == pytest.approx(kiln["emissions_tco2e"]["purchased_electricity"])
    assert "cbam.electricity.grid_factor" in {f.code for f in result.findings}


def _rolling(tmp_path: Path, precursor_line: str, header: str = "") -> tuple[Path, Path, Path]:
    activity = write_csv(ROLLING_ROWS, tmp_path / "rolling.csv")
    goods = write(tmp_path, "goods.csv", "facility_id,period,cn_code,quantity,unit,product_name\n"
                                         "HSM,2026,7208 51 20,50000,t,HRC Q235B\n")
    precursors = write(tmp_path, "precursors.csv", (header or "facility_id,period,precursor_cn_code,quantity,unit,"
                                                    "see_direct,see_indirect,source\n") + precursor_line)
    return activity, goods, precursors


def test_purchased_slabs_on_the_suppliers_values(tmp_path: Path) -> None:
    activity, goods, precursors = _rolling(tmp_path, "HSM,2026,7207 12 10,52000,t,1.9,0.1,Supplier X template 2026-01\n")
    result = account_cbam(activity, goods, precursors)
    hsm = _facility(result_document(account(activity)), "HSM")
    direct = hsm["emissions_tco2e"]["combustion"]
    (good,) = result.goods
    assert good.see_direct == pytest.approx((direct + 52000.0 * 1.9) / 50000.0)
    # indirect: 5 000 MWh at China's CBAM default factor (0.605 tCO2/MWh), reported though steel does not count it
    assert good.see_indirect == pytest.approx((5000.0 * 0.605 + 52000.0 * 0.1) / 50000.0)
    assert hsm["emissions_tco2e"]["purchased_electricity"] != pytest.approx(5000.0 * 0.605)
    # steel is an Annex II good: only the direct channel counts
    assert good.see_counted == pytest.approx(good.see_direct)
    # the China default for 7208 (3.187, IR 2026/1740) with the 2026 mark-up (10 %) and the difference
    assert good.default_total == pytest.approx(3.187)
    assert good.default_with_markup == pytest.approx(3.5057)
    assert good.difference_t_per_t == pytest.approx(good.see_counted - 3.5057)
    assert good.free_allocation_t == pytest.approx(0.975 * 1.370 * 50000.0)
    assert good.cost_eur == pytest.approx(good.certificates_t * 75.36)
    assert good.product_name == "HRC Q235B"


def test_purchased_slabs_on_default_values_count_as_estimated(tmp_path: Path) -> None:
    activity, goods, precursors = _rolling(tmp_path, "HSM,2026,7207 12 10,52000,t\n",
                                           "facility_id,period,precursor_cn_code,quantity,unit\n")
    result = account_cbam(activity, goods, precursors, options=CbamOptions(year=2028))
    (good,) = result.goods
    # the precursor's default is the base value (3.169, China, 7207 12 10), without mark-up
    assert good.see_direct * 50000.0 == pytest.approx(result.processes[0].attributed_direct_t + 52000.0 * 3.169)
    assert good.default_share == pytest.approx(52000.0 * 3.169 / (good.see_counted * 50000.0))
    assert good.markup == pytest.approx(0.30)  # 2028
    assert good.cbam_factor == pytest.approx(0.90)
    assert result.certificate_price_eur is None and good.cost_eur is None
    assert "cbam.price.unknown" in {f.code for f in result.findings}


def test_carbon_price_paid_in_china_is_deducted(tmp_path: Path) -> None:
    activity, goods, precursors = _rolling(tmp_path, "HSM,2026,7207 12 10,52000,t,1.9,0.1,Supplier X\n")
    options = CbamOptions(carbon_price_cny_per_t=90.0, carbon_price_share=0.2, eur_per_cny=0.13,
                          carbon_price_source="national ETS 2026 average", certificate_price_eur=80.0)
    (good,) = account_cbam(activity, goods, precursors, options=options).goods
    paid_eur = good.embedded_t * 0.2 * 90.0 * 0.13
    assert good.carbon_price_deduction_eur == pytest.approx(paid_eur)
    assert good.certificates_t == pytest.approx(good.embedded_t - good.free_allocation_t - paid_eur / 80.0)
    with pytest.raises(GreenmfgError):
        account_cbam(activity, goods, precursors, options=CbamOptions(carbon_price_cny_per_t=90.0))


def test_de_minimis_is_checked_on_net_mass(tmp_path: Path) -> None:
    activity = write_csv(KILN_ROWS, tmp_path / "a.csv")
    goods = write(tmp_path, "g.csv", "facility_id,period,cn_code,quantity,unit\nKILN,2026,25231000,100000,t\n")
    result = account_cbam(activity, goods)
    assert result.de_minimis["mass_t"] == pytest.approx(100000.0)
    assert result.de_minimis["below_threshold"] is False
    assert result.de_minimis["threshold_t"] == pytest.approx(50.0)


GOODS = "facility_id,period,cn_code,quantity,unit\n"
PRECURSORS = "facility_id,period,precursor_cn_code,quantity,unit,from_facility_id,see_direct,see_indirect,source\n"


@pytest.mark.parametrize(("goods", "precursors", "code", "row", "column"), [
    ("facility_id,period,quantity,unit\nKILN,2026,1,t\n", None, "cbam.input.missing_column", 1, "cn_code"),
    (GOODS + "KILN,2026,12345,100000,t\n", None, "cbam.input.bad_cn_code", 2, "cn_code"),
    (GOODS + "KILN,2026,8501 10 20,100000,t\n", None, "cbam.input.not_cbam_good", 2, "cn_code"),
    (GOODS + "KILN,2026,7204 10 00,100000,t\n", None, "cbam.input.not_cbam_good", 2, "cn_code"),
    (GOODS + "KILN,2026,25231000,-5,t\n", None, "cbam.input.bad_quantity", 2, "quantity"),
    (GOODS + "KILN,2026,25231000,5,MWh\n", None, "cbam.input.bad_unit", 2, "unit"),
    (GOODS + "KILN,26,25231000,5,t\n", None, "cbam.input.bad_period", 2, "period"),
    (GOODS + "KILN,2026,25231000,100000,t\nOVEN,2026,25231000,5,t\n", None, "cbam.input.no_activity", 3, "facility_id"),
    (GOODS + "KILN,2025,25231000,100000,t\n", None, "cbam.input.no_activity", 2, "facility_id"),
    (GOODS + "KILN,2026,25231000,100000,t\nMILL,2026,252329,120000,t\n",
     PRECURSORS + "MILL,2026,25231000,90000,t,KILN,0.8,0.01,x\n", "cbam.input.two_sources", 2, "from_facility_id"),
    (GOODS + "KILN,2026,25231000,100000,t\nMILL,2026,252329,120000,t\n",
     # the annex gives calcined clay only under TARIC 2507 00 80 80: the 8-digit code has no default
     PRECURSORS + "MILL,2026,2507 00 80,90000,t,,,,\n", "cbam.input.no_default", 2, "precursor_cn_code"),
    (GOODS + "KILN,2026,25231000,100000,t\nMILL,2026,252329,120000,t\n",
     PRECURSORS + "MILL,2026,25231000,90000,t,,0.8,0.01,\n", "cbam.input.missing_source", 2, "source"),
    (GOODS + "KILN,2026,25231000,100000,t\nMILL,2026,252329,120000,t\n",
     PRECURSORS + "MILL,2026,25231000,90000,t,,abc,0.01,x\n", "cbam.input.bad_see", 2, "see_direct"),
    (GOODS + "KILN,2026,25231000,100000,t\nMILL,2026,252329,120000,t\n",
     PRECURSORS + "MILL,2026,25231000,90000,t,MILL,,,\n", "cbam.input.self_precursor", 2, "from_facility_id"),
    (GOODS + "KILN,2026,25231000,100000,t\nMILL,2026,252329,120000,t\n",
     PRECURSORS + "MILL,2026,25231000,90000,t,KILN,,,\nKILN,2026,252329,10,t,MILL,,,\n",
     "cbam.input.precursor_cycle", None, "from_facility_id"),
    (GOODS + "KILN,2026,25231000,100000,t\nMILL,2026,252329,120000,t\n",
     PRECURSORS + "OTHER,2026,25231000,90000,t,KILN,,,\n", "cbam.input.unknown_process", 2, "facility_id"),
    (GOODS + "KILN,2026,25231000,100000,t\nMILL,2026,252329,120000,t\n",
     PRECURSORS + "KILN,2026,7207 12 10,10,t,MILL,,,\n", "cbam.input.source_makes_other", 2, "from_facility_id"),
    (GOODS + "KILN,2026,25231000,100000,t\nKILN,2026,2804 10 00,5,t\n", None, "cbam.input.mixed_categories", 3,
     "cn_code"),
])
def test_bad_input_is_refused_at_its_place(tmp_path: Path, goods: str, precursors: str | None, code: str,
                                           row: int | None, column: str) -> None:
    activity = write_csv(KILN_ROWS + MILL_ROWS, tmp_path / "activity.csv")
    goods_path = write(tmp_path, "goods.csv", goods)
    precursors_path = write(tmp_path, "precursors.csv", precursors) if precursors else None
    with pytest.raises(ValidationFailed) as caught:
        account_cbam(activity, goods_path, precursors_path)
    issue = caught.value.issues[0]
    assert issue.code == code
    assert issue.row == row
    assert column in issue.column
    assert issue.file in ("goods.csv", "precursors.csv")
    assert issue.message and issue.message_zh and issue.fix and issue.fix_zh
    assert any("\u4e00" <= ch <= "\u9fff" for ch in issue.message_zh)


def test_oversized_and_foreign_files_are_refused(tmp_path: Path) -> None:
    activity = write_csv(KILN_ROWS, tmp_path / "activity.csv")
    big = tmp_path / "goods.csv"
    big.write_bytes(b"facility_id,period,cn_code,quantity,unit\n" + b"KILN,2026,25231000,1,t\n" * 300_000)
    with pytest.raises(GreenmfgError, match="MB"):
        account_cbam(activity, big)
    with pytest.raises(GreenmfgError, match=r"\.csv or \.xlsx"):
        account_cbam(activity, write(tmp_path, "goods.txt", "x"))


def test_monthly_activity_and_a_chinese_xlsx_goods_file(tmp_path: Path) -> None:
    from openpyxl import Workbook

    rows = [{**r, "period": f"2026-{m:02d}", "quantity": f"{float(r['quantity']) / 12}"}
            for m in range(1, 13) for r in KILN_ROWS + MILL_ROWS]
    activity = write_csv(rows, tmp_path / "monthly.csv")
    goods, precursors = Workbook(), Workbook()
    goods.active.append(["设施编号", "期间", "CN编码", "数量", "单位"])
    goods.active.append(["KILN", 2026, 25231000, 100000, "吨"])
    goods.active.append(["MILL", "2026", "2523 29 00", 12, "万吨"])
    precursors.active.append(["设施编号", "期间", "前体CN编码", "数量", "单位", "来源设施编号"])
    precursors.active.append(["MILL", 2026, "2523 10 00", 90000, "t", "KILN"])
    goods.save(tmp_path / "goods.xlsx")
    precursors.save(tmp_path / "precursors.xlsx")
    monthly = account_cbam(activity, tmp_path / "goods.xlsx", tmp_path / "precursors.xlsx")
    annual = account_cbam(*cement_files(tmp_path))
    assert len(monthly.process("KILN", "2026").accounting_periods) == 12
    for month_good, year_good in zip(monthly.goods, annual.goods, strict=True):
        assert month_good.see_counted == pytest.approx(year_good.see_counted, rel=1e-9)


def test_a_precursor_from_an_unlisted_country_takes_the_other_countries_value(tmp_path: Path) -> None:
    activity = write_csv([{**r, "facility_id": "EAF"} for r in ROLLING_ROWS], tmp_path / "eaf.csv")
    goods = write(tmp_path, "goods.csv", "facility_id,period,cn_code,quantity,unit\nEAF,2026,7207 12 10,50000,t\n")
    precursors = write(tmp_path, "precursors.csv", "facility_id,period,precursor_cn_code,quantity,unit,country\n"
                                                   "EAF,2026,7203 10 00,40000,t,XK\n")
    result = account_cbam(activity, goods, precursors)
    (process,) = result.processes
    assert process.see is not None
    assert process.see.precursor_direct == pytest.approx(40000.0 * 1.325 / 50000.0)  # 2025/2621 'other countries'
    assert "cbam.precursor.default_fallback" in {f.code for f in result.findings}


def test_heat_imported_and_electricity_exported_are_attributed(tmp_path: Path) -> None:
    rows = [*KILN_ROWS,
            {**KILN_ROWS[0], "item": "热力", "quantity": "20000", "unit": "GJ", "flow": "外购"},
            {**KILN_ROWS[0], "item": "电力", "quantity": "1500", "unit": "MWh", "flow": "输出"}]
    activity = write_csv(rows, tmp_path / "activity.csv")
    goods = write(tmp_path, "goods.csv", "facility_id,period,cn_code,quantity,unit\nKILN,2026,25231000,100000,t\n")
    result = account_cbam(activity, goods)
    kiln = _facility(result_document(account(activity)), "KILN")["emissions_tco2e"]
    (process,) = result.processes
    assert process.heat_imported_t == pytest.approx(kiln["purchased_heat"]) and process.heat_imported_t > 0
    assert process.electricity_exported_t == pytest.approx(-kiln["exported"]) and process.electricity_exported_t > 0
    assert process.attributed_direct_t == pytest.approx(
        kiln["combustion"] + kiln["process"] + kiln["purchased_heat"] + kiln["exported"])
    codes = {f.code for f in result.findings}
    assert {"cbam.attribution.heat_factor", "cbam.attribution.exported_electricity"} <= codes


def test_chinese_pig_iron_and_dri_on_default_values(tmp_path: Path) -> None:
    # refused before the China rows of IR 2025/2621 Annex I (as replaced by 2026/1740) were read
    activity = write_csv([{**r, "facility_id": "BOF"} for r in ROLLING_ROWS], tmp_path / "bof.csv")
    goods = write(tmp_path, "goods.csv", "facility_id,period,cn_code,quantity,unit\nBOF,2026,7207 12 10,50000,t\n")
    precursors = write(tmp_path, "precursors.csv", "facility_id,period,precursor_cn_code,quantity,unit\n"
                                                   "BOF,2026,7201 10 11,40000,t\n"
                                                   "BOF,2026,7203 10 00,5000,t\n")
    result = account_cbam(activity, goods, precursors)
    (process,) = result.processes
    assert process.see is not None
    # pig iron 1.66 (table 'China'); DRI: the China cell is empty, so the annex's 'other countries' 1.325
    assert process.see.precursor_direct == pytest.approx((40000.0 * 1.66 + 5000.0 * 1.325) / 50000.0)
    codes = {f.code for f in result.findings}
    assert "cbam.precursor.default_fallback" not in codes  # both are China rows of the annex
    (good,) = result.goods
    assert good.default_total == pytest.approx(3.169)
    assert good.default_share == pytest.approx((40000.0 * 1.66 + 5000.0 * 1.325) / (good.see_counted * 50000.0))
