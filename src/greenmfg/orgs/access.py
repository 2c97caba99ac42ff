"""Who may see and change which enterprise's data.

An enterprise's data is visible to its own members, to regulators whose jurisdiction covers it,
to evaluators assigned to it (while the assignment is active) and to platform admins. Nobody
else learns that it exists: lookups of an invisible enterprise raise :class:`NotFound`, exactly
as for an id that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from greenmfg.auth.models import Role, User
from greenmfg.errors import GreenmfgError
from greenmfg.orgs.models import EvaluatorAssignment, Jurisdiction, Organisation, OrgKind

__all__ = ["Forbidden", "Membership", "NotFound", "Principal", "Scope", "enterprise_filter",
           "get_enterprise", "load_principal"]


class NotFound(GreenmfgError):
    """The object does not exist or the caller may not know that it does."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} not found")
        self.what, self.ident = what, ident


class Forbidden(GreenmfgError):
    """The caller can see the object but may not do this to it."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh


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


def _jurisdiction_clause(j: Scope) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = [Organisation.province == j.province]
    if j.city:
        parts.append(Organisation.city == j.city)
    if j.park_id is not None:
        parts.append(Organisation.park_id == j.park_id)
    if j.industries:
        parts.append(Organisation.industry.in_(j.industries))
    return and_(*parts)


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
    clauses.extend(_jurisdiction_clause(j) for j in principal.jurisdictions)
    evaluators = [m.organisation_id for m in principal.memberships if m.kind == OrgKind.evaluator]
    if evaluators:
        assigned = select(EvaluatorAssignment.enterprise_id).where(
            EvaluatorAssignment.evaluator_id.in_(evaluators), EvaluatorAssignment.ended_at.is_(None))
        clauses.append(Organisation.id.in_(assigned))
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


