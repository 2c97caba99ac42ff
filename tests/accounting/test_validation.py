"""Every validation rule: located, explained, bilingual, and nothing computed or written."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from greenmfg.accounting.output import result_document
from greenmfg.accounting.service import account
from greenmfg.accounting.template import write_template
from greenmfg.accounting.template_spec import COLUMNS, LABELS_EN, canonical_column, column_letter
from greenmfg.accounting.validation import normalize_period
from greenmfg.errors import InputError, Issue, ValidationFailed

from ..conftest import HEADER, WriteRows

GOOD = {"item": "原煤", "quantity": 100, "unit": "吨", "flow": "消耗"}


def _issues(path: Path) -> list[Issue]:
    with pytest.raises(ValidationFailed) as raised:
        account(path)
    assert raised.value.total >= len(raised.value.issues) > 0
    return raised.value.issues


def _only(issues: list[Issue], code: str) -> Issue:
    found = [i for i in issues if i.code == code]
    assert found, [i.code for i in issues]
    return found[0]


@pytest.mark.parametrize(
    ("bad", "code", "column", "text"),
    [
        ({"item": "原沒"}, "accounting.input.unknown_item", "item", "did you mean"),
        ({"item": "natral gas", "unit": "万立方米"}, "accounting.input.unknown_item", "item", '"natural gas"'),
        ({"unit": "kWh"}, "accounting.input.unit_mismatch", "unit", "kWh"),
        ({"unit": "bananas"}, "accounting.input.unit_mismatch", "unit", "unknown unit"),
        ({"quantity": -5}, "accounting.input.negative_quantity", "quantity", "-5"),
        ({"quantity": "abc"}, "accounting.input.not_a_number", "quantity", '"abc"'),
        ({"quantity": ""}, "accounting.input.missing_value", "quantity", "empty"),
        ({"period": "2024-13"}, "accounting.input.bad_period", "period", "2024-13"),
        ({"period": "24/03"}, "accounting.input.bad_period", "period", "24/03"),
        ({"flow": "burned"}, "accounting.input.unknown_flow", "flow", "burned"),
        ({"item": "电力", "unit": "kWh", "flow": "产出"}, "accounting.input.flow_not_allowed", "flow", "产出"),
        ({"industry": "钢贴"}, "accounting.input.unknown_industry", "industry", "钢贴"),
        ({"region": "999999"}, "accounting.input.unknown_region", "region", "999999"),
        ({"region": ""}, "accounting.input.missing_value", "region", "empty"),
        ({"ncv": 20, "ncv_unit": "kWh"}, "accounting.input.parameter_unit", "ncv_unit", "kWh"),
        ({"ncv": -1, "ncv_unit": "GJ/t"}, "accounting.input.parameter_range", "ncv", "-1"),
        ({"oxidation_rate": 98}, "accounting.input.parameter_range", "oxidation_rate", "98"),
        ({"oxidation_rate": "x%"}, "accounting.input.not_a_number", "oxidation_rate", "x%"),
        ({"item": "电力", "unit": "kWh", "flow": "外购", "ncv": 3.6, "ncv_unit": "MJ/kWh"},
         "accounting.input.parameter_not_applicable", "ncv", "electricity"),
    ],
)
def test_rule_reports_located_issue(write_rows: WriteRows, bad: dict[str, object], code: str, column: str,
                                    text: str) -> None:
    path = write_rows([GOOD, {**GOOD, **bad}, GOOD | {"facility_id": "F2"}])
    issue = _only(_issues(path), code)
    assert issue.file == path.name
    assert issue.row == 3  # header is row 1; the bad row is the second data row
    assert issue.column == column
    assert text in issue.message + issue.value
    assert issue.message_zh and issue.fix and issue.fix_zh


def test_duplicate_row_names_its_twin(write_rows: WriteRows) -> None:
    issue = _only(_issues(write_rows([GOOD, GOOD])), "accounting.input.duplicate_row")
    assert issue.row == 3 and "row 2" in issue.message


def test_same_item_with_different_measured_ncv_is_not_a_duplicate(write_rows: WriteRows) -> None:
    rows = [{**GOOD, "ncv": 20, "ncv_unit": "GJ/t"}, {**GOOD, "ncv": 22, "ncv_unit": "GJ/t"}]
    run = account(write_rows(rows))
    assert run.totals.count().execute() == 1


def test_inconsistent_enterprise_attributes(write_rows: WriteRows) -> None:
    issue = _only(_issues(write_rows([GOOD, {**GOOD, "facility_id": "F2", "region": "110000"}])),
                  "accounting.input.inconsistent_enterprise")
    assert issue.column == "region" and issue.row == 3


def test_mixed_annual_and_monthly_periods(write_rows: WriteRows) -> None:
    issue = _only(_issues(write_rows([GOOD, {**GOOD, "period": "2024", "item": "焦炭"}])),
                  "accounting.input.mixed_periods")
    assert issue.column == "period"


def test_missing_column(write_rows: WriteRows) -> None:
    header = [h for h in HEADER if h != "flow"]
    issue = _only(_issues(write_rows([GOOD], header=header)), "accounting.input.missing_column")
    assert issue.column == "flow" and "流向" in issue.message_zh


def test_every_error_is_counted_beyond_the_listing(write_rows: WriteRows) -> None:
    rows = [{**GOOD, "quantity": -1, "facility_id": f"F{i}"} for i in range(5)]
    with pytest.raises(ValidationFailed) as raised:
        account(write_rows(rows))
    assert raised.value.total == 5
    assert sorted(i.row or 0 for i in raised.value.issues) == [2, 3, 4, 5, 6]


def test_thousands_separator_and_percent_are_numbers(write_rows: WriteRows) -> None:
    rows = [{**GOOD, "item": "烟煤", "quantity": "1,000", "oxidation_rate": "93%"}]
    run = account(write_rows(rows))
    assert run.lines.quantity.sum().execute() == 1000


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2024", "2024"), ("2024-01", "2024-01"), ("2024-1", "2024-01"), ("2024/03", "2024-03"),
     ("202403", "2024-03"), ("2024年3月", "2024-03"), ("2024年", "2024"), ("2024-13", None), ("24/03", None),
     ("1899", None), ("", None)],
)
def test_period_spellings(text: str, expected: str | None) -> None:
    assert normalize_period(text) == expected


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        account(tmp_path / "missing.csv")
    (tmp_path / "data.txt").write_text("x")
    with pytest.raises(InputError, match="unsupported file type"):
        account(tmp_path / "data.txt")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="xlsx"):
        account(tmp_path / "broken.xlsx")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 nonsense")
    with pytest.raises(InputError, match="Parquet"):
        account(tmp_path / "broken.parquet")


def test_gb18030_csv_from_chinese_excel(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    lines = [",".join(["企业编号", "行业", "地区", "设施编号", "期间", "品种", "数量", "单位", "流向"]),
             ",".join(["E1", "水泥", "江苏", "F1", "2024-01", "原煤", "100", "吨", "消耗"])]
    path.write_bytes("\n".join(lines).encode("gb18030"))
    run = account(path)
    assert run.totals.energy_tce.sum().execute() == pytest.approx(71.43)


# --- names users write (issue #12 item 5) ------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "standard", "category", "expected"),
    [
        # worked example B9 (see test_reference_examples): 1000 t net anode × (1 − 2 % − 0.4 %) × 44/12;
        # 碳阳极 and 炭阳极 name the same material (the two characters are mixed in practice)
        ({"item": "碳阳极", "quantity": 1000, "unit": "t", "flow": "process"}, "炭阳极", "process", 3578.666666667),
        ({"item": "阳极碳块", "quantity": 1000, "unit": "t", "flow": "process"}, "炭阳极", "process", 3578.666666667),
        # worked example B4: 1000 t coke × 28.435 GJ/t × 0.0295 tC/GJ × 0.93 × 44/12 (GB/T 32151.22-2024 表C.1,
        # the general table: a cement works, whose guideline's own table is not encoded)
        ({"item": "焦碳", "quantity": 1000, "unit": "t", "flow": "consumed", "industry": "水泥"}, "焦炭", "combustion",
         2860.418825),
    ],
)
def test_carbon_materials_written_with_either_tan_are_accounted(write_rows: WriteRows, written: dict[str, object],
                                                                standard: str, category: str,
                                                                expected: float) -> None:
    mine = result_document(account(write_rows([{**GOOD, **written}])))["results"][0]["emissions_tco2e"]
    theirs = result_document(account(write_rows([{**GOOD, **written, "item": standard}], name="std.csv")))
    assert mine[category] == pytest.approx(expected, rel=1e-9)
    assert mine == theirs["results"][0]["emissions_tco2e"]


def test_headers_as_energy_managers_write_them(tmp_path: Path) -> None:
    # every header is a synonym, none the template's own; 100 t raw coal × 0.7143 kgce/kg
    # (GB/T 2589-2020 附录A 原煤) = 71.43 tce
    path = tmp_path / "台账.csv"
    header = ["统一社会信用代码", "单位名称", "所属行业", "所在省份", "设施代码", "统计期", "能源品种名称", "消耗量",
              "计量单位", "用途类别", "低位热值", "热值单位"]
    row = ["91320500MA1XXXXX0A", "示例水泥有限公司", "水泥", "江苏", "窑1", "2024年3月", "原煤", "100", "吨", "消耗", "", ""]
    path.write_text("\n".join(",".join(r) for r in (header, row)), encoding="utf-8")
    run = account(path)
    assert run.totals.energy_tce.sum().execute() == pytest.approx(71.43)


@pytest.mark.parametrize(
    ("header", "column"),
    [("单位名称", "enterprise_name"), ("单位", "unit"), ("企业代码", "enterprise_id"), ("设施代码", "facility_id"),
     ("物料名称", "item"), ("用量", "quantity"), ("统计期", "period"), ("计量单位", "unit"),
     ("数量（吨）", "quantity"), ("Company Name", "enterprise_name")],
)
def test_header_synonyms(header: str, column: str) -> None:
    assert canonical_column(header) == column


def test_every_header_spelling_names_one_column() -> None:
    for column in COLUMNS:
        for spelling in (column.name, column.header_zh, LABELS_EN[column.name], *column.aliases):
            assert canonical_column(spelling) == column.name, spelling


def test_two_headers_for_one_column_is_a_located_error(write_rows: WriteRows) -> None:
    # two of the template's own headers (its English name and its Chinese header) for one column
    header = [*HEADER, "数量"]
    issue = _only(_issues(write_rows([GOOD], header=header)), "accounting.input.duplicate_column")
    assert (issue.file, issue.row, issue.column, issue.header) == ("activity.csv", 1, "quantity", "数量")
    assert issue.cell == f"{column_letter(len(header))}1"  # the second of the two headers
    assert '"quantity"' in issue.message and '"数量"' in issue.message
    assert "“数量”" in issue.message_zh and issue.fix and issue.fix_zh


def test_two_synonyms_without_the_template_header_are_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    header = ["企业编号", "行业", "地区", "设施编号", "期间", "品种", "消耗量", "用量", "单位", "流向"]
    path.write_text("\n".join(",".join(r) for r in (header, ["E1", "水泥", "江苏", "F1", "2024-01", "原煤", "100",
                                                              "90", "吨", "消耗"])), encoding="utf-8")
    issue = _only(_issues(path), "accounting.input.duplicate_column")
    assert (issue.row, issue.column, issue.header, issue.cell) == (1, "quantity", "用量", "H1")
    assert '"消耗量"' in issue.message and '"用量"' in issue.message


def test_the_template_header_wins_over_a_synonym(tmp_path: Path) -> None:
    """A file with 设施编号 and a 生产线 column (a description of the line), or 数量 and 消耗量: the
    template's own header names the column and the synonym is ignored like any extra column, as
    it was before synonyms were recognised (100 t raw coal × 0.7143 kgce/kg, GB/T 2589-2020 附录A)."""
    path = tmp_path / "台账.csv"
    header = ["企业编号", "统一社会信用代码", "行业", "地区", "设施编号", "生产线", "期间", "月份", "品种", "数量",
              "消耗量", "单位", "流向", "用途"]
    row = ["E1", "91320500MA1XXXXX0A", "水泥", "江苏", "F1", "1号线", "2024-01", "1月", "原煤", "100", "999",
           "吨", "消耗", "生产"]
    path.write_text("\n".join(",".join(r) for r in (header, row)), encoding="utf-8")
    run = account(path)
    assert run.totals.energy_tce.sum().execute() == pytest.approx(71.43)
    assert run.totals.facility_id.execute().tolist() == ["F1"]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("烟媒", "烟煤"),  # yan mei: an input-method slip; no suggestion before pinyin
     ("天燃气", "天然气"),  # tian ran qi
     ("柴由", "柴油"), ("气油", "汽油"), ("交炭", "焦炭"),
     ("tianranqi", "天然气")],  # pinyin typed in Latin letters
)
def test_did_you_mean_by_pronunciation(write_rows: WriteRows, typo: str, meant: str) -> None:
    issue = _only(_issues(write_rows([GOOD, {**GOOD, "item": typo, "facility_id": "F2"}])),
                  "accounting.input.unknown_item")
    assert issue.row == 3 and issue.column == "item" and issue.value == typo
    assert issue.message == f'unknown item "{typo}"; did you mean "{meant}"?'
    assert issue.message_zh == f"无法识别的品种“{typo}”；您是否要填写“{meant}”？"
    assert "Item list" in issue.fix and "品种目录" in issue.fix_zh


def test_template_instructions_list_the_accepted_synonyms(tmp_path: Path) -> None:
    write_template(tmp_path / "模板.xlsx", lang="zh")
    sheet = openpyxl.load_workbook(tmp_path / "模板.xlsx")["说明"]
    also = {row[0]: row[5] for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert "单位名称" in also["企业名称"].split("、") and "设施代码" in also["设施编号"].split("、")



def test_the_detailed_check_keeps_its_tables_to_its_connection() -> None:
    """The platform checks uploads in worker threads, each on its own connection to one in-memory
    database: an input with a header problem (a column given twice) goes straight to the detailed
    check, whose tables and views must be the connection's own (they were the database's: two
    uploads checked at once saw each other's rows or failed on a write-write conflict)."""
    import pyarrow as pa

    from greenmfg.accounting import account_table
    from greenmfg.accounting.service import _shared_database

    from ..conftest import BASE, HEADER

    row = {**BASE, "item": "原煤", "quantity": "abc", "unit": "吨", "flow": "消耗"}
    ncv_zh = next(c.header_zh for c in COLUMNS if c.name == "ncv")
    table = pa.table({**{h: [str(row.get(h) or "")] for h in HEADER}, ncv_zh: ["1"]})  # ncv twice
    with pytest.raises(ValidationFailed) as raised:
        account_table(table)
    assert {i.code for i in raised.value.issues} == {"accounting.input.duplicate_column",
                                                     "accounting.input.not_a_number"}
    other = _shared_database().cursor()   # another upload's connection
    shared = {r[0] for r in other.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'greenmfg_%'").fetchall()}
    assert not shared & {"greenmfg_joined", "greenmfg_checked"}
