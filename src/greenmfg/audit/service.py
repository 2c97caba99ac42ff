"""Append to and verify the audit chain.

Each event's hash is HMAC-SHA-256, under the key named by the event's ``key_id``, over the previous
hash and the event's canonical JSON (sequence, time, actor, action, organisation, target, details,
key id). The keys are kept outside the database (:mod:`greenmfg.audit.keys`), so whoever can write
the database cannot recompute the chain. Appends lock the single ``audit_head`` row, so concurrent
writers cannot fork the chain; after each commit a signed checkpoint (sequence, hash, time) is
appended to a file outside the database, so deleting the newest events, or all of them, is detected
against the newest checkpoint even when the head is rewritten to match.

Events from before keys (``key_id`` NULL) are verified as the legacy SHA-256 prefix of the chain;
an unkeyed event after a keyed one is reported (a re-hash with the public algorithm).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from greenmfg.audit.keys import Checkpoint, Keyring, keyring_from_settings, read_checkpoints
from greenmfg.audit.models import AuditEvent, AuditHead
from greenmfg.db.base import utcnow
from greenmfg.db.session import Database
from greenmfg.settings import Settings

__all__ = ["GENESIS", "ChainReport", "configure", "keyring", "record", "verify"]

GENESIS = "0" * 64
_log = logging.getLogger("greenmfg.audit")
_KEYRING: Keyring | None = None
#: keyrings made from the environment when none was configured, by database URL
_UNCONFIGURED: dict[str, Keyring] = {}
#: session.info key: (seq, hash) of the newest event appended in the session's transaction
_PENDING = "greenmfg.audit.checkpoint"
#: session.info key: the keyring attached to the session's database (:func:`configure`)
_RING = "greenmfg.audit.keyring"


def configure(settings_or_keyring: Settings | Keyring, *, database: Database | None = None) -> Keyring:
    """Set the process's audit keyring (the app and the CLI call this at start-up) and attach it to
    ``database``'s sessions, so they keep it whatever is configured later in the process; the
    database also places the default checkpoint file (see :func:`greenmfg.audit.keys.default_checkpoints`).

    Raises
    ------
    ConfigurationError
        Production without an audit key, a short key, an unreadable key file.
    """
    global _KEYRING
    ring = (settings_or_keyring if isinstance(settings_or_keyring, Keyring)
            else keyring_from_settings(settings_or_keyring, database_url=database.url if database else None))
    _KEYRING = ring
    if database is not None:
        info = dict(database.sessionmaker.kw.get("info") or {})
        database.sessionmaker.configure(info={**info, _RING: ring})
    return ring


def keyring(session: Session | None = None) -> Keyring:
    """The keyring attached to ``session``'s database, else the one configured for the process, else
    one made from the environment's settings (its default checkpoint file placed for the session's
    database)."""
    if session is not None and isinstance(ring := session.info.get(_RING), Keyring):
        return ring
    if _KEYRING is not None:
        return _KEYRING
    # nothing configured (a script, a seeding before the app starts): the environment's settings,
    # with the default checkpoint file placed for the database the session really writes
    url = session.get_bind().engine.url.render_as_string(hide_password=False) if session is not None else None
    settings = Settings.from_env()
    where = url or settings.database_url
    if where not in _UNCONFIGURED:
        _UNCONFIGURED[where] = keyring_from_settings(settings, database_url=url)
    return _UNCONFIGURED[where]


def _body(seq: int, at: dt.datetime, actor: str, action: str, organisation_id: int | None,
          target_type: str | None, target_id: str | None, details: dict[str, Any], key_id: str | None) -> str:
    fields: dict[str, Any] = {
        "seq": seq, "at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor": actor,
        "action": action, "organisation_id": organisation_id, "target_type": target_type,
        "target_id": target_id, "details": details}
    if key_id is not None:
        fields["key_id"] = key_id
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _digest(ring: Keyring, prev_hash: str, seq: int, at: dt.datetime, actor: str, action: str,
            organisation_id: int | None, target_type: str | None, target_id: str | None,
            details: dict[str, Any], key_id: str | None) -> str | None:
    """The event's hash: HMAC under ``key_id`` (None when that key is unknown), or legacy SHA-256."""
    text = prev_hash + _body(seq, at, actor, action, organisation_id, target_type, target_id, details, key_id)
    if key_id is None:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return ring.digest(key_id, text)


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
    ring = keyring(session)
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
    digest = _digest(ring, head.hash, seq, at, actor, action, organisation_id, target_type, target, clean,
                     ring.current_id)
    assert digest is not None  # the current key is always in the keyring
    entry = AuditEvent(seq=seq, at=at, actor_user_id=actor_user_id, actor=actor, action=action,
                       organisation_id=organisation_id, target_type=target_type, target_id=target,
                       details=clean, prev_hash=head.hash, hash=digest, key_id=ring.current_id)
    session.add(entry)
    head.seq, head.hash = seq, digest
    session.flush()
    if ring.checkpoint_every and seq % ring.checkpoint_every == 0:
        session.info[_PENDING] = (ring, seq, digest)
    return entry


@event.listens_for(Session, "after_commit")
def _checkpoint_after_commit(session: Session) -> None:
    """Write the checkpoint of the newest event once its transaction is committed (never one a
    rollback would leave pointing at nothing)."""
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    ring, seq, digest = pending
    try:
        ring.checkpoint(seq, digest)
    except OSError:  # the event is committed; a missing checkpoint only narrows what verify can prove
        _log.exception("audit checkpoint for seq %s could not be written", seq)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Outcome of :func:`verify`: ``ok`` with the number of events, or the problems found."""

    ok: bool
    events: int
    problems: list[str]
    #: the newest valid checkpoint compared with the log (None: there is none yet)
    checkpoint: Checkpoint | None = None
    #: legacy (unkeyed SHA-256) events at the start of the chain
    legacy_events: int = 0
    key_ids: list[str] = field(default_factory=list)


def verify(session: Session, *, batch: int = 5000, ring: Keyring | None = None,
           write_checkpoint: bool = False) -> ChainReport:
    """Recompute every hash in order and compare with the stored chain, its head and the signed
    checkpoints outside the database.

    Parameters
    ----------
    write_checkpoint
        Append a checkpoint of the verified head when the chain is intact (``greenmfg audit verify``).
    """
    ring = ring or keyring(session)
    checkpoints, problems = read_checkpoints(ring)
    at_seq: dict[int, list[Checkpoint]] = {}
    for cp in checkpoints:
        at_seq.setdefault(cp.seq, []).append(cp)
    seen: set[int] = set()
    prev_hash, expected_seq, count, legacy = GENESIS, 1, 0, 0
    keyed = False
    key_ids: set[str] = set()
    last_id = 0
    while True:
        events = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not events:
            break
        for entry in events:
            count += 1
            last_id = entry.id
            if entry.seq != expected_seq:
                problems.append(f"event id {entry.id}: sequence {entry.seq}, expected {expected_seq} "
                                "(an event was deleted or inserted)")
            if entry.prev_hash != prev_hash:
                problems.append(f"event seq {entry.seq}: previous-hash link broken")
            if entry.key_id is None:
                legacy += 1
                if keyed:
                    problems.append(f"event seq {entry.seq}: unkeyed (SHA-256) event after keyed ones "
                                    "(the chain was re-hashed without the key)")
            else:
                keyed = True
                key_ids.add(entry.key_id)
            digest = _digest(ring, entry.prev_hash, entry.seq, entry.at, entry.actor, entry.action,
                             entry.organisation_id, entry.target_type, entry.target_id, entry.details, entry.key_id)
            if digest is None:
                problems.append(f"event seq {entry.seq}: signed by unknown key {entry.key_id} (add the retired key "
                                "to GREENMFG_AUDIT_KEYRING_FILE)")
            elif digest != entry.hash:
                problems.append(f"event seq {entry.seq} ({entry.action}): content does not match its hash "
                                "(the event was edited or re-hashed)")
            for cp in at_seq.get(entry.seq, ()):
                seen.add(cp.seq)
                if cp.hash != entry.hash:
                    problems.append(f"event seq {entry.seq}: hash differs from the signed checkpoint of {cp.time} "
                                    "(the chain was rewritten)")
            prev_hash, expected_seq = entry.hash, entry.seq + 1
        session.expunge_all()
    head = session.get(AuditHead, 1)
    stored = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problems.append(f"chain head says seq {head.seq} but the log ends at seq {expected_seq - 1} "
                        "(the newest events were deleted or the head was altered)")
    if head is None and stored:
        problems.append("audit head is missing")
    newest = max(checkpoints, key=lambda c: c.seq, default=None)
    if newest is not None and newest.seq > expected_seq - 1:
        problems.append(f"the log ends at seq {expected_seq - 1} but a signed checkpoint of {newest.time} records "
                        f"seq {newest.seq} (events were deleted: the log was truncated)")
    missing = sorted(s for s in at_seq if s not in seen and s <= expected_seq - 1)
    if missing:
        problems.append(f"signed checkpoints at seq {', '.join(map(str, missing[:5]))} match no event "
                        "(events were deleted)")
    ok = not problems
    if ok and write_checkpoint and count:
        ring.checkpoint(expected_seq - 1, prev_hash)
    return ChainReport(ok=ok, events=count, problems=problems, checkpoint=newest, legacy_events=legacy,
                       key_ids=sorted(key_ids))
