"""Committing a previewed import: the one sequence the REST API and the web pages both run.

The accounting is done first, in a read-only transaction (SQLite's write lock is then held for the
writes only); the batch is read again under the write transaction and committed with that result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greenmfg.accounting import queries, store
from greenmfg.accounting.models import FacilityResult, ImportBatch, ImportStatus
from greenmfg.db.session import Database
from greenmfg.orgs.access import Principal

__all__ = ["commit_batch"]

T = TypeVar("T")


def commit_batch(database: Database, principal: Principal, import_id: int,
                 answer: Callable[[Session, ImportBatch, int, int], T]) -> T:
    """Account and commit the import; ``answer(session, batch, run_id, results)`` inside the write transaction.

    Raises :class:`~greenmfg.accounting.store.ImportConflict` when the batch cannot be committed.
    """
    with database.session(write=False) as session:
        batch = queries.get_batch(session, principal, import_id, manage=True, content=True)
        accounted = store.account_batch(batch) if batch.status == ImportStatus.previewed else None
    with database.session(write=True) as session:
        batch = queries.get_batch(session, principal, import_id, manage=True, content=True)
        run = store.commit_import(session, principal, batch, accounted=accounted)
        results = session.scalar(select(func.count()).where(FacilityResult.run_id == run.id)) or 0
        return answer(session, batch, run.id, results)
