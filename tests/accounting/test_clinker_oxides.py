"""Clinker emission factor from the clinker's measured CaO and MgO content (issue #12 item 1).

Source of the expected numbers: GB/T 32151.8-2015 《温室气体排放核算与报告要求 第8部分：水泥生产企业》
and the NDRC 2013 《中国水泥生产企业温室气体排放核算方法与报告指南（试行）》, as recorded with the
team's references (/work/shared/reference/accounting-reference.md §3.2; the primary texts were not
seen with the search tool): the CO2 of raw-material carbonate decomposition is

    E = Q_clinker × [(FR_CaO − FR_CaO,0) × 44/56 + (FR_MgO − FR_MgO,0) × 44/40]

with FR_x the clinker's mass fraction of CaO / MgO and FR_x,0 the part from non-carbonate sources.
The guideline writes the molar-mass ratios as 44/56 and 44/40 (CO2 44, CaO 56, MgO 40); the engine
keeps them (IUPAC masses would give 44.009/56.077 and 44.009/40.304, 0.1 % and 0.7 % lower). Without
measured contents the default factor stays: 0.51 tCO2/t (process_factors/cement-clinker, recalled).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from greenmfg.accounting.output import result_document, write_parquet
from greenmfg.accounting.service import account
from greenmfg.accounting.template_spec import canonical_column
from greenmfg.errors import ValidationFailed

from ..conftest import WriteRows

CEMENT = {"industry": "水泥", "facility_id": "K1", "period": "2024"}
CLINKER = {**CEMENT, "item": "熟料", "quantity": 1_000_000, "unit": "t", "flow": "产出"}
LIMESTONE = {**CEMENT, "item": "石灰石", "quantity": 1_280_000, "unit": "t", "flow": "工艺"}
#: the guideline's ratios, written out: t CO2 per t CaO and per t MgO from carbonates
CAO, MGO = 44 / 56, 44 / 40
DEFAULT_REF = "process_factors/cement-clinker:clinker.ef"


def _result(path: Path) -> dict[str, Any]:
    (result,) = result_document(account(path))["results"]
    return result


def _line(result: dict[str, Any], item: str) -> dict[str, Any]:
    return next(line for line in result["lines"] if line["item"] == item)


def _parameters(line: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in line["parameters"]}


def test_measured_cao_and_mgo_give_the_clinker_factor(write_rows: WriteRows) -> None:
    """1 000 000 t clinker, CaO 65 %, MgO 2 %: EF = 0.65 × 44/56 + 0.02 × 44/40 = 0.532 714 3 tCO2/t,
    532 714.3 tCO2 (the default factor gave 510 000); the limestone is still set aside."""
    result = _result(write_rows([{**CLINKER, "clinker_cao": "65%", "clinker_mgo": "2%"}, LIMESTONE]))
    ef = 0.65 * CAO + 0.02 * MGO
    assert ef == pytest.approx(0.5327142857142857, rel=1e-15)
    assert result["emissions_tco2e"]["process"] == pytest.approx(ef * 1_000_000, rel=1e-12)
    assert result["emissions_tco2e"]["total"] == pytest.approx(ef * 1_000_000, rel=1e-12)
    clinker = _line(result, "clinker")
    assert clinker["co2e_t"] == pytest.approx(ef * 1_000_000, rel=1e-12)
    assert clinker["method"]["used"] is True
    parameters = _parameters(clinker)
    assert parameters["emission_factor"]["value"] == pytest.approx(ef, abs=1e-9)
    assert parameters["emission_factor"]["ref"].startswith("measured clinker CaO/MgO")
    assert "44/56" in parameters["emission_factor"]["ref"] and "44/40" in parameters["emission_factor"]["ref"]
    assert parameters["emission_factor"]["sources"] == []
    assert parameters["clinker_cao_content"] == {"name": "clinker_cao_content", "value": 0.65, "unit": "1",
                                                 "ref": "measured", "sources": []}
    assert parameters["clinker_mgo_content"]["value"] == pytest.approx(0.02)
    assert parameters["clinker_cao_non_carbonate"]["value"] == 0.0
    assert parameters["clinker_cao_non_carbonate"]["ref"] == "not given: 0"
    # the measured factor is used: no warning names the unverified default
    assert clinker["unverified"] == []
    assert DEFAULT_REF not in {w.get("ref") for w in result["warnings"]}
    assert not [w for w in result["warnings"] if w["code"] == "accounting.result.unverified_value"]
    # precedence unchanged: the raw meal's limestone is the cross-check, not counted
    limestone = _line(result, "limestone")
    assert limestone["co2e_t"] == 0.0
    assert limestone["method"]["used"] is False
    assert limestone["method"]["set_aside_co2e_t"] == pytest.approx(1_280_000 * 0.4397)
    assert result["products"][0]["emission_intensity"] == pytest.approx(ef, abs=1e-9)  # rounded to 9 places


def test_non_carbonate_cao_is_deducted(write_rows: WriteRows) -> None:
    """CaO 65 % of which 1 % from non-carbonate sources (steel slag): (0.65 − 0.01) × 44/56 + 0.02 × 44/40
    = 0.524 857 1 tCO2/t; fractions as decimals and with % mean the same."""
    rows = [{**CLINKER, "clinker_cao": "0.65", "clinker_mgo": "0.02", "clinker_cao_non_carbonate": "1%"}]
    result = _result(write_rows(rows))
    ef = (0.65 - 0.01) * CAO + 0.02 * MGO
    assert result["emissions_tco2e"]["process"] == pytest.approx(ef * 1_000_000, rel=1e-12)
    assert _parameters(_line(result, "clinker"))["clinker_cao_non_carbonate"] == {
        "name": "clinker_cao_non_carbonate", "value": 0.01, "unit": "1", "ref": "measured", "sources": []}


def test_non_carbonate_mgo_is_deducted(write_rows: WriteRows) -> None:
    rows = [{**CLINKER, "clinker_cao": "65%", "clinker_mgo": "2%", "clinker_mgo_non_carbonate": "0.5%"}]
    ef = 0.65 * CAO + (0.02 - 0.005) * MGO
    assert _result(write_rows(rows))["emissions_tco2e"]["process"] == pytest.approx(ef * 1_000_000, rel=1e-12)


def test_without_measured_contents_the_default_factor_stays_and_is_named(write_rows: WriteRows) -> None:
    """Months with and without measured oxides in one file: each line its own factor (0.51 default)."""
    rows = [{**CLINKER, "period": "2024-01", "clinker_cao": "65%", "clinker_mgo": "2%"},
            {**CLINKER, "period": "2024-02"}]
    results = {r["period"]: r for r in result_document(account(write_rows(rows)))["results"]}
    assert results["2024-01"]["emissions_tco2e"]["process"] == pytest.approx(532_714.2857142857, rel=1e-12)
    assert results["2024-02"]["emissions_tco2e"]["process"] == pytest.approx(510_000.0, rel=1e-12)
    default = _line(results["2024-02"], "clinker")
    assert default["unverified"] == [DEFAULT_REF]
    assert [w["ref"] for w in results["2024-02"]["warnings"] if w["code"] == "accounting.result.unverified_value"] \
        == [DEFAULT_REF]
    assert not results["2024-01"]["warnings"]


def test_chinese_headers_are_read(write_rows: WriteRows) -> None:
    assert canonical_column("熟料中氧化钙含量") == "clinker_cao"
    assert canonical_column("熟料MgO含量") == "clinker_mgo"
    assert canonical_column("非碳酸盐来源氧化钙含量") == "clinker_cao_non_carbonate"
    assert canonical_column("熟料中非碳酸盐MgO含量") == "clinker_mgo_non_carbonate"
    header = ["企业编号", "行业", "地区", "设施编号", "期间", "品种", "数量", "单位", "流向", "熟料中氧化钙含量",
              "熟料中氧化镁含量"]
    rows = [{"企业编号": "E1", "行业": "水泥", "地区": "320000", "设施编号": "K1", "期间": "2024", "品种": "熟料",
             "数量": 1_000_000, "单位": "吨", "流向": "产出", "熟料中氧化钙含量": "65%", "熟料中氧化镁含量": "2%"}]
    result = _result(write_rows(rows, header=header))
    assert result["emissions_tco2e"]["process"] == pytest.approx((0.65 * CAO + 0.02 * MGO) * 1e6, rel=1e-12)


def test_lines_parquet_keeps_the_measured_contents(write_rows: WriteRows, tmp_path: Path) -> None:
    run = account(write_rows([{**CLINKER, "clinker_cao": "65%", "clinker_mgo": "2%"}]))
    written = write_parquet(run, tmp_path / "out.parquet")
    lines = pq.read_table(next(p for p in written if str(p).endswith(".lines.parquet"))).to_pylist()
    assert lines[0]["clinker_cao_measured"] == pytest.approx(0.65)
    assert lines[0]["clinker_mgo_measured"] == pytest.approx(0.02)
    assert lines[0]["clinker_cao_non_carbonate_measured"] is None
    sets = pq.read_table(next(p for p in written if str(p).endswith(".parameter_sets.parquet"))).to_pylist()
    (clinker_set,) = sets
    assert clinker_set["measured_clinker_oxides"] is True
    (ef,) = [p for p in clinker_set["parameters"] if p["name"] == "emission_factor"]
    assert ef["value"] is None and ef["ref"].startswith("measured")
    assert clinker_set["unverified"] == []


def _issues(write_rows: WriteRows, rows: list[dict[str, object]]) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ValidationFailed) as failed:
        account(write_rows(rows))
    return [(i.row, i.column, i.code) for i in failed.value.issues]


@pytest.mark.parametrize(("value", "column"), [
    ("65", "clinker_cao"),  # a percentage without % reads as 65 (6500 %)
    ("-0.1", "clinker_cao"),
    ("101%", "clinker_mgo"),
])
def test_a_content_outside_0_to_100_percent_is_a_located_error(write_rows: WriteRows, value: str, column: str
                                                                ) -> None:
    row = {**CLINKER, "clinker_cao": "65%", "clinker_mgo": "2%", column: value}
    assert _issues(write_rows, [row]) == [(2, column, "accounting.input.parameter_range")]


def test_range_error_says_how_to_write_it(write_rows: WriteRows) -> None:
    with pytest.raises(ValidationFailed) as failed:
        account(write_rows([{**CLINKER, "clinker_cao": "65", "clinker_mgo": "2%"}]))
    (issue,) = failed.value.issues
    assert issue.file == "activity.csv" and issue.row == 2
    assert "65.2%" in issue.fix and "65.2%" in issue.fix_zh and "0.652" in issue.fix


def test_non_carbonate_part_larger_than_the_total_is_a_located_error(write_rows: WriteRows) -> None:
    rows = [{**CLINKER, "clinker_cao": "65%", "clinker_mgo": "2%", "clinker_cao_non_carbonate": "70%"},
            {**CLINKER, "facility_id": "K2", "clinker_cao": "65%", "clinker_mgo": "2%",
             "clinker_mgo_non_carbonate": "3%"}]
    with pytest.raises(ValidationFailed) as failed:
        account(write_rows(rows))
    issues = failed.value.issues
    assert [(i.row, i.column, i.code) for i in issues] == [
        (2, "clinker_cao_non_carbonate", "accounting.input.clinker_non_carbonate"),
        (3, "clinker_mgo_non_carbonate", "accounting.input.clinker_non_carbonate"),
    ]
    # the columns named as the file (an English template) headed them
    assert issues[0].message == '"clinker_cao_non_carbonate" 70% is larger than the clinker\'s "clinker_cao" 65%'
    assert issues[0].message_zh == "“clinker_cao_non_carbonate”70% 大于熟料的“clinker_cao”65%"


def test_contents_on_a_row_that_is_not_clinker_output_are_a_located_error(write_rows: WriteRows) -> None:
    rows = [{**LIMESTONE, "clinker_cao": "65%"}, {**CLINKER, "item": "原煤", "flow": "消耗", "clinker_mgo": "2%"}]
    assert _issues(write_rows, rows) == [(2, "clinker_cao", "accounting.input.parameter_not_applicable"),
                                         (3, "clinker_mgo", "accounting.input.parameter_not_applicable")]


def test_text_that_is_not_a_number_is_a_located_error(write_rows: WriteRows) -> None:
    rows = [{**CLINKER, "clinker_cao": "约65%", "clinker_mgo": "2%"}]
    assert _issues(write_rows, rows) == [(2, "clinker_cao", "accounting.input.not_a_number")]


def test_cao_without_mgo_is_a_located_error(write_rows: WriteRows) -> None:
    """The guideline's factor has a CaO and an MgO term, both measured: neither 0 nor a default is
    assumed for the one left empty (the 0.51 default is a whole-factor default, not an MgO content)."""
    rows = [{**CLINKER, "clinker_cao": "65%"},
            {**CLINKER, "facility_id": "K2", "clinker_mgo": "2%"},
            {**CLINKER, "facility_id": "K3", "clinker_cao_non_carbonate": "1%"}]
    with pytest.raises(ValidationFailed) as failed:
        account(write_rows(rows))
    issues = failed.value.issues
    assert [(i.row, i.column, i.code) for i in issues] == [
        (2, "clinker_mgo", "accounting.input.clinker_oxide_missing"),
        (3, "clinker_cao", "accounting.input.clinker_oxide_missing"),
        (4, "clinker_cao", "accounting.input.clinker_oxide_missing"),
        (4, "clinker_mgo", "accounting.input.clinker_oxide_missing"),
    ]
    assert "“clinker_mgo”为空" in issues[0].message_zh and "0" in issues[0].fix


def test_same_clinker_with_different_contents_is_not_a_duplicate(write_rows: WriteRows) -> None:
    """Two clinker rows of one facility-period with different measured contents (two kilns' lab
    results) are two lines; the same contents twice is a duplicate."""
    rows = [{**CLINKER, "quantity": 500_000, "clinker_cao": "65%", "clinker_mgo": "2%"},
            {**CLINKER, "quantity": 500_000, "clinker_cao": "64%", "clinker_mgo": "2%"}]
    result = _result(write_rows(rows))
    expected = 500_000 * (0.65 * CAO + 0.02 * MGO) + 500_000 * (0.64 * CAO + 0.02 * MGO)
    assert result["emissions_tco2e"]["process"] == pytest.approx(expected, rel=1e-12)
    assert _issues(write_rows, [rows[0], rows[0]]) == [(3, "item", "accounting.input.duplicate_row")]
