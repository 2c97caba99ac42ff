"""Monthly filing of the national carbon market (月度信息化存证): covered companies, covered emissions
of a month, filings and amendments, deadlines, and the regulators' overview.

Covered companies
    An enterprise of a covered sector (dataset ``ets_coverage/mee-2025``: steel, cement,
    electrolytic aluminium) is covered in a year when its direct emissions of the year reach the
    threshold of the same dataset (26 000 tCO2e/a, status secondary). The status is data per
    enterprise-year (:class:`~greenmfg.ets.filing_models.EtsCoverage`): :func:`assess_coverage` stores it
    from the year's covered months, a regulator covering the enterprise sets or overrides it with a
    reason (:func:`set_coverage`, audited). A year without a row takes the latest earlier row (the
    list of covered companies stays until it is changed): :func:`coverage_of` says which year it is.

Covered emissions of a month
    :func:`covered_month` reads them, the ONE source: the ETS engine's figures stored per
    facility-month (:mod:`greenmfg.ets.figures`, computed when data are stored or the reference
    data change): per facility and in total, by source (combustion, process, PFC CF4/C2F6);
    purchased electricity and heat are information only, never in the total.

Filing
    :func:`file_month` locks a month: its current data versions (ids and a SHA-256 of their rows),
    its covered emissions and the chosen evidence (attachments with their SHA-256, uploaded with
    :func:`add_evidence` through :mod:`greenmfg.attachments`) are frozen in a filing version with the
    deadline (month end + 40 days, dataset ``filing_deadlines/platform-2026.2`` row
    ``ets_monthly_evidence``). A filed month's data cannot change (:func:`require_unlocked`, called
    by every commit of activity data: imports and the browser's month editor) until an amendment is
    opened with a reason (:func:`open_amendment`); filing again then makes version n + 1 with that
    reason; earlier versions are kept. Every step is audited and told (:mod:`greenmfg.notifications`).

Deadlines are days in China time (Asia/Shanghai): a filing is on time when it was made on or
before its due day there; a month not filed after its due day is overdue.

Who may do what: the enterprise's managers file, amend and attach evidence; whoever sees the
enterprise (its members, covering regulators, assigned evaluators, admins; :mod:`greenmfg.orgs.access`)
reads; a regulator covering the enterprise (manager, write scope) or an admin sets its coverage.
Anybody else gets :class:`~greenmfg.orgs.access.NotFound`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greenmfg.accounting.models import ActivityRecord, DataVersion, ImportBatch
from greenmfg.attachments import service as attachments
from greenmfg.attachments.models import Attachment
from greenmfg.audit.service import record
from greenmfg.auth.models import User
from greenmfg.calc.ets import covered_emissions_t
from greenmfg.db.base import utcnow
from greenmfg.errors import GreenmfgError, Issue, ValidationFailed
from greenmfg.ets.figures import installed_fingerprint
from greenmfg.ets.filing_models import EtsCoverage, EtsFigure, EtsFiling, EtsMonth
from greenmfg.ets.methodology import ETS_METHODOLOGIES
from greenmfg.findings import Locator
from greenmfg.i18n import DEFAULT_TIMEZONE
from greenmfg.notifications import deadlines
from greenmfg.orgs.access import (
    Forbidden,
    NotFound,
    Principal,
    enterprise_filter,
    get_enterprise,
    regulator_scopes,
)
from greenmfg.orgs.models import Facility, Organisation, OrgKind
from greenmfg.refdata.catalog import Catalog, ParameterRow, load_catalog

__all__ = [
    "COVERAGE_DATASET", "EVIDENCE_KINDS", "EVIDENCE_MEDIA", "OBLIGATION", "SUBJECT", "CompanyYear", "CoverageRules",
    "CoverageView", "CoveredFacility", "CoveredMonth", "FilingConflict", "MonthDetail", "MonthLocked", "MonthRow",
    "MonthStatus", "RegionFilings", "add_evidence", "allocated_allowances", "assess_coverage", "assess_visible", "china_today",
    "company_year", "company_year_of", "coverage_of", "covered_month", "covered_sectors", "deadline_of", "evidence", "evidence_file",
    "file_month", "filed_on_time", "filed_versions", "filing_dict", "load_coverage_rules", "may_decide", "may_decide_any", "month_detail", "notify_deadlines", "open_amendment", "region_overview",
    "require_unlocked", "set_coverage",
]

COVERAGE_DATASET = "ets_coverage/mee-2025"
#: the obligation of the ``filing_deadlines`` dataset whose row says when a month is due
OBLIGATION = "ets_monthly_evidence"
#: the ``subject_type`` of a month's evidence (:mod:`greenmfg.attachments`)
SUBJECT = "ets_month"
#: kinds of evidence: lab reports (carbon content, NCV), invoices and settlement notes, meter totals, other
EVIDENCE_KINDS = ("lab_report", "invoice", "meter_totals", "other")
#: what evidence may be: PDF, images and Excel workbooks (meter totals come as tables)
EVIDENCE_MEDIA = (*attachments.DOCUMENTS, attachments.XLSX)
MAX_REASON = 500
MIN_YEAR, MAX_YEAR = 2000, 2100
CHINA = ZoneInfo(DEFAULT_TIMEZONE)
_INPUT = Locator(named=True, value_limit=200)


class MonthStatus(StrEnum):
    #: the month has not ended yet
    not_due = "not_due"
    #: ended, not filed, its due day not passed
    due = "due"
    filed_on_time = "filed_on_time"
    filed_late = "filed_late"
    #: its due day passed and it was not filed
    overdue = "overdue"


class FilingConflict(GreenmfgError):
    """The month is not in a state this step starts from (already filed, not filed, not covered …)."""

    status = 409
    code = "ets.conflict"
    message = "the month is not in a state this step starts from"
    message_zh = "该月当前状态不允许此操作"


class MonthLocked(GreenmfgError):
    """Activity data of a filed month cannot change before an amendment is opened: nothing is stored."""

    status = 409
    code = "ets.month_locked"
    message = "the month is filed with the carbon market; open an amendment with a reason before changing its data"
    message_zh = "该月已完成碳市场月度存证；修改数据前请先填写原因发起更正"


def _fail(issues: list[Issue]) -> None:
    if issues:
        raise ValidationFailed(issues, len(issues))


# --------------------------------------------------------------------------- covered emissions


@dataclass(frozen=True, slots=True)
class CoveredFacility:
    """One facility's covered emissions of a month by the guidelines [tCO2, tCO2e], as stored
    (:class:`~greenmfg.ets.filing_models.EtsFigure`) with the data version they come from."""

    facility_id: int
    facility: str
    name: str | None
    sector: str
    combustion_tco2e: float
    process_tco2e: float
    cf4_t: float
    c2f6_t: float
    cf4_tco2e: float
    c2f6_tco2e: float
    purchased_electricity_mwh: float
    purchased_electricity_tco2e: float
    purchased_heat_tco2e: float
    findings: int
    unverified: bool
    data_version_id: int
    reference_fingerprint: str

    @property
    def pfc_tco2e(self) -> float:
        """The anode-effect PFCs, CF4 + C2F6 [tCO2e]."""
        return self.cf4_tco2e + self.c2f6_tco2e

    @property
    def covered_tco2e(self) -> float:
        """Combustion + process + PFCs [tCO2e]; purchased electricity and heat are not covered."""
        return covered_emissions_t(self.combustion_tco2e, self.process_tco2e, self.pfc_tco2e)

    def as_dict(self) -> dict[str, Any]:
        return {"facility_id": self.facility_id, "facility": self.facility, "name": self.name, "sector": self.sector,
                "covered_tco2e": self.covered_tco2e, "combustion_tco2e": self.combustion_tco2e,
                "process_tco2e": self.process_tco2e, "pfc_tco2e": self.pfc_tco2e,
                "pfc": {"cf4_t": self.cf4_t, "cf4_tco2e": self.cf4_tco2e, "c2f6_t": self.c2f6_t,
                        "c2f6_tco2e": self.c2f6_tco2e},
                "purchased_electricity_mwh": self.purchased_electricity_mwh,
                "purchased_electricity_tco2e": self.purchased_electricity_tco2e,
                "purchased_heat_tco2e": self.purchased_heat_tco2e, "findings": self.findings,
                "unverified": self.unverified, "data_version_id": self.data_version_id,
                "reference_fingerprint": self.reference_fingerprint}


@dataclass(frozen=True, slots=True)
class CoveredMonth:
    """An enterprise's covered emissions of one month, per facility and in total [tCO2e]."""

    enterprise_id: int
    period: str
    facilities: tuple[CoveredFacility, ...]
    #: the installed reference fingerprint of ETS accounting (``current``: the figures were computed with it)
    fingerprint: str = ""

    @property
    def has_data(self) -> bool:
        return bool(self.facilities)

    @property
    def current(self) -> bool:
        """Computed with the installed reference data (else due for ``greenmfg recalc``)."""
        return all(f.reference_fingerprint == self.fingerprint for f in self.facilities)

    @property
    def unverified(self) -> bool:
        """A covered figure uses a reference value not verified against the guideline's text."""
        return any(f.unverified for f in self.facilities)

    @property
    def findings(self) -> int:
        return sum(f.findings for f in self.facilities)

    @property
    def combustion_tco2e(self) -> float:
        return sum(f.combustion_tco2e for f in self.facilities)

    @property
    def process_tco2e(self) -> float:
        return sum(f.process_tco2e for f in self.facilities)

    @property
    def pfc_tco2e(self) -> float:
        return sum(f.pfc_tco2e for f in self.facilities)

    @property
    def covered_tco2e(self) -> float:
        """The covered total: combustion + process + PFCs of every facility."""
        return sum(f.covered_tco2e for f in self.facilities)

    @property
    def purchased_electricity_tco2e(self) -> float:
        """Information only (not covered)."""
        return sum(f.purchased_electricity_tco2e for f in self.facilities)

    @property
    def purchased_heat_tco2e(self) -> float:
        """Information only (not covered)."""
        return sum(f.purchased_heat_tco2e for f in self.facilities)

    def as_dict(self) -> dict[str, Any]:
        return {"period": self.period, "covered_tco2e": self.covered_tco2e,
                "by_source": {"combustion": self.combustion_tco2e, "process": self.process_tco2e,
                              "pfc": self.pfc_tco2e},
                "information_only": {"purchased_electricity": self.purchased_electricity_tco2e,
                                     "purchased_heat": self.purchased_heat_tco2e},
                "findings": self.findings, "unverified": self.unverified, "current": self.current,
                "methodology": ETS_METHODOLOGIES,
                "facilities": [f.as_dict() for f in self.facilities], "unit": "tCO2e"}


def _covered_facilities(session: Session, enterprise_id: int, periods: Sequence[str]) -> dict[str, list[CoveredFacility]]:
    """The stored figures of these months of the enterprise: period → facilities (by code)."""
    out: dict[str, list[CoveredFacility]] = {p: [] for p in periods}
    for f, code, name in session.execute(
            select(EtsFigure, Facility.code, Facility.name).join(Facility, Facility.id == EtsFigure.facility_id)
            .where(EtsFigure.enterprise_id == enterprise_id, EtsFigure.period.in_(list(periods)))
            .order_by(EtsFigure.period, Facility.code, EtsFigure.id)):
        out[f.period].append(CoveredFacility(
            int(f.facility_id), str(code), name, f.sector, f.combustion_tco2, f.process_tco2, f.cf4_t, f.c2f6_t,
            f.cf4_tco2e, f.c2f6_tco2e, f.purchased_electricity_mwh, f.purchased_electricity_tco2,
            f.purchased_heat_tco2, f.findings, f.unverified, f.data_version_id, f.reference_fingerprint))
    return out


def covered_month(session: Session, enterprise_id: int, period: str) -> CoveredMonth:
    """The covered emissions of one enterprise-month [tCO2e]: per facility and total, by source.

    The stored figures of the ETS engine (:mod:`greenmfg.ets.figures`: the guidelines' defaults,
    combustion, process and, for aluminium, the PFCs CF4 and C2F6), computed when the month's data
    were stored or the reference data changed, never here; purchased electricity and heat are
    carried as information, never in the total.

    Parameters
    ----------
    enterprise_id
        The enterprise (no access check: callers check it first).
    period
        The month, ``YYYY-MM``.
    """
    facilities = _covered_facilities(session, enterprise_id, [period])[period]
    return CoveredMonth(enterprise_id, period, tuple(facilities), installed_fingerprint())


def allocated_allowances(session: Session, enterprise_id: int, year: int) -> float | None:
    """The allowances allocated to the enterprise for ``year`` [tCO2e] (earned by its months so far);
    None while none can be computed: :func:`greenmfg.ets.allowances.allocated_allowances`."""
    from greenmfg.ets.allowances import allocated_allowances as allocated

    return allocated(session, enterprise_id, year)


def _months(year: int) -> list[str]:
    return [f"{year:04d}-{month:02d}" for month in range(1, 13)]


def _covered_year(session: Session, enterprise_id: int, year: int) -> tuple[float, int]:
    """The year's covered emissions [tCO2e] summed over its months (the stored figures, as
    :func:`covered_month` reads them), and how many months have data."""
    total, months = session.execute(
        select(func.sum(EtsFigure.covered_tco2e), func.count(EtsFigure.period.distinct()))
        .where(EtsFigure.enterprise_id == enterprise_id, EtsFigure.period.in_(_months(year)))).one()
    return float(total or 0.0), int(months or 0)


# ----------------------------------------------------------------------------------- coverage


@dataclass(frozen=True, slots=True)
class CoverageRules:
    """The threshold and the covered sectors, with their dataset rows."""

    threshold: ParameterRow
    sectors: Mapping[str, ParameterRow]
    dataset_id: str
    sha256: str

    @property
    def threshold_tco2e(self) -> float:
        return float(self.threshold.value or 0)

    @property
    def verified(self) -> bool:
        return self.threshold.verification_status in ("verified", "definitional")


def load_coverage_rules(catalog: Catalog | None = None) -> CoverageRules:
    """The rows of ``ets_coverage/mee-2025``."""
    dataset = (catalog or load_catalog()).dataset(COVERAGE_DATASET)
    threshold = next(r for r in dataset.rows if r.parameter == "direct_emissions_threshold")
    sectors = {r.key: r for r in dataset.rows if r.parameter == "covered_sector" and r.value}
    return CoverageRules(threshold, sectors, dataset.info.id, dataset.info.sha256)


def covered_sectors(catalog: Catalog | None = None) -> tuple[str, ...]:
    """The industry keys of the covered sectors."""
    return tuple(load_coverage_rules(catalog).sectors)


@dataclass(frozen=True, slots=True)
class CoverageView:
    """An enterprise's coverage in a year: the row of that year, or the latest earlier row carried forward."""

    year: int
    covered: bool
    basis: str
    #: the year of the row it comes from (< ``year`` when carried forward)
    from_year: int
    sector: str | None
    direct_tco2e: float | None
    threshold_tco2e: float | None
    reason: str | None
    set_at: dt.datetime | None
    source: str | None

    @property
    def carried(self) -> bool:
        return self.from_year != self.year

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "covered": self.covered, "basis": self.basis, "from_year": self.from_year,
                "sector": self.sector, "direct_tco2e": self.direct_tco2e, "threshold_tco2e": self.threshold_tco2e,
                "reason": self.reason, "set_at": self.set_at, "source": self.source}


def coverage_of(session: Session, enterprise_id: int, year: int) -> CoverageView | None:
    """The coverage of ``year``: its own row, else the latest earlier one; None when there is none."""
    row = session.execute(select(EtsCoverage).where(EtsCoverage.enterprise_id == enterprise_id,
                                                    EtsCoverage.year <= year)
                          .order_by(EtsCoverage.year.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        return None
    return CoverageView(year=year, covered=row.covered, basis=row.basis, from_year=row.year, sector=row.sector,
                        direct_tco2e=row.direct_tco2e, threshold_tco2e=row.threshold_tco2e, reason=row.reason,
                        set_at=row.set_at, source=row.source)


def assess_coverage(session: Session, year: int, *, actor: str, actor_user_id: int | None,
                    enterprise_ids: Iterable[int] | None = None, rules: CoverageRules | None = None) -> list[EtsCoverage]:
    """Store the coverage of ``year`` assessed from emissions, for enterprises of the covered sectors.

    An enterprise is covered when its covered emissions of the year (the sum of its months with
    data, :func:`covered_month`) reach the threshold. Enterprises without data in the year get no
    row (their latest earlier row still applies); a regulator's row is never replaced. No access
    check: the callers (the demo seed, :func:`assess_visible`) choose the enterprises.
    """
    rules = rules or load_coverage_rules()
    query = select(Organisation).where(Organisation.kind == OrgKind.enterprise,
                                       Organisation.industry.in_(list(rules.sectors)))
    if enterprise_ids is not None:
        query = query.where(Organisation.id.in_(list(enterprise_ids)))
    stored: list[EtsCoverage] = []
    for enterprise in session.execute(query.order_by(Organisation.id)).scalars():
        total, months = _covered_year(session, enterprise.id, year)
        if months == 0:
            continue
        row = session.execute(select(EtsCoverage).where(EtsCoverage.enterprise_id == enterprise.id,
                                                        EtsCoverage.year == year)).scalar_one_or_none()
        if row is not None and row.basis == "regulator":
            continue
        covered = total >= rules.threshold_tco2e
        if row is None:
            row = EtsCoverage(enterprise_id=enterprise.id, year=year)
            session.add(row)
        row.covered, row.basis, row.sector, row.direct_tco2e = covered, "emissions", enterprise.industry, total
        row.threshold_tco2e, row.source, row.reason = rules.threshold_tco2e, \
            f"{rules.dataset_id}:{rules.threshold.key}.{rules.threshold.parameter}", None
        row.set_by, row.set_at = actor_user_id, utcnow()
        record(session, "ets.coverage.assess", actor=actor, actor_user_id=actor_user_id,
               organisation_id=enterprise.id, target_type="ets_coverage", target_id=f"{enterprise.id}:{year}",
               details={"year": year, "covered": covered, "direct_tco2e": total, "months": months,
                        "threshold_tco2e": rules.threshold_tco2e, "dataset": rules.dataset_id,
                        "sha256": rules.sha256})
        stored.append(row)
    session.flush()
    return stored


def may_decide(session: Session, principal: Principal, enterprise: Organisation) -> bool:
    """May the caller set the enterprise's covered status: a covering regulator's manager (write
    scope) or an admin."""
    if principal.is_admin and "write" in principal.scopes:
        return True
    return any(s.covers(enterprise) for s in regulator_scopes(session, principal, write=True))


def may_decide_any(session: Session, principal: Principal) -> bool:
    """Is the caller a regulator's manager (write scope) or an admin: may it assess covered companies at all."""
    return (principal.is_admin and "write" in principal.scopes) or bool(regulator_scopes(session, principal,
                                                                                        write=True))


def assess_visible(session: Session, principal: Principal, year: Any) -> list[EtsCoverage]:
    """:func:`assess_coverage` of ``year`` for the enterprises the caller (a regulator manager or an
    admin) may decide on.

    Raises
    ------
    Forbidden
        Not a regulator manager with the write scope, nor an admin.
    """
    number = _year(year)
    if not may_decide_any(session, principal):
        raise Forbidden("only regulators (manager role) and platform admins assess the covered companies",
                        "只有监管部门（管理员角色）和平台管理员可以评估重点排放单位")
    rules = load_coverage_rules()
    candidates = [o for o in session.execute(select(Organisation).where(
        enterprise_filter(session, principal), Organisation.industry.in_(list(rules.sectors)))).scalars()
        if may_decide(session, principal, o)]
    return assess_coverage(session, number, actor=principal.username, actor_user_id=principal.user_id,
                           enterprise_ids=[o.id for o in candidates], rules=rules)


def _year(value: Any, field_name: str = "year") -> int:
    issues: list[Issue] = []
    number: int | None = None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(str(value).strip())
    except (TypeError, ValueError):
        issues.append(_INPUT.finding("ets.input.not_year", field_name, value, "is not a year", "不是年份",
                                     "give a year such as 2026", "请填写年份，如 2026"))
    if number is not None and not MIN_YEAR <= number <= MAX_YEAR:
        issues.append(_INPUT.finding("ets.input.out_of_range", field_name, value,
                                     f"must be between {MIN_YEAR} and {MAX_YEAR}", f"必须在 {MIN_YEAR} 与 {MAX_YEAR} 之间",
                                     f"give a year from {MIN_YEAR} to {MAX_YEAR}", f"请填写 {MIN_YEAR} 至 {MAX_YEAR} 之间的年份"))
    _fail(issues)
    assert number is not None
    return number


def _reason(value: Any, issues: list[Issue], *, what: str, what_zh: str) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        issues.append(_INPUT.finding("ets.input.not_text", "reason", value, "must be text", "必须为文本",
                                     "send the reason as text", "请以文本填写原因"))
        return None
    if not text:
        issues.append(_INPUT.finding("ets.input.reason_required", "reason", None, f"is required: say why {what}",
                                     f"为必填项：请说明{what_zh}的原因", "give the reason (it is kept and audited)",
                                     "请填写原因（将被保存并记入审计日志）"))
        return None
    if len(text) > MAX_REASON:
        issues.append(_INPUT.finding("ets.input.too_long", "reason", text[:50], f"is longer than {MAX_REASON} characters",
                                     f"超过 {MAX_REASON} 个字符", "shorten it", "请缩短"))
        return None
    return text


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in {"true", "1", "yes", "on", "是"}:
        return True
    if text in {"false", "0", "no", "off", "否"}:
        return False
    return None


def set_coverage(session: Session, principal: Principal, enterprise_id: int, year: Any,
                 data: Mapping[str, Any]) -> EtsCoverage:
    """A regulator covering the enterprise (or an admin) sets its coverage of ``year``, with a reason.

    ``data``: ``covered`` (true/false), ``reason`` (required). Replaces the year's row (an assessed
    one too); audited as ``ets.coverage.set`` with the status before.

    Raises
    ------
    NotFound
        The caller does not see the enterprise.
    Forbidden
        It sees it but is not a covering regulator's manager (write scope) nor an admin.
    ValidationFailed
        A bad year, ``covered`` not true/false, no reason.
    """
    enterprise = get_enterprise(session, principal, enterprise_id)
    if not may_decide(session, principal, enterprise):
        raise Forbidden("only a regulator whose jurisdiction covers the enterprise (manager role) or a platform "
                        "admin sets whether it is a covered company",
                        "只有管辖该企业的监管部门（管理员角色）或平台管理员可以认定其是否为重点排放单位")
    number = _year(year)
    issues: list[Issue] = []
    covered = _flag(data.get("covered"))
    if covered is None:
        issues.append(_INPUT.finding("ets.input.not_boolean", "covered", data.get("covered"), "must be true or false",
                                     "必须为 是 或 否", "send true (covered) or false (not covered)",
                                     "请选择 是（纳入）或 否（不纳入）"))
    reason = _reason(data.get("reason"), issues, what="the status is set", what_zh="认定")
    _fail(issues)
    assert covered is not None and reason is not None
    row = session.execute(select(EtsCoverage).where(EtsCoverage.enterprise_id == enterprise.id,
                                                    EtsCoverage.year == number)).scalar_one_or_none()
    before = coverage_of(session, enterprise.id, number)
    if row is None:
        row = EtsCoverage(enterprise_id=enterprise.id, year=number)
        session.add(row)
    rules = load_coverage_rules()
    row.covered, row.basis, row.reason = covered, "regulator", reason
    row.sector = enterprise.industry if enterprise.industry in rules.sectors else None
    row.set_by, row.set_at = principal.user_id, utcnow()
    record(session, "ets.coverage.set", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise.id, target_type="ets_coverage", target_id=f"{enterprise.id}:{number}",
           details={"year": number, "covered": covered, "comment": reason,
                    "before": None if before is None else {"covered": before.covered, "basis": before.basis,
                                                           "from_year": before.from_year}})
    session.flush()
    return row


# ----------------------------------------------------------------------------------- deadlines


def china_today(now: dt.datetime | None = None) -> dt.date:
    """Today in China (Asia/Shanghai)."""
    return (now or utcnow()).astimezone(CHINA).date()


def _china_day(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA).date()


def deadline_of(period: str, industry: str | None,
                rules: Sequence[deadlines.FilingRule] | None = None) -> tuple[dt.date, deadlines.FilingRule]:
    """The day a month's filing is due and the ``filing_deadlines`` row that says so."""
    rows = rules if rules is not None else deadlines.load_rules()
    # an enterprise of another industry (a regulator may cover it) files by the covered sectors' row
    rule = deadlines.rule_for(rows, OBLIGATION, industry, period) or next(
        iter(sorted((r for r in rows if r.obligation == OBLIGATION and r.covers(period)),
                    key=lambda r: not r.windowed)), None)
    if rule is None:  # pragma: no cover - the dataset has the obligation's row
        raise LookupError(f"no {OBLIGATION} row in {deadlines.DATASET}")
    return rule.due(period), rule


def _ended(period: str, today: dt.date) -> bool:
    return period < f"{today.year:04d}-{today.month:02d}"


def _status(period: str, due: dt.date, first: EtsFiling | None, today: dt.date) -> MonthStatus:
    if first is not None:
        return MonthStatus.filed_on_time if _china_day(first.filed_at) <= due else MonthStatus.filed_late
    if not _ended(period, today):
        return MonthStatus.not_due
    return MonthStatus.overdue if today > due else MonthStatus.due


# ------------------------------------------------------------------------------------- months


def _period(value: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit() and 1 <= int(text[5:]) <= 12 \
            and MIN_YEAR <= int(text[:4]) <= MAX_YEAR:
        return text
    raise GreenmfgError(f"'{str(value)[:20]}' is not a month: write it YYYY-MM (2026-03)",
                        f"“{str(value)[:20]}”不是月份：请写作 YYYY-MM（如 2026-03）", status=422,
                        code="ets.input.bad_period", field="period")


def _month_row(session: Session, enterprise_id: int, period: str, *, create: bool = False,
               lock: bool = False) -> EtsMonth | None:
    query = select(EtsMonth).where(EtsMonth.enterprise_id == enterprise_id, EtsMonth.period == period)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None and create:
        row = EtsMonth(enterprise_id=enterprise_id, period=period, amending=False)
        session.add(row)
        session.flush()
    return row


def _filings(session: Session, enterprise_id: int, periods: Sequence[str]) -> dict[str, list[EtsFiling]]:
    out: dict[str, list[EtsFiling]] = {}
    for filing in session.execute(select(EtsFiling).where(EtsFiling.enterprise_id == enterprise_id,
                                                          EtsFiling.period.in_(list(periods)))
                                  .order_by(EtsFiling.period, EtsFiling.version)).scalars():
        out.setdefault(filing.period, []).append(filing)
    return out


def _manager(principal: Principal, enterprise: Organisation) -> None:
    """Only the enterprise's own managers (write scope) file for it: not regulators, not admins."""
    if not (principal.can_manage(enterprise.id) and enterprise.id in principal.enterprise_ids()):
        raise Forbidden("only the enterprise's managers file its months, amend them and attach evidence",
                        "只有本企业的管理员可以进行月度存证、更正和上传证明材料")


@dataclass(frozen=True, slots=True)
class MonthRow:
    """One month of a covered company's year, as the enterprise and the regulators see it."""

    period: str
    status: MonthStatus
    due_date: dt.date
    filed_at: dt.datetime | None
    version: int
    amending: bool
    covered_tco2e: float | None
    #: the ``filing_deadlines`` row the due day comes from (the 2025 back-filling window, or 40 days)
    deadline_rule: str = ""

    @property
    def amended(self) -> bool:
        return self.version > 1

    def as_dict(self) -> dict[str, Any]:
        return {"period": self.period, "status": self.status.value, "due_date": self.due_date.isoformat(),
                "deadline_rule": self.deadline_rule, "filed_at": self.filed_at, "version": self.version,
                "amended": self.amended, "amending": self.amending, "covered_tco2e": self.covered_tco2e}


@dataclass(frozen=True, slots=True)
class CompanyYear:
    """A company's year of filings: coverage, each month's status, the filed emissions, allowances."""

    enterprise: Organisation
    year: int
    coverage: CoverageView | None
    months: tuple[MonthRow, ...]
    allowances_tco2e: float | None
    rule: deadlines.FilingRule
    rules: CoverageRules

    @property
    def covered(self) -> bool:
        return self.coverage is not None and self.coverage.covered

    @property
    def filed_tco2e(self) -> float:
        """Covered emissions of the months filed so far (their current versions) [tCO2e]."""
        return sum(m.covered_tco2e or 0.0 for m in self.months if m.covered_tco2e is not None)

    def count(self, *statuses: MonthStatus) -> int:
        return sum(1 for m in self.months if m.status in statuses)

    def as_dict(self) -> dict[str, Any]:
        return {"enterprise_id": self.enterprise.id, "enterprise_name": self.enterprise.name,
                "industry": self.enterprise.industry, "year": self.year,
                "coverage": None if self.coverage is None else self.coverage.as_dict(), "covered": self.covered,
                "months": [m.as_dict() for m in self.months], "filed_covered_tco2e": self.filed_tco2e,
                "allowances_tco2e": self.allowances_tco2e, "allocated": self.allowances_tco2e is not None,
                "balance_tco2e": None if self.allowances_tco2e is None else self.allowances_tco2e - self.filed_tco2e,
                "counts": {s.value: self.count(s) for s in MonthStatus},
                "deadline_rule": {"ref": self.rule.ref, "days": self.rule.days, "rule_en": self.rule.rule_en,
                                  "rule_zh": self.rule.rule_zh, "source": self.rule.source,
                                  "verification_status": self.rule.verification_status},
                "threshold": {"value": self.rules.threshold_tco2e, "unit": "tCO2e/a",
                              "ref": f"{self.rules.dataset_id}:{self.rules.threshold.key}",
                              "verification_status": self.rules.threshold.verification_status}}


def _company_year(session: Session, enterprise: Organisation, year: int, today: dt.date,
                  rules: Sequence[deadlines.FilingRule], coverage_rules: CoverageRules) -> CompanyYear:
    periods = _months(year)
    filed = _filings(session, enterprise.id, periods)
    amending = set(session.execute(select(EtsMonth.period).where(
        EtsMonth.enterprise_id == enterprise.id, EtsMonth.period.in_(periods), EtsMonth.amending.is_(True))).scalars())
    rows = []
    # the year's rule: its last month's (a window of back-filled months has a row of its own, named per month)
    rule = deadline_of(periods[-1], enterprise.industry, rules)[1]
    for period in periods:
        due, month_rule = deadline_of(period, enterprise.industry, rules)
        versions = filed.get(period, [])
        first = versions[0] if versions else None
        latest = versions[-1] if versions else None
        rows.append(MonthRow(period=period, status=_status(period, due, first, today), due_date=due,
                             filed_at=first.filed_at if first else None, version=latest.version if latest else 0,
                             amending=period in amending, covered_tco2e=latest.covered_tco2e if latest else None,
                             deadline_rule=month_rule.ref))
    return CompanyYear(enterprise=enterprise, year=year, coverage=coverage_of(session, enterprise.id, year),
                       months=tuple(rows), allowances_tco2e=allocated_allowances(session, enterprise.id, year),
                       rule=rule, rules=coverage_rules)


def company_year(session: Session, principal: Principal, enterprise_id: int, year: Any, *,
                 today: dt.date | None = None) -> CompanyYear:
    """What is due, filed or overdue in each month of ``year`` for an enterprise the caller sees.

    Raises
    ------
    NotFound
        The caller does not see the enterprise.
    ValidationFailed
        ``year`` is not a year.
    """
    enterprise = get_enterprise(session, principal, enterprise_id)
    return _company_year(session, enterprise, _year(year), today or china_today(), deadlines.load_rules(),
                         load_coverage_rules())


def company_year_of(session: Session, enterprise: Organisation, year: int, *,
                    today: dt.date | None = None) -> CompanyYear:
    """:func:`company_year` of an enterprise the caller has already been allowed to see (the annual report)."""
    return _company_year(session, enterprise, year, today or china_today(), deadlines.load_rules(),
                         load_coverage_rules())


def filed_versions(session: Session, enterprise_id: int, periods: Sequence[str]) -> dict[str, list[EtsFiling]]:
    """Every filed version of these months of the enterprise: period → versions, oldest first (no access check)."""
    return _filings(session, enterprise_id, periods)


def filed_on_time(filing: EtsFiling) -> bool:
    """Whether a version was filed on or before its due day (China time)."""
    return _china_day(filing.filed_at) <= filing.due_date


# ------------------------------------------------------------------------------------ evidence


def evidence(session: Session, principal: Principal, enterprise_id: int, period: str) -> list[attachments.AttachmentView]:
    """The evidence attached to a month of an enterprise the caller sees, oldest first."""
    enterprise = get_enterprise(session, principal, enterprise_id)
    month = _month_row(session, enterprise.id, _period(period))
    if month is None:
        return []
    return attachments.listing(session, subject_type=SUBJECT, subject_id=month.id)


def evidence_file(session: Session, principal: Principal, enterprise_id: int, period: str,
                  attachment_id: int) -> Attachment:
    """One evidence file (with its bytes) of a month the caller sees; NotFound otherwise."""
    enterprise = get_enterprise(session, principal, enterprise_id)
    month = _month_row(session, enterprise.id, _period(period))
    if month is None:
        raise NotFound("attachment", attachment_id)
    return attachments.get(session, subject_type=SUBJECT, subject_id=month.id, attachment_id=attachment_id)


def _locked(month: EtsMonth | None, filed: bool) -> bool:
    return filed and not (month is not None and month.amending)


def add_evidence(session: Session, principal: Principal, enterprise_id: int, period: str, *, kind: str,
                 filename: str, content: bytes) -> int:
    """Attach a lab report, invoice, meter totals or other evidence (PDF, image or .xlsx) to a month.

    Only the enterprise's managers, while the month is not locked (not filed yet, or an
    amendment is open); the file goes through :func:`greenmfg.attachments.service.add` (content
    sniffed, SHA-256, audited). Returns the attachment's id.

    Raises
    ------
    NotFound, Forbidden
        The caller does not see, or does not manage, the enterprise.
    FilingConflict
        The month is filed and no amendment is open, or it lies in the future.
    ValidationFailed
        Unknown kind, empty file, content neither PDF, PNG, JPEG nor .xlsx: nothing is stored.
    """
    enterprise = get_enterprise(session, principal, enterprise_id)
    _manager(principal, enterprise)
    period = _period(period)
    today = china_today()
    if period > f"{today.year:04d}-{today.month:02d}":
        raise FilingConflict(f"{period} has not begun: evidence is attached to months that have",
                             f"{period} 尚未开始：只能为已开始的月份上传证明材料", field="period")
    month = _month_row(session, enterprise.id, period, create=True, lock=True)
    assert month is not None
    if _locked(month, bool(month.filings)):
        raise FilingConflict(f"{period} is filed: open an amendment (with its reason) before adding evidence",
                             f"{period} 已存证：请先填写原因发起更正，再补充证明材料")
    row = attachments.add(session, principal, subject_type=SUBJECT, subject_id=month.id,
                          organisation_id=enterprise.id, kind=kind, kinds=EVIDENCE_KINDS, filename=filename,
                          content=content, accept=EVIDENCE_MEDIA)
    return int(row.id)


# -------------------------------------------------------------------------------- filing, amending


def _data_versions(session: Session, enterprise_id: int, period: str) -> list[dict[str, Any]]:
    """The month's current data versions: id, facility, number, import (and its file's SHA-256), and a
    SHA-256 over the version's rows (canonical JSON of each row's values, in stored order)."""
    versions = session.execute(
        select(DataVersion, Facility.code, ImportBatch.sha256)
        .join(Facility, Facility.id == DataVersion.facility_id)
        .join(ImportBatch, ImportBatch.id == DataVersion.import_id)
        .where(DataVersion.enterprise_id == enterprise_id, DataVersion.period == period,
               DataVersion.current.is_(True)).order_by(Facility.code)).all()
    out = []
    for version, code, import_sha256 in versions:
        digest = hashlib.sha256()
        rows = 0
        for values in session.execute(select(ActivityRecord.values).where(
                ActivityRecord.data_version_id == version.id).order_by(ActivityRecord.id)).scalars():
            digest.update(json.dumps(values, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
            digest.update(b"\n")
            rows += 1
        out.append({"id": version.id, "facility": code, "version": version.version, "import_id": version.import_id,
                    "import_sha256": import_sha256, "rows": rows, "sha256": digest.hexdigest()})
    return out


def _evidence_ids(value: Any, issues: list[Issue]) -> list[int]:
    if value is None or value == "":
        value = []
    if isinstance(value, (str, int)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        issues.append(_INPUT.finding("ets.input.not_list", "evidence_ids", value, "must be a list of attachment ids",
                                     "必须为附件编号列表", "send [1, 2, …]", "请填写 [1, 2, …]"))
        return []
    ids: list[int] = []
    for item in value:
        text = str(item).strip()
        if isinstance(item, bool) or not text.isdigit() or len(text) > 12:
            issues.append(_INPUT.finding("ets.input.not_integer", "evidence_ids", item, "is not an attachment id",
                                         "不是附件编号", "choose evidence of this month", "请选择本月的证明材料"))
            return []
        ids.append(int(text))
    return list(dict.fromkeys(ids))


def file_month(session: Session, principal: Principal, enterprise_id: int, period: str, data: Mapping[str, Any], *,
               today: dt.date | None = None) -> EtsFiling:
    """File a month (version 1), or file an open amendment (version n + 1 with its reason).

    ``data``: ``evidence_ids`` (ids of the month's evidence to file with it; at least one) and
    ``confirm`` (true: the filer confirms the data and evidence are true and complete).

    Raises
    ------
    NotFound, Forbidden
        The caller does not see, or does not manage, the enterprise.
    FilingConflict
        Not a covered company in the month's year, the month has not ended, or it is filed and no
        amendment is open.
    ValidationFailed
        No data stored for the month, no evidence chosen (or evidence of another month), not confirmed.
    """
    enterprise = get_enterprise(session, principal, enterprise_id)
    _manager(principal, enterprise)
    period = _period(period)
    today = today or china_today()
    coverage = coverage_of(session, enterprise.id, int(period[:4]))
    if coverage is None or not coverage.covered:
        raise FilingConflict(f"{enterprise.name} is not a covered company of the carbon market in {period[:4]}: "
                             "nothing to file", f"{enterprise.name} 在 {period[:4]} 年不是碳市场重点排放单位，无需存证")
    if not _ended(period, today):
        raise FilingConflict(f"{period} has not ended: a month is filed after its end",
                             f"{period} 尚未结束：月度存证须在当月结束后进行", field="period")
    month = _month_row(session, enterprise.id, period, create=True, lock=True)
    assert month is not None
    versions = list(month.filings)
    if _locked(month, bool(versions)):
        raise FilingConflict(f"{period} is already filed (version {versions[-1].version}); to change it, open an "
                             "amendment with its reason", f"{period} 已存证（第 {versions[-1].version} 版）；"
                             "如需修改，请填写原因发起更正")
    issues: list[Issue] = []
    covered = covered_month(session, enterprise.id, period)
    if not covered.has_data:
        issues.append(_INPUT.finding("ets.filing.no_data", "period", period, "the month has no accounted data",
                                     "该月没有已核算的数据", "import the month's activity data (or enter it in the "
                                     "month editor) first", "请先导入该月活动数据（或在月度数据编辑中填写）"))
    chosen = _evidence_ids(data.get("evidence_ids"), issues)
    available = {a.id: a for a in attachments.listing(session, subject_type=SUBJECT, subject_id=month.id)}
    unknown = [i for i in chosen if i not in available]
    if unknown:
        issues.append(_INPUT.finding("ets.filing.unknown_evidence", "evidence_ids", unknown[0],
                                     "is not evidence of this month", "不是本月的证明材料",
                                     "choose evidence uploaded for this month", "请选择为本月上传的证明材料"))
    elif not chosen:
        issues.append(_INPUT.finding("ets.filing.no_evidence", "evidence_ids", None,
                                     "choose at least one piece of evidence (lab report, invoice, meter totals)",
                                     "请至少选择一份证明材料（化验报告、结算凭证、计量汇总等）",
                                     "upload the month's evidence and choose it", "请上传本月证明材料并勾选"))
    if _flag(data.get("confirm")) is not True:
        issues.append(_INPUT.finding("ets.filing.not_confirmed", "confirm", data.get("confirm"),
                                     "confirm that the month's data and evidence are true and complete",
                                     "请确认本月数据及证明材料真实、完整", "tick the confirmation", "请勾选确认"))
    _fail(issues)
    due, rule = deadline_of(period, enterprise.industry)
    version = (versions[-1].version + 1) if versions else 1
    reason = month.amendment_reason if version > 1 else None
    for earlier in versions:
        earlier.current = False
    filed_evidence = [{"attachment_id": a.id, "kind": a.kind, "filename": a.filename, "media_type": a.media_type,
                       "size_bytes": a.size_bytes, "sha256": a.sha256} for i in chosen for a in (available[i],)]
    filing = EtsFiling(month_id=month.id, enterprise_id=enterprise.id, period=period, version=version, current=True,
                       reason=reason, due_date=due, deadline_rule=rule.ref, filed_by=principal.user_id,
                       covered_tco2e=covered.covered_tco2e, combustion_tco2e=covered.combustion_tco2e,
                       process_tco2e=covered.process_tco2e, pfc_tco2e=covered.pfc_tco2e,
                       purchased_electricity_tco2e=covered.purchased_electricity_tco2e,
                       purchased_heat_tco2e=covered.purchased_heat_tco2e,
                       snapshot={"data_versions": _data_versions(session, enterprise.id, period),
                                 "facilities": [f.as_dict() for f in covered.facilities],
                                 "methodology": ETS_METHODOLOGIES, "unverified": covered.unverified,
                                 "findings": covered.findings, "reference_current": covered.current,
                                 "evidence": filed_evidence,
                                 "coverage": coverage.as_dict() | {"set_at": str(coverage.set_at)}})
    session.add(filing)
    month.amending, month.amendment_reason = False, None
    month.amendment_opened_at, month.amendment_opened_by = None, None
    session.flush()
    status = _status(period, due, versions[0] if versions else filing, today)
    record(session, "ets.amend" if version > 1 else "ets.file", actor=principal.username,
           actor_user_id=principal.user_id, organisation_id=enterprise.id, target_type="ets_filing",
           target_id=filing.id,
           details={"period": period, "version": version, "comment": reason, "covered_tco2e": filing.covered_tco2e,
                    "due_date": due.isoformat(), "status": status.value,
                    "data_versions": [{"id": v["id"], "sha256": v["sha256"]} for v in filing.snapshot["data_versions"]],
                    "evidence": [{"attachment_id": e["attachment_id"], "sha256": e["sha256"]} for e in filed_evidence]})
    return filing


def open_amendment(session: Session, principal: Principal, enterprise_id: int, period: str,
                   data: Mapping[str, Any]) -> EtsMonth:
    """Open an amendment of a filed month with its reason (``data["reason"]``): its data may change
    (and evidence be added) until the amendment is filed as the next version.

    Raises
    ------
    NotFound, Forbidden
        The caller does not see, or does not manage, the enterprise.
    FilingConflict
        The month is not filed, or an amendment is already open.
    ValidationFailed
        No reason, or one over 500 characters.
    """
    enterprise = get_enterprise(session, principal, enterprise_id)
    _manager(principal, enterprise)
    period = _period(period)
    month = _month_row(session, enterprise.id, period, lock=True)
    if month is None or not month.filings:
        raise FilingConflict(f"{period} is not filed: there is nothing to amend; file it instead",
                             f"{period} 尚未存证，无需更正：请直接存证")
    if month.amending:
        raise FilingConflict(f"an amendment of {period} is already open: change the data, then file it",
                             f"{period} 已有进行中的更正：请修改数据后提交存证")
    issues: list[Issue] = []
    reason = _reason(data.get("reason"), issues, what="the filed month is amended", what_zh="更正")
    _fail(issues)
    month.amending, month.amendment_reason = True, reason
    month.amendment_opened_at, month.amendment_opened_by = utcnow(), principal.user_id
    record(session, "ets.amendment.open", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise.id, target_type="ets_month", target_id=month.id,
           details={"period": period, "comment": reason, "version": month.filings[-1].version})
    session.flush()
    return month


def require_unlocked(session: Session, enterprise_id: int, periods: Iterable[str]) -> None:
    """Refuse a change of activity data of filed months without an open amendment (every commit of
    activity data calls this before it stores anything: imports, the browser's month editor).

    Raises
    ------
    MonthLocked
        One of ``periods`` is a filed month of the enterprise and no amendment of it is open.
    """
    months = sorted({p for p in periods if isinstance(p, str) and len(p) == 7})
    if not months:
        return
    locked = sorted(set(session.execute(
        select(EtsMonth.period).join(EtsFiling, EtsFiling.month_id == EtsMonth.id)
        .where(EtsMonth.enterprise_id == enterprise_id, EtsMonth.period.in_(months),
               EtsMonth.amending.is_(False))).scalars()))
    if locked:
        named = ", ".join(locked)
        raise MonthLocked(
            f"{named}: filed with the carbon market (月度信息化存证); nothing was stored. Open an amendment of "
            f"the month with its reason on the carbon-market filing page, then change the data and file it again",
            f"{'、'.join(locked)} 已完成碳市场月度信息化存证，未保存任何内容。请先在“碳市场月度存证”页面填写原因发起更正，"
            "再修改数据并重新存证", details=[{"location": "period", "periods": locked,
                                           "message": "filed month: open an amendment first",
                                           "message_zh": "已存证月份：请先发起更正"}])


@dataclass(frozen=True, slots=True)
class MonthDetail:
    """One month of an enterprise: status, covered emissions now, evidence, filed versions, what the caller may do."""

    enterprise: Organisation
    period: str
    status: MonthStatus
    due_date: dt.date
    rule: deadlines.FilingRule
    coverage: CoverageView | None
    covered: CoveredMonth
    evidence: tuple[attachments.AttachmentView, ...]
    filings: tuple[EtsFiling, ...]
    amending: bool
    amendment_reason: str | None
    may_manage: bool
    ended: bool
    users: Mapping[int, str] = field(default_factory=dict)

    @property
    def locked(self) -> bool:
        return bool(self.filings) and not self.amending

    @property
    def may_file(self) -> bool:
        return (self.may_manage and self.ended and not self.locked and self.coverage is not None
                and self.coverage.covered)

    @property
    def may_attach(self) -> bool:
        return self.may_manage and not self.locked

    @property
    def may_amend(self) -> bool:
        return self.may_manage and self.locked


def month_detail(session: Session, principal: Principal, enterprise_id: int, period: str, *,
                 today: dt.date | None = None) -> MonthDetail:
    """A month of an enterprise the caller sees (NotFound otherwise)."""
    enterprise = get_enterprise(session, principal, enterprise_id)
    period = _period(period)
    today = today or china_today()
    due, rule = deadline_of(period, enterprise.industry)
    month = _month_row(session, enterprise.id, period)
    filings = tuple(month.filings) if month is not None else ()
    files = tuple(attachments.listing(session, subject_type=SUBJECT, subject_id=month.id)) if month else ()
    user_ids = {f.filed_by for f in filings if f.filed_by} | {a.uploaded_by for a in files if a.uploaded_by}
    users = {int(i): str(n) for i, n in session.execute(select(User.id, User.display_name).where(
        User.id.in_(user_ids)))} if user_ids else {}
    may_manage = principal.can_manage(enterprise.id) and enterprise.id in principal.enterprise_ids()
    return MonthDetail(enterprise=enterprise, period=period,
                       status=_status(period, due, filings[0] if filings else None, today), due_date=due, rule=rule,
                       coverage=coverage_of(session, enterprise.id, int(period[:4])),
                       covered=covered_month(session, enterprise.id, period), evidence=files, filings=filings,
                       amending=bool(month and month.amending), amendment_reason=month.amendment_reason if month else None,
                       may_manage=may_manage, ended=_ended(period, today), users=users)


def filing_dict(filing: EtsFiling, users: Mapping[int, str] | None = None) -> dict[str, Any]:
    """A filed version in the API's JSON shape."""
    return {"id": filing.id, "period": filing.period, "version": filing.version, "current": filing.current,
            "reason": filing.reason, "due_date": filing.due_date.isoformat(), "deadline_rule": filing.deadline_rule,
            "filed_at": filing.filed_at, "filed_by": (users or {}).get(filing.filed_by or -1),
            "on_time": _china_day(filing.filed_at) <= filing.due_date,
            "covered_tco2e": filing.covered_tco2e,
            "by_source": {"combustion": filing.combustion_tco2e, "process": filing.process_tco2e,
                          "pfc": filing.pfc_tco2e},
            "methodology": filing.snapshot.get("methodology"), "unverified": filing.snapshot.get("unverified"),
            "information_only": {"purchased_electricity": filing.purchased_electricity_tco2e,
                                 "purchased_heat": filing.purchased_heat_tco2e},
            "data_versions": filing.snapshot.get("data_versions", []),
            "facilities": filing.snapshot.get("facilities", []), "evidence": filing.snapshot.get("evidence", [])}


# ---------------------------------------------------------------------------------- regulators


@dataclass(frozen=True, slots=True)
class RegionFilings:
    """The covered companies the caller sees in a year, month by month."""

    year: int
    companies: tuple[CompanyYear, ...]
    #: companies of the covered sectors that are not covered in the year (or not assessed)
    others: tuple[CompanyYear, ...]
    today: dt.date
    rules: CoverageRules

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "today": self.today.isoformat(),
                "companies": [c.as_dict() for c in self.companies],
                "not_covered": [{"enterprise_id": c.enterprise.id, "enterprise_name": c.enterprise.name,
                                 "industry": c.enterprise.industry,
                                 "coverage": None if c.coverage is None else c.coverage.as_dict()} for c in self.others],
                "threshold": {"value": self.rules.threshold_tco2e, "unit": "tCO2e/a",
                              "ref": f"{self.rules.dataset_id}:{self.rules.threshold.key}",
                              "verification_status": self.rules.threshold.verification_status}}


def region_overview(session: Session, principal: Principal, year: Any, *, today: dt.date | None = None,
                    limit: int = 500) -> RegionFilings:
    """Per covered company the caller sees (a regulator: its jurisdiction; admins: all), each month of
    ``year`` filed on time, late, overdue or not yet due, the covered emissions filed so far and the
    allowances (None: not yet allocated).

    Raises
    ------
    Forbidden
        Not a regulator or admin.
    ValidationFailed
        ``year`` is not a year.
    """
    from greenmfg.region.service import require_regional_access

    require_regional_access(session, principal)
    number = _year(year)
    today = today or china_today()
    coverage_rules = load_coverage_rules()
    filing_rules = deadlines.load_rules()
    enterprises = session.execute(select(Organisation).where(
        enterprise_filter(session, principal), Organisation.industry.in_(list(coverage_rules.sectors)))
        .order_by(Organisation.name, Organisation.id).limit(limit)).scalars().all()
    companies: list[CompanyYear] = []
    others: list[CompanyYear] = []
    for enterprise in enterprises:
        view = _company_year(session, enterprise, number, today, filing_rules, coverage_rules)
        (companies if view.covered else others).append(view)
    return RegionFilings(number, tuple(companies), tuple(others), today, coverage_rules)


# ---------------------------------------------------------------------------------- notifications


def notify_deadlines(session: Session, *, today: dt.date, soon_days: int = 7, months: int = 3) -> int:
    """Tell the members of each covered company about months of the last ``months`` that are due within
    ``soon_days`` (``ets.due_soon``) or overdue (``ets.overdue``) and not filed; each once. How many
    notifications were made. Run daily with the other deadlines (``greenmfg notifications deadlines``)."""
    from greenmfg.notifications.service import notify

    rules = deadlines.load_rules()
    made = 0
    current = f"{today.year:04d}-{today.month:02d}"
    candidates = []
    year, month = today.year, today.month
    for _ in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        candidates.append(f"{year:04d}-{month:02d}")
    enterprise_ids = set(session.execute(select(EtsCoverage.enterprise_id).where(
        EtsCoverage.year <= today.year)).scalars())
    for enterprise in session.execute(select(Organisation).where(Organisation.id.in_(sorted(enterprise_ids) or [-1]),
                                                                 Organisation.active.is_(True))
                                      .order_by(Organisation.id)).scalars():
        filed = {p for p, versions in _filings(session, enterprise.id, candidates).items() if versions}
        for period in sorted(candidates):
            if period >= current or period in filed:
                continue
            coverage = coverage_of(session, enterprise.id, int(period[:4]))
            if coverage is None or not coverage.covered:
                continue
            due, rule = deadline_of(period, enterprise.industry, rules)
            if today > due:
                event = "ets.overdue"
            elif (due - today).days <= soon_days:
                event = "ets.due_soon"
            else:
                continue
            made += len(notify(
                session, event=event, kind="deadline", audiences=("enterprise",), enterprise=enterprise,
                params={"month": period, "due": due.isoformat(), "rule_en": rule.rule_en, "rule_zh": rule.rule_zh,
                        "source": rule.ref},
                link=f"/ets/enterprises/{enterprise.id}/months/{period}", target_type="ets_month",
                target_id=f"{enterprise.id}:{period}", dedupe_key=f"{event}:{enterprise.id}:{period}"))
    session.flush()
    return made
