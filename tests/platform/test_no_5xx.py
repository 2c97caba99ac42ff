"""No 5xx on bad input (issue #13, item 9): ids out of range, NUL characters, broken workbooks."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from .conftest import Login, World, app_routes
from .web_helpers import csrf_of, signed_in

HUGE_IDS = (2**31, 2**63)   # past PostgreSQL integer; past SQLite INTEGER


def _int_path_routes(app: Any) -> list[tuple[str, str, list[str]]]:
    """(method, path, int path parameters) of every route with an integer path parameter."""
    out = []
    for route in app_routes(app):
        names = [p.name for p in route.dependant.path_params
                 if p.field_info.annotation is int or "int" in str(p.field_info.annotation)]
        if names:
            for method in sorted(route.methods - {"HEAD"}):
                out.append((method, route.path, names))
    return out


def test_every_integer_path_parameter_refuses_out_of_range_ids(client: TestClient, world: World,
                                                                login: Login) -> None:
    headers = login("admin")
    browser = signed_in(client, "admin")
    csrf = {"X-CSRF-Token": csrf_of(browser.get("/").text)}
    routes = _int_path_routes(client.app)
    assert len(routes) > 50
    failures = []
    for method, path, names in routes:
        for huge in HUGE_IDS:
            url = path
            for name in names:
                url = url.replace("{" + name + "}", str(huge))
            url = re.sub(r"\{[^}]+\}", "x", url)
            if path.startswith("/api/"):
                answer = client.request(method, url, headers=headers)
            else:
                answer = browser.request(method, url, headers=csrf, follow_redirects=False)
            located = path.startswith("/api/") and any(
                d.get("location") == f"path.{names[0]}" for d in answer.json()["error"]["details"])
            if answer.status_code != 422 or (path.startswith("/api/") and not located):
                failures.append(f"{method} {url} -> {answer.status_code} {answer.text[:200]}")
    assert not failures, "\n".join(failures)
