"""National carbon market: an enterprise's allowances, its year-end position and the compliance calendar.

Who
    Everybody who may see the enterprise (:func:`greenmfg.orgs.access.get_enterprise`) reads its
    position; the regional table lists the visible enterprises of the covered sectors (a regulator:
    those registered in its jurisdiction; an enterprise user: its own).

Inputs (ONE place each)
    * covered emissions per month: :func:`monthly_covered` — a filed month's current filing
      (its frozen snapshot, :mod:`greenmfg.ets.filings`), else the stored covered figures by the
      guidelines (:mod:`greenmfg.ets.figures`: combustion + process + PFCs; purchased electricity
      and heat are not covered); each month says which;
    * output per product and line (facility): the stored current results' products;
    * the rules, calendar and CCER limit: the datasets ``ets_allocation``, ``ets_calendar`` and
      ``ets_offsets`` (their newest editions covering the year).

What
    :func:`allowances_view`: the allocation per product line so far and at year end (projected
    output), the covered emissions so far and projected with a band, the surplus or deficit with
    its band, the usable CCER and the calendar; :func:`what_if` the allowance effect of a measure
    (:mod:`greenmfg.calc.ets_allowances`); :func:`allocated_allowances` the allowances earned by
    the months recorded so far (the figure the filings' regulator view compares with).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greenmfg.accounting.models import FacilityResult, ResultProduct
from greenmfg.audit.service import record as audit_record
from greenmfg.calc.ets_allowances import (
    Allocation,
    AllocationRule,
    Baseline,
    LineAllocation,
    MeasureEffect,
    Position,
    Projection,
    allocate,
    allocate_line,
    anode_effect,
    clinker_factor_effect,
    position,
    project_year,
    scrap_effect,
)
from greenmfg.db.base import utcnow
from greenmfg.errors import Finding, ValidationFailed
from greenmfg.ets.filing_models import EtsDeclaration, EtsFigure, EtsFiling
from greenmfg.findings import Locator, read_number
from greenmfg.orgs.access import Forbidden, Principal, enterprise_filter, get_enterprise
from greenmfg.orgs.models import Facility, Organisation
from greenmfg.refdata import load_catalog
from greenmfg.refdata.catalog import Dataset
from greenmfg.refdata.words import status_name

__all__ = ["MAX_YEAR", "MEASURES", "MIN_YEAR", "SECTORS", "AllowancesView", "Declaration", "Line", "Milestone",
           "MonthCovered", "RegionRow", "allocated_allowances", "allowances_view", "calendar", "ccer_limit",
           "declarations", "declare_case", "declared_cases", "monthly_covered", "region_rows", "rules_for",
           "get_enterprise", "sector_of", "special_cases", "what_if"]

MIN_YEAR, MAX_YEAR = 2000, 2100
#: the enterprise's industry (vocabulary key) → the sector of the allocation rules
SECTORS: Mapping[str, str] = {"steel": "steel", "cement": "cement", "electrolytic_aluminium": "aluminium"}
#: the measures of the what-if, by sector
MEASURES: Mapping[str, str] = {"clinker_factor": "cement", "scrap": "steel", "anode": "aluminium"}
#: the band's prediction level
LEVEL = 0.90
#: the largest number a user may type (tonnes, CCER)
_LIMIT = 1e12
_INPUT = Locator(code_prefix="ets.allowances.input.", value_limit=200)


# ------------------------------------------------------------------------------ reference data


def _editions(family: str) -> list[Dataset]:
    """The family's editions, newest first (by valid_from, then id)."""
    return sorted(load_catalog().family(family), key=lambda d: (d.info.valid_from, d.id), reverse=True)


def _float(text: str | None) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _factors(text: str | None) -> tuple[tuple[str, float | None], ...]:
    out = []
    for part in (text or "").split():
        name, _, value = part.partition(":")
        out.append((name, _float(value)))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class RuleRecord:
    """A rule with what the pages say about it."""

    rule: AllocationRule
    dataset_id: str
    name_zh: str
    name_en: str
    rule_zh: str
    rule_en: str
    notes: str


def rules_for(year: int, sector: str | None = None) -> list[RuleRecord]:
    """The allocation rules of compliance ``year`` (from the newest edition that has the year)."""
    for dataset in _editions("ets_allocation"):
        chosen = [r for r in dataset.records if (r.get("compliance_year") or "").strip() == str(year)]
        if not chosen:
            continue
        out = []
        for record in chosen:
            if sector is not None and record["sector"] != sector:
                continue
            rule = AllocationRule(
                key=record["key"], year=year, sector=record["sector"], case=record["case"], method=record["method"],
                output_item=record["output_item"], intensity=_float(record.get("reference_value")),
                factors=_factors(record.get("factors")), verification_status=record["verification_status"],
                source=record["source"], basis=(record.get("intensity_basis") or "covered").strip() or "covered")
            out.append(RuleRecord(rule, dataset.id, record.get("case_name_zh", ""), record.get("case_name_en", ""),
                                  record.get("rule_zh", ""), record.get("rule_en", ""), record.get("notes", "")))
        return out
    return []


@dataclass(frozen=True, slots=True)
class Milestone:
    key: str
    year: int
    milestone: str
    due: dt.date
    name_zh: str
    name_en: str
    source: str
    verification_status: str
    dataset_id: str


def calendar(years: Iterable[int] | None = None) -> list[Milestone]:
    """The compliance milestones (of ``years`` when given), by date; a milestone in several editions
    comes from the newest."""
    wanted = set(years) if years is not None else None
    seen: dict[str, Milestone] = {}
    for dataset in _editions("ets_calendar"):
        for record in dataset.records:
            year = int(record["compliance_year"])
            if (wanted is not None and year not in wanted) or record["key"] in seen:
                continue
            seen[record["key"]] = Milestone(record["key"], year, record["milestone"],
                                            dt.date.fromisoformat(record["due_date"]), record["name_zh"],
                                            record["name_en"], record["source"], record["verification_status"],
                                            dataset.id)
    return sorted(seen.values(), key=lambda m: (m.due, m.key))


@dataclass(frozen=True, slots=True)
class Limit:
    share: float | None
    status: str
    reference: str
    source: str


def ccer_limit() -> Limit:
    """The CCER offset limit as a share [1] of the surrender (None when not found)."""
    for dataset in _editions("ets_offsets"):
        row = dataset.get("ccer", "offset_limit")
        if row is not None:
            share = None if row.value is None else row.value / 100.0 if row.unit == "%" else row.value
            return Limit(share, row.verification_status, row.reference(), row.source)
    return Limit(None, "not_found", "", "")


def sector_of(enterprise: Organisation) -> str | None:
    return SECTORS.get(enterprise.industry or "")


# ------------------------------------------------------------------------------------ the data


def _month(period: str) -> int | None:
    """The month of a monthly period ``YYYY-MM`` (None for an annual period)."""
    if len(period) == 7 and period[4] == "-" and period[5:].isdigit() and 1 <= int(period[5:]) <= 12:
        return int(period[5:])
    return None


@dataclass(frozen=True, slots=True)
class MonthCovered:
    """An enterprise's covered emissions of one month [tCO2e] and where they come from."""

    period: str
    tco2e: float
    #: the filed version they come from (its snapshot); None: the stored figures, not yet filed
    filed_version: int | None
    #: per facility id: (covered, the aluminium intensity's basis: anode process + PFCs) [tCO2e]
    facilities: Mapping[int, tuple[float, float]]

    @property
    def filed(self) -> bool:
        return self.filed_version is not None


def _covered(session: Session, enterprise_ids: Sequence[int], years: Sequence[int]) -> dict[int, dict[str, MonthCovered]]:
    """The covered months of these enterprises and years: enterprise → period → :class:`MonthCovered`.

    A filed month: the facilities of its current filing's snapshot; any other month: the stored
    figures (:class:`~greenmfg.ets.filing_models.EtsFigure`). Annual periods are not months."""
    periods = [f"{y:04d}-{m:02d}" for y in years for m in range(1, 13)]
    ids = list(enterprise_ids)
    filed: dict[tuple[int, str], EtsFiling] = {(f.enterprise_id, f.period): f for f in session.execute(
        select(EtsFiling).where(EtsFiling.enterprise_id.in_(ids), EtsFiling.period.in_(periods),
                                EtsFiling.current.is_(True))).scalars()}
    facilities: dict[tuple[int, str], dict[int, tuple[float, float]]] = defaultdict(dict)
    for (enterprise_id, period), filing in filed.items():
        for f in filing.snapshot.get("facilities", []):
            facilities[(enterprise_id, period)][int(f["facility_id"])] = (
                float(f.get("covered_tco2e") or 0.0),
                float(f.get("process_tco2e") or 0.0) + float(f.get("pfc_tco2e") or 0.0))
    for enterprise_id, facility_id, period, covered, process, cf4, c2f6 in session.execute(
            select(EtsFigure.enterprise_id, EtsFigure.facility_id, EtsFigure.period, EtsFigure.covered_tco2e,
                   EtsFigure.process_tco2, EtsFigure.cf4_tco2e, EtsFigure.c2f6_tco2e)
            .where(EtsFigure.enterprise_id.in_(ids), EtsFigure.period.in_(periods))):
        if (enterprise_id, period) not in filed:
            facilities[(enterprise_id, period)][int(facility_id)] = (float(covered), float(process + cf4 + c2f6))
    out: dict[int, dict[str, MonthCovered]] = defaultdict(dict)
    for (enterprise_id, period), by_facility in sorted(facilities.items()):
        filed_version = filed[(enterprise_id, period)].version if (enterprise_id, period) in filed else None
        out[enterprise_id][period] = MonthCovered(period, sum(c for c, _ in by_facility.values()),
                                                  filed_version, dict(by_facility))
    return out


def monthly_covered(session: Session, enterprise_id: int, year: int) -> dict[str, MonthCovered]:
    """Covered emissions [tCO2e] of each month of ``year`` recorded so far: period ``YYYY-MM`` → month.

    The ONE source of covered monthly emissions of this module: a month filed with the carbon
    market counts as filed (its current filing's snapshot), any other month by the stored figures
    of the guidelines (combustion + process + PFCs; purchased electricity and heat are not covered
    by the national market); ``filed`` says which. Annual results are not months and are left
    out. The caller checks access.
    """
    return _covered(session, [enterprise_id], [year]).get(enterprise_id, {})


def _output_rows(session: Session, enterprise_ids: Sequence[int], year: int) -> list[Any]:
    return list(session.execute(
        select(FacilityResult.enterprise_id, FacilityResult.facility_id, FacilityResult.period, ResultProduct.product,
               func.sum(ResultProduct.quantity))
        .join(ResultProduct, ResultProduct.result_id == FacilityResult.id)
        .where(FacilityResult.enterprise_id.in_(enterprise_ids), FacilityResult.year == year,
               FacilityResult.current.is_(True))
        .group_by(FacilityResult.enterprise_id, FacilityResult.facility_id, FacilityResult.period,
                  ResultProduct.product)).all())


@dataclass
class _Data:
    """One enterprise's monthly figures: covered emissions per facility and month, outputs per
    facility, product and month (this year), covered emissions per month of the previous year."""

    emissions: dict[int, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    #: anode process emissions + PFCs per facility and month (the aluminium intensity's basis)
    process: dict[int, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    #: the months of this year filed with the carbon market: month → filed version
    filed: dict[int, int] = field(default_factory=dict)
    previous: dict[int, float] = field(default_factory=dict)
    outputs: dict[int, dict[str, dict[int, float]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(dict)))
    #: steel: each facility's process and its process-level emissions per month (CETS—AG—03.01 formula (2))
    steel_process: dict[int, str] = field(default_factory=dict)
    steel_level: dict[int, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))


def _load(session: Session, enterprise_ids: Sequence[int], year: int) -> dict[int, _Data]:
    data: dict[int, _Data] = defaultdict(_Data)
    previous: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for enterprise_id, covered_months in _covered(session, enterprise_ids, [year, year - 1]).items():
        for period, covered in covered_months.items():
            month = _month(period)
            if month is None:
                continue
            if int(period[:4]) == year:
                for facility_id, (value, process) in covered.facilities.items():
                    data[enterprise_id].emissions[facility_id][month] = value
                    data[enterprise_id].process[facility_id][month] = process
                if covered.filed_version is not None:
                    data[enterprise_id].filed[month] = covered.filed_version
            else:
                previous[enterprise_id][month] += covered.tco2e
    for enterprise_id, months in previous.items():
        data[enterprise_id].previous = dict(months)
    periods = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    for steel_enterprise, steel_facility, steel_period, steel_kind, level in session.execute(
            select(EtsFigure.enterprise_id, EtsFigure.facility_id, EtsFigure.period, EtsFigure.steel_process,
                   EtsFigure.process_level_tco2)
            .where(EtsFigure.enterprise_id.in_(list(enterprise_ids)), EtsFigure.period.in_(periods),
                   EtsFigure.steel_process.is_not(None))):
        steel_month = _month(steel_period)
        data[steel_enterprise].steel_process[int(steel_facility)] = str(steel_kind)
        if steel_month is not None and level is not None:
            data[steel_enterprise].steel_level[int(steel_facility)][steel_month] = float(level)
    for enterprise_id, facility_id, period, product, quantity in _output_rows(session, enterprise_ids, year):
        month = _month(period)
        # an output is a quantity ≥ 0; anything else is not a month of output (the results validate it)
        if month is not None and quantity is not None and math.isfinite(quantity) and quantity >= 0:
            data[enterprise_id].outputs[facility_id][product][month] = float(quantity)
    return data


# ----------------------------------------------------------------------------------- the view


@dataclass(frozen=True, slots=True)
class Line:
    """One product line (facility) of the enterprise under its rule."""

    facility_id: int
    facility: str
    record: RuleRecord
    output_to_date: float | None
    output_projected: float | None
    emissions_to_date: float
    emissions_projected: float | None
    #: the line's intensity [tCO2/t] on the rule's basis over the months so far (balance-value rules)
    intensity: float | None
    #: the emissions of the basis [tCO2e] projected to year end
    basis_projected: float | None
    so_far: LineAllocation
    year_end: LineAllocation


@dataclass(frozen=True, slots=True)
class AllowancesView:
    enterprise: Organisation
    year: int
    sector: str | None
    rules: list[RuleRecord]
    lines: list[Line]
    allocation_so_far: Allocation
    allocation_year_end: Allocation
    projection: Projection
    #: monthly covered emissions (month → tCO2e) of the year and of the previous year
    monthly: dict[int, float]
    previous: dict[int, float]
    #: the months of the year filed with the carbon market (month → filed version); the others are
    #: the stored figures, not yet filed
    filed: dict[int, int]
    position: Position
    ccer: Limit
    calendar: list[Milestone]
    today: dt.date
    #: located warnings (unverified or missing values)
    warnings: list[Finding]
    can_manage: bool = False
    #: the balance value [tCO2/t] the user assumed (rules without a published one)
    balance_value: float | None = None

    @property
    def next_milestones(self) -> list[Milestone]:
        return [m for m in self.calendar if m.due >= self.today]


def _warning(code: str, message: str, message_zh: str, value: str = "") -> Finding:
    return Finding(f"ets.allowances.{code}", message, "", message_zh, "", value=value, severity="warning")


def _lines(data: _Data, rules: list[RuleRecord], facilities: Mapping[int, str],
           cases: Mapping[int, str], balance_value: float | None, enterprise_label: str = "") -> list[Line]:
    by_case = {r.rule.case: r for r in rules}
    default = by_case.get("general")
    if default is None:
        return []
    if default.rule.basis == "ironmaking_sintering":
        return _steel_lines(data, by_case, default, facilities, cases, balance_value, enterprise_label)
    lines = []
    item = default.rule.output_item
    for facility_id in sorted(set(data.outputs) | set(data.emissions)):
        months = data.outputs.get(facility_id, {}).get(item, {})
        record = by_case.get(cases.get(facility_id, "general"), default)
        emissions = data.emissions.get(facility_id, {})
        if not months and record.rule.method not in ("verified_emissions", "excluded"):
            continue  # a facility without the sector's product is no product line
        if not months and not emissions:
            continue
        basis = _basis(data, facility_id, record.rule.basis)
        lines.append(_line(facility_id, facilities.get(facility_id, str(facility_id)), record, months, emissions,
                           basis, balance_value))
    return lines


def _line(facility_id: int, name: str, record: RuleRecord, months: Mapping[int, float],
          emissions: Mapping[int, float], basis: Mapping[int, float] | None, balance_value: float | None) -> Line:
    output = project_year(months, level=LEVEL) if months else None
    emitted = project_year(emissions, level=LEVEL)
    basis_year = project_year(basis, level=LEVEL) if basis is not None else None
    intensity = (basis_year.to_date / output.to_date
                 if basis_year is not None and output is not None and output.to_date > 0 else None)
    output_to_date = output.to_date if output else None
    output_projected = output.projected if output else None
    so_far = allocate_line(name, record.rule, output_t=output_to_date, emissions_tco2e=emitted.to_date,
                           intensity_tco2_per_t=intensity, balance_value=balance_value)
    year_end = allocate_line(name, record.rule, output_t=output_projected, emissions_tco2e=emitted.projected,
                             intensity_tco2_per_t=intensity, balance_value=balance_value)
    return Line(facility_id, name, record, output_to_date, output_projected, emitted.to_date,
                emitted.projected, intensity, basis_year.projected if basis_year else None, so_far, year_end)


#: the steel processes whose process-level emissions make the steel allocation's intensity
STEEL_BASIS_PROCESSES = ("ironmaking", "sintering")


def _steel_lines(data: _Data, by_case: Mapping[str, RuleRecord], default: RuleRecord, facilities: Mapping[int, str],
                 cases: Mapping[int, str], balance_value: float | None, enterprise_label: str) -> list[Line]:
    """Steel: one line, the enterprise (A = the enterprise's verified emissions × (1 + α)); its
    intensity = the process-level emissions of ironmaking and sintering (CETS—AG—03.01 formula (2),
    stored per facility with the figures) per tonne of pig iron. A facility declared outside the
    year's allocation (new in the year) is a line of its own with no allowances."""
    excluded = {f for f, case in cases.items() if by_case.get(case, default).rule.method == "excluded"}
    lines = [_line(f, facilities.get(f, str(f)), by_case[cases[f]], data.outputs.get(f, {}).get(
        default.rule.output_item, {}), data.emissions.get(f, {}), None, balance_value)
        for f in sorted(excluded) if f in data.emissions or f in data.outputs]
    kept = (set(data.outputs) | set(data.emissions)) - excluded
    if not kept:
        return lines
    emissions: dict[int, float] = defaultdict(float)
    output: dict[int, float] = defaultdict(float)
    for facility_id in kept:
        for month, value in data.emissions.get(facility_id, {}).items():
            emissions[month] += value
        for month, value in data.outputs.get(facility_id, {}).get(default.rule.output_item, {}).items():
            output[month] += value
    basis_facilities = [f for f in kept if data.steel_process.get(f) in STEEL_BASIS_PROCESSES]
    basis: dict[int, float] | None = None
    if basis_facilities:
        basis = defaultdict(float)
        for facility_id in basis_facilities:
            for month, value in data.steel_level.get(facility_id, {}).items():
                basis[month] += value
    if not output and default.rule.method != "verified_emissions":
        return lines
    return [*lines, _line(0, enterprise_label, default, output, emissions, basis, balance_value)]


def _basis(data: _Data, facility_id: int, basis: str) -> dict[int, float] | None:
    """The emissions per month that the line's intensity divides (None: not in the stored results)."""
    if basis == "covered":
        return data.emissions.get(facility_id, {})
    if basis == "process":
        return data.process.get(facility_id, {})
    return None


def _view(session: Session, enterprise: Organisation, year: int, data: _Data, *, ccer_held: float,
          today: dt.date, cases: Mapping[int, str], with_calendar: bool = True,
          balance_value: float | None = None) -> AllowancesView:
    sector = sector_of(enterprise)
    rules = rules_for(year, sector) if sector else []
    facilities = dict(session.execute(select(Facility.id, Facility.code).where(
        Facility.enterprise_id == enterprise.id)).all())
    stored = declared_cases(session, enterprise.id, year)
    chosen = {**stored, **cases}
    lines = _lines(data, rules, facilities, chosen, balance_value, enterprise.name)
    # a line outside the year's allocation (new in the year) has no obligation either
    excluded = {line.facility_id for line in lines if line.record.rule.method == "excluded"}
    monthly: dict[int, float] = defaultdict(float)
    for facility_id, months in data.emissions.items():
        if facility_id in excluded:
            continue
        for month, value in months.items():
            monthly[month] += value
    projection = project_year(monthly, profile=data.previous, level=LEVEL)
    so_far = allocate(line.so_far for line in lines)
    year_end = allocate(line.year_end for line in lines)
    limit = ccer_limit()
    # allowances that are (a multiple of) the verified emissions move with the emissions across the band
    following = sum(line.year_end.allowances or 0.0 for line in lines
                    if line.record.rule.method in ("verified_emissions", "balance_value"))
    per_emission = following / projection.projected if projection.projected else 0.0
    pos = position(year_end.total, projection.projected, emissions_low=projection.low,
                   emissions_high=projection.high, ccer_held=ccer_held, ccer_limit_share=limit.share,
                   allowances_per_emission=per_emission)
    warnings: list[Finding] = []
    if sector is None:
        warnings.append(_warning("not_covered_sector",
                                 "the enterprise's industry is not one of the sectors with allocation rules "
                                 "(steel, cement, aluminium smelting)",
                                 "该企业所属行业不在有配额分配规则的行业（钢铁、水泥、铝冶炼）之内", enterprise.industry or ""))
    elif not rules:
        warnings.append(_warning("no_rules", f"no allocation rules for {year} are encoded",
                                 f"尚未收录 {year} 年度的配额分配规则", str(year)))
    for record in rules:
        used = any(line.record is record for line in lines) or record.rule.case == "general"
        if not used:
            continue
        if record.rule.method == "balance_value" and record.rule.intensity is None and balance_value is None:
            warnings.append(_warning(
                "balance_value_not_published",
                f"the balance value of {record.name_en} ({year}) is published only after verification: the "
                "allowances are estimated once you give one",
                f"{record.name_zh}（{year} 年度）的行业平衡值在核查完成后才公布：填写平衡值后可估算配额",
                record.rule.key))
        elif record.rule.method == "balance_value" and record.rule.intensity is None:
            warnings.append(_warning(
                "balance_value_assumed", f"the balance value {balance_value:g} tCO2/t is the user's assumption",
                f"平衡值 {balance_value:g} tCO2/t 为用户假设值", record.rule.key))
        if (record.rule.method == "balance_value" and record.rule.basis == "ironmaking_sintering"
                and not any(line.intensity is not None for line in lines)):
            warnings.append(_warning(
                "intensity_basis_missing",
                "the steel intensity (ironmaking and sintering emissions per tonne of pig iron) needs the "
                "process-level figures of the ironmaking and sintering units (one facility per process) and the "
                "pig iron output: none are stored for the year (recalculate figures stored before)",
                "钢铁碳排放强度（炼铁和烧结工序排放 / 吨生铁）需要炼铁、烧结设施（每个工序一个设施）的工序级排放和生铁产量："
                "本年度尚无（此前保存的数据请重新计算）", record.rule.key))
        if record.rule.case != "general" and any(line.record is record for line in lines):
            warnings.append(_warning(
                "declared_case",
                f"{record.name_en} ({year}): the case is the enterprise's declaration (evidence on file); the "
                "platform does not check it against the data",
                f"{record.name_zh}（{year} 年度）：适用情形为企业申报（证明材料已登记），平台未据数据核实", record.rule.key))
        if record.rule.method == "intensity" and (record.rule.intensity is None
                                                   or any(v is None for _, v in record.rule.factors)):
            warnings.append(_warning(
                "value_not_found",
                f"the intensity value of {record.name_en} ({year}) was not found in the published sources: "
                "its allowances are not computed",
                f"{record.name_zh}（{year} 年度）的碳排放强度值未在公开来源中找到：不计算其配额", record.rule.key))
        elif record.rule.needs_warning and record.rule.method != "balance_value":
            warnings.append(_warning(
                "unverified_rule", f"the rule for {record.name_en} ({year}) was not checked against the plan's text "
                f"(status: {status_name(record.rule.verification_status, zh=False)})",
                f"{record.name_zh}（{year} 年度）的分配规则未经方案原文核实（状态："
                f"{status_name(record.rule.verification_status, zh=True)}）",
                record.rule.key))
    if limit.share is None:
        warnings.append(_warning("ccer_limit_not_found", "the CCER offset limit was not found: no CCER is counted",
                                 "未找到 CCER 抵销比例上限：不计入 CCER"))
    elif limit.status not in ("verified", "definitional"):
        warnings.append(_warning("ccer_limit_unverified", "the CCER offset limit is not verified",
                                 "CCER 抵销比例上限未经原文核实", limit.reference))
    milestones = calendar(range(year - 1, year + 2)) if with_calendar else []
    return AllowancesView(enterprise, year, sector, rules, lines, so_far, year_end, projection,
                          dict(sorted(monthly.items())), dict(sorted(data.previous.items())), dict(sorted(data.filed.items())),
                          pos, limit, milestones,
                          today, warnings, balance_value=balance_value)


def _check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed([_INPUT.finding("bad_year", "year", year, f"the year must be between {MIN_YEAR} and "
                                               f"{MAX_YEAR}", f"年份须在 {MIN_YEAR} 至 {MAX_YEAR} 之间",
                                               "choose a year such as 2025", "请选择年份，例如 2025")])
    return year


def _check_ccer(ccer_held: object) -> float:
    value = read_number(_INPUT, ccer_held, "ccer_held", [], high=_LIMIT, example="0.75")
    if value is None and ccer_held not in (None, ""):
        raise ValidationFailed([_INPUT.finding("bad_number", "ccer_held", ccer_held,
                                               "the CCER held must be a number ≥ 0 (tCO2e)",
                                               "持有的 CCER 须为不小于 0 的数字（吨二氧化碳当量）",
                                               "write the tonnes of CCER you hold, e.g. 5000",
                                               "请填写持有的 CCER 吨数，例如 5000")])
    return value or 0.0


def _check_balance(balance_value: object) -> float | None:
    issues: list[Finding] = []
    value = read_number(_INPUT, balance_value, "balance_value", issues, high=100.0, example="0.75")
    if issues:
        raise ValidationFailed(issues)
    if value is not None and value <= 0:
        raise ValidationFailed([_INPUT.finding("out_of_range", "balance_value", balance_value,
                                               "the balance value must be greater than 0 (tCO2/t)",
                                               "平衡值须大于 0（吨二氧化碳/吨）", "write a value such as 0.85",
                                               "请填写数值，例如 0.85")])
    return value


def _default_year(session: Session, enterprise_id: int, today: dt.date) -> int:
    latest = session.scalar(select(func.max(FacilityResult.year)).where(
        FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True)))
    return int(latest) if latest is not None else today.year


def allowances_view(session: Session, principal: Principal, enterprise_id: int, year: int | None = None, *,
                    ccer_held: object = 0.0, today: dt.date | None = None,
                    cases: Mapping[int, str] | None = None, balance_value: object = None) -> AllowancesView:
    """The enterprise's allocation, projection, position and calendar for ``year`` (the latest year
    with results when None).

    Raises
    ------
    NotFound
        The enterprise does not exist or the caller may not see it.
    ValidationFailed
        A year outside 2000–2100 or a CCER holding that is not a number ≥ 0.
    """
    enterprise = get_enterprise(session, principal, enterprise_id)
    today = today or dt.date.today()
    chosen = _check_year(year if year is not None else _default_year(session, enterprise_id, today))
    held = _check_ccer(ccer_held)
    bp = _check_balance(balance_value)
    data = _load(session, [enterprise_id], chosen).get(enterprise_id, _Data())
    view = _view(session, enterprise, chosen, data, ccer_held=held, today=today, cases=cases or {},
                 balance_value=bp)
    return dataclasses.replace(view, can_manage=principal.can_manage(enterprise_id))


def allocated_allowances(session: Session, enterprise_id: int, year: int) -> float | None:
    """The allowances [tCO2e] the enterprise's months recorded so far in ``year`` earn.

    Intensity lines: the output so far × the rule's value × its factors; lines allocated their
    verified emissions: their covered emissions so far (the platform's figure until verification).
    None when the enterprise is in no covered sector, the year has no rules, a needed value was
    not found, or nothing is recorded. The caller checks access.
    """
    enterprise = session.get(Organisation, enterprise_id)
    if enterprise is None or sector_of(enterprise) is None:
        return None
    data = _load(session, [enterprise_id], year).get(enterprise_id, _Data())
    view = _view(session, enterprise, year, data, ccer_held=0.0, today=dt.date.today(), cases={},
                 with_calendar=False)
    return view.allocation_so_far.total


# ---------------------------------------------------------------------------------- regional


@dataclass(frozen=True, slots=True)
class RegionRow:
    enterprise: Organisation
    view: AllowancesView


def region_rows(session: Session, principal: Principal, year: int, *, today: dt.date | None = None,
                limit: int = 500) -> list[RegionRow]:
    """The visible enterprises of the covered sectors with their position in ``year``, by name."""
    chosen = _check_year(year)
    today = today or dt.date.today()
    enterprises = list(session.execute(
        select(Organisation).where(enterprise_filter(session, principal), Organisation.industry.in_(list(SECTORS)))
        .order_by(Organisation.name, Organisation.id).limit(limit)).scalars())
    data = _load(session, [e.id for e in enterprises], chosen)
    return [RegionRow(e, _view(session, e, chosen, data.get(e.id, _Data()), ccer_held=0.0, today=today, cases={},
                               with_calendar=False)) for e in enterprises]


# ------------------------------------------------------------------------------------ what-if


#: the fields of each measure: name → (upper bound, English label, Chinese label)
MEASURE_FIELDS: Mapping[str, tuple[tuple[str, float], ...]] = {
    "clinker_factor": (("cement_output_t", _LIMIT), ("clinker_factor_before", 1.0), ("clinker_factor_after", 1.0),
                       ("clinker_intensity_tco2_per_t", 10.0)),
    "scrap": (("crude_steel_t", _LIMIT), ("scrap_ratio_before", 1.0), ("scrap_ratio_after", 1.0),
              ("hot_metal_intensity_tco2_per_t", 10.0), ("hot_metal_per_scrap", 2.0)),
    "anode": (("aluminium_t", _LIMIT), ("net_anode_before", 2.0), ("net_anode_after", 2.0),
              ("anode_carbon_content", 1.0)),
}
#: optional fields (a default applies when blank)
_OPTIONAL = {"hot_metal_per_scrap": 1.0}


def what_if(view: AllowancesView, measure: object, params: Mapping[str, object]) -> MeasureEffect:
    """The allowance effect of a measure on the enterprise's rules of the year (see
    :mod:`greenmfg.calc.ets_allowances`): ``measure`` one of :data:`MEASURES`, ``params`` its fields.

    Raises
    ------
    ValidationFailed
        An unknown measure, a missing field or a value that is not a number in its range; located
        by the field's name.
    """
    if not isinstance(measure, str) or measure not in MEASURE_FIELDS:
        raise ValidationFailed([_INPUT.finding("unknown_measure", "measure", measure,
                                               "choose a measure: clinker_factor, scrap or anode",
                                               "请选择措施：clinker_factor（降低熟料系数）、scrap（增加废钢）或 anode（降低阳极消耗）",
                                               "measure=clinker_factor, scrap or anode",
                                               "measure 取 clinker_factor、scrap 或 anode")])
    issues: list[Finding] = []
    values: dict[str, float] = {}
    for name, upper in MEASURE_FIELDS[measure]:
        value = read_number(_INPUT, params.get(name), name, issues, high=upper, example="0.75")
        if value is None and not any(i.column == name for i in issues):
            if name in _OPTIONAL:
                value = _OPTIONAL[name]
            else:
                issues.append(_INPUT.finding("missing", name, None, "is required", "必须填写",
                                             f"fill in {name}", "请填写该项"))
        if value is not None:
            values[name] = value
    if issues:
        raise ValidationFailed(issues)
    rules = [line.record.rule for line in view.lines] or [r.rule for r in view.rules if r.rule.case == "general"]
    balance_lines = [line for line in view.lines if line.record.rule.method == "balance_value"]
    baseline = None
    if balance_lines and all(line.emissions_projected is not None and line.basis_projected is not None
                             and line.output_projected for line in balance_lines):
        baseline = Baseline(emissions=sum(line.emissions_projected or 0.0 for line in balance_lines),
                            basis_emissions=sum(line.basis_projected or 0.0 for line in balance_lines),
                            output=sum(line.output_projected or 0.0 for line in balance_lines),
                            balance_value=view.balance_value)
    if measure == "clinker_factor":
        return clinker_factor_effect(rules=rules, baseline=baseline, **values)
    if measure == "scrap":
        return scrap_effect(rules=rules, baseline=baseline, **values)
    return anode_effect(rules=rules, baseline=baseline, **values)


def as_dict(view: AllowancesView, effect: MeasureEffect | None = None) -> dict[str, Any]:
    """The view in the API's JSON shape."""

    def allocation(a: Allocation) -> dict[str, Any]:
        return {"total_tco2e": a.total, "unverified_rules": list(a.unverified),
                "lines": [{"line": x.line, "rule": x.rule.key, "method": x.rule.method, "output_t": x.output_t,
                           "emissions_tco2e": x.emissions_tco2e, "allowances_tco2e": x.allowances,
                           "derivation": x.derivation, "missing": list(x.missing)} for x in a.lines]}

    p, pos = view.projection, view.position
    out: dict[str, Any] = {
        "enterprise": {"id": view.enterprise.id, "code": view.enterprise.code, "name": view.enterprise.name},
        "year": view.year, "sector": view.sector, "balance_value_assumed_tco2_per_t": view.balance_value,
        "line_intensities_tco2_per_t": {line.facility: line.intensity for line in view.lines},
        "rules": [{"key": r.rule.key, "case": r.rule.case, "name_zh": r.name_zh, "name_en": r.name_en,
                   "method": r.rule.method, "output_item": r.rule.output_item, "intensity_basis": r.rule.basis,
                   "reference_value_tco2_per_t": r.rule.intensity,
                   "factors": [{"name": n, "value": v} for n, v in r.rule.factors], "rule_en": r.rule_en,
                   "rule_zh": r.rule_zh, "source": r.rule.source, "verification_status": r.rule.verification_status,
                   "dataset": r.dataset_id} for r in view.rules],
        "allocation_so_far": allocation(view.allocation_so_far),
        "allocation_year_end": allocation(view.allocation_year_end),
        "emissions": {"monthly_tco2e": {f"{view.year}-{m:02d}": v for m, v in view.monthly.items()},
                      "by_month": [{"period": f"{view.year}-{m:02d}", "covered_tco2e": v, "filed": m in view.filed,
                                  "filed_version": view.filed.get(m),
                                  "source": "filed" if m in view.filed else "not_yet_filed"}
                                 for m, v in view.monthly.items()],
                      "to_date_tco2e": p.to_date, "projected_tco2e": p.projected, "low_tco2e": p.low,
                      "high_tco2e": p.high, "method": p.method, "level": p.level, "sd_tco2e": p.sd,
                      "months": list(p.months),
                      "band_method": "Student-t prediction interval from the month-to-month variability of the "
                                     "months so far against the profile (previous year when complete, else flat)"},
        "position": {"allowances_tco2e": pos.allowances, "emissions_tco2e": pos.emissions,
                     "ccer_held_tco2e": pos.ccer_held, "ccer_limit_share": pos.ccer_limit_share,
                     "ccer_usable_tco2e": pos.ccer_usable, "balance_tco2e": pos.balance,
                     "balance_low_tco2e": pos.balance_low, "balance_high_tco2e": pos.balance_high},
        "ccer_limit": {"share": view.ccer.share, "verification_status": view.ccer.status,
                       "reference": view.ccer.reference, "source": view.ccer.source},
        "calendar": [{"key": m.key, "year": m.year, "milestone": m.milestone, "due": m.due.isoformat(),
                      "name_zh": m.name_zh, "name_en": m.name_en, "source": m.source,
                      "verification_status": m.verification_status, "next": m.due >= view.today}
                     for m in view.calendar],
        "warnings": [w.as_dict() | {"severity": w.severity} for w in view.warnings],
    }
    if effect is not None:
        out["what_if"] = {"measure": effect.measure, "delta_emissions_tco2e": effect.delta_emissions,
                          "delta_outputs_t": dict(effect.delta_outputs),
                          "delta_allowances_tco2e": effect.delta_allowances, "delta_net_tco2e": effect.delta_net,
                          "derivation": list(effect.derivation)}
    return out


# -------------------------------------------------------------------------------- declarations

#: the longest evidence reference kept [characters]
MAX_EVIDENCE = 500


@dataclass(frozen=True, slots=True)
class Declaration:
    """A line's declared special case of a year's rules, as stored."""

    facility_id: int
    facility: str
    year: int
    case: str
    evidence: str
    declared_by: int | None
    declared_at: dt.datetime
    #: the rule the case names (None: the year's rules no longer have the case)
    record: RuleRecord | None


def declared_cases(session: Session, enterprise_id: int, year: int) -> dict[int, str]:
    """The declared case of each line (facility id → case) of the enterprise in ``year``. The caller checks access."""
    return {int(f): str(c) for f, c in session.execute(
        select(EtsDeclaration.facility_id, EtsDeclaration.case).where(
            EtsDeclaration.enterprise_id == enterprise_id, EtsDeclaration.year == year))}


def declarations(session: Session, principal: Principal, enterprise_id: int, year: object) -> list[Declaration]:
    """The enterprise's declarations of ``year``, by facility code.

    Raises
    ------
    NotFound
        The caller may not see the enterprise.
    ValidationFailed
        A year outside 2000–2100.
    """
    enterprise = get_enterprise(session, principal, enterprise_id)
    number = _check_year(year)
    sector = sector_of(enterprise)
    records = {r.rule.case: r for r in rules_for(number, sector)} if sector else {}
    rows = session.execute(select(EtsDeclaration, Facility.code).join(Facility, Facility.id == EtsDeclaration.facility_id)
                           .where(EtsDeclaration.enterprise_id == enterprise.id, EtsDeclaration.year == number)
                           .order_by(Facility.code)).all()
    return [Declaration(d.facility_id, code, d.year, d.case, d.evidence, d.declared_by, d.declared_at,
                        records.get(d.case)) for d, code in rows]


def special_cases(year: int, sector: str | None) -> list[RuleRecord]:
    """The cases a line of ``sector`` may declare in ``year`` (every rule but the general one)."""
    return [r for r in rules_for(year, sector) if r.rule.case != "general"] if sector else []


def declare_case(session: Session, principal: Principal, enterprise_id: int, facility: object, year: object,
                 data: Mapping[str, object]) -> Declaration | None:
    """The enterprise's manager declares a line's special case of ``year``'s rules, with its evidence.

    ``facility``: the facility's code; ``data``: ``case`` (a case of the year's rules of the
    enterprise's sector; ``general`` withdraws the declaration) and ``evidence`` (required for a
    case: the document, report or attachment that proves it, at most 500 characters). Audited as
    ``ets.declaration.set`` with the case before. Returns the declaration (None when withdrawn).

    Raises
    ------
    NotFound
        The caller may not see the enterprise.
    Forbidden
        It sees it but is not one of its managers.
    ValidationFailed
        A bad year, an unknown facility, a case the year's rules do not have, no evidence; located
        by the field's name.
    """
    enterprise = get_enterprise(session, principal, enterprise_id)
    if not (principal.can_manage(enterprise.id) and enterprise.id in principal.enterprise_ids()):
        raise Forbidden("only the enterprise's managers declare the special cases of its lines",
                        "只有企业管理员可以申报生产线的特殊情形")
    number = _check_year(year)
    issues: list[Finding] = []
    code = str(facility or "").strip()
    facility_row = session.execute(select(Facility).where(
        Facility.enterprise_id == enterprise.id, Facility.code == code)).scalar_one_or_none()
    if facility_row is None:
        issues.append(_INPUT.finding("unknown_facility", "facility", code,
                                     "the enterprise has no facility (line) with this code",
                                     "该企业没有此编号的设施（生产线）", "choose one of the enterprise's facilities",
                                     "请选择本企业的设施"))
    case = str(data.get("case") or "").strip()
    allowed = {r.rule.case: r for r in special_cases(number, sector_of(enterprise))}
    if case != "general" and case not in allowed:
        names_en = ", ".join(f"{k} ({r.name_en})" for k, r in allowed.items()) or "none"
        names_zh = "、".join(r.name_zh for r in allowed.values()) or "无"
        issues.append(_INPUT.finding("unknown_case", "case", case,
                                     f"not a special case of the {number} rules of the enterprise's sector",
                                     f"不是本行业 {number} 年度分配规则中的特殊情形",
                                     f"choose one of: {names_en}; or general to withdraw",
                                     f"请选择：{names_zh}；或选择 一般情形 以撤回申报"))
    evidence = str(data.get("evidence") or "").strip()
    if case != "general" and not evidence:
        issues.append(_INPUT.finding("missing", "evidence", None,
                                     "the evidence of the case is required",
                                     "必须填写证明材料", "name the document, report or attachment that proves the case "
                                     "(number and date)", "请填写证明该情形的文件、报告或附件（编号和日期）"))
    elif len(evidence) > MAX_EVIDENCE:
        issues.append(_INPUT.finding("too_long", "evidence", evidence[:40],
                                     f"is longer than {MAX_EVIDENCE} characters", f"超过 {MAX_EVIDENCE} 个字符",
                                     "shorten it to the document's name, number and date",
                                     "请简写为文件名称、编号和日期"))
    if issues:
        raise ValidationFailed(issues)
    assert facility_row is not None
    row = session.execute(select(EtsDeclaration).where(
        EtsDeclaration.facility_id == facility_row.id, EtsDeclaration.year == number)).scalar_one_or_none()
    before = None if row is None else {"case": row.case, "evidence": row.evidence}
    if case == "general":
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = EtsDeclaration(enterprise_id=enterprise.id, facility_id=facility_row.id, year=number)
            session.add(row)
        row.case, row.evidence, row.declared_by, row.declared_at = case, evidence, principal.user_id, utcnow()
    audit_record(session, "ets.declaration.set", actor=principal.username, actor_user_id=principal.user_id,
                 organisation_id=enterprise.id, target_type="ets_declaration",
                 target_id=f"{facility_row.id}:{number}",
                 details={"facility": code, "year": number, "case": case, "evidence": evidence, "before": before})
    session.flush()
    if case == "general" or row is None:
        return None
    return Declaration(facility_row.id, code, number, case, evidence, row.declared_by, row.declared_at,
                       allowed[case])
