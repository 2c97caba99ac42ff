"""Reading calculator and plan inputs (JSON bodies and web forms alike) into typed values.

Every problem becomes an :class:`~greenmfg.errors.Issue` whose ``column`` is the field's path
(``capacity``, ``retired_items[1].retirement_date``), with the value, what is wrong and how to
fix it in English and Chinese. All problems are collected; nothing is stored when any exists.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from greenmfg import findings
from greenmfg.calc.capacity import CAPACITY_UNITS, PROCESSES, Project, city_key
from greenmfg.capacity.labels import PROCESS_NAMES_ZH
from greenmfg.errors import Issue, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.refdata.vocabulary import load_vocabulary, normalize_name
from greenmfg.refdata.words import place_name

__all__ = ["FIELD_ZH", "MAX_RETIRED_ITEMS", "MUNICIPALITIES", "PlanInput", "RetiredInput", "Reader", "parse_plan",
           "parse_project"]

#: provinces that are cities themselves: no prefecture-level city needed
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
MAX_RETIRED_ITEMS = 50
#: the largest capacity accepted [t/a or t/d]; the world's steel output is about 2·10^9 t/a
MAX_CAPACITY = Decimal("1e10")
UNIT_ALIASES = {"t/a": "t/a", "吨/年": "t/a", "t/yr": "t/a", "t/y": "t/a", "tpa": "t/a",
                "t/d": "t/d", "吨/日": "t/d", "吨/天": "t/d", "tpd": "t/d"}

#: Chinese names of the input fields, for messages
FIELD_ZH: Mapping[str, str] = {
    "sector": "行业", "process": "工序", "capacity": "产能", "unit": "产能单位", "province": "省份", "city": "城市",
    "date": "日期", "application_date": "申报日期", "commissioning_date": "计划投产日期", "merger": "兼并重组",
    "cases": "适用情形", "cross_province": "跨省置换", "restricted_category": "限制类产能", "enterprise_id": "企业",
    "project_name": "项目名称", "retired_items": "退出产能", "facility_code": "退出设备编号",
    "facility_name": "退出设备名称", "retirement_date": "退出日期", "evidence": "退出证明",
}


@dataclass(frozen=True, slots=True)
class RetiredInput:
    """One retired unit of capacity as submitted."""

    enterprise_id: int
    facility_code: str
    facility_name: str | None
    process: str
    capacity: Decimal
    unit: str
    province: str
    city: str | None
    retirement_date: dt.date
    evidence: str


@dataclass(frozen=True, slots=True)
class PlanInput:
    """A replacement plan as submitted: the new project and the capacity it retires."""

    enterprise_id: int
    project_name: str
    project: Project
    commissioning_date: dt.date
    retired: tuple[RetiredInput, ...]


def _zh(field: str) -> str:
    leaf = field.rsplit(".", 1)[-1].split("[", 1)[0]
    name = FIELD_ZH.get(leaf, leaf)
    if field.startswith("retired_items["):
        index = int(field[len("retired_items["):].split("]", 1)[0])
        return f"退出产能第{index + 1}项的{name}" if leaf != "retired_items" else f"退出产能第{index + 1}项"
    return name


#: how capacity inputs word their findings: the field leads the message, in Chinese by its name
LOCATOR = Locator(named=True, name_zh=_zh, value_limit=200)


class Reader(findings.Reader):
    """Reads fields of one calculator or plan input (:class:`greenmfg.findings.Reader` with the
    capacity checks: sector, process, capacity, unit, province, city, cases)."""

    def __init__(self, data: Mapping[str, Any], prefix: str = "", issues: list[Issue] | None = None) -> None:
        super().__init__(data, prefix, issues, domain="capacity", locator=LOCATOR)

    def capacity(self, name: str) -> Decimal | None:
        value = self.required(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.add("capacity.input.not_number", name, value, "must be a number", "必须为数字",
                     "write the capacity in tonnes, e.g. 1200000", "请以吨为单位填写数字，例如 1200000")
            return None
        text = value.replace(",", "").replace("，", "") if isinstance(value, str) else repr(value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if isinstance(value, float) and not math.isfinite(value) or not number.is_finite():
            self.add("capacity.input.not_number", name, value, f"'{value}' is not a number", f"'{value}' 不是数字",
                     "write the capacity in tonnes, e.g. 1200000", "请以吨为单位填写数字，例如 1200000")
            return None
        if number <= 0:
            self.add("capacity.input.not_positive", name, value, "must be greater than 0", "必须大于 0",
                     "give the capacity in tonnes (t/a or t/d)", "请填写大于 0 的产能（吨/年或吨/日）")
            return None
        if number > MAX_CAPACITY or number != number.quantize(Decimal("0.001")):
            self.add("capacity.input.out_of_range", name, value,
                     "must be at most 10^10 t with at most three decimals",
                     "不得超过 10^10 吨，且最多保留三位小数", "check the figure and its unit",
                     "请检查数值及其单位")
            return None
        return number

    def sector(self, name: str = "sector") -> str | None:
        value = self.required(name)
        if value is None:
            return None
        vocabulary = load_vocabulary()
        key = vocabulary.industry_names.resolve(value)
        if key not in CAPACITY_UNITS:
            hints = [s for s in vocabulary.industry_names.suggest(value) if vocabulary.industry_names.resolve(s) in CAPACITY_UNITS]
            self.add("capacity.input.unknown_sector", name, value,
                     f"'{value}' is not a sector with capacity replacement" + (f"; did you mean {', '.join(hints)}?" if hints else ""),
                     f"'{value}' 不是实行产能置换的行业" + (f"；是否为 {', '.join(hints)}？" if hints else ""),
                     f"use one of {', '.join(CAPACITY_UNITS)}", "可选：steel（钢铁）、cement（水泥）、flat_glass（平板玻璃）、"
                     "electrolytic_aluminium（电解铝）")
            return None
        return key

    def process(self, name: str, sector: str | None) -> str | None:
        value = self.required(name)
        if value is None:
            return None
        text = normalize_name(value)
        key = next((p for p in PROCESSES if text in {normalize_name(p), normalize_name(PROCESS_NAMES_ZH[p]),
                                                     normalize_name(p.replace("_", " "))}), None)
        allowed = [p for p, s in PROCESSES.items() if sector is None or s == sector]
        allowed_zh = "、".join(f"{p}（{PROCESS_NAMES_ZH[p]}）" for p in allowed)
        if key is None:
            self.add("capacity.input.unknown_process", name, value, f"'{value}' is not a process",
                     f"'{value}' 不是可识别的工序", f"use one of {', '.join(allowed)}", f"可选：{allowed_zh}")
            return None
        if sector is not None and PROCESSES[key] != sector:
            self.add("capacity.input.process_sector_mismatch", name, value,
                     f"process '{key}' is not part of sector '{sector}'", f"工序 '{key}' 不属于行业 '{sector}'",
                     f"for {sector} use {', '.join(allowed)}", f"{sector} 行业可选：{allowed_zh}")
            return None
        return key

    def unit(self, name: str, sector: str | None) -> str | None:
        value = self.required(name)
        if value is None:
            return None
        unit = UNIT_ALIASES.get(str(value).replace(" ", "").casefold())
        allowed = CAPACITY_UNITS.get(sector or "", ("t/a", "t/d"))
        if unit not in allowed:
            self.add("capacity.input.bad_unit", name, value,
                     f"'{value}' is not a capacity unit for {sector or 'this sector'}",
                     f"'{value}' 不是{sector or '该行业'}可用的产能单位", f"use {' or '.join(allowed)}",
                     f"请使用 {' 或 '.join(allowed)}（吨/年、吨/日）")
            return None
        return unit

    def province(self, name: str) -> str | None:
        value = self.required(name)
        if value is None:
            return None
        names = load_vocabulary().region_names
        key = names.resolve(value)
        if key is None:
            hints = names.suggest(value)
            self.add("capacity.input.unknown_province", name, value,
                     f"'{value}' is not a province" + (f"; did you mean {', '.join(hints)}?" if hints else ""),
                     f"'{value}' 不是省级行政区" + (f"；是否为 {', '.join(hints)}？" if hints else ""),
                     "give the GB/T 2260 code (e.g. 130000) or the name (河北)", "请填写 GB/T 2260 代码（如 130000）或名称（如 河北）")
        return key

    def city(self, name: str, province: str | None) -> str | None:
        value = self.text(name, max_length=64, required=False)
        if value is None:
            if province is not None and province not in MUNICIPALITIES and self.raw(name) is None:
                self.add("capacity.input.city_required", name, None,
                         "is required: key air-pollution regions are defined by prefecture-level city",
                         "必须填写：大气污染防治重点区域按地级市划定", "give the prefecture-level city, e.g. 唐山",
                         "请填写地级市，如 唐山")
            return None
        return city_key(value)

    def cases(self, name: str) -> frozenset[str]:
        value = self.raw(name)
        if value is None:
            return frozenset()
        items: Sequence[Any] = value.replace("，", ",").split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            self.add("capacity.input.bad_cases", name, value, "must be a list of case names", "必须为情形名称列表",
                     "send e.g. [\"eaf_for_eaf\"]", "例如 [\"eaf_for_eaf\"]")
            return frozenset()
        return frozenset(i.strip() for i in items if i.strip())


def _project(reader: Reader, date_field: str) -> Project | None:
    sector = reader.sector()
    process = reader.process("process", sector)
    capacity = reader.capacity("capacity")
    unit = reader.unit("unit", sector)
    province = reader.province("province")
    city = reader.city("city", province)
    on = reader.date(date_field)
    merger = reader.flag("merger")
    cross = reader.flag("cross_province")
    restricted = reader.flag("restricted_category")
    cases = reader.cases("cases")
    if None in (sector, process, capacity, unit, province, on):
        return None
    assert sector is not None and process is not None and capacity is not None and unit is not None
    assert province is not None and on is not None
    return Project(sector=sector, process=process, capacity=capacity, unit=unit, province=province, city=city, on=on,
                   merger=merger, cases=cases, cross_province=cross, restricted_category=restricted,
                   place_zh=place_name(province, city, zh=True), place_en=place_name(province, city, zh=False))


def parse_project(data: Mapping[str, Any]) -> Project:
    """The calculator's input: sector, process, capacity, unit, province, city, date, merger, cases,
    cross_province, restricted_category.

    Raises
    ------
    ValidationFailed
        With one issue per wrong or missing field.
    """
    reader = Reader(data)
    project = _project(reader, "date")
    if reader.issues or project is None:
        raise ValidationFailed(reader.issues, len(reader.issues))
    return project


def parse_plan(data: Mapping[str, Any]) -> PlanInput:
    """A plan: ``enterprise_id``, ``project_name``, the project fields (with ``application_date``),
    ``commissioning_date`` and ``retired_items`` (each: ``enterprise_id`` (default: the plan's),
    ``facility_code``, ``facility_name``, ``process`` (default: the plan's), ``capacity``,
    ``unit``, ``province``, ``city``, ``retirement_date``, ``evidence``).

    Checks that need no database: dates in order (retirement by commissioning, application
    before commissioning), units and processes the same as the project's, no item listed twice.

    Raises
    ------
    ValidationFailed
        With one issue per problem, each naming its field.
    """
    reader = Reader(data)
    enterprise_id = reader.integer("enterprise_id")
    project_name = reader.text("project_name", max_length=200)
    project = _project(reader, "application_date")
    commissioning = reader.date("commissioning_date")
    if project is not None and commissioning is not None and commissioning < project.on:
        reader.add("capacity.plan.dates_out_of_order", "commissioning_date", commissioning.isoformat(),
                   f"the planned start of production ({commissioning}) is before the application date ({project.on})",
                   f"计划投产日期（{commissioning}）早于申报日期（{project.on}）",
                   "check both dates", "请核对两个日期")
    raw_items = data.get("retired_items")
    retired: list[RetiredInput] = []
    if not isinstance(raw_items, list | tuple) or not raw_items:
        reader.add("capacity.plan.no_retired_capacity", "retired_items", None,
                   "list at least one retired unit of capacity", "至少须列出一项退出产能",
                   "add the furnaces, kilns or lines that will be retired", "请添加拟退出的高炉、窑炉或生产线")
    elif len(raw_items) > MAX_RETIRED_ITEMS:
        reader.add("capacity.plan.too_many_items", "retired_items", len(raw_items),
                   f"at most {MAX_RETIRED_ITEMS} retired items per plan", f"每个方案最多 {MAX_RETIRED_ITEMS} 项退出产能",
                   "split the plan", "请拆分方案")
    else:
        seen: dict[tuple[int, str], int] = {}
        for index, raw in enumerate(raw_items):
            item = Reader(raw if isinstance(raw, Mapping) else {}, f"retired_items[{index}].", reader.issues)
            if not isinstance(raw, Mapping):
                reader.add("capacity.input.not_object", f"retired_items[{index}]", raw, "must be an object",
                           "必须为对象", "send the item's fields", "请填写该项的各字段")
                continue
            owner = item.integer("enterprise_id") if item.raw("enterprise_id") is not None else enterprise_id
            code = item.text("facility_code", max_length=64)
            name = item.text("facility_name", max_length=200, required=False)
            process = (item.process("process", project.sector if project else None)
                       if item.raw("process") is not None else (project.process if project else None))
            capacity = item.capacity("capacity")
            unit = item.unit("unit", project.sector if project else None)
            province = item.province("province")
            city = item.city("city", province)
            retired_on = item.date("retirement_date")
            evidence = item.text("evidence", max_length=2000)
            if project is not None and process is not None and process != project.process:
                item.add("capacity.retired.process_mismatch", "process", process,
                         f"retired {process} capacity cannot replace new {project.process} capacity",
                         f"退出的{process}产能不能用于置换新建的{project.process}产能",
                         "list capacity of the same process (ironmaking and steelmaking are replaced separately)",
                         "请列出同一工序的产能（炼铁、炼钢须分别置换）")
                process = None
            if project is not None and unit is not None and unit != project.unit:
                item.add("capacity.retired.unit_mismatch", "unit", unit,
                         f"the plan counts capacity in {project.unit}, this item in {unit}",
                         f"方案以 {project.unit} 计产能，该项为 {unit}",
                         f"state the item in {project.unit} (t/a and t/d are not converted)",
                         f"请以 {project.unit} 填写（吨/年与吨/日不相互换算）")
                unit = None
            if retired_on is not None and commissioning is not None and retired_on > commissioning:
                item.add("capacity.retired.retired_after_commissioning", "retirement_date", retired_on.isoformat(),
                         f"the capacity is retired after the new project starts production ({commissioning})",
                         f"退出日期晚于新项目计划投产日期（{commissioning}）",
                         "retire (shut down and dismantle) the capacity before the new line starts",
                         "退出产能须在新建项目投产前关停拆除")
            if owner is not None and code is not None:
                claim = (owner, claim_code(code))
                if claim in seen:
                    item.add("capacity.retired.duplicate", "facility_code", code,
                             f"the same equipment is listed twice (also retired_items[{seen[claim]}])",
                             f"同一设备重复列出（另见退出产能第{seen[claim] + 1}项）", "list each unit once",
                             "每项设备只列一次")
                    continue
                seen[claim] = index
            if None in (owner, code, process, capacity, unit, province, retired_on, evidence):
                continue
            assert owner is not None and code is not None and process is not None and capacity is not None
            assert unit is not None and province is not None and retired_on is not None and evidence is not None
            retired.append(RetiredInput(enterprise_id=owner, facility_code=code, facility_name=name, process=process,
                                        capacity=capacity, unit=unit, province=province, city=city,
                                        retirement_date=retired_on, evidence=evidence))
    if reader.issues:
        raise ValidationFailed(reader.issues, len(reader.issues))
    assert enterprise_id is not None and project_name is not None and project is not None and commissioning is not None
    return PlanInput(enterprise_id=enterprise_id, project_name=project_name, project=project,
                     commissioning_date=commissioning, retired=tuple(retired))


def claim_code(code: str) -> str:
    """A facility code as compared for double counting: width, case, spaces and dashes ignored."""
    text = unicodedata.normalize("NFKC", code).casefold()
    return "".join(ch for ch in text if ch.isalnum())
