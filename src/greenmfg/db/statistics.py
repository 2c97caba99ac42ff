"""Planner statistics kept current: ``ANALYZE`` after writes that change many rows.

Neither SQLite nor PostgreSQL plans well on tables it knows nothing about: without statistics
SQLite guesses that every index narrows a table to ten rows, and a PostgreSQL table filled by a
seed or bulk imports waits for autovacuum's threshold before it is analysed. A region's queries
then probe the wrong index (measured 220–2 400 × slower before ``ANALYZE``).

Writers count the rows they change in the session (:func:`note_changed_rows`); after the commit
:class:`~greenmfg.db.session.Database` adds them up and, once :data:`ANALYZE_AFTER_ROWS` have
changed, refreshes the statistics of the written tables on a connection of its own
(:func:`refresh_statistics`). Migrations and the demo seed refresh them at the end. On SQLite the
analysis is bounded (``PRAGMA analysis_limit``: each index is sampled, not read whole), so it
costs milliseconds whatever the size; PostgreSQL's ``ANALYZE`` samples by design.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.orm import Session

__all__ = ["ANALYZE_AFTER_ROWS", "CHANGED_ROWS", "STATISTICS_TABLES", "note_changed_rows", "refresh_statistics"]

#: session.info key: rows the session's writes changed
CHANGED_ROWS = "greenmfg.changed_rows"
#: changed rows (summed over commits) after which the statistics are refreshed
ANALYZE_AFTER_ROWS = 2000
#: rows SQLite reads per index when analysing (0: all)
SQLITE_ANALYSIS_LIMIT = 1000
#: the tables bulk writes (imports, recalculations, the demo seed) change
STATISTICS_TABLES = ("facility_results", "activity_records", "data_versions", "calculation_runs",
                     "import_batches", "facilities", "organisations", "line_templates")


def note_changed_rows(session: Session, rows: int) -> None:
    """Count ``rows`` changed by this session's transaction (statistics are refreshed after commits)."""
    session.info[CHANGED_ROWS] = int(session.info.get(CHANGED_ROWS, 0)) + rows


def refresh_statistics(bind: Engine | Connection, *, tables: tuple[str, ...] | None = STATISTICS_TABLES) -> None:
    """``ANALYZE`` ``tables`` (None: the whole database), bounded on SQLite.

    Given an engine it runs on a connection of its own and commits (PostgreSQL: ``VACUUM (ANALYZE)``
    in autocommit); given a connection it runs inside that connection's transaction (``ANALYZE``).
    """
    if tables is not None:
        # those that exist (a database migrated part of the way has not all of them)
        existing = set(inspect(bind).get_table_names())
        tables = tuple(t for t in tables if t in existing)
        if not tables:
            return
    if isinstance(bind, Engine):
        if bind.dialect.name == "postgresql":
            # outside a transaction: VACUUM also sets the visibility map, without which PostgreSQL
            # reads the wide result rows instead of the covering index (index-only scans); it
            # skips the pages unchanged since the last one, so it costs what the writes changed
            with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                names = "" if tables is None else " " + ", ".join(f'"{t}"' for t in tables)
                connection.exec_driver_sql(f"VACUUM (ANALYZE){names}")
            return
        with bind.connect() as connection:
            refresh_statistics(connection, tables=tables)
            connection.commit()
        return
    dialect = bind.dialect.name
    if dialect == "sqlite":
        bind.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        if tables is None:
            bind.exec_driver_sql("ANALYZE")
        else:
            for table in tables:
                bind.exec_driver_sql(f'ANALYZE "{table}"')
        # what the analysis did not cover, PRAGMA optimize decides by itself (cheap when nothing is stale)
        bind.exec_driver_sql("PRAGMA optimize")
    elif dialect == "postgresql":
        bind.exec_driver_sql("ANALYZE" if tables is None else "ANALYZE " + ", ".join(f'"{t}"' for t in tables))
