"""Append to and verify the audit chain.

Each event's hash is SHA-256 over the previous hash and the event's canonical JSON (sequence,
time, actor, action, organisation, target, details). Appends lock the single ``audit_head`` row,
so concurrent writers cannot fork the chain; the head also records the last sequence number and
hash, so deleting the newest events is detected as well as editing or deleting older ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greenmfg.audit.models import AuditEvent, AuditHead
from greenmfg.db.base import utcnow

__all__ = ["GENESIS", "ChainReport", "record", "verify"]

GENESIS = "0" * 64


def _digest(prev_hash: str, seq: int, at: dt.datetime, actor: str, action: str, organisation_id: int | None,
            target_type: str | None, target_id: str | None, details: dict[str, Any]) -> str:
    body = json.dumps(
        {"seq": seq, "at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor": actor,
         "action": action, "organisation_id": organisation_id, "target_type": target_type,
         "target_id": target_id, "details": details},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record(session: Session, action: str, *, actor: str, actor_user_id: int | None = None,
           organisation_id: int | None = None, target_type: str | None = None,
           target_id: object = None, details: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event in the caller's transaction (it is rolled back with it).

    Parameters
    ----------
    action
        Dotted name: ``auth.login``, ``auth.login_failed``, ``import.preview``, ``import.commit``,
        ``results.recalculate``, ``membership.role_change``, ``organisation.update`` …
    """
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    # details go through JSON once so the hash covers exactly what is stored
    clean: dict[str, Any] = json.loads(json.dumps(details or {}, ensure_ascii=False, default=str))
    at = utcnow()
    seq = head.seq + 1
    target = None if target_id is None else str(target_id)
    digest = _digest(head.hash, seq, at, actor, action, organisation_id, target_type, target, clean)
    event = AuditEvent(seq=seq, at=at, actor_user_id=actor_user_id, actor=actor, action=action,
                       organisation_id=organisation_id, target_type=target_type, target_id=target,
                       details=clean, prev_hash=head.hash, hash=digest)
    session.add(event)
    head.seq, head.hash = seq, digest
    session.flush()
    return event


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Outcome of :func:`verify`: ``ok`` with the number of events, or the first break found."""

    ok: bool
    events: int
    problems: list[str]


def verify(session: Session, *, batch: int = 5000) -> ChainReport:
    """Recompute every hash in order and compare with the stored chain and head."""
    problems: list[str] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    last_id = 0
    while True:
        events = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not events:
            break
        for event in events:
            count += 1
            last_id = event.id
            if event.seq != expected_seq:
                problems.append(f"event id {event.id}: sequence {event.seq}, expected {expected_seq} "
                                "(an event was deleted or inserted)")
            if event.prev_hash != prev_hash:
                problems.append(f"event seq {event.seq}: previous-hash link broken")
            digest = _digest(event.prev_hash, event.seq, event.at, event.actor, event.action,
                             event.organisation_id, event.target_type, event.target_id, event.details)
            if digest != event.hash:
                problems.append(f"event seq {event.seq} ({event.action}): content does not match its hash "
                                "(the event was edited)")
            prev_hash, expected_seq = event.hash, event.seq + 1
        session.expunge_all()
    head = session.get(AuditHead, 1)
    stored = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problems.append(f"chain head says seq {head.seq} but the log ends at seq {expected_seq - 1} "
                        "(the newest events were deleted or the head was altered)")
    if head is None and stored:
        problems.append("audit head is missing")
    return ChainReport(ok=not problems, events=count, problems=problems)
