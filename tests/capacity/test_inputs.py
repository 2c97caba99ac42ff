"""Bad input for every field of the calculator and of a plan: one located issue each, in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from greenmfg.capacity.inputs import parse_plan, parse_project
from greenmfg.errors import ValidationFailed

GOOD = {"sector": "steel", "process": "ironmaking", "capacity": 1000000, "unit": "t/a", "province": "130000",
        "city": "唐山", "date": "2023-05-01"}
ITEM = {"facility_code": "BF-1", "capacity": 1500000, "unit": "t/a", "province": "130000", "city": "唐山",
        "retirement_date": "2024-12-31", "evidence": "拆除验收意见"}
PLAN = {"enterprise_id": 1, "project_name": "2号高炉", **{k: v for k, v in GOOD.items() if k != "date"},
        "application_date": "2023-05-01", "commissioning_date": "2025-06-30", "retired_items": [ITEM]}


def _issues(parse: Any, data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse(data)
    issues = caught.value.issues
    assert caught.value.total == len(issues)
    for issue in issues:
        assert issue.column and issue.message.startswith(issue.column) and issue.message_zh and issue.fix_zh
        assert issue.column in issue.message_zh  # the Chinese message names the field too
    return {i.column: i.code for i in issues}


def test_good_input_reads() -> None:
    project = parse_project({**GOOD, "sector": "钢铁", "process": "炼铁", "province": "河北", "city": "唐山市",
                             "capacity": "1,000,000", "unit": "吨/年", "merger": "on", "cases": "in_site_upgrade"})
    assert (project.sector, project.process, project.province, project.city, project.unit) == (
        "steel", "ironmaking", "130000", "唐山", "t/a")
    assert project.capacity == 1_000_000 and project.merger and project.cases == {"in_site_upgrade"}
    plan = parse_plan(PLAN)
    assert plan.retired[0].enterprise_id == 1 and plan.retired[0].process == "ironmaking"
    assert parse_project({**GOOD, "province": "北京", "city": None}).city is None


@pytest.mark.parametrize(("field", "value", "code"), [
    ("sector", None, "capacity.input.missing"),
    ("sector", "chemicals", "capacity.input.unknown_sector"),
    ("sector", "stel", "capacity.input.unknown_sector"),
    ("process", None, "capacity.input.missing"),
    ("process", "smelting", "capacity.input.unknown_process"),
    ("process", "clinker", "capacity.input.process_sector_mismatch"),
    ("capacity", None, "capacity.input.missing"),
    ("capacity", "abc", "capacity.input.not_number"),
    ("capacity", "nan", "capacity.input.not_number"),
    ("capacity", True, "capacity.input.not_number"),
    ("capacity", [1], "capacity.input.not_number"),
    ("capacity", 0, "capacity.input.not_positive"),
    ("capacity", -5, "capacity.input.not_positive"),
    ("capacity", "1e12", "capacity.input.out_of_range"),
    ("capacity", "1.0001", "capacity.input.out_of_range"),
    ("unit", None, "capacity.input.missing"),
    ("unit", "t/d", "capacity.input.bad_unit"),      # steel is counted per year
    ("unit", "kg", "capacity.input.bad_unit"),
    ("province", None, "capacity.input.missing"),
    ("province", "火星", "capacity.input.unknown_province"),
    ("city", None, "capacity.input.city_required"),
    ("city", "唐" * 65, "capacity.input.too_long"),
    ("city", 12, "capacity.input.not_text"),
    ("date", None, "capacity.input.missing"),
    ("date", "2023-13-01", "capacity.input.bad_date"),
    ("date", "1999-12-31", "capacity.input.date_out_of_range"),
    ("merger", "maybe", "capacity.input.not_boolean"),
    ("cross_province", "2", "capacity.input.not_boolean"),
    ("restricted_category", "perhaps", "capacity.input.not_boolean"),
    ("cases", [1, 2], "capacity.input.bad_cases"),
])
def test_every_calculator_field_is_checked(field: str, value: object, code: str) -> None:
    assert _issues(parse_project, {**GOOD, field: value}) == {field: code}


@pytest.mark.parametrize(("field", "value", "code"), [
    ("enterprise_id", None, "capacity.input.missing"),
    ("enterprise_id", "abc", "capacity.input.not_integer"),
    ("enterprise_id", 0, "capacity.input.not_integer"),
    ("enterprise_id", 1.5, "capacity.input.not_integer"),
    ("project_name", None, "capacity.input.missing"),
    ("project_name", "x" * 201, "capacity.input.too_long"),
    ("application_date", "yesterday", "capacity.input.bad_date"),
    ("commissioning_date", None, "capacity.input.missing"),
    ("retired_items", None, "capacity.plan.no_retired_capacity"),
    ("retired_items", [], "capacity.plan.no_retired_capacity"),
    ("retired_items", [ITEM] * 51, "capacity.plan.too_many_items"),
])
def test_every_plan_field_is_checked(field: str, value: object, code: str) -> None:
    assert _issues(parse_plan, {**PLAN, field: value}) == {field: code}


@pytest.mark.parametrize(("field", "value", "code"), [
    ("enterprise_id", "x", "capacity.input.not_integer"),
    ("facility_code", None, "capacity.input.missing"),
    ("facility_code", "x" * 65, "capacity.input.too_long"),
    ("facility_name", "x" * 201, "capacity.input.too_long"),
    ("process", "steelmaking", "capacity.retired.process_mismatch"),
    ("process", "clinker", "capacity.input.process_sector_mismatch"),
    ("capacity", "-1", "capacity.input.not_positive"),
    ("capacity", None, "capacity.input.missing"),
    ("unit", "t/d", "capacity.input.bad_unit"),
    ("province", "Atlantis", "capacity.input.unknown_province"),
    ("city", None, "capacity.input.city_required"),
    ("retirement_date", "31/12/2024", "capacity.input.bad_date"),
    ("retirement_date", "2025-07-01", "capacity.retired.retired_after_commissioning"),
    ("evidence", None, "capacity.input.missing"),
    ("evidence", "x" * 2001, "capacity.input.too_long"),
])
def test_every_retired_item_field_is_checked(field: str, value: object, code: str) -> None:
    item = {**ITEM, field: value}
    found = _issues(parse_plan, {**PLAN, "retired_items": [ITEM | {"facility_code": "BF-9"}, item]})
    assert found == {f"retired_items[1].{field}": code}


def test_unit_mismatch_between_plan_and_item() -> None:
    plan = {**PLAN, "sector": "cement", "process": "clinker", "unit": "t/d",
            "retired_items": [{**ITEM, "unit": "t/a"}]}
    assert _issues(parse_plan, plan) == {"retired_items[0].unit": "capacity.retired.unit_mismatch"}


def test_the_same_equipment_twice_is_refused_whatever_its_spelling() -> None:
    plan = {**PLAN, "retired_items": [ITEM, {**ITEM, "facility_code": "ｂｆ 1"}]}
    assert _issues(parse_plan, plan) == {"retired_items[1].facility_code": "capacity.retired.duplicate"}


def test_an_item_that_is_not_an_object() -> None:
    assert _issues(parse_plan, {**PLAN, "retired_items": ["BF-1"]}) == {"retired_items[0]": "capacity.input.not_object"}


def test_chinese_messages_name_the_item_and_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_plan({**PLAN, "retired_items": [{**ITEM, "capacity": "abc"}]})
    assert caught.value.issues[0].message_zh.startswith("退出产能第1项的产能（retired_items[0].capacity）")


def test_dates_out_of_order() -> None:
    # production planned before the application, and so before the capacity is retired
    assert _issues(parse_plan, {**PLAN, "commissioning_date": "2023-04-30"}) == {
        "commissioning_date": "capacity.plan.dates_out_of_order",
        "retired_items[0].retirement_date": "capacity.retired.retired_after_commissioning"}
