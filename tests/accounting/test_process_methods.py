"""One method per process and facility-period (issue #12 item 1: calcination counted once).

Sources of the expected numbers:

* cement: GB/T 32151.8-2015 《温室气体排放核算与报告要求 第8部分：水泥生产企业》 and the NDRC 2013
  《中国水泥生产企业温室气体排放核算方法与报告指南（试行）》 compute the CO2 of raw-material carbonate
  decomposition from the clinker output (the clinker's CaO/MgO converted back to carbonates), so the
  limestone of the raw meal is the same CO2 seen from the input side (IPCC 2006 Vol.3 Ch.2 Tier 3)
  and must not be added: 1 000 000 t clinker × 0.51 tCO2/t (process_factors/cement-clinker) =
  510 000 tCO2; 1 280 000 t limestone × 0.4397 tCO2/t (M(CO2)/M(CaCO3), process_factors/
  carbonates-stoichiometric) = 562 816 tCO2 is the cross-check, not counted (before the fix the
  engine reported 1 072 816 tCO2).
* steel: the NDRC 2013 steel guideline's fluxes are limestone and dolomite with its factors
  (0.440 limestone, process_factors/ndrc-steel); the same flux under the generic name is set aside.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from greenmfg.accounting.output import result_document, write_parquet
from greenmfg.accounting.parameters import AccountingOptions, method_table
from greenmfg.accounting.service import account
from greenmfg.errors import DatasetError
from greenmfg.refdata import load_catalog, load_vocabulary
from greenmfg.refdata.catalog import Catalog, Dataset

from ..conftest import WriteRows

CEMENT = {"industry": "水泥", "facility_id": "K1", "period": "2024"}
CLINKER = {**CEMENT, "item": "熟料", "quantity": 1_000_000, "unit": "t", "flow": "产出"}
LIMESTONE = {**CEMENT, "item": "石灰石", "quantity": 1_280_000, "unit": "t", "flow": "工艺"}


def _results(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    document = result_document(account(path))
    return {(r["facility_id"], r["period"]): r for r in document["results"]}


def _codes(result: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [w for w in result["warnings"] if w["code"] == code]


def test_cement_clinker_and_limestone_count_calcination_once(write_rows: WriteRows) -> None:
    result = _results(write_rows([CLINKER, LIMESTONE]))[("K1", "2024")]
    emissions = result["emissions_tco2e"]
    assert emissions["process"] == pytest.approx(510_000.0, rel=1e-12)  # not 1 072 816
    assert emissions["total"] == pytest.approx(510_000.0, rel=1e-12)
    # the intensity (dashboard, green-factory carbon intensity) follows: 510 000 / 1 000 000 t
    assert result["products"][0]["emission_intensity"] == pytest.approx(0.51, rel=1e-12)
    limestone = next(line for line in result["lines"] if line["item"] == "limestone")
    assert limestone["co2e_t"] == 0.0
    assert limestone["method"] == {"key": "cement.calcination.raw_material", "process": "calcination",
                                   "rank": 2, "used": False, "set_aside_co2e_t": pytest.approx(562_816.0)}
    clinker = next(line for line in result["lines"] if line["item"] == "clinker")
    assert clinker["method"]["used"] is True and clinker["co2e_t"] == pytest.approx(510_000.0)

    (aside,) = _codes(result, "accounting.result.method_set_aside")
    assert aside["ref"] == "process_methods/greenmfg-2026.1:cement.calcination.raw_material"
    assert aside["rows"] == [{"file": "activity.csv", "row": 3, "item": "limestone"}]
    assert aside["set_aside_tco2e"] == pytest.approx(562_816.0)
    assert "activity.csv row 3 (limestone)" in aside["message"] and "clinker-based" in aside["message"]
    assert "第 3 行（石灰石）" in aside["message_zh"] and "熟料产量法" in aside["message_zh"]
    assert "GB/T 32151.8-2015" in aside["message"]

    (finding,) = _codes(result, "accounting.quality.method_difference")
    assert finding["counted_tco2e"] == pytest.approx(510_000.0)
    assert finding["cross_check_tco2e"] == pytest.approx(562_816.0)
    assert finding["difference_tco2e"] == pytest.approx(52_816.0)
    assert "+52 816 tCO2e (+10.4%)" in finding["message"] and "+52 816 tCO2e" in finding["message_zh"]


def test_the_choice_is_per_facility_period(write_rows: WriteRows) -> None:
    """Limestone counts where no clinker is reported (raw-material method: 1 280 000 × 0.4397)."""
    rows = [
        {**CLINKER, "period": "2024-01"}, {**LIMESTONE, "period": "2024-01"},
        {**LIMESTONE, "period": "2024-02"},
        {**LIMESTONE, "facility_id": "K2", "period": "2024-01"},
    ]
    results = _results(write_rows(rows))
    assert results[("K1", "2024-01")]["emissions_tco2e"]["process"] == pytest.approx(510_000.0, rel=1e-12)
    for key in (("K1", "2024-02"), ("K2", "2024-01")):
        assert results[key]["emissions_tco2e"]["process"] == pytest.approx(562_816.0, rel=1e-12)
        assert not _codes(results[key], "accounting.result.method_set_aside")
        (line,) = results[key]["lines"]
        assert line["method"]["used"] is True and line["method"]["set_aside_co2e_t"] is None


def test_zero_clinker_does_not_choose_the_clinker_method(write_rows: WriteRows) -> None:
    result = _results(write_rows([{**CLINKER, "quantity": 0}, LIMESTONE]))[("K1", "2024")]
    assert result["emissions_tco2e"]["process"] == pytest.approx(562_816.0, rel=1e-12)
    assert not _codes(result, "accounting.result.method_set_aside")


def test_steel_fluxes_under_two_names_count_once(write_rows: WriteRows) -> None:
    rows = [{"item": "熔剂石灰石", "quantity": 1000, "unit": "t", "flow": "工艺"},
            {"item": "石灰石", "quantity": 1000, "unit": "t", "flow": "工艺"}]
    result = next(iter(_results(write_rows(rows)).values()))
    assert result["emissions_tco2e"]["process"] == pytest.approx(440.0, rel=1e-12)  # 1000 t × 0.440
    (aside,) = _codes(result, "accounting.result.method_set_aside")
    assert aside["ref"].endswith("steel.flux_calcination.generic_carbonate")
    assert aside["set_aside_tco2e"] == pytest.approx(439.7)


def test_lime_output_beside_its_limestone_is_not_a_second_method(write_rows: WriteRows) -> None:
    """Lime plants report the carbonate decomposed and their lime (the vocabulary asks so): lime has
    no process factor, so the carbonates count and nothing is set aside."""
    lime = {"industry": "石灰", "facility_id": "L1"}
    rows = [{**lime, "item": "石灰", "quantity": 500, "unit": "t", "flow": "产出"},
            {**lime, "item": "石灰石", "quantity": 1000, "unit": "t", "flow": "工艺"}]
    result = next(iter(_results(write_rows(rows)).values()))
    assert result["emissions_tco2e"]["process"] == pytest.approx(439.7, rel=1e-12)
    assert not _codes(result, "accounting.result.method_set_aside")


def test_identifiers_with_spaces_are_matched_to_their_choice(write_rows: WriteRows, tmp_path: Path) -> None:
    """Identifiers not canonical as read take the other plan path (stripped before the join)."""
    path = write_rows([{**CLINKER, "enterprise_id": " E1"}, {**LIMESTONE, "facility_id": "K1 "}])
    run = account(path)
    result = result_document(run)["results"][0]
    assert result["emissions_tco2e"]["process"] == pytest.approx(510_000.0, rel=1e-12)
    written = write_parquet(run, tmp_path / "r.parquet")
    totals = pq.read_table(written[0]).to_pylist()
    assert totals[0]["process"] == pytest.approx(510_000.0) and totals[0]["set_aside"] == pytest.approx(562_816.0)
    lines = sorted(pq.read_table(tmp_path / "r.lines.parquet").to_pylist(), key=lambda r: r["row"])
    assert [line["co2e_t"] for line in lines] == [pytest.approx(510_000.0), 0.0]
    assert [line["set_aside_co2e_t"] for line in lines] == [None, pytest.approx(562_816.0)]


def _methods_catalog(records: list[dict[str, str]]) -> Catalog:
    real = load_catalog()
    info = real.dataset(AccountingOptions().process_methods).info
    return Catalog([*(d for d in real if d.id != info.id), Dataset(info=info, records=tuple(records))])


def test_methods_dataset_is_checked() -> None:
    base = {"key": "cement.calcination.a", "industry": "cement", "process": "calcination", "rank": "1",
            "items": "clinker", "flow": "produced", "source": "s", "verification_status": "recalled"}
    table, ranks, _ = method_table(load_vocabulary(), _methods_catalog([base]), AccountingOptions())
    assert ranks == (("calcination", 1),) and table.num_rows == 1
    twice = {**base, "key": "cement.calcination.b", "rank": "2"}
    with pytest.raises(DatasetError, match="belongs to cement.calcination.a"):
        method_table(load_vocabulary(), _methods_catalog([base, twice]), AccountingOptions())
    with pytest.raises(DatasetError, match="not an item with flow"):
        method_table(load_vocabulary(), _methods_catalog([{**base, "flow": "process"}]), AccountingOptions())
    coal = {**base, "items": "raw_coal", "flow": "consumed"}
    with pytest.raises(DatasetError, match="process inputs or products"):
        method_table(load_vocabulary(), _methods_catalog([coal]), AccountingOptions())
    with pytest.raises(DatasetError, match="unknown industry"):
        method_table(load_vocabulary(), _methods_catalog([{**base, "industry": "mining"}]), AccountingOptions())


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", ["水泥", "原料碳酸盐分解", 2, "原料碳酸盐消耗法（碳酸盐 × 化学计量因子）", "石灰石、白云石、菱镁矿", "工艺"]),
    ("en", ["cement", "calcination of raw-material carbonates", 2,
            "raw-material-based (carbonates × stoichiometric factor)", "limestone, dolomite, magnesite", "process"]),
])
def test_the_template_lists_the_methods_and_their_order(tmp_path: Path, lang: str, expected: list[object]) -> None:
    import openpyxl

    from greenmfg.accounting.template import write_template

    path = tmp_path / f"t-{lang}.xlsx"
    write_template(path, lang=lang)  # type: ignore[arg-type]
    rows = [list(r) for r in openpyxl.load_workbook(path).worksheets[2].iter_rows(values_only=True)]
    assert [v for v in expected] in [r[:6] for r in rows]
