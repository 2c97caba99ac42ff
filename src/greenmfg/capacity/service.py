"""The capacity-replacement service: the calculator and the replacement-plan ledger.

Who may do what
---------------
- see a plan: members of the enterprise building the project, regulators whose jurisdiction
  covers where that enterprise is *registered* (province, city if the jurisdiction names one,
  the park if it is limited to one, industries if it lists some: the one jurisdiction rule of
  :mod:`greenmfg.orgs.access`) and platform admins. The project location typed into the plan
  plays no part: it feeds the rules, not access. Anybody else gets
  :class:`~greenmfg.orgs.access.NotFound`, as for a plan that does not exist.
- create and submit: a manager of the enterprise (``Principal.can_manage``); every retired item
  must belong to an enterprise the submitter manages.
- approve and reject: a manager of a regulator whose jurisdiction covers the enterprise (a
  park-limited one included, for the enterprises registered in its park), with a credential
  carrying the ``write`` scope. Others who can see the plan get
  :class:`~greenmfg.orgs.access.Forbidden`.

draft → submitted → approved | rejected. Submitting and approving check the plan again; a
rejection releases the retired capacity for other plans. Every change is audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from greenmfg import __version__
from greenmfg.audit.service import record
from greenmfg.calc.capacity import (
    CapacityRuleError,
    Finding,
    Project,
    Requirement,
    Rule,
    region_match,
    required_retirement,
)
from greenmfg.capacity.inputs import PlanInput, RetiredInput, claim_code, parse_plan, parse_project
from greenmfg.capacity.models import PlanStatus, ReplacementPlan, RetiredCapacity
from greenmfg.capacity.rules import RuleBook, load_rulebook
from greenmfg.db.base import utcnow
from greenmfg.errors import GreenmfgError, Issue, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.orgs.access import (
    Forbidden,
    NotFound,
    Principal,
    get_enterprise,
    regulates,
    visible_clause,
    visible_one,
)
from greenmfg.orgs.models import Organisation, OrgKind
from greenmfg.refdata.words import place_name

__all__ = ["PlanConflict", "approve_plan", "calculate", "can_decide", "can_submit", "check_plan", "create_plan",
           "get_plan", "names", "plan_dict", "plan_filter", "plan_page", "reject_plan", "requirement_dict", "submit_plan",
           "today"]


class PlanConflict(GreenmfgError):
    """The plan is not in the state the action needs (e.g. approving a draft)."""

    status = 409
    code = "plan_conflict"
    message = "the plan is not in the state this action needs"
    message_zh = "方案的当前状态不允许此操作"


# ------------------------------------------------------------------------------------ calculator


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _cited_dict(cited: Any) -> dict[str, Any]:
    return {"reference": cited.reference, "value": cited.value, "source": cited.source,
            "verification_status": cited.status, "notes": cited.notes, "needs_warning": cited.needs_warning}


def _finding_dict(finding: Finding) -> dict[str, str]:
    return {"code": finding.code, "message": finding.message, "message_zh": finding.message_zh, "ref": finding.ref,
            "verification_status": finding.status}


def requirement_dict(requirement: Requirement, book: RuleBook | None = None) -> dict[str, Any]:
    """The requirement in the API's JSON shape (plain types: it is also stored with each plan)."""
    book = book or load_rulebook()
    measure = requirement.measure
    project = requirement.project

    def rule(r: Rule | None) -> dict[str, Any] | None:
        if r is None:
            return None
        cited = r.ratio_floor if requirement.floor_rule is r else (r.ratio_min or r.not_permitted)
        return {"key": r.key, "process": r.process, "case": r.case, "where": r.where,
                "citation": _cited_dict(cited) if cited is not None else None}

    return {
        "outcome": requirement.outcome,
        "ratio": _number(requirement.ratio),
        "required_capacity": _number(requirement.required_capacity),
        "strictly_greater": requirement.strictly_greater,
        "unit": project.unit,
        "project": {"sector": project.sector, "process": project.process, "capacity": _number(project.capacity),
                    "unit": project.unit, "province": project.province, "city": project.city,
                    "date": project.on.isoformat(), "merger": project.merger, "cases": sorted(project.cases),
                    "cross_province": project.cross_province, "restricted_category": project.restricted_category},
        "measure": {"dataset_id": measure.dataset_id, "title": measure.title, "title_zh": measure.title_zh,
                    "valid_from": measure.valid_from.isoformat() if measure.valid_from else None,
                    "valid_to": measure.valid_to.isoformat() if measure.valid_to else None, "sha256": measure.sha256},
        "rule": rule(requirement.rule),
        "floor_rule": rule(requirement.floor_rule),
        "region": None if requirement.region is None else {
            "key_region": requirement.region.key_region, "region_set": requirement.region.region_set,
            "member": requirement.region.member,
            "citations": [_cited_dict(c) for c in requirement.region.citations]},
        "reasons": [{"code": r.code, "message": r.message, "message_zh": r.message_zh, "refs": list(r.refs)}
                    for r in requirement.reasons],
        "warnings": [_finding_dict(w) for w in requirement.warnings],
        "citations": [_cited_dict(c) for c in requirement.citations],
        "provenance": {"greenmfg_version": __version__,
                       "datasets": [{"id": d.id, "sha256": d.info.sha256} for d in book.datasets
                                    if d.id == measure.dataset_id or d.info.edition.startswith("regions-")]},
    }


def _rule_issue(error: CapacityRuleError) -> Issue:
    return Issue(code=error.code, column=error.field, value=error.value, message=f"{error.field}: {error.message}",
                 message_zh=f"{error.field}：{error.message_zh}", fix=error.fix, fix_zh=error.fix_zh)


def _requirement(project: Project, book: RuleBook, *, date_field: str = "date") -> Requirement:
    try:
        return required_retirement(project, book.measures, book.regions)
    except CapacityRuleError as error:
        issue = _rule_issue(error)
        if error.field == "date":
            issue = dataclasses.replace(issue, column=date_field,
                                        message=issue.message.replace("date:", f"{date_field}:", 1))
        raise ValidationFailed([issue], 1) from error


def calculate(data: Mapping[str, Any], *, book: RuleBook | None = None) -> Requirement:
    """The calculator: read ``data`` (see :func:`~greenmfg.capacity.inputs.parse_project`) and apply the rules.

    Raises
    ------
    ValidationFailed
        A field is wrong, or no rule applies (no measure in force on the date, unknown case).
    """
    book = book or load_rulebook()
    return _requirement(parse_project(data), book)


# -------------------------------------------------------------------------------------- access


def plan_filter(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on :class:`ReplacementPlan` selecting the plans the caller may see."""
    return visible_clause(principal, ReplacementPlan.enterprise_id, evaluators=False)


def get_plan(session: Session, principal: Principal, plan_id: int, *, lock: bool = False) -> ReplacementPlan:
    """The plan if the caller may see it.

    Raises
    ------
    NotFound
        It does not exist or the caller may not see it (indistinguishable on purpose).
    """
    query = select(ReplacementPlan).where(ReplacementPlan.id == plan_id, plan_filter(principal)).options(
        selectinload(ReplacementPlan.retired))
    return visible_one(session, query, "capacity plan", plan_id, lock=ReplacementPlan if lock else None)


def can_decide(session: Session, principal: Principal, plan: ReplacementPlan) -> bool:
    """May the caller approve or reject ``plan``? A managed jurisdiction covering the enterprise."""
    enterprise = session.get(Organisation, plan.enterprise_id)
    return enterprise is not None and regulates(session, principal, enterprise)


def can_submit(principal: Principal, plan: ReplacementPlan) -> bool:
    return principal.can_manage(plan.enterprise_id)


# ---------------------------------------------------------------------------------------- checks


#: how this module words its findings
_INPUT = Locator(named=True, value_limit=None)


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():,f}" if value == value.to_integral_value() else f"{value.normalize():f}"


def _evaluate(plan: PlanInput, book: RuleBook) -> tuple[Requirement, list[Issue], list[Finding]]:
    """The requirement for the plan and the problems the rules find (no database needed)."""
    cross = any(item.province != plan.project.province for item in plan.retired)
    project = dataclasses.replace(plan.project, cross_province=cross)
    requirement = _requirement(project, book, date_field="application_date")
    issues: list[Issue] = []
    findings: list[Finding] = []
    outcome = requirement.outcome
    if outcome == "suspended":
        issues.append(_INPUT.finding("capacity.plan.suspended", "application_date", project.on.isoformat(),
                                     f"{requirement.measure.title}: no new replacement plans for {project.process} are accepted "
                                     f"from {requirement.measure.valid_from}",
                                     f"{requirement.measure.title_zh}：自 {requirement.measure.valid_from} 起不再受理新的产能置换方案",
                                     "wait for the revised measures", "请待修订后的办法发布"))
    elif outcome == "not_permitted":
        issues.append(_INPUT.finding("capacity.plan.not_permitted", "province", project.province,
                                     f"no new {project.process} capacity is permitted at {project.province}/{project.city or ''}",
                                     f"{project.province}/{project.city or ''} 不得新增{project.process}产能",
                                     "choose a location outside the key air-pollution regions", "请选择重点区域以外的地点"))
    elif outcome == "exempt":
        issues.append(_INPUT.finding("capacity.plan.not_required", "process", project.process,
                                     f"{project.process} projects need no capacity replacement under {requirement.measure.dataset_id}",
                                     f"依据 {requirement.measure.dataset_id}，{project.process}项目无需产能置换",
                                     "no plan is needed (other procedures may apply)", "无需提交置换方案（可能需履行其他程序）"))
    else:
        total = sum((item.capacity for item in plan.retired), Decimal(0))
        if not requirement.satisfied_by(total):
            need = requirement.required_capacity
            more = " more than" if requirement.strictly_greater else " at least"
            more_zh = "多于" if requirement.strictly_greater else "不少于"
            issues.append(_INPUT.finding(
                "capacity.plan.insufficient", "retired_items", _fmt(total),
                f"retired capacity {_fmt(total)} {project.unit} is not enough: the ratio {requirement.ratio}:1 "
                f"({requirement.rule.key if requirement.rule else ''}) asks for{more} {_fmt(need)} {project.unit} "
                f"for {_fmt(project.capacity)} {project.unit} of new capacity",
                f"退出产能合计 {_fmt(total)} {project.unit} 不足：置换比例 {requirement.ratio}:1 要求退出{more_zh} "
                f"{_fmt(need)} {project.unit}（新建 {_fmt(project.capacity)} {project.unit}）",
                f"add retired capacity of at least {_fmt((need or Decimal(0)) - total)} {project.unit}, or reduce the new capacity",
                f"请至少再增加 {_fmt((need or Decimal(0)) - total)} {project.unit} 退出产能，或减少新建产能"))
        if requirement.region is not None and requirement.region.key_region and project.sector == "steel":
            for index, item in enumerate(plan.retired):
                if not region_match(requirement.measure, book.regions, item.province, item.city).key_region:
                    findings.append(Finding(
                        "capacity.plan.retired_outside_key_region",
                        f"retired_items[{index}]: capacity from outside the key region "
                        f"({item.province}/{item.city or ''}) used in a key region, where total steel capacity must not increase",
                        f"退出产能第{index + 1}项位于重点区域以外（{item.province}/{item.city or ''}），"
                        "而重点区域严禁增加钢铁产能总量：请主管部门核查",
                        requirement.rule.ratio_min.reference if requirement.rule and requirement.rule.ratio_min else ""))
    return requirement, issues, findings


def _claims(session: Session, principal: Principal, plan: PlanInput, *, exclude_plan: int | None = None) -> list[Issue]:
    """Ownership and double counting of the retired items (needs the database)."""
    issues: list[Issue] = []
    for index, item in enumerate(plan.retired):
        if not principal.can_manage(item.enterprise_id) or session.scalar(
                select(func.count()).select_from(Organisation).where(
                    Organisation.id == item.enterprise_id, Organisation.kind == OrgKind.enterprise)) != 1:
            issues.append(_INPUT.finding(
                "capacity.retired.not_owned", f"retired_items[{index}].enterprise_id", item.enterprise_id,
                f"enterprise {item.enterprise_id} is not one whose capacity you may pledge",
                f"企业 {item.enterprise_id} 不是您可用于置换其产能的企业",
                "list capacity of the enterprise(s) you manage; transfers from other enterprises are pledged by them",
                "请列出您所管理企业的产能；其他企业出让的产能须由该企业申报"))
    keys = {_claim_key(item.enterprise_id, item.process, item.facility_code): index
            for index, item in enumerate(plan.retired)}
    query = select(RetiredCapacity.claim_key, RetiredCapacity.plan_id).where(RetiredCapacity.claim_key.in_(keys))
    if exclude_plan is not None:
        query = query.where(RetiredCapacity.plan_id != exclude_plan)
    for key, other in session.execute(query).all():
        if key is None:
            continue
        index = keys[key]
        visible = session.scalar(select(func.count()).select_from(ReplacementPlan).where(
            ReplacementPlan.id == other, plan_filter(principal))) == 1
        where = f"plan {other}" if visible else "another plan"
        where_zh = f"方案 {other}" if visible else "其他方案"
        issues.append(_INPUT.finding(
            "capacity.retired.double_counted", f"retired_items[{index}].facility_code",
            plan.retired[index].facility_code,
            f"this retired capacity is already counted in {where}; it can back one plan only",
            f"该退出产能已计入{where_zh}，同一产能只能用于一个置换方案",
            "use other retired capacity, or have the other plan rejected first",
            "请使用其他退出产能，或待另一方案被驳回后再使用"))
    return issues


def _claim_key(enterprise_id: int, process: str, facility_code: str) -> str:
    return f"{enterprise_id}:{process}:{claim_code(facility_code)}"


def _stored_input(plan: ReplacementPlan) -> PlanInput:
    project = Project(sector=plan.sector, process=plan.process, capacity=Decimal(plan.capacity), unit=plan.unit,
                      province=plan.province, city=plan.city, on=plan.application_date, merger=plan.merger,
                      cases=frozenset(plan.cases or ()), restricted_category=plan.restricted_category,
                      place_zh=place_name(plan.province, plan.city, zh=True),
                      place_en=place_name(plan.province, plan.city, zh=False))
    retired = tuple(RetiredInput(enterprise_id=r.enterprise_id, facility_code=r.facility_code,
                                 facility_name=r.facility_name, process=r.process, capacity=Decimal(r.capacity),
                                 unit=r.unit, province=r.province, city=r.city, retirement_date=r.retirement_date,
                                 evidence=r.evidence) for r in plan.retired)
    return PlanInput(enterprise_id=plan.enterprise_id, project_name=plan.project_name, project=project,
                     commissioning_date=plan.commissioning_date, retired=retired)


def check_plan(plan: ReplacementPlan, *, book: RuleBook | None = None) -> tuple[Requirement | None, list[Issue],
                                                                                list[Finding]]:
    """Check a stored plan against the rules again (for its page and before each transition)."""
    book = book or load_rulebook()
    try:
        return _evaluate(_stored_input(plan), book)
    except ValidationFailed as failed:
        return None, list(failed.issues), []


def _store_requirement(plan: ReplacementPlan, requirement: Requirement, findings: list[Finding], book: RuleBook) -> None:
    plan.requirement = requirement_dict(requirement, book)
    plan.ratio = requirement.ratio if requirement.ratio is not None else Decimal(0)
    plan.required_capacity = requirement.required_capacity if requirement.required_capacity is not None else Decimal(0)
    plan.strictly_greater = requirement.strictly_greater
    plan.warnings = [_finding_dict(f) for f in (*requirement.warnings, *findings)]


# ---------------------------------------------------------------------------------------- ledger


def create_plan(session: Session, principal: Principal, data: Mapping[str, Any], *,
                book: RuleBook | None = None) -> ReplacementPlan:
    """Store a valid plan as a draft and claim its retired capacity.

    Raises
    ------
    ValidationFailed
        Any input or rule problem (nothing is stored): every issue names its field.
    NotFound
        The enterprise does not exist or the caller may not see it.
    Forbidden
        The caller may see the enterprise but not act for it.
    """
    book = book or load_rulebook()
    plan_input = parse_plan(data)
    enterprise = get_enterprise(session, principal, plan_input.enterprise_id, manage=True)
    if enterprise.kind != OrgKind.enterprise:
        raise NotFound("enterprise", plan_input.enterprise_id)
    requirement, issues, findings = _evaluate(plan_input, book)
    issues += _claims(session, principal, plan_input)
    if issues:
        raise ValidationFailed(issues, len(issues))
    project = requirement.project
    plan = ReplacementPlan(
        enterprise_id=enterprise.id, project_name=plan_input.project_name, sector=project.sector,
        process=project.process, capacity=project.capacity, unit=project.unit, province=project.province,
        city=project.city, application_date=project.on, commissioning_date=plan_input.commissioning_date,
        merger=project.merger, restricted_category=project.restricted_category, cases=sorted(project.cases),
        status=PlanStatus.draft, created_by=principal.user_id)
    _store_requirement(plan, requirement, findings, book)
    plan.retired = [RetiredCapacity(
        position=index, enterprise_id=item.enterprise_id, facility_code=item.facility_code,
        facility_name=item.facility_name, process=item.process, capacity=item.capacity, unit=item.unit,
        province=item.province, city=item.city, retirement_date=item.retirement_date, evidence=item.evidence,
        claim_key=_claim_key(item.enterprise_id, item.process, item.facility_code))
        for index, item in enumerate(plan_input.retired)]
    session.add(plan)
    _flush_claims(session, plan_input)
    record(session, "capacity.plan.create", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise.id, target_type="capacity_plan", target_id=plan.id,
           details={"process": project.process, "capacity": str(project.capacity), "unit": project.unit,
                    "ratio": str(plan.ratio), "required": str(plan.required_capacity),
                    "retired": [r.claim_key for r in plan.retired]})
    return plan


def _flush_claims(session: Session, plan_input: PlanInput) -> None:
    """Flush; a retired item claimed meanwhile by another transaction hits the unique claim key."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        if "claim_key" not in str(error.orig):
            raise
        raise ValidationFailed([_INPUT.finding(
            "capacity.retired.double_counted", "retired_items", ", ".join(r.facility_code for r in plan_input.retired),
            "one of these retired units was counted in another plan at the same moment; it can back one plan only",
            "其中某项退出产能刚被另一方案计入，同一产能只能用于一个置换方案",
            "reload and check which capacity is still free", "请刷新后核对尚可使用的退出产能")], 1) from error


def _transition(session: Session, principal: Principal, plan: ReplacementPlan, *, from_status: str,
                action: str) -> None:
    if plan.status != from_status:
        raise PlanConflict(f"the plan is {plan.status}; only a {from_status} plan can be {action}",
                           f"方案当前状态为“{_STATUS_ZH.get(str(plan.status), plan.status)}”，只有“"
                           f"{_STATUS_ZH.get(str(from_status), from_status)}”状态的方案可以{_ACTION_ZH[action]}")


_ACTION_ZH = {"submitted": "提交", "approved": "批准", "rejected": "驳回"}
_STATUS_ZH = {"draft": "草稿", "submitted": "已提交", "approved": "已批准", "rejected": "已驳回"}


def _recheck(plan: ReplacementPlan, session: Session, principal: Principal, book: RuleBook) -> None:
    requirement, issues, findings = check_plan(plan, book=book)
    if issues or requirement is None:
        raise ValidationFailed(issues, len(issues))
    _store_requirement(plan, requirement, findings, book)


def submit_plan(session: Session, principal: Principal, plan_id: int, *, book: RuleBook | None = None
                ) -> ReplacementPlan:
    """draft → submitted, by a manager of the plan's enterprise, after checking the plan again.

    Raises
    ------
    NotFound, Forbidden, PlanConflict, ValidationFailed
    """
    book = book or load_rulebook()
    plan = get_plan(session, principal, plan_id, lock=True)
    if not can_submit(principal, plan):
        raise Forbidden("only a manager of the enterprise may submit its plan",
                        "只有该企业的管理员可以提交置换方案")
    _transition(session, principal, plan, from_status=PlanStatus.draft, action="submitted")
    _recheck(plan, session, principal, book)
    plan.status, plan.submitted_by, plan.submitted_at = PlanStatus.submitted, principal.user_id, utcnow()
    record(session, "capacity.plan.submit", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=plan.enterprise_id, target_type="capacity_plan", target_id=plan.id,
           details={"required": str(plan.required_capacity), "ratio": str(plan.ratio)})
    session.flush()
    return plan


def _decide(session: Session, principal: Principal, plan_id: int, *, approve: bool, comment: str | None,
            book: RuleBook) -> ReplacementPlan:
    plan = get_plan(session, principal, plan_id, lock=True)
    if not can_decide(session, principal, plan):
        raise Forbidden("only a regulator (manager role, write scope) whose jurisdiction covers where the "
                        "enterprise is registered may approve or reject this plan",
                        "只有管辖该企业注册所在地的主管部门（管理员角色、具有 write 权限）可以批准或驳回该方案")
    _transition(session, principal, plan, from_status=PlanStatus.submitted,
                action="approved" if approve else "rejected")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > 2000:
        raise ValidationFailed([_INPUT.finding("capacity.input.too_long", "comment", comment[:50], "is longer than 2000 characters",
                                               "超过 2000 个字符", "shorten the comment", "请缩短意见")], 1)
    if approve:
        _recheck(plan, session, principal, book)
        plan.status = PlanStatus.approved
    else:
        if comment is None:
            raise ValidationFailed([_INPUT.finding("capacity.plan.reason_required", "comment", None,
                                                   "a rejection needs a reason", "驳回须说明理由",
                                                   "say why the plan is rejected", "请填写驳回理由")], 1)
        plan.status = PlanStatus.rejected
        for item in plan.retired:
            item.claim_key = None
    plan.decided_by, plan.decided_at, plan.decision_comment = principal.user_id, utcnow(), comment
    record(session, f"capacity.plan.{'approve' if approve else 'reject'}", actor=principal.username,
           actor_user_id=principal.user_id, organisation_id=plan.enterprise_id, target_type="capacity_plan",
           target_id=plan.id, details={"comment": comment})
    session.flush()
    return plan


def approve_plan(session: Session, principal: Principal, plan_id: int, *, comment: str | None = None,
                 book: RuleBook | None = None) -> ReplacementPlan:
    """submitted → approved, by a regulator covering the project, after checking the plan again."""
    return _decide(session, principal, plan_id, approve=True, comment=comment, book=book or load_rulebook())


def reject_plan(session: Session, principal: Principal, plan_id: int, *, comment: str | None,
                book: RuleBook | None = None) -> ReplacementPlan:
    """submitted → rejected (a reason is required); the retired capacity is released."""
    return _decide(session, principal, plan_id, approve=False, comment=comment, book=book or load_rulebook())


# ----------------------------------------------------------------------------------------- reads


def plan_page(session: Session, principal: Principal, *, offset: int, limit: int, status: str | None = None,
              enterprise_id: int | None = None) -> tuple[list[ReplacementPlan], int]:
    """The plans the caller may see, newest first, and how many there are."""
    where = [plan_filter(principal)]
    if status:
        where.append(ReplacementPlan.status == status)
    if enterprise_id is not None:
        where.append(ReplacementPlan.enterprise_id == enterprise_id)
    total = session.scalar(select(func.count()).select_from(ReplacementPlan).where(*where)) or 0
    rows = session.execute(select(ReplacementPlan).where(*where).options(selectinload(ReplacementPlan.retired))
                           .order_by(ReplacementPlan.id.desc()).offset(offset).limit(limit)).scalars().all()
    return list(rows), total


def names(session: Session, plans: Iterable[ReplacementPlan]) -> tuple[dict[int, str], dict[int, str]]:
    """Enterprise names and usernames the plans refer to (two queries)."""
    from greenmfg.auth.models import User

    plans = list(plans)
    org_ids = {p.enterprise_id for p in plans} | {r.enterprise_id for p in plans for r in p.retired}
    user_ids = {u for p in plans for u in (p.created_by, p.submitted_by, p.decided_by) if u is not None}
    orgs: dict[int, str] = {}
    users: dict[int, str] = {}
    if org_ids:
        orgs = {row[0]: row[1] for row in session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids)))}
    if user_ids:
        users = {row[0]: row[1] for row in session.execute(select(User.id, User.username).where(User.id.in_(user_ids)))}
    return orgs, users


def plan_dict(plan: ReplacementPlan, orgs: Mapping[int, str], users: Mapping[int, str], *,
              full: bool = True) -> dict[str, Any]:
    """The plan in the API's JSON shape."""
    total = sum((Decimal(r.capacity) for r in plan.retired), Decimal(0))
    out: dict[str, Any] = {
        "id": plan.id, "enterprise_id": plan.enterprise_id, "enterprise_name": orgs.get(plan.enterprise_id),
        "project_name": plan.project_name, "sector": plan.sector, "process": plan.process,
        "capacity": _number(Decimal(plan.capacity)), "unit": plan.unit, "province": plan.province, "city": plan.city,
        "application_date": plan.application_date, "commissioning_date": plan.commissioning_date,
        "merger": plan.merger, "restricted_category": plan.restricted_category, "cases": plan.cases,
        "status": plan.status, "ratio": _number(Decimal(plan.ratio)),
        "required_capacity": _number(Decimal(plan.required_capacity)), "strictly_greater": plan.strictly_greater,
        "retired_total": _number(total), "warning_count": len(plan.warnings),
        "created_at": plan.created_at, "created_by": users.get(plan.created_by or -1),
        "submitted_at": plan.submitted_at, "submitted_by": users.get(plan.submitted_by or -1),
        "decided_at": plan.decided_at, "decided_by": users.get(plan.decided_by or -1),
        "decision_comment": plan.decision_comment,
    }
    if full:
        out["retired_items"] = [{
            "position": r.position, "enterprise_id": r.enterprise_id, "enterprise_name": orgs.get(r.enterprise_id),
            "facility_code": r.facility_code, "facility_name": r.facility_name, "process": r.process,
            "capacity": _number(Decimal(r.capacity)), "unit": r.unit, "province": r.province, "city": r.city,
            "retirement_date": r.retirement_date, "evidence": r.evidence, "counted": r.claim_key is not None,
        } for r in plan.retired]
        out["requirement"] = plan.requirement
        out["warnings"] = plan.warnings
    return out


def today() -> dt.date:
    """Today in China Standard Time (the default date of the calculator form)."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
