"""Alembic, driven from code: the migrations live in ``greenmfg/db/migrations``.

``upgrade`` brings a database to the newest schema; ``pending_differences`` compares the
models with a migrated database (a test fails when they differ).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from greenmfg.db.session import Database, reading
from greenmfg.db.statistics import refresh_statistics

__all__ = ["alembic_config", "pending_differences", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    config.attributes["engine"] = database.engine
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (idempotent), then refresh the planner statistics."""
    command.upgrade(alembic_config(database), revision)
    refresh_statistics(database.engine)


def pending_differences(database: Database) -> list[Any]:
    """Differences between the models and the migrated schema (empty when they agree)."""
    from greenmfg.db.models import Base

    # a read: on SQLite it must not wait for (or take) the write lock
    with reading(), database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))
