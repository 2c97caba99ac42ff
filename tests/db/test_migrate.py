"""The Alembic migrations create exactly the schema the models describe, on both backends."""

from __future__ import annotations

from sqlalchemy import inspect

from greenmfg.db.migrate import pending_differences
from greenmfg.db.models import Base
from greenmfg.db.session import Database


def test_models_and_migrations_agree(database: Database) -> None:
    assert pending_differences(database) == []


def test_every_model_table_is_created(database: Database) -> None:
    with database.session() as session:
        tables = set(inspect(session.connection()).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
