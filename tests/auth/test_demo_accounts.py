"""Demo accounts never reach production (issue #13 item 8): the app refuses to start while one is
active, and a demo account added later never signs in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from greenmfg.auth.models import User
from greenmfg.auth.security import hash_password
from greenmfg.db.session import Database
from greenmfg.settings import ConfigurationError, Settings
from greenmfg.web.app import create_app
from tests.factories import PASSWORD, World, add_user
from tests.test_settings import PRODUCTION


def _demo_user(database: Database, world: World, username: str = "demo-admin") -> None:
    with database.session() as session:
        add_user(session, username, world.org("platform"), "admin", hash_password(PASSWORD), display_name="演示", demo=True)


def test_production_refuses_to_start_while_demo_accounts_are_active(database: Database, world: World) -> None:
    _demo_user(database, world)
    with pytest.raises(ConfigurationError, match="demo-admin") as caught:
        create_app(PRODUCTION, database=database)
    assert "greenmfg users disable-demo" in str(caught.value) and "演示账号" in str(caught.value)
    create_app(Settings(database_url="sqlite:///unused.db"), database=database)   # development starts
    with database.session() as session:
        session.execute(update(User).where(User.demo.is_(True)).values(active=False))
    create_app(PRODUCTION, database=database)


def test_a_demo_account_never_signs_in_in_production(database: Database, world: World) -> None:
    _demo_user(database, world)
    app = create_app(Settings(database_url="sqlite:///unused.db"), database=database)
    with TestClient(app) as client:
        ok = client.post("/api/v1/auth/token", json={"username": "demo-admin", "password": PASSWORD})
        assert ok.status_code == 200
    app.state.settings = PRODUCTION   # as if start-up had let it through (a demo user added later)
    with TestClient(app) as client:
        refused = client.post("/api/v1/auth/token", json={"username": "demo-admin", "password": PASSWORD})
        assert refused.status_code == 401
