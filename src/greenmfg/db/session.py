"""The one database session factory.

A :class:`Database` owns an engine and a ``sessionmaker``. Services receive a ``Session``; the
edges (API, web, CLI) open one per request or command with :meth:`Database.session`, which
commits on success and rolls back on any error, so a failed request changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from greenmfg.db.statistics import ANALYZE_AFTER_ROWS, CHANGED_ROWS, refresh_statistics

__all__ = ["Database"]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # let SQLAlchemy, not pysqlite, decide where transactions begin (needed for SAVEPOINTs)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL makes a commit durable at the next checkpoint, not at every commit (safe, much faster)
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 32 MiB page cache per connection (the default is 2 MiB: a region's sums re-read their index)
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


class Database:
    """Engine + session factory for one database URL."""

    def __init__(self, url: str, *, engine: Engine | None = None, pool_size: int = 10) -> None:
        self.url = url
        if engine is None:
            if url.startswith("sqlite"):
                path = url.removeprefix("sqlite:///")
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"check_same_thread": False})
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "begin", _sqlite_begin)
            else:
                engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size * 2,
                                       pool_pre_ping=True)
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)
        self._watch_commits()
        self.analyze_after_commits = True

    @classmethod
    def bound(cls, url: str, connection: Connection) -> Database:
        """A database whose sessions run inside ``connection``'s open transaction as savepoints.

        Tests use it: everything a test does is rolled back with that outer transaction.
        """
        database = cls.__new__(cls)
        database.url = url
        database.engine = connection.engine
        database.sessionmaker = sessionmaker(bind=connection, expire_on_commit=False,
                                             join_transaction_mode="create_savepoint")
        database._watch_commits()
        # statistics would be refreshed on another connection, outside the test's transaction
        database.analyze_after_commits = False
        return database

    def _watch_commits(self) -> None:
        self.commit_listeners: list[Callable[[set[int]], None]] = []
        self.changed_rows = 0
        self._statistics_lock = threading.Lock()
        event.listen(self.sessionmaker, "after_commit", self._after_commit)
        event.listen(self.sessionmaker, "after_rollback", self._after_rollback)

    def _after_commit(self, session: Session) -> None:
        from greenmfg.cache import CHANGED_ENTERPRISES

        changed: set[int] = session.info.pop(CHANGED_ENTERPRISES, set())
        if changed:
            for listener in self.commit_listeners:
                listener(changed)
        rows = int(session.info.pop(CHANGED_ROWS, 0))
        if rows:
            self._count_changes(rows)

    def _count_changes(self, rows: int) -> None:
        """Refresh the planner statistics once enough rows changed (see :mod:`greenmfg.db.statistics`)."""
        with self._statistics_lock:
            self.changed_rows += rows
            due = self.analyze_after_commits and self.changed_rows >= ANALYZE_AFTER_ROWS
            if due:
                self.changed_rows = 0
        if due:
            refresh_statistics(self.engine)

    @staticmethod
    def _after_rollback(session: Session) -> None:
        from greenmfg.cache import CHANGED_ENTERPRISES

        session.info.pop(CHANGED_ENTERPRISES, None)
        session.info.pop(CHANGED_ROWS, None)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
