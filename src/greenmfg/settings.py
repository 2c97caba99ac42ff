"""The one settings object of greenmfg, read from the environment (``GREENMFG_*``).

Nothing reads the environment anywhere else. Development defaults need no configuration: a
SQLite file under ``var/``; production (``GREENMFG_ENV=production``) refuses default secrets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from greenmfg.errors import GreenmfgError

__all__ = ["DEFAULT_SECRET_KEY", "ConfigurationError", "Settings"]

#: Used in development and tests only; production refuses to start with it.
DEFAULT_SECRET_KEY = "greenmfg-development-secret-key-do-not-use-in-production"


class ConfigurationError(GreenmfgError):
    """The settings are unusable (for example a default secret in production)."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ConfigurationError(f"{name}={raw!r} is not an integer / {name} 必须是整数") from error


@dataclass(frozen=True, slots=True)
class Settings:
    """Platform settings.

    Attributes
    ----------
    database_url
        SQLAlchemy URL; SQLite file ``var/greenmfg.db`` by default, PostgreSQL in production
        (``postgresql+psycopg://user@host/db``).
    environment
        ``development`` or ``production``.
    secret_key
        Key for hashing session and API tokens (HMAC); at least 32 characters in production.
    """

    database_url: str = "sqlite:///var/greenmfg.db"
    environment: str = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    session_hours: int = 12
    api_token_hours: int = 24
    max_upload_bytes: int = 20 * 1024 * 1024
    #: an uploaded .xlsx whose zip parts expand past this is refused before it is parsed
    max_xlsx_uncompressed_bytes: int = 100 * 1024 * 1024
    #: rows of one worksheet of an uploaded .xlsx
    max_xlsx_rows: int = 200_000
    login_max_failures: int = 5
    login_window_minutes: int = 15
    #: seconds an API token's principal is reused without a database lookup (0: never)
    principal_cache_seconds: float = 10.0
    #: SQLite: milliseconds a writer waits for the write lock before "database is locked"
    sqlite_busy_timeout_ms: int = 30_000
    #: seconds between two writes of an API token's ``last_used_at`` (reads do not write it)
    token_touch_seconds: int = 60
    mqtt_url: str | None = None
    #: Redis for shared caches (dashboards); none: nothing is cached
    redis_url: str | None = None
    demo_password: str = field(default="greenmfg-demo", repr=False)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        base = cls()
        return replace(
            base,
            database_url=_database_url(env.get("GREENMFG_DATABASE_URL") or base.database_url),
            environment=env.get("GREENMFG_ENV", base.environment),
            secret_key=env.get("GREENMFG_SECRET_KEY") or base.secret_key,
            session_hours=_int(env, "GREENMFG_SESSION_HOURS", base.session_hours),
            max_upload_bytes=_int(env, "GREENMFG_MAX_UPLOAD_BYTES", base.max_upload_bytes),
            max_xlsx_uncompressed_bytes=_int(env, "GREENMFG_MAX_XLSX_UNCOMPRESSED_BYTES",
                                             base.max_xlsx_uncompressed_bytes),
            max_xlsx_rows=_int(env, "GREENMFG_MAX_XLSX_ROWS", base.max_xlsx_rows),
            mqtt_url=env.get("GREENMFG_MQTT_URL") or None,
            redis_url=env.get("GREENMFG_REDIS_URL") or None,
            principal_cache_seconds=float(_int(env, "GREENMFG_TOKEN_CACHE_SECONDS", int(base.principal_cache_seconds))),
            sqlite_busy_timeout_ms=_int(env, "GREENMFG_SQLITE_BUSY_TIMEOUT_MS", base.sqlite_busy_timeout_ms),
            token_touch_seconds=_int(env, "GREENMFG_TOKEN_TOUCH_SECONDS", base.token_touch_seconds),
        )

    def check(self) -> None:
        """Refuse unusable settings; in production refuse default or weak secrets.

        Raises
        ------
        ConfigurationError
            Naming the setting and how to fix it.
        """
        if self.environment not in ("development", "production"):
            raise ConfigurationError(
                f"GREENMFG_ENV={self.environment!r}: use development or production / "
                "GREENMFG_ENV 只能是 development 或 production")
        if self.production:
            if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
                raise ConfigurationError(
                    "production refuses the default or a short GREENMFG_SECRET_KEY: set a random "
                    "value of at least 32 characters (python -c 'import secrets; print(secrets.token_urlsafe(48))') / "
                    "生产模式拒绝默认或过短的 GREENMFG_SECRET_KEY：请设置至少 32 个字符的随机值")
            if self.database_url.startswith("sqlite"):
                raise ConfigurationError(
                    "production needs PostgreSQL: set GREENMFG_DATABASE_URL=postgresql+psycopg://… / "
                    "生产模式需要 PostgreSQL：请设置 GREENMFG_DATABASE_URL")

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and self.database_url != "sqlite:///:memory:":
            return Path(self.database_url[len(prefix):])
        return None


def _database_url(url: str) -> str:
    # accept the plain libpq spelling and use psycopg 3
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url
