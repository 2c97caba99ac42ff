"""Settings: production refuses the default or a weak secret key and SQLite; production checks are a
hook other domains extend; plain PostgreSQL URLs are accepted (issue #13 item 8)."""

from __future__ import annotations

import secrets

import pytest

from greenmfg.settings import (
    DEFAULT_SECRET_KEY,
    PRODUCTION_CHECKS,
    ConfigurationError,
    Settings,
    weak_secret_reason,
)
from greenmfg.web.app import create_app

STRONG = secrets.token_urlsafe(48)
AUDIT_KEY = secrets.token_urlsafe(48)   # production also needs the audit chain's key (docs/security.md)
PRODUCTION = Settings(environment="production", secret_key=STRONG, audit_key=AUDIT_KEY,
                      database_url="postgresql+psycopg://x@h/db")


def test_production_refuses_default_secret_and_sqlite() -> None:
    with pytest.raises(ConfigurationError, match="GREENMFG_SECRET_KEY"):
        create_app(Settings(environment="production", database_url="postgresql+psycopg://x@h/db"))
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        Settings(environment="production", secret_key="s0m3-R4nd0m-k3y-fOr-t3sts-only-xyz").check()
    Settings(environment="production", secret_key="s0m3-R4nd0m-k3y-fOr-t3sts-only-xyz",
             database_url="postgresql+psycopg://x@h/db").check()
    assert Settings.from_env({"GREENMFG_ENV": "production"}).secret_key == DEFAULT_SECRET_KEY
    with pytest.raises(ConfigurationError, match="GREENMFG_ENV"):
        Settings(environment="prod").check()


def test_settings_accept_plain_postgres_urls() -> None:
    settings = Settings.from_env({"GREENMFG_DATABASE_URL": "postgresql://postgres@127.0.0.1/test"})
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1/test"


def test_weak_secret_keys_are_refused() -> None:
    for weak in ("a" * 32, "Z" * 64, "ab" * 20, "0123456789" * 4, "short-but-random-7f3a"):
        assert weak_secret_reason(weak) is not None, weak
        with pytest.raises(ConfigurationError, match="GREENMFG_SECRET_KEY"):
            Settings(environment="production", secret_key=weak, database_url="postgresql+psycopg://x@h/db").check()
    assert weak_secret_reason(STRONG) is None
    assert weak_secret_reason(secrets.token_hex(32)) is None
    PRODUCTION.check()


def test_production_checks_are_a_hook_other_domains_extend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("greenmfg.settings.PRODUCTION_CHECKS",
                        [*PRODUCTION_CHECKS, lambda s: "audit key missing / 缺少审计密钥"])
    with pytest.raises(ConfigurationError, match="audit key missing"):
        PRODUCTION.check()
    Settings().check()   # development: production checks do not run
