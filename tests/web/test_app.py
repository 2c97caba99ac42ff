"""The app factory serves every domain's routes: those of before domains were discovered, none twice,
and no two domains answering the same request (so the order domains come in decides nothing)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI
from starlette.routing import compile_path

from greenmfg.db.session import Database
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from tests.factories import World, mint_credential

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

#: ``METHOD path`` of every route the app served when the app factory still listed each router
PINNED = Path(__file__).with_name("app_routes.txt")


@pytest.fixture
def app() -> FastAPI:
    return create_app(Settings(database_url="sqlite:///unused.db"), database=Database("sqlite://"))


def _routes(app: FastAPI) -> list[tuple[str, set[str], str]]:
    """(path, methods, endpoint module) of every route, also those inside included routers."""
    out: list[tuple[str, set[str], str]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if hasattr(route, "original_router"):
                walk(list(route.original_router.routes))
                continue
            endpoint = getattr(route, "endpoint", None)
            out.append((route.path, set(getattr(route, "methods", None) or {"MOUNT"}),
                        getattr(endpoint, "__module__", type(route).__name__)))

    walk(list(app.routes))
    return out


def test_every_route_of_before_is_served_once(app: FastAPI) -> None:
    served = [f"{method} {path}" for path, methods, _ in _routes(app) for method in methods]
    pinned = PINNED.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(pinned) == 200
    assert set(pinned) - set(served) == set()
    assert [line for line in set(served) if served.count(line) > 1] == []


def _domain(module: str) -> str:
    return module.split(".")[1] if module.startswith("greenmfg.") else module


def _clashes(routes: list[tuple[str, set[str], str]]) -> list[tuple[str, str]]:
    """(route, request path) where a route of one domain matches a request meant for another's route."""
    compiled = [(path, methods, _domain(module), compile_path(path)[0]) for path, methods, module in routes]
    clashes = []
    for path, methods, domain, _ in compiled:
        for value in ("1", "abc"):
            concrete = re.sub(r"\{[^}]+\}", value, path)
            clashes += [(other, concrete) for other, other_methods, other_domain, regex in compiled
                        if other_domain != domain and methods & other_methods and regex.match(concrete)]
    return clashes


def test_no_two_domains_answer_the_same_request(app: FastAPI) -> None:
    assert _clashes(_routes(app)) == []
    # what a clash looks like: a new domain's route that would shadow (or be shadowed by) another's
    assert _clashes(_routes(app) + [("/api/v1/enterprises/{id}/{part}", {"GET"}, "greenmfg.newdomain.api")]) != []
    assert _clashes([("/capacity/{plan_id}", {"GET"}, "greenmfg.capacity.pages"),
                     ("/capacity/new", {"POST"}, "greenmfg.other.pages")]) == []


# PostgreSQL: a second connection reads beside the test's open transaction (SQLite's write lock
# would make it wait); what is checked does not depend on the backend
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_an_application_attached_again_serves_only_its_new_database(
        client: TestClient, world: World, _migrated: dict[str, tuple[str, Any]], database: Database) -> None:
    """The suite builds an application once per settings and attaches it to each test's database
    (``tests/conftest.app_on``): what it knew of the earlier database (signed-in principals, results,
    the database itself) must not reach the next one."""
    from greenmfg.web.app import attach_database

    token = {"Authorization": f"Bearer {mint_credential(client, 'steel')}"}
    mine = client.get("/api/v1/enterprises", headers=token)
    assert mine.status_code == 200 and mine.json()["items"], mine.text
    app = client.app
    first_cache = app.state.results_cache  # type: ignore[attr-defined]
    # the same migrated schema through another connection: the world seeded above is not committed there
    url, engine = _migrated["postgresql"]
    connection = engine.connect()
    outer = connection.begin()
    try:
        other = Database.bound(url, connection)
        attach_database(app, other)  # type: ignore[arg-type]
        assert app.state.database is other  # type: ignore[attr-defined]
        assert app.state.results_cache is not first_cache  # type: ignore[attr-defined]
        assert app.state.results_cache.bump in other.commit_listeners  # type: ignore[attr-defined]
        # the principal signed in above is unknown to the other database and not remembered
        assert client.get("/api/v1/enterprises", headers=token).status_code == 401
    finally:
        outer.rollback()
        connection.close()
        attach_database(app, database)  # type: ignore[arg-type]
