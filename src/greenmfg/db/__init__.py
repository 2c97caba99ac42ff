"""Persistence: one declarative base, one engine/session factory, Alembic migrations."""

from greenmfg.db.base import Base
from greenmfg.db.session import Database

__all__ = ["Base", "Database"]
