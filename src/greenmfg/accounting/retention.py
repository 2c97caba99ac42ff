"""Bounded copies of uploads that were not committed: a quota per enterprise and an expiry for previews.

A previewed or invalid import keeps its file (the commit reads those very bytes). What an
enterprise may hold that way is bounded:

* **quota**: the bytes of its previewed and invalid imports together, at most
  ``GREENMFG_UPLOAD_QUOTA_BYTES`` (default 100 MiB); a new upload past it is refused (413, zh +
  en) until previews are committed, discarded or expire;
* **expiry**: a previewed or invalid import older than ``GREENMFG_PREVIEW_TTL`` hours (default
  72) is expired: marked discarded and its file dropped (it stays listed with its issues, never
  committable). Expired previews are purged on every new upload of the enterprise and by
  ``greenmfg uploads purge`` (all enterprises; run it from cron).

A discarded import drops its file as well; committed imports keep theirs (what was committed).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from greenmfg.accounting.models import ImportBatch, ImportStatus
from greenmfg.audit import service as audit
from greenmfg.db.base import utcnow

__all__ = ["HELD", "held_bytes", "purge_expired"]

#: statuses whose file is held without having been committed
HELD = (ImportStatus.previewed, ImportStatus.invalid)


def held_bytes(session: Session, enterprise_id: int) -> int:
    """Bytes of the enterprise's previewed and invalid imports (the files kept for them)."""
    return int(session.scalar(select(func.coalesce(func.sum(ImportBatch.size_bytes), 0)).where(
        ImportBatch.enterprise_id == enterprise_id, ImportBatch.status.in_(HELD))) or 0)


def purge_expired(session: Session, *, ttl_hours: int, enterprise_id: int | None = None,
                  now: dt.datetime | None = None, actor: str = "system") -> int:
    """Expire previewed and invalid imports older than ``ttl_hours``; also drop the files still kept
    by discarded ones. Returns the number of imports expired (each audited as ``import.expire``)."""
    cutoff = (now or utcnow()) - dt.timedelta(hours=ttl_hours)
    where = [ImportBatch.status.in_(HELD), ImportBatch.created_at < cutoff]
    if enterprise_id is not None:
        where.append(ImportBatch.enterprise_id == enterprise_id)
    expired = session.execute(select(ImportBatch.id, ImportBatch.enterprise_id, ImportBatch.filename,
                                     ImportBatch.status).where(*where).order_by(ImportBatch.id)).all()
    if expired:
        session.execute(update(ImportBatch).where(ImportBatch.id.in_([e.id for e in expired]))
                        .values(status=ImportStatus.discarded, content=b""))
    for batch_id, owner, filename, status in expired:
        audit.record(session, "import.expire", actor=actor, organisation_id=owner, target_type="import",
                     target_id=batch_id, details={"file": filename, "status": status, "ttl_hours": ttl_hours})
    leftovers = [ImportBatch.status == ImportStatus.discarded, func.length(ImportBatch.content) > 0]
    if enterprise_id is not None:
        leftovers.append(ImportBatch.enterprise_id == enterprise_id)
    session.execute(update(ImportBatch).where(*leftovers).values(content=b""))
    return len(expired)
