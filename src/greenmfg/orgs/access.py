"""Who may see and change which enterprise's data.

An enterprise's data is visible to its own members, to regulators whose jurisdiction covers it,
to evaluators assigned to it (while the assignment is active) and to platform admins. Nobody
else learns that it exists: lookups of an invisible enterprise raise :class:`NotFound`, exactly
as for an id that does not exist.

This module is the one access policy; no domain matches jurisdictions or memberships on its own.
Every domain (accounting, monitoring, diagnosis, green factory, green list, capacity replacement,
region, compliance, benchmarking and the reports built on them) takes its visibility and its
regulator checks from here:

- :func:`visible_clause`: the WHERE clause "records of enterprise X the caller may see" (its
  members; regulators covering it, optionally only for some records, e.g. not drafts; evaluators
  with an open assignment, optionally the one made for this record; admins everything), and
  :func:`enterprise_filter`/:func:`get_enterprise` for the enterprises themselves.
- :meth:`Scope.covers` (and its SQL twin :meth:`Scope.clause`): a regulator's reach follows where
  the enterprise is *registered* (:class:`Organisation` province, city, park, industry), never a
  location typed into a record by the applicant.
- :func:`regulates`/:func:`require_regulator`: is the caller a regulator (a manager with a
  ``write`` credential when deciding), covering a given enterprise when one is named.
- :func:`assignment_clause`: an evaluator reads only while an assignment is open (``ended_at``
  unset); ending or withdrawing the assignment ends the access, to the enterprise's data and to
  the record the assignment was for (``purpose``, e.g. ``green_list:<id>``).
- :meth:`Scope.covers_area`: area-level decisions (regional figures and targets of a province or
  city) need an area-level jurisdiction over that area.
- :func:`private_clause`: records an enterprise keeps to itself (its CBAM data for EU customers):
  its members and platform admins only; a regulator or evaluator sees one only while the enterprise
  shares it with that organisation (``shared``, a clause over the caller's
  :func:`sharing_organisations`), whatever its jurisdiction or assignments.

The jurisdiction rule (one rule, every domain)
----------------------------------------------
A jurisdiction names a province and optionally narrows it to a city, an industrial park and a
list of industries; every narrowing given must hold for the enterprise *as registered*:

- a regulator whose jurisdiction is limited to a **park** sees the enterprises registered in that
  park (``organisations.park_id``), and no other, in every domain: their accounting results,
  meters, diagnoses, evaluations, green-list applications, capacity-replacement plans and the
  regional and compliance views built from them; a manager of such a regulator decides on their
  records (green-list recommendations, capacity plans) like any other covering regulator;
- a regulator limited to **industries** sees the enterprises registered in those industries
  (within its province/city), and no other, likewise in every domain;
- a park is not an area: a park-limited jurisdiction gives no area-level rights (regional
  output figures and targets are for province- or city-level jurisdictions, see
  :meth:`Scope.covers_area`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from greenmfg.auth.models import Role, User
from greenmfg.errors import GreenmfgError
from greenmfg.orgs.models import EvaluatorAssignment, Jurisdiction, Organisation, OrgKind

__all__ = ["Forbidden", "Membership", "NotFound", "Principal", "Scope", "assignment_clause",
           "assignment_purpose", "default_enterprise", "enterprise_filter", "get_enterprise", "load_principal",
           "manageable_enterprises", "member_organisations", "private_clause", "sharing_organisations", "visible_enterprises", "regulated_enterprises",
           "regulates", "regulator_scopes", "require_regulator", "visible_clause", "visible_one"]


#: a column (mapped attribute) or SQL expression
_Expr = SQLCoreOperations
_T = TypeVar("_T")


#: Chinese names of the kinds of object :class:`NotFound` names
_WHAT_ZH = {"enterprise": "企业", "organisation": "组织", "facility": "设施", "import": "导入批次",
            "user": "用户", "token": "令牌", "dataset": "数据集", "result": "结果",
            "capacity plan": "产能置换方案", "meter": "计量表", "baseline": "能耗基准模型",
            "evaluation": "评价", "attachment": "附件", "CBAM record": "CBAM记录",
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
    """One jurisdiction of a regulator the caller belongs to (the rule: the module docstring)."""

    province: str
    city: str | None = None
    park_id: int | None = None
    industries: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: Jurisdiction) -> Scope:
        return cls(province=row.province, city=row.city, park_id=row.park_id,
                   industries=tuple(row.industries or ()))

    def covers(self, org: Organisation) -> bool:
        """Does this jurisdiction reach ``org`` (by where it is registered)? The Python twin of :meth:`clause`."""
        if self.province != org.province:
            return False
        if self.city and self.city != org.city:
            return False
        if self.park_id is not None and self.park_id != org.park_id:
            return False
        return not self.industries or (org.industry or "") in self.industries

    def clause(self) -> ColumnElement[bool]:
        """A WHERE clause on :class:`Organisation`: the organisations *registered* within this jurisdiction."""
        parts: list[ColumnElement[bool]] = [Organisation.province == self.province]
        if self.city:
            parts.append(Organisation.city == self.city)
        if self.park_id is not None:
            parts.append(Organisation.park_id == self.park_id)
        if self.industries:
            parts.append(Organisation.industry.in_(self.industries))
        return and_(*parts)

    @property
    def area_level(self) -> bool:
        """A province or city (perhaps narrowed to industries), not a park: a park is not an area."""
        return self.park_id is None

    def covers_area(self, province: str, city: str | None, *, all_industries: bool = False) -> bool:
        """Does this jurisdiction reach the whole area ``province``/``city`` (``city`` empty: the province)?

        Only area-level jurisdictions reach an area; with ``all_industries`` only one without an
        industry limit (figures of the whole area's manufacturing).
        """
        return (self.area_level and self.province == province and (not self.city or self.city == (city or ""))
                and not (all_industries and self.industries))


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
        jurisdictions = _scopes_of(session, regulators)
    return Principal(user_id=user.id, username=user.username, display_name=user.display_name,
                     locale=user.locale, memberships=memberships,
                     scopes=scopes if scopes is not None else frozenset({"read", "write", "admin"}), via=via,
                     jurisdictions=jurisdictions)


def _scopes_of(session: Session, regulators: list[int]) -> tuple[Scope, ...]:
    return tuple(Scope.of(j) for j in session.execute(
        select(Jurisdiction).where(Jurisdiction.regulator_id.in_(regulators)).order_by(Jurisdiction.id)).scalars())


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
    return _scopes_of(session, regulators)


def regulated_enterprises(scopes: tuple[Scope, ...] | list[Scope]) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Organisation`: enterprises registered within any of ``scopes``."""
    clauses = [j.clause() for j in scopes]
    if not clauses:
        return false()
    return and_(Organisation.kind == OrgKind.enterprise, or_(*clauses) if len(clauses) > 1 else clauses[0])


def regulates(session: Session, principal: Principal, org: Organisation | None = None, *,
              write: bool = True) -> bool:
    """Is the caller a regulator (with ``write``: a manager of one, with a ``write`` credential),
    one whose jurisdiction covers ``org`` when it is given?"""
    if org is None:
        needed = "write" if write else "read"
        return needed in principal.scopes and any(
            m.kind == OrgKind.regulator and (not write or m.role == Role.manager) for m in principal.memberships)
    return any(s.covers(org) for s in regulator_scopes(session, principal, write=write))


def require_regulator(session: Session, principal: Principal, org: Organisation | None = None, *,
                      write: bool = True, admin: bool = False,
                      message: tuple[str, str] | None = None) -> None:
    """Go on only for a regulator (see :func:`regulates`); with ``admin`` platform admins too.

    Raises
    ------
    Forbidden
        Anybody else, with ``message`` (English, Chinese) or a general one.
    """
    if admin and principal.is_admin and ("write" if write else "read") in principal.scopes:
        return
    if regulates(session, principal, org, write=write):
        return
    if message is None:
        who = "regulators and platform administrators" if admin else "regulators"
        who_zh = "监管部门和平台管理员" if admin else "监管部门"
        if org is not None:
            who = f"{who} whose jurisdiction covers where the enterprise is registered"
            who_zh = f"管辖该企业注册所在地的{who_zh}"
        if write:
            who, who_zh = f"{who} (manager role, write scope)", f"{who_zh}（管理员角色、具有 write 权限）"
        message = f"only {who} may do this", f"仅限{who_zh}"
    raise Forbidden(*message)


def visible_clause(principal: Principal, organisation_id: _Expr[int], *, joined: bool = False,
                   evaluators: bool = True, evaluator_id: _Expr[int | None] | None = None,
                   purpose: _Expr[str] | str | None = None,
                   regulators_see: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    """A WHERE clause: the records of the enterprise ``organisation_id`` that the caller may see.

    The one visibility rule of every domain: the enterprise's members; regulators whose
    jurisdiction covers where it is registered (only the records ``regulators_see`` selects, e.g.
    not drafts, when given); evaluators with an open assignment to it (narrowed by
    ``evaluator_id``/``purpose`` to the assignment made for the record, see
    :func:`assignment_clause`; none with ``evaluators=False``); platform admins all records.

    ``joined``: the query joins :class:`Organisation` on ``organisation_id`` (or is on it), so the
    jurisdictions test its columns directly instead of through a sub-query.
    """
    if "read" not in principal.scopes:
        return false()
    if principal.is_admin:
        return true()
    clauses: list[ColumnElement[bool]] = []
    own = principal.enterprise_ids()
    if own:
        clauses.append(organisation_id.in_(own))
    if principal.jurisdictions:
        regulated = regulated_enterprises(principal.jurisdictions)
        if not joined:
            regulated = organisation_id.in_(select(Organisation.id).where(regulated))
        clauses.append(regulated if regulators_see is None else and_(regulated, regulators_see))
    if evaluators and principal.evaluator_ids():
        clauses.append(assignment_clause(principal, organisation_id, evaluator_id=evaluator_id, purpose=purpose))
    if not clauses:
        return false()
    return or_(*clauses) if len(clauses) > 1 else clauses[0]


def visible_one(session: Session, query: Select[_T], what: str, ident: object, *,
                lock: Any = None) -> _T:
    """The one row of ``query`` (already filtered to what the caller may see), row-locked on ``lock`` when given.

    Raises
    ------
    NotFound
        No row: it does not exist or the caller may not see it (indistinguishable on purpose).
    """
    if lock is not None:
        query = query.with_for_update(of=lock)
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise NotFound(what, ident)
    return row


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
    return and_(Organisation.kind == OrgKind.enterprise, visible_clause(principal, Organisation.id, joined=True))


def member_organisations(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Organisation`: the organisations (of any kind) the caller belongs to;
    every organisation for admins."""
    if principal.is_admin:
        return Organisation.id.is_not(None)
    return Organisation.id.in_([m.organisation_id for m in principal.memberships])


def manageable_enterprises(session: Session, principal: Principal, *, limit: int = 200) -> list[Organisation]:
    """The enterprises the caller sees and may change (:meth:`Principal.can_manage`), by code."""
    if "write" not in principal.scopes:
        return []
    orgs = session.execute(select(Organisation).where(enterprise_filter(session, principal))
                           .order_by(Organisation.code).limit(limit)).scalars().all()
    return [o for o in orgs if principal.can_manage(o.id)]


def visible_enterprises(session: Session, principal: Principal, *, limit: int = 2000) -> list[Organisation]:
    """The enterprises the caller may see, by name: the choices of an enterprise picker."""
    return list(session.execute(select(Organisation).where(enterprise_filter(session, principal))
                                .order_by(Organisation.name, Organisation.id).limit(limit)).scalars())


def default_enterprise(session: Session, principal: Principal, *,
                       having: ColumnElement[bool] | None = None) -> int | None:
    """The enterprise a page opens on when none is chosen: the caller's own enterprise if it
    belongs to one, else the first visible enterprise (by code) for which ``having`` holds (a
    clause on :class:`Organisation`, e.g. an ``EXISTS`` of the page's data), else the first
    visible enterprise; ``None`` when the caller sees none.
    """
    own = principal.enterprise_ids()
    if own:
        return own[0]
    query = select(Organisation.id).where(enterprise_filter(session, principal)).order_by(Organisation.code,
                                                                                          Organisation.id).limit(1)
    if having is not None:
        found = session.execute(query.where(having)).scalar_one_or_none()
        if found is not None:
            return int(found)
    first = session.execute(query).scalar_one_or_none()
    return None if first is None else int(first)


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


def sharing_organisations(principal: Principal) -> list[int]:
    """The regulators and evaluators the caller belongs to (what an enterprise may share records
    with), none for a credential without the read scope."""
    if "read" not in principal.scopes:
        return []
    return [m.organisation_id for m in principal.memberships if m.kind in (OrgKind.regulator, OrgKind.evaluator)]


def private_clause(principal: Principal, organisation_id: _Expr[int], *,
                   shared: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    """A WHERE clause: the records of enterprise ``organisation_id`` that it keeps to itself and the
    caller may see: its members, platform admins, and (``shared``) the records it shares with one of
    the caller's :func:`sharing_organisations`. Regulators' jurisdictions and evaluators'
    assignments give no access to these records.
    """
    if "read" not in principal.scopes:
        return false()
    if principal.is_admin:
        return true()
    clauses: list[ColumnElement[bool]] = []
    own = principal.enterprise_ids()
    if own:
        clauses.append(organisation_id.in_(own))
    if shared is not None and sharing_organisations(principal):
        clauses.append(shared)
    if not clauses:
        return false()
    return or_(*clauses) if len(clauses) > 1 else clauses[0]
