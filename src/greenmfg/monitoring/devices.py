"""Meter and gateway credentials (issue #13 item 4): create, rotate, revoke, check.

A device credential belongs to one enterprise and grants either every meter of it (a gateway,
``meter_ids`` null) or a list of its meters. It is used two ways:

* MQTT: user name ``username``, password the secret; the broker's password and ACL files are
  generated from these rows (:mod:`greenmfg.monitoring.broker`), granting
  ``topic write greenmfg/v1/{enterprise_id}/{meter_id}/readings`` for each granted meter (or
  ``greenmfg/v1/{enterprise_id}/+/readings`` for a gateway).
* HTTP push: ``Authorization: Bearer gmdev.{username}.{secret}`` on
  ``POST /api/v1/meters/{meter_id}/readings``, with the same grant.

The secret is shown once (on creation and rotation) and stored only as its PBKDF2-SHA512 hash in
Mosquitto's password-file format ``$7$iterations$salt$hash`` (what ``mosquitto_passwd`` writes), so the
broker and greenmfg check the same hash.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.audit import service as audit
from greenmfg.errors import Issue, ValidationFailed
from greenmfg.findings import has_nul
from greenmfg.monitoring.models import MeterDevice
from greenmfg.orgs.access import NotFound, Principal, get_enterprise
from greenmfg.orgs.models import Facility, Meter

__all__ = ["TOKEN_PREFIX", "Grants", "NewSecret", "active_grants", "create_device", "device_dict", "hash_secret",
           "list_devices", "resolve_token", "revoke_device", "rotate_device", "verify_secret"]

#: HTTP device tokens start with this (user API tokens never do)
TOKEN_PREFIX = "gmdev."
#: PBKDF2 rounds: the secret is 256 random bits, so the count guards nothing a guess could find;
#: it is kept low because the broker hashes on every connect (mosquitto_passwd's default is 101)
ITERATIONS = 1000
#: meters one credential may list (a gateway for more: ``meter_ids`` null)
MAX_METERS = 5000
_USERNAME = re.compile(r"^gmd-\d{1,12}-[0-9a-f]{8}$")


def hash_secret(secret: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """``$7$iterations$salt$hash``: PBKDF2-HMAC-SHA512, 12-byte salt, 64-byte hash, base64 (Mosquitto 2.0)."""
    salt = secrets.token_bytes(12) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, iterations, 64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_secret(secret: str, hashed: str) -> bool:
    """True when ``secret`` matches a ``$7$`` hash (constant-time comparison)."""
    parts = hashed.split("$")
    if len(parts) != 5 or parts[1] != "7" or not parts[2].isdigit():
        return False
    try:
        salt, expected = base64.b64decode(parts[3]), base64.b64decode(parts[4])
    except ValueError:
        return False
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, int(parts[2]), len(expected))
    return hmac.compare_digest(digest, expected)


@dataclass(frozen=True, slots=True)
class NewSecret:
    """What the caller sees once: the MQTT password and the HTTP token built from it."""

    device: MeterDevice
    secret: str

    @property
    def token(self) -> str:
        return f"{TOKEN_PREFIX}{self.device.username}.{self.secret}"


def device_dict(device: MeterDevice, new: NewSecret | None = None) -> dict[str, object]:
    out: dict[str, object] = {
        "id": device.id, "enterprise_id": device.enterprise_id, "name": device.name, "username": device.username,
        "meter_ids": device.meter_ids, "created_at": device.created_at.isoformat() if device.created_at else None,
        "rotated_at": device.rotated_at.isoformat() if device.rotated_at else None,
        "revoked_at": device.revoked_at.isoformat() if device.revoked_at else None,
        "topics": [f"greenmfg/v1/{device.enterprise_id}/{m}/readings" for m in device.meter_ids]
        if device.meter_ids is not None else [f"greenmfg/v1/{device.enterprise_id}/+/readings"],
    }
    if new is not None:
        out["password"] = new.secret
        out["token"] = new.token
    return out


def _bad(message: str, message_zh: str, fix: str, fix_zh: str, column: str, value: object) -> ValidationFailed:
    return ValidationFailed([Issue("monitoring.device.invalid", message, fix, message_zh, fix_zh, column=column,
                                   value=str(value)[:200])], 1)


def _check_meters(session: Session, enterprise_id: int, meter_ids: list[int] | None) -> list[int] | None:
    if meter_ids is None:
        return None
    if not isinstance(meter_ids, list) or not meter_ids or len(meter_ids) > MAX_METERS or not all(
            isinstance(m, int) and not isinstance(m, bool) and 0 < m < 2**31 for m in meter_ids):
        raise _bad(f"meter_ids must be a list of 1 to {MAX_METERS} meter ids (or null for every meter of the enterprise)",
                   f"meter_ids 必须是 1 至 {MAX_METERS} 个计量表 ID 的列表（null 表示该企业全部计量表）",
                   "list the meter ids shown on the meter pages", "填写计量表页面上显示的 ID", "meter_ids", meter_ids)
    wanted = sorted(set(meter_ids))
    found = set(session.execute(select(Meter.id).join(Facility, Facility.id == Meter.facility_id)
                                .where(Meter.id.in_(wanted), Facility.enterprise_id == enterprise_id)).scalars())
    missing = [m for m in wanted if m not in found]
    if missing:
        raise _bad(f"enterprise {enterprise_id} has no meter {', '.join(map(str, missing))}",
                   f"企业 {enterprise_id} 没有计量表 {', '.join(map(str, missing))}",
                   "grant only the enterprise's own meters", "只能授权本企业的计量表", "meter_ids", missing)
    return wanted


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100 or has_nul(name):
        raise _bad("name must be 1 to 100 characters", "名称须为 1 至 100 个字符", "name the meter or gateway",
                   "填写计量表或网关名称", "name", name)
    return name.strip()


def create_device(session: Session, principal: Principal, enterprise_id: int, name: object,
                  meter_ids: list[int] | None = None) -> NewSecret:
    """A new credential for ``enterprise_id`` (enterprise manager or admin); the secret is returned once."""
    enterprise = get_enterprise(session, principal, enterprise_id, manage=True)
    clean_name = _check_name(name)
    grant = _check_meters(session, enterprise.id, meter_ids)
    secret = secrets.token_urlsafe(32)
    device = MeterDevice(enterprise_id=enterprise.id, name=clean_name,
                         username=f"gmd-{enterprise.id}-{secrets.token_hex(4)}", secret_hash=hash_secret(secret),
                         meter_ids=grant)
    session.add(device)
    session.flush()
    audit.record(session, "monitoring.device.create", actor=principal.username, actor_user_id=principal.user_id or None,
                 organisation_id=enterprise.id, target_type="meter_device", target_id=device.id,
                 details={"username": device.username, "meter_ids": grant})
    return NewSecret(device, secret)


def _get(session: Session, principal: Principal, device_id: int) -> MeterDevice:
    device = session.get(MeterDevice, device_id)
    if device is None:
        raise NotFound("meter device", device_id)
    try:
        get_enterprise(session, principal, device.enterprise_id, manage=True)
    except NotFound:
        raise NotFound("meter device", device_id) from None
    return device


def list_devices(session: Session, principal: Principal, enterprise_id: int) -> list[MeterDevice]:
    enterprise = get_enterprise(session, principal, enterprise_id, manage=True)
    return list(session.execute(select(MeterDevice).where(MeterDevice.enterprise_id == enterprise.id)
                                .order_by(MeterDevice.id)).scalars())


def rotate_device(session: Session, principal: Principal, device_id: int) -> NewSecret:
    """A new secret (the old one stops working once the broker files are synchronised)."""
    device = _get(session, principal, device_id)
    if device.revoked_at is not None:
        raise _bad("a revoked credential cannot be rotated: create a new one", "已撤销的凭据不能轮换：请新建",
                   "create a new device credential", "新建设备凭据", "device_id", device_id)
    secret = secrets.token_urlsafe(32)
    device.secret_hash = hash_secret(secret)
    device.rotated_at = dt.datetime.now(dt.UTC)
    audit.record(session, "monitoring.device.rotate", actor=principal.username, actor_user_id=principal.user_id or None,
                 organisation_id=device.enterprise_id, target_type="meter_device", target_id=device.id)
    return NewSecret(device, secret)


def revoke_device(session: Session, principal: Principal, device_id: int) -> MeterDevice:
    device = _get(session, principal, device_id)
    if device.revoked_at is None:
        device.revoked_at = dt.datetime.now(dt.UTC)
        audit.record(session, "monitoring.device.revoke", actor=principal.username, actor_user_id=principal.user_id or None,
                     organisation_id=device.enterprise_id, target_type="meter_device", target_id=device.id)
    return device


def resolve_token(session: Session, token: str) -> MeterDevice | None:
    """The active device of an HTTP device token ``gmdev.{username}.{secret}``, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    username, _, secret = token[len(TOKEN_PREFIX):].partition(".")
    if not _USERNAME.match(username) or not secret or len(secret) > 200:
        return None
    device = session.execute(select(MeterDevice).where(MeterDevice.username == username)).scalar_one_or_none()
    if device is None or device.revoked_at is not None or not verify_secret(secret, device.secret_hash):
        return None
    return device


def covers(device: MeterDevice, enterprise_id: int, meter_id: int) -> bool:
    return device.enterprise_id == enterprise_id and (device.meter_ids is None or meter_id in device.meter_ids)


@dataclass
class Grants:
    """What the active credentials allow: per enterprise, every meter (``None``) or a set of meters."""

    by_enterprise: dict[int, set[int] | None] = field(default_factory=dict)

    def allows(self, enterprise_id: int, meter_id: int) -> bool:
        if enterprise_id not in self.by_enterprise:
            return False
        meters = self.by_enterprise[enterprise_id]
        return meters is None or meter_id in meters


def active_grants(session: Session) -> Grants:
    grants = Grants()
    for enterprise_id, meter_ids in session.execute(
            select(MeterDevice.enterprise_id, MeterDevice.meter_ids).where(MeterDevice.revoked_at.is_(None))):
        if meter_ids is None or grants.by_enterprise.get(enterprise_id, set()) is None:
            grants.by_enterprise[enterprise_id] = None
        else:
            current = grants.by_enterprise.setdefault(enterprise_id, set())
            assert current is not None
            current.update(meter_ids)
    return grants


def active_devices(session: Session) -> list[MeterDevice]:
    return list(session.execute(select(MeterDevice).where(MeterDevice.revoked_at.is_(None))
                                .order_by(MeterDevice.id)).scalars())
