"""Web tests that drive real endpoints use the platform's database fixtures (both backends)."""

from tests.platform.conftest import (  # noqa: F401  (fixtures)
    _migrated,
    _password_hash,
    client,
    database,
    login,
    settings,
    world,
)
