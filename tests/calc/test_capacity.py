"""The calculator against worked examples computed by hand from the cited ratios.

WE-14 and WE-15 are the reference pack's worked examples (frameworks/worked_examples.csv, derived
from the measures as reported at lygmedia.com 2021-05-07 and cabos.cn 2021-07-21): a new
1,000,000 t/a ironmaking capacity retires 1,500,000 t/a in a key region, 1,250,000 t/a elsewhere,
1,250,000 t/a in a key region with merger capacity and 1,000,000 t/a EAF-for-EAF; a new
2,000,000 t/a clinker line retires 4,000,000 / 3,000,000 / 4,000,000 t/a (key, other,
cross-province or restricted category).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmfg.calc.capacity import (
    PROCESSES,
    CapacityRuleError,
    Cited,
    Measure,
    Project,
    RegionSet,
    Requirement,
    Rule,
    city_key,
    measures_in_force,
    region_match,
    required_retirement,
)
from greenmfg.capacity.rules import RuleBook, load_rulebook

D = Decimal


@pytest.fixture(scope="session")
def book() -> RuleBook:
    """The rule book of the installed reference library."""
    return load_rulebook()


def project(process: str = "ironmaking", capacity: int | str = 1_000_000, *, province: str = "130000",
            city: str | None = "唐山", on: str = "2023-05-01", unit: str = "t/a", **flags: Any) -> Project:
    """A project with defaults: 1,000,000 t/a of ironmaking in 唐山 on 2023-05-01."""
    return Project(sector=PROCESSES[process], process=process, capacity=Decimal(str(capacity)), unit=unit,
                   province=province, city=city, on=dt.date.fromisoformat(on), **flags)


def apply(book: RuleBook, item: Project) -> Requirement:
    return required_retirement(item, book.measures, book.regions)


@pytest.mark.parametrize(("label", "kwargs", "ratio", "required", "rule"), [
    # WE-14: steel, 1,000,000 t/a
    ("key region (唐山, 2+26)", {}, "1.5", 1_500_000, "ironmaking.standard.key_region"),
    ("other region (柳州)", {"province": "450000", "city": "柳州"}, "1.25", 1_250_000, "ironmaking.standard.other_region"),
    ("key region, merger", {"merger": True}, "1.25", 1_250_000, "ironmaking.merger.key_region"),
    ("other region, merger", {"province": "450000", "city": "柳州", "merger": True}, "1.1", 1_100_000,
     "ironmaking.merger.other_region"),
    ("EAF for EAF in a key region", {"process": "steelmaking", "cases": frozenset({"eaf_for_eaf"})}, "1", 1_000_000,
     "steelmaking.eaf_for_eaf.any"),
    # WE-15: cement clinker, 2,000,000 t/a
    ("clinker, key region (苏州, 长三角)", {"process": "clinker", "capacity": 2_000_000, "province": "320000",
                                         "city": "苏州"}, "2", 4_000_000, "clinker.standard.key_region"),
    ("clinker, other region", {"process": "clinker", "capacity": 2_000_000, "province": "450000", "city": "柳州"},
     "1.5", 3_000_000, "clinker.standard.other_region"),
    ("clinker, other region, cross-province", {"process": "clinker", "capacity": 2_000_000, "province": "450000",
                                               "city": "柳州", "cross_province": True}, "2", 4_000_000,
     "clinker.standard.other_region"),
    ("clinker, other region, restricted category", {"process": "clinker", "capacity": 2_000_000,
                                                    "province": "450000", "city": "柳州",
                                                    "restricted_category": True}, "2", 4_000_000,
     "clinker.standard.other_region"),
])
def test_worked_examples(book: RuleBook, label: str, kwargs: dict[str, object], ratio: str, required: int,
                         rule: str) -> None:
    result = apply(book, project(**kwargs))
    assert result.outcome == "required", label
    assert result.ratio == D(ratio), label
    assert result.required_capacity == D(required), label
    assert result.rule is not None and result.rule.key == rule, label
    assert not result.strictly_greater


def test_floors_say_which_rule_raised_the_ratio(book: RuleBook) -> None:
    raised = apply(book, project("clinker", 2_000_000, province="450000", city="柳州", cross_province=True))
    assert raised.floor_rule is not None and raised.floor_rule.key == "clinker.cross_province.any"
    assert any(r.code == "capacity.floor.cross_province" for r in raised.reasons)
    # in a key region the 2:1 floor is already met by the 2:1 ratio
    met = apply(book, project("clinker", 2_000_000, province="320000", city="苏州", cross_province=True))
    assert met.ratio == 2 and met.floor_rule is None
    assert any(r.code == "capacity.floor.cross_province.met" for r in met.reasons)
    # a relief case cannot undercut a floor: phosphogypsum 1:1 in 湖北, but transferred across provinces
    relief = apply(book, project("clinker", 1000, province="420000", city="宜昌", cases=frozenset({"phosphogypsum"})))
    assert relief.ratio == 1
    both = apply(book, project("clinker", 1000, province="420000", city="宜昌", cases=frozenset({"phosphogypsum"}),
                               cross_province=True))
    assert both.ratio == 2 and both.required_capacity == 2000


@pytest.mark.parametrize(("province", "city", "key"), [
    ("130000", "唐山", True),      # 2+26
    ("130000", "唐山市", True),    # the 市 suffix does not matter
    ("130000", "张家口", True),    # 京津冀 as a whole region (not a 2+26 city)
    ("370000", "济南", True),      # a 2+26 city outside 京津冀
    ("370000", "青岛", False),
    ("140000", "临汾", True),      # 汾渭平原
    ("140000", "大同", False),
    ("440000", "广州", True),      # 珠三角
    ("440000", "汕头", False),
    ("340000", "黄山", True),      # 长三角 (all of 安徽, 2018 definition)
    ("110000", None, True),        # a municipality needs no city
    ("500000", None, False),       # 重庆
])
def test_steel_key_region_membership(book: RuleBook, province: str, city: str | None, key: bool) -> None:
    result = apply(book, project(province=province, city=city))
    assert result.region is not None and result.region.key_region is key
    assert result.ratio == (D("1.5") if key else D("1.25"))


def test_cement_and_glass_key_regions_differ_from_steel(book: RuleBook) -> None:
    # 张家口 is in 京津冀 (steel's list) but not among the 2+26 cities (the cement/glass reading)
    assert apply(book, project("clinker", province="130000", city="张家口")).ratio == D("1.5")
    # 珠三角 is named by the steel measure only
    assert apply(book, project("flat_glass", 600, province="440000", city="广州", unit="t/d")).ratio == 1
    glass = apply(book, project("flat_glass", 600, province="130000", city="邢台", unit="t/d"))
    assert glass.ratio == D("1.25") and glass.required_capacity == 750 and glass.project.unit == "t/d"
    # the glass ratios and the cement/glass key-region reading are uncertain: the result says so
    statuses = {w.ref: w.status for w in glass.warnings if w.code == "capacity.rule.unverified"}
    assert statuses["capacity_replacement/cement-glass-2021:flat_glass.standard.key_region.ratio_min"] == "uncertain"
    assert statuses["capacity_replacement/cement-glass-2021:key_region.set.jjj_2p26"] == "uncertain"


def test_exemption_suspension_and_prohibition(book: RuleBook) -> None:
    pv = apply(book, project("pv_rolled_glass", 1000, province="320000", city="苏州", unit="t/d"))
    assert pv.outcome == "exempt" and pv.required_capacity == 0 and pv.satisfied_by(D(0))
    # the day before and the day the suspension of steel replacement takes effect
    assert apply(book, project(on="2024-08-22")).outcome == "required"
    suspended = apply(book, project(on="2024-08-23"))
    assert suspended.outcome == "suspended" and suspended.required_capacity is None
    assert suspended.measure.dataset_id == "capacity_replacement/steel-suspension-2024"
    assert not suspended.satisfied_by(D(10**9))
    # electrolytic aluminium: 减量 in environment-sensitive areas until 2025-03-27, then no new capacity there
    before = apply(book, project("aluminium", 500_000, on="2025-03-27"))
    assert before.outcome == "required" and before.strictly_greater and before.required_capacity == 500_000
    assert not before.satisfied_by(D(500_000)) and before.satisfied_by(D("500000.001"))
    after = apply(book, project("aluminium", 500_000, on="2025-03-28"))
    assert after.outcome == "not_permitted" and after.rule is not None
    elsewhere = apply(book, project("aluminium", 500_000, province="450000", city="百色", on="2025-06-01"))
    assert elsewhere.ratio == 1 and not elsewhere.strictly_greater
    assert any(w.status == "recalled" for w in elsewhere.warnings)


def test_qinghai_and_tibet_are_equal_replacement_without_a_claim(book: RuleBook) -> None:
    result = apply(book, project("steelmaking", province="630000", city="西宁"))
    assert result.ratio == 1 and result.rule is not None and result.rule.case == "qinghai_tibet"


def test_cases_that_do_not_apply_are_explained(book: RuleBook) -> None:
    # phosphogypsum outside the known provinces: not applied, with a finding naming the incomplete set
    outside = apply(book, project("clinker", 1000, province="450000", city="柳州", cases=frozenset({"phosphogypsum"})))
    assert outside.ratio == D("1.5")
    finding = next(w for w in outside.warnings if w.code == "capacity.case.outside_region")
    assert "incomplete" in finding.message and "不完整" in finding.message_zh
    # cement has no merger case: the standard ratio applies and the reasons say why
    merger = apply(book, project("clinker", 1000, province="450000", city="柳州", merger=True))
    assert merger.ratio == D("1.5")
    assert any(r.code == "capacity.case.merger.not_applicable" for r in merger.reasons)


@pytest.mark.parametrize(("kwargs", "code", "field"), [
    ({"process": "ironmaking", "cases": frozenset({"eaf_for_eaf"})}, "capacity.input.unknown_case", "cases"),
    ({"on": "2021-05-31"}, "capacity.rule.none_in_force", "date"),
    ({"process": "clinker", "on": "2021-07-31"}, "capacity.rule.none_in_force", "date"),
])
def test_no_rule_is_an_error_naming_the_field(book: RuleBook, kwargs: dict[str, object], code: str,
                                              field: str) -> None:
    with pytest.raises(CapacityRuleError) as caught:
        apply(book, project(**kwargs))
    assert caught.value.code == code and caught.value.field == field
    assert caught.value.message and caught.value.message_zh and caught.value.fix_zh


def test_process_of_another_sector_is_refused(book: RuleBook) -> None:
    from dataclasses import replace

    with pytest.raises(CapacityRuleError, match="belongs to sector 'steel'"):
        apply(book, replace(project(), sector="cement"))


def test_every_unverified_value_used_is_a_warning(book: RuleBook) -> None:
    result = apply(book, project())
    refs = {c.reference for c in result.citations}
    warned = {w.ref for w in result.warnings if w.code == "capacity.rule.unverified"}
    assert warned == {c.reference for c in result.citations if c.needs_warning}
    # the ratio row and the key-region link are secondary; the membership of 唐山 is cited too
    assert "capacity_replacement/steel-2021:ironmaking.standard.key_region.ratio_min" in warned
    assert any(r.startswith("capacity_replacement/regions-2026.1:") for r in refs)
    assert all(w.message_zh for w in result.warnings)


def test_city_key() -> None:
    assert city_key("唐山市") == "唐山" == city_key(" 唐山 ")
    assert city_key("杨凌示范区") == "杨凌"
    assert city_key("沙市") == "沙市"  # too short to drop the suffix


@settings(max_examples=60, deadline=None)
@given(capacity=st.integers(min_value=1, max_value=10**9),
       case=st.sampled_from([({}, "1.5"), ({"merger": True}, "1.25"), ({"province": "450000", "city": "柳州"}, "1.25"),
                             ({"province": "450000", "city": "柳州", "merger": True}, "1.1")]))
def test_required_is_capacity_times_ratio_exactly(capacity: int, case: tuple[dict[str, object], str]) -> None:
    kwargs, ratio = case
    result = apply(load_rulebook(), project(capacity=capacity, **kwargs))
    assert result.required_capacity == D(capacity) * D(ratio)
    assert result.satisfied_by(result.required_capacity)
    assert not result.satisfied_by(result.required_capacity - D("0.001"))


def test_the_best_attested_and_most_specific_membership_is_reported(book: RuleBook) -> None:
    # 唐山 is in 京津冀 (the province, definitional) and a 2+26 city (crosschecked): the city row is reported
    tangshan = apply(book, project())
    assert tangshan.region is not None and tangshan.region.region_set == "jjj_2p26"
    assert tangshan.region.member == "130000/唐山"
    zhangjiakou = apply(book, project(city="张家口"))
    assert zhangjiakou.region is not None and zhangjiakou.region.region_set == "jingjinji"
    assert zhangjiakou.region.member == "130000"
    # warnings speak Chinese status names in Chinese
    assert any("“二手来源”" in w.message_zh for w in tangshan.warnings)


# ---------------------------------------------------------------- the steps on a made-up measure

def _cited(reference: str, status: str = "verified", value: float | None = 1.0) -> Cited:
    return Cited(reference, value, "test", status, "", status not in ("verified", "definitional"))


def _measure(dataset_id: str, valid_from: dt.date | None, valid_to: dt.date | None = None, *,
             draft: bool = False, key_region: tuple[tuple[str, Cited], ...] = ()) -> Measure:
    rule = Rule("ironmaking", "standard", "any", ratio_min=_cited(f"{dataset_id}:ratio", value=1.5))
    return Measure(dataset_id, dataset_id, dataset_id, "", valid_from, valid_to, draft, key_region, (rule,))


def test_measures_in_force_by_validity_oldest_first() -> None:
    old = _measure("old", dt.date(2018, 1, 1), dt.date(2020, 12, 31))
    new = _measure("new", dt.date(2021, 6, 1))
    open_ended = _measure("open", None)
    draft = _measure("draft", dt.date(2019, 1, 1), draft=True)
    measures = [new, draft, open_ended, old]
    assert [m.dataset_id for m in measures_in_force(measures, "ironmaking", dt.date(2020, 12, 31))] == ["open", "old"]
    assert [m.dataset_id for m in measures_in_force(measures, "ironmaking", dt.date(2021, 6, 1))] == ["open", "new"]
    assert measures_in_force(measures, "clinker", dt.date(2021, 6, 1)) == []


def test_region_match_reports_the_best_attested_set() -> None:
    regions = {
        "province_set": RegionSet("province_set", {"130000": _cited("r:p", "secondary")}),
        "city_set": RegionSet("city_set", {"130000/唐山": _cited("r:c", "verified"),
                                           "140000/临汾": _cited("r:l", "not_found", None)}),
    }
    links = (("province_set", _cited("m:p")), ("city_set", _cited("m:c")))
    measure = _measure("m", None, key_region=links)
    # both sets hold 唐山: the verified city row beats the secondary province row
    tangshan = region_match(measure, regions, "130000", "唐山市")
    assert (tangshan.key_region, tangshan.region_set, tangshan.member) == (True, "city_set", "130000/唐山")
    assert [c.reference for c in tangshan.citations] == ["m:c", "r:c"]
    # a member known to exist but not found is no evidence of membership
    linfen = region_match(measure, regions, "140000", "临汾")
    assert (linfen.key_region, linfen.region_set, linfen.member) == (False, None, None)
    assert [c.reference for c in linfen.citations] == ["m:p", "m:c"]
    with pytest.raises(CapacityRuleError) as caught:
        region_match(_measure("m", None, key_region=(("nowhere", _cited("m:n")),)), regions, "130000", None)
    assert caught.value.code == "capacity.rule.unknown_region_set" and "nowhere" in caught.value.message_zh
