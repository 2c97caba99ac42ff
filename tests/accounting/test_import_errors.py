"""Import errors for factory staff: each names the cell and the column as the file headed it, and
says the problem and the fix in plain words, in Chinese and English (issue #15, item 3).

One workbook with Chinese headers (synonyms of the template's: 统一社会信用代码, 能源品种, 实物量,
计量单位) and five kinds of mistakes is accounted once per module; a file of another enterprise is
one error, however many rows it has.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient

from greenmfg.accounting.reader import InputFile
from greenmfg.accounting.service import account
from greenmfg.accounting.store import CheckedUpload, check_upload
from greenmfg.errors import Finding, ValidationFailed
from greenmfg.orgs.models import Organisation
from tests.factories import PageSession, World, page_text

HEADER = ["统一社会信用代码", "企业名称", "行业", "地区", "设施编号", "期间", "能源品种", "实物量", "计量单位", "流向"]
BASE = ["E-STEEL", "唐山示例钢铁有限公司", "钢铁", "130000", "E-STEEL-F1"]
ROWS = [
    [*BASE, "2024-01", "焦炭", "1000", "吨", "消耗"],            # row 2: fine
    [*BASE, "2024-01", "原煤", "100", "kWh", "消耗"],            # row 3: an energy unit for coal
    [*BASE, "2024-01", "烟媒", "50", "吨", "消耗"],              # row 4: 烟煤 mistyped (same pinyin)
    [*BASE, "2024-01", "电力", "120", "万千瓦时", "产出"],        # row 5: electricity is not produced here
    [*BASE, "2024-01", "天然气", "约30", "万立方米", "消耗"],      # row 6: not a number
    [*BASE, "2024-13", "柴油", "2", "吨", "消耗"],               # row 7: no 13th month
]
SHEET = "活动数据"

#: (cell, header, code, Chinese message, Chinese fix, English message, English fix) of each mistake
EXPECTED = [
    ("I3", "计量单位", "accounting.input.unit_mismatch",
     "单位“kWh”表示能量，而原煤需要质量单位", "请使用质量单位，如 t、kg、吨、万吨",
     'the unit "kWh" measures energy, but raw coal needs a unit of mass', "use a unit of mass such as t, kg, 10^4 t"),
    ("G4", "能源品种", "accounting.input.unknown_item",
     "无法识别的品种“烟媒”；您是否要填写“烟煤”？", "请填写品种目录中的中文或英文名称（见“品种目录”页面，或空白模板的“选项”工作表）",
     'unknown item "烟媒"; did you mean "烟煤"?',
     "write the item's Chinese or English name as the item list gives it (the Item list page, or the lists sheet "
     "of the blank template)"),
    ("J5", "流向", "accounting.input.flow_not_allowed",
     "电力不能使用流向“产出”", "电力可用的流向：消耗、外购、输出",
     'electricity cannot have the flow "产出"', "for electricity use one of: consumed, purchased, exported"),
    ("H6", "实物量", "accounting.input.not_a_number",
     "“实物量”中的“约30”不是数字", "请填写数字，如 1200.5（不含单位或文字）",
     '"约30" under "实物量" is not a number', "write a plain number such as 1200.5 (no units or text)"),
    ("F7", "期间", "accounting.input.bad_period",
     "期间“2024-13”格式不正确", "请写成 2024（年度）或 2024-03（月度）",
     'period "2024-13" is neither a year nor a month', "write the period as 2024 (a year) or 2024-03 (a month)"),
]
#: what a factory's staff should never read: unit-library dimensions, powers, snake_case codes, commands
DEVELOPER_TEXT = re.compile(r"\[mass\]|\[length\]|\*\*|\b[a-z0-9]+_[a-z0-9_]+\b|greenmfg |`")


def workbook(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    for row in (header, *rows):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in (HEADER, *rows)).encode("utf-8")


@pytest.fixture(scope="module")
def found() -> list[Finding]:
    with pytest.raises(ValidationFailed) as failed:
        account(InputFile("台账.xlsx", workbook(ROWS)))
    assert failed.value.total == len(EXPECTED)
    return failed.value.issues


def test_each_error_names_the_cell_and_the_column_as_the_file_headed_it(found: list[Finding]) -> None:
    assert [(i.sheet, i.cell, i.header, i.code) for i in found] == [
        (SHEET, cell, header, code) for cell, header, code, *_ in EXPECTED]
    assert [i.column for i in found] == ["unit", "item", "flow", "quantity", "period"]  # the field, for programs


def test_each_error_says_the_problem_and_the_fix_in_chinese_and_english(found: list[Finding]) -> None:
    for issue, (cell, _header, _code, message_zh, fix_zh, message, fix) in zip(found, EXPECTED, strict=True):
        assert (issue.message_zh, issue.fix_zh) == (message_zh, fix_zh), cell
        assert (issue.message, issue.fix) == (message, fix), cell


def test_no_message_speaks_to_developers(found: list[Finding]) -> None:
    for issue in found:
        for text in (issue.message, issue.fix, issue.message_zh, issue.fix_zh):
            assert not DEVELOPER_TEXT.search(text), text


def test_the_command_line_names_sheet_cell_and_column(found: list[Finding]) -> None:
    assert found[1].location() == "台账.xlsx, sheet 活动数据, cell G4, column 能源品种 (item)"


def test_a_csv_file_is_located_by_row_and_column_letter() -> None:
    with pytest.raises(ValidationFailed) as failed:
        account(InputFile("台账.csv", csv_file(ROWS[:3])))
    issue = next(i for i in failed.value.issues if i.code == "accounting.input.unknown_item")
    assert (issue.sheet, issue.row, issue.cell, issue.header) == ("", 4, "G4", "能源品种")
    assert issue.location() == "台账.csv, row 4, column G 能源品种 (item)"
    assert issue.as_dict()["cell"] == "G4" and issue.as_dict()["header"] == "能源品种"


def test_a_missing_column_is_named_in_words() -> None:
    header = [h for h in HEADER if h != "计量单位"]
    rows = [r[:8] + r[9:] for r in ROWS[:1]]
    with pytest.raises(ValidationFailed) as failed:
        account(InputFile("台账.xlsx", workbook(rows, header)))
    (issue,) = failed.value.issues
    assert (issue.code, issue.row, issue.column, issue.header) == ("accounting.input.missing_column", 1, "unit", "单位")
    assert issue.message_zh == "缺少必填列“单位”" and issue.message == 'the required column "单位" (Unit) is missing'
    assert not DEVELOPER_TEXT.search(issue.fix + issue.fix_zh)


def _check(code: str, content: bytes, name: str = "台账.xlsx") -> CheckedUpload:
    enterprise = Organisation(kind="enterprise", code=code, name="苏州示例水泥有限公司")
    return check_upload(enterprise, filename=name, content_type="", content=content, max_bytes=10_000_000)


def test_a_file_of_another_enterprise_is_one_error() -> None:
    # 72 rows of the steel works uploaded for the cement works: one error, before any other check
    rows = [[*BASE, f"2024-{month:02d}", item, "10", "吨", "消耗"]
            for month in range(1, 13) for item in ("焦炭", "原煤", "烟煤", "柴油", "汽油", "烟媒")]
    checked = _check("E-CEMENT", workbook(rows))
    assert checked.total_issues == 1 and checked.accounted is None
    (issue,) = checked.issues
    assert (issue.code, issue.sheet, issue.cell, issue.header, issue.value) == (
        "platform.import.other_enterprise", SHEET, "A2", "统一社会信用代码", "E-STEEL")
    assert issue.message_zh == ("本文件是其他企业的数据：全部 72 行的“统一社会信用代码”为“E-STEEL”（唐山示例钢铁有限公司），"
                                "而当前导入的企业是苏州示例水泥有限公司（“统一社会信用代码”为“E-CEMENT”）；未导入任何数据")
    assert issue.message.startswith('this file holds the data of another enterprise: its 72 rows have "统一社会信用代码"')
    assert "苏州示例水泥有限公司" in issue.fix and "“E-CEMENT”" in issue.fix_zh


def test_rows_of_other_enterprises_among_ones_own_are_one_error_per_enterprise() -> None:
    rows = [[*BASE, "2024-01", "焦炭", "1", "吨", "消耗"], ["E-GLASS", "", *BASE[2:], "2024-01", "焦炭", "1", "吨", "消耗"],
            [*BASE, "2024-02", "焦炭", "1", "吨", "消耗"], ["E-GLASS", "", *BASE[2:], "2024-02", "焦炭", "1", "吨", "消耗"]]
    checked = _check("E-CEMENT", csv_file([["E-CEMENT", *r[1:]] if r[0] == "E-STEEL" else r for r in rows]), "a.csv")
    (issue,) = checked.issues
    assert (issue.row, issue.cell, issue.value) == (3, "A3", "E-GLASS")
    assert issue.message_zh.startswith("有 2 行（第一行为第 3 行）的“统一社会信用代码”为“E-GLASS”，")


def test_the_error_page_shows_cells_headers_and_the_item_list_link(client: TestClient, world: World) -> None:
    steel = PageSession(client, "steel")
    location = steel.upload(world.org("steel"), workbook(ROWS), name="台账.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            ).headers["location"]
    page = steel.get(location)
    text = page_text(page)
    for cell, header, _code, message_zh, fix_zh, *_ in EXPECTED:
        assert f"单元格 {cell}" in text and header in text and message_zh in text and fix_zh in text
    assert 'href="/reference/items?q=%E7%83%9F%E5%AA%92"' in page.text and "在品种目录中查找" in text
    assert "accounting.input" not in text and "[mass]" not in text
    steel.language("en")
    text = page_text(steel.get(location))
    for cell, _header, _code, _mz, _fz, message, fix in EXPECTED:
        assert f"Cell {cell}" in text and message in text and fix in text
    assert "Look it up in the item list" in text


def test_a_finding_across_rows_names_its_cell_on_its_sheet_too() -> None:
    with pytest.raises(ValidationFailed) as failed:
        account(InputFile("台账.xlsx", workbook([ROWS[0], ROWS[0]])))
    (issue,) = failed.value.issues
    assert (issue.code, issue.sheet, issue.cell, issue.header) == (
        "accounting.input.duplicate_row", SHEET, "G3", "能源品种")
    assert issue.message_zh == "重复行：与第 2 行的企业、设施、期间、品种、流向和实测参数相同"


def test_a_measured_value_without_its_unit_says_which_unit_is_needed() -> None:
    header = [*HEADER, "实测低位发热量", "发热量单位"]
    with pytest.raises(ValidationFailed) as failed:
        account(InputFile("台账.xlsx", workbook([[*ROWS[0][:6], "原煤", "100", "吨", "消耗", "21", ""]], header)))
    (issue,) = failed.value.issues
    assert (issue.code, issue.cell, issue.header) == ("accounting.input.parameter_unit", "L2", "发热量单位")
    assert issue.message_zh == "填写了“实测低位发热量”，但其单位为空"
    assert issue.fix_zh == "请填写单位质量的热量单位，如 GJ/t、MJ/kg、kJ/kg"
