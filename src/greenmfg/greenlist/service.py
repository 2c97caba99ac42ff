"""The green-manufacturing list workflow: an explicit state machine with who may do what.

States and transitions (vocabulary of 《绿色工厂梯度培育及管理暂行办法》工信部节〔2024〕13号 and the
list notices; dataset ``green_manufacturing/rules-2024``)::

    draft ──submit──▶ submitted ──assign_evaluator──▶ evaluator_assigned ──evaluate──▶ evaluated
      ▲                                                      │ evaluator_return             │ apply (申报)
      └──────────── returned ◀───────────────────────────────┘◀── regulator_return ── regulator_review (待市级初审)
                                                                                     pre_review │ ▲ province_return
                                                                                   (市级初审)   ▼ │ (退回市级重新初审)
                                                                                          pre_reviewed
                                                                                                │ recommend (省级推荐)
                    rejected ◀── reject (city; province; admin after expert review) ──── recommended
                                                                                                │ publish (admin, list year)
                    removed ◀── remove (annual re-check, a removal criterion) ──────  published ⟲ retain

``withdraw`` takes any open application (draft … pre_reviewed, returned) to ``withdrawn``.

The regulators' chain follows the list rules (国家、省、市三级联动; 企业自愿申报 → 市级初审 → 省级推荐
→ 专家评审 → 公示; dataset ``green_manufacturing/rules-2024`` and the shared reference notes): the
city bureau whose jurisdiction covers the applicant pre-reviews (or returns it to the enterprise,
or rejects it); only then may the province recommend it; the province's return goes back one step,
to the city's pre-review.

Who may do what
---------------
- ``submit`` (with the self-evaluation), ``apply``, ``withdraw``: a manager of the applicant
  enterprise (credential with the ``write`` scope).
- ``assign_evaluator``: the applicant's manager (it commissions, 委托, a third party) or a
  platform admin. Refused when the evaluator already has the cap of evaluations for the list
  year (15, ``green_manufacturing/rules-2024:evaluator.max_evaluations_per_year``).
- ``evaluate``/``evaluator_return``: a manager of the assigned evaluator organisation.
- ``pre_review``/``regulator_return``/``reject`` (from regulator_review): a manager of a city-level
  regulator (jurisdiction naming the applicant's city) covering the applicant.
- ``recommend``/``province_return``/``reject`` (from pre_reviewed): a manager of a province-level
  regulator (jurisdiction over the whole province, no city or park) covering the applicant.
- ``publish`` and ``reject`` (from recommended): platform admins (MIIT).
- ``retain``/``remove`` (annual dynamic-management re-check): a covering regulator or an admin.

Who sees an application: the applicant's members, the assigned evaluator's members while the
assignment made for this application is open (it ends with the report, a withdrawal or an admin
ending it), regulators whose jurisdiction covers where the applicant is registered (not drafts)
and admins (the access policy, :mod:`greenmfg.orgs.access`). Anybody else gets :class:`~greenmfg.orgs.access.NotFound`,
as for an application that does not exist. Those who see it but may not take an action get
:class:`~greenmfg.orgs.access.Forbidden`; an action from the wrong state is a
:class:`TransitionConflict`. Every transition is stored as a history row and audited.

The published list (kind, name, place, industry, list year) is public information (MIIT
publishes it): every signed-in user may read it; scores and reports are not in it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, String, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from greenmfg.attachments import service as attachments_service
from greenmfg.audit.service import record
from greenmfg.auth.models import Role
from greenmfg.db.base import utcnow
from greenmfg.errors import GreenmfgError, Issue, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.greenlist.models import (
    ApplicationStatus,
    EnterpriseOutput,
    GreenApplication,
    GreenApplicationEvent,
    GreenRecheck,
    ListKind,
    RegionOutput,
)
from greenmfg.greenlist.rules import ListRules, load_rules
from greenmfg.orgs.access import (
    Forbidden,
    Principal,
    assignment_clause,
    assignment_purpose,
    regulates,
    regulator_scopes,
    visible_clause,
    visible_one,
)
from greenmfg.orgs.models import EvaluatorAssignment, Organisation, OrgKind, Park
from greenmfg.region.service import require_regional_access

__all__ = [
    "ACTIONS", "ATTACHMENT_KINDS", "OPEN", "SUBJECT", "TRANSITIONS", "TransitionConflict", "Transition",
    "add_attachment", "allowed_actions", "application_dict", "attachment", "attachment_kinds", "attachments",
    "application_filter", "application_page", "apply", "assign_evaluator", "attach_self_evaluation",
    "create_application", "evaluate", "get_application", "names", "parse_self_evaluation", "pre_review",
    "province_return", "publish", "published_list", "recheck", "recommend", "region_outputs", "reject",
    "return_for_rework", "set_enterprise_output", "set_region_output", "submit", "withdraw",
]

S = ApplicationStatus
#: Chinese names of the states (for messages; pages use :data:`greenmfg.greenlist.labels.STATUS_LABELS`)
STATUS_ZH = {"draft": "草稿", "submitted": "已提交自评价", "evaluator_assigned": "第三方评价中", "evaluated": "第三方评价完成",
             "regulator_review": "待市级初审", "pre_reviewed": "市级初审通过，待省级推荐", "recommended": "已推荐",
             "published": "已列入名单", "returned": "退回整改", "rejected": "未通过", "withdrawn": "已撤回",
             "removed": "已移出名单"}
#: the ``purpose`` kind of the evaluator assignment made for one application (``green_list:<id>``)
PURPOSE = "green_list"
#: states an applicant may still withdraw from
OPEN = frozenset({S.draft, S.submitted, S.evaluator_assigned, S.evaluated, S.regulator_review, S.pre_reviewed,
                  S.returned})
MAX_COMMENT = 2000
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True, slots=True)
class Transition:
    """One edge of the state machine: the states it leaves, the state it reaches, who may take it."""

    action: str
    sources: frozenset[str]
    target: str
    who: str
    zh: str


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("submit", frozenset({S.draft, S.returned}), S.submitted, "applicant", "提交"),
    Transition("assign_evaluator", frozenset({S.submitted}), S.evaluator_assigned, "applicant_or_admin",
               "委托第三方评价机构"),
    Transition("evaluate", frozenset({S.evaluator_assigned}), S.evaluated, "evaluator", "提交评价报告"),
    Transition("evaluator_return", frozenset({S.evaluator_assigned}), S.returned, "evaluator", "退回整改"),
    Transition("apply", frozenset({S.evaluated}), S.regulator_review, "applicant", "申报"),
    Transition("pre_review", frozenset({S.regulator_review}), S.pre_reviewed, "city", "市级初审通过"),
    Transition("regulator_return", frozenset({S.regulator_review}), S.returned, "city", "退回整改"),
    Transition("recommend", frozenset({S.pre_reviewed}), S.recommended, "province", "省级推荐"),
    Transition("province_return", frozenset({S.pre_reviewed}), S.regulator_review, "province", "退回市级重新初审"),
    Transition("reject", frozenset({S.regulator_review, S.pre_reviewed, S.recommended}), S.rejected,
               "regulator_or_admin", "不予通过"),
    Transition("publish", frozenset({S.recommended}), S.published, "admin", "发布"),
    Transition("retain", frozenset({S.published}), S.published, "regulator_or_admin", "复核保留"),
    Transition("remove", frozenset({S.published}), S.removed, "regulator_or_admin", "移出名单"),
    Transition("withdraw", frozenset(OPEN), S.withdrawn, "applicant", "撤回"),
)}
ACTIONS = tuple(TRANSITIONS)


class TransitionConflict(GreenmfgError):
    """The application is not in a state the action starts from."""

    status = 409
    code = "transition_conflict"
    message = "the application is not in a state this action starts from"
    message_zh = "申请的当前状态不允许此操作"


#: how this module words its findings
_INPUT = Locator(named=True, value_limit=200)
_N = TypeVar("_N", float, Decimal)


def _fail(issues: list[Issue]) -> None:
    if issues:
        raise ValidationFailed(issues, len(issues))


# ------------------------------------------------------------------------------------ input parsing


def _int(data: Mapping[str, Any], field: str, issues: list[Issue], *, required: bool = True,
         low: int | None = None, high: int | None = None) -> int | None:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            issues.append(_INPUT.finding("greenlist.input.required", field, None, "is required", "为必填项",
                                         f"give {field}", f"请填写 {field}"))
        return None
    try:
        if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
            raise ValueError
        number = int(str(value).strip())
    except ValueError:
        issues.append(_INPUT.finding("greenlist.input.not_integer", field, value, "is not a whole number", "不是整数",
                                     "give a whole number", "请填写整数"))
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        issues.append(_INPUT.finding("greenlist.input.out_of_range", field, value, f"must be between {low} and {high}",
                                     f"必须在 {low} 与 {high} 之间", f"give a value from {low} to {high}",
                                     f"请填写 {low} 至 {high} 之间的值"))
        return None
    return number


def _text(data: Mapping[str, Any], field: str, issues: list[Issue], *, required: bool = False,
          limit: int = MAX_COMMENT) -> str | None:
    value = data.get(field)
    if value is None:
        text = ""
    elif not isinstance(value, str):
        issues.append(_INPUT.finding("greenlist.input.not_text", field, value, "must be text", "必须为文本",
                                     "send text", "请填写文本"))
        return None
    else:
        text = value.strip()
    if not text:
        if required:
            issues.append(_INPUT.finding("greenlist.input.required", field, None, "is required", "为必填项",
                                         f"give {field}", f"请填写 {field}"))
        return None
    if len(text) > limit:
        issues.append(_INPUT.finding("greenlist.input.too_long", field, text[:50], f"is longer than {limit} characters",
                                     f"超过 {limit} 个字符", "shorten it", "请缩短"))
        return None
    return text


KIND_NAMES = {"factory": ListKind.factory, "绿色工厂": ListKind.factory, "park": ListKind.park,
              "绿色工业园区": ListKind.park, "绿色园区": ListKind.park, "supply_chain": ListKind.supply_chain,
              "绿色供应链管理企业": ListKind.supply_chain, "绿色供应链": ListKind.supply_chain}


def _kind(data: Mapping[str, Any], field: str, issues: list[Issue]) -> str | None:
    value = data.get(field)
    kind = KIND_NAMES.get(str(value).strip()) if isinstance(value, str) else None
    if kind is None:
        issues.append(_INPUT.finding("greenlist.input.unknown_kind", field, value,
                                     "must be factory, park or supply_chain", "必须为 factory（绿色工厂）、park（绿色工业园区）"
                                     "或 supply_chain（绿色供应链管理企业）", "choose factory, park or supply_chain",
                                     "请选择 绿色工厂、绿色工业园区 或 绿色供应链管理企业"))
    return kind


def _parsed(data: Mapping[str, Any], field: str, issues: list[Issue], convert: Callable[[str], _N],
            required_fix: tuple[str, str], number_fix: tuple[str, str]) -> _N | None:
    """``data[field]`` converted (``convert`` raises ValueError or InvalidOperation when it is not a finite number);
    ``None`` with an issue when it is missing or not a number. Thousands separators are ignored."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        issues.append(_INPUT.finding("greenlist.input.required", field, None, "is required", "为必填项", *required_fix))
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        return convert(str(value).strip().replace(",", ""))
    except (ValueError, InvalidOperation):
        issues.append(_INPUT.finding("greenlist.input.not_number", field, value, "is not a number", "不是数字",
                                     *number_fix))
        return None


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _finite_decimal(text: str) -> Decimal:
    number = Decimal(text)
    if not number.is_finite():
        raise InvalidOperation(text)
    return number


def _number(data: Mapping[str, Any], field: str, issues: list[Issue], *, low: float, high: float) -> float | None:
    number = _parsed(data, field, issues, _finite_float, (f"give {field}", f"请填写 {field}"),
                     ("give a number", "请填写数字"))
    if number is None:
        return None
    value = data.get(field)
    if not low <= number <= high:
        issues.append(_INPUT.finding("greenlist.input.out_of_range", field, value, f"must be between {low:g} and {high:g}",
                                     f"必须在 {low:g} 与 {high:g} 之间", f"give a value from {low:g} to {high:g}",
                                     f"请填写 {low:g} 至 {high:g} 之间的值"))
        return None
    return number


def _bool(data: Mapping[str, Any], field: str, issues: list[Issue]) -> bool | None:
    value = data.get(field)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in {"true", "1", "yes", "on", "是"}:
        return True
    if text in {"false", "0", "no", "off", "否"}:
        return False
    issues.append(_INPUT.finding("greenlist.input.not_boolean", field, value, "must be true or false", "必须为 是 或 否",
                                 "send true or false", "请填写 是 或 否"))
    return None


def parse_self_evaluation(data: Any, *, kind: str) -> dict[str, Any]:
    """Check a self-evaluation snapshot and return it in its stored shape.

    Fields: ``framework`` (text), ``kind`` (must be the application's), ``total_score`` (0–100),
    ``passed`` (bool; must be true to submit), ``veto_failures`` (list of texts; must be empty to
    submit), ``evaluated_at`` (ISO date or date-time), optional ``evaluation_id``.

    Raises
    ------
    ValidationFailed
        Every problem, located as ``self_evaluation.<field>``.
    """
    issues: list[Issue] = []
    if not isinstance(data, Mapping):
        _fail([_INPUT.finding("greenlist.self_evaluation.missing", "self_evaluation", None,
                              "a self-evaluation (JSON object) is required to submit", "提交时须附自评价结果（JSON 对象）",
                              "run the green-factory self-evaluation and attach its result",
                              "请先完成绿色工厂自评价并附上结果")])
        raise AssertionError  # pragma: no cover - _fail raised
    prefix = "self_evaluation."
    sub = {f"{prefix}{k}": v for k, v in data.items()}
    framework = _text(sub, f"{prefix}framework", issues, required=True, limit=64)
    snapshot_kind = _kind(sub, f"{prefix}kind", issues)
    if snapshot_kind is not None and snapshot_kind != kind:
        issues.append(_INPUT.finding("greenlist.self_evaluation.kind_mismatch", f"{prefix}kind", snapshot_kind,
                                     f"the self-evaluation is for '{snapshot_kind}' but the application is for '{kind}'",
                                     f"自评价类型为 {snapshot_kind}，与申请类型 {kind} 不一致",
                                     "attach a self-evaluation of the same kind", "请附上同类型的自评价"))
    score = _number(sub, f"{prefix}total_score", issues, low=0, high=100)
    passed = _bool(sub, f"{prefix}passed", issues)
    vetoes_raw = data.get("veto_failures", [])
    vetoes: list[str] = []
    if not isinstance(vetoes_raw, list) or not all(isinstance(v, str) for v in vetoes_raw):
        issues.append(_INPUT.finding("greenlist.input.not_list", f"{prefix}veto_failures", vetoes_raw,
                                     "must be a list of texts", "必须为文本列表", "send [] or a list of the failed veto items",
                                     "请填写 [] 或未满足的否决项列表"))
    else:
        vetoes = [v.strip() for v in vetoes_raw if v.strip()]
    evaluated_raw = data.get("evaluated_at")
    evaluated_at: str | None = None
    with contextlib.suppress(ValueError):
        evaluated_at = (dt.datetime.fromisoformat(str(evaluated_raw)).isoformat() if evaluated_raw else None)
    if evaluated_at is None:
        issues.append(_INPUT.finding("greenlist.input.bad_date", f"{prefix}evaluated_at", evaluated_raw,
                                     "is not an ISO date (YYYY-MM-DD) or date-time", "不是 ISO 日期（YYYY-MM-DD）或日期时间",
                                     "give the date of the self-evaluation", "请填写自评价日期"))
    evaluation_id = _int(sub, f"{prefix}evaluation_id", issues, required=False, low=1)
    if passed is False or vetoes:
        issues.append(_INPUT.finding("greenlist.self_evaluation.not_passed", f"{prefix}passed", passed,
                                     "the self-evaluation did not pass (basic requirements are a one-vote veto)"
                                     + (f"; failed: {', '.join(vetoes)}" if vetoes else ""),
                                     "自评价未通过（基本要求一票否决）" + (f"；未满足：{'、'.join(vetoes)}" if vetoes else ""),
                                     "meet every basic requirement and evaluate again before submitting",
                                     "满足全部基本要求并重新自评价后再提交"))
    _fail(issues)
    return {"framework": framework, "kind": snapshot_kind, "total_score": score, "passed": passed,
            "veto_failures": vetoes, "evaluated_at": evaluated_at, "evaluation_id": evaluation_id}


def attach_self_evaluation(session: Session, application: GreenApplication, snapshot: Mapping[str, Any]) -> None:
    """Store a checked self-evaluation snapshot on the application (the ONE way one is attached).

    With ``evaluation_id`` the snapshot was built from the stored green-factory evaluation by
    :func:`snapshot_of_evaluation` (``source: "evaluation"``); without it the applicant declared
    the figures (``source: "declared"``), which the evaluator must then check against evidence.
    """
    application.self_evaluation = {**snapshot, "source": "evaluation" if snapshot.get("evaluation_id") else "declared"}
    application.evaluation_id = snapshot.get("evaluation_id")
    session.flush()


def snapshot_of_evaluation(session: Session, application: GreenApplication, evaluation_id: Any) -> dict[str, Any]:
    """The self-evaluation snapshot of a stored, final green-manufacturing evaluation.

    The evaluation must be the applicant's own (same organisation), of the application's kind and
    final; its score, verdict and failed basic requirements are copied, never taken from the request.
    """
    from greenmfg.greenfactory.models import EvaluationStatus, GreenEvaluation

    issues: list[Issue] = []
    number = _int({"self_evaluation.evaluation_id": evaluation_id}, "self_evaluation.evaluation_id", issues, low=1)
    _fail(issues)
    evaluation = session.get(GreenEvaluation, number)
    if evaluation is None or evaluation.organisation_id != application.organisation_id:
        _fail([_INPUT.finding("greenlist.self_evaluation.unknown", "self_evaluation.evaluation_id", evaluation_id,
                              "no evaluation of the applicant has this id", "申请单位没有该编号的评价",
                              "pick one of the applicant's evaluations on /green-factory",
                              "请在“绿色评价”页面选择申请单位自己的评价")])
    assert evaluation is not None
    if evaluation.subject != application.kind:
        _fail([_INPUT.finding("greenlist.self_evaluation.kind_mismatch", "self_evaluation.evaluation_id", evaluation.subject,
                              f"the evaluation is for '{evaluation.subject}' but the application is for '{application.kind}'",
                              f"评价类型为 {evaluation.subject}，与申请类型 {application.kind} 不一致",
                              "attach an evaluation of the same kind", "请附上同类型的评价")])
    if evaluation.status != EvaluationStatus.final:
        _fail([_INPUT.finding("greenlist.self_evaluation.draft", "self_evaluation.evaluation_id", evaluation.status,
                              "the evaluation is still a draft", "该评价仍是草稿",
                              "finalise the evaluation first", "请先将评价定稿")])
    vetoes = [row.get("name_zh") or row.get("key") for row in evaluation.result.get("vetoes", [])
              if isinstance(row, Mapping) and row.get("met") is False]
    return {"framework": evaluation.framework, "kind": evaluation.subject, "total_score": evaluation.total_score,
            "passed": evaluation.passed, "veto_failures": [str(v) for v in vetoes],
            "evaluated_at": evaluation.updated_at.isoformat(), "evaluation_id": evaluation.id}


# -------------------------------------------------------------------------------------- access


def application_filter(principal: Principal) -> ColumnElement[bool]:
    """WHERE clause on GreenApplication joined with its applicant Organisation: what the caller may see.

    Built from the access policy (:mod:`greenmfg.orgs.access`): the applicant's members; the
    evaluator the application names *while its assignment for this application is open* (the
    report, a withdrawal or an admin ending the assignment ends it); regulators whose
    jurisdiction covers where the applicant is registered (not drafts); admins.
    """
    return visible_clause(principal, GreenApplication.organisation_id, joined=True,
                          evaluator_id=GreenApplication.evaluator_id, purpose=_purpose(),
                          regulators_see=GreenApplication.status != S.draft)


def _purpose() -> ColumnElement[str]:
    """The ``purpose`` of the assignment made for the application (``green_list:<id>``)."""
    return literal(assignment_purpose(PURPOSE, ""), String) + cast(GreenApplication.id, String)


def _assigned(principal: Principal) -> ColumnElement[bool]:
    """The caller's evaluator holds the open assignment made for this application."""
    return assignment_clause(principal, GreenApplication.organisation_id,
                             evaluator_id=GreenApplication.evaluator_id, purpose=_purpose())


def get_application(session: Session, principal: Principal, application_id: int, *,
                    lock: bool = False) -> GreenApplication:
    """The application if the caller may see it.

    Raises
    ------
    NotFound
        It does not exist or the caller may not see it.
    """
    query = (select(GreenApplication).join(Organisation, Organisation.id == GreenApplication.organisation_id)
             .where(GreenApplication.id == application_id, application_filter(principal)))
    return visible_one(session, query, "green-list application", application_id,
                       lock=GreenApplication if lock else None)


def _applicant(session: Session, application: GreenApplication) -> Organisation:
    org = session.get(Organisation, application.organisation_id)
    assert org is not None
    return org


def _is_applicant_manager(principal: Principal, application: GreenApplication) -> bool:
    return "write" in principal.scopes and any(
        m.organisation_id == application.organisation_id and m.kind == OrgKind.enterprise and m.role == Role.manager
        for m in principal.memberships)


def _is_evaluator(principal: Principal, application: GreenApplication) -> bool:
    return "write" in principal.scopes and application.evaluator_id is not None and any(
        m.organisation_id == application.evaluator_id and m.kind == OrgKind.evaluator and m.role == Role.manager
        for m in principal.memberships)


def _is_regulator(session: Session, principal: Principal, application: GreenApplication) -> bool:
    return regulates(session, principal, _applicant(session, application))


def _is_city(session: Session, principal: Principal, application: GreenApplication) -> bool:
    """A manager of a city bureau whose jurisdiction names the applicant's city and covers it (市级初审).

    An applicant registered without a city has no city bureau: its province pre-reviews it."""
    org = _applicant(session, application)
    return any((bool(s.city) or not org.city) and s.park_id is None and s.covers(org)
               for s in regulator_scopes(session, principal, write=True))


def _is_province(session: Session, principal: Principal, application: GreenApplication) -> bool:
    """A manager of a provincial department whose jurisdiction is the applicant's whole province (省级推荐)."""
    org = _applicant(session, application)
    return any(not s.city and s.park_id is None and s.covers(org)
               for s in regulator_scopes(session, principal, write=True))


def _is_admin(principal: Principal) -> bool:
    return principal.is_admin and "write" in principal.scopes


def _may(session: Session, principal: Principal, application: GreenApplication, transition: Transition) -> bool:
    who = transition.who
    if who == "applicant":
        return _is_applicant_manager(principal, application)
    if who == "applicant_or_admin":
        return _is_applicant_manager(principal, application) or _is_admin(principal)
    if who == "evaluator":
        return _is_evaluator(principal, application)
    if who == "regulator":
        return _is_regulator(session, principal, application)
    if who == "city":
        return _is_city(session, principal, application)
    if who == "province":
        return _is_province(session, principal, application)
    if who == "admin":
        return _is_admin(principal)
    if who == "regulator_or_admin":
        if transition.action == "reject" and application.status == S.recommended:
            return _is_admin(principal)  # after provincial recommendation only MIIT (expert review) rejects
        if transition.action == "reject" and application.status == S.pre_reviewed:
            return _is_province(session, principal, application)
        if transition.action == "reject":
            return _is_city(session, principal, application)
        return _is_admin(principal) or _is_regulator(session, principal, application)
    raise AssertionError(who)  # pragma: no cover


_WHO = {
    "applicant": ("a manager of the applicant enterprise", "申报企业的管理员"),
    "applicant_or_admin": ("a manager of the applicant enterprise or a platform admin", "申报企业的管理员或平台管理员"),
    "evaluator": ("a manager of the third-party evaluator assigned to this application", "受委托的第三方评价机构管理员"),
    "regulator": ("a regulator (manager role) whose jurisdiction covers the applicant", "管辖申报单位的主管部门（管理员角色）"),
    "admin": ("a platform admin (MIIT)", "平台管理员（工业和信息化部）"),
    "regulator_or_admin": ("a regulator covering the applicant or a platform admin", "管辖申报单位的主管部门或平台管理员"),
    "city": ("the city bureau (manager role) whose jurisdiction covers the applicant's city",
             "管辖申报单位所在城市的市级主管部门（管理员角色）"),
    "province": ("the provincial department (manager role) whose jurisdiction covers the applicant's province",
                 "管辖申报单位所在省份的省级主管部门（管理员角色）"),
}


def allowed_actions(session: Session, principal: Principal, application: GreenApplication) -> list[str]:
    """Actions the caller may take on the application now (for its page)."""
    return [a for a, t in TRANSITIONS.items()
            if application.status in t.sources and _may(session, principal, application, t)]


def _begin(session: Session, principal: Principal, application_id: int, action: str) -> tuple[GreenApplication,
                                                                                                Transition]:
    transition = TRANSITIONS[action]
    application = get_application(session, principal, application_id, lock=True)
    if not _may(session, principal, application, transition):
        who, who_zh = _WHO[transition.who]
        if transition.action == "reject" and application.status == S.recommended:
            who, who_zh = _WHO["admin"]
        elif transition.action == "reject" and application.status == S.pre_reviewed:
            who, who_zh = _WHO["province"]
        elif transition.action == "reject" and application.status == S.regulator_review:
            who, who_zh = _WHO["city"]
        raise Forbidden(f"only {who} may {action.replace('_', ' ')} this application",
                        f"只有{who_zh}可以对该申请执行“{transition.zh}”")
    if application.status not in transition.sources:
        sources = ", ".join(sorted(transition.sources))
        if action == "recommend" and application.status == S.regulator_review:
            raise TransitionConflict("the city bureau has not pre-reviewed the application yet: the province recommends "
                                     "only what the city has pre-reviewed",
                                     "市级主管部门尚未初审该申请：省级只能推荐已通过市级初审的申请")
        sources_zh = "、".join(STATUS_ZH.get(s, s) for s in sorted(transition.sources))
        raise TransitionConflict(f"the application is {application.status}; '{action}' needs one of: {sources}",
                                 f"申请当前状态为“{STATUS_ZH.get(application.status, application.status)}”，"
                                 f"“{transition.zh}”仅适用于：{sources_zh}")
    return application, transition


def _move(session: Session, principal: Principal, application: GreenApplication, transition: Transition, *,
          to: str | None = None, comment: str | None = None, details: Mapping[str, Any] | None = None) -> None:
    before = application.status
    application.status = to or transition.target
    application.updated_at = utcnow()
    clean = dict(details or {})
    session.add(GreenApplicationEvent(application_id=application.id, actor_user_id=principal.user_id,
                                      actor=principal.username, action=transition.action, from_status=before,
                                      to_status=application.status, comment=comment, details=clean))
    record(session, f"greenlist.{transition.action}", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=application.organisation_id, target_type="green_list_application",
           target_id=application.id,
           details={"from": before, "to": application.status, "comment": comment, **clean})
    session.flush()


# ---------------------------------------------------------------------------------- attachments

#: the ``subject_type`` of a green-list application's attachments (:mod:`greenmfg.attachments`)
SUBJECT = "green_list_application"
#: kinds of attachment: the applicant's application form and evidence, the evaluator's report
ATTACHMENT_KINDS = ("application_form", "evidence", "evaluator_report")


def attachment_kinds(session: Session, principal: Principal, application: GreenApplication) -> list[str]:
    """The kinds of file the caller may attach now: the applicant's managers the application form
    and evidence while the application is open; the commissioned evaluator its report while it evaluates."""
    kinds: list[str] = []
    if application.status in OPEN and application.status != S.withdrawn and \
            _is_applicant_manager(principal, application):
        kinds += ["application_form", "evidence"]
    if application.status == S.evaluator_assigned and _is_evaluator(principal, application):
        kinds.append("evaluator_report")
    return kinds


def add_attachment(session: Session, principal: Principal, application_id: int, *, kind: str, filename: str,
                   content: bytes) -> int:
    """Attach a PDF or image to an application the caller sees and may attach to; listed in its history.

    Raises
    ------
    NotFound
        The caller does not see the application.
    Forbidden
        The caller sees it but may not attach this kind of file now.
    ValidationFailed
        Unknown kind, empty file, content not PDF/PNG/JPEG: nothing is stored.
    """
    application = get_application(session, principal, application_id, lock=True)
    allowed = attachment_kinds(session, principal, application)
    if kind in ATTACHMENT_KINDS and kind not in allowed:
        raise Forbidden("only the applicant's managers (application form, evidence) while the application is open, "
                        "and the commissioned evaluator (its report) while it evaluates, may attach files",
                        "只有申报企业管理员（申报书、证明材料，申请办理期间）和受委托的第三方评价机构（评价报告，评价期间）可以上传附件")
    row = attachments_service.add(session, principal, subject_type=SUBJECT, subject_id=application.id,
                                  organisation_id=application.organisation_id, kind=kind, kinds=ATTACHMENT_KINDS,
                                  filename=filename, content=content)
    session.add(GreenApplicationEvent(application_id=application.id, actor_user_id=principal.user_id,
                                      actor=principal.username, action="attach", from_status=application.status,
                                      to_status=application.status, comment=row.filename,
                                      details={"attachment_id": row.id, "kind": kind, "sha256": row.sha256,
                                               "size_bytes": row.size_bytes, "media_type": row.media_type}))
    session.flush()
    return row.id


def attachments(session: Session, principal: Principal, application_id: int) -> list[Any]:
    """The attachments of an application the caller sees (without their bytes)."""
    application = get_application(session, principal, application_id)
    return list(attachments_service.listing(session, subject_type=SUBJECT, subject_id=application.id))


def attachment(session: Session, principal: Principal, application_id: int, attachment_id: int) -> Any:
    """One attachment (with its bytes) of an application the caller sees; NotFound otherwise."""
    application = get_application(session, principal, application_id)
    return attachments_service.get(session, subject_type=SUBJECT, subject_id=application.id,
                                   attachment_id=attachment_id)


# ---------------------------------------------------------------------------------- transitions


def create_application(session: Session, principal: Principal, data: Mapping[str, Any]) -> GreenApplication:
    """A draft application (``organisation_id``, ``kind``, ``list_year``, ``park_id`` for a park).

    Raises
    ------
    ValidationFailed, NotFound (the enterprise is not visible), Forbidden (visible, not managed)
    """
    issues: list[Issue] = []
    org_id = _int(data, "organisation_id", issues, low=1)
    kind = _kind(data, "kind", issues)
    year = _int(data, "list_year", issues, low=MIN_YEAR, high=MAX_YEAR)
    park_id = _int(data, "park_id", issues, required=kind == ListKind.park, low=1)
    _fail(issues)
    assert org_id is not None and kind is not None and year is not None
    from greenmfg.orgs.access import get_enterprise

    org = get_enterprise(session, principal, org_id)
    if not any(m.organisation_id == org.id and m.role == Role.manager for m in principal.memberships) \
            or "write" not in principal.scopes:
        raise Forbidden("only a manager of the enterprise may apply for the green list",
                        "只有该企业的管理员可以申报绿色制造名单")
    if park_id is not None:
        park = session.get(Park, park_id)
        if park is None or park.province != org.province:
            _fail([_INPUT.finding("greenlist.input.unknown_park", "park_id", park_id,
                                  "no such park in the applicant's province", "申报单位所在省份没有该园区",
                                  "choose the park the applicant manages", "请选择申报单位管理的园区")])
        if kind != ListKind.park:
            park_id = None
    busy = session.execute(select(GreenApplication.id, GreenApplication.status).where(
        GreenApplication.organisation_id == org.id, GreenApplication.kind == kind,
        GreenApplication.status.in_([s.value for s in OPEN] + [S.recommended, S.published]))
        .order_by(GreenApplication.id.desc())).first()
    if busy:
        _fail([_INPUT.finding("greenlist.application.duplicate", "kind", busy[0],
                              f"the enterprise already has an open or listed application of this kind: #{busy[0]} "
                              f"({busy[1].replace('_', ' ')})",
                              f"该企业已有同类型的在办或已列入名单的申请：#{busy[0]}（{STATUS_ZH.get(busy[1], busy[1])}）",
                              f"continue application #{busy[0]}", f"请继续办理申请 #{busy[0]}")])
    application = GreenApplication(organisation_id=org.id, kind=kind, park_id=park_id, list_year=year,
                                   status=S.draft, created_by=principal.user_id)
    session.add(application)
    session.flush()
    session.add(GreenApplicationEvent(application_id=application.id, actor_user_id=principal.user_id,
                                      actor=principal.username, action="create", from_status=None,
                                      to_status=S.draft, details={"kind": kind, "list_year": year}))
    record(session, "greenlist.create", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=org.id, target_type="green_list_application", target_id=application.id,
           details={"kind": kind, "list_year": year, "park_id": park_id})
    session.flush()
    return application


def submit(session: Session, principal: Principal, application_id: int,
           self_evaluation: Any) -> GreenApplication:
    """draft/returned → submitted, with the self-evaluation (see :func:`parse_self_evaluation`)."""
    application, transition = _begin(session, principal, application_id, "submit")
    if isinstance(self_evaluation, Mapping) and self_evaluation.get("evaluation_id") is not None:
        self_evaluation = snapshot_of_evaluation(session, application, self_evaluation["evaluation_id"])
    snapshot = parse_self_evaluation(self_evaluation, kind=application.kind)
    attach_self_evaluation(session, application, snapshot)
    application.review = None
    _move(session, principal, application, transition,
          details={"total_score": snapshot["total_score"], "framework": snapshot["framework"]})
    return application


def _evaluations_in_year(session: Session, evaluator_id: int, year: int) -> int:
    return session.scalar(select(func.count()).select_from(GreenApplication).where(
        GreenApplication.evaluator_id == evaluator_id, GreenApplication.list_year == year)) or 0


def assign_evaluator(session: Session, principal: Principal, application_id: int, evaluator_id: Any, *,
                     rules: ListRules | None = None) -> GreenApplication:
    """submitted → evaluator_assigned: commission a third-party evaluator (cap per list year enforced).

    The evaluator also gets read access to the applicant's data (an evaluator assignment) until
    it has reported.
    """
    rules = rules or load_rules()
    application, transition = _begin(session, principal, application_id, "assign_evaluator")
    issues: list[Issue] = []
    evaluator_number = _int({"evaluator_id": evaluator_id}, "evaluator_id", issues, low=1)
    _fail(issues)
    evaluator = session.execute(select(Organisation).where(Organisation.id == evaluator_number).with_for_update()
                                ).scalar_one_or_none()
    if evaluator is None or evaluator.kind != OrgKind.evaluator or not evaluator.active:
        _fail([_INPUT.finding("greenlist.evaluator.unknown", "evaluator_id", evaluator_number,
                              "is not an active third-party evaluator organisation", "不是有效的第三方评价机构",
                              "choose an evaluator from the list", "请从列表中选择评价机构")])
    assert evaluator is not None
    cap = rules.evaluator_cap
    used = _evaluations_in_year(session, evaluator.id, application.list_year)
    if used >= int(cap.value):
        _fail([_INPUT.finding("greenlist.evaluator.cap_reached", "evaluator_id", evaluator.id,
                              f"{evaluator.name} already has {used} green-manufacturing evaluations for list year "
                              f"{application.list_year}; the cap is {int(cap.value)} per evaluator and year "
                              f"({cap.reference}: {cap.source}; status {cap.status})",
                              f"{evaluator.name} 在 {application.list_year} 年度已承担 {used} 项绿色制造评价，"
                              f"每家第三方机构每年度不得超过 {int(cap.value)} 项（{cap.reference}：{cap.source}；"
                              f"核实状态 {cap.status}）",
                              "commission another evaluator", "请委托其他第三方评价机构")])
    application.evaluator_id = evaluator.id
    session.add(EvaluatorAssignment(evaluator_id=evaluator.id, enterprise_id=application.organisation_id,
                                    purpose=assignment_purpose(PURPOSE, application.id)))
    _move(session, principal, application, transition,
          details={"evaluator_id": evaluator.id, "evaluations_in_year": used + 1, "cap": int(cap.value),
                   "cap_reference": cap.reference})
    return application


def _end_assignment(session: Session, application: GreenApplication) -> None:
    for assignment in session.execute(select(EvaluatorAssignment).where(
            EvaluatorAssignment.purpose == assignment_purpose(PURPOSE, application.id),
            EvaluatorAssignment.ended_at.is_(None))).scalars():
        assignment.ended_at = utcnow()


def evaluate(session: Session, principal: Principal, application_id: int, data: Mapping[str, Any]) -> GreenApplication:
    """The evaluator's report: ``recommendation`` pass (→ evaluated) or rework (→ returned).

    ``comment`` (general, required), ``indicator_comments`` (list of ``{"indicator", "comment"}``),
    ``score`` (0–100, required for pass) and ``veto_checked`` (true: the veto conditions and basic
    requirements were checked; required for pass).
    """
    recommendation = data.get("recommendation")
    action = "evaluator_return" if recommendation == "rework" else "evaluate"
    application, transition = _begin(session, principal, application_id, action)
    issues: list[Issue] = []
    if recommendation not in ("pass", "rework"):
        issues.append(_INPUT.finding("greenlist.input.bad_recommendation", "recommendation", recommendation,
                                     "must be pass or rework", "必须为 pass（通过）或 rework（退回整改）",
                                     "choose pass or rework", "请选择 通过 或 退回整改"))
    comment = _text(data, "comment", issues, required=True)
    indicators: list[dict[str, str]] = []
    raw = data.get("indicator_comments") or []
    if not isinstance(raw, list):
        issues.append(_INPUT.finding("greenlist.input.not_list", "indicator_comments", raw, "must be a list",
                                     "必须为列表", 'send [{"indicator": "…", "comment": "…"}]',
                                     '请填写 [{"indicator": "…", "comment": "…"}]'))
    else:
        for index, item in enumerate(raw):
            where = f"indicator_comments[{index}]"
            if not isinstance(item, Mapping):
                issues.append(_INPUT.finding("greenlist.input.not_object", where, item, "must be an object", "必须为对象",
                                             'send {"indicator": "…", "comment": "…"}', '请填写 {"indicator": "…", "comment": "…"}'))
                continue
            indicator = _text({f"{where}.indicator": item.get("indicator")}, f"{where}.indicator", issues,
                              required=True, limit=100)
            text = _text({f"{where}.comment": item.get("comment")}, f"{where}.comment", issues, required=True)
            if indicator and text:
                indicators.append({"indicator": indicator, "comment": text})
    score: float | None = None
    if recommendation == "pass":
        score = _number(data, "score", issues, low=0, high=100)
        if _bool(data, "veto_checked", issues) is False:
            issues.append(_INPUT.finding("greenlist.evaluation.veto_not_checked", "veto_checked", False,
                                         "the report must confirm the veto conditions and basic requirements were checked",
                                         "评价报告须确认已核查否决条件和基本要求", "check them, then confirm",
                                         "核查后再确认"))
    _fail(issues)
    application.review = {"recommendation": recommendation, "comment": comment, "indicator_comments": indicators,
                          "score": score, "evaluator_id": application.evaluator_id, "by": principal.username,
                          "at": utcnow().isoformat()}
    _end_assignment(session, application)
    _move(session, principal, application, transition, comment=comment,
          details={"recommendation": recommendation, "score": score, "indicator_comments": len(indicators)})
    return application


def apply(session: Session, principal: Principal, application_id: int) -> GreenApplication:
    """evaluated → regulator_review: the applicant files the application with the regulator (申报)."""
    application, transition = _begin(session, principal, application_id, "apply")
    _move(session, principal, application, transition)
    return application


def _reason(comment: Any, *, required: bool) -> str | None:
    issues: list[Issue] = []
    text = _text({"comment": comment}, "comment", issues, required=required)
    _fail(issues)
    return text


def pre_review(session: Session, principal: Principal, application_id: int, *,
               comment: Any = None) -> GreenApplication:
    """regulator_review → pre_reviewed (市级初审通过), by the city bureau covering the applicant."""
    application, transition = _begin(session, principal, application_id, "pre_review")
    text = _reason(comment, required=False)
    _move(session, principal, application, transition, comment=text)
    return application


def province_return(session: Session, principal: Principal, application_id: int, *,
                    comment: Any) -> GreenApplication:
    """pre_reviewed → regulator_review: the province sends it back to the city's pre-review, with a reason."""
    application, transition = _begin(session, principal, application_id, "province_return")
    text = _reason(comment, required=True)
    application.decision_comment = text
    _move(session, principal, application, transition, comment=text)
    return application


def recommend(session: Session, principal: Principal, application_id: int, *,
              comment: Any = None) -> GreenApplication:
    """pre_reviewed → recommended (省级推荐), by the provincial department covering the applicant.

    An application the city bureau has not pre-reviewed cannot be recommended
    (:class:`TransitionConflict`)."""
    application, transition = _begin(session, principal, application_id, "recommend")
    text = _reason(comment, required=False)
    _move(session, principal, application, transition, comment=text)
    return application


def return_for_rework(session: Session, principal: Principal, application_id: int, *,
                      comment: Any) -> GreenApplication:
    """regulator_review → returned (to the enterprise), by the city bureau, with a reason."""
    application, transition = _begin(session, principal, application_id, "regulator_return")
    text = _reason(comment, required=True)
    application.decision_comment = text
    _move(session, principal, application, transition, comment=text)
    return application


def reject(session: Session, principal: Principal, application_id: int, *, comment: Any) -> GreenApplication:
    """regulator_review → rejected (city bureau), pre_reviewed → rejected (province) or recommended →
    rejected (admin), with a reason."""
    application, transition = _begin(session, principal, application_id, "reject")
    text = _reason(comment, required=True)
    application.decision_comment = text
    _move(session, principal, application, transition, comment=text)
    return application


def withdraw(session: Session, principal: Principal, application_id: int) -> GreenApplication:
    """Any open state → withdrawn, by the applicant."""
    application, transition = _begin(session, principal, application_id, "withdraw")
    _end_assignment(session, application)
    _move(session, principal, application, transition)
    return application


def publish(session: Session, principal: Principal, application_ids: Any, *, year: Any) -> list[GreenApplication]:
    """recommended → published for every id, in list year ``year`` (admins; all or nothing)."""
    issues: list[Issue] = []
    list_year = _int({"year": year}, "year", issues, low=MIN_YEAR, high=MAX_YEAR)
    if not isinstance(application_ids, list) or not application_ids:
        issues.append(_INPUT.finding("greenlist.input.not_list", "application_ids", application_ids,
                                     "must be a non-empty list of application ids", "必须为非空的申请编号列表",
                                     "send [1, 2, …]", "请填写 [1, 2, …]"))
        _fail(issues)
    ids: list[int] = []
    for index, value in enumerate(application_ids):
        number = _int({f"application_ids[{index}]": value}, f"application_ids[{index}]", issues, low=1)
        if number is not None:
            ids.append(number)
    _fail(issues)
    assert list_year is not None
    out = []
    for application_id in dict.fromkeys(ids):
        application, transition = _begin(session, principal, application_id, "publish")
        application.published_year = list_year
        _move(session, principal, application, transition, details={"year": list_year, "batch": len(ids)})
        out.append(application)
    return out


def recheck(session: Session, principal: Principal, application_id: int, data: Mapping[str, Any], *,
            rules: ListRules | None = None) -> GreenApplication:
    """The annual dynamic-management re-check of a listed unit.

    ``year``, ``outcome`` (retained or removed), ``criterion`` (required for removal: a
    ``removal.*`` key of ``green_manufacturing/rules-2024``), ``comment`` (required for removal).
    One re-check per unit and year.
    """
    rules = rules or load_rules()
    outcome = data.get("outcome")
    action = "remove" if outcome == "removed" else "retain"
    application, transition = _begin(session, principal, application_id, action)
    issues: list[Issue] = []
    if outcome not in ("retained", "removed"):
        issues.append(_INPUT.finding("greenlist.input.bad_outcome", "outcome", outcome, "must be retained or removed",
                                     "必须为 retained（保留）或 removed（移出）", "choose retained or removed",
                                     "请选择 保留 或 移出"))
    low = application.published_year or MIN_YEAR
    year = _int(data, "year", issues, low=low, high=MAX_YEAR)
    criterion = _text(data, "criterion", issues, required=outcome == "removed", limit=64)
    if criterion is not None and criterion.removeprefix("removal.") not in rules.removal_criteria:
        issues.append(_INPUT.finding("greenlist.recheck.unknown_criterion", "criterion", criterion,
                                     "is not a removal criterion of the rules",
                                     "不是规则所列的移出情形",
                                     f"choose one of {', '.join(sorted(rules.removal_criteria))}",
                                     f"请选择：{'、'.join(sorted(rules.removal_criteria))}"))
        criterion = None
    comment = _text(data, "comment", issues, required=outcome == "removed")
    if year is not None and any(r.year == year for r in application.rechecks):
        issues.append(_INPUT.finding("greenlist.recheck.duplicate", "year", year, f"{year} was already re-checked",
                                     f"{year} 年度已复核", "re-check another year", "请选择其他年度"))
    _fail(issues)
    assert year is not None
    key = criterion.removeprefix("removal.") if criterion else None
    session.add(GreenRecheck(application_id=application.id, year=year, outcome=outcome, criterion=key,
                             comment=comment, checked_by=principal.user_id))
    if outcome == "removed":
        application.removed_year, application.removal_criterion, application.decision_comment = year, key, comment
    cited = rules.removal_criteria.get(key or "")
    _move(session, principal, application, transition, comment=comment,
          details={"year": year, "outcome": outcome, "criterion": key,
                   "criterion_reference": cited.reference if cited else None})
    session.expire(application, ["rechecks"])
    return application


# --------------------------------------------------------------------------------------- reads


def application_page(session: Session, principal: Principal, *, offset: int, limit: int, status: str | None = None,
                     kind: str | None = None, queue: str | None = None) -> tuple[list[GreenApplication], int]:
    """Applications the caller may see, newest first. ``queue``: ``mine`` (own enterprises),
    ``evaluator`` (assigned to the caller's evaluators), ``regulator`` (awaiting a regulator's decision),
    ``admin`` (awaiting publication)."""
    where: list[ColumnElement[bool]] = [application_filter(principal)]
    if status:
        where.append(GreenApplication.status == status)
    if kind:
        where.append(GreenApplication.kind == kind)
    if queue == "mine":
        where.append(GreenApplication.organisation_id.in_(principal.enterprise_ids() or [-1]))
    elif queue == "evaluator":
        where += [_assigned(principal), GreenApplication.status == S.evaluator_assigned]
    elif queue == "regulator":
        where.append(GreenApplication.status.in_([S.regulator_review, S.pre_reviewed]))
    elif queue == "admin":
        where.append(GreenApplication.status == S.recommended)
    base = (select(GreenApplication).join(Organisation, Organisation.id == GreenApplication.organisation_id)
            .where(*where))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(GreenApplication.id.desc()).offset(offset).limit(limit)).scalars().all()
    return list(rows), int(total)


def published_list(session: Session, *, kind: str | None = None, year: int | None = None,
                   province: str | None = None, offset: int = 0, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """The published list (public information): units listed (and not removed by) ``year``."""
    where: list[ColumnElement[bool]] = [GreenApplication.published_year.is_not(None)]
    if kind:
        where.append(GreenApplication.kind == kind)
    if year is not None:
        where += [GreenApplication.published_year <= year,
                  or_(GreenApplication.removed_year.is_(None), GreenApplication.removed_year > year)]
    else:
        where.append(GreenApplication.status == S.published)
    if province:
        where.append(Organisation.province == province)
    base = (select(GreenApplication, Organisation, Park.name, Park.province, Park.city)
            .join(Organisation, Organisation.id == GreenApplication.organisation_id)
            .outerjoin(Park, Park.id == GreenApplication.park_id).where(*where))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(GreenApplication.published_year.desc(), Organisation.name, GreenApplication.id)
                           .offset(offset).limit(limit)).all()
    # a park is listed where the park is, not where its management body is registered
    return [{"application_id": a.id, "kind": a.kind, "name": o.name, "name_en": o.name_en, "park": park,
             "industry": o.industry, "province": park_province or o.province,
             "city": park_city if park is not None else o.city, "list_year": a.published_year,
             "status": a.status if year is None or a.removed_year is None or a.removed_year > year else S.removed}
            for a, o, park, park_province, park_city in rows], int(total)


def names(session: Session, applications: Iterable[GreenApplication]) -> dict[int, str]:
    """Names of the organisations the applications refer to (one query)."""
    ids = {i for a in applications for i in (a.organisation_id, a.evaluator_id) if i is not None}
    if not ids:
        return {}
    return {row[0]: row[1] for row in session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))}


def application_dict(application: GreenApplication, orgs: Mapping[int, str], *, full: bool = True) -> dict[str, Any]:
    """The application in the API's JSON shape."""
    out: dict[str, Any] = {
        "id": application.id, "organisation_id": application.organisation_id,
        "organisation_name": orgs.get(application.organisation_id), "kind": application.kind,
        "park_id": application.park_id, "list_year": application.list_year, "status": application.status,
        "evaluation_id": application.evaluation_id, "evaluator_id": application.evaluator_id,
        "evaluator_name": orgs.get(application.evaluator_id or -1), "published_year": application.published_year,
        "removed_year": application.removed_year, "removal_criterion": application.removal_criterion,
        "created_at": application.created_at, "updated_at": application.updated_at,
    }
    if full:
        out["self_evaluation"] = application.self_evaluation
        out["review"] = application.review
        out["decision_comment"] = application.decision_comment
        out["history"] = [{"at": e.at, "actor": e.actor, "action": e.action, "from": e.from_status,
                           "to": e.to_status, "comment": e.comment, "details": e.details} for e in application.events]
        out["rechecks"] = [{"year": r.year, "outcome": r.outcome, "criterion": r.criterion, "comment": r.comment,
                            "checked_at": r.checked_at} for r in application.rechecks]
    return out


# ------------------------------------------------------------------------------- output values


def _decimal(data: Mapping[str, Any], field: str, issues: list[Issue], *, positive: bool) -> Decimal | None:
    number = _parsed(data, field, issues, _finite_decimal, (f"give {field} in 万元", f"请填写 {field}（万元）"),
                     ("give the output value in 万元, e.g. 125000.5", "请以万元填写产值，如 125000.5"))
    if number is None:
        return None
    value = data.get(field)
    if number < 0 or (positive and number == 0) or number >= Decimal("1e16"):
        issues.append(_INPUT.finding("greenlist.input.out_of_range", field, value,
                                     "must be greater than 0" if positive else "must not be negative",
                                     "必须大于 0" if positive else "不能为负数", "give the output value in 万元",
                                     "请以万元填写产值"))
        return None
    return number.quantize(Decimal("0.01"))


def set_enterprise_output(session: Session, principal: Principal, data: Mapping[str, Any]) -> EnterpriseOutput:
    """Enter (or replace) an enterprise's output value of a year [万元] (its manager or an admin)."""
    issues: list[Issue] = []
    org_id = _int(data, "organisation_id", issues, low=1)
    year = _int(data, "year", issues, low=MIN_YEAR, high=MAX_YEAR)
    value = _decimal(data, "output_value", issues, positive=False)
    note = _text(data, "source_note", issues, limit=500)
    _fail(issues)
    assert org_id is not None and year is not None and value is not None
    from greenmfg.orgs.access import get_enterprise

    get_enterprise(session, principal, org_id, manage=True)
    row = session.execute(select(EnterpriseOutput).where(EnterpriseOutput.organisation_id == org_id,
                                                         EnterpriseOutput.year == year)).scalar_one_or_none()
    before = None if row is None else str(row.output_value)
    if row is None:
        row = EnterpriseOutput(organisation_id=org_id, year=year, output_value=value)
        session.add(row)
    row.output_value, row.source_note, row.entered_by, row.entered_at = value, note, principal.user_id, utcnow()
    record(session, "greenlist.output.enterprise", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=org_id, target_type="enterprise_output", target_id=f"{org_id}:{year}",
           details={"year": year, "output_value": str(value), "before": before})
    session.flush()
    return row


def region_outputs(session: Session, principal: Principal) -> list[RegionOutput]:
    """The output values of the areas the caller covers (area-level jurisdictions; admins: all).

    Raises
    ------
    Forbidden
        Not a regulator or admin.
    """
    require_regional_access(session, principal)
    rows = session.execute(select(RegionOutput).order_by(RegionOutput.province, RegionOutput.city,
                                                         RegionOutput.year)).scalars().all()
    return [r for r in rows if principal.is_admin or any(s.covers_area(r.province, r.city)
                                                          for s in principal.jurisdictions)]


def set_region_output(session: Session, principal: Principal, data: Mapping[str, Any]) -> RegionOutput:
    """Enter (or replace) the manufacturing output value of a province or city in a year [万元].

    Only a regulator (manager) whose jurisdiction covers the area without a park or industry
    limit, or an admin; ``source_note`` is required.
    """
    from greenmfg.refdata.vocabulary import load_vocabulary

    require_regional_access(session, principal)
    issues: list[Issue] = []
    province_raw = data.get("province")
    vocabulary = load_vocabulary()
    province = vocabulary.region_names.resolve(str(province_raw).strip()) if province_raw else None
    if province is None:
        issues.append(_INPUT.finding("greenlist.input.unknown_province", "province", province_raw,
                                     "is not a province (GB/T 2260 code or name)", "不是省级行政区（GB/T 2260 代码或名称）",
                                     "give e.g. 130000 or 河北", "请填写如 130000 或 河北"))
    city = _text(data, "city", issues, limit=64) or ""
    year = _int(data, "year", issues, low=MIN_YEAR, high=MAX_YEAR)
    value = _decimal(data, "output_value", issues, positive=True)
    note = _text(data, "source_note", issues, required=True, limit=500)
    _fail(issues)
    assert province is not None and year is not None and value is not None and note is not None
    allowed = _is_admin(principal) or any(s.covers_area(province, city, all_industries=True)
                                          for s in regulator_scopes(session, principal, write=True))
    if not allowed:
        raise Forbidden("only a regulator whose jurisdiction covers this area (without industry limits) or an admin "
                        "may enter its manufacturing output", "只有管辖该地区（不限行业）的主管部门或平台管理员可以填报其制造业产值")
    row = session.execute(select(RegionOutput).where(RegionOutput.province == province, RegionOutput.city == city,
                                                     RegionOutput.year == year)).scalar_one_or_none()
    before = None if row is None else str(row.output_value)
    if row is None:
        row = RegionOutput(province=province, city=city, year=year, output_value=value, source_note=note)
        session.add(row)
    row.output_value, row.source_note, row.entered_by, row.entered_at = value, note, principal.user_id, utcnow()
    record(session, "greenlist.output.region", actor=principal.username, actor_user_id=principal.user_id,
           target_type="region_output", target_id=f"{province}:{city}:{year}",
           details={"output_value": str(value), "before": before, "source_note": note})
    session.flush()
    return row


def kinds() -> Sequence[str]:
    return [k.value for k in ListKind]
