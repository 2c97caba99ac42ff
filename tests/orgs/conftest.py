"""Access-policy tests use the platform's database fixtures (both backends) and its world."""

from __future__ import annotations

from tests.platform.conftest import (  # noqa: F401  (fixtures)
    World,
    _migrated,
    _password_hash,
    client,
    database,
    login,
    settings,
    world,
)
