"""The one settings object of greenmfg, read from the environment (``GREENMFG_*``).

Nothing reads the environment anywhere else. Development defaults need no configuration: a
SQLite file under ``var/``; production (``GREENMFG_ENV=production``) refuses default secrets.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from greenmfg.errors import GreenmfgError

__all__ = ["DEFAULT_SECRET_KEY", "PRODUCTION_CHECKS", "ConfigurationError", "Network", "Settings", "weak_secret_reason"]

#: Used in development and tests only; production refuses to start with it.
DEFAULT_SECRET_KEY = "greenmfg-development-secret-key-do-not-use-in-production"


class ConfigurationError(GreenmfgError):
    """The settings are unusable (for example a default secret in production)."""

    status = 500
    code = "configuration_error"
    message = "the settings are unusable"
    message_zh = "配置无效"
    one_text = True


def _bool(env: dict[str, str], name: str, default: bool | None) -> bool | None:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name}={raw!r}: use 1 or 0 / {name} 只能是 1 或 0")


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(env: dict[str, str], name: str) -> tuple[Network, ...]:
    out = []
    for item in (env.get(name) or "").replace(";", ",").split(","):
        if item.strip():
            try:
                out.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError as error:
                raise ConfigurationError(
                    f"{name}: {item.strip()!r} is not an address or CIDR range (e.g. 10.0.0.0/8, ::1) / "
                    f"{name} 中的 {item.strip()!r} 不是 IP 地址或 CIDR 网段") from error
    return tuple(out)


def weak_secret_reason(key: str) -> str | None:
    """Why ``key`` is unfit as a production secret (None: fit).

    Refused: the development default, fewer than 32 characters, fewer than 10 distinct characters
    (``"a" * 32``, ``"ab" * 20``) and any key that is one shorter piece repeated (``"abcdefghijk" * 3``).
    """
    if key == DEFAULT_SECRET_KEY:
        return "it is the development default"
    if len(key) < 32:
        return f"it has {len(key)} characters (at least 32 needed)"
    if len(set(key)) < 10:
        return f"it uses only {len(set(key))} distinct characters (at least 10 needed)"
    if key in (key + key)[1:-1]:
        return "it is one shorter piece repeated"
    return None


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
    #: failures of one (account, client address) pair allowed before delays start
    login_free_failures: int = 3
    #: first delay after the free failures, doubled with each further failure, capped
    login_delay_seconds: int = 1
    login_max_delay_seconds: int = 900
    #: failures from one client address (any accounts) within the window before that address is throttled
    login_max_failures_per_client: int = 20
    #: bytes of previewed or invalid (uncommitted) imports one enterprise may hold
    upload_quota_bytes: int = 100 * 1024 * 1024
    #: hours a previewed or invalid import keeps its file before it expires
    preview_ttl_hours: int = 72
    login_window_minutes: int = 15
    #: proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); none: the peer is the client
    trusted_proxies: tuple[Network, ...] = ()
    #: minimum length of a new password
    password_min_length: int = 12
    #: the API docs (/api/v1/docs, /api/v1/openapi.json); None: on in development, off in production
    api_docs: bool | None = None
    #: seconds an API token's principal is reused without a database lookup (0: never)
    principal_cache_seconds: float = 10.0
    #: SQLite: milliseconds a writer waits for the write lock before "database is locked"
    sqlite_busy_timeout_ms: int = 30_000
    #: seconds between two writes of an API token's ``last_used_at`` (reads do not write it)
    token_touch_seconds: int = 60
    mqtt_url: str | None = None
    #: where greenmfg writes the broker's password and ACL files (and finds ``mosquitto.pid`` to
    #: reload it) after every device credential change; none: ``greenmfg broker files`` by hand
    mqtt_broker_dir: str | None = None
    #: Redis for shared caches (dashboards); none: nothing is cached
    redis_url: str | None = None
    demo_password: str = field(default="greenmfg-demo", repr=False)
    #: the audit chain's HMAC key (text), or a file holding it; retired keys, one a line, for verification
    audit_key: str | None = field(default=None, repr=False)
    audit_key_file: str | None = None
    audit_keyring_file: str | None = None
    #: append-only file of signed checkpoints (default var/audit-checkpoints.jsonl), written after every
    #: ``audit_checkpoint_every``-th event (0: only on ``greenmfg audit verify``); syslog address (optional)
    audit_checkpoints: str | None = None
    audit_checkpoint_every: int = 1
    audit_syslog: str | None = None
    #: notifications by e-mail (greenmfg.notifications): off unless an SMTP host is set; ``smtp_tls`` is
    #: ``starttls``, ``ssl`` or ``none``
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str = "greenmfg@localhost"
    smtp_tls: str = "starttls"
    #: notifications to the organisations' webhooks: off unless switched on; private and loopback
    #: addresses are refused unless allowed (SSRF); seconds a webhook may take to answer
    webhooks: bool = False
    webhook_allow_private: bool = False
    webhook_timeout_seconds: int = 5
    #: the platform's address as users reach it, for the links in e-mails (e.g. https://greenmfg.example.cn)
    public_url: str | None = None

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def docs_enabled(self) -> bool:
        return (not self.production) if self.api_docs is None else self.api_docs

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
            upload_quota_bytes=_int(env, "GREENMFG_UPLOAD_QUOTA_BYTES", base.upload_quota_bytes),
            preview_ttl_hours=_int(env, "GREENMFG_PREVIEW_TTL", base.preview_ttl_hours),
            mqtt_url=env.get("GREENMFG_MQTT_URL") or None,
            mqtt_broker_dir=env.get("GREENMFG_MQTT_BROKER_DIR") or None,
            redis_url=env.get("GREENMFG_REDIS_URL") or None,
            login_max_failures_per_client=_int(env, "GREENMFG_LOGIN_MAX_FAILURES_PER_CLIENT",
                                               base.login_max_failures_per_client),
            trusted_proxies=_networks(env, "GREENMFG_TRUSTED_PROXIES"),
            password_min_length=_int(env, "GREENMFG_PASSWORD_MIN_LENGTH", base.password_min_length),
            api_docs=_bool(env, "GREENMFG_API_DOCS", base.api_docs),
            principal_cache_seconds=float(_int(env, "GREENMFG_TOKEN_CACHE_SECONDS", int(base.principal_cache_seconds))),
            audit_key=env.get("GREENMFG_AUDIT_KEY") or None,
            audit_key_file=env.get("GREENMFG_AUDIT_KEY_FILE") or None,
            audit_keyring_file=env.get("GREENMFG_AUDIT_KEYRING_FILE") or None,
            audit_checkpoints=env.get("GREENMFG_AUDIT_CHECKPOINTS") or None,
            audit_checkpoint_every=_int(env, "GREENMFG_AUDIT_CHECKPOINT_EVERY", base.audit_checkpoint_every),
            audit_syslog=env.get("GREENMFG_AUDIT_SYSLOG") or None,
            sqlite_busy_timeout_ms=_int(env, "GREENMFG_SQLITE_BUSY_TIMEOUT_MS", base.sqlite_busy_timeout_ms),
            token_touch_seconds=_int(env, "GREENMFG_TOKEN_TOUCH_SECONDS", base.token_touch_seconds),
            smtp_host=env.get("GREENMFG_SMTP_HOST") or None,
            smtp_port=_int(env, "GREENMFG_SMTP_PORT", base.smtp_port),
            smtp_user=env.get("GREENMFG_SMTP_USER") or None,
            smtp_password=env.get("GREENMFG_SMTP_PASSWORD") or None,
            smtp_from=env.get("GREENMFG_SMTP_FROM") or base.smtp_from,
            smtp_tls=(env.get("GREENMFG_SMTP_TLS") or base.smtp_tls).strip().lower(),
            webhooks=bool(_bool(env, "GREENMFG_WEBHOOKS", base.webhooks)),
            webhook_allow_private=bool(_bool(env, "GREENMFG_WEBHOOK_ALLOW_PRIVATE", base.webhook_allow_private)),
            webhook_timeout_seconds=_int(env, "GREENMFG_WEBHOOK_TIMEOUT_SECONDS", base.webhook_timeout_seconds),
            public_url=env.get("GREENMFG_PUBLIC_URL") or None,
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
        if self.smtp_tls not in ("starttls", "ssl", "none"):
            raise ConfigurationError(
                f"GREENMFG_SMTP_TLS={self.smtp_tls!r}: use starttls, ssl or none / GREENMFG_SMTP_TLS 只能是 starttls、ssl 或 none")
        if self.password_min_length < 8:
            raise ConfigurationError(
                f"GREENMFG_PASSWORD_MIN_LENGTH={self.password_min_length}: at least 8 / 密码最小长度不得少于 8")
        if self.production:
            for problem in self.production_problems():
                raise ConfigurationError(problem)

    def production_problems(self) -> Iterator[str]:
        """What makes these settings unfit for production: each check of :data:`PRODUCTION_CHECKS`."""
        for production_check in PRODUCTION_CHECKS:
            problem = production_check(self)
            if problem:
                yield problem

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and self.database_url != "sqlite:///:memory:":
            return Path(self.database_url[len(prefix):])
        return None


def _secret_key_problem(settings: Settings) -> str | None:
    reason = weak_secret_reason(settings.secret_key)
    if reason is None:
        return None
    return (f"production refuses this GREENMFG_SECRET_KEY: {reason}. Set a random value of at least 32 "
            "characters (python -c 'import secrets; print(secrets.token_urlsafe(48))') / "
            "生产模式拒绝该 GREENMFG_SECRET_KEY（默认值、过短或过于简单）：请设置至少 32 个字符的随机值")


def _database_problem(settings: Settings) -> str | None:
    if settings.database_url.startswith("sqlite"):
        return ("production needs PostgreSQL: set GREENMFG_DATABASE_URL=postgresql+psycopg://… / "
                "生产模式需要 PostgreSQL：请设置 GREENMFG_DATABASE_URL")
    return None


#: The production checks of the settings, in order; each returns a bilingual problem or None.
#: Hook: a domain with its own production requirement (an audit key, ...) adds a function here.
#: Checks that need the database (demo accounts) run at start-up instead:
#: :func:`greenmfg.web.app.production_startup_checks`.
PRODUCTION_CHECKS: list[Callable[[Settings], str | None]] = [_secret_key_problem, _database_problem]


def _database_url(url: str) -> str:
    # accept the plain libpq spelling and use psycopg 3
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url
