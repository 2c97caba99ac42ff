"""Capacity replacement (产能置换): the capacity a new project must retire.

Pure functions over rules handed in by the caller (:mod:`greenmfg.capacity.rules` builds them
from the cited ``capacity_replacement`` datasets). No I/O, no database.

Formula
-------
required retired capacity [t/a or t/d] = new capacity [same unit] × r, with r the replacement
ratio (retired : new, dimensionless) of the measure in force on the project's date:

1. the measure: among the editions whose validity covers the date (drafts never apply), the
   newest one with rules for the process; a suspension in force for the process wins over it;
2. the region class: *key region* when the project's province, or province and city, is a
   member of one of the sets that make up the measure's key region, else *other region*;
3. the base ratio: the lowest ``ratio_min`` of the rules that apply (the ``standard`` rule of
   the region class, the cases the applicant claims, and cases that apply by location, each
   only inside its ``only_in`` sets);
4. floors: ``ratio_floor`` rules of claimed conditions (cement: restricted-category capacity,
   cross-province transfer) raise the ratio to at least the floor, whatever the case;
5. ``strictly_greater`` (减量置换) asks for more than ``capacity × r``, not merely as much.

References
----------
《钢铁行业产能置换实施办法》(2021); 《水泥玻璃行业产能置换实施办法》(2021); MIIT aluminium
policy (2015, 2025): see the datasets' ``source`` column for where each value was read.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from greenmfg import errors
from greenmfg.errors import GreenmfgError

__all__ = [
    "CAPACITY_UNITS",
    "PROCESSES",
    "STATUS_RANK",
    "STATUS_ZH",
    "CapacityRuleError",
    "Cited",
    "Finding",
    "Measure",
    "Project",
    "Reason",
    "RegionMatch",
    "RegionSet",
    "Requirement",
    "Rule",
    "city_key",
    "measures_in_force",
    "region_match",
    "required_retirement",
]

#: process → sector (industry key of the vocabulary). Steel ironmaking and steelmaking are
#: replaced separately (钢铁行业产能置换实施办法: 炼铁、炼钢产能须分别置换).
PROCESSES: Mapping[str, str] = MappingProxyType({
    "ironmaking": "steel",
    "steelmaking": "steel",
    "clinker": "cement",
    "flat_glass": "flat_glass",
    "pv_rolled_glass": "flat_glass",
    "aluminium": "electrolytic_aluminium",
})

#: Capacity units accepted per sector. The measures' texts seen give no unit; annual capacity
#: (t/a) is what the steel 产能核算表 and the pack's worked examples use; clinker and glass lines
#: are also quoted per day (t/d). A plan states all its capacities in one unit: t/a and t/d are
#: never converted into each other (the operating days would be an assumption).
CAPACITY_UNITS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "steel": ("t/a",),
    "cement": ("t/a", "t/d"),
    "flat_glass": ("t/d", "t/a"),
    "electrolytic_aluminium": ("t/a",),
})

#: Verification statuses from most to least trustworthy (for picking the best of two matches).
STATUS_RANK: Mapping[str, int] = MappingProxyType({
    "verified": 0, "definitional": 1, "crosschecked": 2, "secondary": 3, "uncertain": 4, "recalled": 5,
    "not_found": 6,
})

#: Chinese names of the verification statuses (as the pages' badges show them)
STATUS_ZH: Mapping[str, str] = MappingProxyType({
    "verified": "已核验", "definitional": "定义值", "crosschecked": "已交叉核对", "secondary": "二手来源",
    "uncertain": "存疑", "recalled": "凭经验取值", "not_found": "未找到原文",
})

_CITY_SUFFIXES = ("特别行政区", "自治州", "示范区", "新区", "地区", "市", "盟")


class CapacityRuleError(GreenmfgError):
    """No rule can be applied (no measure in force, unknown case, process of another sector).

    ``field`` names the input that is wrong (``process``, ``date``, ``cases`` …).
    """

    code = "capacity.rule"
    field: str
    message = "no capacity-replacement rule applies"
    message_zh = "没有可适用的产能置换规则"

    def __init__(self, code: str, field: str, message: str, message_zh: str, fix: str, fix_zh: str,
                 value: str = "") -> None:
        super().__init__(message, message_zh, code=code, field=field)
        self.fix, self.fix_zh, self.value = fix, fix_zh, value


@dataclass(frozen=True, slots=True)
class Cited:
    """One value of a dataset, with its citation: ``reference`` is ``dataset:key.parameter``."""

    reference: str
    value: float | None
    source: str
    status: str
    notes: str
    #: True when the status is not verified/definitional: results using it carry a warning
    needs_warning: bool


@dataclass(frozen=True, slots=True)
class RegionSet:
    """A named set of provinces (GB/T 2260 code) and cities (``code/城市``)."""

    name: str
    members: Mapping[str, Cited]

    def member(self, province: str, city: str | None) -> str | None:
        """The member covering the location (the province itself first, then ``code/城市``), or None."""
        keys = [province] + ([f"{province}/{city_key(city)}"] if city else [])
        for key in keys:
            found = self.members.get(key)
            if found is not None and found.value is not None:
                return key
        return None

    def match(self, province: str, city: str | None) -> Cited | None:
        """The membership row covering the location, or None."""
        key = self.member(province, city)
        return None if key is None else self.members[key]

    @property
    def incomplete(self) -> bool:
        """Some members are known to exist but were not found (status not_found)."""
        return any(c.value is None for c in self.members.values())


@dataclass(frozen=True, slots=True)
class Rule:
    """The rule ``<process>.<case>.<where>`` of one measure (``where``: key_region, other_region, any)."""

    process: str
    case: str
    where: str
    ratio_min: Cited | None = None
    ratio_floor: Cited | None = None
    not_permitted: Cited | None = None
    strictly_greater: Cited | None = None
    automatic: Cited | None = None
    only_in: tuple[tuple[str, Cited], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.process}.{self.case}.{self.where}"


@dataclass(frozen=True, slots=True)
class Measure:
    """One measure edition: its validity, key-region definition, rules and suspensions."""

    dataset_id: str
    title: str
    title_zh: str
    sha256: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    draft: bool
    key_region: tuple[tuple[str, Cited], ...] = ()
    rules: tuple[Rule, ...] = ()
    #: process → citation of a suspension of all new plans
    suspended: Mapping[str, Cited] = field(default_factory=dict)

    def in_force(self, on: dt.date) -> bool:
        if self.draft:
            return False
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)

    def processes(self) -> set[str]:
        return {r.process for r in self.rules} | set(self.suspended)


@dataclass(frozen=True, slots=True)
class Project:
    """A new project asking for capacity replacement.

    ``capacity`` [``unit``: t/a or t/d]; ``on``: the date whose rules apply (the plan's
    application date); ``cases``: special cases claimed (e.g. ``eaf_for_eaf``).
    """

    sector: str
    process: str
    capacity: Decimal
    unit: str
    province: str
    city: str | None
    on: dt.date
    merger: bool = False
    cases: frozenset[str] = frozenset()
    cross_province: bool = False
    restricted_category: bool = False
    #: the place in words (``河北省唐山市`` / ``Tangshan, Hebei``), bound by the service; codes when empty
    place_zh: str = ""
    place_en: str = ""


@dataclass(frozen=True, slots=True)
class Reason(errors.Finding):
    """One step of the explanation, in English and Chinese, with the references it rests on (an ``info``
    :class:`~greenmfg.errors.Finding`: ``Reason(code, message, message_zh, refs)``)."""

    fix: str = field(default="", kw_only=True)
    fix_zh: str = field(default="", kw_only=True)
    severity: str = field(default="info", kw_only=True)
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding(errors.Finding):
    """A warning on the result (a value that is not verified, a claim that does not apply …): a
    ``warning`` :class:`~greenmfg.errors.Finding` with the reference and status it is about
    (``Finding(code, message, message_zh, ref, status)``)."""

    fix: str = field(default="", kw_only=True)
    fix_zh: str = field(default="", kw_only=True)
    severity: str = field(default="warning", kw_only=True)
    ref: str = ""
    status: str = ""


@dataclass(frozen=True, slots=True)
class RegionMatch:
    """Whether the location is in the measure's key region, and on what evidence."""

    key_region: bool
    region_set: str | None
    member: str | None
    citations: tuple[Cited, ...]


@dataclass(frozen=True)
class Requirement:
    """What the project must retire, the rule applied and why.

    ``outcome``: ``required`` (retire at least ``required_capacity``, or more than it when
    ``strictly_greater``), ``exempt`` (no replacement needed), ``suspended`` (no new plans are
    accepted on this date) or ``not_permitted`` (no new capacity allowed here).
    """

    outcome: str
    project: Project
    measure: Measure
    ratio: Decimal | None
    required_capacity: Decimal | None
    strictly_greater: bool
    rule: Rule | None
    floor_rule: Rule | None
    region: RegionMatch | None
    reasons: tuple[Reason, ...]
    warnings: tuple[Finding, ...]
    citations: tuple[Cited, ...]

    def satisfied_by(self, retired: Decimal) -> bool:
        """True when ``retired`` [same unit] meets the requirement."""
        if self.outcome == "exempt":
            return True
        if self.outcome != "required" or self.required_capacity is None:
            return False
        return retired > self.required_capacity if self.strictly_greater else retired >= self.required_capacity


def city_key(name: str) -> str:
    """The form a city takes in region sets: NFKC, no spaces, administrative suffix dropped (唐山市 → 唐山)."""
    text = unicodedata.normalize("NFKC", name).strip().replace(" ", "")
    for suffix in _CITY_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            return text[: -len(suffix)]
    return text


def measures_in_force(measures: Iterable[Measure], process: str, on: dt.date) -> list[Measure]:
    """Non-draft measures in force on ``on`` with rules or a suspension for ``process``, oldest first."""
    found = [m for m in measures if m.in_force(on) and process in m.processes()]
    return sorted(found, key=lambda m: (m.valid_from or dt.date.min, m.dataset_id))


def _best(matches: Iterable[tuple[str, Cited, Cited, str]]) -> tuple[str, Cited, Cited, str] | None:
    """The best-attested match; on a tie the more specific one (a city rather than a province)."""
    ranked = sorted(matches, key=lambda m: (max(STATUS_RANK.get(m[1].status, 9), STATUS_RANK.get(m[2].status, 9)),
                                            "/" not in m[3], m[0]))
    return ranked[0] if ranked else None


def region_match(measure: Measure, regions: Mapping[str, RegionSet], province: str, city: str | None) -> RegionMatch:
    """Is ``province``/``city`` in ``measure``'s key region?

    The evidence is the set link of the measure and the membership row; when several sets
    match, the best-attested one is reported. Outside the key region, the evidence is every
    set link (their statuses say how sure "not a key region" is).

    Raises
    ------
    CapacityRuleError
        The measure names a set the region dataset lacks (a broken dataset).
    """
    matches: list[tuple[str, Cited, Cited, str]] = []
    for name, link in measure.key_region:
        region = regions.get(name)
        if region is None:
            raise CapacityRuleError("capacity.rule.unknown_region_set", "region",
                                    f"{measure.dataset_id} names region set '{name}', which no region dataset defines",
                                    f"{measure.dataset_id} 引用的区域集合 '{name}' 未定义", "fix the dataset", "修正数据集")
        key = region.member(province, city)
        if key is not None:
            matches.append((name, link, region.members[key], key))
    best = _best(matches)
    if best is None:
        return RegionMatch(False, None, None, tuple(link for _name, link in measure.key_region))
    name, link, member, key = best
    return RegionMatch(True, name, key, (link, member))


def _ratio_text(value: Decimal) -> str:
    return f"{value.normalize():f}:1"


def _case_reason(rule: Rule, ratio: Cited) -> Reason:
    return Reason(f"capacity.case.{rule.case}",
                  f"rule {rule.key}: ratio {_ratio_text(Decimal(str(ratio.value)))} ({ratio.notes})",
                  f"规则 {rule.key}：置换比例 {_ratio_text(Decimal(str(ratio.value)))}（{ratio.notes}）",
                  (ratio.reference,))


def required_retirement(project: Project, measures: Sequence[Measure], regions: Mapping[str, RegionSet]
                        ) -> Requirement:
    """The capacity ``project`` must retire under the measures in force on its date.

    Parameters
    ----------
    project
        The new project: capacity [t/a or t/d], location, date, claimed cases.
    measures
        Every measure edition of the reference library (drafts and expired ones included; they
        are filtered by date here).
    regions
        Region sets by name (key-region definitions and ``only_in`` sets).

    Returns
    -------
    Requirement
        Outcome, ratio r [1], required retired capacity = capacity × r [project unit], the rule
        applied, the region finding, reasons and warnings (one per cited value whose status is
        not verified or definitional).

    Raises
    ------
    CapacityRuleError
        The process is unknown or of another sector, a claimed case does not exist for the
        process, or no measure is in force on the date.

    References
    ----------
    《钢铁行业产能置换实施办法》(2021) 置换比例; 《水泥玻璃行业产能置换实施办法》(2021) 置换比例.
    """
    _check_process(project)
    in_force = _in_force(project, measures)
    trail = _Trail()
    process = project.process
    suspension = next((m for m in reversed(in_force) if process in m.suspended), None)
    ruling = next((m for m in reversed(in_force) if any(r.process == process for r in m.rules)), None)
    if suspension is not None:
        return _suspended(project, suspension, trail)
    assert ruling is not None  # measures_in_force only returns measures with rules or a suspension
    region = region_match(ruling, regions, project.province, project.city)
    trail.citations.extend(region.citations)
    trail.reasons.append(_region_reason(project, ruling, region))
    rules = [r for r in ruling.rules if r.process == process]
    claimed = _claimed_cases(project, ruling, rules, trail)
    applicable = _applicable_rules(project, rules, regions, region, claimed, trail)
    banned = next((r for r in applicable if r.not_permitted is not None), None)
    if banned is not None and banned.not_permitted is not None:
        return _not_permitted(project, ruling, region, banned, banned.not_permitted, trail)
    base, ratio = _base_rule(project, ruling, region, applicable, claimed, trail)
    ratio, floor_rule = _apply_floors(applicable, ratio, trail)
    strict = floor_rule is None and base.strictly_greater is not None
    if strict and base.strictly_greater is not None:
        trail.citations.append(base.strictly_greater)
        trail.reasons.append(_strictly_greater_reason(base, base.strictly_greater, ratio))
    outcome = "exempt" if ratio == 0 else "required"
    required = project.capacity * ratio
    return _result(outcome, project, ruling, ratio, required, strict, base, floor_rule, region, trail.reasons,
                   trail.findings, trail.citations)


# ---------------------------------------------------------------- the steps of required_retirement


@dataclass(slots=True)
class _Trail:
    """What :func:`required_retirement` has gathered so far, in order: reasons, warnings, citations."""

    reasons: list[Reason] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    citations: list[Cited] = field(default_factory=list)


def _check_process(project: Project) -> None:
    """The process is known and belongs to the project's sector, else :class:`CapacityRuleError`."""
    process = project.process
    sector = PROCESSES.get(process)
    if sector is None:
        raise CapacityRuleError(
            "capacity.input.unknown_process", "process", f"unknown process '{process}'", f"未知工序 '{process}'",
            f"use one of {', '.join(PROCESSES)}", f"请使用：{', '.join(PROCESSES)}", process)
    if sector != project.sector:
        allowed = [p for p, s in PROCESSES.items() if s == project.sector]
        raise CapacityRuleError(
            "capacity.input.process_sector_mismatch", "process",
            f"process '{process}' belongs to sector '{sector}', not '{project.sector}'",
            f"工序 '{process}' 属于行业 '{sector}'，而非 '{project.sector}'",
            f"for {project.sector} use {', '.join(allowed) or 'no process'}",
            f"{project.sector} 行业可选工序：{', '.join(allowed) or '无'}", process)


def _in_force(project: Project, measures: Sequence[Measure]) -> list[Measure]:
    """Step 1: the measures in force for the process on the project's date (oldest first), or raise."""
    process = project.process
    in_force = measures_in_force(measures, process, project.on)
    if not in_force:
        editions = sorted({f"{m.dataset_id} ({m.valid_from or '…'} – {m.valid_to or '…'})"
                           for m in measures if process in m.processes() and not m.draft})
        raise CapacityRuleError(
            "capacity.rule.none_in_force", "date",
            f"no capacity-replacement measure for {process} is encoded for {project.on.isoformat()}",
            f"{project.on.isoformat()} 无已收录的{process}产能置换办法",
            f"encoded measures: {'; '.join(editions) or 'none'}", f"已收录的办法：{'；'.join(editions) or '无'}",
            project.on.isoformat())
    return in_force


def _suspended(project: Project, suspension: Measure, trail: _Trail) -> Requirement:
    """Step 1: a suspension in force for the process wins over any rule."""
    process = project.process
    cited = suspension.suspended[process]
    trail.citations.append(cited)
    trail.reasons.append(Reason("capacity.rule.suspended",
                                f"{suspension.title}: new plans for {process} are suspended from "
                                f"{suspension.valid_from} ({cited.notes})",
                                f"{suspension.title_zh}：自 {suspension.valid_from} 起暂停新的产能置换方案（{cited.notes}）",
                                (cited.reference,)))
    return _result("suspended", project, suspension, None, None, False, None, None, None, trail.reasons,
                   trail.findings, trail.citations)


def _region_reason(project: Project, ruling: Measure, region: RegionMatch) -> Reason:
    """Step 2: why the project is in the key region or in the other regions."""
    if region.key_region:
        return Reason("capacity.region.key",
                      f"the project ({_place(project, zh=False)}) is in the measure's key air-pollution region "
                      f"(set {region.region_set})",
                      f"项目所在地（{_place(project)}）属于该办法的大气污染防治重点区域（{region.region_set}）",
                      tuple(c.reference for c in region.citations))
    return Reason("capacity.region.other",
                  f"the project ({_place(project, zh=False)}) is not in the measure's key region "
                  f"({', '.join(n for n, _l in ruling.key_region) or 'none defined'}): other regions apply",
                  f"项目所在地（{_place(project)}）不在该办法的重点区域"
                  f"（{'、'.join(n for n, _l in ruling.key_region) or '未定义'}）内，适用其他地区比例",
                  tuple(c.reference for c in region.citations))


def _claimed_cases(project: Project, ruling: Measure, rules: Sequence[Rule], trail: _Trail) -> set[str]:
    """Step 3: the cases claimed, the flags (merger, cross-province, restricted) among them when the
    measure has a rule for them; an unknown claimed case raises."""
    process = project.process
    known_cases = {r.case for r in rules} - {"standard"}
    unknown = sorted(project.cases - known_cases)
    if unknown:
        raise CapacityRuleError(
            "capacity.input.unknown_case", "cases",
            f"case(s) {', '.join(unknown)} do not exist for {process} in {ruling.dataset_id}",
            f"{ruling.dataset_id} 中{process}没有情形 {', '.join(unknown)}",
            f"choose from: {', '.join(sorted(known_cases)) or 'none'}", f"可选情形：{', '.join(sorted(known_cases)) or '无'}",
            ", ".join(unknown))
    claimed = set(project.cases)
    for flag, name in ((project.merger, "merger"), (project.cross_province, "cross_province"),
                       (project.restricted_category, "restricted_category")):
        if not flag:
            continue
        if name in known_cases:
            claimed.add(name)
        else:
            trail.reasons.append(Reason(f"capacity.case.{name}.not_applicable",
                                        f"'{name}' has no rule of its own for {process} in {ruling.dataset_id}",
                                        f"{ruling.dataset_id} 对{process}没有关于 '{name}' 的专门规定"))
    return claimed


def _applicable_rules(project: Project, rules: Sequence[Rule], regions: Mapping[str, RegionSet],
                      region: RegionMatch, claimed: set[str], trail: _Trail) -> list[Rule]:
    """Step 3: the rules of the region class that apply (standard, claimed or automatic cases),
    each only inside its ``only_in`` sets; a claimed case outside them gives a warning."""
    applicable: list[Rule] = []
    for rule in rules:
        if rule.where != "any" and (rule.where == "key_region") != region.key_region:
            continue
        if rule.case != "standard" and rule.case not in claimed and rule.automatic is None:
            continue
        outside = [(name, c) for name, c in rule.only_in
                   if name not in regions or regions[name].match(project.province, project.city) is None]
        if outside:
            if rule.case in claimed:
                trail.findings.extend(_outside_region(project, rule, regions, outside))
            continue
        trail.citations.extend(c for _n, c in rule.only_in)
        if rule.automatic is not None:
            trail.citations.append(rule.automatic)
        applicable.append(rule)
    return applicable


def _outside_region(project: Project, rule: Rule, regions: Mapping[str, RegionSet],
                    outside: Sequence[tuple[str, Cited]]) -> list[Finding]:
    """The warnings for a claimed case whose ``only_in`` sets do not include the project's location."""
    findings: list[Finding] = []
    for name, c in outside:
        incomplete = name in regions and regions[name].incomplete
        findings.append(Finding(
            "capacity.case.outside_region",
            f"case '{rule.case}' applies only in region set '{name}', which does not include "
            f"{_place(project, zh=False)}{' as far as encoded (the set is incomplete)' if incomplete else ''}; "
            "the case was not applied",
            f"情形 '{rule.case}' 仅适用于区域 '{name}'，不含 {_place(project)}"
            f"{'（已收录名单不完整）' if incomplete else ''}，未予适用", c.reference, c.status))
    return findings


def _not_permitted(project: Project, ruling: Measure, region: RegionMatch, banned: Rule, cited: Cited,
                   trail: _Trail) -> Requirement:
    """An applicable rule permits no new capacity at the location."""
    trail.citations.append(cited)
    trail.reasons.append(Reason("capacity.rule.not_permitted",
                                f"rule {banned.key}: no new capacity is permitted here ({cited.notes})",
                                f"规则 {banned.key}：此处不得新增产能（{cited.notes}）",
                                (cited.reference,)))
    return _result("not_permitted", project, ruling, None, None, False, banned, None, region, trail.reasons,
                   trail.findings, trail.citations)


def _base_rule(project: Project, ruling: Measure, region: RegionMatch, applicable: Sequence[Rule],
               claimed: set[str], trail: _Trail) -> tuple[Rule, Decimal]:
    """Step 3: the rule with the lowest applicable ``ratio_min`` and that ratio; raises when none has one."""
    process = project.process
    bases = [r for r in applicable if r.ratio_min is not None and r.ratio_min.value is not None]
    if not bases:
        raise CapacityRuleError(
            "capacity.rule.none_applicable", "process",
            f"{ruling.dataset_id} has no ratio for {process} in {'key' if region.key_region else 'other'} regions",
            f"{ruling.dataset_id} 未规定{process}在{'重点' if region.key_region else '其他'}地区的置换比例",
            "check the dataset", "请检查数据集")
    # the lowest applicable ratio; on a tie the standard rule (nothing claimed) explains it
    base = min(bases, key=lambda r: (Decimal(str(r.ratio_min.value if r.ratio_min else 0)), r.case != "standard"))
    assert base.ratio_min is not None and base.ratio_min.value is not None
    ratio = Decimal(str(base.ratio_min.value))
    trail.citations.append(base.ratio_min)
    trail.reasons.append(_case_reason(base, base.ratio_min))
    for rule in bases:
        if rule is not base and rule.case in claimed and rule.ratio_min is not None:
            trail.reasons.append(Reason(f"capacity.case.{rule.case}.higher",
                                        f"claimed case '{rule.case}' ({rule.ratio_min.value}:1) is not lower than the ratio applied",
                                        f"所选情形 '{rule.case}'（{rule.ratio_min.value}:1）不低于所适用比例",
                                        (rule.ratio_min.reference,)))
    return base, ratio


def _apply_floors(applicable: Sequence[Rule], ratio: Decimal, trail: _Trail) -> tuple[Decimal, Rule | None]:
    """Step 4: ``ratio_floor`` rules raise the ratio to at least the floor; returns the ratio and the
    floor rule that raised it (None when the base ratio already met every floor)."""
    floor_rule = None
    floors = [r for r in applicable if r.ratio_floor is not None and r.ratio_floor.value is not None]
    for rule in floors:
        assert rule.ratio_floor is not None and rule.ratio_floor.value is not None
        floor = Decimal(str(rule.ratio_floor.value))
        trail.citations.append(rule.ratio_floor)
        if floor > ratio:
            ratio, floor_rule = floor, rule
            trail.reasons.append(Reason(f"capacity.floor.{rule.case}",
                                        f"rule {rule.key}: the ratio is at least {_ratio_text(floor)} whatever the case ({rule.ratio_floor.notes})",
                                        f"规则 {rule.key}：置换比例一律不低于 {_ratio_text(floor)}（{rule.ratio_floor.notes}）",
                                        (rule.ratio_floor.reference,)))
        else:
            trail.reasons.append(Reason(f"capacity.floor.{rule.case}.met",
                                        f"rule {rule.key}: the floor of {_ratio_text(floor)} is already met by the ratio applied",
                                        f"规则 {rule.key}：不低于 {_ratio_text(floor)} 的要求已由所适用比例满足",
                                        (rule.ratio_floor.reference,)))
    return ratio, floor_rule


def _strictly_greater_reason(base: Rule, cited: Cited, ratio: Decimal) -> Reason:
    """Step 5: 减量置换, the retired capacity must exceed capacity × r."""
    return Reason("capacity.rule.strictly_greater",
                  f"rule {base.key}: the retired capacity must exceed {_ratio_text(ratio)} × the new capacity "
                  f"({cited.notes})",
                  f"规则 {base.key}：退出产能须多于新建产能的 {_ratio_text(ratio)}（减量置换）",
                  (cited.reference,))


def _place(project: Project, zh: bool = True) -> str:
    named = project.place_zh if zh else project.place_en
    return named or f"{project.province}{'/' + project.city if project.city else ''}"


def _result(outcome: str, project: Project, measure: Measure, ratio: Decimal | None, required: Decimal | None,
            strict: bool, rule: Rule | None, floor_rule: Rule | None, region: RegionMatch | None,
            reasons: list[Reason], findings: list[Finding], citations: list[Cited]) -> Requirement:
    unique: dict[str, Cited] = {}
    for cited in citations:
        unique.setdefault(cited.reference, cited)
    for cited in unique.values():
        if cited.needs_warning:
            findings.append(Finding(
                "capacity.rule.unverified",
                f"{cited.reference} is {cited.status}, not verified against the primary text: {cited.source}",
                f"{cited.reference} 的核实状态为“{STATUS_ZH.get(cited.status, cited.status)}”，未经原文核实：{cited.source}",
                cited.reference, cited.status))
    return Requirement(outcome=outcome, project=project, measure=measure, ratio=ratio, required_capacity=required,
                       strictly_greater=strict, rule=rule, floor_rule=floor_rule, region=region,
                       reasons=tuple(reasons), warnings=tuple(findings), citations=tuple(unique.values()))
