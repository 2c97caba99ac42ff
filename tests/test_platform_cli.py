"""Platform commands: demo accounts (seeding once), audit verification with its exit code, db check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from greenmfg.cli import app
from greenmfg.db.session import Database
from greenmfg.settings import ConfigurationError, Settings
from greenmfg.web.app import production_startup_checks

runner = CliRunner()


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GREENMFG_DATABASE_URL", url)
    return url


def test_demo_accounts_json_seeds_once_and_lists_every_role(sqlite_env: str) -> None:
    first = runner.invoke(app, ["demo-accounts", "--json"])
    assert first.exit_code == 0, first.output
    accounts = json.loads(first.stdout)
    assert {a["role"] for a in accounts} == {"admin", "regulator", "evaluator", "enterprise"}
    assert all(set(a) == {"username", "password", "role", "organisation_id"} for a in accounts)
    assert {"demo-steel", "demo-cement", "demo-glass", "demo-aluminium", "demo-chemicals"} <= {
        a["username"] for a in accounts}
    again = runner.invoke(app, ["demo-accounts", "--json"])
    assert json.loads(again.stdout) == accounts  # seeded once: same organisations and ids
    engine = create_engine(sqlite_env)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM organisations WHERE kind='enterprise'")).scalar() == 40
        # the seeded accounts are marked as demo accounts, and only they
        marked = connection.execute(text("SELECT username FROM users WHERE demo AND active")).scalars().all()
        assert sorted(marked) == sorted(a["username"] for a in accounts)
    engine.dispose()
    # production refuses this database until the demo accounts are deactivated
    production = Settings(environment="production", secret_key="k9-Vx2-pQ7-zL4-mN8-rT1-wY6-bH3-cJ5",
                          database_url="postgresql+psycopg://x@h/db")
    database = Database(sqlite_env)
    with pytest.raises(ConfigurationError, match="demo-admin"):
        production_startup_checks(production, database)
    disabled = runner.invoke(app, ["users", "disable-demo"])
    assert disabled.exit_code == 0, disabled.output
    production_startup_checks(production, database)
    database.dispose()


def test_audit_verify_exit_codes(sqlite_env: str) -> None:
    assert runner.invoke(app, ["demo-accounts", "--json"]).exit_code == 0
    intact = runner.invoke(app, ["audit", "verify"])
    assert intact.exit_code == 0 and "intact" in intact.stdout
    engine = create_engine(sqlite_env)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1"))
    engine.dispose()
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 3
    assert "edited" in broken.stdout


def test_db_check_agrees(sqlite_env: str) -> None:
    result = runner.invoke(app, ["db", "check"])
    assert result.exit_code == 0, result.output
