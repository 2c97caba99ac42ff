"""Production means production (issue #13 item 8): demo accounts, security headers, API docs, secrets."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from greenmfg.auth.models import Membership, User
from greenmfg.auth.security import hash_password
from greenmfg.db.session import Database
from greenmfg.settings import PRODUCTION_CHECKS, ConfigurationError, Settings, weak_secret_reason
from greenmfg.web.app import create_app

from .conftest import PASSWORD, World

STRONG = secrets.token_urlsafe(48)
AUDIT_KEY = secrets.token_urlsafe(48)   # production also needs the audit chain's key (docs/security.md)
PRODUCTION = Settings(environment="production", secret_key=STRONG, audit_key=AUDIT_KEY,
                      database_url="postgresql+psycopg://x@h/db")
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "greenmfg"


def _demo_user(database: Database, world: World, username: str = "demo-admin") -> None:
    with database.session() as session:
        user = User(username=username, display_name="演示", password_hash=hash_password(PASSWORD), demo=True)
        session.add(user)
        session.flush()
        session.add(Membership(user_id=user.id, organisation_id=world.org("platform"), role="admin"))


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


HEADERS = ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy")


def _assert_secured(answer: object, where: str, *, hsts: bool) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    for name in HEADERS:
        assert name in headers, f"{where}: no {name}"
    csp = headers["content-security-policy"]
    script = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, where
    assert "frame-ancestors 'none'" in csp and headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert ("strict-transport-security" in headers) is hsts, where


def test_security_headers_on_every_kind_of_response(database: Database, world: World) -> None:
    for settings, hsts in ((Settings(database_url="sqlite:///unused.db"), False), (PRODUCTION, True)):
        app = create_app(settings, database=database)

        @app.get("/boom")
        def boom() -> None:
            raise RuntimeError("unexpected")

        with TestClient(app, raise_server_exceptions=False) as client:
            answers = {
                "page": client.get("/login"),
                "redirect": client.get("/", follow_redirects=False),
                "api": client.post("/api/v1/auth/token", json={"username": "steel", "password": PASSWORD}),
                "api error": client.get("/api/v1/me"),
                "validation error": client.post("/api/v1/auth/token", json={}),
                "static": client.get("/static/css/app.css"),
                "page 404": client.get("/no/such/page"),
                "api 404": client.get("/api/v1/no-such-thing"),
                "500": client.get("/boom"),
            }
            statuses = {k: v.status_code for k, v in answers.items()}
            assert statuses == {"page": 200, "redirect": 303, "api": 200, "api error": 401,
                                "validation error": 422, "static": 200, "page 404": 404, "api 404": 404,
                                "500": 500}, statuses
            for where, answer in answers.items():
                _assert_secured(answer, where, hsts=hsts)


def test_api_docs_are_off_in_production_unless_asked_for(database: Database, world: World) -> None:
    with TestClient(create_app(Settings(database_url="sqlite:///unused.db"), database=database)) as client:
        assert client.get("/api/v1/openapi.json").status_code == 200
        docs = client.get("/api/v1/docs")
        assert docs.status_code == 200 and "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    with TestClient(create_app(PRODUCTION, database=database)) as client:
        assert client.get("/api/v1/openapi.json").status_code == 404
        assert client.get("/api/v1/docs").status_code == 404
    opened = Settings.from_env({"GREENMFG_ENV": "production", "GREENMFG_SECRET_KEY": STRONG,
                                "GREENMFG_DATABASE_URL": "postgresql://x@h/db", "GREENMFG_API_DOCS": "1",
                                "GREENMFG_AUDIT_KEY": AUDIT_KEY})
    with TestClient(create_app(opened, database=database)) as client:
        assert client.get("/api/v1/openapi.json").status_code == 200
        assert client.get("/api/v1/docs").status_code == 200


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
HTMX_EVAL = re.compile(r"hx-on|hx-vars|js:|javascript:|hx-trigger=\"[^\"]*\[", re.IGNORECASE)


def test_templates_have_no_inline_script_and_htmx_runs_without_eval() -> None:
    templates = sorted(TEMPLATES.glob("**/templates/**/*.html"))
    assert len(templates) > 50
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(text), f"{path}: inline <script>"
        assert not EVENT_HANDLER.search(text), f"{path}: inline event handler"
        assert not HTMX_EVAL.search(text), f"{path}: htmx feature that needs eval"
    for layout in ("base.html", "auth_base.html"):
        text = (TEMPLATES / "web" / "templates" / layout).read_text(encoding="utf-8")
        assert '"allowEval": false' in text and '"includeIndicatorStyles": false' in text, layout
