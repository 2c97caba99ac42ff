"""The one database session factory.

A :class:`Database` owns an engine and a ``sessionmaker``. Services receive a ``Session``; the
edges (API, web, CLI) open one per request or command with :meth:`Database.session`, which
commits on success and rolls back on any error, so a failed request changes nothing.

SQLite under concurrency. Every connection runs in WAL mode (readers never wait for the writer)
with a busy timeout (``GREENMFG_SQLITE_BUSY_TIMEOUT_MS``: a writer waits for the write lock
instead of failing with "database is locked"). A transaction that may write begins with ``BEGIN
IMMEDIATE``: it takes the write lock before its first read, so it never has to upgrade a read
snapshot to a write (which SQLite refuses at once with ``SQLITE_BUSY`` when another connection
wrote meanwhile: the busy timeout does not help there). A transaction that only reads begins
deferred and holds no lock. Which one is chosen: ``Database.session(write=...)`` when the caller
says; otherwise :func:`reading` (the web app wraps every GET, HEAD and OPTIONS request in it)
makes the transactions opened inside it deferred, and everything else is immediate. PostgreSQL
is unaffected (row locks, MVCC).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from greenmfg.db.statistics import ANALYZE_AFTER_ROWS, CHANGED_ROWS, refresh_statistics

__all__ = ["DEFAULT_SQLITE_BUSY_TIMEOUT_MS", "Database", "database_busy", "reading"]

#: how long a SQLite connection waits for the write lock before "database is locked" [ms]
DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 30_000

#: whether transactions begun in this context may write (SQLite: ``BEGIN IMMEDIATE``)
_writing: ContextVar[bool] = ContextVar("greenmfg_db_writing", default=True)
#: whether a transaction begun in this context gives up at once when SQLite's write lock is taken
_nowait: ContextVar[bool] = ContextVar("greenmfg_db_nowait", default=False)


def database_busy(error: BaseException) -> bool:
    """Whether ``error`` is SQLite's "database is locked" (the write lock stayed taken longer than
    the busy timeout, or a ``wait=False`` transaction found it taken)."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "database is busy" in text


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside are read-only ones: on SQLite they begin deferred (no lock).

    The web app runs every GET, HEAD and OPTIONS request inside it; a transaction there that
    writes all the same still works, it just gives up the guarantee that it can upgrade to a write.
    """
    token = _writing.set(False)
    try:
        yield
    finally:
        _writing.reset(token)


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def connect(dbapi_connection: Any, _record: Any) -> None:
        _set_pragmas(dbapi_connection, busy_timeout_ms)

    return connect


def _set_pragmas(dbapi_connection: Any, busy_timeout_ms: int) -> None:
    # let SQLAlchemy, not pysqlite, decide where transactions begin (needed for SAVEPOINTs and
    # for BEGIN IMMEDIATE: the documented pysqlite workaround, see _sqlite_begin)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    # WAL makes a commit durable at the next checkpoint, not at every commit (safe, much faster)
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 32 MiB page cache per connection (the default is 2 MiB: a region's sums re-read their index)
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _sqlite_begin(busy_timeout_ms: int) -> Callable[[Connection], None]:
    def begin(connection: Connection) -> None:
        # a transaction that must not wait (``Database.session(wait=False)``) runs with no busy
        # timeout; the connection's timeout is set back at the next transaction that waits
        wanted = 0 if _nowait.get() else int(busy_timeout_ms)
        if connection.info.get("greenmfg_busy_timeout", busy_timeout_ms) != wanted:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={wanted}")
            connection.info["greenmfg_busy_timeout"] = wanted
        # immediate: the write lock is taken now (waiting up to the busy timeout), so a later
        # write cannot fail because another connection wrote since this transaction's first read
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")

    return begin


class Database:
    """Engine + session factory for one database URL."""

    def __init__(self, url: str, *, engine: Engine | None = None, pool_size: int = 10,
                 sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS) -> None:
        self.url = url
        if engine is None:
            if url.startswith("sqlite"):
                path = url.removeprefix("sqlite:///")
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                # the driver's own wait (timeout, seconds) matches the busy timeout
                engine = create_engine(url, connect_args={"check_same_thread": False,
                                                          "timeout": sqlite_busy_timeout_ms / 1000})
                event.listen(engine, "connect", _sqlite_pragmas(sqlite_busy_timeout_ms))
                event.listen(engine, "begin", _sqlite_begin(sqlite_busy_timeout_ms))
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

        if session.in_nested_transaction():
            # a savepoint released (SQLAlchemy tells it as a commit): nothing is committed yet, and the
            # statistics refreshed on another connection would wait for this transaction's write lock
            # (SQLite: "database is locked"); the counts stay for the outermost commit
            return
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
    def session(self, *, write: bool | None = None, wait: bool = True) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error.

        ``write``: whether the transaction may write (on SQLite ``True`` begins it immediate,
        ``False`` deferred: see the module docstring); ``None``: as the context says
        (:func:`reading`). ``wait=False``: on SQLite, fail at once (``OperationalError``,
        "database is locked") instead of waiting for another connection's write lock: for
        bookkeeping writes that may be skipped.
        """
        token = None if write is None else _writing.set(write)
        nowait = None if wait else _nowait.set(True)
        try:
            with self.sessionmaker() as session, session.begin():
                yield session
        finally:
            if nowait is not None:
                _nowait.reset(nowait)
            if token is not None:
                _writing.reset(token)

    def dispose(self) -> None:
        self.engine.dispose()
