"""Platform administration: organisations, users and their roles, API tokens, the audit log.

Admins only (:func:`require_admin`). Every change is appended to the audit chain in the same
transaction, under these actions:

=========================  ====================================================================
``organisation.create``    a new organisation (its fields and jurisdictions)
``organisation.update``    changed fields, each as ``{"from", "to"}``; jurisdictions as lists
``evaluator.assign``       an evaluator assigned to an enterprise
``evaluator.unassign``     an assignment ended
``user.create``            a new user (never the password) and its first membership
``user.deactivate``        a user can no longer sign in; its sessions and tokens are revoked
``user.activate``          a deactivated user can sign in again
``membership.add``         a user joins an organisation with a role
``membership.role_change`` a user's role in an organisation changes (``from``, ``to``)
``membership.remove``      a user leaves an organisation
``auth.token_revoked``     an API token revoked (``by_admin``: true)
=========================  ====================================================================

Names are checked against the vocabulary (industry keys, GB/T 2260 province codes, cities), so
what is stored matches what access rules and imports compare with.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from greenmfg.audit import service as audit
from greenmfg.audit.models import AuditEvent
from greenmfg.auth import service as auth
from greenmfg.auth.models import ApiToken, Membership, Role, User, WebSession
from greenmfg.auth.passwords import WeakPassword, check_password
from greenmfg.auth.security import hash_password
from greenmfg.db.base import utcnow
from greenmfg.db.paging import fetch_page
from greenmfg.errors import STATUS_TEXT, GreenmfgError
from greenmfg.orgs.access import Forbidden, NotFound, Principal
from greenmfg.orgs.models import EvaluatorAssignment, Jurisdiction, Organisation, OrgKind
from greenmfg.refdata.vocabulary import Vocabulary, load_vocabulary

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "USERNAME_PATTERN",
    "AdminError",
    "JurisdictionInput",
    "OrganisationInput",
    "assign_evaluator",
    "assignments",
    "audit_events",
    "counts",
    "create_organisation",
    "create_user",
    "end_assignment",
    "get_organisation",
    "get_user",
    "list_organisations",
    "list_tokens",
    "list_users",
    "members",
    "remove_membership",
    "require_admin",
    "revoke_token",
    "reset_password",
    "set_active",
    "set_membership",
    "token_state",
    "update_organisation",
    "verify_audit",
]

_T = TypeVar("_T")

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$")
#: the default of ``Settings.password_min_length``; callers pass the deployment's value
MIN_PASSWORD_LENGTH = 12


class AdminError(GreenmfgError):
    """An administrative change that cannot be made; ``status`` is the HTTP status (409, 422), the code
    the status's; ``field`` the form input at fault."""

    message = "the administrative change cannot be made"
    message_zh = "无法执行该管理操作"

    def __init__(self, status: int, message: str, message_zh: str, field: str | None = None) -> None:
        super().__init__(message, message_zh, status=status, code=STATUS_TEXT[status][0], field=field)


@dataclass(frozen=True, slots=True)
class JurisdictionInput:
    """Part of a regulator's reach: a province, optionally a city, optionally some industries."""

    province: str
    city: str | None = None
    industries: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OrganisationInput:
    """Fields of an organisation; ``None`` leaves a field unchanged on update."""

    kind: str | None = None
    name: str | None = None
    name_en: str | None = None
    code: str | None = None
    industry: str | None = None
    province: str | None = None
    city: str | None = None
    active: bool | None = None
    #: regulators: replaces every jurisdiction when given
    jurisdictions: tuple[JurisdictionInput, ...] | None = None


def require_admin(principal: Principal) -> None:
    """Raises :class:`Forbidden` unless the caller is a platform admin (with the admin scope)."""
    if not principal.is_admin:
        raise Forbidden("platform administrators only", "仅限平台管理员")


def _record(session: Session, actor: Principal, action: str, *, target_type: str, target_id: object,
            organisation_id: int | None = None, details: dict[str, Any] | None = None) -> None:
    audit.record(session, action, actor=actor.username, actor_user_id=actor.user_id,
                 organisation_id=organisation_id, target_type=target_type, target_id=target_id,
                 details=details or {})


# ------------------------------------------------------------------------- validation


def _industry(vocabulary: Vocabulary, text: str) -> str:
    key = vocabulary.industry_names.resolve(text)
    if key is None:
        suggestions = vocabulary.industry_names.suggest(text)
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise AdminError(422, f"unknown industry '{text}'{hint}", f"未知行业“{text}”", field="industry")
    return key


def _province(vocabulary: Vocabulary, text: str) -> str:
    key = vocabulary.region_names.resolve(text)
    if key is None or key not in vocabulary.regions or not re.fullmatch(r"\d{6}", key):
        raise AdminError(422, f"unknown province '{text}': give a GB/T 2260 code such as 130000 or a name",
                         f"未知省份“{text}”：请填写 GB/T 2260 代码（如 130000）或省份名称", field="province")
    return key


def _city(vocabulary: Vocabulary, province: str, text: str | None) -> str | None:
    """The city as stored on enterprises and jurisdictions: the vocabulary's short name when known."""
    if text is None or not text.strip():
        return None
    record = vocabulary.city(text.strip())
    if record is None:
        return text.strip()
    if record["province"] != province:
        raise AdminError(422, f"{record['name_en']} is not in province {province}",
                         f"{record['name_zh']}不属于省份 {province}", field="city")
    return record["aliases"].split("|")[0] or record["name_zh"]


def _clean(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None


def _jurisdictions(vocabulary: Vocabulary, items: tuple[JurisdictionInput, ...]) -> list[Jurisdiction]:
    out = []
    for item in items:
        province = _province(vocabulary, item.province)
        industries = sorted({_industry(vocabulary, i) for i in item.industries if i.strip()})
        out.append(Jurisdiction(province=province, city=_city(vocabulary, province, item.city),
                                industries=industries or None))
    return out


def _jurisdiction_dicts(items: list[Jurisdiction]) -> list[dict[str, Any]]:
    return [{"province": j.province, "city": j.city, "industries": j.industries or []} for j in items]


# ---------------------------------------------------------------------- organisations


def list_organisations(session: Session, principal: Principal, *, kind: str | None = None, q: str | None = None,
                       page: int = 1, page_size: int = 50) -> tuple[list[Organisation], int, dict[int, int]]:
    """Organisations (optionally of one kind, or whose name/code contains ``q``), their total
    and how many members each of the listed ones has."""
    require_admin(principal)
    where: list[ColumnElement[bool]] = []
    if kind:
        where.append(Organisation.kind == kind)
    if q and q.strip():
        like = f"%{q.strip()}%"
        where.append(or_(Organisation.name.ilike(like), Organisation.name_en.ilike(like),
                         Organisation.code.ilike(like)))
    rows, total = fetch_page(session, Organisation, where, [Organisation.kind, Organisation.name, Organisation.id],
                             offset=(page - 1) * page_size, limit=page_size,
                             options=[selectinload(Organisation.jurisdictions)])
    members = {int(k): int(v) for k, v in session.execute(
        select(Membership.organisation_id, func.count()).where(
            Membership.organisation_id.in_([o.id for o in rows])).group_by(Membership.organisation_id))}
    return rows, total, members


def _admin_get(session: Session, principal: Principal, model: type[_T], ident: int, what: str) -> _T:
    """The row of ``model`` with id ``ident``, for an administrator; :class:`NotFound` when there is none."""
    require_admin(principal)
    row = session.get(model, ident)
    if row is None:
        raise NotFound(what, ident)
    return row


def get_organisation(session: Session, principal: Principal, organisation_id: int) -> Organisation:
    return _admin_get(session, principal, Organisation, organisation_id, "organisation")


def create_organisation(session: Session, principal: Principal, data: OrganisationInput) -> Organisation:
    """A new organisation; enterprises need code, industry and province.

    Raises
    ------
    AdminError
        Missing or unknown fields (422), a code already in use (409).
    """
    require_admin(principal)
    vocabulary = load_vocabulary()
    kind = data.kind or ""
    if kind not in {k.value for k in OrgKind}:
        raise AdminError(422, f"kind must be one of {', '.join(k.value for k in OrgKind)}",
                         "组织类型须为 enterprise、regulator、evaluator 或 platform", field="kind")
    name = _clean(data.name)
    if not name:
        raise AdminError(422, "the name is required", "请填写名称", field="name")
    org = Organisation(kind=kind, name=name, name_en=_clean(data.name_en),
                       active=True if data.active is None else data.active)
    if kind == OrgKind.enterprise:
        _apply_enterprise_fields(session, vocabulary, org, data, creating=True)
    if kind == OrgKind.regulator:
        items = _jurisdictions(vocabulary, data.jurisdictions or ())
        if not items:
            raise AdminError(422, "a regulator needs at least one jurisdiction (a province)",
                             "监管部门至少需要一个管辖范围（省份）", field="jurisdictions")
        org.jurisdictions.extend(items)
    session.add(org)
    session.flush()
    details: dict[str, Any] = {"kind": org.kind, "name": org.name, "name_en": org.name_en}
    if kind == OrgKind.enterprise:
        details.update(code=org.code, industry=org.industry, province=org.province, city=org.city)
    if kind == OrgKind.regulator:
        details["jurisdictions"] = _jurisdiction_dicts(org.jurisdictions)
    _record(session, principal, "organisation.create", target_type="organisation", target_id=org.id,
            organisation_id=org.id, details=details)
    return org


def _apply_enterprise_fields(session: Session, vocabulary: Vocabulary, org: Organisation, data: OrganisationInput,
                             *, creating: bool) -> None:
    code = _clean(data.code) if data.code is not None else org.code
    if not code:
        raise AdminError(422, "an enterprise needs a code (unified social credit code or own id)",
                         "企业须填写代码（统一社会信用代码或自编代码）", field="code")
    if code != org.code:
        taken = session.scalar(select(Organisation.id).where(Organisation.code == code, Organisation.id != org.id))
        if taken is not None:
            raise AdminError(409, f"the code {code} is already used by organisation {taken}",
                             f"代码 {code} 已被组织 {taken} 使用", field="code")
        org.code = code
    if data.industry is not None or creating:
        if not (data.industry or "").strip():
            raise AdminError(422, "an enterprise needs an industry", "企业须填写行业", field="industry")
        org.industry = _industry(vocabulary, data.industry or "")
    if data.province is not None or creating:
        if not (data.province or "").strip():
            raise AdminError(422, "an enterprise needs a province", "企业须填写省份", field="province")
        org.province = _province(vocabulary, data.province or "")
    if data.city is not None or data.province is not None or creating:
        org.city = _city(vocabulary, org.province or "", data.city if data.city is not None else org.city)


def update_organisation(session: Session, principal: Principal, organisation_id: int,
                        data: OrganisationInput) -> Organisation:
    """Change the given fields (kind never changes); audits each change as ``{"from", "to"}``.

    Raises
    ------
    NotFound
        No such organisation.
    AdminError
        Unknown or missing values (422), a code in use (409).
    """
    org = get_organisation(session, principal, organisation_id)
    vocabulary = load_vocabulary()
    fields = ("name", "name_en", "code", "industry", "province", "city", "active")
    before = {f: getattr(org, f) for f in fields}
    jurisdictions_before = _jurisdiction_dicts(org.jurisdictions)
    if data.kind is not None and data.kind != org.kind:
        raise AdminError(422, "the kind of an organisation cannot change; create a new one",
                         "组织类型不可更改，请新建组织", field="kind")
    if data.name is not None:
        name = _clean(data.name)
        if not name:
            raise AdminError(422, "the name is required", "请填写名称", field="name")
        org.name = name
    if data.name_en is not None:
        org.name_en = _clean(data.name_en)
    if data.active is not None:
        org.active = data.active
    if org.kind == OrgKind.enterprise:
        _apply_enterprise_fields(session, vocabulary, org, data, creating=False)
    elif any(v is not None for v in (data.code, data.industry, data.province, data.city)):
        raise AdminError(422, "code, industry, province and city belong to enterprises",
                         "代码、行业、省份和城市仅适用于企业", field="code")
    if data.jurisdictions is not None:
        if org.kind != OrgKind.regulator:
            raise AdminError(422, "only regulators have jurisdictions", "只有监管部门有管辖范围",
                             field="jurisdictions")
        items = _jurisdictions(vocabulary, data.jurisdictions)
        if not items:
            raise AdminError(422, "a regulator needs at least one jurisdiction (a province)",
                             "监管部门至少需要一个管辖范围（省份）", field="jurisdictions")
        org.jurisdictions.clear()
        session.flush()
        org.jurisdictions.extend(items)
    session.flush()
    changes: dict[str, Any] = {f: {"from": before[f], "to": getattr(org, f)} for f in fields
                               if before[f] != getattr(org, f)}
    jurisdictions_after = _jurisdiction_dicts(org.jurisdictions)
    if jurisdictions_after != jurisdictions_before:
        changes["jurisdictions"] = {"from": jurisdictions_before, "to": jurisdictions_after}
    if changes:
        _record(session, principal, "organisation.update", target_type="organisation", target_id=org.id,
                organisation_id=org.id, details=changes)
    return org


def assign_evaluator(session: Session, principal: Principal, evaluator_id: int, enterprise_id: int, *,
                     purpose: str | None = None) -> EvaluatorAssignment:
    """Give an evaluator access to an enterprise (until the assignment is ended).

    Raises
    ------
    NotFound
        No such organisation.
    AdminError
        Not an evaluator and an enterprise (422), or already assigned (409).
    """
    evaluator = get_organisation(session, principal, evaluator_id)
    enterprise = get_organisation(session, principal, enterprise_id)
    if evaluator.kind != OrgKind.evaluator or enterprise.kind != OrgKind.enterprise:
        raise AdminError(422, "assignments link an evaluator to an enterprise", "评价任务须将评价机构指派给企业",
                         field="enterprise_id")
    open_assignment = session.scalar(select(EvaluatorAssignment.id).where(
        EvaluatorAssignment.evaluator_id == evaluator_id, EvaluatorAssignment.enterprise_id == enterprise_id,
        EvaluatorAssignment.ended_at.is_(None)))
    if open_assignment is not None:
        raise AdminError(409, f"{evaluator.name} is already assigned to {enterprise.name}",
                         f"{evaluator.name} 已被指派给 {enterprise.name}", field="enterprise_id")
    assignment = EvaluatorAssignment(evaluator_id=evaluator_id, enterprise_id=enterprise_id,
                                     purpose=_clean(purpose))
    session.add(assignment)
    session.flush()
    _record(session, principal, "evaluator.assign", target_type="evaluator_assignment", target_id=assignment.id,
            organisation_id=enterprise_id, details={"evaluator_id": evaluator_id, "evaluator": evaluator.name,
                                                    "enterprise_id": enterprise_id, "enterprise": enterprise.name,
                                                    "purpose": assignment.purpose})
    return assignment


def end_assignment(session: Session, principal: Principal, evaluator_id: int,
                   assignment_id: int) -> EvaluatorAssignment:
    """End an evaluator's assignment: it no longer sees the enterprise.

    Raises
    ------
    NotFound
        No such open assignment of this evaluator.
    """
    require_admin(principal)
    assignment = session.get(EvaluatorAssignment, assignment_id)
    if assignment is None or assignment.evaluator_id != evaluator_id or assignment.ended_at is not None:
        raise NotFound("assignment", assignment_id)
    assignment.ended_at = utcnow()
    _record(session, principal, "evaluator.unassign", target_type="evaluator_assignment", target_id=assignment.id,
            organisation_id=assignment.enterprise_id,
            details={"evaluator_id": evaluator_id, "enterprise_id": assignment.enterprise_id})
    return assignment


def assignments(session: Session, evaluator_id: int, *, open_only: bool = False
                ) -> list[tuple[EvaluatorAssignment, Organisation]]:
    """An evaluator's assignments with their enterprises, newest first."""
    query = (select(EvaluatorAssignment, Organisation)
             .join(Organisation, Organisation.id == EvaluatorAssignment.enterprise_id)
             .where(EvaluatorAssignment.evaluator_id == evaluator_id)
             .order_by(EvaluatorAssignment.ended_at.is_not(None), EvaluatorAssignment.id.desc()))
    if open_only:
        query = query.where(EvaluatorAssignment.ended_at.is_(None))
    return [(a, o) for a, o in session.execute(query)]


def members(session: Session, organisation_id: int) -> list[tuple[User, str]]:
    """The users of an organisation and their roles."""
    return [(u, r) for u, r in session.execute(
        select(User, Membership.role).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id).order_by(User.username))]


# ------------------------------------------------------------------------------ users


def list_users(session: Session, principal: Principal, *, q: str | None = None, organisation_id: int | None = None,
               active: bool | None = None, page: int = 1, page_size: int = 50) -> tuple[list[User], int]:
    require_admin(principal)
    where: list[ColumnElement[bool]] = []
    if q and q.strip():
        like = f"%{q.strip()}%"
        where.append(or_(User.username.ilike(like), User.display_name.ilike(like)))
    if organisation_id is not None:
        where.append(User.id.in_(select(Membership.user_id).where(Membership.organisation_id == organisation_id)))
    if active is not None:
        where.append(User.active.is_(active))
    return fetch_page(session, User, where, [User.username], offset=(page - 1) * page_size, limit=page_size)


def get_user(session: Session, principal: Principal, user_id: int) -> User:
    return _admin_get(session, principal, User, user_id, "user")


def _check_role(org: Organisation, role: str) -> None:
    if role not in {r.value for r in Role}:
        raise AdminError(422, "role must be manager, viewer or admin", "角色须为 manager、viewer 或 admin",
                         field="role")
    if (org.kind == OrgKind.platform) != (role == Role.admin):
        raise AdminError(422, "the admin role belongs to the platform organisation, and only it",
                         "admin 角色仅适用于平台运营组织，平台运营组织也只能使用 admin 角色", field="role")


def _check_new_password(password: str, username: str, min_length: int) -> None:
    try:
        check_password(password, username=username, min_length=min_length)
    except WeakPassword as error:
        raise AdminError(422, error.message, error.message_zh, field="password") from error


def create_user(session: Session, principal: Principal, *, username: str, display_name: str, password: str,
                locale: str | None = None, organisation_id: int | None = None, role: str | None = None,
                min_length: int = MIN_PASSWORD_LENGTH) -> User:
    """A new user (argon2 password hash) with an optional first membership.

    Raises
    ------
    AdminError
        Bad username, weak password (:func:`greenmfg.auth.passwords.check_password`), bad role (422);
        username taken (409).
    NotFound
        No such organisation.
    """
    require_admin(principal)
    username = username.strip()
    if not USERNAME_PATTERN.fullmatch(username):
        raise AdminError(422, "usernames have 3–64 letters, digits or . _ @ - and start with a letter or digit",
                         "用户名须为 3–64 位字母、数字或 . _ @ -，并以字母或数字开头", field="username")
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        raise AdminError(409, f"the username {username} is taken", f"用户名 {username} 已被使用", field="username")
    _check_new_password(password, username, min_length)
    if locale not in (None, "", "zh-CN", "en"):
        raise AdminError(422, "locale must be zh-CN or en", "语言须为 zh-CN 或 en", field="locale")
    org = None
    if organisation_id is not None:
        org = get_organisation(session, principal, organisation_id)
        _check_role(org, role or "")
    user = User(username=username, display_name=(display_name.strip() or username)[:200],
                password_hash=hash_password(password), locale=locale or None, active=True)
    session.add(user)
    session.flush()
    details: dict[str, Any] = {"username": user.username, "display_name": user.display_name, "locale": user.locale}
    if org is not None:
        session.add(Membership(user_id=user.id, organisation_id=org.id, role=role))
        details["membership"] = {"organisation_id": org.id, "organisation": org.name, "role": role}
    session.flush()
    session.refresh(user)
    _record(session, principal, "user.create", target_type="user", target_id=user.id,
            organisation_id=org.id if org else None, details=details)
    return user


def set_active(session: Session, principal: Principal, user_id: int, active: bool) -> User:
    """Deactivate (revoking the user's sessions and API tokens) or reactivate a user.

    Raises
    ------
    AdminError
        An admin deactivating their own account (409).
    """
    user = get_user(session, principal, user_id)
    if not active and user.id == principal.user_id:
        raise AdminError(409, "you cannot deactivate your own account", "不能停用自己的账号")
    if user.active == active:
        return user
    user.active = active
    details: dict[str, Any] = {"username": user.username}
    if not active:
        now = utcnow()
        sessions = session.execute(update(WebSession).where(WebSession.user_id == user.id,
                                                            WebSession.revoked_at.is_(None)).values(revoked_at=now))
        tokens = session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                                        ApiToken.revoked_at.is_(None)).values(revoked_at=now))
        details.update(sessions_revoked=getattr(sessions, "rowcount", 0), tokens_revoked=getattr(tokens, "rowcount", 0))
    _record(session, principal, "user.activate" if active else "user.deactivate", target_type="user",
            target_id=user.id, details=details)
    return user


def reset_password(session: Session, principal: Principal, user_id: int, password: str | None = None, *,
                   min_length: int = MIN_PASSWORD_LENGTH) -> tuple[User, str | None]:
    """An administrator resets a user's password: the given one, or a random temporary one.

    Either way the user must choose a new password at the next sign-in, and every session and API
    token of theirs is revoked. Returns the user and the generated password (shown once), if any.

    Raises
    ------
    AdminError
        A given password that breaks the rules (422); an admin resetting their own (409: change it instead).
    """
    user = get_user(session, principal, user_id)
    if user.id == principal.user_id:
        raise AdminError(409, "change your own password on the account page, not by a reset",
                         "请在账号页面修改自己的密码，而不是重置")
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    _check_new_password(password, user.username, min_length)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    revoked = auth.revoke_credentials(session, user.id)
    _record(session, principal, "user.password_reset", target_type="user", target_id=user.id,
            details={"username": user.username, "generated": generated is not None, "revoked": revoked})
    return user, generated


def set_membership(session: Session, principal: Principal, user_id: int, organisation_id: int,
                   role: str) -> Membership:
    """Add the user to the organisation with ``role``, or change the role it has there.

    Raises
    ------
    AdminError
        A role that does not fit the organisation (422); an admin demoting themselves (409).
    """
    user = get_user(session, principal, user_id)
    org = get_organisation(session, principal, organisation_id)
    _check_role(org, role)
    membership = session.execute(select(Membership).where(
        Membership.user_id == user.id, Membership.organisation_id == org.id)).scalar_one_or_none()
    if membership is None:
        membership = Membership(user_id=user.id, organisation_id=org.id, role=role)
        session.add(membership)
        session.flush()
        _record(session, principal, "membership.add", target_type="user", target_id=user.id,
                organisation_id=org.id, details={"username": user.username, "organisation": org.name, "role": role})
    elif membership.role != role:
        previous = membership.role
        membership.role = role
        _record(session, principal, "membership.role_change", target_type="user", target_id=user.id,
                organisation_id=org.id, details={"username": user.username, "organisation": org.name,
                                                 "from": previous, "to": role})
    session.expire(user, ["memberships"])
    return membership


def remove_membership(session: Session, principal: Principal, user_id: int, organisation_id: int) -> None:
    """Take the user out of the organisation.

    Raises
    ------
    NotFound
        The user is not a member.
    AdminError
        An admin leaving the platform organisation themselves (409).
    """
    user = get_user(session, principal, user_id)
    membership = session.execute(select(Membership).where(
        Membership.user_id == user.id, Membership.organisation_id == organisation_id)).scalar_one_or_none()
    if membership is None:
        raise NotFound("membership", f"{user_id}/{organisation_id}")
    org = session.get(Organisation, organisation_id)
    if user.id == principal.user_id and org is not None and org.kind == OrgKind.platform:
        raise AdminError(409, "you cannot remove your own administrator membership",
                         "不能移除自己的平台管理员身份")
    session.delete(membership)
    session.flush()
    session.expire(user, ["memberships"])
    _record(session, principal, "membership.remove", target_type="user", target_id=user.id,
            organisation_id=organisation_id,
            details={"username": user.username, "organisation": org.name if org else None, "role": membership.role})


# ----------------------------------------------------------------------------- tokens


def list_tokens(session: Session, principal: Principal, *, user_id: int | None = None, active: bool | None = None,
                page: int = 1, page_size: int = 50) -> tuple[list[tuple[ApiToken, str]], int]:
    """Every user's API tokens (newest first) with the owner's username; secrets are never stored."""
    require_admin(principal)
    now = utcnow()
    where: list[ColumnElement[bool]] = []
    if user_id is not None:
        where.append(ApiToken.user_id == user_id)
    live = ApiToken.revoked_at.is_(None) & or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now)
    if active is True:
        where.append(live)
    elif active is False:
        where.append(~live)
    total = session.scalar(select(func.count()).select_from(ApiToken).where(*where)) or 0
    rows = [(t, u) for t, u in session.execute(
        select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).where(*where)
        .order_by(ApiToken.id.desc()).offset((page - 1) * page_size).limit(page_size))]
    return rows, int(total)


def revoke_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    """Revoke any user's API token (an already revoked one stays as it is, without a new event).

    Raises
    ------
    NotFound
        No such token.
    """
    row = _admin_get(session, principal, ApiToken, token_id, "token")
    if row.revoked_at is None:
        auth.revoke_api_token(session, row)
        _record(session, principal, "auth.token_revoked", target_type="api_token", target_id=row.id,
                details={"by_admin": True, "owner_user_id": row.user_id, "name": row.name, "prefix": row.prefix})
    return row


# ------------------------------------------------------------------------------ audit


def audit_events(session: Session, principal: Principal, *, action: str | None = None, actor: str | None = None,
                 organisation_id: int | None = None, page: int = 1,
                 page_size: int = 50) -> tuple[list[AuditEvent], int]:
    """Audit events, newest first; ``action`` matches a prefix (``membership.`` or ``auth.login``)."""
    require_admin(principal)
    where: list[ColumnElement[bool]] = []
    if action and action.strip():
        where.append(AuditEvent.action.startswith(action.strip(), autoescape=True))
    if actor and actor.strip():
        where.append(AuditEvent.actor == actor.strip())
    if organisation_id is not None:
        where.append(AuditEvent.organisation_id == organisation_id)
    return fetch_page(session, AuditEvent, where, [AuditEvent.seq.desc()], offset=(page - 1) * page_size,
                      limit=page_size)


def verify_audit(session: Session, principal: Principal) -> audit.ChainReport:
    """Recompute the whole audit chain (see :func:`greenmfg.audit.service.verify`)."""
    require_admin(principal)
    return audit.verify(session)


def counts(session: Session, principal: Principal) -> dict[str, int]:
    """Figures of the admin overview: organisations by kind, users, live tokens, audit events."""
    require_admin(principal)
    out = {f"organisations_{kind}": 0 for kind in OrgKind}
    for kind, n in session.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)):
        out[f"organisations_{kind}"] = int(n)
    now = utcnow()
    out["users"] = int(session.scalar(select(func.count()).select_from(User)) or 0)
    out["users_active"] = int(session.scalar(select(func.count()).select_from(User).where(User.active.is_(True))) or 0)
    out["tokens_active"] = int(session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.revoked_at.is_(None), or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))) or 0)
    out["audit_events"] = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    return out


def token_state(row: ApiToken, now: dt.datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``."""
    now = now or utcnow()
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "active"
