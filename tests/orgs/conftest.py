"""Access-policy tests use the platform's database fixtures (both backends) and its world."""

from __future__ import annotations

from tests.platform import conftest as platform

# pytest finds fixtures among this module's names
_migrated, _password_hash, database = platform._migrated, platform._password_hash, platform.database
world, settings, client, login = platform.world, platform.settings, platform.client, platform.login
