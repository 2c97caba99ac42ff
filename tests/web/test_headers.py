"""Production means production (issue #13 item 8): security headers on every response, API docs off,
no inline script (demo accounts: tests/auth/test_demo_accounts.py; secrets: tests/test_settings.py)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from greenmfg.db.session import Database
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from tests.factories import PASSWORD, World
from tests.test_settings import AUDIT_KEY, PRODUCTION, STRONG

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "greenmfg"


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
