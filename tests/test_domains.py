"""Domains plug in: a package with a ``domain.py`` declaration is served with no shared edit."""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import greenmfg
from greenmfg.db.session import Database
from greenmfg.domains import Domain, NavItem, discover, import_models, navigation
from greenmfg.settings import Settings
from greenmfg.web.app import create_app, template_packages

SRC = Path(greenmfg.__file__).parent

#: packages with a templates/ folder that are not a domain's pages: the layout, and the printable
#: reports (their own environment, see greenmfg.reports)
NOT_DOMAIN_TEMPLATES = {"web", "reports"}


@pytest.fixture
def plug_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder searched for greenmfg sub-packages after the real ones (as an installed domain would be)."""
    monkeypatch.setattr(greenmfg, "__path__", [*greenmfg.__path__, str(tmp_path)])
    yield tmp_path
    for name in [name for name in sys.modules if name.startswith("greenmfg.plugdemo")]:
        del sys.modules[name]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


PLUGDEMO = {
    "plugdemo/__init__.py": '"""A domain written for this test only."""\n',
    "plugdemo/domain.py": """\
        from greenmfg.domains import Domain, NavItem

        DOMAIN = Domain("greenmfg.plugdemo", api=("api",), pages=("pages",), templates=True, models=("models",),
                        nav=(NavItem("plugdemo", "Plug demo", "/plugdemo", "leaf", order=85),))
    """,
    "plugdemo/api.py": """\
        from fastapi import APIRouter

        router = APIRouter(prefix="/api/v1/plugdemo")


        @router.get("/ping")
        def ping() -> dict[str, bool]:
            return {"pong": True}
    """,
    "plugdemo/pages.py": """\
        from fastapi import APIRouter, Request
        from fastapi.responses import HTMLResponse

        from greenmfg.web.templating import render

        router = APIRouter(include_in_schema=False)


        @router.get("/plugdemo")
        def hello(request: Request) -> HTMLResponse:
            return render(request, "plugdemo/hello.html", {"who": "plugdemo"})
    """,
    "plugdemo/templates/plugdemo/hello.html": """\
        {% extends "base.html" %}
        {% block title %}{{ _("Dashboard") }}{% endblock %}
        {% block content %}<p id="plugdemo">{{ who }}</p>{% endblock %}
    """,
    "plugdemo/models.py": "IMPORTED = True\n",
}


def test_a_new_domain_is_served_without_a_shared_edit(plug_root: Path) -> None:
    _write(plug_root, PLUGDEMO)
    domains = discover()
    assert [d.name for d in domains if d.name == "plugdemo"] == ["plugdemo"]
    assert "greenmfg.plugdemo" in template_packages(domains)
    assert "greenmfg.plugdemo.models" in import_models(domains)
    assert sys.modules["greenmfg.plugdemo.models"].IMPORTED is True

    app = create_app(Settings(database_url="sqlite:///unused.db"), database=Database("sqlite://"))
    with TestClient(app) as client:
        assert client.get("/api/v1/plugdemo/ping").json() == {"pong": True}
        page = client.get("/plugdemo", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert '<p id="plugdemo">plugdemo</p>' in page.text
        assert "<title>Dashboard" in page.text  # the layout of greenmfg.web around the domain's page
        # the platform's own domains are still there
        assert client.get("/login").status_code == 200
        assert "/api/v1/plugdemo/ping" in client.get("/api/v1/openapi.json").json()["paths"]
    # its navigation entry takes its place among the platform's (after meters, before diagnosis)
    keys = [item.key for item in app.state.templates.nav]
    assert keys[keys.index("meters") + 1:keys.index("diagnosis")] == ["plugdemo"]


def test_the_navigation_is_what_the_domains_declare() -> None:
    """Every entry of the top navigation comes from a domain's declaration, in the platform's order."""
    assert [(item.key, item.href) for item in navigation()] == [
        ("dashboard", "/"), ("imports", "/imports"), ("results", "/results"), ("capacity", "/capacity"),
        ("benchmark", "/benchmark"), ("greenfactory", "/green-factory"), ("greenlist", "/green-list"), ("ets", "/ets"), ("ets-region", "/ets/region"),
        ("cbam", "/cbam"), ("cbam-shared", "/cbam/shared"),
        ("meters", "/meters"), ("diagnosis", "/diagnosis"), ("pathways", "/pathways"), ("region", "/region"), ("admin", "/admin")]
    twice = Domain("greenmfg.twice", nav=(NavItem("region", "Region", "/r", "region", order=1),))
    with pytest.raises(ValueError, match="region"):
        navigation((*discover(), twice))


def test_a_declaration_is_checked(plug_root: Path) -> None:
    _write(plug_root, {"plugdemo/__init__.py": "", "plugdemo/domain.py": "DOMAIN = None\n"})
    with pytest.raises(TypeError, match="greenmfg.plugdemo.domain must define DOMAIN"):
        discover()
    del sys.modules["greenmfg.plugdemo.domain"]
    _write(plug_root, {"plugdemo/domain.py": 'from greenmfg.domains import Domain\nDOMAIN = Domain("greenmfg.capacity")\n'})
    with pytest.raises(ValueError, match="declares package 'greenmfg.capacity'"):
        discover()


def test_a_package_without_a_declaration_is_no_domain(plug_root: Path) -> None:
    _write(plug_root, {"plugdemo/__init__.py": "", "plugdemo/api.py": "raise AssertionError('imported')\n"})
    assert "plugdemo" not in [d.name for d in discover()]


def test_domains_come_in_the_order_of_their_names() -> None:
    names = [d.name for d in discover()]
    assert names == sorted(names)
    assert {"accounting", "auth", "capacity", "monitoring", "orgs"} <= set(names)
    assert Domain("greenmfg.monitoring", api=("baselines_api", "api"), pages=("pages",)).router_modules == (
        "greenmfg.monitoring.baselines_api", "greenmfg.monitoring.api", "greenmfg.monitoring.pages")


def _module(path: Path) -> str:
    return ".".join(("greenmfg", *path.relative_to(SRC).with_suffix("").parts))


def test_every_router_models_module_and_template_folder_is_declared() -> None:
    """Nothing a domain adds is left out of its declaration (it would silently not be served or migrated)."""
    domains = discover()
    routers = {name for d in domains for name in d.router_modules}
    models = {name for d in domains for name in d.module_names("models")}
    templates = {d.name for d in domains if d.templates}
    found_routers, found_models = set(), set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^router(: APIRouter)? = APIRouter\(", text, re.MULTILINE):
            found_routers.add(_module(path))
        if "__tablename__" in text:
            found_models.add(_module(path))
    assert found_routers - {"greenmfg.web.pages"} == routers
    assert found_models == models
    assert {p.parent.name for p in SRC.glob("*/templates")} - NOT_DOMAIN_TEMPLATES == templates
