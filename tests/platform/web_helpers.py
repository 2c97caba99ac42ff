"""Signed-in browser-like clients for page tests (session cookie + CSRF token from the page)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from .conftest import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def signed_in(client: TestClient, username: str, *, locale: str | None = None) -> TestClient:
    """A new client of the same app (own cookie jar), signed in through the login form."""
    browser = TestClient(client.app, raise_server_exceptions=False)
    if locale:
        browser.cookies.set("greenmfg_lang", locale)
    form = browser.get("/login")
    answer = browser.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text),
                                          "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return browser
