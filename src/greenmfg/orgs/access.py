"""Who may see and change which enterprise's data.

An enterprise's data is visible to its own members, to regulators whose jurisdiction covers it,
to evaluators assigned to it (while the assignment is active) and to platform admins. Nobody
else learns that it exists: lookups of an invisible enterprise raise :class:`NotFound`, exactly
as for an id that does not exist.

This module is the one access policy. Services that keep records of their own (green-list
applications, capacity-replacement plans) build their visibility from its parts rather than
filtering on their own:

- :func:`assignment_clause`: an evaluator reads only while an assignment is open (``ended_at``
  unset); ending or withdrawing the assignment ends the access, to the enterprise's data and to
  the record the assignment was for (``purpose``, e.g. ``green_list:<id>``).
- :func:`jurisdiction_clause`/:func:`covers`: a regulator's reach follows where the enterprise is
  *registered* (:class:`Organisation` province, city, park, industry), never a location typed
  into a record by the applicant.
- :func:`regulator_scopes`: the jurisdictions of the regulators the caller belongs to (managed
  ones only when deciding).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from greenmfg.auth.models import Role, User
from greenmfg.errors import GreenmfgError
from greenmfg.orgs.models import EvaluatorAssignment, Jurisdiction, Organisation, OrgKind

__all__ = ["Forbidden", "Membership", "NotFound", "Principal", "Scope", "assignment_clause",
           "assignment_purpose", "covers", "enterprise_filter", "get_enterprise", "jurisdiction_clause",
           "load_principal", "regulated_enterprises", "regulator_scopes"]


#: a column (mapped attribute) or SQL expression
_Expr = SQLCoreOperations


#: Chinese names of the kinds of object :class:`NotFound` names
_WHAT_ZH = {"enterprise": "企业", "organisation": "组织", "facility": "设施", "import": "导入批次",
            "user": "用户", "token": "令牌", "dataset": "数据集", "result": "结果",
            "capacity plan": "产能置换方案", "meter": "计量表", "baseline": "能耗基准模型",
            "evaluation": "评价",
            "green-list application": "绿色制造名单申请"}


class NotFound(GreenmfgError):
    """The object does not exist or the caller may not know that it does."""

    status = 404
    code = "not_found"
    message = "not found"
    message_zh = "未找到"

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} not found", f"未找到{_WHAT_ZH.get(what, what)} {ident}")
        self.what, self.ident = what, ident


class Forbidden(GreenmfgError):
    """The caller can see the object but may not do this to it."""

    status = 403
    code = "forbidden"
    message = "you may not do this"
    message_zh = "无权执行此操作"


@dataclass(frozen=True, slots=True)
class Membership:
    organisation_id: int
    kind: str
    role: str
    name: str


@dataclass(frozen=True, slots=True)
class Scope:
    """One jurisdiction of a regulator the caller belongs to."""

    province: str
    city: str | None = None
    park_id: int | None = None
    industries: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a user, its memberships and the scopes of its credential."""

    user_id: int
    username: str
    display_name: str
    locale: str | None
    memberships: tuple[Membership, ...]
    #: read, write, admin; a web session has all three, an API token its own
    scopes: frozenset[str] = field(default_factory=lambda: frozenset({"read", "write", "admin"}))
    via: str = "session"
    #: jurisdictions of the regulators the user belongs to (loaded with the principal)
    jurisdictions: tuple[Scope, ...] = ()

    def _kinds(self, kind: OrgKind) -> list[Membership]:
        return [m for m in self.memberships if m.kind == kind]

    @property
    def is_admin(self) -> bool:
        return any(m.role == Role.admin for m in self._kinds(OrgKind.platform)) and "admin" in self.scopes

    @property
    def is_regulator(self) -> bool:
        return bool(self._kinds(OrgKind.regulator))

    @property
    def is_evaluator(self) -> bool:
        return bool(self._kinds(OrgKind.evaluator))

    @property
    def is_enterprise(self) -> bool:
        return bool(self._kinds(OrgKind.enterprise))

    def enterprise_ids(self) -> list[int]:
        return [m.organisation_id for m in self._kinds(OrgKind.enterprise)]

    def evaluator_ids(self) -> list[int]:
        return [m.organisation_id for m in self._kinds(OrgKind.evaluator)]

    def can_manage(self, enterprise_id: int) -> bool:
        """May change the enterprise's data (import, commit)."""
        if "write" not in self.scopes:
            return False
        if self.is_admin:
            return True
        return any(m.organisation_id == enterprise_id and m.role == Role.manager
                   for m in self._kinds(OrgKind.enterprise))

    @property
    def primary_role(self) -> str:
        for kind in (OrgKind.platform, OrgKind.regulator, OrgKind.evaluator, OrgKind.enterprise):
            if self._kinds(kind):
                return "admin" if kind is OrgKind.platform else kind.value
        return "none"


def load_principal(session: Session, user: User, *, scopes: frozenset[str] | None = None,
                   via: str = "session") -> Principal:
    """The caller with memberships and jurisdictions: two queries (one more for regulators)."""
    from greenmfg.auth.models import Membership as MembershipRow

    rows = session.execute(
        select(MembershipRow.organisation_id, MembershipRow.role, Organisation.kind, Organisation.name)
        .join(Organisation, Organisation.id == MembershipRow.organisation_id)
        .where(MembershipRow.user_id == user.id, Organisation.active.is_(True))
        .order_by(MembershipRow.organisation_id)
    ).all()
    memberships = tuple(Membership(organisation_id=r[0], role=r[1], kind=r[2], name=r[3]) for r in rows)
    regulators = [m.organisation_id for m in memberships if m.kind == OrgKind.regulator]
    jurisdictions: tuple[Scope, ...] = ()
    if regulators:
        jurisdictions = tuple(
            Scope(province=j.province, city=j.city, park_id=j.park_id, industries=tuple(j.industries or ()))
            for j in session.execute(select(Jurisdiction).where(Jurisdiction.regulator_id.in_(regulators))
                                     .order_by(Jurisdiction.id)).scalars())
    return Principal(user_id=user.id, username=user.username, display_name=user.display_name,
                     locale=user.locale, memberships=memberships,
                     scopes=scopes if scopes is not None else frozenset({"read", "write", "admin"}), via=via,
                     jurisdictions=jurisdictions)


def jurisdiction_clause(j: Scope) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Organisation`: the enterprises *registered* within ``j``."""
    parts: list[ColumnElement[bool]] = [Organisation.province == j.province]
    if j.city:
        parts.append(Organisation.city == j.city)
    if j.park_id is not None:
        parts.append(Organisation.park_id == j.park_id)
    if j.industries:
        parts.append(Organisation.industry.in_(j.industries))
    return and_(*parts)


def covers(j: Scope, org: Organisation) -> bool:
    """Does ``j`` reach ``org`` (by where it is registered)? The Python twin of :func:`jurisdiction_clause`."""
    if j.province != org.province:
        return False
    if j.city and j.city != org.city:
        return False
    if j.park_id is not None and j.park_id != org.park_id:
        return False
    return not j.industries or (org.industry or "") in j.industries


def regulator_scopes(session: Session, principal: Principal, *, write: bool) -> tuple[Scope, ...]:
    """Jurisdictions of the caller's regulators; with ``write`` only those it manages (and only
    with a credential that has the write scope)."""
    if not write:
        return principal.jurisdictions if "read" in principal.scopes else ()
    if "write" not in principal.scopes:
        return ()
    regulators = [m.organisation_id for m in principal.memberships
                  if m.kind == OrgKind.regulator and m.role == Role.manager]
    if not regulators:
        return ()
    return tuple(Scope(province=j.province, city=j.city, park_id=j.park_id, industries=tuple(j.industries or ()))
                 for j in session.execute(select(Jurisdiction).where(Jurisdiction.regulator_id.in_(regulators))
                                          .order_by(Jurisdiction.id)).scalars())


def regulated_enterprises(scopes: tuple[Scope, ...] | list[Scope], *,
                          parks: bool = True) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Organisation`: enterprises registered within any of ``scopes``
    (park-limited jurisdictions left out unless ``parks``)."""
    clauses = [jurisdiction_clause(j) for j in scopes if parks or j.park_id is None]
    if not clauses:
        return false()
    return and_(Organisation.kind == OrgKind.enterprise, or_(*clauses) if len(clauses) > 1 else clauses[0])


def assignment_purpose(kind: str, ident: object) -> str:
    """The ``purpose`` an assignment for one record carries, e.g. ``green_list:12``."""
    return f"{kind}:{ident}"


def assignment_clause(principal: Principal, enterprise_id: _Expr[int] | int, *,
                      evaluator_id: _Expr[int | None] | int | None = None,
                      purpose: _Expr[str] | str | None = None) -> ColumnElement[bool]:
    """True while one of the caller's evaluator organisations has an *open* assignment to the enterprise.

    ``evaluator_id`` narrows it to one evaluator (the one a record names) and ``purpose`` to the
    assignment made for one record: when that assignment ends (report delivered, application
    withdrawn, an admin withdrew it), the access ends with it, whatever the record still says.
    """
    evaluators = principal.evaluator_ids()
    if not evaluators or "read" not in principal.scopes:
        return false()
    parts: list[ColumnElement[bool]] = [EvaluatorAssignment.evaluator_id.in_(evaluators),
                                        EvaluatorAssignment.enterprise_id == enterprise_id,
                                        EvaluatorAssignment.ended_at.is_(None)]
    if evaluator_id is not None:
        parts.append(EvaluatorAssignment.evaluator_id == evaluator_id)
    if purpose is not None:
        parts.append(EvaluatorAssignment.purpose == purpose)
    return exists().where(*parts)


def enterprise_filter(session: Session, principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Organisation` selecting the enterprises the caller may see."""
    if "read" not in principal.scopes:
        return false()
    if principal.is_admin:
        return Organisation.kind == OrgKind.enterprise
    clauses: list[ColumnElement[bool]] = []
    own = principal.enterprise_ids()
    if own:
        clauses.append(Organisation.id.in_(own))
    clauses.extend(jurisdiction_clause(j) for j in principal.jurisdictions)
    if principal.evaluator_ids():
        clauses.append(assignment_clause(principal, Organisation.id))
    if not clauses:
        return false()
    return and_(Organisation.kind == OrgKind.enterprise, or_(*clauses) if len(clauses) > 1 else clauses[0])


def get_enterprise(session: Session, principal: Principal, enterprise_id: int, *,
                   manage: bool = False) -> Organisation:
    """The enterprise if the caller may see it (and manage it when ``manage``).

    Raises
    ------
    NotFound
        It does not exist or is not visible to the caller (indistinguishable on purpose).
    Forbidden
        Visible, but the caller may not change its data.
    """
    enterprise = session.execute(
        select(Organisation).where(Organisation.id == enterprise_id, enterprise_filter(session, principal))
    ).scalar_one_or_none()
    if enterprise is None:
        raise NotFound("enterprise", enterprise_id)
    if manage and not principal.can_manage(enterprise_id):
        raise Forbidden("you may view this enterprise's data but not change it (needs an enterprise "
                        "manager role and a token with the write scope)",
                        "您可以查看该企业数据，但无权修改（需要企业管理员角色及具有 write 权限的令牌）")
    return enterprise


